//! Just enough DER (X.690) to read an attestation certificate (RFC 5280 §4.1): its version,
//! subject, public key and extensions — what the statement formats of §8 check.
//!
//! A bounded walk with the strict [`Reader`]: definite lengths of at most 4 bytes, each
//! checked against the remaining input before it is used, tags of at most 4 bytes, and every
//! constructed value read to its exact end. Nothing is allocated while walking.
//!
//! Deliberately not done (see [`attestation`](super)): the certificate's own signature, its
//! issuer and chain, dates, revocation and policies. Bio never uses attestation for trust; a
//! certificate is read so that a statement it does not fit is refused. Unknown extensions are
//! skipped, critical or not, for the same reason.
//!
//! Why not `x509-cert` 0.3 / `der` 0.8: measured on a wasm32 release probe
//! (`examples/registration_size.rs`), the verifier with every format and this walk is
//! 423,412 bytes; decoding each certificate with `x509-cert` as well made it 467,917 (+44.5 kB,
//! of which this walk could have saved only its own few kB). The formats need six fields.

use crate::webauthn::reader::Reader;
use crate::webauthn::rsassa;

/// The certificate is not DER we can walk, or its key is of a kind we do not verify with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertificateError;

/// Universal tags (X.690 §8), as the single identifier octet.
pub const BOOLEAN: u32 = 0x01;
/// INTEGER.
pub const INTEGER: u32 = 0x02;
/// BIT STRING.
pub const BIT_STRING: u32 = 0x03;
/// OCTET STRING.
pub const OCTET_STRING: u32 = 0x04;
/// NULL.
pub const NULL: u32 = 0x05;
/// OBJECT IDENTIFIER.
pub const OID: u32 = 0x06;
/// ENUMERATED.
pub const ENUMERATED: u32 = 0x0a;
/// SEQUENCE (constructed).
pub const SEQUENCE: u32 = 0x30;
/// SET (constructed).
pub const SET: u32 = 0x31;

/// A context-specific, constructed tag `[n]` (EXPLICIT tagging), in the form [`tlv`] returns.
pub const fn explicit(n: u32) -> u32 {
    if n < 31 { 0xa0 | n } else { (0xbf << 24) | n }
}

/// OID contents (the bytes after tag and length) of the public key algorithms we read.
const ID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]; // 1.2.840.10045.2.1
const PRIME256V1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]; // 1.2.840.10045.3.1.7
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]; // 1.2.840.113549.1.1.1
const ID_ED25519: &[u8] = &[0x2b, 0x65, 0x70]; // 1.3.101.112
/// 2.5.29.19 basicConstraints.
const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
/// 2.5.4.3 commonName.
pub const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];

/// Reads one DER TLV; returns its tag and contents. Low tags are the identifier octet; a
/// high tag number (≥ 31) is `first octet << 24 | number` (see [`explicit`]).
pub fn tlv<'a>(r: &mut Reader<'a>) -> Result<(u32, &'a [u8]), CertificateError> {
    let first = r.u8().map_err(|_| CertificateError)?;
    let mut tag = u32::from(first);
    if first & 0x1f == 0x1f {
        // X.690 §8.1.2.4: base-128 tag number, at most 3 octets here (numbers < 2^21).
        let mut number = 0u32;
        for i in 0.. {
            let b = r.u8().map_err(|_| CertificateError)?;
            if i == 3 || (i == 0 && b == 0x80) {
                return Err(CertificateError);
            }
            number = (number << 7) | u32::from(b & 0x7f);
            if b & 0x80 == 0 {
                break;
            }
        }
        tag = (u32::from(first) << 24) | number;
    }
    let len_byte = r.u8().map_err(|_| CertificateError)?;
    let len = match len_byte {
        0..=0x7f => usize::from(len_byte),
        0x81..=0x84 => {
            let bytes = r
                .take(usize::from(len_byte & 0x7f))
                .map_err(|_| CertificateError)?;
            bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
        }
        _ => return Err(CertificateError),
    };
    let content = r.take(len).map_err(|_| CertificateError)?;
    Ok((tag, content))
}

/// Reads one TLV that must carry `tag`.
pub fn expect<'a>(r: &mut Reader<'a>, tag: u32) -> Result<&'a [u8], CertificateError> {
    match tlv(r)? {
        (t, content) if t == tag => Ok(content),
        _ => Err(CertificateError),
    }
}

/// Reads the whole of `der` as exactly one TLV carrying `tag`.
pub fn exactly(der: &[u8], tag: u32) -> Result<&[u8], CertificateError> {
    let mut r = Reader::new(der);
    let content = expect(&mut r, tag)?;
    r.finish().map_err(|_| CertificateError)?;
    Ok(content)
}

