//! The one-button ceremony's options, fastly-free.
//!
//! `POST /auth/start` issues one challenge usable for either ceremony, with a fresh user handle
//! and friendly name for the case that this visitor is new, sealed into a
//! [`CeremonyClaims`] token instead of being stored. [`options`] is the JSON the page turns into
//! `navigator.credentials.get()` and `.create()` arguments (the W3C JSON forms that
//! `PublicKeyCredential.parseRequestOptionsFromJSON` / `parseCreationOptionsFromJSON` accept).
//!
//! It does not: touch KV, pick randomness, or verify anything (that is `webauthn`).

use serde_json::{Value, json};

use crate::config::Config;
use crate::session::CeremonyClaims;
use crate::webauthn::{self, client_data::CollectedClientData};

/// The COSE algorithms the verifier supports, in order of preference.
pub const SUPPORTED_ALGS: [i64; 3] = [-7, -8, -257];

/// A credential named in `allowCredentials`: the returning visitor's, or the signed-in
/// account's for a confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedCredential<'a> {
    /// base64url.
    pub id: &'a str,
    /// As the browser reported them at registration (may be empty).
    pub transports: &'a [String],
}

/// The options for both ceremonies, in the W3C JSON forms (a confirmation gets `get` only).
/// `allow` names the passkey `get()` should use, when the server knows it. `now` and the
/// ceremony's expiry bound each `timeout` by the challenge's remaining life.
pub fn options(
    config: &Config,
    claims: &CeremonyClaims,
    allow: Option<&AllowedCredential<'_>>,
    now: u64,
) -> Value {
    let remaining_ms = claims.exp.saturating_sub(now).saturating_mul(1000);
    let user_verification = config.user_verification.as_str();
    let allow_credentials: Vec<Value> = allow
        .iter()
        .map(|credential| {
            if credential.transports.is_empty() {
                json!({ "type": "public-key", "id": credential.id })
            } else {
                json!({
                    "type": "public-key",
                    "id": credential.id,
                    "transports": credential.transports,
                })
            }
        })
        .collect();
    let get = json!({
        "challenge": claims.challenge,
        "rpId": config.rp_id,
        "timeout": remaining_ms,
        "userVerification": user_verification,
        "allowCredentials": allow_credentials.clone(),
    });
    if claims.confirms_sid.is_some() {
        return json!({
            "publicKey": { "get": get },
            "expiresAt": claims.exp.saturating_mul(1000),
        });
    }
    // A returning visitor's passkey is excluded from `create()`: if it is on this device, the
    // provider refuses (the page says so) instead of making a second account beside it. Only a
    // visitor whose passkey is really gone gets a new one, by the explicit choice.
    json!({
        "publicKey": { "get": get, "create": create(config, claims, now, allow_credentials) },
        "expiresAt": claims.exp.saturating_mul(1000),
    })
}

/// The options of a `create()` alone, for a ceremony that moves an existing account to a new
/// passkey (replace, recover): the account's own user handle and name, so a provider that holds
/// its old passkey replaces it there. `excludeCredentials` stays empty on purpose: naming the
/// old passkey would make that provider refuse instead of replace.
pub fn creation_options(config: &Config, claims: &CeremonyClaims, now: u64) -> Value {
    json!({
        "publicKey": { "create": create(config, claims, now, Vec::new()) },
        "expiresAt": claims.exp.saturating_mul(1000),
    })
}

/// The `create()` options, excluding the credentials in `exclude`.
fn create(config: &Config, claims: &CeremonyClaims, now: u64, exclude: Vec<Value>) -> Value {
    let remaining_ms = claims.exp.saturating_sub(now).saturating_mul(1000);
    let user_verification = config.user_verification.as_str();
    let params: Vec<Value> = SUPPORTED_ALGS
        .iter()
        .map(|alg| json!({ "type": "public-key", "alg": alg }))
        .collect();
    json!({
        "rp": { "id": config.rp_id, "name": config.rp_name },
        "user": {
            "id": claims.user_handle,
            "name": claims.name,
            "displayName": claims.name,
        },
        "challenge": claims.challenge,
        "pubKeyCredParams": params,
        "timeout": remaining_ms,
        "excludeCredentials": exclude,
        "authenticatorSelection": {
            "residentKey": "required",
            "requireResidentKey": true,
            "userVerification": user_verification,
        },
        "attestation": "none",
    })
}

/// Which ceremony a `/auth/finish` body is: by the members of its `response` (an attestation
/// object means `create()`, an authenticator data and signature mean `get()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CeremonyKind {
    Registration,
    Authentication,
}

/// Reads the kind from the parsed body; `None` when it is neither.
pub fn ceremony_kind(body: &Value) -> Option<CeremonyKind> {
    let response = body.get("response")?.as_object()?;
    if response.contains_key("attestationObject") {
        Some(CeremonyKind::Registration)
    } else if response.contains_key("signature") && response.contains_key("authenticatorData") {
        Some(CeremonyKind::Authentication)
    } else {
        None
    }
}

/// Whether a credential's `clientDataJSON` answers `challenge`: the cheap check a finish makes
/// before it reads any store. The verifier checks it again, with everything else.
pub fn answers_challenge(client_data_json: &[u8], challenge: &[u8]) -> Result<(), webauthn::Error> {
    CollectedClientData::parse(client_data_json)?.check_challenge(challenge)
}

#[cfg(test)]
mod tests;
