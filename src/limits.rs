//! Abuse limits: fixed windows counted in a store, with their expiry inside the value (TTL
//! deletion can lag). Fastly-free: the edge reads a [`Window`], asks it, and writes back what
//! [`Window::bump`] returns.
//!
//! What is limited (defaults in [`Limits::default`], each settable in `bio_config` as `N/SECONDS`):
//! - failed ceremonies per client address (`limit_failures_per_ip`): every `/auth/finish` or
//!   `/account/delete` that does not succeed counts, whatever the reason;
//! - failed ceremonies per credential (`limit_failures_per_credential`);
//! - registrations per client address (`limit_registrations_per_ip`);
//! - a flood guard in front of all of them (`limit_flood_rps_per_ip`, requests per second): the
//!   POST requests of one address, averaged over 10 s, past which the address is refused for a
//!   minute by Fastly's Edge Rate Limiting. It counts every POST, not only failures, so it sits
//!   far above anything people do by hand (50 a second by default: ten times a 1,000-person
//!   office all signing in within one minute); 0 turns it off. Edge Rate Limiting counts per POP
//!   and roughly (it may undercount by 10 %), and it does nothing under Viceroy.
//! - recovery code attempts per client address (`limit_recovery_per_ip`) and per account
//!   (`limit_recovery_per_account`, the account the code's first group names).
//!
//! Many people share one address (offices, carrier NAT), so a ceremony that verifies is never
//! refused because of other people's failures: a full failure window only turns the next
//! *failures* into `429 rate_limited`. Registrations are the exception: they are counted when
//! they succeed, and a full window refuses the next one. So are recovery codes: a code is a
//! secret that a person types, so a full window refuses every attempt, right or wrong, until it
//! ends (the account's window can only be filled by someone who knows the code's first group,
//! which only its holder does). The defaults leave a household or an
//! office alone (30 registrations an hour from one address).
//!
//! A full window is not written again until it expires, so the limiter's own writes are bounded
//! by `max + 1` per key and window.
//!
//! It does not: store raw addresses (keys hold a keyed digest), or talk to a store.

use serde::{Deserialize, Serialize};

/// One limit: at most `max` events per `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub window_secs: u64,
}

impl Limit {
    /// Parses `N/SECONDS`, e.g. `10/300`: 1 ≤ N ≤ 100000, 1 ≤ SECONDS ≤ 86400.
    pub fn parse(text: &str) -> Option<Limit> {
        let (max, window) = text.trim().split_once('/')?;
        let max: u32 = max.trim().parse().ok()?;
        let window_secs: u64 = window.trim().parse().ok()?;
        ((1..=100_000).contains(&max) && (1..=86_400).contains(&window_secs))
            .then_some(Limit { max, window_secs })
    }
}

/// Every limit Bio applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub failures_per_ip: Limit,
    pub failures_per_credential: Limit,
    pub registrations_per_ip: Limit,
    pub recovery_per_ip: Limit,
    pub recovery_per_account: Limit,
    /// POSTs per second from one address, averaged over 10 s, past which it is refused for a
    /// minute at the edge; 0 is off.
    pub flood_rps_per_ip: u32,
}

/// Highest `limit_flood_rps_per_ip`.
pub const MAX_FLOOD_RPS: u32 = 10_000;

/// Parses `limit_flood_rps_per_ip`: a whole number from 0 (off) to [`MAX_FLOOD_RPS`].
pub fn parse_flood_rps(text: &str) -> Option<u32> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|rps| *rps <= MAX_FLOOD_RPS)
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            failures_per_ip: Limit {
                max: 10,
                window_secs: 300,
            },
            failures_per_credential: Limit {
                max: 10,
                window_secs: 300,
            },
            registrations_per_ip: Limit {
                max: 30,
                window_secs: 3_600,
            },
            flood_rps_per_ip: 50,
            recovery_per_ip: Limit {
                max: 10,
                window_secs: 3_600,
            },
            recovery_per_account: Limit {
                max: 5,
                window_secs: 3_600,
            },
        }
    }
}

