//! Source 2: the task variables `AWS.AccessKeyID`, `AWS.SecretAccessKey`, `AWS.SessionToken`.

use super::{Credentials, SourceError, from_keys};
use crate::host::Host;

/// The source's name in messages.
pub(crate) const SOURCE: &str = "task variables AWS.AccessKeyID/AWS.SecretAccessKey";

/// Reads the keys from task variables.
pub(crate) fn provide(host: &mut dyn Host) -> Result<Credentials, SourceError> {
    let id = host.variable("AWS.AccessKeyID");
    let secret = host.variable("AWS.SecretAccessKey");
    let token = host.variable("AWS.SessionToken");
    from_keys(
        host,
        SOURCE,
        ["AWS.AccessKeyID", "AWS.SecretAccessKey"],
        id,
        secret,
        token,
    )
}
