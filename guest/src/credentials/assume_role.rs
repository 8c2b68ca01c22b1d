//! AssumeRole on top of another source's credentials (STS `AssumeRole`), as the original task
//! does: session name `aws-vsts-tools` by default; duration from the input, else the task
//! variable `aws.rolecredential.maxduration`, else 900 s, and 900 s with a warning when out of
//! the 900–43200 range STS accepts.

use super::{Credentials, SourceError, sts};
use crate::host::Host;
use crate::task::invalid_input;
use crate::types::{AssumeRole, TaskError};
use alloc::{
    borrow::ToOwned,
    format,
    string::{String, ToString},
    vec,
    vec::Vec,
};

/// The session name when none is given (the original task's).
pub const DEFAULT_SESSION_NAME: &str = "aws-vsts-tools";
/// The shortest and longest role sessions STS grants.
const DURATION_RANGE: core::ops::RangeInclusive<u32> = 900..=43_200;

/// A role to assume, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRequest {
    /// The role's ARN.
    pub role_arn: String,
    /// The external id, if any.
    pub external_id: Option<String>,
    /// The session name, if given.
    pub session_name: Option<String>,
    /// The session's duration.
    pub duration_seconds: u32,
}

impl RoleRequest {
    /// The role of the `assume-role` input.
    pub(crate) fn from_input(host: &mut dyn Host, role: &AssumeRole) -> Result<Self, TaskError> {
        let non_empty = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Ok(RoleRequest {
            role_arn: role.role_arn.trim().to_owned(),
            external_id: non_empty(&role.external_id),
            session_name: non_empty(&role.session_name),
            duration_seconds: duration(host, role.duration_seconds),
        })
    }

    /// Checks the ARN and session name before anything is sent.
    pub(crate) fn validate(&self) -> Result<(), TaskError> {
        if !is_role_arn(&self.role_arn) {
            return Err(invalid_input(
                "role-arn",
                format!(
                    "role ARN \"{}\" is invalid: use arn:PARTITION:iam::ACCOUNT:role/NAME, \
                     e.g. arn:aws:iam::123456789012:role/deploy",
                    self.role_arn
                ),
            ));
        }
        if let Some(name) = &self.session_name
            && !is_session_name(name)
        {
            return Err(invalid_input(
                "role-session-name",
                format!(
                    "role session name \"{name}\" is invalid: use 2 to 64 letters, digits or any of _+=,.@-"
                ),
            ));
        }
        Ok(())
    }
}

/// The session duration: `input`, else task variable `aws.rolecredential.maxduration`, else
/// 900; out of range → a warning and 900.
pub(crate) fn duration(host: &mut dyn Host, input: Option<u32>) -> u32 {
    let (value, source) = match input {
        Some(seconds) => (Some(seconds.to_string()), "the role duration input"),
        None => (
            host.non_empty_variable("aws.rolecredential.maxduration"),
            "task variable aws.rolecredential.maxduration",
        ),
    };
    let Some(value) = value else {
        return *DURATION_RANGE.start();
    };
    match value.trim().parse::<u32>() {
        Ok(seconds) if DURATION_RANGE.contains(&seconds) => seconds,
        _ => {
            host.warn(&format!(
                "the role duration \"{}\" from {source} is not a number of seconds from 900 to 43200; using 900",
                value.trim()
            ));
            *DURATION_RANGE.start()
        }
    }
}

/// Assumes `request.role_arn` with `source` credentials.
pub(crate) fn assume(
    host: &mut dyn Host,
    region: &str,
    source: &Credentials,
    request: &RoleRequest,
) -> Result<Credentials, SourceError> {
    request.validate()?;
    let duration = request.duration_seconds.to_string();
    let session = request.session_name.as_deref().unwrap_or(DEFAULT_SESSION_NAME);
    let mut params = vec![
        ("RoleArn", request.role_arn.as_str()),
        ("RoleSessionName", session),
        ("DurationSeconds", duration.as_str()),
    ];
    if let Some(external_id) = &request.external_id {
        params.push(("ExternalId", external_id));
    }
    let name = format!("role {} assumed with {}", request.role_arn, source.source);
    host.info(&format!(
        "Assuming role {} with credentials from {}",
        request.role_arn, source.source
    ));
    sts::credentials(host, region, "AssumeRole", &params, Some(source), &name)
}

fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, "iam", "", account, resource]
        if partition.starts_with("aws")
            && account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit())
            && resource.strip_prefix("role/").is_some_and(|name| !name.is_empty()))
}

fn is_session_name(name: &str) -> bool {
    (2..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::testing::FakeHost;

    #[test]
    fn duration_rules() {
        let mut host = FakeHost::default();
        assert_eq!(duration(&mut host, None), 900);
        assert_eq!(duration(&mut host, Some(3600)), 3600);
        assert_eq!(duration(&mut host, Some(60)), 900);
        assert!(host.log_text().contains("using 900"), "{}", host.log_text());
        let mut host = FakeHost::default().with_var("aws.rolecredential.maxduration", "7200");
        assert_eq!(duration(&mut host, None), 7200);
        assert_eq!(duration(&mut host, Some(1000)), 1000, "the input wins");
        let mut host = FakeHost::default().with_var("aws.rolecredential.maxduration", "forever");
        assert_eq!(duration(&mut host, None), 900);
        assert!(host.log_text().contains("aws.rolecredential.maxduration"));
    }

    #[test]
    fn role_arns_and_session_names() {
        assert!(is_role_arn("arn:aws:iam::123456789012:role/deploy"));
        assert!(is_role_arn("arn:aws-cn:iam::123456789012:role/path/to/role"));
        for bad in [
            "deploy",
            "arn:aws:iam::123:role/x",
            "arn:aws:iam::123456789012:user/x",
            "arn:aws:sts::123456789012:role/x",
            "arn:aws:iam::123456789012:role/",
        ] {
            assert!(!is_role_arn(bad), "{bad}");
        }
        assert!(is_session_name("aws-vsts-tools") && is_session_name("a@b.c"));
        assert!(!is_session_name("x") && !is_session_name("has space"));
    }
}
