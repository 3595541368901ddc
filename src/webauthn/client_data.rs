//! `CollectedClientData` (WebAuthn Level 3 §5.8.1,
//! <https://www.w3.org/TR/webauthn-3/#dictdef-collectedclientdata>): the JSON the browser signs
//! over (through its hash) in both ceremonies.
//!
//! Parsed with an ordinary JSON parser, as §7.1 step 6 / §7.2 step 10 allow ("an
//! implementation-specific JSON parser"); unknown members are ignored, as the spec requires
//! (browsers add e.g. `other_keys_can_be_added_here`). The limited verification algorithm of
//! §5.8.1.2 is not used. The checks are separate methods so each ceremony calls them in its own
//! step order.

use std::borrow::Cow;

use serde::Deserialize;

use super::base64url;
use super::error::{Error, Part};
use super::json_object;

/// The members of `CollectedClientData` the verifier reads.
#[derive(Debug, Deserialize)]
pub struct CollectedClientData<'a> {
    /// `"webauthn.create"` or `"webauthn.get"`.
    #[serde(rename = "type", borrow)]
    pub type_: Cow<'a, str>,
    /// base64url of the challenge the relying party issued.
    #[serde(borrow)]
    pub challenge: Cow<'a, str>,
    /// The origin of the page that called the API.
    #[serde(borrow)]
    pub origin: Cow<'a, str>,
    /// `true` when the caller was in a cross-origin iframe.
    #[serde(rename = "crossOrigin", default)]
    pub cross_origin: Option<bool>,
    /// The top-level origin when the caller was framed.
    #[serde(rename = "topOrigin", borrow, default)]
    pub top_origin: Option<Cow<'a, str>>,
}

impl<'a> CollectedClientData<'a> {
    /// Parses `clientDataJSON`: UTF-8 JSON whose top-level value is an object (§5.8.1
    /// "the JSON-compatible serialization of" a dictionary); malformed if not, including a JSON
    /// array holding the right values in member order, which serde alone would accept.
    pub fn parse(json: &'a [u8]) -> Result<Self, Error> {
        json_object::from_slice(json)
            .map_err(|_| Error::malformed(Part::ClientData, "not the expected JSON"))
    }

    /// `C.type` must be `expected` (`webauthn.create` or `webauthn.get`).
    pub fn check_type(&self, expected: &str) -> Result<(), Error> {
        if self.type_ == expected {
            Ok(())
        } else {
            Err(Error::ClientDataType)
        }
    }

    /// `C.challenge` must be the base64url encoding of `expected`. The strict decoder makes this
    /// byte comparison equal to the spec's string comparison.
    pub fn check_challenge(&self, expected: &[u8]) -> Result<(), Error> {
        let received = base64url::decode(&self.challenge).map_err(|_| Error::Challenge)?;
        if received == expected {
            Ok(())
        } else {
            Err(Error::Challenge)
        }
    }

    /// `C.origin` must be exactly one of `origins`.
    pub fn check_origin(&self, origins: &[String]) -> Result<(), Error> {
        if origins.iter().any(|o| *o == self.origin) {
            Ok(())
        } else {
            Err(Error::Origin)
        }
    }

    /// NOT IN SPEC as a hard rule: the spec lets a relying party accept framed ceremonies; Bio's
    /// pages are never framed, so `crossOrigin: true` is refused.
    pub fn check_not_cross_origin(&self) -> Result<(), Error> {
        if self.cross_origin == Some(true) {
            Err(Error::CrossOrigin)
        } else {
            Ok(())
        }
    }

    /// NOT IN SPEC as a hard rule: any `topOrigin` means the page was framed; refused.
    pub fn check_no_top_origin(&self) -> Result<(), Error> {
        if self.top_origin.is_some() {
            Err(Error::CrossOrigin)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use super::*;

    #[test]
    fn parses_and_checks() {
        let json = br#"{"type":"webauthn.get","challenge":"AQID","origin":"https://a.example","crossOrigin":false,"other_keys_can_be_added_here":"x"}"#;
        let c = CollectedClientData::parse(json).unwrap();
        assert_eq!(c.check_type("webauthn.get"), Ok(()));
        assert_eq!(c.check_type("webauthn.create"), Err(Error::ClientDataType));
        assert_eq!(c.check_challenge(&[1, 2, 3]), Ok(()));
        assert_eq!(c.check_challenge(&[1, 2]), Err(Error::Challenge));
        assert_eq!(c.check_origin(&["https://a.example".into()]), Ok(()));
        assert_eq!(
            c.check_origin(&["https://a.example/".into()]),
            Err(Error::Origin)
        );
        assert_eq!(c.check_not_cross_origin(), Ok(()));
        assert_eq!(c.check_no_top_origin(), Ok(()));
    }

    #[test]
    fn escaped_strings_are_decoded() {
        let json =
            br#"{"type":"webauthn\u002eget","challenge":"AQID","origin":"https:\/\/a.example"}"#;
        let c = CollectedClientData::parse(json).unwrap();
        assert_eq!(c.check_type("webauthn.get"), Ok(()));
        assert_eq!(c.check_origin(&["https://a.example".into()]), Ok(()));
    }

    #[test]
    fn bad_input_gives_the_exact_error() {
        let malformed = Error::malformed(Part::ClientData, "not the expected JSON");
        let cases: &[(&[u8], Error)] = &[
            (b"", malformed),
            (b"[]", malformed),
            // The members as an array, in declaration order: serde alone accepts this.
            (br#"["webauthn.get","AQID","https://a.example"]"#, malformed),
            (
                br#"["webauthn.get","AQID","https://a.example",false,null]"#,
                malformed,
            ),
            (br#""webauthn.get""#, malformed),
            (b"null", malformed),
            (b"1", malformed),
            (
                br#"{"type":"t","challenge":"AQID","origin":"o"}[]"#,
                malformed,
            ), // trailing
            (br#"{"type":"webauthn.get","challenge":"AQID"}"#, malformed), // no origin
            (br#"{"type":1,"challenge":"AQID","origin":"o"}"#, malformed),
            (
                br#"{"type":"t","type":"t","challenge":"AQID","origin":"o"}"#,
                malformed,
            ), // duplicate
            (
                b"{\"type\":\"\xff\",\"challenge\":\"AQID\",\"origin\":\"o\"}",
                malformed,
            ), // not UTF-8
        ];
        for (json, expected) in cases {
            assert_eq!(CollectedClientData::parse(json).unwrap_err(), *expected);
        }
        let framed = br#"{"type":"t","challenge":"AQ==","origin":"o","crossOrigin":true,"topOrigin":"https://evil"}"#;
        let c = CollectedClientData::parse(framed).unwrap();
        assert_eq!(c.check_challenge(&[1]), Err(Error::Challenge)); // padded: not canonical
        assert_eq!(c.check_not_cross_origin(), Err(Error::CrossOrigin));
        assert_eq!(c.check_no_top_origin(), Err(Error::CrossOrigin));
    }
}
