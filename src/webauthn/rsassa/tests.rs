//! The Montgomery arithmetic against a schoolbook reference written here (multiply, then
//! reduce bit by bit: slow, obviously right, and sharing nothing with the code under test), and
//! the key and encoding rules. Signatures themselves (Wycheproof, the `rsa` crate on random
//! keys) are checked in `tests/rsassa.rs`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::montgomery::{Modulus, square, to_be_bytes};
use super::*;

/// A small deterministic generator (SplitMix64), so a failure names its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) as u32
    }

    fn limbs(&mut self, len: usize) -> Vec<u32> {
        (0..len).map(|_| self.next()).collect()
    }
}

// ---- the schoolbook reference: little-endian u32 limbs, any length ----

fn ref_mul(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = vec![0u32; a.len() + b.len()];
    for (i, &x) in a.iter().enumerate() {
        let mut carry = 0u64;
        for (j, &y) in b.iter().enumerate() {
            let t = u64::from(out[i + j]) + u64::from(x) * u64::from(y) + carry;
            out[i + j] = t as u32;
            carry = t >> 32;
        }
        out[i + b.len()] = carry as u32;
    }
    out
}

fn ref_ge(a: &[u32], b: &[u32]) -> bool {
    let len = a.len().max(b.len());
    for i in (0..len).rev() {
        let (x, y) = (*a.get(i).unwrap_or(&0), *b.get(i).unwrap_or(&0));
        if x != y {
            return x > y;
        }
    }
    true
}

fn ref_sub(a: &mut [u32], b: &[u32]) {
    let mut borrow = 0i64;
    for (i, x) in a.iter_mut().enumerate() {
        let t = i64::from(*x) - i64::from(*b.get(i).unwrap_or(&0)) - borrow;
        *x = t.rem_euclid(1 << 32) as u32;
        borrow = i64::from(t < 0);
    }
    assert_eq!(borrow, 0);
}

/// `x mod n` as `n.len()` limbs: shift `x` in one bit at a time, subtracting `n` when it fits.
fn ref_rem(x: &[u32], n: &[u32]) -> Vec<u32> {
    let mut r = vec![0u32; n.len() + 1];
    for i in (0..32 * x.len()).rev() {
        let bit = (x[i / 32] >> (i % 32)) & 1;
        let mut carry = bit;
        for limb in r.iter_mut() {
            let top = *limb >> 31;
            *limb = (*limb << 1) | carry;
            carry = top;
        }
        if ref_ge(&r, n) {
            ref_sub(&mut r, n);
        }
    }
    r.truncate(n.len());
    r
}

fn ref_pow(s: &[u32], e: u64, n: &[u32]) -> Vec<u32> {
    let mut acc = ref_rem(&[1], n);
    for i in (0..64 - e.leading_zeros()).rev() {
        acc = ref_rem(&ref_mul(&acc, &acc), n);
        if (e >> i) & 1 == 1 {
            acc = ref_rem(&ref_mul(&acc, s), n);
        }
    }
    acc
}

fn be_bytes(limbs: &[u32]) -> Vec<u8> {
    limbs.iter().rev().flat_map(|l| l.to_be_bytes()).collect()
}

/// An odd modulus of `len` limbs with its top limb non-zero.
fn random_modulus(rng: &mut Rng, len: usize) -> Vec<u32> {
    let mut n = rng.limbs(len);
    n[0] |= 1;
    n[len - 1] |= 1 << (rng.next() % 32);
    n
}

/// Moduli of awkward shapes next to random ones: all ones (the reduction's top limb is used
/// most), a single set bit at the top (R only just above n), and one limb.
fn moduli(rng: &mut Rng) -> Vec<Vec<u32>> {
    let mut all = vec![
        vec![3],
        vec![0xffff_ffff],
        vec![0xffff_ffff; 64],
        {
            let mut n = vec![0u32; 64];
            n[0] = 1;
            n[63] = 0x8000_0000;
            n
        },
        {
            let mut n = vec![0u32; 65];
            n[0] = 0xffff_fffd;
            n[64] = 1;
            n
        },
    ];
    for len in [1, 2, 3, 8, 64, 96] {
        all.push(random_modulus(rng, len));
    }
    all
}

#[test]
fn mont_mul_is_a_times_b_over_r() {
    let mut rng = Rng(0x5eed_0001);
    for n in moduli(&mut rng) {
        let modulus = Modulus::from_be_bytes(&be_bytes(&n)).unwrap();
        assert_eq!(modulus.limbs(), n.as_slice());
        let len = n.len();
        let mut n_minus_1 = n.clone();
        n_minus_1[0] -= 1;
        let mut operands = vec![vec![0u32; len], n_minus_1.clone()];
        for _ in 0..3 {
            operands.push(ref_rem(&rng.limbs(len), &n));
        }
        for a in &operands {
            for b in [&n_minus_1, &operands[operands.len() - 1], a] {
                let got = modulus.mont_mul(a, b);
                // got·R ≡ a·b (mod n), and got < n.
                let mut shifted = vec![0u32; len];
                shifted.extend_from_slice(&got);
                assert_eq!(ref_rem(&shifted, &n), ref_rem(&ref_mul(a, b), &n), "{n:x?}");
                assert_eq!(ref_rem(&got, &n), got, "not fully reduced: {n:x?}");
            }
        }
    }
}

