//! The signed token codec: session tokens (who is signed in), ceremony tokens (which challenge a
//! page was given, for which browser), hint tokens (which passkey this browser last used) and
//! deletion proofs (which credential was just deleted), plus the `Set-Cookie` values that carry
//! them.
//!
//! A token is `base64url(payload) "." base64url(key_id ‖ tag)` where
//! `payload` is the claims as JSON, `key_id` is the first 4 bytes of SHA-256(secret) and
//! `tag = HMAC-SHA256(secret, label ‖ 0x00 ‖ payload)`. The label (e.g. `bio/session/v2`) binds
//! the token to its [`Purpose`], so no token ever opens as another kind. [`SigningKeys::current`] signs; `current` and `previous` both verify,
//! so a secret can be rotated without signing everyone out.
//!
//! Opening checks, in order: length bound (before any decoding), shape, key id, MAC (constant
//! time, `verify_slice`), then JSON, then expiry. The JSON parser only ever sees bytes we signed.
//!
//! It deliberately does not: encrypt (claims are readable by the holder; they contain only random
//! ids and handles, never secrets), keep server-side state or revocation lists (the edge checks
//! the session id against the store if it needs to), read the clock or generate randomness (both
//! are injected), or zeroize key material (the Compute instance lives for one request).
//! It never imports `fastly`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Shortest accepted secret, in bytes (the HMAC-SHA256 output size).
pub const MIN_SECRET_LEN: usize = 32;
/// Longest token [`open`] will look at, in bytes; longer input is rejected as
/// [`TokenError::Malformed`] before it is decoded. Sessions and ceremonies hold random ids,
/// handles and digests; a hint holds a whole credential id (WebAuthn allows 1023 bytes), which
/// still fits.
pub const MAX_TOKEN_LEN: usize = 3072;
/// Length of a key id, in bytes.
pub const KEY_ID_LEN: usize = 4;
/// Length of an HMAC-SHA256 tag, in bytes.
const TAG_LEN: usize = 32;

/// How long a session lasts, in seconds (30 days); matches the session cookie's `Max-Age`.
pub const SESSION_TTL_SECS: u64 = 2_592_000;
/// How long a ceremony (its challenge and token) lasts, in seconds (5 minutes): the one constant
/// for a ceremony's life, its `timeout`s and its spent record's TTL.
pub const CEREMONY_TTL_SECS: u64 = 300;
/// How long the returning-visitor hint lasts, in seconds (180 days), renewed at every sign-in.
pub const HINT_TTL_SECS: u64 = 180 * 86_400;
/// How long the browser-binding id lasts, in seconds (400 days, the most browsers keep).
pub const BROWSER_TTL_SECS: u64 = 400 * 86_400;
/// How long a deletion proof lasts, in seconds: long enough for the redirect to land.
pub const DELETED_TTL_SECS: u64 = 60;

/// The session cookie's name. `__Host-` makes the browser insist on `Secure`, `Path=/` and no
/// `Domain`, so no sibling subdomain can set or shadow it.
pub const SESSION_COOKIE: &str = "__Host-bio-session";
/// The returning-visitor hint: which passkey this browser last signed in with, and its name.
pub const HINT_COOKIE: &str = "__Host-bio-hint";
/// The browser-binding id that every ceremony token carries.
pub const BROWSER_COOKIE: &str = "__Host-bio-browser";
/// The one-shot proof that this browser just deleted an account.
pub const DELETED_COOKIE: &str = "__Host-bio-deleted";
/// Attributes of the cookies that grant something (session, deletion proof): never sent on a
/// request another site starts.
pub const STRICT_ATTRIBUTES: &str = "Secure; HttpOnly; SameSite=Strict; Path=/";
/// Attributes of the cookies that grant nothing (hint, browser id): sent on a top-level
/// navigation from another site, so a visitor arriving from a link is still recognised.
pub const LAX_ATTRIBUTES: &str = "Secure; HttpOnly; SameSite=Lax; Path=/";

/// What a token is for; part of the MAC input, so tokens cannot cross purposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A signed-in session, in [`SESSION_COOKIE`].
    Session,
    /// A ceremony a page started, held by the page and sent back with the credential.
    Ceremony,
    /// The returning-visitor hint, in [`HINT_COOKIE`].
    Hint,
    /// A deletion proof, in [`DELETED_COOKIE`].
    Deleted,
}

impl Purpose {
    /// The domain-separation label mixed into the MAC.
    pub const fn label(self) -> &'static [u8] {
        match self {
            Purpose::Session => b"bio/session/v2",
            Purpose::Ceremony => b"bio/ceremony/v2",
            Purpose::Hint => b"bio/hint/v1",
            Purpose::Deleted => b"bio/deleted/v1",
        }
    }
}

