//! Tests of the session and ceremony token codec and the cookie builders.

use super::*;

const NOW: u64 = 1_790_000_000;

fn key(fill: u8) -> Key {
    Key::new(vec![fill; 32]).unwrap()
}

fn keys(fill: u8) -> SigningKeys {
    SigningKeys {
        current: key(fill),
        previous: None,
    }
}

fn session_claims() -> SessionClaims {
    SessionClaims {
        sid: session_id([7; 32]),
        user_handle: "dXNlci1oYW5kbGU".into(),
        credential_digest: "Y3JlZGVudGlhbC1pZA".into(),
        exp: NOW + SESSION_TTL_SECS,
    }
}

fn ceremony_claims() -> CeremonyClaims {
    CeremonyClaims {
        ceremony_id: "Y2VyZW1vbnktaWQ".into(),
        challenge: b64(&[3; 32]),
        browser_id: new_browser_id([4; 16]),
        user_handle: b64(&[5; 32]),
        name: "amber-otter-27".into(),
        confirms_sid: None,
        grant: None,
        confirmed_with: None,
        exp: NOW + CEREMONY_TTL_SECS,
    }
}

fn hint_claims() -> HintClaims {
    HintClaims {
        credential_id: b64(&[0xff; 1023]),
        name: "amber-otter-27".into(),
        exp: NOW + HINT_TTL_SECS,
    }
}

fn seal_session(keys: &SigningKeys, claims: &SessionClaims) -> String {
    seal(keys, claims)
}

fn open_session(keys: &SigningKeys, token: &str, now: u64) -> Result<SessionClaims, TokenError> {
    open(keys, token, now)
}

fn seal_ceremony(keys: &SigningKeys, claims: &CeremonyClaims) -> String {
    seal(keys, claims)
}

fn open_ceremony(keys: &SigningKeys, token: &str, now: u64) -> Result<CeremonyClaims, TokenError> {
    open(keys, token, now)
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text).unwrap()
}

#[test]
fn session_round_trip() {
    let keys = keys(1);
    let token = seal_session(&keys, &session_claims());
    assert_eq!(open_session(&keys, &token, NOW), Ok(session_claims()));
    assert!(token.len() < MAX_TOKEN_LEN);
}

#[test]
fn ceremony_round_trip() {
    let keys = keys(1);
    let token = seal_ceremony(&keys, &ceremony_claims());
    assert_eq!(open_ceremony(&keys, &token, NOW), Ok(ceremony_claims()));
}

#[test]
fn token_shape_is_payload_dot_key_id_and_tag() {
    let keys = keys(1);
    let token = seal_session(&keys, &session_claims());
    let (payload, signature) = token.split_once('.').unwrap();
    let claims: SessionClaims = serde_json::from_slice(&unb64(payload)).unwrap();
    assert_eq!(claims, session_claims());
    let signature = unb64(signature);
    assert_eq!(signature.len(), KEY_ID_LEN + 32);
    assert_eq!(signature[..KEY_ID_LEN], keys.current.id());
}

#[test]
fn key_id_is_first_four_bytes_of_sha256_of_secret() {
    // SHA-256 of 32 zero bytes = 66687aad f862bd77 6c8fc18b 8e9f8e20 ...
    assert_eq!(key(0).id(), [0x66, 0x68, 0x7a, 0xad]);
}

#[test]
fn tag_is_hmac_over_label_nul_payload() {
    // Recompute the tag independently, so the MAC input layout is pinned.
    let keys = keys(1);
    let token = seal_ceremony(&keys, &ceremony_claims());
    let (payload, signature) = token.split_once('.').unwrap();
    let mut mac = HmacSha256::new_from_slice(&[1; 32]).unwrap();
    mac.update(b"bio/ceremony/v2\x00");
    mac.update(&unb64(payload));
    assert_eq!(
        unb64(signature)[KEY_ID_LEN..],
        mac.finalize().into_bytes()[..]
    );
}

