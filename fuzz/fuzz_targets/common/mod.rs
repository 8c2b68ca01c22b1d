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

use lambda_invoke_guest::http::{Header, Response};

/// A server's answer: the status in decimal, then for each header 0xFF and `name:value` (split
/// at the first ':'), then 0xFF and the body (raw bytes, not necessarily UTF-8). A status that is
/// not a decimal `u16` is taken from its bytes, so every input gets one.
pub fn response(data: &[u8]) -> Response {
    let fields = fields(data);
    let status_field = fields[0];
    let status = std::str::from_utf8(status_field)
        .ok()
        .and_then(|s| s.trim().parse::<u16>().ok())
        .unwrap_or_else(|| {
            status_field
                .iter()
                .fold(0u16, |n, &b| n.wrapping_mul(31).wrapping_add(u16::from(b)))
        });
    let (headers, body): (&[&[u8]], &[u8]) = match &fields[1..] {
        [] => (&[], b""),
        [headers @ .., body] => (headers, body),
    };
    let headers = headers
        .iter()
        .map(|field| {
            let line = String::from_utf8_lossy(field);
            let (name, value) = line.split_once(':').unwrap_or((&line, ""));
            Header {
                name: name.to_owned(),
                value: value.to_owned(),
            }
        })
        .collect();
    Response {
        status,
        headers,
        body: body.to_vec(),
    }
}
