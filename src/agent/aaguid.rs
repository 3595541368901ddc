//! Authenticator names by AAGUID, for showing the user which passkey provider holds their key.
//!
//! The table is generated at build time by `build.rs` from `data/aaguids.json` (a copy of the
//! community list at passkeydeveloper/passkey-authenticator-aaguids, see [`AAGUID_SOURCE`]) and
//! looked up by binary search. AAGUIDs are self-asserted by the authenticator unless attested:
//! the name is a UI label only and this module never decides trust with it.
//!
//! It does not: parse authenticator data (the verifier hands the AAGUID over as a UUID string on
//! the account record), or know icons, certification status or metadata statements.

include!(concat!(env!("OUT_DIR"), "/aaguid_table.rs"));

/// Shown when the AAGUID is well-formed but not in the table.
pub const UNKNOWN_AUTHENTICATOR: &str = "Unknown authenticator";
/// Shown for the all-zero AAGUID, which authenticators send when they do not disclose a model
/// (and which `none` attestation may zero out).
pub const UNDISCLOSED_AUTHENTICATOR: &str = "Passkey (AAGUID not disclosed)";

/// The 16 bytes of an AAGUID, as in the attested credential data
/// (<https://www.w3.org/TR/webauthn-3/#aaguid>).
pub type Aaguid = [u8; 16];

/// The all-zero AAGUID.
pub const ZERO_AAGUID: Aaguid = [0; 16];

/// Parses the dashed UUID form (`08987058-cadc-4b81-b6e1-30de50dcbe96`, either case).
/// Anything else (undashed, braces, wrong length) is `None`.
pub fn parse_aaguid(text: &str) -> Option<Aaguid> {
    let bytes = text.as_bytes();
    if bytes.len() != 36 {
        return None;
    }
    let mut out = ZERO_AAGUID;
    let mut nibbles = 0usize;
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if b != b'-' {
                return None;
            }
            continue;
        }
        let value = u8::try_from(char::from(b).to_digit(16)?).ok()?;
        let slot = out.get_mut(nibbles / 2)?;
        *slot = (*slot << 4) | value;
        nibbles += 1;
    }
    (nibbles == 32).then_some(out)
}

/// The display name for an AAGUID: the table's name, [`UNDISCLOSED_AUTHENTICATOR`] for all
/// zeros, else [`UNKNOWN_AUTHENTICATOR`].
pub fn authenticator_name(aaguid: &Aaguid) -> &'static str {
    if *aaguid == ZERO_AAGUID {
        return UNDISCLOSED_AUTHENTICATOR;
    }
    AAGUID_NAMES
        .binary_search_by(|(key, _)| key.cmp(aaguid))
        .ok()
        .and_then(|i| AAGUID_NAMES.get(i))
        .map_or(UNKNOWN_AUTHENTICATOR, |(_, name)| name)
}

/// The display name for the AAGUID as stored on the account (dashed UUID string). A string that
/// does not parse is [`UNKNOWN_AUTHENTICATOR`]: a label, not an error worth failing a page for.
pub fn authenticator_name_for(text: &str) -> &'static str {
    parse_aaguid(text).map_or(UNKNOWN_AUTHENTICATOR, |aaguid| authenticator_name(&aaguid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_entry_of_the_json() {
        // From data/aaguids.json.
        assert_eq!(
            authenticator_name_for("fbfc3007-154e-4ecc-8c0b-6e020557d7bd"),
            "Apple Passwords"
        );
        assert_eq!(
            authenticator_name_for("EA9B8D66-4D01-1D21-3CE4-B6B48CB575D4"),
            "Google Password Manager"
        );
    }

    #[test]
    fn every_entry_of_the_json_round_trips_through_the_table() {
        let root: serde_json::Value =
            serde_json::from_str(include_str!("../../data/aaguids.json")).unwrap();
        let names = root["names"].as_object().unwrap();
        assert_eq!(names.len(), AAGUID_NAMES.len());
        for (key, name) in names {
            assert_eq!(authenticator_name_for(key), name.as_str().unwrap(), "{key}");
        }
        // The generated table keeps the list's provenance.
        assert_eq!(AAGUID_SOURCE, root["source"].as_str().unwrap());
        assert_eq!(AAGUID_NOTE, root["note"].as_str().unwrap());
    }

    #[test]
    fn table_is_strictly_sorted_for_binary_search() {
        assert!(AAGUID_NAMES.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn unknown_zero_and_malformed() {
        assert_eq!(
            authenticator_name_for("00000000-0000-0000-0000-000000000001"),
            UNKNOWN_AUTHENTICATOR
        );
        assert_eq!(
            authenticator_name_for("00000000-0000-0000-0000-000000000000"),
            UNDISCLOSED_AUTHENTICATOR
        );
        for bad in [
            "",
            "fbfc3007154e4ecc8c0b6e020557d7bd",
            "fbfc3007-154e-4ecc-8c0b-6e020557d7b",
            "fbfc3007-154e-4ecc-8c0b-6e020557d7bdd",
            "fbfc3007_154e-4ecc-8c0b-6e020557d7bd",
            "gbfc3007-154e-4ecc-8c0b-6e020557d7bd",
            "fbfc3007-154e-4ecc-8c0b-6e020557d7é",
        ] {
            assert_eq!(parse_aaguid(bad), None, "{bad:?}");
            assert_eq!(authenticator_name_for(bad), UNKNOWN_AUTHENTICATOR);
        }
    }

    #[test]
    fn parses_bytes_in_order() {
        assert_eq!(
            parse_aaguid("00010203-0405-0607-0809-0a0b0c0d0e0f"),
            Some([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15])
        );
    }
}
