//! RSASSA-PKCS1-v1_5 signature verification (RFC 8017 §8.2.2,
//! <https://www.rfc-editor.org/rfc/rfc8017#section-8.2.2>) with SHA-256 (COSE RS256, the RS256
//! credential keys of §5.8.5 and RS256 attestation statements) and SHA-1 (COSE RS1, RFC 8812,
//! what Windows TPMs sign `certInfo` with; attestation only).
//!
//! Verify only, public values only, so variable time throughout. The steps are the RFC's:
//! 1. the signature must be exactly `k` octets, `k` the modulus length (§8.2.2 step 1): a
//!    signature with its leading zero octet stripped is refused;
//! 2. RSAVP1 (§5.2.2): `s` must be less than `n`, then `m = s^e mod n`
//!    (`montgomery.rs`: 32-bit limbs, the product width wasm32 multiplies natively);
//! 3. EMSA-PKCS1-v1_5 (§9.2): the expected encoding `0x00 01 FF…FF 00 ‖ DigestInfo ‖ H` is
//!    built and compared with `m` byte for byte. No ASN.1 is parsed out of `m`, so there is no
//!    parser to fool (the Bleichenbacher-2006 class of forgeries), and a DigestInfo without
//!    the NULL parameters (which §9.2 note 2 says some implementations write) is refused.
//!
//! Keys ([`PublicKey::new`]): the modulus odd, 2048 to 8192 bits; the exponent odd, 3 to
//! 2^33 − 1. That is the set the `rsa` crate accepted before this module replaced it on the
//! request path, so no credential or attestation statement changes verdict. Every WebAuthn
//! RS256 key and every vector Bio has uses e = 65537 (16 squarings and a multiplication);
//! other exponents cost one squaring per bit and one multiplication per set bit.
//!
//! Not here: signing, RSA-PSS, encryption, any hash but SHA-256 and SHA-1, keys from DER
//! (callers pass the modulus and exponent bytes they decoded).

mod montgomery;
#[cfg(test)]
mod tests;

use montgomery::Modulus;

/// The smallest modulus accepted, in bits (what Bio required before this module).
pub const MIN_MODULUS_BITS: usize = 2048;
/// The largest modulus accepted, in bits: bounds the work one signature check can cost.
pub const MAX_MODULUS_BITS: usize = 8192;
/// The largest public exponent accepted (the `rsa` crate's bound).
pub const MAX_EXPONENT: u64 = (1 << 33) - 1;

/// DigestInfo for SHA-256 (RFC 8017 §9.2 note 1): `SEQUENCE { SEQUENCE { OID sha256, NULL },
/// OCTET STRING (32) }`, followed by the hash.
const SHA256_DIGEST_INFO: &[u8] = &[
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];
/// DigestInfo for SHA-1 (RFC 8017 §9.2 note 1).
const SHA1_DIGEST_INFO: &[u8] = &[
    0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
];

/// Why a key was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyError {
    /// The modulus has fewer than [`MIN_MODULUS_BITS`] bits.
    ModulusTooShort,
    /// The modulus has more than [`MAX_MODULUS_BITS`] bits.
    ModulusTooLong,
    /// The modulus is even (not a product of odd primes).
    EvenModulus,
    /// The exponent is even, below 3 or above [`MAX_EXPONENT`].
    Exponent,
}

/// The signature does not verify (whatever the reason: RFC 8017 gives one answer,
/// "invalid signature").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidSignature;

/// The hash function inside the encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    /// SHA-256 (RS256).
    Sha256,
    /// SHA-1 (RS1; attestation statements only).
    Sha1,
}

impl Hash {
    /// The DER DigestInfo prefix and the digest length.
    fn digest_info(self) -> (&'static [u8], usize) {
        match self {
            Hash::Sha256 => (SHA256_DIGEST_INFO, 32),
            Hash::Sha1 => (SHA1_DIGEST_INFO, 20),
        }
    }
}

