//! Source 2: web identity / OIDC (STS `AssumeRoleWithWebIdentity`, unsigned).
//!
//! Configured by the service connection (`use-oidc`, with its role; the host hands the pipeline's
//! OIDC token over as the task variable `AWS.WebIdentityToken`), or by the environment
//! (`AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`, `AWS_ROLE_SESSION_NAME` optional), as on
//! EKS and GitHub Actions.

use super::assume_role::{DEFAULT_SESSION_NAME, RoleRequest};
use super::{Context, Credentials, SourceError, sts};
use crate::environment::FileError;
use crate::host::Host;
use alloc::{
    borrow::ToOwned,
    format,
    string::{String, ToString},
    vec,
};

/// The task variable through which a host hands over the pipeline's OIDC token.
pub const TOKEN_VARIABLE: &str = "AWS.WebIdentityToken";

/// Exchanges a web identity token for the role's credentials.
pub(crate) fn provide(host: &mut dyn Host, context: &Context<'_>) -> Result<Credentials, SourceError> {
    let (request, token, origin) = if let Some(connection) = context.connection.filter(|c| c.use_oidc) {
        let role = connection.assume_role.as_ref().ok_or_else(|| {
            SourceError::Broken(
                "the service connection uses OIDC but names no role: set the role ARN to assume".to_owned(),
            )
        })?;
        let request = RoleRequest::from_input(host, role)?;
        let token = host.non_empty_variable(TOKEN_VARIABLE).ok_or_else(|| {
            SourceError::Broken(format!(
                "the service connection uses OIDC but the host gave no token in task variable {TOKEN_VARIABLE}"
            ))
        })?;
        (request, token, "the service connection (OIDC)".to_owned())
    } else {
        let file = host.non_empty_env("AWS_WEB_IDENTITY_TOKEN_FILE");
        let role_arn = host.non_empty_env("AWS_ROLE_ARN");
        let (file, role_arn) = match (file, role_arn) {
            (Some(file), Some(role_arn)) => (file, role_arn),
            (Some(_), None) => {
                return Err(SourceError::Broken(
                    "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not: set the role to assume, or unset the token file"
                        .to_owned(),
                ));
            }
            (None, _) => return Err(SourceError::NotConfigured(None)),
        };
        let token = match host.read_file(file.trim()) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_owned(),
            Err(error) => {
                return Err(SourceError::Broken(format!(
                    "cannot read the web identity token file {} (AWS_WEB_IDENTITY_TOKEN_FILE): {}",
                    file.trim(),
                    describe_file_error(&error)
                )));
            }
        };
        let request = RoleRequest {
            role_arn: role_arn.trim().to_owned(),
            external_id: None,
            session_name: host
                .non_empty_env("AWS_ROLE_SESSION_NAME")
                .map(|s| s.trim().to_owned()),
            duration_seconds: 0,
        };
        (
            request,
            token,
            "environment variables AWS_WEB_IDENTITY_TOKEN_FILE/AWS_ROLE_ARN".to_owned(),
        )
    };
    host.register_secret(&token);
    if token.is_empty() {
        return Err(SourceError::Broken(format!(
            "{origin}: the web identity token is empty"
        )));
    }
    request.validate()?;
    let session = request.session_name.as_deref().unwrap_or(DEFAULT_SESSION_NAME);
    let duration = request.duration_seconds.to_string();
    let mut params = vec![
        ("RoleArn", request.role_arn.as_str()),
        ("RoleSessionName", session),
        ("WebIdentityToken", token.as_str()),
    ];
    if request.duration_seconds != 0 {
        params.push(("DurationSeconds", duration.as_str()));
    }
    host.info(&format!(
        "Assuming role {} with a web identity token from {origin}",
        request.role_arn
    ));
    let name = format!(
        "role {} assumed with a web identity token from {origin}",
        request.role_arn
    );
    sts::credentials(
        host,
        context.region,
        "AssumeRoleWithWebIdentity",
        &params,
        None,
        &name,
    )
}

/// A file error in words, with what to do.
pub(crate) fn describe_file_error(error: &FileError) -> String {
    match error {
        FileError::Denied(why) => format!("the host does not allow reading it ({why})"),
        FileError::NotFound => "it does not exist".to_owned(),
        FileError::Io(why) => why.clone(),
        FileError::TooLarge(limit) => format!("it is larger than the {limit}-byte limit"),
    }
}
