//! Source 7: EC2 instance metadata (IMDS). IMDSv2 first — `PUT /latest/api/token` with
//! `X-aws-ec2-metadata-token-ttl-seconds` — then the role name and its credentials under
//! `/latest/meta-data/iam/security-credentials/`; IMDSv1 (no token) when the token is refused,
//! unless `AWS_EC2_METADATA_V1_DISABLED`. One attempt with a 1 s timeout, so a machine without
//! IMDS costs about a second. `AWS_EC2_METADATA_DISABLED=true` turns it off;
//! `AWS_EC2_METADATA_SERVICE_ENDPOINT` moves it. Also the region
//! (`/latest/meta-data/placement/region`).

use super::{Context, Credentials, SourceError, from_json};
use crate::host::Host;
use crate::http::{Header, HttpError, Method, Request, Response};
use alloc::{borrow::ToOwned, format, string::String, vec, vec::Vec};

/// The default IMDS address.
pub const DEFAULT_ENDPOINT: &str = "http://169.254.169.254";
const TIMEOUT_MS: u32 = 1_000;
const TOKEN_TTL_SECONDS: &str = "21600";

/// A session with the metadata service: its endpoint and, for IMDSv2, the token.
#[derive(Debug, Clone)]
pub struct Session {
    endpoint: String,
    token: Option<String>,
}

/// Why IMDS gave nothing.
#[derive(Debug, Clone)]
pub enum Unavailable {
    /// Turned off by `AWS_EC2_METADATA_DISABLED`.
    Disabled,
    /// No answer (not on EC2, or the host does not allow the address).
    Unreachable(String),
    /// IMDSv2 was refused and `AWS_EC2_METADATA_V1_DISABLED` forbids v1.
    V1Disabled,
    /// An answer that makes no sense.
    Broken(String),
}

/// A run's session with IMDS, opened at its first use and kept for the next: the region and
/// the credentials may both come from IMDS (one token, and one timeout if IMDS is not there).
#[derive(Default)]
pub struct Kept(core::cell::Cell<Option<Result<Session, Unavailable>>>);

impl Kept {
    /// The session opened before, else a new one (kept, or why there is none).
    fn session(&self, host: &mut dyn Host) -> Result<Session, Unavailable> {
        let opened = self.0.take().unwrap_or_else(|| Session::open(host));
        self.0.set(Some(opened.clone()));
        opened
    }
}

/// Not the token.
impl core::fmt::Debug for Kept {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Kept(..)")
    }
}

impl Session {
    /// Opens a session: the v2 token, or v1 when the token is refused.
    pub fn open(host: &mut dyn Host) -> Result<Self, Unavailable> {
        if flag(host, "AWS_EC2_METADATA_DISABLED") {
            return Err(Unavailable::Disabled);
        }
        let endpoint = host
            .non_empty_env("AWS_EC2_METADATA_SERVICE_ENDPOINT")
            .map_or_else(
                || DEFAULT_ENDPOINT.to_owned(),
                |e| e.trim().trim_end_matches('/').to_owned(),
            );
        let mut session = Session {
            endpoint,
            token: None,
        };
        let answer = session.request(
            host,
            Method::Put,
            "/latest/api/token",
            vec![Header {
                name: "x-aws-ec2-metadata-token-ttl-seconds".to_owned(),
                value: TOKEN_TTL_SECONDS.to_owned(),
            }],
        );
        match answer {
            Ok(response) if response.status == 200 => {
                let token = String::from_utf8_lossy(&response.body).trim().to_owned();
                host.register_secret(&token);
                session.token = Some(token);
                Ok(session)
            }
            // Only "no tokens here" (403, 404, 405: an older service, or a proxy in front of
            // it) falls back to v1, as the SDKs do; a 400 says the request was wrong.
            Ok(response) if !(403..=405).contains(&response.status) => Err(Unavailable::Broken(format!(
                "the IMDSv2 token request was answered HTTP {}: check \
                 AWS_EC2_METADATA_SERVICE_ENDPOINT and the instance's metadata options, or set \
                 AWS_EC2_METADATA_DISABLED=true and configure credentials another way",
                response.status
            ))),
            Ok(_) if flag(host, "AWS_EC2_METADATA_V1_DISABLED") => Err(Unavailable::V1Disabled),
            Ok(response) => {
                host.debug(&format!(
                    "instance metadata refused an IMDSv2 token (HTTP {}); using IMDSv1",
                    response.status
                ));
                Ok(session)
            }
            Err(error) => Err(Unavailable::Unreachable(format!(
                "no answer from {} ({})",
                session.endpoint,
                crate::task::describe_http_error(&error)
            ))),
        }
    }

