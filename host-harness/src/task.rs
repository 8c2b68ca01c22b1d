//! The task's inputs, outcome and errors as idiomatic Rust types, converted to and from the
//! generated WIT bindings at the boundary.

use std::fmt;

use crate::bindings::{http as wit_http, types as wit};

/// How Lambda runs the function.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InvocationType {
    /// Synchronous: wait for the result.
    #[default]
    RequestResponse,
    /// Asynchronous: queue the event.
    Event,
    /// Check parameters and permissions without running the function.
    DryRun,
}

/// Whether to ask for the log tail.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LogType {
    /// No log.
    #[default]
    None,
    /// The last 4 KB of the log.
    Tail,
}

/// How the payload is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PayloadMode {
    /// Must be JSON.
    #[default]
    Json,
    /// The original task's handling: non-JSON text is sent as a JSON string.
    Legacy,
}

/// How much HTTP traffic to log at debug level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpLog {
    /// Nothing.
    #[default]
    Off,
    /// Method, URL, status, redacted headers, timing, request id.
    Headers,
    /// Also the bodies (redacted).
    Bodies,
}

/// A role to assume (see the WIT `assume-role` record).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssumeRole {
    /// The role's ARN.
    pub role_arn: String,
    /// The external id, if the trust policy requires one.
    pub external_id: Option<String>,
    /// The session name (`aws-vsts-tools` when absent).
    pub session_name: Option<String>,
    /// The session duration in seconds (900–43200).
    pub duration_seconds: Option<u32>,
}

/// A service connection: static keys, a role to assume, or OIDC. `Debug` never shows the secret
/// or the token.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ServiceConnection {
    /// The access key id (empty for OIDC or a role assumed with the chain's credentials).
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// The session token, if any.
    pub session_token: Option<String>,
    /// A role to assume.
    pub assume_role: Option<AssumeRole>,
    /// Exchange the task variable `AWS.WebIdentityToken` for the role's credentials.
    pub use_oidc: bool,
}

impl fmt::Debug for ServiceConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceConnection")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
            .finish()
    }
}

/// The task's inputs (see the WIT `input` record for each field's meaning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Name, name:qualifier, partial ARN or full ARN.
    pub function_name: String,
    /// The event; empty for none.
    pub payload: String,
    /// How the payload is read.
    pub payload_mode: PayloadMode,
    /// Synchronous, event or dry run.
    pub invocation_type: InvocationType,
    /// Whether to ask for the log tail.
    pub log_type: LogType,
    /// A version or alias.
    pub qualifier: Option<String>,
    /// Client context (a JSON object).
    pub client_context: Option<String>,
    /// The region.
    pub region: Option<String>,
    /// Service-connection keys.
    pub credentials: Option<ServiceConnection>,
    /// An endpoint URL instead of the regional endpoint.
    pub endpoint_url: Option<String>,
    /// The output variable for the payload.
    pub output_variable: Option<String>,
    /// Whether a function error fails the task. Default true.
    pub fail_on_function_error: bool,
    /// Call GetFunctionConfiguration first. Default false.
    pub check_function_exists: bool,
    /// Most attempts per AWS call (default: `AWS_MAX_ATTEMPTS`, else 3).
    pub max_attempts: Option<u32>,
    /// Read timeout of a synchronous invocation in milliseconds.
    pub read_timeout_ms: Option<u32>,
    /// HTTP logging at debug level.
    pub http_log: HttpLog,
}

impl Input {
    /// The input for invoking `function_name` with the defaults: synchronous, no payload, no log,
    /// failing on function errors.
    pub fn new(function_name: impl Into<String>) -> Self {
        Input {
            function_name: function_name.into(),
            payload: String::new(),
            payload_mode: PayloadMode::Json,
            invocation_type: InvocationType::RequestResponse,
            log_type: LogType::None,
            qualifier: None,
            client_context: None,
            region: None,
            credentials: None,
            endpoint_url: None,
            output_variable: None,
            fail_on_function_error: true,
            check_function_exists: false,
            max_attempts: None,
            read_timeout_ms: None,
            http_log: HttpLog::Off,
        }
    }

