//! `GET /_bio/inventory`: what the KV stores hold, checked against the account's rules
//! ([`crate::account::inventory`]). For load and test services only: it answers 404, like any
//! unknown path, unless bio_config `test_inventory = on` (absent, and `off` under `[setup]`), since
//! it lists every account's user handle and reads every key.

use fastly::http::StatusCode;
use fastly::kv_store::KVStoreError;
use fastly::{KVStore, Request};

use super::{AppError, Ctx, Reply, headers};
use crate::account::inventory;

/// The path.
pub const PATH: &str = "/_bio/inventory";

/// `GET /_bio/inventory`.
pub fn inventory(_request: Request, ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    if !ctx.config.test_inventory {
        return Err(AppError::not_found());
    }
    let accounts = open(ctx.stores.accounts)?;
    let mut records = Vec::new();
    for key in keys(&accounts)? {
        match accounts.lookup(&key) {
            Ok(mut found) => records.push((key, found.take_body_bytes())),
            // Deleted (or expired) between the listing and the read.
            Err(KVStoreError::ItemNotFound) => {}
            Err(error) => return Err(AppError::unavailable(format!("inventory: {error}"))),
        }
    }
    let challenges = keys(&open(ctx.stores.challenges)?)?;
    let taken = inventory::take(&records, &challenges, ctx.now);
    let body = serde_json::to_value(&taken)
        .map_err(|error| AppError::internal(format!("inventory: {error}")))?;
    Ok(headers::json(StatusCode::OK, &body).into())
}

fn open(name: &str) -> Result<KVStore, AppError> {
    match KVStore::open(name) {
        Ok(Some(store)) => Ok(store),
        Ok(None) => Err(AppError::internal(format!("inventory: no store {name}"))),
        Err(error) => Err(AppError::unavailable(format!("inventory: {error}"))),
    }
}

fn keys(store: &KVStore) -> Result<Vec<String>, AppError> {
    let mut keys = Vec::new();
    for page in store.build_list().iter() {
        let page = page.map_err(|error| AppError::unavailable(format!("inventory: {error}")))?;
        keys.extend(page.into_keys());
    }
    Ok(keys)
}
