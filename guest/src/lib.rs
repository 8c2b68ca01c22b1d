//! The "Invoke AWS Lambda Function" task as a WebAssembly component.
//!
//! Built for `wasm32-wasip2`, the crate exports the `invoke-task` world of `wit/`: it validates the
//! task's inputs, resolves credentials, region and endpoint, signs its requests with AWS Signature
//! Version 4 ([`lambda_invoke_sigv4`]) and sends them through the host's `http` import.
//!
//! The task logic is written against the [`Host`] trait rather than the generated imports, so that
//! it runs natively in unit tests and fuzz targets; the component glue in `component` plugs the
//! WIT imports into that trait.
//!
//! For WebAssembly the crate is `no_std` (with `alloc`): the component's size is a budget
//! (200 KiB), and `std` on `wasm32-wasip2` brings wasi-libc, stdio, a panic printer and imports
//! of `wasi:cli` that the task has no use for, so the component imports exactly what its WIT
//! world lists. Natively (unit tests, fuzz targets) it links `std`; the code itself uses only
//! `core` and `alloc`.

#![cfg_attr(all(target_family = "wasm", not(test)), no_std)]
#![deny(missing_docs)]
// `TaskError` is the WIT type the component returns; its function-error case carries the whole
// outcome (payload included) so that nothing is lost. Errors are built once per run, off any hot
// path, so the size does not matter and boxing would only add conversions.
#![allow(clippy::result_large_err)]

extern crate alloc;

pub mod aws;
pub mod base64;
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
mod text;

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

#[cfg(any(all(target_family = "wasm", not(test)), test))]
mod arena;
#[cfg(all(target_family = "wasm", not(test)))]
mod heap;

/// The component's allocator: `std` is not there to provide one.
#[cfg(all(target_family = "wasm", not(test)))]
#[global_allocator]
static ALLOCATOR: heap::Heap = heap::Heap::new();

/// A panic ends the run with a trap, which the host reports as a guest failure. The task never
/// panics on anything a user or a server sends (the fuzz targets check that); what is left is a
/// bug, and its message would have nowhere to go: the component has no stderr.
#[cfg(all(target_family = "wasm", not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
