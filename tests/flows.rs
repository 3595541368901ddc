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

use bio::account::records::{account_key, credential_digest, credential_key, tombstone_key};
use bio::account::{Account, ClientInfo};
use bio::config::StoreNames;
use bio::edge::stores::faulty::FaultyKv;
use bio::edge::stores::{FastlyKv, Kv, KvBackend};
use bio::edge::{self, AppError, Ctx, Reply, account, auth, pages, recovery, replace, sessions};
use bio::limits::{Limit, Limits};
use bio::session::{self, CeremonyClaims, SessionClaims, SigningKeys};
use bio::webauthn::Policy;
use fastly::http::{Method, StatusCode};
use fastly::{KVStore, Request, Response};
use serde_json::{Value, json};
use support::authenticator::{Alg, Fmt, Overrides, SoftAuthenticator, b64};

const ORIGIN: &str = "http://localhost:7678";
const RP_ID: &str = "localhost";
const T0: u64 = 1_800_000_000;

/// The real KV stores, for the life of the test process.
fn real_kv() -> &'static FastlyKv {
    Box::leak(Box::default())
}

fn ctx_on(now: u64, secrets: &'static str, kv: &'static dyn KvBackend) -> Ctx<'static> {
    let stores = StoreNames {
        secrets,
        ..StoreNames::DEFAULT
    };
    let mut config = edge::config::load(&stores).unwrap();
    config.agent_upstream = false;
    // Most tests refuse many ceremonies from one address on purpose; the limits have a test of
    // their own (`abuse_limits_stop_failures_but_never_the_owner`).
    let generous = Limit {
        max: 10_000,
        window_secs: 300,
    };
    config.limits = Limits {
        failures_per_ip: generous,
        failures_per_credential: generous,
        registrations_per_ip: generous,
        flood_rps_per_ip: 0,
        recovery_per_ip: generous,
        recovery_per_account: generous,
    };
    Ctx {
        config,
        stores,
        kv,
        now,
        client: ClientInfo {
            ip: Some("192.0.2.1".into()),
            country: Some("NL".into()),
            city: Some("Amsterdam".into()),
            user_agent_family: Some("Chrome on Linux".into()),
        },
    }
}

fn ctx_with(now: u64, secrets: &'static str) -> Ctx<'static> {
    ctx_on(now, secrets, real_kv())
}

fn ctx(now: u64) -> Ctx<'static> {
    ctx_with(now, "bio_secrets")
}

/// A context whose KV fails or misses what the returned double is told to.
fn faulty_ctx(now: u64) -> (Ctx<'static>, &'static FaultyKv<'static>) {
    let faulty: &'static FaultyKv<'static> = Box::leak(Box::new(FaultyKv::new(real_kv())));
    (ctx_on(now, "bio_secrets", faulty), faulty)
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

/// What one tab got from `/auth/start` (or `/account/confirm`).
#[derive(Clone)]
struct Tab {
    options: Value,
    challenge: Vec<u8>,
    token: String,
}

impl Tab {
    /// The account's user handle, for a tab whose options name none (a confirmation).
    fn user_id_of(&self, account: &Account) -> Vec<u8> {
        base64_decode(&account.user_handle)
    }

    fn user_id(&self) -> Vec<u8> {
        base64_decode(
            self.options["publicKey"]["create"]["user"]["id"]
                .as_str()
                .unwrap(),
        )
    }
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
            assert!(attributes.contains("Path=/") && name.starts_with("__Host-"));
            // What grants something is Strict; what only recognises the browser is Lax.
            let strict = name == session::SESSION_COOKIE || name == session::DELETED_COOKIE;
            let same_site = if strict {
                "SameSite=Strict"
            } else {
                "SameSite=Lax"
            };
            assert!(attributes.contains(same_site), "{value}");
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), val.to_owned());
            }
        }
    }

    /// GET /, as the router runs it: the page's HTML (the browser keeps its cookies).
    fn home(&mut self, ctx: &Ctx<'_>) -> String {
        let r = response(pages::home(self.request(Method::GET, "/"), ctx), "/");
        assert_eq!(r.get_status(), StatusCode::OK);
        self.absorb(&r);
        r.into_body_str()
    }

    /// POST /auth/start in a new tab: the options, the challenge bytes and the tab's token.
    fn start(&mut self, ctx: &Ctx<'_>) -> Tab {
        let r = response(
            auth::start(self.request(Method::POST, "/auth/start"), ctx),
            "/auth/start",
        );
        assert_eq!(r.get_status(), StatusCode::OK);
        self.absorb(&r);
        let (_, options) = json_of(r);
        let challenge = options["publicKey"]["get"]["challenge"].as_str().unwrap();
        // One challenge for both ceremonies (create is absent while registrations are closed).
        if let Some(create) = options["publicKey"].get("create") {
            assert_eq!(challenge, create["challenge"].as_str().unwrap());
        }
        Tab {
            challenge: base64_decode(challenge),
            token: options["ceremony"].as_str().unwrap().to_owned(),
            options,
        }
    }

    fn finish(&mut self, ctx: &Ctx<'_>, tab: &Tab, credential: &Value) -> (StatusCode, Value) {
        self.post_json(
            ctx,
            auth::finish,
            "/auth/finish",
            &json!({ "ceremony": tab.token, "credential": credential }),
        )
    }

    fn post_json(
        &mut self,
        ctx: &Ctx<'_>,
        handler: edge::Handler,
        path: &str,
        body: &Value,
    ) -> (StatusCode, Value) {
        let request = self
            .request(Method::POST, path)
            .with_header("content-type", "application/json")
            .with_body(body.to_string());
        let r = response(handler(request, ctx), path);
        self.absorb(&r);
        json_of(r)
    }

    /// A form POST (logout, forget): the response.
    fn post_form(
        &mut self,
        ctx: &Ctx<'_>,
        handler: edge::Handler,
        path: &str,
        form: &str,
    ) -> Response {
        let request = self
            .request(Method::POST, path)
            .with_header("content-type", "application/x-www-form-urlencoded")
            .with_body(form.to_owned());
        let r = response(handler(request, ctx), path);
        self.absorb(&r);
        r
    }

    /// The id of this browser's session (from its cookie).
    fn sid(&self, ctx: &Ctx<'_>) -> String {
        session::open::<SessionClaims>(&ctx.config.keys, &self.session_token(), ctx.now)
            .unwrap()
            .sid
    }

    fn logout(&mut self, ctx: &Ctx<'_>) {
        let r = self.post_form(ctx, account::logout, "/logout", "");
        assert_eq!(r.get_status(), StatusCode::SEE_OTHER);
    }

    /// Start, then create() with this authenticator: the registration response.
    fn register(
        &mut self,
        ctx: &Ctx<'_>,
        authenticator: &mut SoftAuthenticator,
        fmt: Fmt,
    ) -> (StatusCode, Value) {
        let tab = self.start(ctx);
        let credential = authenticator.register(RP_ID, ORIGIN, &tab.challenge, &tab.user_id(), fmt);
        self.finish(ctx, &tab, &credential)
    }

    /// Start, then get() with this authenticator.
    fn sign_in(
        &mut self,
        ctx: &Ctx<'_>,
        authenticator: &mut SoftAuthenticator,
    ) -> (StatusCode, Value) {
        let tab = self.start(ctx);
        let credential = authenticator.authenticate(RP_ID, ORIGIN, &tab.challenge);
        self.finish(ctx, &tab, &credential)
    }

    /// Deletes the signed-in account the way the page does: a confirmation challenge, an
    /// assertion by `authenticator`, then the explicit confirmation.
    fn delete_account(
        &mut self,
        ctx: &Ctx<'_>,
        authenticator: &mut SoftAuthenticator,
    ) -> (StatusCode, Value) {
        let tab = self.confirm(ctx);
        let assertion = authenticator.authenticate(RP_ID, ORIGIN, &tab.challenge);
        self.post_json(
            ctx,
            account::delete,
            "/account/delete",
            &json!({ "confirm": "yes", "ceremony": tab.token, "credential": assertion }),
        )
    }

    fn confirm(&mut self, ctx: &Ctx<'_>) -> Tab {
        let r = response(
            account::confirm(self.request(Method::POST, "/account/confirm"), ctx),
            "/account/confirm",
        );
        assert_eq!(r.get_status(), StatusCode::OK);
        let (_, options) = json_of(r);
        Tab {
            challenge: base64_decode(options["publicKey"]["get"]["challenge"].as_str().unwrap()),
            token: options["ceremony"].as_str().unwrap().to_owned(),
            options,
        }
    }

    /// Replace passkey, step 1: the page's confirmation answered by `authenticator`, sent for
    /// the `create()` options.
    fn replace_options(
        &mut self,
        ctx: &Ctx<'_>,
        authenticator: &mut SoftAuthenticator,
    ) -> (StatusCode, Value) {
        let tab = self.confirm(ctx);
        let assertion = authenticator.authenticate(RP_ID, ORIGIN, &tab.challenge);
        self.post_json(
            ctx,
            replace::options,
            "/account/passkey/replace/options",
            &json!({ "ceremony": tab.token, "credential": assertion }),
        )
    }

    /// Replace passkey, whole: the options, `create()` on `new`, the finish.
    fn replace_passkey(
        &mut self,
        ctx: &Ctx<'_>,
        old: &mut SoftAuthenticator,
        new: &mut SoftAuthenticator,
    ) -> (StatusCode, Value) {
        let (status, options) = self.replace_options(ctx, old);
        assert_eq!(status, StatusCode::OK, "{options}");
        let tab = creation_tab(options);
        let credential = new.register(RP_ID, ORIGIN, &tab.challenge, &tab.user_id(), Fmt::None);
        self.post_json(
            ctx,
            replace::replace,
            "/account/passkey/replace",
            &json!({ "ceremony": tab.token, "credential": credential }),
        )
    }

    /// Get a recovery code: the page's confirmation answered by `authenticator`, then the code.
    fn get_recovery_code(
        &mut self,
        ctx: &Ctx<'_>,
        authenticator: &mut SoftAuthenticator,
    ) -> (StatusCode, Value) {
        let tab = self.confirm(ctx);
        let assertion = authenticator.authenticate(RP_ID, ORIGIN, &tab.challenge);
        self.post_json(
            ctx,
            recovery::issue,
            "/account/recovery-code",
            &json!({ "ceremony": tab.token, "credential": assertion }),
        )
    }

    fn recovery_options(&mut self, ctx: &Ctx<'_>, code: &str) -> (StatusCode, Value) {
        self.post_json(
            ctx,
            recovery::options,
            "/auth/recover/options",
            &json!({ "code": code }),
        )
    }

    /// Recovers with `code`: its options, `create()` on `new`, the finish.
    fn recover(
        &mut self,
        ctx: &Ctx<'_>,
        code: &str,
        new: &mut SoftAuthenticator,
    ) -> (StatusCode, Value) {
        let (status, options) = self.recovery_options(ctx, code);
        if status != StatusCode::OK {
            return (status, options);
        }
        let tab = creation_tab(options);
        self.finish_recovery(ctx, &tab, new)
    }

    fn finish_recovery(
        &mut self,
        ctx: &Ctx<'_>,
        tab: &Tab,
        new: &mut SoftAuthenticator,
    ) -> (StatusCode, Value) {
        let credential = new.register(RP_ID, ORIGIN, &tab.challenge, &tab.user_id(), Fmt::None);
        self.post_json(
            ctx,
            recovery::recover,
            "/auth/recover",
            &json!({ "ceremony": tab.token, "credential": credential }),
        )
    }

    /// The signed-in page, rendered into a buffer; `None` when signed out.
    fn page(&self, ctx: &Ctx<'_>) -> Option<String> {
        let request = self.request(Method::GET, "/");
        let current = sessions::current(&request, ctx).unwrap()?;
        let mut out = Vec::new();
        pages::signed_in_page(&request, ctx, &current, &mut out).unwrap();
        Some(String::from_utf8(out).unwrap())
    }

    /// GET / as a signed-out visitor sees it, without touching this browser's cookies.
    fn home_signed_out_page(&self, ctx: &Ctx<'_>) -> String {
        let mut stranger = Browser::default();
        stranger.home(ctx)
    }

    fn session_token(&self) -> String {
        self.cookies[session::SESSION_COOKIE].clone()
    }
}

