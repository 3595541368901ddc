//! Ceremony rules the vector files do not cover (no vector has a stored user handle or BE
//! flag), made by changing the stored credential or the flags of a valid vector. Flags sit
//! inside the signed data, so these also show the order: each rule fails before the signature.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use bio::webauthn::base64url::encode;
use bio::webauthn::{Error, StoredCredential, verify_authentication, verify_registration};
use common::{Ceremony, Vector, b64};

fn vector(file: &str) -> Vector {
    Vector::all().into_iter().find(|v| v.file == file).unwrap()
}

/// What to change in the stored credential.
#[derive(Default)]
struct Stored<'a> {
    id: Option<&'a [u8]>,
    public_key_cose: Option<&'a [u8]>,
    sign_count: Option<u32>,
    backup_eligible: Option<bool>,
    user_handle: Option<&'a [u8]>,
}

/// Runs go-webauthn's ES256 assertion (it carries a userHandle) with the stored credential
/// changed as `change` says and its authenticator data changed by `edit_auth_data`.
fn assertion(change: Stored<'_>, edit_auth_data: impl FnOnce(&mut Vec<u8>)) -> Result<(), Error> {
    let v = vector("go-webauthn-es256-macos-touchid-authentication.json");
    let Ceremony::Authentication { response, public_key_cose, sign_count, .. } = &v.ceremony else { unreachable!() };
    let mut response = response.clone();
    let mut auth_data = response.authenticator_data_bytes().unwrap();
    edit_auth_data(&mut auth_data);
    response.response.authenticator_data = encode(&auth_data);
    let id = b64(&v.json["response"]["rawId"]);
    let stored = StoredCredential {
        id: change.id.unwrap_or(&id),
        public_key_cose: change.public_key_cose.unwrap_or(public_key_cose),
        sign_count: change.sign_count.unwrap_or(*sign_count),
        backup_eligible: change.backup_eligible,
        user_handle: change.user_handle,
    };
    verify_authentication(&v.rp(), &v.challenge, &response, &stored).map(|_| ())
}

#[test]
fn assertion_rules_give_the_exact_error() {
    let v = vector("go-webauthn-es256-macos-touchid-authentication.json");
    let Ceremony::Authentication { response, .. } = &v.ceremony else { unreachable!() };
    let owner = response.user_handle_bytes().unwrap().expect("this vector has a userHandle");
    let flags = 32;

    assert_eq!(assertion(Stored::default(), |_| {}), Ok(()));
    assert_eq!(assertion(Stored { user_handle: Some(&owner), ..Default::default() }, |_| {}), Ok(()));
    assert_eq!(assertion(Stored { user_handle: Some(b"someone else"), ..Default::default() }, |_| {}), Err(Error::UserHandleMismatch));
    assert_eq!(assertion(Stored { id: Some(b"another credential"), ..Default::default() }, |_| {}), Err(Error::CredentialIdMismatch));
    assert_eq!(assertion(Stored { public_key_cose: Some(&[0xa0]), ..Default::default() }, |_| {}), Err(Error::StoredCredential));
    let be = |d: &mut Vec<u8>| d[flags] |= 0x08;
    let bs = |d: &mut Vec<u8>| d[flags] |= 0x10;
    assert_eq!(assertion(Stored::default(), bs), Err(Error::BackupStateWithoutEligibility));
    assert_eq!(assertion(Stored { backup_eligible: Some(true), ..Default::default() }, |_| {}), Err(Error::BackupEligibilityChanged));
    assert_eq!(assertion(Stored { backup_eligible: Some(false), ..Default::default() }, be), Err(Error::BackupEligibilityChanged));
    // BE set and recorded as set: the rule passes and the (now broken) signature is what fails.
    assert_eq!(assertion(Stored { backup_eligible: Some(true), ..Default::default() }, be), Err(Error::Signature));
    let e = assertion(Stored { sign_count: Some(u32::MAX), ..Default::default() }, |_| {}).unwrap_err();
    assert!(matches!(e, Error::SignCountRegressed { stored: u32::MAX, .. }), "{e:?}");
}

#[test]
fn registration_backup_state_without_eligibility() {
    // none attestation signs nothing, so the flags can be edited freely.
    let v = vector("py-webauthn-none-es256-registration.json");
    let Ceremony::Registration(original) = &v.ceremony else { unreachable!() };
    let object = original.attestation_object_bytes().unwrap();
    let value = bio::webauthn::cbor::decode_exact(&object).unwrap();
    let auth_data = value.get_text_key("authData").unwrap().as_bytes().unwrap();
    let at = object.windows(auth_data.len()).position(|w| w == auth_data).unwrap();
    let mut edited = object.clone();
    edited[at + 32] = (edited[at + 32] & !0x08) | 0x10; // BS without BE
    let mut r = original.clone();
    r.response.attestation_object = encode(&edited);
    assert_eq!(verify_registration(&v.rp(), &v.challenge, &r), Err(Error::BackupStateWithoutEligibility));
    // And rawId must be the attested credential id.
    let mut r = original.clone();
    r.id = encode(b"another");
    r.raw_id = r.id.clone();
    assert_eq!(verify_registration(&v.rp(), &v.challenge, &r), Err(Error::CredentialIdMismatch));
}
