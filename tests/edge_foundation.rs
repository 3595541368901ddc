//! Under Viceroy: the page and its headers, 404, 405, JSON errors under /auth/, and every
//! misconfiguration, through the real routing table of src/main.rs.
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../src/main.rs"]
#[allow(dead_code)]
mod app;

use bio::config::StoreNames;
use bio::edge;
use fastly::http::{Method, StatusCode};
use fastly::{Request, Response};

const BASE: &str = "http://localhost:7678";

fn send(method: Method, path: &str, stores: StoreNames<'_>) -> Response {
    let request = Request::new(method, format!("{BASE}{path}"));
    edge::handle(&app::routes(), request, stores).expect("a response, not a stream")
}

fn body_json(response: Response) -> serde_json::Value {
    assert_eq!(
        response.get_header_str("content-type"),
        Some("application/json")
    );
    serde_json::from_slice(&response.into_body_bytes()).unwrap()
}

fn assert_common_headers(response: &Response) {
    assert_eq!(response.get_header_str("cache-control"), Some("no-store"));
    assert_eq!(
        response.get_header_str("x-content-type-options"),
        Some("nosniff")
    );
    assert_eq!(
        response.get_header_str("referrer-policy"),
        Some("same-origin")
    );
    assert!(
        response
            .get_header_str("strict-transport-security")
            .unwrap()
            .contains("max-age=")
    );
}

fn assert_page_headers(response: &Response) {
    assert_common_headers(response);
    assert_eq!(
        response.get_header_str("content-type"),
        Some("text/html; charset=utf-8")
    );
    let csp = response.get_header_str("content-security-policy").unwrap();
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    for directive in [
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
        "form-action 'self'",
        "script-src 'self';",
        "style-src 'self';",
    ] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
}

#[test]
fn the_signed_out_page_and_its_headers() {
    let response = send(Method::GET, "/", StoreNames::DEFAULT);
    assert_eq!(response.get_status(), StatusCode::OK);
    assert_page_headers(&response);
    let html = response.into_body_str();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(
        html.matches("<button id=\"auth\"").count(),
        1,
        "one Auth button"
    );
    assert!(html.contains("<noscript>"));
    assert!(html.contains("Bio (local)"), "rp_name from bio_config");
    // No inline script or style: both are loaded, pinned by their integrity values.
    assert!(!html.contains(bio::templates::assets::CLIENT_JS));
    assert!(!html.contains("<style"));
    assert_eq!(html.matches("<script").count(), 1, "{html}");
}

#[test]
fn the_assets_are_served_by_hash_pinned_and_cacheable_without_any_configuration() {
    use base64::Engine as _;
    use bio::templates::assets::{
        CLIENT_JS, CLIENT_JS_INTEGRITY, CLIENT_JS_PATH, STYLE_CSS, STYLE_CSS_INTEGRITY,
        STYLE_CSS_PATH,
    };
    use sha2::Digest as _;

    let page = send(Method::GET, "/", StoreNames::DEFAULT).into_body_str();
    assert!(
        page.contains(&format!(
            "<script src=\"{CLIENT_JS_PATH}\" integrity=\"{CLIENT_JS_INTEGRITY}\"></script>"
        )),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            "<link rel=\"stylesheet\" href=\"{STYLE_CSS_PATH}\" integrity=\"{STYLE_CSS_INTEGRITY}\">"
        )),
        "{page}"
    );
    let broken = StoreNames {
        config: "bio_config_missing",
        secrets: "bio_secrets_missing",
        challenges: "bio_kv_missing",
        accounts: "bio_kv_missing",
    };
    for (path, integrity, text, content_type) in [
        (
            CLIENT_JS_PATH,
            CLIENT_JS_INTEGRITY,
            CLIENT_JS,
            "text/javascript; charset=utf-8",
        ),
        (
            STYLE_CSS_PATH,
            STYLE_CSS_INTEGRITY,
            STYLE_CSS,
            "text/css; charset=utf-8",
        ),
    ] {
        for stores in [StoreNames::DEFAULT, broken] {
            let response = send(Method::GET, path, stores);
            assert_eq!(response.get_status(), StatusCode::OK, "{path}");
            assert_eq!(response.get_header_str("content-type"), Some(content_type));
            assert_eq!(
                response.get_header_str("cache-control"),
                Some("public, max-age=31536000, immutable")
            );
            assert_eq!(
                response.get_header_str("x-content-type-options"),
                Some("nosniff")
            );
            assert!(response.get_header_str("content-security-policy").is_none());
            let body = response.into_body_bytes();
            assert_eq!(body, text.as_bytes());
            let digest = sha2::Sha256::digest(&body);
            let expected = base64::engine::general_purpose::STANDARD.encode(digest);
            assert_eq!(integrity, format!("sha256-{expected}"));
        }
        let response = send(Method::POST, path, StoreNames::DEFAULT);
        assert_eq!(response.get_status(), StatusCode::METHOD_NOT_ALLOWED);
    }
    // Another release's hash, or none: not found, and never cached.
    for path in [
        "/assets/client.0000000000000000.js",
        "/assets/style.css",
        "/assets/",
    ] {
        let response = send(Method::GET, path, StoreNames::DEFAULT);
        assert_eq!(response.get_status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(response.get_header_str("cache-control"), Some("no-store"));
    }
}

