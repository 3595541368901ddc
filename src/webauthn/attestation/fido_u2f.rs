//! The `fido-u2f` attestation statement format (WebAuthn Level 3 §8.6,
//! <https://www.w3.org/TR/webauthn-3/#sctn-fido-u2f-attestation>).
//!
//! ```text
//! attStmt = { x5c: [ attestnCert: bytes ], sig: bytes }
//! ```
//!
//! The certificate is read only far enough to take its P-256 public key
//! ([`certificate`](super::certificate)); its chain, dates and issuer are not judged (see the
//! module doc of [`attestation`](super)).

use super::{AttestationType, Input};
use super::{certificate, statement};
use crate::webauthn::cbor::Value;
use crate::webauthn::cose::CoseKey;
use crate::webauthn::error::{Attestation, Error};

/// The format identifier.
pub const FORMAT: &str = "fido-u2f";

/// §8.6 verification procedure.
pub fn verify(input: &Input<'_>) -> Result<AttestationType, Error> {
    let malformed = Error::Attestation(Attestation::MalformedStatement);
    // Step 1: "Verify that attStmt is valid CBOR conforming to the syntax defined above and
    // perform CBOR decoding on it to extract the contained fields."
    let sig = statement::sig(input.att_stmt)?;
    let x5c = match input.att_stmt.get_text_key("x5c") {
        Some(Value::Array(certs)) => certs.as_slice(),
        _ => return Err(malformed),
    };
    // "Check that x5c has exactly one element and let attCert be that element. Let certificate
    //  public key be the public key conveyed by attCert. If certificate public key is not an
    //  Elliptic Curve (EC) public key over the P-256 curve, terminate this algorithm and return
    //  an appropriate error."
    let att_cert = match x5c {
        [Value::Bytes(cert)] => *cert,
        _ => return Err(malformed),
    };
    let certificate_key =
        match certificate::Certificate::parse(att_cert).and_then(|c| c.public_key()) {
            Ok(certificate::PublicKey::P256(key)) => key,
            _ => return Err(Error::Attestation(Attestation::Certificate)),
        };

    // Step 2: "Extract the claimed rpIdHash from authenticatorData, and the claimed credentialId
    // and credentialPublicKey from authenticatorData.attestedCredentialData."
    // Step 3: "Convert the COSE_KEY formatted credentialPublicKey ... to Raw ANSI X9.62 public
    // key format"; it must be an EC2 P-256 key.
    let CoseKey::Es256(credential_key) = input.credential_key else {
        return Err(malformed);
    };
    let public_key_u2f = credential_key.to_sec1_point(false);

    // Step 4: "Let verificationData be the concatenation of (0x00 || rpIdHash || clientDataHash
    // || credentialId || publicKeyU2F)."
    // Step 5: "Verify the sig using verificationData and the certificate public key per section
    // 4.1.4 of [SEC1] with SHA-256 as the hash function used in step two."
    CoseKey::Es256(certificate_key)
        .verify_parts(
            &[
                &[0x00],
                input.rp_id_hash,
                input.client_data_hash,
                input.attested.credential_id,
                public_key_u2f.as_bytes(),
            ],
            sig,
        )
        .map_err(|_| Error::Attestation(Attestation::Signature))?;

    // Step 6 (optional AAGUID / certificate inspection) is not done: trust is not judged.
    // Step 7: "If successful, return implementation-specific values representing attestation
    // type Basic, AttCA or uncertainty, and attestation trust path x5c."
    Ok(AttestationType::Basic)
}
