//! `GET /`: the page.
//!
//! Signed out: the one-button page, greeting a returning visitor by the name in their hint
//! cookie, and, right after a real deletion (proven by its one-shot signed cookie), naming the
//! deleted credential so the script can ask the passkey provider to forget it.
//!
//! Signed in with an upstream agent: the agent is called with `send_async` first. If its whole
//! answer is in within `agent_hold_ms` (0, no hold, unless configured), the page is written in
//! one piece. Otherwise the page is streamed: the shell (head, CSS, the signed-in header with
//! Logout) is sent and flushed, the agent is waited for only after that (until
//! `agent_deadline_ms`), then its payload is rendered on the server and the stream finished. The
//! agent delays the first bytes by at most the hold, and the page always completes: an upstream
//! that is slow, broken or off leaves the built-in result and a clear "agent unavailable" line.
//! With nothing to wait for, the page is written in one piece.
//!
//! Why one piece matters: a response written in two or more segments on a kept-alive connection
//! waits for the client's delayed ACK (~40 ms) on servers without `TCP_NODELAY`, such as
//! Viceroy. In production the hold only costs time to first byte (BENCHMARKS.md).

use std::io::Write;
use std::time::Duration;

use fastly::http::{Method, StatusCode};
use fastly::{Request, Response};

use super::request::{browser_id, cookie, random};
use super::{AppError, Ctx, Reply, agent, headers, sessions};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::account::records::credential_digest;
use crate::agent::{AccountAgent, AgentContext, AgentInput, UpstreamAnswer, run_agent};
use crate::session::{
    self, DELETED_COOKIE, DeletedClaims, HINT_COOKIE, HintClaims, SESSION_COOKIE,
};
use crate::templates::agent::agent_section;
use crate::templates::page::{
    SignedInView, render_to_string, signed_in_shell, signed_in_tail, signed_out,
};

/// `GET /`.
pub fn home(request: Request, ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    // The browser-binding id every ceremony token carries, set here already so that two tabs
    // restored at once share it.
    let new_browser = match browser_id(&request) {
        Some(_) => None,
        None => Some(session::new_browser_id(random::<16>()?)),
    };
    let Some(current) = sessions::current(&request, ctx)? else {
        let mut response = signed_out_page(&request, ctx);
        if let Some(id) = &new_browser {
            response.append_header("set-cookie", session::browser_cookie(id));
        }
        return Ok(response.into());
    };
    let mut head = Response::from_status(StatusCode::OK)
        .with_header("content-type", "text/html; charset=utf-8");
    if let Some(id) = &new_browser {
        head.append_header("set-cookie", session::browser_cookie(id));
    }
    // HEAD: the signed-in page's headers only. Its length is not known without the agent's
    // answer, so none is claimed (RFC 9110 §8.6): the head goes out as a stream that ends at once.
    if request.get_method() == Method::HEAD {
        let _ = headers::finish(head).stream_to_client().finish();
        return Ok(Reply::Streamed);
    }
    let upstream = call_agent(&request, ctx, &current);
    if !matches!(upstream, Upstream::Pending(_)) {
        // Nothing left to wait for: the whole page in one write (a page streamed in pieces
        // waits for the client's delayed ACK on servers without TCP_NODELAY, such as Viceroy).
        let mut body = Vec::with_capacity(16 * 1024);
        let _ = write_signed_in(ctx, &current, upstream, &mut body);
        return Ok(head.with_body(body).into());
    }
    let mut stream = headers::finish(head).stream_to_client();
    // A client that hung up makes every write fail; there is nobody left to answer.
    let _ = write_signed_in(ctx, &current, upstream, &mut stream);
    let _ = stream.finish();
    Ok(Reply::Streamed)
}

fn signed_out_page(request: &Request, ctx: &Ctx<'_>) -> Response {
    let keys = &ctx.config.keys;
    // Only a real deletion, proven by its one-shot signed cookie, makes the page signal.
    let deleted = cookie(request, DELETED_COOKIE)
        .and_then(|token| session::open::<DeletedClaims>(keys, token, ctx.now).ok());
    let hint = cookie(request, HINT_COOKIE)
        .and_then(|token| session::open::<HintClaims>(keys, token, ctx.now).ok());
    let mut data: Vec<(&str, &str)> = vec![("rp-id", ctx.config.rp_id.as_str())];
    if let Some(proof) = &deleted {
        data.push(("deleted-credential-id", proof.credential_id.as_str()));
    }
    if hint.is_some() {
        data.push(("returning", "true"));
    }
    let returning = hint.as_ref().map(|hint| hint.name.as_str());
    let body = render_to_string(signed_out(&ctx.config.rp_name, returning, &data));
    let mut response = headers::html(StatusCode::OK, body);
    // A session cookie that no longer counts (revoked, expired, forged) is cleared; not one
    // issued in the last minute, whose session the store may not show yet.
    if cookie(request, SESSION_COOKIE).is_some() && !sessions::fresh_cookie(request, ctx) {
        response.append_header("set-cookie", session::clear_session_cookie());
    }
    if cookie(request, DELETED_COOKIE).is_some() {
        response.append_header("set-cookie", session::clear_deleted_cookie());
    }
    // A hint that no longer opens (expired, or signed with a retired key) is cleared.
    if hint.is_none() && cookie(request, HINT_COOKIE).is_some() {
        response.append_header("set-cookie", session::clear_hint_cookie());
    }
    response
}

