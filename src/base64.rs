//! A tiny base64 codec (RFC 4648), enough to read an S3 POST policy without a dependency.
//!
//! [`decode`] accepts the standard (`+/`) and URL-safe (`-_`) alphabets, with or without `=`
//! padding, and ignores ASCII whitespace (some presigners wrap long policies).
//!
//! ```
//! use talk_uploader::base64::{decode, encode};
//!
//! assert_eq!(decode("aGVsbG8=").unwrap(), b"hello");
//! assert_eq!(decode("aGVsbG8").unwrap(), b"hello");
//! assert_eq!(encode(b"hello"), "aGVsbG8=");
//! ```

/// Why a base64 text could not be decoded. Carries positions only, never the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Base64Error {
    /// A character outside the alphabet at this byte offset.
    #[error("invalid base64 character at offset {0}")]
    InvalidChar(usize),
    /// A length that no base64 text can have (one leftover symbol).
    #[error("invalid base64 length")]
    InvalidLength,
    /// Data after `=` padding.
    #[error("base64 data continues after its padding")]
    DataAfterPadding,
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn value(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// Decodes base64 text (see the module docs for what is accepted).
pub fn decode(text: &str) -> Result<Vec<u8>, Base64Error> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 3);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut symbols = 0usize;
    let mut padded = false;
    for (i, c) in text.bytes().enumerate() {
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == b'=' {
            padded = true;
            continue;
        }
        if padded {
            return Err(Base64Error::DataAfterPadding);
        }
        let v = value(c).ok_or(Base64Error::InvalidChar(i))?;
        acc = (acc << 6) | v;
        bits += 6;
        symbols += 1;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if symbols % 4 == 1 {
        return Err(Base64Error::InvalidLength);
    }
    Ok(out)
}

/// Encodes bytes as standard base64 with padding.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let idx = ((n >> (18 - 6 * i)) & 63) as usize;
                out.push(ALPHABET.get(idx).copied().map_or('A', char::from));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc4648_vectors() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain.as_bytes()), coded);
            assert_eq!(decode(coded).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn tolerant_and_strict_where_it_matters() {
        assert_eq!(decode("Zm9v\nYmFy").unwrap(), b"foobar");
        assert_eq!(decode("-_8").unwrap(), decode("+/8=").unwrap());
        assert_eq!(decode("Zm9v!"), Err(Base64Error::InvalidChar(4)));
        assert_eq!(decode("Z"), Err(Base64Error::InvalidLength));
        assert_eq!(decode("Zg==Zg"), Err(Base64Error::DataAfterPadding));
    }

    proptest! {
        #[test]
        fn round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            prop_assert_eq!(decode(&encode(&bytes)).unwrap(), bytes);
        }

        #[test]
        fn never_panics(s in ".{0,100}") {
            let _ = decode(&s);
        }
    }
}
