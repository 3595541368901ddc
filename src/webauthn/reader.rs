//! A byte cursor for the binary formats the verifier reads (authenticator data, CBOR, DER).
//!
//! Every read is bounds-checked and returns [`Error::UnexpectedEnd`] instead of panicking;
//! [`Reader::finish`] refuses trailing bytes, so a parser that ends with it reads its input
//! exactly. It borrows: [`Reader::take`] hands out sub-slices of the input, never copies.

/// Why a read failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The input ended before the value being read.
    UnexpectedEnd,
    /// Bytes were left over after the last value.
    TrailingBytes,
}

/// A forward-only cursor over borrowed bytes.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A cursor at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    /// The next `n` bytes, borrowed from the input.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let (head, tail) = self.rest.split_at_checked(n).ok_or(Error::UnexpectedEnd)?;
        self.rest = tail;
        Ok(head)
    }

    /// The next `N` bytes as a fixed-size array reference.
    pub fn array<const N: usize>(&mut self) -> Result<&'a [u8; N], Error> {
        let (head, tail) = self.rest.split_first_chunk::<N>().ok_or(Error::UnexpectedEnd)?;
        self.rest = tail;
        Ok(head)
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8, Error> {
        let (&byte, tail) = self.rest.split_first().ok_or(Error::UnexpectedEnd)?;
        self.rest = tail;
        Ok(byte)
    }

    /// A big-endian `u16`.
    pub fn u16_be(&mut self) -> Result<u16, Error> {
        self.array::<2>().map(|b| u16::from_be_bytes(*b))
    }

    /// A big-endian `u32`.
    pub fn u32_be(&mut self) -> Result<u32, Error> {
        self.array::<4>().map(|b| u32::from_be_bytes(*b))
    }

    /// A big-endian `u64`.
    pub fn u64_be(&mut self) -> Result<u64, Error> {
        self.array::<8>().map(|b| u64::from_be_bytes(*b))
    }

    /// How many bytes are left.
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// The bytes not read yet, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        self.rest
    }

    /// Ends the read: fails if any byte is left.
    pub fn finish(self) -> Result<(), Error> {
        if self.rest.is_empty() { Ok(()) } else { Err(Error::TrailingBytes) }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn reads_big_endian_and_finishes_exactly() {
        let bytes = [
            0x01, // u8
            0x02, 0x03, // u16 0x0203
            0x04, 0x05, 0x06, 0x07, // u32 0x04050607
            0xaa, 0xbb, // take(2)
        ];
        let mut r = Reader::new(&bytes);
        assert_eq!(r.u8(), Ok(1));
        assert_eq!(r.u16_be(), Ok(0x0203));
        assert_eq!(r.u32_be(), Ok(0x0405_0607));
        assert_eq!(r.remaining(), 2);
        assert_eq!(r.take(2), Ok(&[0xaa, 0xbb][..]));
        assert_eq!(r.finish(), Ok(()));
    }

    #[test]
    fn short_reads_and_trailing_bytes_fail() {
        let mut r = Reader::new(&[0x01]);
        assert_eq!(r.u16_be(), Err(Error::UnexpectedEnd));
        assert_eq!(r.u32_be(), Err(Error::UnexpectedEnd));
        assert_eq!(r.take(2), Err(Error::UnexpectedEnd));
        assert_eq!(r.take(usize::MAX), Err(Error::UnexpectedEnd));
        // A failed read consumes nothing.
        assert_eq!(r.remaining(), 1);
        assert_eq!(r.clone().finish(), Err(Error::TrailingBytes));
        assert_eq!(r.u8(), Ok(1));
        assert_eq!(r.u8(), Err(Error::UnexpectedEnd));
        assert_eq!(r.finish(), Ok(()));
    }
}
