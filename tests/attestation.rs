//! Each attestation statement format refuses a forged or mismatched statement for the right
//! reason: the exact [`Attestation`] variant, not just the `attestation` class the vector
//! harness checks. Real vectors, either as shipped (the `error` ones) or with one field of the
//! statement changed in place.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use bio::webauthn::Error;
use bio::webauthn::base64url::encode;
use bio::webauthn::cbor;
use bio::webauthn::error::Attestation;
use common::{Ceremony, Vector};
use sha1::Sha1;
use sha2::{Digest as _, Sha256};

fn vector(file: &str) -> Vector {
    Vector::all()
        .into_iter()
        .find(|v| v.file == file)
        .unwrap_or_else(|| panic!("{file}"))
}

fn registration(v: &Vector) -> &bio::webauthn::RegistrationResponseJson {
    let Ceremony::Registration(r) = &v.ceremony else {
        panic!("{}: not a registration", v.file)
    };
    r
}

/// Runs `file` with `edit` applied to its attestation object bytes.
fn with_object_edit(file: &str, edit: impl FnOnce(&mut Vec<u8>, &[u8])) -> Result<(), Error> {
    let v = vector(file);
    let mut r = registration(&v).clone();
    let mut object = r.attestation_object_bytes().unwrap();
    let client_data = r.client_data_json_bytes().unwrap();
    edit(&mut object, &client_data);
    r.response.attestation_object = encode(&object);
    v.run_registration(&r).map(|_| ())
}

fn position(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("needle inside the object")
}

/// `(authData, attStmt[field])` of an attestation object, as owned bytes.
fn parts(object: &[u8], field: &str) -> (Vec<u8>, Vec<u8>) {
    let value = cbor::decode_exact(object).unwrap();
    let auth_data = value
        .get_text_key("authData")
        .unwrap()
        .as_bytes()
        .unwrap()
        .to_vec();
    let stmt = value.get_text_key("attStmt").unwrap();
    let field = stmt
        .get_text_key(field)
        .and_then(|f| f.as_bytes())
        .unwrap_or_default()
        .to_vec();
    (auth_data, field)
}

#[test]
fn error_vectors_fail_for_their_own_reason() {
    let cases = [
        (
            "webauthn-rs-packed-x5c-es256-aaguid-extension-mismatch-registration.json",
            Attestation::AaguidMismatch,
        ),
        (
            "webauthn-rs-apple-es256-nonce-mismatch-registration.json",
            Attestation::NonceMismatch,
        ),
        (
            "mut-go-webauthn-packed-self-es256-macos-touchid-registration-attstmt-sig-flipped.json",
            Attestation::Signature,
        ),
        (
            "mut-webauthn-rs-fido-u2f-es256-yubikey-5-registration-attstmt-sig-flipped.json",
            Attestation::Signature,
        ),
    ];
    for (file, why) in cases {
        let v = vector(file);
        let err = v.run_registration(registration(&v)).unwrap_err();
        assert_eq!(err, Error::Attestation(why), "{file}");
        assert_eq!(err.class(), "attestation");
    }
    assert_eq!(
        Error::Attestation(Attestation::AaguidMismatch).code(),
        "attestation_aaguid_mismatch"
    );
    assert_eq!(
        Error::Attestation(Attestation::NonceMismatch).code(),
        "attestation_nonce_mismatch"
    );
}

const TPM: &str = "py-webauthn-tpm-rs256-dell-xps13-registration.json";
const TPM_ECC: &str = "simplewebauthn-tpm-es256-nuvoton-registration.json";
const ANDROID_KEY: &str = "simplewebauthn-android-key-es256-pixel-8a-registration.json";

#[test]
fn tpm_extra_data_must_hash_this_registration() {
    // extraData is SHA-1(authData ‖ clientDataHash) under RS1: change one byte of it.
    let err = with_object_edit(TPM, |object, client_data| {
        let (auth_data, _) = parts(object, "certInfo");
        let hash = Sha1::new()
            .chain_update(&auth_data)
            .chain_update(Sha256::digest(client_data))
            .finalize();
        let at = position(object, &hash);
        object[at] ^= 1;
    });
    assert_eq!(err, Err(Error::Attestation(Attestation::NonceMismatch)));
}

#[test]
fn tpm_pub_area_must_be_the_credential_key() {
    for file in [TPM, TPM_ECC] {
        // The last byte of pubArea is the end of unique (RSA n, or ECC y).
        let err = with_object_edit(file, |object, _| {
            let (_, pub_area) = parts(object, "pubArea");
            let at = position(object, &pub_area) + pub_area.len() - 1;
            object[at] ^= 1;
        });
        assert_eq!(
            err,
            Err(Error::Attestation(Attestation::PublicKeyMismatch)),
            "{file}"
        );
    }
}

#[test]
fn tpm_ver_must_be_2_0() {
    let err = with_object_edit(TPM, |object, _| {
        let at = position(object, b"\x63ver\x632.0");
        object[at + 7] = b'1';
    });
    assert_eq!(
        err,
        Err(Error::Attestation(Attestation::MalformedStatement))
    );
}

