//! End-to-end: the built component, run by the harness library, against the Lambda emulator on
//! 127.0.0.1 whose every signature check is made by the `aws-sigv4` crate.

use std::collections::BTreeMap;

use base64_decode::decode;
use lambda_invoke::{
    ExitCode, Failure, InvocationType, LogLevel, LogType, Report, ServiceConnection, TaskError,
};
use lambda_invoke_tests::*;

mod base64_decode {
    /// A small base64 decoder so the test does not trust the component's own encoder.
    pub fn decode(text: &str) -> Vec<u8> {
        let value = |c: u8| match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        };
        let bytes: Vec<u8> = text.bytes().filter(|b| *b != b'=').map(value).collect();
        let mut out = Vec::new();
        for chunk in bytes.chunks(4) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, v)| n | (u32::from(*v) << (18 - 6 * i)));
            for i in 0..chunk.len() - 1 {
                out.push((n >> (16 - 8 * i)) as u8);
            }
        }
        out
    }
}

fn run_with_example_keys(
    emulator: &lambda_invoke::emulator::Emulator,
    mut input: lambda_invoke::Input,
) -> Report {
    input.credentials = Some(example_connection());
    runtime().run(task(emulator, input))
}

fn outcome(report: &Report) -> &lambda_invoke::Outcome {
    match &report.result {
        Ok(outcome) => outcome,
        Err(failure) => panic!("expected an outcome, got {failure}\nlogs: {:?}", report.logs),
    }
}

#[test]
fn every_function_name_form_reaches_the_function() {
    let emulator = emulator();
    let cases = [
        ("my-function", None, "$LATEST"),
        ("my-function:live", None, "1"),
        ("my-function", Some("1"), "1"),
        ("123456789012:function:my-function", None, "$LATEST"),
        ("123456789012:function:my-function:live", Some("live"), "1"),
        (
            "arn:aws:lambda:us-east-1:123456789012:function:my-function",
            None,
            "$LATEST",
        ),
        (
            "arn:aws:lambda:us-east-1:123456789012:function:my-function:1",
            None,
            "1",
        ),
    ];
    for (name, qualifier, version) in cases {
        let mut input = input(&emulator, name);
        input.qualifier = qualifier.map(str::to_owned);
        input.payload = "{\"n\":1}".to_owned();
        let report = run_with_example_keys(&emulator, input);
        let outcome = outcome(&report);
        assert_eq!(outcome.payload, b"{\"n\":1}", "{name}");
        assert_eq!(
            outcome.executed_version.as_deref(),
            Some(version),
            "{name} {qualifier:?}"
        );
        assert!(outcome.request_id.is_some());
    }
    let requests = emulator.requests();
    assert_eq!(requests.len(), cases.len());
    assert_eq!(
        requests[5].path,
        "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-function/invocations"
    );
    assert_eq!(requests[1].query, "Qualifier=live");
}

#[test]
fn a_full_arn_supplies_the_region() {
    let emulator = emulator();
    let mut input = input(&emulator, "arn:aws:lambda:us-east-1:123456789012:function:echo");
    input.region = None;
    let report = run_with_example_keys(&emulator, input);
    assert_eq!(outcome(&report).status_code, 200);
    let auth = emulator.requests()[0].header("authorization").unwrap().to_owned();
    assert!(auth.contains("/us-east-1/lambda/aws4_request"), "{auth}");
}

#[test]
fn unicode_payload_arrives_byte_for_byte() {
    let emulator = emulator();
    let payload = r#"{"greeting":"héllo wörld ✓ 日本語 🚀","escaped":"\u00e9\n"}"#;
    let mut input = input(&emulator, "echo");
    input.payload = payload.to_owned();
    let report = run_with_example_keys(&emulator, input);
    assert_eq!(outcome(&report).payload, payload.as_bytes());
    let request = &emulator.requests()[0];
    assert_eq!(request.body, payload.as_bytes());
    assert_eq!(request.header("content-type"), Some("application/json"));
}

