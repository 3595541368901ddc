//! The stores' inventory: every key of `bio_accounts` and `bio_challenges` sorted into what it
//! is and checked against the account's rules, so a test can say "the stores hold nothing
//! unaccounted for" after a run of thousands of ceremonies (tests/load).
//!
//! The rules it checks, each the counterpart of a promise of the write order in `edge`:
//! - an account has exactly its one credential index, and that index names it back;
//! - an index names an existing account that holds that credential;
//! - a session that has not expired belongs to an existing account, established with the
//!   credential that account holds;
//! - a tombstone's credential is owned by nobody;
//! - a recovery code's index names an account that holds a code with that first group;
//! - nothing else is stored but spent ceremonies and the limiter's windows.
//!
//! Expired records whose TTL deletion has not happened yet are counted apart, never as problems.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

use super::Account;
use super::records::{CredentialEntry, RecoveryIndex, SessionRecord, Tombstone, credential_digest};

/// What the stores hold, by kind, and every broken rule found.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Inventory {
    pub accounts: usize,
    pub credentials: usize,
    pub sessions: usize,
    pub expired_sessions: usize,
    pub tombstones: usize,
    pub recovery_indexes: usize,
    pub spent_ceremonies: usize,
    pub limiter_windows: usize,
    /// The user handles of the accounts, sorted: a test compares them with the ones it made.
    pub user_handles: Vec<String>,
    /// Each broken rule, naming the key.
    pub problems: Vec<String>,
}

/// Sorts and checks `accounts` (key, value) and `challenges` keys at `now` (Unix seconds).
pub fn take(accounts: &[(String, Vec<u8>)], challenges: &[String], now: u64) -> Inventory {
    let mut inventory = Inventory::default();
    let mut owners: BTreeMap<String, Account> = BTreeMap::new();
    let mut index: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut sessions: Vec<(String, SessionRecord)> = Vec::new();
    let mut tombstones: BTreeSet<String> = BTreeSet::new();
    let mut recovery: Vec<(String, RecoveryIndex)> = Vec::new();
    for (key, value) in accounts {
        let (kind, rest) = key.split_once('/').unwrap_or((key.as_str(), ""));
        match kind {
            "account" => match serde_json::from_slice::<Account>(value) {
                Ok(account) if account.user_handle == rest => {
                    owners.insert(rest.to_owned(), account);
                }
                _ => inventory
                    .problems
                    .push(format!("{key}: not an account record")),
            },
            "credential" => match serde_json::from_slice::<CredentialEntry>(value) {
                Ok(CredentialEntry::Index(entry)) => {
                    index.insert(rest.to_owned(), (entry.account, entry.credential_id));
                }
                Ok(CredentialEntry::Legacy(account)) => {
                    index.insert(
                        rest.to_owned(),
                        (account.user_handle.clone(), account.credential_id.clone()),
                    );
                    owners.insert(account.user_handle.clone(), *account);
                }
                Err(_) => inventory
                    .problems
                    .push(format!("{key}: not a credential entry")),
            },
            "session" => match serde_json::from_slice::<SessionRecord>(value) {
                Ok(record) if record.expires_at <= now => inventory.expired_sessions += 1,
                Ok(record) => sessions.push((key.clone(), record)),
                Err(_) => inventory
                    .problems
                    .push(format!("{key}: not a session record")),
            },
            "deleted" => match serde_json::from_slice::<Tombstone>(value) {
                Ok(_) => {
                    tombstones.insert(rest.to_owned());
                }
                Err(_) => inventory.problems.push(format!("{key}: not a tombstone")),
            },
            "recovery" => match serde_json::from_slice::<RecoveryIndex>(value) {
                Ok(index) => recovery.push((rest.to_owned(), index)),
                Err(_) => inventory
                    .problems
                    .push(format!("{key}: not a recovery code index")),
            },
            "limit" => inventory.limiter_windows += 1,
            _ => inventory
                .problems
                .push(format!("{key}: unknown kind of record")),
        }
    }
    for key in challenges {
        match key.split_once('/') {
            Some(("spent", _)) => inventory.spent_ceremonies += 1,
            Some(("limit", _)) => inventory.limiter_windows += 1,
            _ => inventory.problems.push(format!(
                "{key}: unknown kind of record in the challenges store"
            )),
        }
    }

    for (handle, account) in &owners {
        let digest = digest_of(&account.credential_id);
        match index.get(&digest) {
            Some((owner, _)) if owner == handle => {}
            Some(_) => inventory.problems.push(format!(
                "account/{handle}: its credential's index names another account"
            )),
            None => inventory
                .problems
                .push(format!("account/{handle}: its credential has no index")),
        }
    }
    for (digest, (owner, credential_id)) in &index {
        match owners.get(owner) {
            Some(account) if &account.credential_id == credential_id => {}
            Some(_) => inventory.problems.push(format!(
                "credential/{digest}: its account holds another credential"
            )),
            None => inventory
                .problems
                .push(format!("credential/{digest}: its account does not exist")),
        }
        if digest_of(credential_id) != *digest {
            inventory.problems.push(format!(
                "credential/{digest}: keyed under another credential"
            ));
        }
        if tombstones.contains(digest) {
            inventory
                .problems
                .push(format!("credential/{digest}: owned and deleted at once"));
        }
    }
    for (key, record) in &sessions {
        match owners.get(&record.user_handle) {
            Some(account) if digest_of(&account.credential_id) == record.credential_digest => {}
            Some(_) => inventory.problems.push(format!(
                "{key}: established with a credential its account no longer holds"
            )),
            None => inventory
                .problems
                .push(format!("{key}: its account does not exist")),
        }
    }

    for (locator, index) in &recovery {
        let holds = owners.get(&index.account).is_some_and(|account| {
            account
                .recovery_code
                .as_ref()
                .is_some_and(|code| &code.locator == locator)
        });
        if !holds {
            inventory.problems.push(format!(
                "recovery/{locator}: its account holds no code with that first group"
            ));
        }
    }

    inventory.accounts = owners.len();
    inventory.recovery_indexes = recovery.len();
    inventory.credentials = index.len();
    inventory.sessions = sessions.len();
    inventory.tombstones = tombstones.len();
    inventory.user_handles = owners.into_keys().collect();
    inventory
}

