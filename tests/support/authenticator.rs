//! A deterministic software authenticator and client, for flow tests and the differential oracle.
//!
//! It plays both the authenticator (CTAP2: authenticator data, COSE key, attestation statement,
//! signature) and the browser (W3C WebAuthn Level 3 §5.8.1 `CollectedClientData`, and the
//! `RegistrationResponseJSON` / `AuthenticationResponseJSON` of §5.1 `toJSON()`), with every
//! field overridable through [`Overrides`] so tests can forge exactly one wrong thing at a time.
//!
//! It is the independent side of every test: it never calls the bio crate. Its CBOR, DER and
//! base64url come from `tests/support` and the `base64` crate; its keys are RustCrypto's and
//! dalek's signing halves, seeded from one `u64` so every run is reproducible.
//!
//! Spec: <https://www.w3.org/TR/webauthn-3/> §6.1 (authenticator data), §6.5 (attestation
//! object), §8.2 (packed), §8.6 (fido-u2f), §8.7 (none).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng as _;
use rsa::traits::PublicKeyParts as _;
use serde_json::{Value as Json, json};
use sha2::{Digest as _, Sha256};

use super::cbor::Value as Cbor;
use super::der;

/// base64url without padding, as every binary member of the W3C JSON forms.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Authenticator data flag bits (§6.1).
pub mod flags {
    /// User Present.
    pub const UP: u8 = 0x01;
    /// User Verified.
    pub const UV: u8 = 0x04;
    /// Backup Eligibility.
    pub const BE: u8 = 0x08;
    /// Backup State.
    pub const BS: u8 = 0x10;
    /// Attested credential data included.
    pub const AT: u8 = 0x40;
    /// Extension data included.
    pub const ED: u8 = 0x80;
}

/// The credential's signature algorithm (COSE algorithm identifiers, IANA registry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alg {
    /// ECDSA P-256 with SHA-256, -7.
    Es256,
    /// Ed25519, -8.
    EdDsa,
    /// RSASSA-PKCS1-v1_5 with SHA-256, 2048-bit key, -257.
    Rs256,
}

impl Alg {
    /// The COSE algorithm identifier.
    pub fn cose(self) -> i64 {
        match self {
            Alg::Es256 => -7,
            Alg::EdDsa => -8,
            Alg::Rs256 => -257,
        }
    }

    /// All three, for loops.
    pub const ALL: [Alg; 3] = [Alg::Es256, Alg::EdDsa, Alg::Rs256];
}

/// The attestation statement format of a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fmt {
    /// `none`, empty statement (§8.7).
    None,
    /// `packed` self attestation: `{alg, sig}` signed by the credential key (§8.2).
    PackedSelf,
    /// `fido-u2f`: `{sig, x5c}` signed by a separate P-256 attestation key (§8.6); ES256 only.
    FidoU2f,
}

impl Fmt {
    /// The `fmt` string.
    pub fn label(self) -> &'static str {
        match self {
            Fmt::None => "none",
            Fmt::PackedSelf => "packed",
            Fmt::FidoU2f => "fido-u2f",
        }
    }
}

