//! `POST /auth/start` and `POST /auth/finish`: the one-button ceremony, one per tab.
//!
//! Start writes nothing: the challenge, its expiry and the user handle and name a new visitor
//! would get travel in a [`CeremonyClaims`] token sealed with the session key and bound to this
//! browser's `__Host-bio-browser` id. The page keeps its own token and sends it back with the
//! credential, so any number of tabs each finish their own ceremony.
//!
//! Finish checks, before any store is read: the Origin, the body, the token (MAC, expiry, this
//! browser) and that the credential answers the token's challenge. Then it spends the ceremony
//! exactly once (an Add-mode `spent/` record: of two concurrent finishes one goes on, the other
//! gets 409), verifies the credential with `crate::webauthn`, and creates the account
//! (registration) or applies the sign-in through `crate::account::rules`, then starts a session
//! and renews the returning-visitor hint.
//!
//! A sign-in whose credential is not found is `unknown_credential` (and the page asks the
//! passkey provider to forget it) only when a tombstone says it was deleted; a miss without one
//! is retried once, then answered `try_again`: on an eventually consistent store a miss may only
//! mean that this POP has not seen the registration yet.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fastly::Request;
use fastly::http::StatusCode;
use serde_json::{Value, json};

use super::accounts::{self, Lookup};
use super::request::{browser_id, cookie, json_body, random, require_origin};
use super::stores::Write;
use super::{AppError, Ctx, Reply, headers, limits, log, sessions};
use crate::account::records::{
    CredentialIndex, SpentCeremony, TombstoneReason, account_key, credential_digest,
    credential_key, spent_key,
};
use crate::account::{Account, names::friendly_name, rules};
use crate::ceremony::{self, AllowedCredential, CeremonyKind, ceremony_kind};
use crate::config::UserVerification;
use crate::limits::Counted;
use crate::session::{
    self, CEREMONY_TTL_SECS, CeremonyClaims, HINT_COOKIE, HintClaims, TokenError,
};
use crate::webauthn::{
    self, AuthenticationResponseJson, ErrorClass, RegistrationResponseJson, RelyingParty,
    StoredCredential,
};

/// How long a sign-in waits before looking a missing credential up again.
const MISS_RETRY_PAUSE: Duration = Duration::from_millis(250);

/// `POST /auth/start`.
pub fn start(request: Request, ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    require_origin(&request, ctx)?;
    let (browser, new_browser) = match browser_id(&request) {
        Some(id) => (id.to_owned(), false),
        None => (session::new_browser_id(random::<16>()?), true),
    };
    let hint = cookie(&request, HINT_COOKIE)
        .and_then(|token| session::open::<HintClaims>(&ctx.config.keys, token, ctx.now).ok());
    let claims = CeremonyClaims {
        ceremony_id: URL_SAFE_NO_PAD.encode(random::<16>()?),
        challenge: URL_SAFE_NO_PAD.encode(random::<32>()?),
        browser_id: browser.clone(),
        user_handle: URL_SAFE_NO_PAD.encode(random::<32>()?),
        name: friendly_name(random::<4>()?),
        confirms_sid: None,
        grant: None,
        confirmed_with: None,
        exp: ctx.now + CEREMONY_TTL_SECS,
    };
    let allow = hint.as_ref().map(|hint| AllowedCredential {
        id: &hint.credential_id,
        transports: &[],
    });
    let mut options = options_with_token(ctx, &claims, allow.as_ref());
    if let Some(retry_after) = registrations_closed(ctx) {
        close_registration(&mut options, retry_after);
    }
    let mut response = headers::json(StatusCode::OK, &options);
    if new_browser {
        response.append_header("set-cookie", session::browser_cookie(&browser));
    }
    Ok(log::with_outcome(response, "ceremony_started").into())
}

/// `Some(seconds to wait)` when this address has made as many accounts as its window allows:
/// the finish would refuse a registration. Unknown (a store error) counts as open, as for every
/// limit: the finish checks again.
fn registrations_closed(ctx: &Ctx<'_>) -> Option<u64> {
    let ip = ctx.client.ip.as_deref()?;
    limits::full(ctx, Counted::RegistrationsPerIp, ip.as_bytes())
        .ok()
        .flatten()
}

