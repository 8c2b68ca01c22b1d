//! AWS Signature Version 4 (`AWS4-HMAC-SHA256`, signature in the `Authorization` header) as a pure
//! function: the time, the credentials, the region and the service are parameters, and nothing here
//! reads a clock or the environment.
//!
//! One module per step of the SigV4 documentation ("Create a canonical request", "Create a string
//! to sign", "Calculate the signature"), named as the documentation names them; [`sign`] runs them
//! in order. The canonicalisation agrees with the `aws-sigv4` crate's default settings (the tests
//! check both the official test suite and a differential test against that crate).
//!
//! ```
//! use lambda_invoke_sigv4::{
//!     Credentials, SignableRequest, SigningParams, SigningSettings, SigningTime, sign,
//! };
//!
//! let headers = [("Host", "lambda.us-east-1.amazonaws.com")];
//! let request = SignableRequest {
//!     method: "POST",
//!     path: "/2015-03-31/functions/my-function/invocations",
//!     query: "",
//!     headers: &headers,
//!     body: b"{}",
//! };
//! let params = SigningParams {
//!     credentials: Credentials {
//!         access_key_id: "AKIDEXAMPLE",
//!         secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
//!         session_token: None,
//!     },
//!     region: "us-east-1",
//!     service: "lambda",
//!     time: SigningTime::from_unix_seconds(1_440_938_160)?,
//!     settings: SigningSettings::default(),
//! };
//! let output = sign(&request, &params)?;
//! assert_eq!(output.headers[0], ("X-Amz-Date", "20150830T123600Z".to_owned()));
//! assert_eq!(output.headers[1].0, "Authorization");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
// `no_std` with `alloc`: the signer runs inside the component, whose size is a budget, and it
// needs nothing from `std` (no clock, no I/O, no environment). Unit tests use `std`.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

pub mod canonical_request;
mod error;
mod hex;
mod params;
pub mod signature;
pub mod signing_key;
pub mod string_to_sign;
pub mod time;
pub mod uri_encoding;

pub use canonical_request::CanonicalRequest;
pub use error::SigningError;
pub use params::{Credentials, SessionTokenMode, SignableRequest, SigningParams, SigningSettings};
pub use signature::{SigningOutput, sign};
pub use string_to_sign::StringToSign;
pub use time::{SigningTime, TimeError};
