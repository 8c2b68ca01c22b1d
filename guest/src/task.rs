//! The task from start to end: validate every input, resolve credentials, region and endpoint,
//! optionally check the function, invoke it, and report the outcome.
//!
//! Every input is validated before anything is read from the environment or sent: invalid input
//! never costs a request.

use crate::host::{CallSettings, Host, LogLevel};
use crate::http::HttpError;
use crate::lambda::{self, InvokeParams};
use crate::session::Session;
use crate::text::concat;
use crate::types::{Input, InvalidInput, InvocationType, LogType, Outcome, TaskError};
use crate::{aws, client_context, credentials, endpoint, function_name, payload, region, retry};
use alloc::{
    borrow::ToOwned,
    format,
    string::{String, ToString},
};

/// An `invalid-input` error for `input` with `message`.
pub fn invalid_input(input: &str, message: impl Into<String>) -> TaskError {
    TaskError::InvalidInput(InvalidInput {
        input: input.to_owned(),
        message: message.into(),
    })
}

/// An HTTP error in words, for messages.
pub fn describe_http_error(error: &HttpError) -> String {
    match error {
        HttpError::Denied(why) => format!("refused by the host: {why}"),
        HttpError::InvalidRequest(why) => format!("invalid request: {why}"),
        HttpError::ConnectFailed(why) => format!("cannot connect: {why}"),
        HttpError::ConnectTimeout => "no connection within the timeout".to_owned(),
        HttpError::ReadTimeout => "no answer within the timeout".to_owned(),
        HttpError::ConnectionLost(why) => format!("connection lost: {why}"),
        HttpError::Protocol(why) => format!("not a valid HTTP answer: {why}"),
        HttpError::TooLarge(limit) => format!("answer larger than {limit} bytes"),
        HttpError::LimitExceeded(why) => format!("host limit reached: {why}"),
    }
}

/// The longest output variable name accepted.
const MAX_OUTPUT_NAME: usize = 256;

/// Runs the task once.
pub fn run(host: &mut impl Host, input: Input) -> Result<Outcome, TaskError> {
    let settings = CallSettings {
        max_attempts: max_attempts(host, input.max_attempts)?,
        http_log: input.http_log,
    };
    let mut session = Session::new(host, settings);
    run_in(&mut session, input)
}

/// The most attempts per call: the input, else `AWS_MAX_ATTEMPTS`, else 3.
fn max_attempts(host: &mut dyn Host, input: Option<u32>) -> Result<u32, TaskError> {
    let (value, name) = match input {
        Some(n) => (n.to_string(), "max-attempts"),
        None => match host.non_empty_env("AWS_MAX_ATTEMPTS") {
            Some(v) => (v.trim().to_owned(), "environment variable AWS_MAX_ATTEMPTS"),
            None => return Ok(retry::DEFAULT_MAX_ATTEMPTS),
        },
    };
    match value.parse::<u32>() {
        Ok(n) if (1..=retry::MAX_MAX_ATTEMPTS).contains(&n) => Ok(n),
        _ => Err(invalid_input(
            "max-attempts",
            format!(
                "{name} is \"{value}\": use a number of attempts from 1 to {}",
                retry::MAX_MAX_ATTEMPTS
            ),
        )),
    }
}

