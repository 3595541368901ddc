use super::*;
use crate::account::ClientInfo;
use crate::agent::fixtures::*;
use crate::agent::{AccountAgent, Agent, AgentPayload, run_agent};

fn nested(depth: usize) -> String {
    // depth objects: {"a":{"a":...{}...}}
    let mut s = String::new();
    for _ in 1..depth {
        s.push_str("{\"a\":");
    }
    s.push_str("{}");
    for _ in 1..depth {
        s.push('}');
    }
    s
}

#[test]
fn depth_sixteen_ok_seventeen_rejected() {
    assert!(parse_upstream(nested(16).as_bytes()).is_ok());
    assert_eq!(
        parse_upstream(nested(17).as_bytes()),
        Err(UpstreamError::TooDeep)
    );
    // Arrays count too.
    let mixed = format!("{{\"a\":{}{}{}}}", "[".repeat(15), "1", "]".repeat(15));
    assert!(parse_upstream(mixed.as_bytes()).is_ok());
    let mixed = format!("{{\"a\":{}{}{}}}", "[".repeat(16), "1", "]".repeat(16));
    assert_eq!(
        parse_upstream(mixed.as_bytes()),
        Err(UpstreamError::TooDeep)
    );
}

#[test]
fn brackets_inside_strings_do_not_count() {
    let body = format!(
        "{{\"a\":\"{}\",\"b\":\"\\\"[[[{}\"}}",
        "{[".repeat(100),
        "[".repeat(100)
    );
    assert!(parse_upstream(body.as_bytes()).is_ok(), "{body}");
}

#[test]
fn depth_bomb_is_refused_without_recursion() {
    // Far past serde_json's limit: refused by the scan, not by a stack overflow.
    let bomb = "[".repeat(60_000);
    let body = format!("{{\"a\":{bomb}");
    assert_eq!(parse_upstream(body.as_bytes()), Err(UpstreamError::TooDeep));
}

#[test]
fn size_limit_is_checked_before_parsing() {
    let fill = |len: usize| {
        let mut body = b"{\"a\":\"".to_vec();
        body.resize(len - 2, b'x');
        body.extend_from_slice(b"\"}");
        assert_eq!(body.len(), len);
        body
    };
    assert!(parse_upstream(&fill(MAX_UPSTREAM_BYTES)).is_ok());
    assert_eq!(
        parse_upstream(&fill(MAX_UPSTREAM_BYTES + 1)),
        Err(UpstreamError::TooLarge)
    );
    // Too large wins over invalid: nothing is parsed.
    assert_eq!(
        parse_upstream(&vec![b'['; MAX_UPSTREAM_BYTES + 1]),
        Err(UpstreamError::TooLarge)
    );
}

#[test]
fn only_a_json_object_is_accepted() {
    for (body, expected) in [
        (&b"[1,2,3]"[..], UpstreamError::NotObject),
        (b"\"hello\"", UpstreamError::NotObject),
        (b"42", UpstreamError::NotObject),
        (b"null", UpstreamError::NotObject),
        (b"", UpstreamError::NotJson),
        (b"{", UpstreamError::NotJson),
        (b"{\"a\":1} trailing", UpstreamError::NotJson),
        (b"{\"a\":\"\xff\"}", UpstreamError::NotJson),
        (b"<html>", UpstreamError::NotJson),
    ] {
        assert_eq!(
            parse_upstream(body),
            Err(expected),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
    assert!(parse_upstream(b" {\"greeting\": \"hi\"} ").is_ok());
}

fn input<'a>(
    account: &'a crate::account::Account,
    client: &'a ClientInfo,
) -> crate::agent::AgentInput<'a> {
    crate::agent::AgentInput {
        account,
        session_expires_at: NOW + 12 * HOUR,
        now: NOW,
        client,
        previous_visit_at: None,
    }
}

