//! The `tpm` attestation statement format (WebAuthn Level 3 §8.3,
//! <https://www.w3.org/TR/webauthn-3/#sctn-tpm-attestation>): Windows Hello and other TPM 2.0
//! authenticators.
//!
//! ```text
//! attStmt = { ver: "2.0", alg: COSEAlgorithmIdentifier, x5c: [ aikCert: bytes, * bytes ],
//!             sig: bytes, certInfo: bytes, pubArea: bytes }
//! ```
//!
//! `pubArea` (TPMT_PUBLIC) and `certInfo` (TPMS_ATTEST) are read with the strict [`Reader`]
//! per TPM 2.0 Library Part 2 §12.2.4 and §10.12.12: every size is checked against what is
//! left, and each structure must end exactly. The AIK certificate requirements of §8.3.1 are
//! checked; its chain is not (see [`attestation`](super)). `alg` may be RS1 (SHA-1), which is
//! what Windows TPMs sign with, RS256 or ES256.

use sha1::Sha1;
use sha2::{Digest as _, Sha256, Sha384, Sha512};

use super::certificate::{self, Certificate, OID, SEQUENCE, exactly, expect, tlv};
use super::statement::{self, RS1, refuse};
use super::{AttestationType, Input};
use crate::webauthn::cose::{CoseKey, ES256, RS256};
use crate::webauthn::error::{Attestation, Error};
use crate::webauthn::reader::Reader;

/// The format identifier.
pub const FORMAT: &str = "tpm";

/// TPM_GENERATED_VALUE (TPM 2.0 Part 2 §6.2).
const TPM_GENERATED_VALUE: u32 = 0xff54_4347;
/// TPM_ST_ATTEST_CERTIFY (Part 2 §6.9).
const TPM_ST_ATTEST_CERTIFY: u16 = 0x8017;
/// TPM_ALG_ID values (Part 2 §6.3).
const TPM_ALG_RSA: u16 = 0x0001;
const TPM_ALG_SHA1: u16 = 0x0004;
const TPM_ALG_SHA256: u16 = 0x000b;
const TPM_ALG_SHA384: u16 = 0x000c;
const TPM_ALG_SHA512: u16 = 0x000d;
const TPM_ALG_NULL: u16 = 0x0010;
const TPM_ALG_ECC: u16 = 0x0023;
/// TPM_ECC_NIST_P256 (Part 2 §6.4).
const TPM_ECC_NIST_P256: u16 = 0x0003;
/// An RSA exponent of 0 in pubArea means the default, 2^16 + 1.
const DEFAULT_RSA_EXPONENT: u32 = 65_537;

/// OID 2.5.29.17 subjectAltName, 2.5.29.37 extKeyUsage (contents octets).
const SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
const EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
/// OID 2.23.133.8.3, tcg-kp-AIKCertificate.
const TCG_KP_AIK_CERTIFICATE: &[u8] = &[0x67, 0x81, 0x05, 0x08, 0x03];
/// OIDs 2.23.133.2.1/2/3: tcpaTpmManufacturer, tcpaTpmModel, tcpaTpmVersion.
const TPM_MANUFACTURER: &[u8] = &[0x67, 0x81, 0x05, 0x02, 0x01];
const TPM_MODEL: &[u8] = &[0x67, 0x81, 0x05, 0x02, 0x02];
const TPM_VERSION: &[u8] = &[0x67, 0x81, 0x05, 0x02, 0x03];
/// GeneralName directoryName: `[4]` EXPLICIT Name.
const DIRECTORY_NAME: u32 = certificate::explicit(4);

fn malformed() -> Error {
    refuse(Attestation::MalformedStatement)
}

/// The key in `pubArea.unique`, with the parameters that describe it.
#[derive(Debug, PartialEq, Eq)]
enum TpmKey<'a> {
    /// RSA: modulus and exponent (the default already substituted for 0).
    Rsa { n: &'a [u8], exponent: u32 },
    /// ECC: curve and the point's coordinates.
    Ecc {
        curve: u16,
        x: &'a [u8],
        y: &'a [u8],
    },
}

/// The parts of TPMT_PUBLIC the procedure needs.
#[derive(Debug)]
struct PubArea<'a> {
    name_alg: u16,
    key: TpmKey<'a>,
}

/// A TPM2B: a u16 size, then that many bytes.
fn sized<'a>(r: &mut Reader<'a>) -> Result<&'a [u8], Error> {
    let len = r.u16_be().map_err(|_| malformed())?;
    r.take(usize::from(len)).map_err(|_| malformed())
}

