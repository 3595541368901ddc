//! Structured logs: one JSON line per request, written to the Fastly log endpoint [`ENDPOINT`]
//! (its shape and what it never holds: [`crate::log_line`]).
//!
//! [`super::handle`] writes the line for every request it runs, streamed or not, once the
//! response is decided (or, streamed, once the stream is finished, so `duration_ms` covers it).
//! The `outcome` field is:
//!
//! - an error's [`AppError::code`](super::AppError) (`bad_origin`, `challenge_used`, ...), with
//!   the error's detail as `detail` when it is a server error (the detail is ours: it names
//!   stores and the kind of a key, never a key, a secret or a user's value);
//! - for a success, the code the handler named with [`with_outcome`], e.g.
//!   `Ok(log::with_outcome(response, "signed_in").into())`: it rides on the response header
//!   [`OUTCOME_HEADER`], which `handle` reads and removes before the response leaves; `ok` when
//!   the handler named none;
//! - `streamed` for a [`Reply::Streamed`](super::Reply) (logged with status 200: the one
//!   streaming handler sends its shell with 200).
//!
//! Something worth a line that is not a request's outcome (a write that failed after the
//! response was decided) goes through [`note`].
//!
//! It writes with the SDK's own `fastly::log::Endpoint`, not the `log-fastly` crate: that crate is
//! the `log` facade over the same endpoint, and its module filters bring in `regex`. Measured
//! 2026-11-30, release wasm32-wasip1 with one `log::info!` in place of `write`'s body: 2,212,887
//! bytes against 1,169,855 (gzip -9: 747,072 against 411,367), nearly twice the package for
//! one line per request.
//!
//! Under Viceroy (`fastly compute serve`, `viceroy serve`, the tests), every endpoint prints to
//! stdout as `bio_requests :: {...}`; on Fastly, an endpoint of that name must exist on the
//! service (README, Deploy), or the lines go nowhere.

use std::io::Write as _;

use fastly::Response;
use fastly::log::Endpoint;

use crate::log_line::{self, RequestLog};

/// The log endpoint's name, in fastly.toml `[setup.log_endpoints]` and on the service.
pub const ENDPOINT: &str = "bio_requests";

/// The response header a handler names its success outcome with; never sent to the client.
pub const OUTCOME_HEADER: &str = "x-bio-outcome";

/// Names the success outcome of a response for the request log (`[a-z0-9_]`, at most 48 bytes;
/// anything else is logged as `invalid_outcome`).
pub fn with_outcome(mut response: Response, code: &'static str) -> Response {
    response.set_header(OUTCOME_HEADER, code);
    response
}

/// Removes the outcome a handler named and returns it.
pub(super) fn take_outcome(response: &mut Response) -> Option<String> {
    response
        .remove_header(OUTCOME_HEADER)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
}

/// Writes the request's line.
pub(super) fn request(line: &RequestLog<'_>) {
    write(&line.to_line());
}

/// Writes a line that is not a request's: `note` is a code (`[a-z0-9_]`), `detail` Bio's own
/// text; never a secret, cookie, challenge, user handle, credential id or IP address.
pub fn note(code: &str, detail: &str) {
    write(&log_line::note_line(super::now_unix_ms(), code, detail));
}

fn write(line: &str) {
    // Logging must never fail a request: a missing endpoint or a failed write loses the line.
    if let Ok(mut endpoint) = Endpoint::try_from_name(ENDPOINT) {
        let _ = endpoint.write_all(line.as_bytes());
    }
}
