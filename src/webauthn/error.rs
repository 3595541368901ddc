//! The verifier's one error type.
//!
//! Variants name what failed, a little finer than the vector classes of
//! `shared/vectors/SCHEMA.md`: [`Error::class`] maps each to exactly one class, [`Error::code`]
//! gives the stable snake_case code an API may return. `Display` is for logs and developers;
//! user-facing wording is chosen at the edge. Messages never include challenges, keys or
//! credential ids.

use core::fmt;

use super::cbor;

/// The part of a response that could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The response JSON itself (`RegistrationResponseJSON` / `AuthenticationResponseJSON`).
    ResponseJson,
    /// A base64url member of the response JSON, by name.
    Base64(&'static str),
    /// `PublicKeyCredential.type` was not `"public-key"`.
    CredentialType,
    /// `clientDataJSON`.
    ClientData,
    /// The attestation object (CBOR map `{fmt, attStmt, authData}`).
    AttestationObject,
    /// Authenticator data (§6.1).
    AuthenticatorData,
    /// The credential public key (COSE_Key, §6.5.1.1).
    CoseKey,
}

impl Part {
    fn code(self) -> &'static str {
        match self {
            Part::ResponseJson => "malformed_response",
            Part::Base64(_) => "malformed_base64",
            Part::CredentialType => "malformed_credential_type",
            Part::ClientData => "malformed_client_data",
            Part::AttestationObject => "malformed_attestation_object",
            Part::AuthenticatorData => "malformed_authenticator_data",
            Part::CoseKey => "malformed_public_key",
        }
    }
}

/// Why an attestation statement was refused (§7.1 steps 22–23, §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attestation {
    /// `fmt` is not a registered attestation statement format.
    UnknownFormat,
    /// `attStmt` does not have the shape the format defines.
    MalformedStatement,
    /// The attestation certificate could not be read or holds the wrong kind of key.
    Certificate,
    /// `attStmt.alg` is not the credential's algorithm (packed self attestation).
    AlgorithmMismatch,
    /// The attestation signature does not verify.
    Signature,
    /// A certificate the format constrains does not meet its requirements (§8.2.1 version,
    /// subject, CA; §8.3.1 SAN and EKU; a missing nonce or key description extension; the
    /// SafetyNet hostname).
    CertificateRequirement,
    /// The id-fido-gen-ce-aaguid certificate extension is not the authenticator data's AAGUID.
    AaguidMismatch,
    /// What binds the statement to this registration does not match: the Apple nonce
    /// extension, the SafetyNet nonce, the Android attestationChallenge or TPM extraData.
    NonceMismatch,
    /// The certificate's (or TPM pubArea's) key is not the credential public key.
    PublicKeyMismatch,
    /// The Android key authorization lists do not meet §8.4 (allApplications, origin, purpose).
    AuthorizationList,
    /// The SafetyNet payload's ctsProfileMatch is not true.
    DeviceIntegrity,
}

/// Every way a ceremony can fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// Something could not be decoded; `detail` says what was wrong with it.
    Malformed {
        /// What was being decoded.
        part: Part,
        /// What was wrong (a fixed phrase, no input data).
        detail: &'static str,
    },
    /// `C.type` is not the ceremony's (`webauthn.create` / `webauthn.get`).
    ClientDataType,
    /// `C.challenge` is not the challenge the server issued.
    Challenge,
    /// `C.origin` is not one of the relying party's origins.
    Origin,
    /// `C.crossOrigin` is true or `C.topOrigin` is present: Bio is never framed.
    CrossOrigin,
    /// `rpIdHash` is not SHA-256 of the RP ID.
    RpIdHash,
    /// The UP flag is not set.
    UserNotPresent,
    /// The UV flag is not set although user verification is required.
    UserNotVerified,
    /// BS is set while BE is not.
    BackupStateWithoutEligibility,
    /// BE differs from the value recorded at registration.
    BackupEligibilityChanged,
    /// The credential's COSE algorithm is not ES256, EdDSA or RS256.
    UnsupportedAlgorithm(i64),
    /// The assertion signature does not verify.
    Signature,
    /// The signature counter did not increase.
    SignCountRegressed {
        /// The counter the server stored.
        stored: u32,
        /// The counter in this assertion.
        received: u32,
    },
    /// `userHandle` is not the credential owner's.
    UserHandleMismatch,
    /// The attestation statement was refused.
    Attestation(Attestation),
    /// The credential id differs between `id`, `rawId`, the authenticator data or the stored
    /// credential.
    CredentialIdMismatch,
    /// The stored credential's public key could not be used (server-side data, not the client's).
    StoredCredential,
}