#[test]
fn temporary_credentials_send_and_sign_the_session_token() {
    let emulator = emulator();
    let mut task = task(&emulator, input(&emulator, "echo"));
    task.environment = BTreeMap::from([
        ("AWS_ACCESS_KEY_ID".to_owned(), TEMP_ACCESS_KEY_ID.to_owned()),
        (
            "AWS_SECRET_ACCESS_KEY".to_owned(),
            TEMP_SECRET_ACCESS_KEY.to_owned(),
        ),
        ("AWS_SESSION_TOKEN".to_owned(), TEMP_SESSION_TOKEN.to_owned()),
    ]);
    let report = runtime().run(task);
    assert_eq!(outcome(&report).status_code, 200);
    let request = &emulator.requests()[0];
    assert_eq!(request.header("x-amz-security-token"), Some(TEMP_SESSION_TOKEN));
    assert!(
        request
            .header("authorization")
            .unwrap()
            .contains("x-amz-security-token")
    );
    // Both secrets were registered, so the report can mask them.
    assert_eq!(report.secrets.mask(TEMP_SESSION_TOKEN), "***");
    assert_eq!(report.secrets.mask(TEMP_SECRET_ACCESS_KEY), "***");
}

#[test]
fn tail_returns_the_decoded_log_and_logs_it() {
    let emulator = emulator();
    let mut input = input(&emulator, "echo");
    input.payload = "[1,2,3]".to_owned();
    input.log_type = LogType::Tail;
    let report = run_with_example_keys(&emulator, input);
    let tail = outcome(&report).log_tail.clone().expect("a log tail");
    assert!(tail.contains("echo: received 7 bytes"), "{tail}");
    assert!(
        report
            .logs
            .iter()
            .any(|(_, m)| m.contains("echo: received 7 bytes")),
        "{:?}",
        report.logs
    );
    assert_eq!(emulator.requests()[0].header("x-amz-log-type"), Some("Tail"));
}

#[test]
fn event_and_dry_run() {
    let emulator = emulator();
    for (kind, header, status) in [
        (InvocationType::Event, "Event", 202),
        (InvocationType::DryRun, "DryRun", 204),
    ] {
        let mut input = input(&emulator, "echo");
        input.invocation_type = kind;
        input.payload = "{}".to_owned();
        input.output_variable = Some("OUT".to_owned());
        let report = run_with_example_keys(&emulator, input);
        let result = outcome(&report);
        assert_eq!(result.status_code, status);
        assert!(result.payload.is_empty());
        assert!(report.outputs.is_empty(), "no payload, no output variable");
        assert!(
            report
                .logs
                .iter()
                .any(|(level, m)| *level == LogLevel::Warning && m.contains("OUT is not set"))
        );
        assert_eq!(
            emulator
                .requests()
                .last()
                .unwrap()
                .header("x-amz-invocation-type"),
            Some(header)
        );
    }
}

