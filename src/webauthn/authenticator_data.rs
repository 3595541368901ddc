//! Authenticator data (WebAuthn Level 3 §6.1,
//! <https://www.w3.org/TR/webauthn-3/#sctn-authenticator-data>) and attested credential data
//! (§6.5.1, <https://www.w3.org/TR/webauthn-3/#sctn-attested-credential-data>).
//!
//! ```text
//! rpIdHash (32) | flags (1) | signCount (4, big-endian)
//!   [AT] aaguid (16) | credentialIdLength (2) | credentialId (L) | credentialPublicKey (CBOR)
//!   [ED] extensions (CBOR map)
//! ```
//!
//! Parsing is exact: every byte must belong to one of these fields. The credential public key
//! and the extensions are decoded with the bounded [`cbor`](super::cbor) decoder; the key's
//! meaning (algorithm, curve, point) is left to [`cose`](super::cose), so that the ceremony can
//! check it at the step the spec names. Extension entries are never interpreted or refused.

use super::cbor::{self, Value};
use super::error::{Error, Part};
use super::reader::Reader;

/// The largest credential id accepted (§7.1: "Verify that the credentialId is ≤ 1023 bytes").
pub const MAX_CREDENTIAL_ID_LEN: usize = 1023;

/// The flags byte (§6.1). Bits 1 and 5 are reserved for future use and ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags(pub u8);

impl Flags {
    /// User Present.
    pub const UP: u8 = 0x01;
    /// User Verified.
    pub const UV: u8 = 0x04;
    /// Backup Eligibility.
    pub const BE: u8 = 0x08;
    /// Backup State.
    pub const BS: u8 = 0x10;
    /// Attested credential data included.
    pub const AT: u8 = 0x40;
    /// Extension data included.
    pub const ED: u8 = 0x80;

    /// Whether every bit of `bit` is set.
    pub fn has(self, bit: u8) -> bool {
        self.0 & bit == bit
    }
}

/// Attested credential data (§6.5.1), present when AT is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestedCredentialData<'a> {
    /// The authenticator model's AAGUID.
    pub aaguid: [u8; 16],
    /// The credential id, at most [`MAX_CREDENTIAL_ID_LEN`] bytes.
    pub credential_id: &'a [u8],
    /// The COSE_Key exactly as encoded in the authenticator data.
    pub credential_public_key: &'a [u8],
    /// The same key, decoded as CBOR (not yet checked as a COSE key).
    pub credential_public_key_cbor: Value<'a>,
}

/// Parsed authenticator data, borrowing from the bytes it was parsed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatorData<'a> {
    /// SHA-256 of the RP ID the credential is scoped to.
    pub rp_id_hash: &'a [u8; 32],
    /// The flags byte.
    pub flags: Flags,
    /// The signature counter.
    pub sign_count: u32,
    /// Present when AT is set.
    pub attested_credential_data: Option<AttestedCredentialData<'a>>,
    /// The authenticator extension outputs (a CBOR map), present when ED is set.
    pub extensions: Option<Value<'a>>,
}

fn bad(detail: &'static str) -> Error {
    Error::malformed(Part::AuthenticatorData, detail)
}

impl<'a> AuthenticatorData<'a> {
    /// Parses authenticator data that must span all of `bytes`.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(bytes);
        let rp_id_hash = r.array::<32>().map_err(|_| bad("shorter than 37 bytes"))?;
        let flags = Flags(r.u8().map_err(|_| bad("shorter than 37 bytes"))?);
        let sign_count = r.u32_be().map_err(|_| bad("shorter than 37 bytes"))?;

        let attested_credential_data =
            if flags.has(Flags::AT) { Some(Self::attested(&mut r)?) } else { None };

        let extensions = if flags.has(Flags::ED) {
            let (value, rest) = cbor::decode_prefix(r.rest()).map_err(|e| bad(e.as_str()))?;
            if value.as_map().is_none() {
                return Err(bad("extensions are not a CBOR map"));
            }
            r = Reader::new(rest);
            Some(value)
        } else {
            None
        };

