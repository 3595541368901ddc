//! Bio's configuration, validated as it is read.
//!
//! The edge reads raw strings from the `bio_config` config store and raw bytes from the
//! `bio_secrets` secret store on every request and hands them here; [`Config::from_raw`] checks
//! each value and names what is wrong. A misconfigured service answers a 500 page that names the
//! key at fault, never a secret's value.
//!
//! It does not: open stores (that is `edge::config`), or hold a default for anything a
//! production service must set (RP ID, origins, keys).

use std::fmt;

use crate::account::recovery::RecoveryKeys;
use crate::limits::{Limit, Limits};
use crate::session::{Key, SigningKeys};
use crate::webauthn::Policy;

/// Most origins accepted in `origins` (a long list is a misconfiguration, not a feature).
pub const MAX_ORIGINS: usize = 16;
/// Upper bound of `agent_deadline_ms`.
pub const MAX_AGENT_DEADLINE_MS: u64 = 10_000;
/// `agent_deadline_ms` when the key is absent.
pub const DEFAULT_AGENT_DEADLINE_MS: u64 = 2_000;
/// Upper bound of `agent_hold_ms`: the hold delays the page's first byte, so it stays short.
pub const MAX_AGENT_HOLD_MS: u64 = 200;

/// The names of the stores one request reads; tests point them at stores broken on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreNames<'a> {
    pub config: &'a str,
    pub secrets: &'a str,
    pub challenges: &'a str,
    pub accounts: &'a str,
}

impl StoreNames<'static> {
    /// The names declared in fastly.toml for production and `fastly compute serve`.
    pub const DEFAULT: StoreNames<'static> = StoreNames {
        config: "bio_config",
        secrets: "bio_secrets",
        challenges: "bio_challenges",
        accounts: "bio_accounts",
    };
}

/// `userVerification` asked of authenticators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserVerification {
    Required,
    Preferred,
}

impl UserVerification {
    /// The W3C `UserVerificationRequirement` string.
    pub fn as_str(self) -> &'static str {
        match self {
            UserVerification::Required => "required",
            UserVerification::Preferred => "preferred",
        }
    }
}

/// The values as read from the stores, before validation. `None` is an absent key.
#[derive(Debug, Default, Clone)]
pub struct RawConfig {
    pub rp_id: Option<String>,
    pub rp_name: Option<String>,
    pub origins: Option<String>,
    pub user_verification: Option<String>,
    pub agent_upstream: Option<String>,
    pub agent_deadline_ms: Option<String>,
    pub agent_hold_ms: Option<String>,
    pub counter_policy: Option<String>,
    pub limit_failures_per_ip: Option<String>,
    pub limit_failures_per_credential: Option<String>,
    pub limit_registrations_per_ip: Option<String>,
    pub limit_flood_rps_per_ip: Option<String>,
    pub limit_recovery_per_ip: Option<String>,
    pub limit_recovery_per_account: Option<String>,
    pub agent_test_modes: Option<String>,
    pub test_inventory: Option<String>,
    pub session_key_current: Option<Vec<u8>>,
    pub session_key_previous: Option<Vec<u8>>,
    /// `recovery_key_version` in the config store: which `recovery_key_v<N>` hashes new codes.
    pub recovery_key_version: Option<String>,
    /// The secret `recovery_key_v<version>`.
    pub recovery_key_current: Option<Vec<u8>>,
    /// The secret `recovery_key_v<version − 1>`, when the version is above 1.
    pub recovery_key_previous: Option<Vec<u8>>,
}

