//! The signed cookie codec: session tokens (who is signed in) and ceremony tokens (which
//! challenge this browser was given), plus the `Set-Cookie` values that carry them.
//!
//! A token is `base64url(payload) "." base64url(key_id ‖ tag)` where
//! `payload` is the claims as JSON, `key_id` is the first 4 bytes of SHA-256(secret) and
//! `tag = HMAC-SHA256(secret, label ‖ 0x00 ‖ payload)`. The label (`bio/session/v1` or
//! `bio/ceremony/v1`) binds the token to its [`Purpose`], so a ceremony token never opens as a
//! session and vice versa. [`SigningKeys::current`] signs; `current` and `previous` both verify,
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
/// Longest token [`open_session`] / [`open_ceremony`] will look at, in bytes; longer input is
/// rejected as [`TokenError::Malformed`] before it is decoded. A session token holds a user
/// handle of up to 64 bytes and a credential id of up to [`MAX_SESSION_CREDENTIAL_ID_LEN`] bytes.
pub const MAX_TOKEN_LEN: usize = 1024;
/// Longest credential id (raw bytes) a session token is guaranteed to hold within
/// [`MAX_TOKEN_LEN`]. WebAuthn allows up to 1023; registration must refuse longer ids than this,
/// or the new account's session could never be opened.
pub const MAX_SESSION_CREDENTIAL_ID_LEN: usize = 400;
/// Length of a key id, in bytes.
pub const KEY_ID_LEN: usize = 4;
/// Length of an HMAC-SHA256 tag, in bytes.
const TAG_LEN: usize = 32;

/// How long a session lasts, in seconds (30 days); matches the session cookie's `Max-Age`.
pub const SESSION_TTL_SECS: u64 = 2_592_000;
/// How long a ceremony (challenge) lasts, in seconds (5 minutes); matches the ceremony cookie's
/// `Max-Age`.
pub const CEREMONY_TTL_SECS: u64 = 300;

/// The session cookie's name. `__Host-` makes the browser insist on `Secure`, `Path=/` and no
/// `Domain`, so no sibling subdomain can set or shadow it.
pub const SESSION_COOKIE: &str = "__Host-bio-session";
/// The ceremony cookie's name (same `__Host-` guarantees).
pub const CEREMONY_COOKIE: &str = "__Host-bio-ceremony";
/// Attributes shared by both cookies; only `Max-Age` differs.
pub const COOKIE_ATTRIBUTES: &str = "Secure; HttpOnly; SameSite=Strict; Path=/";

/// What a token is for; part of the MAC input, so tokens cannot cross purposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A signed-in session, in [`SESSION_COOKIE`].
    Session,
    /// A pending WebAuthn ceremony, in [`CEREMONY_COOKIE`].
    Ceremony,
}

impl Purpose {
    /// The domain-separation label mixed into the MAC.
    pub const fn label(self) -> &'static [u8] {
        match self {
            Purpose::Session => b"bio/session/v1",
            Purpose::Ceremony => b"bio/ceremony/v1",
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

/// The claims of a session token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionClaims {
    /// Random session id: base64url of 32 random bytes (see [`session_id`]).
    pub sid: String,
    /// The WebAuthn user handle, base64url.
    pub uid: String,
    /// The credential id, base64url.
    pub cid: String,
    /// Expiry, unix seconds.
    pub exp: u64,
}

/// The claims of a ceremony token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CeremonyClaims {
    /// The challenge id.
    pub cid: String,
    /// Expiry, unix seconds.
    pub exp: u64,
}

/// Encodes 32 injected random bytes as a session id.
pub fn session_id(random: [u8; 32]) -> String {
    URL_SAFE_NO_PAD.encode(random)
}

/// Signs session claims with the current key.
pub fn seal_session(keys: &SigningKeys, claims: &SessionClaims) -> String {
    seal(keys, Purpose::Session, claims)
}

/// Verifies a session token and returns its claims if it has not expired at `now` (unix seconds).
pub fn open_session(
    keys: &SigningKeys,
    token: &str,
    now: u64,
) -> Result<SessionClaims, TokenError> {
    let claims: SessionClaims = open(keys, Purpose::Session, token)?;
    check_expiry(claims.exp, now)?;
    Ok(claims)
}

/// Signs ceremony claims with the current key.
pub fn seal_ceremony(keys: &SigningKeys, claims: &CeremonyClaims) -> String {
    seal(keys, Purpose::Ceremony, claims)
}

/// Verifies a ceremony token and returns its claims if it has not expired at `now` (unix seconds).
pub fn open_ceremony(
    keys: &SigningKeys,
    token: &str,
    now: u64,
) -> Result<CeremonyClaims, TokenError> {
    let claims: CeremonyClaims = open(keys, Purpose::Ceremony, token)?;
    check_expiry(claims.exp, now)?;
    Ok(claims)
}

/// `exp` is the first second at which the token is no longer valid.
fn check_expiry(exp: u64, now: u64) -> Result<(), TokenError> {
    if now >= exp {
        return Err(TokenError::Expired);
    }
    Ok(())
}

fn seal<T: Serialize>(keys: &SigningKeys, purpose: Purpose, claims: &T) -> String {
    // Our claims are strings and integers, which serde_json cannot fail to write. Were it ever
    // to fail, the empty payload seals into a token that opens as `Malformed`: no panic, no
    // session.
    let payload = serde_json::to_vec(claims).unwrap_or_default();
    let key = &keys.current;
    let tag = key.mac_for(purpose, &payload).finalize().into_bytes();
    let mut signature = Vec::with_capacity(KEY_ID_LEN + TAG_LEN);
    signature.extend_from_slice(&key.id);
    signature.extend_from_slice(&tag);
    let mut token = URL_SAFE_NO_PAD.encode(&payload);
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(&signature));
    token
}

fn open<T: for<'de> Deserialize<'de>>(
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

fn cookie(name: &str, value: &str, max_age: u64) -> String {
    format!("{name}={value}; {COOKIE_ATTRIBUTES}; Max-Age={max_age}")
}

/// `Set-Cookie` value that stores a session token for [`SESSION_TTL_SECS`].
pub fn session_cookie(token: &str) -> String {
    cookie(SESSION_COOKIE, token, SESSION_TTL_SECS)
}

/// `Set-Cookie` value that stores a ceremony token for [`CEREMONY_TTL_SECS`].
pub fn ceremony_cookie(token: &str) -> String {
    cookie(CEREMONY_COOKIE, token, CEREMONY_TTL_SECS)
}

/// `Set-Cookie` value that removes the session cookie (sign-out, account deletion). The
/// attributes must match the ones it was set with, or the browser keeps the old cookie.
pub fn clear_session_cookie() -> String {
    cookie(SESSION_COOKIE, "", 0)
}

/// `Set-Cookie` value that removes the ceremony cookie (after a finish, successful or not).
pub fn clear_ceremony_cookie() -> String {
    cookie(CEREMONY_COOKIE, "", 0)
}

#[cfg(test)]
mod tests;
