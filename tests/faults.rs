//! Fault injection: the emulator answers with a scripted fault, and each test asserts how many
//! requests reached it, the outcome and the message. Above all: a synchronous invocation that
//! may have reached Lambda is sent exactly once.

use std::time::Duration;

use lambda_invoke::emulator::{Emulator, Fault};
use lambda_invoke::{ExitCode, Failure, HttpLog, InvocationType, Limits, LogLevel, Report, TaskError};
use lambda_invoke_tests::*;

fn respond(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Fault {
    Fault::Respond {
        status,
        headers: headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
        body: body.to_vec(),
    }
}

fn run(emulator: &Emulator, kind: InvocationType, adjust: impl FnOnce(&mut lambda_invoke::Task)) -> Report {
    let mut input = input(emulator, "echo");
    input.payload = "{\"n\":1}".to_owned();
    input.invocation_type = kind;
    input.credentials = Some(example_connection());
    let mut task = task(emulator, input);
    adjust(&mut task);
    runtime().run(task)
}

fn invocations(emulator: &Emulator) -> usize {
    emulator
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/invocations"))
        .count()
}

fn message(report: &Report) -> String {
    match &report.result {
        Ok(_) => String::new(),
        Err(failure) => failure.to_string(),
    }
}

/// Asserts that the run ended with `code` and a message containing `needle`.
fn assert_failed(report: &Report, code: ExitCode, needle: &str) {
    assert_eq!(report.exit_code(), code, "{}", message(report));
    assert!(message(report).contains(needle), "{}", message(report));
}

fn logged(report: &Report, needle: &str) -> bool {
    report.logs.iter().any(|(_, m)| m.contains(needle))
}

const SYNC: InvocationType = InvocationType::RequestResponse;
const EVENT: InvocationType = InvocationType::Event;

#[test]
fn throttling_with_retry_after_is_retried_after_that_delay() {
    let emulator = emulator();
    emulator.push_fault(respond(
        429,
        &[
            ("x-amzn-ErrorType", "TooManyRequestsException"),
            ("Retry-After", "1"),
        ],
        b"{\"message\":\"Rate exceeded\"}",
    ));
    let report = run(&emulator, SYNC, |_| {});
    assert_eq!(report.exit_code(), ExitCode::Success, "{}", message(&report));
    assert_eq!(invocations(&emulator), 2);
    assert!(
        logged(
            &report,
            "attempt 1 of 3 failed: TooManyRequestsException (HTTP 429); retrying in 1.0 s"
        ),
        "{:?}",
        report.logs
    );
}

#[test]
fn throttling_without_retry_after_gives_up_after_max_attempts() {
    let emulator = emulator();
    for _ in 0..3 {
        emulator.push_fault(respond(
            429,
            &[("x-amzn-ErrorType", "TooManyRequestsException")],
            b"{\"message\":\"Rate exceeded\"}",
        ));
    }
    let report = run(&emulator, SYNC, |_| {});
    assert_eq!(report.exit_code(), ExitCode::ServiceError);
    assert_eq!(invocations(&emulator), 3);
    let m = message(&report);
    assert!(
        m.contains("TooManyRequestsException") && m.contains("gave up after 3 attempts"),
        "{m}"
    );
}

#[test]
fn max_attempts_comes_from_the_input_or_aws_max_attempts() {
    let emulator = emulator();
    for _ in 0..5 {
        emulator.push_fault(respond(
            429,
            &[("x-amzn-ErrorType", "ThrottlingException")],
            b"{}",
        ));
    }
    let report = run(&emulator, EVENT, |t| t.input.max_attempts = Some(1));
    assert_eq!(
        (report.exit_code(), invocations(&emulator)),
        (ExitCode::ServiceError, 1)
    );
    let report = run(&emulator, EVENT, |t| {
        t.environment
            .insert("AWS_MAX_ATTEMPTS".to_owned(), "2".to_owned());
    });
    assert_eq!(
        (report.exit_code(), invocations(&emulator)),
        (ExitCode::ServiceError, 3)
    );
    let report = run(&emulator, EVENT, |t| {
        t.environment
            .insert("AWS_MAX_ATTEMPTS".to_owned(), "many".to_owned());
    });
    assert_eq!(report.exit_code(), ExitCode::InvalidInput);
    assert!(
        message(&report).contains("AWS_MAX_ATTEMPTS"),
        "{}",
        message(&report)
    );
    assert_eq!(invocations(&emulator), 3, "invalid input sends nothing");
}

#[test]
fn server_errors_are_retried_for_events_but_never_for_a_synchronous_invoke() {
    for status in [500, 502, 503, 504] {
        let emulator = emulator();
        emulator.push_fault(respond(status, &[], b"upstream trouble"));
        let report = run(&emulator, EVENT, |_| {});
        assert_eq!(
            report.exit_code(),
            ExitCode::Success,
            "{status}: {}",
            message(&report)
        );
        assert_eq!(invocations(&emulator), 2, "{status}");

        let emulator = lambda_invoke_tests::emulator();
        emulator.push_fault(respond(status, &[], b"upstream trouble"));
        let report = run(&emulator, SYNC, |_| {});
        assert_eq!(report.exit_code(), ExitCode::ServiceError, "{status}");
        assert_eq!(
            invocations(&emulator),
            1,
            "{status}: a synchronous invoke is sent once"
        );
        assert!(message(&report).contains("may have run"), "{}", message(&report));
    }
}

#[test]
fn a_reset_after_the_request_is_not_repeated_for_a_synchronous_invoke() {
    for fault in [Fault::Close, Fault::CloseBeforeBody] {
        let emulator = emulator();
        emulator.push_fault(fault.clone());
        let report = run(&emulator, SYNC, |_| {});
        assert_eq!(report.exit_code(), ExitCode::TransportError, "{fault:?}");
        assert_eq!(emulator.requests().len(), 1, "{fault:?}: sent exactly once");
        let m = message(&report);
        assert!(
            m.contains("not sent again") && m.contains("may have reached"),
            "{m}"
        );

        let emulator = lambda_invoke_tests::emulator();
        emulator.push_fault(fault.clone());
        let report = run(&emulator, EVENT, |_| {});
        assert_eq!(
            report.exit_code(),
            ExitCode::Success,
            "{fault:?}: an event is safe to repeat"
        );
        assert_eq!(emulator.requests().len(), 2);
    }
}

#[test]
fn connection_refused_is_retried_because_nothing_was_sent() {
    let emulator = emulator();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let report = run(&emulator, SYNC, |t| {
        t.input.endpoint_url = Some(url.clone());
        t.policy.allow_endpoint_url(&url).unwrap();
    });
    assert_eq!(report.exit_code(), ExitCode::TransportError);
    let m = message(&report);
    assert!(
        m.contains("gave up after 3 attempts") && m.contains("cannot connect"),
        "{m}"
    );
    assert_eq!(report.http_calls, 3);
    assert_eq!(
        report
            .logs
            .iter()
            .filter(|(l, m)| *l == LogLevel::Warning && m.contains("retrying in"))
            .count(),
        2
    );
}

#[test]
fn a_stall_past_the_read_timeout_sends_a_synchronous_invoke_exactly_once() {
    let emulator = emulator();
    emulator.push_fault(Fault::Stall(Duration::from_secs(2)));
    let report = run(&emulator, SYNC, |t| t.input.read_timeout_ms = Some(300));
    assert_eq!(
        report.exit_code(),
        ExitCode::TransportError,
        "{}",
        message(&report)
    );
    assert_eq!(invocations(&emulator), 1, "sent exactly once");
    let m = message(&report);
    assert!(m.contains("read timeout") && m.contains("not sent again"), "{m}");

    // The same stall on an event or a dry run: safe to repeat, and the repeat succeeds.
    for kind in [EVENT, InvocationType::DryRun] {
        let emulator = lambda_invoke_tests::emulator();
        emulator.push_fault(Fault::Stall(Duration::from_secs(2)));
        let report = run(&emulator, kind, |t| t.input.read_timeout_ms = Some(300));
        assert_eq!(report.exit_code(), ExitCode::Success, "{}", message(&report));
        assert_eq!(invocations(&emulator), 2, "{kind:?}: retried once");
        assert!(
            logged(&report, "no answer within the timeout"),
            "{:?}",
            report.logs
        );
    }
}

#[test]
fn a_stalled_pre_check_is_retried() {
    let emulator = emulator();
    emulator.push_fault(Fault::Stall(Duration::from_secs(2)));
    let report = run(&emulator, SYNC, |t| {
        t.input.check_function_exists = true;
        t.input.read_timeout_ms = Some(300);
    });
    assert_eq!(report.exit_code(), ExitCode::Success, "{}", message(&report));
    let configuration = emulator
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/configuration"))
        .count();
    assert_eq!(configuration, 2, "GetFunctionConfiguration is safe to repeat");
    assert_eq!(invocations(&emulator), 1);
}

#[test]
fn broken_answers_are_clear_errors_and_never_traps() {
    let cases: Vec<(Fault, &str)> = vec![
        (Fault::Raw(b"HTTP/1.1 abc\r\n\r\n".to_vec()), "not valid HTTP"),
        (
            Fault::Raw(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789".to_vec()),
            "not valid HTTP",
        ),
        (Fault::Raw(b"garbage\r\n\r\n".to_vec()), "not valid HTTP"),
    ];
    for (fault, needle) in cases {
        let emulator = emulator();
        emulator.push_fault(fault.clone());
        let report = run(&emulator, SYNC, |_| {});
        assert_eq!(
            report.exit_code(),
            ExitCode::TransportError,
            "{fault:?}: {}",
            message(&report)
        );
        assert!(
            message(&report).contains(needle),
            "{fault:?}: {}",
            message(&report)
        );
        assert_eq!(invocations(&emulator), 1, "{fault:?}");
    }
}

#[test]
fn hostile_but_valid_answers_get_sensible_fallbacks() {
    let emulator = emulator();
    // Invalid base64 in the log, duplicated headers, no request id: success with a warning.
    emulator.push_fault(respond(
        200,
        &[
            ("X-Amz-Log-Result", "!!not base64!!"),
            ("X-Amz-Executed-Version", "7"),
            ("X-Amz-Executed-Version", "8"),
        ],
        b"{\"ok\":1}",
    ));
    let mut input = input(&emulator, "echo");
    input.credentials = Some(example_connection());
    input.log_type = lambda_invoke::LogType::Tail;
    let report = runtime().run(task(&emulator, input));
    let outcome = report.result.as_ref().expect("a success");
    assert_eq!(
        (
            outcome.executed_version.as_deref(),
            outcome.log_tail.as_deref(),
            outcome.request_id.as_deref()
        ),
        (Some("7"), None, None)
    );
    assert!(logged(&report, "not valid base64"));
    assert_eq!(invocations(&emulator), 1);

    // No headers at all (no content type, no version, no request id): a plain success.
    emulator.push_fault(respond(200, &[], b"{\"bare\":true}"));
    let report = run(&emulator, SYNC, |_| {});
    let outcome = report.result.as_ref().expect("a success");
    assert_eq!(outcome.payload, b"{\"bare\":true}");
    assert_eq!(
        (outcome.executed_version.as_deref(), outcome.request_id.as_deref()),
        (None, None)
    );
    assert_eq!(invocations(&emulator), 2);

    // An unknown X-Amz-Function-Error value is still a function error.
    emulator.push_fault(respond(
        200,
        &[("X-Amz-Function-Error", "SomethingNew")],
        b"not json at all",
    ));
    let report = run(&emulator, SYNC, |_| {});
    let Err(Failure::Task(TaskError::Function { error_type, .. })) = &report.result else {
        panic!("{:?}", report.result)
    };
    assert_eq!(error_type, "SomethingNew");
    assert!(
        message(&report).contains("the function failed: SomethingNew: not json at all"),
        "{}",
        message(&report)
    );
    assert_eq!(invocations(&emulator), 3);

    // An HTML error page and an XML error where JSON was expected.
    emulator.push_fault(respond(
        400,
        &[],
        b"<html><body>Request blocked by proxy</body></html>",
    ));
    let report = run(&emulator, SYNC, |_| {});
    assert_eq!(report.exit_code(), ExitCode::ServiceError);
    assert!(
        message(&report).contains("Request blocked by proxy"),
        "{}",
        message(&report)
    );
    assert_eq!(invocations(&emulator), 4, "a 400 is not retried");
    emulator.push_fault(respond(
        403,
        &[],
        b"<ErrorResponse><Error><Code>AccessDenied</Code><Message>nope</Message></Error></ErrorResponse>",
    ));
    let report = run(&emulator, SYNC, |_| {});
    assert!(
        message(&report).starts_with("AccessDenied (HTTP 403): nope"),
        "{}",
        message(&report)
    );
    assert_eq!(invocations(&emulator), 5);

    // A Retry-After of a year is not waited for.
    emulator.push_fault(respond(429, &[("Retry-After", "31536000")], b"{}"));
    let before = invocations(&emulator);
    let report = run(&emulator, SYNC, |_| {});
    assert_eq!(invocations(&emulator) - before, 1);
    assert!(message(&report).contains("31536000 s"), "{}", message(&report));
}

#[test]
fn an_answer_over_the_size_limit_is_refused() {
    let emulator = emulator();
    emulator.push_fault(respond(200, &[], &vec![b'x'; 4096]));
    let report = run(&emulator, SYNC, |t| {
        t.limits = Limits::builder().max_response_body(1024).build()
    });
    // A limit of the sandbox, not a failure of the network: exit code 7, naming the option.
    assert_failed(
        &report,
        ExitCode::SandboxError,
        "1024-byte limit (--max-response-mib)",
    );
    assert_eq!(invocations(&emulator), 1);
}

#[test]
fn http_debug_log_redacts_credentials_and_shows_bodies_only_when_asked() {
    let emulator = emulator();
    for (mode, body_shown) in [(HttpLog::Headers, false), (HttpLog::Bodies, true)] {
        let report = run(&emulator, SYNC, |t| {
            t.input.http_log = mode;
            t.input.credentials = None;
            t.environment
                .insert("AWS_ACCESS_KEY_ID".to_owned(), TEMP_ACCESS_KEY_ID.to_owned());
            t.environment.insert(
                "AWS_SECRET_ACCESS_KEY".to_owned(),
                TEMP_SECRET_ACCESS_KEY.to_owned(),
            );
            t.environment
                .insert("AWS_SESSION_TOKEN".to_owned(), TEMP_SESSION_TOKEN.to_owned());
        });
        assert_eq!(report.exit_code(), ExitCode::Success);
        let debug: Vec<&str> = report
            .logs
            .iter()
            .filter(|(l, _)| *l == LogLevel::Debug)
            .map(|(_, m)| m.as_str())
            .collect();
        let text = debug.join("\n");
        assert!(text.contains("HTTP → POST http://127.0.0.1:"), "{text}");
        assert!(
            text.contains("HTTP ← 200 in ") && text.contains("request id 00000000-"),
            "{text}"
        );
        assert!(
            text.contains("Authorization: ***") && text.contains("X-Amz-Security-Token: ***"),
            "{text}"
        );
        let signature = emulator
            .requests()
            .last()
            .unwrap()
            .header("authorization")
            .unwrap()
            .split("Signature=")
            .nth(1)
            .unwrap()
            .to_owned();
        assert!(!text.contains(&signature), "the signature is logged: {text}");
        assert_no_secret(&text, &[TEMP_SECRET_ACCESS_KEY, TEMP_SESSION_TOKEN]);
        assert_eq!(text.contains("body: {\"n\":1}"), body_shown, "{text}");
    }
    let report = run(&emulator, SYNC, |_| {});
    assert!(
        !report.logs.iter().any(|(_, m)| m.contains("HTTP →")),
        "off by default"
    );
}

#[test]
fn huge_hostile_error_bodies_are_a_service_error_not_a_trap() {
    // Under the default limits (16 MiB of answer, 64 MiB of guest memory): a body of a million
    // repeated keys, and one of invalid UTF-8 (which triples in size when replaced).
    let repeated = format!("{{{}\"message\":\"m\"}}", "\"\":0,".repeat(1_200_000));
    let invalid = vec![0xff_u8; (16 << 20) - 4096];
    for body in [repeated.into_bytes(), invalid] {
        let emulator = emulator();
        emulator.push_fault(respond(
            400,
            &[("x-amzn-ErrorType", "InvalidRequestContentException")],
            &body,
        ));
        let report = run(&emulator, SYNC, |_| {});
        assert_failed(&report, ExitCode::ServiceError, "InvalidRequestContentException");
        assert_eq!(invocations(&emulator), 1);
    }
}

#[test]
fn a_huge_payload_that_is_not_utf8_is_returned_without_an_output_variable() {
    let emulator = emulator();
    let payload = vec![0xff_u8; 10 << 20];
    emulator.push_fault(respond(200, &[], &payload));
    let report = run(&emulator, SYNC, |t| {
        t.input.output_variable = Some("OUT".to_owned())
    });
    let outcome = report.result.as_ref().expect("an outcome");
    assert_eq!(outcome.payload.len(), payload.len(), "nothing is lost");
    assert!(report.outputs.is_empty());
    assert!(
        logged(&report, "output variable OUT is not set"),
        "{:?}",
        report.logs
    );
    assert_eq!(invocations(&emulator), 1);
}
