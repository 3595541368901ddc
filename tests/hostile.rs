//! Hostile input: every prefix and every single-bit flip of every valid vector's binary fields,
//! CBOR depth bombs, absurd declared lengths and item counts. Nothing may panic; a flip inside
//! the bytes a signature covers must be refused.
//!
//! Run in release (`cargo test --release --target x86_64-unknown-linux-gnu --test hostile`):
//! it makes tens of thousands of ceremony attempts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
// Native only: this is the release-mode sweep the README runs on the host.
#![cfg(not(target_arch = "wasm32"))]
// Ranges here are byte ranges, one or several per field.
#![allow(clippy::single_range_in_vec_init)]

mod common;

use std::ops::Range;

use bio::webauthn::base64url::encode;
use bio::webauthn::cbor::{self, MAX_DEPTH, MAX_ITEMS};
use bio::webauthn::{AuthenticationResponseJson, RegistrationResponseJson};
use common::{Ceremony, Vector};

/// Every prefix (shorter than the whole) and every single-bit flip of `bytes`, passed to `run`
/// (which must not panic); flips at offsets in `signed` must make `run` return `false`.
fn mutate(
    name: &str,
    bytes: &[u8],
    signed: &[Range<usize>],
    mut run: impl FnMut(&[u8]) -> bool,
) -> usize {
    let mut attempts = 0;
    for len in 0..bytes.len() {
        run(&bytes[..len]);
        attempts += 1;
    }
    let mut flipped = bytes.to_vec();
    for i in 0..bytes.len() {
        for bit in 0..8 {
            flipped[i] ^= 1 << bit;
            let accepted = run(&flipped);
            attempts += 1;
            if accepted && signed.iter().any(|r| r.contains(&i)) {
                panic!("{name}: flipping bit {bit} of byte {i} was accepted");
            }
            flipped[i] ^= 1 << bit;
        }
    }
    attempts
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("authData inside the attestation object")
}

/// The byte ranges of a registration's attestation object that its attestation signature
/// covers (directly or through a nonce), or `None` for an unknown format.
fn signed_ranges(v: &Vector, object: &[u8]) -> Option<Vec<Range<usize>>> {
    let (fmt, x5c) = v.format()?;
    let value = cbor::decode_exact(object).unwrap();
    let auth_data = value.get_text_key("authData").unwrap().as_bytes().unwrap();
    let start = find(object, auth_data);
    let whole = start..start + auth_data.len();
    match (fmt.as_str(), x5c) {
        ("none", _) => Some(vec![]),
        ("packed", false) => Some(vec![whole]),
        // Each of these signs or hashes authenticatorData ‖ clientDataHash: packed with x5c
        // and android-key sign it, tpm hashes it into certInfo.extraData (which the AIK signs),
        // apple and android-safetynet hash it into a nonce the statement carries.
        ("packed", true)
        | ("tpm", _)
        | ("android-key", _)
        | ("android-safetynet", _)
        | ("apple", _) => Some(vec![whole]),
        ("fido-u2f", _) => {
            // rpIdHash; then after flags, counter and aaguid: length, id and key.
            let rp_id_hash = start..start + 32;
            let from_credential_id = start + 37 + 16 + 2..start + auth_data.len();
            Some(vec![rp_id_hash, from_credential_id])
        }
        _ => None,
    }
}

#[test]
fn prefixes_and_bit_flips_of_valid_vectors() {
    let started = std::time::Instant::now();
    let mut attempts = 0;
    let mut vectors = 0;
    for v in Vector::all().into_iter().filter(Vector::expect_ok) {
        match &v.ceremony {
            Ceremony::Registration(original) => {
                let object = original.attestation_object_bytes().unwrap();
                let Some(signed) = signed_ranges(&v, &object) else {
                    continue;
                };
                assert!(v.run().is_ok(), "{}", v.file);
                vectors += 1;
                let signs_client_data = !signed.is_empty();
                let mut r: RegistrationResponseJson = original.clone();
                attempts += mutate(v.file, &object, &signed, |bytes| {
                    r.response.attestation_object = encode(bytes);
                    v.run_registration(&r).is_ok()
                });
                let client_data = original.client_data_json_bytes().unwrap();
                let mut r = original.clone();
                let all = if signs_client_data {
                    vec![0..client_data.len()]
                } else {
                    vec![]
                };
                attempts += mutate(v.file, &client_data, &all, |bytes| {
                    r.response.client_data_json = encode(bytes);
                    v.run_registration(&r).is_ok()
                });
            }
            Ceremony::Authentication {
                response: original, ..
            } => {
                assert!(v.run().is_ok(), "{}", v.file);
                vectors += 1;
                let fields = [
                    original.authenticator_data_bytes().unwrap(),
                    original.client_data_json_bytes().unwrap(),
                    original.signature_bytes().unwrap(),
                ];
                for (which, bytes) in fields.iter().enumerate() {
                    let mut a: AuthenticationResponseJson = original.clone();
                    attempts += mutate(v.file, bytes, &[0..bytes.len()], |mutated| {
                        let field = match which {
                            0 => &mut a.response.authenticator_data,
                            1 => &mut a.response.client_data_json,
                            _ => &mut a.response.signature,
                        };
                        *field = encode(mutated);
                        v.run_authentication(&a).is_ok()
                    });
                }
            }
        }
    }
    println!(
        "hostile: {attempts} mutated ceremonies over {vectors} vectors in {:?}",
        started.elapsed()
    );
    assert!(vectors >= 40, "only {vectors} supported ok vectors");
}

