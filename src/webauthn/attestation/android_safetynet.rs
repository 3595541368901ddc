//! The `android-safetynet` attestation statement format (WebAuthn Level 3 §8.5,
//! <https://www.w3.org/TR/webauthn-3/#sctn-android-safetynet-attestation>).
//!
//! ```text
//! attStmt = { ver: text, response: bytes }
//! ```
//!
//! `response` is a compact JWS (RFC 7515 §7.1): `header.payload.signature`, each base64url.
//! The header's `x5c` holds standard-base64 DER certificates, the leaf first; the signature is
//! RS256 or ES256 (raw `r ‖ s`, RFC 7518 §3.4) over `header.payload` as ASCII. Google retired
//! SafetyNet; older Android devices still send it. The leaf certificate's chain and dates are
//! not checked (see [`attestation`](super)).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use p256::ecdsa::signature::Verifier as _;

use super::certificate::{COMMON_NAME, Certificate, PublicKey};
use super::statement::{self, refuse};
use super::{AttestationType, Input};
use crate::webauthn::base64url;
use crate::webauthn::cose::RS256;
use crate::webauthn::error::{Attestation, Error};
use crate::webauthn::json_object;

/// The format identifier.
pub const FORMAT: &str = "android-safetynet";

/// The hostname SafetyNet attestation certificates are issued to.
const ATTEST_HOSTNAME: &[u8] = b"attest.android.com";

/// The JWS protected header members used here; others are ignored.
#[derive(serde::Deserialize)]
struct Header {
    alg: String,
    x5c: Vec<String>,
}

/// The SafetyNet attestation payload members used here; others are ignored.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    nonce: String,
    cts_profile_match: bool,
}

fn malformed() -> Error {
    refuse(Attestation::MalformedStatement)
}

/// §8.5 verification procedure.
pub fn verify(input: &Input<'_>) -> Result<AttestationType, Error> {
    let stmt = input.att_stmt;
    // "Verify that attStmt is valid CBOR conforming to the syntax defined above and perform
    // CBOR decoding on it to extract the contained fields."
    // ver: "The version number of Google Play Services responsible for providing the SafetyNet
    // API." — a non-empty text string.
    match stmt.get_text_key("ver").and_then(|v| v.as_text()) {
        Some(ver) if !ver.is_empty() => {}
        _ => return Err(malformed()),
    }
    let response = stmt
        .get_text_key("response")
        .and_then(|v| v.as_bytes())
        .ok_or_else(malformed)?;

    // "Verify that response is a valid SafetyNet response of version ver by following the
    // steps indicated by the SafetyNet online documentation." — a compact JWS.
    let jws = core::str::from_utf8(response).map_err(|_| malformed())?;
    let mut parts = jws.split('.');
    let (Some(header_b64), Some(payload_b64), Some(sig_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed());
    };
    let decode = |part: &str| base64url::decode(part).map_err(|_| malformed());
    // RFC 7515 §4 and the SafetyNet payload: both are JSON objects (an array of the members in
    // order, which serde alone would take, is malformed).
    let header: Header = json_object::from_slice(&decode(header_b64)?).map_err(|_| malformed())?;
    let payload: Payload =
        json_object::from_slice(&decode(payload_b64)?).map_err(|_| malformed())?;
    let signature = decode(sig_b64)?;
    // As for a CBOR x5c (see `statement::x5c`), every certificate must at least be readable.
    let mut ders = Vec::with_capacity(header.x5c.len().min(8));
    for cert in &header.x5c {
        let der = STANDARD.decode(cert).map_err(|_| malformed())?;
        Certificate::parse(&der).map_err(|_| refuse(Attestation::Certificate))?;
        ders.push(der);
    }
    let leaf_der = ders.first().ok_or_else(malformed)?;
    let leaf = Certificate::parse(leaf_der).map_err(|_| refuse(Attestation::Certificate))?;
    let key = statement::public_key(&leaf)?;
    // The JWS signature, by the leaf certificate's key, over the signing input.
    let signing_input = jws
        .get(..header_b64.len() + 1 + payload_b64.len())
        .ok_or_else(malformed)?;
    match (header.alg.as_str(), &key) {
        ("RS256", _) => statement::verify(&key, RS256, &[signing_input.as_bytes()], &signature)?,
        ("ES256", PublicKey::P256(k)) => {
            let sig = p256::ecdsa::Signature::from_slice(&signature)
                .map_err(|_| refuse(Attestation::Signature))?;
            k.verify(signing_input.as_bytes(), &sig)
                .map_err(|_| refuse(Attestation::Signature))?;
        }
        _ => return Err(refuse(Attestation::AlgorithmMismatch)),
    }

    // "Verify that the nonce attribute in the payload of response is identical to the Base64
    // encoding of the SHA-256 hash of the concatenation of authenticatorData and
    // clientDataHash." Compared as bytes after a strict standard-base64 decode.
    let nonce = STANDARD.decode(&payload.nonce).map_err(|_| malformed())?;
    if nonce != statement::sha256(&[input.auth_data, input.client_data_hash]) {
        return Err(refuse(Attestation::NonceMismatch));
    }
    // "Let attestationCert be the attestation certificate (first certificate in x5c). Verify
    // that attestationCert is issued to the hostname "attest.android.com" (see SafetyNet
    // online documentation)." — its subject commonName.
    let names = leaf
        .subject_values(COMMON_NAME)
        .map_err(|_| refuse(Attestation::Certificate))?;
    if names.as_slice() != [ATTEST_HOSTNAME] {
        return Err(refuse(Attestation::CertificateRequirement));
    }
    // "Verify that the ctsProfileMatch attribute in the payload of response is true."
    if !payload.cts_profile_match {
        return Err(refuse(Attestation::DeviceIntegrity));
    }
    // timestampMs is not compared with the clock (the spec does not ask it, and no
    // certificate date is checked either); the nonce already ties the response to this
    // ceremony.
    // "If successful, return implementation-specific values representing attestation type
    // Basic and attestation trust path x5c."
    Ok(AttestationType::Basic)
}
