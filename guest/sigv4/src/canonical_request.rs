//! Step 1 of SigV4, "Create a canonical request" (AWS Signature Version 4 documentation): the
//! method, the canonical URI, the canonical query string, the canonical headers, the signed
//! headers and the payload hash, one per line. Path normalisation removes dot segments as
//! RFC 3986 section 5.2.4 does.
//!
//! The rules follow the `aws-sigv4` crate's defaults, so that the two agree on every request:
//! - the path is encoded once more as given (already-encoded `%3A` becomes `%253A`), as AWS
//!   expects of every service but S3;
//! - query parameters are form-decoded (`%XX`, and `+` as a space), re-encoded strictly and sorted;
//! - `user-agent`, `x-amzn-trace-id` and `transfer-encoding` are left unsigned, since proxies
//!   change them.

use alloc::{borrow::ToOwned, string::String, vec::Vec};
use core::cmp::Ordering;
use core::fmt;
use core::ops::Range;

use lambda_invoke_sha256::sha256;

use crate::error::SigningError;
use crate::hex;
use crate::params::{SessionTokenMode, SignableRequest, SigningParams, SigningSettings};
use crate::uri_encoding::{decode_form_component, encode_component, encode_path};

/// Headers sent but not signed: proxies and CDNs may change them on the way (the set the AWS
/// SDKs agree on, and `aws-sigv4`'s default `excluded_headers` minus `authorization`, which is
/// refused instead since the signer adds it).
const UNSIGNED_HEADERS: [&str; 3] = ["user-agent", "x-amzn-trace-id", "transfer-encoding"];

/// The canonical request of SigV4, step 1.
///
/// `Display` (and [`CanonicalRequest::as_str`]) give exactly the text of the specification, the
/// text whose SHA-256 the string to sign holds:
///
/// ```text
/// POST
/// /2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-east-1%253A123456789012%253Afunction%253Af/invocations
///
/// host:lambda.us-east-1.amazonaws.com
/// x-amz-date:20150830T123600Z
///
/// host;x-amz-date
/// 44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a
/// ```
///
/// `Debug` leaves the header values out, since one may be the session token.
#[derive(Clone, PartialEq, Eq)]
pub struct CanonicalRequest {
    text: String,
    uri: Range<usize>,
    query: Range<usize>,
    headers: Range<usize>,
    signed_headers: Range<usize>,
    payload_hash: Range<usize>,
}

