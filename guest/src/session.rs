//! One run's view of the host: the host's imports plus the run's call settings, and the HTTP
//! debug log (the original task's `logRequest`/`logResponse`, without its leak: `Authorization`,
//! `X-Amz-Security-Token` and every registered secret are redacted).

use alloc::{borrow::ToOwned, format, string::String, vec::Vec};
use core::time::Duration;

use crate::environment::{FileError, OutputError};
use crate::host::{CallSettings, Host, LogLevel};
use crate::http::{Header, HttpError, Request, Response};
use crate::types::HttpLog;

/// Headers whose values are never logged.
const REDACTED_HEADERS: &[&str] = &[
    "authorization",
    "x-amz-security-token",
    "x-aws-ec2-metadata-token",
];
/// The most body bytes logged.
const BODY_LOG_LIMIT: usize = 4096;

/// The host with this run's settings. Generic over the host it wraps, so that its calls to the
/// component's imports are direct: each indirect call costs the component's first use of its
/// table slot a call into wasmtime.
pub(crate) struct Session<'a, H: Host> {
    inner: &'a mut H,
    settings: CallSettings,
    secrets: Vec<String>,
}

impl<'a, H: Host> Session<'a, H> {
    pub(crate) fn new(inner: &'a mut H, settings: CallSettings) -> Self {
        Session {
            inner,
            settings,
            secrets: Vec::new(),
        }
    }

    fn redact(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for secret in self.secrets.iter().filter(|s| !s.is_empty()) {
            text = text.replace(secret.as_str(), "***");
        }
        text
    }

    fn headers(&self, headers: &[Header]) -> String {
        headers
            .iter()
            .map(|h| {
                let value = if REDACTED_HEADERS.contains(&h.name.to_ascii_lowercase().as_str()) {
                    "***".to_owned()
                } else {
                    self.redact(&h.value)
                };
                format!("\n  {}: {value}", h.name)
            })
            .collect()
    }

    fn body(&self, body: &[u8]) -> String {
        if self.settings.http_log != HttpLog::Bodies || body.is_empty() {
            return String::new();
        }
        let shown = &body[..body.len().min(BODY_LOG_LIMIT)];
        let more = if body.len() > BODY_LOG_LIMIT {
            format!("\n  … {} more bytes", body.len() - BODY_LOG_LIMIT)
        } else {
            String::new()
        };
        format!("\n  body: {}{more}", self.redact(&String::from_utf8_lossy(shown)))
    }
}

impl<H: Host> Session<'_, H> {
    /// Sends `request`, logging it and its answer when the HTTP log is on; the answer's body
    /// only when `body_loggable` (never for credentials, which are read before their secrets
    /// are registered).
    fn exchange(&mut self, request: &Request, body_loggable: bool) -> Result<Response, HttpError> {
        if self.settings.http_log == HttpLog::Off {
            return self.inner.send(request);
        }
        let line = format!(
            "HTTP → {} {} ({}){}{}",
            crate::aws::method_name(request.method),
            self.redact(&request.url),
            request.label,
            self.headers(&request.headers),
            self.body(&request.body)
        );
        self.inner.log(LogLevel::Debug, &line);
        let started = self.inner.monotonic_nanos();
        let result = self.inner.send(request);
        let elapsed = self.inner.monotonic_nanos().saturating_sub(started) / 1_000_000;
        let line = match &result {
            Ok(response) => {
                let id = crate::aws::request_id(response).unwrap_or_else(|| "none".to_owned());
                let body = if body_loggable {
                    self.body(&response.body)
                } else if self.settings.http_log == HttpLog::Bodies {
                    "\n  body: (not logged: it carries credentials)".to_owned()
                } else {
                    String::new()
                };
                format!(
                    "HTTP ← {} in {elapsed} ms, request id {id} ({}){}{body}",
                    response.status,
                    request.label,
                    self.headers(&response.headers),
                )
            }
            Err(error) => format!(
                "HTTP ✗ {} after {elapsed} ms ({})",
                self.redact(&crate::task::describe_http_error(error)),
                request.label
            ),
        };
        self.inner.log(LogLevel::Debug, &line);
        result
    }
}

impl<H: Host> Host for Session<'_, H> {
    fn send(&mut self, request: &Request) -> Result<Response, HttpError> {
        self.exchange(request, true)
    }
    fn send_for_credentials(&mut self, request: &Request) -> Result<Response, HttpError> {
        self.exchange(request, false)
    }
    fn variable(&mut self, name: &str) -> Option<String> {
        self.inner.variable(name)
    }
    fn env(&mut self, name: &str) -> Option<String> {
        self.inner.env(name)
    }
    fn set_output(&mut self, name: &str, value: &str, secret: bool) -> Result<(), OutputError> {
        self.inner.set_output(name, value, secret)
    }
    fn register_secret(&mut self, value: &str) {
        self.secrets.push(value.to_owned());
        self.inner.register_secret(value);
    }
    fn read_file(&mut self, path: &str) -> Result<Vec<u8>, FileError> {
        self.inner.read_file(path)
    }
    fn log(&mut self, level: LogLevel, message: &str) {
        self.inner.log(level, message);
    }
    fn now_unix_seconds(&mut self) -> u64 {
        self.inner.now_unix_seconds()
    }
    fn call_settings(&self) -> CallSettings {
        self.settings
    }
    fn sleep(&mut self, duration: Duration) {
        self.inner.sleep(duration);
    }
    fn monotonic_nanos(&mut self) -> u64 {
        self.inner.monotonic_nanos()
    }
    fn insecure_random_u64(&mut self) -> u64 {
        self.inner.insecure_random_u64()
    }
}
