//! The generated bindings of the `invoke-task` world, kept private: the rest of the crate sees
//! the WIT types through re-exports and the imports through [`crate::Host`].
#![allow(unsafe_code, missing_docs, missing_debug_implementations)]

wit_bindgen::generate!({
    world: "invoke-task",
    path: "../wit",
});

pub use lambda_invoke::task::{environment, http, types};

/// The component's export: `run` hands the WIT imports to the task logic.
#[cfg(target_family = "wasm")]
mod component {
    use super::lambda_invoke::task::{environment, http};
    use super::types::{Input, Outcome, TaskDescription, TaskError};
    use crate::host::{Host, LogLevel};

    struct Component;

    impl super::Guest for Component {
        fn run(input: Input) -> Result<Outcome, TaskError> {
            crate::task::run(&mut WitHost, input)
        }

        fn describe() -> TaskDescription {
            crate::describe::describe()
        }
    }

    super::export!(Component with_types_in super);

    /// The host as the WIT imports provide it.
    struct WitHost;

    impl Host for WitHost {
        fn send(&mut self, request: &http::Request) -> Result<http::Response, http::HttpError> {
            http::send(request)
        }

        fn variable(&mut self, name: &str) -> Option<String> {
            environment::get_variable(name)
        }

        fn env(&mut self, name: &str) -> Option<String> {
            environment::get_env(name)
        }

        fn set_output(
            &mut self,
            name: &str,
            value: &str,
            secret: bool,
        ) -> Result<(), environment::OutputError> {
            environment::set_output(name, value, secret)
        }

        fn read_file(&mut self, path: &str) -> Result<Vec<u8>, environment::FileError> {
            environment::read_file(path)
        }

        fn register_secret(&mut self, value: &str) {
            environment::register_secret(value);
        }

        fn log(&mut self, level: LogLevel, message: &str) {
            environment::log(level, message);
        }

        fn now_unix_seconds(&mut self) -> u64 {
            // wasi:clocks/wall-clock; a clock before 1970 would be a host bug, and signing with
            // the epoch then fails visibly at the service instead of trapping here.
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_secs())
        }
    }
}
