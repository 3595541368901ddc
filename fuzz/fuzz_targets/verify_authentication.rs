//! A whole authentication ceremony on fuzzed bytes: the input is split at its first two 0x00
//! bytes into clientDataJSON, authenticatorData and signature, checked against a fixed ES256
//! stored key.
#![no_main]

use bio::webauthn::base64url::{decode, encode};
use bio::webauthn::{AuthenticationResponseJson, RelyingParty, StoredCredential, verify_authentication};
use libfuzzer_sys::fuzz_target;

/// An ES256 COSE key (from the py_webauthn vectors).
const KEY: &str = "pQECAyYgASFYIIeDTe-gN8A-zQclHoRnGFWN8ehM1b7yAsa8I8KIvmplIlgg4nFGT5px8o6gpPZZhO01wdy9crDSA_Ngtkx0vGpvPHI";

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |&b| b == 0);
    let client_data = parts.next().unwrap_or_default();
    let auth_data = parts.next().unwrap_or_default();
    let signature = parts.next().unwrap_or_default();
    let json = format!(
        r#"{{"id":"AQ","rawId":"AQ","type":"public-key","response":{{"clientDataJSON":"{}","authenticatorData":"{}","signature":"{}","userHandle":"AQ"}},"clientExtensionResults":{{}}}}"#,
        encode(client_data),
        encode(auth_data),
        encode(signature)
    );
    let Ok(response) = AuthenticationResponseJson::from_slice(json.as_bytes()) else { return };
    let Ok(key) = decode(KEY) else { return };
    let origins = ["http://localhost:5000".to_owned()];
    let rp = RelyingParty { rp_id: "localhost", origins: &origins, require_user_verification: false };
    let stored = StoredCredential {
        id: &[1],
        public_key_cose: &key,
        sign_count: 0,
        backup_eligible: None,
        user_handle: Some(&[1]),
    };
    let _ = verify_authentication(&rp, b"challenge", &response, &stored);
});
