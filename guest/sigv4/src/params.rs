//! What the signer is given: the request, the credentials, where and when to sign, and the few
//! settings that differ between services.

use core::fmt;

use crate::time::SigningTime;

/// AWS credentials, borrowed for the time of one signature.
///
/// `Debug` never shows the secret access key or the session token.
#[derive(Clone, Copy)]
pub struct Credentials<'a> {
    /// The access key id (`AKIA...`, `ASIA...`), sent in clear in the `Authorization` header.
    pub access_key_id: &'a str,
    /// The secret access key; it only ever enters the signing key derivation.
    pub secret_access_key: &'a str,
    /// The session token of temporary credentials, sent as `X-Amz-Security-Token`.
    pub session_token: Option<&'a str>,
}

impl fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &Redacted)
            .field("session_token", &self.session_token.map(|_| Redacted))
            .finish()
    }
}

/// Stands in for a secret in `Debug` output.
struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}

/// Whether the session token is part of the signature.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionTokenMode {
    /// Sign `x-amz-security-token` like any other header: what almost every service expects.
    #[default]
    Include,
    /// Add `X-Amz-Security-Token` to the request but leave it out of the signature, for the few
    /// services that expect that (the test suite's `omit_session_token`).
    AddAfterSigning,
}

/// The settings that differ between services. The default suits every service but S3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigningSettings {
    /// Remove `.` and `..` segments and repeated slashes from the path before signing
    /// (RFC 3986 section 5.2.4). Default: `true`; S3 wants `false`.
    pub normalize_path: bool,
    /// Add and sign an `x-amz-content-sha256` header holding the payload hash. Default: `false`;
    /// S3 wants `true`.
    pub sign_body: bool,
    /// Whether the session token is signed. Default: [`SessionTokenMode::Include`].
    pub session_token_mode: SessionTokenMode,
}

impl Default for SigningSettings {
    fn default() -> Self {
        Self {
            normalize_path: true,
            sign_body: false,
            session_token_mode: SessionTokenMode::Include,
        }
    }
}

/// Everything besides the request that a signature depends on.
#[derive(Clone, Copy, Debug)]
pub struct SigningParams<'a> {
    /// Whose signature it is.
    pub credentials: Credentials<'a>,
    /// The region, such as `us-east-1`.
    pub region: &'a str,
    /// The signing name of the service, such as `lambda`.
    pub service: &'a str,
    /// When the request is signed; AWS rejects signatures more than 5 minutes off.
    pub time: SigningTime,
    /// The service-specific settings.
    pub settings: SigningSettings,
}

/// The request to sign, as it will go on the wire.
#[derive(Clone, Copy, Debug)]
pub struct SignableRequest<'a> {
    /// The method, such as `POST`.
    pub method: &'a str,
    /// The path as on the request line, before any `?`; it may already be percent-encoded (as
    /// Lambda's `/2015-03-31/functions/arn%3Aaws%3A.../invocations`), and is encoded once more
    /// for signing, as AWS does for every service but S3.
    pub path: &'a str,
    /// The query string as on the request line, after the `?`, without it; may be empty.
    pub query: &'a str,
    /// The headers, in order; `host` must be among them. Names are case-insensitive; a value may
    /// hold obsolete line folding (a line break followed by a space or tab).
    pub headers: &'a [(&'a str, &'a str)],
    /// The body, whose SHA-256 is signed.
    pub body: &'a [u8],
}
