//! AWS request plumbing shared by every API the task calls: sign a request with SigV4, send it
//! through the host, and turn an error answer into a [`ServiceError`] whatever its format
//! (JSON with `x-amzn-ErrorType`, the XML of query APIs such as STS, or text from a proxy).

use alloc::{borrow::ToOwned, format, string::String, vec::Vec};
use lambda_invoke_sigv4 as sigv4;

use crate::credentials::Credentials;
use crate::endpoint::Endpoint;
use crate::host::Host;
use crate::http::{Header, HttpError, Method, Request, Response};
use crate::json::Fields;
use crate::retry::{self, Decision, Repeat};
use crate::types::{ServiceError, TaskError, TransportFailure};

/// Milliseconds allowed to connect (DNS, TCP, TLS). The AWS SDKs use about 3 s.
pub const CONNECT_TIMEOUT_MS: u32 = 5_000;

/// One request to an AWS API, before signing.
#[derive(Debug)]
pub struct AwsRequest<'a> {
    /// What the request does, for messages: e.g. `Invoke my-function`.
    pub operation: String,
    /// The method.
    pub method: Method,
    /// Where it goes.
    pub endpoint: &'a Endpoint,
    /// The path below the endpoint, percent-encoded as it goes on the request line.
    pub path: String,
    /// The query string without '?', percent-encoded; empty for none.
    pub query: String,
    /// Headers besides those the signer adds (`Host` is added from the endpoint).
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// How long connecting may take.
    pub connect_timeout_ms: u32,
    /// How long the answer may take once the request is sent.
    pub read_timeout_ms: u32,
    /// Whether it may be sent again once it may have reached the service.
    pub repeat: Repeat,
    /// Whether the response carries credentials (STS): its body is never logged.
    pub returns_credentials: bool,
}

impl AwsRequest<'_> {
    /// The absolute URL.
    pub fn url(&self) -> String {
        if self.query.is_empty() {
            self.endpoint.url(&self.path)
        } else {
            self.endpoint
                .url(&crate::text::concat(&[&self.path, "?", &self.query]))
        }
    }

    /// Signs the request for `service` in `region` at `now` (unix seconds) and returns what the
    /// host's `http.send` takes.
    pub fn sign(
        &self,
        credentials: &Credentials,
        region: &str,
        service: &str,
        now: u64,
    ) -> Result<Request, TaskError> {
        let authority = self.endpoint.authority();
        let path = self.endpoint.path(&self.path);
        let mut to_sign: Vec<(&str, &str)> = Vec::with_capacity(self.headers.len() + 1);
        to_sign.push(("host", &authority));
        to_sign.extend(self.headers.iter().map(|(name, value)| (*name, value.as_str())));
        let signable = sigv4::SignableRequest {
            method: method_name(self.method),
            path: &path,
            query: &self.query,
            headers: &to_sign,
            body: &self.body,
        };
        let time = sigv4::SigningTime::from_unix_seconds(now).map_err(|e| {
            TaskError::CredentialsInvalid(format!("the host's clock cannot be used to sign: {e}"))
        })?;
        let params = sigv4::SigningParams {
            credentials: sigv4::Credentials {
                access_key_id: &credentials.access_key_id,
                secret_access_key: &credentials.secret_access_key,
                session_token: credentials.session_token.as_deref(),
            },
            region,
            service,
            time,
            settings: sigv4::SigningSettings::default(),
        };
        let signed = sigv4::sign(&signable, &params).map_err(|e| {
            // Inputs are validated before this point, so this names a bug or an unusual
            // credential (e.g. a key id with control characters).
            TaskError::CredentialsInvalid(format!(
                "cannot sign the {} request with the credentials from {}: {e}",
                self.operation, credentials.source
            ))
        })?;
        let headers = self
            .headers
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .chain(
                signed
                    .headers
                    .into_iter()
                    .map(|(name, value)| (name.to_owned(), value)),
            )
            .map(|(name, value)| Header { name, value })
            .collect();
        Ok(Request {
            label: self.operation.clone(),
            method: self.method,
            url: self.url(),
            headers,
            body: self.body.clone(),
            connect_timeout_ms: self.connect_timeout_ms,
            read_timeout_ms: self.read_timeout_ms,
        })
    }

    /// The request without a signature, for the few calls that take none (STS
    /// `AssumeRoleWithWebIdentity`).
    pub fn unsigned(&self) -> Request {
        Request {
            label: self.operation.clone(),
            method: self.method,
            url: self.url(),
            headers: self
                .headers
                .iter()
                .map(|(name, value)| Header {
                    name: (*name).to_owned(),
                    value: value.clone(),
                })
                .collect(),
            body: self.body.clone(),
            connect_timeout_ms: self.connect_timeout_ms,
            read_timeout_ms: self.read_timeout_ms,
        }
    }

    /// A transport error of this request as a task error.
    pub fn transport_error(&self, error: HttpError) -> TaskError {
        TaskError::TransportError(TransportFailure {
            operation: self.operation.clone(),
            url: self.url(),
            error,
        })
    }
}

