use super::*;

fn sample() -> RequestLog<'static> {
    RequestLog {
        started_unix_ms: 1_764_062_043_512,
        route: "/auth/finish",
        method: "POST",
        status: 409,
        duration_ms: 41,
        outcome: "challenge_used",
        country: Some("FR"),
        detail: None,
        heap_kib: Some(192),
    }
}

fn parse(line: &str) -> Map<String, Value> {
    assert!(!line.contains('\n'), "one line: {line}");
    match serde_json::from_str(line).unwrap() {
        Value::Object(members) => members,
        other => panic!("not an object: {other}"),
    }
}

#[test]
fn a_line_has_exactly_the_documented_members() {
    let line = parse(&sample().to_line());
    assert_eq!(
        line,
        parse(
            r#"{"time":"2025-11-25T09:14:03.512Z","route":"/auth/finish","method":"POST",
                "status":409,"duration_ms":41,"outcome":"challenge_used","country":"FR",
                "heap_kib":192}"#
                .replace(['\n', ' '], "")
                .as_str()
        )
    );
}

#[test]
fn country_and_detail_are_optional() {
    let line = parse(
        &RequestLog {
            country: None,
            heap_kib: None,
            ..sample()
        }
        .to_line(),
    );
    assert!(!line.contains_key("country"));
    assert!(!line.contains_key("detail"));
    assert!(
        !line.contains_key("heap_kib"),
        "off wasm there is no heap figure"
    );
    let line = parse(
        &RequestLog {
            status: 500,
            outcome: "internal",
            detail: Some("KV store `bio_accounts`: lookup: timed out"),
            ..sample()
        }
        .to_line(),
    );
    assert_eq!(line["detail"], "KV store `bio_accounts`: lookup: timed out");
}

#[test]
fn client_chosen_values_are_replaced_not_escaped() {
    let cases: [(RequestLog<'_>, &str, &str); 9] = [
        (
            RequestLog {
                method: "FOO\"BAR",
                ..sample()
            },
            "method",
            "OTHER",
        ),
        (
            RequestLog {
                method: "get",
                ..sample()
            },
            "method",
            "OTHER",
        ),
        (
            RequestLog {
                route: "/?sid=secret",
                ..sample()
            },
            "route",
            "unmatched",
        ),
        (
            RequestLog {
                route: "nope",
                ..sample()
            },
            "route",
            "unmatched",
        ),
        (
            RequestLog {
                route: "",
                ..sample()
            },
            "route",
            "unmatched",
        ),
        (
            RequestLog {
                outcome: "Signed In",
                ..sample()
            },
            "outcome",
            "invalid_outcome",
        ),
        (
            RequestLog {
                outcome: "",
                ..sample()
            },
            "outcome",
            "invalid_outcome",
        ),
        (
            RequestLog {
                outcome: &"a".repeat(MAX_OUTCOME_LEN + 1),
                ..sample()
            },
            "outcome",
            "invalid_outcome",
        ),
        (
            RequestLog {
                outcome: &"a".repeat(MAX_OUTCOME_LEN),
                ..sample()
            },
            "outcome",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ),
    ];
    for (log, key, expected) in cases {
        assert_eq!(parse(&log.to_line())[key], expected, "{log:?}");
    }
    for country in ["fr", "FRA", "F", "**", "é"] {
        let line = parse(
            &RequestLog {
                country: Some(country),
                ..sample()
            }
            .to_line(),
        );
        assert!(!line.contains_key("country"), "{country}");
    }
}

#[test]
fn a_long_detail_is_cut_on_a_character_boundary() {
    let detail = "é".repeat(MAX_DETAIL_LEN);
    let line = parse(
        &RequestLog {
            detail: Some(&detail),
            ..sample()
        }
        .to_line(),
    );
    let kept = line["detail"].as_str().unwrap();
    assert!(kept.len() <= MAX_DETAIL_LEN && kept.len() >= MAX_DETAIL_LEN - 1);
    assert!(kept.chars().all(|c| c == 'é'));
}

#[test]
fn times_are_rfc3339_utc_with_milliseconds() {
    // Each checked against `date -u -d @SECS`.
    let cases = [
        (0, "1970-01-01T00:00:00.000Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (951_868_799_999, "2000-02-29T23:59:59.999Z"),
        (1_709_251_199_001, "2024-02-29T23:59:59.001Z"),
        (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
        (253_402_300_799_000, "9999-12-31T23:59:59.000Z"),
    ];
    for (ms, expected) in cases {
        assert_eq!(rfc3339_millis(ms), expected, "{ms}");
    }
}

#[test]
fn every_day_of_four_centuries_follows_the_one_before() {
    // 1970 to 2370: each day's date is the previous one's successor on the Gregorian calendar.
    let leap = |y: u64| (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    let month_len = |y: u64, m: u64| match m {
        2 if leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    let mut expected = (1970, 1, 1);
    for days in 0..146_097 {
        assert_eq!(civil_from_days(days), expected, "day {days}");
        let (y, m, d) = expected;
        expected = if d < month_len(y, m) {
            (y, m, d + 1)
        } else if m < 12 {
            (y, m + 1, 1)
        } else {
            (y + 1, 1, 1)
        };
    }
}

#[test]
fn a_note_is_one_line_with_time_code_and_detail() {
    let line = parse(&note_line(
        0,
        "security_event_unrecorded",
        "KV store `bio_accounts`: insert",
    ));
    assert_eq!(line.len(), 3);
    assert_eq!(line["time"], "1970-01-01T00:00:00.000Z");
    assert_eq!(line["note"], "security_event_unrecorded");
    assert_eq!(line["detail"], "KV store `bio_accounts`: insert");
    assert_eq!(
        parse(&note_line(0, "Bad Code", "x"))["note"],
        INVALID_OUTCOME
    );
}
