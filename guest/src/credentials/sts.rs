//! The STS calls of the chain (STS API reference: `AssumeRole`, `AssumeRoleWithWebIdentity`):
//! a form-encoded POST to the regional STS endpoint (`https://sts.{region}.{suffix}`, or
//! `AWS_ENDPOINT_URL_STS`, then `AWS_ENDPOINT_URL`), answered in XML.

use alloc::{borrow::ToOwned, format, string::String, vec};
use lambda_invoke_sigv4::uri_encoding::encode_component;

use super::{Credentials, SourceError, from_keys};
use crate::aws::{self, AwsRequest, CONNECT_TIMEOUT_MS, service_error, xml_element};
use crate::endpoint;
use crate::host::Host;
use crate::http::Method;
use crate::retry::Repeat;

/// The STS API version.
const VERSION: &str = "2011-06-15";
/// STS answers quickly; a slow one is a broken one.
const READ_TIMEOUT_MS: u32 = 30_000;

/// Calls STS `action` with `params` (signed with `signing` unless none) and returns the
/// temporary credentials of the answer, registered as secrets. `source` names the credentials
/// in messages, e.g. `role arn:aws:iam::123456789012:role/deploy (AssumeRole)`.
pub(crate) fn credentials(
    host: &mut dyn Host,
    region: &str,
    action: &str,
    params: &[(&str, &str)],
    signing: Option<&Credentials>,
    source: &str,
) -> Result<Credentials, SourceError> {
    let endpoint = endpoint::resolve(host, "sts", None, region)?;
    let mut body = format!("Action={action}&Version={VERSION}");
    for (name, value) in params {
        body.push('&');
        body.push_str(name);
        body.push('=');
        encode_component(value.as_bytes(), &mut body);
    }
    let request = AwsRequest {
        operation: format!("STS {action}"),
        method: Method::Post,
        endpoint: &endpoint,
        path: "/".to_owned(),
        query: String::new(),
        headers: vec![(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8".to_owned(),
        )],
        body: body.into_bytes(),
        connect_timeout_ms: CONNECT_TIMEOUT_MS,
        read_timeout_ms: READ_TIMEOUT_MS,
        repeat: Repeat::Safe,
        returns_credentials: true,
    };
    let answer = match signing {
        Some(credentials) => aws::send(host, &request, credentials, region, "sts")?,
        None => aws::send_unsigned(host, &request)?,
    };
    let response = answer.response;
    if response.status != 200 {
        let e = service_error(&response);
        let retries = answer.note.map(|n| format!(" ({n})")).unwrap_or_default();
        let id = e
            .request_id
            .map(|id| format!(" [request id {id}]"))
            .unwrap_or_default();
        let hint = match e.code.as_str() {
            "AccessDenied" => {
                ": the credentials may not assume this role, or its trust policy does not trust them"
            }
            "InvalidIdentityToken" | "ExpiredTokenException" => {
                ": the OIDC token is invalid or expired, or the role does not trust its issuer"
            }
            "InvalidClientTokenId" | "SignatureDoesNotMatch" => ": the source credentials are wrong",
            _ => "",
        };
        return Err(SourceError::Broken(format!(
            "{source}: STS {action} failed with {} (HTTP {}): {}{retries}{id}{hint}",
            e.code, e.status, e.message
        )));
    }
    let xml = crate::aws::body_text(&response.body);
    let credentials = from_keys(
        host,
        source,
        ["AccessKeyId", "SecretAccessKey"],
        xml_element(&xml, "AccessKeyId"),
        xml_element(&xml, "SecretAccessKey"),
        xml_element(&xml, "SessionToken"),
    );
    match credentials {
        Err(SourceError::NotConfigured(_)) => Err(SourceError::Broken(format!(
            "{source}: STS {action} answered without credentials: {}",
            aws::quote(&xml)
        ))),
        other => other,
    }
}
