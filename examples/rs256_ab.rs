#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! A measurement, not a tool: Bio's RS256 check (`src/webauthn/rsassa`) and the `rsa` 0.10
//! crate's, each with the key built from `n` and `e` inside the timing (what a sign-in pays),
//! timed one operation at a time and alternately, so both see the same machine. On a shared,
//! loaded machine the batch timings of `benches/verify.rs` swing by 2× between rows; a single
//! operation (~0.3 ms in wasm) mostly runs uninterrupted, and alternating them makes the ratio
//! of the fast percentiles a fair comparison. The signature is the first valid case of
//! Wycheproof's `rsa_signature_2048_sha256`.
//!
//! ```sh
//! cargo run --release --example rs256_ab -- 2000                                   # wasm, Viceroy
//! cargo run --release --example rs256_ab --target x86_64-unknown-linux-gnu -- 2000 # native
//! ```

use std::hint::black_box;
use std::time::Instant;

use bio::webauthn::rsassa;
use sha2::{Digest as _, Sha256};
use wycheproof::TestResult;
use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .map_or(1000, |arg| arg.parse().expect("a count of operations"));
    let set = TestSet::load(TestName::Rsa2048Sha256).unwrap();
    let group = &set.test_groups[0];
    let case = group
        .tests
        .iter()
        .find(|case| case.result == TestResult::Valid)
        .unwrap();
    // Wycheproof writes n as a DER INTEGER's content (a leading zero octet); the rsa crate
    // would take that as a 2056-bit modulus.
    let n: Vec<u8> = group
        .key
        .n
        .iter()
        .copied()
        .skip_while(|&b| b == 0)
        .collect();
    let e = group.key.e.to_vec();
    let sig = case.sig.to_vec();
    let digest = Sha256::digest(&*case.msg).to_vec();

    let bio = || {
        let key = rsassa::PublicKey::new(black_box(&n), black_box(&e)).unwrap();
        key.verify(rsassa::Hash::Sha256, black_box(&digest), black_box(&sig))
            .unwrap();
    };
    let crate_rsa = || {
        let key = rsa::RsaPublicKey::new(
            rsa::BoxedUint::from_be_slice_vartime(black_box(&n)),
            rsa::BoxedUint::from_be_slice_vartime(black_box(&e)),
        )
        .unwrap();
        key.verify(
            rsa::Pkcs1v15Sign::new::<Sha256>(),
            black_box(&digest),
            black_box(&sig),
        )
        .unwrap();
    };
    let micros = |op: &dyn Fn()| {
        let start = Instant::now();
        op();
        start.elapsed().as_secs_f64() * 1e6
    };
    for _ in 0..count / 10 {
        bio();
        crate_rsa();
    }
    let (mut ours, mut theirs) = (Vec::with_capacity(count), Vec::with_capacity(count));
    for _ in 0..count {
        ours.push(micros(&bio));
        theirs.push(micros(&crate_rsa));
    }
    ours.sort_by(f64::total_cmp);
    theirs.sort_by(f64::total_cmp);
    let at = |v: &[f64], q: f64| v[((v.len() - 1) as f64 * q) as usize];
    println!("RS256 key + verify, {count} single operations each, alternating, µs:");
    println!("| percentile | Bio rsassa | rsa 0.10 | ratio |");
    for (name, q) in [("min", 0.0), ("p10", 0.1), ("p50", 0.5)] {
        let (a, b) = (at(&ours, q), at(&theirs, q));
        println!("| {name} | {a:.1} | {b:.1} | {:.3} |", a / b);
    }
}
