//! The built-in account agent: what Bio itself can tell a user about their passkey and recent
//! activity, from the account record alone.
//!
//! Backup flags follow WebAuthn Level 3 §6.1.3 (<https://www.w3.org/TR/webauthn-3/#sctn-credential-backup>):
//! BE (backup eligibility) is fixed at registration, BS (backup state) may change over time.
//!
//! It does not: call anything, read a clock (now is injected), or judge whether an event was an
//! attack; it reports what the record says. Notices only look at the kept history (at most
//! [`crate::account::MAX_SIGN_INS`] sign-ins), so "first sign-in from" means "first in the kept
//! history".

use serde::Serialize;

use super::aaguid::authenticator_name_for;
use super::{Agent, AgentInput, AgentPayload};
use crate::account::{Account, SignInEvent, rules};

/// Most sign-ins shown (newest first).
pub const SHOWN_SIGN_INS: usize = 10;

/// The default agent; needs nothing running.
#[derive(Debug, Clone, Copy, Default)]
pub struct AccountAgent;

impl Agent for AccountAgent {
    fn run(&self, input: &AgentInput<'_>) -> AgentPayload {
        AgentPayload::built_in(AccountSummary::from_input(input))
    }
}

/// The built-in facts about one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountSummary {
    /// The account's friendly name.
    pub name: String,
    pub passkey: PasskeySummary,
    /// The newest [`SHOWN_SIGN_INS`] sign-ins, newest first.
    pub sign_ins: Vec<SignInSummary>,
    /// How many sign-ins the record keeps, shown or not.
    pub sign_ins_kept: usize,
    pub notices: Vec<Notice>,
    pub recovery: RecoverySummary,
    /// Unix seconds.
    pub session_expires_at: u64,
    /// Unix seconds: when this summary was made.
    pub generated_at: u64,
}

/// The account's way back in: its recovery code (never the code, only when it was made) and
/// its last recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RecoverySummary {
    /// Unix seconds when the current recovery code was made; `None`: the account has none.
    pub code_created_at: Option<u64>,
    /// Unix seconds of the last recovery with a code; `None`: never recovered.
    pub last_recovered_at: Option<u64>,
}

impl RecoverySummary {
    pub fn from_account(account: &Account) -> Self {
        Self {
            code_created_at: account.recovery_code.as_ref().map(|code| code.created_at),
            last_recovered_at: account.recovered_at,
        }
    }
}

/// The one passkey on the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PasskeySummary {
    /// From the AAGUID table, or a fallback label.
    pub authenticator: &'static str,
    /// As stored (dashed UUID).
    pub aaguid: String,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds.
    pub last_used_at: u64,
    pub backup: BackupState,
    /// UV at registration.
    pub user_verified: bool,
}

/// Where the passkey lives, from the BE and BS flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupState {
    /// BE=1, BS=1: backed up, e.g. to a password manager or platform keychain.
    Synced,
    /// BE=1, BS=0: may be synced, but is not backed up yet.
    NotYetBackedUp,
    /// BE=0: bound to one device.
    DeviceBound,
}

impl BackupState {
    /// §6.1.3: "If BE is not set, then BS MUST NOT be set". BE=0, BS=1 is invalid and the verifier
    /// refuses it; should a record hold it anyway, BE decides: device-bound.
    pub fn from_flags(backup_eligible: bool, backup_state: bool) -> Self {
        match (backup_eligible, backup_state) {
            (true, true) => Self::Synced,
            (true, false) => Self::NotYetBackedUp,
            (false, _) => Self::DeviceBound,
        }
    }

    /// Short English label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Synced => "Synced",
            Self::NotYetBackedUp => "Can sync, not yet backed up",
            Self::DeviceBound => "Device-bound",
        }
    }
}

/// One sign-in as shown: no IP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignInSummary {
    /// Unix seconds.
    pub at: u64,
    pub city: Option<String>,
    pub country: Option<String>,
    /// User-agent family, e.g. "Chrome on macOS".
    pub device: Option<String>,
    /// `true` for the registration that created the account.
    pub registration: bool,
}

impl From<&SignInEvent> for SignInSummary {
    fn from(event: &SignInEvent) -> Self {
        Self {
            at: event.at,
            city: event.client.city.clone(),
            country: event.client.country.clone(),
            device: event.client.user_agent_family.clone(),
            registration: event.registration,
        }
    }
}

/// Something worth the user's attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// The current sign-in's country appears in no earlier kept sign-in.
    FirstSignInFromCountry { country: String },
    /// Refused attempts on this account after the previous visit.
    RefusedAttempts {
        count: usize,
        /// The verifier's codes, each once, in order of first occurrence.
        codes: Vec<String>,
    },
    /// Since the previous visit, a sign-in's signature counter did not go up (a device restored
    /// from a backup, a buggy authenticator, or a copied passkey); it was let in.
    CounterDidNotIncrease,
    /// Since the previous visit, the passkey's backup eligibility changed; it was let in.
    BackupEligibilityChanged,
}

