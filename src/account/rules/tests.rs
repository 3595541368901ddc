#![allow(clippy::unwrap_used, clippy::indexing_slicing)]
use super::*;
use crate::agent::fixtures::{NOW, client, fresh_account};
use crate::webauthn::authentication::Anomalies;

fn outcome(sign_count: u32, backup_eligible: bool) -> AuthenticationOutcome {
    AuthenticationOutcome {
        credential_id: vec![1, 2, 3],
        sign_count,
        user_verified: true,
        backup_eligible,
        backup_state: backup_eligible,
        user_handle: None,
        anomalies: Anomalies::default(),
    }
}

fn here() -> ClientInfo {
    client("NL", "Amsterdam", "Chrome on Linux")
}

#[test]
fn registration_makes_an_account_with_its_first_sign_in_and_session() {
    let credential = CredentialRecord {
        id: vec![7; 16],
        public_key_cose: vec![0xa5],
        alg: -7,
        sign_count: 3,
        aaguid: [0; 16],
        user_verified: true,
        backup_eligible: true,
        backup_state: false,
        transports: vec!["internal".into()],
        attestation_format: "none".into(),
    };
    let account = from_registration(&credential, "dXNlcg", "amber-otter-27", NOW, &here(), "sid");
    assert_eq!(account.v, ACCOUNT_VERSION);
    assert_eq!(account.credential_id, "BwcHBwcHBwcHBwcHBwcHBw");
    assert_eq!(account.sign_count, 3);
    assert_eq!(account.sessions, ["sid"]);
    assert!(account.sign_ins[0].registration);
    // The IP address never reaches a stored record.
    let json = serde_json::to_string(&account).unwrap();
    assert!(!json.contains("203.0.113.7"), "{json}");
}

#[test]
fn a_sign_in_moves_the_counter_and_keeps_bounded_histories() {
    let mut account = fresh_account();
    for i in 1..=30u32 {
        apply_sign_in(
            &mut account,
            &outcome(i, true),
            Policy::STRICT,
            NOW + u64::from(i),
            &here(),
            &format!("s{i}"),
        )
        .unwrap();
    }
    assert_eq!(account.sign_count, 30);
    assert_eq!(account.sign_ins.len(), MAX_SIGN_INS);
    assert_eq!(account.sessions.len(), MAX_SESSIONS);
    assert_eq!(account.sessions.last().unwrap(), "s30");
    assert_eq!(account.previous_sign_in_at, Some(NOW + 29));
    assert!(account.security_events.is_empty());
}

#[test]
fn the_strict_policy_refuses_a_counter_that_did_not_increase_and_a_changed_be() {
    let mut account = fresh_account();
    account.sign_count = 10;
    let before = account.clone();
    assert_eq!(
        apply_sign_in(
            &mut account,
            &outcome(10, true),
            Policy::STRICT,
            NOW,
            &here(),
            "s"
        ),
        Err(webauthn::Error::SignCountRegressed {
            stored: 10,
            received: 10
        })
    );
    assert_eq!(
        apply_sign_in(
            &mut account,
            &outcome(11, false),
            Policy::STRICT,
            NOW,
            &here(),
            "s"
        ),
        Err(webauthn::Error::BackupEligibilityChanged)
    );
    assert_eq!(account, before, "a refused sign-in changes nothing");
}

#[test]
fn the_flag_policy_signs_in_records_the_anomaly_and_stores_the_new_values() {
    let mut account = fresh_account();
    account.sign_count = 10;
    apply_sign_in(
        &mut account,
        &outcome(4, false),
        Policy::FLAG,
        NOW,
        &here(),
        "s",
    )
    .unwrap();
    assert_eq!(account.sign_count, 4);
    assert!(!account.backup_eligible);
    let codes: Vec<&str> = account
        .security_events
        .iter()
        .map(|e| e.code.as_str())
        .collect();
    assert_eq!(
        codes,
        [SIGN_COUNT_NOT_INCREASED, BACKUP_ELIGIBILITY_CHANGED]
    );
    // The next sign-in from the restored authenticator is normal again.
    apply_sign_in(
        &mut account,
        &outcome(5, false),
        Policy::FLAG,
        NOW + 1,
        &here(),
        "t",
    )
    .unwrap();
    assert_eq!(account.security_events.len(), 2);
    // Both zero: an authenticator without a counter is not an anomaly.
    let mut zero = fresh_account();
    apply_sign_in(
        &mut zero,
        &outcome(0, true),
        Policy::STRICT,
        NOW,
        &here(),
        "s",
    )
    .unwrap();
    assert!(zero.security_events.is_empty());
}

