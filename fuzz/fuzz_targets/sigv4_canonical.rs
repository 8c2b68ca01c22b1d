//! The SigV4 signer on any request, credentials, region, service and time.
//!
//! Input: fields separated by 0xFF: method, path, query, region, service, access key id, secret
//! access key, session token, time, flags, body, then one field per header, `name:value` split
//! at the first ':'. The time is unix seconds, or else an RFC 3339 timestamp. Flags, one byte
//! (a printable character in the seeds): bit 0 keeps the path as it is (S3), bit 1 signs the body,
//! bit 2 adds the session token after signing, bit 3 leaves the session token out.
//!
//! Properties: signing never panics and is pure (twice the same input, twice the same output);
//! a signed request has the `Authorization` header of the specification and a canonical request
//! of exactly its structure: the method, the canonical URI, the canonical query (sorted
//! `name=value` pairs), one `name:value` line per signed header (lowercase names, sorted,
//! values trimmed), a blank line, the signed headers joined by `;`, and the hex SHA-256 of the
//! body; the string to sign holds the hex SHA-256 of that text.
#![no_main]

mod common;

use lambda_invoke_sigv4::uri_encoding::is_unreserved;
use lambda_invoke_sigv4::{
    Credentials, SessionTokenMode, SignableRequest, SigningError, SigningParams, SigningSettings,
    SigningTime, sign,
};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The time of field `text`, checking the conversions on the way; `None` if it has none.
fn signing_time(text: &str) -> Option<SigningTime> {
    let time = match text.trim().parse::<u64>() {
        Ok(seconds) => SigningTime::from_unix_seconds(seconds).ok()?,
        Err(_) => text.parse::<SigningTime>().ok()?,
    };
    let basic = time.date_time();
    let b = basic.as_bytes();
    assert!(
        b.len() == 16
            && b[8] == b'T'
            && b[15] == b'Z'
            && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit),
        "{basic:?}"
    );
    assert_eq!(time.date(), &basic[..8]);
    // The basic format, written as RFC 3339, parses back to the same time.
    let rfc3339 = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &basic[0..4],
        &basic[4..6],
        &basic[6..8],
        &basic[9..11],
        &basic[11..13],
        &basic[13..15]
    );
    assert_eq!(rfc3339.parse::<SigningTime>(), Ok(time), "{rfc3339}");
    Some(time)
}

/// Whether `text` is a URI-encoded string: unreserved characters, `%XX` with uppercase hex,
/// and `/` if `slash`.
fn is_uri_encoded(text: &str, slash: bool) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = |b: Option<&u8>| b.is_some_and(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F'));
                if !(hex(bytes.get(i + 1)) && hex(bytes.get(i + 2))) {
                    return false;
                }
                i += 3;
            }
            b'/' if slash => i += 1,
            b if is_unreserved(b) => i += 1,
            _ => return false,
        }
    }
    true
}