#[test]
fn tampered_payload_is_bad_signature() {
    let keys = keys(1);
    let token = seal_session(&keys, &session_claims());
    let (_, signature) = token.split_once('.').unwrap();
    let mut forged = session_claims();
    forged.user_handle = "c29tZW9uZS1lbHNl".into();
    let forged_token = format!("{}.{signature}", b64(&serde_json::to_vec(&forged).unwrap()));
    assert_eq!(
        open_session(&keys, &forged_token, NOW),
        Err(TokenError::BadSignature)
    );
}

#[test]
fn tampered_tag_is_bad_signature() {
    let keys = keys(1);
    let token = seal_session(&keys, &session_claims());
    let (payload, signature) = token.split_once('.').unwrap();
    let mut signature = unb64(signature);
    *signature.last_mut().unwrap() ^= 0x01;
    let token = format!("{payload}.{}", b64(&signature));
    assert_eq!(
        open_session(&keys, &token, NOW),
        Err(TokenError::BadSignature)
    );
}

#[test]
fn truncated_tag_is_malformed() {
    let keys = keys(1);
    let token = seal_session(&keys, &session_claims());
    let (payload, signature) = token.split_once('.').unwrap();
    let signature = unb64(signature);
    let token = format!("{payload}.{}", b64(&signature[..signature.len() - 1]));
    assert_eq!(open_session(&keys, &token, NOW), Err(TokenError::Malformed));
}

#[test]
fn every_prefix_and_bit_flip_is_refused_without_panic() {
    let keys = keys(1);
    let token = seal_session(&keys, &session_claims());
    for end in 0..token.len() {
        let prefix = &token[..end];
        assert!(
            open_session(&keys, prefix, NOW).is_err(),
            "prefix {end} opened"
        );
    }
    let bytes = token.as_bytes();
    for index in 0..bytes.len() {
        for bit in 0..8 {
            let mut flipped = bytes.to_vec();
            flipped[index] ^= 1 << bit;
            // A flip may leave invalid UTF-8: such a header never reaches us as &str.
            if let Ok(text) = std::str::from_utf8(&flipped) {
                assert!(
                    open_session(&keys, text, NOW).is_err(),
                    "flip {index}:{bit} opened"
                );
            }
        }
    }
}

#[test]
fn malformed_shapes() {
    let keys = keys(1);
    let token = seal_session(&keys, &session_claims());
    let (payload, signature) = token.split_once('.').unwrap();
    let cases = [
        String::new(),
        ".".into(),
        payload.to_owned(),
        format!("{payload}."),
        format!(".{signature}"),
        format!("{payload}.{signature}.x"),
        format!("{payload}={signature}"),
        format!("{payload}.{signature}="),
        format!("{payload} .{signature}"),
        format!("+{payload}.{signature}"),
    ];
    for case in cases {
        assert!(open_session(&keys, &case, NOW).is_err(), "{case:?} opened");
    }
    assert_eq!(
        open_session(&keys, payload, NOW),
        Err(TokenError::Malformed)
    );
    assert_eq!(
        open_session(&keys, &format!("{payload}.{signature}.x"), NOW),
        Err(TokenError::Malformed)
    );
}

#[test]
fn authentic_but_not_the_expected_json_is_malformed() {
    // A token we signed over bytes that are not SessionClaims (e.g. a future field) is refused.
    let keys = keys(1);
    let payload = br#"{"sid":"a","user_handle":"b","credential_digest":"c","exp":1,"admin":true}"#;
    let tag = keys
        .current
        .mac_for(Purpose::Session, payload)
        .finalize()
        .into_bytes();
    let mut signature = keys.current.id().to_vec();
    signature.extend_from_slice(&tag);
    let token = format!("{}.{}", b64(payload), b64(&signature));
    assert_eq!(open_session(&keys, &token, 0), Err(TokenError::Malformed));
}

#[test]
fn wrong_key_is_unknown_key() {
    let token = seal_session(&keys(1), &session_claims());
    assert_eq!(
        open_session(&keys(2), &token, NOW),
        Err(TokenError::UnknownKey)
    );
}