/// A tab holding `create()` options alone (replace, recover).
fn creation_tab(options: Value) -> Tab {
    assert!(options["publicKey"].get("get").is_none(), "{options}");
    Tab {
        challenge: base64_decode(
            options["publicKey"]["create"]["challenge"]
                .as_str()
                .unwrap(),
        ),
        token: options["ceremony"].as_str().unwrap().to_owned(),
        options,
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

/// Every key of a store, in order.
fn keys(store: &str) -> Vec<String> {
    let store = KVStore::open(store).unwrap().unwrap();
    let mut keys: Vec<String> = store.build_list().execute().unwrap().keys().to_vec();
    keys.sort();
    keys
}

fn keys_with(prefix: &str) -> Vec<String> {
    keys("bio_accounts")
        .into_iter()
        .filter(|k| k.starts_with(prefix))
        .collect()
}

fn account_keys() -> Vec<String> {
    keys_with("account/")
}

fn account_of(authenticator: &SoftAuthenticator) -> Account {
    let kv = Kv::new(real_kv(), "bio_accounts");
    let digest = credential_digest(authenticator.credential_id());
    let index: Value = kv.get(&credential_key(&digest)).unwrap().unwrap().value;
    kv.get::<Account>(&account_key(index["account"].as_str().unwrap()))
        .unwrap()
        .unwrap()
        .value
}

/// The stores' invariants, whatever failed: every account is reachable from its credential;
/// every index leads to an account, or to the tombstone of a deleted one; no session counts for
/// an account that does not exist.
fn assert_consistent() {
    let kv = Kv::new(real_kv(), "bio_accounts");
    for key in keys_with("account/") {
        let account: Account = kv.get(&key).unwrap().unwrap().value;
        let digest = credential_digest(&base64_decode(&account.credential_id));
        let index: Value = kv.get(&credential_key(&digest)).unwrap().unwrap().value;
        assert_eq!(index["account"], account.user_handle.as_str(), "{key}");
    }
    for key in keys_with("credential/") {
        let index: Value = kv.get(&key).unwrap().unwrap().value;
        let owner = account_key(index["account"].as_str().unwrap());
        let tombstone = tombstone_key(key.trim_start_matches("credential/"));
        assert!(
            kv.get::<Account>(&owner).unwrap().is_some()
                || kv.get::<Value>(&tombstone).unwrap().is_some(),
            "{key} leads nowhere"
        );
    }
    // A session record may outlive an account whose deletion stopped part-way (it no longer
    // counts: a session needs its account), but only one whose passkey has a tombstone.
    for key in keys_with("session/") {
        let record: Value = kv.get(&key).unwrap().unwrap().value;
        let owner = account_key(record["user_handle"].as_str().unwrap());
        let tombstone = tombstone_key(record["credential_digest"].as_str().unwrap());
        assert!(
            kv.get::<Account>(&owner).unwrap().is_some()
                || kv.get::<Value>(&tombstone).unwrap().is_some(),
            "{key} outlived its account"
        );
    }
}

#[test]
fn one_button_registers_then_signs_in_as_the_same_user() {
    let ctx = ctx(T0);
    let mut alice = Browser::default();
    let mut passkey = SoftAuthenticator::new(Alg::Es256, 1);
    passkey.counter_step = 1;

    // The page sets the browser-binding id; starting a ceremony writes nothing to any store.
    alice.home(&ctx);
    assert!(alice.cookies.contains_key(session::BROWSER_COOKIE));
    let before = (keys("bio_accounts"), keys("bio_challenges"));
    alice.start(&ctx);
    alice.start(&ctx);
    assert_eq!((keys("bio_accounts"), keys("bio_challenges")), before);

    // First click: a new visitor registers and is signed in.
    let (status, body) = alice.register(&ctx, &mut passkey, Fmt::None);
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(alice.cookies.contains_key(session::SESSION_COOKIE));
    let page = alice.page(&ctx).expect("signed in");
    let name = user_name(&page);
    assert_eq!(name, body["user"]["name"].as_str().unwrap());
    assert!(page.contains("action=\"/logout\""));
    assert!(page.contains("Log out and forget me"));
    assert_eq!(account_keys().len(), 1);
    assert_consistent();

    // Logout revokes the session server-side: the old cookie no longer works.
    let old = alice.clone();
    alice.logout(&ctx);
    assert!(!alice.cookies.contains_key(session::SESSION_COOKIE));
    assert!(old.page(&ctx).is_none(), "a revoked session is signed out");
    // Logout is idempotent: again, with no session, still 303.
    alice.logout(&ctx);

    // The hint survives logout: the page greets Alice by name, and her next ceremony names her
    // passkey in allowCredentials.
    assert!(alice.cookies.contains_key(session::HINT_COOKIE));
    let home = alice.home(&ctx);
    assert!(home.contains(&format!(
        "Welcome back, <strong data-testid=\"returning-name\">{name}"
    )));
    assert!(home.contains("data-returning=\"true\"") && home.contains("action=\"/forget\""));
    let tab = alice.start(&ctx);
    assert_eq!(
        tab.options["publicKey"]["get"]["allowCredentials"],
        json!([{ "type": "public-key", "id": b64(passkey.credential_id()) }])
    );

    // Next click: the same passkey signs in as the same user; still one account.
    let credential = passkey.authenticate(RP_ID, ORIGIN, &tab.challenge);
    let (status, body) = alice.finish(&ctx, &tab, &credential);
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(user_name(&alice.page(&ctx).unwrap()), name);
    assert_eq!(account_keys().len(), 1);
    let record = account_of(&passkey);
    assert_eq!(record.sign_count, 1);
    assert_eq!(record.sign_ins.len(), 2);
    assert_eq!(record.sign_ins[1].client.country.as_deref(), Some("NL"));
    // Records keep country and city at most, never the IP address.
    let raw = String::from_utf8(
        KVStore::open("bio_accounts")
            .unwrap()
            .unwrap()
            .lookup(&account_key(&record.user_handle))
            .unwrap()
            .take_body_bytes(),
    )
    .unwrap();
    assert!(!raw.contains("192.0.2.1"), "{raw}");
    // A new session id at every sign-in.
    let sid = |browser: &Browser| {
        session::open::<SessionClaims>(&ctx.config.keys, &browser.session_token(), T0)
            .unwrap()
            .sid
    };
    assert_ne!(sid(&alice), sid(&old));

    // "Log out and forget me" removes the hint too; "Not you?" removes only the hint.
    let r = alice.post_form(&ctx, account::logout, "/logout", "forget=yes");
    assert_eq!(r.get_status(), StatusCode::SEE_OTHER);
    assert!(!alice.cookies.contains_key(session::HINT_COOKIE));
    assert!(!alice.home(&ctx).contains("Welcome back"));
    assert_eq!(alice.sign_in(&ctx, &mut passkey).0, StatusCode::OK);
    alice.logout(&ctx);
    assert!(alice.cookies.contains_key(session::HINT_COOKIE));
    let r = alice.post_form(&ctx, account::forget, "/forget", "");
    assert_eq!(r.get_status(), StatusCode::SEE_OTHER);
    assert!(!alice.cookies.contains_key(session::HINT_COOKIE));
    let tab = alice.start(&ctx);
    assert_eq!(
        tab.options["publicKey"]["get"]["allowCredentials"],
        json!([])
    );

    // A second authenticator in another browser is a different user; EdDSA with packed self
    // attestation, RS256 with none, ES256 with fido-u2f.
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
    assert_consistent();
}

#[test]
fn each_tab_finishes_its_own_ceremony_once_in_its_own_browser() {
    let ctx = ctx(T0);
    let mut alice = Browser::default();
    alice.home(&ctx);
    let mut passkey = SoftAuthenticator::new(Alg::Es256, 10);

    // Two tabs: the older one registers after the newer one started.
    let older = alice.start(&ctx);
    let newer = alice.start(&ctx);
    assert_ne!(older.token, newer.token);
    let credential = passkey.register(RP_ID, ORIGIN, &older.challenge, &older.user_id(), Fmt::None);

    // Refused before anything is read or spent: nothing stored changes (but the limiter's
    // windows, which count every failure).
    let spent_records = || -> Vec<String> {
        keys("bio_challenges")
            .into_iter()
            .filter(|k| !k.starts_with("limit/"))
            .collect()
    };
    let untouched = (keys("bio_accounts"), spent_records());
    let mut stranger = alice.clone();
    stranger.cookies.clear();
    stranger.home(&ctx); // another browser: its own binding id
    let (status, body) = stranger.finish(&ctx, &older, &credential);
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("ceremony_invalid"))
    );
    let forged_keys = SigningKeys {
        current: session::Key::new(vec![9; 32]).unwrap(),
        previous: None,
    };
    let claims = session::open::<CeremonyClaims>(&ctx.config.keys, &older.token, T0).unwrap();
    let forged = Tab {
        token: session::seal(&forged_keys, &claims),
        ..older.clone()
    };
    assert_eq!(
        alice.finish(&ctx, &forged, &credential).1["error"],
        "ceremony_invalid"
    );
    // Another tab's token with this tab's credential: the challenge does not match.
    let (status, body) = alice.finish(&ctx, &newer, &credential);
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("challenge_mismatch")),
        "{body}"
    );
    let no_token = alice.post_json(
        &ctx,
        auth::finish,
        "/auth/finish",
        &json!({ "credential": credential }),
    );
    assert_eq!(no_token.1["error"], "no_ceremony");
    for duplicate in [false, true] {
        let mut bad_origin = alice
            .request(Method::POST, "/auth/finish")
            .with_header("content-type", "application/json")
            .with_body(json!({ "ceremony": older.token, "credential": credential }).to_string());
        if duplicate {
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
    let not_a_credential = alice.post_json(
        &ctx,
        auth::finish,
        "/auth/finish",
        &json!({ "ceremony": older.token, "credential": { "id": "x", "response": {} } }),
    );
    assert_eq!(not_a_credential.1["error"], "malformed_credential");
    assert_eq!((keys("bio_accounts"), spent_records()), untouched);

    // The older tab's own finish works once; replaying it is refused.
    assert_eq!(alice.finish(&ctx, &older, &credential).0, StatusCode::OK);
    let (status, body) = alice.clone().finish(&ctx, &older, &credential);
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("already_signed_in"))
    );
    alice.logout(&ctx);
    let (status, body) = alice.finish(&ctx, &older, &credential);
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("challenge_used"))
    );
    // The newer tab, later, signs in with the same passkey.
    let assertion = passkey.authenticate(RP_ID, ORIGIN, &newer.challenge);
    assert_eq!(alice.finish(&ctx, &newer, &assertion).0, StatusCode::OK);
    assert_eq!(account_keys().len(), 1);

    // An expired ceremony: the token's own expiry counts.
    let mut late = Browser::default();
    late.home(&ctx);
    let mut other = SoftAuthenticator::new(Alg::Es256, 11);
    let tab = late.start(&ctx);
    let credential = other.register(RP_ID, ORIGIN, &tab.challenge, &tab.user_id(), Fmt::None);
    let (status, body) = late.finish(&ctx_with(T0 + 301, "bio_secrets"), &tab, &credential);
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("challenge_expired"))
    );
    assert_eq!(account_keys().len(), 1);
    // The options' timeouts never outlive the ceremony.
    assert!(tab.options["publicKey"]["get"]["timeout"].as_u64().unwrap() <= 300_000);
    assert_consistent();
}

