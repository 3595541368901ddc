#![allow(clippy::unwrap_used, clippy::indexing_slicing)]
use super::*;

fn keys(version: u32, byte: u8) -> RecoveryKeys {
    RecoveryKeys {
        current: Some((version, Key::new(vec![byte; 32]).unwrap())),
        previous: None,
    }
}

#[test]
fn a_code_is_thirty_crockford_symbols_in_six_groups() {
    let code = RecoveryCode::from_random([0; CODE_RANDOM_BYTES]);
    assert_eq!(code.display(), "00000-00000-00000-00000-00000-00000");
    let code = RecoveryCode::from_random([0xff; CODE_RANDOM_BYTES]);
    assert_eq!(code.display(), "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ");
    // 0x08 0x86 0x42 ... : 00001 00010 00011 00100 0010… — each 5 bits one symbol, in order.
    let mut random = [0u8; CODE_RANDOM_BYTES];
    random[..5].copy_from_slice(&[0x08, 0x86, 0x42, 0x98, 0xe8]);
    assert!(
        RecoveryCode::from_random(random)
            .display()
            .starts_with("12345-678")
    );
    assert_eq!(code.locator(), "ZZZZZ");
}

#[test]
fn codes_carry_at_least_a_hundred_secret_bits() {
    // 25 secret symbols × 5 bits, every symbol reachable.
    const { assert!((CODE_SYMBOLS - LOCATOR_SYMBOLS) * 5 >= 100) };
    const { assert!(CODE_RANDOM_BYTES * 8 >= CODE_SYMBOLS * 5) };
    let mut seen = std::collections::HashSet::new();
    for byte in 0..=255u8 {
        let code = RecoveryCode::from_random([byte; CODE_RANDOM_BYTES]);
        seen.extend(code.display().chars().filter(|c| *c != '-'));
    }
    assert_eq!(seen.len(), 32);
}

#[test]
fn typing_is_forgiving_but_exact() {
    let code = RecoveryCode::from_random([0x5a; CODE_RANDOM_BYTES]);
    let shown = code.display();
    assert_eq!(RecoveryCode::parse(&shown), Ok(code.clone()));
    let typed = shown.to_lowercase().replace('-', " ");
    assert_eq!(
        RecoveryCode::parse(&format!("  {typed} ")),
        Ok(code.clone())
    );
    let zeros = RecoveryCode::from_random([0; CODE_RANDOM_BYTES]);
    assert_eq!(RecoveryCode::parse(&"o".repeat(30)), Ok(zeros));
    let ones = RecoveryCode::parse(&"1".repeat(30)).unwrap();
    assert_eq!(RecoveryCode::parse(&"IlIlI".repeat(6)), Ok(ones));
    let cases: [(&str, CodeError); 5] = [
        ("", CodeError::WrongLength { symbols: 0 }),
        (
            &shown[..shown.len() - 1],
            CodeError::WrongLength { symbols: 29 },
        ),
        ("U0000-00000-00000-00000-00000-00000", CodeError::BadSymbol),
        ("00000_00000", CodeError::BadSymbol),
        ("00000-00000-00000-00000-00000-0000é", CodeError::BadSymbol),
    ];
    for (input, error) in cases {
        assert_eq!(RecoveryCode::parse(input), Err(error), "{input:?}");
    }
    assert_eq!(
        RecoveryCode::parse(&"-".repeat(MAX_CODE_INPUT + 1)),
        Err(CodeError::TooLong)
    );
    // Debug never shows the secret part.
    assert_eq!(
        format!("{code:?}"),
        format!("RecoveryCode {{ locator: {:?}, .. }}", code.locator())
    );
}

#[test]
fn only_the_right_code_for_the_right_account_matches() {
    let keys = keys(1, 7);
    let code = RecoveryCode::from_random([0x33; CODE_RANDOM_BYTES]);
    let stored = store(&keys, "alice", &code, 1_000).unwrap();
    assert_eq!((stored.key_version, stored.created_at), (1, 1_000));
    assert_eq!(stored.locator, code.locator());
    // The record holds no symbol of the secret part.
    let json = serde_json::to_string(&stored).unwrap();
    assert!(!json.contains(&code.display()[6..]), "{json}");
    assert!(matches(&keys, &stored, "alice", &code));
    assert!(
        !matches(&keys, &stored, "bob", &code),
        "bound to the account"
    );
    let mut other = code.display();
    let last = other.len() - 1..other.len();
    other.replace_range(last, if other.ends_with('0') { "1" } else { "0" });
    assert!(!matches(
        &keys,
        &stored,
        "alice",
        &RecoveryCode::parse(&other).unwrap()
    ));
    // Off without a current key.
    assert!(store(&RecoveryKeys::default(), "alice", &code, 0).is_none());
    assert!(!matches(&RecoveryKeys::default(), &stored, "alice", &code));
}

#[test]
fn a_rotated_recovery_key_still_checks_its_codes_and_the_session_key_plays_no_part() {
    let code = RecoveryCode::from_random([0x44; CODE_RANDOM_BYTES]);
    let stored = store(&keys(1, 7), "alice", &code, 0).unwrap();
    let rotated = RecoveryKeys {
        current: Some((2, Key::new(vec![8; 32]).unwrap())),
        previous: Some((1, Key::new(vec![7; 32]).unwrap())),
    };
    assert!(matches(&rotated, &stored, "alice", &code));
    assert_eq!(store(&rotated, "alice", &code, 0).unwrap().key_version, 2);
    // Version 1 retired: its codes no longer check out (a new code must be made first).
    let retired = RecoveryKeys {
        current: Some((3, Key::new(vec![9; 32]).unwrap())),
        previous: Some((2, Key::new(vec![8; 32]).unwrap())),
    };
    assert!(!matches(&retired, &stored, "alice", &code));
    // A different key under the same version number does not match either.
    assert!(!matches(&keys(1, 6), &stored, "alice", &code));
}
