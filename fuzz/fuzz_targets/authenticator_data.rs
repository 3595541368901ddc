//! Authenticator data parsing, and the COSE key check on whatever key it finds.
#![no_main]

use bio::webauthn::authenticator_data::AuthenticatorData;
use bio::webauthn::cose::CoseKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(ad) = AuthenticatorData::parse(data) {
        if let Some(acd) = ad.attested_credential_data {
            assert!(acd.credential_id.len() <= 1023);
            let _ = CoseKey::from_value(&acd.credential_public_key_cbor);
            let _ = CoseKey::from_cose(acd.credential_public_key);
        }
    }
});
