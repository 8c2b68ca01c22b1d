//! Source 1: the keys of the step's service connection (the `credentials` input).

use super::{Credentials, SourceError, from_keys};
use crate::host::Host;

/// The source's name in messages.
pub(crate) const SOURCE: &str = "the service connection";
use crate::types::ServiceConnection;

/// Reads the service connection's keys; an absent or empty connection is not configured.
pub(crate) fn provide(
    host: &mut dyn Host,
    connection: Option<&ServiceConnection>,
) -> Result<Credentials, SourceError> {
    let Some(connection) = connection else {
        return Err(SourceError::NotConfigured);
    };
    from_keys(
        host,
        SOURCE,
        ["the access key id", "the secret access key"],
        Some(connection.access_key_id.clone()),
        Some(connection.secret_access_key.clone()),
        connection.session_token.clone(),
    )
}