/// An algorithm selector that, unless it is TPM_ALG_NULL, is followed by `details` u16s.
fn skip_scheme(r: &mut Reader<'_>, details: usize) -> Result<(), Error> {
    if r.u16_be().map_err(|_| malformed())? != TPM_ALG_NULL {
        r.take(2 * details).map_err(|_| malformed())?;
    }
    Ok(())
}

/// TPMT_PUBLIC (TPM 2.0 Part 2 §12.2.4), read to its exact end.
fn parse_pub_area(bytes: &[u8]) -> Result<PubArea<'_>, Error> {
    let mut r = Reader::new(bytes);
    let kind = r.u16_be().map_err(|_| malformed())?;
    let name_alg = r.u16_be().map_err(|_| malformed())?;
    let _object_attributes = r.u32_be().map_err(|_| malformed())?;
    let _auth_policy = sized(&mut r)?;
    let key = match kind {
        TPM_ALG_RSA => {
            // TPMS_RSA_PARMS: symmetric (keyBits, mode), scheme (hashAlg), keyBits, exponent.
            skip_scheme(&mut r, 2)?;
            skip_scheme(&mut r, 1)?;
            let _key_bits = r.u16_be().map_err(|_| malformed())?;
            let exponent = match r.u32_be().map_err(|_| malformed())? {
                0 => DEFAULT_RSA_EXPONENT,
                e => e,
            };
            TpmKey::Rsa {
                n: sized(&mut r)?,
                exponent,
            }
        }
        TPM_ALG_ECC => {
            // TPMS_ECC_PARMS: symmetric (keyBits, mode), scheme (hashAlg), curveID,
            // kdf (hashAlg); then TPMS_ECC_POINT { x, y }.
            skip_scheme(&mut r, 2)?;
            skip_scheme(&mut r, 1)?;
            let curve = r.u16_be().map_err(|_| malformed())?;
            skip_scheme(&mut r, 1)?;
            let x = sized(&mut r)?;
            let y = sized(&mut r)?;
            TpmKey::Ecc { curve, x, y }
        }
        _ => return Err(malformed()),
    };
    r.finish().map_err(|_| malformed())?;
    Ok(PubArea { name_alg, key })
}

/// The parts of TPMS_ATTEST (TPM 2.0 Part 2 §10.12.12) the procedure checks.
#[derive(Debug)]
struct CertInfo<'a> {
    magic: u32,
    kind: u16,
    extra_data: &'a [u8],
    attested_name: &'a [u8],
}

fn parse_cert_info(bytes: &[u8]) -> Result<CertInfo<'_>, Error> {
    let mut r = Reader::new(bytes);
    let magic = r.u32_be().map_err(|_| malformed())?;
    let kind = r.u16_be().map_err(|_| malformed())?;
    let _qualified_signer = sized(&mut r)?;
    let extra_data = sized(&mut r)?;
    // TPMS_CLOCK_INFO: clock u64, resetCount u32, restartCount u32, safe u8; firmwareVersion u64.
    r.take(8 + 4 + 4 + 1 + 8).map_err(|_| malformed())?;
    // TPMS_CERTIFY_INFO: name, qualifiedName.
    let attested_name = sized(&mut r)?;
    let _qualified_name = sized(&mut r)?;
    r.finish().map_err(|_| malformed())?;
    Ok(CertInfo {
        magic,
        kind,
        extra_data,
        attested_name,
    })
}

/// The digest of `data` with a TPM hash algorithm.
fn tpm_hash(alg: u16, data: &[u8]) -> Result<Vec<u8>, Error> {
    Ok(match alg {
        TPM_ALG_SHA1 => Sha1::digest(data).to_vec(),
        TPM_ALG_SHA256 => Sha256::digest(data).to_vec(),
        TPM_ALG_SHA384 => Sha384::digest(data).to_vec(),
        TPM_ALG_SHA512 => Sha512::digest(data).to_vec(),
        _ => return Err(malformed()),
    })
}

/// Whether `pubArea`'s key is the credential public key.
fn same_key(tpm: &TpmKey<'_>, credential: &CoseKey) -> bool {
    match (tpm, credential) {
        (TpmKey::Rsa { n, exponent }, CoseKey::Rs256(key)) => {
            statement::rsa_is(key, n, u64::from(*exponent))
        }
        (TpmKey::Ecc { curve, x, y }, CoseKey::Es256(key)) => {
            let point = key.to_sec1_point(false);
            let xy = point.as_bytes().get(1..).unwrap_or_default();
            *curve == TPM_ECC_NIST_P256 && xy.len() == 64 && [*x, *y].concat() == xy
        }
        _ => false,
    }
}

