//! Shared by `tests/vectors.rs` and `tests/hostile.rs`: the embedded vectors and how to run one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, dead_code)]

use bio::webauthn::{
    AuthenticationResponseJson, Error, RegistrationResponseJson, RelyingParty, StoredCredential,
    base64url, verify_authentication, verify_registration,
};
use serde_json::Value;

include!(concat!(env!("OUT_DIR"), "/vectors.rs"));

/// One vector file, with its response parsed into the verifier's types.
pub struct Vector {
    pub file: &'static str,
    pub json: Value,
    pub origins: Vec<String>,
    pub challenge: Vec<u8>,
    pub ceremony: Ceremony,
}

pub enum Ceremony {
    Registration(RegistrationResponseJson),
    Authentication { response: AuthenticationResponseJson, public_key_cose: Vec<u8>, sign_count: u32, user_handle: Option<Vec<u8>> },
}

pub fn b64(v: &Value) -> Vec<u8> {
    base64url::decode(v.as_str().unwrap()).unwrap()
}

impl Vector {
    pub fn load(file: &'static str, text: &str) -> Self {
        let json: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let origins = json["origins"].as_array().unwrap().iter().map(|o| o.as_str().unwrap().to_owned()).collect();
        let challenge = b64(&json["challenge"]);
        let body = serde_json::to_vec(&json["response"]).unwrap();
        let ceremony = match json["ceremony"].as_str().unwrap() {
            "registration" => Ceremony::Registration(RegistrationResponseJson::from_slice(&body).unwrap()),
            "authentication" => {
                let cred = &json["credential"];
                Ceremony::Authentication {
                    response: AuthenticationResponseJson::from_slice(&body).unwrap(),
                    public_key_cose: b64(&cred["public_key_cose"]),
                    sign_count: cred["sign_count"].as_u64().unwrap() as u32,
                    user_handle: cred.get("user_handle").filter(|v| !v.is_null()).map(b64),
                }
            }
            other => panic!("{file}: ceremony {other}"),
        };
        Vector { file, json, origins, challenge, ceremony }
    }

    pub fn all() -> Vec<Vector> {
        VECTORS.iter().map(|(file, text)| Vector::load(file, text)).collect()
    }

    pub fn rp(&self) -> RelyingParty<'_> {
        RelyingParty {
            rp_id: self.json["rp_id"].as_str().unwrap(),
            origins: &self.origins,
            require_user_verification: self.json["require_user_verification"].as_bool().unwrap_or(false),
        }
    }

    pub fn expect_ok(&self) -> bool {
        self.json["expect"] == "ok"
    }

    /// The attestation format of a registration vector (from its attestation object), and
    /// whether its statement has `x5c`.
    pub fn format(&self) -> Option<(String, bool)> {
        let Ceremony::Registration(r) = &self.ceremony else { return None };
        let bytes = r.attestation_object_bytes().ok()?;
        let object = bio::webauthn::cbor::decode_exact(&bytes).ok()?;
        let fmt = object.get_text_key("fmt")?.as_text()?.to_owned();
        let x5c = object.get_text_key("attStmt").and_then(|s| s.get_text_key("x5c")).is_some();
        Some((fmt, x5c))
    }

    /// Runs the ceremony with `registration` / `authentication` substituted for the vector's
    /// response; returns the class-level outcome.
    pub fn run_registration(&self, r: &RegistrationResponseJson) -> Result<bio::webauthn::CredentialRecord, Error> {
        verify_registration(&self.rp(), &self.challenge, r)
    }

    pub fn run_authentication(&self, a: &AuthenticationResponseJson) -> Result<bio::webauthn::AuthenticationOutcome, Error> {
        let Ceremony::Authentication { public_key_cose, sign_count, user_handle, .. } = &self.ceremony else {
            panic!("{}: not an authentication vector", self.file)
        };
        let stored = StoredCredential {
            id: &b64(&self.json["response"]["rawId"]),
            public_key_cose,
            sign_count: *sign_count,
            backup_eligible: None,
            user_handle: user_handle.as_deref(),
        };
        verify_authentication(&self.rp(), &self.challenge, a, &stored)
    }

    /// Runs the vector as recorded.
    pub fn run(&self) -> Result<Option<bio::webauthn::CredentialRecord>, Error> {
        match &self.ceremony {
            Ceremony::Registration(r) => self.run_registration(r).map(Some),
            Ceremony::Authentication { response, .. } => self.run_authentication(response).map(|_| None),
        }
    }
}