/// The last response of a call, and how its retries ended when that matters for a message.
#[derive(Debug)]
pub struct Answer {
    /// The response, whatever its status.
    pub response: Response,
    /// E.g. `gave up after 3 attempts`, for an error built from the response.
    pub note: Option<String>,
}

impl Answer {
    /// `error` (built from this answer) with the retry note added to a service error's message.
    pub fn annotate(note: Option<&str>, error: TaskError) -> TaskError {
        match (error, note) {
            (TaskError::ServiceError(mut e), Some(note)) => {
                e.message = format!("{} ({note})", e.message);
                TaskError::ServiceError(e)
            }
            (error, _) => error,
        }
    }
}

/// Signs and sends `request`, retrying as [`crate::retry`] decides, and returns the last
/// response, whatever its status.
pub fn send(
    host: &mut dyn Host,
    request: &AwsRequest<'_>,
    credentials: &Credentials,
    region: &str,
    service: &str,
) -> Result<Answer, TaskError> {
    send_with(host, request, &mut |host: &mut dyn Host| {
        let now = host.now_unix_seconds();
        request.sign(credentials, region, service, now)
    })
}

/// Sends `request` unsigned (STS `AssumeRoleWithWebIdentity`), with the same retries.
pub fn send_unsigned(host: &mut dyn Host, request: &AwsRequest<'_>) -> Result<Answer, TaskError> {
    send_with(host, request, &mut |_: &mut dyn Host| Ok(request.unsigned()))
}

type Prepare<'a> = dyn FnMut(&mut dyn Host) -> Result<Request, TaskError> + 'a;

fn send_with(
    host: &mut dyn Host,
    request: &AwsRequest<'_>,
    prepare: &mut Prepare<'_>,
) -> Result<Answer, TaskError> {
    let max_attempts = host.call_settings().max_attempts.max(1);
    let mut attempt = 1;
    loop {
        // Signed anew for each attempt, as the SDKs do, so X-Amz-Date stays fresh.
        let ready = prepare(host)?;
        let result = if request.returns_credentials {
            host.send_for_credentials(&ready)
        } else {
            host.send(&ready)
        };
        match retry::decide(&result, request.repeat, attempt, max_attempts, || host.jitter()) {
            Decision::Retry { reason, delay } => {
                host.warn(&format!(
                    "{} attempt {attempt} of {max_attempts} failed: {reason}; retrying in {}.{} s",
                    request.operation,
                    delay.as_secs(),
                    // Tenths by integer arithmetic: float formatting costs 25 KB in the component.
                    delay.subsec_millis() / 100
                ));
                host.sleep(delay);
                attempt += 1;
            }
            Decision::Stop(why) => {
                host.log(
                    crate::host::LogLevel::Error,
                    &format!("{}: {why}", request.operation),
                );
                return finish(request, result, attempt, Some(&why));
            }
            Decision::Return => return finish(request, result, attempt, None),
        }
    }
}

/// The final result, saying how many attempts were made when there were several.
fn finish(
    request: &AwsRequest<'_>,
    result: Result<Response, HttpError>,
    attempts: u32,
    stopped: Option<&str>,
) -> Result<Answer, TaskError> {
    let note = match (attempts, stopped) {
        (1, None) => None,
        (n, None) => Some(format!("gave up after {n} attempts")),
        (1, Some(why)) => Some(why.to_owned()),
        (n, Some(why)) => Some(format!("{why}; {n} attempts")),
    };
    match result {
        Ok(response) => Ok(Answer { response, note }),
        Err(error) => {
            let mut failure = request.transport_error(error);
            if let (TaskError::TransportError(t), Some(note)) = (&mut failure, note) {
                t.operation = format!("{} ({note})", t.operation);
            }
            Err(failure)
        }
    }
}

/// The method as it goes on the request line.
pub(crate) fn method_name(method: Method) -> &'static str {
    match method {
        Method::Get => "GET",
        Method::Head => "HEAD",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Delete => "DELETE",
    }
}

/// The first value of header `name` (case-insensitive).
pub fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.trim())
}

/// The request id of a response: `x-amzn-RequestId`, else `x-amz-request-id`.
pub fn request_id(response: &Response) -> Option<String> {
    header(response, "x-amzn-requestid")
        .or_else(|| header(response, "x-amz-request-id"))
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
}

