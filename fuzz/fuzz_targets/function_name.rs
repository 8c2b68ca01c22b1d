//! `function_name::parse` on any function name and qualifier.
//!
//! Input: the function name, then optionally 0xFF and the `qualifier` input.
//!
//! Properties: an accepted name yields a non-empty identifier of at most 170 bytes that parses
//! again to the same reference, a bare name of the allowed characters, and a qualifier matching
//! `$LATEST|[A-Za-z0-9_-]{1,128}`; a rejected one is an `invalid-input` error for
//! `function-name` or `qualifier` with a message.
#![no_main]

mod common;

use lambda_invoke_guest::function_name::parse;
use lambda_invoke_guest::types::TaskError;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let fields = common::fields(data);
    let name = common::text(&fields, 0).unwrap_or_default();
    let qualifier = common::text(&fields, 1);

    match parse(&name, qualifier.as_deref()) {
        Ok(function) => {
            let id = &function.identifier;
            assert!(!id.is_empty() && id.len() <= 170, "identifier {id:?}");
            assert!(
                !function.name.is_empty()
                    && function.name.len() <= 64
                    && function
                        .name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')),
                "name {:?}",
                function.name
            );
            assert!(id.ends_with(function.name.as_str()), "{function:?}");
            if let Some(q) = &function.qualifier {
                let pattern = q == "$LATEST"
                    || (!q.is_empty()
                        && q.len() <= 128
                        && q.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_')));
                assert!(pattern, "qualifier {q:?}");
            }
            if let Some(partition) = &function.partition {
                assert!(
                    id.starts_with(&format!("arn:{partition}:lambda:")),
                    "{function:?}"
                );
            }
            if let Some(region) = &function.region {
                assert!(id.contains(&format!(":{region}:")) || id.starts_with(&format!("{region}:")));
            }
            // What the task sends (identifier in the path, qualifier in the query) means the same.
            let again = parse(id, function.qualifier.as_deref());
            assert_eq!(again.as_ref().ok(), Some(&function), "{again:?}");
        }
        Err(TaskError::InvalidInput(invalid)) => {
            assert!(
                matches!(invalid.input.as_str(), "function-name" | "qualifier"),
                "{invalid:?}"
            );
            assert!(!invalid.message.is_empty());
        }
        Err(other) => panic!("not an invalid-input error: {other:?}"),
    }
});
