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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

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