#[test]
fn square_is_a_times_a() {
    let mut rng = Rng(0x5eed_0004);
    for len in [1, 2, 3, 7, 64, 65, 96] {
        let mut operands = vec![vec![0u32; len], vec![0xffff_ffff; len], {
            let mut one = vec![0u32; len];
            one[0] = 1;
            one
        }];
        // A single top bit, and every limb with its top bit set: the doubling's carries.
        operands.push({
            let mut x = vec![0u32; len];
            x[len - 1] = 0x8000_0000;
            x
        });
        operands.push(vec![0x8000_0001; len]);
        for _ in 0..4 {
            operands.push(rng.limbs(len));
        }
        for a in &operands {
            assert_eq!(square(a), ref_mul(a, a), "{a:x?}");
        }
    }
}

#[test]
fn mont_sqr_is_mont_mul_of_a_and_a() {
    let mut rng = Rng(0x5eed_0005);
    for n in moduli(&mut rng) {
        let modulus = Modulus::from_be_bytes(&be_bytes(&n)).unwrap();
        let len = n.len();
        let mut one = vec![0u32; len];
        one[0] = 1;
        let mut n_minus_1 = n.clone();
        n_minus_1[0] -= 1;
        // All-ones limbs below the top one (less than n, whose top limb is not zero), and all
        // ones reduced mod n.
        let mut low_ones = vec![0xffff_ffff; len];
        low_ones[len - 1] = 0;
        let mut operands = vec![
            vec![0u32; len],
            one,
            n_minus_1,
            low_ones,
            ref_rem(&vec![0xffff_ffff; len], &n),
            modulus.r2().to_vec(),
        ];
        for _ in 0..8 {
            operands.push(ref_rem(&rng.limbs(len), &n));
        }
        for a in &operands {
            let got = modulus.mont_sqr(a);
            assert_eq!(got, modulus.mont_mul(a, a), "{a:x?} mod {n:x?}");
            // And against the reference, as for mont_mul: got·R ≡ a² (mod n), got < n.
            let mut shifted = vec![0u32; len];
            shifted.extend_from_slice(&got);
            assert_eq!(ref_rem(&shifted, &n), ref_rem(&ref_mul(a, a), &n), "{n:x?}");
            assert_eq!(ref_rem(&got, &n), got, "not fully reduced: {n:x?}");
        }
    }
}

#[test]
fn r2_is_r_squared_mod_n() {
    let mut rng = Rng(0x5eed_0002);
    for n in moduli(&mut rng) {
        let modulus = Modulus::from_be_bytes(&be_bytes(&n)).unwrap();
        let mut r2 = vec![0u32; 2 * n.len()];
        r2.push(1);
        assert_eq!(modulus.r2(), ref_rem(&r2, &n).as_slice(), "{n:x?}");
    }
}

#[test]
fn pow_is_square_and_multiply() {
    let mut rng = Rng(0x5eed_0003);
    for n in moduli(&mut rng) {
        let modulus = Modulus::from_be_bytes(&be_bytes(&n)).unwrap();
        let s = ref_rem(&rng.limbs(n.len()), &n);
        // Long exponents only on short moduli: the reference is slow.
        let exponents: &[u64] = if n.len() <= 8 {
            &[0, 1, 2, 3, 4, 5, 17, 65_537, 65_538, (1 << 33) - 1]
        } else {
            &[3, 65_537, 65_538]
        };
        for &e in exponents {
            assert_eq!(modulus.pow(&s, e), ref_pow(&s, e, &n), "e = {e}, {n:x?}");
        }
    }
}

#[test]
fn moduli_must_be_odd_and_above_one() {
    for bad in [&[][..], &[0], &[0, 0], &[1], &[0, 1], &[2], &[1, 0]] {
        assert_eq!(Modulus::from_be_bytes(bad), None, "{bad:?}");
    }
    assert!(Modulus::from_be_bytes(&[0, 0, 3]).is_some());
}

#[test]
fn reading_and_writing_big_endian() {
    let modulus = Modulus::from_be_bytes(&[0x01, 0, 0, 0, 0x01]).unwrap(); // 2^32 + 1
    assert_eq!(modulus.len(), 2);
    assert_eq!(
        modulus.reduced_from_be(&[0x01, 0, 0, 0, 0x00]),
        Some(vec![0, 1])
    );
    assert_eq!(
        modulus.reduced_from_be(&[0, 0, 0, 0, 0, 0, 0x05]),
        Some(vec![5, 0])
    );
    assert_eq!(modulus.reduced_from_be(&[]), Some(vec![0, 0]));
    assert_eq!(modulus.reduced_from_be(&[0x01, 0, 0, 0, 0x01]), None); // = n
    assert_eq!(
        modulus.reduced_from_be(&[0x01, 0, 0, 0, 0, 0, 0, 0, 0]),
        None
    ); // > n
    assert_eq!(
        to_be_bytes(&[0x0102_0304, 0x05], 5),
        Some(vec![5, 1, 2, 3, 4])
    );
    assert_eq!(
        to_be_bytes(&[0x0102_0304, 0x05], 8),
        Some(vec![0, 0, 0, 5, 1, 2, 3, 4])
    );
    assert_eq!(to_be_bytes(&[0x0102_0304, 0x05], 4), None);
}

