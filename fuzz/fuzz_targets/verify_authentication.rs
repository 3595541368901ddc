//! A whole authentication ceremony on fuzzed bytes: `rp_id`, `clientDataJSON`,
//! `authenticatorData`, the stored COSE key (each prefixed by a u16 big-endian length), then
//! the signature (seeds: make_seeds.py). The expected
//! challenge and origin come from the fuzzed clientDataJSON, so inputs grown from real
//! assertions reach the authenticator data, key and signature code.
#![no_main]

use bio::webauthn::base64url::{decode, encode};
use bio::webauthn::{AuthenticationResponseJson, RelyingParty, StoredCredential, verify_authentication};
use libfuzzer_sys::fuzz_target;

/// Splits `data` into `N` length-prefixed parts (u16 big-endian length each) and the rest.
fn split<const N: usize>(mut data: &[u8]) -> Option<([&[u8]; N], &[u8])> {
    let mut parts = [&[][..]; N];
    for part in &mut parts {
        let (len, rest) = data.split_first_chunk::<2>()?;
        let (head, rest) = rest.split_at_checked(usize::from(u16::from_be_bytes(*len)))?;
        *part = head;
        data = rest;
    }
    Some((parts, data))
}

fuzz_target!(|data: &[u8]| {
    let Some(([rp_id, client_data, auth_data, key], signature)) = split::<4>(data) else { return };
    let Ok(rp_id) = std::str::from_utf8(rp_id) else { return };
    let claimed: serde_json::Value = serde_json::from_slice(client_data).unwrap_or_default();
    let challenge = claimed["challenge"].as_str().and_then(|c| decode(c).ok()).unwrap_or_default();
    let origins = [claimed["origin"].as_str().unwrap_or("http://localhost").to_owned()];
    let json = format!(
        r#"{{"id":"AQ","rawId":"AQ","type":"public-key","response":{{"clientDataJSON":"{}","authenticatorData":"{}","signature":"{}","userHandle":"AQ"}},"clientExtensionResults":{{}}}}"#,
        encode(client_data),
        encode(auth_data),
        encode(signature)
    );
    let Ok(response) = AuthenticationResponseJson::from_slice(json.as_bytes()) else { return };
    let rp = RelyingParty { rp_id, origins: &origins, require_user_verification: false };
    let stored = StoredCredential {
        id: &[1],
        public_key_cose: key,
        sign_count: 0,
        backup_eligible: None,
        user_handle: Some(&[1]),
    };
    let _ = verify_authentication(&rp, &challenge, &response, &stored);
});
