//! Credentials: a chain of sources, first configured source wins.
//!
//! The order is stated once, in [`resolve`]. Each source answers in one of three ways: it is not
//! configured here (the chain moves on), it is configured but broken (the chain stops with a
//! message naming the source and the fix), or it yields credentials. A secret is registered with
//! the host as a secret the moment it is read, before anything can print it.

mod environment;
mod static_keys;
mod task_variables;

use std::fmt;

use crate::host::Host;
use crate::types::{ServiceConnection, TaskError};

/// AWS credentials and where they came from. `Debug` never shows the secret or the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// The session token of temporary credentials.
    pub session_token: Option<String>,
    /// The source, for messages: e.g. `environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY`.
    pub source: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
            .field("source", &self.source)
            .finish()
    }
}

/// What a source found.
#[derive(Debug)]
pub(crate) enum SourceError {
    /// The source is not configured here: try the next one.
    NotConfigured,
    /// The source is configured but unusable: stop, and say why.
    Broken(String),
}

/// One source of the chain: reads what it needs from the host.
type Source<'a> = dyn Fn(&mut dyn Host) -> Result<Credentials, SourceError> + 'a;

/// Resolves credentials: the step's service connection, then task variables, then the
/// environment.
pub fn resolve(
    host: &mut dyn Host,
    service_connection: Option<&ServiceConnection>,
) -> Result<Credentials, TaskError> {
    let sources: [(&str, &Source<'_>); 3] = [
        (static_keys::SOURCE, &|host| {
            static_keys::provide(host, service_connection)
        }),
        (task_variables::SOURCE, &task_variables::provide),
        (environment::SOURCE, &environment::provide),
    ];
    for (_, source) in &sources {
        match source(host) {
            Ok(credentials) => return Ok(credentials),
            Err(SourceError::NotConfigured) => {}
            Err(SourceError::Broken(why)) => return Err(TaskError::CredentialsInvalid(why)),
        }
    }
    let looked_at: Vec<&str> = sources.iter().map(|(name, _)| *name).collect();
    Err(TaskError::CredentialsNotFound(format!(
        "no AWS credentials found; looked at {}: configure one of them",
        looked_at.join(", ")
    )))
}

/// Builds credentials from a key id, a secret and an optional token read from one source,
/// registering the secrets first. Exactly one of key id and secret is a broken source.
pub(crate) fn from_keys(
    host: &mut dyn Host,
    source: &str,
    names: [&str; 2],
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    session_token: Option<String>,
) -> Result<Credentials, SourceError> {
    let non_empty = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let (access_key_id, secret_access_key, session_token) = (
        non_empty(access_key_id),
        non_empty(secret_access_key),
        non_empty(session_token),
    );
    for secret in secret_access_key.iter().chain(&session_token) {
        host.register_secret(secret);
    }
    match (access_key_id, secret_access_key) {
        (Some(access_key_id), Some(secret_access_key)) => {
            if let Some(bad) = access_key_id.chars().find(|c| !c.is_ascii_alphanumeric()) {
                return Err(SourceError::Broken(format!(
                    "{source}: the access key id {} contains {}: an access key id has only \
                     letters and digits",
                    names[0],
                    crate::json::show_char(bad)
                )));
            }
            Ok(Credentials {
                access_key_id,
                secret_access_key,
                session_token,
                source: source.to_owned(),
            })
        }
        (None, None) if session_token.is_none() => Err(SourceError::NotConfigured),
        (None, None) => Err(SourceError::Broken(format!(
            "{source}: a session token is set without {} and {}: define all of them or none",
            names[0], names[1]
        ))),
        (Some(_), None) => Err(SourceError::Broken(format!(
            "{source}: {} is set but {} is not: define or omit both",
            names[0], names[1]
        ))),
        (None, Some(_)) => Err(SourceError::Broken(format!(
            "{source}: {} is set but {} is not: define or omit both",
            names[1], names[0]
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::testing::FakeHost;

    fn connection(id: &str, secret: &str, token: Option<&str>) -> ServiceConnection {
        ServiceConnection {
            access_key_id: id.to_owned(),
            secret_access_key: secret.to_owned(),
            session_token: token.map(str::to_owned),
        }
    }

    fn everywhere() -> FakeHost {
        FakeHost::default()
            .with_var("AWS.AccessKeyID", "AKIDVARIABLES")
            .with_var("AWS.SecretAccessKey", "secret-from-variables")
            .with_var("AWS.SessionToken", "token-from-variables")
            .with_env("AWS_ACCESS_KEY_ID", "AKIDENVIRONMENT")
            .with_env("AWS_SECRET_ACCESS_KEY", "secret-from-environment")
    }

    #[test]
    fn first_configured_source_wins() {
        let mut host = everywhere();
        let c = resolve(
            &mut host,
            Some(&connection("AKIDINPUT", "secret-from-input", None)),
        )
        .unwrap();
        assert_eq!((c.access_key_id.as_str(), c.session_token), ("AKIDINPUT", None));
        assert_eq!(host.secrets, ["secret-from-input"]);

        let mut host = everywhere();
        let c = resolve(&mut host, Some(&connection("", " ", None))).unwrap();
        assert_eq!(c.access_key_id, "AKIDVARIABLES");
        assert_eq!(c.session_token.as_deref(), Some("token-from-variables"));
        assert_eq!(host.secrets, ["secret-from-variables", "token-from-variables"]);

        let mut host = everywhere();
        host.vars.clear();
        let c = resolve(&mut host, None).unwrap();
        assert_eq!(c.access_key_id, "AKIDENVIRONMENT");
        assert!(c.source.contains("AWS_ACCESS_KEY_ID"), "{}", c.source);
    }

    #[test]
    fn a_half_configured_source_stops_the_chain() {
        let mut host = everywhere();
        match resolve(&mut host, Some(&connection("AKIDINPUT", "", None))) {
            Err(TaskError::CredentialsInvalid(m)) => assert!(m.contains("define or omit both"), "{m}"),
            other => panic!("{other:?}"),
        }
        let mut host = everywhere().with_var("AWS.AccessKeyID", "");
        match resolve(&mut host, None) {
            Err(TaskError::CredentialsInvalid(m)) => {
                assert!(
                    m.contains("AWS.SecretAccessKey is set but AWS.AccessKeyID is not"),
                    "{m}"
                );
                assert!(
                    !m.contains("secret-from-variables"),
                    "the message leaks the secret: {m}"
                );
            }
            other => panic!("{other:?}"),
        }
        // The secret was registered even though the source is broken.
        assert!(host.secrets.contains(&"secret-from-variables".to_owned()));
    }

    #[test]
    fn nothing_configured_lists_what_was_looked_at() {
        match resolve(&mut FakeHost::default(), None) {
            Err(TaskError::CredentialsNotFound(m)) => {
                for source in ["service connection", "AWS.AccessKeyID", "AWS_ACCESS_KEY_ID"] {
                    assert!(m.contains(source), "{m}");
                }
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn debug_never_shows_secrets() {
        let mut host = everywhere();
        let c = resolve(&mut host, None).unwrap();
        let shown = format!("{c:?}");
        assert!(
            shown.contains("** redacted **")
                && !shown.contains("secret-from")
                && !shown.contains("token-from"),
            "{shown}"
        );
    }
}
