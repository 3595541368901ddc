//! Under Viceroy: the one-button flows end to end through the real handlers, KV and secret
//! stores, with the software authenticator from tests/support playing the browser's
//! authenticator. Few test functions, many checks each: every test process compiles the module.
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::collections::BTreeMap;

use bio::account::{Account, ClientInfo};
use bio::config::StoreNames;
use bio::edge::{self, AppError, Ctx, Reply, account, auth, pages, sessions, stores::Kv};
use bio::session::{self, CeremonyClaims, SessionClaims, SigningKeys};
use fastly::http::{Method, StatusCode};
use fastly::{KVStore, Request, Response};
use serde_json::{Value, json};
use support::authenticator::{Alg, Fmt, Overrides, SoftAuthenticator, b64};

const ORIGIN: &str = "http://localhost:7678";
const RP_ID: &str = "localhost";
const T0: u64 = 1_800_000_000;

fn ctx_with(now: u64, secrets: &'static str) -> Ctx<'static> {
    let stores = StoreNames {
        secrets,
        ..StoreNames::DEFAULT
    };
    let mut config = edge::config::load(&stores).unwrap();
    config.agent_upstream = false;
    Ctx {
        config,
        stores,
        now,
        client: ClientInfo {
            ip: Some("192.0.2.1".into()),
            country: Some("NL".into()),
            city: Some("Amsterdam".into()),
            user_agent_family: Some("Chrome on Linux".into()),
        },
    }
}

fn ctx(now: u64) -> Ctx<'static> {
    ctx_with(now, "bio_secrets")
}

fn response(result: Result<Reply, AppError>, path: &str) -> Response {
    match result {
        Ok(Reply::Send(response)) => *response,
        Ok(Reply::Streamed) => panic!("streamed"),
        Err(error) => error.into_response(path),
    }
}

fn json_of(response: Response) -> (StatusCode, Value) {
    let status = response.get_status();
    (
        status,
        serde_json::from_slice(&response.into_body_bytes()).unwrap(),
    )
}

/// A browser: a cookie jar, and requests from our page's origin.
#[derive(Default, Clone)]
struct Browser {
    cookies: BTreeMap<String, String>,
}

impl Browser {
    fn request(&self, method: Method, path: &str) -> Request {
        let mut request =
            Request::new(method, format!("{ORIGIN}{path}")).with_header("origin", ORIGIN);
        if !self.cookies.is_empty() {
            let header: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            request.set_header("cookie", header.join("; "));
        }
        request
    }

    fn absorb(&mut self, response: &Response) {
        for value in response.get_header_all_str("set-cookie") {
            let (pair, attributes) = value.split_once(';').unwrap_or((value, ""));
            let (name, val) = pair.split_once('=').unwrap();
            assert!(attributes.contains("Secure") && attributes.contains("HttpOnly"));
            assert!(attributes.contains("SameSite=Strict") && attributes.contains("Path=/"));
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), val.to_owned());
            }
        }
    }

    /// POST /auth/start: the options; the challenge bytes.
    fn start(&mut self, ctx: &Ctx<'_>) -> (Value, Vec<u8>) {
        let r = response(
            auth::start(self.request(Method::POST, "/auth/start"), ctx),
            "/auth/start",
        );
        assert_eq!(r.get_status(), StatusCode::OK);
        self.absorb(&r);
        let (_, options) = json_of(r);
        let challenge = options["publicKey"]["get"]["challenge"].as_str().unwrap();
        assert_eq!(
            challenge,
            options["publicKey"]["create"]["challenge"]
                .as_str()
                .unwrap()
        );
        let bytes = base64_decode(challenge);
        (options, bytes)
    }

    fn finish(&mut self, ctx: &Ctx<'_>, credential: &Value) -> (StatusCode, Value) {
        let request = self
            .request(Method::POST, "/auth/finish")
            .with_header("content-type", "application/json")
            .with_body(credential.to_string());
        let r = response(auth::finish(request, ctx), "/auth/finish");
        self.absorb(&r);
        json_of(r)
    }

    /// Start, then create() with this authenticator: the registration response.
    fn register(
        &mut self,
        ctx: &Ctx<'_>,
        authenticator: &mut SoftAuthenticator,
        fmt: Fmt,
    ) -> (StatusCode, Value) {
        let (options, challenge) = self.start(ctx);
        let user_id = base64_decode(
            options["publicKey"]["create"]["user"]["id"]
                .as_str()
                .unwrap(),
        );
        let credential = authenticator.register(RP_ID, ORIGIN, &challenge, &user_id, fmt);
        self.finish(ctx, &credential)
    }

    /// Start, then get() with this authenticator.
    fn sign_in(
        &mut self,
        ctx: &Ctx<'_>,
        authenticator: &mut SoftAuthenticator,
    ) -> (StatusCode, Value) {
        let (_, challenge) = self.start(ctx);
        let credential = authenticator.authenticate(RP_ID, ORIGIN, &challenge);
        self.finish(ctx, &credential)
    }

    /// The signed-in page, rendered into a buffer; `None` when signed out.
    fn page(&self, ctx: &Ctx<'_>) -> Option<String> {
        let request = self.request(Method::GET, "/");
        let accounts = Kv::open(ctx.stores.accounts).unwrap();
        let current = sessions::current(&request, ctx, &accounts).unwrap()?;
        let mut out = Vec::new();
        pages::signed_in_page(&request, ctx, &current, &mut out).unwrap();
        Some(String::from_utf8(out).unwrap())
    }

    fn session_token(&self) -> String {
        self.cookies[session::SESSION_COOKIE].clone()
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap()
}