#[test]
fn forged_key_id_with_wrong_tag_is_bad_signature() {
    // An attacker who copies our key id still needs the secret.
    let ours = keys(1);
    let token = seal_session(&keys(2), &session_claims());
    let (payload, signature) = token.split_once('.').unwrap();
    let mut signature = unb64(signature);
    signature[..KEY_ID_LEN].copy_from_slice(&ours.current.id());
    let token = format!("{payload}.{}", b64(&signature));
    assert_eq!(
        open_session(&ours, &token, NOW),
        Err(TokenError::BadSignature)
    );
}

#[test]
fn rotation_previous_key_still_verifies() {
    let old = keys(1);
    let token = seal_session(&old, &session_claims());
    let rotated = SigningKeys {
        current: key(2),
        previous: Some(key(1)),
    };
    assert_eq!(open_session(&rotated, &token, NOW), Ok(session_claims()));
    // New tokens are signed with the current key only.
    let fresh = seal_session(&rotated, &session_claims());
    assert_eq!(open_session(&keys(2), &fresh, NOW), Ok(session_claims()));
    assert_eq!(open_session(&old, &fresh, NOW), Err(TokenError::UnknownKey));
}

#[test]
fn rotation_key_in_neither_slot_is_unknown_key() {
    let token = seal_session(&keys(1), &session_claims());
    let rotated_twice = SigningKeys {
        current: key(3),
        previous: Some(key(2)),
    };
    assert_eq!(
        open_session(&rotated_twice, &token, NOW),
        Err(TokenError::UnknownKey)
    );
}

#[test]
fn no_token_opens_as_another_kind() {
    let keys = keys(1);
    let hint = seal(&keys, &hint_claims());
    assert_eq!(
        open_session(&keys, &hint, NOW),
        Err(TokenError::BadSignature)
    );
    assert_eq!(
        open_ceremony(&keys, &hint, NOW),
        Err(TokenError::BadSignature)
    );
    let deleted = seal(
        &keys,
        &DeletedClaims {
            credential_id: "Y3JlZA".into(),
            exp: NOW + DELETED_TTL_SECS,
        },
    );
    assert_eq!(
        open::<HintClaims>(&keys, &deleted, NOW),
        Err(TokenError::BadSignature)
    );
    let session = seal_session(&keys, &session_claims());
    assert_eq!(
        open::<DeletedClaims>(&keys, &session, NOW),
        Err(TokenError::BadSignature)
    );
}

#[test]
fn a_hint_holds_the_longest_credential_id_webauthn_allows() {
    let keys = keys(1);
    let token = seal(&keys, &hint_claims());
    assert!(token.len() <= MAX_TOKEN_LEN, "{}", token.len());
    assert_eq!(open::<HintClaims>(&keys, &token, NOW), Ok(hint_claims()));
    // And it fits in a cookie header line with room to spare (browsers keep 4096 bytes).
    assert!(hint_cookie(&token).len() < 4000);
}

#[test]
fn browser_ids_are_16_random_bytes_in_base64url() {
    let id = new_browser_id([0xfb; 16]);
    assert!(is_browser_id(&id), "{id}");
    assert!(!is_browser_id(""));
    assert!(!is_browser_id(&format!("{id}A")));
    assert!(!is_browser_id(&id.replace('-', "+")));
}

#[test]
fn ceremony_token_is_not_a_session_and_vice_versa() {
    let keys = keys(1);
    // Same JSON shape in both directions would still fail: the label is in the MAC.
    let ceremony = seal_ceremony(&keys, &ceremony_claims());
    assert_eq!(
        open_session(&keys, &ceremony, NOW),
        Err(TokenError::BadSignature)
    );
    let session = seal_session(&keys, &session_claims());
    assert_eq!(
        open_ceremony(&keys, &session, NOW),
        Err(TokenError::BadSignature)
    );
}

