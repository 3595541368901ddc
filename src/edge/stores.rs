//! The KV stores, behind the [`KvBackend`] trait: Fastly's KV store in production
//! ([`FastlyKv`]), and in tests a double that fails or misses the operations it is told to
//! ([`faulty::FaultyKv`]). [`Kv`] reads and writes typed JSON records through either.
//!
//! Writes that must not race use KV's own preconditions: `InsertMode::Add` for a record that
//! must be new (an account, a credential's index entry, a spent ceremony), `if_generation_match`
//! for a read-modify-write (updating an account). Expiry is kept inside each record too: TTL
//! deletion can lag.
//!
//! A store that fails answers 503 with `Retry-After` ([`AppError::unavailable`]); a store that
//! does not exist is a misconfiguration (500).
//!
//! Error details name the store and the kind of key, never a key: they are logged.

use std::cell::RefCell;
use std::time::Duration;

use fastly::kv_store::{InsertMode, KVStore, KVStoreError};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::AppError;

pub mod faulty;

/// Most bytes read back from a record (accounts keep bounded histories; this is a backstop).
const MAX_RECORD_BYTES: usize = 256 * 1024;

/// When a write may happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// Only if the key does not exist (`InsertMode::Add`).
    Absent,
    /// Only if the key is still at this generation.
    Generation(u64),
    /// Whatever is there.
    Any,
}

/// Whether a conditional write happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    Done,
    /// The precondition failed: the key exists (Add) or changed since it was read (generation).
    Conflict,
}

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// No store of that name on this service: a misconfiguration.
    Missing,
    /// The store did not answer as it should: worth retrying later.
    Unavailable(String),
}

/// The operations Bio needs of a key-value store, over raw bytes.
pub trait KvBackend {
    /// The value and its generation; `None` when the key is absent.
    fn lookup(&self, store: &str, key: &str) -> Result<Option<(Vec<u8>, u64)>, StoreError>;
    /// Writes `value` under `key` if `condition` holds.
    fn insert(
        &self,
        store: &str,
        key: &str,
        value: Vec<u8>,
        condition: Condition,
        ttl: Option<Duration>,
    ) -> Result<Write, StoreError>;
    /// Deletes `key`; an absent key is not an error.
    fn delete(&self, store: &str, key: &str) -> Result<(), StoreError>;
}

/// Fastly's KV stores, opened once per request and kept.
#[derive(Default)]
pub struct FastlyKv {
    open: RefCell<Vec<(String, KVStore)>>,
}

impl FastlyKv {
    fn with<T>(
        &self,
        store: &str,
        action: impl FnOnce(&KVStore) -> Result<T, KVStoreError>,
    ) -> Result<T, StoreError> {
        let mut open = self.open.borrow_mut();
        let index = match open.iter().position(|(name, _)| name == store) {
            Some(index) => index,
            None => {
                let handle = match KVStore::open(store) {
                    Ok(Some(handle)) => handle,
                    Ok(None) => return Err(StoreError::Missing),
                    Err(error) => return Err(StoreError::Unavailable(format!("open: {error}"))),
                };
                open.push((store.to_owned(), handle));
                open.len() - 1
            }
        };
        let (_, handle) = open
            .get(index)
            .ok_or_else(|| StoreError::Unavailable("store handle lost".into()))?;
        action(handle).map_err(|error| StoreError::Unavailable(error.to_string()))
    }
}

impl KvBackend for FastlyKv {
    fn lookup(&self, store: &str, key: &str) -> Result<Option<(Vec<u8>, u64)>, StoreError> {
        self.with(store, |handle| match handle.lookup(key) {
            Ok(mut found) => {
                let generation = found.current_generation();
                Ok(Some((found.take_body_bytes(), generation)))
            }
            Err(KVStoreError::ItemNotFound) => Ok(None),
            Err(error) => Err(error),
        })
    }

    fn insert(
        &self,
        store: &str,
        key: &str,
        value: Vec<u8>,
        condition: Condition,
        ttl: Option<Duration>,
    ) -> Result<Write, StoreError> {
        self.with(store, |handle| {
            let mut insert = handle.build_insert();
            insert = match condition {
                Condition::Absent => insert.mode(InsertMode::Add),
                Condition::Generation(generation) => insert.if_generation_match(generation),
                Condition::Any => insert,
            };
            if let Some(ttl) = ttl {
                insert = insert.time_to_live(ttl);
            }
            match insert.execute(key, value) {
                Ok(()) => Ok(Write::Done),
                Err(KVStoreError::ItemPreconditionFailed) => Ok(Write::Conflict),
                Err(error) => Err(error),
            }
        })
    }

    fn delete(&self, store: &str, key: &str) -> Result<(), StoreError> {
        self.with(store, |handle| match handle.delete(key) {
            Ok(()) | Err(KVStoreError::ItemNotFound) => Ok(()),
            Err(error) => Err(error),
        })
    }
}

/// One store, by name, with typed JSON records.
pub struct Kv<'a> {
    backend: &'a dyn KvBackend,
    name: &'a str,
}

/// A record and the generation it was read at.
pub struct Versioned<T> {
    pub value: T,
    pub generation: u64,
}

impl<'a> Kv<'a> {
    pub fn new(backend: &'a dyn KvBackend, name: &'a str) -> Kv<'a> {
        Kv { backend, name }
    }

    fn fail(&self, action: &str, error: StoreError) -> AppError {
        match error {
            StoreError::Missing => AppError::internal(format!(
                "the KV store `{}` does not exist on this service",
                self.name
            )),
            StoreError::Unavailable(detail) => {
                AppError::unavailable(format!("KV store `{}`: {action}: {detail}", self.name))
            }
        }
    }

    /// Reads a record; `None` when the key is absent.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<Versioned<T>>, AppError> {
        let Some((bytes, generation)) = self
            .backend
            .lookup(self.name, key)
            .map_err(|error| self.fail("lookup", error))?
        else {
            return Ok(None);
        };
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
        self.write(key, value, Condition::Absent, ttl)
    }

    /// Replaces a record only if it is still at `generation`: `Conflict` when it changed.
    pub fn replace_if<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        generation: u64,
        ttl: Option<Duration>,
    ) -> Result<Write, AppError> {
        self.write(key, value, Condition::Generation(generation), ttl)
    }

    /// Writes a record whatever is there.
    pub fn put<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        ttl: Option<Duration>,
    ) -> Result<(), AppError> {
        self.write(key, value, Condition::Any, ttl).map(|_| ())
    }

    fn write<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        condition: Condition,
        ttl: Option<Duration>,
    ) -> Result<Write, AppError> {
        let bytes = serde_json::to_vec(value)
            .map_err(|error| AppError::internal(format!("encode: {error}")))?;
        self.backend
            .insert(self.name, key, bytes, condition, ttl)
            .map_err(|error| self.fail("insert", error))
    }

    /// Deletes a record; deleting an absent key is not an error.
    pub fn delete(&self, key: &str) -> Result<(), AppError> {
        self.backend
            .delete(self.name, key)
            .map_err(|error| self.fail("delete", error))
    }
}

/// What kind of record a key names (`session/…`, `credential/…`), for error details: they are
/// logged, and a key holds a session id, a ceremony id or a credential's digest.
fn key_kind(key: &str) -> &str {
    key.split_once('/').map_or("?", |(kind, _)| kind)
}
