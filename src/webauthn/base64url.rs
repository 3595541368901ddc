//! base64url without padding (RFC 4648 §5), the encoding of every binary member of the W3C
//! JSON forms (`RegistrationResponseJSON`, `AuthenticationResponseJSON`) and of
//! `CollectedClientData.challenge`.
//!
//! Decoding is strict: padding (`=`), the standard alphabet (`+`, `/`), whitespace and
//! non-zero trailing bits are all refused. The browser's `toJSON()` never pads, and strictness
//! makes the encoding of a byte string unique, so comparing two encodings as strings is the
//! same as comparing the bytes (the spec compares `C.challenge` as a string).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The input is not canonical unpadded base64url.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError;

/// Decodes unpadded base64url; refuses padding and non-canonical trailing bits.
pub fn decode(text: &str) -> Result<Vec<u8>, DecodeError> {
    URL_SAFE_NO_PAD.decode(text).map_err(|_| DecodeError)
}

/// Encodes as unpadded base64url.
pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn round_trips() {
        for len in 0..40usize {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 250) as u8).collect();
            assert_eq!(decode(&encode(&bytes)).unwrap(), bytes);
        }
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn refuses_non_canonical_forms() {
        for bad in ["AQ==", "AQ=", "+/8", "A", "AQ\n", " AQ", "AR"] {
            assert_eq!(decode(bad), Err(DecodeError), "{bad:?}");
        }
        assert_eq!(decode("AQ").unwrap(), vec![1]);
        assert_eq!(decode("").unwrap(), Vec::<u8>::new());
    }
}
