//! Lowercase hexadecimal, the form SigV4 uses for hashes and signatures (the `Hex` function of
//! the SigV4 documentation). Written here rather than taken from a crate: it is a few lines.

use alloc::string::String;

const LOWER_HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `bytes` to `out` as lowercase hexadecimal, two digits per byte.
pub(crate) fn encode_into(bytes: &[u8], out: &mut String) {
    out.reserve(bytes.len() * 2);
    // A digest at a time through a buffer: one append per 32 bytes, not a `push` per digit.
    for chunk in bytes.chunks(32) {
        let mut digits = [0_u8; 64];
        for (pair, &byte) in digits.chunks_exact_mut(2).zip(chunk) {
            pair[0] = LOWER_HEX[usize::from(byte >> 4)];
            pair[1] = LOWER_HEX[usize::from(byte & 0x0f)];
        }
        // Hexadecimal digits are ASCII, so always UTF-8.
        out.push_str(core::str::from_utf8(&digits[..2 * chunk.len()]).unwrap_or_default());
    }
}

/// `bytes` as lowercase hexadecimal.
pub(crate) fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    encode_into(bytes, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn every_nibble_is_lowercase_and_in_order() {
        assert_eq!(encode(&[]), "");
        assert_eq!(
            encode(&[0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x00, 0xff]),
            "0123456789abcdef00ff"
        );
    }
}
