//! A size probe, not a tool: links one signature algorithm's verify path (the same crate calls
//! `src/webauthn/cose.rs` makes) into a wasm32 binary, so BENCHMARKS.md can record what each
//! crypto crate costs. Pick the algorithm with a cfg (none: SHA-256 alone, the baseline):
//!
//! ```sh
//! RUSTFLAGS='--cfg probe="p256"' cargo build --release --example crypto_size --target wasm32-wasip1
//! ```
//!
//! `rsassa` is Bio's own RS256 check (`src/webauthn/rsassa`), which replaced `rsa` on the request
//! path; `rsa` (now a dev-dependency) stays as the probe of what it replaced.
//!
//! Reads `key ‖ signature ‖ message` lengths-prefixed from stdin and prints whether it verifies.

use std::io::Read as _;

use sha2::{Digest, Sha256};

fn main() {
    let mut input = Vec::new();
    if std::io::stdin().read_to_end(&mut input).is_err() {
        return;
    }
    let mut parts = input.split(|&b| b == 0xff);
    let (Some(key), Some(signature), Some(message)) = (parts.next(), parts.next(), parts.next())
    else {
        return;
    };
    let digest = Sha256::digest(message);
    println!("{}", verify(key, signature, message, &digest));
}

#[cfg(not(any(probe = "p256", probe = "ed25519", probe = "rsa", probe = "rsassa")))]
fn verify(key: &[u8], signature: &[u8], _message: &[u8], digest: &[u8]) -> bool {
    key == signature && key == digest
}

#[cfg(probe = "p256")]
fn verify(key: &[u8], signature: &[u8], message: &[u8], _digest: &[u8]) -> bool {
    use p256::ecdsa::signature::Verifier as _;
    let Ok(key) = p256::ecdsa::VerifyingKey::from_sec1_bytes(key) else {
        return false;
    };
    let Ok(signature) = p256::ecdsa::Signature::from_der(signature) else {
        return false;
    };
    key.verify(message, &signature).is_ok()
}

#[cfg(probe = "ed25519")]
fn verify(key: &[u8], signature: &[u8], message: &[u8], _digest: &[u8]) -> bool {
    let Ok(key) = <[u8; 32]>::try_from(key) else {
        return false;
    };
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&key) else {
        return false;
    };
    let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else {
        return false;
    };
    key.verify_strict(message, &signature).is_ok()
}

#[cfg(probe = "rsa")]
fn verify(key: &[u8], signature: &[u8], _message: &[u8], digest: &[u8]) -> bool {
    let (n, e) = key.split_at(key.len().saturating_sub(3));
    let n = rsa::BoxedUint::from_be_slice_vartime(n);
    let e = rsa::BoxedUint::from_be_slice_vartime(e);
    let Ok(key) = rsa::RsaPublicKey::new(n, e) else {
        return false;
    };
    key.verify(rsa::Pkcs1v15Sign::new::<Sha256>(), digest, signature)
        .is_ok()
}

#[cfg(probe = "rsassa")]
fn verify(key: &[u8], signature: &[u8], _message: &[u8], digest: &[u8]) -> bool {
    use bio::webauthn::rsassa::{Hash, PublicKey};
    let (n, e) = key.split_at(key.len().saturating_sub(3));
    let Ok(key) = PublicKey::new(n, e) else {
        return false;
    };
    key.verify(Hash::Sha256, digest, signature).is_ok()
}