fn user_name(page: &str) -> String {
    let marker = "data-testid=\"user-name\">";
    let start = page.find(marker).unwrap() + marker.len();
    page[start..start + page[start..].find('<').unwrap()].to_owned()
}

fn account_keys() -> Vec<String> {
    let store = KVStore::open("bio_accounts").unwrap().unwrap();
    let page = store.build_list().prefix("credential/").execute().unwrap();
    page.keys().to_vec()
}

fn account_of(authenticator: &SoftAuthenticator) -> Account {
    let kv = Kv::open("bio_accounts").unwrap();
    kv.get::<Account>(&bio::ceremony::account_key(authenticator.credential_id()))
        .unwrap()
        .unwrap()
        .value
}

#[test]
fn one_button_registers_then_signs_in_as_the_same_user() {
    let ctx = ctx(T0);
    let mut alice = Browser::default();
    let mut passkey = SoftAuthenticator::new(Alg::Es256, 1);
    passkey.counter_step = 1;

    // First click: a new visitor registers and is signed in.
    let (status, body) = alice.register(&ctx, &mut passkey, Fmt::None);
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(alice.cookies.contains_key(session::SESSION_COOKIE));
    assert!(
        !alice.cookies.contains_key(session::CEREMONY_COOKIE),
        "ceremony cookie cleared"
    );
    let page = alice.page(&ctx).expect("signed in");
    let name = user_name(&page);
    assert_eq!(name, body["user"]["name"].as_str().unwrap());
    assert!(page.contains("action=\"/logout\""));
    assert_eq!(account_keys().len(), 1);

    // Logout revokes the session server-side: the old cookie no longer works.
    let old = alice.clone();
    let r = response(
        account::logout(alice.request(Method::POST, "/logout"), &ctx),
        "/logout",
    );
    assert_eq!(r.get_status(), StatusCode::SEE_OTHER);
    assert_eq!(r.get_header_str("location"), Some("/"));
    alice.absorb(&r);
    assert!(!alice.cookies.contains_key(session::SESSION_COOKIE));
    assert!(old.page(&ctx).is_none(), "a revoked session is signed out");
    // Logout is idempotent: again, with no session, still 303.
    let r = response(
        account::logout(alice.request(Method::POST, "/logout"), &ctx),
        "/logout",
    );
    assert_eq!(r.get_status(), StatusCode::SEE_OTHER);

    // Next click: the same passkey signs in as the same user; still one account.
    let (status, body) = alice.sign_in(&ctx, &mut passkey);
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(user_name(&alice.page(&ctx).unwrap()), name);
    assert_eq!(account_keys().len(), 1);
    let record = account_of(&passkey);
    assert_eq!(record.sign_count, 1);
    assert_eq!(record.sign_ins.len(), 2);
    assert_eq!(record.sign_ins[1].client.country.as_deref(), Some("NL"));
    // A new session id at every sign-in.
    assert_ne!(
        session::open_session(&ctx.config.keys, &alice.session_token(), T0)
            .unwrap()
            .sid,
        session::open_session(&ctx.config.keys, &old.session_token(), T0)
            .unwrap()
            .sid
    );

    // A second authenticator in another browser is a different user; EdDSA with packed self
    // attestation, and RS256 with fido-u2f is refused (fido-u2f is ES256 only) but RS256 none works.
    let mut bob = Browser::default();
    let mut bobs = SoftAuthenticator::new(Alg::EdDsa, 2);
    let (status, _) = bob.register(&ctx, &mut bobs, Fmt::PackedSelf);
    assert_eq!(status, StatusCode::OK);
    assert_ne!(user_name(&bob.page(&ctx).unwrap()), name);
    let mut carol = Browser::default();
    let mut carols = SoftAuthenticator::new(Alg::Rs256, 3);
    assert_eq!(
        carol.register(&ctx, &mut carols, Fmt::None).0,
        StatusCode::OK
    );
    let mut dave = Browser::default();
    let mut daves = SoftAuthenticator::new(Alg::Es256, 4);
    assert_eq!(
        dave.register(&ctx, &mut daves, Fmt::FidoU2f).0,
        StatusCode::OK
    );
    assert_eq!(account_keys().len(), 4);
    // Each signs in again as themselves.
    for (browser, authenticator) in [(&mut bob, &mut bobs), (&mut carol, &mut carols)] {
        let before = user_name(&browser.page(&ctx).unwrap());
        *browser = Browser::default();
        assert_eq!(browser.sign_in(&ctx, authenticator).0, StatusCode::OK);
        assert_eq!(user_name(&browser.page(&ctx).unwrap()), before);
    }
    assert_eq!(account_keys().len(), 4);
}