/// The index digest of a base64url credential id (an undecodable id gets one no key has).
fn digest_of(credential_id: &str) -> String {
    URL_SAFE_NO_PAD.decode(credential_id).map_or_else(
        |_| String::from("!undecodable"),
        |id| credential_digest(&id),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::account::records::{
        CredentialIndex, account_key, credential_key, session_key, tombstone_key,
    };
    use crate::agent::fixtures::fresh_account;

    fn json<T: Serialize>(value: &T) -> Vec<u8> {
        serde_json::to_vec(value).unwrap()
    }

    fn stored(account: &Account) -> Vec<(String, Vec<u8>)> {
        let digest = digest_of(&account.credential_id);
        vec![
            (account_key(&account.user_handle), json(account)),
            (
                credential_key(&digest),
                json(&CredentialIndex::new(account)),
            ),
            (
                session_key("s1"),
                json(&SessionRecord {
                    v: 1,
                    user_handle: account.user_handle.clone(),
                    credential_digest: digest,
                    expires_at: 2_000,
                    created_at: 1_000,
                    epoch: 0,
                }),
            ),
        ]
    }

    #[test]
    fn a_whole_account_is_accounted_for() {
        let account = fresh_account();
        let spent = vec!["spent/abc".to_owned(), "limit/failures-ip/x".to_owned()];
        let inventory = take(&stored(&account), &spent, 1_500);
        assert_eq!(inventory.problems, Vec::<String>::new());
        assert_eq!(
            (
                inventory.accounts,
                inventory.credentials,
                inventory.sessions
            ),
            (1, 1, 1)
        );
        assert_eq!(
            (inventory.spent_ceremonies, inventory.limiter_windows),
            (1, 1)
        );
        assert_eq!(inventory.user_handles, vec![account.user_handle.clone()]);
        // Past its expiry a session is counted apart, not as a problem.
        let later = take(&stored(&account), &[], 2_000);
        assert_eq!((later.sessions, later.expired_sessions), (0, 1));
        assert!(later.problems.is_empty());
    }

    #[test]
    fn every_broken_rule_is_named() {
        let account = fresh_account();
        let digest = digest_of(&account.credential_id);
        let records = stored(&account);
        let (account_only, index_and_session) = records.split_at(1);

        // An index and a session without their account.
        let orphans = take(index_and_session, &[], 1_500);
        assert_eq!(orphans.problems.len(), 2, "{:?}", orphans.problems);
        // An account without its index.
        let lone = take(account_only, &[], 1_500);
        assert_eq!(lone.problems.len(), 1, "{:?}", lone.problems);
        // A credential both owned and deleted.
        let mut both = records.clone();
        both.push((tombstone_key(&digest), json(&Tombstone::new(1_000))));
        assert_eq!(take(&both, &[], 1_500).problems.len(), 1);
        // A session from a credential the account no longer holds (after a replace).
        let mut moved = account.clone();
        moved.credential_id = URL_SAFE_NO_PAD.encode([9u8; 16]);
        let mut replaced = stored(&moved);
        replaced[2] = records[2].clone();
        let problems = take(&replaced, &[], 1_500).problems;
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("session/s1"));
        // A recovery code's index whose account holds no such code.
        let mut stale = records.clone();
        stale.push((
            crate::account::records::recovery_key("ABCDE"),
            json(&RecoveryIndex {
                v: 1,
                account: account.user_handle.clone(),
            }),
        ));
        let problems = take(&stale, &[], 1_500).problems;
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("recovery/ABCDE: its account holds no code"),
            "{problems:?}"
        );
        // Anything else is unknown.
        let mut odd = records.clone();
        odd.push(("stray/1".into(), b"{}".to_vec()));
        let problems = take(&odd, &["junk".to_owned()], 1_500).problems;
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