/// Why a secret was refused as a signing key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyError {
    /// Fewer than [`MIN_SECRET_LEN`] bytes.
    TooShort {
        /// The length that was given.
        len: usize,
    },
}

impl KeyError {
    /// Stable code for logs and the config check.
    pub const fn code(&self) -> &'static str {
        match self {
            KeyError::TooShort { .. } => "session_key_too_short",
        }
    }
}

impl core::fmt::Display for KeyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            KeyError::TooShort { len } => write!(
                f,
                "session signing secret is {len} bytes; at least {MIN_SECRET_LEN} are required"
            ),
        }
    }
}

impl std::error::Error for KeyError {}

/// One HMAC key and its id. The secret itself is not kept: only the keyed HMAC state.
#[derive(Clone)]
pub struct Key {
    id: [u8; KEY_ID_LEN],
    mac: HmacSha256,
}

impl Key {
    /// Builds a key from a secret of at least [`MIN_SECRET_LEN`] bytes.
    pub fn new(secret: Vec<u8>) -> Result<Key, KeyError> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(KeyError::TooShort { len: secret.len() });
        }
        let digest = Sha256::digest(&secret);
        let mut id = [0u8; KEY_ID_LEN];
        for (out, byte) in id.iter_mut().zip(digest.iter()) {
            *out = *byte;
        }
        // HMAC accepts keys of any length; the error is unreachable but is not unwrapped.
        let mac = HmacSha256::new_from_slice(&secret)
            .map_err(|_| KeyError::TooShort { len: secret.len() })?;
        Ok(Key { id, mac })
    }

    /// The key id: the first 4 bytes of SHA-256(secret). Public; safe to log.
    pub fn id(&self) -> [u8; KEY_ID_LEN] {
        self.id
    }

    /// HMAC-SHA256 over `label ‖ 0x00 ‖ part₁ ‖ 0x00 ‖ part₂ …`, for MACs other than tokens
    /// (a recovery code's hash). Parts must not contain 0x00 themselves.
    pub fn tag(&self, label: &[u8], parts: &[&[u8]]) -> [u8; TAG_LEN] {
        self.labelled(label, parts).finalize().into_bytes().into()
    }

    /// Whether `tag` is [`Key::tag`] of the same input, compared in constant time
    /// (`verify_slice`), never with `==`.
    pub fn verify(&self, label: &[u8], parts: &[&[u8]], tag: &[u8]) -> bool {
        self.labelled(label, parts).verify_slice(tag).is_ok()
    }

    fn labelled(&self, label: &[u8], parts: &[&[u8]]) -> HmacSha256 {
        let mut mac = self.mac.clone();
        mac.update(label);
        for part in parts {
            mac.update(&[0x00]);
            mac.update(part);
        }
        mac
    }

    fn mac_for(&self, purpose: Purpose, payload: &[u8]) -> HmacSha256 {
        let mut mac = self.mac.clone();
        mac.update(purpose.label());
        mac.update(&[0x00]);
        mac.update(payload);
        mac
    }
}

impl core::fmt::Debug for Key {
    // Never print key material: the id is all anyone needs to tell keys apart.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Key")
            .field("id", &URL_SAFE_NO_PAD.encode(self.id))
            .finish_non_exhaustive()
    }
}

/// The keys in use: `current` signs and verifies; `previous` (during a rotation) only verifies.
#[derive(Debug, Clone)]
pub struct SigningKeys {
    pub current: Key,
    pub previous: Option<Key>,
}

impl SigningKeys {
    /// A keyed digest of `data` under `label` with the current key, for store keys and log
    /// fields that must name a client address or a credential without revealing it (a plain
    /// hash of an IPv4 address is reversed by trying all 2^32).
    pub fn keyed_digest(&self, label: &[u8], data: &[u8]) -> String {
        let mut mac = self.current.mac.clone();
        mac.update(label);
        mac.update(&[0x00]);
        mac.update(data);
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes().get(..16).unwrap_or_default())
    }
}

/// Why a token was refused. The edge treats every variant as "no valid cookie".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// Too long, wrong shape, bad base64url, wrong tag length, or claims that are not the
    /// expected JSON.
    Malformed,
    /// Signed with a key id that is neither current nor previous (e.g. rotated out).
    UnknownKey,
    /// The MAC does not match: tampered, truncated, or meant for another purpose.
    BadSignature,
    /// Well-formed and authentic, but `exp` has passed.
    Expired,
}

impl TokenError {
    /// Stable code for logs and metrics.
    pub const fn code(&self) -> &'static str {
        match self {
            TokenError::Malformed => "token_malformed",
            TokenError::UnknownKey => "token_unknown_key",
            TokenError::BadSignature => "token_bad_signature",
            TokenError::Expired => "token_expired",
        }
    }
}

