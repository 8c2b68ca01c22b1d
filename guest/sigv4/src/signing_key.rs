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

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::time::SigningTime;

/// The block size of SHA-256, and so the length of every HMAC-SHA256 key once prepared.
const BLOCK_LEN: usize = 64;

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

/// HMAC-SHA256 of `data` under the key made of `key_parts` put end to end.
///
/// The key is prepared as HMAC itself does (RFC 2104 section 2: zero-padded to the block size,
/// or hashed first if longer), which lets `"AWS4" + secret` be joined on the stack.
pub(crate) fn hmac_sha256(key_parts: &[&[u8]], data: &[u8]) -> [u8; 32] {
    let mut key = [0_u8; BLOCK_LEN];
    let key_len: usize = key_parts.iter().map(|part| part.len()).sum();
    if key_len <= BLOCK_LEN {
        let mut at = 0;
        for part in key_parts {
            key[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        }
    } else {
        let mut hash = Sha256::new();
        for part in key_parts {
            hash.update(part);
        }
        key[..32].copy_from_slice(&hash.finalize());
    }
    let mut mac = <Hmac<Sha256> as KeyInit>::new(&key.into());
    mac.update(data);
    mac.finalize().into_bytes().into()
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

    /// RFC 4231 test cases 2 (a short key) and 6 (a key longer than the block size).
    #[test]
    fn hmac_matches_rfc_4231_for_short_and_long_keys() {
        assert_eq!(
            hex::encode(&hmac_sha256(&[b"Je", b"fe"], b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let long_key = [0xaa_u8; 131];
        assert_eq!(
            hex::encode(&hmac_sha256(
                &[&long_key[..100], &long_key[100..]],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }
}
