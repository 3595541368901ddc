//! The one application error type, and the one place it becomes a response.
//!
//! Every error is JSON `{"error": code, "message": text}` (404 and 405 included), except for
//! what a person navigates to (`GET /` and unknown pages), which gets a short HTML page. Clients
//! never see internal detail: a 500 says what is misconfigured (never a secret's value) or only
//! that something went wrong, and the detail goes to the request's log line ([`super::log`]).

use fastly::Response;
use fastly::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::config::ConfigError;
use crate::templates::page::{error_page, render_to_string};

/// An error on its way to becoming a response.
#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    /// Stable machine-readable code, e.g. `challenge_expired`.
    pub code: &'static str,
    /// One sentence for the person in front of the page.
    pub message: String,
    /// Extra JSON members for the client (e.g. the credential id of an unknown credential).
    pub extra: Map<String, Value>,
    /// `Allow` for 405.
    pub allow: Option<String>,
    /// `Retry-After`, in seconds, for 503 and retryable 4xx.
    pub retry_after: Option<u32>,
    /// Logged, never sent.
    pub detail: Option<String>,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> AppError {
        AppError {
            status,
            code,
            message: message.into(),
            extra: Map::new(),
            allow: None,
            retry_after: None,
            detail: None,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::FORBIDDEN, code, message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::CONFLICT, code, message)
    }

    pub fn not_found() -> AppError {
        AppError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "There is nothing at this address.",
        )
    }

    pub fn method_not_allowed(allow: String) -> AppError {
        let mut error = AppError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("This address only answers {allow}."),
        );
        error.allow = Some(allow);
        error
    }

    /// A misconfigured service: the message names what is wrong, never a secret's value.
    pub fn misconfigured(error: ConfigError) -> AppError {
        let mut app = AppError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "misconfigured",
            format!("This service is misconfigured: {error}."),
        );
        app.detail = Some(error.to_string());
        app
    }

    /// Something failed that the client cannot fix (a store, a backend). Only `detail` is
    /// specific, and it is only logged.
    pub fn internal(detail: impl Into<String>) -> AppError {
        let mut app = AppError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Something went wrong on our side. Please try again.",
        );
        app.detail = Some(detail.into());
        app
    }

    /// A store or backend that failed in a way worth retrying: 503 with `Retry-After`. Nothing
    /// was lost: every write sequence leaves the old state or the new one.
    pub fn unavailable(detail: impl Into<String>) -> AppError {
        let mut app = AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Bio can't reach its storage right now. Nothing was lost: please try again in a moment.",
        );
        app.retry_after = Some(2);
        app.detail = Some(detail.into());
        app
    }

    /// Sets `Retry-After`, in seconds.
    pub fn retry_after(mut self, seconds: u32) -> AppError {
        self.retry_after = Some(seconds);
        self
    }

    /// Adds a JSON member for the client.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> AppError {
        self.extra.insert(key.to_owned(), value.into());
        self
    }

    /// The response: JSON for the API, a short HTML page for a page request. The request's log
    /// line (written by `edge::handle`) carries the code, and the detail of a server-side failure.
    pub fn into_response(self, path: &str) -> Response {
        let wants_json = !is_page(path);
        let mut response = Response::from_status(self.status);
        if let Some(allow) = &self.allow {
            response.set_header("allow", allow.as_str());
        }
        if let Some(seconds) = self.retry_after {
            response.set_header("retry-after", seconds.to_string());
        }
        if wants_json {
            let mut body = self.extra;
            body.insert("error".to_owned(), json!(self.code));
            body.insert("message".to_owned(), json!(self.message));
            response.set_body(Value::Object(body).to_string());
            response.set_header("content-type", "application/json");
        } else {
            let heading = self.status.canonical_reason().unwrap_or("Error");
            response.set_body(render_to_string(error_page(heading, &self.message)));
            response.set_header("content-type", "text/html; charset=utf-8");
        }
        response
    }
}

/// Whether `path` is one a person navigates to (answered in HTML), not an API route.
pub fn is_page(path: &str) -> bool {
    !(path.starts_with("/auth/")
        || path.starts_with("/account/")
        || path.starts_with("/.well-known/")
        || path == "/logout"
        || path == "/forget"
        || path == "/healthz")
}
