//! The benchmark's "hello world": the smallest Compute app, a fixed HTML page in one write.
//! `scripts/bench` serves it with the same Viceroy as Bio: Bio's pages are measured against it
//! (BENCHMARKS.md).
//!
//!   cargo build --release --example hello --target wasm32-wasip1

#[cfg(target_arch = "wasm32")]
fn main() {
    fastly::Response::from_body("<!DOCTYPE html><title>hello</title><p>Hello, world.</p>")
        .with_header("content-type", "text/html; charset=utf-8")
        .send_to_client();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {}
