//! The `none` attestation statement format (WebAuthn Level 3 §8.7,
//! <https://www.w3.org/TR/webauthn-3/#sctn-none-attestation>): `attStmt` is an empty map.

use super::{AttestationType, Input};
use crate::webauthn::error::{Attestation, Error};

/// The format identifier.
pub const FORMAT: &str = "none";

/// §8.7 verification procedure: "Return implementation-specific values representing
/// attestation type None and an empty attestation trust path." The syntax is `{}`, so anything
/// else in `attStmt` is refused.
pub fn verify(input: &Input<'_>) -> Result<AttestationType, Error> {
    match input.att_stmt.as_map() {
        Some([]) => Ok(AttestationType::None),
        _ => Err(Error::Attestation(Attestation::MalformedStatement)),
    }
}
