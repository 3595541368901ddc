//! Credential public keys as COSE_Key (RFC 9052 §7, RFC 9053; WebAuthn Level 3 §5.8.5 and
//! §6.5.1.1 <https://www.w3.org/TR/webauthn-3/#sctn-encoded-credPubKey-examples>) and the
//! signature checks made with them.
//!
//! Exactly three shapes are accepted, each built through the crypto crate's checked
//! constructor:
//! - ES256: `kty` 2 (EC2), `alg` -7, `crv` 1 (P-256), 32-byte `x` and `y`; the point must be on
//!   the curve. Signatures are ASN.1 DER ECDSA over SHA-256 (§6.5.6).
//! - EdDSA: `kty` 1 (OKP), `alg` -8, `crv` 6 (Ed25519), 32-byte `x`; verified strictly
//!   (canonical encodings, no small-order keys).
//! - RS256: `kty` 3 (RSA), `alg` -257, `n` of 2048 to 8192 bits, `e` odd from 3 to 2^33 − 1;
//!   RSASSA-PKCS1-v1_5 with SHA-256, verified by Bio's own [`rsassa`](super::rsassa).
//!
//! Any other `alg` is [`Error::UnsupportedAlgorithm`]; a known `alg` with a wrong `kty`, curve or
//! coordinate is malformed. Labels other than these (e.g. `kid`) are ignored.
//!
//! Signed data is passed as parts (authenticator data, client data hash …) so that ES256 and
//! RS256 hash it in one pass without concatenating.

use sha2::{Digest as _, Sha256};

use super::cbor::{self, Value};
use super::error::{Error, Part};
use super::rsassa;

/// COSE algorithm ES256 (ECDSA w/ SHA-256).
pub const ES256: i64 = -7;
/// COSE algorithm EdDSA (here only Ed25519).
pub const EDDSA: i64 = -8;
/// COSE algorithm RS256 (RSASSA-PKCS1-v1_5 w/ SHA-256).
pub const RS256: i64 = -257;

const KTY: i64 = 1;
const ALG: i64 = 3;
const KTY_OKP: i64 = 1;
const KTY_EC2: i64 = 2;
const KTY_RSA: i64 = 3;
const CRV_P256: i64 = 1;
const CRV_ED25519: i64 = 6;

/// A credential public key of a supported algorithm.
#[derive(Debug, Clone)]
pub enum CoseKey {
    /// ECDSA P-256 with SHA-256.
    Es256(p256::ecdsa::VerifyingKey),
    /// Ed25519.
    EdDsa(ed25519_dalek::VerifyingKey),
    /// RSA PKCS#1 v1.5 with SHA-256.
    Rs256(rsassa::PublicKey),
}

fn bad(detail: &'static str) -> Error {
    Error::malformed(Part::CoseKey, detail)
}

fn int(key: &Value<'_>, label: i64) -> Result<i64, Error> {
    key.get_int_key(label)
        .and_then(Value::as_int)
        .ok_or_else(|| bad("missing integer parameter"))
}

fn bytes<'a>(key: &Value<'a>, label: i64) -> Result<&'a [u8], Error> {
    key.get_int_key(label)
        .and_then(Value::as_bytes)
        .ok_or_else(|| bad("missing byte-string parameter"))
}

impl CoseKey {
    /// Decodes and checks a COSE_Key that spans all of `encoded`.
    pub fn from_cose(encoded: &[u8]) -> Result<Self, Error> {
        let value = cbor::decode_exact(encoded).map_err(|e| bad(e.as_str()))?;
        Self::from_value(&value)
    }

    /// Checks an already decoded COSE_Key.
    pub fn from_value(key: &Value<'_>) -> Result<Self, Error> {
        if key.as_map().is_none() {
            return Err(bad("not a CBOR map"));
        }
        let alg = int(key, ALG)?;
        let kty = int(key, KTY)?;
        match alg {
            ES256 => {
                if kty != KTY_EC2 || int(key, -1)? != CRV_P256 {
                    return Err(bad("ES256 key is not EC2 on P-256"));
                }
                let x = bytes(key, -2)?;
                let y = bytes(key, -3)?;
                if x.len() != 32 || y.len() != 32 {
                    return Err(bad("P-256 coordinate is not 32 bytes"));
                }
                let mut sec1 = [0x04; 65];
                let (head, tail) = sec1.split_at_mut(33);
                head.get_mut(1..)
                    .ok_or_else(|| bad("P-256 coordinate is not 32 bytes"))?
                    .copy_from_slice(x);
                tail.copy_from_slice(y);
                p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                    .map(CoseKey::Es256)
                    .map_err(|_| bad("P-256 point is not on the curve"))
            }
            EDDSA => {
                if kty != KTY_OKP || int(key, -1)? != CRV_ED25519 {
                    return Err(bad("EdDSA key is not OKP on Ed25519"));
                }
                let x: &[u8; 32] = bytes(key, -2)?
                    .try_into()
                    .map_err(|_| bad("Ed25519 key is not 32 bytes"))?;
                ed25519_dalek::VerifyingKey::from_bytes(x)
                    .map(CoseKey::EdDsa)
                    .map_err(|_| bad("Ed25519 key is not a valid point"))
            }
            RS256 => {
                if kty != KTY_RSA {
                    return Err(bad("RS256 key is not RSA"));
                }
                rsassa::PublicKey::new(bytes(key, -1)?, bytes(key, -2)?)
                    .map(CoseKey::Rs256)
                    .map_err(|e| match e {
                        rsassa::KeyError::ModulusTooShort => {
                            bad("RSA modulus shorter than 2048 bits")
                        }
                        _ => bad("RSA key refused (modulus or exponent)"),
                    })
            }
            other => Err(Error::UnsupportedAlgorithm(other)),
        }
    }

