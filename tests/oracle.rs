#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The differential oracle: Bio's verifier and webauthn-rs-core 0.6 must reach the same verdict
//! (accept / reject) on every ceremony, or the disagreement must be on the fixed, named list
//! `KNOWN_DISAGREEMENTS` (tests/support/ceremonies.rs), each entry citing the spec step or the
//! library policy behind it. Any other disagreement fails, naming the ceremony.
//!
//! Ceremonies: seeded base ceremonies (ES256, EdDSA, RS256; none / packed self / fido-u2f) from
//! the software authenticator, each put through a systematic catalogue of one-field mutations;
//! and every recorded vector in `tests/vectors/*.json`.
//!
//! Seed: `BIO_ORACLE_SEED` (decimal or 0x-hex) on the host; a fixed default otherwise (and
//! always under wasm, which has no environment). The seed is printed so a failure reproduces.

mod support;

use bio::webauthn::{
    AuthenticationResponseJson, RegistrationResponseJson, RelyingParty, StoredCredential,
    verify_authentication, verify_registration,
};
use support::ceremonies::{
    Ceremony, Expect, Kind, Stricter, from_vector, generate, known_disagreement,
};

const DEFAULT_SEED: u64 = 0x0B10_0AC1E;
/// Base ceremonies per run; each yields ~95 mutated ceremonies (≥ 1,000 in all).
const BASES: usize = 15;

fn seed() -> u64 {
    let parsed = std::env::var("BIO_ORACLE_SEED").ok().and_then(|s| {
        let s = s.trim();
        match s.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).ok(),
            None => s.parse().ok(),
        }
    });
    parsed.unwrap_or(DEFAULT_SEED)
}

/// Bio's verdict: `Ok(())` or the error's class and code.
fn bio_verdict(c: &Ceremony) -> Result<(), String> {
    let rp = RelyingParty {
        rp_id: &c.rp_id,
        origins: &c.origins,
        require_user_verification: c.require_uv,
    };
    let bytes = serde_json::to_vec(&c.response).unwrap();
    let describe = |e: bio::webauthn::Error| format!("{} ({})", e.class(), e.code());
    match c.kind {
        Kind::Registration => {
            let r = RegistrationResponseJson::from_slice(&bytes).map_err(describe)?;
            verify_registration(&rp, &c.challenge, &r)
                .map(|_| ())
                .map_err(describe)
        }
        Kind::Authentication => {
            let s = c
                .stored
                .as_ref()
                .expect("authentication ceremonies carry a stored credential");
            let stored = StoredCredential {
                id: &s.id,
                public_key_cose: &s.public_key_cose,
                sign_count: s.sign_count,
                backup_eligible: s.backup_eligible,
                user_handle: s.user_handle.as_deref(),
            };
            let r = AuthenticationResponseJson::from_slice(&bytes).map_err(describe)?;
            verify_authentication(&rp, &c.challenge, &r, &stored)
                .map(|_| ())
                .map_err(describe)
        }
    }
}

#[derive(Default)]
struct Tally {
    agreed: usize,
    tolerated: std::collections::BTreeMap<&'static str, usize>,
    unlisted: Vec<String>,
    /// Bio rejected as the spec requires, but with another class than SCHEMA.md pins.
    class_mismatch: Vec<String>,
    /// Both verifiers reached a verdict the spec contradicts.
    both_off_spec: Vec<String>,
}

fn compare(c: &Ceremony, t: &mut Tally) {
    let bio = bio_verdict(c);
    let reference = support::reference::verdict(c);
    match (&bio, &reference) {
        (Ok(()), Ok(())) | (Err(_), Err(_)) => t.agreed += 1,
        (Err(_), Ok(())) | (Ok(()), Err(_)) => {
            let stricter = if bio.is_err() {
                Stricter::Bio
            } else {
                Stricter::Reference
            };
            match known_disagreement(c, stricter) {
                Some(k) => *t.tolerated.entry(k.mutation).or_default() += 1,
                None => t.unlisted.push(format!(
                    "{}: Bio {:?}, webauthn-rs-core {:?} (spec: {:?})",
                    c.name, bio, reference, c.expect
                )),
            }
        }
    }
    match (&c.expect, &bio, &reference) {
        (Expect::Reject(Some(class)), Err(e), _) if !e.starts_with(class) => {
            t.class_mismatch
                .push(format!("{}: expected {class}, Bio {e}", c.name));
        }
        (Expect::Accept, Err(_), Err(_)) | (Expect::Reject(_), Ok(()), Ok(())) => {
            t.both_off_spec.push(format!(
                "{}: spec {:?}, Bio {:?}, webauthn-rs-core {:?}",
                c.name, c.expect, bio, reference
            ));
        }
        _ => {}
    }
}

fn report(what: &str, total: usize, t: &Tally) {
    println!(
        "{what}: {total} ceremonies, {} agreed, {} tolerated disagreements",
        t.agreed,
        t.tolerated.values().sum::<usize>()
    );
    for (m, n) in &t.tolerated {
        println!("  tolerated {m}: {n}");
    }
    for line in &t.class_mismatch {
        println!("  class: {line}");
    }
    for line in &t.both_off_spec {
        println!("  both off spec: {line}");
    }
}

#[test]
fn bio_agrees_with_webauthn_rs_core_on_generated_ceremonies() {
    let seed = seed();
    println!("BIO_ORACLE_SEED={seed:#x}");
    let ceremonies = generate(seed, BASES);
    assert!(
        ceremonies.len() >= 1000,
        "only {} ceremonies",
        ceremonies.len()
    );
    let mut t = Tally::default();
    for c in &ceremonies {
        compare(c, &mut t);
    }
    report("generated", ceremonies.len(), &t);
    assert!(
        t.unlisted.is_empty(),
        "seed {seed:#x}: {} unlisted disagreements:\n{}",
        t.unlisted.len(),
        t.unlisted.join("\n")
    );
    assert!(
        t.both_off_spec.is_empty(),
        "seed {seed:#x}: both verifiers off spec:\n{}",
        t.both_off_spec.join("\n")
    );
}

// `(file name, contents)` of every tests/vectors/*.json, embedded by build.rs so this also
// runs under wasm, where there is no filesystem.
include!(concat!(env!("OUT_DIR"), "/vectors.rs"));

#[test]
fn bio_agrees_with_webauthn_rs_core_on_vectors() {
    assert!(!VECTORS.is_empty(), "no vectors embedded");
    let mut t = Tally::default();
    for (file, text) in VECTORS {
        let v: serde_json::Value =
            serde_json::from_str(text).unwrap_or_else(|e| panic!("{file}: {e}"));
        compare(&from_vector(&v), &mut t);
    }
    report("vectors", VECTORS.len(), &t);
    assert!(
        t.unlisted.is_empty(),
        "{} unlisted disagreements:\n{}",
        t.unlisted.len(),
        t.unlisted.join("\n")
    );
}
