//! The W3C JSON forms of a credential, as `PublicKeyCredential.toJSON()` produces them
//! (WebAuthn Level 3 §5.1.8, <https://www.w3.org/TR/webauthn-3/#dictdef-registrationresponsejson>
//! and <https://www.w3.org/TR/webauthn-3/#dictdef-authenticationresponsejson>).
//!
//! Unknown members are ignored (browsers and future spec levels add some). Binary members stay
//! base64url text until a ceremony asks for them, through the `*_bytes` helpers, which decode
//! strictly (see [`base64url`](super::base64url)).

use serde::Deserialize;

use super::base64url;
use super::error::{Error, Part};
use super::json_object;

fn decode(field: &'static str, text: &str) -> Result<Vec<u8>, Error> {
    base64url::decode(text)
        .map_err(|_| Error::malformed(Part::Base64(field), "not unpadded base64url"))
}

/// Both JSON forms and their `response` member are objects (§5.1.8): an array holding the
/// members in order, which serde alone would accept, is malformed.
fn parse<'de, T: Deserialize<'de>>(json: &'de [u8]) -> Result<T, Error> {
    json_object::from_slice(json)
        .map_err(|_| Error::malformed(Part::ResponseJson, "not the expected JSON shape"))
}

/// `RegistrationResponseJSON`: the result of `navigator.credentials.create()`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationResponseJson {
    /// base64url of the credential id.
    pub id: String,
    /// base64url of the credential id (must equal `id`).
    pub raw_id: String,
    /// `"public-key"`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The authenticator's response (an object).
    #[serde(deserialize_with = "json_object::deserialize")]
    pub response: AuthenticatorAttestationResponseJson,
    /// Client extension outputs (not interpreted).
    #[serde(default)]
    pub client_extension_results: serde_json::Map<String, serde_json::Value>,
    /// `"platform"` or `"cross-platform"`, when the browser says.
    #[serde(default)]
    pub authenticator_attachment: Option<String>,
}

/// `AuthenticatorAttestationResponseJSON`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticatorAttestationResponseJson {
    /// base64url of `clientDataJSON`.
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    /// base64url of the CBOR attestation object.
    pub attestation_object: String,
    /// Transport hints (`usb`, `internal`, `hybrid` …), kept for `allowCredentials`.
    #[serde(default)]
    pub transports: Vec<String>,
    /// base64url of the authenticator data (a convenience copy; the verifier reads the one
    /// inside the attestation object).
    #[serde(default)]
    pub authenticator_data: Option<String>,
    /// base64url SubjectPublicKeyInfo (convenience; not used).
    #[serde(default)]
    pub public_key: Option<String>,
    /// COSE algorithm (convenience; not used).
    #[serde(default)]
    pub public_key_algorithm: Option<i64>,
}

/// `AuthenticationResponseJSON`: the result of `navigator.credentials.get()`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationResponseJson {
    /// base64url of the credential id.
    pub id: String,
    /// base64url of the credential id (must equal `id`).
    pub raw_id: String,
    /// `"public-key"`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The authenticator's response (an object).
    #[serde(deserialize_with = "json_object::deserialize")]
    pub response: AuthenticatorAssertionResponseJson,
    /// Client extension outputs (not interpreted).
    #[serde(default)]
    pub client_extension_results: serde_json::Map<String, serde_json::Value>,
    /// `"platform"` or `"cross-platform"`, when the browser says.
    #[serde(default)]
    pub authenticator_attachment: Option<String>,
}

/// `AuthenticatorAssertionResponseJSON`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticatorAssertionResponseJson {
    /// base64url of `clientDataJSON`.
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    /// base64url of the authenticator data.
    pub authenticator_data: String,
    /// base64url of the signature.
    pub signature: String,
    /// base64url of the user handle, when the authenticator returned one.
    #[serde(default)]
    pub user_handle: Option<String>,
}

/// Checks `type` and that `id` and `rawId` name the same credential; returns the id bytes.
fn credential_id(type_: &str, id: &str, raw_id: &str) -> Result<Vec<u8>, Error> {
    if type_ != "public-key" {
        return Err(Error::malformed(
            Part::CredentialType,
            "type is not \"public-key\"",
        ));
    }
    let raw = decode("rawId", raw_id)?;
    // Strict base64url has one encoding per byte string, so equal text means equal bytes.
    if id != raw_id {
        return Err(Error::CredentialIdMismatch);
    }
    Ok(raw)
}

impl RegistrationResponseJson {
    /// Parses the JSON body a client posted.
    pub fn from_slice(json: &[u8]) -> Result<Self, Error> {
        parse(json)
    }

    /// The credential id, after checking `type`, and that `id` equals `rawId`.
    pub fn raw_id_bytes(&self) -> Result<Vec<u8>, Error> {
        credential_id(&self.type_, &self.id, &self.raw_id)
    }

    /// The `clientDataJSON` bytes.
    pub fn client_data_json_bytes(&self) -> Result<Vec<u8>, Error> {
        decode("clientDataJSON", &self.response.client_data_json)
    }

