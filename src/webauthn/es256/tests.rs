//! The fast path against p256 0.14 (and crypto-bigint, p256's own integer crate, for bare field
//! arithmetic): field operations, point operations with every exceptional case, the generator's
//! table, and whole verifications on random and edge-case inputs.
//!
//! Random inputs come from one ChaCha8 seed, printed by each test (set `BIO_ES256_SEED` to
//! replay one); by default the seed changes every run, so CI keeps exploring.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use p256::ecdsa::signature::hazmat::{PrehashSigner as _, PrehashVerifier as _};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::elliptic_curve::Group as _;
use p256::elliptic_curve::bigint::{NonZero, U256};
use p256::elliptic_curve::ff::PrimeField as _;
use p256::elliptic_curve::ops::Reduce;
use p256::elliptic_curve::point::AffineCoordinates as _;
use p256::{AffinePoint, FieldBytes, ProjectivePoint, Scalar};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng as _, SeedableRng as _};

use super::field::Fe;
use super::point::{Affine, Jacobian};
use super::table::G_ODD_MULTIPLES;
use super::{verify, verify_prehash};

const P_HEX: &str = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";
const N_HEX: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";

/// Iterations of the random loops: fewer in wasm, where tests run unoptimised under Viceroy.
fn rounds(native: usize) -> usize {
    if cfg!(target_arch = "wasm32") {
        native / 20
    } else {
        native
    }
}

fn rng(test: &str) -> ChaCha8Rng {
    let seed = std::env::var("BIO_ES256_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0x5EED)
        });
    println!("{test}: BIO_ES256_SEED={seed}");
    ChaCha8Rng::seed_from_u64(seed)
}

fn bytes32(rng: &mut ChaCha8Rng) -> [u8; 32] {
    let mut b = [0u8; 32];
    rng.fill_bytes(&mut b);
    b
}

