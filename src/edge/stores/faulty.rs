//! A [`KvBackend`] for tests: it passes every operation to a real backend, except those it was
//! told to break. It fails the Nth write (to check that a failure at any point leaves the old
//! state or the new one), or makes lookups of a key prefix miss (to play a POP that has not yet
//! seen a recent write).
//!
//! Nothing in production builds one: the edge runs on [`super::FastlyKv`].

use std::cell::RefCell;
use std::time::Duration;

use super::{Condition, KvBackend, StoreError, Write};

/// What to break.
#[derive(Debug, Default, Clone)]
struct Plan {
    /// Fail the write with this 1-based number (inserts and deletes, counted from arming).
    fail_write: Option<usize>,
    writes: usize,
    /// Make this many lookups of keys starting with the prefix answer "absent".
    miss: Option<(String, usize)>,
    /// Every write that reached the inner backend: (store, key).
    log: Vec<(String, String)>,
    /// The write that was made to fail: (store, key).
    failed: Option<(String, String)>,
}

/// The double; wrap a real backend.
pub struct FaultyKv<'a> {
    inner: &'a dyn KvBackend,
    plan: RefCell<Plan>,
}

impl<'a> FaultyKv<'a> {
    pub fn new(inner: &'a dyn KvBackend) -> FaultyKv<'a> {
        FaultyKv {
            inner,
            plan: RefCell::new(Plan::default()),
        }
    }

    /// Fails the `n`th write from now (1-based); `None` breaks nothing.
    pub fn fail_write(&self, n: Option<usize>) {
        let mut plan = self.plan.borrow_mut();
        plan.fail_write = n;
        plan.writes = 0;
        plan.failed = None;
    }

    /// Makes the next `times` lookups of keys starting with `prefix` miss.
    pub fn miss_lookups(&self, prefix: &str, times: usize) {
        self.plan.borrow_mut().miss = Some((prefix.to_owned(), times));
    }

    /// Writes seen since arming (whether they failed or not).
    pub fn writes(&self) -> usize {
        self.plan.borrow().writes
    }

    /// Every write that reached the inner backend.
    pub fn log(&self) -> Vec<(String, String)> {
        self.plan.borrow().log.clone()
    }

    /// The write that was made to fail since arming, if any: (store, key).
    pub fn failed(&self) -> Option<(String, String)> {
        self.plan.borrow().failed.clone()
    }

    fn before_write(&self, store: &str, key: &str) -> Result<(), StoreError> {
        let mut plan = self.plan.borrow_mut();
        plan.writes += 1;
        if plan.fail_write == Some(plan.writes) {
            plan.failed = Some((store.to_owned(), key.to_owned()));
            return Err(StoreError::Unavailable(format!(
                "injected failure of write {} ({store} {key})",
                plan.writes
            )));
        }
        plan.log.push((store.to_owned(), key.to_owned()));
        Ok(())
    }
}

impl KvBackend for FaultyKv<'_> {
    fn lookup(&self, store: &str, key: &str) -> Result<Option<(Vec<u8>, u64)>, StoreError> {
        {
            let mut plan = self.plan.borrow_mut();
            if let Some((prefix, times)) = plan.miss.as_mut()
                && *times > 0
                && key.starts_with(prefix.as_str())
            {
                *times -= 1;
                return Ok(None);
            }
        }
        self.inner.lookup(store, key)
    }

    fn insert(
        &self,
        store: &str,
        key: &str,
        value: Vec<u8>,
        condition: Condition,
        ttl: Option<Duration>,
    ) -> Result<Write, StoreError> {
        self.before_write(store, key)?;
        self.inner.insert(store, key, value, condition, ttl)
    }

    fn delete(&self, store: &str, key: &str) -> Result<(), StoreError> {
        self.before_write(store, key)?;
        self.inner.delete(store, key)
    }
}
