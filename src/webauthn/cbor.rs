//! A bounded CBOR (RFC 8949) decoder for the subset WebAuthn uses: the attestation object,
//! COSE keys and authenticator extension outputs (WebAuthn Level 3 §6.5, CTAP2 canonical CBOR).
//!
//! Accepted: unsigned and negative integers that fit an `i64` (major types 0 and 1), byte and
//! text strings, arrays, maps, `true`, `false`, `null` — all with definite lengths.
//! Refused: indefinite lengths, tags, floats, `undefined` and other simple values, duplicate map
//! keys, nesting deeper than [`MAX_DEPTH`], more than [`MAX_ITEMS`] items in one decode.
//! Every declared length and item count is checked against the bytes that remain before
//! anything is allocated, so a header claiming 2^64−1 items costs nothing.
//!
//! Deliberately not checked: canonical (shortest-form, sorted-key) encoding. Authenticators in
//! the field do not all produce it, and nothing here re-encodes what it decoded — signatures are
//! always checked over the bytes as received.
//!
//! Values borrow from the input; [`decode_exact`] fails on trailing bytes, [`decode_prefix`]
//! returns them (authenticator data carries a COSE key followed by more data).

use super::reader::{self, Reader};

/// Deepest nesting of arrays and maps accepted (the top-level item is depth 1).
pub const MAX_DEPTH: usize = 16;
/// Most data items (every integer, string, array, map, key and value counts) in one decode.
pub const MAX_ITEMS: usize = 1024;

/// Why a CBOR decode failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The input ended inside an item.
    UnexpectedEnd,
    /// Bytes were left after the item ([`decode_exact`] only).
    TrailingBytes,
    /// Arrays and maps nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// More than [`MAX_ITEMS`] items.
    TooManyItems,
    /// A declared length or item count larger than the bytes that remain.
    LengthTooLarge,
    /// An indefinite-length string, array or map.
    IndefiniteLength,
    /// An integer outside `i64`.
    IntegerOutOfRange,
    /// A tag, float, `undefined` or other simple value, or a reserved additional-info value.
    Unsupported,
    /// A text string that is not UTF-8.
    InvalidUtf8,
    /// The same key twice in one map.
    DuplicateKey,
}

impl Error {
    /// A short description, used in the verifier's error messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Error::UnexpectedEnd => "CBOR ended inside an item",
            Error::TrailingBytes => "bytes after the CBOR item",
            Error::TooDeep => "CBOR nested too deeply",
            Error::TooManyItems => "too many CBOR items",
            Error::LengthTooLarge => "CBOR length larger than the input",
            Error::IndefiniteLength => "indefinite-length CBOR",
            Error::IntegerOutOfRange => "CBOR integer out of range",
            Error::Unsupported => "unsupported CBOR item (tag, float or simple value)",
            Error::InvalidUtf8 => "CBOR text string is not UTF-8",
            Error::DuplicateKey => "duplicate CBOR map key",
        }
    }
}

impl From<reader::Error> for Error {
    fn from(e: reader::Error) -> Self {
        match e {
            reader::Error::UnexpectedEnd => Error::UnexpectedEnd,
            reader::Error::TrailingBytes => Error::TrailingBytes,
        }
    }
}

