//! Source 3: the task variables `AWS.AccessKeyID`, `AWS.SecretAccessKey`, `AWS.SessionToken`,
//! optionally followed by AssumeRole of `AWS.AssumeRoleArn` (`AWS.ExternalId`,
//! `AWS.RoleSessionName`).

use super::assume_role::{self, RoleRequest};
use super::{Context, Credentials, SourceError, from_keys};
use crate::host::Host;
use alloc::borrow::ToOwned;

/// The source's name in messages.
pub(crate) const SOURCE: &str = "task variables AWS.AccessKeyID/AWS.SecretAccessKey";

/// Reads the keys from task variables.
pub(crate) fn provide(host: &mut dyn Host, context: &Context<'_>) -> Result<Credentials, SourceError> {
    let id = host.variable("AWS.AccessKeyID");
    let secret = host.variable("AWS.SecretAccessKey");
    let token = host.variable("AWS.SessionToken");
    let role_arn = host.non_empty_variable("AWS.AssumeRoleArn");
    let keys = match from_keys(
        host,
        SOURCE,
        ["AWS.AccessKeyID", "AWS.SecretAccessKey"],
        id,
        secret,
        token,
    ) {
        // A role with no keys to assume it with is a configured source that cannot work:
        // say so instead of moving on to another source.
        Err(SourceError::NotConfigured(_)) if role_arn.is_some() => {
            return Err(SourceError::Broken(
                "task variable AWS.AssumeRoleArn is set, but AWS.AccessKeyID and \
                 AWS.SecretAccessKey are not: define them (the role is assumed with them), \
                 or remove AWS.AssumeRoleArn"
                    .to_owned(),
            ));
        }
        keys => keys?,
    };
    match role_arn {
        Some(role_arn) => {
            let request = RoleRequest {
                role_arn: role_arn.trim().to_owned(),
                external_id: host.non_empty_variable("AWS.ExternalId"),
                session_name: host.non_empty_variable("AWS.RoleSessionName"),
                duration_seconds: assume_role::duration(host, None),
            };
            assume_role::assume(host, context.region, &keys, &request)
        }
        None => Ok(keys),
    }
}
