//! Ceremonies for the differential oracle: generated ones (seeded base ceremonies × a systematic
//! catalogue of one-field mutations) and recorded ones (`tests/vectors/*.json`), in one shape,
//! so both verifiers — Bio and webauthn-rs-core — are fed exactly the same bytes.
//!
//! Each mutation states what W3C WebAuthn Level 3 (<https://www.w3.org/TR/webauthn-3/>) and
//! `shared/vectors/SCHEMA.md` say must happen ([`Expect`]): the oracle's rule is Bio ≡
//! webauthn-rs-core, and the expectation says which side a disagreement should favour.
//! [`KNOWN_DISAGREEMENTS`] names every place the two are allowed to differ, and why.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value as Json, json};

use super::authenticator::{Alg, Fmt, Overrides, SoftAuthenticator, SplitMix64, b64, flags};
use super::cbor::Value as Cbor;

/// Which ceremony.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// §7.1 Registering a New Credential.
    Registration,
    /// §7.2 Verifying an Authentication Assertion.
    Authentication,
}

/// What the spec requires of a ceremony.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// Must verify.
    Accept,
    /// Must fail; the SCHEMA.md error class when the spec pins one.
    Reject(Option<&'static str>),
    /// The spec does not decide (no step covers it); only agreement matters.
    Either,
}

/// The credential a relying party stored at registration (authentication only).
#[derive(Debug, Clone)]
pub struct Stored {
    /// Credential id.
    pub id: Vec<u8>,
    /// COSE_Key bytes.
    pub public_key_cose: Vec<u8>,
    /// The signature counter last seen.
    pub sign_count: u32,
    /// BE at registration, if known.
    pub backup_eligible: Option<bool>,
    /// The owner's user handle, if the server checks it.
    pub user_handle: Option<Vec<u8>>,
}

/// One ceremony to verify, with everything a relying party needs.
#[derive(Debug, Clone)]
pub struct Ceremony {
    /// Unique, human-readable: `seed/base/alg/fmt/mutation` or the vector's name.
    pub name: String,
    /// The mutation's name (`baseline` for an untouched one) or `vector`.
    pub mutation: &'static str,
    /// Registration or authentication.
    pub kind: Kind,
    /// The credential algorithm (read back from the COSE key for vectors).
    pub alg: Option<Alg>,
    /// Registration: the attestation format, `packed` with `x5c` written `packed-x5c`.
    pub fmt: Option<String>,
    /// RP ID.
    pub rp_id: String,
    /// Exact accepted origins.
    pub origins: Vec<String>,
    /// The challenge the server issued.
    pub challenge: Vec<u8>,
    /// `userVerification: "required"`.
    pub require_uv: bool,
    /// The W3C JSON response.
    pub response: Json,
    /// The stored credential (authentication only).
    pub stored: Option<Stored>,
    /// What the spec requires.
    pub expect: Expect,
}

/// Which side refuses where the other accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stricter {
    /// Bio refuses, webauthn-rs-core accepts.
    Bio,
    /// webauthn-rs-core refuses, Bio accepts.
    Reference,
}

/// A tolerated disagreement between Bio and webauthn-rs-core.
#[derive(Debug)]
pub struct KnownDisagreement {
    /// The mutation name it covers, or `alg:EdDSA` (every ceremony of that algorithm), or
    /// `fmt:<format>` (every registration with that attestation format), or `vector:<name>`.
    pub mutation: &'static str,
    /// The ceremony it covers; `None` for both.
    pub ceremony: Option<Kind>,
    /// Which side is stricter.
    pub stricter: Stricter,
    /// The spec step or library policy behind it.
    pub why: &'static str,
}

