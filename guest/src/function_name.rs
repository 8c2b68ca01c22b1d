//! The `function-name` input: a name, a name with a qualifier, a partial ARN or a full ARN.
//!
//! Validated against the pattern of the Lambda API's `FunctionName` parameter (Invoke, API
//! reference), before any request is made:
//! `(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`,
//! 1 to 170 characters, a bare name at most 64 and a qualifier at most 128.

use crate::task::invalid_input;
use crate::types::TaskError;
use alloc::{borrow::ToOwned, format, string::String, vec::Vec};

/// The longest `FunctionName` the Invoke API accepts.
const MAX_FUNCTION_NAME: usize = 170;
/// The longest name of a function (without ARN or qualifier).
const MAX_NAME: usize = 64;
/// The longest qualifier (version or alias).
const MAX_QUALIFIER: usize = 128;

const USAGE: &str = "use a name (my-function), a name with a qualifier (my-function:prod), \
                     a partial ARN (123456789012:function:my-function) or a full ARN \
                     (arn:aws:lambda:us-east-1:123456789012:function:my-function)";

/// A validated reference to a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef {
    /// The function as it goes into the request path, without the qualifier: a name, a partial
    /// ARN or a full ARN.
    pub identifier: String,
    /// The function's bare name, for messages.
    pub name: String,
    /// The version or alias, from the name or from the `qualifier` input.
    pub qualifier: Option<String>,
    /// The region named in the ARN, if any.
    pub region: Option<String>,
    /// The partition named in a full ARN (`aws`, `aws-cn`, ...), if any.
    pub partition: Option<String>,
}

/// Parses and validates `function_name`, reconciling a qualifier in it with the `qualifier`
/// input. Leading and trailing whitespace is ignored (pipeline files often carry it).
pub fn parse(function_name: &str, qualifier: Option<&str>) -> Result<FunctionRef, TaskError> {
    let given = function_name.trim();
    let invalid = |why: &str| {
        invalid_input(
            "function-name",
            format!("function name \"{given}\" is invalid: {why}; {USAGE}"),
        )
    };
    if given.is_empty() {
        return Err(invalid_input(
            "function-name",
            format!("function name is required: {USAGE}"),
        ));
    }
    if given.len() > MAX_FUNCTION_NAME {
        return Err(invalid(&format!(
            "it is {} characters long, the limit is {MAX_FUNCTION_NAME}",
            given.len()
        )));
    }

    let tokens: Vec<&str> = given.split(':').collect();
    let mut at = 0;
    let mut partition = None;
    let mut region = None;
    let mut has_account = false;
    let mut has_function_keyword = false;
    let is_arn = tokens[0] == "arn";
    if is_arn {
        if tokens.len() < 3 || tokens[2] != "lambda" {
            return Err(invalid("an ARN must start with arn:PARTITION:lambda:"));
        }
        if !is_partition(tokens[1]) {
            return Err(invalid(&format!(
                "\"{}\" is not an AWS partition (aws, aws-cn, aws-us-gov, ...)",
                tokens[1]
            )));
        }
        partition = Some(tokens[1].to_owned());
        at = 3;
    }
    let more_after = |at: usize| at + 1 < tokens.len();
    if more_after(at) && is_region(tokens[at]) {
        region = Some(tokens[at].to_owned());
        at += 1;
    }
    if more_after(at) && is_account(tokens[at]) {
        has_account = true;
        at += 1;
    }
    if more_after(at) && tokens[at] == "function" {
        has_function_keyword = true;
        at += 1;
    }
    if is_arn && (region.is_none() || !has_account || !has_function_keyword) {
        return Err(invalid(
            "a full ARN needs a region, a 12-digit account id and \"function:\" before the name",
        ));
    }
    if has_account && !has_function_keyword {
        return Err(invalid("an account id must be followed by \"function:\""));
    }
    if let (Some(partition), Some(region)) = (&partition, &region) {
        let expected = crate::endpoint::partition_of(region).id;
        if partition != expected {
            return Err(invalid(&format!(
                "region {region} is in partition {expected}, not {partition}: correct the ARN"
            )));
        }
    }
    let name = tokens.get(at).copied().unwrap_or_default();
    if name.is_empty() {
        return Err(invalid("the name part is empty"));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(invalid(&format!(
            "the name contains {}: only letters, digits, '-', '_' and '.' are allowed",
            crate::json::show_char(bad)
        )));
    }
    if name.len() > MAX_NAME {
        return Err(invalid(&format!(
            "the name is {} characters long, the limit is {MAX_NAME}",
            name.len()
        )));
    }
    let identifier = tokens[..=at].join(":");
    at += 1;
    let in_name = match tokens.get(at) {
        None => None,
        Some(q) => {
            check_qualifier(q).map_err(|why| invalid(&format!("the qualifier {why}")))?;
            Some((*q).to_owned())
        }
    };
    if at + 1 < tokens.len() {
        return Err(invalid("it has more ':'-separated parts than a function ARN"));
    }

    let input = qualifier.map(str::trim).filter(|q| !q.is_empty());
    if let Some(q) = input {
        check_qualifier(q).map_err(|why| {
            invalid_input(
                "qualifier",
                format!(
                    "qualifier \"{q}\" is invalid: it {why}; use a version number, $LATEST or an alias name"
                ),
            )
        })?;
    }
    let qualifier = match (in_name, input) {
        (Some(a), Some(b)) if a != b => {
            return Err(invalid_input(
                "qualifier",
                format!(
                    "qualifier \"{b}\" disagrees with the qualifier \"{a}\" in function name \"{given}\": \
                     give the qualifier once, or make them the same"
                ),
            ));
        }
        (Some(q), _) => Some(q),
        (None, Some(q)) => Some(q.to_owned()),
        (None, None) => None,
    };

    Ok(FunctionRef {
        identifier,
        name: name.to_owned(),
        qualifier,
        region,
        partition,
    })
}