    /// The COSE algorithm identifier.
    pub fn alg(&self) -> i64 {
        match self {
            CoseKey::Es256(_) => ES256,
            CoseKey::EdDsa(_) => EDDSA,
            CoseKey::Rs256(_) => RS256,
        }
    }

    /// Verifies `signature` over `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        self.verify_parts(&[message], signature)
    }

    /// Verifies `signature` over the concatenation of `parts`, hashing them in one pass.
    pub fn verify_parts(&self, parts: &[&[u8]], signature: &[u8]) -> Result<(), Error> {
        match self {
            CoseKey::Es256(key) => {
                // §6.5.6: ES256 signatures are ASN.1 DER encoded, not raw r‖s.
                let sig =
                    p256::ecdsa::Signature::from_der(signature).map_err(|_| Error::Signature)?;
                // p256 parsed and range-checked r and s; the curve arithmetic is Bio's own,
                // written for wasm32 (see `es256`), with p256's answers.
                super::es256::verify(key, parts, &sig)
                    .then_some(())
                    .ok_or(Error::Signature)
            }
            CoseKey::EdDsa(key) => {
                // Ed25519 hashes the message twice internally, so it needs it whole.
                let sig = ed25519_dalek::Signature::from_slice(signature)
                    .map_err(|_| Error::Signature)?;
                key.verify_strict(&parts.concat(), &sig)
                    .map_err(|_| Error::Signature)
            }
            CoseKey::Rs256(key) => {
                let mut hash = Sha256::new();
                for part in parts {
                    hash.update(part);
                }
                key.verify(rsassa::Hash::Sha256, &hash.finalize(), signature)
                    .map_err(|_| Error::Signature)
            }
        }
    }
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

    // A P-256 point: the generator G.
    const GX: &str = "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296";
    const GY: &str = "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";

    fn es256(alg: &str, kty: &str, crv: &str, x: &str, y: &str) -> Vec<u8> {
        hex(&format!(
            "a5          # map(5)
             01 {kty}    # kty
             03 {alg}    # alg
             20 {crv}    # crv
             21 {x}      # x
             22 {y}      # y"
        ))
    }

    #[test]
    fn accepts_es256_on_the_curve() {
        let key = es256("26", "02", "01", &format!("5820{GX}"), &format!("5820{GY}"));
        assert_eq!(CoseKey::from_cose(&key).unwrap().alg(), ES256);
    }

    #[test]
    fn bad_keys_give_the_exact_error() {
        let x = format!("5820{GX}");
        let y = format!("5820{GY}");
        let off_curve = format!("5820{}", "00".repeat(31) + "01");
        let cases: Vec<(Vec<u8>, Error)> = vec![
            (
                es256("3903e6", "02", "01", &x, &y),
                Error::UnsupportedAlgorithm(-999),
            ), // alg -999
            (
                es256("26", "03", "01", &x, &y),
                bad("ES256 key is not EC2 on P-256"),
            ), // kty RSA
            (
                es256("26", "02", "02", &x, &y),
                bad("ES256 key is not EC2 on P-256"),
            ), // crv P-384
            (
                es256("26", "02", "01", &x, &off_curve),
                bad("P-256 point is not on the curve"),
            ),
            (
                es256("26", "02", "01", &x, "5801aa"),
                bad("P-256 coordinate is not 32 bytes"),
            ),
            (
                es256("26", "02", "01", &x, "f5"),
                bad("missing byte-string parameter"),
            ), // y: true
            (
                es256("26", "02", "01", &x, &y)[..10].to_vec(),
                bad("CBOR length larger than the input"),
            ),
            (hex("a1 01 02"), bad("missing integer parameter")), // {kty: 2}, no alg
            (hex("80"), bad("not a CBOR map")),
            (
                hex("a3 01 01 03 27 20 06"),
                bad("missing byte-string parameter"),
            ), // EdDSA, no x
            (
                hex("a4 01 03 03 390100 20 4101 21 43010001"),
                bad("RSA modulus shorter than 2048 bits"),
            ),
        ];
        for (bytes, expected) in cases {
            assert_eq!(
                CoseKey::from_cose(&bytes).unwrap_err(),
                expected,
                "{expected:?}"
            );
        }
    }
}