impl CanonicalRequest {
    /// The canonical request of `request`, signed with `params`: the signer's own headers
    /// (`x-amz-date`, and per the settings `x-amz-security-token` and `x-amz-content-sha256`)
    /// are added to the request's.
    ///
    /// # Errors
    ///
    /// When the method, a header or the session token cannot be signed; see [`SigningError`].
    pub fn new(request: &SignableRequest<'_>, params: &SigningParams<'_>) -> Result<Self, SigningError> {
        let settings = &params.settings;
        if !is_token(request.method) {
            return Err(SigningError::InvalidMethod {
                method: request.method.to_owned(),
            });
        }
        let session_token = params.credentials.session_token;
        if session_token.is_some_and(|token| !is_valid_session_token(token)) {
            return Err(SigningError::InvalidSessionToken);
        }
        let payload_hash = hex::encode(&sha256(request.body));

        let mut headers: Vec<(&str, &str)> = Vec::with_capacity(request.headers.len() + 3);
        let mut has_host = false;
        let mut headers_len = 0;
        for &(name, value) in request.headers {
            if !is_token(name) {
                return Err(SigningError::InvalidHeaderName {
                    name: name.to_owned(),
                });
            }
            if is_reserved(name, settings) {
                return Err(SigningError::ReservedHeader {
                    name: name.to_owned(),
                });
            }
            if UNSIGNED_HEADERS.iter().any(|u| name.eq_ignore_ascii_case(u)) {
                continue;
            }
            has_host |= name.eq_ignore_ascii_case("host");
            headers_len += 2 * name.len() + value.len() + 3;
            headers.push((name, value));
        }
        if !has_host {
            return Err(SigningError::MissingHost);
        }
        headers.push(("x-amz-date", params.time.date_time()));
        if let (Some(token), SessionTokenMode::Include) = (session_token, settings.session_token_mode) {
            headers.push(("x-amz-security-token", token));
        }
        if settings.sign_body {
            headers.push(("x-amz-content-sha256", &payload_hash));
        }
        // A stable sort, so that the values of a repeated header keep their order.
        insertion_sort(&mut headers, |(a, _), (b, _)| cmp_ignore_ascii_case(a, b).is_gt());

        let mut text = String::with_capacity(
            request.method.len() + 3 * (request.path.len() + request.query.len()) + headers_len + 256,
        );
        text.push_str(request.method);
        text.push('\n');

        let start = text.len();
        write_canonical_uri(request.path, settings.normalize_path, &mut text);
        let uri = start..text.len();
        text.push('\n');

        let start = text.len();
        write_canonical_query(request.query, &mut text);
        let query = start..text.len();
        text.push('\n');

        let start = text.len();
        for group in headers.chunk_by(|(a, _), (b, _)| a.eq_ignore_ascii_case(b)) {
            for (i, &(name, value)) in group.iter().enumerate() {
                if i == 0 {
                    push_lowercase(name, &mut text);
                    text.push(':');
                } else {
                    text.push(',');
                }
                write_trimmed_value(name, value, &mut text)?;
            }
            text.push('\n');
        }
        let headers_range = start..text.len();
        text.push('\n');

        let start = text.len();
        for (i, group) in headers
            .chunk_by(|(a, _), (b, _)| a.eq_ignore_ascii_case(b))
            .enumerate()
        {
            if i > 0 {
                text.push(';');
            }
            if let Some(&(name, _)) = group.first() {
                push_lowercase(name, &mut text);
            }
        }
        let signed_headers = start..text.len();
        text.push('\n');

        let start = text.len();
        text.push_str(&payload_hash);
        let payload_hash = start..text.len();

        Ok(Self {
            text,
            uri,
            query,
            headers: headers_range,
            signed_headers,
            payload_hash,
        })
    }

    /// The whole canonical request, as `Display` writes it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The method, as given.
    pub fn method(&self) -> &str {
        let end = self.uri.start.saturating_sub(1);
        &self.text[..end]
    }

    /// The canonical URI: the path, normalised if the settings say so, then URI-encoded.
    pub fn uri(&self) -> &str {
        &self.text[self.uri.clone()]
    }

    /// The canonical query string: `name=value` pairs, encoded and sorted, joined by `&`.
    pub fn query(&self) -> &str {
        &self.text[self.query.clone()]
    }

    /// The canonical headers: one `name:value` line per header, each ending in a line break.
    pub fn headers(&self) -> &str {
        &self.text[self.headers.clone()]
    }

    /// The signed headers: the lowercase names, sorted, joined by `;`, as they also appear in
    /// the `Authorization` header.
    pub fn signed_headers(&self) -> &str {
        &self.text[self.signed_headers.clone()]
    }

    /// The payload hash: the hex SHA-256 of the body.
    pub fn payload_hash(&self) -> &str {
        &self.text[self.payload_hash.clone()]
    }
}

impl fmt::Display for CanonicalRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for CanonicalRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CanonicalRequest")
            .field("method", &self.method())
            .field("uri", &self.uri())
            .field("query", &self.query())
            .field("signed_headers", &self.signed_headers())
            .field("payload_hash", &self.payload_hash())
            .finish_non_exhaustive()
    }
}

/// Whether the request may not carry `name` because the signer sets it.
fn is_reserved(name: &str, settings: &SigningSettings) -> bool {
    ["authorization", "x-amz-date", "x-amz-security-token"]
        .iter()
        .any(|reserved| name.eq_ignore_ascii_case(reserved))
        || (settings.sign_body && name.eq_ignore_ascii_case("x-amz-content-sha256"))
}

