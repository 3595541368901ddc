//! `POST /auth/start` and `POST /auth/finish`: the one-button ceremony.
//!
//! Start issues one challenge usable for either `get()` or `create()`, plus the user handle and
//! name a new visitor would get, and binds it to this browser with the signed
//! `__Host-bio-ceremony` cookie. Finish consumes that challenge exactly once (a `used` tombstone
//! written with a generation match, so of two concurrent finishes only one goes on), verifies
//! the credential with `crate::webauthn`, then creates the account (registration) or updates it
//! (sign-in), and starts a session.
//!
//! Nothing stored changes for a request refused before the challenge is matched to this
//! browser's ceremony cookie (bad JSON, wrong Origin, missing or forged cookie). Once matched,
//! the challenge is consumed whatever the outcome.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fastly::Request;
use fastly::http::StatusCode;
use serde_json::json;

use super::request::{cookie, json_body, random, require_origin};
use super::stores::{Kv, Write};
use super::{AppError, Ctx, Reply, headers, sessions};
use crate::account::{
    Account, MAX_SECURITY_EVENTS, MAX_SESSIONS, MAX_SIGN_INS, SecurityEvent, SignInEvent,
    names::friendly_name, push_bounded,
};
use crate::ceremony::{
    self, CHALLENGE_TTL_SECS, CeremonyKind, ChallengeRecord, account_key, ceremony_kind,
};
use crate::config::UserVerification;
use crate::session::{self, CEREMONY_COOKIE, CeremonyClaims, TokenError};
use crate::webauthn::{
    self, AuthenticationOutcome, AuthenticationResponseJson, RegistrationResponseJson,
    RelyingParty, StoredCredential,
};

/// How many times a sign-in retries its account update when another write got there first.
const MAX_UPDATE_ATTEMPTS: usize = 5;

/// `POST /auth/start`.
pub fn start(request: Request, ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    require_origin(&request, ctx)?;
    let challenges = Kv::open(ctx.stores.challenges)?;
    let id = URL_SAFE_NO_PAD.encode(random::<16>()?);
    let record = ChallengeRecord {
        challenge: URL_SAFE_NO_PAD.encode(random::<32>()?),
        user_handle: URL_SAFE_NO_PAD.encode(random::<32>()?),
        name: friendly_name(random::<4>()?),
        expires_at: ctx.now + CHALLENGE_TTL_SECS,
        used: false,
    };
    let ttl = Some(Duration::from_secs(CHALLENGE_TTL_SECS));
    if challenges.insert_new(&ChallengeRecord::key(&id), &record, ttl)? == Write::Conflict {
        return Err(AppError::internal("a fresh challenge id collided"));
    }
    let token = session::seal_ceremony(
        &ctx.config.keys,
        &CeremonyClaims {
            cid: id,
            exp: record.expires_at,
        },
    );
    let mut response = headers::json(
        StatusCode::OK,
        &ceremony::options(&ctx.config, &record, ctx.now),
    );
    response.append_header("set-cookie", session::ceremony_cookie(&token));
    Ok(response.into())
}

/// `POST /auth/finish`.
pub fn finish(mut request: Request, ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    // Checks that change nothing stored.
    require_origin(&request, ctx)?;
    let (body, value) = json_body(&mut request)?;
    let kind = ceremony_kind(&value).ok_or_else(|| {
        AppError::bad_request(
            "malformed_credential",
            "That is not a passkey response (expected credential.toJSON()).",
        )
    })?;
    let parsed = match kind {
        CeremonyKind::Registration => Parsed::Registration(
            RegistrationResponseJson::from_slice(&body).map_err(verification_error)?,
        ),
        CeremonyKind::Authentication => Parsed::Authentication(
            AuthenticationResponseJson::from_slice(&body).map_err(verification_error)?,
        ),
    };
    let ceremony = ceremony_claims(&request, ctx)?;
    let accounts = Kv::open(ctx.stores.accounts)?;
    if sessions::current(&request, ctx, &accounts)?.is_some() {
        return Err(AppError::conflict(
            "already_signed_in",
            "You are already signed in. Log out first to use another passkey.",
        ));
    }

    // The challenge matched to this browser's ceremony cookie: consumed from here on.
    let challenge = consume_challenge(ctx, &ceremony.cid)?;
    let challenge_bytes = URL_SAFE_NO_PAD
        .decode(&challenge.challenge)
        .map_err(|_| AppError::internal("a stored challenge is not base64url"))?;
    let rp = RelyingParty {
        rp_id: &ctx.config.rp_id,
        origins: &ctx.config.origins,
        require_user_verification: ctx.config.user_verification == UserVerification::Required,
    };
    let (account, cookie) = match parsed {
        Parsed::Registration(response) => {
            register(ctx, &accounts, &rp, &challenge, &challenge_bytes, &response)?
        }
        Parsed::Authentication(response) => {
            authenticate(ctx, &accounts, &rp, &challenge_bytes, &response)?
        }
    };
    let mut response = headers::json(
        StatusCode::OK,
        &json!({ "ok": true, "user": { "name": account.name } }),
    );
    response.append_header("set-cookie", cookie);
    response.append_header("set-cookie", session::clear_ceremony_cookie());
    Ok(response.into())
}