/// Every disagreement the oracle tolerates. Anything not here fails the oracle, by name.
pub const KNOWN_DISAGREEMENTS: &[KnownDisagreement] = &[
    KnownDisagreement {
        mutation: "alg:EdDSA",
        ceremony: None,
        stricter: Stricter::Reference,
        why: "webauthn-rs-core 0.6 cannot verify Ed25519: COSEKey::get_public_key returns \
              SshPublicKeyEDUnsupported for every OKP key (crypto.rs), so it refuses every EdDSA \
              registration and assertion; Bio implements COSE alg -8 (RFC 8152 §8.2, §13.2).",
    },
    KnownDisagreement {
        mutation: "origin-trailing-slash",
        ceremony: None,
        stricter: Stricter::Bio,
        why: "webauthn-rs-core parses C.origin as a URL and compares scheme/host/port \
              (webauthn_rs_proto::origin::origins_match), so `https://rp/` equals `https://rp`; \
              Bio compares the serialized origin string exactly (§7.1 step 9 / §7.2 step 13, \
              §5.8.1: origin is the ASCII serialization of an origin, which has no path).",
    },
    KnownDisagreement {
        mutation: "origin-uppercase-host",
        ceremony: None,
        stricter: Stricter::Bio,
        why: "webauthn-rs-core's URL parse lower-cases the host; Bio compares the serialized \
              origin exactly, and a browser never serializes an upper-case host (§5.8.1).",
    },
    KnownDisagreement {
        mutation: "origin-default-port",
        ceremony: None,
        stricter: Stricter::Bio,
        why: "webauthn-rs-core's URL parse drops a default port (`:443`); Bio compares the \
              serialized origin exactly, and a browser's serialization never has one (§5.8.1).",
    },
    KnownDisagreement {
        mutation: "top-origin",
        ceremony: None,
        stricter: Stricter::Bio,
        why: "webauthn-rs-core 0.6 does not read C.topOrigin (CollectedClientData has no such \
              field); Bio is never framed, so §7.1 step 10 / §7.2 step 14 (\"if C.topOrigin is \
              present, verify it is an origin the RP expects to be framed by\") refuse it \
              (SCHEMA.md: a topOrigin is `origin`).",
    },
    KnownDisagreement {
        mutation: "auth-data-trailing",
        ceremony: None,
        stricter: Stricter::Bio,
        why: "webauthn-rs-core's nom authenticator-data parser stops after the last structure \
              the flags announce and ignores the rest; Bio ends strictly (§6.1: authenticator \
              data is exactly rpIdHash‖flags‖signCount‖[attestedCredentialData]‖[extensions]).",
    },
    KnownDisagreement {
        mutation: "extensions-without-ed",
        ceremony: None,
        stricter: Stricter::Bio,
        why: "An extensions map with ED clear is trailing data to a strict parser (§6.1 flag ED \
              says whether extensions are present); webauthn-rs-core ignores trailing bytes.",
    },
    KnownDisagreement {
        mutation: "user-handle-other",
        ceremony: None,
        stricter: Stricter::Bio,
        why: "webauthn-rs-core never compares response.userHandle (it leaves credential→user \
              lookup to the caller); Bio checks §7.2 step 6 (\"verify that userHandle … is the \
              user handle of the credential's owner\"), SCHEMA.md `user_handle`.",
    },
    KnownDisagreement {
        mutation: "none-with-statement",
        ceremony: None,
        stricter: Stricter::Bio,
        why: "webauthn-rs-core does not look at attStmt when fmt is \"none\"; §8.7 defines the \
              none statement as the empty map, so Bio refuses one that carries members.",
    },
    KnownDisagreement {
        mutation: "credential-id-too-long",
        ceremony: None,
        stricter: Stricter::Bio,
        why: "§7.1 step 25 (L3): \"Verify that the credentialId is ≤ 1023 bytes\"; webauthn-rs-core \
              0.6 has no such check.",
    },
    KnownDisagreement {
        mutation: "cross-origin-true",
        ceremony: Some(Kind::Authentication),
        stricter: Stricter::Bio,
        why: "webauthn-rs-core checks C.crossOrigin only when registering (core.rs \
              register_credential_internal); its assertion path never reads it. Bio is never \
              framed, so §7.2 step 13 refuses crossOrigin: true (SCHEMA.md: `origin`).",
    },
    KnownDisagreement {
        mutation: "top-origin-cross-origin",
        ceremony: Some(Kind::Authentication),
        stricter: Stricter::Bio,
        why: "As cross-origin-true: webauthn-rs-core reads neither crossOrigin nor topOrigin in \
              an assertion (§7.2 steps 13–14).",
    },
    KnownDisagreement {
        mutation: "challenge-padded",
        ceremony: None,
        stricter: Stricter::Bio,
        why: "webauthn-rs-core decodes C.challenge (its base64 decoder tolerates `=` padding) and \
              compares bytes; §7.1 step 8 / §7.2 step 12 compare C.challenge with the base64url \
              encoding of the challenge, which has no padding (§2 base64url, RFC 4648 §5 without \
              `=`), so a padded string is a different challenge.",
    },
    KnownDisagreement {
        mutation: "credential-type-other",
        ceremony: None,
        stricter: Stricter::Bio,
        why: "webauthn-rs-core never reads PublicKeyCredential.type; Bio refuses any type but \
              \"public-key\" (§5.1: [[type]] is \"public-key\" for every PublicKeyCredential, \
              and §5.1.4 / §5.1.5 JSON forms carry it), SCHEMA.md `malformed`.",
    },
    KnownDisagreement {
        mutation: "credential-id-mismatch",
        ceremony: Some(Kind::Registration),
        stricter: Stricter::Bio,
        why: "webauthn-rs-core takes the credential id from the attested credential data and by \
              design never uses id/rawId in registration (RegisterPublicKeyCredential docs: \
              \"NEVER actually used\"); Bio refuses a response whose rawId is not the credentialId \
              it registers (§5.1: rawId is the credential id), so the stored id is the one the \
              browser will later present.",
    },
    KnownDisagreement {
        mutation: "vector:mut-simplewebauthn-none-es256-firefox-android-registration-authdata-trailing-bytes",
        ceremony: None,
        stricter: Stricter::Bio,
        why: "Recorded form of auth-data-trailing: webauthn-rs-core ignores bytes after the \
              authenticator data's last structure; Bio ends strictly (§6.1).",
    },
    KnownDisagreement {
        mutation: "fmt:tpm",
        ceremony: Some(Kind::Registration),
        stricter: Stricter::Reference,
        why: "Every real Windows TPM in the vectors signs certInfo with RS1 (RSASSA-PKCS1-v1_5 \
              over SHA-1, COSE -65535), which §8.3 allows as the statement's alg; \
              webauthn-rs-core refuses it by policy (CredentialInsecureCryptography). Bio checks \
              the statement and accepts, as SimpleWebAuthn and py_webauthn do \
              (shared/vectors README, 'Library disagreements').",
    },
    KnownDisagreement {
        mutation: "fmt:android-safetynet",
        ceremony: Some(Kind::Registration),
        stricter: Stricter::Reference,
        why: "webauthn-rs-core 0.6 no longer supports android-safetynet (AttestationNotSupported); \
              §8.5 still defines it and Bio verifies the JWS, nonce and ctsProfileMatch.",
    },
];

