//! Recovery codes at the edge: `POST /account/recovery-code` ("Get a recovery code", signed
//! in), `POST /auth/recover/options` (the code, signed out) and `POST /auth/recover` (the new passkey).
//!
//! Getting a code needs a fresh assertion by the account's passkey (the page's confirmation, as
//! for deleting). The code is made from 19 random bytes, shown once in the answer, and kept
//! only as its keyed hash in the account (`crate::account::recovery`); its first group is the
//! key of a `recovery/<locator>` index to the account. A new code replaces the old one.
//!
//! Using it: `…/options` checks the code before any `create()` (limited per client address and
//! per account, every attempt counted while the window lasts), then answers `create()` options
//! for the account's own user handle and name, sealed into a token bound to this browser that
//! grants [`Grant::Recover`] for that code. The page asks for one more click ("Create the new
//! passkey"), then `/auth/recover` verifies the registration and moves the account to it
//! ([`accounts::move_to_passkey`]), spending the code in the same write: a code works once,
//! and a code replaced meanwhile moves nothing. The browser gets a session and a hint naming
//! the new passkey; every other session of the account is over.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fastly::Request;
use fastly::http::StatusCode;
use serde_json::{Value, json};

use super::account::{check_confirmation, signed_in_counting};
use super::accounts;
use super::auth::{self, Credential};
use super::replace::{creation, moved_answer};
use super::request::{browser_id, json_body, random, require_origin};
use super::stores::Write;
use super::{AppError, Ctx, Reply, headers, limits, log};
use crate::account::records::{RecoveryIndex, recovery_key};
use crate::account::recovery::{self, CODE_RANDOM_BYTES, RecoveryCode};
use crate::account::rules::{self, RecoveryRefused};
use crate::limits::Counted;
use crate::session::{CEREMONY_TTL_SECS, CeremonyClaims, Grant};
use crate::webauthn;

/// How many fresh codes are tried when a locator is taken (25 bits: rare).
const LOCATOR_ATTEMPTS: usize = 4;

/// `POST /account/recovery-code`: `{"ceremony", "credential"}` from the page's confirmation;
/// answers `{"ok": true, "code": …}` (six groups of five characters), the only time the code is
/// shown.
pub fn issue(request: Request, ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    limits::counting_failures(ctx, |credential_id| {
        issue_counted(request, ctx, credential_id)
    })
}

fn issue_counted(
    mut request: Request,
    ctx: &Ctx<'_>,
    credential_id: &mut Option<Vec<u8>>,
) -> Result<Reply, AppError> {
    let current = signed_in_counting(&request, ctx, credential_id)?;
    let user_handle = current.account.value.user_handle.clone();
    if ctx.config.recovery.current.is_none() {
        return Err(recovery_off());
    }
    let (_, body) = json_body(&mut request)?;
    check_confirmation(&request, ctx, &current, &body)?;
    let store = ctx.accounts();
    let index = RecoveryIndex {
        v: 1,
        account: user_handle.clone(),
    };
    let mut made = None;
    for _ in 0..LOCATOR_ATTEMPTS {
        let code = RecoveryCode::from_random(random::<CODE_RANDOM_BYTES>()?);
        if store.insert_new(&recovery_key(code.locator()), &index, None)? == Write::Done {
            made = Some(code);
            break;
        }
    }
    let code =
        made.ok_or_else(|| AppError::unavailable("every recovery code locator was taken"))?;
    let stored = recovery::store(&ctx.config.recovery, &user_handle, &code, ctx.now)
        .ok_or_else(recovery_off)?;
    let mut replaced = None;
    let updated = accounts::update(ctx, &user_handle, |account| {
        replaced = rules::set_recovery_code(account, stored.clone());
        Ok(())
    });
    if let Err(error) = updated {
        let _ = store.delete(&recovery_key(code.locator()));
        return Err(error);
    }
    // The old code's index leads to an account whose code is another one: tidying only.
    if let Some(old) = replaced.filter(|old| old != code.locator())
        && let Err(error) = store.delete(&recovery_key(&old))
    {
        log::note("recovery_index_untidied", error.code);
    }
    let response = headers::json(
        StatusCode::OK,
        &json!({ "ok": true, "code": code.display() }),
    );
    Ok(log::with_outcome(response, "recovery_code_issued").into())
}