/// The classes of `shared/vectors/SCHEMA.md`: what kind of check refused a ceremony. The edge
/// matches on it exhaustively to choose the sentence a person reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    Malformed,
    Type,
    Challenge,
    Origin,
    RpId,
    UserPresent,
    UserVerified,
    BackupState,
    UnsupportedAlg,
    Signature,
    SignCount,
    UserHandle,
    Attestation,
    Other,
}

impl ErrorClass {
    /// The class's name in `SCHEMA.md`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Malformed => "malformed",
            ErrorClass::Type => "type",
            ErrorClass::Challenge => "challenge",
            ErrorClass::Origin => "origin",
            ErrorClass::RpId => "rp_id",
            ErrorClass::UserPresent => "user_present",
            ErrorClass::UserVerified => "user_verified",
            ErrorClass::BackupState => "backup_state",
            ErrorClass::UnsupportedAlg => "unsupported_alg",
            ErrorClass::Signature => "signature",
            ErrorClass::SignCount => "sign_count",
            ErrorClass::UserHandle => "user_handle",
            ErrorClass::Attestation => "attestation",
            ErrorClass::Other => "other",
        }
    }
}

impl core::fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// So a harness can compare a class with the name a vector file gives.
impl PartialEq<&str> for ErrorClass {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for ErrorClass {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl Error {
    /// A malformed-input error.
    pub(crate) fn malformed(part: Part, detail: &'static str) -> Self {
        Error::Malformed { part, detail }
    }

    /// The vector class (`shared/vectors/SCHEMA.md`) this error belongs to.
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Malformed { .. } => ErrorClass::Malformed,
            Error::ClientDataType => ErrorClass::Type,
            Error::Challenge => ErrorClass::Challenge,
            Error::Origin | Error::CrossOrigin => ErrorClass::Origin,
            Error::RpIdHash => ErrorClass::RpId,
            Error::UserNotPresent => ErrorClass::UserPresent,
            Error::UserNotVerified => ErrorClass::UserVerified,
            Error::BackupStateWithoutEligibility | Error::BackupEligibilityChanged => {
                ErrorClass::BackupState
            }
            Error::UnsupportedAlgorithm(_) => ErrorClass::UnsupportedAlg,
            Error::Signature => ErrorClass::Signature,
            Error::SignCountRegressed { .. } => ErrorClass::SignCount,
            Error::UserHandleMismatch => ErrorClass::UserHandle,
            Error::Attestation(_) => ErrorClass::Attestation,
            Error::CredentialIdMismatch | Error::StoredCredential => ErrorClass::Other,
        }
    }