/// A 2048-bit odd modulus, big-endian: 0xc5 then 254 bytes of 0x5a, then 0x01.
fn n_2048() -> Vec<u8> {
    let mut n = vec![0xc5];
    n.extend(std::iter::repeat_n(0x5a, 254));
    n.push(0x01);
    n
}

#[test]
fn bad_keys_give_the_exact_error() {
    let n = n_2048();
    let e = [0x01, 0x00, 0x01];
    let short = {
        let mut n = n.clone();
        n[0] = 0x7f; // 2047 bits
        n
    };
    let long = {
        let mut n = vec![0x01]; // 8193 bits
        n.extend(std::iter::repeat_n(0x5a, 1024));
        n.push(0x01);
        n
    };
    let even = {
        let mut n = n.clone();
        n[255] = 0x02;
        n
    };
    let cases: &[(&[u8], &[u8], KeyError)] = &[
        (&short, &e, KeyError::ModulusTooShort),
        (&[], &e, KeyError::ModulusTooShort),
        (&long, &e, KeyError::ModulusTooLong),
        (&even, &e, KeyError::EvenModulus),
        (&n, &[0x01], KeyError::Exponent),
        (&n, &[], KeyError::Exponent),
        (&n, &[0x01, 0x00, 0x00], KeyError::Exponent), // even
        (&n, &[0x02, 0x00, 0x00, 0x00, 0x01], KeyError::Exponent), // 2^33 + 1
        (&n, &[0x01, 0, 0, 0, 0, 0, 0, 0, 0x01], KeyError::Exponent), // nine octets
    ];
    for (n, e, expected) in cases {
        assert_eq!(PublicKey::new(n, e), Err(*expected), "{expected:?}");
    }
    // Leading zero octets are ignored, on both; 3 and 2^33 − 1 are the bounds.
    let mut padded = vec![0, 0];
    padded.extend_from_slice(&n);
    let key = PublicKey::new(&padded, &[0, 0, 0x01, 0x00, 0x01]).unwrap();
    assert_eq!((key.modulus(), key.exponent()), (n.as_slice(), 65_537));
    assert!(PublicKey::new(&n, &[3]).is_ok());
    assert!(PublicKey::new(&n, &[0x01, 0xff, 0xff, 0xff, 0xff]).is_ok());
}

#[test]
fn the_encoding_is_the_rfcs() {
    let digest = [0xabu8; 32];
    let em = encode(Hash::Sha256, &digest, 256).unwrap();
    assert_eq!(em.len(), 256);
    assert_eq!(em[..2], [0x00, 0x01]);
    let ps_end = 256 - 32 - SHA256_DIGEST_INFO.len() - 1;
    assert!(em[2..ps_end].iter().all(|&b| b == 0xff));
    assert_eq!(em[ps_end], 0x00);
    assert_eq!(em[ps_end + 1..256 - 32], *SHA256_DIGEST_INFO);
    assert_eq!(em[256 - 32..], digest);
    // RFC 8017 §9.2 note 1's DigestInfo for SHA-1, then the hash.
    let em = encode(Hash::Sha1, &[0xcd; 20], 256).unwrap();
    assert_eq!(em[256 - 35..256 - 20], *SHA1_DIGEST_INFO);
    // A digest of the wrong length, or a k without room for eight 0xff octets.
    assert_eq!(encode(Hash::Sha256, &[0; 20], 256), None);
    assert_eq!(encode(Hash::Sha1, &[0; 32], 256), None);
    assert_eq!(encode(Hash::Sha256, &digest, 32 + 19 + 3 + 7), None);
    assert!(encode(Hash::Sha256, &digest, 32 + 19 + 3 + 8).is_some());
}

#[test]
fn signatures_of_the_wrong_length_or_out_of_range_are_refused() {
    let n = n_2048();
    let key = PublicKey::new(&n, &[0x01, 0x00, 0x01]).unwrap();
    let digest = [0u8; 32];
    for sig in [
        vec![],
        vec![0x01; 255],
        vec![0x01; 257],
        n.clone(),
        vec![0xff; 256],
    ] {
        assert_eq!(
            key.verify(Hash::Sha256, &digest, &sig),
            Err(InvalidSignature),
            "{}",
            sig.len()
        );
    }
    // s = 1 and s = 0 are in range: they just do not verify.
    let mut one = vec![0u8; 256];
    one[255] = 1;
    assert_eq!(
        key.verify(Hash::Sha256, &digest, &one),
        Err(InvalidSignature)
    );
    assert_eq!(
        key.verify(Hash::Sha256, &digest, &[0u8; 256]),
        Err(InvalidSignature)
    );
}
