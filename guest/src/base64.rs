//! Base64 with the standard alphabet and padding (RFC 4648, section 4): what Lambda uses for
//! `X-Amz-Client-Context` (sent) and `X-Amz-Log-Result` (received).
//!
//! Two small functions instead of the `base64` crate, whose generic engine costs the component
//! about 7 KB; a differential test holds these to that crate's `STANDARD` engine.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encodes `bytes`, padded with `=` to a multiple of four characters.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> shift & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Why a text is not valid base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The length is not a multiple of four.
    Length(usize),
    /// A byte outside the alphabet (or `=` other than at the end), at this offset.
    Byte(usize),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Length(length) => write!(f, "{length} characters, not a multiple of 4"),
            DecodeError::Byte(offset) => write!(f, "invalid character at offset {offset}"),
        }
    }
}

/// Decodes padded base64. The last group may end in one or two `=`; the bits a padded group
/// leaves over must be zero (canonical encoding), as the `base64` crate requires.
pub fn decode(text: &str) -> Result<Vec<u8>, DecodeError> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return Err(DecodeError::Length(bytes.len()));
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let groups = bytes.len() / 4;
    for (g, group) in bytes.chunks_exact(4).enumerate() {
        let last = g + 1 == groups;
        let padding = if last {
            group.iter().rev().take_while(|&&b| b == b'=').count()
        } else {
            0
        };
        if padding > 2 {
            return Err(DecodeError::Byte(g * 4 + 4 - padding));
        }
        let mut n = 0u32;
        for (i, &byte) in group[..4 - padding].iter().enumerate() {
            let value = sextet(byte).ok_or(DecodeError::Byte(g * 4 + i))?;
            n |= u32::from(value) << (18 - 6 * i);
        }
        let decoded = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        let kept = 3 - padding;
        // Non-canonical: bits beyond the kept bytes must be zero.
        if decoded[kept..].iter().any(|&b| b != 0) {
            return Err(DecodeError::Byte(g * 4 + 3 - padding));
        }
        out.extend_from_slice(&decoded[..kept]);
    }
    Ok(out)
}

fn sextet(byte: u8) -> Option<u8> {
    match byte {
        b'A'..=b'Z' => Some(byte - b'A'),
        b'a'..=b'z' => Some(byte - b'a' + 26),
        b'0'..=b'9' => Some(byte - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::base64::Engine as _;
    use ::base64::prelude::BASE64_STANDARD;
    use proptest::prelude::*;

    #[test]
    fn rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain.as_bytes()), encoded);
            assert_eq!(decode(encoded).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn invalid_text_is_an_error_naming_where() {
        assert_eq!(decode("abc"), Err(DecodeError::Length(3)));
        assert_eq!(decode("ab*d"), Err(DecodeError::Byte(2)));
        assert_eq!(decode("a==="), Err(DecodeError::Byte(1)));
        assert_eq!(decode("ab=d"), Err(DecodeError::Byte(2)));
        assert_eq!(decode("Zg==Zg=="), Err(DecodeError::Byte(2)));
        // "Zh==" carries bits past the one byte it encodes.
        assert_eq!(decode("Zh=="), Err(DecodeError::Byte(1)));
        assert_eq!(
            decode("ab*d").unwrap_err().to_string(),
            "invalid character at offset 2"
        );
    }

    proptest! {
        #[test]
        fn encode_agrees_with_the_base64_crate(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(encode(&bytes), BASE64_STANDARD.encode(&bytes));
        }

        #[test]
        fn decode_agrees_with_the_base64_crate(text in "[A-Za-z0-9+/=*]{0,24}") {
            prop_assert_eq!(decode(&text).ok(), BASE64_STANDARD.decode(&text).ok());
        }

        #[test]
        fn decode_reverses_encode(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(decode(&encode(&bytes)).unwrap(), bytes);
        }
    }
}