/// Overrides for one ceremony. `Default` changes nothing; each `Some` / non-empty field replaces
/// exactly what its name says, *after* everything else is built and *before* signing, so the
/// signature stays valid over the forged bytes unless `corrupt_signature` is set.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    // ---- clientDataJSON (§5.8.1) ----
    /// `type` member (default `webauthn.create` / `webauthn.get`).
    pub client_data_type: Option<String>,
    /// `challenge` member as written (default base64url of the challenge).
    pub challenge: Option<String>,
    /// `origin` member (default: the `origin` argument).
    pub origin: Option<String>,
    /// `crossOrigin`: `None` = default (`false` written), `Some(None)` = omitted.
    pub cross_origin: Option<Option<bool>>,
    /// `topOrigin` member (absent by default).
    pub top_origin: Option<String>,
    /// Extra members appended after the standard ones (unknown members, `tokenBinding`, …).
    pub extra_client_data: Vec<(String, Json)>,
    /// Replaces the whole clientDataJSON with these bytes.
    pub client_data_json: Option<Vec<u8>>,
    /// Writes clientDataJSON as a JSON array of the member values, in the order an object
    /// would hold them (`["webauthn.get","…","https://…",false]`): not an object.
    pub client_data_as_array: bool,

    // ---- authenticator data (§6.1) ----
    /// RP ID whose SHA-256 is written as rpIdHash (default: the `rp_id` argument).
    pub rp_id_for_hash: Option<String>,
    /// The whole flags byte (default: UP, UV unless `uv` is off, BE/BS as configured, AT on
    /// registration, ED when `extensions` is set).
    pub flags: Option<u8>,
    /// Bits OR-ed into the flags byte after defaults.
    pub set_flags: u8,
    /// Bits cleared from the flags byte after defaults.
    pub clear_flags: u8,
    /// The signCount written (default: the authenticator's counter).
    pub counter: Option<u32>,
    /// The credential id written inside the attested credential data (registration).
    pub auth_data_credential_id: Option<Vec<u8>>,
    /// The AAGUID written (default: the authenticator's).
    pub aaguid: Option<[u8; 16]>,
    /// Replaces the COSE key's `alg` (label 3) value.
    pub cose_alg: Option<i64>,
    /// Replaces the whole COSE key bytes inside the attested credential data.
    pub cose_key: Option<Vec<u8>>,
    /// An authenticator extensions map (sets ED unless `flags` says otherwise).
    pub extensions: Option<Cbor>,
    /// Bytes appended after the authenticator data's last structure.
    pub auth_data_trailing: Vec<u8>,

    // ---- attestation object (§6.5) ----
    /// Replaces the `fmt` string.
    pub fmt_label: Option<String>,
    /// Replaces the packed statement's `alg`.
    pub att_stmt_alg: Option<i64>,
    /// Flips a bit of the attestation signature.
    pub corrupt_att_signature: bool,
    /// Replaces the whole attStmt map.
    pub att_stmt: Option<Cbor>,
    /// Bytes appended after the attestation object's CBOR map.
    pub attestation_object_trailing: Vec<u8>,

    // ---- the response JSON (§5.1) ----
    /// The credential id written as `id`/`rawId` (default: the authenticator's).
    pub response_credential_id: Option<Vec<u8>>,
    /// The outer `type` (default `public-key`).
    pub credential_type: Option<String>,
    /// Flips a bit in the last byte of the assertion signature.
    pub corrupt_signature: bool,
    /// Replaces the assertion signature bytes.
    pub signature: Option<Vec<u8>>,
    /// `userHandle`: `None` = the authenticator's, `Some(None)` = omitted.
    pub user_handle: Option<Option<Vec<u8>>>,
}

/// The credential's private key.
enum Key {
    Es256(p256::ecdsa::SigningKey),
    EdDsa(ed25519_dalek::SigningKey),
    Rs256(Box<rsa::RsaPrivateKey>),
}

/// A deterministic, overridable software authenticator holding one credential.
pub struct SoftAuthenticator {
    alg: Alg,
    key: Key,
    credential_id: Vec<u8>,
    aaguid: [u8; 16],
    user_handle: Vec<u8>,
    sign_count: u32,
    /// Added to the counter before each assertion; 0 models a passkey provider with no counter.
    pub counter_step: u32,
    /// Sets UV in authenticator data (default true).
    pub uv: bool,
    /// Backup eligibility (BE); default false.
    pub backup_eligible: bool,
    /// Backup state (BS); default false.
    pub backup_state: bool,
    /// The `transports` reported at registration.
    pub transports: Vec<String>,
    /// The fido-u2f attestation key (P-256), separate from the credential key.
    attestation_key: p256::ecdsa::SigningKey,
    rng: SplitMix64,
}

/// SplitMix64: a tiny, well-mixed PRNG for ids, challenges and small key seeds.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// `n` pseudo-random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        out.truncate(n);
        out
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % ((hi - lo + 1) as u64)) as usize
    }
}

fn p256_key(rng: &mut SplitMix64) -> p256::ecdsa::SigningKey {
    loop {
        // A random 32-byte string is a valid scalar except with probability ~2^-32.
        if let Ok(k) = p256::ecdsa::SigningKey::from_slice(&rng.bytes(32)) {
            return k;
        }
    }
}

