#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Self-test of the software authenticator against the independent oracle, webauthn-rs-core:
//! what the authenticator makes must verify there (so flow tests and the differential oracle
//! start from ceremonies a second implementation accepts), and a forged field must not.
//!
//! webauthn-rs-core 0.6 cannot verify Ed25519 (its `COSEKey::validate` returns
//! `SshPublicKeyEDUnsupported`), so EdDSA output is checked here with ed25519-dalek's verifier
//! and serde_cbor_2's decoder instead: still nothing from the bio crate.

mod support;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value as Json;
use support::authenticator::{Alg, Fmt, Overrides, SoftAuthenticator, flags, sha256};
use support::reference::{Reference, Refusal};
use webauthn_rs_core::error::WebauthnError;

const RP_ID: &str = "bio.example";
const ORIGIN: &str = "https://bio.example";

fn rp() -> Reference {
    Reference::new(RP_ID, &[ORIGIN.to_owned()], false)
}

fn field(v: &Json, path: &[&str]) -> Vec<u8> {
    let mut cur = v;
    for p in path {
        cur = &cur[*p];
    }
    URL_SAFE_NO_PAD
        .decode(cur.as_str().expect("string member"))
        .expect("base64url")
}

#[test]
fn es256_and_rs256_register_and_authenticate_under_webauthn_rs_core() {
    let cases = [
        (Alg::Es256, Fmt::None),
        (Alg::Es256, Fmt::PackedSelf),
        (Alg::Es256, Fmt::FidoU2f),
        (Alg::Rs256, Fmt::None),
        (Alg::Rs256, Fmt::PackedSelf),
    ];
    for (i, (alg, fmt)) in cases.into_iter().enumerate() {
        let seed = 0xB10_0000 + i as u64;
        let mut a = SoftAuthenticator::with_key_seed(alg, seed, 1);
        let rp = rp();
        let challenge = a.random_bytes(32);
        let reg = a.register(RP_ID, ORIGIN, &challenge, b"user-1", fmt);
        let cred = rp.register(&challenge, &reg).unwrap_or_else(|e| {
            panic!("{alg:?}/{fmt:?}: webauthn-rs-core refused registration: {e:?}")
        });
        assert_eq!(
            cred.cred_id.as_slice(),
            a.credential_id(),
            "{alg:?}/{fmt:?}"
        );

        // The stored COSE key the authenticator reports is the one webauthn-rs-core extracted.
        let stored = rp
            .stored_credential(a.credential_id(), &a.public_key_cose(), 0, false)
            .unwrap();
        assert_eq!(stored.cred, cred.cred, "{alg:?}/{fmt:?}: COSE key");

        for n in 1..=3u32 {
            let challenge = a.random_bytes(32);
            let assertion = a.authenticate(RP_ID, ORIGIN, &challenge);
            let stored = rp
                .stored_credential(a.credential_id(), &a.public_key_cose(), n - 1, false)
                .unwrap();
            let counter = rp
                .authenticate(&challenge, &assertion, &stored)
                .unwrap_or_else(|e| panic!("{alg:?}/{fmt:?}: assertion {n} refused: {e:?}"));
            assert_eq!(counter, n);
            assert_eq!(a.sign_count(), n);
            assert_eq!(field(&assertion, &["response", "userHandle"]), b"user-1");
        }
    }
}