/// Whether `text` is an HTTP token (RFC 9110 section 5.6.2), as methods and header names are.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Whether `token` can be sent as a header value unchanged: printable ASCII, no spaces.
fn is_valid_session_token(token: &str) -> bool {
    !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic())
}

/// Compares header names as their lowercase forms compare.
fn cmp_ignore_ascii_case(a: &str, b: &str) -> Ordering {
    let a = a.bytes().map(|byte| byte.to_ascii_lowercase());
    a.cmp(b.bytes().map(|byte| byte.to_ascii_lowercase()))
}

fn push_lowercase(name: &str, out: &mut String) {
    let start = out.len();
    out.push_str(name);
    out[start..].make_ascii_lowercase();
}

/// Appends the canonical URI of `path`: normalised (RFC 3986 section 5.2.4, plus repeated
/// slashes collapsed) if `normalize`, always absolute, then URI-encoded with `/` kept.
fn write_canonical_uri(path: &str, normalize: bool, out: &mut String) {
    if !normalize {
        if !path.starts_with('/') {
            out.push('/');
        }
        encode_path(path.as_bytes(), out);
        return;
    }
    // Segments are encoded as they are written; an encoded segment holds no '/', so the output
    // itself serves as the stack of RFC 3986's algorithm: `out[root..]` is "/" or "/a/b".
    let root = out.len() + 1;
    out.push('/');
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                let last_slash = out[root..].rfind('/').unwrap_or(0);
                out.truncate(root + last_slash);
            }
            _ => {
                if out.len() > root {
                    out.push('/');
                }
                encode_path(segment.as_bytes(), out);
            }
        }
    }
    // "/a/b/", "/a/b/." and "/a/b/.." name directories, and keep their trailing slash.
    let names_directory = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    if names_directory && !out.ends_with('/') {
        out.push('/');
    }
}

/// Appends the canonical query string of the raw `query`.
fn write_canonical_query(query: &str, out: &mut String) {
    if query.is_empty() {
        return;
    }
    let mut encoded = String::with_capacity(query.len() * 2);
    let mut decoded = Vec::new();
    let mut parameters: Vec<(Range<usize>, Range<usize>)> = Vec::new();
    for parameter in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = parameter.split_once('=').unwrap_or((parameter, ""));
        let name = reencode(name, &mut decoded, &mut encoded);
        let value = reencode(value, &mut decoded, &mut encoded);
        parameters.push((name, value));
    }
    let text = |range: &Range<usize>| &encoded[range.clone()];
    insertion_sort(&mut parameters, |(a_name, a_value), (b_name, b_value)| {
        (text(a_name), text(a_value)) > (text(b_name), text(b_value))
    });
    for (i, (name, value)) in parameters.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(text(name));
        out.push('=');
        out.push_str(text(value));
    }
}

/// Form-decodes `raw` then URI-encodes it onto `out`, returning where it landed.
fn reencode(raw: &str, decoded: &mut Vec<u8>, out: &mut String) -> Range<usize> {
    let start = out.len();
    decode_form_component(raw.as_bytes(), decoded);
    // Bytes that are not UTF-8 once decoded become U+FFFD, as `form_urlencoded` (and so
    // `aws-sigv4`) makes them.
    encode_component(String::from_utf8_lossy(decoded).as_bytes(), out);
    start..out.len()
}

