//! Retries of AWS calls, as the AWS SDKs' "standard" retry mode does them (AWS SDKs and Tools
//! reference, "Retry behavior"): at most `max_attempts` attempts, exponential backoff with full
//! jitter `random(0,1) × min(2^(attempt-1), 20)` seconds, `Retry-After` honoured.
//!
//! Retried: throttling codes, transient codes, HTTP 500/502/503/504, and connection failures
//! before the request was sent. One exception, the reason the original task re-ran long functions:
//! a synchronous invocation is never sent again once it may have reached Lambda — after a read
//! timeout, a lost connection, a broken answer or a 5xx — because the function may have run. Only
//! answers that say it did not run (throttling) and failures before sending are retried.

use alloc::{borrow::ToOwned, format, string::String};
use core::time::Duration;

use crate::aws::{header, service_error};
use crate::http::{HttpError, Response};

/// The default number of attempts (the SDKs' standard mode).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// The most attempts accepted from an input.
pub const MAX_MAX_ATTEMPTS: u32 = 10;
/// The longest backoff, and the longest `Retry-After` the task waits.
pub const MAX_BACKOFF: Duration = Duration::from_secs(20);

/// Error codes that mean "slow down" (the SDKs' throttling list): the request did not run.
pub const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Error codes that mean "try again" (the SDKs' transient list).
const TRANSIENT_CODES: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalError",
    "ServiceUnavailable",
];

/// Whether a request may be sent again once it may have reached the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// Repeating it is harmless (reads, queued events, dry runs, STS).
    Safe,
    /// It must run at most once (a synchronous invocation).
    AtMostOnce,
}

/// What to do after an attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Done: hand the result back.
    Return,
    /// Try again after `delay`.
    Retry {
        /// Why, for the log.
        reason: String,
        /// How long to wait first.
        delay: Duration,
    },
    /// The result would be worth retrying, but the task will not: the text says why.
    Stop(String),
}

/// Decides what to do after attempt `attempt` (1-based) of at most `max_attempts`.
/// `jitter` draws a random number in [0, 1), only for a backoff (a random number is a call
/// into the host).
pub fn decide(
    result: &Result<Response, HttpError>,
    repeat: Repeat,
    attempt: u32,
    max_attempts: u32,
    jitter: impl FnOnce() -> f64,
) -> Decision {
    let (reason, retry_after) = match result {
        Ok(response) => {
            if (200..300).contains(&response.status) {
                return Decision::Return;
            }
            let code = service_error(response).code;
            let throttled = response.status == 429 || THROTTLING_CODES.contains(&code.as_str());
            let transient =
                matches!(response.status, 500 | 502 | 503 | 504) || TRANSIENT_CODES.contains(&code.as_str());
            if !throttled && !transient {
                return Decision::Return;
            }
            if transient && !throttled && repeat == Repeat::AtMostOnce {
                return Decision::Stop(format!(
                    "Lambda answered {code} (HTTP {}); the function may have run, so the invocation is not sent again",
                    response.status
                ));
            }
            (
                format!("{code} (HTTP {})", response.status),
                retry_after(response),
            )
        }
        Err(error) => match error {
            HttpError::ConnectFailed(why) => (format!("cannot connect: {why}"), None),
            HttpError::ConnectTimeout => ("no connection within the timeout".to_owned(), None),
            HttpError::ReadTimeout | HttpError::ConnectionLost(_) | HttpError::Protocol(_) => {
                if repeat == Repeat::AtMostOnce {
                    return Decision::Stop(
                        "the invocation may have reached Lambda and the function may be running, so it is not \
                         sent again (the original task's re-invocations ran functions twice); check the \
                         function's own logs"
                            .to_owned(),
                    );
                }
                (crate::task::describe_http_error(error), None)
            }
            HttpError::Denied(_)
            | HttpError::InvalidRequest(_)
            | HttpError::TooLarge(_)
            | HttpError::LimitExceeded(_) => return Decision::Return,
        },
    };
    if attempt >= max_attempts {
        return Decision::Return;
    }
    let delay = match retry_after {
        Some(RetryAfter::Seconds(delay)) if delay > MAX_BACKOFF => {
            return Decision::Stop(format!(
                "{reason}: the service asked to retry after {} s, longer than the {} s this task waits",
                delay.as_secs(),
                MAX_BACKOFF.as_secs()
            ));
        }
        Some(RetryAfter::Seconds(delay)) => delay,
        None => {
            // 2^(attempt-1) s, at most MAX_BACKOFF (20 s, so a shift of 5 already exceeds it).
            let exponential = 1u64 << attempt.saturating_sub(1).min(5);
            let ceiling = exponential.min(MAX_BACKOFF.as_secs()) as f64;
            Duration::from_secs_f64(jitter().clamp(0.0, 1.0) * ceiling)
        }
    };
    Decision::Retry { reason, delay }
}