#[test]
fn challenges_are_single_use_short_lived_and_bound_to_one_browser() {
    let ctx = ctx(T0);
    let mut alice = Browser::default();
    let mut passkey = SoftAuthenticator::new(Alg::Es256, 10);
    let (options, challenge) = alice.start(&ctx);
    let user_id = base64_decode(
        options["publicKey"]["create"]["user"]["id"]
            .as_str()
            .unwrap(),
    );
    let credential = passkey.register(RP_ID, ORIGIN, &challenge, &user_id, Fmt::None);

    // Refused before the challenge is matched: nothing stored changes.
    let mut stranger = alice.clone();
    stranger.cookies.clear();
    let (status, body) = stranger.finish(&ctx, &credential);
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("no_ceremony"))
    );
    let mut forged = alice.clone();
    let forged_keys = SigningKeys {
        current: session::Key::new(vec![9; 32]).unwrap(),
        previous: None,
    };
    let claims = session::open_ceremony(
        &ctx.config.keys,
        &alice.cookies[session::CEREMONY_COOKIE],
        T0,
    )
    .unwrap();
    forged.cookies.insert(
        session::CEREMONY_COOKIE.into(),
        session::seal_ceremony(&forged_keys, &claims),
    );
    assert_eq!(
        forged.finish(&ctx, &credential).1["error"],
        "ceremony_invalid"
    );
    for duplicate in [false, true] {
        let mut bad_origin = alice
            .request(Method::POST, "/auth/finish")
            .with_header("content-type", "application/json")
            .with_body(credential.to_string());
        if duplicate {
            // A second Origin header after ours.
            bad_origin.append_header("origin", "https://evil.example");
        } else {
            bad_origin.set_header("origin", "https://evil.example");
        }
        let (status, body) = json_of(response(auth::finish(bad_origin, &ctx), "/auth/finish"));
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::FORBIDDEN, Some("bad_origin"))
        );
    }
    let no_origin = Request::post(format!("{ORIGIN}/auth/start"));
    assert_eq!(
        json_of(response(auth::start(no_origin, &ctx), "/auth/start")).1["error"],
        "missing_origin"
    );
    let bad_json = alice
        .request(Method::POST, "/auth/finish")
        .with_header("content-type", "application/json")
        .with_body("{\"id\": [");
    assert_eq!(
        json_of(response(auth::finish(bad_json, &ctx), "/auth/finish")).1["error"],
        "malformed_json"
    );
    let not_a_credential = alice
        .clone()
        .finish(&ctx, &json!({ "id": "x", "response": {} }))
        .1;
    assert_eq!(not_a_credential["error"], "malformed_credential");
    assert!(account_keys().is_empty());

    // A challenge used with another browser's ceremony cookie: Bob's cookie names Bob's
    // challenge, which Alice's response does not answer. Bob's challenge is consumed; Alice's
    // is untouched and still works.
    let mut bob = Browser::default();
    bob.start(&ctx);
    let (status, body) = bob.finish(&ctx, &credential);
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("challenge_mismatch")),
        "{body}"
    );
    assert!(account_keys().is_empty());

    // Alice's own finish works once; replaying it is refused.
    let replay = alice.clone();
    assert_eq!(alice.finish(&ctx, &credential).0, StatusCode::OK);
    let mut replay = replay;
    let (status, body) = replay.finish(&ctx, &credential);
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("challenge_used"))
    );

    // An expired challenge: the record's own expiry counts, whatever KV's TTL did.
    let mut late = Browser::default();
    let mut other = SoftAuthenticator::new(Alg::Es256, 11);
    let (options, challenge) = late.start(&ctx);
    let user_id = base64_decode(
        options["publicKey"]["create"]["user"]["id"]
            .as_str()
            .unwrap(),
    );
    let credential = other.register(RP_ID, ORIGIN, &challenge, &user_id, Fmt::None);
    let (status, body) = late.finish(&ctx_with(T0 + 301, "bio_secrets"), &credential);
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("challenge_expired"))
    );
    assert_eq!(account_keys().len(), 1);
    // The options' timeouts never outlive the challenge.
    assert!(options["publicKey"]["get"]["timeout"].as_u64().unwrap() <= 300_000);
}

