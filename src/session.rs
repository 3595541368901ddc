//! Placeholder until the session codec lands: the key types the configuration validates.

/// An HMAC key of at least 32 bytes.
#[derive(Clone)]
pub struct Key {
    secret: Vec<u8>,
}

/// A key shorter than 32 bytes.
#[derive(Debug)]
pub struct KeyError;

impl Key {
    pub fn new(secret: Vec<u8>) -> Result<Key, KeyError> {
        if secret.len() < 32 {
            return Err(KeyError);
        }
        Ok(Key { secret })
    }
    pub fn len(&self) -> usize {
        self.secret.len()
    }
}

/// `current` signs; `current` and `previous` verify.
#[derive(Clone)]
pub struct SigningKeys {
    pub current: Key,
    pub previous: Option<Key>,
}
