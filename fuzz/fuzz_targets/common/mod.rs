//! The input format shared by the targets: fields separated by the byte 0xFF, which never occurs
//! in UTF-8, so that a field may hold any text (line breaks included) and the seeds stay
//! readable. Text fields are decoded lossily: invalid UTF-8 becomes U+FFFD, so every input the
//! fuzzer makes reaches the code under test.

// Each target uses some of these.
#![allow(dead_code)]

/// The fields of `data`; always at least one (possibly empty).
pub fn fields(data: &[u8]) -> Vec<&[u8]> {
    data.split(|&byte| byte == 0xFF).collect()
}

/// Field `index` as text, if there is one.
pub fn text(fields: &[&[u8]], index: usize) -> Option<String> {
    fields
        .get(index)
        .map(|field| String::from_utf8_lossy(field).into_owned())
}

/// Whether `text` is 64 lowercase hexadecimal digits (a SHA-256 or a SigV4 signature).
pub fn is_hex64(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}
