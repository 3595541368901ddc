use super::*;
use crate::account::ClientInfo;
use crate::agent::UpstreamStatus;
use crate::agent::fixtures::*;

fn input<'a>(
    account: &'a Account,
    client: &'a ClientInfo,
    previous: Option<u64>,
) -> AgentInput<'a> {
    AgentInput {
        account,
        session_expires_at: NOW + 12 * HOUR,
        now: NOW,
        client,
        previous_visit_at: previous,
    }
}

#[test]
fn payload_for_a_fresh_account() {
    let account = fresh_account();
    let here = client("FR", "Paris", "Safari on macOS");
    let payload = AccountAgent.run(&input(&account, &here, None));
    let summary = &payload.account;
    assert_eq!(summary.name, "amber-otter-27");
    assert_eq!(
        summary.passkey,
        PasskeySummary {
            authenticator: "Apple Passwords",
            aaguid: "fbfc3007-154e-4ecc-8c0b-6e020557d7bd".into(),
            created_at: NOW - 60,
            last_used_at: NOW - 60,
            backup: BackupState::Synced,
            user_verified: true,
        }
    );
    assert_eq!(summary.sign_ins.len(), 1);
    assert!(summary.sign_ins[0].registration);
    assert_eq!(summary.sign_ins_kept, 1);
    assert_eq!(
        summary.notices,
        vec![],
        "a registration alone earns no notice"
    );
    assert_eq!(summary.session_expires_at, NOW + 12 * HOUR);
    assert_eq!(summary.generated_at, NOW);
    assert_eq!(payload.upstream, None);
    assert_eq!(payload.upstream_status, UpstreamStatus::Off);
}

#[test]
fn history_shows_the_newest_ten_newest_first() {
    let mut account = fresh_account();
    for i in 1..=15u64 {
        account.sign_ins.push(sign_in(
            NOW - 60 + i,
            client("FR", "Paris", "Safari on macOS"),
            false,
        ));
    }
    let here = ClientInfo::default();
    let summary = AccountSummary::from_input(&input(&account, &here, None));
    assert_eq!(summary.sign_ins.len(), SHOWN_SIGN_INS);
    assert_eq!(summary.sign_ins_kept, 16);
    let times: Vec<u64> = summary.sign_ins.iter().map(|s| s.at).collect();
    let expected: Vec<u64> = (6..=15u64).rev().map(|i| NOW - 60 + i).collect();
    assert_eq!(times, expected);
}

#[test]
fn sign_in_summary_drops_the_ip() {
    let account = fresh_account();
    let here = ClientInfo::default();
    let json =
        serde_json::to_string(&AccountSummary::from_input(&input(&account, &here, None))).unwrap();
    assert!(!json.contains("203.0.113.7"), "{json}");
    assert!(json.contains("\"device\":\"Safari on macOS\""), "{json}");
}

#[test]
fn first_sign_in_from_a_new_country() {
    let mut account = fresh_account();
    account.sign_ins.push(sign_in(
        NOW - DAY,
        client("FR", "Lyon", "Firefox on Linux"),
        false,
    ));
    account.sign_ins.push(sign_in(
        NOW,
        client("JP", "Tokyo", "Chrome on Android"),
        false,
    ));
    let here = client("JP", "Tokyo", "Chrome on Android");
    let summary = AccountSummary::from_input(&input(&account, &here, Some(NOW - DAY)));
    assert_eq!(
        summary.notices,
        vec![Notice::FirstSignInFromCountry {
            country: "JP".into()
        }]
    );
    assert_eq!(summary.notices[0].message(), "First sign-in from JP");
}

#[test]
fn no_country_notice_for_a_country_seen_before_or_unknown() {
    let mut account = fresh_account();
    account.sign_ins.push(sign_in(
        NOW - DAY,
        client("JP", "Osaka", "Chrome on Android"),
        false,
    ));
    account.sign_ins.push(sign_in(
        NOW,
        client("FR", "Paris", "Safari on macOS"),
        false,
    ));
    let here = ClientInfo::default();
    assert_eq!(
        AccountSummary::from_input(&input(&account, &here, None)).notices,
        vec![]
    );

    let mut unknown = fresh_account();
    unknown
        .sign_ins
        .push(sign_in(NOW, ClientInfo::default(), false));
    assert_eq!(
        AccountSummary::from_input(&input(&unknown, &here, None)).notices,
        vec![]
    );
}

