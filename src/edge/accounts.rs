//! Accounts in `bio_accounts`: found through their credential's index, updated with a
//! generation match (retried when another write got there first), moved to a new passkey so
//! that exactly one passkey signs in whatever fails, deleted so that nothing that counts is left
//! behind. The rules of what changes live in `crate::account::rules`; this file
//! only reads, retries and writes (layout: `crate::account::records`).

use std::time::Duration;

use super::stores::{Versioned, Write};
use super::{AppError, Ctx};
use crate::account::records::{
    CredentialEntry, CredentialIndex, Tombstone, TombstoneReason, account_key, credential_digest,
    credential_key, recovery_key, session_key, tombstone_key,
};
use crate::account::rules::MoveRefused;
use crate::account::{ACCOUNT_VERSION, Account, rules};
use crate::webauthn::CredentialRecord;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// How many times an update retries when another write got there first.
const MAX_UPDATE_ATTEMPTS: usize = 5;

/// What looking a credential up found.
pub enum Lookup {
    Found(Box<Versioned<Account>>),
    /// A tombstone: the account was deleted, or moved to another passkey.
    Deleted(TombstoneReason),
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
        // An index left behind by a move to another passkey (or written by one that has not
        // finished) leads to an account that is not this credential's.
        Some(account) if !is_credential_of(&account.value, &digest) => {
            missing_or_deleted(ctx, &digest)
        }
        Some(account) => Ok(Lookup::Found(Box::new(account))),
        None => missing_or_deleted(ctx, &digest),
    }
}

/// Whether `digest` names the account's current passkey.
pub fn is_credential_of(account: &Account, digest: &str) -> bool {
    base64_decode(&account.credential_id).is_ok_and(|id| credential_digest(&id) == digest)
}

fn missing_or_deleted(ctx: &Ctx<'_>, digest: &str) -> Result<Lookup, AppError> {
    match ctx.accounts().get::<Tombstone>(&tombstone_key(digest))? {
        Some(tombstone) if tombstone.value.expires_at > ctx.now => {
            Ok(Lookup::Deleted(tombstone.value.reason))
        }
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
/// index, the recovery code's index and the sessions: a failure there leaves an account that is
/// gone for every purpose (indexes that lead nowhere, session records that no longer count).
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
    if let Some(code) = &account.recovery_code {
        store.delete(&recovery_key(&code.locator))?;
    }
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

/// What moving an account to a new passkey left: the account as written, the replacing
/// browser's new session (its `Set-Cookie` value) and the old credential id (base64url).
pub struct Moved {
    pub account: Account,
    pub session_cookie: String,
    pub old_credential_id: String,
}

/// Moves the account `user_handle` to a verified new passkey (Replace passkey, recovery), in
/// writes ordered so that a failure at any of them leaves the old passkey working, and a
/// success leaves exactly the new one:
/// 1. the new credential's index (Add: a credential id is never overwritten nor owned by two
///    accounts), which leads nowhere until step 3 (a lookup checks the account names it);
/// 2. the replacing browser's new session record, whose cookie nobody holds until step 3 is done;
/// 3. the account, with a generation match: `change` first (e.g. check the code still stands and
///    spend it), then [`rules::move_to_passkey`]. This one write moves it: the new passkey signs
///    in, the old one finds an account that is no longer its own, and every session of the old
///    one stops counting ([`rules::session_counts`]).
///
/// A failure at 1–3 takes back what 1 and 2 wrote and returns the error. After 3 the rest is
/// tidying, best effort (a failure is logged, and the answer is still a success): the old
/// credential's tombstone (so it is reported unknown and the page signals it), its index, and
/// the old sessions' records.
pub fn move_to_passkey(
    ctx: &Ctx<'_>,
    user_handle: &str,
    credential: &CredentialRecord,
    mut change: impl FnMut(&mut Account) -> Result<(), AppError>,
) -> Result<Moved, AppError> {
    let store = ctx.accounts();
    let sid = super::sessions::new_id()?;
    let new_digest = credential_digest(&credential.id);
    let new_index = credential_key(&new_digest);
    let index = CredentialIndex {
        v: 2,
        account: user_handle.to_owned(),
        credential_id: URL_SAFE_NO_PAD.encode(&credential.id),
    };
    if store.insert_new(&new_index, &index, None)? == Write::Conflict {
        return Err(AppError::conflict(
            "credential_exists",
            "This passkey is already registered here. Make a new passkey to replace the old one.",
        ));
    }
    // Epoch 0: the move starts the account's session epochs again ([`rules::move_to_passkey`]).
    let session_cookie = match super::sessions::start(ctx, &sid, user_handle, &new_digest, 0) {
        Ok(cookie) => cookie,
        Err(error) => {
            let _ = store.delete(&new_index);
            return Err(error);
        }
    };
    let mut retired: Option<(String, Vec<String>)> = None;
    let moved = update(ctx, user_handle, |account| {
        change(account)?;
        let old_sessions = account.sessions.clone();
        let old = rules::move_to_passkey(account, credential, ctx.now, &ctx.client, &sid).map_err(
            |refused| match refused {
                MoveRefused::SamePasskey => AppError::conflict(
                    "credential_exists",
                    "That is the passkey you already have. Make a new passkey to replace it.",
                ),
                MoveRefused::StoredIdInvalid => {
                    AppError::internal("a stored credential id is not base64url")
                }
            },
        )?;
        retired = Some((old, old_sessions));
        Ok(())
    });
    let (account, (old_credential_id, old_sessions)) = match (moved, retired) {
        (Ok(account), Some(retired)) => (account, retired),
        (Err(error), _) => {
            let _ = store.delete(&session_key(&sid));
            let _ = store.delete(&new_index);
            return Err(error);
        }
        (Ok(_), None) => return Err(AppError::internal("the move left no old passkey")),
    };

    // Tidying: the account has moved whatever happens here.
    let tidy = |result: Result<(), AppError>| {
        if let Err(error) = result {
            super::log::note("move_tidying_failed", error.code);
        }
    };
    if let Ok(old_id) = base64_decode(&old_credential_id) {
        let old_digest = credential_digest(&old_id);
        let tombstone = Tombstone::because(TombstoneReason::Replaced, ctx.now);
        let ttl = Duration::from_secs(tombstone.expires_at - ctx.now);
        tidy(store.put(&tombstone_key(&old_digest), &tombstone, Some(ttl)));
        tidy(store.delete(&credential_key(&old_digest)));
    }
    for old in old_sessions.iter().filter(|old| **old != sid) {
        tidy(store.delete(&session_key(old)));
    }
    Ok(Moved {
        account,
        session_cookie,
        old_credential_id,
    })
}

fn base64_decode(value: &str) -> Result<Vec<u8>, AppError> {
    URL_SAFE_NO_PAD
        .decode(value)
        .map_err(|_| AppError::internal("a stored account value is not base64url"))
}
