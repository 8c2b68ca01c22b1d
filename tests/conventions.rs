//! The CI conventions, read back from what the command prints and the files it writes: Azure
//! Pipelines logging commands, GitHub Actions workflow commands and files, the extra output
//! variables, progress lines of long invocations, and `lambda-invoke describe`.

use std::collections::BTreeMap;
use std::time::Duration;

use lambda_invoke::emulator::{Behaviour, Emulator, Function};
use lambda_invoke::{ExitCode, LogLevel, Runtime, RuntimeOptions};
use lambda_invoke_tests::*;

fn env_with(extra: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut env = BTreeMap::from([
        ("AWS_ACCESS_KEY_ID".to_owned(), TEMP_ACCESS_KEY_ID.to_owned()),
        (
            "AWS_SECRET_ACCESS_KEY".to_owned(),
            TEMP_SECRET_ACCESS_KEY.to_owned(),
        ),
        ("AWS_SESSION_TOKEN".to_owned(), TEMP_SESSION_TOKEN.to_owned()),
    ]);
    env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    env
}

fn args(emulator: &Emulator, function: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "--function-name",
        function,
        "--region",
        "us-east-1",
        "--endpoint-url",
    ]
    .map(String::from)
    .to_vec();
    args.push(emulator.endpoint_url());
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

