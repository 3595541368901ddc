//! The upstream agent at the edge: the backend named `agent`, called with `send_async` while the
//! page shell streams, waited for until `agent_deadline_ms` for the whole exchange (answer and
//! body), its body read in chunks up to 64 KiB + 1. The guest checks the deadline between polls
//! and between reads; a single read can block until the agent's next bytes arrive, at most the
//! backend's between-bytes timeout, so the page waits at most `agent_deadline_ms` plus one such
//! gap (set that timeout low on the service: README, The agent).
//!
//! It sends the minimal [`AgentContext`] (never a session id, cookie, credential id or key) and
//! hands whatever came back to the core as an [`UpstreamAnswer`]; the core decides what is usable.

use std::io::Read as _;
use std::time::{Duration, Instant};

use fastly::Request;
use fastly::http::request::{PendingRequest, PollResult, SendErrorCause};

use super::request::header_str;
use crate::agent::upstream::MAX_UPSTREAM_BYTES;
use crate::agent::{AgentContext, UpstreamAnswer};

/// The backend's name in fastly.toml and on the service.
pub const BACKEND: &str = "agent";

/// Test hook passed through to the example agent (`slow`, `500`, `bad-json`, `drip`, `trickle`):
/// only these fixed values are forwarded, never anything else from the visitor's request, and
/// only where bio_config `agent_test_modes = on` (elsewhere `edge::dispatch` removes the header
/// before any handler runs).
pub const MODE_HEADER: &str = "x-bio-agent-mode";
const MODES: [&str; 5] = ["slow", "500", "bad-json", "drip", "trickle"];

/// Removes the test header from the visitor's request unless `allowed` (bio_config
/// `agent_test_modes = on`): `dispatch` calls it before any handler runs, so on a production
/// service no visitor can pick the agent's behaviour.
pub fn strip_test_mode(visitor: &mut Request, allowed: bool) {
    if !allowed {
        visitor.remove_header(MODE_HEADER);
    }
}

/// A call in flight.
pub struct InFlight {
    pending: PendingRequest,
    started: Instant,
}

/// Sends the context to the upstream agent without waiting; the failure when it could not be
/// sent (the page then says the agent is unavailable).
pub fn send(
    context: &AgentContext,
    visitor: &Request,
) -> Result<InFlight, UpstreamAnswer<'static>> {
    let mut request = Request::post("http://agent/v1/agent")
        .with_body_json(context)
        .map_err(|_| UpstreamAnswer::Unreachable)?;
    if let Some(mode) = header_str(visitor, MODE_HEADER).filter(|mode| MODES.contains(mode)) {
        request.set_header(MODE_HEADER, mode);
    }
    let started = Instant::now();
    request
        .send_async(BACKEND)
        .map(|pending| InFlight { pending, started })
        .map_err(|_| UpstreamAnswer::Unreachable)
}

/// What waiting for the answer produced: the status and body bytes, or why there are none.
pub enum Outcome {
    Answer { status: u16, body: Vec<u8> },
    Failed(UpstreamAnswer<'static>),
}

impl Outcome {
    /// The answer as the core takes it.
    pub fn as_answer(&self) -> UpstreamAnswer<'_> {
        match self {
            Outcome::Answer { status, body } => UpstreamAnswer::Response {
                status: *status,
                body,
            },
            Outcome::Failed(answer) => *answer,
        }
    }
}

/// Waits for the answer until `deadline` after it was sent.
pub fn wait(in_flight: InFlight, deadline: Duration) -> Outcome {
    let InFlight {
        mut pending,
        started,
    } = in_flight;
    let mut response = loop {
        match pending.poll() {
            PollResult::Done(Ok(response)) => break response,
            PollResult::Done(Err(error)) => {
                let answer = match error.root_cause() {
                    SendErrorCause::HttpResponseTimeout
                    | SendErrorCause::ConnectionTimeout
                    | SendErrorCause::DnsTimeout => UpstreamAnswer::TimedOut,
                    _ => UpstreamAnswer::Unreachable,
                };
                return Outcome::Failed(answer);
            }
            PollResult::Pending(still) => pending = still,
        }
        if started.elapsed() >= deadline {
            return Outcome::Failed(UpstreamAnswer::TimedOut);
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let status = response.get_status().as_u16();
    let mut body = response.take_body();
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        // The deadline is checked before every read. The SDK has no time-bounded read, but a
        // read returns as soon as any bytes arrive, and the backend's between-bytes timeout ends
        // one that waits for none: the page waits at most the deadline plus one gap between
        // two chunks of the agent's answer, however slowly it trickles.
        if started.elapsed() >= deadline {
            return Outcome::Failed(UpstreamAnswer::TimedOut);
        }
        match body.read(&mut chunk) {
            Ok(0) => break,
            Ok(read) => {
                bytes.extend_from_slice(chunk.get(..read).unwrap_or_default());
                // One byte past the limit is enough for the core to refuse it as too large.
                if bytes.len() > MAX_UPSTREAM_BYTES {
                    bytes.truncate(MAX_UPSTREAM_BYTES + 1);
                    break;
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return Outcome::Failed(UpstreamAnswer::TimedOut),
        }
    }
    if started.elapsed() > deadline {
        return Outcome::Failed(UpstreamAnswer::TimedOut);
    }
    Outcome::Answer {
        status,
        body: bytes,
    }
}