/// `aws[a-zA-Z-]*`
fn is_partition(s: &str) -> bool {
    s.strip_prefix("aws")
        .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_alphabetic() || c == '-'))
}

/// `(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}`
pub(crate) fn is_region(s: &str) -> bool {
    let s = s.strip_prefix("eusc-").unwrap_or(s);
    let lower = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    let parts: Vec<&str> = s.split('-').collect();
    let (first, last) = match (parts.first(), parts.last()) {
        (Some(f), Some(l)) if parts.len() >= 3 => (*f, *l),
        _ => return false,
    };
    if first.len() != 2 || !lower(first) || last.len() != 1 || !last.as_bytes()[0].is_ascii_digit() {
        return false;
    }
    let middle = &parts[1..parts.len() - 1];
    match middle {
        [direction] => lower(direction),
        [kind, direction] => {
            let iso = kind
                .strip_prefix("iso")
                .is_some_and(|rest| rest.len() <= 1 && rest.bytes().all(|b| b.is_ascii_lowercase()));
            (*kind == "gov" || iso) && lower(direction)
        }
        _ => false,
    }
}

/// `\d{12}`
fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `\$LATEST|[a-zA-Z0-9-_]+`, at most 128 characters. Returns what is wrong.
fn check_qualifier(q: &str) -> Result<(), String> {
    if q == "$LATEST" {
        return Ok(());
    }
    if q.is_empty() {
        return Err("is empty".to_owned());
    }
    if q.len() > MAX_QUALIFIER {
        return Err(format!(
            "is {} characters long, the limit is {MAX_QUALIFIER}",
            q.len()
        ));
    }
    match q
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_')))
    {
        Some(bad) => Err(format!(
            "\"{q}\" contains {}: only letters, digits, '-', '_' or exactly $LATEST",
            crate::json::show_char(bad)
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::TaskError;

    fn ok(name: &str, qualifier: Option<&str>) -> FunctionRef {
        parse(name, qualifier).unwrap_or_else(|e| panic!("{name}: {e:?}"))
    }

    fn err(name: &str, qualifier: Option<&str>) -> (String, String) {
        match parse(name, qualifier) {
            Err(TaskError::InvalidInput(i)) => (i.input, i.message),
            other => panic!("{name}: expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn accepts_every_form_of_the_api_pattern() {
        let r = ok("my-function", None);
        assert_eq!((r.identifier.as_str(), r.qualifier), ("my-function", None));
        let r = ok("my-function:prod", None);
        assert_eq!(r.identifier, "my-function");
        assert_eq!(r.qualifier.as_deref(), Some("prod"));
        let r = ok("my-function:$LATEST", None);
        assert_eq!(r.qualifier.as_deref(), Some("$LATEST"));
        let r = ok("123456789012:function:my-function:7", None);
        assert_eq!(r.identifier, "123456789012:function:my-function");
        assert_eq!(r.qualifier.as_deref(), Some("7"));
        let r = ok("arn:aws:lambda:eu-west-1:123456789012:function:f.v2", None);
        assert_eq!(
            r.identifier,
            "arn:aws:lambda:eu-west-1:123456789012:function:f.v2"
        );
        assert_eq!(r.name, "f.v2");
        assert_eq!(r.region.as_deref(), Some("eu-west-1"));
        assert_eq!(r.partition.as_deref(), Some("aws"));
        let r = ok(
            "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f:live",
            None,
        );
        assert_eq!(r.qualifier.as_deref(), Some("live"));
        let r = ok(
            "arn:aws-iso-b:lambda:us-isob-east-1:123456789012:function:f",
            None,
        );
        assert_eq!(r.region.as_deref(), Some("us-isob-east-1"));
        let r = ok("arn:aws-eusc:lambda:eusc-de-east-1:123456789012:function:f", None);
        assert_eq!(r.region.as_deref(), Some("eusc-de-east-1"));
        let r = ok("  padded \n", None);
        assert_eq!(r.identifier, "padded");
    }

    #[test]
    fn qualifier_input_and_name_must_agree() {
        assert_eq!(ok("f", Some("prod")).qualifier.as_deref(), Some("prod"));
        assert_eq!(ok("f:prod", Some("prod")).qualifier.as_deref(), Some("prod"));
        assert_eq!(ok("f:prod", Some("  ")).qualifier.as_deref(), Some("prod"));
        let (input, message) = err("f:prod", Some("3"));
        assert_eq!(input, "qualifier");
        assert!(message.contains("disagrees"), "{message}");
        let (input, message) = err("f", Some("no spaces"));
        assert_eq!(input, "qualifier");
        assert!(message.contains("' '"), "{message}");
    }

    #[test]
    fn rejects_what_the_api_would_reject_with_a_usable_message() {
        for (name, needle) in [
            ("", "required"),
            ("my function", "' '"),
            ("f/g", "'/'"),
            ("f:a:b", "more ':'"),
            ("arn:aws:s3:::bucket", "arn:PARTITION:lambda"),
            ("arn:gcp:lambda:us-east-1:123456789012:function:f", "partition"),
            (
                "arn:aws-cn:lambda:us-east-1:123456789012:function:f",
                "region us-east-1 is in partition aws, not aws-cn",
            ),
            (
                "arn:aws:lambda:cn-north-1:123456789012:function:f",
                "region cn-north-1 is in partition aws-cn, not aws",
            ),
            ("arn:aws:lambda:us-east-1:function:f", "full ARN"),
            ("123456789012:f", "followed by \"function:\""),
            ("f:", "qualifier"),
            ("f:bad.qualifier", "'.'"),
            (&"x".repeat(65), "limit is 64"),
            (&"x".repeat(171), "limit is 170"),
        ] {
            let (input, message) = err(name, None);
            assert_eq!(input, "function-name");
            assert!(message.contains(needle), "{name:?}: {message}");
            assert!(
                message.contains("partial ARN"),
                "{name:?} lacks the usage: {message}"
            );
        }
    }

    #[test]
    fn region_pattern() {
        for good in [
            "us-east-1",
            "cn-north-1",
            "us-gov-west-1",
            "us-iso-east-1",
            "eu-isoe-west-1",
            "eusc-de-east-1",
        ] {
            assert!(is_region(good), "{good}");
        }
        for bad in [
            "us-east",
            "us_east_1",
            "US-EAST-1",
            "u-east-1",
            "us-east-12",
            "us-foo-bar-1",
            "",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
    }
}
