//! The bounded X.509 walk behind every attestation format with `x5c`: parsing, then every
//! accessor the formats call (key, extensions, basic constraints, subject attributes).
#![no_main]

use bio::webauthn::attestation::certificate::{COMMON_NAME, Certificate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(cert) = Certificate::parse(data) {
        let _ = cert.public_key();
        let _ = cert.is_ca();
        let _ = cert.subject_values(COMMON_NAME);
        // The aaguid, Android key description and Apple nonce extensions.
        for oid in [
            &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xe5, 0x1c, 0x01, 0x01, 0x04][..],
            &[0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x01, 0x11],
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x08, 0x02],
        ] {
            // Parse walked every extension already: a lookup cannot meet bad DER.
            assert!(cert.extension(oid).is_ok());
        }
    }
});
