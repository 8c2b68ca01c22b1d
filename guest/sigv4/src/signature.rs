//! Step 3 of SigV4, "Calculate the signature", second half, and step 4, "Add the signature to
//! the request" (AWS Signature Version 4 documentation): the hex HMAC-SHA256 of the string to
//! sign under the signing key, and the headers that carry it. [`sign`] runs every step.

use alloc::{borrow::ToOwned, string::String, vec::Vec};
use core::fmt;

use crate::canonical_request::CanonicalRequest;
use crate::error::SigningError;
use crate::hex;
use crate::params::{SignableRequest, SigningParams};
use crate::signing_key::SigningKey;
use crate::string_to_sign::{ALGORITHM, StringToSign};
use crate::uri_encoding::is_unreserved;
use lambda_invoke_sha256::hmac_sha256;

/// The result of signing: the headers to add, and every intermediate step for inspection.
///
/// `Debug` does not show the session token.
#[derive(Clone)]
pub struct SigningOutput {
    /// The headers to add to the request, in this order: `X-Amz-Security-Token` (if the
    /// credentials have a session token), `X-Amz-Date`, `x-amz-content-sha256` (if the body is
    /// signed) and `Authorization`.
    pub headers: Vec<(&'static str, String)>,
    /// The signature, 64 lowercase hexadecimal digits.
    pub signature: String,
    /// Step 1: the canonical request.
    pub canonical_request: CanonicalRequest,
    /// Step 2: the string to sign.
    pub string_to_sign: StringToSign,
}

impl fmt::Debug for SigningOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| match *name {
                SECURITY_TOKEN => (*name, "** redacted **"),
                _ => (*name, value.as_str()),
            })
            .collect();
        f.debug_struct("SigningOutput")
            .field("headers", &headers)
            .field("signature", &self.signature)
            .field("canonical_request", &self.canonical_request)
            .field("string_to_sign", &self.string_to_sign)
            .finish()
    }
}

const SECURITY_TOKEN: &str = "X-Amz-Security-Token";

/// Signs `request` with `params`: SigV4 steps 1 to 4.
///
/// # Errors
///
/// When the request or the parameters cannot be signed as they are: a header name or value
/// that is not valid, no `host` header, a header the signer sets itself, a region or service
/// that would break the credential scope, ... See [`SigningError`]. Never panics.
pub fn sign(
    request: &SignableRequest<'_>,
    params: &SigningParams<'_>,
) -> Result<SigningOutput, SigningError> {
    let credentials = &params.credentials;
    if !is_scope_part(credentials.access_key_id) {
        return Err(SigningError::InvalidAccessKeyId);
    }
    if !is_scope_part(params.region) {
        return Err(SigningError::InvalidRegion {
            region: params.region.to_owned(),
        });
    }
    if !is_scope_part(params.service) {
        return Err(SigningError::InvalidService {
            service: params.service.to_owned(),
        });
    }

    let canonical_request = CanonicalRequest::new(request, params)?;
    let string_to_sign = StringToSign::new(&params.time, params.region, params.service, &canonical_request);
    let key = SigningKey::derive(
        credentials.secret_access_key,
        &params.time,
        params.region,
        params.service,
    );
    let signature = calculate_signature(&key, &string_to_sign);

    let mut headers = Vec::with_capacity(4);
    if let Some(token) = credentials.session_token {
        headers.push((SECURITY_TOKEN, token.to_owned()));
    }
    headers.push(("X-Amz-Date", params.time.date_time().to_owned()));
    if params.settings.sign_body {
        headers.push((
            "x-amz-content-sha256",
            canonical_request.payload_hash().to_owned(),
        ));
    }
    headers.push((
        "Authorization",
        authorization(
            credentials.access_key_id,
            &string_to_sign,
            &canonical_request,
            &signature,
        ),
    ));

    Ok(SigningOutput {
        headers,
        signature,
        canonical_request,
        string_to_sign,
    })
}