#[test]
fn client_context_is_sent_base64_encoded() {
    let emulator = emulator();
    let mut input = input(&emulator, "echo");
    input.client_context = Some(r#"{"custom":{"build":"42"}}"#.to_owned());
    run_with_example_keys(&emulator, input).result.unwrap();
    let header = emulator.requests()[0]
        .header("x-amz-client-context")
        .unwrap()
        .to_owned();
    assert_eq!(decode(&header), br#"{"custom":{"build":"42"}}"#);
}

#[test]
fn a_function_error_fails_the_task_and_keeps_everything() {
    let emulator = emulator();
    let mut input = input(&emulator, "fail");
    input.output_variable = Some("RESULT".to_owned());
    input.log_type = LogType::Tail;
    let report = run_with_example_keys(&emulator, input.clone());
    assert_eq!(report.exit_code(), ExitCode::FunctionError);
    let Err(Failure::Task(TaskError::Function {
        error_type,
        error_message,
        outcome: kept,
    })) = &report.result
    else {
        panic!("{:?}", report.result);
    };
    assert_eq!(
        (error_type.as_str(), error_message.as_str()),
        ("Error", "something went wrong")
    );
    assert!(String::from_utf8_lossy(&kept.payload).contains("something went wrong"));
    assert!(
        kept.log_tail
            .as_deref()
            .unwrap()
            .contains("Error: something went wrong")
    );
    assert_eq!(report.outputs[0].name, "RESULT");

    input.fail_on_function_error = false;
    let report = run_with_example_keys(&emulator, input);
    assert_eq!(report.exit_code(), ExitCode::Success);
    assert_eq!(outcome(&report).function_error.as_deref(), Some("Unhandled"));
    assert!(
        report
            .logs
            .iter()
            .any(|(l, m)| *l == LogLevel::Warning && m.contains("returned an error"))
    );
}

#[test]
fn a_missing_function_is_a_service_error_with_its_code() {
    let emulator = emulator();
    let report = run_with_example_keys(&emulator, input(&emulator, "no-such-function"));
    assert_eq!(report.exit_code(), ExitCode::ServiceError);
    let Err(Failure::Task(TaskError::Service(e))) = &report.result else {
        panic!("{:?}", report.result)
    };
    assert_eq!((e.code.as_str(), e.status), ("ResourceNotFoundException", 404));
    assert!(
        e.message.contains("no-such-function") && e.request_id.is_some(),
        "{e:?}"
    );
}

#[test]
fn the_precheck_reports_access_denied_as_access_denied() {
    let emulator = emulator();
    let mut input = input(&emulator, "echo");
    input.check_function_exists = true;
    input.credentials = Some(ServiceConnection {
        access_key_id: LIMITED_ACCESS_KEY_ID.to_owned(),
        secret_access_key: LIMITED_SECRET_ACCESS_KEY.to_owned(),
        session_token: None,
        ..Default::default()
    });
    let report = runtime().run(task(&emulator, input));
    let Err(Failure::Task(TaskError::Service(e))) = &report.result else {
        panic!("{:?}", report.result)
    };
    assert_eq!(e.code, "AccessDeniedException");
    assert!(
        report.logs.iter().any(|(_, m)| m.contains("may well exist")),
        "{:?}",
        report.logs
    );
    assert_eq!(
        emulator.requests().len(),
        1,
        "no invocation after a failed pre-check"
    );
    assert_eq!(emulator.requests()[0].method, "GET");

    // With a key that may read the configuration, the pre-check passes and the invoke follows.
    let mut input = lambda_invoke_tests::input(&emulator, "missing");
    input.check_function_exists = true;
    let report = run_with_example_keys(&emulator, input);
    let Err(Failure::Task(TaskError::Service(e))) = &report.result else {
        panic!("{:?}", report.result)
    };
    assert_eq!(e.code, "ResourceNotFoundException");
    assert!(
        report
            .logs
            .iter()
            .any(|(_, m)| m.contains("does not exist in region us-east-1"))
    );
    let mut input = lambda_invoke_tests::input(&emulator, "echo");
    input.check_function_exists = true;
    run_with_example_keys(&emulator, input).result.unwrap();
    let methods: Vec<String> = emulator.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["GET", "GET", "GET", "POST"]);
}

#[test]
fn invalid_inputs_send_nothing_and_name_the_input() {
    let emulator = emulator();
    let big = format!("\"{}\"", "x".repeat(6 * 1024 * 1024));
    type Change = Box<dyn Fn(&mut lambda_invoke::Input)>;
    let cases: Vec<(&str, Change)> = vec![
        ("function-name", Box::new(|i| i.function_name = "bad name".into())),
        ("function-name", Box::new(|i| i.function_name = String::new())),
        (
            "function-name",
            Box::new(|i| i.function_name = "arn:aws:s3:::bucket".into()),
        ),
        (
            "function-name",
            Box::new(|i| i.function_name = "arn:aws:lambda:eu-west-1:123456789012:function:f".into()),
        ),
        (
            "qualifier",
            Box::new(|i| {
                i.function_name = "echo:live".into();
                i.qualifier = Some("1".into());
            }),
        ),
        ("qualifier", Box::new(|i| i.qualifier = Some("no/slash".into()))),
        ("payload", Box::new(|i| i.payload = "{\"unterminated\": ".into())),
        ("payload", Box::new(move |i| i.payload = big.clone())),
        (
            "client-context",
            Box::new(|i| i.client_context = Some("[]".into())),
        ),
        (
            "client-context",
            Box::new(|i| i.client_context = Some(format!("{{\"k\":\"{}\"}}", "x".repeat(3000)))),
        ),
        (
            "output-variable",
            Box::new(|i| i.output_variable = Some("two words".into())),
        ),
        (
            "endpoint-url",
            Box::new(|i| i.endpoint_url = Some("ftp://127.0.0.1".into())),
        ),
        ("region", Box::new(|i| i.region = Some("us_east_1".into()))),
        (
            "function-name",
            Box::new(|i| i.function_name = "arn:aws-cn:lambda:us-east-1:123456789012:function:f".into()),
        ),
        (
            "payload",
            Box::new(|i| {
                i.invocation_type = lambda_invoke::InvocationType::Event;
                i.payload = format!("\"{}\"", "x".repeat(1024 * 1024));
            }),
        ),
        ("qualifier", Box::new(|i| i.qualifier = Some("q".repeat(129)))),
        ("read-timeout-ms", Box::new(|i| i.read_timeout_ms = Some(0))),
        ("max-attempts", Box::new(|i| i.max_attempts = Some(0))),
    ];
    for (expected_input, change) in cases {
        let mut input = input(&emulator, "echo");
        change(&mut input);
        let report = run_with_example_keys(&emulator, input);
        assert_eq!(
            report.exit_code(),
            ExitCode::InvalidInput,
            "{expected_input}: {:?}",
            report.result
        );
        let Err(Failure::Task(TaskError::InvalidInput { input, message })) = &report.result else {
            unreachable!()
        };
        assert_eq!(input, expected_input, "{message}");
        assert!(
            message.len() > 20 && message.contains(':'),
            "say what to do: {message}"
        );
        assert_eq!(report.http_calls, 0);
    }
    assert!(
        emulator.requests().is_empty(),
        "invalid input must not cost a request"
    );
}

#[test]
fn invalid_endpoint_settings_stop_before_any_credential_request() {
    // A role to assume would call STS first: a bad endpoint setting must stop the run before.
    let emulator = emulator();
    type Setting<'a> = (Option<&'a str>, &'a [(&'a str, &'a str)]);
    let settings: [Setting; 3] = [
        (Some("ftp://127.0.0.1/"), &[]),
        (None, &[("AWS_USE_FIPS_ENDPOINT", "maybe")]),
        (None, &[("AWS_ENDPOINT_URL_LAMBDA", "not a url")]),
    ];
    for (endpoint_url, env) in settings {
        let mut input = input(&emulator, "echo");
        input.endpoint_url = endpoint_url.map(str::to_owned);
        input.credentials = Some(role_connection());
        let mut task = task(&emulator, input);
        task.environment = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .chain([("AWS_ENDPOINT_URL_STS".to_owned(), emulator.endpoint_url())])
            .collect();
        let report = runtime().run(task);
        let Err(Failure::Task(TaskError::InvalidInput { input, message })) = &report.result else {
            panic!("{endpoint_url:?} {env:?}: {:?}", report.result);
        };
        assert_eq!(input, "endpoint-url", "{message}");
        assert_eq!(report.http_calls, 0, "{message}");
    }
    assert!(emulator.requests().is_empty(), "no STS call either");
}

#[test]
fn credentials_come_from_the_first_configured_source() {
    let emulator = emulator();
    let temp_vars = BTreeMap::from([
        ("AWS.AccessKeyID".to_owned(), TEMP_ACCESS_KEY_ID.to_owned()),
        (
            "AWS.SecretAccessKey".to_owned(),
            TEMP_SECRET_ACCESS_KEY.to_owned(),
        ),
        ("AWS.SessionToken".to_owned(), TEMP_SESSION_TOKEN.to_owned()),
    ]);
    let key_used = |report: &Report, emulator: &lambda_invoke::emulator::Emulator| {
        report.result.as_ref().expect("invoked");
        let auth = emulator
            .requests()
            .last()
            .unwrap()
            .header("authorization")
            .unwrap()
            .to_owned();
        auth.split("Credential=")
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_owned()
    };
    // Service connection beats task variables and environment.
    let mut t = task(&emulator, input(&emulator, "echo"));
    t.input.credentials = Some(example_connection());
    t.variables = temp_vars.clone();
    t.environment = example_env();
    let report = runtime().run(t);
    assert_eq!(key_used(&report, &emulator), EXAMPLE_ACCESS_KEY_ID);
    // Task variables beat the environment.
    let mut t = task(&emulator, input(&emulator, "echo"));
    t.variables = temp_vars;
    t.environment = example_env();
    let report = runtime().run(t);
    assert_eq!(key_used(&report, &emulator), TEMP_ACCESS_KEY_ID);
    // The environment alone.
    let mut t = task(&emulator, input(&emulator, "echo"));
    t.environment = example_env();
    let report = runtime().run(t);
    assert_eq!(key_used(&report, &emulator), EXAMPLE_ACCESS_KEY_ID);
    assert!(
        report
            .logs
            .iter()
            .any(|(_, m)| m.contains("Using credentials from environment variables"))
    );
}

#[test]
fn missing_or_broken_credentials_and_region_are_configuration_errors() {
    let emulator = emulator();
    let report = runtime().run(task(&emulator, input(&emulator, "echo")));
    assert_eq!(report.exit_code(), ExitCode::Configuration);
    assert!(
        matches!(&report.result, Err(Failure::Task(TaskError::CredentialsNotFound(m))) if m.contains("AWS_ACCESS_KEY_ID"))
    );

    let mut t = task(&emulator, input(&emulator, "echo"));
    t.variables = BTreeMap::from([("AWS.AccessKeyID".to_owned(), EXAMPLE_ACCESS_KEY_ID.to_owned())]);
    t.environment = example_env();
    let report = runtime().run(t);
    assert!(
        matches!(&report.result, Err(Failure::Task(TaskError::CredentialsInvalid(m))) if m.contains("define or omit both")),
        "a half-configured source must stop the chain: {:?}",
        report.result
    );

    let mut t = task(&emulator, input(&emulator, "echo"));
    t.input.region = None;
    t.environment = example_env();
    let report = runtime().run(t);
    assert_eq!(report.exit_code(), ExitCode::Configuration);
    assert!(matches!(
        &report.result,
        Err(Failure::Task(TaskError::RegionNotFound(_)))
    ));
    assert!(emulator.requests().is_empty());
}

#[test]
fn region_and_endpoint_from_variables_and_environment() {
    let emulator = emulator();
    let mut t = task(&emulator, input(&emulator, "echo"));
    t.input.region = None;
    t.input.endpoint_url = None;
    t.input.credentials = Some(example_connection());
    t.variables
        .insert("AWS.Region".to_owned(), "US-EAST-1".to_owned());
    t.environment
        .insert("AWS_ENDPOINT_URL_LAMBDA".to_owned(), emulator.endpoint_url());
    t.environment
        .insert("AWS_REGION".to_owned(), "eu-west-1".to_owned());
    let report = runtime().run(t);
    assert_eq!(
        outcome(&report).status_code,
        200,
        "the variable beats AWS_REGION and is lower-cased"
    );

    let mut t = task(&emulator, input(&emulator, "echo"));
    t.input.region = None;
    t.input.credentials = Some(example_connection());
    t.environment
        .insert("AWS_DEFAULT_REGION".to_owned(), "us-east-1".to_owned());
    assert_eq!(outcome(&runtime().run(t)).status_code, 200);
}

#[test]
fn wrong_secret_and_unknown_key_are_reported_by_code() {
    let emulator = emulator();
    let mut input = input(&emulator, "echo");
    input.credentials = Some(ServiceConnection {
        access_key_id: EXAMPLE_ACCESS_KEY_ID.to_owned(),
        secret_access_key: "not-the-right-secret-at-all-0123456789ab".to_owned(),
        session_token: None,
        ..Default::default()
    });
    let report = runtime().run(task(&emulator, input.clone()));
    assert!(
        matches!(&report.result, Err(Failure::Task(TaskError::Service(e))) if e.code == "InvalidSignatureException")
    );
    input.credentials = Some(ServiceConnection {
        access_key_id: "AKIAUNKNOWNKEY000000".to_owned(),
        secret_access_key: "whatever-secret-0123456789abcdefghijklmn".to_owned(),
        session_token: None,
        ..Default::default()
    });
    let report = runtime().run(task(&emulator, input));
    assert!(
        matches!(&report.result, Err(Failure::Task(TaskError::Service(e))) if e.code == "UnrecognizedClientException")
    );
}

#[test]
fn the_sandbox_refuses_hosts_it_was_not_told_about() {
    let emulator = emulator();
    let mut input = input(&emulator, "echo");
    input.credentials = Some(example_connection());
    let mut t = lambda_invoke::Task::new(input); // default policy: AWS endpoints only
    t.reporter = Box::new(Capture::default());
    let report = runtime().run(t);
    assert_eq!(report.exit_code(), ExitCode::SandboxError);
    let message = report.result.unwrap_err().to_string();
    assert!(message.contains("--allow-host 127.0.0.1:"), "{message}");
    assert!(emulator.requests().is_empty(), "a refused request never leaves");
}

#[test]
fn no_secret_reaches_any_output() {
    let emulator = emulator();
    let mut reports = Vec::new();
    // A function that echoes the secret back, a failing one, a denied one, an invalid one.
    for (function, payload) in [
        ("echo", format!("{{\"leak\":\"{TEMP_SECRET_ACCESS_KEY}\"}}")),
        ("fail", String::new()),
        ("missing", String::new()),
        ("bad name", String::new()),
    ] {
        let capture = Capture::default();
        let mut input = input(&emulator, function);
        input.payload = payload;
        input.log_type = LogType::Tail;
        input.output_variable = Some("OUT".to_owned());
        let mut t = task(&emulator, input);
        t.environment = BTreeMap::from([
            ("AWS_ACCESS_KEY_ID".to_owned(), TEMP_ACCESS_KEY_ID.to_owned()),
            (
                "AWS_SECRET_ACCESS_KEY".to_owned(),
                TEMP_SECRET_ACCESS_KEY.to_owned(),
            ),
            ("AWS_SESSION_TOKEN".to_owned(), TEMP_SESSION_TOKEN.to_owned()),
        ]);
        t.reporter = Box::new(capture.clone());
        let report = runtime().run(t);
        let captured = capture.0.lock().unwrap();
        let mut text = format!("{:?}\n{:?}", report.logs, captured.logs);
        if let Err(failure) = &report.result {
            text.push_str(&report.secrets.mask(&failure.to_string()));
        }
        assert_no_secret(&text, &ALL_SECRETS);
        if function != "bad name" {
            assert!(captured.secrets.contains(&TEMP_SECRET_ACCESS_KEY.to_owned()));
        }
        reports.push(report);
    }
    // The echoed secret is in the payload itself, and the report's masker hides it.
    let payload = String::from_utf8_lossy(&reports[0].result.as_ref().unwrap().payload).into_owned();
    let masked = reports[0].secrets.mask(&payload);
    assert!(payload.contains(TEMP_SECRET_ACCESS_KEY), "{payload}");
    assert_eq!(masked, "{\"leak\":\"***\"}");
}

#[test]
fn regional_endpoints_follow_the_partition_rules() {
    // The sandbox refuses every host here, so the refusal names the endpoint the component chose
    // and nothing leaves the machine.
    let cases = [
        ("us-east-1", false, false, "lambda.us-east-1.amazonaws.com"),
        ("us-east-1", true, false, "lambda-fips.us-east-1.amazonaws.com"),
        ("us-east-1", false, true, "lambda.us-east-1.api.aws"),
        ("us-east-1", true, true, "lambda-fips.us-east-1.api.aws"),
        ("cn-north-1", false, false, "lambda.cn-north-1.amazonaws.com.cn"),
        (
            "cn-northwest-1",
            false,
            true,
            "lambda.cn-northwest-1.api.amazonwebservices.com.cn",
        ),
        (
            "us-gov-west-1",
            true,
            false,
            "lambda-fips.us-gov-west-1.amazonaws.com",
        ),
        ("us-iso-east-1", false, false, "lambda.us-iso-east-1.c2s.ic.gov"),
        (
            "us-isob-east-1",
            false,
            false,
            "lambda.us-isob-east-1.sc2s.sgov.gov",
        ),
        (
            "eu-isoe-west-1",
            false,
            false,
            "lambda.eu-isoe-west-1.cloud.adc-e.uk",
        ),
        (
            "us-isof-south-1",
            false,
            false,
            "lambda.us-isof-south-1.csp.hci.ic.gov",
        ),
        (
            "eusc-de-east-1",
            false,
            false,
            "lambda.eusc-de-east-1.amazonaws.eu",
        ),
    ];
    for (region, fips, dual_stack, host) in cases {
        let report = runtime().run(walled_off_task(region, fips, dual_stack, example_connection()));
        let Err(Failure::Task(TaskError::Transport { url, error, .. })) = &report.result else {
            panic!("{region}: {:?}", report.result);
        };
        assert!(
            url.starts_with(&format!("https://{host}/2015-03-31/functions/echo/invocations")),
            "{region} fips={fips} dual={dual_stack}: {url}"
        );
        assert!(
            matches!(error, lambda_invoke::HttpError::Denied(m) if m.contains(host)),
            "{error:?}"
        );
        assert_eq!(report.exit_code(), ExitCode::SandboxError);
    }
    // A partition without dual-stack endpoints says so instead of guessing a host, before a
    // role is assumed.
    let report = runtime().run(walled_off_task("us-iso-east-1", false, true, role_connection()));
    assert_eq!(report.http_calls, 0, "{:?}", report.result);
    assert!(
        report
            .result
            .unwrap_err()
            .to_string()
            .contains("no dual-stack endpoints")
    );
}

#[test]
fn legacy_payload_mode_sends_what_the_original_task_sent() {
    let emulator = emulator();
    for (given, received) in [
        ("hello world", "\"hello world\""),
        ("42", "\"42\""),
        ("{\"a\":1}", "{\"a\":1}"),
    ] {
        let mut input = input(&emulator, "echo");
        input.payload = given.to_owned();
        input.payload_mode = lambda_invoke::PayloadMode::Legacy;
        let report = run_with_example_keys(&emulator, input);
        assert_eq!(outcome(&report).payload, received.as_bytes(), "{given}");
    }
    let mut input = input(&emulator, "echo");
    input.payload = "{bad}".to_owned();
    input.payload_mode = lambda_invoke::PayloadMode::Legacy;
    let before = emulator.requests().len();
    let report = run_with_example_keys(&emulator, input);
    assert_eq!(report.exit_code(), ExitCode::InvalidInput);
    assert_eq!(emulator.requests().len(), before, "nothing sent for invalid JSON");
}

#[test]
fn sts_endpoints_follow_the_partition_rules_and_aws_endpoint_url() {
    // A role to assume: the component calls STS first. The sandbox refuses every AWS host, so
    // the refusal names the STS endpoint the component chose, and nothing leaves the machine.
    for (region, fips, dual_stack, host) in [
        ("eu-west-1", false, false, "sts.eu-west-1.amazonaws.com"),
        ("eu-west-1", true, false, "sts-fips.eu-west-1.amazonaws.com"),
        ("eu-west-1", false, true, "sts.eu-west-1.api.aws"),
        ("cn-north-1", false, false, "sts.cn-north-1.amazonaws.com.cn"),
        ("us-gov-west-1", true, false, "sts.us-gov-west-1.amazonaws.com"),
        ("us-isob-east-1", false, false, "sts.us-isob-east-1.sc2s.sgov.gov"),
    ] {
        let report = runtime().run(walled_off_task(region, fips, dual_stack, role_connection()));
        let message = report.result.as_ref().unwrap_err().to_string();
        assert!(
            message.contains(&format!("https://{host}/")) || message.contains(&format!("{host}:443")),
            "{region} fips={fips} dual={dual_stack}: {message}"
        );
        assert_eq!(report.http_calls, 1, "{message}");
    }

    // AWS_ENDPOINT_URL serves STS as well as Lambda when nothing more specific is set.
    let emulator = emulator_with_role();
    let mut input = lambda_invoke::Input::new("echo");
    input.region = Some("us-east-1".to_owned());
    input.credentials = Some(role_connection());
    let mut t = task(&emulator, input);
    t.environment = BTreeMap::from([("AWS_ENDPOINT_URL".to_owned(), emulator.endpoint_url())]);
    let report = runtime().run(t);
    assert_eq!(report.exit_code(), ExitCode::Success, "{:?}", report.result);
    let paths: Vec<String> = emulator.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths.len(), 2, "{paths:?}");
    assert_eq!(paths[0], "/", "STS first: {paths:?}");
    assert!(paths[1].ends_with("/invocations"), "{paths:?}");
}

