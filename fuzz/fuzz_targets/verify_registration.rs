//! A whole registration ceremony on fuzzed bytes: `rp_id`, `clientDataJSON` (each
//! prefixed by a u16 big-endian length), then the attestation object (seeds: make_seeds.py). The expected challenge and origin are taken from
//! the fuzzed clientDataJSON itself when it has them, so inputs grown from real responses get
//! past the client data checks and exercise the attestation object, authenticator data, COSE
//! key and attestation statement code.
#![no_main]

use bio::webauthn::base64url::{decode, encode};
use bio::webauthn::{RegistrationResponseJson, RelyingParty, verify_registration};
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
    let Some(([rp_id, client_data], object)) = split::<2>(data) else { return };
    let Ok(rp_id) = std::str::from_utf8(rp_id) else { return };
    let claimed: serde_json::Value = serde_json::from_slice(client_data).unwrap_or_default();
    let challenge = claimed["challenge"].as_str().and_then(|c| decode(c).ok()).unwrap_or_default();
    let origins = [claimed["origin"].as_str().unwrap_or("https://example.org").to_owned()];
    // rawId: the attested credential id is not known here; a mismatch is the last check.
    let json = format!(
        r#"{{"id":"AQ","rawId":"AQ","type":"public-key","response":{{"clientDataJSON":"{}","attestationObject":"{}"}},"clientExtensionResults":{{}}}}"#,
        encode(client_data),
        encode(object)
    );
    let Ok(response) = RegistrationResponseJson::from_slice(json.as_bytes()) else { return };
    let rp = RelyingParty { rp_id, origins: &origins, require_user_verification: false };
    let _ = verify_registration(&rp, &challenge, &response);
});