#[test]
fn session_cookies_resist_tampering_forgery_expiry_and_survive_rotation() {
    let ctx = ctx(T0);
    let mut alice = Browser::default();
    let mut passkey = SoftAuthenticator::new(Alg::Es256, 20);
    assert_eq!(
        alice.register(&ctx, &mut passkey, Fmt::None).0,
        StatusCode::OK
    );
    let token = alice.session_token();
    let claims = session::open_session(&ctx.config.keys, &token, T0).unwrap();
    let with_token = |value: String| {
        let mut browser = alice.clone();
        browser
            .cookies
            .insert(session::SESSION_COOKIE.into(), value);
        browser
    };
    assert!(alice.page(&ctx).is_some());

    // Tampered: every single-character change of the token is signed out.
    for i in [0, token.len() / 2, token.len() - 1] {
        let mut bytes = token.clone().into_bytes();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        assert!(
            with_token(String::from_utf8(bytes).unwrap())
                .page(&ctx)
                .is_none()
        );
    }
    // Forged with another key, with the same claims.
    let other_keys = SigningKeys {
        current: session::Key::new(b"an-attacker-chosen-key-of-32-bytes!!".to_vec()).unwrap(),
        previous: None,
    };
    assert!(
        with_token(session::seal_session(&other_keys, &claims))
            .page(&ctx)
            .is_none()
    );
    // Forged claims (another user's id) under a valid MAC would need the key; with the real key
    // but a revoked or unknown sid, the record check refuses it.
    let unknown_sid = SessionClaims {
        sid: "bm8tc3VjaC1zZXNzaW9u".into(),
        ..claims.clone()
    };
    assert!(
        with_token(session::seal_session(&ctx.config.keys, &unknown_sid))
            .page(&ctx)
            .is_none()
    );
    // Expired: the cookie's own expiry.
    assert!(alice.page(&ctx_with(claims.exp, "bio_secrets")).is_none());
    // A ceremony token offered as a session.
    let ceremony = session::seal_ceremony(
        &ctx.config.keys,
        &CeremonyClaims {
            cid: claims.sid.clone(),
            exp: claims.exp,
        },
    );
    assert!(with_token(ceremony).page(&ctx).is_none());

    // Rotation: the store whose previous key is today's current still accepts the cookie, and
    // signs new ones with its new key.
    let rotated = ctx_with(T0, "bio_secrets_rotated");
    assert!(
        alice.page(&rotated).is_some(),
        "previous key still verifies"
    );
    let r = response(
        account::logout(alice.request(Method::POST, "/logout"), &rotated),
        "/logout",
    );
    alice.absorb(&r);
    assert_eq!(alice.sign_in(&rotated, &mut passkey).0, StatusCode::OK);
    let fresh = alice.session_token();
    assert!(alice.page(&rotated).is_some());
    assert!(
        session::open_session(&ctx.config.keys, &fresh, T0).is_err(),
        "signed with the new key"
    );
    // A store without the old key no longer accepts it.
    let only_new = SigningKeys {
        current: rotated.config.keys.current.clone(),
        previous: None,
    };
    assert!(session::open_session(&only_new, &token, T0).is_err());
}

