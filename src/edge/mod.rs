//! The edge: the only module that imports `fastly`.
//!
//! It reads the request, the config and secret stores and the KV stores, calls the fastly-free
//! core to decide, then writes the stores and the response. `src/main.rs` holds the routing
//! table; [`dispatch`] runs it: configuration first (a misconfigured service answers a 500 page
//! naming what is wrong; `/healthz` and the assets need none), then one handler, then every error turned
//! into a response in one place ([`error::AppError::into_response`]), then one log line
//! ([`log`]).
//!
//! It does not: parse WebAuthn structures, sign cookies or render markup itself.

pub mod account;
pub mod accounts;
pub mod agent;
pub mod assets;
pub mod auth;
pub mod config;
pub mod error;
pub mod headers;
pub mod health;
pub mod inventory;
pub mod limits;
pub mod log;
pub mod pages;
pub mod recovery;
pub mod replace;
pub mod request;
pub mod sessions;
pub mod stores;
pub mod well_known;

use std::time::Instant;

use fastly::http::{Method, StatusCode};
use fastly::{Request, Response};

use crate::account::ClientInfo;
use crate::config::{Config, StoreNames};
use crate::log_line::{RequestLog, UNMATCHED_ROUTE};
pub use error::AppError;
use stores::{FastlyKv, Kv, KvBackend};

/// What a handler did: a response for the dispatcher to send, or a body it already streamed.
pub enum Reply {
    /// Send this response (the dispatcher adds the common headers).
    Send(Box<Response>),
    /// The handler streamed its response to the client itself.
    Streamed,
}

impl From<Response> for Reply {
    fn from(response: Response) -> Reply {
        Reply::Send(Box::new(response))
    }
}

/// Everything a handler needs besides the request: validated configuration, the stores, the
/// clock and the client's whereabouts, all injected so tests can set them.
pub struct Ctx<'a> {
    pub config: Config,
    pub stores: StoreNames<'a>,
    /// The KV backend: Fastly's in production, a fault-injecting double in tests.
    pub kv: &'a dyn KvBackend,
    /// Unix seconds.
    pub now: u64,
    pub client: ClientInfo,
}

impl Ctx<'_> {
    /// `bio_accounts`: accounts, the credential index, tombstones, sessions.
    pub fn accounts(&self) -> Kv<'_> {
        Kv::new(self.kv, self.stores.accounts)
    }

    /// `bio_challenges`: spent ceremonies.
    pub fn challenges(&self) -> Kv<'_> {
        Kv::new(self.kv, self.stores.challenges)
    }
}

/// A handler: the request and its context in, a reply or an error out.
pub type Handler = fn(Request, &Ctx<'_>) -> Result<Reply, AppError>;

/// One line of the routing table.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub handler: Handler,
}

/// Runs the request and sends the response (unless the handler streamed it already).
pub fn dispatch(routes: &[Route], request: Request, stores: StoreNames<'_>) {
    if let Some(response) = handle(routes, request, stores) {
        response.send_to_client();
    }
}

/// Finds the route, loads the configuration and runs the handler; returns the response with the
/// common headers, or `None` when the handler streamed it. 404 and 405 (with `Allow`) come from
/// the table alone, so they answer even on a misconfigured service, and so does `/healthz`.
/// Writes the request's log line either way.
pub fn handle(routes: &[Route], request: Request, stores: StoreNames<'_>) -> Option<Response> {
    let started = Instant::now();
    let started_unix_ms = now_unix_ms();
    let memory_at_start = memory_bytes();
    let method = request.get_method().clone();
    let path = request.get_path().to_owned();
    // The geolocation lookup only where something uses it: not for /healthz or the assets.
    let client = if needs_nothing(&method, &path) {
        ClientInfo::default()
    } else {
        client_info(&request)
    };
    let country = client.country.clone();
    let (response, outcome, detail) = match run(routes, request, stores, client) {
        Ok(Reply::Streamed) => (None, "streamed".to_owned(), None),
        Ok(Reply::Send(response)) => {
            let mut response = *response;
            let outcome = log::take_outcome(&mut response).unwrap_or_else(|| "ok".to_owned());
            (Some(response), outcome, None)
        }
        Err(error) => {
            let detail = error.status.is_server_error().then(|| {
                error
                    .detail
                    .clone()
                    .unwrap_or_else(|| error.message.clone())
            });
            let code = error.code.to_owned();
            (Some(error.into_response(&path)), code, detail)
        }
    };
    log::request(&RequestLog {
        started_unix_ms,
        route: template(routes, &path),
        method: method.as_str(),
        status: response
            .as_ref()
            .map_or(StatusCode::OK, Response::get_status)
            .as_u16(),
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        outcome: &outcome,
        country: country.as_deref(),
        detail: detail.as_deref(),
        heap_kib: memory_bytes()
            .zip(memory_at_start)
            .map(|(now, start)| now.saturating_sub(start) / 1024),
    });
    response.map(headers::finish)
}