/// §8.3 verification procedure.
pub fn verify(input: &Input<'_>) -> Result<AttestationType, Error> {
    let stmt = input.att_stmt;
    // "Verify that attStmt is valid CBOR conforming to the syntax defined above and perform
    // CBOR decoding on it to extract the contained fields."
    let text = |k| {
        stmt.get_text_key(k)
            .and_then(|v| v.as_text())
            .ok_or_else(malformed)
    };
    let bytes = |k| {
        stmt.get_text_key(k)
            .and_then(|v| v.as_bytes())
            .ok_or_else(malformed)
    };
    let alg = statement::alg(stmt)?;
    let sig = bytes("sig")?;
    let cert_info_bytes = bytes("certInfo")?;
    let pub_area_bytes = bytes("pubArea")?;
    // "ver: The version of the TPM specification to which the signature conforms." (§8.3.1
    // syntax: "2.0").
    if text("ver")? != "2.0" {
        return Err(malformed());
    }
    let certs = statement::x5c(stmt)?;
    let pub_area = parse_pub_area(pub_area_bytes)?;
    let cert_info = parse_cert_info(cert_info_bytes)?;

    // "Verify that the public key specified by the parameters and unique fields of pubArea is
    // identical to the credentialPublicKey in the attestedCredentialData in authenticatorData."
    if !same_key(&pub_area.key, input.credential_key) {
        return Err(refuse(Attestation::PublicKeyMismatch));
    }
    // "Concatenate authenticatorData and clientDataHash to form attToBeSigned."
    let att_to_be_signed = [input.auth_data, input.client_data_hash.as_slice()].concat();
    // "Validate that certInfo is valid:"
    // "Verify that magic is set to TPM_GENERATED_VALUE."
    // "Verify that type is set to TPM_ST_ATTEST_CERTIFY."
    if cert_info.magic != TPM_GENERATED_VALUE || cert_info.kind != TPM_ST_ATTEST_CERTIFY {
        return Err(malformed());
    }
    // "Verify that extraData is set to the hash of attToBeSigned using the hash algorithm
    // employed in "alg"."
    let expected_extra_data = match alg {
        RS1 => Sha1::digest(&att_to_be_signed).to_vec(),
        RS256 | ES256 => Sha256::digest(&att_to_be_signed).to_vec(),
        _ => return Err(refuse(Attestation::AlgorithmMismatch)),
    };
    if cert_info.extra_data != expected_extra_data.as_slice() {
        return Err(refuse(Attestation::NonceMismatch));
    }
    // "Verify that attested contains a TPMS_CERTIFY_INFO structure as specified in
    // [TPMv2-Part2] section 10.12.3, whose name field contains a valid Name for pubArea, as
    // computed using the procedure specified in [TPMv2-Part1] section 16 using the nameAlg in
    // the pubArea."  (Name = nameAlg ‖ H_nameAlg(pubArea).)
    let name_hash = tpm_hash(pub_area.name_alg, pub_area_bytes)?;
    let name = [&pub_area.name_alg.to_be_bytes()[..], &name_hash].concat();
    if cert_info.attested_name != name.as_slice() {
        return Err(refuse(Attestation::PublicKeyMismatch));
    }
    // "Note that the remaining fields in the "Standard Attestation Structure" [TPMv2-Part1]
    // section 31.2, i.e., qualifiedSigner, clockInfo and firmwareVersion are ignored."

    // "If x5c is present: Verify the sig is a valid signature over certInfo using the
    // attestation public key in aikCert with the algorithm specified in alg."
    let aik_cert = statement::leaf(&certs)?;
    let aik_key = statement::public_key(&aik_cert)?;
    statement::verify(&aik_key, alg, &[cert_info_bytes], sig)?;
    // "Verify that aikCert meets the requirements in § 8.3.1 TPM Attestation Statement
    // Certificate Requirements."
    check_aik_certificate(&aik_cert)?;
    // "If aikCert contains an extension with OID 1.3.6.1.4.1.45724.1.1.4
    // (id-fido-gen-ce-aaguid) verify that the value of this extension matches the aaguid in
    // authenticatorData."
    statement::check_aaguid_extension(&aik_cert, &input.attested.aaguid)?;
    // "If successful, return implementation-specific values representing attestation type
    // AttCA and attestation trust path x5c."
    Ok(AttestationType::Basic)
}

