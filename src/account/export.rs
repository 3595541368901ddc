//! "Download my data": everything Bio keeps about an account, in one JSON document.
//!
//! It holds exactly what the record holds (plus the authenticator's name from its AAGUID), so
//! a field added to the account is a field to add here: the test compares the two.
//!
//! It does not: include any session id (those are bearer secrets), or anything Bio does not
//! keep.

use serde_json::{Value, json};

use super::Account;
use crate::agent::aaguid::authenticator_name_for;

/// The export of `account`, made at `now` (unix seconds).
pub fn export(account: &Account, now: u64) -> Value {
    json!({
        "exported_at": now,
        "format": "bio-account-export/1",
        "name": account.name,
        "user_handle": account.user_handle,
        "created_at": account.created_at,
        "last_used_at": account.last_used_at,
        "previous_sign_in_at": account.previous_sign_in_at,
        "passkey": {
            "credential_id": account.credential_id,
            "public_key_cose": account.public_key_cose,
            "algorithm": account.alg,
            "aaguid": account.aaguid,
            "authenticator": authenticator_name_for(&account.aaguid),
            "backup_eligible": account.backup_eligible,
            "backup_state": account.backup_state,
            "user_verified_at_registration": account.user_verified,
            "sign_count": account.sign_count,
            "transports": account.transports,
            "created_at": account.passkey_created_at.unwrap_or(account.created_at),
        },
        "retired_passkeys": account.retired_passkeys,
        "recovered_at": account.recovered_at,
        // The code itself is not kept: only a keyed hash, which says nothing to its owner.
        "recovery_code": account.recovery_code.as_ref().map(|code| json!({
            "created_at": code.created_at,
            "key_version": code.key_version,
        })),
        "sign_ins": account.sign_ins,
        "security_events": account.security_events,
        "active_sessions": account.sessions.len(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::agent::fixtures::{NOW, fresh_account};

    #[test]
    fn the_export_holds_every_field_the_record_holds_but_session_ids() {
        let mut account = fresh_account();
        account.passkey_created_at = Some(NOW);
        account.recovered_at = Some(NOW);
        account.retired_passkeys = vec!["OLD-PASSKEY-DIGEST".into()];
        account.recovery_code = Some(crate::account::recovery::StoredRecoveryCode {
            v: 1,
            locator: "ABCDE".into(),
            key_version: 1,
            mac: "SECRET-MAC".into(),
            created_at: NOW,
        });
        let export = export(&account, NOW);
        let text = export.to_string();
        for kept in [
            &account.name,
            &account.user_handle,
            &account.credential_id,
            &account.public_key_cose,
            &account.aaguid,
            &account.retired_passkeys[0],
        ] {
            assert!(text.contains(kept.as_str()), "{kept}");
        }
        assert_eq!(export["passkey"]["authenticator"], "Apple Passwords");
        assert_eq!(export["sign_ins"][0]["country"], "FR");
        // Session ids are bearer secrets: only their number is exported.
        assert!(!text.contains("SECRET-SESSION-ID"), "{text}");
        assert!(!text.contains("SECRET-MAC"), "{text}");
        assert_eq!(export["recovery_code"]["created_at"], NOW);
        // Every member of the stored record is accounted for.
        let record = serde_json::to_value(&account).unwrap();
        for key in record.as_object().unwrap().keys() {
            let covered = [
                "v",
                "name",
                "user_handle",
                "created_at",
                "last_used_at",
                "sign_ins",
                "security_events",
                "sessions",
                "credential_id",
                "public_key_cose",
                "alg",
                "sign_count",
                "backup_eligible",
                "backup_state",
                "user_verified",
                "aaguid",
                "transports",
                "previous_sign_in_at",
                "retired_passkeys",
                "passkey_created_at",
                "recovered_at",
                "recovery_code",
            ];
            assert!(covered.contains(&key.as_str()), "the export misses `{key}`");
        }
    }
}
