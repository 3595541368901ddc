//! The reference verifier: webauthn-rs-core 0.6 driven with a challenge we choose.
//!
//! webauthn-rs-core issues its own random challenge and keeps it in a ceremony state
//! (`RegistrationState` / `AuthenticationState`) whose fields are private but which is
//! `Serialize + Deserialize`; a serde round trip through JSON puts a known challenge in it, so a
//! recorded vector or a generated ceremony can be checked against the library unchanged.
//!
//! Configuration mirrors Bio's `RelyingParty`: exact origins (no subdomains, no other ports),
//! cross-origin refused, UV required only when asked, counters enforced, attestation formats it
//! does not know ignored, no attestation CA list (attestation is checked, never trusted).

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value as Json;
use webauthn_rs_core::WebauthnCore;
use webauthn_rs_core::error::WebauthnError;
use webauthn_rs_core::proto::{
    AttestationFormat, AttestationMetadata, COSEAlgorithm, COSEKey, Credential, ParsedAttestation,
    ParsedAttestationData, PublicKeyCredential, RegisterPublicKeyCredential, RegisteredExtensions,
    UserVerificationPolicy,
};
use webauthn_rs_core::proto::{AuthenticationState, RegistrationState};

/// A webauthn-rs-core relying party with Bio's configuration.
pub struct Reference {
    core: WebauthnCore,
    require_uv: bool,
}

/// Why the reference refused, or that it could not even read the JSON.
#[derive(Debug)]
pub enum Refusal {
    /// serde could not decode the response JSON into webauthn-rs-proto's types.
    Json(String),
    /// The stored COSE key was refused before the ceremony started.
    StoredKey(WebauthnError),
    /// The ceremony failed.
    Ceremony(WebauthnError),
}

impl Reference {
    /// A relying party for `rp_id`, accepting exactly `origins`.
    pub fn new(rp_id: &str, origins: &[String], require_uv: bool) -> Self {
        let urls = origins
            .iter()
            .filter_map(|o| url::Url::parse(o).ok())
            .collect();
        let core = WebauthnCore::new_unsafe_experts_only(
            "Bio",
            rp_id,
            urls,
            Duration::from_secs(300),
            Some(false),
            Some(false),
        );
        Reference { core, require_uv }
    }

    fn policy(&self) -> UserVerificationPolicy {
        if self.require_uv {
            UserVerificationPolicy::Required
        } else {
            // "discouraged" is the only policy under which webauthn-rs-core does not demand UV
            // later from a credential that happened to register with UV (its per-credential UV
            // deviation); Bio's "not required" means exactly "UV is not checked".
            UserVerificationPolicy::Discouraged_DO_NOT_USE
        }
    }

    /// The underlying webauthn-rs-core relying party (for the benchmark).
    pub fn core(&self) -> &WebauthnCore {
        &self.core
    }

    /// A registration ceremony state holding `challenge`.
    pub fn registration_state(&self, challenge: &[u8]) -> Result<RegistrationState, Refusal> {
        let builder = self
            .core
            .new_challenge_register_builder(b"bio-oracle-user", "oracle", "Oracle")
            .map_err(Refusal::Ceremony)?
            .user_verification_policy(self.policy())
            // Bio accepts ES256, EdDSA and RS256; offer the same so the algorithm filter never
            // decides (webauthn-rs-core 0.6 still cannot verify Ed25519: see KNOWN_DISAGREEMENTS).
            .credential_algorithms(vec![
                COSEAlgorithm::ES256,
                COSEAlgorithm::EDDSA,
                COSEAlgorithm::RS256,
            ]);
        let (_options, state) = self
            .core
            .generate_challenge_register(builder)
            .map_err(Refusal::Ceremony)?;
        Ok(with_challenge(&state, challenge))
    }

    /// §7.1 registration of `response` against `challenge`.
    pub fn register(&self, challenge: &[u8], response: &Json) -> Result<Credential, Refusal> {
        let reg: RegisterPublicKeyCredential =
            serde_json::from_value(response.clone()).map_err(|e| Refusal::Json(e.to_string()))?;
        let state = self.registration_state(challenge)?;
        self.core
            .register_credential(&reg, &state, None)
            .map_err(Refusal::Ceremony)
    }