/// RSA-2048 key generation is slow (~0.1–1 s native, more in wasm), so keys are made once per
/// key seed and shared by every authenticator built with that key seed.
fn rsa_key(key_seed: u64) -> rsa::RsaPrivateKey {
    static CACHE: OnceLock<Mutex<HashMap<u64, rsa::RsaPrivateKey>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    map.entry(key_seed)
        .or_insert_with(|| {
            let mut rng = ChaCha8Rng::seed_from_u64(key_seed);
            rsa::RsaPrivateKey::new(&mut rng, 2048).expect("RSA-2048 key generation")
        })
        .clone()
}

impl SoftAuthenticator {
    /// A new authenticator for `alg`, everything derived from `seed`.
    pub fn new(alg: Alg, seed: u64) -> Self {
        Self::with_key_seed(alg, seed, seed)
    }

    /// Like [`new`](Self::new), but the RSA key comes from `key_seed` (ids, challenges and the
    /// EC keys still come from `seed`), so many RS256 authenticators can share a few slow keys.
    pub fn with_key_seed(alg: Alg, seed: u64, key_seed: u64) -> Self {
        let mut rng = SplitMix64(seed);
        let key = match alg {
            Alg::Es256 => Key::Es256(p256_key(&mut rng)),
            Alg::EdDsa => {
                let secret: [u8; 32] = rng.bytes(32).try_into().expect("32 bytes");
                Key::EdDsa(ed25519_dalek::SigningKey::from_bytes(&secret))
            }
            Alg::Rs256 => Key::Rs256(Box::new(rsa_key(key_seed))),
        };
        let id_len = rng.range(16, 64);
        let credential_id = rng.bytes(id_len);
        let aaguid: [u8; 16] = rng.bytes(16).try_into().expect("16 bytes");
        let user_handle = rng.bytes(16);
        let attestation_key = p256_key(&mut rng);
        SoftAuthenticator {
            alg,
            key,
            credential_id,
            aaguid,
            user_handle,
            sign_count: 0,
            counter_step: 1,
            uv: true,
            backup_eligible: false,
            backup_state: false,
            transports: vec!["internal".to_owned()],
            attestation_key,
            rng,
        }
    }

    /// The algorithm.
    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// The credential id.
    pub fn credential_id(&self) -> &[u8] {
        &self.credential_id
    }

    /// The current signature counter (the value in the last response).
    pub fn sign_count(&self) -> u32 {
        self.sign_count
    }

    /// Sets the counter the next registration writes (assertions add `counter_step` first).
    pub fn set_sign_count(&mut self, n: u32) {
        self.sign_count = n;
    }

    /// The user handle this credential was created for.
    pub fn user_handle(&self) -> &[u8] {
        &self.user_handle
    }

    /// The AAGUID.
    pub fn aaguid(&self) -> [u8; 16] {
        self.aaguid
    }

    /// Fresh pseudo-random bytes from this authenticator's stream (for challenges).
    pub fn random_bytes(&mut self, n: usize) -> Vec<u8> {
        self.rng.bytes(n)
    }

    /// The credential public key as a COSE_Key map (CTAP2 canonical order).
    pub fn public_key_cose_value(&self) -> Cbor {
        match &self.key {
            Key::Es256(k) => {
                let point = k.verifying_key().to_sec1_point(false);
                let bytes = point.as_bytes();
                Cbor::int_map(vec![
                    (1, Cbor::Int(2)),
                    (3, Cbor::Int(-7)),
                    (-1, Cbor::Int(1)),
                    (-2, Cbor::Bytes(bytes[1..33].to_vec())),
                    (-3, Cbor::Bytes(bytes[33..65].to_vec())),
                ])
            }
            Key::EdDsa(k) => Cbor::int_map(vec![
                (1, Cbor::Int(1)),
                (3, Cbor::Int(-8)),
                (-1, Cbor::Int(6)),
                (-2, Cbor::Bytes(k.verifying_key().to_bytes().to_vec())),
            ]),
            Key::Rs256(k) => Cbor::int_map(vec![
                (1, Cbor::Int(3)),
                (3, Cbor::Int(-257)),
                (-1, Cbor::Bytes(k.n_bytes().to_vec())),
                (-2, Cbor::Bytes(k.e_bytes().to_vec())),
            ]),
        }
    }

