//! The optional upstream agent: the minimal context Bio sends it, and the checks on its answer.
//!
//! The edge POSTs [`AgentContext`] as JSON to a configured backend and hands back what happened
//! as an [`UpstreamAnswer`]; [`parse_upstream`] accepts only a JSON object of at most
//! [`MAX_UPSTREAM_BYTES`] nested at most [`MAX_UPSTREAM_DEPTH`] deep. The answer is shown to the
//! user as data under `upstream` (escaped), never as HTML and never over the built-in fields.
//!
//! It does not: make the HTTP call or time it (that is `edge`), interpret the answer's fields, or
//! send anything that would let the upstream act as the user: no session id, cookie, credential
//! id, user handle, public key or IP.

use std::borrow::Cow;

use serde::{Serialize, Serializer};

use super::AgentInput;
use super::account_agent::{BackupState, PasskeySummary};

/// Largest upstream body accepted, checked before parsing. The edge may stop reading after
/// `MAX_UPSTREAM_BYTES + 1` bytes.
pub const MAX_UPSTREAM_BYTES: usize = 64 * 1024;
/// Deepest nesting of objects and arrays accepted; the top-level object is depth 1. Checked by a
/// flat byte scan before parsing, well under serde_json's own recursion limit (128).
pub const MAX_UPSTREAM_DEPTH: usize = 16;

/// What an upstream agent gets: enough to say something useful, nothing that authenticates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentContext {
    /// The account's friendly generated name (not an identifier anywhere else).
    pub name: String,
    pub country: Option<String>,
    pub city: Option<String>,
    pub user_agent_family: Option<String>,
    /// Unix seconds.
    pub session_expires_at: u64,
    pub passkey: PasskeyContext,
}

/// The passkey as an upstream sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PasskeyContext {
    pub authenticator: &'static str,
    pub backup: BackupState,
    /// Unix seconds.
    pub created_at: u64,
}

impl AgentContext {
    /// The context for `input`: location and device from the request being served.
    pub fn from_input(input: &AgentInput<'_>) -> Self {
        let passkey = PasskeySummary::from_account(input.account);
        Self {
            name: input.account.name.clone(),
            country: input.client.country.clone(),
            city: input.client.city.clone(),
            user_agent_family: input.client.user_agent_family.clone(),
            session_expires_at: input.session_expires_at,
            passkey: PasskeyContext {
                authenticator: passkey.authenticator,
                backup: passkey.backup,
                created_at: passkey.created_at,
            },
        }
    }
}

/// Why an upstream body was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamError {
    /// More than [`MAX_UPSTREAM_BYTES`].
    TooLarge,
    /// Nested deeper than [`MAX_UPSTREAM_DEPTH`].
    TooDeep,
    /// Not valid JSON (including invalid UTF-8 and trailing data).
    NotJson,
    /// Valid JSON, but not an object at the top level.
    NotObject,
}

impl UpstreamError {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::TooLarge => "too_large",
            Self::TooDeep => "too_deep",
            Self::NotJson => "not_json",
            Self::NotObject => "not_object",
        }
    }
}

impl std::fmt::Display for UpstreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl std::error::Error for UpstreamError {}

/// Checks and parses an upstream body: size, then depth, then JSON, then "is an object".
pub fn parse_upstream(body: &[u8]) -> Result<serde_json::Value, UpstreamError> {
    if body.len() > MAX_UPSTREAM_BYTES {
        return Err(UpstreamError::TooLarge);
    }
    if nesting_exceeds(body, MAX_UPSTREAM_DEPTH) {
        return Err(UpstreamError::TooDeep);
    }
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| UpstreamError::NotJson)?;
    if !value.is_object() {
        return Err(UpstreamError::NotObject);
    }
    Ok(value)
}

/// Whether `{`/`[` nest deeper than `max` outside strings, in one pass with no recursion.
/// Invalid JSON may pass (the parser rejects it next); valid JSON is measured exactly.
fn nesting_exceeds(body: &[u8], max: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in body {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// What the edge got from the upstream agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamAnswer<'a> {
    /// No upstream configured: the built-in agent alone.
    Off,
    /// An HTTP answer arrived in time, body read whole (or cut at `MAX_UPSTREAM_BYTES + 1`).
    Response { status: u16, body: &'a [u8] },
    /// No usable answer before a deadline (first byte or between bytes).
    TimedOut,
    /// Could not connect or the transfer broke.
    Unreachable,
}

impl UpstreamAnswer<'_> {
    /// The `upstream` value and status this answer leads to.
    pub fn settle(self) -> (Option<serde_json::Value>, UpstreamStatus) {
        match self {
            Self::Off => (None, UpstreamStatus::Off),
            Self::TimedOut => (
                None,
                UpstreamStatus::Unavailable(UnavailableReason::Timeout),
            ),
            Self::Unreachable => (
                None,
                UpstreamStatus::Unavailable(UnavailableReason::Unreachable),
            ),
            Self::Response { status, .. } if !(200..300).contains(&status) => (
                None,
                UpstreamStatus::Unavailable(UnavailableReason::HttpStatus(status)),
            ),
            Self::Response { body, .. } => match parse_upstream(body) {
                Ok(value) => (Some(value), UpstreamStatus::Ok),
                Err(e) => (
                    None,
                    UpstreamStatus::Unavailable(UnavailableReason::Body(e)),
                ),
            },
        }
    }
}

/// Whether an upstream took part. Serialized as `{"state": "off" | "ok" | "unavailable",
/// "reason": "<code>"}` (reason only when unavailable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "reason", rename_all = "snake_case")]
pub enum UpstreamStatus {
    Off,
    Ok,
    Unavailable(UnavailableReason),
}

/// Why no upstream answer is shown. The user sees only the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnavailableReason {
    Timeout,
    Unreachable,
    /// A non-2xx answer.
    HttpStatus(u16),
    Body(UpstreamError),
}

impl UnavailableReason {
    /// Stable code, e.g. `timeout`, `http_500`, `too_deep`.
    pub fn code(self) -> Cow<'static, str> {
        match self {
            Self::Timeout => Cow::Borrowed("timeout"),
            Self::Unreachable => Cow::Borrowed("unreachable"),
            Self::HttpStatus(status) => Cow::Owned(format!("http_{status}")),
            Self::Body(e) => Cow::Borrowed(e.code()),
        }
    }
}

impl Serialize for UnavailableReason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.code())
    }
}

#[cfg(test)]
#[path = "upstream/tests.rs"]
mod tests;