    /// A stored credential as webauthn-rs-core keeps one, from the COSE key bytes a relying
    /// party stored.
    pub fn stored_credential(
        &self,
        id: &[u8],
        public_key_cose: &[u8],
        sign_count: u32,
        backup_eligible: bool,
    ) -> Result<Credential, Refusal> {
        let value: serde_cbor_2::Value = serde_cbor_2::from_slice(public_key_cose)
            .map_err(|e| Refusal::Json(format!("stored COSE key: {e}")))?;
        let cred = COSEKey::try_from(&value).map_err(Refusal::StoredKey)?;
        Ok(Credential {
            cred_id: id.to_vec(),
            cred,
            counter: sign_count,
            transports: None,
            user_verified: false,
            backup_eligible,
            backup_state: false,
            registration_policy: self.policy(),
            extensions: RegisteredExtensions::none(),
            attestation: ParsedAttestation {
                data: ParsedAttestationData::None,
                metadata: AttestationMetadata::None,
            },
            attestation_format: AttestationFormat::None,
        })
    }

    /// An authentication ceremony state holding `challenge` and allowing `credential`.
    pub fn authentication_state(
        &self,
        challenge: &[u8],
        credential: &Credential,
    ) -> Result<AuthenticationState, Refusal> {
        let builder = self
            .core
            .new_challenge_authenticate_builder(vec![credential.clone()], Some(self.policy()))
            .map_err(Refusal::Ceremony)?;
        let (_options, state) = self
            .core
            .generate_challenge_authenticate(builder)
            .map_err(Refusal::Ceremony)?;
        Ok(with_challenge(&state, challenge))
    }

    /// §7.2 authentication of `response` against `challenge` and the stored `credential`;
    /// the new counter on success.
    pub fn authenticate(
        &self,
        challenge: &[u8],
        response: &Json,
        credential: &Credential,
    ) -> Result<u32, Refusal> {
        let rsp: PublicKeyCredential =
            serde_json::from_value(response.clone()).map_err(|e| Refusal::Json(e.to_string()))?;
        let state = self.authentication_state(challenge, credential)?;
        self.core
            .authenticate_credential(&rsp, &state)
            .map(|r| r.counter())
            .map_err(Refusal::Ceremony)
    }
}

/// Replaces the `challenge` of a serialized ceremony state.
fn with_challenge<S: serde::Serialize + serde::de::DeserializeOwned>(
    state: &S,
    challenge: &[u8],
) -> S {
    let mut v = serde_json::to_value(state).expect("ceremony state serializes");
    v["challenge"] = Json::String(URL_SAFE_NO_PAD.encode(challenge));
    serde_json::from_value(v).expect("ceremony state deserializes with our challenge")
}

/// The reference verdict on one ceremony: `Ok(())` or why webauthn-rs-core refused.
pub fn verdict(c: &super::ceremonies::Ceremony) -> Result<(), String> {
    use super::ceremonies::Kind;
    let rp = Reference::new(&c.rp_id, &c.origins, c.require_uv);
    let result = match (&c.kind, &c.stored) {
        (Kind::Registration, _) => rp.register(&c.challenge, &c.response).map(|_| ()),
        (Kind::Authentication, Some(s)) => {
            // webauthn-rs-core needs a definite BE; "unknown" takes the response's own flag.
            let be = s
                .backup_eligible
                .unwrap_or_else(|| response_be_flag(&c.response));
            rp.stored_credential(&s.id, &s.public_key_cose, s.sign_count, be)
                .and_then(|cred| {
                    rp.authenticate(&c.challenge, &c.response, &cred)
                        .map(|_| ())
                })
        }
        (Kind::Authentication, None) => {
            return Err("authentication without a stored credential".into());
        }
    };
    result.map_err(|e| format!("{e:?}"))
}

fn response_be_flag(response: &Json) -> bool {
    response["response"]["authenticatorData"]
        .as_str()
        .and_then(|s| URL_SAFE_NO_PAD.decode(s).ok())
        .and_then(|ad| ad.get(32).copied())
        .is_some_and(|f| f & 0x08 != 0)
}
