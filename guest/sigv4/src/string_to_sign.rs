//! Step 2 of SigV4, "Create a string to sign" (AWS Signature Version 4 documentation): the
//! algorithm, the request date and time, the credential scope and the hex SHA-256 of the
//! canonical request, one per line.

use alloc::string::String;
use core::fmt;
use core::ops::Range;

use lambda_invoke_sha256::sha256;

use crate::canonical_request::CanonicalRequest;
use crate::hex;
use crate::time::SigningTime;

/// The signing algorithm this crate implements, the first line of the string to sign.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The terminator of every SigV4 credential scope.
const SCOPE_TERMINATOR: &str = "aws4_request";

/// The string to sign of SigV4, step 2. `Display` (and [`StringToSign::as_str`]) give exactly
/// the text of the specification:
///
/// ```text
/// AWS4-HMAC-SHA256
/// 20150830T123600Z
/// 20150830/us-east-1/service/aws4_request
/// bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StringToSign {
    text: String,
    scope: Range<usize>,
}

impl StringToSign {
    /// The string to sign for `canonical_request`, signed at `time` for `region` and `service`.
    pub fn new(
        time: &SigningTime,
        region: &str,
        service: &str,
        canonical_request: &CanonicalRequest,
    ) -> Self {
        let mut text = String::with_capacity(
            ALGORITHM.len() + 16 + 8 + region.len() + service.len() + SCOPE_TERMINATOR.len() + 72,
        );
        text.push_str(ALGORITHM);
        text.push('\n');
        text.push_str(time.date_time());
        text.push('\n');
        let start = text.len();
        for part in [time.date(), region, service] {
            text.push_str(part);
            text.push('/');
        }
        text.push_str(SCOPE_TERMINATOR);
        let scope = start..text.len();
        text.push('\n');
        hex::encode_into(&sha256(canonical_request.as_str().as_bytes()), &mut text);
        Self { text, scope }
    }

    /// The whole string to sign, as `Display` writes it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The credential scope, `YYYYMMDD/region/service/aws4_request`, as it also appears after
    /// the access key id in the `Authorization` header.
    pub fn scope(&self) -> &str {
        &self.text[self.scope.clone()]
    }
}

impl fmt::Display for StringToSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