/// The example key, assuming role `deploy`.
fn role_connection() -> lambda_invoke::ServiceConnection {
    let mut connection = example_connection();
    connection.assume_role = Some(lambda_invoke::AssumeRole {
        role_arn: "arn:aws:iam::123456789012:role/deploy".to_owned(),
        ..Default::default()
    });
    connection
}

/// A task in `region` with FIPS and dual-stack as given, whose sandbox refuses every AWS host:
/// the refusal names the endpoint the component chose, and nothing leaves the machine.
fn walled_off_task(
    region: &str,
    fips: bool,
    dual_stack: bool,
    connection: lambda_invoke::ServiceConnection,
) -> lambda_invoke::Task {
    let mut input = lambda_invoke::Input::new("echo");
    input.region = Some(region.to_owned());
    input.credentials = Some(connection);
    let mut task = lambda_invoke::Task::new(input);
    task.policy.allow_aws_endpoints(false);
    task.environment = BTreeMap::from([
        ("AWS_USE_FIPS_ENDPOINT".to_owned(), fips.to_string()),
        ("AWS_USE_DUALSTACK_ENDPOINT".to_owned(), dual_stack.to_string()),
    ]);
    task
}

/// The test emulator, with role `deploy` trusting the example key.
fn emulator_with_role() -> lambda_invoke::emulator::Emulator {
    let mut config = config();
    config.roles.push(lambda_invoke::emulator::Role {
        arn: "arn:aws:iam::123456789012:role/deploy".to_owned(),
        trusted_keys: vec![lambda_invoke::emulator::EXAMPLE_ACCESS_KEY_ID.to_owned()],
        external_id: None,
        web_identity_token: None,
        issues: lambda_invoke::emulator::Issued::derived("ASIAROLEDEPLOY000001"),
    });
    lambda_invoke::emulator::Emulator::start(config).unwrap()
}