impl core::fmt::Display for TokenError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.code())
    }
}

impl std::error::Error for TokenError {}

/// Claims a token can carry: each kind names its [`Purpose`] and its expiry.
pub trait Claims: Serialize + for<'de> Deserialize<'de> {
    /// The purpose whose label is mixed into the MAC.
    const PURPOSE: Purpose;
    /// Expiry, unix seconds: the first second the token no longer opens.
    fn expires_at(&self) -> u64;
}

/// The claims of a session token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionClaims {
    /// Random session id: base64url of 32 random bytes (see [`session_id`]).
    pub sid: String,
    /// The account's WebAuthn user handle, base64url.
    pub user_handle: String,
    /// base64url(SHA-256(credential id)) of the passkey this session was established with.
    pub credential_digest: String,
    /// Expiry, unix seconds.
    pub exp: u64,
}

impl Claims for SessionClaims {
    const PURPOSE: Purpose = Purpose::Session;
    fn expires_at(&self) -> u64 {
        self.exp
    }
}

/// The claims of a ceremony token: everything `/auth/start` issued, sealed instead of stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CeremonyClaims {
    /// Random id (base64url of 16 bytes): the key of the record that spends the ceremony once.
    pub ceremony_id: String,
    /// The challenge, base64url of 32 random bytes.
    pub challenge: String,
    /// The browser-binding id ([`BROWSER_COOKIE`]) of the browser it was issued to.
    pub browser_id: String,
    /// Sign-in or registration: the user handle a new visitor would get. A confirmation: the
    /// signed-in account's user handle.
    pub user_handle: String,
    /// The friendly name a new visitor would get (empty for a confirmation).
    pub name: String,
    /// A confirmation by a signed-in account's own passkey (e.g. to delete it): the session id
    /// it was issued to. `None` for the one-button sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirms_sid: Option<String>,
    /// What a `create()` on this ceremony may do besides registering a new account: move an
    /// existing account to a new passkey. `None` for the one-button ceremony and for
    /// confirmations; each finish accepts only its own kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant: Option<Grant>,
    /// A replacement's: the digest of the passkey whose fresh assertion issued the grant, so
    /// the move checks the account still has it without needing the session that confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_with: Option<String>,
    /// Expiry, unix seconds.
    pub exp: u64,
}

/// What a ceremony token lets its `create()` do to an existing account (its `user_handle`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Grant {
    /// Replace the signed-in account's passkey: issued after a fresh assertion by that passkey,
    /// to the session in `confirms_sid`.
    ReplacePasskey,
    /// Replace the account's passkey with the holder of its recovery code: issued after the code
    /// was checked. `code` names the code (its locator), so a code replaced or spent meanwhile
    /// grants nothing.
    Recover { code: String },
}

impl Claims for CeremonyClaims {
    const PURPOSE: Purpose = Purpose::Ceremony;
    fn expires_at(&self) -> u64 {
        self.exp
    }
}

/// The returning-visitor hint: grants nothing, only lets the page greet the visitor and name
/// their passkey in `allowCredentials`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HintClaims {
    /// The credential id, base64url.
    pub credential_id: String,
    /// The account's display name.
    pub name: String,
    /// Expiry, unix seconds.
    pub exp: u64,
}

impl Claims for HintClaims {
    const PURPOSE: Purpose = Purpose::Hint;
    fn expires_at(&self) -> u64 {
        self.exp
    }
}

/// The one-shot proof, set by a real account deletion, that lets the next page ask the passkey
/// provider to forget the credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeletedClaims {
    /// The deleted credential's id, base64url.
    pub credential_id: String,
    /// Expiry, unix seconds.
    pub exp: u64,
}

impl Claims for DeletedClaims {
    const PURPOSE: Purpose = Purpose::Deleted;
    fn expires_at(&self) -> u64 {
        self.exp
    }
}

/// Encodes 32 injected random bytes as a session id.
pub fn session_id(random: [u8; 32]) -> String {
    URL_SAFE_NO_PAD.encode(random)
}

/// Signs claims with the current key, under their purpose's label.
pub fn seal<T: Claims>(keys: &SigningKeys, claims: &T) -> String {
    // Our claims are strings and integers, which serde_json cannot fail to write. Were it ever
    // to fail, the empty payload seals into a token that opens as `Malformed`: no panic, no
    // session.
    let payload = serde_json::to_vec(claims).unwrap_or_default();
    let key = &keys.current;
    let tag = key.mac_for(T::PURPOSE, &payload).finalize().into_bytes();
    let mut signature = Vec::with_capacity(KEY_ID_LEN + TAG_LEN);
    signature.extend_from_slice(&key.id);
    signature.extend_from_slice(&tag);
    let mut token = URL_SAFE_NO_PAD.encode(&payload);
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(&signature));
    token
}

