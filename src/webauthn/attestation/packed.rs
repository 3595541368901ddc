//! The `packed` attestation statement format (WebAuthn Level 3 §8.2,
//! <https://www.w3.org/TR/webauthn-3/#sctn-packed-attestation>).
//!
//! ```text
//! attStmt = { alg: COSEAlgorithmIdentifier, sig: bytes, ? x5c: [ attestnCert: bytes, * bytes ] }
//! ```
//!
//! Implemented: self attestation (no `x5c`). With `x5c` (basic / AttCA attestation) the
//! statement is refused as not implemented yet: checking it needs X.509 parsing and the
//! certificate requirements of §8.2.1, which a later change adds here.

use super::{AttestationType, Input};
use crate::webauthn::error::{Attestation, Error};

/// The format identifier.
pub const FORMAT: &str = "packed";

/// §8.2 verification procedure.
pub fn verify(input: &Input<'_>) -> Result<AttestationType, Error> {
    let malformed = Error::Attestation(Attestation::MalformedStatement);
    // "Verify that attStmt is valid CBOR conforming to the syntax defined above and perform
    // CBOR decoding on it to extract the contained fields."
    if input.att_stmt.as_map().is_none() {
        return Err(malformed);
    }
    let alg = input.att_stmt.get_text_key("alg").and_then(|v| v.as_int()).ok_or(malformed)?;
    let sig = input.att_stmt.get_text_key("sig").and_then(|v| v.as_bytes()).ok_or(malformed)?;

    // "If x5c is present: ..." — not implemented yet: fail closed.
    if input.att_stmt.get_text_key("x5c").is_some() {
        return Err(Error::Attestation(Attestation::NotImplemented));
    }

    // "If x5c is not present, self attestation is in use.
    //  Validate that alg matches the algorithm of the credentialPublicKey in authenticatorData."
    if alg != input.credential_key.alg() {
        return Err(Error::Attestation(Attestation::AlgorithmMismatch));
    }
    // "Verify that sig is a valid signature over the concatenation of authenticatorData and
    //  clientDataHash using the credential public key with alg."
    input
        .credential_key
        .verify_parts(&[input.auth_data, input.client_data_hash], sig)
        .map_err(|_| Error::Attestation(Attestation::Signature))?;
    // "If successful, return implementation-specific values representing attestation type Self
    //  and an empty attestation trust path."
    Ok(AttestationType::SelfAttestation)
}