#[test]
fn unknown_paths_and_wrong_methods() {
    // HTML outside /auth/.
    let response = send(Method::GET, "/nope", StoreNames::DEFAULT);
    assert_eq!(response.get_status(), StatusCode::NOT_FOUND);
    assert_page_headers(&response);
    assert!(response.into_body_str().contains("Not Found"));

    let response = send(Method::DELETE, "/", StoreNames::DEFAULT);
    assert_eq!(response.get_status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.get_header_str("allow"), Some("GET, HEAD"));
    assert_page_headers(&response);

    // HEAD is GET's headers (RFC 9110 §9.3.2; the HTTP server drops the body): the page, the
    // health check; a POST-only address still answers 405.
    let head = send(Method::HEAD, "/", StoreNames::DEFAULT);
    assert_eq!(head.get_status(), StatusCode::OK);
    assert_page_headers(&head);
    let head = send(Method::HEAD, "/healthz", StoreNames::DEFAULT);
    assert_eq!(head.get_status(), StatusCode::OK);
    assert_eq!(head.into_body_str(), "ok");
    let head = send(Method::HEAD, "/auth/start", StoreNames::DEFAULT);
    assert_eq!(head.get_status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(head.get_header_str("allow"), Some("POST"));

    // JSON under /auth/, 404 and 405 included.
    let response = send(Method::GET, "/auth/nope", StoreNames::DEFAULT);
    assert_eq!(response.get_status(), StatusCode::NOT_FOUND);
    assert_common_headers(&response);
    assert!(response.get_header_str("content-security-policy").is_none());
    let body = body_json(response);
    assert_eq!(body["error"], "not_found");
    assert!(body["message"].as_str().unwrap().len() > 5);
}

#[test]
fn each_misconfiguration_is_a_500_page_that_names_it() {
    let with = |config: &'static str, secrets: &'static str| StoreNames {
        config,
        secrets,
        ..StoreNames::DEFAULT
    };
    let cases = [
        (
            with("bio_config_missing", "bio_secrets"),
            "config store `bio_config_missing` does not exist",
        ),
        (
            with("bio_config", "bio_secrets_missing"),
            "secret store `bio_secrets_missing` does not exist",
        ),
        (
            with("bio_config_empty_origins", "bio_secrets"),
            "`origins` is invalid: must list at least one origin",
        ),
        (
            with("bio_config_malformed_origins", "bio_secrets"),
            "`origins` is invalid: must be a JSON array",
        ),
        (
            with("bio_config_bad_origin", "bio_secrets"),
            "neither the RP ID nor a subdomain",
        ),
        (
            with("bio_config_bad_uv", "bio_secrets"),
            "`user_verification` is invalid",
        ),
        (
            with("bio_config_no_rp_id", "bio_secrets"),
            "`rp_id` is missing",
        ),
        (
            with("bio_config", "bio_secrets_short"),
            "`session_key_current` is invalid: must be at least 32 bytes",
        ),
        (
            with("bio_config", "bio_secrets_no_current"),
            "`session_key_current` is missing",
        ),
    ];
    for (stores, expected) in cases {
        let response = send(Method::GET, "/", stores);
        assert_eq!(
            response.get_status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{expected}"
        );
        assert_page_headers(&response);
        let html = response.into_body_str();
        let html = html.replace("&#96;", "`");
        assert!(html.contains(expected), "{expected:?} not in {html}");
        assert!(!html.contains("too-short"), "never the secret's value");
        // A 404 does not need the configuration.
        assert_eq!(
            send(Method::GET, "/nope", stores).get_status(),
            StatusCode::NOT_FOUND
        );
    }
}

#[test]
fn healthz_answers_ok_without_any_configuration() {
    let response = send(Method::GET, "/healthz", StoreNames::DEFAULT);
    assert_eq!(response.get_status(), StatusCode::OK);
    assert_common_headers(&response);
    assert_eq!(
        response.get_header_str("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert!(response.get_header_str("content-security-policy").is_none());
    assert_eq!(response.into_body_str(), "ok");

    // Every broken store set of the misconfiguration test, and stores that do not exist at all.
    let broken = [
        (
            "bio_config_missing",
            "bio_secrets_missing",
            "bio_kv_missing",
        ),
        ("bio_config_empty_origins", "bio_secrets", "bio_challenges"),
        (
            "bio_config_malformed_origins",
            "bio_secrets",
            "bio_challenges",
        ),
        ("bio_config_bad_origin", "bio_secrets", "bio_challenges"),
        ("bio_config_bad_uv", "bio_secrets", "bio_challenges"),
        ("bio_config_no_rp_id", "bio_secrets", "bio_challenges"),
        ("bio_config", "bio_secrets_short", "bio_challenges"),
        ("bio_config", "bio_secrets_no_current", "bio_challenges"),
    ];
    for (config, secrets, kv) in broken {
        let stores = StoreNames {
            config,
            secrets,
            challenges: kv,
            accounts: kv,
        };
        assert_eq!(
            send(Method::GET, "/", stores).get_status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{config} {secrets} is broken"
        );
        let response = send(Method::GET, "/healthz", stores);
        assert_eq!(response.get_status(), StatusCode::OK, "{config} {secrets}");
        assert_eq!(response.into_body_str(), "ok");
    }

    // Only GET (and HEAD): the table answers the rest.
    let response = send(Method::POST, "/healthz", StoreNames::DEFAULT);
    assert_eq!(response.get_status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.get_header_str("allow"), Some("GET, HEAD"));
}

#[test]
fn the_agent_test_header_survives_only_where_test_modes_are_on() {
    use bio::edge::agent::{MODE_HEADER, strip_test_mode};
    for (allowed, kept) in [(false, false), (true, true)] {
        let mut request = Request::get(format!("{BASE}/")).with_header(MODE_HEADER, "slow");
        strip_test_mode(&mut request, allowed);
        assert_eq!(request.get_header(MODE_HEADER).is_some(), kept, "{allowed}");
    }
    // The local service turns them on (fastly.toml [local_server]); production leaves them off.
    let manifest = include_str!("../fastly.toml");
    let setup = &manifest[..manifest.find("\n[local_server]\n").unwrap()];
    assert!(
        setup.contains("[setup.config_stores.bio_config.items.agent_test_modes]\nvalue = \"off\"")
    );
}

#[test]
fn a_handler_outcome_goes_to_the_log_never_to_the_client() {
    fn named(_: Request, _: &edge::Ctx<'_>) -> Result<edge::Reply, edge::AppError> {
        Ok(edge::log::with_outcome(Response::from_status(StatusCode::OK), "signed_in").into())
    }
    let routes = [edge::Route {
        method: Method::GET,
        path: "/named",
        handler: named,
    }];
    let request = Request::new(Method::GET, format!("{BASE}/named"));
    let response = edge::handle(&routes, request, StoreNames::DEFAULT).unwrap();
    assert_eq!(response.get_status(), StatusCode::OK);
    assert!(response.get_header(edge::log::OUTCOME_HEADER).is_none());
    assert_common_headers(&response);
}
