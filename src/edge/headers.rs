//! The headers every response carries.
//!
//! All: `Cache-Control: no-store` (pages are personal: an edge cache must never keep one),
//! `X-Content-Type-Options: nosniff`, HSTS, and `Referrer-Policy: same-origin`: no referrer ever
//! leaves for another site. (Not `no-referrer`: under it Chromium sends `Origin: null` on our own
//! form POSTs, and the Origin check would refuse Logout.) Pages also get the
//! Content-Security-Policy that allows only our own script and style (`templates/assets.rs`).

use fastly::Response;

use crate::templates::assets::CONTENT_SECURITY_POLICY;

/// One year, subdomains included: an RP ID's subdomains share its passkeys.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Adds the common headers; the CSP goes on HTML. `Cache-Control` is `no-store` unless the
/// handler chose otherwise (only public documents such as the passkey endpoints and the assets
/// do).
pub fn finish(mut response: Response) -> Response {
    if response.get_header("cache-control").is_none() {
        response.set_header("cache-control", "no-store");
    }
    response.set_header("x-content-type-options", "nosniff");
    response.set_header("referrer-policy", "same-origin");
    response.set_header("strict-transport-security", HSTS);
    // Bytes, not `get_header_str`, which panics on non-UTF-8 (ours is ASCII: keep it so).
    let is_html = response
        .get_header("content-type")
        .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    if is_html {
        response.set_header("content-security-policy", CONTENT_SECURITY_POLICY);
        response.set_header("x-frame-options", "DENY");
    }
    response
}

/// A page response (the common headers are added when it is sent).
pub fn html(status: fastly::http::StatusCode, body: String) -> Response {
    Response::from_status(status)
        .with_header("content-type", "text/html; charset=utf-8")
        .with_body(body)
}

/// A JSON response.
pub fn json(status: fastly::http::StatusCode, value: &serde_json::Value) -> Response {
    Response::from_status(status)
        .with_header("content-type", "application/json")
        .with_body(value.to_string())
}
