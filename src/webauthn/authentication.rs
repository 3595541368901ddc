//! §7.2 "Verifying an Authentication Assertion" of WebAuthn Level 3
//! (<https://www.w3.org/TR/webauthn-3/#sctn-verifying-assertion>): from the browser's
//! `AuthenticationResponseJSON` and the stored credential to the new counter value.
//!
//! Steps are numbered as in the Level 3 text of the verifier's writing; the quoted sentence is
//! what counts. The server looks the credential up by `rawId` before calling
//! [`verify_authentication`] and stores the returned counter afterwards.
//!
//! This is the sign-in hot path: clientDataJSON is hashed once, the signed data is hashed in
//! one pass without concatenating (ES256, RS256), and nothing is copied that need not be.

use sha2::{Digest as _, Sha256};

use super::RelyingParty;
use super::authenticator_data::{AuthenticatorData, Flags};
use super::client_data::CollectedClientData;
use super::cose::CoseKey;
use super::error::Error;
use super::response::AuthenticationResponseJson;

/// The credential record the server stored at registration.
#[derive(Debug, Clone, Copy)]
pub struct StoredCredential<'a> {
    /// The credential id.
    pub id: &'a [u8],
    /// The COSE_Key bytes from registration.
    pub public_key_cose: &'a [u8],
    /// The last signature counter seen.
    pub sign_count: u32,
    /// BE at registration; `None` when unknown (then BE is not compared).
    pub backup_eligible: Option<bool>,
    /// The owner's user handle; `None` when unknown (then a `userHandle` is not compared, and is
    /// returned for the server to resolve).
    pub user_handle: Option<&'a [u8]>,
}

/// What a successful assertion tells the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticationOutcome {
    /// The credential id.
    pub credential_id: Vec<u8>,
    /// The new signature counter, to store.
    pub sign_count: u32,
    /// The UV flag.
    pub user_verified: bool,
    /// The BE flag.
    pub backup_eligible: bool,
    /// The BS flag (may change over the credential's life; store it).
    pub backup_state: bool,
    /// The `userHandle` the authenticator returned, if any.
    pub user_handle: Option<Vec<u8>>,
    /// What a lenient [`Policy`] let through; always empty under [`Policy::STRICT`].
    pub anomalies: Anomalies,
}

/// What to do when a check that the spec leaves to the Relying Party fails: §7.2 step 20 (BE
/// differs from the credential record) and step 24 (the signature counter did not increase).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leniency {
    /// Fail the ceremony.
    Refuse,
    /// Let it succeed and report it in [`AuthenticationOutcome::anomalies`].
    Flag,
}

/// The Relying Party's choices for the checks the spec leaves to it. [`verify_authentication`]
/// uses [`Policy::STRICT`]; an account with a single credential cannot afford it (a restored
/// authenticator or a provider that flips BE would lock its owner out for good), so the edge
/// may pass a lenient policy to [`verify_authentication_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Step 24: the counter did not increase.
    pub sign_count: Leniency,
    /// Step 20: BE is not what was recorded.
    pub backup_eligibility: Leniency,
}

impl Policy {
    /// Both checks fail the ceremony.
    pub const STRICT: Policy = Policy {
        sign_count: Leniency::Refuse,
        backup_eligibility: Leniency::Refuse,
    };
    /// Both checks are reported, not failed.
    pub const FLAG: Policy = Policy {
        sign_count: Leniency::Flag,
        backup_eligibility: Leniency::Flag,
    };
}

/// Checks a lenient [`Policy`] let through.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Anomalies {
    /// The counter was not greater than the stored one (and not both zero).
    pub sign_count_not_increased: bool,
    /// BE differs from the recorded value.
    pub backup_eligibility_changed: bool,
}

/// Verifies an assertion against the challenge the server issued and the stored credential,
/// strictly: a counter that did not increase or a changed BE fails it.
pub fn verify_authentication(
    rp: &RelyingParty<'_>,
    challenge: &[u8],
    response: &AuthenticationResponseJson,
    stored: &StoredCredential<'_>,
) -> Result<AuthenticationOutcome, Error> {
    verify_authentication_with(rp, challenge, response, stored, Policy::STRICT)
}

