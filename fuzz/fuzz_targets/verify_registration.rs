//! A whole registration ceremony on fuzzed bytes. The input is split into clientDataJSON and
//! the attestation object at its first 0x00 byte (seed corpus: fuzz/seeds.sh); the rest of the
//! response is fixed.
#![no_main]

use bio::webauthn::base64url::encode;
use bio::webauthn::{RegistrationResponseJson, RelyingParty, verify_registration};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (client_data, object) = match data.iter().position(|&b| b == 0) {
        Some(i) => (data.get(..i).unwrap_or_default(), data.get(i + 1..).unwrap_or_default()),
        None => (data, &[][..]),
    };
    let json = format!(
        r#"{{"id":"AQ","rawId":"AQ","type":"public-key","response":{{"clientDataJSON":"{}","attestationObject":"{}"}},"clientExtensionResults":{{}}}}"#,
        encode(client_data),
        encode(object)
    );
    let Ok(response) = RegistrationResponseJson::from_slice(json.as_bytes()) else { return };
    let origins = ["https://example.org".to_owned()];
    let rp = RelyingParty { rp_id: "example.org", origins: &origins, require_user_verification: false };
    let _ = verify_registration(&rp, b"challenge", &response);
});