/// §8.3.1 TPM Attestation Statement Certificate Requirements.
fn check_aik_certificate(cert: &Certificate<'_>) -> Result<(), Error> {
    let unreadable = |_| refuse(Attestation::Certificate);
    let unmet = refuse(Attestation::CertificateRequirement);
    // "Version MUST be set to 3." "The Basic Constraints extension MUST have the CA component
    // set to false."
    statement::check_v3_end_entity(cert)?;
    // "Subject field MUST be set to empty."
    if !cert.subject.is_empty() {
        return Err(unmet);
    }
    // "The Subject Alternative Name extension MUST be set as defined in [TPMv2-EK-Profile]
    // section 3.2.9." — a directoryName holding the TPM manufacturer, model and version.
    let san = cert
        .extension(SUBJECT_ALT_NAME)
        .map_err(unreadable)?
        .ok_or(unmet)?;
    let mut names = Reader::new(exactly(san.value, SEQUENCE).map_err(unreadable)?);
    let mut found = false;
    while names.remaining() > 0 {
        let (tag, content) = tlv(&mut names).map_err(unreadable)?;
        if tag == DIRECTORY_NAME {
            let name = exactly(content, SEQUENCE).map_err(unreadable)?;
            let has = |oid| certificate::name_values(name, oid).map(|v| v.len() == 1);
            found |= has(TPM_MANUFACTURER).map_err(unreadable)?
                && has(TPM_MODEL).map_err(unreadable)?
                && has(TPM_VERSION).map_err(unreadable)?;
        }
    }
    if !found {
        return Err(unmet);
    }
    // "The Extended Key Usage extension MUST contain the OID 2.23.133.8.3
    // ("joint-iso-itu-t(2) internationalorganizations(23) 133 tcg-kp(8)
    // tcg-kp-AIKCertificate(3)")."
    let eku = cert
        .extension(EXT_KEY_USAGE)
        .map_err(unreadable)?
        .ok_or(unmet)?;
    let mut purposes = Reader::new(exactly(eku.value, SEQUENCE).map_err(unreadable)?);
    let mut aik = false;
    while purposes.remaining() > 0 {
        aik |= expect(&mut purposes, OID).map_err(unreadable)? == TCG_KP_AIK_CERTIFICATE;
    }
    if !aik {
        return Err(unmet);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use super::*;
    use crate::webauthn::cbor::tests::hex;

    fn rsa_pub_area() -> Vec<u8> {
        hex("0001             # type TPM_ALG_RSA
             000b             # nameAlg SHA-256
             00060472         # objectAttributes
             0000             # authPolicy (empty)
             0010             # symmetric TPM_ALG_NULL
             0010             # scheme TPM_ALG_NULL
             0800             # keyBits 2048
             00000000         # exponent (default)
             0003 aabbcc      # unique: n (3 bytes, for the parser only)")
    }

    #[test]
    fn reads_an_rsa_pub_area_exactly() {
        let bytes = rsa_pub_area();
        let area = parse_pub_area(&bytes).unwrap();
        assert_eq!(area.name_alg, TPM_ALG_SHA256);
        assert_eq!(
            area.key,
            TpmKey::Rsa {
                n: &[0xaa, 0xbb, 0xcc],
                exponent: 65_537
            }
        );
        // Every truncation, and one trailing byte, are refused.
        for len in 0..bytes.len() {
            assert_eq!(
                parse_pub_area(&bytes[..len]).unwrap_err(),
                malformed(),
                "{len}"
            );
        }
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(parse_pub_area(&long).unwrap_err(), malformed());
    }

    #[test]
    fn refuses_absurd_sizes_and_unknown_types() {
        let cases = [
            hex("0001 000b 00000000 ffff"), // authPolicy of 65535 bytes
            hex("0001 000b 00000000 0000 0010 0010 0800 00000000 ffff aa"), // n of 65535 bytes
            hex("0008 000b 00000000 0000"), // type KEYEDHASH
            hex("0023 000b 00000000 0000 0010 0010 0003 0010 0020 aa"), // x cut short
        ];
        for bytes in cases {
            assert_eq!(
                parse_pub_area(&bytes).unwrap_err(),
                malformed(),
                "{bytes:02x?}"
            );
        }
    }

    #[test]
    fn reads_cert_info_and_refuses_truncations() {
        let bytes = hex("ff544347          # magic
                         8017              # type TPM_ST_ATTEST_CERTIFY
                         0002 0102         # qualifiedSigner
                         0003 aabbcc       # extraData
                         0000000000000001 00000002 00000003 01   # clockInfo
                         0000000000000004  # firmwareVersion
                         0002 000b         # attested.name
                         0000              # attested.qualifiedName");
        let info = parse_cert_info(&bytes).unwrap();
        assert_eq!(
            (info.magic, info.kind),
            (TPM_GENERATED_VALUE, TPM_ST_ATTEST_CERTIFY)
        );
        assert_eq!(info.extra_data, &[0xaa, 0xbb, 0xcc]);
        assert_eq!(info.attested_name, &[0x00, 0x0b]);
        for len in 0..bytes.len() {
            assert_eq!(
                parse_cert_info(&bytes[..len]).unwrap_err(),
                malformed(),
                "{len}"
            );
        }
    }
}