/// The entry that tolerates a disagreement on `c`, if any.
pub fn known_disagreement(c: &Ceremony, stricter: Stricter) -> Option<&'static KnownDisagreement> {
    KNOWN_DISAGREEMENTS.iter().find(|k| {
        k.stricter == stricter
            && k.ceremony.is_none_or(|kind| kind == c.kind)
            && (k.mutation == c.mutation
                || (k.mutation == "alg:EdDSA" && c.alg == Some(Alg::EdDsa))
                || k.mutation
                    .strip_prefix("fmt:")
                    .is_some_and(|f| c.fmt.as_deref() == Some(f))
                || k.mutation
                    .strip_prefix("vector:")
                    .is_some_and(|n| n == c.name))
    })
}

/// What a mutation may change besides the authenticator's output.
#[derive(Debug, Clone, Default)]
struct Setup {
    o: Overrides,
    require_uv: bool,
    fmt: Option<Fmt>,
    /// Authentication: the stored counter (default: the counter before this assertion).
    stored_sign_count: Option<u32>,
    /// Authentication: stored BE (default `Some(false)`, as registered).
    stored_backup_eligible: Option<Option<bool>>,
    /// Authentication: the owner's handle the server checks (default the authenticator's).
    stored_user_handle: Option<Option<Vec<u8>>>,
    /// Authentication: store a different key (same alg when false, another alg when true).
    stored_key_of_other: Option<bool>,
    /// Authentication: the stored id differs from the credential's.
    stored_id_other: bool,
}

struct Mutation {
    name: &'static str,
    expect: Expect,
    apply: fn(&mut Setup, &Base),
}

/// The fixed context of one base ceremony.
struct Base {
    alg: Alg,
    rp_id: String,
    origin: String,
    other_bytes: Vec<u8>,
    counter: u32,
}

fn reject(class: &'static str) -> Expect {
    Expect::Reject(Some(class))
}

fn set_origin(s: &mut Setup, origin: String) {
    s.o.origin = Some(origin);
}