/// A public key from `subjectPublicKeyInfo`, of a kind the formats verify with.
#[derive(Debug, Clone)]
pub enum PublicKey {
    /// id-ecPublicKey on prime256v1.
    P256(p256::ecdsa::VerifyingKey),
    /// rsaEncryption, as [`rsassa::PublicKey`] accepts it (2048 to 8192 bits).
    Rsa(rsassa::PublicKey),
    /// id-Ed25519.
    Ed25519(ed25519_dalek::VerifyingKey),
}

/// An X.509 certificate, borrowed from its DER.
#[derive(Debug, Clone)]
pub struct Certificate<'a> {
    /// `version` as encoded: 2 means X.509 v3 (an absent version is 0, v1).
    pub version: u8,
    /// The contents of the subject `Name` (a SEQUENCE OF RelativeDistinguishedName).
    pub subject: &'a [u8],
    /// `subjectPublicKeyInfo.algorithm` contents and the key bits.
    spki_algorithm: &'a [u8],
    spki_key: &'a [u8],
    /// The contents of `extensions` (a SEQUENCE OF Extension), empty when absent.
    extensions: &'a [u8],
}

/// One `Extension`.
#[derive(Debug, Clone, Copy)]
pub struct Extension<'a> {
    /// `critical` (DEFAULT FALSE).
    pub critical: bool,
    /// The contents of `extnValue` (the DER of the extension's own value).
    pub value: &'a [u8],
}

impl<'a> Certificate<'a> {
    /// Walks a DER certificate that spans all of `der`.
    pub fn parse(der: &'a [u8]) -> Result<Self, CertificateError> {
        let mut cert = Reader::new(exactly(der, SEQUENCE)?);
        let mut tbs = Reader::new(expect(&mut cert, SEQUENCE)?);
        expect(&mut cert, SEQUENCE)?; // signatureAlgorithm
        expect(&mut cert, BIT_STRING)?; // signatureValue
        cert.finish().map_err(|_| CertificateError)?;

        // version [0] EXPLICIT Version DEFAULT v1, serialNumber, signature, issuer, validity,
        // subject, subjectPublicKeyInfo.
        let (tag, content) = tlv(&mut tbs)?;
        let version = if tag == explicit(0) {
            // DER leaves a DEFAULT value out, so an explicit version is v2 (1) or v3 (2); the
            // serialNumber follows it.
            let version = match exactly(content, INTEGER)? {
                [v @ 1..=2] => *v,
                _ => return Err(CertificateError),
            };
            expect(&mut tbs, INTEGER)?;
            version
        } else if tag == INTEGER {
            0 // no version: v1, and that INTEGER was the serialNumber
        } else {
            return Err(CertificateError);
        };
        for _ in 0..3 {
            expect(&mut tbs, SEQUENCE)?;
        }
        let subject = expect(&mut tbs, SEQUENCE)?;
        let mut spki = Reader::new(expect(&mut tbs, SEQUENCE)?);
        let spki_algorithm = expect(&mut spki, SEQUENCE)?;
        let spki_key = match expect(&mut spki, BIT_STRING)? {
            // A BIT STRING starts with its count of unused bits: 0 for a key.
            [0x00, key @ ..] => key,
            _ => return Err(CertificateError),
        };
        spki.finish().map_err(|_| CertificateError)?;
        // issuerUniqueID [1], subjectUniqueID [2] (IMPLICIT, skipped), extensions [3].
        let mut extensions: &[u8] = &[];
        while tbs.remaining() > 0 {
            let (tag, content) = tlv(&mut tbs)?;
            if tag == explicit(3) && extensions.is_empty() {
                extensions = exactly(content, SEQUENCE)?;
            } else if tag != 0x81 && tag != 0x82 {
                return Err(CertificateError);
            }
        }
        let cert = Certificate {
            version,
            subject,
            spki_algorithm,
            spki_key,
            extensions,
        };
        // Walk the extensions once now, so later lookups cannot meet malformed DER.
        cert.extension(&[])?;
        Ok(cert)
    }

