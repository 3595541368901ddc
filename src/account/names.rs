//! Friendly generated account names such as `amber-otter-27`: an adjective, an animal and a
//! number from 10 to 99, picked from 4 injected random bytes.
//!
//! 64 × 64 × 90 = 368,640 names: enough to tell a handful of passkeys apart in a browser's
//! passkey list, and the words are plain, lowercase, ASCII and inoffensive so the name can be
//! shown anywhere without escaping surprises.
//!
//! It deliberately does not: guarantee uniqueness (the account is keyed by its credential id, not
//! its name), read randomness itself (the edge injects it), or carry any meaning: a name says
//! nothing about the person.
//!
//! A person may also choose their own name ("Change name"): [`chosen_name`] checks and
//! normalises it. It deliberately does not apply Unicode NFC: that needs the Unicode
//! composition tables (a dependency and ~100 KiB of wasm) for names that keyboards and IMEs
//! already send composed. It does what keeps a name safe to show and to hand to a passkey
//! provider: whitespace trimmed and collapsed, invisible and direction-changing characters
//! refused, a bounded length.

/// 64 adjectives, so `byte % 64` picks one without bias.
const ADJECTIVES: [&str; 64] = [
    "amber", "azure", "bold", "brave", "bright", "brisk", "calm", "cheery", "clever", "cosmic",
    "crisp", "dapper", "eager", "early", "fancy", "fluffy", "gentle", "gleaming", "golden",
    "happy", "hazel", "honest", "humble", "jolly", "keen", "kind", "lively", "lucky", "lunar",
    "mellow", "merry", "mighty", "misty", "modest", "nimble", "noble", "olive", "patient",
    "plucky", "polite", "proud", "quick", "quiet", "rapid", "rosy", "royal", "rustic", "sandy",
    "silver", "sleek", "snowy", "solar", "spry", "steady", "sunny", "swift", "tidy", "topaz",
    "tranquil", "velvet", "vivid", "warm", "witty", "zesty",
];

/// 64 animals, so `byte % 64` picks one without bias.
const ANIMALS: [&str; 64] = [
    "otter", "alpaca", "badger", "beaver", "bison", "camel", "crane", "dingo", "dolphin", "eagle",
    "elk", "falcon", "ferret", "finch", "fox", "gazelle", "gecko", "hedgehog", "heron", "ibis",
    "jaguar", "kiwi", "koala", "lemur", "llama", "lynx", "marten", "meerkat", "moose", "narwhal",
    "newt", "ocelot", "orca", "owl", "panda", "parrot", "pelican", "penguin", "puffin", "quail",
    "rabbit", "raven", "robin", "salmon", "seal", "sparrow", "squirrel", "stork", "swan", "tapir",
    "tiger", "toucan", "turtle", "walrus", "wombat", "wren", "yak", "zebra", "bear", "lark",
    "mole", "hare", "pika", "okapi",
];

/// Builds a name from 4 random bytes: byte 0 picks the adjective, byte 1 the animal, bytes 2–3
/// the number (10–99; the bias of `u16 % 90` is under 0.03%).
pub fn friendly_name(random: [u8; 4]) -> String {
    let [adjective, animal, high, low] = random;
    let adjective = ADJECTIVES
        .get(usize::from(adjective) % ADJECTIVES.len())
        .copied()
        .unwrap_or("amber");
    let animal = ANIMALS
        .get(usize::from(animal) % ANIMALS.len())
        .copied()
        .unwrap_or("otter");
    let number = 10 + u16::from_be_bytes([high, low]) % 90;
    format!("{adjective}-{animal}-{number}")
}

/// Most characters (Unicode scalar values) in a chosen name, after normalising.
pub const MAX_NAME_CHARS: usize = 64;