/// A decoded data item, borrowing strings from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// Major types 0 and 1.
    Int(i64),
    /// Major type 2.
    Bytes(&'a [u8]),
    /// Major type 3.
    Text(&'a str),
    /// Major type 4.
    Array(Vec<Value<'a>>),
    /// Major type 5, in input order.
    Map(Vec<(Value<'a>, Value<'a>)>),
    /// Simple values 20 and 21.
    Bool(bool),
    /// Simple value 22.
    Null,
}

impl<'a> Value<'a> {
    /// The entries when this is a map.
    pub fn as_map(&self) -> Option<&[(Value<'a>, Value<'a>)]> {
        match self {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The integer when this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The bytes when this is a byte string.
    pub fn as_bytes(&self) -> Option<&'a [u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The text when this is a text string.
    pub fn as_text(&self) -> Option<&'a str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }

    /// The value under integer key `key` when this is a map (COSE labels).
    pub fn get_int_key(&self, key: i64) -> Option<&Value<'a>> {
        self.as_map()?.iter().find(|(k, _)| *k == Value::Int(key)).map(|(_, v)| v)
    }

    /// The value under text key `key` when this is a map (attestation object members).
    pub fn get_text_key(&self, key: &str) -> Option<&Value<'a>> {
        self.as_map()?.iter().find(|(k, _)| *k == Value::Text(key)).map(|(_, v)| v)
    }
}

/// Decodes exactly one item that spans all of `input`.
pub fn decode_exact(input: &[u8]) -> Result<Value<'_>, Error> {
    let mut decoder = Decoder { reader: Reader::new(input), items: 0 };
    let value = decoder.item(1)?;
    decoder.reader.finish()?;
    Ok(value)
}

/// Decodes one item at the start of `input`; returns it and the bytes after it.
pub fn decode_prefix(input: &[u8]) -> Result<(Value<'_>, &[u8]), Error> {
    let mut decoder = Decoder { reader: Reader::new(input), items: 0 };
    let value = decoder.item(1)?;
    Ok((value, decoder.reader.rest()))
}

struct Decoder<'a> {
    reader: Reader<'a>,
    items: usize,
}

impl<'a> Decoder<'a> {
    /// Reads the argument of a head whose additional information is `info`.
    fn argument(&mut self, info: u8) -> Result<u64, Error> {
        Ok(match info {
            0..=23 => u64::from(info),
            24 => u64::from(self.reader.u8()?),
            25 => u64::from(self.reader.u16_be()?),
            26 => u64::from(self.reader.u32_be()?),
            27 => self.reader.u64_be()?,
            31 => return Err(Error::IndefiniteLength),
            _ => return Err(Error::Unsupported),
        })
    }

    /// A declared count of `per_item`-byte-minimum entries, checked against what remains.
    fn count(&self, declared: u64, min_bytes_each: usize) -> Result<usize, Error> {
        let count = usize::try_from(declared).map_err(|_| Error::LengthTooLarge)?;
        let needed = count.checked_mul(min_bytes_each).ok_or(Error::LengthTooLarge)?;
        if needed > self.reader.remaining() {
            return Err(Error::LengthTooLarge);
        }
        if count > MAX_ITEMS.saturating_sub(self.items) {
            return Err(Error::TooManyItems);
        }
        Ok(count)
    }

