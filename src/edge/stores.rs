//! The KV stores: `bio_challenges` (pending challenges) and `bio_accounts` (accounts keyed by
//! credential, and sessions), as typed JSON records.
//!
//! Writes that must not race use KV's own preconditions: `InsertMode::Add` for a record that
//! must be new (an account, a challenge), `if_generation_match` for a read-modify-write (consuming
//! a challenge, updating an account). Expiry is kept inside each record too: TTL deletion can lag.
//!
//! Error details name the store and the kind of key, never a key: they are logged.

use std::time::Duration;

use fastly::kv_store::{InsertMode, KVStore, KVStoreError};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::AppError;

/// Most bytes read back from a record (accounts keep bounded histories; this is a backstop).
const MAX_RECORD_BYTES: usize = 256 * 1024;

/// One KV store, by name.
pub struct Kv {
    store: KVStore,
    name: String,
}

/// A record and the generation it was read at.
pub struct Versioned<T> {
    pub value: T,
    pub generation: u64,
}

/// Whether a conditional write happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    Done,
    /// The precondition failed: the key exists (Add) or changed since it was read (generation).
    Conflict,
}

impl Kv {
    /// Opens the store; a missing store is a misconfiguration (500).
    pub fn open(name: &str) -> Result<Kv, AppError> {
        match KVStore::open(name) {
            Ok(Some(store)) => Ok(Kv {
                store,
                name: name.to_owned(),
            }),
            Ok(None) => Err(AppError::internal(format!(
                "the KV store `{name}` does not exist on this service"
            ))),
            Err(error) => Err(AppError::internal(format!("KV store `{name}`: {error}"))),
        }
    }

    fn fail(&self, action: &str, error: KVStoreError) -> AppError {
        AppError::internal(format!("KV store `{}`: {action}: {error}", self.name))
    }

    /// Reads a record; `None` when the key is absent.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<Versioned<T>>, AppError> {
        let mut found = match self.store.lookup(key) {
            Ok(found) => found,
            Err(KVStoreError::ItemNotFound) => return Ok(None),
            Err(error) => return Err(self.fail("lookup", error)),
        };
        let generation = found.current_generation();
        let bytes = found.take_body_bytes();
        if bytes.len() > MAX_RECORD_BYTES {
            return Err(AppError::internal(format!(
                "a `{}` record is too large",
                key_kind(key)
            )));
        }
        // Not the error's own text: serde_json quotes the value it choked on.
        let value = serde_json::from_slice(&bytes).map_err(|error| {
            AppError::internal(format!(
                "a `{}` record is unreadable: {:?} error at line {} column {}",
                key_kind(key),
                error.classify(),
                error.line(),
                error.column()
            ))
        })?;
        Ok(Some(Versioned { value, generation }))
    }

    /// Writes a record that must be new: `Conflict` when the key exists.
    pub fn insert_new<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        ttl: Option<Duration>,
    ) -> Result<Write, AppError> {
        let mut insert = self.store.build_insert().mode(InsertMode::Add);
        if let Some(ttl) = ttl {
            insert = insert.time_to_live(ttl);
        }
        self.finish_write(insert.execute(key, encode(value)?))
    }

    /// Replaces a record only if it is still at `generation`: `Conflict` when it changed.
    pub fn replace_if<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        generation: u64,
        ttl: Option<Duration>,
    ) -> Result<Write, AppError> {
        let mut insert = self.store.build_insert().if_generation_match(generation);
        if let Some(ttl) = ttl {
            insert = insert.time_to_live(ttl);
        }
        self.finish_write(insert.execute(key, encode(value)?))
    }

    fn finish_write(&self, result: Result<(), KVStoreError>) -> Result<Write, AppError> {
        match result {
            Ok(()) => Ok(Write::Done),
            Err(KVStoreError::ItemPreconditionFailed) => Ok(Write::Conflict),
            Err(error) => Err(self.fail("insert", error)),
        }
    }

    /// Deletes a record; deleting an absent key is not an error.
    pub fn delete(&self, key: &str) -> Result<(), AppError> {
        match self.store.delete(key) {
            Ok(()) | Err(KVStoreError::ItemNotFound) => Ok(()),
            Err(error) => Err(self.fail("delete", error)),
        }
    }
}

/// What kind of record a key names (`session/…`, `credential/…`), for error details: they are
/// logged, and a key holds a session id, a challenge id or a credential's digest.
fn key_kind(key: &str) -> &str {
    key.split_once('/').map_or("?", |(kind, _)| kind)
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, AppError> {
    serde_json::to_vec(value).map_err(|error| AppError::internal(format!("encode: {error}")))
}