    fn request(
        &self,
        host: &mut dyn Host,
        method: Method,
        path: &str,
        mut headers: Vec<Header>,
    ) -> Result<Response, HttpError> {
        if let Some(token) = &self.token {
            headers.push(Header {
                name: "x-aws-ec2-metadata-token".to_owned(),
                value: token.clone(),
            });
        }
        host.send_for_credentials(&Request {
            label: "instance metadata".to_owned(),
            method,
            url: format!("{}{path}", self.endpoint),
            headers,
            body: Vec::new(),
            connect_timeout_ms: TIMEOUT_MS,
            read_timeout_ms: TIMEOUT_MS,
        })
    }

    /// GET `path`: the body of a 200, none for a 404, else what went wrong.
    pub fn get(&self, host: &mut dyn Host, path: &str) -> Result<Option<Vec<u8>>, String> {
        match self.request(host, Method::Get, path, Vec::new()) {
            Ok(response) if response.status == 200 => Ok(Some(response.body)),
            Ok(response) if response.status == 404 => Ok(None),
            Ok(response) => Err(format!("{path} answered HTTP {}", response.status)),
            Err(error) => Err(crate::task::describe_http_error(&error)),
        }
    }
}

fn flag(host: &mut dyn Host, name: &str) -> bool {
    host.non_empty_env(name)
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// The instance's role credentials.
pub(crate) fn provide(host: &mut dyn Host, context: &Context<'_>) -> Result<Credentials, SourceError> {
    let session = match context.imds.session(host) {
        Ok(session) => session,
        Err(Unavailable::Disabled) => {
            return Err(SourceError::NotConfigured(Some(
                "turned off by AWS_EC2_METADATA_DISABLED".to_owned(),
            )));
        }
        Err(Unavailable::Unreachable(why)) => return Err(SourceError::NotConfigured(Some(why))),
        Err(Unavailable::V1Disabled) => {
            return Err(SourceError::Broken(
                "EC2 instance metadata refused an IMDSv2 token and AWS_EC2_METADATA_V1_DISABLED forbids IMDSv1".to_owned(),
            ));
        }
        Err(Unavailable::Broken(why)) => {
            return Err(SourceError::Broken(format!("EC2 instance metadata: {why}")));
        }
    };
    let base = "/latest/meta-data/iam/security-credentials/";
    let broken = |why: String| SourceError::Broken(format!("EC2 instance metadata: {why}"));
    let Some(roles) = session.get(host, base).map_err(broken)? else {
        return Err(SourceError::NotConfigured(Some(
            "the instance has no instance profile (role)".to_owned(),
        )));
    };
    let role = String::from_utf8_lossy(&roles)
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    if role.is_empty() || role.contains(['/', '?', '#', '%']) {
        return Err(SourceError::Broken(format!(
            "EC2 instance metadata: unexpected role name \"{role}\""
        )));
    }
    let source = format!("EC2 instance metadata (role {role})");
    let body = session
        .get(host, &format!("{base}{role}"))
        .map_err(broken)?
        .ok_or_else(|| SourceError::Broken(format!("{source}: the role's credentials are missing")))?;
    from_json(host, &source, &body)
}

/// The instance's region, if IMDS answers.
pub fn region(host: &mut dyn Host, kept: &Kept) -> Option<String> {
    let session = kept.session(host).ok()?;
    let body = session.get(host, "/latest/meta-data/placement/region").ok()??;
    Some(String::from_utf8_lossy(&body).trim().to_owned()).filter(|r| !r.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::testing::FakeHost;

    fn ok(status: u16, body: &str) -> Result<Response, HttpError> {
        Ok(Response {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        })
    }

    /// Whether `request` carries the session token `TOKEN` the fakes hand out.
    fn carries_token(request: &Request) -> bool {
        request
            .headers
            .iter()
            .any(|h| h.name == "x-aws-ec2-metadata-token" && h.value == "TOKEN")
    }

    const CREDS: &str = r#"{"Code":"Success","AccessKeyId":"ASIAIMDS","SecretAccessKey":"imds-secret","Token":"imds-token","Expiration":"2030-01-01T00:00:00Z"}"#;

    #[test]
    fn a_run_opens_one_session_for_the_region_and_the_credentials() {
        let context = Context::for_test("sa-east-1");
        let mut fake = FakeHost::default()
            .answer(ok(200, "TOKEN"))
            .answer(ok(200, "sa-east-1"))
            .answer(ok(200, "my-role\n"))
            .answer(ok(200, CREDS));
        assert_eq!(region(&mut fake, context.imds).as_deref(), Some("sa-east-1"));
        assert_eq!(provide(&mut fake, &context).unwrap().access_key_id, "ASIAIMDS");
        let puts = fake.requests.iter().filter(|r| r.method == Method::Put).count();
        assert_eq!(puts, 1, "one token for both");
        assert!(fake.requests[1..].iter().all(carries_token));

        // And one timeout when IMDS is not there: the credentials do not ask again.
        let context = Context::for_test("sa-east-1");
        let mut fake = FakeHost::default().answer(Err(HttpError::ConnectTimeout));
        assert_eq!(region(&mut fake, context.imds), None);
        assert!(matches!(
            provide(&mut fake, &context),
            Err(SourceError::NotConfigured(_))
        ));
        assert_eq!(fake.requests.len(), 1);
    }

    #[test]
    fn v2_then_role_then_credentials() {
        let context = Context::for_test("us-east-1");
        let mut host = FakeHost::default()
            .answer(ok(200, "TOKEN"))
            .answer(ok(200, "my-role\n"))
            .answer(ok(200, CREDS));
        let c = provide(&mut host, &context).unwrap();
        assert_eq!(
            (c.access_key_id.as_str(), c.session_token.as_deref()),
            ("ASIAIMDS", Some("imds-token"))
        );
        assert_eq!(host.requests[0].method, Method::Put);
        assert_eq!(
            host.requests[2].url,
            "http://169.254.169.254/latest/meta-data/iam/security-credentials/my-role"
        );
        assert!(carries_token(&host.requests[2]));
        assert_eq!(host.secrets, ["TOKEN", "imds-secret", "imds-token"]);
    }

    #[test]
    fn refused_token_falls_back_to_v1_unless_disabled() {
        // Each host is a run of its own, with its own IMDS session.
        let mut host = FakeHost::default()
            .answer(ok(403, ""))
            .answer(ok(200, "r"))
            .answer(ok(200, CREDS));
        provide(&mut host, &Context::for_test("us-east-1")).unwrap();
        assert!(host.requests[1].headers.is_empty(), "v1 sends no token");
        let mut host = FakeHost::default()
            .with_env("AWS_EC2_METADATA_V1_DISABLED", "true")
            .answer(ok(403, ""));
        assert!(
            matches!(provide(&mut host, &Context::for_test("us-east-1")), Err(SourceError::Broken(m)) if m.contains("V1_DISABLED"))
        );
        for status in [404, 405] {
            let mut host = FakeHost::default()
                .answer(ok(status, ""))
                .answer(ok(200, "r"))
                .answer(ok(200, CREDS));
            provide(&mut host, &Context::for_test("us-east-1")).unwrap();
        }
        // A 400 (or a server error) is no refusal of tokens: the source is broken, no v1.
        for status in [400, 500] {
            let mut host = FakeHost::default().answer(ok(status, ""));
            assert!(
                matches!(provide(&mut host, &Context::for_test("us-east-1")), Err(SourceError::Broken(m)) if m.contains(&format!("HTTP {status}")))
            );
            assert_eq!(host.requests.len(), 1);
        }
    }

    #[test]
    fn unreachable_or_disabled_moves_on() {
        // Each host is a run of its own, with its own IMDS session.
        let mut host = FakeHost::default().answer(Err(HttpError::ConnectTimeout));
        assert!(matches!(
            provide(&mut host, &Context::for_test("us-east-1")),
            Err(SourceError::NotConfigured(Some(_)))
        ));
        assert_eq!(host.requests[0].connect_timeout_ms, 1_000);
        let mut host = FakeHost::default().with_env("AWS_EC2_METADATA_DISABLED", "TRUE");
        assert!(matches!(
            provide(&mut host, &Context::for_test("us-east-1")),
            Err(SourceError::NotConfigured(Some(_)))
        ));
        assert!(host.requests.is_empty());
        let mut host = FakeHost::default().answer(ok(200, "T")).answer(ok(404, ""));
        assert!(
            matches!(provide(&mut host, &Context::for_test("us-east-1")), Err(SourceError::NotConfigured(Some(m))) if m.contains("instance profile"))
        );
    }
}