/// The upstream agent's part of the signed-in page when the page starts to go out.
pub enum Upstream {
    /// Bio calls no upstream agent (`agent_upstream = off`).
    Off,
    /// The exchange is over: answered, failed, or never sent.
    Done(agent::Outcome),
    /// Still under way: the shell is flushed first, then this is waited for.
    Pending(agent::InFlight),
}

/// Writes the signed-in page to `out` (a buffer in tests): the agent called, held for, and the
/// page written as [`write_signed_in`] does.
pub fn signed_in_page(
    request: &Request,
    ctx: &Ctx<'_>,
    current: &sessions::Current,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let upstream = call_agent(request, ctx, current);
    write_signed_in(ctx, current, upstream, out)
}

/// Asks the upstream agent (when there is one) and waits up to `agent_hold_ms` for its whole
/// answer, so that a fast agent's answer goes out with the page in one piece.
pub fn call_agent(request: &Request, ctx: &Ctx<'_>, current: &sessions::Current) -> Upstream {
    if !ctx.config.agent_upstream {
        return Upstream::Off;
    }
    let input = agent_input(ctx, current);
    match agent::send(&AgentContext::from_input(&input), request) {
        Err(failed) => Upstream::Done(agent::Outcome::Failed(failed)),
        Ok(in_flight) if ctx.config.agent_hold_ms == 0 => Upstream::Pending(in_flight),
        Ok(in_flight) => {
            match agent::advance(in_flight, Duration::from_millis(ctx.config.agent_hold_ms)) {
                agent::Progress::Done(outcome) => Upstream::Done(outcome),
                agent::Progress::Pending(in_flight) => Upstream::Pending(in_flight),
            }
        }
    }
}

fn agent_input<'a>(ctx: &'a Ctx<'_>, current: &'a sessions::Current) -> AgentInput<'a> {
    let account = &current.account.value;
    AgentInput {
        account,
        session_expires_at: current.record.expires_at,
        now: ctx.now,
        client: &ctx.client,
        previous_visit_at: account.previous_sign_in_at,
    }
}

/// Writes the signed-in page to `out`: the shell; then, while the agent is still `Pending`, a
/// flush and the wait; then the agent's part and the tail.
pub fn write_signed_in(
    ctx: &Ctx<'_>,
    current: &sessions::Current,
    upstream: Upstream,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let input = agent_input(ctx, current);
    let account = input.account;

    // 1. The shell.
    let view = SignedInView {
        rp_name: &ctx.config.rp_name,
        name: &account.name,
    };
    let mut data = vec![
        ("signed-in", "true"),
        ("rp-id", ctx.config.rp_id.as_str()),
        ("user-id", account.user_handle.as_str()),
        ("user-name", account.name.as_str()),
    ];
    // The account's one credential, for signalAllAcceptedCredentials: only when this read of
    // the account agrees with the credential the session was established with, so a lagging
    // read never tells a provider to hide a newer passkey.
    let agrees = URL_SAFE_NO_PAD
        .decode(&account.credential_id)
        .is_ok_and(|id| credential_digest(&id) == current.claims.credential_digest);
    if agrees {
        data.push(("credential-id", account.credential_id.as_str()));
    }
    out.write_all(render_to_string(signed_in_shell(&view, &data)).as_bytes())?;

    // 2. The agent: built-in facts, plus the upstream's answer when it comes in time. Only an
    //    exchange still under way makes the shell go out before it.
    let outcome = match upstream {
        Upstream::Off => None,
        Upstream::Done(outcome) => Some(outcome),
        Upstream::Pending(in_flight) => {
            out.flush()?;
            Some(agent::wait(
                in_flight,
                Duration::from_millis(ctx.config.agent_deadline_ms),
            ))
        }
    };
    let answer = outcome
        .as_ref()
        .map_or(UpstreamAnswer::Off, agent::Outcome::as_answer);
    let payload = run_agent(&AccountAgent, &input, answer);

    // 3. The payload and the tail, then the end of the stream.
    //    Rendered into one String and written once (horrorshow's io path writes escaped text a
    //    byte per call).
    let mut rest = render_to_string(agent_section(&payload));
    rest.push_str(&render_to_string(signed_in_tail(&view)));
    out.write_all(rest.as_bytes())?;
    out.flush()
}