/// Appends `value` trimmed, each run of whitespace (spaces, tabs, obsolete line folds) turned
/// into one space: the `Trimall` of the specification.
fn write_trimmed_value(name: &str, value: &str, out: &mut String) -> Result<(), SigningError> {
    let invalid = || SigningError::InvalidHeaderValue {
        name: name.to_owned(),
    };
    // Byte by byte: every byte that matters here is ASCII, so the runs copied whole start and
    // end on character boundaries.
    let bytes = value.as_bytes();
    let mut space_pending = false;
    let mut at_start = true;
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b' ' | b'\t' => {
                space_pending = true;
                at += 1;
            }
            b'\r' | b'\n' => {
                at += 1;
                if byte == b'\r' {
                    if bytes.get(at) != Some(&b'\n') {
                        return Err(invalid());
                    }
                    at += 1;
                }
                // Obsolete line folding (RFC 9112 section 5.2): a line break followed by
                // whitespace continues the value. Any other line break would end the header.
                if !matches!(bytes.get(at), Some(b' ' | b'\t')) {
                    return Err(invalid());
                }
                space_pending = true;
            }
            byte if byte.is_ascii_control() => return Err(invalid()),
            _ => {
                let start = at;
                while bytes.get(at).is_some_and(|&b| b != b' ' && !b.is_ascii_control()) {
                    at += 1;
                }
                if space_pending && !at_start {
                    out.push(' ');
                }
                space_pending = false;
                at_start = false;
                out.push_str(&value[start..at]);
            }
        }
    }
    Ok(())
}

