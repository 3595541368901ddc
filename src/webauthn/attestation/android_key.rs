//! The `android-key` attestation statement format (WebAuthn Level 3 §8.4,
//! <https://www.w3.org/TR/webauthn-3/#sctn-android-key-attestation>).
//!
//! ```text
//! attStmt = { alg: COSEAlgorithmIdentifier, sig: bytes, x5c: [ credCert: bytes, * bytes ] }
//! ```
//!
//! The key description extension (OID 1.3.6.1.4.1.11129.2.1.17, Android "Key and ID
//! Attestation" schema) is read for its `attestationChallenge` and the two authorization
//! lists. Policy for the purpose/origin checks: the union of `teeEnforced` and
//! `softwareEnforced` — Bio does not require a TEE-backed key (it does not judge authenticators
//! for trust), so a key whose properties only software enforces is accepted.

use super::certificate::{
    self, Certificate, ENUMERATED, INTEGER, OCTET_STRING, SEQUENCE, SET, exactly, expect, explicit,
    tlv,
};
use super::statement::{self, refuse};
use super::{AttestationType, Input};
use crate::webauthn::error::{Attestation, Error};
use crate::webauthn::reader::Reader;

/// The format identifier.
pub const FORMAT: &str = "android-key";

/// OID 1.3.6.1.4.1.11129.2.1.17, the Android key description extension.
const KEY_DESCRIPTION: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x01, 0x11];
/// AuthorizationList tags: purpose [1], allApplications [600], origin [702].
const PURPOSE: u32 = explicit(1);
const ALL_APPLICATIONS: u32 = explicit(600);
const ORIGIN: u32 = explicit(702);
/// KM_PURPOSE_SIGN and KM_ORIGIN_GENERATED.
const KM_PURPOSE_SIGN: &[u8] = &[0x02];
const KM_ORIGIN_GENERATED: &[u8] = &[0x00];

/// What the checks need from one AuthorizationList.
#[derive(Debug, Default)]
struct Authorizations {
    all_applications: bool,
    purpose_sign: bool,
    origin_generated: bool,
}

fn unreadable(_: certificate::CertificateError) -> Error {
    refuse(Attestation::Certificate)
}

/// AuthorizationList ::= SEQUENCE { each field an optional `[n] EXPLICIT` }; unknown fields
/// are skipped.
fn authorizations(list: &[u8]) -> Result<Authorizations, Error> {
    let mut out = Authorizations::default();
    let mut r = Reader::new(list);
    while r.remaining() > 0 {
        let (tag, content) = tlv(&mut r).map_err(unreadable)?;
        match tag {
            ALL_APPLICATIONS => out.all_applications = true,
            PURPOSE => {
                let mut set = Reader::new(exactly(content, SET).map_err(unreadable)?);
                while set.remaining() > 0 {
                    out.purpose_sign |=
                        expect(&mut set, INTEGER).map_err(unreadable)? == KM_PURPOSE_SIGN;
                }
            }
            ORIGIN => {
                out.origin_generated =
                    exactly(content, INTEGER).map_err(unreadable)? == KM_ORIGIN_GENERATED
            }
            _ => {}
        }
    }
    Ok(out)
}

/// §8.4 verification procedure.
pub fn verify(input: &Input<'_>) -> Result<AttestationType, Error> {
    // "Verify that attStmt is valid CBOR conforming to the syntax defined above and perform
    // CBOR decoding on it to extract the contained fields."
    let alg = statement::alg(input.att_stmt)?;
    let sig = statement::sig(input.att_stmt)?;
    let certs = statement::x5c(input.att_stmt)?;
    let cred_cert = statement::leaf(&certs)?;
    let cert_key = statement::public_key(&cred_cert)?;

    // "Verify that sig is a valid signature over the concatenation of authenticatorData and
    // clientDataHash using the public key in the first certificate in x5c with the algorithm
    // specified in alg."
    statement::verify(
        &cert_key,
        alg,
        &[input.auth_data, input.client_data_hash],
        sig,
    )?;
    // "Verify that the public key in the first certificate in x5c matches the
    // credentialPublicKey in the attestedCredentialData in authenticatorData."
    if !statement::same_key(&cert_key, input.credential_key) {
        return Err(refuse(Attestation::PublicKeyMismatch));
    }
    check_key_description(&cred_cert, input.client_data_hash)?;
    // "If successful, return implementation-specific values representing attestation type
    // Basic and attestation trust path x5c."
    Ok(AttestationType::Basic)
}

/// "Verify that the attestationChallenge field in the attestation certificate extension data
/// is identical to clientDataHash." and the AuthorizationList checks.
fn check_key_description(cert: &Certificate<'_>, client_data_hash: &[u8; 32]) -> Result<(), Error> {
    let ext = cert.extension(KEY_DESCRIPTION).map_err(unreadable)?;
    let ext = ext.ok_or(refuse(Attestation::CertificateRequirement))?;
    // KeyDescription ::= SEQUENCE { attestationVersion INTEGER, attestationSecurityLevel
    //   SecurityLevel, keyMintVersion INTEGER, keyMintSecurityLevel SecurityLevel,
    //   attestationChallenge OCTET_STRING, uniqueId OCTET_STRING,
    //   softwareEnforced AuthorizationList, hardwareEnforced AuthorizationList }
    let mut r = Reader::new(exactly(ext.value, SEQUENCE).map_err(unreadable)?);
    for tag in [INTEGER, ENUMERATED, INTEGER, ENUMERATED] {
        expect(&mut r, tag).map_err(unreadable)?;
    }
    let challenge = expect(&mut r, OCTET_STRING).map_err(unreadable)?;
    expect(&mut r, OCTET_STRING).map_err(unreadable)?;
    let software = authorizations(expect(&mut r, SEQUENCE).map_err(unreadable)?)?;
    let tee = authorizations(expect(&mut r, SEQUENCE).map_err(unreadable)?)?;
    r.finish().map_err(|_| refuse(Attestation::Certificate))?;

    if challenge != client_data_hash {
        return Err(refuse(Attestation::NonceMismatch));
    }
    // "Verify the following using the appropriate authorization list from the attestation
    // certificate extension data:"
    // "The AuthorizationList.allApplications field is not present on either authorization list
    // (softwareEnforced nor teeEnforced), since PublicKeyCredential MUST be scoped to the RP ID."
    if software.all_applications || tee.all_applications {
        return Err(refuse(Attestation::AuthorizationList));
    }
    // "For the following, use only the teeEnforced authorization list if the RP wants to
    // accept only keys from a trusted execution environment, otherwise use the union of
    // teeEnforced and softwareEnforced." — Bio uses the union (see the module doc).
    // "The value in the AuthorizationList.origin field is equal to KM_ORIGIN_GENERATED."
    // "The value in the AuthorizationList.purpose field is equal to KM_PURPOSE_SIGN."
    // NOT IN SPEC: purpose is a SET; it must contain KM_PURPOSE_SIGN (Android lists the key's
    // other purposes too), as SimpleWebAuthn and py_webauthn read it.
    let origin_generated = software.origin_generated || tee.origin_generated;
    let purpose_sign = software.purpose_sign || tee.purpose_sign;
    if !origin_generated || !purpose_sign {
        return Err(refuse(Attestation::AuthorizationList));
    }
    Ok(())
}
