//! `POST /logout` and `POST /account/delete`.
//!
//! Logout revokes the session server-side (its record is deleted, so the old cookie no longer
//! works even if replayed), clears the cookie and answers 303 to `/`; it is idempotent and also
//! answers so with no session. Deleting the account removes the account record and every session
//! it remembers, clears the cookie, and sends the browser to `/` with the deleted credential id so
//! the page can ask the passkey manager to forget it (`signalUnknownCredential`).

use fastly::http::StatusCode;
use fastly::{Request, Response};

use super::request::require_origin;
use super::stores::Kv;
use super::{AppError, Ctx, Reply, sessions};
use crate::ceremony::SessionRecord;
use crate::session;

/// `POST /logout`.
pub fn logout(request: Request, ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    require_origin(&request, ctx)?;
    let accounts = Kv::open(ctx.stores.accounts)?;
    if let Some(current) = sessions::current(&request, ctx, &accounts)? {
        accounts.delete(&SessionRecord::key(&current.claims.sid))?;
    }
    Ok(see_other("/").into())
}

/// `POST /account/delete`.
pub fn delete(request: Request, ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    require_origin(&request, ctx)?;
    let accounts = Kv::open(ctx.stores.accounts)?;
    let Some(current) = sessions::current(&request, ctx, &accounts)? else {
        return Err(AppError::unauthorized(
            "not_signed_in",
            "Sign in first to delete your account.",
        ));
    };
    // The account first: once it is gone no session of it counts, whatever happens next.
    accounts.delete(&current.record.account_key)?;
    let account = current.account.value;
    for sid in account
        .sessions
        .iter()
        .chain(std::iter::once(&current.claims.sid))
    {
        accounts.delete(&SessionRecord::key(sid))?;
    }
    let location = format!("/?deleted={}", account.credential_id);
    Ok(see_other(&location).into())
}

/// 303 to `location`, clearing the session cookie (same attributes, Max-Age=0).
fn see_other(location: &str) -> Response {
    let mut response = Response::from_status(StatusCode::SEE_OTHER);
    response.set_header("location", location);
    response.append_header("set-cookie", session::clear_session_cookie());
    response
}