    /// The extension with OID contents `oid`, if present. Fails if one appears twice
    /// (RFC 5280 §4.2: "A certificate MUST NOT include more than one instance of a particular
    /// extension").
    pub fn extension(&self, oid: &[u8]) -> Result<Option<Extension<'a>>, CertificateError> {
        let mut found = None;
        let mut r = Reader::new(self.extensions);
        while r.remaining() > 0 {
            let mut ext = Reader::new(expect(&mut r, SEQUENCE)?);
            let id = expect(&mut ext, OID)?;
            let (tag, content) = tlv(&mut ext)?;
            let (critical, value) = if tag == BOOLEAN {
                (content != [0x00], expect(&mut ext, OCTET_STRING)?)
            } else if tag == OCTET_STRING {
                (false, content)
            } else {
                return Err(CertificateError);
            };
            ext.finish().map_err(|_| CertificateError)?;
            if id == oid {
                if found.is_some() {
                    return Err(CertificateError);
                }
                found = Some(Extension { critical, value });
            }
        }
        Ok(found)
    }

    /// RFC 5280 §4.2.1.9: the `cA` boolean of basicConstraints (false when the extension or
    /// the field is absent).
    pub fn is_ca(&self) -> Result<bool, CertificateError> {
        let Some(ext) = self.extension(BASIC_CONSTRAINTS)? else {
            return Ok(false);
        };
        let mut r = Reader::new(exactly(ext.value, SEQUENCE)?);
        if r.remaining() == 0 {
            return Ok(false);
        }
        let (tag, content) = tlv(&mut r)?;
        Ok(tag == BOOLEAN && content != [0x00])
    }

    /// The values of the subject's attributes of type `oid` (their contents, any string type).
    pub fn subject_values(&self, oid: &[u8]) -> Result<Vec<&'a [u8]>, CertificateError> {
        name_values(self.subject, oid)
    }

    /// The subject public key, if it is P-256, RSA (≥ 2048 bits) or Ed25519.
    pub fn public_key(&self) -> Result<PublicKey, CertificateError> {
        let mut alg = Reader::new(self.spki_algorithm);
        let id = expect(&mut alg, OID)?;
        if id == ID_EC_PUBLIC_KEY {
            if expect(&mut alg, OID)? != PRIME256V1 {
                return Err(CertificateError);
            }
            alg.finish().map_err(|_| CertificateError)?;
            // Uncompressed only: 0x04 ‖ x ‖ y.
            if self.spki_key.len() != 65 || self.spki_key.first() != Some(&0x04) {
                return Err(CertificateError);
            }
            return p256::ecdsa::VerifyingKey::from_sec1_bytes(self.spki_key)
                .map(PublicKey::P256)
                .map_err(|_| CertificateError);
        }
        if id == RSA_ENCRYPTION {
            // parameters NULL (RFC 3279 §2.3.1), then RSAPublicKey { modulus, publicExponent }.
            expect(&mut alg, NULL)?;
            alg.finish().map_err(|_| CertificateError)?;
            let mut key = Reader::new(exactly(self.spki_key, SEQUENCE)?);
            // A DER INTEGER carries a leading zero octet when its top bit is set; the key's
            // size (and so the signature length it expects) must not count it.
            let n = strip_leading_zeros(expect(&mut key, INTEGER)?);
            let e = strip_leading_zeros(expect(&mut key, INTEGER)?);
            key.finish().map_err(|_| CertificateError)?;
            return rsassa::PublicKey::new(n, e)
                .map(PublicKey::Rsa)
                .map_err(|_| CertificateError);
        }
        if id == ID_ED25519 {
            alg.finish().map_err(|_| CertificateError)?;
            let key: &[u8; 32] = self.spki_key.try_into().map_err(|_| CertificateError)?;
            return ed25519_dalek::VerifyingKey::from_bytes(key)
                .map(PublicKey::Ed25519)
                .map_err(|_| CertificateError);
        }
        Err(CertificateError)
    }
}

/// The values of the attributes of type `oid` in the contents of a `Name`
/// (`SEQUENCE OF SET OF AttributeTypeAndValue { type OID, value ANY }`).
pub fn name_values<'a>(name: &'a [u8], oid: &[u8]) -> Result<Vec<&'a [u8]>, CertificateError> {
    let mut out = Vec::new();
    let mut rdns = Reader::new(name);
    while rdns.remaining() > 0 {
        let mut set = Reader::new(expect(&mut rdns, SET)?);
        while set.remaining() > 0 {
            let mut atv = Reader::new(expect(&mut set, SEQUENCE)?);
            let id = expect(&mut atv, OID)?;
            let (_, value) = tlv(&mut atv)?;
            atv.finish().map_err(|_| CertificateError)?;
            if id == oid {
                out.push(value);
            }
        }
    }
    Ok(out)
}