/// Takes `create` out of the options and says why: a passkey made now would be refused at the
/// finish and left in the provider with no account behind it. Signing in is still offered.
fn close_registration(options: &mut Value, retry_after: u64) {
    if let Some(public_key) = options.get_mut("publicKey").and_then(Value::as_object_mut) {
        public_key.remove("create");
    }
    if let Some(members) = options.as_object_mut() {
        members.insert(
            "registrationClosed".to_owned(),
            json!({
                "error": "rate_limited",
                "message": "Too many new accounts were made from your network just now. Sign in \
                            with a passkey you have, or try again later.",
                "retryAfter": retry_after,
            }),
        );
    }
}

/// The options and the sealed token for a ceremony, as `/auth/start` and `/account/confirm`
/// answer them.
pub fn issue(
    ctx: &Ctx<'_>,
    claims: &CeremonyClaims,
    allow: Option<&AllowedCredential<'_>>,
) -> fastly::Response {
    headers::json(StatusCode::OK, &options_with_token(ctx, claims, allow))
}

fn options_with_token(
    ctx: &Ctx<'_>,
    claims: &CeremonyClaims,
    allow: Option<&AllowedCredential<'_>>,
) -> Value {
    let mut options = ceremony::options(&ctx.config, claims, allow, ctx.now);
    if let Value::Object(members) = &mut options {
        members.insert(
            "ceremony".to_owned(),
            json!(session::seal(&ctx.config.keys, claims)),
        );
    }
    options
}

/// `POST /auth/finish`. A finish that signs nobody in counts against the client's address and
/// the credential ([`limits::counting_failures`]).
pub fn finish(request: Request, ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    limits::counting_failures(ctx, |credential_id| {
        finish_counted(request, ctx, credential_id)
    })
}

fn finish_counted(
    mut request: Request,
    ctx: &Ctx<'_>,
    credential_id: &mut Option<Vec<u8>>,
) -> Result<Reply, AppError> {
    // Checks that read no store and change nothing.
    require_origin(&request, ctx)?;
    let (_, body) = json_body(&mut request)?;
    let (token, credential) = ceremony_and_credential(&body)?;
    *credential_id = credential.raw_id();
    let claims = open_ceremony(&request, ctx, token)?;
    // A confirmation, a replacement or a recovery is finished by its own route only: a
    // recovery's token names an existing account's user handle, which a registration here
    // would collide with.
    if claims.confirms_sid.is_some() || claims.grant.is_some() {
        return Err(ceremony_invalid());
    }
    let challenge = check_answers_challenge(&claims, &credential)?;
    if sessions::current(&request, ctx)?.is_some() {
        return Err(AppError::conflict(
            "already_signed_in",
            "You are already signed in. Log out first to use another passkey.",
        ));
    }

    // The ceremony is spent from here on, whatever the outcome.
    spend(ctx, &claims)?;
    let rp = relying_party(ctx);
    let outcome = match credential {
        Credential::Registration(_) => "registered",
        Credential::Authentication(_) => "signed_in",
    };
    let (account, digest, sid) = match credential {
        Credential::Registration(response) => register(ctx, &rp, &claims, &challenge, &response)?,
        Credential::Authentication(response) => authenticate(ctx, &rp, &challenge, &response)?,
    };
    let session_cookie = sessions::start(
        ctx,
        &sid,
        &account.user_handle,
        &digest,
        account.session_epoch,
    )?;
    let mut response = headers::json(
        StatusCode::OK,
        &json!({ "ok": true, "user": { "name": account.name } }),
    );
    response.append_header("set-cookie", session_cookie);
    response.append_header("set-cookie", hint_cookie(ctx, &account));
    Ok(log::with_outcome(response, outcome).into())
}

/// The relying party as configured.
pub fn relying_party<'a>(ctx: &'a Ctx<'_>) -> RelyingParty<'a> {
    RelyingParty {
        rp_id: &ctx.config.rp_id,
        origins: &ctx.config.origins,
        require_user_verification: ctx.config.user_verification == UserVerification::Required,
    }
}