#[test]
fn refused_sign_ins_and_conflicts() {
    let ctx = ctx(T0);
    let mut alice = Browser::default();
    let mut passkey = SoftAuthenticator::new(Alg::Es256, 30);
    passkey.counter_step = 5;
    assert_eq!(
        alice.register(&ctx, &mut passkey, Fmt::None).0,
        StatusCode::OK
    );

    // Finish while signed in.
    let (status, body) = alice.sign_in(&ctx, &mut passkey);
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("already_signed_in"))
    );
    let r = response(
        account::logout(alice.request(Method::POST, "/logout"), &ctx),
        "/logout",
    );
    alice.absorb(&r);

    // A normal sign-in moves the counter to 10.
    assert_eq!(alice.sign_in(&ctx, &mut passkey).0, StatusCode::OK);
    let r = response(
        account::logout(alice.request(Method::POST, "/logout"), &ctx),
        "/logout",
    );
    alice.absorb(&r);
    assert_eq!(account_of(&passkey).sign_count, 10);

    // Counter regression (a cloned authenticator): refused and recorded.
    passkey.set_sign_count(2);
    let (status, body) = alice.sign_in(&ctx, &mut passkey);
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("sign_count_regressed"))
    );
    assert!(!alice.cookies.contains_key(session::SESSION_COOKIE));
    let record = account_of(&passkey);
    assert_eq!(record.sign_count, 10, "unchanged");
    assert_eq!(
        record.security_events.last().unwrap().code,
        "sign_count_regressed"
    );

    // Wrong origin and a bad signature on a known account: refused and recorded too.
    passkey.set_sign_count(20);
    let (_, challenge) = alice.start(&ctx);
    let o = Overrides {
        origin: Some("https://evil.example".into()),
        ..Overrides::default()
    };
    let (status, body) = alice.finish(
        &ctx,
        &passkey.authenticate_with(RP_ID, ORIGIN, &challenge, &o),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("origin_not_allowed")),
        "{body}"
    );
    let (_, challenge) = alice.start(&ctx);
    let o = Overrides {
        corrupt_signature: true,
        ..Overrides::default()
    };
    let (status, body) = alice.finish(
        &ctx,
        &passkey.authenticate_with(RP_ID, ORIGIN, &challenge, &o),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let codes: Vec<String> = account_of(&passkey)
        .security_events
        .iter()
        .map(|e| e.code.clone())
        .collect();
    assert_eq!(codes.len(), 3, "{codes:?}");

    // A userHandle of another user (Bob's handle on Alice's credential), and none at all.
    let mut bob = Browser::default();
    let mut bobs = SoftAuthenticator::new(Alg::Es256, 31);
    assert_eq!(bob.register(&ctx, &mut bobs, Fmt::None).0, StatusCode::OK);
    let (_, challenge) = alice.start(&ctx);
    let o = Overrides {
        user_handle: Some(Some(bobs.user_handle().to_vec())),
        ..Overrides::default()
    };
    let (status, body) = alice.finish(
        &ctx,
        &passkey.authenticate_with(RP_ID, ORIGIN, &challenge, &o),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("user_handle_mismatch")),
        "{body}"
    );
    let (_, challenge) = alice.start(&ctx);
    let o = Overrides {
        user_handle: Some(None),
        ..Overrides::default()
    };
    let (status, body) = alice.finish(
        &ctx,
        &passkey.authenticate_with(RP_ID, ORIGIN, &challenge, &o),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("user_handle_missing"))
    );

    // The same credential id registered twice: never overwritten, never owned by two users.
    // (A twin built from the same seed holds the same credential id and key.)
    let before = account_of(&passkey);
    let mut twin = SoftAuthenticator::new(Alg::Es256, 30);
    assert_eq!(twin.credential_id(), passkey.credential_id());
    let mut mallory = Browser::default();
    let (status, body) = mallory.register(&ctx, &mut twin, Fmt::None);
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("credential_exists"))
    );
    let after = account_of(&passkey);
    assert_eq!(
        (&after.user_handle, &after.name, &after.public_key_cose),
        (&before.user_handle, &before.name, &before.public_key_cose)
    );
    assert!(!mallory.cookies.contains_key(session::SESSION_COOKIE));
    assert_eq!(account_keys().len(), 2);

    // An unknown credential: 401 with its id, for signalUnknownCredential.
    let mut stranger = SoftAuthenticator::new(Alg::Es256, 32);
    let (status, body) = Browser::default().sign_in(&ctx, &mut stranger);
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unknown_credential"))
    );
    assert_eq!(body["credentialId"], b64(stranger.credential_id()));
    assert_eq!(body["rpId"], RP_ID);

    // The security events reach the page as a notice.
    passkey.set_sign_count(100);
    assert_eq!(alice.sign_in(&ctx, &mut passkey).0, StatusCode::OK);
    let page = alice.page(&ctx).unwrap();
    assert!(page.contains("refused"), "notice of refused attempts");
}

