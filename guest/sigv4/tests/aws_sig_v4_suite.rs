//! The official SigV4 test suite (awslabs/aws-c-auth `tests/aws-signing-test-suite/v4`, copied to
//! `aws-sig-v4-test-suite/`): one test per case folder, each `header-*` file checked on its own
//! so that a failure names the step that broke.

use std::fs;
use std::path::{Path, PathBuf};

use lambda_invoke_sigv4::{
    Credentials, SessionTokenMode, SignableRequest, SigningParams, SigningSettings, SigningTime, sign,
};

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("aws-sig-v4-test-suite")
}

fn read(case: &str, file: &str) -> String {
    let path = suite_dir().join(case).join(file);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `request.txt`: the request line, `Name:value` header lines (a line starting with whitespace
/// continues the previous value after a line break), then a blank line and the body if any.
struct RawRequest {
    request_line: String,
    method: String,
    path: String,
    query: String,
    /// The header lines exactly as written, for the signed request.
    header_lines: Vec<String>,
    headers: Vec<(String, String)>,
    body: String,
}

fn parse_request(text: &str) -> RawRequest {
    let (head, body) = match text.split_once("\n\n") {
        Some((head, body)) => (head, body),
        None => (text.strip_suffix('\n').unwrap_or(text), ""),
    };
    let mut lines = head.split('\n');
    let request_line = lines.next().expect("a request line");
    let (method, target) = request_line
        .strip_suffix(" HTTP/1.1")
        .and_then(|line| line.split_once(' '))
        .unwrap_or_else(|| panic!("request line {request_line:?}"));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));

    let mut header_lines = Vec::new();
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        header_lines.push(line.to_owned());
        if line.starts_with([' ', '\t']) {
            let (_, value) = headers.last_mut().expect("a header before a continuation");
            value.push('\n');
            value.push_str(line);
        } else {
            let (name, value) = line
                .split_once(':')
                .unwrap_or_else(|| panic!("header line {line:?}"));
            headers.push((name.to_owned(), value.to_owned()));
        }
    }
    RawRequest {
        request_line: request_line.to_owned(),
        method: method.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        header_lines,
        headers,
        body: body.to_owned(),
    }
}

/// `context.json`: credentials, region, service, timestamp and the signing flags.
struct Context {
    access_key_id: String,
    secret_access_key: String,
    token: Option<String>,
    region: String,
    service: String,
    time: SigningTime,
    settings: SigningSettings,
}

fn parse_context(text: &str) -> Context {
    let json: serde_json::Value = serde_json::from_str(text).expect("context.json is JSON");
    let string = |value: &serde_json::Value| {
        value
            .as_str()
            .unwrap_or_else(|| panic!("{value} is not a string"))
            .to_owned()
    };
    let flag = |name: &str| json.get(name).and_then(serde_json::Value::as_bool);
    let credentials = &json["credentials"];
    Context {
        access_key_id: string(&credentials["access_key_id"]),
        secret_access_key: string(&credentials["secret_access_key"]),
        token: credentials.get("token").map(string),
        region: string(&json["region"]),
        service: string(&json["service"]),
        time: string(&json["timestamp"]).parse().expect("timestamp is RFC 3339"),
        settings: SigningSettings {
            normalize_path: flag("normalize").expect("normalize is given"),
            sign_body: flag("sign_body").expect("sign_body is given"),
            session_token_mode: if flag("omit_session_token").unwrap_or(false) {
                SessionTokenMode::AddAfterSigning
            } else {
                SessionTokenMode::Include
            },
        },
    }
}

fn run_case(case: &str) {
    let raw = parse_request(&read(case, "request.txt"));
    let context = parse_context(&read(case, "context.json"));
    let headers: Vec<(&str, &str)> = raw
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let request = SignableRequest {
        method: &raw.method,
        path: &raw.path,
        query: &raw.query,
        headers: &headers,
        body: raw.body.as_bytes(),
    };
    let params = SigningParams {
        credentials: Credentials {
            access_key_id: &context.access_key_id,
            secret_access_key: &context.secret_access_key,
            session_token: context.token.as_deref(),
        },
        region: &context.region,
        service: &context.service,
        time: context.time,
        settings: context.settings,
    };
    let output = sign(&request, &params).unwrap_or_else(|e| panic!("{case}: sign failed: {e}"));

    assert_eq!(
        output.canonical_request.to_string(),
        read(case, "header-canonical-request.txt"),
        "{case}: step 1, the canonical request, differs"
    );
    assert_eq!(
        output.string_to_sign.to_string(),
        read(case, "header-string-to-sign.txt"),
        "{case}: step 2, the string to sign, differs"
    );
    assert_eq!(
        output.signature,
        read(case, "header-signature.txt"),
        "{case}: step 3, the signature, differs"
    );
    let mut signed = raw.request_line.clone();
    signed.push('\n');
    for line in &raw.header_lines {
        signed.push_str(line);
        signed.push('\n');
    }
    for (name, value) in &output.headers {
        signed.push_str(name);
        signed.push(':');
        signed.push_str(value);
        signed.push('\n');
    }
    signed.push('\n');
    signed.push_str(&raw.body);
    assert_eq!(
        signed,
        read(case, "header-signed-request.txt"),
        "{case}: step 4, the signed request, differs"
    );
}

/// One `#[test]` per case; the folder is the test's name with `_` turned into `-`.
macro_rules! cases {
    ($($case:ident),* $(,)?) => {
        const CASES: &[&str] = &[$(stringify!($case)),*];
        $(
            #[test]
            fn $case() {
                run_case(&stringify!($case).replace('_', "-"));
            }
        )*
    };
}

cases!(
    get_header_key_duplicate,
    get_header_value_multiline,
    get_header_value_order,
    get_header_value_trim,
    get_relative_normalized,
    get_relative_relative_normalized,
    get_relative_relative_unnormalized,
    get_relative_unnormalized,
    get_slash_dot_slash_normalized,
    get_slash_dot_slash_unnormalized,
    get_slash_normalized,
    get_slash_pointless_dot_normalized,
    get_slash_pointless_dot_unnormalized,
    get_slash_unnormalized,
    get_slashes_normalized,
    get_slashes_unnormalized,
    get_space_normalized,
    get_space_unnormalized,
    get_unreserved,
    get_utf8,
    get_vanilla,
    get_vanilla_empty_query_key,
    get_vanilla_query,
    get_vanilla_query_order_encoded,
    get_vanilla_query_order_key_case,
    get_vanilla_query_unreserved,
    get_vanilla_utf8_query,
    get_vanilla_with_session_token,
    post_header_key_case,
    post_header_key_sort,
    post_header_value_case,
    post_sts_header_after,
    post_sts_header_before,
    post_vanilla,
    post_vanilla_empty_query_value,
    post_vanilla_query,
    post_x_www_form_urlencoded,
    post_x_www_form_urlencoded_parameters,
);

#[test]
fn every_case_folder_has_a_test() {
    let mut folders: Vec<String> = fs::read_dir(suite_dir())
        .expect("the suite folder exists")
        .map(|entry| entry.expect("a readable entry"))
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .map(|entry| entry.file_name().to_string_lossy().replace('-', "_"))
        .collect();
    folders.sort();
    let mut tested: Vec<String> = CASES.iter().map(|case| (*case).to_owned()).collect();
    tested.sort();
    assert_eq!(folders.len(), 38, "the suite has 38 cases");
    assert_eq!(folders, tested, "every case folder has a test, and only those");
}