/// The mutations both ceremonies share. `type-swapped` writes the other ceremony's type and
/// `challenge-padded` a padded encoding; `generate` fills both in (they depend on the ceremony).
fn common_mutations() -> Vec<Mutation> {
    vec![
        Mutation {
            name: "baseline",
            expect: Expect::Accept,
            apply: |_, _| {},
        },
        Mutation {
            name: "type-swapped",
            expect: reject("type"),
            apply: |s, _| s.o.client_data_type = Some("SWAP".into()),
        },
        Mutation {
            name: "type-empty",
            expect: reject("type"),
            apply: |s, _| s.o.client_data_type = Some(String::new()),
        },
        Mutation {
            name: "challenge-other",
            expect: reject("challenge"),
            apply: |s, b| s.o.challenge = Some(b64(&b.other_bytes)),
        },
        Mutation {
            name: "challenge-padded",
            expect: reject("challenge"),
            apply: |s, _| s.o.challenge = Some("PADDED".into()),
        },
        Mutation {
            name: "origin-other",
            expect: reject("origin"),
            apply: |s, _| set_origin(s, "https://evil.example".into()),
        },
        Mutation {
            name: "origin-http",
            expect: reject("origin"),
            apply: |s, b| {
                set_origin(
                    s,
                    b.origin
                        .replacen("https://", "http://", 1)
                        .replacen(":7676", "", 1),
                )
            },
        },
        Mutation {
            name: "origin-port",
            expect: reject("origin"),
            apply: |s, b| set_origin(s, format!("https://{}:8443", b.rp_id)),
        },
        Mutation {
            name: "origin-subdomain",
            expect: reject("origin"),
            apply: |s, b| set_origin(s, format!("https://evil.{}", b.rp_id)),
        },
        Mutation {
            name: "origin-trailing-slash",
            expect: reject("origin"),
            apply: |s, b| set_origin(s, format!("{}/", b.origin)),
        },
        Mutation {
            name: "origin-uppercase-host",
            expect: reject("origin"),
            apply: |s, b| {
                set_origin(
                    s,
                    b.origin
                        .to_uppercase()
                        .replacen("HTTPS://", "https://", 1)
                        .replacen("HTTP://", "http://", 1),
                )
            },
        },
        Mutation {
            name: "origin-default-port",
            expect: reject("origin"),
            apply: |s, b| {
                let port = if b.origin.starts_with("https://") {
                    ":443"
                } else {
                    ":80"
                };
                let host_end = b
                    .origin
                    .rfind(':')
                    .filter(|i| *i > 6)
                    .unwrap_or(b.origin.len());
                set_origin(s, format!("{}{}", &b.origin[..host_end], port));
            },
        },
        Mutation {
            name: "origin-not-a-url",
            expect: reject("origin"),
            apply: |s, _| set_origin(s, "not a url".into()),
        },
        Mutation {
            name: "cross-origin-true",
            expect: reject("origin"),
            apply: |s, _| s.o.cross_origin = Some(Some(true)),
        },
        Mutation {
            name: "cross-origin-absent",
            expect: Expect::Accept,
            apply: |s, _| s.o.cross_origin = Some(None),
        },
        Mutation {
            name: "top-origin",
            expect: reject("origin"),
            apply: |s, b| s.o.top_origin = Some(b.origin.clone()),
        },
        Mutation {
            name: "top-origin-cross-origin",
            expect: reject("origin"),
            apply: |s, _| {
                s.o.cross_origin = Some(Some(true));
                s.o.top_origin = Some("https://framer.example".into());
            },
        },
        Mutation {
            name: "client-data-unknown-members",
            expect: Expect::Accept,
            apply: |s, _| {
                s.o.extra_client_data = vec![
                    (
                        "other_keys_can_be_added_here".into(),
                        json!("do not compare clientDataJSON against a template"),
                    ),
                    ("androidPackageName".into(), json!("com.example")),
                ];
            },
        },
        Mutation {
            name: "client-data-token-binding",
            expect: Expect::Accept,
            apply: |s, _| {
                s.o.extra_client_data =
                    vec![("tokenBinding".into(), json!({"status": "supported"}))]
            },
        },
        Mutation {
            name: "client-data-not-json",
            expect: reject("malformed"),
            apply: |s, _| s.o.client_data_json = Some(b"{\"type\":".to_vec()),
        },
        Mutation {
            // §5.8.1: clientDataJSON is the serialization of a dictionary, i.e. a JSON object.
            // serde reads a struct from an array of its member values too; signed as usual.
            name: "client-data-array",
            expect: reject("malformed"),
            apply: |s, _| s.o.client_data_as_array = true,
        },
        Mutation {
            name: "rp-id-hash-other",
            expect: reject("rp_id"),
            apply: |s, _| s.o.rp_id_for_hash = Some("evil.example".into()),
        },
        Mutation {
            name: "rp-id-hash-parent-domain",
            expect: reject("rp_id"),
            apply: |s, _| s.o.rp_id_for_hash = Some("example".into()),
        },
        Mutation {
            name: "up-clear",
            expect: reject("user_present"),
            apply: |s, _| s.o.clear_flags |= flags::UP,
        },
        Mutation {
            name: "uv-clear",
            expect: Expect::Accept,
            apply: |s, _| s.o.clear_flags |= flags::UV,
        },
        Mutation {
            name: "uv-clear-required",
            expect: reject("user_verified"),
            apply: |s, _| {
                s.o.clear_flags |= flags::UV;
                s.require_uv = true;
            },
        },
        Mutation {
            name: "uv-required-present",
            expect: Expect::Accept,
            apply: |s, _| s.require_uv = true,
        },
        Mutation {
            name: "rfu-bits-set",
            expect: Expect::Accept,
            apply: |s, _| s.o.set_flags |= 0x02 | 0x20,
        },
        Mutation {
            name: "ed-without-extensions",
            expect: reject("malformed"),
            apply: |s, _| s.o.set_flags |= flags::ED,
        },
        Mutation {
            name: "extensions-with-ed",
            expect: Expect::Accept,
            apply: |s, _| {
                s.o.extensions = Some(Cbor::text_map(vec![
                    ("credProtect", Cbor::Int(2)),
                    ("hmac-secret", Cbor::Bool(true)),
                ]));
            },
        },
        Mutation {
            name: "extensions-without-ed",
            expect: reject("malformed"),
            apply: |s, _| {
                s.o.extensions = Some(Cbor::text_map(vec![("credProtect", Cbor::Int(2))]));
                s.o.clear_flags |= flags::ED;
            },
        },
        Mutation {
            name: "auth-data-trailing",
            expect: reject("malformed"),
            apply: |s, _| s.o.auth_data_trailing = vec![0x00],
        },
        Mutation {
            name: "credential-type-other",
            expect: Expect::Either,
            apply: |s, _| s.o.credential_type = Some("password".into()),
        },
    ]
}

