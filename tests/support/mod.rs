//! Test support shared by the integration tests (`mod support;`): a deterministic software
//! authenticator ([`authenticator`]) built on a tiny CBOR encoder ([`cbor`]) and DER writer
//! ([`der`]), and the webauthn-rs-core reference verifier ([`reference`]). None of it calls the
//! bio crate: it is the independent side every test checks Bio against.

// Each test binary uses a different subset.
#![allow(dead_code)]

pub mod authenticator;
pub mod cbor;
pub mod ceremonies;
pub mod der;
pub mod reference;
