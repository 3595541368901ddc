//! What `bio_accounts` and `bio_challenges` hold, and under which keys. Every record carries a
//! version `v`; readers accept the previous one, so a deploy never strands an account.
//!
//! `bio_accounts`:
//! - `account/<user handle>`: the [`Account`] (version 2).
//! - `credential/<digest>`: a [`CredentialEntry`]: the index from a credential to its account
//!   (version 2), or, written before version 2, the whole account (version 1).
//! - `deleted/<digest>`: a [`Tombstone`]: this credential's account was deleted, or moved to
//!   another passkey, so a lookup miss can be told apart from a store that has not caught up.
//! - `session/<sid>`: a [`SessionRecord`], so a session can be revoked server-side.
//! - `recovery/<locator>`: a [`RecoveryIndex`]: the account a recovery code's first group
//!   names (the code's hash is in the account, so spending it is part of the account's write).
//!
//! `bio_challenges`:
//! - `spent/<ceremony id>`: a [`SpentCeremony`], written once with `InsertMode::Add` by the one
//!   finish that may use a ceremony.
//!
//! `<digest>` is base64url(SHA-256(credential id)): credential ids may be 1023 bytes and KV keys
//! stop at 1024, so keys hold a digest and the records hold the full id.
//!
//! It does not: read or write the stores (that is `edge`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Account;
use crate::session::{HINT_TTL_SECS, SESSION_TTL_SECS};

/// How long a tombstone outlives its account, in seconds: longer than any hint or session that
/// could still name the credential (hints live [`HINT_TTL_SECS`], renewed at each sign-in).
pub const TOMBSTONE_TTL_SECS: u64 = HINT_TTL_SECS + SESSION_TTL_SECS;

/// base64url(SHA-256(credential id)): a credential's name in keys and session claims.
pub fn credential_digest(credential_id: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(credential_id))
}

/// The key of the account with this user handle (base64url).
pub fn account_key(user_handle: &str) -> String {
    format!("account/{user_handle}")
}

/// The key of a credential's index entry (or, in version 1, of its whole account).
pub fn credential_key(digest: &str) -> String {
    format!("credential/{digest}")
}

/// The key of a credential's tombstone.
pub fn tombstone_key(digest: &str) -> String {
    format!("deleted/{digest}")
}

/// The key of a session's record.
pub fn session_key(sid: &str) -> String {
    format!("session/{sid}")
}

/// The key of a recovery code's index (its locator: the code's first group, no secret).
pub fn recovery_key(locator: &str) -> String {
    format!("recovery/{locator}")
}

/// The index from a recovery code's locator to its account. It may outlive the code (replaced
/// or spent, with the tidying write failing): the account's own record decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryIndex {
    pub v: u32,
    /// The account's user handle (base64url).
    pub account: String,
}

/// The key of a ceremony's spent record.
pub fn spent_key(ceremony_id: &str) -> String {
    format!("spent/{ceremony_id}")
}

/// The index from a credential to the account that owns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialIndex {
    pub v: u32,
    /// The owning account's user handle (base64url).
    pub account: String,
    /// The credential id (base64url).
    pub credential_id: String,
}

impl CredentialIndex {
    pub fn new(account: &Account) -> CredentialIndex {
        CredentialIndex {
            v: 2,
            account: account.user_handle.clone(),
            credential_id: account.credential_id.clone(),
        }
    }
}

/// What `credential/<digest>` holds: an index (version 2) or a whole account (version 1).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum CredentialEntry {
    Index(CredentialIndex),
    Legacy(Box<Account>),
}

/// A credential that no longer signs in: its account was deleted, or moved to another passkey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tombstone {
    pub v: u32,
    /// Unix seconds.
    pub deleted_at: u64,
    /// Unix seconds; the tombstone is void from then on, whatever KV's TTL deletion says.
    pub expires_at: u64,
    /// Why; absent in tombstones written before passkeys could be replaced (all deletions).
    #[serde(default)]
    pub reason: TombstoneReason,
}

/// Why a credential has a tombstone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TombstoneReason {
    /// Its account was deleted.
    #[default]
    Deleted,
    /// Its account moved to another passkey (replaced, or recovered with a recovery code).
    Replaced,
}

impl Tombstone {
    /// The tombstone of a deleted account's credential.
    pub fn new(now: u64) -> Tombstone {
        Tombstone::because(TombstoneReason::Deleted, now)
    }

    pub fn because(reason: TombstoneReason, now: u64) -> Tombstone {
        Tombstone {
            v: 1,
            deleted_at: now,
            expires_at: now + TOMBSTONE_TTL_SECS,
            reason,
        }
    }
}

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    #[serde(default)]
    pub v: u32,
    /// The account's user handle (base64url).
    pub user_handle: String,
    /// The digest of the credential the session was established with.
    #[serde(default)]
    pub credential_digest: String,
    /// Unix seconds.
    pub expires_at: u64,
    /// Unix seconds of the sign-in that made it.
    pub created_at: u64,
    /// The account's [`session_epoch`](crate::account::Account::session_epoch) when the session
    /// started (or was kept by "Sign out everywhere else"); 0 in records written before it.
    #[serde(default, skip_serializing_if = "crate::account::is_zero")]
    pub epoch: u32,
}

/// A spent ceremony: its token no longer finishes anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpentCeremony {
    pub v: u32,
    /// Unix seconds.
    pub spent_at: u64,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::agent::fixtures::fresh_account as account;

    #[test]
    fn a_credential_entry_is_an_index_or_a_version_1_account() {
        let legacy = account();
        let json = serde_json::to_string(&legacy).unwrap();
        // A version 1 record has no `v`.
        let json = json.replacen("\"v\":2,", "", 1);
        assert!(!json.contains("\"v\""));
        match serde_json::from_str::<CredentialEntry>(&json).unwrap() {
            CredentialEntry::Legacy(read) => {
                assert_eq!(read.v, 1);
                assert_eq!(read.user_handle, legacy.user_handle);
            }
            other => panic!("{other:?}"),
        }
        let index = CredentialIndex::new(&legacy);
        let json = serde_json::to_string(&index).unwrap();
        assert_eq!(
            serde_json::from_str::<CredentialEntry>(&json).unwrap(),
            CredentialEntry::Index(index)
        );
    }

    #[test]
    fn keys_never_hold_a_raw_credential_id() {
        let id = [0xffu8; 1023];
        let key = credential_key(&credential_digest(&id));
        assert!(key.len() < 64, "{key}");
        assert_eq!(tombstone_key("x"), "deleted/x");
    }
}