/// A valid vector with its attestation object or authenticator data replaced.
fn with_attestation_object(bytes: &[u8]) -> bio::webauthn::Error {
    let v = Vector::all()
        .into_iter()
        .find(|v| v.file == "py-webauthn-none-es256-registration.json")
        .unwrap();
    let Ceremony::Registration(original) = &v.ceremony else {
        unreachable!()
    };
    let mut r = original.clone();
    r.response.attestation_object = encode(bytes);
    v.run_registration(&r).unwrap_err()
}

fn with_authenticator_data(bytes: &[u8]) -> bio::webauthn::Error {
    let v = Vector::all()
        .into_iter()
        .find(|v| v.file == "py-webauthn-es256-authentication.json")
        .unwrap();
    let Ceremony::Authentication { response, .. } = &v.ceremony else {
        unreachable!()
    };
    let mut a = response.clone();
    a.response.authenticator_data = encode(bytes);
    v.run_authentication(&a).unwrap_err()
}

#[test]
fn depth_bombs() {
    for depth in [MAX_DEPTH + 1, 1_000, 1_000_000] {
        for opener in [0x81u8, 0xa1] {
            // [[[[... or {0: {0: ... (a map needs a key before each nested value)
            let bomb: Vec<u8> = if opener == 0x81 {
                vec![0x81; depth]
            } else {
                std::iter::repeat_n([0xa1, 0x00], depth).flatten().collect()
            };
            assert_eq!(cbor::decode_exact(&bomb), Err(cbor::Error::TooDeep));
            assert_eq!(with_attestation_object(&bomb).class(), "malformed");
            // In authenticator data: rpIdHash, flags ED|UP, counter, then the bomb as extensions.
            let mut auth_data = vec![0u8; 32];
            auth_data.extend_from_slice(&[0x81, 0, 0, 0, 1]);
            auth_data.extend_from_slice(&bomb);
            assert_eq!(with_authenticator_data(&auth_data).class(), "malformed");
        }
    }
}