/// The signature: hex HMAC-SHA256 of the string to sign under the signing key.
pub fn calculate_signature(key: &SigningKey, string_to_sign: &StringToSign) -> String {
    hex::encode(&hmac_sha256(
        &[key.as_bytes()],
        string_to_sign.as_str().as_bytes(),
    ))
}

/// `AWS4-HMAC-SHA256 Credential=AKID/scope, SignedHeaders=a;b, Signature=hex`.
fn authorization(
    access_key_id: &str,
    string_to_sign: &StringToSign,
    canonical_request: &CanonicalRequest,
    signature: &str,
) -> String {
    let parts = [
        ALGORITHM,
        " Credential=",
        access_key_id,
        "/",
        string_to_sign.scope(),
        ", SignedHeaders=",
        canonical_request.signed_headers(),
        ", Signature=",
        signature,
    ];
    let mut value = String::with_capacity(parts.iter().map(|part| part.len()).sum());
    for part in parts {
        value.push_str(part);
    }
    value
}

/// Whether `text` can stand between the `/` of a credential scope (and in the `Authorization`
/// header) unchanged: non-empty, unreserved characters only.
fn is_scope_part(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(is_unreserved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{Credentials, SessionTokenMode, SigningSettings};
    use crate::time::SigningTime;

    fn params(session_token: Option<&'static str>) -> SigningParams<'static> {
        SigningParams {
            credentials: Credentials {
                access_key_id: "AKIDEXAMPLE",
                secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                session_token,
            },
            region: "us-east-1",
            service: "service",
            time: "2015-08-30T12:36:00Z".parse().expect("valid time"),
            settings: SigningSettings::default(),
        }
    }

    fn request<'a>(headers: &'a [(&'a str, &'a str)]) -> SignableRequest<'a> {
        SignableRequest {
            method: "GET",
            path: "/",
            query: "",
            headers,
            body: b"",
        }
    }

    #[test]
    fn signs_get_vanilla() {
        let output = sign(&request(&[("Host", "example.amazonaws.com")]), &params(None)).expect("signs");
        assert_eq!(
            output.signature,
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        assert_eq!(
            output.headers,
            [
                ("X-Amz-Date", "20150830T123600Z".to_owned()),
                (
                    "Authorization",
                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                     SignedHeaders=host;x-amz-date, \
                     Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
                        .to_owned()
                ),
            ]
        );
    }

    #[test]
    fn missing_host_is_an_error() {
        assert_eq!(
            sign(&request(&[("X-Other", "1")]), &params(None)).map(|o| o.signature),
            Err(SigningError::MissingHost)
        );
    }

    #[test]
    fn a_line_break_that_is_not_a_fold_is_an_error() {
        for value in ["a\nb", "a\r\nb", "a\n", "a\rb", "a\u{0}b"] {
            let headers = [("Host", "h"), ("X-Injected", value)];
            assert_eq!(
                sign(&request(&headers), &params(None)).map(|o| o.signature),
                Err(SigningError::InvalidHeaderValue {
                    name: "X-Injected".to_owned()
                }),
                "{value:?}"
            );
        }
        let folded = [("Host", "h"), ("X-Folded", "a\r\n b")];
        assert!(sign(&request(&folded), &params(None)).is_ok());
    }

    #[test]
    fn invalid_inputs_are_errors() {
        let host = [("Host", "h")];
        let error = |request: &SignableRequest<'_>, params: &SigningParams<'_>| {
            sign(request, params).err().map(|e| e.to_string())
        };
        for name in ["", "Bad Name", "Bad:Name", "Caf\u{e9}"] {
            let headers = [("Host", "h"), (name, "v")];
            assert_eq!(
                sign(&request(&headers), &params(None)).err(),
                Some(SigningError::InvalidHeaderName {
                    name: name.to_owned()
                })
            );
        }
        for name in ["Authorization", "X-Amz-Date", "x-amz-security-token"] {
            let headers = [("Host", "h"), (name, "v")];
            assert_eq!(
                error(&request(&headers), &params(None)),
                Some(format!(
                    "header {name:?} is set by the signer: remove it from the request"
                ))
            );
        }
        // x-amz-content-sha256 is the caller's to set unless the signer signs the body.
        let content_sha = [("Host", "h"), ("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")];
        assert!(sign(&request(&content_sha), &params(None)).is_ok());
        let mut sign_body = params(None);
        sign_body.settings.sign_body = true;
        assert!(matches!(
            sign(&request(&content_sha), &sign_body),
            Err(SigningError::ReservedHeader { .. })
        ));

        let mut bad = request(&host);
        bad.method = "GET /";
        assert_eq!(
            error(&bad, &params(None)),
            Some("method \"GET /\" is invalid: use an HTTP method such as POST".to_owned())
        );
        for (region, service) in [("us/east-1", "s"), ("", "s"), ("us-east-1", "s3 x")] {
            let mut p = params(None);
            p.region = region;
            p.service = service;
            assert!(
                matches!(
                    sign(&request(&host), &p),
                    Err(SigningError::InvalidRegion { .. } | SigningError::InvalidService { .. })
                ),
                "{region:?} {service:?}"
            );
        }
        let mut p = params(None);
        p.credentials.access_key_id = "AKID/EXAMPLE";
        assert_eq!(
            sign(&request(&host), &p).err(),
            Some(SigningError::InvalidAccessKeyId)
        );
        for token in ["", "a b", "a\nb"] {
            assert_eq!(
                sign(&request(&host), &params(Some(token))).err(),
                Some(SigningError::InvalidSessionToken),
                "{token:?}"
            );
        }
    }

    #[test]
    fn session_token_is_added_first_and_signed_unless_asked_not_to() {
        let host = [("Host", "example.amazonaws.com")];
        let output = sign(&request(&host), &params(Some("TOKEN"))).expect("signs");
        assert_eq!(output.headers[0], ("X-Amz-Security-Token", "TOKEN".to_owned()));
        assert_eq!(
            output.canonical_request.signed_headers(),
            "host;x-amz-date;x-amz-security-token"
        );
        let debug = format!("{output:?}");
        assert!(!debug.contains("TOKEN"), "{debug}");
        assert!(debug.contains("** redacted **"), "{debug}");

        let mut after = params(Some("TOKEN"));
        after.settings.session_token_mode = SessionTokenMode::AddAfterSigning;
        let output = sign(&request(&host), &after).expect("signs");
        assert_eq!(output.headers[0], ("X-Amz-Security-Token", "TOKEN".to_owned()));
        assert_eq!(output.canonical_request.signed_headers(), "host;x-amz-date");
    }

    #[test]
    fn credentials_debug_hides_secrets() {
        let debug = format!("{:?}", params(Some("TOKEN")).credentials);
        assert_eq!(
            debug,
            "Credentials { access_key_id: \"AKIDEXAMPLE\", secret_access_key: ** redacted **, \
             session_token: Some(** redacted **) }"
        );
    }

    #[test]
    fn never_panics_on_odd_inputs() {
        let odd = [
            "", "/", "//", "..", "/../..", "%", "%%", "%zz", "?", "#", "\u{0}", "\u{ffff}", "+", "&&&",
            "===", "a=b=c&", " \t ",
        ];
        let time = SigningTime::from_unix_seconds(0).expect("in range");
        for text in odd {
            let headers = [("Host", text), ("X-A", text)];
            let request = SignableRequest {
                method: "GET",
                path: text,
                query: text,
                headers: &headers,
                body: text.as_bytes(),
            };
            for normalize_path in [true, false] {
                let mut p = params(None);
                p.time = time;
                p.settings.normalize_path = normalize_path;
                let _ = sign(&request, &p);
            }
        }
    }
}