fn registration_mutations() -> Vec<Mutation> {
    let mut m = common_mutations();
    m.extend([
        Mutation {
            name: "be-set",
            expect: Expect::Accept,
            apply: |s, _| s.o.set_flags |= flags::BE,
        },
        Mutation {
            name: "be-bs-set",
            expect: Expect::Accept,
            apply: |s, _| s.o.set_flags |= flags::BE | flags::BS,
        },
        Mutation {
            name: "bs-without-be",
            expect: reject("backup_state"),
            apply: |s, _| s.o.set_flags |= flags::BS,
        },
        Mutation {
            name: "at-clear",
            expect: reject("malformed"),
            apply: |s, _| s.o.clear_flags |= flags::AT,
        },
        Mutation {
            name: "counter-nonzero",
            expect: Expect::Accept,
            apply: |s, _| s.o.counter = Some(5),
        },
        Mutation {
            name: "attestation-object-trailing",
            expect: reject("malformed"),
            apply: |s, _| s.o.attestation_object_trailing = vec![0x00],
        },
        Mutation {
            name: "credential-id-mismatch",
            expect: Expect::Either,
            apply: |s, b| s.o.response_credential_id = Some(b.other_bytes.clone()),
        },
        Mutation {
            name: "credential-id-too-long",
            expect: reject("malformed"),
            apply: |s, _| {
                s.o.auth_data_credential_id = Some(vec![0x42; 1024]);
                s.o.response_credential_id = Some(vec![0x42; 1024]);
            },
        },
        Mutation {
            name: "cose-alg-mismatch",
            expect: Expect::Reject(None),
            apply: |s, b| s.o.cose_alg = Some(if b.alg == Alg::Es256 { -257 } else { -7 }),
        },
        Mutation {
            name: "cose-alg-unknown",
            expect: Expect::Reject(None),
            apply: |s, _| s.o.cose_alg = Some(-65000),
        },
        Mutation {
            name: "fmt-unknown",
            expect: reject("attestation"),
            apply: |s, _| s.o.fmt_label = Some("bogus".into()),
        },
        Mutation {
            name: "none-with-statement",
            expect: reject("attestation"),
            apply: |s, _| {
                s.fmt = Some(Fmt::None);
                s.o.att_stmt = Some(Cbor::text_map(vec![("sig", Cbor::Bytes(vec![1, 2, 3]))]));
            },
        },
        Mutation {
            name: "packed-self",
            expect: Expect::Accept,
            apply: |s, _| s.fmt = Some(Fmt::PackedSelf),
        },
        Mutation {
            name: "packed-self-signature-corrupt",
            expect: reject("attestation"),
            apply: |s, _| {
                s.fmt = Some(Fmt::PackedSelf);
                s.o.corrupt_att_signature = true;
            },
        },
        Mutation {
            name: "packed-self-alg-mismatch",
            expect: reject("attestation"),
            apply: |s, b| {
                s.fmt = Some(Fmt::PackedSelf);
                s.o.att_stmt_alg = Some(if b.alg == Alg::Es256 { -257 } else { -7 });
            },
        },
        Mutation {
            name: "fido-u2f",
            // §8.6 step 2: the credential key must be P-256; other algorithms fail.
            expect: Expect::Either, // decided per base below
            apply: |s, _| s.fmt = Some(Fmt::FidoU2f),
        },
        Mutation {
            name: "fido-u2f-signature-corrupt",
            expect: reject("attestation"),
            apply: |s, _| {
                s.fmt = Some(Fmt::FidoU2f);
                s.o.corrupt_att_signature = true;
            },
        },
    ]);
    m
}

