//! `GET /assets/…`: the page's client script and stylesheet (`templates/assets.rs`).
//!
//! Each path carries its content's hash, so a response never changes: `Cache-Control: public,
//! max-age=31536000, immutable`, and a browser fetches each once per release. Like `/healthz`,
//! [`super::dispatch`] answers them before loading the configuration, so a misconfigured
//! service's error page still has its style. Another hash (an older release's) is a 404: the
//! page that named it reloads into the current one.

use fastly::http::StatusCode;
use fastly::{Request, Response};

use super::{AppError, Ctx, Reply};
use crate::templates::assets::{CLIENT_JS, CLIENT_JS_PATH, STYLE_CSS, STYLE_CSS_PATH};

/// A year: the path changes whenever the content does.
pub const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// The content type and text of the asset at `path`, if it is one.
fn find(path: &str) -> Option<(&'static str, &'static str)> {
    if path == CLIENT_JS_PATH {
        Some(("text/javascript; charset=utf-8", CLIENT_JS))
    } else if path == STYLE_CSS_PATH {
        Some(("text/css; charset=utf-8", STYLE_CSS))
    } else {
        None
    }
}

/// Whether `path` is one of the assets.
pub fn is_asset(path: &str) -> bool {
    find(path).is_some()
}

/// The asset at `path`, if it is one.
pub fn answer(path: &str) -> Option<Response> {
    let (content_type, body) = find(path)?;
    Some(
        Response::from_status(StatusCode::OK)
            .with_header("content-type", content_type)
            .with_header("cache-control", CACHE_CONTROL)
            .with_body(body),
    )
}

/// The routing table's handler for both paths; `dispatch` calls [`answer`] before the
/// configuration, so this runs only if that order changes.
pub fn asset(request: Request, _ctx: &Ctx<'_>) -> Result<Reply, AppError> {
    answer(request.get_path())
        .map(Reply::from)
        .ok_or_else(AppError::not_found)
}