#[test]
fn a_normal_run_fits_in_the_initial_memory_and_a_large_payload_grows_it() {
    // The component starts with 1 MiB (guest/build.rs) and its allocator uses the heap in it
    // before growing the memory (guest/src/heap.rs): a grow costs the host mprotect calls.
    const INITIAL: usize = 1 << 20;
    let emulator = emulator();
    let mut small = input(&emulator, "echo");
    small.payload = "{\"hello\":\"world\"}".to_owned();
    let report = run_with_example_keys(&emulator, small);
    assert_eq!(outcome(&report).payload, b"{\"hello\":\"world\"}");
    assert_eq!(report.peak_memory, INITIAL, "a normal run grew its memory");

    let mut large = input(&emulator, "echo");
    large.payload = format!("\"{}\"", "x".repeat(3 << 20));
    let report = run_with_example_keys(&emulator, large);
    assert_eq!(outcome(&report).payload.len(), (3 << 20) + 2);
    assert!(report.peak_memory > INITIAL + (3 << 20), "{}", report.peak_memory);
}

#[test]
fn deeply_nested_json_needs_no_deep_stack() {
    // The component has a 64 KiB stack (guest/build.rs): nothing in it may recurse on what a
    // user or a server sends. 100,000 levels of arrays, sent and echoed back.
    let emulator = emulator();
    let mut nested = input(&emulator, "echo");
    nested.payload = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let report = run_with_example_keys(&emulator, nested);
    assert_eq!(outcome(&report).payload.len(), 200_000);
}
