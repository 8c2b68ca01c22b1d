//! The `payload` input: JSON checked before sending, within Lambda's size limits.

use crate::json;
pub use crate::json::json_string;
use crate::task::invalid_input;
use crate::types::{InvocationType, PayloadMode, TaskError};
use alloc::{format, vec::Vec};

/// The largest request payload of a synchronous invocation (Lambda quotas: 6 MB).
pub const MAX_SYNC_PAYLOAD: usize = 6 * 1024 * 1024;
/// The largest request payload of an asynchronous (`Event`) invocation (Lambda quotas: 1 MB).
pub const MAX_EVENT_PAYLOAD: usize = 1024 * 1024;

/// Whether the original task took `text` for JSON: trimmed, it starts with `"`, `{` or `[` and
/// ends with `"`, `]` or `}` (its `TaskOperations.isJson`). Everything else (numbers, `true`,
/// plain text) it sent as a JSON string.
fn looks_like_json(text: &str) -> bool {
    let text = text.trim();
    text.starts_with(['"', '{', '[']) && text.ends_with(['"', ']', '}'])
}

/// Returns the request body for `payload`: empty for an empty payload, the JSON as given, or (in
/// `legacy` mode) text that the original task did not take for JSON encoded as a JSON string.
/// What is sent as JSON must be JSON, in either mode: the original sent `{bad}` and let Lambda
/// refuse it; here it is an error before anything is sent.
pub fn prepare(
    payload: &str,
    mode: PayloadMode,
    invocation_type: InvocationType,
) -> Result<Vec<u8>, TaskError> {
    if payload.trim().is_empty() {
        return Ok(Vec::new());
    }
    if mode == PayloadMode::Legacy && !looks_like_json(payload) {
        return within_limit(json_string(payload).into_bytes(), invocation_type);
    }
    let body = match json::check(payload) {
        Ok(()) => payload.as_bytes().to_vec(),
        Err(error) => {
            return Err(invalid_input(
                "payload",
                format!(
                    "payload is not valid JSON at line {}, column {}: {error}; fix the JSON, \
                     or use the legacy payload mode to send text as a JSON string",
                    error.line(),
                    error.column(),
                ),
            ));
        }
    };
    within_limit(body, invocation_type)
}

/// `body` if Lambda accepts its size for `invocation_type`.
fn within_limit(body: Vec<u8>, invocation_type: InvocationType) -> Result<Vec<u8>, TaskError> {
    let (limit, kind) = match invocation_type {
        InvocationType::Event => (MAX_EVENT_PAYLOAD, "an Event invocation"),
        InvocationType::RequestResponse | InvocationType::DryRun => {
            (MAX_SYNC_PAYLOAD, "a synchronous invocation")
        }
    };
    if body.len() > limit {
        return Err(invalid_input(
            "payload",
            format!(
                "payload is {} bytes, more than the {limit} bytes Lambda accepts for {kind}: \
                 pass a reference (e.g. an S3 key) instead of the data",
                body.len()
            ),
        ));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(result: Result<Vec<u8>, TaskError>) -> String {
        match result {
            Err(TaskError::InvalidInput(i)) => {
                assert_eq!(i.input, "payload");
                i.message
            }
            other => panic!("expected invalid payload, got {other:?}"),
        }
    }

    #[test]
    fn json_passes_unchanged_and_empty_means_no_body() {
        let json = "{\"k\": \"välue ✓\", \"n\": [1, 2.5e3, null]}";
        assert_eq!(
            prepare(json, PayloadMode::Json, InvocationType::RequestResponse).unwrap(),
            json.as_bytes()
        );
        assert!(
            prepare("  \n", PayloadMode::Json, InvocationType::RequestResponse)
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            prepare("42", PayloadMode::Json, InvocationType::Event).unwrap(),
            b"42"
        );
    }

    #[test]
    fn invalid_json_names_line_and_column() {
        let m = message(prepare(
            "{\n  \"a\": 1,\n  \"b\": }",
            PayloadMode::Json,
            InvocationType::RequestResponse,
        ));
        assert!(m.contains("line 3, column 8"), "{m}");
        assert!(m.contains("legacy"), "{m}");
        let m = message(prepare(
            "{} {}",
            PayloadMode::Json,
            InvocationType::RequestResponse,
        ));
        assert!(m.contains("trailing characters"), "{m}");
    }

    #[test]
    fn legacy_mode_follows_the_original_task() {
        let legacy = |text: &str| prepare(text, PayloadMode::Legacy, InvocationType::RequestResponse);
        // Not taken for JSON by the original: sent as a JSON string, numbers and literals too.
        for (text, sent) in [
            ("hello \"world\"", r#""hello \"world\"""#),
            ("42", r#""42""#),
            ("true", r#""true""#),
            ("null", r#""null""#),
            ("{\"a\":1} trailing", r#""{\"a\":1} trailing""#),
        ] {
            assert_eq!(legacy(text).unwrap(), sent.as_bytes(), "{text}");
        }
        // Taken for JSON: sent as given, and so it must be JSON.
        assert_eq!(legacy(" {\"a\":1} ").unwrap(), b" {\"a\":1} ");
        assert_eq!(legacy("[1]").unwrap(), b"[1]");
        assert_eq!(legacy("\"s\"").unwrap(), b"\"s\"");
        let m = message(legacy("{bad}"));
        assert!(m.contains("line 1, column 2"), "{m}");
        // The size limit applies to what is sent.
        let big = "x".repeat(MAX_EVENT_PAYLOAD);
        assert!(prepare(&big, PayloadMode::Legacy, InvocationType::Event).is_err());
    }

    #[test]
    fn json_strings_round_trip_through_a_json_parser() {
        for text in [
            "plain",
            "quote \" and \\ backslash",
            "lines\nand\ttabs\r",
            "\u{1} \u{1f} ü 🚀",
        ] {
            let encoded = json_string(text);
            assert_eq!(
                serde_json::from_str::<String>(&encoded).unwrap(),
                text,
                "{encoded}"
            );
        }
        assert_eq!(json_string("\u{1}"), "\"\\u0001\"");
    }

    #[test]
    fn size_limits_depend_on_the_invocation_type() {
        let just_over_event = format!("\"{}\"", "x".repeat(MAX_EVENT_PAYLOAD - 1));
        let m = message(prepare(
            &just_over_event,
            PayloadMode::Json,
            InvocationType::Event,
        ));
        assert!(m.contains("1048577 bytes") && m.contains("Event"), "{m}");
        assert!(
            prepare(
                &just_over_event,
                PayloadMode::Json,
                InvocationType::RequestResponse
            )
            .is_ok()
        );
        let over_sync = format!("\"{}\"", "x".repeat(MAX_SYNC_PAYLOAD));
        let m = message(prepare(&over_sync, PayloadMode::Json, InvocationType::DryRun));
        assert!(m.contains("synchronous"), "{m}");
    }
}