    pub(crate) fn to_wit(&self) -> wit::Input {
        wit::Input {
            function_name: self.function_name.clone(),
            payload: self.payload.clone(),
            payload_mode: match self.payload_mode {
                PayloadMode::Json => wit::PayloadMode::Json,
                PayloadMode::Legacy => wit::PayloadMode::Legacy,
            },
            invocation_type: match self.invocation_type {
                InvocationType::RequestResponse => wit::InvocationType::RequestResponse,
                InvocationType::Event => wit::InvocationType::Event,
                InvocationType::DryRun => wit::InvocationType::DryRun,
            },
            log_type: match self.log_type {
                LogType::None => wit::LogType::None,
                LogType::Tail => wit::LogType::Tail,
            },
            qualifier: self.qualifier.clone(),
            client_context: self.client_context.clone(),
            region: self.region.clone(),
            credentials: self.credentials.as_ref().map(|c| wit::ServiceConnection {
                access_key_id: c.access_key_id.clone(),
                secret_access_key: c.secret_access_key.clone(),
                session_token: c.session_token.clone(),
                assume_role: c.assume_role.as_ref().map(|r| wit::AssumeRole {
                    role_arn: r.role_arn.clone(),
                    external_id: r.external_id.clone(),
                    session_name: r.session_name.clone(),
                    duration_seconds: r.duration_seconds,
                }),
                use_oidc: c.use_oidc,
            }),
            endpoint_url: self.endpoint_url.clone(),
            output_variable: self.output_variable.clone(),
            fail_on_function_error: self.fail_on_function_error,
            check_function_exists: self.check_function_exists,
            max_attempts: self.max_attempts,
            read_timeout_ms: self.read_timeout_ms,
            http_log: match self.http_log {
                HttpLog::Off => wit::HttpLog::Off,
                HttpLog::Headers => wit::HttpLog::Headers,
                HttpLog::Bodies => wit::HttpLog::Bodies,
            },
        }
    }
}

/// The result of an invocation that reached the function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// 200, 202 or 204.
    pub status_code: u16,
    /// The function's response.
    pub payload: Vec<u8>,
    /// `X-Amz-Function-Error`, when the function failed.
    pub function_error: Option<String>,
    /// The version that ran.
    pub executed_version: Option<String>,
    /// The decoded log tail.
    pub log_tail: Option<String>,
    /// Lambda's request id.
    pub request_id: Option<String>,
}

impl From<wit::Outcome> for Outcome {
    fn from(o: wit::Outcome) -> Self {
        Outcome {
            status_code: o.status_code,
            payload: o.payload,
            function_error: o.function_error,
            executed_version: o.executed_version,
            log_tail: o.log_tail,
            request_id: o.request_id,
        }
    }
}

/// An AWS service's error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    /// E.g. `ResourceNotFoundException`.
    pub code: String,
    /// The service's message.
    pub message: String,
    /// The HTTP status.
    pub status: u16,
    /// The request id.
    pub request_id: Option<String>,
}

/// Why a request produced no response (the WIT `http-error`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpError {
    /// Refused by the host's policy; nothing was sent.
    Denied(String),
    /// Malformed request; nothing was sent.
    InvalidRequest(String),
    /// No connection; nothing was sent.
    ConnectFailed(String),
    /// No connection in time; nothing was sent.
    ConnectTimeout,
    /// Sent, but no complete answer in time.
    ReadTimeout,
    /// The connection broke after the request started.
    ConnectionLost(String),
    /// Not valid HTTP.
    Protocol(String),
    /// The response body exceeded the limit (bytes).
    TooLarge(u64),
    /// A host limit on HTTP was used up.
    LimitExceeded(String),
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Denied(why) => write!(f, "refused by the sandbox policy: {why}"),
            HttpError::InvalidRequest(why) => write!(f, "invalid request: {why}"),
            HttpError::ConnectFailed(why) => write!(
                f,
                "cannot connect: {why}: check the endpoint, the network and the proxy settings"
            ),
            HttpError::ConnectTimeout => f.write_str(
                "no connection within the connect timeout: check the endpoint, the network and the \
                 proxy settings (HTTPS_PROXY, NO_PROXY)",
            ),
            HttpError::ReadTimeout => f.write_str(
                "no complete answer within the read timeout (the request may have reached the \
                 service): --read-timeout-ms sets it; a shorter run limit (--max-wall-time-s) also \
                 shortens it",
            ),
            HttpError::ConnectionLost(why) => write!(
                f,
                "the connection was lost (the request may have reached the service): {why}"
            ),
            HttpError::Protocol(why) => write!(f, "the answer is not valid HTTP: {why}"),
            HttpError::TooLarge(limit) => write!(
                f,
                "the answer is larger than the {limit}-byte limit (--max-response-mib)"
            ),
            HttpError::LimitExceeded(why) => write!(f, "sandbox limit reached: {why}"),
        }
    }
}

