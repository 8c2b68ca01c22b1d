//! What a server answers: `lambda::interpret_invoke`, `lambda::interpret_configuration`,
//! `aws::service_error` and `json::Fields` on any status, headers and body.
//!
//! Input: the status in decimal, then for each header 0xFF and `name:value` (split at the first
//! ':'), then 0xFF and the body (raw bytes, not necessarily UTF-8). A status that is not a
//! decimal `u16` is taken from its bytes, so every input gets one.
//!
//! Properties:
//! - `interpret_invoke` succeeds exactly for 200, 202 and 204, keeps the status and the body,
//!   reports a function error exactly when `X-Amz-Function-Error` is set, with a non-empty type;
//!   any other status is a service error with that status;
//! - `interpret_configuration` succeeds exactly for 200, and what it reads agrees with `Fields`;
//! - `service_error` keeps the status, its code has no `#` namespace, and a body with no message
//!   field is quoted: on one line, at most 300 characters plus an ellipsis;
//! - `Fields` reads what serde_json's `Value` reads from the same object (when serde_json can
//!   read it: it refuses nesting beyond 128 levels and nested lone surrogates, `Fields` skips
//!   them), and nothing from a non-object.
#![no_main]

mod common;

use lambda_invoke_guest::aws::{quote, service_error, xml_element};
use lambda_invoke_guest::http::Response;
use lambda_invoke_guest::json::Fields;
use lambda_invoke_guest::lambda::{interpret_configuration, interpret_invoke};
use lambda_invoke_guest::types::TaskError;
use libfuzzer_sys::fuzz_target;


fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.trim())
        .filter(|v| !v.is_empty())
}

fuzz_target!(|data: &[u8]| {
    let response = common::response(data);
    let status = response.status;
    let fields = Fields::of(&response.body);

    // Fields against serde_json's Value, for objects within what Fields keeps (64 distinct keys
    // of at most 64 bytes; a hostile object beyond that costs no memory and yields the rest).
    let value: Result<serde_json::Value, _> = serde_json::from_slice(&response.body);
    let within_bounds = |value: &serde_json::Value| {
        value
            .as_object()
            .is_none_or(|o| o.len() <= 64 && o.keys().all(|k| k.len() <= 64))
    };
    if let Some(value) = value.as_ref().ok().filter(|v| within_bounds(v)) {
        for name in [
            "message",
            "Message",
            "errorMessage",
            "errorType",
            "__type",
            "FunctionArn",
        ] {
            assert_eq!(
                fields.string(&[name]).as_deref(),
                value.get(name).and_then(|v| v.as_str()),
                "string {name:?}"
            );
        }
        for name in ["Timeout", "message"] {
            assert_eq!(
                fields.u64(name),
                value.get(name).and_then(|v| v.as_u64()),
                "u64 {name:?}"
            );
        }
    }
    let _ = fields.string(&["message"]);
    let _ = fields.u64("Timeout");

    // Service errors.
    let error = service_error(&response);
    assert_eq!(error.status, status);
    assert!(!error.code.contains('#'), "code {:?}", error.code);
    let body_text = String::from_utf8_lossy(&response.body);
    let has_message = fields.string(&["message", "Message", "errorMessage"]).is_some()
        || xml_element(&body_text, "Message").is_some();
    if !has_message {
        assert_eq!(error.message, quote(&body_text));
        assert!(error.message.chars().count() <= 301, "{:?}", error.message);
        assert!(
            !error.message.chars().any(char::is_control),
            "{:?}",
            error.message
        );
        assert!(!error.message.is_empty());
    }

    // Invoke.
    match interpret_invoke(response.clone()) {
        Ok(answer) => {
            assert!(matches!(status, 200 | 202 | 204), "status {status} accepted");
            assert_eq!(answer.outcome.status_code, status);
            assert_eq!(answer.outcome.payload, response.body);
            let function_error = header(&response, "x-amz-function-error");
            assert_eq!(answer.outcome.function_error.as_deref(), function_error);
            assert_eq!(answer.failure.is_some(), function_error.is_some());
            if let Some((error_type, _)) = &answer.failure {
                assert!(!error_type.is_empty());
            }
            assert_eq!(
                answer.outcome.executed_version.as_deref(),
                header(&response, "x-amz-executed-version")
            );
            let log = header(&response, "x-amz-log-result");
            assert_eq!(
                answer.outcome.log_tail.is_some() || !answer.warnings.is_empty(),
                log.is_some()
            );
        }
        Err(TaskError::ServiceError(e)) => {
            assert!(
                !matches!(status, 200 | 202 | 204),
                "status {status} refused: {e:?}"
            );
            assert_eq!(e.status, status);
        }
        Err(other) => panic!("interpret_invoke: {other:?}"),
    }

    // GetFunctionConfiguration.
    match interpret_configuration(&response) {
        Ok(configuration) => {
            assert_eq!(status, 200);
            if let Some(timeout) = configuration.timeout_s {
                assert_eq!(fields.u64("Timeout"), Some(u64::from(timeout)));
            }
            if let Some(arn) = &configuration.arn {
                assert_eq!(fields.string(&["FunctionArn"]).as_ref(), Some(arn));
            }
            if let Some(state) = &configuration.state {
                assert_eq!(fields.string(&["State"]).as_ref(), Some(state));
            }
        }
        Err(TaskError::ServiceError(e)) => {
            assert_ne!(status, 200);
            assert_eq!(e.status, status);
        }
        Err(other) => panic!("interpret_configuration: {other:?}"),
    }
});