#[derive(Debug, PartialEq)]
enum RetryAfter {
    Seconds(Duration),
}

/// `Retry-After` in whole seconds, as RFC 9110 section 10.2.3 defines its delay form (an HTTP
/// date or anything else is ignored, and the backoff applies).
fn retry_after(response: &Response) -> Option<RetryAfter> {
    let seconds: u64 = header(response, "retry-after")?.trim().parse().ok()?;
    Some(RetryAfter::Seconds(Duration::from_secs(seconds)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::testing::response;

    fn answer(status: u16, headers: &[(&str, &str)]) -> Result<Response, HttpError> {
        Ok(response(status, headers, ""))
    }

    fn retried(d: &Decision) -> Option<Duration> {
        match d {
            Decision::Retry { delay, .. } => Some(*delay),
            _ => None,
        }
    }

    #[test]
    fn throttling_is_retried_with_jittered_exponential_backoff() {
        let throttled = answer(429, &[("x-amzn-ErrorType", "TooManyRequestsException")]);
        assert_eq!(
            retried(&decide(&throttled, Repeat::AtMostOnce, 1, 3, || 0.5)),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            retried(&decide(&throttled, Repeat::AtMostOnce, 2, 3, || 0.5)),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            decide(&throttled, Repeat::Safe, 3, 3, || 0.5),
            Decision::Return,
            "attempts used up"
        );
        assert_eq!(
            retried(&decide(&throttled, Repeat::Safe, 9, 10, || 0.99)),
            Some(Duration::from_secs_f64(0.99 * 20.0))
        );
        let coded = answer(400, &[("x-amzn-ErrorType", "ThrottlingException")]);
        assert!(retried(&decide(&coded, Repeat::Safe, 1, 3, || 0.0)).is_some());
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_ceiling() {
        let soon = answer(429, &[("Retry-After", "2")]);
        assert_eq!(
            retried(&decide(&soon, Repeat::Safe, 1, 3, || 0.9)),
            Some(Duration::from_secs(2))
        );
        let year = answer(429, &[("Retry-After", "31536000")]);
        assert!(
            matches!(decide(&year, Repeat::Safe, 1, 3, || 0.9), Decision::Stop(m) if m.contains("31536000 s"))
        );
        let date = answer(503, &[("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")]);
        assert_eq!(
            retried(&decide(&date, Repeat::Safe, 1, 3, || 0.25)),
            Some(Duration::from_millis(250))
        );
    }

    #[test]
    fn a_synchronous_invocation_is_never_repeated_once_it_may_have_arrived() {
        for status in [500, 502, 503, 504] {
            assert!(
                retried(&decide(&answer(status, &[]), Repeat::Safe, 1, 3, || 0.1)).is_some(),
                "{status}"
            );
            assert!(
                matches!(
                    decide(&answer(status, &[]), Repeat::AtMostOnce, 1, 3, || 0.1),
                    Decision::Stop(_)
                ),
                "{status}"
            );
        }
        for error in [
            HttpError::ReadTimeout,
            HttpError::ConnectionLost("reset".into()),
            HttpError::Protocol("truncated".into()),
        ] {
            assert!(retried(&decide(&Err(error.clone()), Repeat::Safe, 1, 3, || 0.1)).is_some());
            assert!(
                matches!(decide(&Err(error), Repeat::AtMostOnce, 1, 3, || 0.1), Decision::Stop(m) if m.contains("not"))
            );
        }
        for error in [
            HttpError::ConnectFailed("refused".into()),
            HttpError::ConnectTimeout,
        ] {
            assert!(
                retried(&decide(&Err(error), Repeat::AtMostOnce, 1, 3, || 0.1)).is_some(),
                "nothing was sent"
            );
        }
    }

    #[test]
    fn other_answers_are_final() {
        for result in [
            answer(200, &[]),
            answer(404, &[("x-amzn-ErrorType", "ResourceNotFoundException")]),
            answer(403, &[]),
            Err(HttpError::Denied("no".into())),
            Err(HttpError::TooLarge(1)),
        ] {
            assert_eq!(decide(&result, Repeat::Safe, 1, 3, || 0.5), Decision::Return);
        }
    }
}
