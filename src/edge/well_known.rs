//! `GET /.well-known/passkey-endpoints` (W3C "A Well-Known URL for Passkey Endpoints",
//! <https://w3c.github.io/webappsec-passkey-endpoints/>): where a password manager sends people
//! to make a passkey (`enroll`) and to manage it (`manage`). Public and cacheable.

use fastly::Request;
use fastly::http::StatusCode;
use serde_json::json;

use super::{AppError, Ctx, Reply, headers};

/// `GET /.well-known/passkey-endpoints`.
pub fn passkey_endpoints(request: Request, ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    // The origin this request reached, when it is one of ours; else the first configured one.
    let url = request.get_url();
    let reached = url.origin().ascii_serialization();
    let origin = ctx
        .config
        .origins
        .iter()
        .find(|origin| **origin == reached)
        .or_else(|| ctx.config.origins.first())
        .cloned()
        .unwrap_or_default();
    let mut response = headers::json(
        StatusCode::OK,
        &json!({ "enroll": format!("{origin}/"), "manage": format!("{origin}/#account") }),
    );
    response.set_header("cache-control", "public, max-age=86400");
    response.set_header("access-control-allow-origin", "*");
    Ok(response.into())
}
