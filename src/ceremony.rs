//! The one-button ceremony's records and options, fastly-free.
//!
//! `POST /auth/start` issues one challenge usable for either ceremony, with a fresh user handle
//! and friendly name for the case that this visitor is new. [`ChallengeRecord`] is what
//! `bio_challenges` keeps of it; [`options`] is the JSON the page turns into
//! `navigator.credentials.get()` and `.create()` arguments (the W3C JSON forms that
//! `PublicKeyCredential.parseRequestOptionsFromJSON` / `parseCreationOptionsFromJSON` accept).
//! [`SessionRecord`] is what `bio_accounts` keeps of a session, so logout revokes it.
//!
//! It does not: touch KV, pick randomness, or verify anything (that is `webauthn`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::config::Config;

/// How long a challenge lives, in seconds (also the KV TTL and the ceremony cookie's Max-Age).
pub const CHALLENGE_TTL_SECS: u64 = 300;

/// The COSE algorithms the verifier supports, in order of preference.
pub const SUPPORTED_ALGS: [i64; 3] = [-7, -8, -257];

/// A challenge issued by `/auth/start`, keyed `challenge/<id>` in `bio_challenges`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeRecord {
    /// The 32 challenge bytes, base64url.
    pub challenge: String,
    /// The user handle to use if this visitor registers (32 random bytes, base64url).
    pub user_handle: String,
    /// The friendly name to use if this visitor registers.
    pub name: String,
    /// Unix seconds; the record is dead from then on, whatever KV's TTL deletion says.
    pub expires_at: u64,
    /// Set, with a generation match, by the one finish that consumes it.
    #[serde(default)]
    pub used: bool,
}

impl ChallengeRecord {
    /// The record's KV key.
    pub fn key(id: &str) -> String {
        format!("challenge/{id}")
    }

    /// The same record, consumed: what the finish writes back with a generation match.
    pub fn tombstone(&self) -> ChallengeRecord {
        ChallengeRecord {
            used: true,
            ..self.clone()
        }
    }
}

/// A live session, keyed `session/<sid>` in `bio_accounts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// The account's KV key ([`account_key`]).
    pub account_key: String,
    /// The account's user handle (base64url).
    pub user_handle: String,
    /// Unix seconds.
    pub expires_at: u64,
    /// Unix seconds of the sign-in that made it.
    pub created_at: u64,
}

impl SessionRecord {
    /// The record's KV key.
    pub fn key(sid: &str) -> String {
        format!("session/{sid}")
    }
}

/// The account's KV key for a credential id: `credential/` and base64url(SHA-256(id)). A
/// digest keeps keys short (credential ids may be 1023 bytes; KV keys stop at 1024) while
/// still naming exactly one credential; the record itself holds the full id.
pub fn account_key(credential_id: &[u8]) -> String {
    format!(
        "credential/{}",
        URL_SAFE_NO_PAD.encode(Sha256::digest(credential_id))
    )
}

/// The options for both ceremonies, in the W3C JSON forms. `now` and the record's expiry bound
/// each `timeout` by the challenge's remaining life.
pub fn options(config: &Config, record: &ChallengeRecord, now: u64) -> Value {
    let remaining_ms = record.expires_at.saturating_sub(now).saturating_mul(1000);
    let user_verification = config.user_verification.as_str();
    let params: Vec<Value> = SUPPORTED_ALGS
        .iter()
        .map(|alg| json!({ "type": "public-key", "alg": alg }))
        .collect();
    json!({
        "publicKey": {
            "get": {
                "challenge": record.challenge,
                "rpId": config.rp_id,
                "timeout": remaining_ms,
                "userVerification": user_verification,
                "allowCredentials": [],
            },
            "create": {
                "rp": { "id": config.rp_id, "name": config.rp_name },
                "user": {
                    "id": record.user_handle,
                    "name": record.name,
                    "displayName": record.name,
                },
                "challenge": record.challenge,
                "pubKeyCredParams": params,
                "timeout": remaining_ms,
                "excludeCredentials": [],
                "authenticatorSelection": {
                    "residentKey": "required",
                    "requireResidentKey": true,
                    "userVerification": user_verification,
                },
                "attestation": "none",
            },
        },
        "expiresAt": record.expires_at.saturating_mul(1000),
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

#[cfg(test)]
mod tests;