fn authentication_mutations() -> Vec<Mutation> {
    let mut m = common_mutations();
    m.extend([
        Mutation {
            name: "be-set-not-registered",
            expect: reject("backup_state"),
            apply: |s, _| s.o.set_flags |= flags::BE,
        },
        Mutation {
            name: "be-cleared-since-registration",
            expect: reject("backup_state"),
            apply: |s, _| s.stored_backup_eligible = Some(Some(true)),
        },
        Mutation {
            name: "bs-without-be",
            expect: reject("backup_state"),
            apply: |s, _| s.o.set_flags |= flags::BS,
        },
        Mutation {
            name: "passkey-be-bs",
            expect: Expect::Accept,
            apply: |s, _| {
                s.o.set_flags |= flags::BE | flags::BS;
                s.stored_backup_eligible = Some(Some(true));
            },
        },
        Mutation {
            name: "at-set",
            expect: reject("malformed"),
            apply: |s, _| s.o.set_flags |= flags::AT,
        },
        Mutation {
            name: "auth-data-truncated",
            expect: reject("malformed"),
            apply: |_, _| {}, // `generate` cuts authenticatorData to 36 bytes
        },
        Mutation {
            name: "counter-equal",
            expect: reject("sign_count"),
            apply: |s, b| s.stored_sign_count = Some(b.counter),
        },
        Mutation {
            name: "counter-down",
            expect: reject("sign_count"),
            apply: |s, b| s.stored_sign_count = Some(b.counter + 10),
        },
        Mutation {
            name: "counter-zero-both",
            expect: Expect::Accept,
            apply: |s, _| {
                s.o.counter = Some(0);
                s.stored_sign_count = Some(0);
            },
        },
        Mutation {
            name: "counter-zero-stored-nonzero",
            expect: reject("sign_count"),
            apply: |s, _| {
                s.o.counter = Some(0);
                s.stored_sign_count = Some(3);
            },
        },
        Mutation {
            name: "counter-up-from-zero",
            expect: Expect::Accept,
            apply: |s, _| s.stored_sign_count = Some(0),
        },
        Mutation {
            name: "counter-max",
            expect: Expect::Accept,
            apply: |s, _| s.o.counter = Some(u32::MAX),
        },
        Mutation {
            name: "credential-id-mismatch",
            expect: Expect::Reject(None),
            apply: |s, _| s.stored_id_other = true,
        },
        Mutation {
            name: "signature-corrupt",
            expect: reject("signature"),
            apply: |s, _| s.o.corrupt_signature = true,
        },
        Mutation {
            name: "signature-empty",
            expect: Expect::Reject(None),
            apply: |s, _| s.o.signature = Some(Vec::new()),
        },
        Mutation {
            name: "stored-key-other-same-alg",
            expect: reject("signature"),
            apply: |s, _| s.stored_key_of_other = Some(false),
        },
        Mutation {
            name: "stored-key-other-alg",
            expect: Expect::Reject(None),
            apply: |s, _| s.stored_key_of_other = Some(true),
        },
        Mutation {
            name: "user-handle-other",
            expect: reject("user_handle"),
            apply: |s, b| s.o.user_handle = Some(Some(b.other_bytes[..16].to_vec())),
        },
        Mutation {
            name: "user-handle-absent",
            expect: Expect::Accept,
            apply: |s, _| s.o.user_handle = Some(None),
        },
        Mutation {
            name: "user-handle-unchecked",
            expect: Expect::Accept,
            apply: |s, _| s.stored_user_handle = Some(None),
        },
    ]);
    m
}

const RPS: [(&str, &str); 3] = [
    ("bio.example", "https://bio.example"),
    ("login.bio.example", "https://login.bio.example"),
    ("localhost", "http://localhost:7676"),
];

