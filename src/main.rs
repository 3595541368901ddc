//! Bio's Compute entry point: the routing table, and nothing else.
//!
//! A plain `fn main()` (not `#[fastly::main]`) so handlers can stream their response with
//! `stream_to_client()`. Host builds get a stub: the edge exists only in wasm32.

#[cfg(target_arch = "wasm32")]
use bio::edge::{
    self, Route, account, assets, auth, health, inventory, pages, recovery, replace, well_known,
};
#[cfg(target_arch = "wasm32")]
use fastly::http::Method;

/// (method, path) → one handler each. A path with no route for the method answers 405 with
/// `Allow`; an unknown path answers 404.
#[cfg(target_arch = "wasm32")]
pub fn routes() -> [Route; 20] {
    [
        route(Method::GET, "/", pages::home),
        route(
            Method::GET,
            "/.well-known/passkey-endpoints",
            well_known::passkey_endpoints,
        ),
        route(Method::POST, "/auth/start", auth::start),
        route(Method::POST, "/auth/finish", auth::finish),
        route(Method::POST, "/logout", account::logout),
        route(Method::POST, "/forget", account::forget),
        route(Method::POST, "/account/confirm", account::confirm),
        route(Method::POST, "/account/delete", account::delete),
        route(
            Method::POST,
            "/account/sessions/revoke",
            account::sign_out_elsewhere,
        ),
        route(Method::GET, "/account/export", account::export),
        route(Method::POST, "/account/name", account::rename),
        route(
            Method::POST,
            "/account/passkey/replace/options",
            replace::options,
        ),
        route(Method::POST, "/account/passkey/replace", replace::replace),
        route(Method::POST, "/account/recovery-code", recovery::issue),
        route(Method::POST, "/auth/recover/options", recovery::options),
        route(Method::POST, "/auth/recover", recovery::recover),
        route(Method::GET, health::PATH, health::healthz),
        route(
            Method::GET,
            bio::templates::assets::CLIENT_JS_PATH,
            assets::asset,
        ),
        route(
            Method::GET,
            bio::templates::assets::STYLE_CSS_PATH,
            assets::asset,
        ),
        // Answers 404 unless bio_config `test_inventory = on` (load and test services only).
        route(Method::GET, inventory::PATH, inventory::inventory),
    ]
}

#[cfg(target_arch = "wasm32")]
fn route(method: Method, path: &'static str, handler: edge::Handler) -> Route {
    Route {
        method,
        path,
        handler,
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {
    let request = fastly::Request::from_client();
    edge::dispatch(&routes(), request, bio::config::StoreNames::DEFAULT);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("bio is a Fastly Compute package: build it for wasm32-wasip1 (see README.md).");
}