    /// The attestation object bytes.
    pub fn attestation_object_bytes(&self) -> Result<Vec<u8>, Error> {
        decode("attestationObject", &self.response.attestation_object)
    }
}

impl AuthenticationResponseJson {
    /// Parses the JSON body a client posted.
    pub fn from_slice(json: &[u8]) -> Result<Self, Error> {
        parse(json)
    }

    /// The credential id, after checking `type`, and that `id` equals `rawId`.
    pub fn raw_id_bytes(&self) -> Result<Vec<u8>, Error> {
        credential_id(&self.type_, &self.id, &self.raw_id)
    }

    /// The `clientDataJSON` bytes.
    pub fn client_data_json_bytes(&self) -> Result<Vec<u8>, Error> {
        decode("clientDataJSON", &self.response.client_data_json)
    }

    /// The authenticator data bytes.
    pub fn authenticator_data_bytes(&self) -> Result<Vec<u8>, Error> {
        decode("authenticatorData", &self.response.authenticator_data)
    }

    /// The signature bytes.
    pub fn signature_bytes(&self) -> Result<Vec<u8>, Error> {
        decode("signature", &self.response.signature)
    }

    /// The user handle; `None` when absent, `null` or empty (an empty one means "none").
    pub fn user_handle_bytes(&self) -> Result<Option<Vec<u8>>, Error> {
        match self.response.user_handle.as_deref() {
            None | Some("") => Ok(None),
            Some(text) => decode("userHandle", text).map(Some),
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

    const ASSERTION: &str = r#"{"id":"AQI","rawId":"AQI","type":"public-key","response":{
        "clientDataJSON":"e30","authenticatorData":"AA","signature":"AA","userHandle":null},
        "clientExtensionResults":{},"somethingNew":1}"#;

    #[test]
    fn parses_the_json_form_and_ignores_unknown_members() {
        let r = AuthenticationResponseJson::from_slice(ASSERTION.as_bytes()).unwrap();
        assert_eq!(r.raw_id_bytes().unwrap(), vec![1, 2]);
        assert_eq!(r.client_data_json_bytes().unwrap(), b"{}");
        assert_eq!(r.user_handle_bytes().unwrap(), None);
    }

    #[test]
    fn bad_input_gives_the_exact_error() {
        assert_eq!(
            AuthenticationResponseJson::from_slice(b"{}").unwrap_err(),
            Error::malformed(Part::ResponseJson, "not the expected JSON shape")
        );
        // Not an object: the whole response, or its `response` member, as an array of the
        // members in declaration order (serde alone accepts both).
        let shape = Error::malformed(Part::ResponseJson, "not the expected JSON shape");
        let not_objects: &[&str] = &[
            r#"["AQI","AQI","public-key",{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA"},{},null]"#,
            r#"{"id":"AQI","rawId":"AQI","type":"public-key","response":["e30","AA","AA",null]}"#,
            r#"{"id":"AQI","rawId":"AQI","type":"public-key","response":"e30"}"#,
            r#""AQI""#,
            "null",
        ];
        for json in not_objects {
            assert_eq!(
                AuthenticationResponseJson::from_slice(json.as_bytes()).unwrap_err(),
                shape,
                "{json}"
            );
        }
        let registration_as_arrays: &[&str] = &[
            r#"["AQI","AQI","public-key",{"clientDataJSON":"e30","attestationObject":"oA"},{},null]"#,
            r#"{"id":"AQI","rawId":"AQI","type":"public-key","response":["e30","oA",[],null,null,null]}"#,
        ];
        for json in registration_as_arrays {
            assert_eq!(
                RegistrationResponseJson::from_slice(json.as_bytes()).unwrap_err(),
                shape,
                "{json}"
            );
        }
        let registration = r#"{"id":"AQI","rawId":"AQI","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}"#;
        assert!(RegistrationResponseJson::from_slice(registration.as_bytes()).is_ok());

        let cases: &[(&str, &str, Error)] = &[
            (
                r#""id":"AQI""#,
                r#""id":"AQM""#,
                Error::CredentialIdMismatch,
            ),
            (
                r#""rawId":"AQI""#,
                r#""rawId":"AQI=""#,
                Error::malformed(Part::Base64("rawId"), "not unpadded base64url"),
            ),
            (
                r#""type":"public-key""#,
                r#""type":"password""#,
                Error::malformed(Part::CredentialType, "type is not \"public-key\""),
            ),
        ];
        for (from, to, expected) in cases {
            let r = AuthenticationResponseJson::from_slice(ASSERTION.replace(from, to).as_bytes())
                .unwrap();
            assert_eq!(r.raw_id_bytes().unwrap_err(), *expected, "{to}");
        }
        let r = AuthenticationResponseJson::from_slice(
            ASSERTION
                .replace(r#""signature":"AA""#, r#""signature":"A""#)
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(r.signature_bytes().unwrap_err().code(), "malformed_base64");
    }
}