/// Generates `bases` base ceremonies from `seed` and every mutation of each: at least
/// `bases × ~95` ceremonies. Every fifth base is RS256 (its keys come from two key seeds, so
/// only two RSA keys are generated per run); the others alternate ES256 and EdDSA.
pub fn generate(seed: u64, bases: usize) -> Vec<Ceremony> {
    let mut out = Vec::new();
    let mut rng = SplitMix64(seed);
    for base_index in 0..bases {
        let alg = match base_index % 5 {
            4 => Alg::Rs256,
            i if i % 2 == 0 => Alg::Es256,
            _ => Alg::EdDsa,
        };
        let a_seed = rng.next_u64();
        let key_seed = seed.wrapping_add((base_index % 2) as u64);
        let (rp_id, origin) = RPS[base_index % RPS.len()];
        let base_fmt = match (alg, rng.next_u64() % 3) {
            (Alg::Es256, 2) => Fmt::FidoU2f,
            (_, 1) => Fmt::PackedSelf,
            _ => Fmt::None,
        };
        let prior_uses = rng.range(0, 20) as u32;
        let challenge_len = rng.range(16, 64);
        let other_bytes = rng.bytes(32);
        let prefix = format!("{seed:#x}/{base_index}/{alg:?}");

        for m in registration_mutations() {
            let mut a = SoftAuthenticator::with_key_seed(alg, a_seed, key_seed);
            let base = Base {
                alg,
                rp_id: rp_id.into(),
                origin: origin.into(),
                other_bytes: other_bytes.clone(),
                counter: 0,
            };
            let mut s = Setup::default();
            (m.apply)(&mut s, &base);
            if s.o.client_data_type.as_deref() == Some("SWAP") {
                s.o.client_data_type = Some("webauthn.get".into());
            }
            let challenge = issue_challenge(&mut rng, challenge_len, &mut s.o);
            let fmt = s.fmt.unwrap_or(base_fmt);
            let user_handle = a.random_bytes(16);
            let response = a.register_with(rp_id, origin, &challenge, &user_handle, fmt, &s.o);
            let mut expect = m.expect.clone();
            if m.name == "fido-u2f" {
                expect = if alg == Alg::Es256 {
                    Expect::Accept
                } else {
                    reject("attestation")
                };
            }
            if m.name == "fido-u2f-signature-corrupt" && alg != Alg::Es256 {
                expect = reject("attestation");
            }
            out.push(Ceremony {
                name: format!("{prefix}/registration/{}/{}", fmt.label(), m.name),
                mutation: m.name,
                kind: Kind::Registration,
                alg: Some(alg),
                fmt: Some(fmt.label().to_owned()),
                rp_id: rp_id.into(),
                origins: vec![origin.into()],
                challenge,
                require_uv: s.require_uv,
                response,
                stored: None,
                expect,
            });
        }

        for m in authentication_mutations() {
            let mut a = SoftAuthenticator::with_key_seed(alg, a_seed, key_seed);
            let user_handle = a.random_bytes(16);
            let _ = a.register(rp_id, origin, &[0u8; 16], &user_handle, Fmt::None);
            a.set_sign_count(prior_uses);
            let counter = prior_uses + 1;
            let base = Base {
                alg,
                rp_id: rp_id.into(),
                origin: origin.into(),
                other_bytes: other_bytes.clone(),
                counter,
            };
            let mut s = Setup::default();
            (m.apply)(&mut s, &base);
            if s.o.client_data_type.as_deref() == Some("SWAP") {
                s.o.client_data_type = Some("webauthn.create".into());
            }
            let challenge = issue_challenge(&mut rng, challenge_len, &mut s.o);
            let mut response = a.authenticate_with(rp_id, origin, &challenge, &s.o);
            if m.name == "auth-data-truncated" {
                let ad = b64(&[0u8; 36]);
                response["response"]["authenticatorData"] = Json::String(ad);
            }
            let public_key_cose = match s.stored_key_of_other {
                None => a.public_key_cose(),
                Some(other_alg) => {
                    let alg2 = if other_alg {
                        if alg == Alg::Es256 {
                            Alg::EdDsa
                        } else {
                            Alg::Es256
                        }
                    } else {
                        alg
                    };
                    // Another RSA key would cost a keygen; the other key seed is already cached.
                    let ks = key_seed ^ 1;
                    SoftAuthenticator::with_key_seed(alg2, a_seed ^ 0xdead, ks).public_key_cose()
                }
            };
            let stored = Stored {
                id: if s.stored_id_other {
                    other_bytes.clone()
                } else {
                    a.credential_id().to_vec()
                },
                public_key_cose,
                sign_count: s.stored_sign_count.unwrap_or(prior_uses),
                backup_eligible: s.stored_backup_eligible.unwrap_or(Some(false)),
                user_handle: s
                    .stored_user_handle
                    .unwrap_or_else(|| Some(a.user_handle().to_vec())),
            };
            out.push(Ceremony {
                name: format!("{prefix}/authentication/{}", m.name),
                mutation: m.name,
                kind: Kind::Authentication,
                alg: Some(alg),
                fmt: None,
                rp_id: rp_id.into(),
                origins: vec![origin.into()],
                challenge,
                require_uv: s.require_uv,
                response,
                stored: Some(stored),
                expect: m.expect.clone(),
            });
        }
    }
    out
}

