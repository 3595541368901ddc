//! Accounts in `bio_accounts`: found through their credential's index, updated with a
//! generation match (retried when another write got there first), deleted so that nothing that
//! counts is left behind. The rules of what changes live in `crate::account::rules`; this file
//! only reads, retries and writes (layout: `crate::account::records`).

use std::time::Duration;

use super::stores::{Versioned, Write};
use super::{AppError, Ctx};
use crate::account::records::{
    CredentialEntry, CredentialIndex, Tombstone, account_key, credential_digest, credential_key,
    session_key, tombstone_key,
};
use crate::account::{ACCOUNT_VERSION, Account, rules};

/// How many times an update retries when another write got there first.
const MAX_UPDATE_ATTEMPTS: usize = 5;

/// What looking a credential up found.
pub enum Lookup {
    Found(Versioned<Account>),
    /// A tombstone: the account was deleted.
    Deleted,
    /// Nothing, and no tombstone: never registered here, or not seen by this POP yet.
    Missing,
}

/// The account a credential leads to. A version 1 account, stored whole under its credential's
/// key, is moved to its user handle's key on the way (the index then takes its place).
pub fn by_credential(ctx: &Ctx<'_>, credential_id: &[u8]) -> Result<Lookup, AppError> {
    let store = ctx.accounts();
    let digest = credential_digest(credential_id);
    let found = match store.get::<CredentialEntry>(&credential_key(&digest))? {
        Some(found) => found,
        None => return missing_or_deleted(ctx, &digest),
    };
    let user_handle = match found.value {
        CredentialEntry::Index(index) => index.account,
        CredentialEntry::Legacy(account) => {
            let user_handle = account.user_handle.clone();
            migrate(ctx, &digest, *account, found.generation)?;
            user_handle
        }
    };
    match store.get::<Account>(&account_key(&user_handle))? {
        Some(account) => Ok(Lookup::Found(account)),
        None => missing_or_deleted(ctx, &digest),
    }
}

fn missing_or_deleted(ctx: &Ctx<'_>, digest: &str) -> Result<Lookup, AppError> {
    match ctx.accounts().get::<Tombstone>(&tombstone_key(digest))? {
        Some(tombstone) if tombstone.value.expires_at > ctx.now => Ok(Lookup::Deleted),
        _ => Ok(Lookup::Missing),
    }
}

/// Moves a version 1 account to `account/<user handle>`, then points its credential's key at it.
/// Either write may have been done already by a concurrent request; both are idempotent.
fn migrate(
    ctx: &Ctx<'_>,
    digest: &str,
    mut account: Account,
    generation: u64,
) -> Result<(), AppError> {
    let store = ctx.accounts();
    account.v = ACCOUNT_VERSION;
    // Conflict: another request moved it first; its copy stands.
    store.insert_new(&account_key(&account.user_handle), &account, None)?;
    let index = CredentialIndex::new(&account);
    store.replace_if(&credential_key(digest), &index, generation, None)?;
    Ok(())
}

/// The account with this user handle, if it exists.
pub fn by_user_handle(
    ctx: &Ctx<'_>,
    user_handle: &str,
) -> Result<Option<Versioned<Account>>, AppError> {
    ctx.accounts().get::<Account>(&account_key(user_handle))
}

/// Reads the account, applies `change`, and writes it back at the generation read; on a
/// conflict, reads and applies again.
pub fn update(
    ctx: &Ctx<'_>,
    user_handle: &str,
    mut change: impl FnMut(&mut Account) -> Result<(), AppError>,
) -> Result<Account, AppError> {
    let store = ctx.accounts();
    let key = account_key(user_handle);
    for _ in 0..MAX_UPDATE_ATTEMPTS {
        let found = store.get::<Account>(&key)?.ok_or_else(|| {
            AppError::unauthorized("unknown_credential", "This account was just deleted.")
        })?;
        let mut account = found.value;
        change(&mut account)?;
        if store.replace_if(&key, &account, found.generation, None)? == Write::Done {
            return Ok(account);
        }
    }
    Err(AppError::unavailable(
        "the account kept changing during the update",
    ))
}

/// Notes a refused attempt on the account, at most a few per window
/// ([`rules::note_refusal`]). Best effort: a failure here is logged and never hides the refusal.
pub fn note_refusal(ctx: &Ctx<'_>, user_handle: &str, code: &str) {
    let store = ctx.accounts();
    let key = account_key(user_handle);
    for _ in 0..MAX_UPDATE_ATTEMPTS {
        let Ok(Some(found)) = store.get::<Account>(&key) else {
            return;
        };
        let mut account = found.value;
        if !rules::note_refusal(&mut account, code, ctx.now, &ctx.client) {
            return;
        }
        match store.replace_if(&key, &account, found.generation, None) {
            Ok(Write::Done) => return,
            Ok(Write::Conflict) => continue,
            Err(error) => {
                super::log::note("security_event_unrecorded", error.code);
                return;
            }
        }
    }
}

/// Deletes an account. The tombstone goes first, then the account record: from then on none of
/// its sessions counts, no sign-in finds it, and its passkey is reported unknown. Should the
/// account's deletion fail, the tombstone is taken back, so the old state stands whole. Then the
/// index and the sessions: a failure there leaves an account that is gone for every purpose (an
/// index that leads to a tombstone, session records that no longer count).
pub fn delete(ctx: &Ctx<'_>, account: &Account, also_session: &str) -> Result<(), AppError> {
    let store = ctx.accounts();
    let credential_id = base64_decode(&account.credential_id)?;
    let digest = credential_digest(&credential_id);
    let tombstone = Tombstone::new(ctx.now);
    let ttl = Duration::from_secs(tombstone.expires_at - ctx.now);
    store.put(&tombstone_key(&digest), &tombstone, Some(ttl))?;
    if let Err(error) = store.delete(&account_key(&account.user_handle)) {
        let _ = store.delete(&tombstone_key(&digest));
        return Err(error);
    }
    store.delete(&credential_key(&digest))?;
    for sid in account
        .sessions
        .iter()
        .map(String::as_str)
        .chain(std::iter::once(also_session))
    {
        store.delete(&session_key(sid))?;
    }
    Ok(())
}

fn base64_decode(value: &str) -> Result<Vec<u8>, AppError> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(value)
        .map_err(|_| AppError::internal("a stored account value is not base64url"))
}