enum Parsed {
    Registration(RegistrationResponseJson),
    Authentication(AuthenticationResponseJson),
}

/// The ceremony this browser started, from its signed cookie.
fn ceremony_claims(request: &Request, ctx: &Ctx<'_>) -> Result<CeremonyClaims, AppError> {
    let token = cookie(request, CEREMONY_COOKIE).ok_or_else(|| {
        AppError::bad_request(
            "no_ceremony",
            "This browser has no sign-in in progress. Please try again.",
        )
    })?;
    session::open_ceremony(&ctx.config.keys, token, ctx.now).map_err(|error| match error {
        TokenError::Expired => AppError::bad_request(
            "challenge_expired",
            "The sign-in took too long. Please try again.",
        ),
        _ => AppError::bad_request(
            "ceremony_invalid",
            "This sign-in could not be matched to this browser. Please try again.",
        ),
    })
}

/// Reads the challenge and overwrites it with a `used` tombstone at the generation just read:
/// of two concurrent finishes only one gets past here.
fn consume_challenge(ctx: &Ctx<'_>, id: &str) -> Result<ChallengeRecord, AppError> {
    let challenges = Kv::open(ctx.stores.challenges)?;
    let key = ChallengeRecord::key(id);
    let expired = || {
        AppError::bad_request(
            "challenge_expired",
            "The sign-in took too long. Please try again.",
        )
    };
    let used = || {
        AppError::conflict(
            "challenge_used",
            "This sign-in was already used. Please try again.",
        )
    };
    let found = challenges
        .get::<ChallengeRecord>(&key)?
        .ok_or_else(expired)?;
    if found.value.used {
        return Err(used());
    }
    if found.value.expires_at <= ctx.now {
        return Err(expired());
    }
    let ttl = Duration::from_secs(found.value.expires_at - ctx.now);
    match challenges.replace_if(&key, &found.value.tombstone(), found.generation, Some(ttl))? {
        Write::Done => Ok(found.value),
        Write::Conflict => Err(used()),
    }
}

/// Registration: verify, then write the account once with `InsertMode::Add` (a credential id is
/// never overwritten nor owned by two users). The user handle and name come only from the
/// challenge record.
fn register(
    ctx: &Ctx<'_>,
    accounts: &Kv,
    rp: &RelyingParty<'_>,
    challenge: &ChallengeRecord,
    challenge_bytes: &[u8],
    response: &RegistrationResponseJson,
) -> Result<(Account, String), AppError> {
    let credential =
        webauthn::verify_registration(rp, challenge_bytes, response).map_err(verification_error)?;
    let key = account_key(&credential.id);
    let sid = sessions::new_id()?;
    let account = Account {
        user_handle: challenge.user_handle.clone(),
        name: challenge.name.clone(),
        credential_id: URL_SAFE_NO_PAD.encode(&credential.id),
        public_key_cose: URL_SAFE_NO_PAD.encode(&credential.public_key_cose),
        alg: credential.alg,
        sign_count: credential.sign_count,
        backup_eligible: credential.backup_eligible,
        backup_state: credential.backup_state,
        user_verified: credential.user_verified,
        aaguid: credential.aaguid_string(),
        transports: credential.transports.clone(),
        created_at: ctx.now,
        last_used_at: ctx.now,
        sign_ins: vec![SignInEvent {
            at: ctx.now,
            client: ctx.client.clone(),
            registration: true,
        }],
        security_events: Vec::new(),
        previous_sign_in_at: None,
        sessions: vec![sid.clone()],
    };
    if accounts.insert_new(&key, &account, None)? == Write::Conflict {
        return Err(AppError::conflict(
            "credential_exists",
            "This passkey is already registered. Use the Auth button to sign in with it.",
        ));
    }
    let cookie = sessions::start(ctx, accounts, &sid, &key, &account.user_handle)?;
    Ok((account, cookie))
}

