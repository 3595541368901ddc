#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Per-operation cost of Bio's ES256 verification next to webauthn-rs-core on the same
//! ceremonies, of the bare p256 signature check those ceremonies bottom out in, and of Bio's
//! own ES256 arithmetic (`webauthn::es256`, which Bio's ceremonies use) on the same signature;
//! and of an RS256 assertion, with Bio's own RSASSA-PKCS1-v1_5 check (`src/webauthn/rsassa`)
//! next to the `rsa` 0.10 crate's on the same signature.
//!
//! `harness = false`, timed in-process with `std::time::Instant`, so the same binary runs
//! natively (`cargo bench --target x86_64-unknown-linux-gnu --bench verify`) and as wasm32-wasip1
//! under Viceroy (`cargo bench --bench verify`). Each row: a short warm-up, then batches until
//! ~`BUDGET` has passed; it prints the median and the best batch's time per op.
//!
//! What is timed per op, for both libraries alike: decoding the response JSON bytes and the
//! full ceremony (client data, authenticator data, COSE key, signature). Setting up the ceremony
//! state (webauthn-rs-core's challenge state, Bio's stored credential) is outside the timing.
//! The bare RS256 rows time the signature check from the key's `n`, `e` and the message's
//! SHA-256, with the key built inside the timing ("key + verify", what a sign-in pays, since the
//! stored COSE key is decoded per request) or outside it ("verify").

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use bio::webauthn::rsassa;
use bio::webauthn::{
    AuthenticationResponseJson, RegistrationResponseJson, RelyingParty, StoredCredential,
    verify_authentication, verify_registration,
};
use p256::ecdsa::signature::Verifier as _;
use sha2::{Digest as _, Sha256};
use support::authenticator::{Alg, Fmt, SoftAuthenticator, sha256};
use support::reference::Reference;
use webauthn_rs_core::proto::{PublicKeyCredential, RegisterPublicKeyCredential};

const RP_ID: &str = "bio.example";
const ORIGIN: &str = "https://bio.example";
const BUDGET: Duration = Duration::from_millis(1500);

struct Row {
    name: &'static str,
    median_us: f64,
    best_us: f64,
    ops: u64,
}

fn time(name: &'static str, mut op: impl FnMut()) -> Row {
    // Warm-up: caches, lazy tables (p256's precomputed basepoint tables), allocator.
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_millis(200) {
        op();
    }
    // Batch size: ~10 ms per batch.
    let probe = Instant::now();
    let mut n = 0u64;
    while probe.elapsed() < Duration::from_millis(10) {
        op();
        n += 1;
    }
    let batch = n.max(1);
    let mut per_op = Vec::new();
    let start = Instant::now();
    while start.elapsed() < BUDGET || per_op.len() < 5 {
        let t = Instant::now();
        for _ in 0..batch {
            op();
        }
        per_op.push(t.elapsed().as_secs_f64() * 1e6 / batch as f64);
    }
    per_op.sort_by(f64::total_cmp);
    Row {
        name,
        median_us: per_op[per_op.len() / 2],
        best_us: per_op[0],
        ops: batch * per_op.len() as u64,
    }
}

