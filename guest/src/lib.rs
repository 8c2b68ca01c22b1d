//! The "Invoke AWS Lambda Function" task as a WebAssembly component.
//!
//! Built for `wasm32-wasip2`, the crate exports the `invoke-task` world of `wit/`: it validates the
//! task's inputs, resolves credentials, region and endpoint, signs its requests with AWS Signature
//! Version 4 ([`lambda_invoke_sigv4`]) and sends them through the host's `http` import.
//!
//! The task logic is written against the [`Host`] trait rather than the generated imports, so that
//! it runs natively in unit tests and fuzz targets; the component glue in `component` plugs the
//! WIT imports into that trait.

#![deny(missing_docs)]
// `TaskError` is the WIT type the component returns; its function-error case carries the whole
// outcome (payload included) so that nothing is lost. Errors are built once per run, off any hot
// path, so the size does not matter and boxing would only add conversions.
#![allow(clippy::result_large_err)]

pub mod aws;
mod bindings;
pub mod client_context;
pub mod credentials;
pub mod describe;
pub mod endpoint;
pub mod function_name;
mod host;
pub mod json;
pub mod lambda;
pub mod payload;
pub mod region;
pub mod retry;
mod session;
pub mod task;

pub use bindings::types;
pub use host::{CallSettings, Host, LogLevel};

/// The WIT `http` interface's types, as the task logic uses them.
pub mod http {
    pub use crate::bindings::http::{Header, HttpError, Method, Request, Response};
}

/// The WIT `environment` interface's types, as the task logic uses them.
pub mod environment {
    pub use crate::bindings::environment::{FileError, OutputError};
}