impl From<wit_http::HttpError> for HttpError {
    fn from(e: wit_http::HttpError) -> Self {
        use wit_http::HttpError as W;
        match e {
            W::Denied(s) => HttpError::Denied(s),
            W::InvalidRequest(s) => HttpError::InvalidRequest(s),
            W::ConnectFailed(s) => HttpError::ConnectFailed(s),
            W::ConnectTimeout => HttpError::ConnectTimeout,
            W::ReadTimeout => HttpError::ReadTimeout,
            W::ConnectionLost(s) => HttpError::ConnectionLost(s),
            W::Protocol(s) => HttpError::Protocol(s),
            W::TooLarge(n) => HttpError::TooLarge(n),
            W::LimitExceeded(s) => HttpError::LimitExceeded(s),
        }
    }
}

/// Why the task failed, as the component reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskError {
    /// An input is invalid; nothing was sent.
    InvalidInput {
        /// The input's name.
        input: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// No credentials are configured.
    CredentialsNotFound(String),
    /// A credential source is configured but broken.
    CredentialsInvalid(String),
    /// No region is configured.
    RegionNotFound(String),
    /// An AWS service answered with an error.
    Service(ServiceError),
    /// The function ran and failed.
    Function {
        /// `errorType`.
        error_type: String,
        /// `errorMessage`.
        error_message: String,
        /// The whole outcome.
        outcome: Outcome,
    },
    /// A request produced no response.
    Transport {
        /// What was being done.
        operation: String,
        /// The URL.
        url: String,
        /// The error.
        error: HttpError,
    },
}

impl From<wit::TaskError> for TaskError {
    fn from(e: wit::TaskError) -> Self {
        use wit::TaskError as W;
        match e {
            W::InvalidInput(i) => TaskError::InvalidInput {
                input: i.input,
                message: i.message,
            },
            W::CredentialsNotFound(m) => TaskError::CredentialsNotFound(m),
            W::CredentialsInvalid(m) => TaskError::CredentialsInvalid(m),
            W::RegionNotFound(m) => TaskError::RegionNotFound(m),
            W::ServiceError(s) => TaskError::Service(ServiceError {
                code: s.code,
                message: s.message,
                status: s.status,
                request_id: s.request_id,
            }),
            W::FunctionError(f) => TaskError::Function {
                error_type: f.error_type,
                error_message: f.error_message,
                outcome: f.outcome.into(),
            },
            W::TransportError(t) => TaskError::Transport {
                operation: t.operation,
                url: t.url,
                error: t.error.into(),
            },
        }
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::InvalidInput { input, message } => write!(f, "invalid input {input}: {message}"),
            TaskError::CredentialsNotFound(m)
            | TaskError::CredentialsInvalid(m)
            | TaskError::RegionNotFound(m) => f.write_str(m),
            TaskError::Service(e) => {
                write!(f, "{} (HTTP {}): {}", e.code, e.status, e.message)?;
                if let Some(id) = &e.request_id {
                    write!(f, " [request id {id}]")?;
                }
                Ok(())
            }
            TaskError::Function {
                error_type,
                error_message,
                outcome,
            } => {
                write!(f, "the function failed: {error_type}")?;
                if !error_message.is_empty() {
                    write!(f, ": {error_message}")?;
                }
                if let Some(id) = &outcome.request_id {
                    write!(f, " [request id {id}]")?;
                }
                Ok(())
            }
            TaskError::Transport {
                operation,
                url,
                error,
            } => write!(f, "{operation} ({url}): {error}"),
        }
    }
}

impl std::error::Error for TaskError {}
