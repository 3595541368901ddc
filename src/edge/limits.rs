//! The abuse limits at the edge: windows from `crate::limits` kept in `bio_challenges` under
//! `limit/…/<keyed digest>` (never a raw address or credential id), read and bumped with KV's
//! preconditions. The limiter never makes a request fail by its own fault: a store error while
//! counting is logged and ignored.
//!
//! Fastly's Edge Rate Limiting would stop floods before they reach the guest; it is a no-op
//! under Viceroy, so these KV windows are what the tests exercise and what production relies on.

use std::time::Duration;

use super::stores::Write;
use super::{AppError, Ctx};
use crate::limits::{Counted, Window};

/// The subject's key for `counted`.
fn key(ctx: &Ctx<'_>, counted: Counted, subject: &[u8]) -> String {
    let digest = ctx
        .config
        .keys
        .keyed_digest(counted.prefix().as_bytes(), subject);
    format!("{}{digest}", counted.prefix())
}

/// `Some(seconds to wait)` when the subject's window is full.
pub fn full(ctx: &Ctx<'_>, counted: Counted, subject: &[u8]) -> Result<Option<u64>, AppError> {
    let limit = counted.limit(&ctx.config.limits);
    let stored = ctx
        .challenges()
        .get::<Window>(&key(ctx, counted, subject))?;
    let window = Window::current(stored.map(|found| found.value), ctx.now, limit);
    Ok(window
        .is_full(limit)
        .then(|| window.retry_after(ctx.now, limit)))
}

/// Counts one event for the subject; `Some(seconds to wait)` when its window was already full
/// (then nothing is written). Best effort: a store error is logged and counts nothing.
pub fn count(ctx: &Ctx<'_>, counted: Counted, subject: &[u8]) -> Option<u64> {
    let limit = counted.limit(&ctx.config.limits);
    let store = ctx.challenges();
    let key = key(ctx, counted, subject);
    // Two tries: a concurrent count may win the first.
    for _ in 0..2 {
        let stored = match store.get::<Window>(&key) {
            Ok(stored) => stored,
            Err(error) => {
                super::log::note("limit_uncounted", error.code);
                return None;
            }
        };
        let generation = stored.as_ref().map(|found| found.generation);
        let window = Window::current(stored.map(|found| found.value), ctx.now, limit);
        let Some(next) = window.bump(limit) else {
            return Some(window.retry_after(ctx.now, limit));
        };
        let ttl = Some(Duration::from_secs(limit.window_secs));
        let written = match generation {
            Some(generation) => store.replace_if(&key, &next, generation, ttl),
            None => store.insert_new(&key, &next, ttl),
        };
        match written {
            Ok(Write::Done) => return None,
            Ok(Write::Conflict) => continue,
            Err(error) => {
                super::log::note("limit_uncounted", error.code);
                return None;
            }
        }
    }
    None
}

/// 429 with `Retry-After`.
pub fn rate_limited(retry_after: u64) -> AppError {
    AppError::new(
        fastly::http::StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "Too many attempts. Please wait a little, then try again.",
    )
    .retry_after(u32::try_from(retry_after).unwrap_or(u32::MAX))
}

/// Runs a ceremony endpoint and counts its failure, whatever the reason, against the client's
/// address and, when known, the credential. A failure whose window was already full is answered
/// 429 instead; a success is never refused for other people's failures.
pub fn counting_failures<T>(
    ctx: &Ctx<'_>,
    run: impl FnOnce(&mut Option<Vec<u8>>) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let mut credential: Option<Vec<u8>> = None;
    let error = match run(&mut credential) {
        Ok(done) => return Ok(done),
        Err(error) if !error.status.is_client_error() || error.code == "rate_limited" => {
            return Err(error);
        }
        Err(error) => error,
    };
    let by_ip = ctx
        .client
        .ip
        .as_deref()
        .and_then(|ip| count(ctx, Counted::FailuresPerIp, ip.as_bytes()));
    let by_credential = credential
        .as_deref()
        .and_then(|id| count(ctx, Counted::FailuresPerCredential, id));
    match by_ip.max(by_credential) {
        Some(retry_after) => Err(rate_limited(retry_after)),
        None => Err(error),
    }
}