fn hex32(hex: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

fn u256(bytes: &[u8; 32]) -> U256 {
    U256::from_be_slice(bytes)
}

fn u256_bytes(x: &U256) -> [u8; 32] {
    x.to_be_bytes().as_ref().try_into().unwrap()
}

fn p() -> NonZero<U256> {
    NonZero::new(U256::from_be_hex(P_HEX)).unwrap()
}

/// Field values worth testing: 0, 1, 2, p − 1, p − 2, 2²⁵⁵, values near 2^(29k), random.
fn field_values(rng: &mut ChaCha8Rng, random: usize) -> Vec<[u8; 32]> {
    let p = U256::from_be_hex(P_HEX);
    let mut values: Vec<U256> = vec![
        U256::ZERO,
        U256::ONE,
        U256::from_u64(2),
        p.wrapping_sub(&U256::ONE),
        p.wrapping_sub(&U256::from_u64(2)),
        U256::ONE.shl_vartime(255),
    ];
    for k in 1..9 {
        let power = U256::ONE.shl_vartime(29 * k);
        values.push(power);
        values.push(power.wrapping_sub(&U256::ONE));
    }
    for _ in 0..random {
        values.push(u256(&bytes32(rng)).rem(&self::p()));
    }
    values.iter().map(u256_bytes).collect()
}

/// The same element as `fe`, but as its non-canonical twin in [p, 2p) when there is one: the
/// field's operations must accept either.
fn plus_p(fe: &Fe) -> Fe {
    const P: [u32; 9] = [
        0x1fff_ffff,
        0x1fff_ffff,
        0x1fff_ffff,
        0x1ff,
        0,
        0,
        0x4_0000,
        0x1fe0_0000,
        0xff_ffff,
    ];
    let limbs = fe.montgomery_limbs();
    let mut out = [0u32; 9];
    let mut carry = 0u32;
    for i in 0..9 {
        let t = limbs[i] + P[i] + carry;
        out[i] = t & 0x1fff_ffff;
        carry = t >> 29;
    }
    // Keep it only if below 2p (compare with 2p = p + p from the top limb down).
    let two_p = {
        let mut two = [0u32; 9];
        let mut c = 0u32;
        for i in 0..9 {
            let t = P[i] * 2 + c;
            two[i] = t & 0x1fff_ffff;
            c = t >> 29;
        }
        two
    };
    let below = out.iter().rev().cmp(two_p.iter().rev()) == std::cmp::Ordering::Less;
    if below {
        Fe::from_montgomery_limbs(out)
    } else {
        *fe
    }
}

#[test]
fn field_encoding_round_trips_and_reduces() {
    let mut rng = rng("field_encoding_round_trips_and_reduces");
    for x in field_values(&mut rng, rounds(200)) {
        assert_eq!(Fe::from_bytes(&x).to_bytes(), x);
        assert_eq!(plus_p(&Fe::from_bytes(&x)).to_bytes(), x);
    }
    // Values in [p, 2²⁵⁶) reduce mod p.
    for x in [hex32(P_HEX), [0xff; 32]] {
        let expected = u256_bytes(&u256(&x).rem(&p()));
        assert_eq!(Fe::from_bytes(&x).to_bytes(), expected);
    }
    assert_eq!(Fe::ONE.to_bytes(), u256_bytes(&U256::ONE));
    assert_eq!(Fe::ZERO.to_bytes(), [0; 32]);
}

#[test]
fn field_arithmetic_matches_crypto_bigint() {
    let mut rng = rng("field_arithmetic_matches_crypto_bigint");
    let p = p();
    let values = field_values(&mut rng, rounds(60));
    for a in &values {
        let (fa, ua) = (Fe::from_bytes(a), u256(a));
        for fa in [fa, plus_p(&fa)] {
            assert_eq!(fa.square().to_bytes(), u256_bytes(&ua.mul_mod(&ua, &p)));
            assert_eq!(fa.neg().to_bytes(), u256_bytes(&ua.neg_mod(&p)));
            assert_eq!(fa.double().to_bytes(), u256_bytes(&ua.add_mod(&ua, &p)));
            let three = ua.add_mod(&ua, &p).add_mod(&ua, &p);
            assert_eq!(fa.triple().to_bytes(), u256_bytes(&three));
            assert_eq!(fa.is_zero(), ua == U256::ZERO);
            for b in &values {
                let (fb, ub) = (plus_p(&Fe::from_bytes(b)), u256(b));
                assert_eq!(fa.mul(&fb).to_bytes(), u256_bytes(&ua.mul_mod(&ub, &p)));
                assert_eq!(fa.add(&fb).to_bytes(), u256_bytes(&ua.add_mod(&ub, &p)));
                assert_eq!(fa.sub(&fb).to_bytes(), u256_bytes(&ua.sub_mod(&ub, &p)));
                assert_eq!(fa.equals(&fb), a == b);
            }
        }
        if ua != U256::ZERO {
            assert_eq!(
                Fe::from_bytes(a)
                    .invert()
                    .mul(&Fe::from_bytes(a))
                    .to_bytes(),
                { u256_bytes(&U256::ONE) }
            );
        }
    }
}

fn p256_affine(point: &ProjectivePoint) -> ([u8; 32], [u8; 32]) {
    let affine = point.to_affine();
    (affine.x().into(), affine.y().into())
}

fn ours(point: &ProjectivePoint) -> Affine {
    let (x, y) = p256_affine(point);
    Affine {
        x: Fe::from_bytes(&x),
        y: Fe::from_bytes(&y),
    }
}

fn bytes_of(point: &Jacobian) -> Option<([u8; 32], [u8; 32])> {
    point.to_affine().map(|a| (a.x.to_bytes(), a.y.to_bytes()))
}

/// The same point with Z = λ: (x·λ², y·λ³, λ).
fn rescaled(p: &Affine, lambda: &Fe) -> Jacobian {
    let l2 = lambda.square();
    Jacobian {
        x: p.x.mul(&l2),
        y: p.y.mul(&l2).mul(lambda),
        z: *lambda,
    }
}

fn scalar(rng: &mut ChaCha8Rng) -> Scalar {
    <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(bytes32(rng)))
}

#[test]
fn point_arithmetic_matches_p256() {
    let mut rng = rng("point_arithmetic_matches_p256");
    let g = ProjectivePoint::GENERATOR;
    let n_minus_1 = -Scalar::ONE;
    let mut scalars = vec![
        Scalar::ONE,
        Scalar::from(2u64),
        Scalar::from(3u64),
        n_minus_1,
    ];
    scalars.extend((0..rounds(100)).map(|_| scalar(&mut rng)));
    for pair in scalars.windows(2) {
        let (p1, p2) = (g * pair[0], g * pair[1]);
        let (a1, a2) = (ours(&p1), ours(&p2));
        let lambda = Fe::from_bytes(&bytes32(&mut rng));
        let j1 = rescaled(&a1, &lambda);
        let j2 = rescaled(&a2, &Fe::from_bytes(&bytes32(&mut rng)));
        let sum = Some(p256_affine(&(p1 + p2)));
        assert_eq!(bytes_of(&j1.add_affine(&a2)), sum);
        assert_eq!(bytes_of(&j1.add(&j2)), sum);
        assert_eq!(bytes_of(&j1.double()), Some(p256_affine(&p1.double())));
        assert_eq!(bytes_of(&j1.neg()), Some(p256_affine(&-p1)));
        assert_eq!(
            bytes_of(&Jacobian::from_affine(&a1.neg())),
            Some(p256_affine(&-p1))
        );
        // Equal points: the addition must double.
        let twice = Some(p256_affine(&p1.double()));
        assert_eq!(bytes_of(&j1.add_affine(&a1)), twice);
        assert_eq!(bytes_of(&j1.add(&rescaled(&a1, &Fe::ONE))), twice);
        // Opposite points: the sum is the point at infinity.
        assert!(j1.add_affine(&a1.neg()).is_infinity());
        assert!(j1.add(&j1.neg()).is_infinity());
        // The point at infinity on either side.
        let inf = Jacobian::INFINITY;
        assert_eq!(bytes_of(&inf.add_affine(&a1)), Some(p256_affine(&p1)));
        assert_eq!(bytes_of(&inf.add(&j1)), Some(p256_affine(&p1)));
        assert_eq!(bytes_of(&j1.add(&inf)), Some(p256_affine(&p1)));
        assert!(inf.double().is_infinity());
        assert!(inf.add(&inf).is_infinity());
    }
}

