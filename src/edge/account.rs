//! `POST /logout`, `POST /forget`, `POST /account/confirm`, `POST /account/delete`,
//! `POST /account/name`, `POST /account/sessions/revoke` and `GET /account/export`.
//!
//! Logout revokes the session server-side (its record is deleted, so the old cookie no longer
//! works even if replayed), clears the cookie and answers 303 to `/`; it is idempotent and a
//! plain form POST. The returning-visitor hint survives it, unless the form says `forget=yes`
//! ("Log out and forget me"). `/forget` ("Not you?") removes only the hint.
//!
//! Deleting the account needs more than a click: an explicit `confirm: "yes"` and a fresh
//! assertion by the account's own passkey, on a single-use challenge issued by
//! `/account/confirm` to this session in this browser. A bare form POST never deletes. After
//! the deletion a short-lived, signed, HttpOnly one-shot proof names the deleted credential, so
//! the next page can ask the passkey provider to forget it: the id never travels in a URL.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fastly::http::StatusCode;
use fastly::{Request, Response};
use serde_json::json;

use super::auth::{self, Credential};
use super::request::{form_has, json_body, random, require_origin};
use super::{AppError, Ctx, Reply, accounts, headers, limits, log, sessions};
use crate::account::names::{MAX_NAME_CHARS, NameError, chosen_name};
use crate::account::records::session_key;
use crate::account::rules;
use crate::ceremony::AllowedCredential;
use crate::session::{self, CEREMONY_TTL_SECS, CeremonyClaims, DeletedClaims};

/// `POST /logout`: a plain form; `forget=yes` also removes the hint. The session's record is
/// deleted (that ends it), then the account stops listing it (best effort).
pub fn logout(mut request: Request, ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    require_origin(&request, ctx)?;
    if let Some(current) = sessions::current(&request, ctx)? {
        let sid = &current.claims.sid;
        ctx.accounts().delete(&session_key(sid))?;
        // Best effort: the session is over with its record; the list only stays accurate.
        if current.account.value.sessions.contains(sid) {
            let _ = accounts::update(ctx, &current.account.value.user_handle, |account| {
                rules::forget_session(account, sid);
                Ok(())
            });
        }
    }
    let mut response = see_other("/");
    response.append_header("set-cookie", session::clear_session_cookie());
    if form_has(&mut request, "forget", "yes") {
        response.append_header("set-cookie", session::clear_hint_cookie());
    }
    Ok(log::with_outcome(response, "logged_out").into())
}

/// `POST /forget`: "Not you?" on the signed-out page. Removes the hint, nothing else.
pub fn forget(request: Request, ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    require_origin(&request, ctx)?;
    let mut response = see_other("/");
    response.append_header("set-cookie", session::clear_hint_cookie());
    Ok(log::with_outcome(response, "hint_forgotten").into())
}

/// `POST /account/confirm`: a single-use challenge for the signed-in account's own passkey,
/// bound to this session and browser (to confirm a deletion).
pub fn confirm(request: Request, ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    require_origin(&request, ctx)?;
    let current = signed_in(&request, ctx)?;
    let browser = super::request::browser_id(&request)
        .ok_or_else(|| {
            AppError::bad_request(
                "no_browser_id",
                "This browser did not keep Bio's cookie. Reload the page and try again.",
            )
        })?
        .to_owned();
    let account = &current.account.value;
    let claims = CeremonyClaims {
        ceremony_id: URL_SAFE_NO_PAD.encode(random::<16>()?),
        challenge: URL_SAFE_NO_PAD.encode(random::<32>()?),
        browser_id: browser,
        user_handle: account.user_handle.clone(),
        name: String::new(),
        confirms_sid: Some(current.claims.sid.clone()),
        grant: None,
        confirmed_with: None,
        exp: ctx.now + CEREMONY_TTL_SECS,
    };
    let allow = AllowedCredential {
        id: &account.credential_id,
        transports: &account.transports,
    };
    Ok(log::with_outcome(
        auth::issue(ctx, &claims, Some(&allow)),
        "confirmation_issued",
    )
    .into())
}

