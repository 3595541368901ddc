//! What every state-changing request must pass before a handler looks at it: an `Origin` from
//! the configured list, a bounded JSON body, the cookies parsed by the real Cookie parser, and
//! randomness from the host.
//!
//! Headers are read only through [`header_str`] and [`header_all`]: the SDK's `get_header_str`,
//! `get_header_all_str` and `remove_header_str` panic on a value that is not UTF-8 (a header may
//! carry any byte from 0x80 to 0xff), and a panic is a 500 for a request anyone can send. Query
//! parameters are safe as the SDK gives them: `get_query_parameter` returns the raw,
//! percent-encoded slice of the parsed URL (always ASCII) and decodes nothing.

use std::io::Read as _;

use fastly::Request;
use fastly::http::HeaderValue;
use serde_json::Value;

use super::{AppError, Ctx};
use crate::cookie;

/// Largest `/auth/finish` body accepted (an attestation with a certificate chain fits easily).
pub const MAX_JSON_BODY: usize = 64 * 1024;

/// Every POST must come from one of our own pages: its `Origin` must be a configured origin.
/// SameSite=Strict cookies already stop cross-site requests from carrying a session; this stops
/// the rest (and requests with no Origin at all).
pub fn require_origin(request: &Request, ctx: &Ctx<'_>) -> Result<(), AppError> {
    let bad_origin = || {
        AppError::forbidden(
            "bad_origin",
            "This request did not come from this site's page.",
        )
    };
    // Exactly one Origin header: with two, which one a check reads would decide the outcome.
    // Every value counts, a non-UTF-8 one too.
    let origins = header_all(request, "origin");
    if origins.len() > 1 {
        return Err(bad_origin());
    }
    match origins.first() {
        // An Origin that is not UTF-8 is present but matches nothing: refused, never ignored.
        Some(origin) => match std::str::from_utf8(origin.as_bytes()) {
            Ok(origin) if ctx.config.origins.iter().any(|allowed| allowed == origin) => Ok(()),
            _ => Err(bad_origin()),
        },
        None => Err(AppError::forbidden(
            "missing_origin",
            "This request did not say which page it came from.",
        )),
    }
}

/// Reads a JSON body of at most [`MAX_JSON_BODY`] bytes: the bytes and their parsed value.
pub fn json_body(request: &mut Request) -> Result<(Vec<u8>, Value), AppError> {
    if !header_str(request, "content-type").is_some_and(is_json_media_type) {
        return Err(AppError::new(
            fastly::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the credential as application/json.",
        ));
    }
    if request
        .get_content_length()
        .is_some_and(|length| length > MAX_JSON_BODY)
    {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    request
        .take_body()
        .take((MAX_JSON_BODY + 1) as u64)
        .read_to_end(&mut bytes)
        .map_err(|_| {
            AppError::bad_request("unreadable_body", "The request body could not be read.")
        })?;
    if bytes.len() > MAX_JSON_BODY {
        return Err(too_large());
    }
    let value = serde_json::from_slice(&bytes).map_err(|_| {
        AppError::bad_request("malformed_json", "The request body is not valid JSON.")
    })?;
    Ok((bytes, value))
}

/// Whether a Content-Type names `application/json`, parameters aside. Type and subtype are
/// case-insensitive (RFC 9110 §8.3.1), so `Application/JSON; charset=UTF-8` is JSON.
pub fn is_json_media_type(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|media_type| media_type.trim().eq_ignore_ascii_case("application/json"))
}

fn too_large() -> AppError {
    AppError::new(
        fastly::http::StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        "The request body is too large.",
    )
}

/// The value of the cookie `name`, read with the RFC 6265 parser.
pub fn cookie<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    header_str(request, "cookie").and_then(|header| cookie::get(header, name))
}

/// The first value of the header `name` as text, or `None` when it is absent or not UTF-8.
/// Use it instead of the SDK's `get_header_str`, which panics on a non-UTF-8 value.
pub fn header_str<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .get_header(name)
        .and_then(|value| std::str::from_utf8(value.as_bytes()).ok())
}

/// Every value of the header `name`, as bytes: non-UTF-8 ones included, so a count of duplicates
/// is the real count. Use it instead of the SDK's `get_header_all_str`, which panics.
pub fn header_all<'a>(request: &'a Request, name: &str) -> Vec<&'a HeaderValue> {
    request.get_header_all(name).collect()
}

/// This browser's binding id, when its cookie holds a well-formed one.
pub fn browser_id(request: &Request) -> Option<&str> {
    cookie(request, crate::session::BROWSER_COOKIE).filter(|id| crate::session::is_browser_id(id))
}

/// Whether a form body (`application/x-www-form-urlencoded`, at most 1 KiB) holds `name=value`
/// exactly. Bio's forms send only fixed ASCII values, so no percent-decoding is needed.
pub fn form_has(request: &mut Request, name: &str, value: &str) -> bool {
    let mut bytes = Vec::new();
    if request
        .take_body()
        .take(1024)
        .read_to_end(&mut bytes)
        .is_err()
    {
        return false;
    }
    bytes.split(|&b| b == b'&').any(|pair| {
        pair.strip_prefix(name.as_bytes())
            .and_then(|rest| rest.strip_prefix(b"="))
            == Some(value.as_bytes())
    })
}

/// `N` random bytes from the host.
pub fn random<const N: usize>() -> Result<[u8; N], AppError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)
        .map_err(|error| AppError::internal(format!("no randomness: {error}")))?;
    Ok(bytes)
}
