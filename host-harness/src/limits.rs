//! The limits of one run: memory, CPU, wall-clock time, and the volume of everything the guest
//! can produce through its imports. Built with [`Limits::builder`]; every default is documented.

use std::time::Duration;

/// The limits of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Linear memory the guest may grow to. Default 64 MiB.
    pub memory_bytes: usize,
    /// Elements a guest's table may grow to (function pointers). Default 10,000; the task's
    /// component has a few hundred.
    pub table_elements: usize,
    /// CPU time the run may use: that of the thread running it, the guest's computation and the
    /// host's work on its behalf; waiting (for HTTP answers, in sleeps) does not count. Checked
    /// every 10 ms while the guest computes. Default 10 s (a normal run uses well under 1 ms).
    /// Not enforced where a thread's CPU time cannot be read (Windows): there the wall-clock
    /// limit bounds computation.
    pub cpu_time: Duration,
    /// Wall-clock time for the whole run. Default 18 minutes: Lambda's longest timeout
    /// (15 minutes), the component's read margin (1 minute) and a margin of its own, so that the
    /// component's read timeout, with its clearer message, fires first.
    pub wall_time: Duration,
    /// Largest request body the guest may send. Default 7 MiB (Lambda takes 6 MB).
    pub max_request_body: usize,
    /// Largest response body the host reads. Default 16 MiB.
    pub max_response_body: u64,
    /// Most headers in a request. Default 64.
    pub max_request_headers: usize,
    /// Largest header (name and value) in a request. Default 16 KiB.
    pub max_header_bytes: usize,
    /// Most HTTP requests per run. Default 32.
    pub max_http_calls: u32,
    /// Most bytes of log messages per run. Default 4 MiB.
    pub max_log_bytes: usize,
    /// Most output variables per run. Default 32.
    pub max_outputs: usize,
    /// Largest output variable value. Default 8 MiB.
    pub max_output_bytes: usize,
    /// Most bytes of all output variables of a run together. Default 16 MiB.
    pub max_output_total_bytes: usize,
    /// Most secrets registered per run. Default 64.
    pub max_secrets: usize,
    /// Largest secret. Default 64 KiB (keys are 40 bytes, session and web identity tokens a few
    /// KiB).
    pub max_secret_bytes: usize,
    /// Largest payload the component may return. Default 16 MiB.
    pub max_outcome_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 64 << 20,
            table_elements: 10_000,
            cpu_time: Duration::from_secs(10),
            wall_time: Duration::from_secs(18 * 60),
            max_request_body: 7 << 20,
            max_response_body: 16 << 20,
            max_request_headers: 64,
            max_header_bytes: 16 << 10,
            max_http_calls: 32,
            max_log_bytes: 4 << 20,
            max_outputs: 32,
            max_output_bytes: 8 << 20,
            max_output_total_bytes: 16 << 20,
            max_secrets: 64,
            max_secret_bytes: 64 << 10,
            max_outcome_bytes: 16 << 20,
        }
    }
}

impl Limits {
    /// A builder starting from the defaults.
    pub fn builder() -> LimitsBuilder {
        LimitsBuilder(Limits::default())
    }
}

/// Builds [`Limits`] from the defaults.
#[derive(Debug, Clone)]
pub struct LimitsBuilder(Limits);

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty;)*) => {
        impl LimitsBuilder {
            $(
                $(#[$doc])*
                pub fn $name(mut self, value: $ty) -> Self {
                    self.0.$name = value;
                    self
                }
            )*

            /// The limits.
            pub fn build(self) -> Limits {
                self.0
            }
        }
    };
}

setters! {
    /// Sets [`Limits::memory_bytes`].
    memory_bytes: usize;
    /// Sets [`Limits::table_elements`].
    table_elements: usize;
    /// Sets [`Limits::cpu_time`].
    cpu_time: Duration;
    /// Sets [`Limits::wall_time`].
    wall_time: Duration;
    /// Sets [`Limits::max_request_body`].
    max_request_body: usize;
    /// Sets [`Limits::max_response_body`].
    max_response_body: u64;
    /// Sets [`Limits::max_request_headers`].
    max_request_headers: usize;
    /// Sets [`Limits::max_header_bytes`].
    max_header_bytes: usize;
    /// Sets [`Limits::max_http_calls`].
    max_http_calls: u32;
    /// Sets [`Limits::max_log_bytes`].
    max_log_bytes: usize;
    /// Sets [`Limits::max_outputs`].
    max_outputs: usize;
    /// Sets [`Limits::max_output_bytes`].
    max_output_bytes: usize;
    /// Sets [`Limits::max_output_total_bytes`].
    max_output_total_bytes: usize;
    /// Sets [`Limits::max_secrets`].
    max_secrets: usize;
    /// Sets [`Limits::max_secret_bytes`].
    max_secret_bytes: usize;
    /// Sets [`Limits::max_outcome_bytes`].
    max_outcome_bytes: usize;
}