/// A validated configuration.
#[derive(Clone)]
pub struct Config {
    pub rp_id: String,
    pub rp_name: String,
    pub origins: Vec<String>,
    pub user_verification: UserVerification,
    pub agent_upstream: bool,
    pub agent_deadline_ms: u64,
    /// How long the signed-in page waits for the upstream agent before it sends its first byte
    /// (`agent_hold_ms`, 0 when absent): an answer in by then is written with the page in one
    /// piece; otherwise the shell goes out and the rest follows when the agent answers.
    pub agent_hold_ms: u64,
    /// How sign-ins treat a counter that did not increase and a changed BE flag
    /// (`counter_policy`: `flag`, the default, or `strict`).
    pub sign_in_policy: Policy,
    /// Abuse limits (`limit_*`, each `N/SECONDS`).
    pub limits: Limits,
    /// Whether the test header `x-bio-agent-mode` reaches the upstream agent (local and test
    /// services only; off when absent).
    pub agent_test_modes: bool,
    /// Whether `GET /_bio/inventory` answers (load and test services only; off when absent):
    /// it lists every account's user handle.
    pub test_inventory: bool,
    pub keys: SigningKeys,
    /// The recovery codes' own keys (never the session key); no current key: codes are off.
    pub recovery: RecoveryKeys,
}

/// `recovery_key_version` when the key is absent.
pub const DEFAULT_RECOVERY_KEY_VERSION: u32 = 1;
/// Highest `recovery_key_version`.
pub const MAX_RECOVERY_KEY_VERSION: u32 = 999;

/// Reads `recovery_key_version`: 1 to [`MAX_RECOVERY_KEY_VERSION`], 1 when absent. The edge
/// needs it before it can name the secrets to read.
pub fn recovery_key_version(text: Option<&str>) -> Result<u32, ConfigError> {
    match text {
        None => Ok(DEFAULT_RECOVERY_KEY_VERSION),
        Some(text) => match text.trim().parse::<u32>() {
            Ok(version) if (1..=MAX_RECOVERY_KEY_VERSION).contains(&version) => Ok(version),
            _ => Err(invalid(
                "recovery_key_version",
                "must be a whole number from 1 to 999",
            )),
        },
    }
}

impl fmt::Debug for Config {
    // Never print the keys.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("rp_id", &self.rp_id)
            .field("rp_name", &self.rp_name)
            .field("origins", &self.origins)
            .field("user_verification", &self.user_verification)
            .field("agent_upstream", &self.agent_upstream)
            .field("agent_deadline_ms", &self.agent_deadline_ms)
            .field("agent_hold_ms", &self.agent_hold_ms)
            .field("sign_in_policy", &self.sign_in_policy)
            .field("limits", &self.limits)
            .field("agent_test_modes", &self.agent_test_modes)
            .field("test_inventory", &self.test_inventory)
            .finish_non_exhaustive()
    }
}