#[test]
fn session_cookies_resist_tampering_forgery_expiry_and_survive_rotation() {
    let ctx = ctx(T0);
    let mut alice = Browser::default();
    alice.home(&ctx);
    let mut passkey = SoftAuthenticator::new(Alg::Es256, 20);
    assert_eq!(
        alice.register(&ctx, &mut passkey, Fmt::None).0,
        StatusCode::OK
    );
    let token = alice.session_token();
    let claims = session::open::<SessionClaims>(&ctx.config.keys, &token, T0).unwrap();
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
        with_token(session::seal(&other_keys, &claims))
            .page(&ctx)
            .is_none()
    );
    // With the real key but an unknown sid, the record check refuses it.
    let unknown_sid = SessionClaims {
        sid: "bm8tc3VjaC1zZXNzaW9u".into(),
        ..claims.clone()
    };
    assert!(
        with_token(session::seal(&ctx.config.keys, &unknown_sid))
            .page(&ctx)
            .is_none()
    );
    // Expired: the cookie's own expiry.
    assert!(alice.page(&ctx_with(claims.exp, "bio_secrets")).is_none());
    // A hint token offered as a session.
    let hint = alice.cookies[session::HINT_COOKIE].clone();
    assert!(with_token(hint).page(&ctx).is_none());

    // Rotation: the store whose previous key is today's current still accepts the cookie, and
    // signs new ones with its new key.
    let rotated = ctx_with(T0, "bio_secrets_rotated");
    assert!(
        alice.page(&rotated).is_some(),
        "previous key still verifies"
    );
    alice.logout(&rotated);
    assert_eq!(alice.sign_in(&rotated, &mut passkey).0, StatusCode::OK);
    let fresh = alice.session_token();
    assert!(alice.page(&rotated).is_some());
    assert!(
        session::open::<SessionClaims>(&ctx.config.keys, &fresh, T0).is_err(),
        "signed with the new key"
    );
    // A store without the old key no longer accepts it.
    let only_new = SigningKeys {
        current: rotated.config.keys.current.clone(),
        previous: None,
    };
    assert!(session::open::<SessionClaims>(&only_new, &token, T0).is_err());
}

#[test]
fn refused_sign_ins_and_conflicts() {
    let ctx = ctx(T0);
    let mut alice = Browser::default();
    alice.home(&ctx);
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
    alice.logout(&ctx);

    // A normal sign-in moves the counter to 10.
    assert_eq!(alice.sign_in(&ctx, &mut passkey).0, StatusCode::OK);
    alice.logout(&ctx);
    assert_eq!(account_of(&passkey).sign_count, 10);

    // Under the strict policy a counter that went back is refused and recorded.
    let mut strict = ctx_with(T0, "bio_secrets");
    strict.config.sign_in_policy = Policy::STRICT;
    passkey.set_sign_count(2);
    let (status, body) = alice.sign_in(&strict, &mut passkey);
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
    let tab = alice.start(&ctx);
    let o = Overrides {
        origin: Some("https://evil.example".into()),
        ..Overrides::default()
    };
    let (status, body) = alice.finish(
        &ctx,
        &tab,
        &passkey.authenticate_with(RP_ID, ORIGIN, &tab.challenge, &o),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("origin_not_allowed")),
        "{body}"
    );
    let tab = alice.start(&ctx);
    let o = Overrides {
        corrupt_signature: true,
        ..Overrides::default()
    };
    let (status, body) = alice.finish(
        &ctx,
        &tab,
        &passkey.authenticate_with(RP_ID, ORIGIN, &tab.challenge, &o),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let codes: Vec<String> = account_of(&passkey)
        .security_events
        .iter()
        .map(|e| e.code.clone())
        .collect();
    assert_eq!(codes.len(), 3, "{codes:?}");

    // Anyone holding the credential id can try again and again: the account keeps at most a
    // few refusals per window, and its owner still signs in.
    for _ in 0..8 {
        let tab = alice.start(&ctx);
        let forged = passkey.authenticate_with(RP_ID, ORIGIN, &tab.challenge, &o);
        assert_eq!(alice.finish(&ctx, &tab, &forged).0, StatusCode::BAD_REQUEST);
    }
    assert_eq!(account_of(&passkey).security_events.len(), 3);

    // A userHandle of another user (Bob's handle on Alice's credential), and none at all.
    let mut bob = Browser::default();
    bob.home(&ctx);
    let mut bobs = SoftAuthenticator::new(Alg::Es256, 31);
    assert_eq!(bob.register(&ctx, &mut bobs, Fmt::None).0, StatusCode::OK);
    let tab = alice.start(&ctx);
    let o = Overrides {
        user_handle: Some(Some(bobs.user_handle().to_vec())),
        ..Overrides::default()
    };
    let (status, body) = alice.finish(
        &ctx,
        &tab,
        &passkey.authenticate_with(RP_ID, ORIGIN, &tab.challenge, &o),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("user_handle_mismatch")),
        "{body}"
    );
    let tab = alice.start(&ctx);
    let o = Overrides {
        user_handle: Some(None),
        ..Overrides::default()
    };
    let (status, body) = alice.finish(
        &ctx,
        &tab,
        &passkey.authenticate_with(RP_ID, ORIGIN, &tab.challenge, &o),
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
    mallory.home(&ctx);
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
    assert_consistent();

    // The refused attempts reach the page as a notice.
    passkey.set_sign_count(100);
    assert_eq!(alice.sign_in(&ctx, &mut passkey).0, StatusCode::OK);
    let page = alice.page(&ctx).unwrap();
    assert!(
        page.contains("refused attempts since your last visit"),
        "notice of refused attempts: {page}"
    );
}

#[test]
fn a_counter_that_went_back_or_a_flipped_be_flag_never_locks_the_owner_out() {
    let ctx = ctx(T0);
    let mut alice = Browser::default();
    alice.home(&ctx);
    let mut passkey = SoftAuthenticator::new(Alg::Es256, 50);
    passkey.counter_step = 5;
    assert_eq!(
        alice.register(&ctx, &mut passkey, Fmt::None).0,
        StatusCode::OK
    );
    alice.logout(&ctx);
    assert_eq!(alice.sign_in(&ctx, &mut passkey).0, StatusCode::OK);
    alice.logout(&ctx);
    assert_eq!(account_of(&passkey).sign_count, 5);

    // A restored authenticator: its counter is back at 0, so the next assertion says 5 again.
    passkey.set_sign_count(0);
    let (status, body) = alice.sign_in(&ctx, &mut passkey);
    assert_eq!(status, StatusCode::OK, "{body}");
    let record = account_of(&passkey);
    assert_eq!(record.sign_count, 5);
    assert_eq!(
        record.security_events.last().unwrap().code,
        "sign_count_not_increased"
    );
    let page = alice.page(&ctx).unwrap();
    assert!(page.contains("counter"), "the owner is told: {page}");
    alice.logout(&ctx);

    // A provider that flips BE: still signs in, noted, and the new value is kept.
    passkey.backup_eligible = true;
    passkey.backup_state = true;
    let (status, body) = alice.sign_in(&ctx, &mut passkey);
    assert_eq!(status, StatusCode::OK, "{body}");
    let record = account_of(&passkey);
    assert!(record.backup_eligible);
    assert_eq!(
        record.security_events.last().unwrap().code,
        "backup_eligibility_changed"
    );
    alice.logout(&ctx);
    // And the next sign-in is an ordinary one.
    assert_eq!(alice.sign_in(&ctx, &mut passkey).0, StatusCode::OK);
    assert_eq!(account_of(&passkey).security_events.len(), 2);
}