impl Notice {
    /// Short English sentence (the template escapes it).
    pub fn message(&self) -> String {
        match self {
            Self::FirstSignInFromCountry { country } => format!("First sign-in from {country}"),
            Self::RefusedAttempts { count, codes } => {
                let noun = if *count == 1 { "attempt" } else { "attempts" };
                format!(
                    "{count} refused {noun} since your last visit ({})",
                    codes.join(", ")
                )
            }
            Self::CounterDidNotIncrease => "Your passkey's signature counter did not go up at a \
                 sign-in. That happens when a device is restored from a backup. If you did not do \
                 that, someone may have copied your passkey: delete this account and make a new one."
                .to_owned(),
            Self::BackupEligibilityChanged => "Your passkey provider now reports a different backup \
                 setting for this passkey than when it was made. You were signed in as usual; if \
                 you did not change how your passkeys are stored, look at your provider's settings."
                .to_owned(),
        }
    }
}

impl AccountSummary {
    /// The summary for `input`.
    pub fn from_input(input: &AgentInput<'_>) -> Self {
        let account = input.account;
        let mut notices = Vec::new();
        if let Some(notice) = first_sign_in_from_country(account) {
            notices.push(notice);
        }
        if let Some(notice) = refused_attempts_since(account, input.previous_visit_at) {
            notices.push(notice);
        }
        notices.extend(anomalies_since(account, input.previous_visit_at));
        Self {
            name: account.name.clone(),
            passkey: PasskeySummary::from_account(account),
            sign_ins: account
                .sign_ins
                .iter()
                .rev()
                .take(SHOWN_SIGN_INS)
                .map(SignInSummary::from)
                .collect(),
            sign_ins_kept: account.sign_ins.len(),
            notices,
            recovery: RecoverySummary::from_account(account),
            session_expires_at: input.session_expires_at,
            generated_at: input.now,
        }
    }
}

impl PasskeySummary {
    /// The passkey part of an account record.
    pub fn from_account(account: &Account) -> Self {
        Self {
            authenticator: authenticator_name_for(&account.aaguid),
            aaguid: account.aaguid.clone(),
            created_at: account.passkey_created_at.unwrap_or(account.created_at),
            last_used_at: account.last_used_at,
            backup: BackupState::from_flags(account.backup_eligible, account.backup_state),
            user_verified: account.user_verified,
        }
    }
}

/// The newest sign-in is the current one (see [`AgentInput::account`]); it earns a notice when
/// its country is known and no earlier sign-in has it. The registration alone earns none.
fn first_sign_in_from_country(account: &Account) -> Option<Notice> {
    let (current, earlier) = account.sign_ins.split_last()?;
    let country = current.client.country.as_deref()?;
    if earlier.is_empty()
        || earlier
            .iter()
            .any(|e| e.client.country.as_deref() == Some(country))
    {
        return None;
    }
    Some(Notice::FirstSignInFromCountry {
        country: country.to_owned(),
    })
}

/// Refusals from the previous visit's second on; with no previous visit, all of them (they all
/// follow the registration). Times are in seconds, so a refusal in the same second as the
/// previous visit may have come after it: it is shown (at worst twice) rather than never.
fn refused_attempts_since(account: &Account, previous_visit_at: Option<u64>) -> Option<Notice> {
    let since = account
        .security_events
        .iter()
        .filter(|e| !rules::is_anomaly(&e.code))
        .filter(|e| previous_visit_at.is_none_or(|previous| e.at >= previous));
    let mut count = 0usize;
    let mut codes: Vec<String> = Vec::new();
    for event in since {
        count += 1;
        if !codes.contains(&event.code) {
            codes.push(event.code.clone());
        }
    }
    (count > 0).then_some(Notice::RefusedAttempts { count, codes })
}

/// The owner's own sign-ins that a lenient policy let through since the previous visit, each
/// kind once: those after the previous visit, and those of the current sign-in even when it
/// fell in the previous visit's second (times are whole seconds).
fn anomalies_since(account: &Account, previous_visit_at: Option<u64>) -> Vec<Notice> {
    let mut notices = Vec::new();
    for event in account.security_events.iter().filter(|e| {
        previous_visit_at.is_none_or(|previous| e.at > previous) || e.at == account.last_used_at
    }) {
        let notice = match event.code.as_str() {
            rules::SIGN_COUNT_NOT_INCREASED => Notice::CounterDidNotIncrease,
            rules::BACKUP_ELIGIBILITY_CHANGED => Notice::BackupEligibilityChanged,
            _ => continue,
        };
        if !notices.contains(&notice) {
            notices.push(notice);
        }
    }
    notices
}

#[cfg(test)]
#[path = "account_agent/tests.rs"]
mod tests;
