use super::*;
use crate::account::ClientInfo;
use crate::agent::fixtures::*;
use crate::agent::{AccountAgent, Agent, AgentInput, UpstreamAnswer};

fn render(payload: &AgentPayload) -> String {
    crate::templates::page::render_to_string(agent_section(payload))
}

fn payload_for(account: &crate::account::Account, answer: UpstreamAnswer<'_>) -> AgentPayload {
    let here = ClientInfo::default();
    let input = AgentInput {
        account,
        session_expires_at: NOW + 12 * HOUR,
        now: NOW,
        client: &here,
        previous_visit_at: Some(NOW - DAY),
    };
    AccountAgent.run(&input).with_upstream(answer)
}

#[test]
fn formats_utc_times() {
    assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
    assert_eq!(format_utc(NOW), "2026-11-25 14:03 UTC");
    assert_eq!(format_iso(NOW + 59), "2026-11-25T14:03:59Z");
    assert_eq!(format_utc(951_782_400), "2000-02-29 00:00 UTC"); // leap day of a /400 year
    assert_eq!(format_utc(951_868_800), "2000-03-01 00:00 UTC");
    assert_eq!(format_utc(4_107_542_399), "2100-02-28 23:59 UTC"); // 2100 is not leap
    assert_eq!(format_utc(4_107_542_400), "2100-03-01 00:00 UTC");
    assert_eq!(format_utc(1_704_067_199), "2023-12-31 23:59 UTC");
    // Never panics, even at the end of u64.
    assert!(format_utc(u64::MAX).ends_with(" UTC"));
}

#[test]
fn renders_a_readable_summary() {
    let mut account = fresh_account();
    account
        .security_events
        .push(refused(NOW - HOUR, "wrong_origin"));
    let html = render(&payload_for(&account, UpstreamAnswer::Off));
    for expected in [
        "amber-otter-27",
        "<dt>Provider</dt><dd>Apple Passwords</dd>",
        "<dt>Sync</dt><dd>Synced</dd>",
        "<time datetime=\"2026-11-25T14:02:00Z\">2026-11-25 14:02 UTC</time>",
        "Paris, FR · Safari on macOS (registration)",
        "1 refused attempt since your last visit (wrong_origin)",
        "Session expires <time datetime=\"2026-11-26T02:03:00Z\">",
        "<pre tabindex=\"0\">{\n",
    ] {
        assert!(html.contains(expected), "missing {expected:?} in {html}");
    }
    assert!(!html.contains("From your agent"));
    assert!(!html.contains("Agent unavailable"));
    assert!(
        html.contains("<dd data-testid=\"last-recovered\">Never</dd>"),
        "{html}"
    );
    assert!(
        html.contains("<dt>Recovery code</dt><dd>None</dd>"),
        "{html}"
    );
}

#[test]
fn shows_when_the_account_was_last_recovered_and_its_code_made() {
    let mut account = fresh_account();
    account.recovered_at = Some(NOW - HOUR);
    account.recovery_code = Some(crate::account::recovery::StoredRecoveryCode {
        v: 1,
        locator: "ABCDE".into(),
        key_version: 1,
        mac: "SECRET-MAC".into(),
        created_at: NOW - 2 * HOUR,
    });
    let html = render(&payload_for(&account, UpstreamAnswer::Off));
    assert!(
        html.contains(
            "<dd data-testid=\"last-recovered\"><time datetime=\"2026-11-25T13:03:00Z\">"
        ),
        "{html}"
    );
    assert!(
        html.contains("<dd>Made <time datetime=\"2026-11-25T12:03:00Z\">"),
        "{html}"
    );
    // Neither the code's hash nor its locator reaches the page.
    assert!(
        !html.contains("SECRET-MAC") && !html.contains("ABCDE"),
        "{html}"
    );
}

#[test]
fn escapes_script_in_name_city_and_upstream() {
    let mut account = fresh_account();
    account.name = "<script>alert(1)</script>".into();
    account.sign_ins[0].client.city = Some("<script>city()</script>".into());
    account.sign_ins[0].client.user_agent_family = Some("\"><img src=x onerror=alert(2)>".into());
    let body =
        br#"{"<script>k</script>":"<script>alert(3)</script>","nested":{"x":"</pre><script>"}}"#;
    let html = render(&payload_for(
        &account,
        UpstreamAnswer::Response { status: 200, body },
    ));
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("</pre><script"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        html.contains("&lt;script&gt;city()&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        html.contains("&lt;script&gt;alert(3)&lt;/script&gt;"),
        "{html}"
    );
    assert!(html.contains("From your agent"));
    // Exactly the template's own <pre>: the JSON inside is escaped.
    assert_eq!(html.matches("<pre").count(), 1);
    assert_eq!(html.matches("</pre>").count(), 1);
}

#[test]
fn unavailable_upstream_shows_one_line() {
    let account = fresh_account();
    let html = render(&payload_for(
        &account,
        UpstreamAnswer::Response {
            status: 500,
            body: b"",
        },
    ));
    assert!(html.contains("Agent unavailable (http_500)"), "{html}");
    assert!(!html.contains("From your agent"));
    let html = render(&payload_for(&account, UpstreamAnswer::TimedOut));
    assert!(html.contains("Agent unavailable (timeout)"), "{html}");
}

#[test]
fn upstream_fields_are_listed() {
    let account = fresh_account();
    let body = br#"{"greeting":"Hello, amber-otter-27","tips":["a","b"]}"#;
    let html = render(&payload_for(
        &account,
        UpstreamAnswer::Response { status: 200, body },
    ));
    assert!(
        html.contains("<dt>greeting</dt><dd>Hello, amber-otter-27</dd>"),
        "{html}"
    );
    assert!(
        html.contains("<dt>tips</dt><dd>[&quot;a&quot;,&quot;b&quot;]</dd>"),
        "{html}"
    );
}
