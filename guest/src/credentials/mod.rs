//! Credentials: a chain of sources, the first configured source wins.
//!
//! The order is stated once, in [`resolve`] (after smithy-rs `aws-config`'s default chain and the
//! original task's documented order):
//!
//! 1. the step's service connection (static keys, optionally followed by AssumeRole);
//! 2. web identity / OIDC (the connection's `use-oidc`, or `AWS_WEB_IDENTITY_TOKEN_FILE` and
//!    `AWS_ROLE_ARN`);
//! 3. task variables `AWS.AccessKeyID`/`AWS.SecretAccessKey`/`AWS.SessionToken` (optionally
//!    followed by AssumeRole of `AWS.AssumeRoleArn`);
//! 4. environment variables `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`;
//! 5. the shared config and credentials files (`AWS_PROFILE`; static keys, `role_arn` +
//!    `source_profile`);
//! 6. container credentials (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`/`_FULL_URI`);
//! 7. EC2 instance metadata (IMDSv2, falling back to v1).
//!
//! Each source answers in one of three ways: it is not configured here (the chain moves on), it
//! is configured but broken (the chain stops with a message naming the source and the fix), or it
//! yields credentials. A secret is registered with the host as a secret the moment it is read,
//! before anything can print it. A service connection with a role but no keys assumes the role
//! with the credentials of the rest of the chain.

mod assume_role;
mod container;
mod environment;
pub mod imds;
pub mod profile;
mod static_keys;
mod sts;
mod task_variables;
mod web_identity;

use alloc::{borrow::ToOwned, format, string::String, vec::Vec};
use core::fmt;

use crate::host::Host;
use crate::types::{ServiceConnection, TaskError};

pub use assume_role::RoleRequest;

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

/// What a source found, when it found no credentials.
#[derive(Debug)]
pub(crate) enum SourceError {
    /// The source is not configured here: try the next one. The text, if any, says why (it
    /// ends up in the "not found" message).
    NotConfigured(Option<String>),
    /// The source is configured but unusable: stop, and say why.
    Broken(String),
    /// The source failed with a typed error (e.g. a refused or failed request): stop with it.
    Task(TaskError),
}

impl From<TaskError> for SourceError {
    fn from(error: TaskError) -> Self {
        SourceError::Task(error)
    }
}

/// What the sources need besides the host.
pub(crate) struct Context<'a> {
    /// The region, for STS.
    pub region: &'a str,
    /// The step's service connection.
    pub connection: Option<&'a ServiceConnection>,
    /// The run's session with instance metadata, shared with the region's lookup.
    pub imds: &'a imds::Kept,
}

#[cfg(test)]
impl Context<'static> {
    /// A context for a source's unit tests: no service connection, an IMDS session of its own.
    pub(crate) fn for_test(region: &'static str) -> Self {
        Context {
            region,
            connection: None,
            imds: alloc::boxed::Box::leak(alloc::boxed::Box::default()),
        }
    }
}

