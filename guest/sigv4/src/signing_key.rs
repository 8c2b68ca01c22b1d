//! Step 3 of SigV4, "Calculate the signature", first half (AWS Signature Version 4
//! documentation): the signing key, derived from the secret access key by a chain of
//! HMAC-SHA256 over the date, the region, the service and `aws4_request`:
//!
//! ```text
//! kDate    = HMAC("AWS4" + secret, YYYYMMDD)
//! kRegion  = HMAC(kDate, region)
//! kService = HMAC(kRegion, service)
//! kSigning = HMAC(kService, "aws4_request")
//! ```
//!
//! The key is valid for one day, region and service, so a caller signing many requests may keep
//! it; [`crate::sign`] derives it afresh, staying a pure function of its inputs.

use core::fmt;

use crate::time::SigningTime;
use lambda_invoke_sha256::hmac_sha256;

/// A SigV4 signing key (`kSigning`). `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey([u8; 32]);

impl SigningKey {
    /// Derives the signing key of `secret_access_key` for the date of `time`, `region` and
    /// `service`.
    pub fn derive(secret_access_key: &str, time: &SigningTime, region: &str, service: &str) -> Self {
        let date = hmac_sha256(&[b"AWS4", secret_access_key.as_bytes()], time.date().as_bytes());
        let region = hmac_sha256(&[&date], region.as_bytes());
        let service = hmac_sha256(&[&region], service.as_bytes());
        Self(hmac_sha256(&[&service], b"aws4_request"))
    }

    /// The key's 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(** redacted **)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hex;

    #[test]
    fn derives_the_key_of_the_aws_documentation_example() {
        let time: SigningTime = "2015-08-30T00:00:00Z".parse().expect("valid time");
        let key = SigningKey::derive(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            &time,
            "us-east-1",
            "iam",
        );
        assert_eq!(
            hex::encode(key.as_bytes()),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
        assert_eq!(format!("{key:?}"), "SigningKey(** redacted **)");
    }
}