/// The returning-visitor hint for this account, renewed for another [`session::HINT_TTL_SECS`].
pub fn hint_cookie(ctx: &Ctx<'_>, account: &Account) -> String {
    let claims = HintClaims {
        credential_id: account.credential_id.clone(),
        name: account.name.clone(),
        exp: ctx.now + session::HINT_TTL_SECS,
    };
    session::hint_cookie(&session::seal(&ctx.config.keys, &claims))
}

/// A credential as the page sent it.
pub enum Credential {
    Registration(RegistrationResponseJson),
    Authentication(AuthenticationResponseJson),
}

impl Credential {
    /// The credential id, when it decodes.
    pub fn raw_id(&self) -> Option<Vec<u8>> {
        match self {
            Credential::Registration(response) => response.raw_id_bytes().ok(),
            Credential::Authentication(response) => response.raw_id_bytes().ok(),
        }
    }

    fn client_data_json(&self) -> Result<Vec<u8>, webauthn::Error> {
        match self {
            Credential::Registration(response) => response.client_data_json_bytes(),
            Credential::Authentication(response) => response.client_data_json_bytes(),
        }
    }
}

/// The body `{"ceremony": token, "credential": credential.toJSON()}`.
pub fn ceremony_and_credential(body: &Value) -> Result<(&str, Credential), AppError> {
    let token = body
        .get("ceremony")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            AppError::bad_request(
                "no_ceremony",
                "This request names no sign-in in progress. Please try again.",
            )
        })?;
    let malformed = || {
        AppError::bad_request(
            "malformed_credential",
            "That is not a passkey response (expected credential.toJSON()).",
        )
    };
    let value = body.get("credential").ok_or_else(malformed)?;
    let bytes = serde_json::to_vec(value).map_err(|_| malformed())?;
    let credential = match ceremony_kind(value).ok_or_else(malformed)? {
        CeremonyKind::Registration => Credential::Registration(
            RegistrationResponseJson::from_slice(&bytes).map_err(verification_error)?,
        ),
        CeremonyKind::Authentication => Credential::Authentication(
            AuthenticationResponseJson::from_slice(&bytes).map_err(verification_error)?,
        ),
    };
    Ok((token, credential))
}

fn ceremony_invalid() -> AppError {
    AppError::bad_request(
        "ceremony_invalid",
        "This sign-in could not be matched to this browser. Please try again.",
    )
}

/// The ceremony's claims, if its token is ours, unexpired, and was issued to this browser.
pub fn open_ceremony(
    request: &Request,
    ctx: &Ctx<'_>,
    token: &str,
) -> Result<CeremonyClaims, AppError> {
    let claims =
        session::open::<CeremonyClaims>(&ctx.config.keys, token, ctx.now).map_err(|error| {
            match error {
                TokenError::Expired => AppError::bad_request(
                    "challenge_expired",
                    "The sign-in took too long. Please try again.",
                ),
                _ => ceremony_invalid(),
            }
        })?;
    // Bound to the browser it was issued to: another browser's token is refused, unspent.
    if browser_id(request) != Some(claims.browser_id.as_str()) {
        return Err(ceremony_invalid());
    }
    Ok(claims)
}

/// The challenge bytes, once the credential is known to answer them (no store read yet).
pub fn check_answers_challenge(
    claims: &CeremonyClaims,
    credential: &Credential,
) -> Result<Vec<u8>, AppError> {
    let challenge = URL_SAFE_NO_PAD
        .decode(&claims.challenge)
        .map_err(|_| AppError::internal("a sealed challenge is not base64url"))?;
    let client_data = credential.client_data_json().map_err(verification_error)?;
    ceremony::answers_challenge(&client_data, &challenge).map_err(verification_error)?;
    Ok(challenge)
}

/// Spends the ceremony: the first finish writes its `spent/` record; any other gets 409.
pub fn spend(ctx: &Ctx<'_>, claims: &CeremonyClaims) -> Result<(), AppError> {
    let ttl = Duration::from_secs(claims.exp.saturating_sub(ctx.now).max(1));
    let spent = SpentCeremony {
        v: 1,
        spent_at: ctx.now,
    };
    match ctx
        .challenges()
        .insert_new(&spent_key(&claims.ceremony_id), &spent, Some(ttl))?
    {
        Write::Done => Ok(()),
        Write::Conflict => Err(AppError::conflict(
            "challenge_used",
            "This sign-in was already used. Please try again.",
        )),
    }
}