#[test]
fn forged_fields_are_refused_by_webauthn_rs_core() {
    let rp = rp();
    let mut a = SoftAuthenticator::new(Alg::Es256, 7);
    let challenge = a.random_bytes(32);
    let forged: Vec<(&str, Overrides)> = vec![
        (
            "type",
            Overrides {
                client_data_type: Some("webauthn.get".into()),
                ..Default::default()
            },
        ),
        (
            "challenge",
            Overrides {
                challenge: Some("AAAA".into()),
                ..Default::default()
            },
        ),
        (
            "origin",
            Overrides {
                origin: Some("https://evil.example".into()),
                ..Default::default()
            },
        ),
        (
            "rpIdHash",
            Overrides {
                rp_id_for_hash: Some("evil.example".into()),
                ..Default::default()
            },
        ),
        (
            "UP",
            Overrides {
                clear_flags: flags::UP,
                ..Default::default()
            },
        ),
        (
            "attestation signature",
            Overrides {
                corrupt_att_signature: true,
                ..Default::default()
            },
        ),
    ];
    for (what, o) in &forged {
        let fmt = if *what == "attestation signature" {
            Fmt::PackedSelf
        } else {
            Fmt::None
        };
        let reg = a.register_with(RP_ID, ORIGIN, &challenge, b"u", fmt, o);
        assert!(
            rp.register(&challenge, &reg).is_err(),
            "registration with forged {what} accepted"
        );
    }
    let stored = rp
        .stored_credential(a.credential_id(), &a.public_key_cose(), 0, false)
        .unwrap();
    let challenge = a.random_bytes(32);
    let bad = a.authenticate_with(
        RP_ID,
        ORIGIN,
        &challenge,
        &Overrides {
            corrupt_signature: true,
            ..Default::default()
        },
    );
    assert!(matches!(
        rp.authenticate(&challenge, &bad, &stored),
        Err(Refusal::Ceremony(
            WebauthnError::AuthenticationFailure | WebauthnError::SignatureInvalid
        ))
    ));
}

#[test]
fn eddsa_output_verifies_with_ed25519_dalek() {
    use ed25519_dalek::{Signature, VerifyingKey};
    let mut a = SoftAuthenticator::new(Alg::EdDsa, 42);
    let challenge = a.random_bytes(32);
    let reg = a.register(RP_ID, ORIGIN, &challenge, b"user-ed", Fmt::PackedSelf);

    // webauthn-rs-core 0.6 refuses every Ed25519 credential.
    assert!(matches!(
        rp().register(&challenge, &reg),
        Err(Refusal::Ceremony(WebauthnError::SshPublicKeyEDUnsupported))
    ));

    // Decode the attestation object with serde_cbor_2 and check it by hand.
    let att: serde_cbor_2::Value =
        serde_cbor_2::from_slice(&field(&reg, &["response", "attestationObject"])).unwrap();
    let serde_cbor_2::Value::Map(m) = att else {
        panic!("attestation object is a map")
    };
    let get = |k: &str| {
        m.get(&serde_cbor_2::Value::Text(k.into()))
            .expect(k)
            .clone()
    };
    assert_eq!(get("fmt"), serde_cbor_2::Value::Text("packed".into()));
    let serde_cbor_2::Value::Bytes(auth_data) = get("authData") else {
        panic!()
    };
    assert_eq!(auth_data, field(&reg, &["response", "authenticatorData"]));
    assert_eq!(&auth_data[..32], &sha256(RP_ID.as_bytes()));
    assert_eq!(auth_data[32], flags::UP | flags::UV | flags::AT);
    let id_len = u16::from_be_bytes([auth_data[53], auth_data[54]]) as usize;
    assert_eq!(&auth_data[55..55 + id_len], a.credential_id());
    assert_eq!(&auth_data[55 + id_len..], a.public_key_cose().as_slice());
    let serde_cbor_2::Value::Map(stmt) = get("attStmt") else {
        panic!()
    };
    let serde_cbor_2::Value::Bytes(sig) = stmt[&serde_cbor_2::Value::Text("sig".into())].clone()
    else {
        panic!()
    };

    let cose: serde_cbor_2::Value = serde_cbor_2::from_slice(&a.public_key_cose()).unwrap();
    let serde_cbor_2::Value::Map(cose) = cose else {
        panic!()
    };
    let serde_cbor_2::Value::Bytes(x) = cose[&serde_cbor_2::Value::Integer(-2)].clone() else {
        panic!()
    };
    let key = VerifyingKey::from_bytes(&x.try_into().unwrap()).unwrap();
    let cdh = sha256(&field(&reg, &["response", "clientDataJSON"]));
    let signed = [auth_data.as_slice(), &cdh].concat();
    key.verify_strict(&signed, &Signature::from_slice(&sig).unwrap())
        .unwrap();

    let challenge = a.random_bytes(32);
    let assertion = a.authenticate(RP_ID, ORIGIN, &challenge);
    let ad = field(&assertion, &["response", "authenticatorData"]);
    let cdj = field(&assertion, &["response", "clientDataJSON"]);
    let sig = field(&assertion, &["response", "signature"]);
    assert_eq!(u32::from_be_bytes(ad[33..37].try_into().unwrap()), 1);
    let cd: Json = serde_json::from_slice(&cdj).unwrap();
    assert_eq!(cd["type"], "webauthn.get");
    assert_eq!(cd["challenge"], URL_SAFE_NO_PAD.encode(&challenge));
    assert_eq!(cd["origin"], ORIGIN);
    key.verify_strict(
        &[ad.as_slice(), &sha256(&cdj)].concat(),
        &Signature::from_slice(&sig).unwrap(),
    )
    .unwrap();
}

