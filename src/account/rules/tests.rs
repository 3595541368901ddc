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
