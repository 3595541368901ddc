//! The bounded CBOR decoder: any input decodes or fails, never panics; a prefix decode agrees
//! with an exact decode.
#![no_main]

use bio::webauthn::cbor;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let exact = cbor::decode_exact(data);
    if let Ok((value, rest)) = cbor::decode_prefix(data) {
        if rest.is_empty() {
            assert_eq!(exact, Ok(value));
        } else {
            assert_eq!(exact, Err(cbor::Error::TrailingBytes));
        }
    }
});