/// An RSA public key, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    modulus: Modulus,
    /// The modulus, big-endian, without leading zero octets: its length is `k`.
    n: Vec<u8>,
    e: u64,
}

/// `bytes` without leading zero octets.
fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes.get(first..).unwrap_or_default()
}

impl PublicKey {
    /// A key from its modulus `n` and public exponent `e`, each unsigned big-endian (leading
    /// zero octets are ignored, as a DER INTEGER or a lax COSE encoder may have them).
    pub fn new(n: &[u8], e: &[u8]) -> Result<Self, KeyError> {
        let n = strip_leading_zeros(n);
        let bits = match n.first() {
            Some(top) => 8 * n.len() - top.leading_zeros() as usize,
            None => 0,
        };
        if bits < MIN_MODULUS_BITS {
            return Err(KeyError::ModulusTooShort);
        }
        if bits > MAX_MODULUS_BITS {
            return Err(KeyError::ModulusTooLong);
        }
        let e = strip_leading_zeros(e);
        if e.len() > 8 {
            return Err(KeyError::Exponent);
        }
        let e = e.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        if e < 3 || e.is_multiple_of(2) || e > MAX_EXPONENT {
            return Err(KeyError::Exponent);
        }
        let modulus = Modulus::from_be_bytes(n).ok_or(KeyError::EvenModulus)?;
        Ok(PublicKey {
            modulus,
            n: n.to_vec(),
            e,
        })
    }

    /// The modulus, big-endian, without leading zero octets.
    pub fn modulus(&self) -> &[u8] {
        &self.n
    }

    /// The public exponent.
    pub fn exponent(&self) -> u64 {
        self.e
    }

    /// RSASSA-PKCS1-v1_5-VERIFY (RFC 8017 §8.2.2) of `signature` over a message whose `hash`
    /// is `digest`.
    pub fn verify(
        &self,
        hash: Hash,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let k = self.n.len();
        // §8.2.2 step 1: "If the length of the signature S is not k octets, output 'invalid
        // signature' and stop."
        if signature.len() != k {
            return Err(InvalidSignature);
        }
        // Step 2: s = OS2IP(S); RSAVP1 (§5.2.2) step 1: "If the signature representative s is
        // not between 0 and n - 1, output 'signature representative out of range' and stop."
        let s = self
            .modulus
            .reduced_from_be(signature)
            .ok_or(InvalidSignature)?;
        // RSAVP1 step 2: m = s^e mod n; EM = I2OSP(m, k) (m < n fits in k octets).
        let m = self.modulus.pow(&s, self.e);
        let em = montgomery::to_be_bytes(&m, k).ok_or(InvalidSignature)?;
        // Step 3: EM' = EMSA-PKCS1-v1_5-ENCODE(M, k); step 4: compare EM and EM'.
        let expected = encode(hash, digest, k).ok_or(InvalidSignature)?;
        if em == expected {
            Ok(())
        } else {
            Err(InvalidSignature)
        }
    }
}

/// EMSA-PKCS1-v1_5-ENCODE (RFC 8017 §9.2) from the digest: `0x00 ‖ 0x01 ‖ PS ‖ 0x00 ‖ T`, PS
/// being `k − tLen − 3` octets 0xff, at least 8. `None` if the digest is not the hash's length
/// or `k` is too short ("intended encoded message length too short").
fn encode(hash: Hash, digest: &[u8], k: usize) -> Option<Vec<u8>> {
    let (digest_info, digest_len) = hash.digest_info();
    if digest.len() != digest_len {
        return None;
    }
    let t_len = digest_info.len() + digest_len;
    let ps_len = k.checked_sub(t_len + 3).filter(|&len| len >= 8)?;
    let mut em = Vec::with_capacity(k);
    em.extend_from_slice(&[0x00, 0x01]);
    em.resize(2 + ps_len, 0xff);
    em.push(0x00);
    em.extend_from_slice(digest_info);
    em.extend_from_slice(digest);
    Some(em)
}
