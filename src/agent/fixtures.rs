//! Test accounts and inputs shared by the agent's and the templates' tests.

use crate::account::{Account, ClientInfo, SecurityEvent, SignInEvent};

/// 2026-11-25 14:03:00 UTC.
pub const NOW: u64 = 1_795_615_380;
pub const HOUR: u64 = 3600;
pub const DAY: u64 = 86_400;

pub fn client(country: &str, city: &str, ua: &str) -> ClientInfo {
    ClientInfo {
        ip: Some("203.0.113.7".into()),
        country: Some(country.into()),
        city: Some(city.into()),
        user_agent_family: Some(ua.into()),
    }
}

pub fn sign_in(at: u64, client: ClientInfo, registration: bool) -> SignInEvent {
    SignInEvent {
        at,
        client,
        registration,
    }
}

pub fn refused(at: u64, code: &str) -> SecurityEvent {
    SecurityEvent {
        at,
        code: code.into(),
        client: client("RU", "Moscow", "curl"),
    }
}

/// Just registered, from Paris, with Apple Passwords (synced).
pub fn fresh_account() -> Account {
    let created = NOW - 60;
    Account {
        v: crate::account::ACCOUNT_VERSION,
        user_handle: "SECRET-USER-HANDLE-q9F2".into(),
        name: "amber-otter-27".into(),
        credential_id: "SECRET-CREDENTIAL-ID-x7Yk".into(),
        public_key_cose: "SECRET-PUBLIC-KEY-pQ3s".into(),
        alg: -7,
        sign_count: 0,
        backup_eligible: true,
        backup_state: true,
        user_verified: true,
        aaguid: "fbfc3007-154e-4ecc-8c0b-6e020557d7bd".into(),
        transports: vec!["internal".into(), "hybrid".into()],
        created_at: created,
        last_used_at: created,
        sign_ins: vec![sign_in(
            created,
            client("FR", "Paris", "Safari on macOS"),
            true,
        )],
        security_events: vec![],
        previous_sign_in_at: None,
        sessions: vec!["SECRET-SESSION-ID-b8Lw".into()],
        retired_passkeys: Vec::new(),
        session_epoch: 0,
        passkey_created_at: None,
        recovered_at: None,
        recovery_code: None,
    }
}
