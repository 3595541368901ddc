//! Attestation statement verification (WebAuthn Level 3 §6.5 and §8,
//! <https://www.w3.org/TR/webauthn-3/#sctn-defined-attestation-formats>), §7.1 steps 22–23.
//!
//! One file per format. Each exposes `FORMAT` (its identifier) and
//! `fn verify(&Input) -> Result<AttestationType, Error>` implementing the format's
//! "verification procedure"; [`verify`] dispatches on `fmt`. To add a format: write
//! `attestation/<name>.rs` with those two items, declare the module, and add a match arm.
//! Every format registered in WebAuthn Level 3 §8 is implemented: `packed` (self and `x5c`),
//! `tpm`, `android-key`, `android-safetynet`, `fido-u2f`, `none`, `apple`. Shared pieces live
//! in [`statement`] (x5c, signatures with a certificate key) and [`certificate`] (a bounded
//! DER walk of X.509).
//!
//! What this deliberately does not do (§7.1 steps 24–25): fetch trust anchors, check
//! certificate chains, dates or revocation, or judge whether an attestation is trustworthy.
//! Bio asks for attestation `none` and never uses attestation for trust decisions: a
//! statement a browser still sends is checked so that a malformed or forged one — a bad
//! signature, a certificate or TPM key that is not the credential's, a nonce, challenge or
//! AAGUID that does not match this registration — is refused, not to learn who made the
//! authenticator. A chain check without trust anchors would prove nothing, and checking dates
//! would refuse genuine authenticators whose attestation certificates have simply expired
//! (many real ones have, and Apple's are valid for days).

pub mod android_key;
pub mod android_safetynet;
pub mod apple;
pub mod certificate;
pub mod fido_u2f;
pub mod none;
pub mod packed;
pub mod statement;
pub mod tpm;

use super::authenticator_data::AttestedCredentialData;
use super::cbor::Value;
use super::cose::CoseKey;
use super::error::{Attestation, Error};

/// What a format's verification procedure works on.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// `attStmt` from the attestation object.
    pub att_stmt: &'a Value<'a>,
    /// The authenticator data, exactly as received (it is part of the signed data).
    pub auth_data: &'a [u8],
    /// `rpIdHash` from the authenticator data.
    pub rp_id_hash: &'a [u8; 32],
    /// The attested credential data from the authenticator data.
    pub attested: &'a AttestedCredentialData<'a>,
    /// The credential public key, already checked as a supported COSE key.
    pub credential_key: &'a CoseKey,
    /// SHA-256 of `clientDataJSON`.
    pub client_data_hash: &'a [u8; 32],
}

/// The attestation type a successful verification established (§6.5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttestationType {
    /// No attestation (`none`).
    None,
    /// Signed by the credential key itself (`packed` without `x5c`).
    SelfAttestation,
    /// Signed by an attestation key whose certificate was not checked for trust (Basic or
    /// AttCA: without trust anchors the two are not told apart).
    Basic,
    /// Apple anonymous attestation: a per-credential certificate binding the nonce.
    AnonymizationCa,
}

/// §7.1 step 22–23: dispatches `fmt` (a case-sensitive match) to its verification procedure.
pub fn verify(fmt: &str, input: &Input<'_>) -> Result<AttestationType, Error> {
    match fmt {
        none::FORMAT => none::verify(input),
        packed::FORMAT => packed::verify(input),
        fido_u2f::FORMAT => fido_u2f::verify(input),
        tpm::FORMAT => tpm::verify(input),
        android_key::FORMAT => android_key::verify(input),
        android_safetynet::FORMAT => android_safetynet::verify(input),
        apple::FORMAT => apple::verify(input),
        _ => Err(Error::Attestation(Attestation::UnknownFormat)),
    }
}
