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

use fastly::http::request::{PendingRequest, PollResult, SendErrorCause};
use fastly::{Body, Request};

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

/// A call in flight: waiting for the answer's head, or reading its body.
pub struct InFlight {
    stage: Stage,
    started: Instant,
}

enum Stage {
    // Boxed: the SDK's pending request is large, and a call is moved between the page's steps.
    Waiting(Box<PendingRequest>),
    Reading {
        status: u16,
        body: Body,
        bytes: Vec<u8>,
    },
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
        .map(|pending| InFlight {
            stage: Stage::Waiting(Box::new(pending)),
            started,
        })
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

/// Where [`advance`] left a call.
pub enum Progress {
    Done(Outcome),
    Pending(InFlight),
}

/// Waits for the whole answer until `deadline` after it was sent; past it the agent timed out.
pub fn wait(in_flight: InFlight, deadline: Duration) -> Outcome {
    match advance(in_flight, deadline) {
        Progress::Done(outcome) => outcome,
        Progress::Pending(_) => Outcome::Failed(UpstreamAnswer::TimedOut),
    }
}

/// Moves the exchange on until it is done or `until` after it was sent has passed, whichever
/// comes first; what is still to come is handed back. The page calls it twice: for the short
/// hold before its first byte, then for the rest of the deadline after the shell went out.
pub fn advance(in_flight: InFlight, until: Duration) -> Progress {
    let InFlight { mut stage, started } = in_flight;
    loop {
        // Checked before every poll and every read. The SDK has no time-bounded read, but a
        // read returns as soon as any bytes arrive, and the backend's between-bytes timeout ends
        // one that waits for none: a call overruns `until` by at most one gap between two chunks
        // of the agent's answer, however slowly it trickles.
        if started.elapsed() >= until {
            return Progress::Pending(InFlight { stage, started });
        }
        stage = match stage {
            Stage::Waiting(pending) => match (*pending).poll() {
                PollResult::Done(Ok(mut response)) => Stage::Reading {
                    status: response.get_status().as_u16(),
                    body: response.take_body(),
                    bytes: Vec::new(),
                },
                PollResult::Done(Err(error)) => {
                    let answer = match error.root_cause() {
                        SendErrorCause::HttpResponseTimeout
                        | SendErrorCause::ConnectionTimeout
                        | SendErrorCause::DnsTimeout => UpstreamAnswer::TimedOut,
                        _ => UpstreamAnswer::Unreachable,
                    };
                    return Progress::Done(Outcome::Failed(answer));
                }
                PollResult::Pending(still) => {
                    std::thread::sleep(Duration::from_millis(1));
                    Stage::Waiting(Box::new(still))
                }
            },
            Stage::Reading {
                status,
                mut body,
                mut bytes,
            } => {
                let mut chunk = [0u8; 4096];
                match body.read(&mut chunk) {
                    Ok(0) => {
                        return Progress::Done(Outcome::Answer {
                            status,
                            body: bytes,
                        });
                    }
                    Ok(read) => {
                        bytes.extend_from_slice(chunk.get(..read).unwrap_or_default());
                        // One byte past the limit is enough for the core to refuse it as too
                        // large.
                        if bytes.len() > MAX_UPSTREAM_BYTES {
                            bytes.truncate(MAX_UPSTREAM_BYTES + 1);
                            return Progress::Done(Outcome::Answer {
                                status,
                                body: bytes,
                            });
                        }
                    }
                    Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => return Progress::Done(Outcome::Failed(UpstreamAnswer::TimedOut)),
                }
                Stage::Reading {
                    status,
                    body,
                    bytes,
                }
            }
        };
    }
}
