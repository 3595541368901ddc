//! The `apple` anonymous attestation statement format (WebAuthn Level 3 §8.8,
//! <https://www.w3.org/TR/webauthn-3/#sctn-apple-anonymous-attestation>).
//!
//! ```text
//! attStmt = { x5c: [ credCert: bytes, * (caCert: bytes) ] }
//! ```
//!
//! There is no signature: the statement binds the registration through the nonce extension of
//! `credCert`, whose key must be the credential key. The chain to Apple's root is not checked
//! (see [`attestation`](super)).

use super::certificate::{OCTET_STRING, SEQUENCE, exactly, explicit};
use super::statement::{self, refuse};
use super::{AttestationType, Input};
use crate::webauthn::error::{Attestation, Error};

/// The format identifier.
pub const FORMAT: &str = "apple";

/// OID 1.2.840.113635.100.8.2, Apple's nonce extension.
const APPLE_NONCE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x08, 0x02];

/// §8.8 verification procedure.
pub fn verify(input: &Input<'_>) -> Result<AttestationType, Error> {
    let unreadable = |_| refuse(Attestation::Certificate);
    // "Verify that attStmt is valid CBOR conforming to the syntax defined above and perform
    // CBOR decoding on it to extract the contained fields."
    let certs = statement::x5c(input.att_stmt)?;
    let cred_cert = statement::leaf(&certs)?;

    // "Concatenate authenticatorData and clientDataHash to form nonceToHash."
    // "Perform SHA-256 hash of nonceToHash to produce nonce."
    let nonce = statement::sha256(&[input.auth_data, input.client_data_hash]);
    // "Verify that nonce equals the value of the extension with OID 1.2.840.113635.100.8.2 in
    // credCert." Its value is `SEQUENCE { [1] EXPLICIT OCTET STRING nonce }`.
    let ext = cred_cert.extension(APPLE_NONCE).map_err(unreadable)?;
    let ext = ext.ok_or(refuse(Attestation::CertificateRequirement))?;
    let wrapped = exactly(ext.value, SEQUENCE).map_err(unreadable)?;
    let tagged = exactly(wrapped, explicit(1)).map_err(unreadable)?;
    let value = exactly(tagged, OCTET_STRING).map_err(unreadable)?;
    if value != nonce {
        return Err(refuse(Attestation::NonceMismatch));
    }
    // "Verify that the credential public key equals the Subject Public Key of credCert."
    let cert_key = statement::public_key(&cred_cert)?;
    if !statement::same_key(&cert_key, input.credential_key) {
        return Err(refuse(Attestation::PublicKeyMismatch));
    }
    // "If successful, return implementation-specific values representing attestation type
    // Anonymization CA and attestation trust path x5c."
    Ok(AttestationType::AnonymizationCa)
}