/// What is misconfigured. The message names the store or key, never a secret's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// A store named in fastly.toml / the service is missing.
    MissingStore { kind: &'static str, name: String },
    /// A store could not be read.
    Unreadable { kind: &'static str, name: String },
    /// A required key is absent.
    MissingKey { store: String, key: &'static str },
    /// A key is present but its value is not acceptable.
    Invalid { key: &'static str, reason: String },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::MissingStore { kind, name } => {
                write!(
                    f,
                    "the {kind} store `{name}` does not exist on this service"
                )
            }
            ConfigError::Unreadable { kind, name } => {
                write!(f, "the {kind} store `{name}` could not be read")
            }
            ConfigError::MissingKey { store, key } => {
                write!(f, "`{key}` is missing from the store `{store}`")
            }
            ConfigError::Invalid { key, reason } => write!(f, "`{key}` is invalid: {reason}"),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Validates every value; `names` only serves the error messages.
    pub fn from_raw(raw: RawConfig, names: &StoreNames<'_>) -> Result<Config, ConfigError> {
        let missing = |store: &str, key: &'static str| ConfigError::MissingKey {
            store: store.to_owned(),
            key,
        };
        let rp_id = raw.rp_id.ok_or_else(|| missing(names.config, "rp_id"))?;
        validate_rp_id(&rp_id)?;
        let rp_name = raw
            .rp_name
            .ok_or_else(|| missing(names.config, "rp_name"))?;
        if rp_name.trim().is_empty() || rp_name.len() > 64 {
            return Err(invalid("rp_name", "must be 1 to 64 bytes"));
        }
        let origins_json = raw
            .origins
            .ok_or_else(|| missing(names.config, "origins"))?;
        let origins = parse_origins(&origins_json, &rp_id)?;
        let user_verification = match raw.user_verification.as_deref() {
            Some("required") => UserVerification::Required,
            Some("preferred") => UserVerification::Preferred,
            Some(_) => {
                return Err(invalid(
                    "user_verification",
                    "must be `required` or `preferred`",
                ));
            }
            None => return Err(missing(names.config, "user_verification")),
        };
        let agent_upstream = match raw.agent_upstream.as_deref() {
            Some("on") => true,
            Some("off") | None => false,
            Some(_) => return Err(invalid("agent_upstream", "must be `on` or `off`")),
        };
        let agent_deadline_ms = match raw.agent_deadline_ms.as_deref() {
            None => DEFAULT_AGENT_DEADLINE_MS,
            Some(text) => match text.parse::<u64>() {
                Ok(ms) if (1..=MAX_AGENT_DEADLINE_MS).contains(&ms) => ms,
                _ => {
                    return Err(invalid(
                        "agent_deadline_ms",
                        "must be a whole number of milliseconds from 1 to 10000",
                    ));
                }
            },
        };
        let agent_hold_ms = match raw.agent_hold_ms.as_deref() {
            None => 0,
            Some(text) => match text.parse::<u64>() {
                Ok(ms) if ms <= MAX_AGENT_HOLD_MS && ms < agent_deadline_ms => ms,
                _ => {
                    return Err(invalid(
                        "agent_hold_ms",
                        "must be a whole number of milliseconds from 0 to 200, below agent_deadline_ms",
                    ));
                }
            },
        };
        let agent_test_modes = match raw.agent_test_modes.as_deref() {
            Some("on") => true,
            Some("off") | None => false,
            Some(_) => return Err(invalid("agent_test_modes", "must be `on` or `off`")),
        };
        let test_inventory = match raw.test_inventory.as_deref() {
            Some("on") => true,
            Some("off") | None => false,
            Some(_) => return Err(invalid("test_inventory", "must be `on` or `off`")),
        };
        let sign_in_policy = match raw.counter_policy.as_deref() {
            Some("flag") | None => Policy::FLAG,
            Some("strict") => Policy::STRICT,
            Some(_) => return Err(invalid("counter_policy", "must be `flag` or `strict`")),
        };
        let defaults = Limits::default();
        let limit = |value: Option<&str>, key: &'static str, default: Limit| match value {
            None => Ok(default),
            Some(text) => Limit::parse(text).ok_or_else(|| {
                invalid(
                    key,
                    "must be N/SECONDS, e.g. 10/300 (N from 1 to 100000, SECONDS from 1 to 86400)",
                )
            }),
        };
        let limits = Limits {
            failures_per_ip: limit(
                raw.limit_failures_per_ip.as_deref(),
                "limit_failures_per_ip",
                defaults.failures_per_ip,
            )?,
            failures_per_credential: limit(
                raw.limit_failures_per_credential.as_deref(),
                "limit_failures_per_credential",
                defaults.failures_per_credential,
            )?,
            registrations_per_ip: limit(
                raw.limit_registrations_per_ip.as_deref(),
                "limit_registrations_per_ip",
                defaults.registrations_per_ip,
            )?,
            flood_rps_per_ip: match raw.limit_flood_rps_per_ip.as_deref() {
                None => defaults.flood_rps_per_ip,
                Some(text) => crate::limits::parse_flood_rps(text).ok_or_else(|| {
                    invalid(
                        "limit_flood_rps_per_ip",
                        "must be a whole number of requests per second from 0 (off) to 10000",
                    )
                })?,
            },
            recovery_per_ip: limit(
                raw.limit_recovery_per_ip.as_deref(),
                "limit_recovery_per_ip",
                defaults.recovery_per_ip,
            )?,
            recovery_per_account: limit(
                raw.limit_recovery_per_account.as_deref(),
                "limit_recovery_per_account",
                defaults.recovery_per_account,
            )?,
        };
        let version = recovery_key_version(raw.recovery_key_version.as_deref())?;
        let recovery_key = |version: u32, bytes: Option<Vec<u8>>| match bytes {
            None => Ok(None),
            Some(bytes) => Key::new(bytes)
                .map(|key| Some((version, key)))
                .map_err(|_| {
                    invalid(
                        "recovery_key",
                        &format!("`recovery_key_v{version}` must be at least 32 bytes"),
                    )
                }),
        };
        let recovery = RecoveryKeys {
            current: recovery_key(version, raw.recovery_key_current)?,
            previous: recovery_key(version.saturating_sub(1), raw.recovery_key_previous)?,
        };
        let current = raw
            .session_key_current
            .ok_or_else(|| missing(names.secrets, "session_key_current"))?;
        let current = Key::new(current)
            .map_err(|_| invalid("session_key_current", "must be at least 32 bytes"))?;
        let previous = match raw.session_key_previous {
            None => None,
            Some(bytes) => Some(
                Key::new(bytes)
                    .map_err(|_| invalid("session_key_previous", "must be at least 32 bytes"))?,
            ),
        };
        Ok(Config {
            rp_id,
            rp_name,
            origins,
            user_verification,
            agent_upstream,
            agent_deadline_ms,
            agent_hold_ms,
            sign_in_policy,
            limits,
            agent_test_modes,
            test_inventory,
            keys: SigningKeys { current, previous },
            recovery,
        })
    }
}