    /// The credential public key as COSE_Key bytes (what a relying party stores).
    pub fn public_key_cose(&self) -> Vec<u8> {
        self.public_key_cose_value().to_vec()
    }

    /// The credential public key as DER SubjectPublicKeyInfo (`response.publicKey`).
    pub fn public_key_spki(&self) -> Vec<u8> {
        match &self.key {
            Key::Es256(k) => der::spki_p256(k.verifying_key().to_sec1_point(false).as_bytes()),
            Key::EdDsa(k) => der::spki_ed25519(&k.verifying_key().to_bytes()),
            Key::Rs256(k) => der::spki_rsa(&k.n_bytes(), &k.e_bytes()),
        }
    }

    /// Signs with the credential key: ES256 as DER `Ecdsa-Sig-Value`, EdDSA 64 bytes, RS256
    /// PKCS#1 v1.5 with SHA-256. Deterministic (RFC 6979 / RFC 8032 / PKCS#1 v1.5).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.key {
            Key::Es256(k) => es256_der(k, message),
            Key::EdDsa(k) => {
                use ed25519_dalek::Signer as _;
                k.sign(message).to_bytes().to_vec()
            }
            Key::Rs256(k) => {
                use rsa::signature::{SignatureEncoding as _, Signer as _};
                let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new((**k).clone());
                signer.sign(message).to_vec()
            }
        }
    }

    fn default_flags(&self, registration: bool, o: &Overrides) -> u8 {
        let mut f = flags::UP;
        if self.uv {
            f |= flags::UV;
        }
        if self.backup_eligible {
            f |= flags::BE;
        }
        if self.backup_state {
            f |= flags::BS;
        }
        if registration {
            f |= flags::AT;
        }
        if o.extensions.is_some() {
            f |= flags::ED;
        }
        let f = o.flags.unwrap_or(f);
        (f | o.set_flags) & !o.clear_flags
    }

    /// Authenticator data (§6.1): rpIdHash ‖ flags ‖ signCount ‖ [attestedCredentialData]
    /// ‖ [extensions] ‖ trailing.
    pub fn authenticator_data(&self, rp_id: &str, registration: bool, o: &Overrides) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&sha256(
            o.rp_id_for_hash.as_deref().unwrap_or(rp_id).as_bytes(),
        ));
        out.push(self.default_flags(registration, o));
        out.extend_from_slice(&o.counter.unwrap_or(self.sign_count).to_be_bytes());
        if registration {
            out.extend_from_slice(&o.aaguid.unwrap_or(self.aaguid));
            let id = o
                .auth_data_credential_id
                .as_deref()
                .unwrap_or(&self.credential_id);
            out.extend_from_slice(&u16::try_from(id.len()).expect("id ≤ 65535").to_be_bytes());
            out.extend_from_slice(id);
            let cose = match (&o.cose_key, o.cose_alg) {
                (Some(bytes), _) => bytes.clone(),
                (None, Some(alg)) => match self.public_key_cose_value() {
                    Cbor::Map(pairs) => Cbor::Map(
                        pairs
                            .into_iter()
                            .map(|(k, v)| {
                                if k == Cbor::Int(3) {
                                    (k, Cbor::Int(alg.into()))
                                } else {
                                    (k, v)
                                }
                            })
                            .collect(),
                    )
                    .to_vec(),
                    other => other.to_vec(),
                },
                (None, None) => self.public_key_cose(),
            };
            out.extend_from_slice(&cose);
        }
        if let Some(ext) = &o.extensions {
            ext.encode(&mut out);
        }
        out.extend_from_slice(&o.auth_data_trailing);
        out
    }

    /// clientDataJSON (§5.8.1), members in the order browsers write them.
    pub fn client_data_json(
        &self,
        ty: &str,
        origin: &str,
        challenge: &[u8],
        o: &Overrides,
    ) -> Vec<u8> {
        if let Some(bytes) = &o.client_data_json {
            return bytes.clone();
        }
        let s = |v: &str| Json::String(v.to_owned()).to_string();
        let mut text = format!(
            "{{\"type\":{},\"challenge\":{},\"origin\":{}",
            s(o.client_data_type.as_deref().unwrap_or(ty)),
            s(&o.challenge.clone().unwrap_or_else(|| b64(challenge))),
            s(o.origin.as_deref().unwrap_or(origin)),
        );
        match o.cross_origin {
            None => text.push_str(",\"crossOrigin\":false"),
            Some(Some(b)) => text.push_str(&format!(",\"crossOrigin\":{b}")),
            Some(None) => {}
        }
        if let Some(top) = &o.top_origin {
            text.push_str(&format!(",\"topOrigin\":{}", s(top)));
        }
        for (k, v) in &o.extra_client_data {
            text.push_str(&format!(",{}:{}", s(k), v));
        }
        text.push('}');
        if o.client_data_as_array {
            // The same members, values only, in the order written: `{"type":"t",…}` becomes
            // `["t",…]` (a Json::Map would sort the keys).
            let mut values = vec![
                Json::String(o.client_data_type.as_deref().unwrap_or(ty).to_owned()),
                Json::String(o.challenge.clone().unwrap_or_else(|| b64(challenge))),
                Json::String(o.origin.as_deref().unwrap_or(origin).to_owned()),
                Json::Bool(o.cross_origin.flatten().unwrap_or(false)),
            ];
            if let Some(top) = &o.top_origin {
                values.push(Json::String(top.clone()));
            }
            return Json::Array(values).to_string().into_bytes();
        }
        text.into_bytes()
    }

    fn attestation_statement(
        &self,
        fmt: Fmt,
        auth_data: &[u8],
        cdh: &[u8; 32],
        rp_id_hash: &[u8],
        o: &Overrides,
    ) -> Cbor {
        if let Some(stmt) = &o.att_stmt {
            return stmt.clone();
        }
        let flip = |mut sig: Vec<u8>| {
            if o.corrupt_att_signature
                && let Some(last) = sig.last_mut()
            {
                *last ^= 0x01;
            }
            sig
        };
        match fmt {
            Fmt::None => Cbor::Map(vec![]),
            Fmt::PackedSelf => {
                let sig = flip(self.sign(&[auth_data, cdh.as_slice()].concat()));
                Cbor::text_map(vec![
                    (
                        "alg",
                        Cbor::Int(o.att_stmt_alg.unwrap_or(self.alg.cose()).into()),
                    ),
                    ("sig", Cbor::Bytes(sig)),
                ])
            }
            Fmt::FidoU2f => {
                // §8.6: verificationData = 0x00 ‖ rpIdHash ‖ clientDataHash ‖ credentialId ‖
                // publicKeyU2F (0x04 ‖ x ‖ y).
                let id = o
                    .auth_data_credential_id
                    .as_deref()
                    .unwrap_or(&self.credential_id);
                let point = match &self.key {
                    Key::Es256(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
                    _ => Vec::new(), // fido-u2f is P-256 only; a verifier must refuse this.
                };
                let data = [&[0u8][..], rp_id_hash, cdh.as_slice(), id, &point].concat();
                let sig = flip(es256_der(&self.attestation_key, &data));
                Cbor::text_map(vec![
                    ("sig", Cbor::Bytes(sig)),
                    (
                        "x5c",
                        Cbor::Array(vec![Cbor::Bytes(self.attestation_certificate())]),
                    ),
                ])
            }
        }
    }

    /// The fido-u2f attestation certificate: minimal, self-signed by the attestation key.
    pub fn attestation_certificate(&self) -> Vec<u8> {
        let point = self.attestation_key.verifying_key().to_sec1_point(false);
        let serial = &self.aaguid[..8];
        let tbs = der::tbs_certificate(serial, "Bio Test U2F Attestation", point.as_bytes());
        let sig = es256_der(&self.attestation_key, &tbs);
        der::certificate(&tbs, &sig)
    }

    /// `navigator.credentials.create()` → `RegistrationResponseJSON`, with no overrides.
    pub fn register(
        &mut self,
        rp_id: &str,
        origin: &str,
        challenge: &[u8],
        user_handle: &[u8],
        fmt: Fmt,
    ) -> Json {
        self.register_with(
            rp_id,
            origin,
            challenge,
            user_handle,
            fmt,
            &Overrides::default(),
        )
    }

    /// `navigator.credentials.create()` → `RegistrationResponseJSON`, forged as `o` says.
    pub fn register_with(
        &mut self,
        rp_id: &str,
        origin: &str,
        challenge: &[u8],
        user_handle: &[u8],
        fmt: Fmt,
        o: &Overrides,
    ) -> Json {
        self.user_handle = user_handle.to_vec();
        let auth_data = self.authenticator_data(rp_id, true, o);
        let cdj = self.client_data_json("webauthn.create", origin, challenge, o);
        let cdh = sha256(&cdj);
        let rp_id_hash = sha256(o.rp_id_for_hash.as_deref().unwrap_or(rp_id).as_bytes());
        let stmt = self.attestation_statement(fmt, &auth_data, &cdh, &rp_id_hash, o);
        let mut att_obj = Cbor::text_map(vec![
            (
                "fmt",
                Cbor::Text(
                    o.fmt_label
                        .clone()
                        .unwrap_or_else(|| fmt.label().to_owned()),
                ),
            ),
            ("attStmt", stmt),
            ("authData", Cbor::Bytes(auth_data.clone())),
        ])
        .to_vec();
        att_obj.extend_from_slice(&o.attestation_object_trailing);
        let id = o
            .response_credential_id
            .as_deref()
            .unwrap_or(&self.credential_id);
        json!({
            "id": b64(id),
            "rawId": b64(id),
            "type": o.credential_type.as_deref().unwrap_or("public-key"),
            "response": {
                "clientDataJSON": b64(&cdj),
                "attestationObject": b64(&att_obj),
                "transports": self.transports,
                "authenticatorData": b64(&auth_data),
                "publicKey": b64(&self.public_key_spki()),
                "publicKeyAlgorithm": self.alg.cose(),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        })
    }

    /// `navigator.credentials.get()` → `AuthenticationResponseJSON`, with no overrides.
    pub fn authenticate(&mut self, rp_id: &str, origin: &str, challenge: &[u8]) -> Json {
        self.authenticate_with(rp_id, origin, challenge, &Overrides::default())
    }

    /// `navigator.credentials.get()` → `AuthenticationResponseJSON`, forged as `o` says.
    /// The counter advances by `counter_step` first (§6.1.1), whatever `o.counter` writes.
    pub fn authenticate_with(
        &mut self,
        rp_id: &str,
        origin: &str,
        challenge: &[u8],
        o: &Overrides,
    ) -> Json {
        self.sign_count = self.sign_count.wrapping_add(self.counter_step);
        let auth_data = self.authenticator_data(rp_id, false, o);
        let cdj = self.client_data_json("webauthn.get", origin, challenge, o);
        let mut sig = self.sign(&[auth_data.as_slice(), &sha256(&cdj)].concat());
        if o.corrupt_signature
            && let Some(last) = sig.last_mut()
        {
            *last ^= 0x01;
        }
        if let Some(replacement) = &o.signature {
            sig = replacement.clone();
        }
        let id = o
            .response_credential_id
            .as_deref()
            .unwrap_or(&self.credential_id);
        let user_handle = match &o.user_handle {
            None => Some(self.user_handle.clone()),
            Some(h) => h.clone(),
        };
        let mut response = json!({
            "clientDataJSON": b64(&cdj),
            "authenticatorData": b64(&auth_data),
            "signature": b64(&sig),
        });
        if let Some(h) = user_handle {
            response["userHandle"] = Json::String(b64(&h));
        }
        json!({
            "id": b64(id),
            "rawId": b64(id),
            "type": o.credential_type.as_deref().unwrap_or("public-key"),
            "response": response,
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        })
    }
}

fn es256_der(key: &p256::ecdsa::SigningKey, message: &[u8]) -> Vec<u8> {
    use p256::ecdsa::signature::Signer as _;
    let sig: p256::ecdsa::Signature = key.sign(message);
    der::ecdsa_sig(&sig.to_bytes())
}
