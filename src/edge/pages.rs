//! `GET /`: the page.
//!
//! Signed out: the one-button page. Signed in: the page is streamed. The shell (head, CSS, the
//! signed-in header with Logout) is sent and flushed first; the upstream agent, already called
//! with `send_async`, is waited for only after that; then the agent's payload is rendered on the
//! server and the stream finished. The agent never delays the first bytes, and the page always
//! completes: an upstream that is slow, broken or off leaves the built-in result and a clear
//! "agent unavailable" line.

use std::io::{BufWriter, Write};
use std::time::Duration;

use fastly::http::StatusCode;
use fastly::{Request, Response};
use horrorshow::Template as _;

use super::request::cookie;
use super::stores::Kv;
use super::{AppError, Ctx, Reply, agent, headers, sessions};
use crate::agent::{AccountAgent, AgentContext, AgentInput, UpstreamAnswer, run_agent};
use crate::session::{self, SESSION_COOKIE};
use crate::templates::agent::render_payload;
use crate::templates::page::{
    SignedInView, render_to_string, signed_in_shell, signed_in_tail, signed_out,
};

/// Longest credential id echoed back after a deletion (base64url of 1023 bytes).
const MAX_DELETED_ID_LEN: usize = 1364;

/// `GET /`.
pub fn home(request: Request, ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    let accounts = Kv::open(ctx.stores.accounts)?;
    let Some(current) = sessions::current(&request, ctx, &accounts)? else {
        return Ok(signed_out_page(&request, ctx).into());
    };
    let shell = headers::finish(
        Response::from_status(StatusCode::OK)
            .with_header("content-type", "text/html; charset=utf-8"),
    );
    let mut stream = shell.stream_to_client();
    // A client that hung up makes every write fail; there is nobody left to answer.
    let _ = signed_in_page(&request, ctx, &current, &mut stream);
    let _ = stream.finish();
    Ok(Reply::Streamed)
}

fn signed_out_page(request: &Request, ctx: &Ctx<'_>) -> Response {
    let deleted = request
        .get_query_parameter("deleted")
        .filter(|id| {
            !id.is_empty()
                && id.len() <= MAX_DELETED_ID_LEN
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_owned);
    let mut data: Vec<(&str, &str)> = vec![("rp-id", ctx.config.rp_id.as_str())];
    if let Some(id) = deleted.as_deref() {
        data.push(("deleted-credential-id", id));
    }
    let body = render_to_string(signed_out(&ctx.config.rp_name, &data));
    let mut response = headers::html(StatusCode::OK, body);
    // A session cookie that no longer counts (revoked, expired, forged) is cleared.
    if cookie(request, SESSION_COOKIE).is_some() {
        response.append_header("set-cookie", session::clear_session_cookie());
    }
    response
}

/// Writes the signed-in page to `out` (the client stream, or a buffer in tests): the shell, a
/// flush, then the agent's part once it is ready, then the tail.
pub fn signed_in_page(
    request: &Request,
    ctx: &Ctx<'_>,
    current: &sessions::Current,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let account = &current.account.value;
    let input = AgentInput {
        account,
        session_expires_at: current.record.expires_at,
        now: ctx.now,
        client: &ctx.client,
        previous_visit_at: account.previous_sign_in_at,
    };
    // 1. Ask the upstream agent first, so it works while the shell streams.
    let in_flight = if ctx.config.agent_upstream {
        Some(agent::send(&AgentContext::from_input(&input), request))
    } else {
        None
    };

    // 2. The shell, flushed before anything waits.
    let view = SignedInView {
        rp_name: &ctx.config.rp_name,
        rp_id: &ctx.config.rp_id,
        name: &account.name,
        user_id: &account.user_handle,
    };
    let data = [
        ("signed-in", "true"),
        ("rp-id", ctx.config.rp_id.as_str()),
        ("user-id", account.user_handle.as_str()),
        ("user-name", account.name.as_str()),
    ];
    out.write_all(render_to_string(signed_in_shell(&view, &data)).as_bytes())?;
    out.flush()?;

    // 3. The agent: built-in facts, plus the upstream's answer when it comes in time.
    let outcome = in_flight.map(|sent| match sent {
        Ok(in_flight) => agent::wait(
            in_flight,
            Duration::from_millis(ctx.config.agent_deadline_ms),
        ),
        Err(failed) => agent::Outcome::Failed(failed),
    });
    let answer = outcome
        .as_ref()
        .map_or(UpstreamAnswer::Off, agent::Outcome::as_answer);
    let payload = run_agent(&AccountAgent, &input, answer);

    // 4. The payload and the tail, then the end of the stream.
    let mut buffered = BufWriter::with_capacity(16 * 1024, out);
    render_payload(&payload, &mut buffered)?;
    signed_in_tail()
        .write_to_io(&mut buffered)
        .map_err(|error| {
            error
                .write
                .unwrap_or_else(|| std::io::Error::other("template"))
        })?;
    buffered.flush()
}
