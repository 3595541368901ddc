//! Recovery codes: an optional second way into a one-passkey account, for the person who lost
//! the passkey. A code is a secret to keep offline, like a password; Bio shows it once.
//!
//! A code is 30 symbols of Crockford's base32 (`0-9`, `A-Z` without `I L O U`), shown in six
//! groups of five for reading aloud and writing down: `7KQ2M-…`. The first group (25 bits) is
//! the code's *locator*: it finds the account (`recovery/<locator>` in `bio_accounts`), so
//! attempts can be limited per account, and it is no secret. The other 25 symbols are the
//! secret: 125 random bits. Typing is forgiving, as Crockford intends: lower case, spaces and
//! hyphens are ignored, `O` reads as `0`, `I` and `L` as `1`.
//!
//! Bio keeps only a keyed hash ([`StoredRecoveryCode`]): HMAC-SHA256 under the recovery key of
//! a named version (`recovery_key_v<N>` in `bio_secrets`), never the session key, so rotating
//! the session key voids no code; the record keeps the key's version, so a code made under the
//! previous recovery key still checks out after a rotation. The MAC covers the account's user
//! handle, so a stored hash means nothing for another account.
//!
//! It does not: pick randomness (the edge injects it), read keys (the config does), or touch
//! a store.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::session::Key;

/// Symbols in a code.
pub const CODE_SYMBOLS: usize = 30;
/// Symbols per group as shown.
pub const GROUP_SYMBOLS: usize = 5;
/// Symbols of the locator (the first group).
pub const LOCATOR_SYMBOLS: usize = 5;
/// Random bytes a code is made from (152 bits; the first 150 are used).
pub const CODE_RANDOM_BYTES: usize = 19;
/// Longest input [`RecoveryCode::parse`] looks at: a code with a separator or two between
/// every symbol.
pub const MAX_CODE_INPUT: usize = 128;

/// Crockford's base32 alphabet.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// The MAC's domain-separation label.
const LABEL: &[u8] = b"bio/recovery-code/v1";

/// A recovery code, as made or as typed in.
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCode {
    /// The 30 symbols, canonical (upper case, no separators).
    symbols: String,
}

impl core::fmt::Debug for RecoveryCode {
    // Never print the secret part.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RecoveryCode")
            .field("locator", &self.locator())
            .finish_non_exhaustive()
    }
}

/// Why typed-in text is not a recovery code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeError {
    /// Longer than [`MAX_CODE_INPUT`] bytes.
    TooLong,
    /// A character that is neither a Crockford symbol nor a separator (e.g. `U`, `!`).
    BadSymbol,
    /// Not [`CODE_SYMBOLS`] symbols.
    WrongLength { symbols: usize },
}

impl RecoveryCode {
    /// A new code from injected randomness.
    pub fn from_random(random: [u8; CODE_RANDOM_BYTES]) -> RecoveryCode {
        let mut symbols = String::with_capacity(CODE_SYMBOLS);
        let mut buffer: u32 = 0;
        let mut bits = 0u32;
        for byte in random {
            buffer = (buffer << 8) | u32::from(byte);
            bits += 8;
            while bits >= 5 && symbols.len() < CODE_SYMBOLS {
                bits -= 5;
                let index = usize::try_from((buffer >> bits) & 0x1f).unwrap_or(0);
                symbols.push(char::from(*ALPHABET.get(index).unwrap_or(&b'0')));
            }
            buffer &= (1 << bits) - 1;
        }
        RecoveryCode { symbols }
    }

    /// Reads a code as a person typed it: case, spaces and hyphens do not matter; `O` is `0`,
    /// `I` and `L` are `1`.
    pub fn parse(input: &str) -> Result<RecoveryCode, CodeError> {
        if input.len() > MAX_CODE_INPUT {
            return Err(CodeError::TooLong);
        }
        let mut symbols = String::with_capacity(CODE_SYMBOLS);
        for character in input.chars() {
            let symbol = match character.to_ascii_uppercase() {
                ' ' | '-' | '\t' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
                _ => return Err(CodeError::BadSymbol),
            };
            symbols.push(symbol);
        }
        if symbols.len() != CODE_SYMBOLS {
            return Err(CodeError::WrongLength {
                symbols: symbols.len(),
            });
        }
        Ok(RecoveryCode { symbols })
    }

    /// The locator: the first group, which finds the account. Not a secret.
    pub fn locator(&self) -> &str {
        self.symbols.get(..LOCATOR_SYMBOLS).unwrap_or_default()
    }

    /// The code as shown once to its owner: six groups of five, separated by hyphens.
    pub fn display(&self) -> String {
        let mut shown = String::with_capacity(CODE_SYMBOLS + CODE_SYMBOLS / GROUP_SYMBOLS);
        for (i, symbol) in self.symbols.chars().enumerate() {
            if i > 0 && i % GROUP_SYMBOLS == 0 {
                shown.push('-');
            }
            shown.push(symbol);
        }
        shown
    }

    fn tag(&self, key: &Key, user_handle: &str) -> [u8; 32] {
        key.tag(LABEL, &[user_handle.as_bytes(), self.symbols.as_bytes()])
    }
}

/// The recovery keys in use: `current` hashes new codes; both check codes of their version.
#[derive(Debug, Clone, Default)]
pub struct RecoveryKeys {
    /// The version and key of `recovery_key_v<version>`; `None`: recovery codes are off.
    pub current: Option<(u32, Key)>,
    /// The version before it, while codes made under it may still be around.
    pub previous: Option<(u32, Key)>,
}

impl RecoveryKeys {
    fn key(&self, version: u32) -> Option<&Key> {
        [&self.current, &self.previous]
            .into_iter()
            .flatten()
            .find(|(v, _)| *v == version)
            .map(|(_, key)| key)
    }
}

/// What an account keeps of its recovery code: the locator, the MAC and the key's version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredRecoveryCode {
    pub v: u32,
    /// The code's first group.
    pub locator: String,
    /// Which `recovery_key_v<N>` made `mac`.
    pub key_version: u32,
    /// base64url(HMAC-SHA256(key, label ‖ 0x00 ‖ user handle ‖ 0x00 ‖ code)).
    pub mac: String,
    /// Unix seconds.
    pub created_at: u64,
}

/// Hashes a new code for the account `user_handle` with the current key; `None` when recovery
/// codes are off (no current key).
pub fn store(
    keys: &RecoveryKeys,
    user_handle: &str,
    code: &RecoveryCode,
    now: u64,
) -> Option<StoredRecoveryCode> {
    let (version, key) = keys.current.as_ref()?;
    Some(StoredRecoveryCode {
        v: 1,
        locator: code.locator().to_owned(),
        key_version: *version,
        mac: URL_SAFE_NO_PAD.encode(code.tag(key, user_handle)),
        created_at: now,
    })
}

/// Whether `code` is the one `stored` was made from, for this account. Its key's version must
/// still be configured; the MAC is compared in constant time.
pub fn matches(
    keys: &RecoveryKeys,
    stored: &StoredRecoveryCode,
    user_handle: &str,
    code: &RecoveryCode,
) -> bool {
    // The locator is no secret: a plain comparison is fine.
    if stored.locator != code.locator() {
        return false;
    }
    let Some(key) = keys.key(stored.key_version) else {
        return false;
    };
    let Ok(mac) = URL_SAFE_NO_PAD.decode(&stored.mac) else {
        return false;
    };
    key.verify(
        LABEL,
        &[user_handle.as_bytes(), code.symbols.as_bytes()],
        &mac,
    )
}

#[cfg(test)]
mod tests;