/// Registration: verify, then write the account and its credential's index, each once with
/// `InsertMode::Add` (a credential id is never overwritten nor owned by two accounts). The user
/// handle and name come only from the sealed token.
fn register(
    ctx: &Ctx<'_>,
    rp: &RelyingParty<'_>,
    claims: &CeremonyClaims,
    challenge: &[u8],
    response: &RegistrationResponseJson,
) -> Result<(Account, String, String), AppError> {
    let credential =
        webauthn::verify_registration(rp, challenge, response).map_err(verification_error)?;
    let sid = sessions::new_id()?;
    let account = rules::from_registration(
        &credential,
        &claims.user_handle,
        &claims.name,
        ctx.now,
        &ctx.client,
        &sid,
    );
    // Registrations per address are limited even when they verify: each is a new account.
    let ip = ctx.client.ip.as_deref().map(str::as_bytes);
    if let Some(ip) = ip
        && let Some(retry_after) = limits::full(ctx, Counted::RegistrationsPerIp, ip)?
    {
        return Err(limits::rate_limited(retry_after));
    }
    let digest = credential_digest(&credential.id);
    let store = ctx.accounts();
    let key = account_key(&account.user_handle);
    if store.insert_new(&key, &account, None)? == Write::Conflict {
        return Err(AppError::internal("a fresh user handle collided"));
    }
    // The index makes the account reachable; if it cannot be written, the account is removed
    // again so nothing is left that no credential leads to.
    let indexed = store.insert_new(
        &credential_key(&digest),
        &CredentialIndex::new(&account),
        None,
    );
    match indexed {
        Ok(Write::Done) => {
            if let Some(ip) = ip {
                limits::count(ctx, Counted::RegistrationsPerIp, ip);
            }
            Ok((account, digest, sid))
        }
        Ok(Write::Conflict) => {
            store.delete(&key)?;
            Err(AppError::conflict(
                "credential_exists",
                "This passkey is already registered. Use the Auth button to sign in with it.",
            ))
        }
        Err(error) => {
            let _ = store.delete(&key);
            Err(error)
        }
    }
}

/// Sign-in: find the account by credential id, require the user handle, verify under the
/// configured policy, then apply the sign-in to the account with a generation match.
fn authenticate(
    ctx: &Ctx<'_>,
    rp: &RelyingParty<'_>,
    challenge: &[u8],
    response: &AuthenticationResponseJson,
) -> Result<(Account, String, String), AppError> {
    let credential_id = response.raw_id_bytes().map_err(verification_error)?;
    let found = find_account(ctx, &credential_id)?;
    let account = &found.value;
    // The usernameless flow: the authenticator must say whose passkey this is.
    if response.user_handle_bytes().ok().flatten().is_none() {
        accounts::note_refusal(ctx, &account.user_handle, "user_handle_missing");
        return Err(AppError::bad_request(
            "user_handle_missing",
            "This passkey did not say which account it belongs to.",
        ));
    }
    let outcome = match verify_with_account(ctx, rp, challenge, response, account) {
        Ok(outcome) => outcome,
        Err(error) => {
            if let Some(code) = error.refusal_code {
                accounts::note_refusal(ctx, &account.user_handle, code);
            }
            return Err(error.error);
        }
    };
    let sid = sessions::new_id()?;
    let policy = ctx.config.sign_in_policy;
    let updated = accounts::update(ctx, &account.user_handle, |account| {
        rules::apply_sign_in(account, &outcome, policy, ctx.now, &ctx.client, &sid)
            .map_err(verification_error)
    })?;
    Ok((updated, credential_digest(&credential_id), sid))
}

