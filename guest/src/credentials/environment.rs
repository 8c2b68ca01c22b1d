//! Source 4: the environment variables `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`.

use super::{Context, Credentials, SourceError, from_keys};
use crate::host::Host;

/// The source's name in messages.
pub(crate) const SOURCE: &str = "environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY";

/// Reads the keys from the (host-filtered) environment.
pub(crate) fn provide(host: &mut dyn Host, _: &Context<'_>) -> Result<Credentials, SourceError> {
    let id = host.env("AWS_ACCESS_KEY_ID");
    let secret = host.env("AWS_SECRET_ACCESS_KEY");
    let token = host.env("AWS_SESSION_TOKEN");
    from_keys(
        host,
        SOURCE,
        ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
        id,
        secret,
        token,
    )
}