#[test]
fn generator_table_is_the_odd_multiples_of_g() {
    for (k, entry) in G_ODD_MULTIPLES.iter().enumerate() {
        let expected = p256_affine(&(ProjectivePoint::GENERATOR * Scalar::from(2 * k as u64 + 1)));
        assert_eq!((entry.x.to_bytes(), entry.y.to_bytes()), expected, "{k}");
    }
}

// Whole verifications against p256's `verify_prehash`.

fn n_minus(k: u64) -> [u8; 32] {
    u256_bytes(&U256::from_be_hex(N_HEX).wrapping_sub(&U256::from_u64(k)))
}

/// Both verifiers' answers for (key, z, r, s); `None` when p256 refuses r or s (0 or ≥ n),
/// which the fast path never sees.
fn both(key: &VerifyingKey, z: &[u8; 32], r: &[u8; 32], s: &[u8; 32]) -> Option<(bool, bool)> {
    let sig = Signature::from_scalars(*r, *s).ok()?;
    Some((
        verify_prehash(key, z, &sig),
        key.verify_prehash(z, &sig).is_ok(),
    ))
}

fn check(key: &VerifyingKey, z: &[u8; 32], r: &[u8; 32], s: &[u8; 32]) -> Option<bool> {
    let answers = both(key, z, r, s);
    if let Some((fast, reference)) = answers {
        assert_eq!(
            fast,
            reference,
            "key {:02x?} z {z:02x?} r {r:02x?} s {s:02x?}",
            key.to_sec1_point(false).as_bytes()
        );
    }
    answers.map(|a| a.1)
}

fn flip(bytes: &[u8; 32], bit: usize) -> [u8; 32] {
    let mut out = *bytes;
    out[bit / 8] ^= 1 << (bit % 8);
    out
}

#[test]
fn verification_matches_p256_on_random_and_edge_inputs() {
    let mut rng = rng("verification_matches_p256_on_random_and_edge_inputs");
    let mut accepted = 0;
    for _ in 0..rounds(200) {
        let signer = loop {
            if let Ok(k) = SigningKey::from_slice(&bytes32(&mut rng)) {
                break k;
            }
        };
        let key = *signer.verifying_key();
        let z = bytes32(&mut rng);
        let sig: Signature = signer.sign_prehash(&z).unwrap();
        let r: [u8; 32] = sig.r().to_repr().into();
        let s: [u8; 32] = sig.s().to_repr().into();
        assert_eq!(check(&key, &z, &r, &s), Some(true));
        accepted += 1;
        // High S: n − s verifies too (ES256 does not normalise s).
        let high_s = u256_bytes(&U256::from_be_hex(N_HEX).wrapping_sub(&u256(&s)));
        assert_eq!(check(&key, &z, &r, &high_s), Some(true));
        // One flipped bit anywhere in r, s or z.
        let bit = rng.next_u64() as usize % 256;
        check(&key, &z, &flip(&r, bit), &s);
        check(&key, &z, &r, &flip(&s, bit));
        check(&key, &flip(&z, bit), &r, &s);
        // r, s at the ends of their range; z at 0, n and 2²⁵⁶ − 1.
        for edge in [u256_bytes(&U256::ONE), n_minus(1)] {
            check(&key, &z, &edge, &s);
            check(&key, &z, &r, &edge);
            check(&key, &z, &edge, &edge);
        }
        for edge_z in [[0u8; 32], hex32(N_HEX), [0xff; 32]] {
            check(&key, &edge_z, &r, &s);
        }
        // The same signature over the same hash, checked with the wrong key.
        check(
            &VerifyingKey::from_affine(ours_g_multiple(&mut rng)).unwrap(),
            &z,
            &r,
            &s,
        );
    }
    println!("{accepted} valid signatures and their variants agreed");
}