/// Why a chosen name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameError {
    /// Nothing but whitespace.
    Empty,
    /// More than [`MAX_NAME_CHARS`] characters after normalising.
    TooLong { chars: usize },
    /// A control character (Unicode Cc, e.g. a tab or a newline inside the name), or an
    /// invisible formatting character that could hide or reorder text (bidi overrides and
    /// isolates, zero-width characters, the byte order mark, soft hyphen).
    Invisible { character: char },
}

impl NameError {
    /// The API's stable code.
    pub const fn code(&self) -> &'static str {
        match self {
            NameError::Empty => "name_empty",
            NameError::TooLong { .. } => "name_too_long",
            NameError::Invisible { .. } => "name_invalid_character",
        }
    }
}

/// A name the person typed, normalised: leading and trailing whitespace removed, every run of
/// whitespace inside (spaces, tabs' cousins such as U+00A0 and U+3000) made one ASCII space, then
/// 1 to [`MAX_NAME_CHARS`] characters, none of them a control or invisible formatting character.
pub fn chosen_name(input: &str) -> Result<String, NameError> {
    let mut name = String::with_capacity(input.len().min(4 * MAX_NAME_CHARS));
    let mut chars = 0usize;
    let mut pending_space = false;
    let mut characters = input.chars().peekable();
    while let Some(character) = characters.next() {
        // Tab, newline and the other whitespace controls are refused, not collapsed: a name is
        // one line, and a pasted newline is more likely a mistake than a space. A joiner is
        // kept only inside a word or an emoji sequence (see `is_joiner`).
        let joins = is_joiner(character)
            && !pending_space
            && name.chars().next_back().is_some_and(is_joinable)
            && characters.peek().copied().is_some_and(is_joinable);
        if character.is_control() || (is_invisible(character) && !joins) {
            return Err(NameError::Invisible { character });
        }
        if character.is_whitespace() {
            pending_space = chars > 0;
            continue;
        }
        if pending_space {
            name.push(' ');
            chars += 1;
            pending_space = false;
        }
        name.push(character);
        chars += 1;
        if chars > MAX_NAME_CHARS {
            // Counting on is not needed to refuse it, and bounds the work.
            return Err(NameError::TooLong { chars });
        }
    }
    if chars == 0 {
        return Err(NameError::Empty);
    }
    Ok(name)
}

/// Zero-width joiner and non-joiner: invisible, but part of how some scripts are written
/// (Sinhala "ශ්‍රී", Persian, Indic conjuncts) and of emoji sequences ("👩‍💻"). They are kept
/// between two characters that are neither whitespace nor themselves invisible, and refused
/// anywhere else (leading, trailing, doubled, next to a space), where they could only hide.
fn is_joiner(character: char) -> bool {
    matches!(character, '\u{200C}' | '\u{200D}')
}

/// A character a joiner may stand next to.
fn is_joinable(character: char) -> bool {
    !character.is_whitespace() && !character.is_control() && !is_invisible(character)
}

