//! Source 1: the keys of the step's service connection, optionally followed by AssumeRole.

use super::assume_role::{self, RoleRequest};
use super::{Context, Credentials, SourceError, from_keys};
use crate::host::Host;

/// The source's name in messages.
pub(crate) const SOURCE: &str = "the service connection";

/// Reads the service connection's keys (and assumes its role with them); an absent or keyless
/// connection is not configured here.
pub(crate) fn provide(host: &mut dyn Host, context: &Context<'_>) -> Result<Credentials, SourceError> {
    let Some(connection) = context.connection.filter(|c| !c.use_oidc) else {
        return Err(SourceError::NotConfigured(None));
    };
    let keys = from_keys(
        host,
        SOURCE,
        ["the access key id", "the secret access key"],
        Some(connection.access_key_id.clone()),
        Some(connection.secret_access_key.clone()),
        connection.session_token.clone(),
    )?;
    match &connection.assume_role {
        Some(role) => {
            let request = RoleRequest::from_input(host, role)?;
            assume_role::assume(host, context.region, &keys, &request)
        }
        None => Ok(keys),
    }
}
