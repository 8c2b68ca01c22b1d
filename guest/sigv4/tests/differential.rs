//! Differential test: random requests signed by this crate and by the `aws-sigv4` crate (the AWS
//! SDK for Rust's signer), both with default settings, must get the same signature and the same
//! `Authorization` header.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials as AwsCredentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest as AwsRequest, SigningParams as AwsParams, SigningSettings as AwsSettings,
    sign as aws_sign,
};
use aws_smithy_runtime_api::client::identity::Identity;
use lambda_invoke_sigv4::{Credentials, SignableRequest, SigningParams, SigningSettings, SigningTime, sign};
use proptest::prelude::*;

/// One random request and everything it is signed with.
#[derive(Debug)]
struct Case {
    method: &'static str,
    host: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    region: String,
    service: String,
    unix_seconds: u64,
}

/// A path segment: unreserved characters, sub-delimiters Lambda-style ARNs and others use, and
/// percent escapes such as the `%3A` of an encoded ARN colon; or a dot segment, or nothing (`//`).
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "([A-Za-z0-9._~:@$!'()*,;=-]|%[0-9A-Fa-f]{2}|%3A){1,10}",
        1 => Just(".".to_owned()),
        1 => Just("..".to_owned()),
        1 => Just(String::new()),
    ]
}

fn path() -> impl Strategy<Value = String> {
    (prop::collection::vec(segment(), 0..6), any::<bool>()).prop_map(|(segments, trailing)| {
        let mut path = String::new();
        for segment in &segments {
            path.push('/');
            path.push_str(segment);
        }
        if trailing || path.is_empty() {
            path.push('/');
        }
        path
    })
}

/// A query: names and values with unreserved characters, `+` (a space once decoded), escapes
/// (valid or not UTF-8), and characters that need encoding; parameters without `=`, repeated
/// names and empty parameters.
fn query() -> impl Strategy<Value = String> {
    let text = "([A-Za-z0-9._~:@$!'()*,;/?+-]|%[0-9A-Fa-f]{2}|%){0,6}";
    let parameter = prop_oneof![
        4 => (text, text).prop_map(|(name, value)| format!("{name}={value}")),
        1 => (text, text).prop_map(|(name, value)| format!("{name}={value}={value}")),
        1 => text.prop_map(|name| name.to_owned()),
        1 => Just("dup=1".to_owned()),
    ];
    prop::collection::vec(parameter, 0..6).prop_map(|parameters| parameters.join("&"))
}

/// Extra headers: token-alphabet names (some repeated in other cases, some of those proxies
/// change, which both signers leave unsigned) and printable values with inner and outer spaces.
fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![
        4 => "[A-Za-z0-9][A-Za-z0-9!#$%&'*+.^_`|~-]{0,12}",
        2 => prop::sample::select(vec!["My-Header", "my-header", "MY-HEADER", "Content-Type"])
            .prop_map(str::to_owned),
        1 => prop::sample::select(vec!["User-Agent", "X-Amzn-Trace-Id", "Transfer-Encoding"])
            .prop_map(str::to_owned),
    ]
    .prop_filter("not a header the signers set", |name: &String| {
        ![
            "host",
            "authorization",
            "x-amz-date",
            "x-amz-security-token",
            "x-amz-content-sha256",
        ]
        .iter()
        .any(|reserved| name.eq_ignore_ascii_case(reserved))
    });
    let value = "[ -~]{0,16}";
    prop::collection::vec((name, value), 0..=5)
}

fn case() -> impl Strategy<Value = Case> {
    (
        (
            prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"]),
            "[a-z0-9-]{1,12}(\\.[a-z0-9-]{1,12}){0,2}",
            path(),
            query(),
            headers(),
            prop::collection::vec(any::<u8>(), 0..64),
        ),
        (
            "[A-Z0-9]{16,20}",
            "[A-Za-z0-9/+]{40}",
            prop::option::of("[A-Za-z0-9/+=]{1,64}"),
            "[a-z]{2}-[a-z]{4,9}-[1-9]",
            "[a-z0-9-]{2,16}",
            // Up to 9999-12-31T23:59:59Z.
            0_u64..=253_402_300_799,
        ),
    )
        .prop_map(
            |(
                (method, host, path, query, headers, body),
                (access_key_id, secret_access_key, session_token, region, service, unix_seconds),
            )| Case {
                method,
                host,
                path,
                query,
                headers,
                body,
                access_key_id,
                secret_access_key,
                session_token,
                region,
                service,
                unix_seconds,
            },
        )
}

/// The `Authorization` header and the signature according to `aws-sigv4`.
fn sign_with_aws_sigv4(case: &Case) -> (String, String) {
    let mut uri = format!("https://{}{}", case.host, case.path);
    if !case.query.is_empty() {
        uri.push('?');
        uri.push_str(&case.query);
    }
    let headers = std::iter::once(("Host", case.host.as_str())).chain(
        case.headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
    );
    let request = AwsRequest::new(case.method, uri, headers, SignableBody::Bytes(&case.body))
        .expect("aws-sigv4 accepts the request");
    let identity: Identity = AwsCredentials::new(
        &case.access_key_id,
        &case.secret_access_key,
        case.session_token.clone(),
        None,
        "differential",
    )
    .into();
    let params: AwsParams<'_> = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(&case.region)
        .name(&case.service)
        .time(SystemTime::UNIX_EPOCH + Duration::from_secs(case.unix_seconds))
        .settings(AwsSettings::default())
        .build()
        .expect("complete parameters")
        .into();
    let (instructions, signature) = aws_sign(request, &params)
        .expect("aws-sigv4 signs the request")
        .into_parts();
    let authorization = instructions
        .headers()
        .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
        .map(|(_, value)| value.to_owned())
        .expect("an authorization header");
    (authorization, signature)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn same_signature_as_aws_sigv4(case in case()) {
        let mut headers = vec![("Host", case.host.as_str())];
        headers.extend(case.headers.iter().map(|(name, value)| (name.as_str(), value.as_str())));
        let request = SignableRequest {
            method: case.method,
            path: &case.path,
            query: &case.query,
            headers: &headers,
            body: &case.body,
        };
        let params = SigningParams {
            credentials: Credentials {
                access_key_id: &case.access_key_id,
                secret_access_key: &case.secret_access_key,
                session_token: case.session_token.as_deref(),
            },
            region: &case.region,
            service: &case.service,
            time: SigningTime::from_unix_seconds(case.unix_seconds).expect("year <= 9999"),
            settings: SigningSettings::default(),
        };
        let ours = sign(&request, &params).expect("this crate signs the request");
        let (authorization, signature) = sign_with_aws_sigv4(&case);
        let our_authorization = ours
            .headers
            .iter()
            .find(|(name, _)| *name == "Authorization")
            .map(|(_, value)| value.as_str());
        prop_assert_eq!(
            &ours.signature,
            &signature,
            "signatures differ; our canonical request:\n{}",
            ours.canonical_request
        );
        prop_assert_eq!(our_authorization, Some(authorization.as_str()));
    }
}