/// Formatting characters that show nothing yet change how text around them reads.
fn is_invisible(character: char) -> bool {
    matches!(
        character,
        '\u{00AD}' // soft hyphen
            | '\u{061C}' // Arabic letter mark
            | '\u{180E}' // Mongolian vowel separator
            | '\u{200B}'..='\u{200F}' // zero-width space, (non-)joiners, LRM, RLM
            | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{FEFF}' // byte order mark
            | '\u{FFF9}'..='\u{FFFB}' // interlinear annotations
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn chosen_names_are_trimmed_and_collapsed() {
        for (input, expected) in [
            ("Ada", "Ada"),
            ("  Ada   Lovelace \u{00A0}", "Ada Lovelace"),
            ("Zoë\u{3000}Ω 😀", "Zoë Ω 😀"),
            ("amber-otter-27", "amber-otter-27"),
            // Joiners inside a word or an emoji sequence.
            ("ශ්\u{200D}රී ලංකා", "ශ්\u{200D}රී ලංකා"),
            ("👩\u{200D}💻 Dev", "👩\u{200D}💻 Dev"),
            ("🏳\u{FE0F}\u{200D}🌈", "🏳\u{FE0F}\u{200D}🌈"),
            ("می\u{200C}خواهم", "می\u{200C}خواهم"),
        ] {
            assert_eq!(chosen_name(input), Ok(expected.to_owned()), "{input:?}");
        }
        let longest = "é".repeat(MAX_NAME_CHARS);
        assert_eq!(chosen_name(&format!(" {longest} ")), Ok(longest.clone()));
    }

    #[test]
    fn bad_names_give_the_exact_error() {
        let too_long = "a".repeat(MAX_NAME_CHARS + 1);
        let zwj = NameError::Invisible {
            character: '\u{200D}',
        };
        let cases: [(&str, NameError); 14] = [
            // A joiner anywhere but inside a word or sequence.
            ("\u{200D}Ada", zwj),
            ("Ada\u{200D}", zwj),
            ("Ada \u{200D}Lovelace", zwj),
            ("Ada\u{200D} Lovelace", zwj),
            ("A\u{200D}\u{200D}da", zwj),
            ("", NameError::Empty),
            (" \u{00A0} \u{2003}", NameError::Empty),
            (&too_long, NameError::TooLong { chars: 65 }),
            ("Ada\nLovelace", NameError::Invisible { character: '\n' }),
            ("Ada\tL", NameError::Invisible { character: '\t' }),
            (
                "\u{0007}",
                NameError::Invisible {
                    character: '\u{0007}',
                },
            ),
            (
                "Ada\u{202E}lace",
                NameError::Invisible {
                    character: '\u{202E}',
                },
            ),
            (
                "A\u{200B}da",
                NameError::Invisible {
                    character: '\u{200B}',
                },
            ),
            (
                "\u{FEFF}Ada",
                NameError::Invisible {
                    character: '\u{FEFF}',
                },
            ),
        ];
        for (input, error) in cases {
            assert_eq!(chosen_name(input), Err(error), "{input:?}");
        }
        assert_eq!(NameError::Empty.code(), "name_empty");
    }

    #[test]
    fn examples() {
        assert_eq!(friendly_name([0, 0, 0, 17]), "amber-otter-27");
        assert_eq!(friendly_name([63, 63, 0, 89]), "zesty-okapi-99");
        assert_eq!(friendly_name([64, 64, 0, 90]), "amber-otter-10");
        assert_eq!(friendly_name([255, 255, 255, 255]), "zesty-okapi-25");
    }

    #[test]
    fn word_lists_are_distinct_lowercase_ascii() {
        for list in [&ADJECTIVES, &ANIMALS] {
            let unique: HashSet<_> = list.iter().collect();
            assert_eq!(unique.len(), 64, "duplicate word");
            for word in list {
                assert!(
                    !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase()),
                    "{word}"
                );
            }
        }
    }

    #[test]
    fn every_byte_value_gives_a_well_formed_name() {
        let mut adjectives = HashSet::new();
        let mut animals = HashSet::new();
        let mut numbers = HashSet::new();
        for byte in 0..=255u8 {
            let name = friendly_name([byte, byte.wrapping_mul(7), byte, byte.wrapping_add(3)]);
            let parts: Vec<&str> = name.split('-').collect();
            assert_eq!(parts.len(), 3, "{name}");
            adjectives.insert(parts[0].to_owned());
            animals.insert(parts[1].to_owned());
            numbers.insert(parts[2].parse::<u16>().unwrap());
        }
        assert_eq!(adjectives.len(), 64);
        assert_eq!(animals.len(), 64);
        assert!(numbers.iter().all(|n| (10..=99).contains(n)));
    }

    #[test]
    fn every_number_is_reachable() {
        let numbers: HashSet<String> = (0..=u16::MAX)
            .map(|n| {
                let [high, low] = n.to_be_bytes();
                friendly_name([0, 0, high, low])
            })
            .collect();
        assert_eq!(numbers.len(), 90);
    }
}
