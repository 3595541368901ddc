//! Sessions at the edge: the signed `__Host-bio-session` cookie plus a `session/<sid>` record in
//! `bio_accounts`, so a session can be revoked server-side (logout, account deletion).
//!
//! A session counts only when all of these hold: the cookie's MAC and expiry check out (current
//! or previous key), its record exists and agrees with the cookie, the account it names exists,
//! that account has not moved away from the passkey the session was established with
//! (replaced or recovered), and "Sign out everywhere else" has not raised the account's session
//! epoch past the record's: each of the last two revokes every other session in one account
//! write, however many there are.

use std::time::Duration;

use fastly::Request;

use super::request::{cookie, random};
use super::stores::{Versioned, Write};
use super::{AppError, Ctx, accounts};
use crate::account::records::{SessionRecord, session_key};
use crate::account::{Account, rules};
use crate::session::{self, SESSION_COOKIE, SESSION_TTL_SECS, SessionClaims};

/// A signed-in visitor.
pub struct Current {
    pub claims: SessionClaims,
    pub record: SessionRecord,
    /// The record's KV generation, so it is rewritten only as it was read.
    pub record_generation: u64,
    pub account: Versioned<Account>,
}

/// How long after a sign-in a missing session or account record may only be lagging: written at
/// one POP, not yet seen at another (production KV is eventually consistent, ~300 ms).
pub const FRESH_SECS: u64 = 60;

/// The pause before the one second look at a record a fresh session did not find.
const MISS_RETRY_PAUSE: Duration = Duration::from_millis(250);

/// The visitor's session, if the cookie is valid, not revoked, and its account still exists.
/// For a session started in the last [`FRESH_SECS`], a missing record is looked up once more
/// after a pause: a miss may only be the store lagging behind the sign-in.
pub fn current(request: &Request, ctx: &Ctx<'_>) -> Result<Option<Current>, AppError> {
    let Some(claims) = valid_claims(request, ctx) else {
        return Ok(None);
    };
    let fresh = is_fresh(&claims, ctx.now);
    let Some(record) = look_twice_if(fresh, || {
        ctx.accounts()
            .get::<SessionRecord>(&session_key(&claims.sid))
    })?
    else {
        return Ok(None);
    };
    let (record, record_generation) = (record.value, record.generation);
    if record.expires_at <= ctx.now
        || record.user_handle != claims.user_handle
        || record.credential_digest != claims.credential_digest
    {
        return Ok(None);
    }
    let Some(account) =
        look_twice_if(fresh, || accounts::by_user_handle(ctx, &claims.user_handle))?
    else {
        return Ok(None);
    };
    // The account moved to another passkey since, or ended its other sessions.
    if !rules::session_counts(&account.value, &claims.credential_digest, record.epoch) {
        return Ok(None);
    }
    Ok(Some(Current {
        claims,
        record,
        record_generation,
        account,
    }))
}

/// Whether the request carries a session cookie that checks out (MAC, expiry) and was issued in
/// the last [`FRESH_SECS`]. Such a cookie is kept even when its session is not found: the store
/// may only be lagging behind the sign-in that set it.
pub fn fresh_cookie(request: &Request, ctx: &Ctx<'_>) -> bool {
    valid_claims(request, ctx).is_some_and(|claims| is_fresh(&claims, ctx.now))
}

fn valid_claims(request: &Request, ctx: &Ctx<'_>) -> Option<SessionClaims> {
    let token = cookie(request, SESSION_COOKIE)?;
    session::open::<SessionClaims>(&ctx.config.keys, token, ctx.now).ok()
}

/// A session's cookie expires [`SESSION_TTL_SECS`] after the sign-in that issued it.
fn is_fresh(claims: &SessionClaims, now: u64) -> bool {
    let issued_at = claims.exp.saturating_sub(SESSION_TTL_SECS);
    now.saturating_sub(issued_at) < FRESH_SECS
}

/// Runs `lookup`, and when `twice` and it found nothing, once more after a pause.
fn look_twice_if<T>(
    twice: bool,
    lookup: impl Fn() -> Result<Option<T>, AppError>,
) -> Result<Option<T>, AppError> {
    match lookup()? {
        None if twice => {
            std::thread::sleep(MISS_RETRY_PAUSE);
            lookup()
        }
        found => Ok(found),
    }
}

/// A fresh session id (32 random bytes): a new one at every sign-in.
pub fn new_id() -> Result<String, AppError> {
    Ok(session::session_id(random::<32>()?))
}

/// Writes the record of session `sid` for the account `user_handle` signed in with the
/// credential whose digest is `credential_digest`, in the account's session epoch `epoch`, and
/// returns the `Set-Cookie` value.
pub fn start(
    ctx: &Ctx<'_>,
    sid: &str,
    user_handle: &str,
    credential_digest: &str,
    epoch: u32,
) -> Result<String, AppError> {
    let expires_at = ctx.now + SESSION_TTL_SECS;
    let record = SessionRecord {
        v: 2,
        user_handle: user_handle.to_owned(),
        credential_digest: credential_digest.to_owned(),
        expires_at,
        created_at: ctx.now,
        epoch,
    };
    let ttl = Some(Duration::from_secs(SESSION_TTL_SECS));
    if ctx.accounts().insert_new(&session_key(sid), &record, ttl)? == Write::Conflict {
        return Err(AppError::internal("a fresh session id collided"));
    }
    let claims = SessionClaims {
        sid: sid.to_owned(),
        user_handle: user_handle.to_owned(),
        credential_digest: credential_digest.to_owned(),
        exp: expires_at,
    };
    Ok(session::session_cookie(&session::seal(
        &ctx.config.keys,
        &claims,
    )))
}

/// Keeps the signed-in session `current` across "Sign out everywhere else": rewrites its record
/// in the session epoch `epoch` (same id, same expiry, so its cookie stays as it is), only as it
/// was read: a session logged out meanwhile is not brought back. Written before the account
/// raises its epoch, so this session never stops counting in between.
pub fn keep_in_epoch(ctx: &Ctx<'_>, current: &Current, epoch: u32) -> Result<(), AppError> {
    let record = SessionRecord {
        epoch,
        ..current.record.clone()
    };
    let ttl = record.expires_at.saturating_sub(ctx.now).max(1);
    let written = ctx.accounts().replace_if(
        &session_key(&current.claims.sid),
        &record,
        current.record_generation,
        Some(Duration::from_secs(ttl)),
    )?;
    if written == Write::Conflict {
        return Err(ended_meanwhile());
    }
    Ok(())
}

/// 401 for a session that ended while its request was being answered.
pub fn ended_meanwhile() -> AppError {
    AppError::unauthorized(
        "not_signed_in",
        "This session ended meanwhile. Sign in again.",
    )
}
