//! The retry decision, `retry::decide`, on any answer or transport failure, attempt count and
//! jitter: the rule that a synchronous invocation runs at most once.
//!
//! Input: one byte choosing the result (an answer, or one of the `http-error` cases), one for
//! the call's kind (even: safe to repeat, odd: at most once), one each for the attempt and the
//! most attempts (1 to 10), one for the jitter (0 to 1), then an answer as the `response`
//! target reads it (status, headers, body; `Retry-After` included).
//!
//! Properties:
//! - a call that must run at most once is retried only after an answer that says it did not
//!   run (HTTP 429 or a throttling code) or a failure before sending (connect failed or timed
//!   out); never after a read timeout, a lost connection, a broken answer or a 5xx;
//! - nothing is retried once the attempts are used up, nor after a 2xx, a refusal or a limit;
//! - a retry waits at most 20 s (the longest backoff and the longest `Retry-After` waited for).
#![no_main]

mod common;

use lambda_invoke_guest::aws::service_error;
use lambda_invoke_guest::http::{HttpError, Response};
use lambda_invoke_guest::retry::{Decision, MAX_BACKOFF, Repeat, THROTTLING_CODES, decide};
use libfuzzer_sys::fuzz_target;

fn result(choice: u8, response: Response) -> Result<Response, HttpError> {
    match choice % 12 {
        0..=2 => Ok(response),
        3 => Err(HttpError::ConnectFailed("refused".to_owned())),
        4 => Err(HttpError::ConnectTimeout),
        5 => Err(HttpError::ReadTimeout),
        6 => Err(HttpError::ConnectionLost("reset".to_owned())),
        7 => Err(HttpError::Protocol("bad status line".to_owned())),
        8 => Err(HttpError::Denied("policy".to_owned())),
        9 => Err(HttpError::InvalidRequest("forbidden header".to_owned())),
        10 => Err(HttpError::LimitExceeded("calls".to_owned())),
        _ => Err(HttpError::TooLarge(1024)),
    }
}

fuzz_target!(|data: &[u8]| {
    let [choice, kind, attempt, max, jitter, rest @ ..] = data else {
        return;
    };
    let repeat = if kind % 2 == 0 { Repeat::Safe } else { Repeat::AtMostOnce };
    let attempt = u32::from(attempt % 10) + 1;
    let max_attempts = u32::from(max % 10) + 1;
    let jitter = f64::from(*jitter) / 255.0;
    let result = result(*choice, common::response(rest));

    match decide(&result, repeat, attempt, max_attempts, || jitter) {
        Decision::Retry { delay, .. } => {
            assert!(attempt < max_attempts, "retried with the attempts used up");
            assert!(delay <= MAX_BACKOFF, "waits {delay:?}");
            match &result {
                Ok(response) => {
                    assert!(!(200..300).contains(&response.status), "retried a success");
                    if repeat == Repeat::AtMostOnce {
                        // The code as the task reads it (reading it is the `response` target's
                        // business): what is checked here is the rule built on it.
                        let code = service_error(response).code;
                        assert!(
                            response.status == 429 || THROTTLING_CODES.contains(&code.as_str()),
                            "a synchronous invocation retried after HTTP {} ({code}): it may have run",
                            response.status
                        );
                    }
                }
                Err(HttpError::ConnectFailed(_) | HttpError::ConnectTimeout) => {}
                Err(error @ (HttpError::ReadTimeout | HttpError::ConnectionLost(_) | HttpError::Protocol(_))) => {
                    assert_eq!(repeat, Repeat::Safe, "a synchronous invocation retried after {error:?}");
                }
                Err(error) => panic!("retried after {error:?}"),
            }
        }
        Decision::Stop(why) => assert!(!why.is_empty()),
        Decision::Return => {}
    }
});