#[test]
fn refused_attempts_since_the_last_visit_only() {
    let previous = NOW - DAY;
    let mut account = fresh_account();
    account.security_events = vec![
        refused(previous - HOUR, "wrong_origin"), // before the last visit
        // In the last visit's second: maybe after it (times are in seconds), so shown.
        refused(previous, "wrong_origin"),
        refused(previous + HOUR, "sign_count_regressed"),
        refused(previous + 2 * HOUR, "bad_signature"),
        refused(previous + 3 * HOUR, "sign_count_regressed"),
    ];
    let here = ClientInfo::default();
    let summary = AccountSummary::from_input(&input(&account, &here, Some(previous)));
    let expected = Notice::RefusedAttempts {
        count: 4,
        codes: vec![
            "wrong_origin".into(),
            "sign_count_regressed".into(),
            "bad_signature".into(),
        ],
    };
    assert_eq!(summary.notices, vec![expected.clone()]);
    assert_eq!(
        expected.message(),
        "4 refused attempts since your last visit (wrong_origin, sign_count_regressed, bad_signature)"
    );

    // Nothing from the last visit's second on: no notice.
    let later = AccountSummary::from_input(&input(&account, &here, Some(previous + 3 * HOUR + 1)));
    assert_eq!(later.notices, vec![]);

    // No previous visit: everything since registration counts.
    let first = AccountSummary::from_input(&input(&account, &here, None));
    assert!(matches!(
        first.notices[..],
        [Notice::RefusedAttempts { count: 5, .. }]
    ));
}

#[test]
fn one_refused_attempt_is_singular() {
    let notice = Notice::RefusedAttempts {
        count: 1,
        codes: vec!["wrong_origin".into()],
    };
    assert_eq!(
        notice.message(),
        "1 refused attempt since your last visit (wrong_origin)"
    );
}

#[test]
fn synced_or_device_bound_from_be_bs() {
    assert_eq!(BackupState::from_flags(true, true), BackupState::Synced);
    assert_eq!(
        BackupState::from_flags(true, false),
        BackupState::NotYetBackedUp
    );
    assert_eq!(
        BackupState::from_flags(false, false),
        BackupState::DeviceBound
    );
    // Invalid per §6.1.3; BE decides.
    assert_eq!(
        BackupState::from_flags(false, true),
        BackupState::DeviceBound
    );

    let mut account = fresh_account();
    account.backup_eligible = false;
    account.backup_state = false;
    account.aaguid = "00000000-0000-0000-0000-000000000000".into();
    let passkey = PasskeySummary::from_account(&account);
    assert_eq!(passkey.backup, BackupState::DeviceBound);
    assert_eq!(passkey.backup.label(), "Device-bound");
    assert_eq!(passkey.authenticator, "Passkey (AAGUID not disclosed)");
    assert_eq!(
        serde_json::to_value(BackupState::NotYetBackedUp).unwrap(),
        "not_yet_backed_up"
    );
}

#[test]
fn an_anomaly_the_policy_let_through_is_a_notice_of_its_own() {
    let mut account = fresh_account();
    account
        .security_events
        .push(refused(NOW - 10, rules::SIGN_COUNT_NOT_INCREASED));
    account
        .security_events
        .push(refused(NOW - 5, rules::BACKUP_ELIGIBILITY_CHANGED));
    let here = client("FR", "Paris", "Safari on macOS");
    let notices = AccountAgent
        .run(&input(&account, &here, Some(NOW - 100)))
        .account
        .notices;
    assert!(
        notices.contains(&Notice::CounterDidNotIncrease),
        "{notices:?}"
    );
    assert!(
        notices.contains(&Notice::BackupEligibilityChanged),
        "{notices:?}"
    );
    // Not counted as refused attempts: the owner was let in.
    assert!(
        !notices
            .iter()
            .any(|n| matches!(n, Notice::RefusedAttempts { .. }))
    );
    assert!(Notice::CounterDidNotIncrease.message().contains("counter"));
}
