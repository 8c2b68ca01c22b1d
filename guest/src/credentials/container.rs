//! Source 6: container credentials (ECS task roles, EKS Pod Identity): a GET of
//! `http://169.254.170.2{AWS_CONTAINER_CREDENTIALS_RELATIVE_URI}` or of
//! `AWS_CONTAINER_CREDENTIALS_FULL_URI` (https, or http to loopback, 169.254.170.2 or
//! 169.254.170.23 only), with the token of `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` or
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN` in `Authorization`.

use super::web_identity::describe_file_error;
use super::{Context, Credentials, SourceError, from_json};
use crate::endpoint::{Scheme, parse};
use crate::host::Host;
use crate::http::{Header, Method, Request};
use alloc::{borrow::ToOwned, format, string::String, vec::Vec};

/// The ECS credentials address.
const ECS_HOST: &str = "169.254.170.2";
/// The EKS Pod Identity address (IPv4 and IPv6).
const EKS_HOSTS: [&str; 2] = ["169.254.170.23", "[fd00:ec2::23]"];
/// The container agent is local: a second is plenty, two are generous.
const TIMEOUT_MS: u32 = 2_000;

/// Fetches the container's credentials.
pub(crate) fn provide(host: &mut dyn Host, _: &Context<'_>) -> Result<Credentials, SourceError> {
    let (url, origin) = if let Some(relative) = host.non_empty_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
        let relative = relative.trim();
        if !relative.starts_with('/') {
            return Err(SourceError::Broken(format!(
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \"{relative}\" must start with '/'"
            )));
        }
        (
            format!("http://{ECS_HOST}{relative}"),
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        )
    } else if let Some(full) = host.non_empty_env("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
        let full = full.trim().to_owned();
        check_full_uri(&full)?;
        (full, "AWS_CONTAINER_CREDENTIALS_FULL_URI")
    } else {
        return Err(SourceError::NotConfigured(None));
    };
    let source = format!("container credentials ({origin})");
    let token = if let Some(file) = host.non_empty_env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
        match host.read_file(file.trim()) {
            Ok(bytes) => Some(String::from_utf8_lossy(&bytes).trim().to_owned()),
            Err(error) => {
                return Err(SourceError::Broken(format!(
                    "{source}: cannot read the token file {} (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE): {}",
                    file.trim(),
                    describe_file_error(&error)
                )));
            }
        }
    } else {
        host.non_empty_env("AWS_CONTAINER_AUTHORIZATION_TOKEN")
            .map(|t| t.trim().to_owned())
    };
    let mut headers = Vec::new();
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        host.register_secret(&token);
        if token.contains(['\r', '\n']) {
            return Err(SourceError::Broken(format!(
                "{source}: the authorization token contains a line break"
            )));
        }
        headers.push(Header {
            name: "Authorization".to_owned(),
            value: token,
        });
    }
    let request = Request {
        label: "container credentials".to_owned(),
        method: Method::Get,
        url: url.clone(),
        headers,
        body: Vec::new(),
        connect_timeout_ms: TIMEOUT_MS,
        read_timeout_ms: TIMEOUT_MS,
    };
    let response = host.send_for_credentials(&request).map_err(|e| {
        SourceError::Broken(format!(
            "{source}: no answer from {url}: {}",
            crate::task::describe_http_error(&e)
        ))
    })?;
    if response.status != 200 {
        return Err(SourceError::Broken(format!(
            "{source}: {url} answered HTTP {}: {}",
            response.status,
            crate::aws::quote(&crate::aws::body_text(&response.body))
        )));
    }
    from_json(host, &source, &response.body)
}

/// A full URI must be https, or http to a loopback or container-agent address.
fn check_full_uri(url: &str) -> Result<(), SourceError> {
    let endpoint = parse(url, "AWS_CONTAINER_CREDENTIALS_FULL_URI".to_owned()).map_err(|_| {
        SourceError::Broken(format!(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI \"{url}\" is not an http(s) URL"
        ))
    })?;
    let host = endpoint.host.as_str();
    // Addresses, not names that look like them: `127.evil.example` is a remote host.
    let loopback = host == "localhost" || host == "[::1]" || is_ipv4_loopback(host);
    let allowed_http = loopback || host == ECS_HOST || EKS_HOSTS.contains(&host);
    if endpoint.scheme == Scheme::Http && !allowed_http {
        return Err(SourceError::Broken(format!(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI \"{url}\" must use https, or http to a loopback address, \
             {ECS_HOST} or {}",
            EKS_HOSTS.join(" or ")
        )));
    }
    Ok(())
}

/// Whether `host` is an IPv4 address in 127.0.0.0/8, written as four decimal octets.
fn is_ipv4_loopback(host: &str) -> bool {
    host.parse::<core::net::Ipv4Addr>()
        .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_uri_rules() {
        for ok in [
            "https://creds.example/x",
            "http://127.0.0.1:8080/c",
            "http://169.254.170.2/v2",
            "http://169.254.170.23/v1/credentials",
            "http://[fd00:ec2::23]/c",
            "http://localhost/c",
        ] {
            assert!(check_full_uri(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://10.0.0.1/c",
            "http://evil.example/c",
            "ftp://x/",
            "http://127.evil.example/c",
            "http://127.0.0.1.evil.example/c",
            "http://169.254.170.2.evil.example/c",
            "http://127.0.0.256/c",
            "http://127.0.1/c",
        ] {
            assert!(check_full_uri(bad).is_err(), "{bad}");
        }
    }

    use crate::host::testing::{FakeHost, response};

    const CREDS: &str = r#"{"AccessKeyId":"ASIACONTAINER","SecretAccessKey":"container-secret","Token":"container-token","Expiration":"2030-01-01T00:00:00Z"}"#;

    fn context() -> Context<'static> {
        Context::for_test("us-east-1")
    }

    #[test]
    fn relative_uri_goes_to_the_ecs_agent_with_the_token_from_the_environment() {
        let mut host = FakeHost::default()
            .with_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc")
            .with_env("AWS_CONTAINER_AUTHORIZATION_TOKEN", "agent-token-1")
            .answer(Ok(response(200, &[], CREDS)));
        let credentials = provide(&mut host, &context()).unwrap();
        assert_eq!(credentials.access_key_id, "ASIACONTAINER");
        let request = &host.requests[0];
        assert_eq!(request.url, "http://169.254.170.2/v2/credentials/abc");
        assert!(
            request
                .headers
                .iter()
                .any(|h| h.name == "Authorization" && h.value == "agent-token-1")
        );
        for secret in ["agent-token-1", "container-secret", "container-token"] {
            assert!(host.secrets.iter().any(|s| s == secret), "{secret} registered");
        }
    }

    #[test]
    fn a_broken_agent_stops_the_chain_with_its_answer() {
        for (answer, needle) in [
            (Ok(response(403, &[], "{\"message\":\"bad token\"}")), "HTTP 403"),
            (Err(crate::http::HttpError::ConnectTimeout), "no answer"),
            (
                Ok(response(200, &[], "not json")),
                "the answer has no AccessKeyId",
            ),
        ] {
            let mut host = FakeHost::default()
                .with_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds")
                .answer(answer);
            match provide(&mut host, &context()) {
                Err(SourceError::Broken(message)) => assert!(message.contains(needle), "{message}"),
                other => panic!("{needle}: {other:?}"),
            }
        }
        let mut host = FakeHost::default().with_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "creds");
        assert!(
            matches!(provide(&mut host, &context()), Err(SourceError::Broken(m)) if m.contains("must start with '/'"))
        );
        assert!(host.requests.is_empty());
    }
}