fn run(
    routes: &[Route],
    mut request: Request,
    stores: StoreNames<'_>,
    client: ClientInfo,
) -> Result<Reply, AppError> {
    let handler = find(routes, request.get_method(), request.get_path())?;
    // Before the configuration: a health check must not depend on it (see `health`), nor the
    // assets an error page needs.
    if request.get_path() == health::PATH {
        return Ok(health::answer().into());
    }
    if let Some(asset) = assets::answer(request.get_path()) {
        return Ok(asset.into());
    }
    let config = config::load(&stores).map_err(AppError::misconfigured)?;
    agent::strip_test_mode(&mut request, config.agent_test_modes);
    let kv = FastlyKv::default();
    let ctx = Ctx {
        config,
        stores,
        kv: &kv,
        now: now_unix(),
        client,
    };
    // Every POST is a ceremony or an account action: a flood from one address stops here,
    // before any store is read.
    if request.get_method() == Method::POST {
        limits::flood_guard(&ctx)?;
    }
    handler(request, &ctx)
}

/// Whether the request is one `run` answers before the configuration (`/healthz`, the assets):
/// it needs no store, and no geolocation either.
fn needs_nothing(method: &Method, path: &str) -> bool {
    (method == Method::GET || method == Method::HEAD)
        && (path == health::PATH || assets::is_asset(path))
}

/// The matched route's path template for the log (the table's own `&'static str`), never the
/// request's raw path.
fn template(routes: &[Route], path: &str) -> &'static str {
    routes
        .iter()
        .find(|route| route.path == path)
        .map_or(UNMATCHED_ROUTE, |route| route.path)
}

/// The handler for `method` at `path`, or 404 / 405 with the allowed methods.
///
/// `HEAD` runs the `GET` handler (RFC 9110 §9.3.2: the same header fields, no content): the
/// HTTP server sends no body after a `HEAD`, and keeps the `Content-Length` the `GET` would
/// have had.
pub fn find(routes: &[Route], method: &Method, path: &str) -> Result<Handler, AppError> {
    let method = if method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    let mut allowed: Vec<&str> = Vec::new();
    for route in routes.iter().filter(|route| route.path == path) {
        if route.method == method {
            return Ok(route.handler);
        }
        allowed.push(route.method.as_str());
        if route.method == Method::GET {
            allowed.push(Method::HEAD.as_str());
        }
    }
    if allowed.is_empty() {
        Err(AppError::not_found())
    } else {
        Err(AppError::method_not_allowed(allowed.join(", ")))
    }
}

/// The guest's linear memory, in bytes. It only grows, and an instance serves one request, so
/// its growth over a request is the most the heap needed beyond the instance's first memory.
fn memory_bytes() -> Option<u64> {
    #[cfg(target_arch = "wasm32")]
    {
        let pages = core::arch::wasm32::memory_size(0);
        Some(
            u64::try_from(pages)
                .unwrap_or(u64::MAX)
                .saturating_mul(65_536),
        )
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        None
    }
}

/// The clock. Compute guests have the host's wall clock.
pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0)
}

/// The clock in milliseconds, for the log's timestamps.
pub fn now_unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Where the request came from: IP, and city/country from Fastly's geolocation.
pub fn client_info(request: &Request) -> ClientInfo {
    let ip = request.get_client_ip_addr();
    let geo = ip.and_then(fastly::geo::geo_lookup);
    ClientInfo {
        ip: ip.map(|ip| ip.to_string()),
        country: geo
            .as_ref()
            .map(|geo| geo.country_code().to_owned())
            .filter(|code| !code.is_empty() && code != "**"),
        city: geo
            .as_ref()
            .map(|geo| geo.city().to_owned())
            .filter(|city| !city.is_empty() && city != "?"),
        user_agent_family: request::header_str(request, "user-agent")
            .map(crate::account::user_agent_family),
    }
}
