use super::*;
use crate::config::{RawConfig, StoreNames};

fn config() -> Config {
    Config::from_raw(
        RawConfig {
            rp_id: Some("localhost".into()),
            rp_name: Some("Bio".into()),
            origins: Some(r#"["http://localhost:7676"]"#.into()),
            user_verification: Some("preferred".into()),
            session_key_current: Some(vec![1; 32]),
            ..RawConfig::default()
        },
        &StoreNames::DEFAULT,
    )
    .unwrap()
}

fn record() -> ChallengeRecord {
    ChallengeRecord {
        challenge: "Y2hhbGxlbmdl".into(),
        user_handle: "dXNlcg".into(),
        name: "amber-otter-27".into(),
        expires_at: 1_000 + CHALLENGE_TTL_SECS,
        used: false,
    }
}

#[test]
fn options_carry_both_ceremonies_in_w3c_json_form() {
    let options = options(&config(), &record(), 1_000);
    let get = &options["publicKey"]["get"];
    assert_eq!(get["challenge"], "Y2hhbGxlbmdl");
    assert_eq!(get["rpId"], "localhost");
    assert_eq!(get["userVerification"], "preferred");
    assert_eq!(get["allowCredentials"], json!([]));
    assert_eq!(get["timeout"], 300_000);
    let create = &options["publicKey"]["create"];
    assert_eq!(create["rp"], json!({ "id": "localhost", "name": "Bio" }));
    assert_eq!(create["user"]["id"], "dXNlcg");
    assert_eq!(create["user"]["name"], "amber-otter-27");
    assert_eq!(create["attestation"], "none");
    assert_eq!(create["authenticatorSelection"]["residentKey"], "required");
    let algs: Vec<i64> = create["pubKeyCredParams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["alg"].as_i64().unwrap())
        .collect();
    assert_eq!(algs, vec![-7, -8, -257]);
    assert_eq!(options["expiresAt"], 1_300_000);
}

#[test]
fn timeouts_never_outlive_the_challenge() {
    let options = options(&config(), &record(), 1_250);
    assert_eq!(options["publicKey"]["get"]["timeout"], 50_000);
    assert_eq!(options["publicKey"]["create"]["timeout"], 50_000);
    let late = super::options(&config(), &record(), 9_999);
    assert_eq!(late["publicKey"]["get"]["timeout"], 0);
}

#[test]
fn the_kind_comes_from_the_response_members() {
    let reg = json!({ "response": { "attestationObject": "", "clientDataJSON": "" } });
    let auth =
        json!({ "response": { "authenticatorData": "", "signature": "", "clientDataJSON": "" } });
    assert_eq!(ceremony_kind(&reg), Some(CeremonyKind::Registration));
    assert_eq!(ceremony_kind(&auth), Some(CeremonyKind::Authentication));
    assert_eq!(
        ceremony_kind(&json!({ "response": { "signature": "" } })),
        None
    );
    assert_eq!(ceremony_kind(&json!({ "response": [] })), None);
    assert_eq!(ceremony_kind(&json!([])), None);
}

#[test]
fn account_keys_are_short_and_distinct() {
    let long = vec![7u8; 1023];
    assert!(account_key(&long).len() < 64);
    assert_ne!(account_key(b"a"), account_key(b"b"));
    assert!(account_key(b"a").starts_with("credential/"));
}

#[test]
fn a_tombstone_is_the_same_record_used() {
    let tomb = record().tombstone();
    assert!(tomb.used);
    assert_eq!(tomb.challenge, record().challenge);
}
