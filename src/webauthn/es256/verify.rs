//! The ECDSA verification equation (SEC 1 v2 §4.1.4) with p256's scalars and this module's
//! points: accept iff x(u₁·G + u₂·Q) ≡ r (mod n), where u₁ = e·s⁻¹ and u₂ = r·s⁻¹.
//!
//! u₁·G + u₂·Q is one interleaved double-and-add over the width-w NAFs of both scalars: 256
//! shared doublings, an affine addition from the build-time table of G's odd multiples per
//! nonzero digit of u₁ (window 7), and a Jacobian addition from a table of Q's odd multiples
//! built per call (window 5) per nonzero digit of u₂.
//!
//! The final check needs no inversion: with R = (X, Y, Z), x_R = X/Z², so x_R mod n = r iff
//! X = r·Z², or X = (r + n)·Z² when r + n < p (x_R ∈ [n, p) also reduces to r). The point at
//! infinity is refused.
//!
//! It does not: parse or range-check anything (p256's `Signature` holds only r, s ∈ [1, n − 1];
//! its `VerifyingKey` only points on the curve other than the identity), or normalise s (ES256
//! accepts either s, as p256 does).

use p256::ecdsa::{Signature, VerifyingKey};
use p256::elliptic_curve::ff::PrimeField as _;
use p256::elliptic_curve::ops::{Invert as _, Reduce};
use p256::elliptic_curve::point::AffineCoordinates as _;
use p256::{FieldBytes, Scalar};
use sha2::{Digest as _, Sha256};

use super::field::Fe;
use super::point::{Affine, Jacobian};
use super::table::{G_ODD_MULTIPLES, G_WINDOW};

/// Window width of Q's wNAF: a table of 2³ = 8 odd multiples, built per verification.
const Q_WINDOW: u32 = 5;
/// Digits kept per wNAF: a 256-bit scalar's wNAF has at most 257, and windows up to 8 bits may
/// read past bit 255 before the last carry settles.
const DIGITS: usize = 256 + 8;
/// The group order n, big-endian.
const N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];
/// p − n, big-endian: r + n < p iff r < p − n.
const P_MINUS_N: [u8; 32] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x43, 0x19, 0x05, 0x53, 0x58, 0xe8, 0x61, 0x7b,
    0x0c, 0x46, 0x35, 0x3d, 0x03, 0x9c, 0xda, 0xae,
];

/// Whether `signature` is `key`'s ES256 signature over the concatenation of `parts`, hashed in
/// one pass with SHA-256.
pub fn verify(key: &VerifyingKey, parts: &[&[u8]], signature: &Signature) -> bool {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part);
    }
    verify_prehash(key, &hash.finalize().into(), signature)
}

/// Whether `signature` is `key`'s ECDSA signature over the SHA-256 digest `prehash`: the same
/// answer as p256's `VerifyingKey::verify_prehash`.
pub fn verify_prehash(key: &VerifyingKey, prehash: &[u8; 32], signature: &Signature) -> bool {
    // §4.1.4 step 1: r, s ∈ [1, n − 1], which `Signature` guarantees.
    let (r, s) = signature.split_scalars();
    // Steps 2–3: e = the hash as an integer mod n (32 bytes: nothing to truncate).
    let e = <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(*prehash));
    // Step 4: u₁ = e·s⁻¹ and u₂ = r·s⁻¹ mod n.
    let s_inv = *s.invert_vartime();
    let u1: [u8; 32] = (e * s_inv).to_repr().into();
    let u2: [u8; 32] = (*r * s_inv).to_repr().into();
    // Step 5: R = u₁·G + u₂·Q; refuse R = O.
    let affine = key.as_affine();
    let q = Affine {
        x: Fe::from_bytes(&affine.x().into()),
        y: Fe::from_bytes(&affine.y().into()),
    };
    let sum = double_scalar_mul(&u1, &u2, &q);
    if sum.is_infinity() {
        return false;
    }
    // Steps 6–8: v = x_R mod n; accept iff v = r.
    let r: [u8; 32] = r.to_repr().into();
    let z2 = sum.z.square();
    let r_fe = Fe::from_bytes(&r);
    if sum.x.equals(&r_fe.mul(&z2)) {
        return true;
    }
    r < P_MINUS_N && sum.x.equals(&r_fe.add(&Fe::from_bytes(&N)).mul(&z2))
}

/// u₁·G + u₂·Q for big-endian scalars, interleaving both wNAFs over shared doublings.
fn double_scalar_mul(u1: &[u8; 32], u2: &[u8; 32], q: &Affine) -> Jacobian {
    let g_digits = wnaf(u1, G_WINDOW);
    let q_digits = wnaf(u2, Q_WINDOW);
    let q_table = odd_multiples(q);
    let mut acc = Jacobian::INFINITY;
    for (&g_digit, &q_digit) in g_digits.iter().zip(&q_digits).rev() {
        acc = acc.double();
        // Digits are odd with |d| < 2^(w−1), so |d|/2 always indexes the table.
        if g_digit != 0
            && let Some(entry) = G_ODD_MULTIPLES.get(usize::from(g_digit.unsigned_abs() >> 1))
        {
            acc = acc.add_affine(&if g_digit > 0 { *entry } else { entry.neg() });
        }
        if q_digit != 0
            && let Some(entry) = q_table.get(usize::from(q_digit.unsigned_abs() >> 1))
        {
            acc = acc.add(&if q_digit > 0 { *entry } else { entry.neg() });
        }
    }
    acc
}

/// Q, 3Q, 5Q, …, 15Q in Jacobian coordinates.
fn odd_multiples(q: &Affine) -> [Jacobian; 1 << (Q_WINDOW - 2)] {
    let q1 = Jacobian::from_affine(q);
    let q2 = q1.double();
    let mut table = [q1; 1 << (Q_WINDOW - 2)];
    let mut multiple = q1;
    for entry in table.iter_mut().skip(1) {
        multiple = multiple.add(&q2);
        *entry = multiple;
    }
    table
}

/// The width-`w` NAF of a big-endian 256-bit scalar k, least significant digit first: each digit
/// is 0 or odd with |d| < 2^(w−1), any w consecutive digits hold at most one nonzero one, and
/// Σ dᵢ·2ⁱ = k. `w` is at most 8.
fn wnaf(scalar: &[u8; 32], w: u32) -> [i8; DIGITS] {
    // Little-endian 64-bit words, and zeros above bit 255.
    let mut words = [0u64; 5];
    for (word, chunk) in words.iter_mut().zip(scalar.rchunks_exact(8)) {
        *word = u64::from_be_bytes(<[u8; 8]>::try_from(chunk).unwrap_or_default());
    }
    let width = 1i32 << w;
    let mut digits = [0i8; DIGITS];
    let mut carry = 0i32;
    let mut pos = 0usize;
    while pos < DIGITS {
        let (index, shift) = (pos / 64, pos % 64);
        let low = words.get(index).copied().unwrap_or(0) >> shift;
        let high = match shift {
            0 => 0,
            _ => words.get(index + 1).copied().unwrap_or(0) << (64 - shift),
        };
        let window = carry + ((low | high) & (width as u64 - 1)) as i32;
        if window & 1 == 0 {
            // An even window: this digit is 0 and the carry moves up with it.
            pos += 1;
            continue;
        }
        let digit = if window < width / 2 {
            carry = 0;
            window
        } else {
            // Take a negative digit and carry 2^w into the bits above the window.
            carry = 1;
            window - width
        };
        if let Some(slot) = digits.get_mut(pos) {
            *slot = digit as i8;
        }
        pos += w as usize;
    }
    digits
}
