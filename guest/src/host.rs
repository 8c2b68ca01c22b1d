//! What the task needs from its host: the WIT imports as a trait, so the task logic can run
//! natively against a test double.

use alloc::{string::String, vec::Vec};
use core::time::Duration;

use crate::bindings::environment::{FileError, OutputError};
use crate::bindings::http::{HttpError, Request, Response};

pub use crate::bindings::environment::LogLevel;
use crate::types::HttpLog;

/// Per-run settings of AWS calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallSettings {
    /// The most attempts of each call.
    pub max_attempts: u32,
    /// How much HTTP traffic to log.
    pub http_log: HttpLog,
}

impl Default for CallSettings {
    fn default() -> Self {
        CallSettings {
            max_attempts: crate::retry::DEFAULT_MAX_ATTEMPTS,
            http_log: HttpLog::Off,
        }
    }
}

/// The task's view of its host: outgoing HTTP, task variables, the filtered environment,
/// outputs, secrets, the log and the clock.
pub trait Host {
    /// Sends one HTTP request (WIT `http.send`).
    fn send(&mut self, request: &Request) -> Result<Response, HttpError>;
    /// Sends a request whose response carries credentials (STS, instance metadata, container
    /// credentials): as [`Host::send`], but the HTTP debug log never shows the response's body,
    /// which is read before its secrets can be registered.
    fn send_for_credentials(&mut self, request: &Request) -> Result<Response, HttpError> {
        self.send(request)
    }
    /// Reads a task variable (WIT `environment.get-variable`).
    fn variable(&mut self, name: &str) -> Option<String>;
    /// Reads an allowed environment variable (WIT `environment.get-env`).
    fn env(&mut self, name: &str) -> Option<String>;
    /// Sets an output variable (WIT `environment.set-output`).
    fn set_output(&mut self, name: &str, value: &str, secret: bool) -> Result<(), OutputError>;
    /// Registers a secret for masking (WIT `environment.register-secret`).
    fn register_secret(&mut self, value: &str);
    /// Reads a file the host allows (WIT `environment.read-file`).
    fn read_file(&mut self, path: &str) -> Result<Vec<u8>, FileError>;
    /// Logs a message (WIT `environment.log`).
    fn log(&mut self, level: LogLevel, message: &str);
    /// The current time, for signing (WASI wall clock in the component).
    fn now_unix_seconds(&mut self) -> u64;

    /// The settings of AWS calls in this run.
    fn call_settings(&self) -> CallSettings {
        CallSettings::default()
    }

    /// Waits (before a retry): `wasi:clocks/monotonic-clock` in the component.
    fn sleep(&mut self, duration: Duration);

    /// Nanoseconds on a clock that only moves forward, for timing requests
    /// (`wasi:clocks/monotonic-clock`).
    fn monotonic_nanos(&mut self) -> u64;

    /// A random number that nothing secret depends on (`wasi:random/insecure`).
    fn insecure_random_u64(&mut self) -> u64;

    /// A random number in [0, 1), for retry jitter.
    fn jitter(&mut self) -> f64 {
        // The top 53 bits: every value is exactly representable.
        (self.insecure_random_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Logs at info level.
    fn info(&mut self, message: &str) {
        self.log(LogLevel::Info, message);
    }

    /// Logs at warning level.
    fn warn(&mut self, message: &str) {
        self.log(LogLevel::Warning, message);
    }

    /// Logs at debug level.
    fn debug(&mut self, message: &str) {
        self.log(LogLevel::Debug, message);
    }

    /// Reads a task variable, treating an empty or blank value as unset (pipelines often define
    /// a variable with an empty value to "unset" it).
    fn non_empty_variable(&mut self, name: &str) -> Option<String> {
        self.variable(name).filter(|value| !value.trim().is_empty())
    }

    /// Reads an environment variable, treating an empty or blank value as unset, as the AWS
    /// SDKs do.
    fn non_empty_env(&mut self, name: &str) -> Option<String> {
        self.env(name).filter(|value| !value.trim().is_empty())
    }
}

/// A host double for native tests: variables, environment and scripted HTTP answers in memory,
/// everything the task does recorded.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use std::collections::{BTreeMap, VecDeque};

    /// A response with `status`, `headers` and `body`, for scripted answers.
    pub(crate) fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| crate::http::Header {
                    name: (*n).to_owned(),
                    value: (*v).to_owned(),
                })
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    /// Records what the task did and answers from scripts.
    #[derive(Default)]
    pub(crate) struct FakeHost {
        pub vars: BTreeMap<String, String>,
        pub env: BTreeMap<String, String>,
        pub responses: VecDeque<Result<Response, HttpError>>,
        pub requests: Vec<Request>,
        pub outputs: Vec<(String, String, bool)>,
        pub secrets: Vec<String>,
        pub logs: Vec<(LogLevel, String)>,
        pub files: BTreeMap<String, Vec<u8>>,
        pub sleeps: Vec<Duration>,
        /// What `monotonic_nanos` answers next; each call moves it on by a millisecond.
        pub monotonic: u64,
    }

    impl FakeHost {
        pub fn with_var(mut self, name: &str, value: &str) -> Self {
            self.vars.insert(name.to_owned(), value.to_owned());
            self
        }

        pub fn with_env(mut self, name: &str, value: &str) -> Self {
            self.env.insert(name.to_owned(), value.to_owned());
            self
        }

        pub fn with_file(mut self, path: &str, content: &str) -> Self {
            self.files.insert(path.to_owned(), content.as_bytes().to_vec());
            self
        }

        pub fn answer(mut self, response: Result<Response, HttpError>) -> Self {
            self.responses.push_back(response);
            self
        }

        /// Every log line, one string, for assertions.
        pub fn log_text(&self) -> String {
            self.logs
                .iter()
                .map(|(_, m)| m.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        }
    }

    impl Host for FakeHost {
        fn send(&mut self, request: &Request) -> Result<Response, HttpError> {
            self.requests.push(request.clone());
            self.responses
                .pop_front()
                .unwrap_or_else(|| Err(HttpError::Denied("no scripted answer".to_owned())))
        }
        fn variable(&mut self, name: &str) -> Option<String> {
            self.vars.get(name).cloned()
        }
        fn env(&mut self, name: &str) -> Option<String> {
            self.env.get(name).cloned()
        }
        fn set_output(&mut self, name: &str, value: &str, secret: bool) -> Result<(), OutputError> {
            self.outputs.push((name.to_owned(), value.to_owned(), secret));
            Ok(())
        }
        fn register_secret(&mut self, value: &str) {
            self.secrets.push(value.to_owned());
        }
        fn read_file(&mut self, path: &str) -> Result<Vec<u8>, FileError> {
            self.files.get(path).cloned().ok_or(FileError::NotFound)
        }
        fn log(&mut self, level: LogLevel, message: &str) {
            self.logs.push((level, message.to_owned()));
        }
        fn now_unix_seconds(&mut self) -> u64 {
            1_440_938_160 // 2015-08-30T12:36:00Z, the SigV4 suite's time
        }
        fn sleep(&mut self, duration: Duration) {
            self.sleeps.push(duration);
        }
        fn monotonic_nanos(&mut self) -> u64 {
            self.monotonic += 1_000_000;
            self.monotonic
        }
        fn insecure_random_u64(&mut self) -> u64 {
            1 << 63 // a jitter of exactly 0.5
        }
    }
}