#[test]
fn tpm_signature_covers_cert_info() {
    // The first byte of clockInfo is neither checked nor hashed into the name: only the AIK
    // signature over certInfo catches a change there.
    let err = with_object_edit(TPM, |object, _| {
        let (_, cert_info) = parts(object, "certInfo");
        let signer_len = usize::from(u16::from_be_bytes([cert_info[6], cert_info[7]]));
        let extra_at = 8 + signer_len;
        let extra_len = usize::from(u16::from_be_bytes([
            cert_info[extra_at],
            cert_info[extra_at + 1],
        ]));
        let clock = extra_at + 2 + extra_len;
        let at = position(object, &cert_info) + clock;
        object[at] ^= 1;
    });
    assert_eq!(err, Err(Error::Attestation(Attestation::Signature)));
}

#[test]
fn android_key_challenge_must_be_the_client_data_hash() {
    // attestationChallenge lives in the (unsigned-by-us) certificate's key description.
    let err = with_object_edit(ANDROID_KEY, |object, client_data| {
        let at = position(object, &Sha256::digest(client_data));
        object[at] ^= 1;
    });
    assert_eq!(err, Err(Error::Attestation(Attestation::NonceMismatch)));
}

#[test]
fn apple_leaf_nonce_binds_auth_data_and_client_data() {
    let file = "simplewebauthn-apple-es256-ios14-registration.json";
    let err = with_object_edit(file, |object, client_data| {
        let (auth_data, _) = parts(object, "x5c");
        let nonce = Sha256::new()
            .chain_update(&auth_data)
            .chain_update(Sha256::digest(client_data))
            .finalize();
        let at = position(object, &nonce);
        object[at + 31] ^= 0x80;
    });
    assert_eq!(err, Err(Error::Attestation(Attestation::NonceMismatch)));
}

#[test]
fn android_key_origin_must_be_generated() {
    // origin [702] EXPLICIT INTEGER KM_ORIGIN_GENERATED (bf 85 3e 03 02 01 00) made IMPORTED
    // (2) in whichever list holds it: the key was not generated in the keystore.
    let err = with_object_edit(ANDROID_KEY, |object, _| {
        let at = position(object, &[0xbf, 0x85, 0x3e, 0x03, 0x02, 0x01, 0x00]);
        object[at + 6] = 0x02;
    });
    assert_eq!(err, Err(Error::Attestation(Attestation::AuthorizationList)));
}

const SAFETYNET: &str = "webauthn-rs-android-safetynet-es256-registration.json";

/// Runs the SafetyNet vector with its JWS header and payload (decoded JSON text) replaced by
/// what `edit` returns; the JWS signature is kept, so it no longer covers them.
fn with_safetynet_jws(edit: impl FnOnce(&str, &str) -> (String, String)) -> Result<(), Error> {
    with_object_edit(SAFETYNET, |object, _| {
        let (_, response) = parts(object, "response");
        let jws = std::str::from_utf8(&response).unwrap();
        let [header, payload, signature] = jws.split('.').collect::<Vec<_>>()[..] else {
            panic!("compact JWS")
        };
        let text = |part: &str| String::from_utf8(bio::webauthn::base64url::decode(part).unwrap());
        let (header, payload) = edit(&text(header).unwrap(), &text(payload).unwrap());
        let new = format!(
            "{}.{}.{signature}",
            encode(header.as_bytes()),
            encode(payload.as_bytes())
        );
        // The response is a byte string with a two-byte length (0x59 len16) before and after.
        let at = position(object, &response);
        assert_eq!(object[at - 3], 0x59);
        let len = u16::try_from(new.len()).unwrap().to_be_bytes();
        object.splice(
            at - 2..at + response.len(),
            len.into_iter().chain(new.bytes()),
        );
    })
}

#[test]
fn safetynet_header_and_payload_must_be_json_objects() {
    // Control: the same members as an object in another spelling parse, and only the JWS
    // signature (which no longer covers them) fails.
    let respelled =
        with_safetynet_jws(|header, payload| (format!(" {header}"), format!(" {payload}")));
    assert_eq!(respelled, Err(Error::Attestation(Attestation::Signature)));
    // The members serde reads, as arrays in declaration order (Header {alg, x5c}, Payload
    // {nonce, ctsProfileMatch}): serde alone would accept these; RFC 7515 §4 says object.
    let as_array = |json: &str, members: &[&str]| {
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        let values: Vec<_> = members.iter().map(|m| value[*m].clone()).collect();
        serde_json::Value::Array(values).to_string()
    };
    let payload_array = with_safetynet_jws(|header, payload| {
        (
            header.to_owned(),
            as_array(payload, &["nonce", "ctsProfileMatch"]),
        )
    });
    assert_eq!(
        payload_array,
        Err(Error::Attestation(Attestation::MalformedStatement))
    );
    let header_array = with_safetynet_jws(|header, payload| {
        (as_array(header, &["alg", "x5c"]), payload.to_owned())
    });
    assert_eq!(
        header_array,
        Err(Error::Attestation(Attestation::MalformedStatement))
    );
}