fuzz_target!(|data: &[u8]| {
    let fields = common::fields(data);
    let field = |i| common::text(&fields, i).unwrap_or_default();
    let (method, path, query, region, service) = (field(0), field(1), field(2), field(3), field(4));
    let (access_key_id, secret, token) = (field(5), field(6), field(7));
    let Some(time) = signing_time(&field(8)) else {
        return;
    };
    let flags = fields.get(9).and_then(|f| f.first()).copied().unwrap_or(0);
    let body = fields.get(10).copied().unwrap_or_default();
    let header_fields: Vec<String> = (11..fields.len()).map(field).collect();
    let headers: Vec<(&str, &str)> = header_fields
        .iter()
        .map(|h| h.split_once(':').unwrap_or((h, "")))
        .collect();

    let session_token = (flags & 8 == 0).then_some(token.as_str());
    let params = SigningParams {
        credentials: Credentials {
            access_key_id: &access_key_id,
            secret_access_key: &secret,
            session_token,
        },
        region: &region,
        service: &service,
        time,
        settings: SigningSettings {
            normalize_path: flags & 1 == 0,
            sign_body: flags & 2 != 0,
            session_token_mode: if flags & 4 == 0 {
                SessionTokenMode::Include
            } else {
                SessionTokenMode::AddAfterSigning
            },
        },
    };
    let request = SignableRequest {
        method: &method,
        path: &path,
        query: &query,
        headers: &headers,
        body,
    };

    let output = match sign(&request, &params) {
        Ok(output) => output,
        Err(error) => {
            assert_eq!(sign(&request, &params).err(), Some(error.clone()), "impure");
            if error == SigningError::MissingHost {
                assert!(!headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")));
            }
            assert!(!error.to_string().is_empty());
            return;
        }
    };
    let again = sign(&request, &params).expect("signs twice");
    assert_eq!(output.signature, again.signature, "impure");
    assert_eq!(output.headers, again.headers, "impure");
    assert_eq!(output.canonical_request, again.canonical_request, "impure");

    // The headers to add and the Authorization header.
    assert!(common::is_hex64(&output.signature), "{:?}", output.signature);
    let names: Vec<&str> = output.headers.iter().map(|(n, _)| *n).collect();
    let mut expected = Vec::new();
    if session_token.is_some() {
        expected.push("X-Amz-Security-Token");
    }
    expected.push("X-Amz-Date");
    if params.settings.sign_body {
        expected.push("x-amz-content-sha256");
    }
    expected.push("Authorization");
    assert_eq!(names, expected);
    let canonical = &output.canonical_request;
    let authorization = &output.headers.last().expect("Authorization").1;
    assert!(authorization.starts_with("AWS4-HMAC-SHA256 Credential="));
    assert_eq!(
        authorization,
        &format!(
            "AWS4-HMAC-SHA256 Credential={access_key_id}/{}/{region}/{service}/aws4_request, \
             SignedHeaders={}, Signature={}",
            time.date(),
            canonical.signed_headers(),
            output.signature
        )
    );

    // The canonical request, line by line.
    let text = canonical.to_string();
    assert_eq!(text, canonical.as_str());
    let lines: Vec<&str> = text.split('\n').collect();
    assert!(lines.len() >= 6, "{text:?}");
    let n = lines.len() - 6;
    assert_eq!(lines[0], method);
    assert_eq!(lines[0], canonical.method());
    assert_eq!(lines[1], canonical.uri());
    assert!(
        lines[1].starts_with('/') && is_uri_encoded(lines[1], true),
        "uri {:?}",
        lines[1]
    );
    if params.settings.normalize_path {
        let segments: Vec<&str> = lines[1].split('/').collect();
        let inner = &segments[1..segments.len() - 1];
        assert!(
            !inner.iter().any(|s| s.is_empty() || *s == "." || *s == ".."),
            "not normalised: {:?}",
            lines[1]
        );
    }
    assert_eq!(lines[2], canonical.query());
    if !lines[2].is_empty() {
        let pairs: Vec<(&str, &str)> = lines[2]
            .split('&')
            .map(|p| p.split_once('=').expect("name=value"))
            .collect();
        for (name, value) in &pairs {
            assert!(
                is_uri_encoded(name, false) && is_uri_encoded(value, false),
                "{pairs:?}"
            );
        }
        assert!(pairs.is_sorted(), "query not sorted: {:?}", lines[2]);
    }
    let header_lines = &lines[3..3 + n];
    assert_eq!(
        canonical.headers(),
        header_lines.iter().map(|l| format!("{l}\n")).collect::<String>()
    );
    let mut signed = Vec::new();
    for line in header_lines {
        let (name, value) = line.split_once(':').expect("name:value");
        assert!(
            !name.is_empty() && !name.bytes().any(|b| b.is_ascii_uppercase()),
            "{line:?}"
        );
        assert!(
            !value.starts_with(' ')
                && !value.ends_with(' ')
                && !value.contains("  ")
                && !value.chars().any(|c| c.is_ascii_control()),
            "value not trimmed: {line:?}"
        );
        signed.push(name);
    }
    assert!(
        signed.windows(2).all(|w| w[0] < w[1]),
        "headers not sorted: {signed:?}"
    );
    for required in ["host", "x-amz-date"] {
        assert!(signed.contains(&required), "{required} not signed: {signed:?}");
    }
    let token_signed =
        session_token.is_some() && params.settings.session_token_mode == SessionTokenMode::Include;
    assert_eq!(
        signed.contains(&"x-amz-security-token"),
        token_signed,
        "{signed:?}"
    );
    if params.settings.sign_body {
        assert!(signed.contains(&"x-amz-content-sha256"));
    }
    for unsigned in ["user-agent", "x-amzn-trace-id", "transfer-encoding"] {
        assert!(!signed.contains(&unsigned), "{unsigned} signed");
    }
    assert_eq!(lines[3 + n], "");
    assert_eq!(lines[4 + n], signed.join(";"));
    assert_eq!(lines[4 + n], canonical.signed_headers());
    assert_eq!(lines[5 + n], sha256_hex(body));
    assert_eq!(lines[5 + n], canonical.payload_hash());

    // The string to sign.
    assert_eq!(
        output.string_to_sign.to_string(),
        format!(
            "AWS4-HMAC-SHA256\n{}\n{}/{region}/{service}/aws4_request\n{}",
            time.date_time(),
            time.date(),
            sha256_hex(text.as_bytes())
        )
    );
});
