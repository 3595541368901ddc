use super::*;

fn raw() -> RawConfig {
    RawConfig {
        rp_id: Some("example.com".into()),
        rp_name: Some("Bio".into()),
        origins: Some(r#"["https://example.com", "https://login.example.com:8443"]"#.into()),
        user_verification: Some("required".into()),
        agent_upstream: None,
        agent_deadline_ms: None,
        agent_hold_ms: None,
        counter_policy: None,
        limit_failures_per_ip: None,
        limit_failures_per_credential: None,
        limit_registrations_per_ip: None,
        limit_flood_rps_per_ip: None,
        limit_recovery_per_ip: None,
        limit_recovery_per_account: None,
        agent_test_modes: None,
        test_inventory: None,
        session_key_current: Some(vec![7; 32]),
        session_key_previous: None,
        recovery_key_version: None,
        recovery_key_current: Some(vec![8; 32]),
        recovery_key_previous: None,
    }
}

fn check(raw: RawConfig) -> Result<Config, ConfigError> {
    Config::from_raw(raw, &StoreNames::DEFAULT)
}

#[test]
fn a_complete_config_is_accepted_with_defaults() {
    let config = check(raw()).unwrap();
    assert_eq!(config.rp_id, "example.com");
    assert_eq!(config.origins.len(), 2);
    assert_eq!(config.user_verification, UserVerification::Required);
    assert!(!config.agent_upstream);
    assert_eq!(config.agent_deadline_ms, DEFAULT_AGENT_DEADLINE_MS);
    assert_eq!(config.agent_hold_ms, 0, "no hold unless asked for");
    assert!(
        !config.agent_test_modes,
        "test modes are off unless asked for"
    );
    assert!(
        !config.test_inventory,
        "the inventory is off unless asked for"
    );
    assert!(config.keys.previous.is_none());
    // One credential per account: a counter or BE anomaly is flagged, not a lockout.
    assert_eq!(config.sign_in_policy, Policy::FLAG);
    let strict = check(RawConfig {
        counter_policy: Some("strict".into()),
        ..raw()
    })
    .unwrap();
    assert_eq!(strict.sign_in_policy, Policy::STRICT);
    let held = check(RawConfig {
        agent_hold_ms: Some("25".into()),
        ..raw()
    })
    .unwrap();
    assert_eq!(held.agent_hold_ms, 25);
}

#[test]
fn debug_never_prints_keys() {
    let mut r = raw();
    r.session_key_current = Some(b"super-secret-value-that-is-long-enough".to_vec());
    let text = format!("{:?}", check(r).unwrap());
    assert!(!text.contains("super-secret"));
}

#[test]
fn each_bad_value_is_named() {
    type Edit = fn(&mut RawConfig);
    let cases: &[(Edit, &str)] = &[
        (
            |r| r.rp_id = None,
            "`rp_id` is missing from the store `bio_config`",
        ),
        (
            |r| r.rp_id = Some("Example.com".into()),
            "`rp_id` is invalid",
        ),
        (
            |r| r.rp_id = Some("https://example.com".into()),
            "`rp_id` is invalid",
        ),
        (|r| r.rp_id = Some("127.0.0.1".into()), "`rp_id` is invalid"),
        (|r| r.rp_id = Some("".into()), "`rp_id` is invalid"),
        (|r| r.rp_name = None, "`rp_name` is missing"),
        (|r| r.rp_name = Some(" ".into()), "`rp_name` is invalid"),
        (|r| r.origins = None, "`origins` is missing"),
        (
            |r| r.origins = Some("[]".into()),
            "must list at least one origin",
        ),
        (
            |r| r.origins = Some("https://example.com".into()),
            "must be a JSON array",
        ),
        (
            |r| r.origins = Some(r#"[1]"#.into()),
            "must be a JSON array",
        ),
        (
            |r| r.origins = Some(r#"["https://evil.example"]"#.into()),
            "neither the RP ID",
        ),
        (
            |r| r.origins = Some(r#"["https://notexample.com"]"#.into()),
            "neither the RP ID",
        ),
        (
            |r| r.origins = Some(r#"["http://example.com"]"#.into()),
            "must use https",
        ),
        (
            |r| r.origins = Some(r#"["https://example.com/"]"#.into()),
            "no path",
        ),
        (
            |r| r.origins = Some(r#"["https://example.com:99999"]"#.into()),
            "invalid port",
        ),
        (
            |r| r.origins = Some(r#"["example.com"]"#.into()),
            "is not an origin",
        ),
        (
            |r| r.user_verification = Some("discouraged".into()),
            "`user_verification` is invalid",
        ),
        (
            |r| r.user_verification = None,
            "`user_verification` is missing",
        ),
        (
            |r| r.agent_upstream = Some("yes".into()),
            "`agent_upstream` is invalid",
        ),
        (
            |r| r.agent_deadline_ms = Some("0".into()),
            "`agent_deadline_ms` is invalid",
        ),
        (
            |r| r.agent_deadline_ms = Some("10001".into()),
            "`agent_deadline_ms` is invalid",
        ),
        (
            |r| r.agent_deadline_ms = Some("2s".into()),
            "`agent_deadline_ms` is invalid",
        ),
        (
            |r| r.agent_hold_ms = Some("201".into()),
            "`agent_hold_ms` is invalid",
        ),
        (
            |r| r.agent_hold_ms = Some("-1".into()),
            "`agent_hold_ms` is invalid",
        ),
        (
            // A hold as long as the whole deadline would never stream at all.
            |r| {
                r.agent_deadline_ms = Some("100".into());
                r.agent_hold_ms = Some("100".into());
            },
            "`agent_hold_ms` is invalid",
        ),
        (
            |r| r.limit_flood_rps_per_ip = Some("10001".into()),
            "`limit_flood_rps_per_ip` is invalid",
        ),
        (
            |r| r.test_inventory = Some("yes".into()),
            "`test_inventory` is invalid",
        ),
        (
            |r| r.counter_policy = Some("lenient".into()),
            "`counter_policy` is invalid",
        ),
        (
            |r| r.limit_failures_per_ip = Some("10 per minute".into()),
            "`limit_failures_per_ip` is invalid",
        ),
        (
            |r| r.limit_failures_per_credential = Some("0/300".into()),
            "`limit_failures_per_credential` is invalid",
        ),
        (
            |r| r.limit_registrations_per_ip = Some("30/0".into()),
            "`limit_registrations_per_ip` is invalid",
        ),
        (
            |r| r.agent_test_modes = Some("yes".into()),
            "`agent_test_modes` is invalid",
        ),
        (
            |r| r.agent_test_modes = Some("ON".into()),
            "`agent_test_modes` is invalid",
        ),
        (
            |r| r.session_key_current = None,
            "`session_key_current` is missing from the store `bio_secrets`",
        ),
        (
            |r| r.session_key_current = Some(vec![1; 31]),
            "`session_key_current` is invalid",
        ),
        (
            |r| r.session_key_previous = Some(vec![1; 8]),
            "`session_key_previous` is invalid",
        ),
        (
            |r| r.limit_recovery_per_ip = Some("ten/3600".into()),
            "`limit_recovery_per_ip` is invalid",
        ),
        (
            |r| r.limit_recovery_per_account = Some("5/86401".into()),
            "`limit_recovery_per_account` is invalid",
        ),
        (
            |r| r.recovery_key_version = Some("0".into()),
            "`recovery_key_version` is invalid",
        ),
        (
            |r| r.recovery_key_version = Some("v2".into()),
            "`recovery_key_version` is invalid",
        ),
        (
            |r| r.recovery_key_current = Some(vec![1; 31]),
            "`recovery_key_v1` must be at least 32 bytes",
        ),
        (
            |r| {
                r.recovery_key_version = Some("3".into());
                r.recovery_key_previous = Some(vec![1; 5]);
            },
            "`recovery_key_v2` must be at least 32 bytes",
        ),
    ];
    for (edit, expected) in cases {
        let mut r = raw();
        edit(&mut r);
        let message = check(r).unwrap_err().to_string();
        assert!(
            message.contains(expected),
            "{message:?} should contain {expected:?}"
        );
    }
}

#[test]
fn localhost_may_use_http_and_subdomains_match_on_a_dot() {
    let mut r = raw();
    r.rp_id = Some("localhost".into());
    r.origins = Some(r#"["http://localhost:7676", "https://localhost"]"#.into());
    assert!(check(r).is_ok());
    let mut r = raw();
    r.origins = Some(r#"["https://a.b.example.com"]"#.into());
    assert!(check(r).is_ok());
}

#[test]
fn agent_test_modes_is_on_only_when_set_on() {
    for (value, expected) in [(None, false), (Some("off"), false), (Some("on"), true)] {
        let mut r = raw();
        r.agent_test_modes = value.map(str::to_owned);
        assert_eq!(check(r).unwrap().agent_test_modes, expected, "{value:?}");
    }
}

#[test]
fn recovery_codes_have_their_own_versioned_keys_and_are_off_without_one() {
    let config = check(raw()).unwrap();
    assert_eq!(config.recovery.current.as_ref().map(|(v, _)| *v), Some(1));
    assert!(config.recovery.previous.is_none());
    let mut r = raw();
    r.recovery_key_version = Some("2".into());
    r.recovery_key_previous = Some(vec![9; 32]);
    let config = check(r).unwrap();
    assert_eq!(config.recovery.current.as_ref().map(|(v, _)| *v), Some(2));
    assert_eq!(config.recovery.previous.as_ref().map(|(v, _)| *v), Some(1));
    let mut r = raw();
    r.recovery_key_current = None;
    assert!(
        check(r).unwrap().recovery.current.is_none(),
        "off, not misconfigured"
    );
    let defaults = check(raw()).unwrap().limits;
    assert_eq!(
        (
            defaults.recovery_per_ip.max,
            defaults.recovery_per_account.max
        ),
        (10, 5)
    );
}