    fn item(&mut self, depth: usize) -> Result<Value<'a>, Error> {
        if depth > MAX_DEPTH {
            return Err(Error::TooDeep);
        }
        self.items += 1;
        if self.items > MAX_ITEMS {
            return Err(Error::TooManyItems);
        }
        let head = self.reader.u8()?;
        let major = head >> 5;
        let info = head & 0x1f;
        match major {
            0 => {
                let n = self.argument(info)?;
                i64::try_from(n).map(Value::Int).map_err(|_| Error::IntegerOutOfRange)
            }
            1 => {
                let n = self.argument(info)?;
                let n = i64::try_from(n).map_err(|_| Error::IntegerOutOfRange)?;
                Ok(Value::Int(-1 - n))
            }
            2 | 3 => {
                let declared = self.argument(info)?;
                let len = usize::try_from(declared).map_err(|_| Error::LengthTooLarge)?;
                if len > self.reader.remaining() {
                    return Err(Error::LengthTooLarge);
                }
                let bytes = self.reader.take(len)?;
                if major == 2 {
                    Ok(Value::Bytes(bytes))
                } else {
                    core::str::from_utf8(bytes).map(Value::Text).map_err(|_| Error::InvalidUtf8)
                }
            }
            4 => {
                let declared = self.argument(info)?;
                let count = self.count(declared, 1)?;
                let mut items = Vec::with_capacity(count);
                for _ in 0..count {
                    items.push(self.item(depth + 1)?);
                }
                Ok(Value::Array(items))
            }
            5 => {
                let declared = self.argument(info)?;
                let count = self.count(declared, 2)?;
                let mut entries: Vec<(Value<'a>, Value<'a>)> = Vec::with_capacity(count);
                for _ in 0..count {
                    let key = self.item(depth + 1)?;
                    if entries.iter().any(|(k, _)| *k == key) {
                        return Err(Error::DuplicateKey);
                    }
                    let value = self.item(depth + 1)?;
                    entries.push((key, value));
                }
                Ok(Value::Map(entries))
            }
            7 => match info {
                20 => Ok(Value::Bool(false)),
                21 => Ok(Value::Bool(true)),
                22 => Ok(Value::Null),
                31 => Err(Error::IndefiniteLength),
                _ => Err(Error::Unsupported),
            },
            // Major type 6: tags.
            _ => Err(Error::Unsupported),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    /// Hex with whitespace and `#` comments to the end of each line.
    pub(crate) fn hex(s: &str) -> Vec<u8> {
        let s: String =
            s.lines().map(|l| l.split('#').next().unwrap()).flat_map(str::split_whitespace).collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn decodes_an_es256_cose_key() {
        let bytes = hex(
            "a5                 # map(5)
             01 02              # 1 (kty): 2 (EC2)
             03 26              # 3 (alg): -7 (ES256)
             20 01              # -1 (crv): 1 (P-256)
             21 5820 {x}        # -2 (x): bytes(32)
             22 5820 {y}        # -3 (y): bytes(32)"
                .replace("{x}", &"11".repeat(32))
                .replace("{y}", &"22".repeat(32))
                .as_str(),
        );
        let v = decode_exact(&bytes).unwrap();
        assert_eq!(v.get_int_key(1), Some(&Value::Int(2)));
        assert_eq!(v.get_int_key(3), Some(&Value::Int(-7)));
        assert_eq!(v.get_int_key(-1), Some(&Value::Int(1)));
        assert_eq!(v.get_int_key(-2).and_then(Value::as_bytes), Some(&[0x11; 32][..]));
        assert_eq!(v.get_int_key(-3).and_then(Value::as_bytes), Some(&[0x22; 32][..]));
    }

    #[test]
    fn decodes_every_supported_item() {
        let cases: &[(&str, Value<'static>)] = &[
            ("00", Value::Int(0)),                                   // 0
            ("17", Value::Int(23)),                                  // 23, immediate
            ("1818", Value::Int(24)),                                // uint8 24
            ("190100", Value::Int(256)),                             // uint16
            ("1a00010000", Value::Int(65536)),                       // uint32
            ("1b7fffffffffffffff", Value::Int(i64::MAX)),            // uint64 max i64
            ("20", Value::Int(-1)),                                  // -1
            ("3b7fffffffffffffff", Value::Int(i64::MIN)),            // -1 - (2^63-1)
            ("40", Value::Bytes(b"")),                               // bytes(0)
            ("5a00000000", Value::Bytes(b"")),                       // bytes(0), 4-byte length: legal
            ("4201ff", Value::Bytes(&[0x01, 0xff])),                 // bytes(2)
            ("6161", Value::Text("a")),                              // text(1) "a"
            ("f4", Value::Bool(false)),                              // false
            ("f5", Value::Bool(true)),                               // true
            ("f6", Value::Null),                                     // null
            ("8201f6", Value::Array(vec![Value::Int(1), Value::Null])), // [1, null]
            ("a0", Value::Map(vec![])),                              // {}
        ];
        for (input, expected) in cases {
            assert_eq!(&decode_exact(&hex(input)).unwrap(), expected, "{input}");
        }
    }

    #[test]
    fn bad_input_gives_the_exact_error() {
        let cases: &[(&str, Error)] = &[
            ("", Error::UnexpectedEnd),                         // nothing
            ("0000", Error::TrailingBytes),                     // 0, then a second item
            ("18", Error::UnexpectedEnd),                       // uint8 without its byte
            ("1bffffffffffffffff", Error::IntegerOutOfRange),   // 2^64-1
            ("1c", Error::Unsupported),                         // reserved info 28
            ("5f", Error::IndefiniteLength),                    // indefinite bytes
            ("9f", Error::IndefiniteLength),                    // indefinite array
            ("bf", Error::IndefiniteLength),                    // indefinite map
            ("ff", Error::IndefiniteLength),                    // break
            ("c0 00", Error::Unsupported),                      // tag 0, 0
            ("f7", Error::Unsupported),                         // undefined
            ("f93c00", Error::Unsupported),                     // half float 1.0
            ("fb3ff0000000000000", Error::Unsupported),         // double 1.0
            ("f820", Error::Unsupported),                       // simple(32)
            ("42 01", Error::LengthTooLarge),                   // bytes(2) with 1 byte
            ("3b 8000000000000000", Error::IntegerOutOfRange),  // -1 - 2^63, below i64::MIN
            ("5a 00000002 01", Error::LengthTooLarge),          // bytes(2), 4-byte length, 1 byte
            ("5b 0000000100000000", Error::LengthTooLarge),     // bytes(2^32)
            ("5b ffffffffffffffff", Error::LengthTooLarge),     // bytes(2^64-1)
            ("7b ffffffffffffffff", Error::LengthTooLarge),     // text(2^64-1)
            ("9b 0000000100000000", Error::LengthTooLarge),     // array(2^32)
            ("9b ffffffffffffffff", Error::LengthTooLarge),     // array(2^64-1)
            ("bb ffffffffffffffff", Error::LengthTooLarge),     // map(2^64-1)
            ("a1 01", Error::LengthTooLarge),                   // map(1) needs 2 bytes
            ("a2 01 00 01 00", Error::DuplicateKey),            // {1: 0, 1: 0}
            ("a2 6161 00 6161 01", Error::DuplicateKey),        // {"a": 0, "a": 1}
            ("62 c328", Error::InvalidUtf8),                    // text(2) invalid UTF-8
        ];
        for (input, expected) in cases {
            assert_eq!(decode_exact(&hex(input)), Err(*expected), "{input}");
        }
    }

    #[test]
    fn depth_limit() {
        // MAX_DEPTH nested single-element arrays around a 0 are fine; one more is not.
        let mut ok = vec![0x81; MAX_DEPTH - 1];
        ok.push(0x00);
        assert!(decode_exact(&ok).is_ok());
        let mut deep = vec![0x81; MAX_DEPTH];
        deep.push(0x00);
        assert_eq!(decode_exact(&deep), Err(Error::TooDeep));
        // A million nested arrays fail on the limit, not on the stack.
        let bomb = vec![0x81; 1_000_000];
        assert_eq!(decode_exact(&bomb), Err(Error::TooDeep));
    }

    #[test]
    fn item_limit() {
        // array(MAX_ITEMS) of zeros: the array itself is one more item than allowed.
        let mut too_many = vec![0x99];
        too_many.extend_from_slice(&(MAX_ITEMS as u16).to_be_bytes());
        too_many.extend(std::iter::repeat_n(0x00, MAX_ITEMS));
        assert_eq!(decode_exact(&too_many), Err(Error::TooManyItems));
        let mut fits = vec![0x99];
        fits.extend_from_slice(&((MAX_ITEMS - 1) as u16).to_be_bytes());
        fits.extend(std::iter::repeat_n(0x00, MAX_ITEMS - 1));
        assert!(decode_exact(&fits).is_ok());
    }

    #[test]
    fn prefix_returns_the_rest() {
        let bytes = hex("a0 ff ee"); // {} then two raw bytes
        let (v, rest) = decode_prefix(&bytes).unwrap();
        assert_eq!(v, Value::Map(vec![]));
        assert_eq!(rest, &[0xff, 0xee]);
    }
}