/// A stable sort in a few hundred bytes of wasm (the standard library's sorts take kilobytes);
/// requests have a handful of headers and parameters.
fn insertion_sort<T>(items: &mut [T], greater: impl Fn(&T, &T) -> bool) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && greater(&items[j - 1], &items[j]) {
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Credentials;
    use crate::time::SigningTime;

    fn uri(path: &str, normalize: bool) -> String {
        let mut out = String::from("prefix");
        write_canonical_uri(path, normalize, &mut out);
        out.split_off("prefix".len())
    }

    #[test]
    fn removes_dot_segments_as_rfc3986_section_5_2_4() {
        // The two examples of section 5.2.4 (made absolute, as a canonical URI is).
        assert_eq!(uri("/a/b/c/./../../g", true), "/a/g");
        assert_eq!(uri("mid/content=5/../6", true), "/mid/6");
        // Rule 2.D/2.E for "." and "..", and trailing segments naming a directory.
        assert_eq!(uri("/a/b/.", true), "/a/b/");
        assert_eq!(uri("/a/b/..", true), "/a/");
        assert_eq!(uri("/a/b/../", true), "/a/");
        // ".." above the root stays at the root (section 5.4.2's abnormal examples).
        assert_eq!(uri("/../g", true), "/g");
        assert_eq!(uri("/../../g/..", true), "/");
        // Names that only look like dot segments are data.
        assert_eq!(uri("/a/.../b/..c/.d", true), "/a/.../b/..c/.d");
        assert_eq!(uri("/a/%2E%2E/b", true), "/a/%252E%252E/b");
    }

    #[test]
    fn normalising_collapses_slashes_and_keeps_the_trailing_one() {
        assert_eq!(uri("", true), "/");
        assert_eq!(uri("/", true), "/");
        assert_eq!(uri("//", true), "/");
        assert_eq!(uri("//example//", true), "/example/");
        assert_eq!(uri("/a//b///c", true), "/a/b/c");
    }

    #[test]
    fn unnormalised_paths_are_only_encoded() {
        assert_eq!(uri("", false), "/");
        assert_eq!(uri("a/b", false), "/a/b");
        assert_eq!(uri("//a/./b/../", false), "//a/./b/../");
        assert_eq!(uri("/a b/%3A", false), "/a%20b/%253A");
    }

    fn query(raw: &str) -> String {
        let mut out = String::new();
        write_canonical_query(raw, &mut out);
        out
    }

    #[test]
    fn query_is_decoded_reencoded_and_sorted() {
        assert_eq!(query(""), "");
        assert_eq!(query("b=2&a=1"), "a=1&b=2");
        // Sorted by encoded name, then encoded value.
        assert_eq!(query("a=2&a=10&a=1"), "a=1&a=10&a=2");
        assert_eq!(query("a=b=c"), "a=b%3Dc");
        // No '=' means an empty value; empty parameters vanish.
        assert_eq!(query("flag&&x="), "flag=&x=");
        assert_eq!(query("k=a+b%20c%2fd/e"), "k=a%20b%20c%2Fd%2Fe");
        assert_eq!(query("%7e=%41"), "~=A");
        assert_eq!(query("%=%zz"), "%25=%25zz");
        assert_eq!(query("bad=%FF"), "bad=%EF%BF%BD");
    }

    fn value(raw: &str) -> Result<String, SigningError> {
        let mut out = String::new();
        write_trimmed_value("x", raw, &mut out).map(|()| out)
    }

    #[test]
    fn header_values_are_trimmed_and_folds_joined() {
        assert_eq!(value("").as_deref(), Ok(""));
        assert_eq!(value("  a  b \t c\t").as_deref(), Ok("a b c"));
        assert_eq!(
            value("value1\n  value2\r\n\tvalue3").as_deref(),
            Ok("value1 value2 value3")
        );
        assert_eq!(value("caf\u{e9}  ok").as_deref(), Ok("caf\u{e9} ok"));
        let invalid = Err(SigningError::InvalidHeaderValue { name: "x".into() });
        for bad in ["a\nb", "a\rb", "a\r b", "a\n", "a\u{0}b", "a\u{7f}"] {
            assert_eq!(value(bad), invalid, "{bad:?}");
        }
    }

    fn params() -> SigningParams<'static> {
        SigningParams {
            credentials: Credentials {
                access_key_id: "AKIDEXAMPLE",
                secret_access_key: "secret",
                session_token: None,
            },
            region: "us-east-1",
            service: "lambda",
            time: SigningTime::from_unix_seconds(1_440_938_160).expect("in range"),
            settings: SigningSettings::default(),
        }
    }

    #[test]
    fn lambda_paths_are_encoded_once_more() {
        let headers = [("Host", "lambda.us-east-1.amazonaws.com")];
        let request = SignableRequest {
            method: "POST",
            path: "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af/invocations",
            query: "",
            headers: &headers,
            body: b"{}",
        };
        let canonical = CanonicalRequest::new(&request, &params()).expect("signable");
        assert_eq!(
            canonical.to_string(),
            "POST\n\
             /2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-east-1%253A123456789012%253Afunction%253Af/invocations\n\
             \n\
             host:lambda.us-east-1.amazonaws.com\n\
             x-amz-date:20150830T123600Z\n\
             \n\
             host;x-amz-date\n\
             44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        assert_eq!(canonical.method(), "POST");
        assert_eq!(canonical.query(), "");
        assert_eq!(canonical.signed_headers(), "host;x-amz-date");
        assert_eq!(
            format!("{canonical:?}"),
            "CanonicalRequest { method: \"POST\", uri: \"/2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-east-1%253A123456789012%253Afunction%253Af/invocations\", \
             query: \"\", signed_headers: \"host;x-amz-date\", \
             payload_hash: \"44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\", .. }"
        );
    }

    #[test]
    fn proxy_headers_are_not_signed() {
        let headers = [
            ("User-Agent", "lambda-invoke/0.1"),
            ("Host", "h"),
            ("X-Amzn-Trace-Id", "Root=1"),
            ("Transfer-Encoding", "chunked"),
            ("X-Custom", "1"),
        ];
        let request = SignableRequest {
            method: "GET",
            path: "/",
            query: "",
            headers: &headers,
            body: b"",
        };
        let canonical = CanonicalRequest::new(&request, &params()).expect("signable");
        assert_eq!(canonical.signed_headers(), "host;x-amz-date;x-custom");
        assert_eq!(
            canonical.headers(),
            "host:h\nx-amz-date:20150830T123600Z\nx-custom:1\n"
        );
    }
}
