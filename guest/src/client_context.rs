//! The `client-context` input: a JSON object, sent base64-encoded in `X-Amz-Client-Context`.

use alloc::{format, string::String};

use crate::json;
use crate::task::invalid_input;
use crate::types::TaskError;

/// The largest encoded client context Lambda accepts (Invoke API reference).
pub const MAX_ENCODED: usize = 3583;

/// Validates the client context and returns its header value, or none when it is empty.
pub fn encode(client_context: Option<&str>) -> Result<Option<String>, TaskError> {
    let Some(text) = client_context.filter(|c| !c.trim().is_empty()) else {
        return Ok(None);
    };
    if let Err(error) = json::check(text) {
        return Err(invalid_input(
            "client-context",
            format!(
                "client context is not valid JSON at line {}, column {}: {error}; give a JSON object",
                error.line(),
                error.column(),
            ),
        ));
    }
    if !text.trim_start().starts_with('{') {
        return Err(invalid_input(
            "client-context",
            "client context must be a JSON object, e.g. {\"custom\": {\"key\": \"value\"}}",
        ));
    }
    let encoded = crate::base64::encode(text.trim().as_bytes());
    if encoded.len() > MAX_ENCODED {
        return Err(invalid_input(
            "client-context",
            format!(
                "client context is {} bytes once base64-encoded, more than the {MAX_ENCODED} \
                 Lambda accepts: shorten it",
                encoded.len()
            ),
        ));
    }
    Ok(Some(encoded))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        match encode(Some(text)) {
            Err(TaskError::InvalidInput(i)) => {
                assert_eq!(i.input, "client-context");
                i.message
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn encodes_objects_and_rejects_the_rest() {
        assert_eq!(
            encode(Some(" {\"a\":1} ")).unwrap().as_deref(),
            Some("eyJhIjoxfQ==")
        );
        assert_eq!(encode(Some("")).unwrap(), None);
        assert_eq!(encode(None).unwrap(), None);
        assert!(error("[1]").contains("JSON object"));
        assert!(error("{oops}").contains("line 1, column 2"));
    }

    #[test]
    fn the_encoded_size_is_limited_to_3583_bytes() {
        // 2,685 bytes of JSON encode to 3,580 bytes; 2,688 to 3,584.
        let fits = format!("{{\"k\":\"{}\"}}", "x".repeat(2685 - 9));
        assert_eq!(encode(Some(&fits)).unwrap().unwrap().len(), 3580);
        let over = format!("{{\"k\":\"{}\"}}", "x".repeat(2688 - 9));
        assert!(error(&over).contains("3584 bytes"));
    }
}
