//! A size probe, not a tool: links `verify_registration` into a wasm32 binary so the release
//! size of the verifier (with every attestation format) can be measured while the edge does not
//! call it yet. `cargo build --release --example registration_size --target wasm32-wasip1`.
//! Reads a vector-shaped `{rp_id, origins, challenge, response}` JSON object on stdin.

use std::io::Read as _;

use bio::webauthn::{RegistrationResponseJson, RelyingParty, base64url, verify_registration};

#[derive(serde::Deserialize)]
struct Probe {
    rp_id: String,
    origins: Vec<String>,
    challenge: String,
    response: RegistrationResponseJson,
}

fn main() {
    let mut input = String::new();
    if std::io::stdin().read_to_string(&mut input).is_err() {
        return;
    }
    let Ok(probe) = serde_json::from_str::<Probe>(&input) else {
        return;
    };
    let Ok(challenge) = base64url::decode(&probe.challenge) else {
        return;
    };
    let rp = RelyingParty {
        rp_id: &probe.rp_id,
        origins: &probe.origins,
        require_user_verification: false,
    };
    match verify_registration(&rp, &challenge, &probe.response) {
        Ok(record) => println!("ok {}", record.attestation_format),
        Err(e) => println!("error {}", e.code()),
    }
}
