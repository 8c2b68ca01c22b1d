//! The Lambda API calls of the task: `Invoke` (`POST /2015-03-31/functions/{name}/invocations`)
//! and `GetFunctionConfiguration` (`GET /2015-03-31/functions/{name}/configuration`), and the
//! interpretation of their answers (Lambda API reference).

use alloc::{borrow::ToOwned, format, string::String, vec, vec::Vec};
use lambda_invoke_sigv4::uri_encoding::encode_component;

use crate::aws::{AwsRequest, header, request_id, service_error};
use crate::endpoint::Endpoint;
use crate::function_name::FunctionRef;
use crate::http::{Method, Response};
use crate::json::Fields;
use crate::retry::Repeat;
use crate::types::{FunctionFailure, InvocationType, LogType, Outcome, TaskError};

/// The longest a function may run (Lambda quotas: 900 s).
pub const MAX_FUNCTION_TIMEOUT_S: u32 = 900;
/// Time allowed beyond the function's own timeout for the round trip and Lambda's overhead.
pub const READ_MARGIN_S: u32 = 60;
/// The read timeout of calls that do not run the function.
pub const CONTROL_READ_TIMEOUT_MS: u32 = 60_000;

/// The path of a function resource: `/2015-03-31/functions/{identifier}/{what}`, the identifier
/// percent-encoded (an ARN's ':' become `%3A`).
fn function_path(function: &FunctionRef, what: &str) -> String {
    let mut path = String::from("/2015-03-31/functions/");
    encode_component(function.identifier.as_bytes(), &mut path);
    path.push('/');
    path.push_str(what);
    path
}

fn qualifier_query(function: &FunctionRef) -> String {
    let mut query = String::new();
    if let Some(qualifier) = &function.qualifier {
        query.push_str("Qualifier=");
        encode_component(qualifier.as_bytes(), &mut query);
    }
    query
}

/// What an Invoke sends.
#[derive(Debug)]
pub struct InvokeParams<'a> {
    /// The function.
    pub function: &'a FunctionRef,
    /// Synchronous, event or dry run.
    pub invocation_type: InvocationType,
    /// Whether to ask for the log tail.
    pub log_type: LogType,
    /// The encoded client context, if any.
    pub client_context: Option<String>,
    /// The payload (empty for none).
    pub payload: Vec<u8>,
    /// The function's configured timeout, when known from `GetFunctionConfiguration`.
    pub function_timeout_s: Option<u32>,
    /// An explicit read timeout for a synchronous invocation (the `read-timeout-ms` input).
    pub read_timeout_ms: Option<u32>,
}

/// Builds the Invoke request.
pub fn invoke_request<'a>(endpoint: &'a Endpoint, params: InvokeParams<'_>) -> AwsRequest<'a> {
    let invocation_type = match params.invocation_type {
        InvocationType::RequestResponse => "RequestResponse",
        InvocationType::Event => "Event",
        InvocationType::DryRun => "DryRun",
    };
    let mut headers = vec![("x-amz-invocation-type", invocation_type.to_owned())];
    if params.log_type == LogType::Tail {
        headers.push(("x-amz-log-type", "Tail".to_owned()));
    }
    if let Some(context) = params.client_context {
        headers.push(("x-amz-client-context", context));
    }
    if !params.payload.is_empty() {
        headers.push(("content-type", "application/json".to_owned()));
    }
    // The input decides when given, for every invocation type.
    let read_timeout_ms = params.read_timeout_ms.unwrap_or(match params.invocation_type {
        // A synchronous invocation may legitimately take as long as the function's timeout: the
        // read timeout must never cut it short (the original task's 120 s timeout re-invoked
        // long functions).
        InvocationType::RequestResponse => {
            let timeout = params
                .function_timeout_s
                .unwrap_or(MAX_FUNCTION_TIMEOUT_S)
                .min(MAX_FUNCTION_TIMEOUT_S);
            (timeout + READ_MARGIN_S) * 1000
        }
        InvocationType::Event | InvocationType::DryRun => CONTROL_READ_TIMEOUT_MS,
    });
    AwsRequest {
        operation: crate::text::concat(&["Invoke ", &params.function.identifier]),
        method: Method::Post,
        endpoint,
        path: function_path(params.function, "invocations"),
        query: qualifier_query(params.function),
        headers,
        body: params.payload,
        connect_timeout_ms: crate::aws::CONNECT_TIMEOUT_MS,
        read_timeout_ms,
        repeat: match params.invocation_type {
            InvocationType::RequestResponse => Repeat::AtMostOnce,
            InvocationType::Event | InvocationType::DryRun => Repeat::Safe,
        },
        returns_credentials: false,
    }
}

