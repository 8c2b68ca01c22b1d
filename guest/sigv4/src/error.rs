//! Why a request could not be signed.

use alloc::string::String;
use core::fmt;

/// Why a request could not be signed. Secrets never appear in it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SigningError {
    /// The method is empty or holds characters other than those of an HTTP token.
    InvalidMethod {
        /// The method given.
        method: String,
    },
    /// A header name is empty or holds characters other than those of an HTTP token
    /// (RFC 9110 section 5.6.2).
    InvalidHeaderName {
        /// The name given.
        name: String,
    },
    /// A header value holds a control character, or a line break that is not a folded
    /// continuation (a line break followed by a space or a tab).
    InvalidHeaderValue {
        /// The name of the header.
        name: String,
    },
    /// The request already has a header that the signer sets itself (`authorization`,
    /// `x-amz-date`, `x-amz-security-token`, and `x-amz-content-sha256` when the body is signed).
    ReservedHeader {
        /// The name given.
        name: String,
    },
    /// The request has no `host` header, which SigV4 requires to be signed.
    MissingHost,
    /// The access key id is empty or holds characters other than letters, digits, `-`, `_`, `.`
    /// and `~`.
    InvalidAccessKeyId,
    /// The session token is empty or holds characters that cannot go in a header value.
    InvalidSessionToken,
    /// The region is empty or holds characters other than letters, digits, `-`, `_`, `.` and `~`
    /// (a `/` would change the meaning of the credential scope).
    InvalidRegion {
        /// The region given.
        region: String,
    },
    /// The service is empty or holds characters other than letters, digits, `-`, `_`, `.` and
    /// `~` (a `/` would change the meaning of the credential scope).
    InvalidService {
        /// The service given.
        service: String,
    },
}

impl fmt::Display for SigningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidMethod { method } => {
                write!(
                    f,
                    "method {} is invalid: use an HTTP method such as POST",
                    Quoted(method)
                )
            }
            Self::InvalidHeaderName { name } => write!(
                f,
                "header name {} is invalid: use letters, digits and !#$%&'*+-.^_`|~ only",
                Quoted(name)
            ),
            Self::InvalidHeaderValue { name } => write!(
                f,
                "value of header {} is invalid: remove control characters and line breaks",
                Quoted(name)
            ),
            Self::ReservedHeader { name } => write!(
                f,
                "header {} is set by the signer: remove it from the request",
                Quoted(name)
            ),
            Self::MissingHost => f.write_str("the request has no host header: add one"),
            Self::InvalidAccessKeyId => {
                f.write_str("access key id is invalid: use letters and digits only, such as AKIDEXAMPLE")
            }
            Self::InvalidSessionToken => {
                f.write_str("session token is invalid: it must be non-empty printable ASCII without spaces")
            }
            Self::InvalidRegion { region } => write!(
                f,
                "region {} is invalid: use a region name such as us-east-1",
                Quoted(region)
            ),
            Self::InvalidService { service } => write!(
                f,
                "service {} is invalid: use a signing name such as lambda",
                Quoted(service)
            ),
        }
    }
}

impl core::error::Error for SigningError {}

/// Text in double quotes, with quotes, backslashes and control characters escaped (`\u{1b}`), so
/// that an invalid value is shown exactly. (`{:?}` would do the same, but its Unicode tables cost
/// the component several kilobytes.)
struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for c in self.0.chars() {
            match c {
                '"' | '\\' => write!(f, "\\{c}")?,
                c if c.is_control() => write!(f, "\\u{{{:x}}}", u32::from(c))?,
                c => write!(f, "{c}")?,
            }
        }
        f.write_str("\"")
    }
}