#[test]
fn agent_context_has_no_secrets() {
    let account = fresh_account();
    let here = client("DE", "Berlin", "Firefox on Linux");
    let context = AgentContext::from_input(&input(&account, &here));
    let json = serde_json::to_string(&context).unwrap();
    for secret in [
        account.user_handle.as_str(),
        account.credential_id.as_str(),
        account.public_key_cose.as_str(),
        "203.0.113.7",
    ] {
        assert!(!json.contains(secret), "{secret} leaked: {json}");
    }
    // No member, at any depth, is named like something that authenticates.
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut keys = Vec::new();
    let mut stack = vec![&value];
    while let Some(v) = stack.pop() {
        if let Some(map) = v.as_object() {
            keys.extend(map.keys().map(|k| k.to_ascii_lowercase()));
            stack.extend(map.values());
        }
    }
    for key in &keys {
        for word in [
            "session_id",
            "cookie",
            "credential",
            "handle",
            "public_key",
            "sign_count",
            "alg",
        ] {
            assert!(!key.contains(word), "{key} in {json}");
        }
        assert!(
            !["id", "ip", "key", "token", "secret"].contains(&key.as_str()),
            "{key} in {json}"
        );
    }
    // And it is exactly the brief's minimal context.
    assert_eq!(
        value,
        serde_json::json!({
            "name": "amber-otter-27",
            "country": "DE",
            "city": "Berlin",
            "user_agent_family": "Firefox on Linux",
            "session_expires_at": NOW + 12 * HOUR,
            "passkey": {"authenticator": "Apple Passwords", "backup": "synced", "created_at": NOW - 60},
        })
    );
}

#[test]
fn upstream_goes_under_upstream_only() {
    let account = fresh_account();
    let here = ClientInfo::default();
    let built_in = AccountAgent.run(&input(&account, &here));
    let body =
        br#"{"account":{"name":"evil"},"name":"evil","upstream_status":"ok","notices":["x"]}"#;
    let payload = run_agent(
        &AccountAgent,
        &input(&account, &here),
        UpstreamAnswer::Response { status: 200, body },
    );
    assert_eq!(payload.account, built_in.account);
    assert_eq!(payload.upstream_status, UpstreamStatus::Ok);
    let json = serde_json::to_value(&payload).unwrap();
    assert_eq!(json["account"]["name"], "amber-otter-27");
    assert_eq!(json["upstream"]["account"]["name"], "evil");
    assert_eq!(json["upstream_status"], serde_json::json!({"state": "ok"}));
}

#[test]
fn failed_upstreams_are_unavailable_with_a_code() {
    let account = fresh_account();
    let here = ClientInfo::default();
    let base = || AccountAgent.run(&input(&account, &here));
    let cases: [(UpstreamAnswer<'_>, serde_json::Value); 6] = [
        (UpstreamAnswer::Off, serde_json::json!({"state": "off"})),
        (
            UpstreamAnswer::TimedOut,
            serde_json::json!({"state": "unavailable", "reason": "timeout"}),
        ),
        (
            UpstreamAnswer::Unreachable,
            serde_json::json!({"state": "unavailable", "reason": "unreachable"}),
        ),
        (
            UpstreamAnswer::Response {
                status: 500,
                body: b"{}",
            },
            serde_json::json!({"state": "unavailable", "reason": "http_500"}),
        ),
        (
            UpstreamAnswer::Response {
                status: 200,
                body: b"{not json",
            },
            serde_json::json!({"state": "unavailable", "reason": "not_json"}),
        ),
        (
            UpstreamAnswer::Response {
                status: 200,
                body: b"[]",
            },
            serde_json::json!({"state": "unavailable", "reason": "not_object"}),
        ),
    ];
    for (answer, expected) in cases {
        let payload: AgentPayload = base().with_upstream(answer);
        assert_eq!(payload.upstream, None, "{answer:?}");
        assert_eq!(payload.account, base().account);
        assert_eq!(
            serde_json::to_value(payload.upstream_status).unwrap(),
            expected,
            "{answer:?}"
        );
    }
}

#[test]
fn escaped_backslash_ends_the_string_before_counted_brackets() {
    // `"\\"` is a string holding one backslash; the brackets after it are structure.
    let deep = format!(
        "{{\"a\":\"\\\\\",\"b\":{}1{}}}",
        "[".repeat(16),
        "]".repeat(16)
    );
    assert_eq!(
        parse_upstream(deep.as_bytes()),
        Err(UpstreamError::TooDeep),
        "{deep}"
    );
    let ok = format!(
        "{{\"a\":\"\\\\\",\"b\":{}1{}}}",
        "[".repeat(15),
        "]".repeat(15)
    );
    assert!(parse_upstream(ok.as_bytes()).is_ok(), "{ok}");
}

#[test]
fn every_prefix_and_byte_flip_is_an_error_not_a_panic() {
    let body = br#"{"greeting":"Hello, \"amber\"","tips":["a",{"b":[1,2.5e3,null,true]}]}"#;
    assert!(parse_upstream(body).is_ok());
    for end in 0..body.len() {
        assert!(parse_upstream(&body[..end]).is_err(), "prefix {end}");
    }
    for i in 0..body.len() {
        for bit in 0..8 {
            let mut flipped = body.to_vec();
            flipped[i] ^= 1 << bit;
            let _ = parse_upstream(&flipped); // may be Ok (e.g. a letter changed): must not panic
        }
    }
}
