//! Runs every ceremony vector in `tests/vectors/*.json` (embedded at build time by `build.rs`,
//! so it also runs under wasm32 without a filesystem) through the verifier.
//!
//! An `ok` vector passes when the ceremony succeeds and the `expected` fields match; an `error`
//! vector passes when the ceremony fails with an error of its `error` class. `ok` vectors of
//! attestation formats not implemented yet are KNOWN_FAILURES: they must still fail (with the
//! `attestation` class), and the harness fails if one starts passing so the list stays honest.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{Vector, b64};

/// `ok` registration vectors whose attestation format (or packed with `x5c`) is not
/// implemented yet: the verifier refuses them, as it should until it can check them.
const KNOWN_FAILURES: &[&str] = &[
    // packed with x5c
    "py-webauthn-packed-x5c-eddsa-yubikey5-registration.json",
    "py-webauthn-packed-x5c-es256-yubikey-firefox-registration.json",
    "simplewebauthn-packed-x5c-es256-yubikey-registration.json",
    "webauthn-rs-packed-x5c-es256-yubikey-5-aaguid-extension-registration.json",
    "webauthn-rs-packed-x5c-es256-yubikey-5-nfc-credprotect-registration.json",
    "webauthn-rs-packed-x5c-es256-yubikey-5ci-ipados-registration.json",
    // tpm
    "py-webauthn-tpm-rs256-dell-xps13-registration.json",
    "py-webauthn-tpm-rs256-lenovo-x1-carbon-registration.json",
    "py-webauthn-tpm-rs256-surface-pro4-registration.json",
    "simplewebauthn-tpm-es256-nuvoton-registration.json",
    "simplewebauthn-tpm-rs256-nuvoton-registration.json",
    "simplewebauthn-tpm-rs256-stmicro-registration.json",
    "webauthn-rs-tpm-es256-windows-hello-registration.json",
    "webauthn-rs-tpm-rs256-windows-hello-registration.json",
    // android-key
    "simplewebauthn-android-key-es256-galaxy-s9-registration.json",
    "simplewebauthn-android-key-es256-pixel-8a-registration.json",
    // android-safetynet
    "webauthn-rs-android-safetynet-es256-registration.json",
    // apple
    "py-webauthn-apple-es256-passkey-registration.json",
    "simplewebauthn-apple-es256-ios14-registration.json",
    "webauthn-rs-apple-es256-macos-touchid-registration.json",
];

/// Compares the `expected` fields of an `ok` registration vector; returns what differs.
fn expected_mismatches(v: &Vector, record: &bio::webauthn::CredentialRecord) -> Vec<String> {
    let Some(expected) = v.json.get("expected") else { return Vec::new() };
    let mut out = Vec::new();
    let mut check = |field: &str, want: &serde_json::Value, got: serde_json::Value| {
        if *want != got {
            out.push(format!("{field}: expected {want}, got {got}"));
        }
    };
    for (field, want) in expected.as_object().unwrap() {
        match field.as_str() {
            "credential_id" => {
                let same = b64(want) == record.id;
                check(field, &serde_json::Value::Bool(true), serde_json::Value::Bool(same));
            }
            "alg" => check(field, want, record.alg.into()),
            "sign_count" => check(field, want, record.sign_count.into()),
            "uv" => check(field, want, record.user_verified.into()),
            "be" => check(field, want, record.backup_eligible.into()),
            "bs" => check(field, want, record.backup_state.into()),
            "aaguid" => check(field, want, record.aaguid_string().into()),
            _ => {}
        }
    }
    out
}

#[test]
fn vectors() {
    let (mut passed, mut failed, mut known) = (0, 0, 0);
    for v in Vector::all() {
        let known_failure = KNOWN_FAILURES.contains(&v.file);
        let outcome = v.run();
        let problem: Option<String> = match (v.expect_ok(), &outcome) {
            (true, Ok(record)) if known_failure => {
                let _ = record;
                Some("now passes: remove it from KNOWN_FAILURES".into())
            }
            (true, Ok(Some(record))) => {
                let diffs = expected_mismatches(&v, record);
                (!diffs.is_empty()).then(|| diffs.join("; "))
            }
            (true, Ok(None)) => None,
            (true, Err(e)) if known_failure && e.class() == "attestation" => {
                known += 1;
                continue;
            }
            (true, Err(e)) => Some(format!("expected ok, got {} ({}: {e})", e.class(), e.code())),
            (false, Ok(_)) => Some(format!("expected {}, got ok", v.json["error"])),
            (false, Err(e)) => {
                let want = v.json["error"].as_str().unwrap_or("?");
                (e.class() != want).then(|| format!("expected {want}, got {} ({}: {e})", e.class(), e.code()))
            }
        };
        match problem {
            None => passed += 1,
            Some(why) => {
                failed += 1;
                println!("FAIL {}: {why}", v.file);
            }
        }
    }
    println!("vectors: {passed} passed, {failed} failed, {known} known-failing");
    assert_eq!(failed, 0);
}

#[test]
fn known_failures_are_real_files() {
    let files: Vec<&str> = common::VECTORS.iter().map(|(f, _)| *f).collect();
    for k in KNOWN_FAILURES {
        assert!(files.contains(k), "{k} is not a vector file");
    }
}