/// [`verify_authentication`] with the Relying Party's own [`Policy`] for steps 20 and 24.
pub fn verify_authentication_with(
    rp: &RelyingParty<'_>,
    challenge: &[u8],
    response: &AuthenticationResponseJson,
    stored: &StoredCredential<'_>,
    policy: Policy,
) -> Result<AuthenticationOutcome, Error> {
    let mut anomalies = Anomalies::default();
    // Steps 1–2 (build options, call navigator.credentials.get()) run in the browser.
    // Step 3: "Let response be credential.response. If response is not an instance of
    // AuthenticatorAssertionResponse, abort the ceremony" — the JSON shape guarantees it; we
    // also check credential.type and that id equals rawId.
    let raw_id = response.raw_id_bytes()?;
    let client_data_json = response.client_data_json_bytes()?;
    let auth_data_bytes = response.authenticator_data_bytes()?;
    let signature = response.signature_bytes()?;
    let user_handle = response.user_handle_bytes()?;

    // Step 4: "Let clientExtensionResults be the result of calling
    // credential.getClientExtensionResults()." Bio requests no extensions.

    // Step 5: "If pkOptions.allowCredentials is not empty, verify that credential.id identifies
    // one of the public key credentials listed in pkOptions.allowCredentials." The server looked
    // the credential up by id; it must be the one it passed in.
    if raw_id != stored.id {
        return Err(Error::CredentialIdMismatch);
    }

    // Step 6: "Identify the user being authenticated and let credentialRecord be the credential
    // record for the credential: ... If response.userHandle is present, verify that it equals the
    // user handle of the user account." (An empty userHandle is treated as absent. "verify that
    // response.userHandle is present" in the usernameless flow is the server's rule.)
    if let (Some(received), Some(owner)) = (user_handle.as_deref(), stored.user_handle)
        && received != owner
    {
        return Err(Error::UserHandleMismatch);
    }

    // Step 7: "Using credential.id (or credential.rawId ...), look up the corresponding
    // credential public key and let credentialPublicKey be that credential public key."
    // The key is ours, so a key we cannot use is a server-side fault, not the client's.
    let credential_key =
        CoseKey::from_cose(stored.public_key_cose).map_err(|_| Error::StoredCredential)?;

    // Step 8: "Let cData, authData and sig denote the value of response's clientDataJSON,
    // authenticatorData, and signature respectively." (Decoded above.)
    // Step 9: "Let JSONtext be the result of running UTF-8 decode on the value of cData."
    // Step 10: "Let C, the client data claimed as used for the signature, be the result of
    // running an implementation-specific JSON parser on JSONtext."
    let c = CollectedClientData::parse(&client_data_json)?;

    // Step 11: "Verify that the value of C.type is the string webauthn.get."
    c.check_type("webauthn.get")?;

    // Step 12: "Verify that the value of C.challenge equals the base64url encoding of
    // pkOptions.challenge."
    c.check_challenge(challenge)?;

    // Step 13: "Verify that the value of C.origin is an origin expected by the Relying Party."
    c.check_origin(rp.origins)?;

    // Step 14: "If C.crossOrigin is present and set to true, verify that the Relying Party
    // expects this credential to be used within an iframe that is not same-origin with its
    // ancestors." Bio never expects that.
    c.check_not_cross_origin()?;

    // Step 15: "If C.topOrigin is present: Verify that the Relying Party expects this credential
    // to be used within an iframe ..." Bio never expects that.
    c.check_no_top_origin()?;

    // Step 16: "Verify that the rpIdHash in authData is the SHA-256 hash of the RP ID expected
    // by the Relying Party." (The appid extension, which would allow a second hash, is not
    // supported.)
    let auth_data = AuthenticatorData::parse(&auth_data_bytes)?;
    if auth_data.rp_id_hash.as_slice() != Sha256::digest(rp.rp_id.as_bytes()).as_slice() {
        return Err(Error::RpIdHash);
    }
    // (AT in an assertion is not expected; the spec does not say to refuse it, and any
    // attested data there is covered by the signature and otherwise unused.)

    // Step 17: "Verify that the UP bit of the flags in authData is set."
    if !auth_data.flags.has(Flags::UP) {
        return Err(Error::UserNotPresent);
    }

    // Step 18: "If user verification was determined to be required, verify that the UV bit of
    // the flags in authData is set. Otherwise, ignore the value of the UV flag."
    let user_verified = auth_data.flags.has(Flags::UV);
    if rp.require_user_verification && !user_verified {
        return Err(Error::UserNotVerified);
    }

    // Step 19: "If the BE bit of the flags in authData is not set, verify that the BS bit is
    // not set."
    let backup_eligible = auth_data.flags.has(Flags::BE);
    let backup_state = auth_data.flags.has(Flags::BS);
    if !backup_eligible && backup_state {
        return Err(Error::BackupStateWithoutEligibility);
    }

    // Step 20: "If the credential backup state is used as part of Relying Party business logic
    // or policy, ... If credentialRecord.backupEligible is set, verify that currentBe is set.
    // If credentialRecord.backupEligible is not set, verify that currentBe is not set."
    // NOT IN SPEC as a failure under a lenient policy: the step is "Relying Party business
    // logic", and a provider that flips BE must not lock a one-credential account out.
    if stored
        .backup_eligible
        .is_some_and(|recorded| recorded != backup_eligible)
    {
        match policy.backup_eligibility {
            Leniency::Refuse => return Err(Error::BackupEligibilityChanged),
            Leniency::Flag => anomalies.backup_eligibility_changed = true,
        }
    }

    // Step 21: "Verify that the values of the client extension outputs ... are as expected" —
    // Bio requests no extensions; unsolicited outputs are ignored.

    // Step 22: "Let hash be the result of computing a hash over the cData using SHA-256."
    let hash = Sha256::digest(&client_data_json);

    // Step 23: "Using credentialRecord.publicKey, verify that sig is a valid signature over the
    // binary concatenation of authData and hash."
    credential_key.verify_parts(&[&auth_data_bytes, hash.as_slice()], &signature)?;

    // Step 24: "If authData.signCount is nonzero or credentialRecord.signCount is nonzero, then
    // run the following sub-step: If authData.signCount is greater than
    // credentialRecord.signCount: The signature counter is valid. If authData.signCount is less
    // than or equal to credentialRecord.signCount: This is a signal that the authenticator may
    // be cloned ... Whether the Relying Party ... fails the authentication ceremony or not, is
    // Relying Party-specific." The policy decides: fail it, or flag it for the server to record.
    let received = auth_data.sign_count;
    if (received != 0 || stored.sign_count != 0) && received <= stored.sign_count {
        match policy.sign_count {
            Leniency::Refuse => {
                return Err(Error::SignCountRegressed {
                    stored: stored.sign_count,
                    received,
                });
            }
            Leniency::Flag => anomalies.sign_count_not_increased = true,
        }
    }

    // Step 25: "If response.attestationObject is present and the Relying Party wishes to verify
    // the attestation then ..." — Bio does not request attestation on assertions.

    // Step 26: "Update credentialRecord with new state values" — the server stores these.
    Ok(AuthenticationOutcome {
        credential_id: raw_id,
        sign_count: received,
        user_verified,
        backup_eligible,
        backup_state,
        user_handle,
        anomalies,
    })
}