#[test]
fn same_seed_same_bytes() {
    let make = || {
        let mut a = SoftAuthenticator::new(Alg::Es256, 99);
        let c = a.random_bytes(32);
        (
            a.register(RP_ID, ORIGIN, &c, b"u", Fmt::FidoU2f),
            a.authenticate(RP_ID, ORIGIN, &c),
        )
    };
    assert_eq!(make(), make());
}

/// The mutation catalogue, checked against the reference alone: every mutation does what its
/// name says (webauthn-rs-core reaches the spec's verdict), except where KNOWN_DISAGREEMENTS
/// says webauthn-rs-core is laxer or stricter than the spec. This runs before Bio's verifier
/// exists and keeps the catalogue honest after.
#[test]
fn reference_reaches_the_spec_verdict_on_every_mutation() {
    use support::ceremonies::{Expect, Stricter, generate, known_disagreement};
    let ceremonies = generate(0x0B10_5EED, 5);
    assert!(ceremonies.len() > 300, "{} ceremonies", ceremonies.len());
    let mut unexplained = Vec::new();
    for c in &ceremonies {
        let verdict = support::reference::verdict(c);
        let deviation = match (&c.expect, &verdict) {
            (Expect::Accept, Err(_)) => Some(Stricter::Reference),
            (Expect::Reject(_), Ok(())) => Some(Stricter::Bio),
            _ => None,
        };
        if let Some(stricter) = deviation
            && known_disagreement(c, stricter).is_none()
        {
            unexplained.push(format!(
                "{}: expected {:?}, webauthn-rs-core {:?}",
                c.name, c.expect, verdict
            ));
        }
    }
    assert!(
        unexplained.is_empty(),
        "{} unexplained:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
}

/// The CBOR encoder against RFC 8949 Appendix A.
#[test]
fn cbor_encoder_matches_rfc8949_appendix_a() {
    use support::cbor::Value;
    assert_eq!(Value::Int(0).to_vec(), [0x00]);
    assert_eq!(Value::Int(23).to_vec(), [0x17]);
    assert_eq!(Value::Int(24).to_vec(), [0x18, 0x18]);
    assert_eq!(Value::Int(1000).to_vec(), [0x19, 0x03, 0xe8]);
    assert_eq!(
        Value::Int(1_000_000).to_vec(),
        [0x1a, 0x00, 0x0f, 0x42, 0x40]
    );
    assert_eq!(Value::Int(-1).to_vec(), [0x20]);
    assert_eq!(Value::Int(-7).to_vec(), [0x26]);
    assert_eq!(Value::Int(-257).to_vec(), [0x39, 0x01, 0x00]);
    assert_eq!(Value::Text("a".into()).to_vec(), [0x61, 0x61]);
    assert_eq!(Value::Bytes(vec![1, 2, 3, 4]).to_vec(), [0x44, 1, 2, 3, 4]);
    assert_eq!(
        Value::int_map(vec![(1, Value::Int(2)), (3, Value::Int(4))]).to_vec(),
        [0xa2, 0x01, 0x02, 0x03, 0x04]
    );
    assert_eq!(
        Value::Array(vec![Value::Bool(true), Value::Null]).to_vec(),
        [0x82, 0xf5, 0xf6]
    );
}

/// The DER writer: minimal positive INTEGERs and long-form lengths.
#[test]
fn der_integers_are_minimal_and_positive() {
    use support::der::{tlv, uint};
    assert_eq!(uint(&[0, 0, 1]), [0x02, 0x01, 0x01]);
    assert_eq!(uint(&[0x80]), [0x02, 0x02, 0x00, 0x80]);
    assert_eq!(uint(&[]), [0x02, 0x01, 0x00]);
    assert_eq!(tlv(0x04, &[0u8; 200])[..3], [0x04, 0x81, 200]);
    assert_eq!(tlv(0x04, &[0u8; 300])[..4], [0x04, 0x82, 0x01, 0x2c]);
}
