//! The request log line: one JSON object per request, built here without `fastly` so its shape
//! is tested on the host. The edge (`edge::log`) fills it in and writes it to the log endpoint.
//!
//! ```json
//! {"time":"2025-11-25T09:14:03.512Z","route":"/auth/finish","method":"POST","status":409,
//!  "duration_ms":41,"outcome":"challenge_used","country":"FR","heap_kib":192}
//! ```
//!
//! What a line never holds: a secret, a cookie, a challenge, a user handle, a credential id, an
//! IP address, the raw path or the query string. Every field is a number, a name Bio chose (the
//! route's path template, an outcome code) or a value held to a short alphabet here (method,
//! country); anything else is replaced, not escaped. The one free-text field, `detail`, is set
//! only for server-side failures and only from Bio's own error details, which name stores and
//! keys' kinds, never a key or a value (see `edge::stores`).

use serde_json::{Map, Value, json};

/// `route` when no route matched the path (404): the raw path is never logged.
pub const UNMATCHED_ROUTE: &str = "unmatched";
/// `method` for a method outside the standard set (the method token is the client's choice).
pub const OTHER_METHOD: &str = "OTHER";
/// `outcome` when the code given is not a well-formed code.
pub const INVALID_OUTCOME: &str = "invalid_outcome";
/// Longest outcome code kept.
pub const MAX_OUTCOME_LEN: usize = 48;
/// Longest detail kept, in bytes (cut on a character boundary).
pub const MAX_DETAIL_LEN: usize = 300;

const METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
];

/// One request, as the edge saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLog<'a> {
    /// When the request arrived, in milliseconds since the Unix epoch.
    pub started_unix_ms: u64,
    /// The matched route's path template, or [`UNMATCHED_ROUTE`].
    pub route: &'a str,
    pub method: &'a str,
    pub status: u16,
    pub duration_ms: u64,
    /// The error's code, or the success code the handler gave (`ok` by default).
    pub outcome: &'a str,
    /// ISO 3166-1 alpha-2, from the edge's geolocation.
    pub country: Option<&'a str>,
    /// A server-side failure's detail (5xx only).
    pub detail: Option<&'a str>,
    /// How much the guest's linear memory grew while it served the request, in KiB (what the
    /// heap needed beyond the memory the instance started with); `None` off wasm.
    pub heap_kib: Option<u64>,
}

impl RequestLog<'_> {
    /// The JSON line, without a trailing newline.
    pub fn to_line(&self) -> String {
        let mut line = Map::new();
        line.insert("time".into(), json!(rfc3339_millis(self.started_unix_ms)));
        line.insert("route".into(), json!(route(self.route)));
        line.insert("method".into(), json!(method(self.method)));
        line.insert("status".into(), json!(self.status));
        line.insert("duration_ms".into(), json!(self.duration_ms));
        line.insert("outcome".into(), json!(outcome(self.outcome)));
        if let Some(country) = self.country.filter(|code| is_country_code(code)) {
            line.insert("country".into(), json!(country));
        }
        if let Some(detail) = self.detail {
            line.insert("detail".into(), json!(truncate(detail, MAX_DETAIL_LEN)));
        }
        if let Some(heap_kib) = self.heap_kib {
            line.insert("heap_kib".into(), json!(heap_kib));
        }
        Value::Object(line).to_string()
    }
}

/// A line that is not a request's: something Bio noticed on the way (e.g. a write that failed
/// after the response was decided). `note` is a code like an outcome; `detail` is Bio's own text.
pub fn note_line(unix_ms: u64, note: &str, detail: &str) -> String {
    json!({
        "time": rfc3339_millis(unix_ms),
        "note": outcome(note),
        "detail": truncate(detail, MAX_DETAIL_LEN),
    })
    .to_string()
}

/// A route template as the table spells it (`/`, `/auth/start`); anything else is unmatched.
fn route(template: &str) -> &str {
    let well_formed = template.starts_with('/')
        && template.len() <= 64
        && template
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-_.".contains(&b));
    if well_formed {
        template
    } else {
        UNMATCHED_ROUTE
    }
}

fn method(method: &str) -> &str {
    METHODS
        .into_iter()
        .find(|known| *known == method)
        .unwrap_or(OTHER_METHOD)
}

/// Whether `code` is an outcome code: 1 to [`MAX_OUTCOME_LEN`] of `a-z`, `0-9`, `_`.
pub fn is_outcome_code(code: &str) -> bool {
    (1..=MAX_OUTCOME_LEN).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn outcome(code: &str) -> &str {
    if is_outcome_code(code) {
        code
    } else {
        INVALID_OUTCOME
    }
}

fn is_country_code(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())
}

fn truncate(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC) for milliseconds since the Unix epoch.
pub fn rfc3339_millis(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let (year, month, day) = civil_from_days(secs / 86_400);
    let of_day = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60,
        unix_ms % 1000
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01, by the era method of Howard
/// Hinnant's `civil_from_days` (400-year eras of 146,097 days; a year taken to start on March 1
/// so the leap day falls last).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468; // days since 0000-03-01
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests;