#[test]
fn a_missed_read_never_deletes_a_passkey() {
    let (ctx, faulty) = faulty_ctx(T0);
    let mut alice = Browser::default();
    alice.home(&ctx);
    let mut passkey = SoftAuthenticator::new(Alg::Es256, 60);
    assert_eq!(
        alice.register(&ctx, &mut passkey, Fmt::None).0,
        StatusCode::OK
    );
    alice.logout(&ctx);

    // One lagging read: the lookup is retried and the sign-in goes through.
    faulty.miss_lookups("credential/", 1);
    let (status, body) = alice.sign_in(&ctx, &mut passkey);
    assert_eq!(status, StatusCode::OK, "{body}");
    alice.logout(&ctx);

    // A store that keeps missing: a retryable answer, never unknown_credential, no id to signal.
    faulty.miss_lookups("credential/", 2);
    let tab = alice.start(&ctx);
    let assertion = passkey.authenticate(RP_ID, ORIGIN, &tab.challenge);
    let request = alice
        .request(Method::POST, "/auth/finish")
        .with_header("content-type", "application/json")
        .with_body(json!({ "ceremony": tab.token, "credential": assertion }).to_string());
    let r = response(auth::finish(request, &ctx), "/auth/finish");
    assert_eq!(r.get_status(), StatusCode::CONFLICT);
    assert_eq!(r.get_header_str("retry-after"), Some("1"));
    let (_, body) = json_of(r);
    assert_eq!(body["error"], "try_again");
    assert!(body.get("credentialId").is_none(), "{body}");
    // The account is untouched and signs in once the store has caught up.
    assert_eq!(alice.sign_in(&ctx, &mut passkey).0, StatusCode::OK);

    // A credential this store never saw gets the same answer: no tombstone, no proof.
    let mut stranger = SoftAuthenticator::new(Alg::Es256, 61);
    let mut browser = Browser::default();
    browser.home(&ctx);
    let (status, body) = browser.sign_in(&ctx, &mut stranger);
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("try_again"))
    );

    // After a real deletion the tombstone makes it unknown_credential, with the id to signal.
    assert_eq!(alice.delete_account(&ctx, &mut passkey).0, StatusCode::OK);
    let digest = credential_digest(passkey.credential_id());
    assert_eq!(keys_with("deleted/"), [tombstone_key(&digest)]);
    let (status, body) = alice.sign_in(&ctx, &mut passkey);
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unknown_credential"))
    );
    assert_eq!(body["credentialId"], b64(passkey.credential_id()));
    assert_eq!(body["rpId"], RP_ID);
}

#[test]
fn a_lagging_store_right_after_sign_in_never_signs_the_visitor_out() {
    let (ctx, faulty) = faulty_ctx(T0);
    let mut alice = Browser::default();
    alice.home(&ctx);
    let mut passkey = SoftAuthenticator::new(Alg::Es256, 62);
    assert_eq!(
        alice.register(&ctx, &mut passkey, Fmt::None).0,
        StatusCode::OK
    );
    // The next page load reaches a POP that has not seen the session yet: looked up again.
    faulty.miss_lookups("session/", 1);
    assert!(
        alice.page(&ctx).is_some(),
        "one lagging read is looked past"
    );
    faulty.miss_lookups("account/", 1);
    assert!(alice.page(&ctx).is_some(), "the account's too");
    // Still missing: the signed-out page, but the fresh cookie is kept, not cleared...
    faulty.miss_lookups("session/", 2);
    let page = alice.home(&ctx);
    assert!(page.contains("id=\"auth\""), "signed out for this load");
    assert!(alice.cookies.contains_key(session::SESSION_COOKIE));
    // ...so once the store has caught up, the visitor is signed in as before.
    assert!(alice.page(&ctx).is_some());

    // A minute on, a session that is not found is over: its cookie is cleared.
    let later = ctx_on(T0 + sessions::FRESH_SECS, "bio_secrets", faulty);
    faulty.miss_lookups("session/", 2);
    alice.home(&later);
    assert!(!alice.cookies.contains_key(session::SESSION_COOKIE));
}

#[test]
fn deleting_needs_a_fresh_assertion_and_leaves_a_one_shot_proof() {
    let ctx = ctx(T0);
    let mut alice = Browser::default();
    alice.home(&ctx);
    let mut passkey = SoftAuthenticator::new(Alg::Es256, 40);
    // Not signed in: nothing to delete, nothing to confirm.
    let (status, _) = alice.post_json(&ctx, account::delete, "/account/delete", &json!({}));
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    assert_eq!(
        alice.register(&ctx, &mut passkey, Fmt::None).0,
        StatusCode::OK
    );
    let other_device = alice.clone();
    let untouched = keys("bio_accounts");
    // A bare form POST never deletes, with or without confirm=yes.
    for form in ["", "confirm=yes"] {
        let r = alice.post_form(&ctx, account::delete, "/account/delete", form);
        assert_eq!(r.get_status(), StatusCode::BAD_REQUEST);
        assert_eq!(json_of(r).1["error"], "confirmation_required");
    }
    // Another Origin cannot delete it.
    let mut evil = alice.request(Method::POST, "/account/delete");
    evil.set_header("origin", "https://evil.example");
    assert_eq!(
        response(account::delete(evil, &ctx), "/account/delete").get_status(),
        StatusCode::FORBIDDEN
    );
    // An assertion without the explicit confirmation, or by another passkey.
    let tab = alice.confirm(&ctx);
    assert!(tab.options["publicKey"].get("create").is_none());
    assert_eq!(
        tab.options["publicKey"]["get"]["allowCredentials"][0]["id"],
        b64(passkey.credential_id())
    );
    let assertion = passkey.authenticate(RP_ID, ORIGIN, &tab.challenge);
    let (status, body) = alice.post_json(
        &ctx,
        account::delete,
        "/account/delete",
        &json!({ "ceremony": tab.token, "credential": assertion }),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("confirmation_required"))
    );
    let mut mallory = Browser::default();
    mallory.home(&ctx);
    let mut mallorys = SoftAuthenticator::new(Alg::Es256, 41);
    assert_eq!(
        mallory.register(&ctx, &mut mallorys, Fmt::None).0,
        StatusCode::OK
    );
    let after_mallory = keys("bio_accounts");
    let tab = alice.confirm(&ctx);
    let (status, _) = alice.post_json(
        &ctx,
        account::delete,
        "/account/delete",
        &json!({ "confirm": "yes", "ceremony": tab.token,
                 "credential": mallorys.authenticate(RP_ID, ORIGIN, &tab.challenge) }),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A sign-in token is no confirmation, and a confirmation issued to another session is not
    // this one's.
    let sign_in_tab = alice.start(&ctx);
    let (status, _) = alice.post_json(
        &ctx,
        account::delete,
        "/account/delete",
        &json!({ "confirm": "yes", "ceremony": sign_in_tab.token,
                 "credential": passkey.authenticate(RP_ID, ORIGIN, &sign_in_tab.challenge) }),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let mallorys_tab = mallory.confirm(&ctx);
    let (status, _) = alice.post_json(
        &ctx,
        account::delete,
        "/account/delete",
        &json!({ "confirm": "yes", "ceremony": mallorys_tab.token,
                 "credential": passkey.authenticate(RP_ID, ORIGIN, &mallorys_tab.challenge) }),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(account_keys().len(), 2);
    assert!(untouched.iter().all(|k| after_mallory.contains(k)));

    // A link cannot make the page signal anything.
    let mut visitor = Browser::default();
    let r = response(
        pages::home(
            visitor.request(
                Method::GET,
                &format!("/?deleted={}", b64(passkey.credential_id())),
            ),
            &ctx,
        ),
        "/",
    );
    visitor.absorb(&r);
    assert!(!r.into_body_str().contains("data-deleted-credential-id"));

    // The real thing: confirmation, the passkey, then the account is gone.
    let (status, body) = alice.delete_account(&ctx, &mut passkey);
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["location"], "/");
    assert!(!alice.cookies.contains_key(session::SESSION_COOKIE));
    assert!(!alice.cookies.contains_key(session::HINT_COOKIE));
    assert!(alice.cookies.contains_key(session::DELETED_COOKIE));
    assert_eq!(account_keys().len(), 1, "only Mallory's is left");
    assert!(
        other_device.page(&ctx).is_none(),
        "every session of the account is dead"
    );
    assert_consistent();
    // The next page names the credential once, for signalUnknownCredential; then never again.
    let id = b64(passkey.credential_id());
    let page = alice.home(&ctx);
    assert!(page.contains(&format!("data-deleted-credential-id=\"{id}\"")));
    assert!(
        !alice.cookies.contains_key(session::DELETED_COOKIE),
        "one shot"
    );
    assert!(!alice.home(&ctx).contains("data-deleted-credential-id"));
    // The passkey no longer signs in.
    let (status, body) = alice.sign_in(&ctx, &mut passkey);
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unknown_credential"))
    );
}

