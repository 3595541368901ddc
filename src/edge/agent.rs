//! The upstream agent at the edge: the backend named `agent`, called with `send_async` while the
//! page shell streams, waited for until `agent_deadline_ms` (the backend's own first-byte and
//! between-bytes timeouts bound it too), its body read up to 64 KiB + 1.
//!
//! It sends the minimal [`AgentContext`] (never a session id, cookie, credential id or key) and
//! hands whatever came back to the core as an [`UpstreamAnswer`]; the core decides what is usable.

use std::io::Read as _;
use std::time::{Duration, Instant};

use fastly::Request;
use fastly::http::request::{PendingRequest, PollResult, SendErrorCause};

use crate::agent::upstream::MAX_UPSTREAM_BYTES;
use crate::agent::{AgentContext, UpstreamAnswer};

/// The backend's name in fastly.toml and on the service.
pub const BACKEND: &str = "agent";

/// Test hook passed through to the example agent (`slow`, `500`, `bad-json`, `drip`): only these
/// fixed values are forwarded, never anything else from the visitor's request.
const MODE_HEADER: &str = "x-bio-agent-mode";
const MODES: [&str; 4] = ["slow", "500", "bad-json", "drip"];

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
    if let Some(mode) = visitor
        .get_header_str(MODE_HEADER)
        .filter(|mode| MODES.contains(mode))
    {
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
    let mut body = Vec::new();
    let read = response
        .take_body()
        .take((MAX_UPSTREAM_BYTES + 1) as u64)
        .read_to_end(&mut body);
    match read {
        Ok(_) if started.elapsed() <= deadline => Outcome::Answer { status, body },
        Ok(_) => Outcome::Failed(UpstreamAnswer::TimedOut),
        Err(_) => Outcome::Failed(UpstreamAnswer::TimedOut),
    }
}