/// A big-endian unsigned integer without its leading zero octets, for comparing RSA moduli
/// and exponents encoded with different widths.
pub fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
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

    #[test]
    fn refuses_what_is_not_a_certificate() {
        let cases: &[&[u8]] = &[
            &[],
            &[0x30],                               // SEQUENCE without a length
            &[0x30, 0x80, 0x00, 0x00],             // indefinite length
            &[0x30, 0x85, 0, 0, 0, 0, 1],          // 5-byte length
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff], // 4 GiB declared
            &[0x30, 0x00, 0x00],                   // trailing byte
            &[0x30, 0x02, 0x30, 0x00],             // tbs empty, no signature
        ];
        for der in cases {
            assert_eq!(
                Certificate::parse(der).unwrap_err(),
                CertificateError,
                "{der:02x?}"
            );
        }
    }

    /// One DER TLV (short or one-byte long form lengths: enough for these tests).
    fn der(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
        let content = parts.concat();
        let mut out = vec![tag];
        if content.len() >= 0x80 {
            out.push(0x81);
        }
        out.push(content.len() as u8);
        out.extend_from_slice(&content);
        out
    }

    /// A v3 certificate with an Ed25519 key (the base point), subject CN "x" and the given
    /// version field and extensions.
    fn certificate(version: &[u8], extensions: &[&[u8]]) -> Vec<u8> {
        let key = [&[0x00, 0x58][..], &[0x66; 31]].concat();
        let tbs = der(
            0x30,
            &[
                version,
                &der(0x02, &[&[0x01]]), // serialNumber
                &der(0x30, &[]),        // signature
                &der(0x30, &[]),        // issuer
                &der(0x30, &[]),        // validity
                &der(
                    0x30,
                    &[&der(
                        0x31,
                        &[&der(
                            0x30,
                            &[&der(0x06, &[COMMON_NAME]), &der(0x0c, &[b"x"])],
                        )],
                    )],
                ),
                &der(
                    0x30,
                    &[
                        &der(0x30, &[&der(0x06, &[ID_ED25519])]),
                        &der(0x03, &[&key]),
                    ],
                ),
                &der(0xa3, &[&der(0x30, extensions)]),
            ],
        );
        der(0x30, &[&tbs, &der(0x30, &[]), &der(0x03, &[&[0x00]])])
    }

    fn basic_constraints(ca: bool) -> Vec<u8> {
        let value = der(0x30, &[&der(0x01, &[&[if ca { 0xff } else { 0x00 }]])]);
        der(
            0x30,
            &[
                &der(0x06, &[BASIC_CONSTRAINTS]),
                &der(0x01, &[&[0xff]]),
                &der(0x04, &[&value]),
            ],
        )
    }

    #[test]
    fn reads_version_subject_key_and_extensions() {
        let v3 = der(0xa0, &[&der(0x02, &[&[0x02]])]);
        let bytes = certificate(&v3, &[&basic_constraints(true)]);
        let cert = Certificate::parse(&bytes).unwrap();
        assert_eq!(cert.version, 2);
        assert_eq!(cert.subject_values(COMMON_NAME).unwrap(), vec![&b"x"[..]]);
        assert!(matches!(cert.public_key().unwrap(), PublicKey::Ed25519(_)));
        assert!(cert.is_ca().unwrap());
        assert!(cert.extension(BASIC_CONSTRAINTS).unwrap().unwrap().critical);
        let end_entity = certificate(&v3, &[&basic_constraints(false)]);
        assert!(!Certificate::parse(&end_entity).unwrap().is_ca().unwrap());
        // The same extension twice (RFC 5280 §4.2), and an explicit v1 (DER omits a DEFAULT).
        let twice = certificate(&v3, &[&basic_constraints(false), &basic_constraints(false)]);
        assert_eq!(
            Certificate::parse(&twice).unwrap().is_ca(),
            Err(CertificateError)
        );
        let v1 = der(0xa0, &[&der(0x02, &[&[0x00]])]);
        assert_eq!(
            Certificate::parse(&certificate(&v1, &[])).unwrap_err(),
            CertificateError
        );
        // Every truncation of the whole is refused.
        for len in 0..bytes.len() {
            assert!(Certificate::parse(&bytes[..len]).is_err(), "{len}");
        }
    }

    #[test]
    fn reads_high_tag_numbers() {
        // [702] EXPLICIT INTEGER 0, as in an Android AuthorizationList: bf 85 3e 03 02 01 00.
        let bytes = [0xbf, 0x85, 0x3e, 0x03, 0x02, 0x01, 0x00];
        let mut r = Reader::new(&bytes);
        let (tag, content) = tlv(&mut r).unwrap();
        assert_eq!(tag, explicit(702));
        assert_eq!(content, &[0x02, 0x01, 0x00]);
        // A tag number of four octets, and a padded (0x80-led) one, are refused.
        for bad in [
            &[0xbf, 0x81, 0x81, 0x81, 0x01, 0x00][..],
            &[0xbf, 0x80, 0x01, 0x00],
        ] {
            assert_eq!(
                tlv(&mut Reader::new(bad)),
                Err(CertificateError),
                "{bad:02x?}"
            );
        }
    }
}