/// What a limit's key counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    FailuresPerIp,
    FailuresPerCredential,
    RegistrationsPerIp,
    RecoveryPerIp,
    RecoveryPerAccount,
}

impl Counted {
    /// The key's prefix in the store.
    pub const fn prefix(self) -> &'static str {
        match self {
            Counted::FailuresPerIp => "limit/failures-ip/",
            Counted::FailuresPerCredential => "limit/failures-credential/",
            Counted::RegistrationsPerIp => "limit/registrations-ip/",
            Counted::RecoveryPerIp => "limit/recovery-ip/",
            Counted::RecoveryPerAccount => "limit/recovery-account/",
        }
    }

    /// The limit that applies.
    pub fn limit(self, limits: &Limits) -> Limit {
        match self {
            Counted::FailuresPerIp => limits.failures_per_ip,
            Counted::FailuresPerCredential => limits.failures_per_credential,
            Counted::RegistrationsPerIp => limits.registrations_per_ip,
            Counted::RecoveryPerIp => limits.recovery_per_ip,
            Counted::RecoveryPerAccount => limits.recovery_per_account,
        }
    }
}

/// One window's count, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub v: u32,
    /// Unix seconds.
    pub start: u64,
    pub count: u32,
}

impl Window {
    /// The window in force at `now`: the stored one while it lasts, else a fresh one.
    pub fn current(stored: Option<Window>, now: u64, limit: Limit) -> Window {
        match stored {
            Some(window) if now < window.start.saturating_add(limit.window_secs) => window,
            _ => Window {
                v: 1,
                start: now,
                count: 0,
            },
        }
    }

    /// Whether the window is full.
    pub fn is_full(&self, limit: Limit) -> bool {
        self.count >= limit.max
    }

    /// Seconds until the window ends (at least 1).
    pub fn retry_after(&self, now: u64, limit: Limit) -> u64 {
        self.start
            .saturating_add(limit.window_secs)
            .saturating_sub(now)
            .max(1)
    }

    /// The window after one more event; `None` when it is already full (nothing to write).
    pub fn bump(&self, limit: Limit) -> Option<Window> {
        (!self.is_full(limit)).then_some(Window {
            count: self.count + 1,
            ..*self
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const TEN_IN_FIVE: Limit = Limit {
        max: 10,
        window_secs: 300,
    };

    #[test]
    fn limits_parse_from_config_text() {
        assert_eq!(Limit::parse("10/300"), Some(TEN_IN_FIVE));
        assert_eq!(Limit::parse(" 30 / 3600 ").unwrap().max, 30);
        for bad in [
            "", "10", "/300", "0/300", "10/0", "10/86401", "-1/5", "ten/300", "1/2/3",
        ] {
            assert_eq!(Limit::parse(bad), None, "{bad}");
        }
        let defaults = Limits::default();
        assert!(
            defaults.registrations_per_ip.max >= 20,
            "an office must not notice"
        );
        // 1,000 people behind one address all signing in (two POSTs each) within one minute.
        assert!(defaults.flood_rps_per_ip * 60 >= 2 * 1_000);
        assert_eq!(parse_flood_rps("0"), Some(0));
        assert_eq!(parse_flood_rps(" 50 "), Some(50));
        for bad in ["", "-1", "10001", "50/10", "many"] {
            assert_eq!(parse_flood_rps(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_window_counts_up_to_its_limit_then_writes_nothing_more() {
        let mut window = Window::current(None, 1_000, TEN_IN_FIVE);
        let mut writes = 0;
        for _ in 0..50 {
            if let Some(next) = window.bump(TEN_IN_FIVE) {
                window = next;
                writes += 1;
            }
        }
        assert_eq!(writes, 10);
        assert!(window.is_full(TEN_IN_FIVE));
        assert_eq!(window.retry_after(1_100, TEN_IN_FIVE), 200);
        // The next window starts afresh.
        let later = Window::current(Some(window), 1_300, TEN_IN_FIVE);
        assert_eq!(later.count, 0);
        assert!(!later.is_full(TEN_IN_FIVE));
        assert_eq!(Window::current(Some(window), 1_299, TEN_IN_FIVE), window);
    }
}