/// Draws the challenge; for `challenge-padded` writes it base64url *with* `=` padding (the
/// length is nudged off a multiple of 3 so that padding exists).
fn issue_challenge(rng: &mut SplitMix64, len: usize, o: &mut Overrides) -> Vec<u8> {
    let padded = o.challenge.as_deref() == Some("PADDED");
    let len = if padded && len.is_multiple_of(3) {
        len + 1
    } else {
        len
    };
    let challenge = rng.bytes(len);
    if padded {
        o.challenge = Some(base64::engine::general_purpose::URL_SAFE.encode(&challenge));
    }
    challenge
}

/// Loads a `tests/vectors/*.json` file (shared/vectors/SCHEMA.md) as a ceremony.
pub fn from_vector(v: &Json) -> Ceremony {
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
    let d = |x: &Json| {
        URL_SAFE_NO_PAD
            .decode(x.as_str().unwrap_or_default())
            .unwrap_or_default()
    };
    let kind = if s("ceremony") == "registration" {
        Kind::Registration
    } else {
        Kind::Authentication
    };
    let stored = (kind == Kind::Authentication).then(|| {
        let c = &v["credential"];
        Stored {
            id: d(&v["response"]["rawId"]),
            public_key_cose: d(&c["public_key_cose"]),
            sign_count: c["sign_count"].as_u64().unwrap_or(0) as u32,
            backup_eligible: c["backup_eligible"].as_bool(),
            user_handle: c.get("user_handle").map(d),
        }
    });
    let expect = if s("expect") == "ok" {
        Expect::Accept
    } else {
        Expect::Reject(Some(Box::leak(s("error").into_boxed_str())))
    };
    let alg = match kind {
        Kind::Authentication => stored.as_ref().and_then(|st| cose_alg(&st.public_key_cose)),
        Kind::Registration => registration_alg(&d(&v["response"]["response"]["attestationObject"])),
    };
    let fmt = match kind {
        Kind::Registration => registration_fmt(&d(&v["response"]["response"]["attestationObject"])),
        Kind::Authentication => None,
    };
    Ceremony {
        name: s("name"),
        mutation: "vector",
        kind,
        alg,
        fmt,
        rp_id: s("rp_id"),
        origins: v["origins"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|o| o.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        challenge: d(&v["challenge"]),
        require_uv: v["require_user_verification"].as_bool().unwrap_or(false),
        response: v["response"].clone(),
        stored,
        expect,
    }
}

fn alg_of(label: i128) -> Option<Alg> {
    match label {
        -7 => Some(Alg::Es256),
        -8 => Some(Alg::EdDsa),
        -257 => Some(Alg::Rs256),
        _ => None,
    }
}

/// The `alg` (label 3) of the first COSE key in `bytes`, read with serde_cbor_2.
fn cose_alg(bytes: &[u8]) -> Option<Alg> {
    use serde::Deserialize as _;
    let mut de = serde_cbor_2::Deserializer::from_slice(bytes);
    let serde_cbor_2::Value::Map(m) = serde_cbor_2::Value::deserialize(&mut de).ok()? else {
        return None;
    };
    match m.get(&serde_cbor_2::Value::Integer(3))? {
        serde_cbor_2::Value::Integer(n) => alg_of(*n),
        _ => None,
    }
}

/// The attestation format of a registration (`packed-x5c` for packed with a certificate).
fn registration_fmt(attestation_object: &[u8]) -> Option<String> {
    let v: serde_cbor_2::Value = serde_cbor_2::from_slice(attestation_object).ok()?;
    let serde_cbor_2::Value::Map(m) = v else {
        return None;
    };
    let serde_cbor_2::Value::Text(fmt) = m.get(&serde_cbor_2::Value::Text("fmt".into()))? else {
        return None;
    };
    let has_x5c = matches!(
        m.get(&serde_cbor_2::Value::Text("attStmt".into())),
        Some(serde_cbor_2::Value::Map(stmt)) if stmt.contains_key(&serde_cbor_2::Value::Text("x5c".into()))
    );
    Some(if fmt == "packed" && has_x5c {
        "packed-x5c".to_owned()
    } else {
        fmt.clone()
    })
}

/// The credential algorithm inside a registration's attestation object (best effort).
fn registration_alg(attestation_object: &[u8]) -> Option<Alg> {
    let v: serde_cbor_2::Value = serde_cbor_2::from_slice(attestation_object).ok()?;
    let serde_cbor_2::Value::Map(m) = v else {
        return None;
    };
    let serde_cbor_2::Value::Bytes(ad) = m.get(&serde_cbor_2::Value::Text("authData".into()))?
    else {
        return None;
    };
    let len = u16::from_be_bytes([*ad.get(53)?, *ad.get(54)?]) as usize;
    cose_alg(ad.get(55 + len..)?)
}
