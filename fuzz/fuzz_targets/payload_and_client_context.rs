//! The `payload` and `client-context` inputs: `json::check`, `payload::prepare` and
//! `client_context::encode` on any text.
//!
//! Input: one byte choosing the payload mode (bit 0: legacy) and the invocation type (the byte
//! shifted right by one, modulo 3: request-response, event, dry run), then the text. `0` is
//! JSON/request-response, `1` legacy/request-response, `2` JSON/event.
//!
//! Properties:
//! - `json::check` gives serde_json's verdict, message, line and column (serde_json skipping the
//!   value, as the task did before its own scanner), except where serde_json stops at its
//!   recursion limit of 128 levels, which the scanner does not have;
//! - in JSON mode an accepted payload is sent byte for byte; a rejected one is an `invalid-input`
//!   error for `payload` naming serde_json's line and column;
//! - in legacy mode (the original task's `isJson`): text that does not, trimmed, start with `"`,
//!   `{` or `[` and end with `"`, `]` or `}` is sent as a JSON string that serde_json decodes back
//!   to the payload; the rest is handled as in JSON mode;
//! - a blank payload is an empty body, whatever the mode;
//! - a client context is accepted only if it is a JSON object; its header value is the base64 of
//!   the trimmed text and at most 3583 bytes; a blank one is no header.
#![no_main]

use base64::Engine as _;
use base64::prelude::BASE64_STANDARD;
use lambda_invoke_guest::types::{InvocationType, PayloadMode, TaskError};
use lambda_invoke_guest::{client_context, json, payload};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize as _;

/// serde_json's verdict on `text` as one JSON value: `None` when it hit its recursion limit.
fn serde_json_verdict(text: &str) -> Option<Result<(), (String, usize, usize)>> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let result = serde::de::IgnoredAny::deserialize(&mut deserializer).and_then(|_| deserializer.end());
    match result {
        Ok(()) => Some(Ok(())),
        Err(e) => {
            let full = e.to_string();
            let message = full[..full.rfind(" at line ").unwrap_or(full.len())].to_owned();
            if message == "recursion limit exceeded" {
                return None;
            }
            Some(Err((message, e.line(), e.column())))
        }
    }
}

fn invalid_input(error: TaskError, input: &str) -> String {
    match error {
        TaskError::InvalidInput(invalid) if invalid.input == input => invalid.message,
        other => panic!("expected invalid input {input:?}, got {other:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let mode = if selector & 1 == 0 {
        PayloadMode::Json
    } else {
        PayloadMode::Legacy
    };
    let invocation_type = match (selector >> 1) % 3 {
        0 => InvocationType::RequestResponse,
        1 => InvocationType::Event,
        _ => InvocationType::DryRun,
    };
    let text = String::from_utf8_lossy(rest);
    let text = text.as_ref();

    let ours = json::check(text).map_err(|e| (e.to_string(), e.line(), e.column()));
    let theirs = serde_json_verdict(text);
    if let Some(theirs) = &theirs {
        assert_eq!(&ours, theirs, "json::check disagrees with serde_json on {text:?}");
    }

    let blank = text.trim().is_empty();
    let trimmed = text.trim();
    let looks_like_json =
        trimmed.starts_with(['"', '{', '[']) && trimmed.ends_with(['"', ']', '}']);
    let as_string = mode == PayloadMode::Legacy && !looks_like_json;
    match payload::prepare(text, mode, invocation_type) {
        Ok(body) if blank => assert!(body.is_empty()),
        Ok(body) if as_string => {
            let decoded: String = serde_json::from_slice(&body)
                .unwrap_or_else(|e| panic!("legacy body is not a JSON string ({e}): {body:?}"));
            assert_eq!(decoded, text);
        }
        Ok(body) => {
            assert!(ours.is_ok());
            assert_eq!(body, text.as_bytes());
        }
        Err(error) => {
            let message = invalid_input(error, "payload");
            match &ours {
                Err((json_message, line, column)) if !as_string => assert!(
                    message.contains(&format!("line {line}, column {column}: {json_message}")),
                    "{message}"
                ),
                // Valid JSON, or text sent as a string, is refused only for its size.
                _ => assert!(message.contains("bytes, more than"), "{message}"),
            }
        }
    }

    match client_context::encode(Some(text)) {
        Ok(None) => assert!(blank),
        Ok(Some(header)) => {
            assert!(ours.is_ok() && text.trim_start().starts_with('{'), "{text:?}");
            assert!(header.len() <= client_context::MAX_ENCODED);
            assert_eq!(header, BASE64_STANDARD.encode(text.trim()));
        }
        Err(error) => {
            let message = invalid_input(error, "client-context");
            assert!(!blank && !message.is_empty());
            if ours.is_ok() && text.trim_start().starts_with('{') {
                assert!(
                    BASE64_STANDARD.encode(text.trim()).len() > client_context::MAX_ENCODED,
                    "{message}"
                );
            }
        }
    }
    assert_eq!(client_context::encode(None).ok(), Some(None));
});