/// Verifies a token of kind `T` and returns its claims if it has not expired at `now` (unix
/// seconds).
pub fn open<T: Claims>(keys: &SigningKeys, token: &str, now: u64) -> Result<T, TokenError> {
    let claims: T = open_unexpired(keys, T::PURPOSE, token)?;
    // `exp` is the first second at which the token is no longer valid.
    if now >= claims.expires_at() {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

fn open_unexpired<T: for<'de> Deserialize<'de>>(
    keys: &SigningKeys,
    purpose: Purpose,
    token: &str,
) -> Result<T, TokenError> {
    // Bound the work before decoding anything.
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Malformed);
    }
    let (payload_b64, signature_b64) = token.split_once('.').ok_or(TokenError::Malformed)?;
    // The base64url engine refuses padding, non-alphabet bytes (including a second '.') and
    // non-canonical trailing bits, so each token has exactly one encoding.
    let payload = URL_SAFE_NO_PAD
        .decode(payload_b64)
        .map_err(|_| TokenError::Malformed)?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature_b64)
        .map_err(|_| TokenError::Malformed)?;
    if signature.len() != KEY_ID_LEN + TAG_LEN {
        return Err(TokenError::Malformed);
    }
    let (key_id, tag) = signature
        .split_at_checked(KEY_ID_LEN)
        .ok_or(TokenError::Malformed)?;

    // Key ids are public; plain comparison is fine. Two keys could share an id (a 1 in 2^32
    // accident, or the same secret twice), so every matching key is tried.
    let mut candidates = core::iter::once(&keys.current)
        .chain(keys.previous.as_ref())
        .filter(|key| key.id.as_slice() == key_id)
        .peekable();
    if candidates.peek().is_none() {
        return Err(TokenError::UnknownKey);
    }
    // The MAC comparison is constant time (`verify_slice`), never `==`.
    let authentic = candidates.any(|key| key.mac_for(purpose, &payload).verify_slice(tag).is_ok());
    if !authentic {
        return Err(TokenError::BadSignature);
    }
    serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed)
}

fn cookie(name: &str, value: &str, attributes: &str, max_age: u64) -> String {
    format!("{name}={value}; {attributes}; Max-Age={max_age}")
}

/// `Set-Cookie` value that stores a session token for [`SESSION_TTL_SECS`].
pub fn session_cookie(token: &str) -> String {
    cookie(SESSION_COOKIE, token, STRICT_ATTRIBUTES, SESSION_TTL_SECS)
}

/// `Set-Cookie` value that removes the session cookie (sign-out, account deletion). The
/// attributes must match the ones it was set with, or the browser keeps the old cookie.
pub fn clear_session_cookie() -> String {
    cookie(SESSION_COOKIE, "", STRICT_ATTRIBUTES, 0)
}

/// `Set-Cookie` value that stores the returning-visitor hint for [`HINT_TTL_SECS`].
pub fn hint_cookie(token: &str) -> String {
    cookie(HINT_COOKIE, token, LAX_ATTRIBUTES, HINT_TTL_SECS)
}

/// `Set-Cookie` value that removes the hint ("Not you?", "Log out and forget me", deletion).
pub fn clear_hint_cookie() -> String {
    cookie(HINT_COOKIE, "", LAX_ATTRIBUTES, 0)
}

/// `Set-Cookie` value that stores a browser-binding id for [`BROWSER_TTL_SECS`].
pub fn browser_cookie(id: &str) -> String {
    cookie(BROWSER_COOKIE, id, LAX_ATTRIBUTES, BROWSER_TTL_SECS)
}

/// `Set-Cookie` value that stores a deletion proof for [`DELETED_TTL_SECS`].
pub fn deleted_cookie(token: &str) -> String {
    cookie(DELETED_COOKIE, token, STRICT_ATTRIBUTES, DELETED_TTL_SECS)
}

/// `Set-Cookie` value that spends the deletion proof once the page has read it.
pub fn clear_deleted_cookie() -> String {
    cookie(DELETED_COOKIE, "", STRICT_ATTRIBUTES, 0)
}

/// Encodes 16 injected random bytes as a browser-binding id.
pub fn new_browser_id(random: [u8; 16]) -> String {
    URL_SAFE_NO_PAD.encode(random)
}

/// Whether `value` can be a browser-binding id: base64url of 16 bytes.
pub fn is_browser_id(value: &str) -> bool {
    value.len() == 22
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests;
