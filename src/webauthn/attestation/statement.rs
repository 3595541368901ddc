//! Pieces several statement formats share: reading `x5c`, verifying a signature made with a
//! certificate's key under a COSE `alg`, comparing a certificate's key with the credential
//! public key, and the id-fido-gen-ce-aaguid extension (§8.2.1, §8.3.1).

use sha1::Sha1;
use sha2::{Digest as _, Sha256};

use super::certificate::{self, Certificate, PublicKey, exactly};
use crate::webauthn::cbor::Value;
use crate::webauthn::cose::{CoseKey, EDDSA, ES256, RS256};
use crate::webauthn::error::{Attestation, Error};
use crate::webauthn::rsassa;

/// COSE algorithm RS1 (RSASSA-PKCS1-v1_5 w/ SHA-1, RFC 8812 §2): what Windows TPMs sign
/// `certInfo` with. Accepted only for attestation statements, never for credential keys.
pub const RS1: i64 = -65535;

/// OID 1.3.6.1.4.1.45724.1.1.4, id-fido-gen-ce-aaguid (contents octets).
const ID_FIDO_GEN_CE_AAGUID: &[u8] = &[
    0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xe5, 0x1c, 0x01, 0x01, 0x04,
];

/// A failed attestation check, as the verifier's error.
pub fn refuse(why: Attestation) -> Error {
    Error::Attestation(why)
}

/// `attStmt.alg`: the COSE algorithm identifier of the statement's signature.
pub fn alg(att_stmt: &Value<'_>) -> Result<i64, Error> {
    att_stmt
        .get_text_key("alg")
        .and_then(|v| v.as_int())
        .ok_or(refuse(Attestation::MalformedStatement))
}

/// `attStmt.sig`: the statement's signature bytes.
pub fn sig<'a>(att_stmt: &Value<'a>) -> Result<&'a [u8], Error> {
    att_stmt
        .get_text_key("sig")
        .and_then(|v| v.as_bytes())
        .ok_or(refuse(Attestation::MalformedStatement))
}

/// `attStmt.x5c`: a non-empty array of byte strings; returns them, the leaf first.
///
/// Every element must be a certificate the bounded walk can read, although only the leaf is
/// used: a statement carrying garbage where the syntax says "X.509 certificate" is malformed,
/// and refusing it keeps what Bio accepts exactly what it has looked at.
pub fn x5c<'a>(att_stmt: &Value<'a>) -> Result<Vec<&'a [u8]>, Error> {
    let malformed = refuse(Attestation::MalformedStatement);
    let Some(Value::Array(items)) = att_stmt.get_text_key("x5c") else {
        return Err(malformed);
    };
    let certs: Vec<&[u8]> = items.iter().filter_map(Value::as_bytes).collect();
    if certs.is_empty() || certs.len() != items.len() {
        return Err(malformed);
    }
    if certs.iter().any(|der| Certificate::parse(der).is_err()) {
        return Err(refuse(Attestation::Certificate));
    }
    Ok(certs)
}

/// Parses the leaf (first) certificate of `x5c`.
pub fn leaf<'a>(certs: &[&'a [u8]]) -> Result<Certificate<'a>, Error> {
    let der = certs
        .first()
        .ok_or(refuse(Attestation::MalformedStatement))?;
    Certificate::parse(der).map_err(|_| refuse(Attestation::Certificate))
}

/// The certificate's public key.
pub fn public_key(cert: &Certificate<'_>) -> Result<PublicKey, Error> {
    cert.public_key()
        .map_err(|_| refuse(Attestation::Certificate))
}

/// Verifies `sig` over the concatenation of `parts` with `key` under COSE `alg`: ES256 with a
/// P-256 key, EdDSA with an Ed25519 key, RS256 or RS1 with an RSA key. Any other pairing is
/// [`Attestation::AlgorithmMismatch`].
pub fn verify(key: &PublicKey, alg: i64, parts: &[&[u8]], sig: &[u8]) -> Result<(), Error> {
    let bad_sig = |_| refuse(Attestation::Signature);
    match (key, alg) {
        (PublicKey::P256(k), ES256) => CoseKey::Es256(*k).verify_parts(parts, sig).map_err(bad_sig),
        (PublicKey::Ed25519(k), EDDSA) => {
            CoseKey::EdDsa(*k).verify_parts(parts, sig).map_err(bad_sig)
        }
        (PublicKey::Rsa(k), RS256) => k
            .verify(rsassa::Hash::Sha256, &sha256(parts), sig)
            .map_err(|_| refuse(Attestation::Signature)),
        (PublicKey::Rsa(k), RS1) => {
            let mut hash = Sha1::new();
            for part in parts {
                hash.update(part);
            }
            k.verify(rsassa::Hash::Sha1, &hash.finalize(), sig)
                .map_err(|_| refuse(Attestation::Signature))
        }
        _ => Err(refuse(Attestation::AlgorithmMismatch)),
    }
}

/// SHA-256 of the concatenation of `parts`.
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part);
    }
    hash.finalize().into()
}

/// Whether the certificate's key is the credential public key (same algorithm family and the
/// same point, modulus and exponent, or key bytes).
pub fn same_key(cert_key: &PublicKey, credential_key: &CoseKey) -> bool {
    match (cert_key, credential_key) {
        (PublicKey::P256(a), CoseKey::Es256(b)) => a == b,
        (PublicKey::Ed25519(a), CoseKey::EdDsa(b)) => a == b,
        (PublicKey::Rsa(a), CoseKey::Rs256(b)) => a == b,
        _ => false,
    }
}

/// Whether `key` has modulus `n` (big-endian, leading zeros ignored) and exponent `e`.
pub fn rsa_is(key: &rsassa::PublicKey, n: &[u8], e: u64) -> bool {
    key.modulus() == certificate::strip_leading_zeros(n) && key.exponent() == e
}

/// §8.2.1 / §8.3.1: "If attestnCert contains an extension with OID 1.3.6.1.4.1.45724.1.1.4
/// (id-fido-gen-ce-aaguid) verify that the value of this extension matches the aaguid in
/// authenticatorData." and "The extension MUST NOT be marked as critical." Its value is an
/// OCTET STRING of the 16 AAGUID bytes.
pub fn check_aaguid_extension(cert: &Certificate<'_>, aaguid: &[u8; 16]) -> Result<(), Error> {
    let ext = cert
        .extension(ID_FIDO_GEN_CE_AAGUID)
        .map_err(|_| refuse(Attestation::Certificate))?;
    let Some(ext) = ext else { return Ok(()) };
    if ext.critical {
        return Err(refuse(Attestation::CertificateRequirement));
    }
    let value = exactly(ext.value, certificate::OCTET_STRING)
        .map_err(|_| refuse(Attestation::Certificate))?;
    if value != aaguid {
        return Err(refuse(Attestation::AaguidMismatch));
    }
    Ok(())
}

/// §8.2.1 / §8.3.1: "The Basic Constraints extension MUST have the CA component set to
/// false." and "Version MUST be set to 3 (which is indicated by an ASN.1 INTEGER with value
/// 2)."
pub fn check_v3_end_entity(cert: &Certificate<'_>) -> Result<(), Error> {
    if cert.version != 2 {
        return Err(refuse(Attestation::CertificateRequirement));
    }
    match cert.is_ca() {
        Ok(false) => Ok(()),
        Ok(true) => Err(refuse(Attestation::CertificateRequirement)),
        Err(_) => Err(refuse(Attestation::Certificate)),
    }
}
