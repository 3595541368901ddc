//! `GET /`: the page.
//!
//! Signed out, the one-button page. (Signed in, the streamed page with the agent's result: the
//! sessions and agent work add it.)

use fastly::Request;
use fastly::http::StatusCode;

use super::{AppError, Ctx, Reply, headers};
use crate::templates::page::{render_to_string, signed_out};

/// `GET /`.
pub fn home(_request: Request, ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    let body = render_to_string(signed_out(&ctx.config.rp_name));
    Ok(headers::html(StatusCode::OK, body).into())
}