#[test]
fn refusals_are_written_at_most_a_few_per_window() {
    let mut account = fresh_account();
    let written = (0..50)
        .filter(|i| note_refusal(&mut account, "signature_invalid", NOW + i, &here()))
        .count();
    assert_eq!(written, MAX_REFUSALS_PER_WINDOW);
    // The next window writes again.
    assert!(note_refusal(
        &mut account,
        "signature_invalid",
        NOW + REFUSAL_WINDOW_SECS + 50,
        &here()
    ));
    // The owner's anomalies do not use up the refusal quota, nor does the quota hide them.
    let mut owner = fresh_account();
    owner.sign_count = 10;
    for i in 0..3 {
        assert!(note_refusal(
            &mut owner,
            "signature_invalid",
            NOW + i,
            &here()
        ));
    }
    apply_sign_in(
        &mut owner,
        &outcome(1, true),
        Policy::FLAG,
        NOW + 5,
        &here(),
        "s",
    )
    .unwrap();
    assert_eq!(
        owner.security_events.last().unwrap().code,
        SIGN_COUNT_NOT_INCREASED
    );
}

fn new_passkey(id: u8) -> CredentialRecord {
    CredentialRecord {
        id: vec![id; 16],
        public_key_cose: vec![0xa5, id],
        alg: -8,
        sign_count: 0,
        aaguid: [id; 16],
        user_verified: true,
        backup_eligible: false,
        backup_state: false,
        transports: vec!["usb".into()],
        attestation_format: "none".into(),
    }
}

#[test]
fn moving_to_a_new_passkey_retires_the_old_one_and_every_session() {
    let mut account = fresh_account();
    account.credential_id = URL_SAFE_NO_PAD.encode([1u8; 16]);
    account.sessions = vec!["a".into(), "b".into()];
    let before = account.clone();
    let old_digest = credential_digest(&URL_SAFE_NO_PAD.decode(&before.credential_id).unwrap());
    assert!(session_counts(&account, &old_digest, 0));

    let old = move_to_passkey(&mut account, &new_passkey(9), NOW + 60, &here(), "new").unwrap();
    assert_eq!(old, before.credential_id);
    assert_eq!(account.credential_id, URL_SAFE_NO_PAD.encode([9u8; 16]));
    assert_eq!(account.public_key_cose, URL_SAFE_NO_PAD.encode([0xa5, 9]));
    assert_eq!((account.alg, account.sign_count), (-8, 0));
    assert_eq!(account.transports, ["usb"]);
    assert_eq!(account.passkey_created_at, Some(NOW + 60));
    // Only the replacing browser's session is kept; sessions of the old passkey stop counting.
    assert_eq!(account.sessions, ["new"]);
    assert!(!session_counts(&account, &old_digest, 0));
    let new_digest = credential_digest(&[9u8; 16]);
    assert!(session_counts(&account, &new_digest, 0));
    // What is the person's stays: handle, name, creation, history (one more entry).
    assert_eq!(account.user_handle, before.user_handle);
    assert_eq!(account.name, before.name);
    assert_eq!(account.created_at, before.created_at);
    assert_eq!(account.sign_ins.len(), before.sign_ins.len() + 1);

    // The same passkey again is refused and changes nothing.
    let moved = account.clone();
    assert_eq!(
        move_to_passkey(&mut account, &new_passkey(9), NOW + 61, &here(), "x"),
        Err(MoveRefused::SamePasskey)
    );
    assert_eq!(account, moved);
    // A corrupt stored id changes nothing either.
    account.credential_id = "not base64url!".into();
    let corrupt = account.clone();
    assert_eq!(
        move_to_passkey(&mut account, &new_passkey(10), NOW, &here(), "x"),
        Err(MoveRefused::StoredIdInvalid)
    );
    assert_eq!(account, corrupt);
}