/// `POST /auth/recover/options`: `{"code": "…"}`. Checks the code, then answers the `create()`
/// options for its account and their token; refuses a wrong, replaced or spent code before
/// any `create()`.
pub fn options(mut request: Request, ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    require_origin(&request, ctx)?;
    let browser = browser_id(&request)
        .ok_or_else(|| {
            AppError::bad_request(
                "no_browser_id",
                "This browser did not keep Bio's cookie. Reload the page and try again.",
            )
        })?
        .to_owned();
    let ip = ctx.client.ip.clone().unwrap_or_default();
    if let Some(retry_after) = limits::full(ctx, Counted::RecoveryPerIp, ip.as_bytes())? {
        return Err(limits::rate_limited(retry_after));
    }
    let refused = |account: Option<&str>| {
        limits::count(ctx, Counted::RecoveryPerIp, ip.as_bytes());
        if let Some(account) = account {
            limits::count(ctx, Counted::RecoveryPerAccount, account.as_bytes());
        }
        code_refused()
    };
    let (_, body) = json_body(&mut request)?;
    let Some(typed) = body.get("code").and_then(Value::as_str) else {
        return Err(refused(None));
    };
    let code = RecoveryCode::parse(typed).map_err(|_| refused(None))?;
    let Some(index) = ctx
        .accounts()
        .get::<RecoveryIndex>(&recovery_key(code.locator()))?
    else {
        return Err(refused(None));
    };
    let user_handle = index.value.account;
    if let Some(retry_after) =
        limits::full(ctx, Counted::RecoveryPerAccount, user_handle.as_bytes())?
    {
        return Err(limits::rate_limited(retry_after));
    }
    let Some(account) = accounts::by_user_handle(ctx, &user_handle)? else {
        return Err(refused(Some(&user_handle)));
    };
    let account = account.value;
    let matches = account
        .recovery_code
        .as_ref()
        .is_some_and(|stored| recovery::matches(&ctx.config.recovery, stored, &user_handle, &code));
    if !matches {
        return Err(refused(Some(&user_handle)));
    }
    let claims = CeremonyClaims {
        ceremony_id: URL_SAFE_NO_PAD.encode(random::<16>()?),
        challenge: URL_SAFE_NO_PAD.encode(random::<32>()?),
        browser_id: browser,
        user_handle,
        name: account.name.clone(),
        confirms_sid: None,
        grant: Some(Grant::Recover {
            code: code.locator().to_owned(),
        }),
        confirmed_with: None,
        exp: ctx.now + CEREMONY_TTL_SECS,
    };
    let mut options = creation(ctx, &claims);
    if let Value::Object(members) = &mut options {
        members.insert("user".to_owned(), json!({ "name": account.name }));
    }
    let response = headers::json(StatusCode::OK, &options);
    Ok(log::with_outcome(response, "recovery_code_accepted").into())
}

/// `POST /auth/recover`: `{"ceremony", "credential"}`, the new passkey's registration on the
/// options of `/auth/recover/options`.
pub fn recover(request: Request, ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    limits::counting_failures(ctx, |credential_id| {
        recover_counted(request, ctx, credential_id)
    })
}

fn recover_counted(
    mut request: Request,
    ctx: &Ctx<'_>,
    credential_id: &mut Option<Vec<u8>>,
) -> Result<Reply, AppError> {
    require_origin(&request, ctx)?;
    let (_, body) = json_body(&mut request)?;
    let (token, credential) = auth::ceremony_and_credential(&body)?;
    *credential_id = credential.raw_id();
    let claims = auth::open_ceremony(&request, ctx, token)?;
    let Some(Grant::Recover { code }) = claims.grant.clone() else {
        return Err(AppError::bad_request(
            "ceremony_invalid",
            "This is not a recovery in progress. Enter your recovery code again.",
        ));
    };
    let challenge = auth::check_answers_challenge(&claims, &credential)?;
    let Credential::Registration(registration) = credential else {
        return Err(AppError::bad_request(
            "registration_expected",
            "This step needs the new passkey. Use the page's Create the new passkey button.",
        ));
    };
    auth::spend(ctx, &claims)?;
    let rp = auth::relying_party(ctx);
    let verified = webauthn::verify_registration(&rp, &challenge, &registration)
        .map_err(auth::verification_error)?;
    let moved = accounts::move_to_passkey(ctx, &claims.user_handle, &verified, |account| {
        rules::spend_recovery_code(account, &code, ctx.now).map_err(|RecoveryRefused::CodeGone| {
            AppError::bad_request(
                "recovery_code_refused",
                "This recovery code was used or replaced meanwhile. Nothing changed.",
            )
        })
    })?;
    if let Err(error) = ctx.accounts().delete(&recovery_key(&code)) {
        log::note("recovery_index_untidied", error.code);
    }
    Ok(log::with_outcome(moved_answer(ctx, &moved), "account_recovered").into())
}

fn code_refused() -> AppError {
    AppError::bad_request(
        "recovery_code_refused",
        "That recovery code is not right, or it was already used. Check it and try again.",
    )
}

fn recovery_off() -> AppError {
    AppError::conflict(
        "recovery_unavailable",
        "Recovery codes are not set up on this service.",
    )
}
