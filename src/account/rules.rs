//! The rules of the account: what a registration makes, what a sign-in changes, what a refusal
//! leaves behind, what moving to a new passkey (replace, recover) retires. Plain functions over [`Account`]; the edge only reads, retries and writes.
//!
//! The signature counter and the backup-eligibility flag follow the edge's
//! [`Policy`]: with one credential per account there is no second way in, so the default
//! ([`Policy::FLAG`]) lets a sign-in whose counter did not increase, or whose BE changed, succeed,
//! records it as a security event the owner sees, and stores the new values. [`Policy::STRICT`]
//! refuses both (clone detection, at the price of locking the owner out).
//!
//! It does not: verify signatures (the verifier did), or touch a store.

use super::records::credential_digest;
use super::recovery::StoredRecoveryCode;
use super::{
    ACCOUNT_VERSION, Account, ClientInfo, MAX_RETIRED_PASSKEYS, MAX_SECURITY_EVENTS, MAX_SESSIONS,
    MAX_SIGN_INS, SecurityEvent, SignInEvent, push_bounded,
};
use crate::webauthn::{self, AuthenticationOutcome, CredentialRecord, Leniency, Policy};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Security event code: a sign-in whose counter did not increase, let through by the policy.
pub const SIGN_COUNT_NOT_INCREASED: &str = "sign_count_not_increased";
/// Security event code: a sign-in whose BE flag differs from registration, let through.
pub const BACKUP_ELIGIBILITY_CHANGED: &str = "backup_eligibility_changed";

/// The window in which refused attempts are counted for [`note_refusal`], in seconds.
pub const REFUSAL_WINDOW_SECS: u64 = 300;
/// Most refused attempts written into one account per [`REFUSAL_WINDOW_SECS`]: enough to show
/// the owner that someone tried, too few for anyone to flood the record (or its writes).
pub const MAX_REFUSALS_PER_WINDOW: usize = 3;

/// A new account from a verified registration, with its first sign-in and session.
pub fn from_registration(
    credential: &CredentialRecord,
    user_handle: &str,
    name: &str,
    now: u64,
    client: &ClientInfo,
    sid: &str,
) -> Account {
    Account {
        v: ACCOUNT_VERSION,
        user_handle: user_handle.to_owned(),
        name: name.to_owned(),
        credential_id: URL_SAFE_NO_PAD.encode(&credential.id),
        public_key_cose: URL_SAFE_NO_PAD.encode(&credential.public_key_cose),
        alg: credential.alg,
        sign_count: credential.sign_count,
        backup_eligible: credential.backup_eligible,
        backup_state: credential.backup_state,
        user_verified: credential.user_verified,
        aaguid: credential.aaguid_string(),
        transports: credential.transports.clone(),
        created_at: now,
        last_used_at: now,
        sign_ins: vec![SignInEvent {
            at: now,
            client: client.clone(),
            registration: true,
        }],
        security_events: Vec::new(),
        previous_sign_in_at: None,
        sessions: vec![sid.to_owned()],
        retired_passkeys: Vec::new(),
        session_epoch: 0,
        passkey_created_at: None,
        recovered_at: None,
        recovery_code: None,
    }
}

/// Applies a verified sign-in to the account as it is stored now (which may be newer than the
/// copy the assertion was verified against: the counter and BE rules are applied again here).
/// Under a strict policy a counter that did not increase or a changed BE refuses the sign-in;
/// under a lenient one they are recorded as security events and the new values are stored.
pub fn apply_sign_in(
    account: &mut Account,
    outcome: &AuthenticationOutcome,
    policy: Policy,
    now: u64,
    client: &ClientInfo,
    sid: &str,
) -> Result<(), webauthn::Error> {
    let received = outcome.sign_count;
    let stored = account.sign_count;
    if (received != 0 || stored != 0) && received <= stored {
        match policy.sign_count {
            Leniency::Refuse => {
                return Err(webauthn::Error::SignCountRegressed { stored, received });
            }
            Leniency::Flag => note_event(account, SIGN_COUNT_NOT_INCREASED, now, client),
        }
    }
    if outcome.backup_eligible != account.backup_eligible {
        match policy.backup_eligibility {
            Leniency::Refuse => return Err(webauthn::Error::BackupEligibilityChanged),
            Leniency::Flag => note_event(account, BACKUP_ELIGIBILITY_CHANGED, now, client),
        }
    }
    account.v = ACCOUNT_VERSION;
    account.sign_count = received;
    account.backup_eligible = outcome.backup_eligible;
    account.backup_state = outcome.backup_state;
    account.previous_sign_in_at = Some(account.last_used_at);
    account.last_used_at = now;
    push_bounded(
        &mut account.sign_ins,
        SignInEvent {
            at: now,
            client: client.clone(),
            registration: false,
        },
        MAX_SIGN_INS,
    );
    push_bounded(&mut account.sessions, sid.to_owned(), MAX_SESSIONS);
    Ok(())
}

/// Why an account was not moved to a new passkey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveRefused {
    /// The new passkey is the one the account already has.
    SamePasskey,
    /// The stored credential id is not base64url (a corrupt record: nothing is changed).
    StoredIdInvalid,
}

