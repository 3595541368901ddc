//! `GET /`: the page.
//!
//! Signed out: the one-button page, greeting a returning visitor by the name in their hint
//! cookie, and, right after a real deletion (proven by its one-shot signed cookie), naming the
//! deleted credential so the script can ask the passkey provider to forget it.
//!
//! Signed in with an upstream agent: the page is streamed. The shell (head, CSS, the signed-in
//! header with Logout) is sent and flushed first; the upstream agent, already called with
//! `send_async`, is waited for only after that; then the agent's payload is rendered on the
//! server and the stream finished. The agent never delays the first bytes, and the page always
//! completes: an upstream that is slow, broken or off leaves the built-in result and a clear
//! "agent unavailable" line. With nothing to wait for, the page is written in one piece.

use std::io::{BufWriter, Write};
use std::time::Duration;

use fastly::http::StatusCode;
use fastly::{Request, Response};
use horrorshow::Template as _;

use super::request::{browser_id, cookie, random};
use super::{AppError, Ctx, Reply, agent, headers, sessions};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::account::records::credential_digest;
use crate::agent::{AccountAgent, AgentContext, AgentInput, UpstreamAnswer, run_agent};
use crate::session::{
    self, DELETED_COOKIE, DeletedClaims, HINT_COOKIE, HintClaims, SESSION_COOKIE,
};
use crate::templates::agent::render_payload;
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
    if !ctx.config.agent_upstream {
        // Nothing to wait for: the whole page in one write (a page streamed in pieces waits for
        // the client's delayed ACK on servers without TCP_NODELAY).
        let mut body = Vec::with_capacity(16 * 1024);
        let _ = signed_in_page(&request, ctx, &current, &mut body);
        return Ok(head.with_body(body).into());
    }
    let mut stream = headers::finish(head).stream_to_client();
    // A client that hung up makes every write fail; there is nobody left to answer.
    let _ = signed_in_page(&request, ctx, &current, &mut stream);
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
    // A session cookie that no longer counts (revoked, expired, forged) is cleared.
    if cookie(request, SESSION_COOKIE).is_some() {
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
    signed_in_tail(&view)
        .write_to_io(&mut buffered)
        .map_err(|error| {
            error
                .write
                .unwrap_or_else(|| std::io::Error::other("template"))
        })?;
    buffered.flush()
}
