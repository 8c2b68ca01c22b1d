//! The task's description (WIT `describe`): each input as a host would render it in a form or
//! check it in a pipeline file, and the IAM permissions the task may need.

use crate::types::{InputDescription, InputKind, TaskDescription};
use alloc::borrow::ToOwned;

/// One input: name, label, kind, default, allowed values, required, help.
type Row = (
    &'static str,
    &'static str,
    InputKind,
    Option<&'static str>,
    &'static [&'static str],
    bool,
    &'static str,
);

const INPUTS: &[Row] = &[
    (
        "function-name",
        "Function name",
        InputKind::Text,
        None,
        &[],
        true,
        "The function to invoke: a name, name:qualifier, a partial ARN (123456789012:function:name) or a full ARN.",
    ),
    (
        "payload",
        "Payload",
        InputKind::Json,
        None,
        &[],
        false,
        "The JSON event passed to the function. Empty sends no payload.",
    ),
    (
        "payload-mode",
        "Payload mode",
        InputKind::Choice,
        Some("json"),
        &["json", "legacy"],
        false,
        "json: the payload must be valid JSON. legacy: as the original task, text that does not start and end like a JSON object, array or string is sent as a JSON string.",
    ),
    (
        "invocation-type",
        "Invocation type",
        InputKind::Choice,
        Some("RequestResponse"),
        &["RequestResponse", "Event", "DryRun"],
        false,
        "RequestResponse waits for the result; Event queues the event and returns at once; DryRun checks parameters and permissions.",
    ),
    (
        "log-type",
        "Log type",
        InputKind::Choice,
        Some("None"),
        &["None", "Tail"],
        false,
        "Tail returns and prints the last 4 KB of the function's log (RequestResponse only).",
    ),
    (
        "qualifier",
        "Qualifier",
        InputKind::Text,
        None,
        &[],
        false,
        "A version or alias to invoke; must agree with a qualifier in the function name.",
    ),
    (
        "client-context",
        "Client context",
        InputKind::Json,
        None,
        &[],
        false,
        "A JSON object passed to the function as context.clientContext; at most 3,583 bytes once base64-encoded.",
    ),
    (
        "region",
        "AWS region",
        InputKind::Text,
        None,
        &[],
        false,
        "The region, e.g. us-east-1. Else task variable AWS.Region, AWS_REGION, AWS_DEFAULT_REGION, the profile, instance metadata.",
    ),
    (
        "access-key-id",
        "Access key id",
        InputKind::Text,
        None,
        &[],
        false,
        "The service connection's access key id. Else task variables, the environment, shared config files, container or instance credentials.",
    ),
    (
        "secret-access-key",
        "Secret access key",
        InputKind::Secret,
        None,
        &[],
        false,
        "The service connection's secret access key; define it together with the access key id.",
    ),
    (
        "session-token",
        "Session token",
        InputKind::Secret,
        None,
        &[],
        false,
        "The session token of temporary keys.",
    ),
    (
        "role-arn",
        "Role to assume",
        InputKind::Text,
        None,
        &[],
        false,
        "A role ARN to assume with the credentials (STS AssumeRole), or with OIDC (AssumeRoleWithWebIdentity).",
    ),
    (
        "external-id",
        "External id",
        InputKind::Text,
        None,
        &[],
        false,
        "The external id the role's trust policy requires.",
    ),
    (
        "role-session-name",
        "Role session name",
        InputKind::Text,
        Some("aws-vsts-tools"),
        &[],
        false,
        "The session name of the assumed role.",
    ),
    (
        "role-duration-seconds",
        "Role credential duration",
        InputKind::Integer,
        Some("900"),
        &[],
        false,
        "900 to 43200 seconds. Else task variable aws.rolecredential.maxduration.",
    ),
    (
        "use-oidc",
        "Use OIDC",
        InputKind::Boolean,
        Some("false"),
        &[],
        false,
        "Exchange the pipeline's OIDC token (task variable AWS.WebIdentityToken) for the role's credentials.",
    ),
    (
        "endpoint-url",
        "Endpoint URL",
        InputKind::Text,
        None,
        &[],
        false,
        "An endpoint instead of the regional Lambda endpoint, e.g. an emulator. Else AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL.",
    ),
    (
        "output-variable",
        "Output variable",
        InputKind::Text,
        None,
        &[],
        false,
        "The variable that receives the function's payload, for later steps.",
    ),
    (
        "fail-on-function-error",
        "Fail on function error",
        InputKind::Boolean,
        Some("true"),
        &[],
        false,
        "Whether a function error fails the step. The payload and log are returned either way.",
    ),
    (
        "check-function-exists",
        "Check the function first",
        InputKind::Boolean,
        Some("false"),
        &[],
        false,
        "Call GetFunctionConfiguration first, so a missing function or permission is reported as such.",
    ),
    (
        "max-attempts",
        "Maximum attempts",
        InputKind::Integer,
        Some("3"),
        &[],
        false,
        "Attempts per AWS call for throttling, 5xx and connection failures. A synchronous invoke is never sent twice once it may have arrived.",
    ),
    (
        "read-timeout-ms",
        "Read timeout (ms)",
        InputKind::Integer,
        None,
        &[],
        false,
        "How long to wait for the invocation's answer; by default the function's timeout plus a margin (RequestResponse) or 60 s (Event, DryRun).",
    ),
    (
        "http-log",
        "HTTP log",
        InputKind::Choice,
        Some("off"),
        &["off", "headers", "bodies"],
        false,
        "Log each request and response at debug level, secrets and signatures redacted.",
    ),
];

const PERMISSIONS: &[&str] = &[
    "lambda:InvokeFunction",
    "lambda:GetFunctionConfiguration",
    "sts:AssumeRole",
    "sts:AssumeRoleWithWebIdentity",
];

/// The task's description.
pub fn describe() -> TaskDescription {
    TaskDescription {
        name: "lambda-invoke".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        summary: "Invokes an AWS Lambda function with a JSON payload.".to_owned(),
        inputs: INPUTS
            .iter()
            .map(
                |&(name, label, kind, default, allowed, required, help)| InputDescription {
                    name: name.to_owned(),
                    label: label.to_owned(),
                    kind,
                    default_value: default.map(str::to_owned),
                    allowed_values: allowed.iter().map(|v| (*v).to_owned()).collect(),
                    required,
                    help: help.to_owned(),
                },
            )
            .collect(),
        permissions: PERMISSIONS.iter().map(|p| (*p).to_owned()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_field_is_described_once_with_a_consistent_default() {
        let d = describe();
        let names: Vec<&str> = d.inputs.iter().map(|i| i.name.as_str()).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "duplicate input names: {names:?}");
        for input in &d.inputs {
            assert!(
                !input.help.is_empty() && !input.label.is_empty(),
                "{}",
                input.name
            );
            if input.kind == InputKind::Choice {
                let default = input.default_value.as_deref().expect("a choice has a default");
                assert!(
                    input.allowed_values.iter().any(|v| v == default),
                    "{}",
                    input.name
                );
            } else {
                assert!(input.allowed_values.is_empty(), "{}", input.name);
            }
        }
        assert_eq!(d.inputs.iter().filter(|i| i.required).count(), 1);
    }
}