/// One source of the chain.
type Source = fn(&mut dyn Host, &Context<'_>) -> Result<Credentials, SourceError>;

/// The chain, in order, with each source's name for the "not found" message.
const CHAIN: [(&str, Source); 7] = [
    ("the service connection", static_keys::provide),
    ("web identity (OIDC)", web_identity::provide),
    (
        "task variables AWS.AccessKeyID/AWS.SecretAccessKey",
        task_variables::provide,
    ),
    (
        "environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
        environment::provide,
    ),
    ("the shared config and credentials files", profile::provide),
    ("container credentials", container::provide),
    ("EC2 instance metadata", imds::provide),
];

/// Resolves credentials for calls in `region`.
pub fn resolve(
    host: &mut dyn Host,
    region: &str,
    connection: Option<&ServiceConnection>,
    imds: &imds::Kept,
) -> Result<Credentials, TaskError> {
    let context = Context {
        region,
        connection,
        imds,
    };
    // A connection with a role and no keys (and no OIDC): the role is assumed with the rest of
    // the chain's credentials.
    let role_on_chain = connection
        .filter(|c| c.access_key_id.trim().is_empty() && c.secret_access_key.trim().is_empty() && !c.use_oidc)
        .and_then(|c| c.assume_role.as_ref());
    let base = walk(host, &context)?;
    match role_on_chain {
        Some(role) => {
            let request = RoleRequest::from_input(host, role)?;
            assume_role::assume(host, region, &base, &request).map_err(into_task_error)
        }
        None => Ok(base),
    }
}

fn walk(host: &mut dyn Host, context: &Context<'_>) -> Result<Credentials, TaskError> {
    let mut notes = Vec::new();
    for (name, source) in CHAIN {
        match source(host, context) {
            Ok(credentials) => return Ok(credentials),
            Err(SourceError::NotConfigured(note)) => {
                if let Some(note) = note {
                    notes.push(format!("{name}: {note}"));
                }
            }
            Err(error) => return Err(into_task_error(error)),
        }
    }
    let looked_at: Vec<&str> = CHAIN.iter().map(|(name, _)| *name).collect();
    let mut message = format!(
        "no AWS credentials found; looked at {}: configure one of them",
        looked_at.join(", ")
    );
    if !notes.is_empty() {
        message.push_str(&format!(" ({})", notes.join("; ")));
    }
    Err(TaskError::CredentialsNotFound(message))
}

fn into_task_error(error: SourceError) -> TaskError {
    match error {
        SourceError::NotConfigured(note) => TaskError::CredentialsNotFound(note.unwrap_or_default()),
        SourceError::Broken(why) => TaskError::CredentialsInvalid(why),
        SourceError::Task(error) => error,
    }
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
        (None, None) if session_token.is_none() => Err(SourceError::NotConfigured(None)),
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

/// Reads the credentials JSON of the container and instance metadata services
/// (`AccessKeyId`, `SecretAccessKey`, `Token`), registering the secrets.
pub(crate) fn from_json(host: &mut dyn Host, source: &str, body: &[u8]) -> Result<Credentials, SourceError> {
    let fields = crate::json::Fields::of(body);
    let credentials = from_keys(
        host,
        source,
        ["AccessKeyId", "SecretAccessKey"],
        fields.string(&["AccessKeyId"]),
        fields.string(&["SecretAccessKey"]),
        fields.string(&["Token"]),
    );
    match credentials {
        Err(SourceError::NotConfigured(_)) => Err(SourceError::Broken(format!(
            "{source}: the answer has no AccessKeyId and SecretAccessKey"
        ))),
        other => other,
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
            assume_role: None,
            use_oidc: false,
        }
    }

    /// [`resolve`] in us-east-1, as the first step of a run (no IMDS session yet).
    fn resolve_in_new_run(
        host: &mut FakeHost,
        connection: Option<&ServiceConnection>,
    ) -> Result<Credentials, TaskError> {
        resolve(host, "us-east-1", connection, &imds::Kept::default())
    }

    fn everywhere() -> FakeHost {
        FakeHost::default()
            .with_env("AWS_EC2_METADATA_DISABLED", "true")
            .with_var("AWS.AccessKeyID", "AKIDVARIABLES")
            .with_var("AWS.SecretAccessKey", "secret-from-variables")
            .with_var("AWS.SessionToken", "token-from-variables")
            .with_env("AWS_ACCESS_KEY_ID", "AKIDENVIRONMENT")
            .with_env("AWS_SECRET_ACCESS_KEY", "secret-from-environment")
    }

    #[test]
    fn first_configured_source_wins() {
        let mut host = everywhere();
        let c = resolve_in_new_run(
            &mut host,
            Some(&connection("AKIDINPUT", "secret-from-input", None)),
        )
        .unwrap();
        assert_eq!((c.access_key_id.as_str(), c.session_token), ("AKIDINPUT", None));
        assert_eq!(host.secrets, ["secret-from-input"]);

        let mut host = everywhere();
        let c = resolve_in_new_run(&mut host, Some(&connection("", " ", None))).unwrap();
        assert_eq!(c.access_key_id, "AKIDVARIABLES");
        assert_eq!(c.session_token.as_deref(), Some("token-from-variables"));
        assert_eq!(host.secrets, ["secret-from-variables", "token-from-variables"]);

        let mut host = everywhere();
        host.vars.clear();
        let c = resolve_in_new_run(&mut host, None).unwrap();
        assert_eq!(c.access_key_id, "AKIDENVIRONMENT");
        assert!(c.source.contains("AWS_ACCESS_KEY_ID"), "{}", c.source);
    }

    #[test]
    fn a_half_configured_source_stops_the_chain() {
        let mut host = everywhere();
        match resolve_in_new_run(&mut host, Some(&connection("AKIDINPUT", "", None))) {
            Err(TaskError::CredentialsInvalid(m)) => assert!(m.contains("define or omit both"), "{m}"),
            other => panic!("{other:?}"),
        }
        let mut host = everywhere().with_var("AWS.AccessKeyID", "");
        match resolve_in_new_run(&mut host, None) {
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
        assert!(host.secrets.contains(&"secret-from-variables".to_owned()));
    }

    #[test]
    fn nothing_configured_lists_what_was_looked_at() {
        let mut host = FakeHost::default().with_env("AWS_EC2_METADATA_DISABLED", "true");
        match resolve_in_new_run(&mut host, None) {
            Err(TaskError::CredentialsNotFound(m)) => {
                for source in [
                    "service connection",
                    "AWS.AccessKeyID",
                    "AWS_ACCESS_KEY_ID",
                    "config",
                    "container",
                    "instance metadata",
                ] {
                    assert!(m.contains(source), "{m}");
                }
                assert!(m.contains("AWS_EC2_METADATA_DISABLED"), "{m}");
            }
            other => panic!("{other:?}"),
        }
        assert!(host.requests.is_empty());
    }

    #[test]
    fn debug_never_shows_secrets() {
        let mut host = everywhere();
        let c = resolve_in_new_run(&mut host, None).unwrap();
        let shown = format!("{c:?}");
        assert!(
            shown.contains("** redacted **")
                && !shown.contains("secret-from")
                && !shown.contains("token-from"),
            "{shown}"
        );
    }
}