fn run_in(host: &mut dyn Host, input: Input) -> Result<Outcome, TaskError> {
    // 1. Inputs, all of them, before anything else.
    let function = function_name::parse(&input.function_name, input.qualifier.as_deref())?;
    let body = payload::prepare(&input.payload, input.payload_mode, input.invocation_type)?;
    let client_context = client_context::encode(input.client_context.as_deref())?;
    let output_variable = output_variable(input.output_variable.as_deref())?;
    let endpoint = endpoint::configure(host, "lambda", input.endpoint_url.as_deref())?;
    let mut log_type = input.log_type;
    if input.read_timeout_ms == Some(0) {
        return Err(invalid_input(
            "read-timeout-ms",
            "read timeout 0 is invalid: give the milliseconds to wait for the answer, e.g. 60000",
        ));
    }
    if log_type == LogType::Tail && input.invocation_type != InvocationType::RequestResponse {
        host.warn("log type Tail applies to RequestResponse invocations only; no log will be returned");
        log_type = LogType::None;
    }

    // 2. Region (STS needs it), the endpoint (its rules may refuse the region's partition:
    // before any credential request), credentials (secrets are registered as they are read).
    // Both may come from instance metadata: one session for the two.
    let imds = crate::credentials::imds::Kept::default();
    let region = region::resolve(host, input.region.as_deref(), function.region.as_deref(), &imds)?;
    let endpoint = endpoint.for_region("lambda", &region.code)?;
    let credentials = credentials::resolve(host, &region.code, input.credentials.as_ref(), &imds)?;
    host.info(&concat(&["Using credentials from ", &credentials.source]));
    host.debug(&concat(&[
        "Region ",
        &region.code,
        " (from ",
        &region.source,
        "); endpoint ",
        &endpoint.url(""),
        " (from ",
        &endpoint.source,
        ")",
    ]));

    // 3. The optional pre-check: report a missing function or permission as what it is.
    let mut function_timeout_s = None;
    if input.check_function_exists {
        let request = lambda::get_configuration_request(&endpoint, &function, input.read_timeout_ms);
        let answer = aws::send(host, &request, &credentials, &region.code, "lambda")?;
        let configuration = lambda::interpret_configuration(&answer.response)
            .map_err(|e| aws::Answer::annotate(answer.note.as_deref(), e));
        match configuration {
            Ok(configuration) => {
                host.debug(&format!(
                    "Function {} exists (timeout {} s, state {})",
                    configuration.arn.as_deref().unwrap_or(&function.identifier),
                    configuration
                        .timeout_s
                        .map_or("unknown".to_owned(), |t| t.to_string()),
                    configuration.state.as_deref().unwrap_or("unknown"),
                ));
                function_timeout_s = configuration.timeout_s;
            }
            Err(error) => {
                explain_precheck_failure(
                    host,
                    &error,
                    &input.function_name,
                    &region.code,
                    &credentials.source,
                );
                return Err(error);
            }
        }
    }

    // 4. The invocation.
    host.info(&concat(&["Invoking function ", input.function_name.trim()]));
    let request = lambda::invoke_request(
        &endpoint,
        InvokeParams {
            function: &function,
            invocation_type: input.invocation_type,
            log_type,
            client_context,
            payload: body,
            function_timeout_s,
            read_timeout_ms: input.read_timeout_ms,
        },
    );
    let sent = aws::send(host, &request, &credentials, &region.code, "lambda")?;
    let note = sent.note;
    let answer =
        lambda::interpret_invoke(sent.response).map_err(|e| aws::Answer::annotate(note.as_deref(), e))?;
    for warning in &answer.warnings {
        host.warn(warning);
    }
    let outcome = answer.outcome;
    if let Some(tail) = &outcome.log_tail {
        host.info(&format!(
            "Log tail of function {}:\n{}",
            function.name,
            tail.trim_end()
        ));
    }

    // 5. The output variable, set even when the function failed: nothing is lost.
    if let Some(name) = output_variable {
        set_output(host, name, &outcome, input.invocation_type)?;
    }
    if let Some((error_type, error_message)) = answer.failure {
        let summary = format!(
            "function {} returned an error ({}): {error_type}: {error_message}",
            function.name,
            outcome.function_error.as_deref().unwrap_or("Unhandled")
        );
        if input.fail_on_function_error {
            return Err(lambda::function_error(outcome, error_type, error_message));
        }
        host.warn(&format!(
            "{summary}; the task continues because failing on function errors is turned off"
        ));
    }
    host.info(&concat(&[
        "Completed invocation of Lambda function ",
        input.function_name.trim(),
    ]));
    Ok(outcome)
}