#[test]
fn absurd_declared_lengths_and_counts() {
    let heads: &[&[u8]] = &[
        &[0x5b, 0, 0, 0, 1, 0, 0, 0, 0], // bytes(2^32)
        &[0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // bytes(2^64-1)
        &[0x7a, 0xff, 0xff, 0xff, 0xff], // text(2^32-1)
        &[0x9b, 0, 0, 0, 1, 0, 0, 0, 0], // array(2^32)
        &[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // array(2^64-1)
        &[0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // map(2^64-1)
        &[0xba, 0x7f, 0xff, 0xff, 0xff], // map(2^31-1)
    ];
    for head in heads {
        assert_eq!(
            cbor::decode_exact(head),
            Err(cbor::Error::LengthTooLarge),
            "{head:02x?}"
        );
        // As the whole attestation object, and as the value of its "authData".
        assert_eq!(with_attestation_object(head).class(), "malformed");
        let mut object = vec![0xa1, 0x68];
        object.extend_from_slice(b"authData");
        object.extend_from_slice(head);
        assert_eq!(with_attestation_object(&object).class(), "malformed");
    }
}

#[test]
fn huge_item_counts() {
    // An array of MAX_ITEMS + 1 zeros: every item present, but over the limit.
    let n = MAX_ITEMS + 1;
    let mut array = vec![0x9a];
    array.extend_from_slice(&(n as u32).to_be_bytes());
    array.extend(std::iter::repeat_n(0u8, n));
    assert_eq!(cbor::decode_exact(&array), Err(cbor::Error::TooManyItems));
    assert_eq!(with_attestation_object(&array).class(), "malformed");
    // A megabyte of nested empty arrays inside one array.
    let mut wide = vec![0x9a];
    wide.extend_from_slice(&(1_000_000u32).to_be_bytes());
    wide.extend(std::iter::repeat_n(0x80u8, 1_000_000));
    assert_eq!(cbor::decode_exact(&wide), Err(cbor::Error::TooManyItems));
    // A map with many distinct keys (duplicate detection must stay cheap).
    let keys = MAX_ITEMS / 2 - 1;
    let mut map = vec![0xb9];
    map.extend_from_slice(&(keys as u16).to_be_bytes());
    for k in 0..keys {
        map.push(0x19);
        map.extend_from_slice(&(k as u16).to_be_bytes());
        map.push(0xf6);
    }
    assert!(cbor::decode_exact(&map).is_ok());
}

/// The byte string `old` inside a CBOR `object` replaced by `new` (its head re-encoded), so a
/// field nested in `attStmt` can be truncated or grown while the rest stays valid CBOR.
fn replace_bytes(object: &[u8], old: &[u8], new: &[u8]) -> Vec<u8> {
    let head_len = match old.len() {
        0..24 => 1,
        24..256 => 2,
        256..65_536 => 3,
        _ => 5,
    };
    let at = find(object, old) - head_len;
    let mut out = object[..at].to_vec();
    match new.len() {
        n @ 0..24 => out.push(0x40 | n as u8),
        n @ 24..256 => out.extend_from_slice(&[0x58, n as u8]),
        n @ 256..65_536 => {
            out.push(0x59);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(0x5a);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
    }
    out.extend_from_slice(new);
    out.extend_from_slice(&object[at + head_len + old.len()..]);
    out
}

/// Every truncation of every certificate, TPM `pubArea` and `certInfo` in the valid vectors,
/// each re-encoded as a well-formed attestation object, and each with an absurd DER length or
/// TPM size written over its first length: refused, never a panic. (Bit flips inside them are
/// already covered by `prefixes_and_bit_flips_of_valid_vectors`.)
#[test]
fn truncated_certificates_and_tpm_structures() {
    let mut attempts = 0;
    for v in Vector::all().into_iter().filter(Vector::expect_ok) {
        let Ceremony::Registration(original) = &v.ceremony else {
            continue;
        };
        let object = original.attestation_object_bytes().unwrap();
        let value = cbor::decode_exact(&object).unwrap();
        let stmt = value.get_text_key("attStmt").unwrap();
        let mut fields: Vec<Vec<u8>> = Vec::new();
        if let Some(cbor::Value::Array(certs)) = stmt.get_text_key("x5c") {
            fields.extend(
                certs
                    .iter()
                    .filter_map(|c| c.as_bytes())
                    .map(<[u8]>::to_vec),
            );
        }
        for name in ["pubArea", "certInfo", "response"] {
            if let Some(bytes) = stmt.get_text_key(name).and_then(|b| b.as_bytes()) {
                fields.push(bytes.to_vec());
            }
        }
        let mut r = original.clone();
        for field in &fields {
            let mut run = |bytes: &[u8]| {
                r.response.attestation_object = encode(&replace_bytes(&object, field, bytes));
                attempts += 1;
                v.run_registration(&r).is_ok()
            };
            // The untouched field still verifies (so the splice itself is right).
            assert!(run(field), "{}: re-encoding changed the outcome", v.file);
            for len in 0..field.len() {
                assert!(
                    !run(&field[..len]),
                    "{}: a truncated field was accepted",
                    v.file
                );
            }
            // DER: 30 84 ff ff ff ff (4 GiB); TPM: a u16 size of 65535 at each of the first
            // offsets.
            let mut absurd = field.clone();
            absurd.splice(1..2, [0x84, 0xff, 0xff, 0xff, 0xff]);
            assert!(!run(&absurd), "{}", v.file);
            for at in 0..field.len().min(64) {
                let mut huge = field.clone();
                huge[at] = 0xff;
                if at + 1 < huge.len() {
                    huge[at + 1] = 0xff;
                }
                run(&huge);
            }
        }
    }
    println!("hostile: {attempts} ceremonies with truncated or oversized statement parts");
    assert!(attempts > 10_000, "only {attempts}");
}