#[test]
fn azure_pipelines_announces_secrets_first_and_sets_output_variables() {
    let emulator = emulator();
    let run = cli(
        &args(
            &emulator,
            "echo",
            &[
                "--payload",
                "{\"a\":1}",
                "--output-variable",
                "RESULT",
                "--status-code-variable",
                "STATUS",
                "--log-type",
                "Tail",
                "--log-tail-variable",
                "TAIL",
            ],
        ),
        &env_with(&[("TF_BUILD", "True")]),
    );
    assert_eq!(run.code, ExitCode::Success, "{}", run.all());
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], format!("##vso[task.setsecret]{TEMP_SECRET_ACCESS_KEY}"));
    assert_eq!(lines[1], format!("##vso[task.setsecret]{TEMP_SESSION_TOKEN}"));
    assert!(
        lines.contains(&"##vso[task.setvariable variable=RESULT;isoutput=true]{\"a\":1}"),
        "{}",
        run.stdout
    );
    assert!(
        lines.contains(&"##vso[task.setvariable variable=STATUS;isoutput=true]200"),
        "{}",
        run.stdout
    );
    let tail = lines
        .iter()
        .find(|l| l.starts_with("##vso[task.setvariable variable=TAIL;"))
        .unwrap();
    assert!(
        tail.contains("%0A") && !tail.contains('\n'),
        "multi-line values are escaped: {tail}"
    );
    assert_eq!(
        *lines.last().unwrap(),
        "##vso[task.complete result=Succeeded;]the function was invoked"
    );
    // Apart from the setsecret commands, which the agent consumes, nothing shows a secret.
    let rest: String = lines[2..].join("\n");
    assert_no_secret(
        &format!("{rest}\n{}", run.stderr),
        &[TEMP_SECRET_ACCESS_KEY, TEMP_SESSION_TOKEN],
    );

    let run = cli(
        &args(
            &emulator,
            "echo",
            &[
                "--output-variable",
                "SECRET_OUT",
                "--secret-output",
                "--payload",
                "[1]",
            ],
        ),
        &env_with(&[("TF_BUILD", "True")]),
    );
    assert!(
        run.stdout
            .contains("##vso[task.setvariable variable=SECRET_OUT;isoutput=true;issecret=true][1]"),
        "{}",
        run.stdout
    );

    let run = cli(&args(&emulator, "fail", &[]), &env_with(&[("TF_BUILD", "True")]));
    assert_eq!(run.code, ExitCode::FunctionError);
    assert!(
        run.stdout
            .contains("##vso[task.logissue type=error]the function failed: Error: something went wrong"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .lines()
            .last()
            .unwrap()
            .starts_with("##vso[task.complete result=Failed;]"),
        "{}",
        run.stdout
    );
    let run = cli(
        &args(&emulator, "fail", &["--no-fail-on-function-error"]),
        &env_with(&[("TF_BUILD", "True")]),
    );
    assert!(
        run.stdout
            .contains("##vso[task.logissue type=warning]function fail returned an error"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("##vso[task.complete result=SucceededWithIssues;]"),
        "{}",
        run.stdout
    );
}

#[test]
fn github_actions_masks_first_and_writes_outputs_and_a_summary() {
    let emulator = emulator();
    let dir = std::env::temp_dir().join(format!("lambda-invoke-gha-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let output = dir.join("output");
    let summary = dir.join("summary");
    let env = env_with(&[
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_OUTPUT", output.to_str().unwrap()),
        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
    ]);
    let run = cli(
        &args(
            &emulator,
            "echo:live",
            &[
                "--payload",
                "{\"multi\":\"line\\nvalue\"}",
                "--output-variable",
                "RESULT",
                "--executed-version-variable",
                "VERSION",
                "--log-type",
                "Tail",
                "--log-tail-variable",
                "TAIL",
            ],
        ),
        &env,
    );
    assert_eq!(run.code, ExitCode::Success, "{}", run.all());
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], format!("::add-mask::{TEMP_SECRET_ACCESS_KEY}"));
    assert_eq!(lines[1], format!("::add-mask::{TEMP_SESSION_TOKEN}"));
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("::group::Log tail of function echo")),
        "{}",
        run.stdout
    );
    assert!(lines.contains(&"::endgroup::"));

    // $GITHUB_OUTPUT: NAME<<DELIMITER blocks, read back as a runner would.
    let written = std::fs::read_to_string(&output).unwrap();
    let mut outputs = BTreeMap::new();
    let mut rest = written.as_str();
    while let Some((header, after)) = rest.split_once('\n') {
        let (name, delimiter) = header.split_once("<<").expect("delimiter form");
        let end = after
            .find(&format!("\n{delimiter}\n"))
            .expect("closing delimiter");
        outputs.insert(name.to_owned(), after[..end].to_owned());
        rest = &after[end + delimiter.len() + 2..];
    }
    assert_eq!(outputs["RESULT"], "{\"multi\":\"line\\nvalue\"}");
    assert_eq!(outputs["VERSION"], "1");
    assert!(outputs["TAIL"].contains("echo: received") && outputs["TAIL"].lines().count() > 2);
    let summary_text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        summary_text.contains("### lambda-invoke") && summary_text.contains("| executed version | 1 |"),
        "{summary_text}"
    );

    let run = cli(&args(&emulator, "missing", &[]), &env);
    assert_eq!(run.code, ExitCode::ServiceError);
    assert!(
        run.stdout
            .contains("::error title=lambda-invoke::ResourceNotFoundException (HTTP 404)"),
        "{}",
        run.stdout
    );
    assert!(
        std::fs::read_to_string(&summary)
            .unwrap()
            .contains("| result | failed |")
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Commands a hostile function puts in its error type, message and payload (which the emulated
/// function also writes to its log): each would act if printed as it is.
const HOSTILE_TYPE: &str = "##vso[task.setvariable variable=PWNED]1";
const HOSTILE_MESSAGE: &str = "x\r::add-mask::everything\n  ::set-output name=PWNED::1 ##[error]fake\n\u{b}::stop-commands::t\n\u{a0}::error::nbsp";

#[test]
fn text_from_a_function_cannot_issue_ci_commands() {
    let mut config = config();
    config.functions.push(Function::new(
        "hostile",
        Behaviour::Fail {
            error_type: HOSTILE_TYPE.to_owned(),
            error_message: HOSTILE_MESSAGE.to_owned(),
        },
    ));
    let emulator = Emulator::start(config).unwrap();
    let github = [("GITHUB_ACTIONS", "true")];
    for (env, convention) in [
        (env_with(&[("TF_BUILD", "True")]), "azure"),
        (env_with(&github), "github"),
    ] {
        // Payload, log tail and error message on stdout, in text and in JSON, failing or not.
        for extra in [
            &["--log-type", "Tail"][..],
            &["--log-type", "Tail", "--json"],
            &["--log-type", "Tail", "--no-fail-on-function-error", "--debug"],
            &["--log-type", "Tail", "--http-log", "bodies"],
        ] {
            let run = cli(&args(&emulator, "hostile", extra), &env);
            assert!(
                matches!(run.code, ExitCode::FunctionError | ExitCode::Success),
                "{convention} {extra:?}: {:?}\n{}",
                run.code,
                run.stderr
            );
            assert!(
                run.stdout.contains("set-output"),
                "the text is shown: {}",
                run.stdout
            );
            for line in run.stdout.split(['\n', '\r']) {
                let issues_command = match convention {
                    // The agent finds `##vso[` anywhere: the function's command must not stand
                    // unbroken anywhere, in our own commands' data either.
                    "azure" => {
                        line.contains("##vso[task.setvariable variable=PWNED")
                            || line.match_indices("##vso[").any(|(at, _)| at > 0)
                            || line.contains("##[error]")
                    }
                    // The runner trims (any white space), then looks for `::`; legacy `##[`
                    // anywhere.
                    _ => {
                        (line.trim_start().starts_with("::") && !line.starts_with("::"))
                            || line.trim_start().starts_with("::add-mask::everything")
                            || line.trim_start().starts_with("::set-output")
                            || line.trim_start().starts_with("::stop-commands")
                            || line.trim_start().starts_with("::error::nbsp")
                            || line.contains("##[")
                    }
                };
                assert!(
                    !issues_command,
                    "{convention} {extra:?}: a command in the function's text: {line:?}\n{}",
                    run.stdout
                );
            }
        }
    }
}

#[test]
fn plain_output_is_unchanged_outside_ci() {
    let emulator = emulator();
    let run = cli(
        &args(
            &emulator,
            "echo",
            &[
                "--payload",
                "[2]",
                "--output-variable",
                "OUT",
                "--status-code-variable",
                "CODE",
            ],
        ),
        &env_with(&[]),
    );
    assert_eq!(run.stdout, "[2]\n");
    assert!(
        run.stderr.contains("OUT=[2]") && run.stderr.contains("CODE=200"),
        "{}",
        run.stderr
    );
    assert!(!run.all().contains("##vso") && !run.all().contains("::add-mask::"));
}

#[test]
fn a_long_synchronous_invoke_reports_progress() {
    let mut config = config();
    config.functions.push(Function::new(
        "slow",
        Behaviour::Sleep(Duration::from_millis(1300)),
    ));
    let emulator = Emulator::start(config).unwrap();
    let runtime = Runtime::new(RuntimeOptions {
        progress_interval: Duration::from_millis(400),
        ..RuntimeOptions::default()
    })
    .unwrap();
    let capture = Capture::default();
    let mut input = input(&emulator, "slow");
    input.credentials = Some(example_connection());
    let mut t = task(&emulator, input);
    t.reporter = Box::new(capture.clone());
    runtime.run(t).result.expect("the slow function answers");
    let logs = capture.0.lock().unwrap().logs.clone();
    let progress: Vec<&String> = logs
        .iter()
        .filter(|(l, m)| *l == LogLevel::Info && m.starts_with("still waiting for function slow, "))
        .map(|(_, m)| m)
        .collect();
    assert!(progress.len() >= 2, "{logs:?}");
    // A quick invocation says nothing of the kind.
    let capture = Capture::default();
    let mut input = lambda_invoke_tests::input(&emulator, "echo");
    input.credentials = Some(example_connection());
    let mut t = task(&emulator, input);
    t.reporter = Box::new(capture.clone());
    runtime.run(t).result.unwrap();
    assert!(
        !capture
            .0
            .lock()
            .unwrap()
            .logs
            .iter()
            .any(|(_, m)| m.contains("still waiting"))
    );
}

#[test]
fn describe_prints_every_input_and_the_permissions() {
    let run = cli(&["describe"], &BTreeMap::new());
    assert_eq!(run.code, ExitCode::Success, "{}", run.stderr);
    let d: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(d["name"], "lambda-invoke");
    let inputs = d["inputs"].as_array().unwrap();
    let find = |name: &str| {
        inputs
            .iter()
            .find(|i| i["name"] == name)
            .unwrap_or_else(|| panic!("no input {name}"))
    };
    let function = find("function-name");
    assert_eq!(
        (function["required"].as_bool(), function["kind"].as_str()),
        (Some(true), Some("text"))
    );
    let kind = find("invocation-type");
    assert_eq!(kind["default"], "RequestResponse");
    assert_eq!(
        kind["allowed_values"],
        serde_json::json!(["RequestResponse", "Event", "DryRun"])
    );
    assert_eq!(find("fail-on-function-error")["default"], "true");
    assert_eq!(find("secret-access-key")["kind"], "secret");
    for input in inputs {
        assert!(input["help"].as_str().unwrap().len() > 20, "{input}");
    }
    assert!(
        d["permissions"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("lambda:InvokeFunction"))
    );
    // The names agree with the errors the component reports for invalid input.
    let emulator = emulator();
    let bad = cli(
        &args(&emulator, "echo", &["--client-context", "[]"]),
        &env_with(&[]),
    );
    assert!(
        bad.stderr.contains("invalid input client-context"),
        "{}",
        bad.stderr
    );
    find("client-context");
}