/// `POST /account/delete`: `{"confirm": "yes", "ceremony": token, "credential": assertion}`.
/// A refused deletion counts as a failed ceremony ([`limits::counting_failures`]).
pub fn delete(request: Request, ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    limits::counting_failures(ctx, |credential_id| {
        delete_counted(request, ctx, credential_id)
    })
}

fn delete_counted(
    mut request: Request,
    ctx: &Ctx<'_>,
    credential_id: &mut Option<Vec<u8>>,
) -> Result<Reply, AppError> {
    let current = signed_in_counting(&request, ctx, credential_id)?;
    let (_, body) = json_body(&mut request).map_err(|_| confirmation_required())?;
    if body.get("confirm").and_then(serde_json::Value::as_str) != Some("yes") {
        return Err(confirmation_required());
    }
    check_confirmation(&request, ctx, &current, &body)?;
    let account = &current.account.value;
    accounts::delete(ctx, account, &current.claims.sid)?;
    let proof = DeletedClaims {
        credential_id: account.credential_id.clone(),
        exp: ctx.now + session::DELETED_TTL_SECS,
    };
    let mut response = headers::json(StatusCode::OK, &json!({ "ok": true, "location": "/" }));
    response.append_header("set-cookie", session::clear_session_cookie());
    response.append_header("set-cookie", session::clear_hint_cookie());
    response.append_header(
        "set-cookie",
        session::deleted_cookie(&session::seal(&ctx.config.keys, &proof)),
    );
    Ok(log::with_outcome(response, "account_deleted").into())
}

/// Checks `body`'s `{"ceremony", "credential"}`: a fresh assertion by the signed-in account's
/// own passkey, on a confirmation that `/account/confirm` issued to this session in this
/// browser (what deleting the account, replacing its passkey and getting a recovery code ask
/// for). The confirmation is spent from the store's first write on, whatever the outcome; a
/// refused assertion is noted on the account.
pub fn check_confirmation(
    request: &Request,
    ctx: &Ctx<'_>,
    current: &sessions::Current,
    body: &serde_json::Value,
) -> Result<(), AppError> {
    let (token, credential) = auth::ceremony_and_credential(body)?;
    let claims = auth::open_ceremony(request, ctx, token)?;
    if claims.confirms_sid.as_deref() != Some(current.claims.sid.as_str()) || claims.grant.is_some()
    {
        return Err(AppError::bad_request(
            "ceremony_invalid",
            "This confirmation was not issued to this session. Please try again.",
        ));
    }
    let challenge = auth::check_answers_challenge(&claims, &credential)?;
    let Credential::Authentication(assertion) = credential else {
        return Err(AppError::bad_request(
            "confirmation_required",
            "Confirm with your passkey: use the page's button, which asks for it.",
        ));
    };
    auth::spend(ctx, &claims)?;
    let account = &current.account.value;
    let rp = auth::relying_party(ctx);
    if let Err(refused) = auth::verify_with_account(ctx, &rp, &challenge, &assertion, account) {
        if let Some(code) = refused.refusal_code {
            accounts::note_refusal(ctx, &account.user_handle, code);
        }
        return Err(refused.error);
    }
    Ok(())
}

/// The signed-in visitor, or 401.
pub fn signed_in(request: &Request, ctx: &Ctx<'_>) -> Result<sessions::Current, AppError> {
    sessions::current(request, ctx)?.ok_or_else(|| {
        AppError::unauthorized("not_signed_in", "Sign in first to manage your account.")
    })
}