#[test]
fn a_store_failure_at_any_write_leaves_the_old_state_or_the_new_one() {
    let (ctx, faulty) = faulty_ctx(T0);
    // Registration: spent, account, index, the limiter's count, session. Fail each in turn.
    for n in 1..=5 {
        let mut browser = Browser::default();
        browser.home(&ctx);
        let mut passkey = SoftAuthenticator::new(Alg::Es256, 70 + n as u64);
        let tab = browser.start(&ctx);
        let credential = passkey.register(RP_ID, ORIGIN, &tab.challenge, &tab.user_id(), Fmt::None);
        faulty.fail_write(Some(n));
        let request = browser
            .request(Method::POST, "/auth/finish")
            .with_header("content-type", "application/json")
            .with_body(json!({ "ceremony": tab.token, "credential": credential }).to_string());
        let r = response(auth::finish(request, &ctx), "/auth/finish");
        let (store, key) = faulty.failed().expect("the write was reached");
        faulty.fail_write(None);
        browser.absorb(&r);
        if key.starts_with("limit/") {
            // The limiter counts at best effort: its failure never fails a registration.
            assert_eq!(
                (store.as_str(), r.get_status()),
                ("bio_challenges", StatusCode::OK)
            );
            assert_consistent();
            continue;
        }
        assert_eq!(
            r.get_status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "write {n}: {key}"
        );
        assert!(r.get_header_str("retry-after").is_some());
        assert_eq!(json_of(r).1["error"], "unavailable");
        assert_consistent();
        // Whatever was left, the visitor can try again and ends with one account: signed in
        // if the account was made before the failure, else registering anew.
        browser.cookies.remove(session::SESSION_COOKIE);
        let (status, body) = browser.sign_in(&ctx, &mut passkey);
        if status != StatusCode::OK {
            assert_eq!(body["error"], "try_again", "write {n}: {body}");
            let (status, body) = browser.register(&ctx, &mut passkey, Fmt::None);
            assert_eq!(status, StatusCode::OK, "write {n}: {body}");
        }
        assert_consistent();
    }
    let accounts = account_keys().len();
    assert_eq!(accounts, 5);

    // Sign-in: spent, account update, session.
    let mut alice = Browser::default();
    alice.home(&ctx);
    let mut passkey = SoftAuthenticator::new(Alg::Es256, 80);
    assert_eq!(
        alice.register(&ctx, &mut passkey, Fmt::None).0,
        StatusCode::OK
    );
    alice.logout(&ctx);
    for n in 1..=3 {
        faulty.fail_write(Some(n));
        let (status, _) = alice.sign_in(&ctx, &mut passkey);
        faulty.fail_write(None);
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "sign-in write {n}");
        assert!(!alice.cookies.contains_key(session::SESSION_COOKIE));
        assert_consistent();
        assert_eq!(
            alice.sign_in(&ctx, &mut passkey).0,
            StatusCode::OK,
            "then it works"
        );
        // Logout: one write. A failure leaves the session as it was.
        faulty.fail_write(Some(1));
        let r = alice.post_form(&ctx, account::logout, "/logout", "");
        faulty.fail_write(None);
        assert_eq!(r.get_status(), StatusCode::SERVICE_UNAVAILABLE);
        alice.logout(&ctx);
    }

    // Deletion: spent, tombstone, account (with the tombstone taken back if that fails), index,
    // sessions. Whatever fails, the account is either whole or gone for every purpose.
    for n in 1..=5 {
        assert_eq!(alice.sign_in(&ctx, &mut passkey).0, StatusCode::OK);
        let tab = alice.confirm(&ctx);
        let assertion = passkey.authenticate(RP_ID, ORIGIN, &tab.challenge);
        faulty.fail_write(Some(n));
        let (status, _) = alice.post_json(
            &ctx,
            account::delete,
            "/account/delete",
            &json!({ "confirm": "yes", "ceremony": tab.token, "credential": assertion }),
        );
        faulty.fail_write(None);
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "delete write {n}");
        assert_consistent();
        if alice.page(&ctx).is_none() {
            // Gone for every purpose: no session counts, and the passkey finds no account.
            assert_eq!(account_keys().len(), accounts, "delete write {n}");
            let (status, body) = alice.sign_in(&ctx, &mut passkey);
            assert_eq!(
                (status, body["error"].as_str()),
                (StatusCode::UNAUTHORIZED, Some("unknown_credential")),
                "delete write {n}"
            );
            return;
        }
        alice.logout(&ctx);
    }
    panic!("the deletion never got past its first writes");
}

#[test]
fn a_version_1_account_is_read_and_moved_on_its_next_sign_in() {
    let ctx = ctx(T0);
    let mut passkey = SoftAuthenticator::new(Alg::Es256, 90);
    let mut alice = Browser::default();
    alice.home(&ctx);
    assert_eq!(
        alice.register(&ctx, &mut passkey, Fmt::None).0,
        StatusCode::OK
    );
    alice.logout(&ctx);
    // Rewrite it as the previous release stored it: the whole account under its credential's
    // key, without a version, and nothing under its user handle.
    let account = account_of(&passkey);
    let mut v1 = serde_json::to_value(&account).unwrap();
    v1.as_object_mut().unwrap().remove("v");
    let store = KVStore::open("bio_accounts").unwrap().unwrap();
    let digest = credential_digest(passkey.credential_id());
    store.delete(&account_key(&account.user_handle)).unwrap();
    store
        .insert(&credential_key(&digest), v1.to_string())
        .unwrap();

    let (status, body) = alice.sign_in(&ctx, &mut passkey);
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["name"], account.name.as_str());
    let moved = account_of(&passkey);
    assert_eq!(moved.v, 2);
    assert_eq!(moved.user_handle, account.user_handle);
    assert_eq!(moved.sign_ins.len(), account.sign_ins.len() + 1);
    assert_consistent();
}

#[test]
fn account_management_export_sign_out_elsewhere_and_the_passkey_endpoints() {
    let ctx = ctx(T0);
    let mut alice = Browser::default();
    alice.home(&ctx);
    let mut passkey = SoftAuthenticator::new(Alg::Es256, 100);
    // Signed out: nothing of any account.
    let r = response(
        account::export(alice.request(Method::GET, "/account/export"), &ctx),
        "/account/export",
    );
    assert_eq!(r.get_status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        alice.register(&ctx, &mut passkey, Fmt::None).0,
        StatusCode::OK
    );

    // The signed-in page names the one accepted credential, and offers the actions.
    let page = alice.page(&ctx).unwrap();
    assert!(page.contains(&format!(
        "data-credential-id=\"{}\"",
        b64(passkey.credential_id())
    )));
    assert!(page.contains("action=\"/account/sessions/revoke\""));
    assert!(page.contains("href=\"/account/export\""));

    // Download my data: an attachment with the account's fields, no session id.
    let r = response(
        account::export(alice.request(Method::GET, "/account/export"), &ctx),
        "/account/export",
    );
    assert_eq!(r.get_status(), StatusCode::OK);
    assert!(
        r.get_header_str("content-disposition")
            .unwrap()
            .starts_with("attachment")
    );
    let (_, export) = json_of(r);
    let record = account_of(&passkey);
    assert_eq!(export["user_handle"], record.user_handle.as_str());
    assert_eq!(
        export["passkey"]["credential_id"],
        b64(passkey.credential_id())
    );
    assert_eq!(
        export["passkey"]["public_key_cose"],
        record.public_key_cose.as_str()
    );
    assert!(!export.to_string().contains(&record.sessions[0]));

    // Sign out everywhere else: the other devices' sessions die, this one lives.
    let mut phone = Browser::default();
    phone.home(&ctx);
    assert_eq!(phone.sign_in(&ctx, &mut passkey).0, StatusCode::OK);
    let mut laptop = Browser::default();
    laptop.home(&ctx);
    assert_eq!(laptop.sign_in(&ctx, &mut passkey).0, StatusCode::OK);
    let r = alice.post_form(
        &ctx,
        account::sign_out_elsewhere,
        "/account/sessions/revoke",
        "",
    );
    assert_eq!(r.get_status(), StatusCode::SEE_OTHER);
    assert!(alice.page(&ctx).is_some());
    assert!(phone.page(&ctx).is_none() && laptop.page(&ctx).is_none());
    assert_eq!(account_of(&passkey).sessions.len(), 1);
    assert_eq!(keys_with("session/").len(), 1);

    // A stolen laptop's session, then more sign-ins and logouts than the account lists
    // sessions: "Sign out everywhere else" still ends it, and this browser stays signed in.
    let mut stolen = Browser::default();
    stolen.home(&ctx);
    assert_eq!(stolen.sign_in(&ctx, &mut passkey).0, StatusCode::OK);
    for _ in 0..12 {
        let mut other = Browser::default();
        other.home(&ctx);
        assert_eq!(other.sign_in(&ctx, &mut passkey).0, StatusCode::OK);
        other.logout(&ctx);
    }
    // Logouts leave the list: alice and the stolen laptop are its live sessions.
    assert_eq!(account_of(&passkey).sessions.len(), 2);
    let mut owner = Browser::default();
    owner.home(&ctx);
    assert_eq!(owner.sign_in(&ctx, &mut passkey).0, StatusCode::OK);
    for _ in 0..bio::account::MAX_SESSIONS {
        let mut other = Browser::default();
        other.home(&ctx);
        assert_eq!(other.sign_in(&ctx, &mut passkey).0, StatusCode::OK);
    }
    assert!(!account_of(&passkey).sessions.contains(&stolen.sid(&ctx)));
    assert!(
        stolen.page(&ctx).is_some(),
        "still signed in before the owner acts"
    );
    let r = owner.post_form(
        &ctx,
        account::sign_out_elsewhere,
        "/account/sessions/revoke",
        "",
    );
    assert_eq!(r.get_status(), StatusCode::SEE_OTHER);
    assert!(stolen.page(&ctx).is_none() && alice.page(&ctx).is_none());
    assert!(owner.page(&ctx).is_some());
    assert_eq!(account_of(&passkey).sessions, [owner.sid(&ctx)]);
    // A new sign-in after it counts as before.
    assert_eq!(stolen.sign_in(&ctx, &mut passkey).0, StatusCode::OK);
    assert!(stolen.page(&ctx).is_some() && owner.page(&ctx).is_some());

    // The well-known passkey endpoints: public, cacheable JSON.
    let r = response(
        bio::edge::well_known::passkey_endpoints(
            Request::get(format!("{ORIGIN}/.well-known/passkey-endpoints")),
            &ctx,
        ),
        "/.well-known/passkey-endpoints",
    );
    let r = bio::edge::headers::finish(r);
    assert_eq!(
        r.get_header_str("cache-control"),
        Some("public, max-age=86400")
    );
    let (_, body) = json_of(r);
    assert_eq!(
        body,
        json!({ "enroll": format!("{ORIGIN}/"), "manage": format!("{ORIGIN}/#account") })
    );
}