/// Sign-in: find the account by credential id, require its user handle, verify, then record the
/// sign-in with a generation match (retrying on conflict). Refused attempts on a known account
/// are recorded as security events.
fn authenticate(
    ctx: &Ctx<'_>,
    accounts: &Kv,
    rp: &RelyingParty<'_>,
    challenge_bytes: &[u8],
    response: &AuthenticationResponseJson,
) -> Result<(Account, String), AppError> {
    let credential_id = response.raw_id_bytes().map_err(verification_error)?;
    let key = account_key(&credential_id);
    let Some(found) = accounts.get::<Account>(&key)? else {
        return Err(AppError::unauthorized(
            "unknown_credential",
            "This passkey is not registered here (it may have been deleted).",
        )
        .with("credentialId", URL_SAFE_NO_PAD.encode(&credential_id))
        .with("rpId", ctx.config.rp_id.clone()));
    };
    let account = found.value;
    // The usernameless flow: the authenticator must say whose passkey this is.
    if response.user_handle_bytes().ok().flatten().is_none() {
        record_refusal(ctx, accounts, &key, "user_handle_missing");
        return Err(AppError::bad_request(
            "user_handle_missing",
            "This passkey did not say which account it belongs to.",
        ));
    }
    let public_key = decode_stored(&account.public_key_cose)?;
    let user_handle = decode_stored(&account.user_handle)?;
    let stored = StoredCredential {
        id: &credential_id,
        public_key_cose: &public_key,
        sign_count: account.sign_count,
        backup_eligible: Some(account.backup_eligible),
        user_handle: Some(&user_handle),
    };
    let outcome = match webauthn::verify_authentication(rp, challenge_bytes, response, &stored) {
        Ok(outcome) => outcome,
        Err(error) => {
            record_refusal(ctx, accounts, &key, error.code());
            return Err(verification_error(error));
        }
    };
    let sid = sessions::new_id()?;
    let account = record_sign_in(ctx, accounts, &key, &outcome, &sid)?;
    let cookie = sessions::start(ctx, accounts, &sid, &key, &account.user_handle)?;
    Ok((account, cookie))
}

/// Writes the sign-in into the account: counter, BS, last use, history, session id.
fn record_sign_in(
    ctx: &Ctx<'_>,
    accounts: &Kv,
    key: &str,
    outcome: &AuthenticationOutcome,
    sid: &str,
) -> Result<Account, AppError> {
    for _ in 0..MAX_UPDATE_ATTEMPTS {
        let found = accounts.get::<Account>(key)?.ok_or_else(|| {
            AppError::unauthorized("unknown_credential", "This passkey was just deleted.")
        })?;
        let mut account = found.value;
        // Another sign-in may have landed since we verified: the counter rule holds against it.
        if (outcome.sign_count != 0 || account.sign_count != 0)
            && outcome.sign_count <= account.sign_count
        {
            return Err(verification_error(webauthn::Error::SignCountRegressed {
                stored: account.sign_count,
                received: outcome.sign_count,
            }));
        }
        account.sign_count = outcome.sign_count;
        account.backup_state = outcome.backup_state;
        account.previous_sign_in_at = Some(account.last_used_at);
        account.last_used_at = ctx.now;
        push_bounded(
            &mut account.sign_ins,
            SignInEvent {
                at: ctx.now,
                client: ctx.client.clone(),
                registration: false,
            },
            MAX_SIGN_INS,
        );
        push_bounded(&mut account.sessions, sid.to_owned(), MAX_SESSIONS);
        if accounts.replace_if(key, &account, found.generation, None)? == Write::Done {
            return Ok(account);
        }
    }
    Err(AppError::internal(
        "the account kept changing during sign-in",
    ))
}

/// Appends a refused attempt to the account's security events. Best effort: a failure here is
/// logged and never hides the refusal itself.
fn record_refusal(ctx: &Ctx<'_>, accounts: &Kv, key: &str, code: &str) {
    for _ in 0..MAX_UPDATE_ATTEMPTS {
        let Ok(Some(found)) = accounts.get::<Account>(key) else {
            return;
        };
        let mut account = found.value;
        push_bounded(
            &mut account.security_events,
            SecurityEvent {
                at: ctx.now,
                code: code.to_owned(),
                client: ctx.client.clone(),
            },
            MAX_SECURITY_EVENTS,
        );
        match accounts.replace_if(key, &account, found.generation, None) {
            Ok(Write::Done) => return,
            Ok(Write::Conflict) => continue,
            Err(error) => {
                eprintln!("bio: could not record a security event: {}", error.code);
                return;
            }
        }
    }
}

fn decode_stored(value: &str) -> Result<Vec<u8>, AppError> {
    URL_SAFE_NO_PAD
        .decode(value)
        .map_err(|_| AppError::internal("a stored account value is not base64url"))
}

/// A refused ceremony: 400 with the verifier's stable code and a sentence for the person.
pub fn verification_error(error: webauthn::Error) -> AppError {
    let message = match error.class() {
        "malformed" => "The passkey response could not be read.",
        "origin" => "This passkey response was made for another site.",
        "challenge" => "This passkey response answers another sign-in. Please try again.",
        "type" => "This passkey response is for the wrong kind of request.",
        "rp_id" => "This passkey belongs to another site.",
        "user_present" => "The authenticator did not confirm that you were present.",
        "user_verified" => "The authenticator did not verify you (PIN or biometrics are required).",
        "signature" => "The passkey's signature did not check out.",
        "sign_count" => "This passkey's counter went backwards: it may have been cloned.",
        "unsupported_alg" => "This passkey uses an algorithm Bio does not support.",
        "attestation" => "The authenticator's attestation was refused.",
        "backup_state" => "The passkey's backup flags are inconsistent.",
        "user_handle" => "This passkey belongs to another account.",
        _ => "The passkey response was refused.",
    };
    AppError::bad_request(error.code(), message)
}
