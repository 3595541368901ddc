//! Reads the configuration from the config and secret stores on each request, then validates it
//! with [`crate::config::Config::from_raw`].
//!
//! Store names are parameters so tests can point this at stores broken on purpose (declared in
//! fastly.toml under `[local_server]`); an undeclared name is the missing-store case. Only the
//! `try_` forms of the SDK are used: the others panic.

use fastly::config_store::OpenError as ConfigOpenError;
use fastly::secret_store::OpenError as SecretOpenError;
use fastly::{ConfigStore, SecretStore};

use crate::config::{Config, ConfigError, RawConfig, StoreNames};

/// Loads and validates everything a request needs from the stores.
pub fn load(names: &StoreNames<'_>) -> Result<Config, ConfigError> {
    let config = open_config(names.config)?;
    let secrets = open_secrets(names.secrets)?;
    let text = |key: &str| {
        config.try_get(key).map_err(|_| ConfigError::Unreadable {
            kind: "config",
            name: names.config.to_owned(),
        })
    };
    let secret = |key: &str| -> Result<Option<Vec<u8>>, ConfigError> {
        let unreadable = || ConfigError::Unreadable {
            kind: "secret",
            name: names.secrets.to_owned(),
        };
        match secrets.try_get(key).map_err(|_| unreadable())? {
            None => Ok(None),
            Some(secret) => Ok(Some(
                secret.try_plaintext().map_err(|_| unreadable())?.to_vec(),
            )),
        }
    };
    let raw = RawConfig {
        rp_id: text("rp_id")?,
        rp_name: text("rp_name")?,
        origins: text("origins")?,
        user_verification: text("user_verification")?,
        agent_upstream: text("agent_upstream")?,
        agent_deadline_ms: text("agent_deadline_ms")?,
        agent_hold_ms: text("agent_hold_ms")?,
        counter_policy: text("counter_policy")?,
        limit_failures_per_ip: text("limit_failures_per_ip")?,
        limit_failures_per_credential: text("limit_failures_per_credential")?,
        limit_registrations_per_ip: text("limit_registrations_per_ip")?,
        limit_flood_rps_per_ip: text("limit_flood_rps_per_ip")?,
        limit_recovery_per_ip: text("limit_recovery_per_ip")?,
        limit_recovery_per_account: text("limit_recovery_per_account")?,
        agent_test_modes: text("agent_test_modes")?,
        test_inventory: text("test_inventory")?,
        session_key_current: secret("session_key_current")?,
        session_key_previous: secret("session_key_previous")?,
        recovery_key_version: None,
        recovery_key_current: None,
        recovery_key_previous: None,
    };
    // The recovery keys' names depend on the version the config store names.
    let version_text = text("recovery_key_version")?;
    let version = crate::config::recovery_key_version(version_text.as_deref())?;
    let raw = RawConfig {
        recovery_key_current: secret(&format!("recovery_key_v{version}"))?,
        recovery_key_previous: match version {
            1 => None,
            _ => secret(&format!("recovery_key_v{}", version - 1))?,
        },
        recovery_key_version: version_text,
        ..raw
    };
    Config::from_raw(raw, names)
}

fn open_config(name: &str) -> Result<ConfigStore, ConfigError> {
    ConfigStore::try_open(name).map_err(|error| match error {
        ConfigOpenError::ConfigStoreDoesNotExist => ConfigError::MissingStore {
            kind: "config",
            name: name.to_owned(),
        },
        _ => ConfigError::Unreadable {
            kind: "config",
            name: name.to_owned(),
        },
    })
}

fn open_secrets(name: &str) -> Result<SecretStore, ConfigError> {
    SecretStore::open(name).map_err(|error| match error {
        SecretOpenError::SecretStoreDoesNotExist(_) => ConfigError::MissingStore {
            kind: "secret",
            name: name.to_owned(),
        },
        _ => ConfigError::Unreadable {
            kind: "secret",
            name: name.to_owned(),
        },
    })
}