/// The longest piece of an unexpected body quoted in a message.
const QUOTE_LIMIT: usize = 300;
/// The most bytes of an answer read as text (XML documents, messages): AWS's are a few KB, and
/// a hostile one must not cost the component its memory (invalid bytes triple in size).
pub(crate) const TEXT_LIMIT: usize = 64 << 10;

/// The start of `body` (at most [`TEXT_LIMIT`] bytes) as text, invalid bytes replaced.
pub fn body_text(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(TEXT_LIMIT)]).into_owned()
}

/// Interprets an error answer. The code comes from `x-amzn-ErrorType`, else from the body
/// (`__type`/`code` in JSON, `<Code>` in XML); the message from the body. A body in no known
/// format is quoted (shortened) so that a proxy's error page is still visible.
pub fn service_error(response: &Response) -> ServiceError {
    let body = body_text(&response.body);
    let fields = Fields::of(&response.body);
    let json_field = |names: &[&str]| fields.string(names);
    let code = header(response, "x-amzn-errortype")
        .map(|v| v.split(':').next().unwrap_or(v).to_owned())
        .filter(|c| !c.is_empty())
        .or_else(|| json_field(&["__type", "code", "Code"]))
        .or_else(|| xml_element(&body, "Code"))
        .map(|c| c.rsplit('#').next().unwrap_or(&c).trim().to_owned())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| format!("HTTP{}", response.status));
    let message = json_field(&["message", "Message", "errorMessage"])
        .or_else(|| xml_element(&body, "Message"))
        .unwrap_or_else(|| quote(&body));
    let request_id = request_id(response)
        .or_else(|| json_field(&["RequestId", "requestId"]))
        .or_else(|| xml_element(&body, "RequestId"));
    ServiceError {
        code,
        message,
        status: response.status,
        request_id,
    }
}

/// A shortened, single-line rendering of an unexpected body; `(empty body)` when it shows
/// nothing.
pub fn quote(body: &str) -> String {
    quoted(body).unwrap_or_else(|| "(empty body)".to_owned())
}

/// [`quote`], or none when the body has nothing to show (empty, or only control characters and
/// white space).
pub fn quoted(body: &str) -> Option<String> {
    let flat: String = body
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let flat = flat.trim();
    if flat.is_empty() {
        return None;
    }
    Some(match flat.char_indices().nth(QUOTE_LIMIT) {
        Some((at, _)) => format!("{}…", &flat[..at]),
        None => flat.to_owned(),
    })
}

/// The text of the first `<name>…</name>` element, unescaped: enough for the flat error and
/// result documents of AWS query APIs.
pub fn xml_element(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&close)?;
    let text = xml[start..end].trim();
    Some(
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::testing::response;

    #[test]
    fn service_errors_in_every_format() {
        let e = service_error(&response(
            404,
            &[
                (
                    "X-Amzn-ErrorType",
                    "ResourceNotFoundException:http://internal.amazon.com/",
                ),
                ("x-amzn-RequestId", "r-1"),
            ],
            r#"{"Type":"User","message":"Function not found: f"}"#,
        ));
        assert_eq!(
            (
                e.code.as_str(),
                e.message.as_str(),
                e.status,
                e.request_id.as_deref()
            ),
            (
                "ResourceNotFoundException",
                "Function not found: f",
                404,
                Some("r-1")
            )
        );
        let e = service_error(&response(
            400,
            &[],
            r#"{"__type":"com.amazon#ValidationException","Message":"bad"}"#,
        ));
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("ValidationException", "bad")
        );
        let e = service_error(&response(
            403,
            &[],
            "<ErrorResponse><Error><Code>AccessDenied</Code><Message>no &amp; never</Message></Error><RequestId>x-9</RequestId></ErrorResponse>",
        ));
        assert_eq!(
            (e.code.as_str(), e.message.as_str(), e.request_id.as_deref()),
            ("AccessDenied", "no & never", Some("x-9"))
        );
        let e = service_error(&response(502, &[], "<html>\n<body>Bad gateway</body></html>"));
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("HTTP502", "<html> <body>Bad gateway</body></html>")
        );
        let e = service_error(&response(500, &[], ""));
        assert_eq!(e.message, "(empty body)");
        for empty in [r#"{"__type":""}"#, r#"{"__type":"com.amazon#"}"#] {
            assert_eq!(
                service_error(&response(400, &[], empty)).code,
                "HTTP400",
                "{empty}"
            );
        }
        let long = "x".repeat(1000);
        assert_eq!(
            service_error(&response(500, &[], &long)).message.chars().count(),
            QUOTE_LIMIT + 1
        );
    }
}
