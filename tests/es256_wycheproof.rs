//! Every case of Wycheproof's `ecdsa_secp256r1_sha256_test` (ASN.1 DER signatures over SHA-256,
//! the shape ES256 uses) through Bio's ES256 check as a ceremony makes it: the key as a COSE_Key
//! (`CoseKey::from_cose`), the signature as DER bytes (`CoseKey::verify`), the curve arithmetic
//! in `webauthn::es256`.
//!
//! Each case must give Wycheproof's expected result; "acceptable" cases must give p256's answer.
//! Every case is also checked against p256 0.14's own DER verification, so a difference from
//! either shows up with its tcId and comment.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use bio::webauthn::cose::CoseKey;
use p256::ecdsa::signature::Verifier as _;
use wycheproof::TestResult;
use wycheproof::ecdsa::{TestName, TestSet};

/// The uncompressed SEC 1 point `04 ‖ x ‖ y` as a COSE_Key for ES256.
fn cose_key(sec1: &[u8]) -> Vec<u8> {
    assert_eq!(sec1.len(), 65);
    let mut cose = vec![
        0xa5, // map(5)
        0x01, 0x02, // kty: EC2
        0x03, 0x26, // alg: ES256 (-7)
        0x20, 0x01, // crv: P-256
        0x21, 0x58, 0x20, // x: bytes(32)
    ];
    cose.extend_from_slice(&sec1[1..33]);
    cose.extend_from_slice(&[0x22, 0x58, 0x20]); // y: bytes(32)
    cose.extend_from_slice(&sec1[33..]);
    cose
}

/// p256's own answer for a DER signature: what `CoseKey::verify` returned before Bio had its
/// own curve arithmetic.
fn p256_accepts(sec1: &[u8], msg: &[u8], der: &[u8]) -> bool {
    let Ok(key) = p256::ecdsa::VerifyingKey::from_sec1_bytes(sec1) else {
        return false;
    };
    let Ok(sig) = p256::ecdsa::Signature::from_der(der) else {
        return false;
    };
    key.verify(msg, &sig).is_ok()
}

#[test]
fn every_wycheproof_p256_sha256_der_case() {
    let set = TestSet::load(TestName::EcdsaSecp256r1Sha256).unwrap();
    let (mut valid, mut invalid, mut acceptable) = (0, 0, 0);
    for group in &set.test_groups {
        let sec1: &[u8] = &group.key.key;
        let key = CoseKey::from_cose(&cose_key(sec1));
        for case in &group.tests {
            let bio = key
                .as_ref()
                .is_ok_and(|k| k.verify(&case.msg, &case.sig).is_ok());
            let p256 = p256_accepts(sec1, &case.msg, &case.sig);
            let expected = match case.result {
                TestResult::Valid => {
                    valid += 1;
                    true
                }
                TestResult::Invalid => {
                    invalid += 1;
                    false
                }
                TestResult::Acceptable => {
                    acceptable += 1;
                    p256
                }
            };
            assert_eq!(
                bio, expected,
                "tcId {} ({}): Bio {bio}, expected {:?}",
                case.tc_id, case.comment, case.result
            );
            assert_eq!(
                bio, p256,
                "tcId {} ({}): p256 differs",
                case.tc_id, case.comment
            );
        }
    }
    println!("{valid} valid, {invalid} invalid, {acceptable} acceptable: all as expected");
    assert_eq!(valid + invalid + acceptable, set.number_of_tests);
    assert!(
        valid > 100 && invalid > 100,
        "{valid} valid, {invalid} invalid"
    );
}
