//! End-to-end through the command line (run in-process, output captured): options, output
//! formats, exit codes and masking.

use std::collections::BTreeMap;

use lambda_invoke::ExitCode;
use lambda_invoke_tests::*;

fn base_args(emulator: &lambda_invoke::emulator::Emulator, function: &str) -> Vec<String> {
    vec![
        "--function-name".into(),
        function.into(),
        "--region".into(),
        "us-east-1".into(),
        "--endpoint-url".into(),
        emulator.endpoint_url(),
    ]
}

#[test]
fn payload_on_stdout_logs_and_outputs_on_stderr() {
    let emulator = emulator();
    let mut args = base_args(&emulator, "echo");
    args.extend([
        "--payload".into(),
        r#"{"a":"ü"}"#.into(),
        "--output-variable".into(),
        "RESULT".into(),
    ]);
    let run = cli(&args, &example_env());
    assert_eq!(run.code, ExitCode::Success, "{}", run.stderr);
    assert_eq!(run.stdout, "{\"a\":\"ü\"}\n");
    for line in [
        "Invoking function echo",
        "Setting output variable RESULT with the function output",
        "Completed invocation of Lambda function echo",
        "RESULT={\"a\":\"ü\"}",
    ] {
        assert!(run.stderr.contains(line), "missing {line:?} in\n{}", run.stderr);
    }
}

#[test]
fn json_output_has_every_outcome_field() {
    let emulator = emulator();
    let mut args = base_args(&emulator, "echo:live");
    args.extend([
        "--payload".into(),
        "[1]".into(),
        "--log-type".into(),
        "Tail".into(),
        "--json".into(),
    ]);
    let run = cli(&args, &example_env());
    assert_eq!(run.code, ExitCode::Success, "{}", run.stderr);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON object");
    assert_eq!(value["status_code"], 200);
    assert_eq!(value["payload"], "[1]");
    assert_eq!(value["executed_version"], "1");
    assert!(value["function_error"].is_null());
    assert!(
        value["log_tail"]
            .as_str()
            .unwrap()
            .contains("echo: received 3 bytes")
    );
    assert!(value["request_id"].as_str().unwrap().len() > 10);
}

#[test]
fn exit_codes_follow_the_kind_of_failure() {
    let emulator = emulator();
    let env = example_env();
    let code = |extra: &[&str], function: &str, env: &BTreeMap<String, String>| {
        let mut args = base_args(&emulator, function);
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        cli(&args, env)
    };
    assert_eq!(code(&[], "echo", &env).code, ExitCode::Success);
    assert_eq!(
        code(&["--payload", "{oops"], "echo", &env).code,
        ExitCode::InvalidInput
    );
    assert_eq!(code(&[], "echo", &BTreeMap::new()).code, ExitCode::Configuration);
    assert_eq!(code(&[], "missing", &env).code, ExitCode::ServiceError);
    let failed = code(&[], "fail", &env);
    assert_eq!(failed.code, ExitCode::FunctionError);
    assert!(
        failed.stdout.contains("something went wrong"),
        "the payload is still printed: {}",
        failed.stdout
    );
    assert!(
        failed
            .stderr
            .contains("error: the function failed: Error: something went wrong"),
        "{}",
        failed.stderr
    );
    assert_eq!(
        code(&["--no-fail-on-function-error"], "fail", &env).code,
        ExitCode::Success
    );

    let mut refused = vec![
        "--function-name",
        "echo",
        "--region",
        "us-east-1",
        "--endpoint-url",
        "http://10.255.255.1:9",
    ];
    let run = cli(&refused, &env);
    assert_eq!(run.code, ExitCode::SandboxError, "{}", run.stderr);
    assert!(
        run.stderr.contains("plain http is allowed only to loopback"),
        "{}",
        run.stderr
    );
    refused.truncate(4);
    refused.extend(["--endpoint-url", "http://127.0.0.1:1"]);
    let run = cli(&refused, &env);
    assert_eq!(run.code, ExitCode::TransportError, "{}", run.stderr);
    assert!(run.stderr.contains("cannot connect"), "{}", run.stderr);

    let usage = cli(&["--payload", "{}"], &env);
    assert_eq!(usage.code, ExitCode::InvalidInput);
    assert!(usage.stderr.contains("--function-name"), "{}", usage.stderr);
    assert!(emulator.requests().iter().all(|r| r.body != b"{oops"));
}