fn main() {
    let origins = vec![ORIGIN.to_owned()];
    let rp = RelyingParty {
        rp_id: RP_ID,
        origins: &origins,
        require_user_verification: false,
    };
    let reference = Reference::new(RP_ID, &origins, false);

    // One ES256 credential, registered with attestation "none", and one assertion from it.
    let mut a = SoftAuthenticator::new(Alg::Es256, 0xBE7C);
    let reg_challenge = a.random_bytes(32);
    let reg_json = a.register(RP_ID, ORIGIN, &reg_challenge, b"bench-user", Fmt::None);
    let reg_bytes = serde_json::to_vec(&reg_json).unwrap();
    let auth_challenge = a.random_bytes(32);
    let auth_json = a.authenticate(RP_ID, ORIGIN, &auth_challenge);
    let auth_bytes = serde_json::to_vec(&auth_json).unwrap();
    let cose = a.public_key_cose();
    let id = a.credential_id().to_vec();

    // Both verifiers must accept before anything is timed.
    let parsed = RegistrationResponseJson::from_slice(&reg_bytes).unwrap();
    let record = verify_registration(&rp, &reg_challenge, &parsed).unwrap();
    assert_eq!(record.public_key_cose, cose);
    let stored = StoredCredential {
        id: &id,
        public_key_cose: &cose,
        sign_count: 0,
        backup_eligible: Some(false),
        user_handle: Some(b"bench-user"),
    };
    let parsed = AuthenticationResponseJson::from_slice(&auth_bytes).unwrap();
    verify_authentication(&rp, &auth_challenge, &parsed, &stored).unwrap();

    let reg_state = reference.registration_state(&reg_challenge).unwrap();
    let wrs_cred = reference
        .core()
        .register_credential(
            &serde_json::from_slice(&reg_bytes).unwrap(),
            &reg_state,
            None,
        )
        .unwrap();
    let auth_state = reference
        .authentication_state(&auth_challenge, &wrs_cred)
        .unwrap();
    reference
        .core()
        .authenticate_credential(&serde_json::from_slice(&auth_bytes).unwrap(), &auth_state)
        .unwrap();

    // The bare signature check of the same assertion: authData ‖ SHA-256(clientDataJSON).
    let b64 = |p: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(auth_json["response"][p].as_str().unwrap())
            .unwrap()
    };
    let signed = [
        b64("authenticatorData"),
        sha256(&b64("clientDataJSON")).to_vec(),
    ]
    .concat();
    let sig_der = b64("signature");
    let spki_point = {
        let key = a.public_key_spki();
        key[key.len() - 65..].to_vec()
    };
    let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(&spki_point).unwrap();

    // One RS256 credential (2048-bit key) and one assertion from it.
    let mut r = SoftAuthenticator::new(Alg::Rs256, 0xBE7D);
    let rs_challenge = r.random_bytes(32);
    let rs_json = r.authenticate(RP_ID, ORIGIN, &rs_challenge);
    let rs_bytes = serde_json::to_vec(&rs_json).unwrap();
    let rs_cose = r.public_key_cose();
    let rs_id = r.credential_id().to_vec();
    let rs_user = r.user_handle().to_vec();
    let rs_stored = StoredCredential {
        id: &rs_id,
        public_key_cose: &rs_cose,
        sign_count: 0,
        backup_eligible: Some(false),
        user_handle: Some(&rs_user),
    };
    let parsed = AuthenticationResponseJson::from_slice(&rs_bytes).unwrap();
    verify_authentication(&rp, &rs_challenge, &parsed, &rs_stored).unwrap();
    let rs_b64 = |p: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(rs_json["response"][p].as_str().unwrap())
            .unwrap()
    };
    let rs_digest = Sha256::new()
        .chain_update(rs_b64("authenticatorData"))
        .chain_update(sha256(&rs_b64("clientDataJSON")))
        .finalize();
    let rs_sig = rs_b64("signature");
    let cose_key = bio::webauthn::cbor::decode_exact(&rs_cose).unwrap();
    let rs_n = cose_key
        .get_int_key(-1)
        .unwrap()
        .as_bytes()
        .unwrap()
        .to_vec();
    let rs_e = cose_key
        .get_int_key(-2)
        .unwrap()
        .as_bytes()
        .unwrap()
        .to_vec();
    let rsa_key = |n: &[u8], e: &[u8]| {
        rsa::RsaPublicKey::new(
            rsa::BoxedUint::from_be_slice_vartime(n),
            rsa::BoxedUint::from_be_slice_vartime(e),
        )
        .unwrap()
    };
    let bio_rs_key = rsassa::PublicKey::new(&rs_n, &rs_e).unwrap();
    let crate_rs_key = rsa_key(&rs_n, &rs_e);
    let pkcs1 = || rsa::Pkcs1v15Sign::new::<Sha256>();
    bio_rs_key
        .verify(rsassa::Hash::Sha256, &rs_digest, &rs_sig)
        .unwrap();
    crate_rs_key.verify(pkcs1(), &rs_digest, &rs_sig).unwrap();

    // One EdDSA credential and one assertion from it; the bare check is ed25519-dalek's
    // verify_strict, which is what Bio's COSE path calls.
    let mut ed = SoftAuthenticator::new(Alg::EdDsa, 0xBE7E);
    let ed_challenge = ed.random_bytes(32);
    let ed_json = ed.authenticate(RP_ID, ORIGIN, &ed_challenge);
    let ed_bytes = serde_json::to_vec(&ed_json).unwrap();
    let ed_cose = ed.public_key_cose();
    let ed_id = ed.credential_id().to_vec();
    let ed_user = ed.user_handle().to_vec();
    let ed_stored = StoredCredential {
        id: &ed_id,
        public_key_cose: &ed_cose,
        sign_count: 0,
        backup_eligible: Some(false),
        user_handle: Some(&ed_user),
    };
    let parsed = AuthenticationResponseJson::from_slice(&ed_bytes).unwrap();
    verify_authentication(&rp, &ed_challenge, &parsed, &ed_stored).unwrap();
    let ed_b64 = |p: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(ed_json["response"][p].as_str().unwrap())
            .unwrap()
    };
    let ed_signed = [
        ed_b64("authenticatorData"),
        sha256(&ed_b64("clientDataJSON")).to_vec(),
    ]
    .concat();
    let ed_sig = ed25519_dalek::Signature::from_slice(&ed_b64("signature")).unwrap();
    let ed_key = {
        let spki = ed.public_key_spki();
        let raw: [u8; 32] = spki[spki.len() - 32..].try_into().unwrap();
        ed25519_dalek::VerifyingKey::from_bytes(&raw).unwrap()
    };
    ed_key.verify_strict(&ed_signed, &ed_sig).unwrap();

    let rows = [
        time("registration (none)  Bio", || {
            let r = RegistrationResponseJson::from_slice(black_box(&reg_bytes)).unwrap();
            black_box(verify_registration(&rp, &reg_challenge, &r).unwrap());
        }),
        time("registration (none)  webauthn-rs-core", || {
            let r: RegisterPublicKeyCredential =
                serde_json::from_slice(black_box(&reg_bytes)).unwrap();
            black_box(
                reference
                    .core()
                    .register_credential(&r, &reg_state, None)
                    .unwrap(),
            );
        }),
        time("authentication       Bio", || {
            let r = AuthenticationResponseJson::from_slice(black_box(&auth_bytes)).unwrap();
            black_box(verify_authentication(&rp, &auth_challenge, &r, &stored).unwrap());
        }),
        time("authentication       webauthn-rs-core", || {
            let r: PublicKeyCredential = serde_json::from_slice(black_box(&auth_bytes)).unwrap();
            black_box(
                reference
                    .core()
                    .authenticate_credential(&r, &auth_state)
                    .unwrap(),
            );
        }),
        time("ES256 verify         p256 (bare)", || {
            let sig = p256::ecdsa::Signature::from_der(black_box(&sig_der)).unwrap();
            vk.verify(black_box(&signed), &sig).unwrap();
        }),
        time("ES256 verify         Bio es256 (alone)", || {
            let sig = p256::ecdsa::Signature::from_der(black_box(&sig_der)).unwrap();
            assert!(bio::webauthn::es256::verify(
                &vk,
                &[black_box(&signed)],
                &sig
            ));
        }),
        time("EdDSA authentication Bio", || {
            let r = AuthenticationResponseJson::from_slice(black_box(&ed_bytes)).unwrap();
            black_box(verify_authentication(&rp, &ed_challenge, &r, &ed_stored).unwrap());
        }),
        time("EdDSA verify         ed25519-dalek (bare)", || {
            ed_key
                .verify_strict(black_box(&ed_signed), black_box(&ed_sig))
                .unwrap();
        }),
        time("RS256 authentication Bio", || {
            let r = AuthenticationResponseJson::from_slice(black_box(&rs_bytes)).unwrap();
            black_box(verify_authentication(&rp, &rs_challenge, &r, &rs_stored).unwrap());
        }),
        time("RS256 key + verify   Bio rsassa", || {
            let key = rsassa::PublicKey::new(black_box(&rs_n), black_box(&rs_e)).unwrap();
            key.verify(
                rsassa::Hash::Sha256,
                black_box(&rs_digest),
                black_box(&rs_sig),
            )
            .unwrap();
        }),
        time("RS256 key + verify   rsa 0.10", || {
            let key = rsa_key(black_box(&rs_n), black_box(&rs_e));
            key.verify(pkcs1(), black_box(&rs_digest), black_box(&rs_sig))
                .unwrap();
        }),
        time("RS256 verify         Bio rsassa", || {
            bio_rs_key
                .verify(
                    rsassa::Hash::Sha256,
                    black_box(&rs_digest),
                    black_box(&rs_sig),
                )
                .unwrap();
        }),
        time("RS256 verify         rsa 0.10", || {
            crate_rs_key
                .verify(pkcs1(), black_box(&rs_digest), black_box(&rs_sig))
                .unwrap();
        }),
    ];

    let target = if cfg!(target_arch = "wasm32") {
        "wasm32-wasip1"
    } else {
        std::env::consts::ARCH
    };
    println!(
        "\nVerification, per op ({target}, {} profile)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    println!(
        "| {:<40} | {:>12} | {:>12} | {:>8} |",
        "operation", "median µs", "best µs", "ops"
    );
    println!("|{:-<42}|{:->14}|{:->14}|{:->10}|", "", "", "", "");
    for r in &rows {
        println!(
            "| {:<40} | {:>12.1} | {:>12.1} | {:>8} |",
            r.name, r.median_us, r.best_us, r.ops
        );
    }
}