/// Builds the GetFunctionConfiguration request; `read_timeout_ms` is the input's, if any.
pub fn get_configuration_request<'a>(
    endpoint: &'a Endpoint,
    function: &FunctionRef,
    read_timeout_ms: Option<u32>,
) -> AwsRequest<'a> {
    AwsRequest {
        operation: format!("GetFunctionConfiguration {}", function.identifier),
        method: Method::Get,
        endpoint,
        path: function_path(function, "configuration"),
        query: qualifier_query(function),
        headers: Vec::new(),
        body: Vec::new(),
        connect_timeout_ms: crate::aws::CONNECT_TIMEOUT_MS,
        read_timeout_ms: read_timeout_ms.unwrap_or(CONTROL_READ_TIMEOUT_MS),
        repeat: Repeat::Safe,
        returns_credentials: false,
    }
}

/// What the pre-check learned about the function.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionConfiguration {
    /// The function's ARN.
    pub arn: Option<String>,
    /// Its timeout in seconds.
    pub timeout_s: Option<u32>,
    /// Its state (`Active`, `Pending`, `Inactive`, `Failed`).
    pub state: Option<String>,
}

/// Interprets a GetFunctionConfiguration answer: the configuration, or the service's error.
pub fn interpret_configuration(response: &Response) -> Result<FunctionConfiguration, TaskError> {
    if response.status != 200 {
        return Err(TaskError::ServiceError(service_error(response)));
    }
    // An unparseable configuration does not stop the task: the pre-check's purpose is to
    // report errors, and the invocation will say the rest.
    let fields = Fields::of(&response.body);
    Ok(FunctionConfiguration {
        arn: fields.string(&["FunctionArn"]),
        timeout_s: fields.u64("Timeout").and_then(|t| u32::try_from(t).ok()),
        state: fields.string(&["State"]),
    })
}

/// A successful Invoke answer, or the reasons it is not.
#[derive(Debug)]
pub struct InvokeAnswer {
    /// The outcome (also for a function error).
    pub outcome: Outcome,
    /// The function's error, when `X-Amz-Function-Error` was set.
    pub failure: Option<(String, String)>,
    /// Problems with the answer that did not stop the task, to be logged as warnings.
    pub warnings: Vec<String>,
}

/// Interprets an Invoke answer: 200, 202 and 204 are success; anything else is a service error.
pub fn interpret_invoke(response: Response) -> Result<InvokeAnswer, TaskError> {
    if !matches!(response.status, 200 | 202 | 204) {
        return Err(TaskError::ServiceError(service_error(&response)));
    }
    let mut warnings = Vec::new();
    let function_error = header(&response, "x-amz-function-error")
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    let executed_version = header(&response, "x-amz-executed-version")
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    let log_tail = header(&response, "x-amz-log-result")
        .filter(|v| !v.is_empty())
        .and_then(|encoded| match crate::base64::decode(encoded.trim()) {
            Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
            Err(e) => {
                warnings.push(format!(
                    "the log tail (X-Amz-Log-Result) is not valid base64 ({e}); it is ignored"
                ));
                None
            }
        });
    let request_id = request_id(&response);
    let failure = function_error.as_ref().map(|kind| {
        let details = Fields::of(&response.body);
        let error_type = details
            .string(&["errorType"])
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| kind.clone());
        // A payload that is not the usual error document is still what the function said.
        let error_message = details
            .string(&["errorMessage"])
            .or_else(|| crate::aws::quoted(&crate::aws::body_text(&response.body)))
            .unwrap_or_default();
        (error_type, error_message)
    });
    Ok(InvokeAnswer {
        outcome: Outcome {
            status_code: response.status,
            payload: response.body,
            function_error,
            executed_version,
            log_tail,
            request_id,
        },
        failure,
        warnings,
    })
}