#[test]
fn variables_from_the_command_line_and_a_file() {
    let emulator = emulator();
    let dir = std::env::temp_dir().join(format!("lambda-invoke-vars-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let vars = dir.join("vars.json");
    std::fs::write(
        &vars,
        serde_json::json!({"AWS.AccessKeyID": EXAMPLE_ACCESS_KEY_ID, "AWS.Region": "eu-west-9"}).to_string(),
    )
    .unwrap();
    let payload = dir.join("payload.json");
    std::fs::write(&payload, "{\"from\":\"file\"}").unwrap();
    let args = [
        "--function-name".to_owned(),
        "echo".to_owned(),
        "--endpoint-url".to_owned(),
        emulator.endpoint_url(),
        "--vars-file".to_owned(),
        vars.display().to_string(),
        "--var".to_owned(),
        format!("AWS.SecretAccessKey={EXAMPLE_SECRET_ACCESS_KEY}"),
        "--var".to_owned(),
        "AWS.Region=us-east-1".to_owned(),
        "--payload-file".to_owned(),
        payload.display().to_string(),
    ];
    let run = cli(&args, &BTreeMap::new());
    assert_eq!(run.code, ExitCode::Success, "{}", run.stderr);
    assert_eq!(run.stdout, "{\"from\":\"file\"}\n");

    std::fs::write(&vars, "{\"AWS.Region\": 5}").unwrap();
    let run = cli(&args, &BTreeMap::new());
    assert_eq!(run.code, ExitCode::InvalidInput);
    assert!(
        run.stderr.contains("AWS.Region is not a string"),
        "{}",
        run.stderr
    );
    let run = cli(&["--function-name", "echo", "--var", "novalue"], &BTreeMap::new());
    assert!(run.stderr.contains("use NAME=VALUE"), "{}", run.stderr);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn secrets_are_masked_in_everything_printed() {
    let emulator = emulator();
    let mut env = BTreeMap::from([
        ("AWS_ACCESS_KEY_ID".to_owned(), TEMP_ACCESS_KEY_ID.to_owned()),
        (
            "AWS_SECRET_ACCESS_KEY".to_owned(),
            TEMP_SECRET_ACCESS_KEY.to_owned(),
        ),
        ("AWS_SESSION_TOKEN".to_owned(), TEMP_SESSION_TOKEN.to_owned()),
    ]);
    // A function that echoes the secret and token back, in plain and JSON output, with debug on.
    let payload = format!("{{\"s\":\"{TEMP_SECRET_ACCESS_KEY}\",\"t\":\"{TEMP_SESSION_TOKEN}\"}}");
    for json in [false, true] {
        let mut args = base_args(&emulator, "echo");
        args.extend([
            "--payload".into(),
            payload.clone(),
            "--output-variable".into(),
            "OUT".into(),
            "--debug".into(),
        ]);
        args.extend(["--log-type".into(), "Tail".into()]);
        if json {
            args.push("--json".into());
        }
        let run = cli(&args, &env);
        assert_eq!(run.code, ExitCode::Success, "{}", run.stderr);
        assert_no_secret(&run.all(), &ALL_SECRETS);
        assert!(run.stdout.contains("***"), "{}", run.stdout);
    }
    // And on every failure path.
    for function in ["fail", "missing", "bad name"] {
        let run = cli(&base_args(&emulator, function), &env);
        assert_ne!(run.code, ExitCode::Success);
        assert_no_secret(&run.all(), &ALL_SECRETS);
    }
    env.insert(
        "AWS_SECRET_ACCESS_KEY".to_owned(),
        "wrong-secret-0123456789abcdefghijklmnop".to_owned(),
    );
    let run = cli(&base_args(&emulator, "echo"), &env);
    assert_eq!(run.code, ExitCode::ServiceError);
    assert!(run.stderr.contains("InvalidSignatureException"), "{}", run.stderr);
    assert_no_secret(
        &run.all(),
        &["wrong-secret-0123456789abcdefghijklmnop", TEMP_SESSION_TOKEN],
    );
}

#[test]
fn demo_runs_without_any_configuration() {
    let run = cli(&["demo"], &BTreeMap::new());
    assert_eq!(run.code, ExitCode::Success, "{}", run.stderr);
    assert_eq!(run.stdout, "{\"message\":\"hello from lambda-invoke\"}\n");
    assert!(run.stderr.contains("echo: received"), "{}", run.stderr);
    assert_no_secret(&run.all(), &[EXAMPLE_SECRET_ACCESS_KEY]);
}

#[test]
fn role_options_assume_a_role_with_the_chains_credentials() {
    use lambda_invoke::emulator::{Emulator, Issued, Role};
    let mut config = config();
    config.roles.push(Role {
        arn: "arn:aws:iam::123456789012:role/deploy".to_owned(),
        trusted_keys: vec![EXAMPLE_ACCESS_KEY_ID.to_owned()],
        external_id: Some("ext-9".to_owned()),
        web_identity_token: None,
        issues: Issued::derived("ASIAROLEFROMCLI00001"),
    });
    let emulator = Emulator::start(config).unwrap();
    let mut env = example_env();
    env.insert("AWS_ENDPOINT_URL_STS".to_owned(), emulator.endpoint_url());
    let mut args = base_args(&emulator, "echo");
    args.extend(
        [
            "--role-arn",
            "arn:aws:iam::123456789012:role/deploy",
            "--external-id",
            "ext-9",
        ]
        .map(String::from),
    );
    let run = cli(&args, &env);
    assert_eq!(run.code, ExitCode::Success, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("Assuming role arn:aws:iam::123456789012:role/deploy"),
        "{}",
        run.stderr
    );
    assert!(
        last_invocation_authorization(&emulator)
            .unwrap()
            .contains("Credential=ASIAROLEFROMCLI00001/")
    );
    assert_no_secret(
        &run.all(),
        &[
            "ASIAROLEFROMCLI00001-secret",
            "ASIAROLEFROMCLI00001-session-token",
        ],
    );

    let wrong = cli(
        &[
            args.clone(),
            vec!["--role-session-name".into(), "has space".into()],
        ]
        .concat(),
        &env,
    );
    assert_eq!(wrong.code, ExitCode::InvalidInput, "{}", wrong.stderr);
    assert!(wrong.stderr.contains("role session name"), "{}", wrong.stderr);
}

#[test]
fn sandbox_options_reach_the_policy_and_the_limits() {
    let hostile = env!("HOSTILE_COMPONENT");
    let emulator = emulator();
    let env = BTreeMap::from([("HOME".to_owned(), "/home/tenant".to_owned())]);
    let attack = |what: &str, extra: &[&str]| {
        let mut args = vec!["--function-name", what, "--component", hostile, "--no-cache"];
        args.extend_from_slice(extra);
        cli(&args, &env)
    };

    // --allow-env: an environment variable outside the allowlist is hidden unless allowed.
    assert_eq!(attack("env HOME", &[]).stdout, "None\n");
    assert_eq!(
        attack("env HOME", &["--allow-env", "HOME"]).stdout,
        "Some(\"/home/tenant\")\n"
    );

    // --allow-host: a host nobody named is refused, with the option to allow it.
    let url = format!("{}/anything", emulator.endpoint_url());
    let authority = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let refused = attack(&format!("host {url}"), &[]);
    assert!(
        refused.stdout.contains(&format!("--allow-host {authority}")),
        "{}",
        refused.stdout
    );
    let allowed = attack(&format!("host {url}"), &["--allow-host", &authority]);
    assert!(allowed.stdout.starts_with("Ok(Response"), "{}", allowed.stdout);

    // --max-http-calls, --max-secrets, --max-outputs: each limit is the option's value, and the
    // message names the option.
    let calls = format!("calls {url}");
    for (target, option, value, needle) in [
        (
            calls.as_str(),
            "--max-http-calls",
            "2",
            "more than 2 HTTP requests in one run (--max-http-calls)",
        ),
        (
            "secrets",
            "--max-secrets",
            "5",
            "more than 5 secrets registered (--max-secrets)",
        ),
        (
            "outputs",
            "--max-outputs",
            "3",
            "more than 3 output variables (--max-outputs)",
        ),
    ] {
        let run = attack(target, &[option, value, "--allow-host", &authority]);
        assert_eq!(run.code, ExitCode::SandboxError, "{target}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{target}: {}", run.stderr);
    }

    // --max-cpu-time-ms: a computing guest is stopped at the limit, named in the message; 0 is
    // refused before anything runs.
    if cfg!(unix) {
        let run = attack("loop", &["--max-cpu-time-ms", "150", "--max-wall-time-s", "20"]);
        assert_eq!(run.code, ExitCode::SandboxError, "{}", run.stderr);
        assert!(
            run.stderr.contains("150 ms of CPU time") && run.stderr.contains("--max-cpu-time-ms"),
            "{}",
            run.stderr
        );
    }
    let zero = attack("loop", &["--max-cpu-time-ms", "0", "--max-wall-time-s", "5"]);
    assert_ne!(zero.code, ExitCode::Success);
    assert_ne!(
        zero.code,
        ExitCode::SandboxError,
        "0 ran the component: {}",
        zero.stderr
    );
    assert!(
        zero.stderr.contains("invalid value '0'") && zero.stderr.contains("--max-cpu-time-ms"),
        "{}",
        zero.stderr
    );
}

#[test]
fn response_and_payload_limits_can_be_raised() {
    // 18 MiB: over the default response (16 MiB) and payload (16 MiB) limits.
    let emulator = emulator();
    let body = vec![b'1'; 18 << 20];
    let args = base_args(&emulator, "echo");
    emulator.push_fault(Fault::Respond {
        status: 200,
        headers: Vec::new(),
        body: body.clone(),
    });
    let run = cli(&args, &example_env());
    assert_eq!(run.code, ExitCode::SandboxError, "{}", run.stderr);
    assert!(run.stderr.contains("(--max-response-mib)"), "{}", run.stderr);

    emulator.push_fault(Fault::Respond {
        status: 200,
        headers: Vec::new(),
        body,
    });
    let mut raised = args.clone();
    raised.extend(["--max-response-mib", "32", "--max-payload-mib", "32"].map(String::from));
    let run = cli(&raised, &example_env());
    assert_eq!(run.code, ExitCode::Success, "{}", run.stderr);
    assert_eq!(run.stdout.len(), (18 << 20) + 1);
}

#[test]
fn derived_output_variables_carry_the_outcome() {
    let emulator = emulator();
    let mut args = base_args(&emulator, "fail");
    args.extend(
        [
            "--no-fail-on-function-error",
            "--function-error-variable",
            "FE",
            "--status-code-variable",
            "STATUS",
            "--executed-version-variable",
            "VERSION",
        ]
        .map(String::from),
    );
    let run = cli(&args, &example_env());
    assert_eq!(run.code, ExitCode::Success, "{}", run.stderr);
    for line in ["FE=Unhandled", "STATUS=200", "VERSION=$LATEST"] {
        assert!(run.stderr.lines().any(|l| l == line), "{line} in\n{}", run.stderr);
    }
}

#[test]
fn standard_environment_variables_drive_every_credential_source_through_the_command() {
    use lambda_invoke::emulator::{Container, Emulator, IMDS_TOKEN, Imds, Issued, Role};
    let mut config = config();
    config.roles.push(Role {
        arn: "arn:aws:iam::123456789012:role/eks".to_owned(),
        trusted_keys: Vec::new(),
        external_id: None,
        web_identity_token: Some("eks-oidc-token".to_owned()),
        issues: Issued::derived("ASIAWEBIDENTITY00001"),
    });
    config.imds = Some(Imds {
        role: "instance-role".to_owned(),
        issues: Issued::derived("ASIAINSTANCE00000001"),
        region: "us-east-1".to_owned(),
        v2: true,
        v1: false,
    });
    config.container = Some(Container {
        path: "/v2/credentials/task".to_owned(),
        token: Some("container-agent-token".to_owned()),
        issues: Issued::derived("ASIACONTAINER0000001"),
    });
    let emulator = Emulator::start(config).unwrap();
    let dir = std::env::temp_dir().join(format!("lambda-invoke-cli-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let token_file = dir.join("token");
    std::fs::write(&token_file, "eks-oidc-token").unwrap();
    let config_file = dir.join("config");
    std::fs::write(&config_file, "[profile dev]\nregion = us-east-1\n").unwrap();
    let credentials_file = dir.join("credentials");
    std::fs::write(
        &credentials_file,
        format!("[dev]\naws_access_key_id = {EXAMPLE_ACCESS_KEY_ID}\naws_secret_access_key = {EXAMPLE_SECRET_ACCESS_KEY}\n"),
    )
    .unwrap();
    let url = emulator.endpoint_url();
    let base = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        let mut env: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        env.insert("AWS_ENDPOINT_URL".to_owned(), url.clone());
        env.insert("HOME".to_owned(), dir.display().to_string());
        env
    };
    let token = token_file.display().to_string();
    let configs = config_file.display().to_string();
    let credentials = credentials_file.display().to_string();
    let full_uri = format!("{url}/v2/credentials/task");
    let args = [
        "--function-name",
        "echo",
        "--payload",
        "{}",
        "--http-log",
        "bodies",
    ];
    for (env, key, secrets) in [
        (
            base(&[
                ("AWS_WEB_IDENTITY_TOKEN_FILE", token.as_str()),
                ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/eks"),
                ("AWS_REGION", "us-east-1"),
                ("AWS_EC2_METADATA_DISABLED", "true"),
            ]),
            "ASIAWEBIDENTITY00001",
            vec!["eks-oidc-token".to_owned()],
        ),
        (
            base(&[
                ("AWS_PROFILE", "dev"),
                ("AWS_CONFIG_FILE", configs.as_str()),
                ("AWS_SHARED_CREDENTIALS_FILE", credentials.as_str()),
                ("AWS_EC2_METADATA_DISABLED", "true"),
            ]),
            EXAMPLE_ACCESS_KEY_ID,
            vec![EXAMPLE_SECRET_ACCESS_KEY.to_owned()],
        ),
        (
            base(&[
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", full_uri.as_str()),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-agent-token"),
                ("AWS_DEFAULT_REGION", "us-east-1"),
                ("AWS_EC2_METADATA_DISABLED", "true"),
            ]),
            "ASIACONTAINER0000001",
            vec!["container-agent-token".to_owned()],
        ),
        (
            base(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", url.as_str())]),
            "ASIAINSTANCE00000001",
            vec![IMDS_TOKEN.to_owned()],
        ),
    ] {
        let run = cli(&args, &env);
        assert_eq!(run.code, ExitCode::Success, "{key}: {}", run.stderr);
        assert!(
            last_invocation_authorization(&emulator)
                .unwrap()
                .contains(&format!("Credential={key}/")),
            "{key}"
        );
        let issued = Issued::derived(key);
        let mut all = secrets;
        if key != EXAMPLE_ACCESS_KEY_ID {
            all.extend([issued.secret_access_key, issued.session_token]);
        }
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        assert_no_secret(&run.all(), &refs);
    }
    std::fs::remove_dir_all(dir).unwrap();
}