/// The account a credential belongs to. A miss is `unknown_credential` only when a tombstone
/// proves the deletion; otherwise it is looked up once more after a pause, then `try_again`.
pub fn find_account(
    ctx: &Ctx<'_>,
    credential_id: &[u8],
) -> Result<super::stores::Versioned<Account>, AppError> {
    let mut lookup = accounts::by_credential(ctx, credential_id)?;
    if matches!(lookup, Lookup::Missing) {
        std::thread::sleep(MISS_RETRY_PAUSE);
        lookup = accounts::by_credential(ctx, credential_id)?;
    }
    match lookup {
        Lookup::Found(found) => Ok(*found),
        Lookup::Deleted(reason) => Err(AppError::unauthorized(
            "unknown_credential",
            match reason {
                TombstoneReason::Deleted => {
                    "This passkey's account was deleted. You can create a new passkey."
                }
                TombstoneReason::Replaced => {
                    "This passkey was replaced by a newer one. Sign in with your new passkey."
                }
            },
        )
        .with("credentialId", URL_SAFE_NO_PAD.encode(credential_id))
        .with("rpId", ctx.config.rp_id.clone())),
        Lookup::Missing => Err(AppError::conflict(
            "try_again",
            "Bio couldn't find this passkey just now. Please try again in a moment.",
        )
        .retry_after(1)),
    }
}

/// A refused assertion, and the code to note on the account (none for a server-side fault).
pub struct Refused {
    pub error: AppError,
    pub refusal_code: Option<&'static str>,
}

/// Verifies an assertion against the account's one credential under the configured policy.
pub fn verify_with_account(
    ctx: &Ctx<'_>,
    rp: &RelyingParty<'_>,
    challenge: &[u8],
    response: &AuthenticationResponseJson,
    account: &Account,
) -> Result<webauthn::AuthenticationOutcome, Refused> {
    let internal = |error: AppError| Refused {
        error,
        refusal_code: None,
    };
    let credential_id = URL_SAFE_NO_PAD
        .decode(&account.credential_id)
        .map_err(|_| {
            internal(AppError::internal(
                "a stored credential id is not base64url",
            ))
        })?;
    let public_key = URL_SAFE_NO_PAD
        .decode(&account.public_key_cose)
        .map_err(|_| internal(AppError::internal("a stored public key is not base64url")))?;
    let user_handle = URL_SAFE_NO_PAD
        .decode(&account.user_handle)
        .map_err(|_| internal(AppError::internal("a stored user handle is not base64url")))?;
    let stored = StoredCredential {
        id: &credential_id,
        public_key_cose: &public_key,
        sign_count: account.sign_count,
        backup_eligible: Some(account.backup_eligible),
        user_handle: Some(&user_handle),
    };
    webauthn::verify_authentication_with(
        rp,
        challenge,
        response,
        &stored,
        ctx.config.sign_in_policy,
    )
    .map_err(|error| Refused {
        refusal_code: Some(error.code()),
        error: verification_error(error),
    })
}

/// A refused ceremony: 400 with the verifier's stable code and a sentence for the person.
pub fn verification_error(error: webauthn::Error) -> AppError {
    let message = match error.class() {
        ErrorClass::Malformed => "The passkey response could not be read.",
        ErrorClass::Origin => "This passkey response was made for another site.",
        ErrorClass::Challenge => "This passkey response answers another sign-in. Please try again.",
        ErrorClass::Type => "This passkey response is for the wrong kind of request.",
        ErrorClass::RpId => "This passkey belongs to another site.",
        ErrorClass::UserPresent => "The authenticator did not confirm that you were present.",
        ErrorClass::UserVerified => {
            "The authenticator did not verify you (PIN or biometrics are required)."
        }
        ErrorClass::Signature => "The passkey's signature did not check out.",
        ErrorClass::SignCount => "This passkey's counter went backwards: it may have been cloned.",
        ErrorClass::UnsupportedAlg => "This passkey uses an algorithm Bio does not support.",
        ErrorClass::Attestation => "The authenticator's attestation was refused.",
        ErrorClass::BackupState => "The passkey's backup flags are inconsistent.",
        ErrorClass::UserHandle => "This passkey belongs to another account.",
        ErrorClass::Other => "The passkey response was refused.",
    };
    AppError::bad_request(error.code(), message)
}
