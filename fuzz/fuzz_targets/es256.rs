//! Bio's ES256 arithmetic (`webauthn::es256::verify_prehash`) against p256 0.14's own
//! `verify_prehash` on the same key, hash and signature: the answers must be equal.
//!
//! Input: `mode (1) ‖ d (32) ‖ z (32) ‖ r (32) ‖ s (32)`. The key is d·G (d reduced mod n,
//! skipped if 0), so every input reaches the arithmetic. An even `mode` checks (r, s) as given
//! (skipped when p256 refuses them as scalars); an odd one first signs z with nonce k = r, so
//! the fuzzer also walks valid signatures and their neighbours (the low bits of `mode` flip one
//! bit of s).
#![no_main]

use libfuzzer_sys::fuzz_target;
use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::elliptic_curve::ff::PrimeField as _;
use p256::elliptic_curve::ops::Reduce;
use p256::elliptic_curve::point::AffineCoordinates as _;
use p256::{FieldBytes, ProjectivePoint, Scalar};

fn scalar(bytes: &[u8; 32]) -> Scalar {
    <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(*bytes))
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let field = |i: usize| -> Option<[u8; 32]> { rest.get(32 * i..32 * (i + 1))?.try_into().ok() };
    let (Some(d), Some(z), Some(r), Some(s)) = (field(0), field(1), field(2), field(3)) else {
        return;
    };
    let d = scalar(&d);
    let Ok(key) = VerifyingKey::from_affine((ProjectivePoint::GENERATOR * d).to_affine()) else {
        return;
    };
    let (r, s) = if mode & 1 == 1 {
        // A genuine signature with nonce k: r = x(k·G) mod n, s = (z + r·d)/k.
        let k = scalar(&r);
        let Some(k_inv) = Option::<Scalar>::from(k.invert()) else { return };
        let x: [u8; 32] = (ProjectivePoint::GENERATOR * k).to_affine().x().into();
        let r = scalar(&x);
        let mut s: [u8; 32] = ((scalar(&z) + r * d) * k_inv).to_repr().into();
        if mode & 2 == 2 {
            s[usize::from(mode >> 3) % 32] ^= 1 << ((mode >> 1) % 8);
        }
        (r.to_repr().into(), s)
    } else {
        (r, s)
    };
    let Ok(sig) = Signature::from_scalars(r, s) else { return };
    let bio = bio::webauthn::es256::verify_prehash(&key, &z, &sig);
    let p256 = key.verify_prehash(&z, &sig).is_ok();
    assert_eq!(bio, p256, "d {d:?} z {z:02x?} r {r:02x?} s {s:02x?}");
});