#[test]
fn deleting_the_account_removes_it_and_its_sessions() {
    let ctx = ctx(T0);
    let mut alice = Browser::default();
    let mut passkey = SoftAuthenticator::new(Alg::Es256, 40);
    // Not signed in: nothing to delete.
    let r = response(
        account::delete(alice.request(Method::POST, "/account/delete"), &ctx),
        "/account/delete",
    );
    assert_eq!(r.get_status(), StatusCode::UNAUTHORIZED);

    assert_eq!(
        alice.register(&ctx, &mut passkey, Fmt::None).0,
        StatusCode::OK
    );
    let other_device = alice.clone();
    // Another Origin cannot delete it.
    let mut evil = alice.request(Method::POST, "/account/delete");
    evil.set_header("origin", "https://evil.example");
    assert_eq!(
        response(account::delete(evil, &ctx), "/account/delete").get_status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(account_keys().len(), 1);

    let r = response(
        account::delete(alice.request(Method::POST, "/account/delete"), &ctx),
        "/account/delete",
    );
    assert_eq!(r.get_status(), StatusCode::SEE_OTHER);
    let location = r.get_header_str("location").unwrap().to_owned();
    assert_eq!(
        location,
        format!("/?deleted={}", b64(passkey.credential_id()))
    );
    alice.absorb(&r);
    assert!(account_keys().is_empty());
    assert!(
        other_device.page(&ctx).is_none(),
        "every session of the account is dead"
    );
    // The signed-out page then names the credential for signalUnknownCredential.
    let page = edge::handle(
        &[edge::Route {
            method: Method::GET,
            path: "/",
            handler: pages::home,
        }],
        alice.request(Method::GET, &location),
        StoreNames::DEFAULT,
    )
    .unwrap();
    assert!(page.into_body_str().contains(&format!(
        "data-deleted-credential-id=\"{}\"",
        b64(passkey.credential_id())
    )));
    // The passkey no longer signs in.
    let (status, body) = alice.sign_in(&ctx, &mut passkey);
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unknown_credential"))
    );
}
