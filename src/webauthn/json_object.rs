//! "A JSON object", read as one: serde's derived `Deserialize` for a struct also accepts a JSON
//! array holding the members in declaration order, so `["webauthn.get","AQID","https://…"]`
//! would parse as a `CollectedClientData`. Every JSON text WebAuthn defines (`clientDataJSON`,
//! §5.8.1; `RegistrationResponseJSON` / `AuthenticationResponseJSON` and their `response`,
//! §5.1.8) and the SafetyNet JWS header and payload (RFC 7515 §4, "a JSON object") is an
//! object, so anything else is malformed.
//!
//! [`from_slice`] and [`deserialize`] hand the type a deserializer that asks serde_json for a
//! map whatever the type requests: one parse, no second pass over the text. They are meant for
//! structs; a type that wants a string or a sequence gets a type error instead.

use serde::de::{Deserialize, Deserializer, Visitor};

/// Parses `json` as `T`, refusing any top-level value that is not an object, and trailing
/// non-whitespace (as `serde_json::from_slice` does).
pub(crate) fn from_slice<'de, T: Deserialize<'de>>(
    json: &'de [u8],
) -> Result<T, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(json);
    let value = T::deserialize(ObjectOnly(&mut de))?;
    de.end()?;
    Ok(value)
}

/// For `#[serde(deserialize_with = "json_object::deserialize")]` on a member whose value must be
/// an object.
pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    de: D,
) -> Result<T, D::Error> {
    T::deserialize(ObjectOnly(de))
}

/// Forwards every request to the inner deserializer as a request for a map, so a derived struct
/// visitor never sees `visit_seq`. Members inside the object are read by the inner deserializer
/// itself (nested structs that must be objects need their own `deserialize_with`).
struct ObjectOnly<D>(D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for ObjectOnly<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.0.deserialize_map(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Pair {
        a: u8,
        b: String,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Outer {
        #[serde(deserialize_with = "deserialize")]
        inner: Pair,
    }

    #[test]
    fn an_object_parses_as_serde_would() {
        let pair: Pair = from_slice(br#" {"b":"x","a":1,"extra":[1]} "#).unwrap();
        assert_eq!(
            pair,
            Pair {
                a: 1,
                b: "x".into()
            }
        );
        let outer: Outer = from_slice(br#"{"inner":{"a":2,"b":"y"}}"#).unwrap();
        assert_eq!(
            outer.inner,
            Pair {
                a: 2,
                b: "y".into()
            }
        );
    }

    #[test]
    fn serde_alone_reads_a_struct_from_an_array() {
        // The gap this module closes: if serde_json ever stops doing this, the module can go.
        let pair: Pair = serde_json::from_slice(br#"[1,"x"]"#).unwrap();
        assert_eq!(
            pair,
            Pair {
                a: 1,
                b: "x".into()
            }
        );
    }

    #[test]
    fn every_other_json_value_is_refused() {
        for json in [
            &br#"[1,"x"]"#[..],
            b"[]",
            b"\"ab\"",
            b"1",
            b"true",
            b"null",
            b"",
            b"{\"a\":1,\"b\":\"x\"} {}",        // trailing value
            b"{\"a\":1,\"b\":\"x\"} [1,\"x\"]", // trailing array
        ] {
            assert!(
                from_slice::<Pair>(json).is_err(),
                "{}",
                String::from_utf8_lossy(json)
            );
        }
        for json in [
            &br#"{"inner":[2,"y"]}"#[..],
            br#"[{"a":2,"b":"y"}]"#,
            br#"{"inner":"y"}"#,
        ] {
            assert!(
                from_slice::<Outer>(json).is_err(),
                "{}",
                String::from_utf8_lossy(json)
            );
        }
    }
}