/// Validates the output variable name (letters, digits, '_', '.', '-').
fn output_variable(name: Option<&str>) -> Result<Option<&str>, TaskError> {
    let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if name.len() > MAX_OUTPUT_NAME
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    {
        return Err(invalid_input(
            "output-variable",
            format!(
                "output variable name \"{name}\" is invalid: use up to {MAX_OUTPUT_NAME} letters, \
                 digits, '_', '.' or '-'"
            ),
        ));
    }
    Ok(Some(name))
}

fn set_output(
    host: &mut dyn Host,
    name: &str,
    outcome: &Outcome,
    invocation_type: InvocationType,
) -> Result<(), TaskError> {
    if invocation_type != InvocationType::RequestResponse {
        host.warn(&format!(
            "output variable {name} is not set: only RequestResponse invocations return a payload"
        ));
        return Ok(());
    }
    let value = match core::str::from_utf8(&outcome.payload) {
        Ok(text) => text.to_owned(),
        // Replacing invalid bytes may triple the size: only for what Lambda can return.
        Err(_) if outcome.payload.len() > crate::payload::MAX_SYNC_PAYLOAD => {
            host.warn(&format!(
                "output variable {name} is not set: the function's output is {} bytes that are \
                 not UTF-8, more than Lambda returns: have the function return UTF-8 text",
                outcome.payload.len()
            ));
            return Ok(());
        }
        Err(_) => {
            host.warn(&format!(
                "the function's output is not UTF-8; output variable {name} gets it with \
                 invalid bytes replaced by U+FFFD"
            ));
            String::from_utf8_lossy(&outcome.payload).into_owned()
        }
    };
    host.info(&format!(
        "Setting output variable {name} with the function output"
    ));
    host.set_output(name, &value, false).map_err(|e| {
        let why = match e {
            crate::environment::OutputError::InvalidName(why)
            | crate::environment::OutputError::LimitExceeded(why) => why,
        };
        invalid_input(
            "output-variable",
            format!("the host refused output variable {name}: {why}"),
        )
    })
}

