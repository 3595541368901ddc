//! The hand-tuned WebAuthn verifier, following W3C Web Authentication Level 3
//! (<https://www.w3.org/TR/webauthn-3/>), §7.1 "Registering a New Credential" and §7.2
//! "Verifying an Authentication Assertion".
//!
//! One file per concept: [`cbor`] (bounded decoder), [`authenticator_data`], [`cose`] (public
//! keys and signature checks), [`es256`] (the P-256 signature check, tuned for wasm32), [`client_data`], [`attestation`] (statement formats),
//! [`registration`] and [`authentication`] (the ceremonies), [`response`] (the W3C JSON forms the
//! browser sends), [`rsassa`] (RSA PKCS#1 v1.5 signature checks), [`error`].
//!
//! It does not: keep state, talk to stores, pick challenges, or judge attestation for trust
//! (Bio asks for attestation `none`; statements that do arrive are checked so that a malformed or
//! forged one is refused, never to learn or trust the maker).

pub mod attestation;
pub mod authentication;
pub mod authenticator_data;
pub mod base64url;
pub mod cbor;
pub mod client_data;
pub mod cose;
pub mod error;
pub mod es256;
mod json_object;
pub mod reader;
pub mod registration;
pub mod response;
pub mod rsassa;

pub use authentication::{
    AuthenticationOutcome, Leniency, Policy, StoredCredential, verify_authentication,
    verify_authentication_with,
};
pub use error::{Error, ErrorClass};
pub use registration::{CredentialRecord, verify_registration};
pub use response::{AuthenticationResponseJson, RegistrationResponseJson};

/// What the relying party expects of every ceremony: its RP ID, the exact origins its pages are
/// served from, and whether user verification is required.
#[derive(Debug, Clone, Copy)]
pub struct RelyingParty<'a> {
    /// The RP ID: a registrable domain suffix of the origins' hosts (e.g. `localhost`).
    pub rp_id: &'a str,
    /// Exact origins (`https://example.org`), compared as strings with `C.origin`.
    pub origins: &'a [String],
    /// `true` when the RP asked for `userVerification: "required"`.
    pub require_user_verification: bool,
}