    /// A stable snake_case code for APIs and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Malformed { part, .. } => part.code(),
            Error::ClientDataType => "client_data_type_mismatch",
            Error::Challenge => "challenge_mismatch",
            Error::Origin => "origin_not_allowed",
            Error::CrossOrigin => "cross_origin_not_allowed",
            Error::RpIdHash => "rp_id_hash_mismatch",
            Error::UserNotPresent => "user_not_present",
            Error::UserNotVerified => "user_not_verified",
            Error::BackupStateWithoutEligibility => "backup_state_without_eligibility",
            Error::BackupEligibilityChanged => "backup_eligibility_changed",
            Error::UnsupportedAlgorithm(_) => "unsupported_algorithm",
            Error::Signature => "signature_invalid",
            Error::SignCountRegressed { .. } => "sign_count_regressed",
            Error::UserHandleMismatch => "user_handle_mismatch",
            Error::Attestation(a) => match a {
                Attestation::UnknownFormat => "attestation_format_unknown",
                Attestation::MalformedStatement => "attestation_statement_malformed",
                Attestation::Certificate => "attestation_certificate_invalid",
                Attestation::AlgorithmMismatch => "attestation_algorithm_mismatch",
                Attestation::Signature => "attestation_signature_invalid",
                Attestation::CertificateRequirement => "attestation_certificate_requirement",
                Attestation::AaguidMismatch => "attestation_aaguid_mismatch",
                Attestation::NonceMismatch => "attestation_nonce_mismatch",
                Attestation::PublicKeyMismatch => "attestation_public_key_mismatch",
                Attestation::AuthorizationList => "attestation_authorization_list",
                Attestation::DeviceIntegrity => "attestation_device_integrity",
            },
            Error::CredentialIdMismatch => "credential_id_mismatch",
            Error::StoredCredential => "stored_credential_invalid",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Malformed { part, detail } => {
                let what = match part {
                    Part::ResponseJson => "response JSON",
                    Part::Base64(field) => {
                        return write!(f, "malformed base64url in {field}: {detail}");
                    }
                    Part::CredentialType => "credential type",
                    Part::ClientData => "clientDataJSON",
                    Part::AttestationObject => "attestation object",
                    Part::AuthenticatorData => "authenticator data",
                    Part::CoseKey => "credential public key",
                };
                write!(f, "malformed {what}: {detail}")
            }
            Error::ClientDataType => f.write_str("clientDataJSON type is not this ceremony's"),
            Error::Challenge => f.write_str("challenge does not match the one issued"),
            Error::Origin => f.write_str("origin is not one of the relying party's"),
            Error::CrossOrigin => f.write_str("cross-origin (framed) ceremony refused"),
            Error::RpIdHash => f.write_str("rpIdHash is not the hash of the RP ID"),
            Error::UserNotPresent => f.write_str("user presence flag not set"),
            Error::UserNotVerified => f.write_str("user verification required but not performed"),
            Error::BackupStateWithoutEligibility => {
                f.write_str("backup state set on a credential that is not backup eligible")
            }
            Error::BackupEligibilityChanged => {
                f.write_str("backup eligibility changed since registration")
            }
            Error::UnsupportedAlgorithm(alg) => write!(f, "unsupported COSE algorithm {alg}"),
            Error::Signature => f.write_str("signature does not verify"),
            Error::SignCountRegressed { stored, received } => {
                write!(
                    f,
                    "signature counter {received} is not above the stored {stored}"
                )
            }
            Error::UserHandleMismatch => f.write_str("userHandle is not the credential owner's"),
            Error::Attestation(a) => {
                let why = match a {
                    Attestation::UnknownFormat => "unknown attestation statement format",
                    Attestation::MalformedStatement => "malformed attestation statement",
                    Attestation::Certificate => "unusable attestation certificate",
                    Attestation::AlgorithmMismatch => {
                        "attestation algorithm is not the credential's"
                    }
                    Attestation::Signature => "attestation signature does not verify",
                    Attestation::CertificateRequirement => {
                        "attestation certificate does not meet the format's requirements"
                    }
                    Attestation::AaguidMismatch => {
                        "attestation certificate AAGUID is not the authenticator's"
                    }
                    Attestation::NonceMismatch => {
                        "attestation nonce does not bind this registration"
                    }
                    Attestation::PublicKeyMismatch => {
                        "attested key is not the credential public key"
                    }
                    Attestation::AuthorizationList => {
                        "android key authorization lists do not allow this credential"
                    }
                    Attestation::DeviceIntegrity => "safetynet ctsProfileMatch is not true",
                };
                f.write_str(why)
            }
            Error::CredentialIdMismatch => f.write_str("credential id mismatch"),
            Error::StoredCredential => f.write_str("stored credential public key is unusable"),
        }
    }
}

impl std::error::Error for Error {}

impl From<cbor::Error> for Attestation {
    fn from(_: cbor::Error) -> Self {
        Attestation::MalformedStatement
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

    const CLASSES: &[&str] = &[
        "origin",
        "challenge",
        "type",
        "rp_id",
        "user_present",
        "user_verified",
        "signature",
        "sign_count",
        "malformed",
        "unsupported_alg",
        "attestation",
        "backup_state",
        "user_handle",
        "other",
    ];

    #[test]
    fn every_error_has_a_schema_class_and_a_snake_case_code() {
        let all = [
            Error::malformed(Part::ClientData, "x"),
            Error::malformed(Part::Base64("rawId"), "x"),
            Error::ClientDataType,
            Error::Challenge,
            Error::Origin,
            Error::CrossOrigin,
            Error::RpIdHash,
            Error::UserNotPresent,
            Error::UserNotVerified,
            Error::BackupStateWithoutEligibility,
            Error::BackupEligibilityChanged,
            Error::UnsupportedAlgorithm(-999),
            Error::Signature,
            Error::SignCountRegressed {
                stored: 2,
                received: 1,
            },
            Error::UserHandleMismatch,
            Error::Attestation(Attestation::UnknownFormat),
            Error::Attestation(Attestation::NonceMismatch),
            Error::Attestation(Attestation::AaguidMismatch),
            Error::CredentialIdMismatch,
            Error::StoredCredential,
        ];
        for e in all {
            assert!(CLASSES.contains(&e.class().as_str()), "{e:?}");
            assert!(
                e.code()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{e:?}"
            );
            assert!(!e.to_string().is_empty());
        }
        assert_eq!(
            Error::SignCountRegressed {
                stored: 2,
                received: 1
            }
            .code(),
            "sign_count_regressed"
        );
    }
}