/// Moves the account to a new passkey (Replace passkey, or a recovery code): the verified
/// registration becomes the account's one credential, the old one is retired (every session
/// established with it stops counting, [`session_counts`]), and `sid`, the replacing browser's
/// new session, is the only one the account keeps. The name, user handle, histories and
/// creation date stay. Returns the old credential id (base64url), to retire in the stores.
pub fn move_to_passkey(
    account: &mut Account,
    credential: &CredentialRecord,
    now: u64,
    client: &ClientInfo,
    sid: &str,
) -> Result<String, MoveRefused> {
    let new_id = URL_SAFE_NO_PAD.encode(&credential.id);
    if new_id == account.credential_id {
        return Err(MoveRefused::SamePasskey);
    }
    let old_id = URL_SAFE_NO_PAD
        .decode(&account.credential_id)
        .map_err(|_| MoveRefused::StoredIdInvalid)?;
    let old_digest = credential_digest(&old_id);
    if !account.retired_passkeys.contains(&old_digest) {
        push_bounded(
            &mut account.retired_passkeys,
            old_digest,
            MAX_RETIRED_PASSKEYS,
        );
    }
    let old = std::mem::replace(&mut account.credential_id, new_id);
    account.v = ACCOUNT_VERSION;
    account.public_key_cose = URL_SAFE_NO_PAD.encode(&credential.public_key_cose);
    account.alg = credential.alg;
    account.sign_count = credential.sign_count;
    account.backup_eligible = credential.backup_eligible;
    account.backup_state = credential.backup_state;
    account.user_verified = credential.user_verified;
    account.aaguid = credential.aaguid_string();
    account.transports = credential.transports.clone();
    account.passkey_created_at = Some(now);
    account.previous_sign_in_at = Some(account.last_used_at);
    account.last_used_at = now;
    push_bounded(
        &mut account.sign_ins,
        SignInEvent {
            at: now,
            client: client.clone(),
            registration: false,
        },
        MAX_SIGN_INS,
    );
    account.sessions = vec![sid.to_owned()];
    // Every other session is over by its passkey's digest; the new one starts the epochs again
    // (its record, written before this move, carries 0).
    account.session_epoch = 0;
    Ok(old)
}

/// Whether a session established with the passkey whose digest is `credential_digest`, in the
/// session epoch `epoch`, still counts for this account: not once the account has moved away
/// from that passkey, nor once "Sign out everywhere else" raised the epoch past it.
///
/// An epoch above the account's counts: the record was written first, and the account read may
/// be older than the write that raised it ([`end_other_sessions`]).
pub fn session_counts(account: &Account, credential_digest: &str, epoch: u32) -> bool {
    epoch >= account.session_epoch
        && !account
            .retired_passkeys
            .iter()
            .any(|retired| retired == credential_digest)
}

/// "Sign out everywhere else": the account's session epoch becomes `epoch` (one above the one
/// the signed-in session was read with; never lowered), so every session but `sid`, whose
/// record the edge rewrote with `epoch` first, stops counting. Returns the ids the account no
/// longer lists, whose records the edge then deletes.
pub fn end_other_sessions(account: &mut Account, sid: &str, epoch: u32) -> Vec<String> {
    account.v = ACCOUNT_VERSION;
    account.session_epoch = account.session_epoch.max(epoch);
    let (kept, ended) = std::mem::take(&mut account.sessions)
        .into_iter()
        .partition(|listed| listed == sid);
    account.sessions = kept;
    if account.sessions.is_empty() {
        account.sessions.push(sid.to_owned());
    }
    ended
}

/// Logout: the account stops listing the session `sid` (its record is deleted by the edge), so
/// that the list, and the export's count of active sessions, holds live sessions only.
pub fn forget_session(account: &mut Account, sid: &str) {
    account.sessions.retain(|listed| listed != sid);
}

/// Gives the account a new recovery code (its keyed hash); returns the locator of the code it
/// replaces, whose index the edge then removes. One code at a time: the new one voids the old.
pub fn set_recovery_code(account: &mut Account, code: StoredRecoveryCode) -> Option<String> {
    account.v = ACCOUNT_VERSION;
    account
        .recovery_code
        .replace(code)
        .map(|replaced| replaced.locator)
}

/// Why a recovery was refused at the moment of the move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryRefused {
    /// The code that was checked is no longer the account's (spent, or replaced by a newer one).
    CodeGone,
}

/// Spends the account's recovery code in the write that moves the account to the recovering
/// passkey: the code checked earlier (named by its `locator`) must still be the account's.
pub fn spend_recovery_code(
    account: &mut Account,
    locator: &str,
    now: u64,
) -> Result<(), RecoveryRefused> {
    match &account.recovery_code {
        Some(code) if code.locator == locator => {
            account.recovery_code = None;
            account.recovered_at = Some(now);
            Ok(())
        }
        _ => Err(RecoveryRefused::CodeGone),
    }
}

/// Gives the account the name its owner chose, already checked by
/// [`super::names::chosen_name`].
pub fn rename(account: &mut Account, name: &str) {
    account.v = ACCOUNT_VERSION;
    name.clone_into(&mut account.name);
}

/// Records a refused attempt on the account; `false` when the window's quota is used up and
/// nothing changed (so the edge writes nothing).
pub fn note_refusal(account: &mut Account, code: &str, now: u64, client: &ClientInfo) -> bool {
    let window_start = now.saturating_sub(REFUSAL_WINDOW_SECS);
    let recent = account
        .security_events
        .iter()
        .filter(|event| event.at > window_start && !is_anomaly(&event.code))
        .count();
    if recent >= MAX_REFUSALS_PER_WINDOW {
        return false;
    }
    note_event(account, code, now, client);
    true
}

/// Whether a security event is an anomaly of the owner's own sign-in (not a refusal).
pub fn is_anomaly(code: &str) -> bool {
    code == SIGN_COUNT_NOT_INCREASED || code == BACKUP_ELIGIBILITY_CHANGED
}

fn note_event(account: &mut Account, code: &str, now: u64, client: &ClientInfo) {
    push_bounded(
        &mut account.security_events,
        SecurityEvent {
            at: now,
            code: code.to_owned(),
            client: client.clone(),
        },
        MAX_SECURITY_EVENTS,
    );
}

#[cfg(test)]
mod tests;
