//! `POST /account/passkey/replace/options` and `POST /account/passkey/replace`: "Replace
//! passkey".
//!
//! Three clicks, each a step the person sees, because Safari refuses a `create()` that does not
//! follow a click closely and this flow needs a round trip before it:
//! 1. the page's confirmation (`/account/confirm`): a fresh assertion by the current passkey,
//!    sent to `…/options`, which answers `create()` options for the account's own user handle
//!    and name (a provider that holds the old passkey then replaces it), sealed into a ceremony
//!    token like `/auth/start`'s, bound to this browser, granting [`Grant::ReplacePasskey`] and
//!    naming the passkey that confirmed (step 3 needs no live session: `create()` may already
//!    have replaced the old passkey in the provider, so a session ended meanwhile must not
//!    refuse the new one);
//! 2. "Create the new passkey": `create()` with them;
//! 3. the registration, sent to `/account/passkey/replace`: verified, then the account moves to
//!    it ([`accounts::move_to_passkey`]). The browser gets a new session and a hint naming the
//!    new passkey; every other session is over; the old passkey is refused from then on and the
//!    page asks the provider to forget it (`signalUnknownCredential`).
//!
//! Both steps count a failure like any ceremony ([`limits::counting_failures`]).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fastly::Request;
use fastly::http::StatusCode;
use serde_json::{Value, json};

use super::account::{check_confirmation, signed_in_counting};
use super::accounts::{self, Moved};
use super::auth::{self, Credential};
use super::request::{browser_id, json_body, random, require_origin};
use super::{AppError, Ctx, Reply, headers, limits, log};
use crate::ceremony;
use crate::session::{self, CEREMONY_TTL_SECS, CeremonyClaims, Grant};
use crate::webauthn;

/// `POST /account/passkey/replace/options`: `{"ceremony", "credential"}` from the page's
/// confirmation; answers the `create()` options and their token.
pub fn options(request: Request, ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    limits::counting_failures(ctx, |credential_id| {
        options_counted(request, ctx, credential_id)
    })
}

fn options_counted(
    mut request: Request,
    ctx: &Ctx<'_>,
    credential_id: &mut Option<Vec<u8>>,
) -> Result<Reply, AppError> {
    let current = signed_in_counting(&request, ctx, credential_id)?;
    let account = &current.account.value;
    let (_, body) = json_body(&mut request)?;
    check_confirmation(&request, ctx, &current, &body)?;
    let claims = CeremonyClaims {
        ceremony_id: URL_SAFE_NO_PAD.encode(random::<16>()?),
        challenge: URL_SAFE_NO_PAD.encode(random::<32>()?),
        browser_id: browser_id(&request).unwrap_or_default().to_owned(),
        user_handle: account.user_handle.clone(),
        name: account.name.clone(),
        confirms_sid: Some(current.claims.sid.clone()),
        grant: Some(Grant::ReplacePasskey),
        confirmed_with: Some(current.claims.credential_digest.clone()),
        exp: ctx.now + CEREMONY_TTL_SECS,
    };
    let response = headers::json(StatusCode::OK, &creation(ctx, &claims));
    Ok(log::with_outcome(response, "replacement_offered").into())
}

/// The `create()` options of a ceremony that moves an account, with their sealed token.
pub fn creation(ctx: &Ctx<'_>, claims: &CeremonyClaims) -> Value {
    let mut options = ceremony::creation_options(&ctx.config, claims, ctx.now);
    if let Value::Object(members) = &mut options {
        members.insert(
            "ceremony".to_owned(),
            json!(session::seal(&ctx.config.keys, claims)),
        );
    }
    options
}

/// `POST /account/passkey/replace`: `{"ceremony", "credential"}`, the new passkey's
/// registration on the options of step 1.
pub fn replace(request: Request, ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    limits::counting_failures(ctx, |credential_id| {
        replace_counted(request, ctx, credential_id)
    })
}

fn replace_counted(
    mut request: Request,
    ctx: &Ctx<'_>,
    credential_id: &mut Option<Vec<u8>>,
) -> Result<Reply, AppError> {
    require_origin(&request, ctx)?;
    let (_, body) = json_body(&mut request)?;
    let (token, credential) = auth::ceremony_and_credential(&body)?;
    *credential_id = credential.raw_id();
    // The grant is the authority, not the session: it was issued to this browser after a fresh
    // assertion by the account's passkey, and names that passkey. A session ended meanwhile
    // (Logout in another tab, "Sign out everywhere else") must not refuse a new passkey that
    // create() has already put in place of the old one in the provider.
    let claims = auth::open_ceremony(&request, ctx, token)?;
    let (Some(Grant::ReplacePasskey), Some(confirmed_with)) =
        (&claims.grant, claims.confirmed_with.clone())
    else {
        return Err(AppError::bad_request(
            "ceremony_invalid",
            "This replacement was not started here. Use Replace passkey again.",
        ));
    };
    let challenge = auth::check_answers_challenge(&claims, &credential)?;
    let Credential::Registration(registration) = credential else {
        return Err(new_passkey_expected());
    };
    auth::spend(ctx, &claims)?;
    let rp = auth::relying_party(ctx);
    let verified = webauthn::verify_registration(&rp, &challenge, &registration)
        .map_err(auth::verification_error)?;
    // The passkey that confirmed must still be the account's: a replacement confirmed by a
    // passkey that was replaced meanwhile replaces nothing.
    let moved = accounts::move_to_passkey(ctx, &claims.user_handle, &verified, |account| {
        if accounts::is_credential_of(account, &confirmed_with) {
            Ok(())
        } else {
            Err(AppError::conflict(
                "passkey_changed",
                "Your passkey was changed meanwhile. Reload the page and try again.",
            ))
        }
    })?;
    Ok(log::with_outcome(moved_answer(ctx, &moved), "passkey_replaced").into())
}

/// The answer to a move: the new session and hint, the name, and the old passkey for the page
/// to report unknown to the provider.
pub fn moved_answer(ctx: &Ctx<'_>, moved: &Moved) -> fastly::Response {
    let mut response = headers::json(
        StatusCode::OK,
        &json!({
            "ok": true,
            "user": { "name": moved.account.name },
            "replaced": { "rpId": ctx.config.rp_id, "credentialId": moved.old_credential_id },
        }),
    );
    response.append_header("set-cookie", moved.session_cookie.clone());
    response.append_header("set-cookie", auth::hint_cookie(ctx, &moved.account));
    response
}

fn new_passkey_expected() -> AppError {
    AppError::bad_request(
        "registration_expected",
        "This step needs the new passkey. Use the page's Create the new passkey button.",
    )
}