#[test]
fn abuse_limits_stop_failures_but_never_the_owner() {
    let mut ctx = ctx(T0);
    ctx.config.limits = Limits::default();
    let mut alice = Browser::default();
    alice.home(&ctx);
    let mut passkey = SoftAuthenticator::new(Alg::Es256, 110);
    assert_eq!(
        alice.register(&ctx, &mut passkey, Fmt::None).0,
        StatusCode::OK
    );
    alice.logout(&ctx);

    // Failed ceremonies from one address: the first ten are answered as they are, then 429.
    let forged = Overrides {
        corrupt_signature: true,
        ..Overrides::default()
    };
    let mut mallory = Browser::default();
    mallory.home(&ctx);
    let limit = ctx.config.limits.failures_per_ip.max;
    for i in 0..limit {
        let tab = mallory.start(&ctx);
        let assertion = passkey.authenticate_with(RP_ID, ORIGIN, &tab.challenge, &forged);
        let (status, body) = mallory.finish(&ctx, &tab, &assertion);
        assert_eq!(status, StatusCode::BAD_REQUEST, "attempt {i}: {body}");
    }
    let tab = mallory.start(&ctx);
    let assertion = passkey.authenticate_with(RP_ID, ORIGIN, &tab.challenge, &forged);
    let request = mallory
        .request(Method::POST, "/auth/finish")
        .with_header("content-type", "application/json")
        .with_body(json!({ "ceremony": tab.token, "credential": assertion }).to_string());
    let r = response(auth::finish(request, &ctx), "/auth/finish");
    assert_eq!(r.get_status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        r.get_header_str("retry-after")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            <= 300
    );
    assert_eq!(json_of(r).1["error"], "rate_limited");
    // Junk counts too, whatever the reason.
    let (status, _) = mallory.post_json(&ctx, auth::finish, "/auth/finish", &json!({}));
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

    // The same address (an office, a carrier NAT), the account's owner: signs in.
    let (status, body) = alice.sign_in(&ctx, &mut passkey);
    assert_eq!(status, StatusCode::OK, "{body}");
    // A stale tab of hers, signed in by another tab meanwhile, still hears why (the page reloads
    // on it): already_signed_in is neither counted nor turned into a 429.
    for _ in 0..2 {
        let tab = alice.start(&ctx);
        let assertion = passkey.authenticate(RP_ID, ORIGIN, &tab.challenge);
        let (status, body) = alice.finish(&ctx, &tab, &assertion);
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"], "already_signed_in");
    }
    alice.logout(&ctx);
    // The flooded account kept at most a few refusals.
    assert!(account_of(&passkey).security_events.len() <= 3);

    // Per credential, in the next window: failures from many addresses on one passkey are
    // limited too, and its owner still signs in.
    let next_window = T0 + 301;
    for i in 0..=ctx.config.limits.failures_per_credential.max {
        let mut elsewhere = ctx_with(next_window, "bio_secrets");
        elsewhere.config.limits = Limits::default();
        elsewhere.client.ip = Some(format!("198.51.100.{i}"));
        let tab = mallory.start(&elsewhere);
        let assertion = passkey.authenticate_with(RP_ID, ORIGIN, &tab.challenge, &forged);
        let (status, _) = mallory.finish(&elsewhere, &tab, &assertion);
        let expected = if i < ctx.config.limits.failures_per_credential.max {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(status, expected, "attempt {i}");
    }
    let mut home_ctx = ctx_with(next_window, "bio_secrets");
    home_ctx.config.limits = Limits::default();
    home_ctx.client.ip = Some("203.0.113.50".into());
    assert_eq!(alice.sign_in(&home_ctx, &mut passkey).0, StatusCode::OK);
    alice.logout(&home_ctx);

    // Registrations per address: a household never notices, a farm of accounts does.
    let mut farm = ctx_with(T0, "bio_secrets");
    farm.config.limits = Limits::default();
    farm.client.ip = Some("203.0.113.99".into());
    let max = farm.config.limits.registrations_per_ip.max;
    assert!(max >= 20);
    let mut late = Browser::default();
    late.home(&farm);
    let late_tab = late.start(&farm); // options from before the window filled
    for seed in 0..u64::from(max) {
        let mut browser = Browser::default();
        browser.home(&farm);
        let mut authenticator = SoftAuthenticator::new(Alg::Es256, 1_000 + seed);
        assert_eq!(
            browser.register(&farm, &mut authenticator, Fmt::None).0,
            StatusCode::OK,
            "{seed}"
        );
    }
    // Now /auth/start offers no create(), and says why: a passkey made now would be refused and
    // left in the provider with no account. Signing in is still offered.
    let mut browser = Browser::default();
    browser.home(&farm);
    let closed = browser.start(&farm);
    assert!(closed.options["publicKey"].get("create").is_none());
    assert!(closed.options["publicKey"]["get"].is_object());
    let why = &closed.options["registrationClosed"];
    assert_eq!(why["error"], "rate_limited");
    assert!(why["message"].as_str().unwrap().contains("new accounts"));
    assert!((1..=3_600).contains(&why["retryAfter"].as_u64().unwrap()));
    // A registration on options from before is still refused at the finish.
    let mut one_more = SoftAuthenticator::new(Alg::Es256, 2_000);
    let credential = one_more.register(
        RP_ID,
        ORIGIN,
        &late_tab.challenge,
        &late_tab.user_id(),
        Fmt::None,
    );
    let (status, body) = late.finish(&farm, &late_tab, &credential);
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
    );
    // An hour later, the window has passed.
    let later = {
        let mut c = ctx_with(T0 + 3_601, "bio_secrets");
        c.config.limits = Limits::default();
        c.client.ip = Some("203.0.113.99".into());
        c
    };
    let mut browser = Browser::default();
    browser.home(&later);
    assert_eq!(
        browser.register(&later, &mut one_more, Fmt::None).0,
        StatusCode::OK
    );
    // The limiter's keys hold no address.
    assert!(
        keys("bio_challenges")
            .iter()
            .all(|k| !k.contains("203.0.113"))
    );
    assert_consistent();
}

/// The hint cookie's claims, as the browser holds them.
fn hint_of(browser: &Browser, ctx: &Ctx<'_>) -> session::HintClaims {
    session::open(
        &ctx.config.keys,
        &browser.cookies[session::HINT_COOKIE],
        ctx.now,
    )
    .unwrap()
}

#[test]
fn renaming_checks_the_name_and_shows_it_everywhere() {
    let ctx = ctx(T0);
    let mut alice = Browser::default();
    alice.home(&ctx);
    let mut passkey = SoftAuthenticator::new(Alg::Es256, 120);
    let rename = |browser: &mut Browser, ctx: &Ctx<'_>, name: Value| {
        browser.post_json(
            ctx,
            account::rename,
            "/account/name",
            &json!({ "name": name }),
        )
    };
    // Signed out: nothing to rename.
    assert_eq!(
        rename(&mut alice, &ctx, json!("Ada")).0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        alice.register(&ctx, &mut passkey, Fmt::None).0,
        StatusCode::OK
    );
    let generated = account_of(&passkey).name;
    let page = alice.page(&ctx).unwrap();
    assert!(page.contains("<label for=\"name-input\">Name</label>"));
    assert!(page.contains(">Change name</button>"));

    // Refused names, each with its code; nothing stored changes.
    let untouched = keys("bio_accounts");
    let record = account_of(&passkey);
    for (name, code) in [
        (json!(""), "name_empty"),
        (json!(" \u{00A0} "), "name_empty"),
        (json!("x".repeat(65)), "name_too_long"),
        (json!("Ada\nLovelace"), "name_invalid_character"),
        (json!("Ada\u{202E}ecalevoL"), "name_invalid_character"),
        (json!(7), "name_missing"),
        (Value::Null, "name_missing"),
    ] {
        let (status, body) = rename(&mut alice, &ctx, name.clone());
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some(code)),
            "{name}"
        );
        assert!(body["message"].is_string());
    }
    let form = alice.post_form(&ctx, account::rename, "/account/name", "name=Ada");
    assert!(form.get_status().is_client_error());
    let mut evil = alice
        .request(Method::POST, "/account/name")
        .with_header("content-type", "application/json")
        .with_body(json!({ "name": "Mallory" }).to_string());
    evil.set_header("origin", "https://evil.example");
    assert_eq!(
        response(account::rename(evil, &ctx), "/account/name").get_status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(keys("bio_accounts"), untouched);
    assert_eq!(account_of(&passkey), record);

    // A store that fails: 503 with Retry-After, and the old name stands.
    let (faulty_ctx, faulty) = faulty_ctx(T0);
    faulty.fail_write(Some(1));
    let (status, body) = rename(&mut alice, &faulty_ctx, json!("Ada"));
    faulty.fail_write(None);
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("unavailable"))
    );
    assert_eq!(account_of(&passkey).name, generated);

    // A good name, normalised: on the page, in the hint, in the export, at the next sign-in.
    let (status, body) = rename(&mut alice, &ctx, json!("  Ada \u{3000}  Lovelace "));
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["name"], "Ada Lovelace");
    assert_eq!(account_of(&passkey).name, "Ada Lovelace");
    assert_eq!(hint_of(&alice, &ctx).name, "Ada Lovelace");
    assert_eq!(
        hint_of(&alice, &ctx).credential_id,
        b64(passkey.credential_id())
    );
    let page = alice.page(&ctx).unwrap();
    assert_eq!(user_name(&page), "Ada Lovelace");
    assert!(page.contains("data-user-name=\"Ada Lovelace\""));
    let r = response(
        account::export(alice.request(Method::GET, "/account/export"), &ctx),
        "/account/export",
    );
    assert_eq!(json_of(r).1["name"], "Ada Lovelace");
    let (status, body) = rename(&mut alice, &ctx, json!("<b>Ada</b> & co"));
    assert_eq!(status, StatusCode::OK);
    assert!(
        alice
            .page(&ctx)
            .unwrap()
            .contains("&lt;b&gt;Ada&lt;/b&gt; &amp; co"),
        "{body}"
    );
    let mut phone = Browser::default();
    phone.home(&ctx);
    let (status, body) = phone.sign_in(&ctx, &mut passkey);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["user"]["name"], "<b>Ada</b> & co");
    assert_consistent();
}

/// Whether `authenticator` signs in, from a browser of its own.
fn signs_in(ctx: &Ctx<'_>, authenticator: &mut SoftAuthenticator) -> (bool, Value) {
    let mut browser = Browser::default();
    browser.home(ctx);
    let (status, body) = browser.sign_in(ctx, authenticator);
    (status == StatusCode::OK, body)
}

