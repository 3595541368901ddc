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

fn record() -> CeremonyClaims {
    CeremonyClaims {
        ceremony_id: "aWQ".into(),
        challenge: "Y2hhbGxlbmdl".into(),
        browser_id: "YnJvd3Nlcg".into(),
        user_handle: "dXNlcg".into(),
        name: "amber-otter-27".into(),
        confirms_sid: None,
        grant: None,
        confirmed_with: None,
        exp: 1_000 + crate::session::CEREMONY_TTL_SECS,
    }
}

#[test]
fn options_carry_both_ceremonies_in_w3c_json_form() {
    let options = options(&config(), &record(), None, 1_000);
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
    let options = options(&config(), &record(), None, 1_250);
    assert_eq!(options["publicKey"]["get"]["timeout"], 50_000);
    assert_eq!(options["publicKey"]["create"]["timeout"], 50_000);
    let late = super::options(&config(), &record(), None, 9_999);
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
fn a_known_passkey_is_named_and_a_confirmation_offers_no_create() {
    let transports = vec!["internal".to_owned()];
    let allow = AllowedCredential {
        id: "Y3JlZA",
        transports: &transports,
    };
    let options = options(&config(), &record(), Some(&allow), 1_000);
    assert_eq!(
        options["publicKey"]["get"]["allowCredentials"],
        json!([{ "type": "public-key", "id": "Y3JlZA", "transports": ["internal"] }])
    );
    // The same passkey is excluded from create(): on this device, the provider refuses rather
    // than make a second account beside it.
    assert_eq!(
        options["publicKey"]["create"]["excludeCredentials"],
        options["publicKey"]["get"]["allowCredentials"]
    );
    // A new visitor's create() excludes nothing.
    let new_visitor = super::options(&config(), &record(), None, 1_000);
    assert_eq!(
        new_visitor["publicKey"]["create"]["excludeCredentials"],
        json!([])
    );
    // Moving an account to a new passkey excludes nothing either: the provider that holds the
    // old one must replace it. Otherwise the same create() as a new visitor's.
    let create = super::creation_options(&config(), &record(), 1_000);
    assert!(create["publicKey"].get("get").is_none());
    assert_eq!(
        create["publicKey"]["create"],
        new_visitor["publicKey"]["create"]
    );
    assert_eq!(
        create["publicKey"]["create"]["excludeCredentials"],
        json!([])
    );
    let confirm = CeremonyClaims {
        confirms_sid: Some("sid".into()),
        ..record()
    };
    let options = super::options(&config(), &confirm, Some(&allow), 1_000);
    assert!(options["publicKey"].get("create").is_none());
    assert_eq!(
        options["publicKey"]["get"]["allowCredentials"][0]["id"],
        "Y3JlZA"
    );
}
