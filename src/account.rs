//! The account: one passkey, one user. Stored as one JSON record in the `bio_accounts` KV store
//! under its user handle, with an index from its credential to it ([`records`]); built from a
//! registration and changed by sign-ins and refusals only through [`rules`].
//!
//! It does not: talk to KV (that is `edge`), or verify a ceremony (that is `webauthn`). It holds
//! the record's shape, its bounded histories and the rules that change them.

use serde::{Deserialize, Serialize};

pub mod export;
pub mod inventory;
pub mod names;
pub mod records;
pub mod recovery;
pub mod rules;
pub use names::friendly_name;

/// The version [`Account`] records are written with. Version 1 records (stored under their
/// credential's key, without this field) are still read.
pub const ACCOUNT_VERSION: u32 = 2;

/// Most sign-in events kept on an account (oldest dropped first).
pub const MAX_SIGN_INS: usize = 20;
/// Most session ids remembered on an account.
pub const MAX_SESSIONS: usize = 10;
/// Most security events (refused attempts) kept on an account (oldest dropped first).
pub const MAX_SECURITY_EVENTS: usize = 20;
/// Most retired passkeys remembered on an account: more than the sessions it keeps, so a
/// session whose passkey was retired is never forgotten while its record may still exist.
pub const MAX_RETIRED_PASSKEYS: usize = 20;

/// One account, keyed by its user handle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The record's version ([`ACCOUNT_VERSION`]); absent in version 1.
    #[serde(default = "version_1")]
    pub v: u32,
    /// The WebAuthn user handle (base64url of 32 random bytes), issued by `/auth/start`.
    pub user_handle: String,
    /// The friendly generated name, e.g. `amber-otter-27`.
    pub name: String,
    /// The credential id (base64url).
    pub credential_id: String,
    /// The COSE_Key bytes (base64url) as the authenticator sent them.
    pub public_key_cose: String,
    /// COSE algorithm identifier (-7, -8, -257).
    pub alg: i64,
    /// The last signature counter seen.
    pub sign_count: u32,
    /// Backup eligibility (BE), fixed at registration.
    pub backup_eligible: bool,
    /// Backup state (BS) as last seen.
    pub backup_state: bool,
    /// User verification at registration.
    pub user_verified: bool,
    /// The authenticator's AAGUID, as a UUID string.
    pub aaguid: String,
    /// Transports the browser reported at registration.
    #[serde(default)]
    pub transports: Vec<String>,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds.
    pub last_used_at: u64,
    /// Newest last, at most [`MAX_SIGN_INS`].
    #[serde(default)]
    pub sign_ins: Vec<SignInEvent>,
    /// Refused attempts on this account, newest last, at most [`MAX_SECURITY_EVENTS`].
    #[serde(default)]
    pub security_events: Vec<SecurityEvent>,
    /// Unix seconds of the previous visit's sign-in, to tell what is new since then.
    #[serde(default)]
    pub previous_sign_in_at: Option<u64>,
    /// Ids of this account's sessions, newest last, at most [`MAX_SESSIONS`], so deleting the
    /// account revokes them (a session whose account is gone is dead anyway).
    #[serde(default)]
    pub sessions: Vec<String>,
    /// Digests ([`records::credential_digest`]) of the passkeys this account was moved away
    /// from (replaced or recovered), newest last, at most [`MAX_RETIRED_PASSKEYS`]: a session
    /// established with one of them no longer counts ([`rules::session_counts`]).
    #[serde(default)]
    pub retired_passkeys: Vec<String>,
    /// Raised by "Sign out everywhere else": a session whose record carries a lower epoch no
    /// longer counts ([`rules::session_counts`]), whether or not [`sessions`](Self::sessions)
    /// still lists it (that list is bounded, and keeps ids of sessions logged out since).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub session_epoch: u32,
    /// Unix seconds when the current passkey was registered; `None`: with the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkey_created_at: Option<u64>,
    /// Unix seconds of the last recovery with a recovery code, shown to the owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovered_at: Option<u64>,
    /// The recovery code, as its keyed hash only; `None`: the owner has none (it is opt-in, and
    /// spent by a recovery).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_code: Option<recovery::StoredRecoveryCode>,
}

fn version_1() -> u32 {
    1
}

/// For `skip_serializing_if`: records written before a field existed read it as 0.
pub(crate) fn is_zero(value: &u32) -> bool {
    *value == 0
}

/// Where and how a request came in: injected by the edge (from `fastly::geo` and headers), so
/// tests can set it. What an account keeps of it is the country, the city and the browser
/// family: the IP address is never written into a record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientInfo {
    /// For abuse limits at the edge only; never stored.
    #[serde(skip)]
    pub ip: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    /// A family such as "Chrome on macOS", never the raw User-Agent.
    pub user_agent_family: Option<String>,
}

/// One sign-in (registration counts as the first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInEvent {
    /// Unix seconds.
    pub at: u64,
    #[serde(flatten)]
    pub client: ClientInfo,
    /// `true` for the registration that created the account.
    #[serde(default)]
    pub registration: bool,
}

/// One refused attempt on a known account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityEvent {
    /// Unix seconds.
    pub at: u64,
    /// A stable code: the verifier's refusal (e.g. `signature_invalid`), or an anomaly a
    /// lenient policy let through (e.g. `sign_count_not_increased`).
    pub code: String,
    #[serde(flatten)]
    pub client: ClientInfo,
}

/// Appends to a bounded history, dropping the oldest entries.
pub fn push_bounded<T>(list: &mut Vec<T>, item: T, max: usize) {
    list.push(item);
    if list.len() > max {
        let excess = list.len() - max;
        list.drain(..excess);
    }
}

/// A coarse, privacy-friendly family for a User-Agent header, e.g. "Chrome on macOS". Never the
/// raw header: it is shown to the user and may be sent to an upstream agent.
pub fn user_agent_family(user_agent: &str) -> String {
    let browser = if user_agent.contains("Edg/") {
        "Edge"
    } else if user_agent.contains("Firefox/") {
        "Firefox"
    } else if user_agent.contains("Chrome/") || user_agent.contains("Chromium/") {
        "Chrome"
    } else if user_agent.contains("Safari/") {
        "Safari"
    } else {
        "A browser"
    };
    let platform = if user_agent.contains("Android") {
        "Android"
    } else if user_agent.contains("iPhone") || user_agent.contains("iPad") {
        "iOS"
    } else if user_agent.contains("Mac OS X") || user_agent.contains("Macintosh") {
        "macOS"
    } else if user_agent.contains("Windows") {
        "Windows"
    } else if user_agent.contains("CrOS") {
        "ChromeOS"
    } else if user_agent.contains("Linux") {
        "Linux"
    } else {
        "an unknown system"
    };
    format!("{browser} on {platform}")
}
