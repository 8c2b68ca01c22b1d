//! Runs the lambda-invoke component — the "Invoke AWS Lambda Function" build task — in a
//! sandboxed wasmtime host.
//!
//! The component does the task's work (validation, credentials, SigV4, the Lambda calls); this
//! crate loads it once ([`Runtime`]), and runs tasks ([`Task`] → [`Report`]), each in its own
//! store with its own [`Policy`] (hosts and environment variables it may reach) and [`Limits`]
//! (memory, CPU, wall time, volumes). Imports are served by a real HTTP client
//! ([`http_client`]); registered secrets are masked in everything the host reports.
//!
//! ```no_run
//! use lambda_invoke::{Input, Runtime, RuntimeOptions, Task};
//!
//! let runtime = Runtime::new(RuntimeOptions::default())?;
//! let mut input = Input::new("my-function");
//! input.payload = r#"{"hello":"world"}"#.to_owned();
//! input.region = Some("eu-west-1".to_owned());
//! let mut task = Task::new(input);
//! task.environment = std::env::vars().collect(); // filtered by the policy's allowlist
//! let report = runtime.run(task);
//! match &report.result {
//!     Ok(outcome) => println!("{}", report.secrets.mask(&String::from_utf8_lossy(&outcome.payload))),
//!     Err(failure) => eprintln!("{failure}"),
//! }
//! # anyhow::Ok(())
//! ```
#![deny(missing_docs)]

mod bindings;
pub mod cache;
pub mod ci;
pub mod cli;
mod cpu;
pub mod emulator;
pub mod http_client;
pub mod limits;
pub mod masking;
pub mod policy;
mod runtime;
mod task;

pub use limits::{Limits, LimitsBuilder};
pub use masking::Secrets;
pub use policy::{AllowedHost, Policy};
pub use runtime::{
    CacheSetting, EMBEDDED_COMPONENT, ExitCode, Failure, LogLevel, OutputVariable, Report, Reporter, Runtime,
    RuntimeOptions, SandboxError, Silent, Task,
};
pub use task::{
    AssumeRole, HttpError, HttpLog, Input, InvocationType, LogType, Outcome, PayloadMode, ServiceConnection,
    ServiceError, TaskError,
};
