//! Sessions at the edge: the signed `__Host-bio-session` cookie plus a `session/<sid>` record in
//! `bio_accounts`, so a session can be revoked server-side (logout, account deletion).
//!
//! A session counts only when all three hold: the cookie's MAC and expiry check out (current or
//! previous key), its record exists, and the account it names exists.

use std::time::Duration;

use fastly::Request;

use super::request::{cookie, random};
use super::stores::{Kv, Versioned, Write};
use super::{AppError, Ctx};
use crate::account::Account;
use crate::ceremony::SessionRecord;
use crate::session::{self, SESSION_COOKIE, SESSION_TTL_SECS, SessionClaims};

/// A signed-in visitor.
pub struct Current {
    pub claims: SessionClaims,
    pub record: SessionRecord,
    pub account: Versioned<Account>,
}

/// The visitor's session, if the cookie is valid, not revoked, and its account still exists.
pub fn current(
    request: &Request,
    ctx: &Ctx<'_>,
    accounts: &Kv,
) -> Result<Option<Current>, AppError> {
    let Some(token) = cookie(request, SESSION_COOKIE) else {
        return Ok(None);
    };
    let Ok(claims) = session::open_session(&ctx.config.keys, token, ctx.now) else {
        return Ok(None);
    };
    let Some(record) = accounts.get::<SessionRecord>(&SessionRecord::key(&claims.sid))? else {
        return Ok(None);
    };
    let record = record.value;
    if record.expires_at <= ctx.now
        || record.user_handle != claims.uid
        || record.account_key != claims.cid
    {
        return Ok(None);
    }
    let Some(account) = accounts.get::<Account>(&record.account_key)? else {
        return Ok(None);
    };
    if account.value.user_handle != claims.uid {
        return Ok(None);
    }
    Ok(Some(Current {
        claims,
        record,
        account,
    }))
}

/// A fresh session id (32 random bytes): a new one at every sign-in.
pub fn new_id() -> Result<String, AppError> {
    Ok(session::session_id(random::<32>()?))
}

/// Writes the record of session `sid` for an account and returns the `Set-Cookie` value.
pub fn start(
    ctx: &Ctx<'_>,
    accounts: &Kv,
    sid: &str,
    account_key: &str,
    user_handle: &str,
) -> Result<String, AppError> {
    let expires_at = ctx.now + SESSION_TTL_SECS;
    let record = SessionRecord {
        account_key: account_key.to_owned(),
        user_handle: user_handle.to_owned(),
        expires_at,
        created_at: ctx.now,
    };
    let ttl = Some(Duration::from_secs(SESSION_TTL_SECS));
    if accounts.insert_new(&SessionRecord::key(sid), &record, ttl)? == Write::Conflict {
        return Err(AppError::internal("a fresh session id collided"));
    }
    let claims = SessionClaims {
        sid: sid.to_owned(),
        uid: user_handle.to_owned(),
        cid: account_key.to_owned(),
        exp: expires_at,
    };
    let token = session::seal_session(&ctx.config.keys, &claims);
    Ok(session::session_cookie(&token))
}