/// The task error for a function error, carrying the whole outcome.
pub fn function_error(outcome: Outcome, error_type: String, error_message: String) -> TaskError {
    TaskError::FunctionError(FunctionFailure {
        error_type,
        error_message,
        outcome,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::parse;
    use crate::function_name;
    use crate::host::testing::response as answer;

    #[test]
    fn invoke_request_encodes_arns_and_qualifiers() {
        let endpoint = parse("http://127.0.0.1:9001", "test".into()).unwrap();
        let function =
            function_name::parse("arn:aws:lambda:us-east-1:123456789012:function:f:live", None).unwrap();
        let request = invoke_request(
            &endpoint,
            InvokeParams {
                function: &function,
                invocation_type: InvocationType::Event,
                log_type: LogType::None,
                client_context: None,
                payload: Vec::new(),
                function_timeout_s: None,
                read_timeout_ms: None,
            },
        );
        assert_eq!(
            request.url(),
            "http://127.0.0.1:9001/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af/invocations?Qualifier=live"
        );
        assert_eq!(request.headers, [("x-amz-invocation-type", "Event".to_owned())]);
        assert_eq!(request.read_timeout_ms, CONTROL_READ_TIMEOUT_MS);
        let function = function_name::parse("f", Some("$LATEST")).unwrap();
        let request = get_configuration_request(&endpoint, &function, None);
        assert_eq!(
            request.url(),
            "http://127.0.0.1:9001/2015-03-31/functions/f/configuration?Qualifier=%24LATEST"
        );
    }

    #[test]
    fn synchronous_read_timeout_covers_the_function_timeout() {
        let endpoint = parse("http://127.0.0.1:9001", "test".into()).unwrap();
        let function = function_name::parse("f", None).unwrap();
        let params = |timeout| InvokeParams {
            function: &function,
            invocation_type: InvocationType::RequestResponse,
            log_type: LogType::Tail,
            client_context: Some("e30=".into()),
            payload: b"{}".to_vec(),
            function_timeout_s: timeout,
            read_timeout_ms: None,
        };
        assert_eq!(invoke_request(&endpoint, params(None)).read_timeout_ms, 960_000);
        assert_eq!(invoke_request(&endpoint, params(Some(3))).read_timeout_ms, 63_000);
        let request = invoke_request(&endpoint, params(Some(5000)));
        assert_eq!(request.read_timeout_ms, 960_000);
        let names: Vec<&str> = request.headers.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "x-amz-invocation-type",
                "x-amz-log-type",
                "x-amz-client-context",
                "content-type"
            ]
        );
    }

    #[test]
    fn invoke_answers() {
        let a = interpret_invoke(answer(
            200,
            &[
                ("X-Amz-Executed-Version", "$LATEST"),
                ("X-Amz-Log-Result", "U1RBUlQgbG9nCg=="),
                ("x-amzn-RequestId", "req-1"),
            ],
            "{\"ok\":true}",
        ))
        .unwrap();
        assert_eq!(a.outcome.payload, b"{\"ok\":true}");
        assert_eq!(a.outcome.log_tail.as_deref(), Some("START log\n"));
        assert_eq!(a.outcome.executed_version.as_deref(), Some("$LATEST"));
        assert_eq!(a.outcome.request_id.as_deref(), Some("req-1"));
        assert!(a.failure.is_none() && a.warnings.is_empty());

        let a = interpret_invoke(answer(
            200,
            &[("X-Amz-Function-Error", "Unhandled"), ("X-Amz-Log-Result", "%%%")],
            r#"{"errorType":"TypeError","errorMessage":"x is undefined"}"#,
        ))
        .unwrap();
        assert_eq!(a.failure, Some(("TypeError".into(), "x is undefined".into())));
        assert_eq!(a.outcome.function_error.as_deref(), Some("Unhandled"));
        assert!(a.warnings[0].contains("not valid base64"), "{:?}", a.warnings);

        let a = interpret_invoke(answer(200, &[("X-Amz-Function-Error", "Handled")], "not json")).unwrap();
        assert_eq!(
            a.failure,
            Some(("Handled".into(), "not json".into())),
            "the body is the message"
        );
        let a = interpret_invoke(answer(200, &[("X-Amz-Function-Error", "Handled")], "")).unwrap();
        assert_eq!(a.failure, Some(("Handled".into(), String::new())));

        assert_eq!(
            interpret_invoke(answer(202, &[], ""))
                .unwrap()
                .outcome
                .status_code,
            202
        );
        assert_eq!(
            interpret_invoke(answer(204, &[], ""))
                .unwrap()
                .outcome
                .status_code,
            204
        );
        match interpret_invoke(answer(
            429,
            &[("x-amzn-ErrorType", "TooManyRequestsException")],
            "{}",
        )) {
            Err(TaskError::ServiceError(e)) => {
                assert_eq!((e.code.as_str(), e.status), ("TooManyRequestsException", 429))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn configuration_answers() {
        let c = interpret_configuration(&answer(
            200,
            &[],
            r#"{"FunctionArn":"arn:x","Timeout":30,"State":"Active"}"#,
        ))
        .unwrap();
        assert_eq!(
            (c.arn.as_deref(), c.timeout_s, c.state.as_deref()),
            (Some("arn:x"), Some(30), Some("Active"))
        );
        assert_eq!(
            interpret_configuration(&answer(200, &[], "garbage")).unwrap(),
            FunctionConfiguration::default()
        );
        match interpret_configuration(&answer(
            403,
            &[("x-amzn-ErrorType", "AccessDeniedException")],
            r#"{"Message":"not allowed"}"#,
        )) {
            Err(TaskError::ServiceError(e)) => assert_eq!(
                (e.code.as_str(), e.message.as_str()),
                ("AccessDeniedException", "not allowed")
            ),
            other => panic!("{other:?}"),
        }
    }
}