        r.finish().map_err(|_| bad("trailing bytes"))?;
        Ok(Self { rp_id_hash, flags, sign_count, attested_credential_data, extensions })
    }

    fn attested(r: &mut Reader<'a>) -> Result<AttestedCredentialData<'a>, Error> {
        let aaguid = *r.array::<16>().map_err(|_| bad("attested credential data truncated"))?;
        let len = usize::from(r.u16_be().map_err(|_| bad("attested credential data truncated"))?);
        if len > MAX_CREDENTIAL_ID_LEN {
            return Err(bad("credential id longer than 1023 bytes"));
        }
        let credential_id = r.take(len).map_err(|_| bad("credential id truncated"))?;
        let start = r.rest();
        let (key, rest) = cbor::decode_prefix(start).map_err(|e| bad(e.as_str()))?;
        let used = start.len() - rest.len();
        let credential_public_key = r.take(used).map_err(|_| bad("credential public key truncated"))?;
        Ok(AttestedCredentialData {
            aaguid,
            credential_id,
            credential_public_key,
            credential_public_key_cbor: key,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;
    use crate::webauthn::cbor::tests::hex;

    const RP: &str = "49960de5880e8c687434170f6476605b8fe4aeb9a28632c7995cf3ba831d9763";

    fn assertion(flags: &str, tail: &str) -> Vec<u8> {
        hex(&format!("{RP} {flags} 0000002a {tail}"))
    }

    #[test]
    fn parses_an_assertion() {
        let bytes = assertion("05", ""); // UP|UV, counter 42
        let ad = AuthenticatorData::parse(&bytes).unwrap();
        assert!(ad.flags.has(Flags::UP) && ad.flags.has(Flags::UV) && !ad.flags.has(Flags::BE));
        assert_eq!(ad.sign_count, 42);
        assert_eq!(ad.rp_id_hash[0], 0x49);
        assert!(ad.attested_credential_data.is_none() && ad.extensions.is_none());
    }

    #[test]
    fn parses_attested_credential_data_and_extensions() {
        let bytes = assertion(
            "c5", // ED|AT|UV|UP
            "000102030405060708090a0b0c0d0e0f # aaguid
             0002 abcd                        # credentialIdLength 2, credentialId
             a1 01 02                         # key {1: 2} (COSE meaning checked elsewhere)
             a1 6b 6372656450726f74656374 02  # extensions {\"credProtect\": 2}",
        );
        let ad = AuthenticatorData::parse(&bytes).unwrap();
        let acd = ad.attested_credential_data.unwrap();
        assert_eq!(acd.aaguid[15], 0x0f);
        assert_eq!(acd.credential_id, &[0xab, 0xcd]);
        assert_eq!(acd.credential_public_key, &[0xa1, 0x01, 0x02]);
        assert_eq!(ad.extensions.unwrap().get_text_key("credProtect"), Some(&Value::Int(2)));
    }

    #[test]
    fn bad_input_gives_the_exact_error() {
        let long_id = format!("{} 0400 {}", "00".repeat(16), "00".repeat(1024));
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (hex(RP), "shorter than 37 bytes"),
            (assertion("01", "00"), "trailing bytes"),
            (assertion("41", ""), "attested credential data truncated"), // AT, nothing after
            (assertion("41", &format!("{} 0005 abcd", "00".repeat(16))), "credential id truncated"),
            (assertion("41", &long_id), "credential id longer than 1023 bytes"),
            (assertion("41", &format!("{} 0000 a1 01", "00".repeat(16))), "CBOR length larger than the input"),
            (assertion("41", &format!("{} 0000 a0 a0", "00".repeat(16))), "trailing bytes"), // ED clear
            (assertion("81", ""), "CBOR ended inside an item"),       // ED, no map
            (assertion("81", "01"), "extensions are not a CBOR map"), // ED, an int
            (assertion("81", "a0 00"), "trailing bytes"),             // ED, map, then a byte
            (assertion("81", "a2 01 00 01 00"), "duplicate CBOR map key"),
            (assertion("81", &"a1 01 ".repeat(20)), "CBOR nested too deeply"),
        ];
        for (bytes, detail) in cases {
            assert_eq!(
                AuthenticatorData::parse(&bytes),
                Err(Error::malformed(Part::AuthenticatorData, detail)),
                "{detail}"
            );
        }
    }

    #[test]
    fn unknown_extensions_are_kept_not_refused() {
        let bytes = assertion("81", "a1 63 666f6f f6"); // {"foo": null}
        assert!(AuthenticatorData::parse(&bytes).unwrap().extensions.is_some());
    }
}