#[test]
fn expired_at_and_after_exp() {
    let keys = keys(1);
    let claims = session_claims();
    let token = seal_session(&keys, &claims);
    assert!(open_session(&keys, &token, claims.exp - 1).is_ok());
    assert_eq!(
        open_session(&keys, &token, claims.exp),
        Err(TokenError::Expired)
    );
    assert_eq!(
        open_session(&keys, &token, u64::MAX),
        Err(TokenError::Expired)
    );
    let ceremony = ceremony_claims();
    let token = seal_ceremony(&keys, &ceremony);
    assert_eq!(
        open_ceremony(&keys, &token, ceremony.exp + 1),
        Err(TokenError::Expired)
    );
}

#[test]
fn short_key_is_rejected() {
    assert_eq!(
        Key::new(vec![0; 31]).unwrap_err(),
        KeyError::TooShort { len: 31 }
    );
    assert_eq!(
        Key::new(Vec::new()).unwrap_err(),
        KeyError::TooShort { len: 0 }
    );
    assert!(Key::new(vec![0; 32]).is_ok());
    assert!(Key::new(vec![0; 200]).is_ok());
}

#[test]
fn huge_input_is_malformed_before_decoding() {
    let keys = keys(1);
    // A valid token padded past the bound is refused on length alone.
    let huge = "A".repeat(MAX_TOKEN_LEN + 1);
    assert_eq!(open_session(&keys, &huge, NOW), Err(TokenError::Malformed));
    let megabyte = format!("{}.{}", "A".repeat(1 << 20), "A".repeat(48));
    assert_eq!(
        open_ceremony(&keys, &megabyte, NOW),
        Err(TokenError::Malformed)
    );
}

#[test]
fn debug_never_prints_the_secret() {
    let printed = format!("{:?}", keys(0x41));
    assert!(printed.contains("Key"));
    assert!(!printed.contains("AAAA"), "{printed}");
    assert!(!printed.contains("65, 65"), "{printed}");
}

#[test]
fn error_codes_are_stable() {
    assert_eq!(TokenError::Malformed.code(), "token_malformed");
    assert_eq!(TokenError::UnknownKey.code(), "token_unknown_key");
    assert_eq!(TokenError::BadSignature.code(), "token_bad_signature");
    assert_eq!(TokenError::Expired.code(), "token_expired");
    assert_eq!(
        KeyError::TooShort { len: 1 }.code(),
        "session_key_too_short"
    );
}

#[test]
fn session_id_is_43_base64url_chars() {
    let sid = session_id([0xff; 32]);
    assert_eq!(sid.len(), 43);
    assert!(
        sid.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
}

#[test]
fn set_cookie_values() {
    assert_eq!(
        session_cookie("abc.def"),
        "__Host-bio-session=abc.def; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=2592000"
    );
    assert_eq!(
        clear_session_cookie(),
        "__Host-bio-session=; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"
    );
    // The hint grants nothing and must be sent when a visitor arrives from a link: Lax.
    assert_eq!(
        hint_cookie("abc.def"),
        "__Host-bio-hint=abc.def; Secure; HttpOnly; SameSite=Lax; Path=/; Max-Age=15552000"
    );
    assert_eq!(
        clear_hint_cookie(),
        "__Host-bio-hint=; Secure; HttpOnly; SameSite=Lax; Path=/; Max-Age=0"
    );
    assert_eq!(
        browser_cookie("id"),
        "__Host-bio-browser=id; Secure; HttpOnly; SameSite=Lax; Path=/; Max-Age=34560000"
    );
    assert_eq!(
        deleted_cookie("abc.def"),
        "__Host-bio-deleted=abc.def; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=60"
    );
    assert_eq!(
        clear_deleted_cookie(),
        "__Host-bio-deleted=; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"
    );
}

#[test]
fn sealed_token_is_a_valid_cookie_value_and_parses_back() {
    let keys = keys(1);
    let token = seal_session(&keys, &session_claims());
    let header = format!("theme=dark; {SESSION_COOKIE}={token}; other=1");
    let found = crate::cookie::get(&header, SESSION_COOKIE).unwrap();
    assert_eq!(open_session(&keys, found, NOW), Ok(session_claims()));
}
