//! The agent section of the signed-in page: a readable summary of an [`AgentPayload`] (passkey
//! card, notices, recent sign-ins, session expiry, the upstream agent's fields or an "Agent
//! unavailable" line) followed by the whole payload as pretty JSON in a `<pre>`.
//!
//! Everything from the account, the request or an upstream agent is text, escaped by horrorshow
//! (`: value`); the only unescaped writes are our own constant markup ([`Markup`]). Times are
//! shown in UTC (`2026-11-25 14:03 UTC`).
//!
//! It does not: fetch anything (the payload is computed before rendering), emit script or style,
//! or localize times to the viewer's zone.

use horrorshow::{Render, owned_html};

use super::markup::Markup;
use crate::agent::{AgentPayload, Notice, SignInSummary, UnavailableReason, UpstreamStatus};

/// The agent section as a template.
pub fn agent_section(payload: &AgentPayload) -> impl Render + '_ {
    let account = &payload.account;
    let passkey = &account.passkey;
    let notices = &account.notices;
    let sign_ins = &account.sign_ins;
    owned_html! {
        : Markup(concat!(
            r#"<section class="agent" aria-labelledby="agent-title">"#,
            r#"<h2 id="agent-title">Your account</h2>"#,
            r#"<p class="agent-name">"#,
        ));
        : &account.name;
        : Markup("</p>");
        @ for notice in notices {
            : Markup(r#"<p class=""#);
            : Markup(notice_class(notice));
            : Markup(r#"" role="status">"#);
            : notice.message();
            : Markup("</p>");
        }
        : Markup(r#"<div class="passkey-card"><h3>Passkey</h3><dl><dt>Provider</dt><dd>"#);
        : passkey.authenticator;
        : Markup("</dd><dt>Created</dt><dd>");
        : time_tag(passkey.created_at);
        : Markup("</dd><dt>Last used</dt><dd>");
        : time_tag(passkey.last_used_at);
        : Markup("</dd><dt>Sync</dt><dd>");
        : passkey.backup.label();
        : Markup("</dd><dt>User verified at registration</dt><dd>");
        : if passkey.user_verified { "Yes" } else { "No" };
        : Markup("</dd></dl></div>");
        : Markup(concat!(
            r#"<div class="recovery-card"><h3>Recovery</h3><dl>"#,
            "<dt>Recovery code</dt>",
        ));
        @ if let Some(made) = account.recovery.code_created_at {
            : Markup("<dd>Made ");
            : time_tag(made);
            : Markup("</dd>");
        } else {
            : Markup("<dd>None</dd>");
        }
        : Markup(r#"<dt>Last recovered</dt><dd data-testid="last-recovered">"#);
        @ if let Some(recovered) = account.recovery.last_recovered_at {
            : time_tag(recovered);
        } else {
            : Markup("Never");
        }
        : Markup("</dd></dl></div>");
        : Markup(r#"<h3>Recent sign-ins</h3><ol class="sign-ins">"#);
        @ for sign_in in sign_ins {
            : Markup("<li>");
            : sign_in_line(sign_in);
            : Markup("</li>");
        }
        : Markup(r#"</ol><p class="session">Session expires "#);
        : time_tag(account.session_expires_at);
        : Markup("</p>");
        : upstream_part(payload);
        : Markup(concat!(
            r#"<details class="agent-json">"#,
            "<summary>Agent payload (JSON)</summary>",
            // Focusable, so a keyboard can scroll it (axe: scrollable-region-focusable).
            r#"<pre tabindex="0">"#,
        ));
        : serde_json::to_string_pretty(payload)
            .unwrap_or_else(|_| String::from("(payload could not be serialized)"));
        : Markup("</pre></details></section>");
    }
}

/// The upstream's top-level fields, the "Agent unavailable" line, or nothing when off.
fn upstream_part(payload: &AgentPayload) -> impl Render + '_ {
    let upstream = &payload.upstream;
    let status = payload.upstream_status;
    owned_html! {
        @ if let Some(serde_json::Value::Object(fields)) = upstream {
            : Markup(r#"<div class="upstream"><h3>From your agent</h3><dl>"#);
            @ for (key, value) in fields {
                : Markup("<dt>");
                : key;
                : Markup("</dt><dd>");
                : value_text(value);
                : Markup("</dd>");
            }
            : Markup("</dl></div>");
        }
        @ if let UpstreamStatus::Unavailable(reason) = status {
            : agent_unavailable_line(reason);
        }
    }
}

/// The line shown when an upstream agent was asked but gave nothing usable.
pub fn agent_unavailable_line(reason: UnavailableReason) -> impl Render {
    owned_html! {
        : Markup(r#"<p class="agent-unavailable" role="status">Agent unavailable ("#);
        : reason.code().into_owned();
        : Markup(")</p>");
    }
}

fn sign_in_line(sign_in: &SignInSummary) -> impl Render + '_ {
    let place = match (sign_in.city.as_deref(), sign_in.country.as_deref()) {
        (Some(city), Some(country)) => format!("{city}, {country}"),
        (None, Some(only)) | (Some(only), None) => only.to_owned(),
        (None, None) => String::from("Unknown place"),
    };
    owned_html! {
        : time_tag(sign_in.at);
        : " · ";
        : &place;
        : " · ";
        : sign_in.device.as_deref().unwrap_or("Unknown device");
        @ if sign_in.registration {
            : " (registration)";
        }
    }
}

fn notice_class(notice: &Notice) -> &'static str {
    match notice {
        Notice::FirstSignInFromCountry { .. } => "notice notice-country",
        Notice::RefusedAttempts { .. } => "notice notice-refused",
        Notice::CounterDidNotIncrease | Notice::BackupEligibilityChanged => "notice notice-anomaly",
    }
}

/// A string shown as itself, anything else as compact JSON.
fn value_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `<time datetime="2026-11-25T14:03:00Z">2026-11-25 14:03 UTC</time>`.
fn time_tag(unix: u64) -> impl Render {
    owned_html! {
        : Markup(r#"<time datetime=""#);
        : format_iso(unix);
        : Markup(r#"">"#);
        : format_utc(unix);
        : Markup("</time>");
    }
}

/// `2026-11-25 14:03 UTC`.
pub fn format_utc(unix: u64) -> String {
    let (y, m, d, hh, mm, _) = civil_from_unix(unix);
    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02} UTC")
}

/// `2026-11-25T14:03:00Z` (RFC 3339, for `datetime` attributes).
pub fn format_iso(unix: u64) -> String {
    let (y, m, d, hh, mm, ss) = civil_from_unix(unix);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
}

/// Unix seconds → (year, month, day, hour, minute, second) in the proleptic Gregorian calendar,
/// after Howard Hinnant's `civil_from_days` (<https://howardhinnant.github.io/date_algorithms.html>).
/// Unix time is never negative here, so every step stays in `u64` and cannot overflow.
fn civil_from_unix(unix: u64) -> (u64, u64, u64, u64, u64, u64) {
    let (days, secs) = (unix / 86_400, unix % 86_400);
    let z = days + 719_468; // days since 0000-03-01
    let era = z / 146_097;
    let doe = z % 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March first
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day, secs / 3600, secs % 3600 / 60, secs % 60)
}

#[cfg(test)]
#[path = "agent/tests.rs"]
mod tests;
