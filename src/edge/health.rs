//! `GET /healthz`: says that this package is deployed and runs, for `fastly compute publish
//! --status-check-path /healthz` and uptime checks.
//!
//! It reads no store, secret or configuration: [`super::dispatch`] answers it before loading the
//! configuration, so it answers 200 on a misconfigured service too. That is the point: it tells
//! "the package runs" apart from "the service is configured" (a misconfigured service answers a
//! 500 page naming the fault on every other route). `text/plain` `ok`, `Cache-Control:
//! no-store` like every response.

use fastly::http::StatusCode;
use fastly::{Request, Response};

use super::{AppError, Ctx, Reply};

/// The path; `dispatch` runs no configuration for it.
pub const PATH: &str = "/healthz";

/// The answer.
pub fn answer() -> Response {
    Response::from_status(StatusCode::OK)
        .with_header("content-type", "text/plain; charset=utf-8")
        .with_body("ok")
}

/// The routing table's handler for [`PATH`]; it needs nothing from `ctx`, and `dispatch` calls
/// [`answer`] directly rather than load the configuration a `Ctx` holds.
pub fn healthz(_request: Request, _ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    Ok(answer().into())
}
