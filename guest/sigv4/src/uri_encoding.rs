//! URI encoding as SigV4 defines it: the `UriEncode` function of the SigV4 documentation, step
//! "Create a canonical request". The unreserved characters of RFC 3986 section 2.3
//! (`A-Z a-z 0-9 - _ . ~`) are kept; every other byte becomes `%XX` with uppercase hexadecimal.
//! In a path `/` is kept as well.
//!
//! Also the inverse used on query strings: form decoding as the WHATWG `application/x-www-form-urlencoded`
//! parser (and so the `aws-sigv4` crate, through `form_urlencoded`) does it.

use alloc::{string::String, vec::Vec};

const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Whether `byte` is an unreserved character (RFC 3986 section 2.3), which SigV4 never encodes.
pub const fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~')
}

/// Appends `input` to `out`, percent-encoding every byte that is not unreserved, `/` included:
/// the encoding of a query parameter name or value.
pub fn encode_component(input: &[u8], out: &mut String) {
    encode(input, false, out);
}

/// Appends `input` to `out`, percent-encoding every byte that is not unreserved, except `/`:
/// the encoding of a path.
pub fn encode_path(input: &[u8], out: &mut String) {
    encode(input, true, out);
}

fn encode(input: &[u8], keep_slash: bool, out: &mut String) {
    out.reserve(input.len());
    let kept = |byte: u8| is_unreserved(byte) || (keep_slash && byte == b'/');
    let mut rest = input;
    loop {
        // Runs of kept bytes are appended whole; they are ASCII, so always UTF-8.
        let run = rest.iter().position(|&byte| !kept(byte)).unwrap_or(rest.len());
        let (plain, tail) = rest.split_at(run);
        out.push_str(core::str::from_utf8(plain).unwrap_or_default());
        let Some((&byte, tail)) = tail.split_first() else {
            return;
        };
        let escape = [
            b'%',
            UPPER_HEX[usize::from(byte >> 4)],
            UPPER_HEX[usize::from(byte & 0x0f)],
        ];
        out.push_str(core::str::from_utf8(&escape).unwrap_or_default());
        rest = tail;
    }
}

/// Replaces the contents of `out` with `input` form-decoded: `+` becomes a space and `%XX` the
/// byte it names; a `%` that is not followed by two hexadecimal digits is kept as it is.
pub(crate) fn decode_form_component(input: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut rest = input;
    while let Some((&byte, tail)) = rest.split_first() {
        rest = tail;
        match byte {
            b'+' => out.push(b' '),
            b'%' => match tail {
                [high, low, after @ ..] => match (hex_value(*high), hex_value(*low)) {
                    (Some(high), Some(low)) => {
                        out.push(high << 4 | low);
                        rest = after;
                    }
                    _ => out.push(b'%'),
                },
                _ => out.push(b'%'),
            },
            other => out.push(other),
        }
    }
}

const fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn component(input: &[u8]) -> String {
        let mut out = String::new();
        encode_component(input, &mut out);
        out
    }

    fn path(input: &[u8]) -> String {
        let mut out = String::new();
        encode_path(input, &mut out);
        out
    }

    #[test]
    fn every_byte_is_kept_only_if_unreserved() {
        for byte in 0..=u8::MAX {
            let kept = byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte);
            let expected = if kept {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            };
            assert_eq!(component(&[byte]), expected, "byte {byte:#04x} in a component");
            let expected_in_path = if byte == b'/' { "/".to_owned() } else { expected };
            assert_eq!(path(&[byte]), expected_in_path, "byte {byte:#04x} in a path");
        }
    }

    #[test]
    fn byte_classes() {
        assert_eq!(component(b"AZaz09-_.~"), "AZaz09-_.~");
        assert_eq!(component(b"a b+c"), "a%20b%2Bc");
        assert_eq!(component(b"/:@$%=&?#"), "%2F%3A%40%24%25%3D%26%3F%23");
        assert_eq!(component("\u{1234}".as_bytes()), "%E1%88%B4");
        assert_eq!(component(b"\x00\x1f\x7f\xff"), "%00%1F%7F%FF");
        assert_eq!(path(b"/a b/c%3A/"), "/a%20b/c%253A/");
    }

    fn decoded(input: &str) -> Vec<u8> {
        let mut out = vec![b'x'];
        decode_form_component(input.as_bytes(), &mut out);
        out
    }

    #[test]
    fn form_decoding() {
        assert_eq!(decoded(""), b"");
        assert_eq!(decoded("a+b%20c"), b"a b c");
        assert_eq!(decoded("%e1%88%B4"), "\u{1234}".as_bytes());
        assert_eq!(decoded("%FF"), b"\xff");
        // Malformed escapes are data, not errors.
        assert_eq!(decoded("%"), b"%");
        assert_eq!(decoded("%4"), b"%4");
        assert_eq!(decoded("%G1%41"), b"%G1A");
        assert_eq!(decoded("100%"), b"100%");
    }
}