fn invalid(key: &'static str, reason: &str) -> ConfigError {
    ConfigError::Invalid {
        key,
        reason: reason.to_owned(),
    }
}

/// An RP ID is a lowercase DNS name (no scheme, port, path, or IP address: WebAuthn refuses IP
/// RP IDs).
fn validate_rp_id(rp_id: &str) -> Result<(), ConfigError> {
    let ok = !rp_id.is_empty()
        && rp_id.len() <= 253
        && rp_id.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        && !rp_id.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "rp_id",
            "must be a lowercase domain name such as `example.com` (no scheme, port or IP)",
        ))
    }
}

/// `origins` is a JSON array of exact origins `scheme://host[:port]` whose host equals the RP ID
/// or is a subdomain of it. `https` is required except for `localhost`.
fn parse_origins(json: &str, rp_id: &str) -> Result<Vec<String>, ConfigError> {
    let origins: Vec<String> = serde_json::from_str(json).map_err(|_| {
        invalid(
            "origins",
            "must be a JSON array of strings, e.g. [\"https://example.com\"]",
        )
    })?;
    if origins.is_empty() {
        return Err(invalid("origins", "must list at least one origin"));
    }
    if origins.len() > MAX_ORIGINS {
        return Err(invalid("origins", "lists more than 16 origins"));
    }
    for origin in &origins {
        validate_origin(origin, rp_id)?;
    }
    Ok(origins)
}

fn validate_origin(origin: &str, rp_id: &str) -> Result<(), ConfigError> {
    let bad = |why: &str| invalid("origins", &format!("`{origin}` {why}"));
    let (scheme, rest) = origin
        .split_once("://")
        .ok_or_else(|| bad("is not an origin (scheme://host[:port])"))?;
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    if let Some(port) = port
        && (port.is_empty() || port.parse::<u16>().is_err() || port.starts_with('0'))
    {
        return Err(bad("has an invalid port"));
    }
    if host.is_empty()
        || !host
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    {
        return Err(bad(
            "must be scheme://host[:port] in lowercase, with no path or trailing slash",
        ));
    }
    match scheme {
        "https" => {}
        "http" if host == "localhost" => {}
        _ => return Err(bad("must use https (http only for localhost)")),
    }
    let host_matches = host == rp_id
        || host
            .strip_suffix(rp_id)
            .is_some_and(|prefix| prefix.ends_with('.'));
    if !host_matches {
        return Err(bad(
            "has a host that is neither the RP ID nor a subdomain of it",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