#[test]
fn replacing_a_passkey_moves_the_account_and_retires_the_old_one() {
    let ctx = ctx(T0);
    let mut alice = Browser::default();
    alice.home(&ctx);
    let mut old = SoftAuthenticator::new(Alg::Es256, 130);
    let mut new = SoftAuthenticator::new(Alg::EdDsa, 131);
    // Signed out: no replacement.
    let (status, _) = alice.post_json(
        &ctx,
        replace::options,
        "/account/passkey/replace/options",
        &json!({}),
    );
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(alice.register(&ctx, &mut old, Fmt::None).0, StatusCode::OK);
    let account = account_of(&old);
    let mut phone = Browser::default();
    phone.home(&ctx);
    assert_eq!(phone.sign_in(&ctx, &mut old).0, StatusCode::OK);
    let mut mallory = Browser::default();
    mallory.home(&ctx);
    let mut mallorys = SoftAuthenticator::new(Alg::Es256, 132);
    assert_eq!(
        mallory.register(&ctx, &mut mallorys, Fmt::None).0,
        StatusCode::OK
    );
    let page = alice.page(&ctx).unwrap();
    assert!(page.contains(">Replace passkey</button>"));

    // What never starts a replacement: another passkey's assertion, a sign-in token, no body.
    let tab = alice.confirm(&ctx);
    let (status, body) = alice.post_json(
        &ctx,
        replace::options,
        "/account/passkey/replace/options",
        &json!({ "ceremony": tab.token,
                 "credential": mallorys.authenticate(RP_ID, ORIGIN, &tab.challenge) }),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let sign_in_tab = alice.start(&ctx);
    let (status, _) = alice.post_json(
        &ctx,
        replace::options,
        "/account/passkey/replace/options",
        &json!({ "ceremony": sign_in_tab.token,
                 "credential": old.authenticate(RP_ID, ORIGIN, &sign_in_tab.challenge) }),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // What never finishes one: a registration on a confirmation (no fresh assertion was made),
    // or on another session's options, or an assertion instead of a registration.
    let confirmation = alice.confirm(&ctx);
    let (status, body) = alice.post_json(
        &ctx,
        replace::replace,
        "/account/passkey/replace",
        &json!({ "ceremony": confirmation.token, "credential": new.register(
            RP_ID, ORIGIN, &confirmation.challenge, &confirmation.user_id_of(&account), Fmt::None) }),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("ceremony_invalid"))
    );
    let (status, phones) = phone.replace_options(&ctx, &mut old);
    assert_eq!(status, StatusCode::OK);
    let phones = creation_tab(phones);
    let (status, _) = alice.post_json(
        &ctx,
        replace::replace,
        "/account/passkey/replace",
        &json!({ "ceremony": phones.token, "credential": new.register(
            RP_ID, ORIGIN, &phones.challenge, &phones.user_id(), Fmt::None) }),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, options) = alice.replace_options(&ctx, &mut old);
    let tab = creation_tab(options);
    let (status, _) = alice.post_json(
        &ctx,
        replace::replace,
        "/account/passkey/replace",
        &json!({ "ceremony": tab.token,
                 "credential": old.authenticate(RP_ID, ORIGIN, &tab.challenge) }),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Mallory's passkey is hers: it cannot become Alice's.
    let (_, options) = alice.replace_options(&ctx, &mut old);
    let tab = creation_tab(options);
    let mut mallorys_again = SoftAuthenticator::new(Alg::Es256, 132);
    let (status, body) = alice.post_json(
        &ctx,
        replace::replace,
        "/account/passkey/replace",
        &json!({ "ceremony": tab.token, "credential": mallorys_again.register(
            RP_ID, ORIGIN, &tab.challenge, &tab.user_id(), Fmt::None) }),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("credential_exists")),
        "{body}"
    );
    assert_eq!(account_of(&old).credential_id, account.credential_id);
    assert!(phone.page(&ctx).is_some());
    assert_consistent();

    // The real thing: the options name the account's own user handle and name.
    let (_, options) = alice.replace_options(&ctx, &mut old);
    let user = &options["publicKey"]["create"]["user"];
    assert_eq!(user["id"], account.user_handle.as_str());
    assert_eq!(user["name"], account.name.as_str());
    let tab = creation_tab(options);
    let credential = new.register(RP_ID, ORIGIN, &tab.challenge, &tab.user_id(), Fmt::None);
    let finish_body = json!({ "ceremony": tab.token, "credential": credential });
    let (status, body) = alice.post_json(
        &ctx,
        replace::replace,
        "/account/passkey/replace",
        &finish_body,
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["replaced"]["credentialId"], b64(old.credential_id()));
    assert_eq!(body["replaced"]["rpId"], RP_ID);
    // The same account, on the new passkey; this browser stays signed in with a new session and
    // a hint naming the new passkey; every other session is over.
    let moved = account_of(&new);
    assert_eq!(moved.user_handle, account.user_handle);
    assert_eq!(moved.name, account.name);
    assert_eq!(moved.credential_id, b64(new.credential_id()));
    assert_eq!(moved.sessions.len(), 1);
    let page = alice.page(&ctx).expect("still signed in");
    assert!(page.contains(&format!(
        "data-credential-id=\"{}\"",
        b64(new.credential_id())
    )));
    assert_eq!(
        hint_of(&alice, &ctx).credential_id,
        b64(new.credential_id())
    );
    assert!(phone.page(&ctx).is_none(), "the phone's session is over");
    assert_eq!(
        keys_with("session/").len(),
        2,
        "Alice's new one and Mallory's"
    );
    assert_consistent();
    // The old passkey is refused, and reported unknown so the page signals it; the new one
    // signs in as the same account.
    let (ok, body) = signs_in(&ctx, &mut old);
    assert!(!ok);
    assert_eq!(body["error"], "unknown_credential");
    assert_eq!(body["credentialId"], b64(old.credential_id()));
    assert!(body["message"].as_str().unwrap().contains("replaced"));
    let (ok, body) = signs_in(&ctx, &mut new);
    assert!(ok, "{body}");
    assert_eq!(body["user"]["name"], account.name.as_str());
    // The finish is spent.
    let (status, _) = alice.post_json(
        &ctx,
        replace::replace,
        "/account/passkey/replace",
        &finish_body,
    );
    assert!(status.is_client_error());
    assert_eq!(account_of(&new).credential_id, b64(new.credential_id()));
    // And again, to a third passkey: both earlier ones are refused.
    let mut third = SoftAuthenticator::new(Alg::Rs256, 133);
    let (status, body) = alice.replace_passkey(&ctx, &mut new, &mut third);
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(account_of(&third).user_handle, account.user_handle);
    assert!(!signs_in(&ctx, &mut new).0 && !signs_in(&ctx, &mut old).0);
    assert!(signs_in(&ctx, &mut third).0);
    assert_consistent();

    // The session ends between the confirmation and the finish (Logout in another tab): by then
    // create() has replaced the old passkey in the provider, so the new one is still taken, on
    // the grant the fresh assertion earned; the browser is signed in again.
    let (status, options) = alice.replace_options(&ctx, &mut third);
    assert_eq!(status, StatusCode::OK);
    let tab = creation_tab(options);
    alice.logout(&ctx);
    assert!(alice.page(&ctx).is_none());
    let mut fourth = SoftAuthenticator::new(Alg::Es256, 134);
    let (status, body) = alice.post_json(
        &ctx,
        replace::replace,
        "/account/passkey/replace",
        &json!({ "ceremony": tab.token, "credential": fourth.register(
            RP_ID, ORIGIN, &tab.challenge, &tab.user_id(), Fmt::None) }),
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(account_of(&fourth).user_handle, account.user_handle);
    assert!(alice.page(&ctx).is_some());
    assert!(!signs_in(&ctx, &mut third).0 && signs_in(&ctx, &mut fourth).0);
    // A grant from another browser still finishes nothing there.
    let (_, options) = alice.replace_options(&ctx, &mut fourth);
    let tab = creation_tab(options);
    let mut elsewhere = Browser::default();
    elsewhere.home(&ctx);
    let mut fifth = SoftAuthenticator::new(Alg::Es256, 135);
    let (status, _) = elsewhere.post_json(
        &ctx,
        replace::replace,
        "/account/passkey/replace",
        &json!({ "ceremony": tab.token, "credential": fifth.register(
            RP_ID, ORIGIN, &tab.challenge, &tab.user_id(), Fmt::None) }),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(signs_in(&ctx, &mut fourth).0);
    assert_consistent();
}

#[test]
fn a_store_failure_during_a_move_leaves_exactly_one_passkey_working() {
    let (ctx, faulty) = faulty_ctx(T0);
    let mut alice = Browser::default();
    alice.home(&ctx);
    let mut current = SoftAuthenticator::new(Alg::Es256, 140);
    assert_eq!(
        alice.register(&ctx, &mut current, Fmt::None).0,
        StatusCode::OK
    );
    let user_handle = account_of(&current).user_handle;
    // Another session, so the move has one to revoke.
    let mut phone = Browser::default();
    phone.home(&ctx);
    assert_eq!(phone.sign_in(&ctx, &mut current).0, StatusCode::OK);
    // Writes: spent, new index, new session, account (the move), tombstone, old index, sessions.
    let mut moved_at = Vec::new();
    for n in 1..=12 {
        if alice.page(&ctx).is_none() {
            assert_eq!(alice.sign_in(&ctx, &mut current).0, StatusCode::OK);
        }
        let mut next = SoftAuthenticator::new(Alg::Es256, 141 + n as u64);
        let (status, options) = alice.replace_options(&ctx, &mut current);
        assert_eq!(status, StatusCode::OK, "{options}");
        let tab = creation_tab(options);
        let credential = next.register(RP_ID, ORIGIN, &tab.challenge, &tab.user_id(), Fmt::None);
        faulty.fail_write(Some(n));
        let (status, body) = alice.post_json(
            &ctx,
            replace::replace,
            "/account/passkey/replace",
            &json!({ "ceremony": tab.token, "credential": credential }),
        );
        let failed = faulty.failed();
        faulty.fail_write(None);
        let (old_works, _) = signs_in(&ctx, &mut current);
        let (new_works, _) = signs_in(&ctx, &mut next);
        assert!(
            old_works != new_works,
            "write {n} ({failed:?}): old {old_works}, new {new_works}"
        );
        if status == StatusCode::OK {
            assert!(new_works, "write {n}");
            assert_eq!(
                hint_of(&alice, &ctx).credential_id,
                b64(next.credential_id())
            );
            assert!(alice.page(&ctx).is_some() && phone.page(&ctx).is_none());
            moved_at.push(n);
            current = next;
        } else {
            assert_eq!(
                (status, body["error"].as_str()),
                (StatusCode::SERVICE_UNAVAILABLE, Some("unavailable")),
                "write {n}: {failed:?}"
            );
            assert!(old_works, "write {n}");
        }
        assert_eq!(account_of(&current).user_handle, user_handle);
        assert_consistent();
        if failed.is_none() {
            break; // past the last write: nothing left to break
        }
    }
    // The first four writes each stop the move; from the fifth on it has happened.
    assert_eq!(moved_at.first(), Some(&5), "{moved_at:?}");
    assert!(moved_at.len() >= 3, "{moved_at:?}");
}

/// The code with its last symbol changed: the same locator, a wrong secret.
fn wrong_secret(code: &str) -> String {
    let mut wrong = code.to_owned();
    let last = wrong.len() - 1..wrong.len();
    let other = if code.ends_with('7') { "8" } else { "7" };
    wrong.replace_range(last, other);
    wrong
}

#[test]
fn a_recovery_code_lets_its_holder_make_a_new_passkey_once() {
    let ctx = ctx(T0);
    let mut alice = Browser::default();
    alice.home(&ctx);
    let mut lost = SoftAuthenticator::new(Alg::Es256, 150);
    let mut found = SoftAuthenticator::new(Alg::Es256, 151);
    // Signed out: no code to get.
    let (status, _) = alice.post_json(&ctx, recovery::issue, "/account/recovery-code", &json!({}));
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(alice.register(&ctx, &mut lost, Fmt::None).0, StatusCode::OK);
    let account = account_of(&lost);
    let mut phone = Browser::default();
    phone.home(&ctx);
    assert_eq!(phone.sign_in(&ctx, &mut lost).0, StatusCode::OK);
    let page = alice.page(&ctx).unwrap();
    assert!(page.contains(">Get a recovery code</button>"));
    assert!(page.contains("data-testid=\"last-recovered\">Never<"));
    assert!(
        alice
            .home_signed_out_page(&ctx)
            .contains(">Lost your passkey? Use a recovery code</button>")
    );
    // A bare POST gets no code: it needs the passkey's confirmation.
    let (status, _) = alice.post_json(&ctx, recovery::issue, "/account/recovery-code", &json!({}));
    assert!(status.is_client_error());
    assert!(account_of(&lost).recovery_code.is_none());

    // A code: six groups of five Crockford symbols, stored only as a keyed hash.
    let (status, body) = alice.get_recovery_code(&ctx, &mut lost);
    assert_eq!(status, StatusCode::OK, "{body}");
    let first = body["code"].as_str().unwrap().to_owned();
    let groups: Vec<&str> = first.split('-').collect();
    assert_eq!(groups.len(), 6, "{first}");
    assert!(groups.iter().all(|g| {
        g.len() == 5
            && g.bytes()
                .all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b))
    }));
    let stored = account_of(&lost).recovery_code.unwrap();
    assert_eq!(
        (stored.key_version, stored.locator.as_str()),
        (1, groups[0])
    );
    let record = KVStore::open("bio_accounts")
        .unwrap()
        .unwrap()
        .lookup(&account_key(&account.user_handle))
        .unwrap()
        .take_body()
        .into_string();
    assert!(
        !record.contains(&first[6..]),
        "the secret part is never stored"
    );
    // A new code replaces the old one.
    let (_, body) = alice.get_recovery_code(&ctx, &mut lost);
    let code = body["code"].as_str().unwrap().to_owned();
    assert_ne!(code, first);
    assert_eq!(keys_with("recovery/").len(), 1);

    // Refused before any create(): junk, the replaced code, a wrong secret.
    let mut finder = Browser::default();
    finder.home(&ctx);
    let untouched = keys("bio_accounts");
    for typed in [
        "".to_owned(),
        "not a code".to_owned(),
        first.clone(),
        wrong_secret(&code),
        format!("{code}-0"),
    ] {
        let (status, body) = finder.recovery_options(&ctx, &typed);
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("recovery_code_refused")),
            "{typed}"
        );
        assert!(body.get("publicKey").is_none());
    }
    assert_eq!(keys("bio_accounts"), untouched);
    // Without the browser cookie, nothing is issued.
    let mut cookieless = Browser::default();
    assert_eq!(
        cookieless.recovery_options(&ctx, &code).1["error"],
        "no_browser_id"
    );
    // Another Origin: refused.
    let mut evil = finder
        .request(Method::POST, "/auth/recover/options")
        .with_header("content-type", "application/json")
        .with_body(json!({ "code": code }).to_string());
    evil.set_header("origin", "https://evil.example");
    assert_eq!(
        response(recovery::options(evil, &ctx), "/auth/recover/options").get_status(),
        StatusCode::FORBIDDEN
    );
    // Rotating the session key voids no code; typed loosely, it still reads.
    let rotated = ctx_with(T0, "bio_secrets_rotated");
    let loosely = code.to_lowercase().replace('-', " ").replace('0', "o");
    let (status, early) = finder.recovery_options(&rotated, &loosely);
    assert_eq!(status, StatusCode::OK, "{early}");
    let early = creation_tab(early);
    // A recovery's token finishes nothing but a recovery: not a registration at /auth/finish
    // (its user handle is the account's), nor a replacement.
    let mut stray = SoftAuthenticator::new(Alg::Es256, 153);
    let stray_registration =
        stray.register(RP_ID, ORIGIN, &early.challenge, &early.user_id(), Fmt::None);
    let (status, body) = finder.finish(&rotated, &early, &stray_registration);
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("ceremony_invalid"))
    );
    assert_eq!(account_keys().len(), 1);

    // The real thing, on an empty authenticator: the account's own user handle and name.
    let (status, options) = finder.recovery_options(&ctx, &code);
    assert_eq!(status, StatusCode::OK, "{options}");
    assert_eq!(options["user"]["name"], account.name.as_str());
    assert_eq!(
        options["publicKey"]["create"]["user"]["id"],
        account.user_handle.as_str()
    );
    let tab = creation_tab(options);
    let (status, body) = finder.finish_recovery(&ctx, &tab, &mut found);
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["replaced"]["credentialId"], b64(lost.credential_id()));
    let recovered = account_of(&found);
    assert_eq!(recovered.user_handle, account.user_handle);
    assert_eq!(recovered.recovered_at, Some(T0));
    assert!(recovered.recovery_code.is_none(), "the code is spent");
    assert!(keys_with("recovery/").is_empty());
    let page = finder.page(&ctx).expect("signed in");
    assert_eq!(user_name(&page), account.name);
    assert!(page.contains("data-testid=\"last-recovered\"><time"));
    assert_eq!(
        hint_of(&finder, &ctx).credential_id,
        b64(found.credential_id())
    );
    assert!(alice.page(&ctx).is_none() && phone.page(&ctx).is_none());
    let (ok, body) = signs_in(&ctx, &mut lost);
    assert!(!ok);
    assert_eq!(body["error"], "unknown_credential");
    assert!(signs_in(&ctx, &mut found).0);
    assert_consistent();

    // Once only: the code is refused, and options issued before the recovery move nothing.
    let (status, _) = finder.recovery_options(&ctx, &code);
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let mut another = SoftAuthenticator::new(Alg::Es256, 152);
    let (status, body) = finder.finish_recovery(&rotated, &early, &mut another);
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("recovery_code_refused")),
        "{body}"
    );
    assert!(!signs_in(&ctx, &mut another).0);
    assert!(signs_in(&ctx, &mut found).0);
    assert_eq!(account_of(&found).credential_id, b64(found.credential_id()));
    assert_consistent();
}

