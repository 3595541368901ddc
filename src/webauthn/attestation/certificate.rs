//! Just enough DER (X.690) to take the P-256 public key out of an X.509 certificate
//! (RFC 5280 §4.1): `Certificate → tbsCertificate → subjectPublicKeyInfo`.
//!
//! It walks the structure with the bounded [`Reader`] and checks that every length fits; it does
//! not verify the certificate's signature, dates, extensions or issuer — attestation trust is
//! not judged (see [`attestation`](super)). When a format needs more of X.509 (packed with
//! `x5c`, tpm, android-key, apple), replacing this with the RustCrypto `x509-cert` crate is the
//! natural step.

use crate::webauthn::reader::Reader;

/// The certificate is not DER we can walk, or its key is not an uncompressed P-256 point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertificateError;

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const EXPLICIT_VERSION: u8 = 0xa0;
/// The DER content of `AlgorithmIdentifier { id-ecPublicKey, prime256v1 }`.
const EC_P256_ALGORITHM: &[u8] = &[
    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, // OID 1.2.840.10045.2.1
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, // OID 1.2.840.10045.3.1.7
];

/// Reads one DER TLV; returns its tag and contents. Only definite lengths of up to 4 bytes.
fn tlv<'a>(r: &mut Reader<'a>) -> Result<(u8, &'a [u8]), CertificateError> {
    let tag = r.u8().map_err(|_| CertificateError)?;
    let first = r.u8().map_err(|_| CertificateError)?;
    let len = match first {
        0..=0x7f => usize::from(first),
        0x81..=0x84 => {
            let n = usize::from(first & 0x7f);
            let bytes = r.take(n).map_err(|_| CertificateError)?;
            bytes.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
        }
        _ => return Err(CertificateError),
    };
    let content = r.take(len).map_err(|_| CertificateError)?;
    Ok((tag, content))
}

fn expect<'a>(r: &mut Reader<'a>, tag: u8) -> Result<&'a [u8], CertificateError> {
    match tlv(r)? {
        (t, content) if t == tag => Ok(content),
        _ => Err(CertificateError),
    }
}

/// The subject public key of a DER certificate, which must be EC on P-256.
pub fn p256_public_key(der: &[u8]) -> Result<p256::ecdsa::VerifyingKey, CertificateError> {
    let mut outer = Reader::new(der);
    let certificate = expect(&mut outer, SEQUENCE)?;
    outer.finish().map_err(|_| CertificateError)?;

    let mut cert = Reader::new(certificate);
    let tbs = expect(&mut cert, SEQUENCE)?;
    let mut tbs = Reader::new(tbs);
    // version [0] EXPLICIT (optional), serialNumber, signature, issuer, validity, subject.
    let (tag, _) = tlv(&mut tbs)?;
    if tag == EXPLICIT_VERSION {
        expect(&mut tbs, INTEGER)?;
    } else if tag != INTEGER {
        return Err(CertificateError);
    }
    for _ in 0..4 {
        expect(&mut tbs, SEQUENCE)?;
    }
    let spki = expect(&mut tbs, SEQUENCE)?;
    let mut spki = Reader::new(spki);
    if expect(&mut spki, SEQUENCE)? != EC_P256_ALGORITHM {
        return Err(CertificateError);
    }
    let bits = expect(&mut spki, BIT_STRING)?;
    spki.finish().map_err(|_| CertificateError)?;
    // A BIT STRING starts with its count of unused bits, 0 here; then 0x04 ‖ x ‖ y.
    match bits {
        [0x00, point @ ..] if point.len() == 65 && point.first() == Some(&0x04) => {
            p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| CertificateError)
        }
        _ => Err(CertificateError),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn refuses_what_is_not_a_certificate() {
        let cases: &[&[u8]] = &[
            &[],
            &[0x30],                         // SEQUENCE without a length
            &[0x30, 0x80, 0x00, 0x00],       // indefinite length
            &[0x30, 0x85, 0, 0, 0, 0, 1],    // 5-byte length
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff], // 4 GiB declared
            &[0x30, 0x00, 0x00],             // trailing byte
            &[0x30, 0x02, 0x30, 0x00],       // tbs empty
        ];
        for der in cases {
            assert_eq!(p256_public_key(der).unwrap_err(), CertificateError, "{der:02x?}");
        }
    }
}