/// Logs what a failed pre-check means, so that a missing permission is never mistaken for a
/// missing function (the original task said "does not exist" for both).
fn explain_precheck_failure(
    host: &mut dyn Host,
    error: &TaskError,
    function: &str,
    region: &str,
    source: &str,
) {
    let TaskError::ServiceError(e) = error else {
        return;
    };
    let hint = match e.code.as_str() {
        "ResourceNotFoundException" => format!(
            "function {function} does not exist in region {region} (or its qualifier does not): check the name, the qualifier and the region"
        ),
        "AccessDeniedException" | "AccessDenied" => format!(
            "the credentials from {source} may not call lambda:GetFunctionConfiguration on {function}: \
             the function may well exist; grant that permission, or turn the pre-check off"
        ),
        _ => return,
    };
    host.log(LogLevel::Error, &hint);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::testing::{FakeHost, response};

    fn ok(status: u16, headers: &[(&str, &str)], body: &str) -> Result<Response, HttpError> {
        Ok(response(status, headers, body))
    }
    use crate::http::{HttpError, Response};
    use crate::types::{HttpLog, PayloadMode, ServiceConnection};

    fn input(function_name: &str) -> Input {
        Input {
            function_name: function_name.to_owned(),
            payload: "{\"a\":1}".to_owned(),
            payload_mode: PayloadMode::Json,
            invocation_type: InvocationType::RequestResponse,
            log_type: LogType::None,
            qualifier: None,
            client_context: None,
            region: Some("us-east-1".to_owned()),
            credentials: Some(ServiceConnection {
                access_key_id: "AKIDEXAMPLE".to_owned(),
                secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_owned(),
                session_token: None,
                assume_role: None,
                use_oidc: false,
            }),
            endpoint_url: Some("http://127.0.0.1:9001".to_owned()),
            output_variable: Some("result".to_owned()),
            fail_on_function_error: true,
            check_function_exists: false,
            max_attempts: None,
            read_timeout_ms: None,
            http_log: HttpLog::Off,
        }
    }

    #[test]
    fn invalid_input_sends_nothing_and_reads_no_secret() {
        let mut host = FakeHost::default();
        let mut bad = input("f");
        bad.payload = "{not json".into();
        assert!(matches!(run(&mut host, bad), Err(TaskError::InvalidInput(_))));
        let mut bad = input("f");
        bad.output_variable = Some("has space".into());
        assert!(
            matches!(run(&mut host, bad), Err(TaskError::InvalidInput(i)) if i.input == "output-variable")
        );
        assert!(host.requests.is_empty() && host.secrets.is_empty());
    }

    #[test]
    fn happy_path_signs_invokes_and_sets_the_output() {
        let mut host =
            FakeHost::default().answer(ok(200, &[("X-Amz-Executed-Version", "$LATEST")], "{\"echo\":1}"));
        let outcome = run(&mut host, input("f")).unwrap();
        assert_eq!(outcome.payload, b"{\"echo\":1}");
        assert_eq!(
            host.outputs,
            [("result".to_owned(), "{\"echo\":1}".to_owned(), false)]
        );
        assert_eq!(host.secrets, ["wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"]);
        let request = &host.requests[0];
        let auth = request
            .headers
            .iter()
            .find(|h| h.name == "Authorization")
            .unwrap();
        assert!(
            auth.value.starts_with(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/lambda/aws4_request"
            ),
            "{}",
            auth.value
        );
        let log = host.log_text();
        for line in [
            "Invoking function f",
            "Setting output variable result with the function output",
            "Completed invocation of Lambda function f",
        ] {
            assert!(log.contains(line), "{log}");
        }
    }

    #[test]
    fn a_function_error_fails_the_task_but_keeps_the_payload() {
        let body = r#"{"errorType":"Error","errorMessage":"boom"}"#;
        let mut host = FakeHost::default().answer(ok(200, &[("X-Amz-Function-Error", "Unhandled")], body));
        match run(&mut host, input("f")) {
            Err(TaskError::FunctionError(f)) => {
                assert_eq!(
                    (f.error_type.as_str(), f.error_message.as_str()),
                    ("Error", "boom")
                );
                assert_eq!(f.outcome.payload, body.as_bytes());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            host.outputs.len(),
            1,
            "the output variable is set even on failure"
        );

        let mut host = FakeHost::default().answer(ok(200, &[("X-Amz-Function-Error", "Unhandled")], body));
        let mut lenient = input("f");
        lenient.fail_on_function_error = false;
        assert_eq!(
            run(&mut host, lenient).unwrap().function_error.as_deref(),
            Some("Unhandled")
        );
        assert!(
            host.log_text().contains("the task continues"),
            "{}",
            host.log_text()
        );
    }

    #[test]
    fn precheck_tells_access_denied_from_not_found() {
        let denied = ok(
            403,
            &[("x-amzn-ErrorType", "AccessDeniedException")],
            r#"{"Message":"User is not authorized"}"#,
        );
        let mut host = FakeHost::default().answer(denied);
        let mut checked = input("f");
        checked.check_function_exists = true;
        match run(&mut host, checked.clone()) {
            Err(TaskError::ServiceError(e)) => assert_eq!(e.code, "AccessDeniedException"),
            other => panic!("{other:?}"),
        }
        assert_eq!(host.requests.len(), 1, "no invocation after a failed pre-check");
        assert!(host.log_text().contains("may well exist"), "{}", host.log_text());

        let config = ok(200, &[], r#"{"Timeout":3}"#);
        let mut host = FakeHost::default().answer(config).answer(ok(200, &[], "{}"));
        run(&mut host, checked).unwrap();
        assert_eq!(host.requests.len(), 2);
        assert_eq!(
            host.requests[1].read_timeout_ms, 63_000,
            "the read timeout follows the function's timeout"
        );
    }
}
