//! The abuse limits at the edge: windows from `crate::limits` kept in `bio_challenges` under
//! `limit/…/<keyed digest>` (never a raw address or credential id), read and bumped with KV's
//! preconditions. The limiter never makes a request fail by its own fault: a store error while
//! counting is logged and ignored.
//!
//! In front of them, [`flood_guard`]: Fastly's Edge Rate Limiting (a rate counter and a penalty
//! box, per POP) refuses an address that sends POSTs faster than `limit_flood_rps_per_ip`, before
//! any store is read. It is a no-op under Viceroy, so the KV windows are what the tests exercise
//! and what production relies on for the limits people can notice; the flood guard only keeps a
//! flood from costing KV operations.

use std::time::Duration;

use fastly::erl::{ERL, Penaltybox, RateCounter, RateWindow};

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

/// Edge Rate Limiting's rate counter and penalty box (created by name on first use).
const RATE_COUNTER: &str = "bio_posts";
const PENALTY_BOX: &str = "bio_flooding";
/// How long a flooding address is refused (Edge Rate Limiting takes whole minutes).
const PENALTY: Duration = Duration::from_secs(60);

/// Counts one POST from the client's address with Edge Rate Limiting: 429 once the address
/// averaged more than `limit_flood_rps_per_ip` a second over 10 s (it is then refused for a
/// minute). The entry is a keyed digest of the address. Off at 0; a limiter error lets the
/// request through (noted in the log), like the KV windows.
pub fn flood_guard(ctx: &Ctx<'_>) -> Result<(), AppError> {
    let rps = ctx.config.limits.flood_rps_per_ip;
    let Some(ip) = ctx.client.ip.as_deref().filter(|_| rps > 0) else {
        return Ok(());
    };
    let entry = ctx.config.keys.keyed_digest(b"flood-ip", ip.as_bytes());
    let limiter = ERL::open(
        RateCounter::open(RATE_COUNTER),
        Penaltybox::open(PENALTY_BOX),
    );
    match limiter.check_rate(&entry, 1, RateWindow::TenSecs, rps, PENALTY) {
        Ok(false) => Ok(()),
        Ok(true) => Err(rate_limited(PENALTY.as_secs())),
        Err(_) => {
            super::log::note("flood_guard_unavailable", "erl_error");
            Ok(())
        }
    }
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

/// Runs a ceremony endpoint and counts its failure against the client's address and, when
/// known, the credential. A failure whose window was already full is answered 429 instead; a
/// success is never refused for other people's failures. Not counted: server errors, a 429
/// itself, and `already_signed_in` (only a browser holding a live session gets it, when another
/// of its tabs signed in first: the page reloads into that session).
pub fn counting_failures<T>(
    ctx: &Ctx<'_>,
    run: impl FnOnce(&mut Option<Vec<u8>>) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let mut credential: Option<Vec<u8>> = None;
    let error = match run(&mut credential) {
        Ok(done) => return Ok(done),
        Err(error)
            if !error.status.is_client_error()
                || error.code == "rate_limited"
                || error.code == "already_signed_in" =>
        {
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
