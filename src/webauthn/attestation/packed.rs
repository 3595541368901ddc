//! The `packed` attestation statement format (WebAuthn Level 3 §8.2,
//! <https://www.w3.org/TR/webauthn-3/#sctn-packed-attestation>).
//!
//! ```text
//! attStmt = { alg: COSEAlgorithmIdentifier, sig: bytes, ? x5c: [ attestnCert: bytes, * bytes ] }
//! ```
//!
//! Both variants: self attestation (no `x5c`, signed by the credential key) and basic
//! attestation (signed by the key of `attestnCert`, ES256, RS256 or EdDSA as that key allows).
//! The certificate requirements of §8.2.1 are checked; its chain is not (see
//! [`attestation`](super)).

use super::certificate::COMMON_NAME;
use super::statement::{self, refuse};
use super::{AttestationType, Input};
use crate::webauthn::error::{Attestation, Error};

/// The format identifier.
pub const FORMAT: &str = "packed";

/// OID 2.5.4.6 countryName, 2.5.4.10 organizationName, 2.5.4.11 organizationalUnitName.
const COUNTRY: &[u8] = &[0x55, 0x04, 0x06];
const ORGANIZATION: &[u8] = &[0x55, 0x04, 0x0a];
const ORGANIZATIONAL_UNIT: &[u8] = &[0x55, 0x04, 0x0b];

/// §8.2 verification procedure.
pub fn verify(input: &Input<'_>) -> Result<AttestationType, Error> {
    let malformed = refuse(Attestation::MalformedStatement);
    // "Verify that attStmt is valid CBOR conforming to the syntax defined above and perform
    // CBOR decoding on it to extract the contained fields."
    if input.att_stmt.as_map().is_none() {
        return Err(malformed);
    }
    let alg = statement::alg(input.att_stmt)?;
    let sig = statement::sig(input.att_stmt)?;

    // "If x5c is present:"
    if input.att_stmt.get_text_key("x5c").is_some() {
        let certs = statement::x5c(input.att_stmt)?;
        let cert = statement::leaf(&certs)?;
        // "Verify that sig is a valid signature over the concatenation of authenticatorData
        //  and clientDataHash using the attestation public key in attestnCert with the
        //  algorithm specified in alg."
        let key = statement::public_key(&cert)?;
        statement::verify(&key, alg, &[input.auth_data, input.client_data_hash], sig)?;
        // "Verify that attestnCert meets the requirements in § 8.2.1 Packed Attestation
        //  Statement Certificate Requirements."
        check_certificate_requirements(&cert)?;
        // "If attestnCert contains an extension with OID 1.3.6.1.4.1.45724.1.1.4
        //  (id-fido-gen-ce-aaguid) verify that the value of this extension matches the aaguid
        //  in authenticatorData."
        statement::check_aaguid_extension(&cert, &input.attested.aaguid)?;
        // "Optionally, inspect x5c and consult externally provided knowledge to determine
        //  whether attStmt conveys a Basic or AttCA attestation." — not done: trust is not
        //  judged, so the two are not told apart.
        // "If successful, return implementation-specific values representing attestation type
        //  Basic, AttCA or uncertainty, and attestation trust path x5c."
        return Ok(AttestationType::Basic);
    }

    // "If x5c is not present, self attestation is in use.
    //  Validate that alg matches the algorithm of the credentialPublicKey in authenticatorData."
    if alg != input.credential_key.alg() {
        return Err(refuse(Attestation::AlgorithmMismatch));
    }
    // "Verify that sig is a valid signature over the concatenation of authenticatorData and
    //  clientDataHash using the credential public key with alg."
    input
        .credential_key
        .verify_parts(&[input.auth_data, input.client_data_hash], sig)
        .map_err(|_| refuse(Attestation::Signature))?;
    // "If successful, return implementation-specific values representing attestation type Self
    //  and an empty attestation trust path."
    Ok(AttestationType::SelfAttestation)
}

/// §8.2.1 Packed Attestation Statement Certificate Requirements.
fn check_certificate_requirements(cert: &super::certificate::Certificate<'_>) -> Result<(), Error> {
    let unreadable = |_| refuse(Attestation::Certificate);
    let unmet = refuse(Attestation::CertificateRequirement);
    // "Version MUST be set to 3" and "The Basic Constraints extension MUST have the CA
    // component set to false."
    statement::check_v3_end_entity(cert)?;
    // "Subject field MUST be set to: Subject-C ISO 3166 code specifying the country where the
    //  Authenticator vendor is incorporated (PrintableString); Subject-O Legal name of the
    //  Authenticator vendor (UTF8String); Subject-OU Literal string “Authenticator
    //  Attestation” (UTF8String); Subject-CN A UTF8String of the vendor’s choosing."
    // NOT IN SPEC: the string types are not checked, only that each attribute is there once
    // (and the OU's text): vendors' certificates use PrintableString for all of them.
    for oid in [COUNTRY, ORGANIZATION, COMMON_NAME] {
        if cert.subject_values(oid).map_err(unreadable)?.len() != 1 {
            return Err(unmet);
        }
    }
    if cert
        .subject_values(ORGANIZATIONAL_UNIT)
        .map_err(unreadable)?
        .as_slice()
        != [b"Authenticator Attestation"]
    {
        return Err(unmet);
    }
    Ok(())
}
