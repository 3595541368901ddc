//! Runs every ceremony vector in `tests/vectors/*.json` (embedded at build time by `build.rs`,
//! so it also runs under wasm32 without a filesystem) through the verifier.
//!
//! An `ok` vector passes when the ceremony succeeds and the `expected` fields match; an `error`
//! vector passes when the ceremony fails with an error of its `error` class. Every attestation
//! format is implemented, so there are no known failures; the summary line keeps its
//! `known-failing` count (always 0) so that output stays comparable.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Vector, b64};

/// Compares the `expected` fields of an `ok` registration vector; returns what differs.
fn expected_mismatches(v: &Vector, record: &bio::webauthn::CredentialRecord) -> Vec<String> {
    let Some(expected) = v.json.get("expected") else {
        return Vec::new();
    };
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
                check(
                    field,
                    &serde_json::Value::Bool(true),
                    serde_json::Value::Bool(same),
                );
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
    let (mut passed, mut failed, known) = (0, 0, 0);
    for v in Vector::all() {
        let outcome = v.run();
        let problem: Option<String> = match (v.expect_ok(), &outcome) {
            (true, Ok(Some(record))) => {
                let diffs = expected_mismatches(&v, record);
                (!diffs.is_empty()).then(|| diffs.join("; "))
            }
            (true, Ok(None)) => None,
            (true, Err(e)) => Some(format!(
                "expected ok, got {} ({}: {e})",
                e.class(),
                e.code()
            )),
            (false, Ok(_)) => Some(format!("expected {}, got ok", v.json["error"])),
            (false, Err(e)) => {
                let want = v.json["error"].as_str().unwrap_or("?");
                (e.class() != want)
                    .then(|| format!("expected {want}, got {} ({}: {e})", e.class(), e.code()))
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
