//! Bio: passkey sign-in at the edge, with one button.
//!
//! The library is the fastly-free core plus [`edge`], the only module that imports `fastly`.
//! A request flows edge → core → edge: the edge reads the request and the stores, the core
//! decides, the edge writes the stores and the response. The core never calls back into the edge,
//! so everything outside `edge` compiles and is tested on the host too.
//!
//! - [`webauthn`]: the hand-tuned WebAuthn Level 3 verifier (CBOR, authenticator data, COSE keys,
//!   client data, attestation, the two ceremonies).
//! - [`session`]: the signed cookie codec (session and ceremony tokens, key rotation).
//! - [`cookie`]: the `Cookie` request-header parser (RFC 6265).
//! - [`config`]: validation of the values read from the config and secret stores.
//! - [`log_line`]: the one JSON log line per request, and what it must never hold.
//! - [`account`]: the account record, its rules (registration, sign-in, refusals), its stored
//!   layout, and friendly names.
//! - [`limits`]: the abuse limits' windows.
//! - [`agent`]: the agent that runs for a signed-in user and returns typed data.
//! - [`templates`]: the server-rendered pages (horrorshow), under `templates/`.

pub mod account;
pub mod agent;
pub mod ceremony;
pub mod config;
pub mod cookie;
pub mod limits;
pub mod log_line;
pub mod session;
#[path = "../templates/mod.rs"]
pub mod templates;
pub mod webauthn;

#[cfg(target_arch = "wasm32")]
pub mod edge;