fn ours_g_multiple(rng: &mut ChaCha8Rng) -> AffinePoint {
    (ProjectivePoint::GENERATOR * scalar(rng)).to_affine()
}

/// Keys that are small multiples of G, or their negatives, and signatures built so that u₁·G and
/// u₂·Q meet in the table's special cases: the sum at infinity, equal and opposite points.
#[test]
fn verification_matches_p256_on_constructed_edge_cases() {
    let mut rng = rng("verification_matches_p256_on_constructed_edge_cases");
    let g = ProjectivePoint::GENERATOR;
    let mut cs: Vec<Scalar> = (1..=20u64).map(Scalar::from).collect();
    cs.extend([-Scalar::ONE, -Scalar::from(2u64), -Scalar::from(15u64)]);
    cs.extend((0..rounds(20)).map(|_| scalar(&mut rng)));
    for c in cs {
        // Q = c·G.
        let key = VerifyingKey::from_affine((g * c).to_affine()).unwrap();
        let r = scalar(&mut rng);
        let s = scalar(&mut rng);
        let rb: [u8; 32] = r.to_repr().into();
        let sb: [u8; 32] = s.to_repr().into();
        // e = −c·r: u₁ + c·u₂ = (e + c·r)/s = 0, so u₁·G + u₂·Q is the point at infinity.
        let e: [u8; 32] = (-(c * r)).to_repr().into();
        assert_eq!(check(&key, &e, &rb, &sb), Some(false));
        // e = c·r: u₁·G = u₂·Q, the sum is a doubling.
        let e: [u8; 32] = (c * r).to_repr().into();
        check(&key, &e, &rb, &sb);
        // A genuine signature with k chosen so that R = c·G is known: r = x(c·G), s = (e + r·d)/c
        // with d = c, so u₂·Q = (r/s)·c·G and u₁·G = (e/s)·G.
        let e_scalar = scalar(&mut rng);
        let x: [u8; 32] = (g * c).to_affine().x().into();
        let r = <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(x));
        let s = (e_scalar + r * c) * c.invert().unwrap();
        let (rb, sb): ([u8; 32], [u8; 32]) = (r.to_repr().into(), s.to_repr().into());
        let e: [u8; 32] = e_scalar.to_repr().into();
        assert_eq!(check(&key, &e, &rb, &sb), Some(true));
    }
}

/// x_R ∈ [n, p): r = x_R − n must verify. With key Q = R, e = 0 and s = r, u₁ = 0 and u₂ = 1,
/// so the sum is R itself. Such x are ~2⁻¹²⁸ of all points, so R is found by trying x = n + t.
#[test]
fn verification_accepts_r_plus_n() {
    let n = U256::from_be_hex(N_HEX);
    let mut found = 0;
    for t in 0..64u64 {
        let x = u256_bytes(&n.wrapping_add(&U256::from_u64(t)));
        let mut sec1 = [0u8; 33];
        sec1[0] = 0x02;
        sec1[1..].copy_from_slice(&x);
        let Ok(key) = VerifyingKey::from_sec1_bytes(&sec1) else {
            continue; // x³ − 3x + b is not a square: no point with this x.
        };
        found += 1;
        let r = u256_bytes(&U256::from_u64(t));
        if t == 0 {
            continue; // r = 0 is not a signature.
        }
        for z in [[0u8; 32], hex32(N_HEX)] {
            assert_eq!(check(&key, &z, &r, &r), Some(true), "t = {t}");
        }
        // r = x itself (≥ n) is out of range; a neighbour of r must fail.
        assert_eq!(check(&key, &[0u8; 32], &flip(&r, 0), &r), Some(false));
    }
    assert!(found > 10, "{found}");
}

#[test]
fn hashing_parts_is_hashing_their_concatenation() {
    let mut rng = rng("hashing_parts_is_hashing_their_concatenation");
    let signer = SigningKey::from_slice(&n_minus(7)).unwrap();
    let message: Vec<u8> = (0..100).map(|_| rng.next_u64() as u8).collect();
    let sig: Signature = p256::ecdsa::signature::Signer::sign(&signer, &message);
    let key = signer.verifying_key();
    let (a, b) = message.split_at(37);
    assert!(verify(key, &[a, b], &sig));
    assert!(verify(key, &[&message], &sig));
    assert!(!verify(key, &[a], &sig));
    assert!(!verify(key, &[b, a], &sig));
}