#[test]
fn recovery_attempts_are_limited_and_a_failed_move_keeps_the_code() {
    let (mut ctx, faulty) = faulty_ctx(T0);
    ctx.config.limits.recovery_per_ip = Limits::default().recovery_per_ip;
    ctx.config.limits.recovery_per_account = Limits::default().recovery_per_account;
    let mut alice = Browser::default();
    alice.home(&ctx);
    let mut passkey = SoftAuthenticator::new(Alg::Es256, 160);
    assert_eq!(
        alice.register(&ctx, &mut passkey, Fmt::None).0,
        StatusCode::OK
    );
    let (_, body) = alice.get_recovery_code(&ctx, &mut passkey);
    let mut code = body["code"].as_str().unwrap().to_owned();
    let mut finder = Browser::default();
    finder.home(&ctx);

    // Getting a new code fails at any write up to the account's (spent confirmation, the new
    // code's index, the account): 503, and the old code still stands. A failure after it (the
    // old index's tidying) leaves the new code.
    for n in 1..=4 {
        faulty.fail_write(Some(n));
        let (status, body) = alice.get_recovery_code(&ctx, &mut passkey);
        let failed = faulty.failed();
        faulty.fail_write(None);
        assert!(failed.is_some(), "write {n}");
        let stored = account_of(&passkey).recovery_code.unwrap();
        if n < 4 {
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "write {n}: {body}");
            assert_eq!(stored.locator, code[..5], "write {n}");
            assert_eq!(finder.recovery_options(&ctx, &code).0, StatusCode::OK);
        } else {
            assert_eq!(status, StatusCode::OK, "write {n}: {body}");
            code = body["code"].as_str().unwrap().to_owned();
            assert_eq!(stored.locator, code[..5]);
        }
        assert_consistent();
    }

    // A store failure at any write up to the move: 503, the old passkey still works and the
    // code is not spent. Writes: spent, new index, new session, account.
    for n in 1..=4 {
        let mut new = SoftAuthenticator::new(Alg::Es256, 161 + n as u64);
        let (_, options) = finder.recovery_options(&ctx, &code);
        let tab = creation_tab(options);
        faulty.fail_write(Some(n));
        let (status, body) = finder.finish_recovery(&ctx, &tab, &mut new);
        assert!(faulty.failed().is_some(), "write {n}");
        faulty.fail_write(None);
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "write {n}: {body}");
        assert!(signs_in(&ctx, &mut passkey).0, "write {n}");
        assert!(!signs_in(&ctx, &mut new).0, "write {n}");
        assert!(account_of(&passkey).recovery_code.is_some(), "write {n}");
        assert_consistent();
    }

    // Per account: wrong secrets from many addresses fill its window; then even the right code
    // waits, from anywhere, until the window ends.
    let max = ctx.config.limits.recovery_per_account.max;
    for i in 0..max {
        let mut elsewhere = ctx_on(T0, "bio_secrets", faulty);
        elsewhere.config.limits = ctx.config.limits;
        elsewhere.client.ip = Some(format!("198.51.100.{i}"));
        let (status, _) = finder.recovery_options(&elsewhere, &wrong_secret(&code));
        assert_eq!(status, StatusCode::BAD_REQUEST, "attempt {i}");
    }
    let (status, body) = finder.recovery_options(&ctx, &code);
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
    );
    let mut later = ctx_on(T0 + 3_601, "bio_secrets", faulty);
    later.config.limits = ctx.config.limits;
    assert_eq!(finder.recovery_options(&later, &code).0, StatusCode::OK);

    // Per address: junk from one address, past the limit, is refused without a look.
    let mut junk = ctx_on(T0, "bio_secrets", faulty);
    junk.config.limits = ctx.config.limits;
    junk.client.ip = Some("203.0.113.77".into());
    for i in 0..ctx.config.limits.recovery_per_ip.max {
        assert_eq!(
            finder.recovery_options(&junk, "AAAAA-AAAAA").0,
            StatusCode::BAD_REQUEST,
            "attempt {i}"
        );
    }
    assert_eq!(
        finder.recovery_options(&junk, &code).0,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The limiter's keys hold no address, code or user handle.
    let user_handle = account_of(&passkey).user_handle;
    assert!(
        keys("bio_challenges")
            .iter()
            .all(|k| !k.contains("203.0.113")
                && !k.contains(&code[..5])
                && !k.contains(&user_handle))
    );

    // And from a fresh window, the recovery works once.
    let mut new = SoftAuthenticator::new(Alg::Es256, 170);
    let (status, body) = finder.recover(&later, &code, &mut new);
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(!signs_in(&later, &mut passkey).0 && signs_in(&later, &mut new).0);
    assert_eq!(
        finder.recovery_options(&later, &code).0,
        StatusCode::BAD_REQUEST
    );
    assert_consistent();
}