/// The signed-in visitor of a POST that counts as a ceremony (deleting, replacing the passkey,
/// getting a recovery code): the Origin rule, the session, and the account's own credential named
/// for [`limits::counting_failures`], so a refused attempt counts against it.
pub fn signed_in_counting(
    request: &Request,
    ctx: &Ctx<'_>,
    credential_id: &mut Option<Vec<u8>>,
) -> Result<sessions::Current, AppError> {
    require_origin(request, ctx)?;
    let current = signed_in(request, ctx)?;
    *credential_id = URL_SAFE_NO_PAD
        .decode(&current.account.value.credential_id)
        .ok();
    Ok(current)
}

fn confirmation_required() -> AppError {
    AppError::bad_request(
        "confirmation_required",
        "Deleting your account needs your confirmation and your passkey. Use the page's \
         Delete account button.",
    )
}

/// 303 to `location`.
fn see_other(location: &str) -> Response {
    let mut response = Response::from_status(StatusCode::SEE_OTHER);
    response.set_header("location", location);
    response
}

/// `POST /account/sessions/revoke`: "Sign out everywhere else". Revokes every session of the
/// account but this one.
pub fn sign_out_elsewhere(request: Request, ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    require_origin(&request, ctx)?;
    let current = signed_in(&request, ctx)?;
    let this = current.claims.sid.clone();
    // This session first moves to the next epoch, then the account does: every other session,
    // listed or long forgotten by the bounded list, stops counting in that one account write.
    let epoch = current.account.value.session_epoch.saturating_add(1);
    sessions::keep_in_epoch(ctx, &current, epoch)?;
    let mut ended = Vec::new();
    accounts::update(ctx, &current.account.value.user_handle, |account| {
        // A passkey replaced meanwhile ended this session too: it ends nothing more.
        if !rules::session_counts(account, &current.claims.credential_digest, epoch) {
            return Err(sessions::ended_meanwhile());
        }
        ended = rules::end_other_sessions(account, &this, epoch);
        Ok(())
    })?;
    // Tidying, best effort: the records no longer count whatever happens to them.
    let store = ctx.accounts();
    for sid in &ended {
        let _ = store.delete(&session_key(sid));
    }
    Ok(log::with_outcome(see_other("/"), "signed_out_elsewhere").into())
}

/// `POST /account/name`: `{"name": "…"}`, "Change name". The name is checked and normalised by
/// the core ([`crate::account::names::chosen_name`]); a refused name changes nothing. The answer
/// carries the name as stored and renews the hint, so the page can tell the passkey provider
/// (`signalCurrentUserDetails`) and greet the visitor by it next time.
pub fn rename(mut request: Request, ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    require_origin(&request, ctx)?;
    let current = signed_in(&request, ctx)?;
    let (_, body) = json_body(&mut request)?;
    let typed = body
        .get("name")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| {
            AppError::bad_request("name_missing", "Type the name you want, then Change name.")
        })?;
    let name = chosen_name(typed).map_err(|error| {
        let message = match error {
            NameError::Empty => "A name needs at least one visible character.".to_owned(),
            NameError::TooLong { .. } => {
                format!("A name can have at most {MAX_NAME_CHARS} characters.")
            }
            NameError::Invisible { .. } => {
                "A name can't contain line breaks, tabs or invisible characters.".to_owned()
            }
        };
        AppError::bad_request(error.code(), message)
    })?;
    let account = accounts::update(ctx, &current.account.value.user_handle, |account| {
        rules::rename(account, &name);
        Ok(())
    })?;
    let mut response = headers::json(
        StatusCode::OK,
        &json!({ "ok": true, "user": { "name": account.name } }),
    );
    response.append_header("set-cookie", auth::hint_cookie(ctx, &account));
    Ok(log::with_outcome(response, "renamed").into())
}

/// `GET /account/export`: everything Bio keeps about the signed-in account, as a JSON download.
pub fn export(request: Request, ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    let current = signed_in(&request, ctx)?;
    let export = crate::account::export::export(&current.account.value, ctx.now);
    let mut response = headers::json(StatusCode::OK, &export);
    response.set_header(
        "content-disposition",
        "attachment; filename=\"bio-account.json\"",
    );
    Ok(log::with_outcome(response, "exported").into())
}
