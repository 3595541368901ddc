//! A tiny CBOR encoder (RFC 8949) for the software authenticator: just the shapes WebAuthn uses.
//!
//! Definite lengths only. Maps keep the caller's order, so the caller writes them in CTAP2
//! canonical order (shorter keys first, then bytewise) the way real authenticators do; a test
//! that wants a non-canonical or duplicated map can build one on purpose. It never decodes:
//! decoding is the verifier's job, and this side must stay independent of it.

/// One CBOR data item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Major type 0 (n ≥ 0) or 1 (n < 0).
    Int(i128),
    /// Major type 2.
    Bytes(Vec<u8>),
    /// Major type 3.
    Text(String),
    /// Major type 4.
    Array(Vec<Value>),
    /// Major type 5, in the given order.
    Map(Vec<(Value, Value)>),
    /// Simple values 20/21.
    Bool(bool),
    /// Simple value 22.
    Null,
}

impl Value {
    /// A text-keyed map from `(key, value)` pairs, in the given order.
    pub fn text_map(pairs: Vec<(&str, Value)>) -> Value {
        Value::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (Value::Text(k.to_owned()), v))
                .collect(),
        )
    }

    /// An integer-keyed map (COSE keys), in the given order.
    pub fn int_map(pairs: Vec<(i128, Value)>) -> Value {
        Value::Map(pairs.into_iter().map(|(k, v)| (Value::Int(k), v)).collect())
    }

    /// The encoding of this item.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }

    /// Appends the encoding of this item to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Value::Int(n) if *n >= 0 => head(out, 0, u64::try_from(*n).expect("u64 range")),
            Value::Int(n) => head(out, 1, u64::try_from(-1 - *n).expect("u64 range")),
            Value::Bytes(b) => {
                head(out, 2, b.len() as u64);
                out.extend_from_slice(b);
            }
            Value::Text(s) => {
                head(out, 3, s.len() as u64);
                out.extend_from_slice(s.as_bytes());
            }
            Value::Array(items) => {
                head(out, 4, items.len() as u64);
                for item in items {
                    item.encode(out);
                }
            }
            Value::Map(pairs) => {
                head(out, 5, pairs.len() as u64);
                for (k, v) in pairs {
                    k.encode(out);
                    v.encode(out);
                }
            }
            Value::Bool(false) => out.push(0xf4),
            Value::Bool(true) => out.push(0xf5),
            Value::Null => out.push(0xf6),
        }
    }
}

/// Writes an item head in its shortest form (RFC 8949 §4.2.1 preferred serialization).
fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    let m = major << 5;
    if n < 24 {
        out.push(m | n as u8);
    } else if n <= 0xff {
        out.extend_from_slice(&[m | 24, n as u8]);
    } else if n <= 0xffff {
        out.push(m | 25);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else if n <= 0xffff_ffff {
        out.push(m | 26);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(m | 27);
        out.extend_from_slice(&n.to_be_bytes());
    }
}