#[test]
fn ending_the_other_sessions_raises_the_epoch_past_every_session_but_this_one() {
    let mut account = fresh_account();
    account.credential_id = URL_SAFE_NO_PAD.encode([1u8; 16]);
    let digest = credential_digest(&[1u8; 16]);
    // Twelve sign-ins: the list keeps the last ten ids, but the two it dropped still count
    // until the epoch moves past them; so does a logged-out id still listed.
    for n in 0..12 {
        push_bounded(&mut account.sessions, format!("s{n}"), MAX_SESSIONS);
    }
    assert!(!account.sessions.contains(&"s0".to_owned()));
    assert!(session_counts(&account, &digest, 0));

    let ended = end_other_sessions(&mut account, "s11", 1);
    assert_eq!(account.sessions, ["s11"]);
    assert_eq!(ended.len(), MAX_SESSIONS - 1);
    assert_eq!(account.session_epoch, 1);
    // Every session of the old epoch is over, listed or not; this one, rewritten at 1, counts.
    assert!(!session_counts(&account, &digest, 0));
    assert!(session_counts(&account, &digest, 1));
    // A record written at a higher epoch than a stale account read still counts.
    assert!(session_counts(&account, &digest, 2));

    // A logout takes its id off the list (and nothing else).
    account.sessions.push("other".into());
    forget_session(&mut account, "other");
    assert_eq!(account.sessions, ["s11"]);

    // Never lowered, and this session is kept even when the list had forgotten it.
    account.sessions.clear();
    end_other_sessions(&mut account, "s12", 1);
    assert_eq!((account.session_epoch, account.sessions.len()), (1, 1));

    // A move to a new passkey starts the epochs again: its session (written at 0) counts,
    // and the old passkey's sessions are over by their digest.
    move_to_passkey(&mut account, &new_passkey(9), NOW, &here(), "moved").unwrap();
    assert_eq!(account.session_epoch, 0);
    assert!(session_counts(&account, &credential_digest(&[9u8; 16]), 0));
    assert!(!session_counts(&account, &digest, 5));
}

#[test]
fn retired_passkeys_are_bounded_and_outnumber_the_sessions() {
    const { assert!(MAX_RETIRED_PASSKEYS > MAX_SESSIONS) };
    let mut account = fresh_account();
    account.credential_id = URL_SAFE_NO_PAD.encode([1u8; 16]);
    for id in 2..=41u8 {
        move_to_passkey(&mut account, &new_passkey(id), NOW, &here(), "s").unwrap();
    }
    assert_eq!(account.retired_passkeys.len(), MAX_RETIRED_PASSKEYS);
    assert!(!session_counts(
        &account,
        &credential_digest(&[40u8; 16]),
        0
    ));
    assert!(session_counts(&account, &credential_digest(&[41u8; 16]), 0));
}

#[test]
fn a_chosen_name_replaces_the_generated_one() {
    let mut account = fresh_account();
    rename(&mut account, "Ada Lovelace");
    assert_eq!(account.name, "Ada Lovelace");
}

fn stored_code(locator: &str) -> StoredRecoveryCode {
    StoredRecoveryCode {
        v: 1,
        locator: locator.into(),
        key_version: 1,
        mac: "mac".into(),
        created_at: NOW,
    }
}

#[test]
fn a_recovery_code_replaces_the_last_one_and_is_spent_once() {
    let mut account = fresh_account();
    assert_eq!(set_recovery_code(&mut account, stored_code("AAAAA")), None);
    assert_eq!(
        set_recovery_code(&mut account, stored_code("BBBBB")),
        Some("AAAAA".into())
    );
    // The replaced code is gone; the current one is spent once.
    let before = account.clone();
    assert_eq!(
        spend_recovery_code(&mut account, "AAAAA", NOW + 5),
        Err(RecoveryRefused::CodeGone)
    );
    assert_eq!(account, before);
    assert_eq!(spend_recovery_code(&mut account, "BBBBB", NOW + 5), Ok(()));
    assert_eq!(
        (account.recovery_code.as_ref(), account.recovered_at),
        (None, Some(NOW + 5))
    );
    assert_eq!(
        spend_recovery_code(&mut account, "BBBBB", NOW + 6),
        Err(RecoveryRefused::CodeGone)
    );
}
