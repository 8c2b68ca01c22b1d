//! The credential chain, scenario by scenario: each case is a folder under
//! `tests/credential-scenarios/` whose `scenario.json` gives the environment, task variables,
//! files, the service connection, what the emulated STS, instance metadata and container
//! endpoints answer, and the expected credentials (the key that signed the invocation) or error.
//! Every run goes through the harness library as the command line sets it up (the policy derived
//! from the environment by `Policy::for_environment`) and the built component; every signature
//! the emulator receives (STS and Lambda) is checked by the `aws-sigv4` crate, and all output is
//! scanned for every secret of the scenario, with the HTTP debug log on at its most verbose
//! (headers and bodies, the responses that carry credentials included).

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lambda_invoke::emulator::{Container, Emulator, IMDS_TOKEN, Imds, Issued, Role};
use lambda_invoke::{AssumeRole, ExitCode, HttpLog, Input, Policy, ServiceConnection, Task};
use lambda_invoke_tests::*;
use serde_json::Value;

fn strings(value: &Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn run_scenario(name: &str) {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("credential-scenarios")
        .join(name);
    let text = std::fs::read_to_string(folder.join("scenario.json")).expect("scenario.json");
    let s: Value = serde_json::from_str(&text).expect("valid scenario.json");
    let dir = std::env::temp_dir().join(format!("lambda-invoke-scenario-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    let mut config = config();
    if let Some(region) = s["emulator_region"].as_str() {
        config.region = region.to_owned();
    }
    let mut secrets: Vec<String> = ALL_SECRETS.iter().map(|s| (*s).to_owned()).collect();
    for role in s["roles"].as_array().into_iter().flatten() {
        let issues = Issued::derived(role["issues"].as_str().unwrap());
        secrets.extend([issues.secret_access_key.clone(), issues.session_token.clone()]);
        config.roles.push(Role {
            arn: role["arn"].as_str().unwrap().to_owned(),
            trusted_keys: role["trusted_keys"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|k| k.as_str().unwrap().to_owned())
                .collect(),
            external_id: role["external_id"].as_str().map(str::to_owned),
            web_identity_token: role["web_identity_token"].as_str().map(str::to_owned),
            issues,
        });
        secrets.extend(role["web_identity_token"].as_str().map(str::to_owned));
    }
    if let Some(imds) = s.get("imds").filter(|v| v.is_object()) {
        let issues = Issued::derived(imds["issues"].as_str().unwrap());
        secrets.extend([
            issues.secret_access_key.clone(),
            issues.session_token.clone(),
            IMDS_TOKEN.to_owned(),
        ]);
        config.imds = Some(Imds {
            role: imds["role"].as_str().unwrap_or("instance-role").to_owned(),
            issues,
            region: imds["region"].as_str().unwrap_or("us-east-1").to_owned(),
            v2: imds["v2"].as_bool().unwrap_or(true),
            v1: imds["v1"].as_bool().unwrap_or(true),
        });
    }
    if let Some(container) = s.get("container").filter(|v| v.is_object()) {
        let issues = Issued::derived(container["issues"].as_str().unwrap());
        secrets.extend([issues.secret_access_key.clone(), issues.session_token.clone()]);
        secrets.extend(container["token"].as_str().map(str::to_owned));
        config.container = Some(Container {
            path: container["path"].as_str().unwrap().to_owned(),
            token: container["token"].as_str().map(str::to_owned),
            issues,
        });
    }
    secrets.extend(
        s["secrets"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| v.as_str().unwrap().to_owned()),
    );
    let emulator = Emulator::start(config).expect("emulator");
    // A listener that never accepts: connections hang, as with a firewalled metadata address.
    let stalled = TcpListener::bind("127.0.0.1:0").unwrap();
    let substitute = |text: &str| {
        text.replace("{emulator}", &emulator.endpoint_url())
            .replace("{dir}", &dir.display().to_string())
            .replace("{stalled}", &format!("http://{}", stalled.local_addr().unwrap()))
    };

    for (path, content) in strings(&s["files"]) {
        let target: PathBuf = dir.join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, substitute(&content)).unwrap();
    }
    let mut env: BTreeMap<String, String> = BTreeMap::from([
        ("HOME".to_owned(), dir.display().to_string()),
        ("AWS_ENDPOINT_URL_STS".to_owned(), emulator.endpoint_url()),
        ("AWS_ENDPOINT_URL_LAMBDA".to_owned(), emulator.endpoint_url()),
    ]);
    if s.get("imds").is_some_and(Value::is_object) {
        env.insert(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT".to_owned(),
            emulator.endpoint_url(),
        );
    }
    for (k, v) in strings(&s["env"]) {
        env.insert(k, substitute(&v));
    }
    // Never reach for a real instance metadata service from a test.
    if !env.contains_key("AWS_EC2_METADATA_SERVICE_ENDPOINT") {
        env.insert("AWS_EC2_METADATA_DISABLED".to_owned(), "true".to_owned());
    }
    let mut variables = strings(&s["variables"]);
    for value in variables.values_mut() {
        *value = substitute(value);
    }
    for secret_variable in ["AWS.SecretAccessKey", "AWS.SessionToken", "AWS.WebIdentityToken"] {
        secrets.extend(variables.get(secret_variable).cloned());
    }
    let mut input = Input::new("echo");
    input.http_log = HttpLog::Bodies;
    input.function_name = s["function_name"].as_str().unwrap_or("echo").to_owned();
    input.region = match s.get("region") {
        None => Some("us-east-1".to_owned()),
        Some(region) => region.as_str().map(str::to_owned),
    };
    if let Some(c) = s.get("connection") {
        let text = |v: &Value| v.as_str().map(str::to_owned);
        input.credentials = Some(ServiceConnection {
            access_key_id: text(&c["access_key_id"]).unwrap_or_default(),
            secret_access_key: text(&c["secret_access_key"]).unwrap_or_default(),
            session_token: text(&c["session_token"]),
            assume_role: c.get("role_arn").map(|arn| AssumeRole {
                role_arn: arn.as_str().unwrap().to_owned(),
                external_id: text(&c["external_id"]),
                session_name: text(&c["session_name"]),
                duration_seconds: c["duration_seconds"].as_u64().map(|d| d as u32),
            }),
            use_oidc: c["use_oidc"].as_bool().unwrap_or(false),
        });
    }
    let capture = Capture::default();
    let mut task = Task::new(input);
    task.policy = Policy::for_environment(&env);
    task.environment = env;
    task.variables = variables;
    task.reporter = Box::new(capture.clone());

    let started = Instant::now();
    let report = runtime().run(task);
    let elapsed = started.elapsed();
    let mut output: Vec<String> = report.logs.iter().map(|(_, m)| m.clone()).collect();
    if let Err(failure) = &report.result {
        output.push(report.secrets.mask(&failure.to_string()));
    }
    output.extend(capture.0.lock().unwrap().logs.iter().map(|(_, m)| m.clone()));
    let output = output.join("\n");
    let code = report.exit_code();
    let expect = &s["expect"];
    let context = format!("scenario {name}: exit {code:?}\n--- output\n{output}");
    let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert_no_secret(&output, &secret_refs);

    if let Some(key) = expect["key"].as_str() {
        assert_eq!(code, ExitCode::Success, "{context}");
        let auth =
            last_invocation_authorization(&emulator).unwrap_or_else(|| panic!("no invocation\n{context}"));
        assert!(
            auth.contains(&format!("Credential={key}/")),
            "expected key {key}, got {auth}\n{context}"
        );
        if let Some(source) = expect["source"].as_str() {
            assert!(
                output.contains(&format!("Using credentials from {source}")),
                "{context}"
            );
        }
        if let Some(region) = expect["region"].as_str() {
            assert!(
                auth.contains(&format!("/{region}/lambda/")),
                "expected region {region}: {auth}\n{context}"
            );
        }
    }
    if let Some(error) = expect["error"].as_str() {
        assert_ne!(code, ExitCode::Success, "{context}");
        assert!(output.contains(error), "expected {error:?}\n{context}");
        if let Some(expected) = expect["exit_code"].as_u64() {
            assert_eq!(code as u64, expected, "{context}");
        }
        assert!(
            !emulator
                .requests()
                .iter()
                .any(|r| r.path.ends_with("/invocations")),
            "a broken credential source must stop before the invocation\n{context}"
        );
    }
    if let Some(seconds) = expect["within_seconds"].as_f64() {
        assert!(
            elapsed < Duration::from_secs_f64(seconds),
            "took {elapsed:?}\n{context}"
        );
    }
    if let Some(warning) = expect["log"].as_str() {
        assert!(output.contains(warning), "expected log {warning:?}\n{context}");
    }
    // The form of the last STS call (AssumeRole*): each field as expected.
    if let Some(form) = expect["sts_form"].as_object() {
        let sts = emulator
            .requests()
            .into_iter()
            .rfind(|r| r.path == "/" && r.method == "POST")
            .unwrap_or_else(|| panic!("no STS call\n{context}"));
        let body = String::from_utf8_lossy(&sts.body).into_owned();
        let fields: BTreeMap<String, String> = body
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.replace("%3A", ":").replace("%2F", "/")))
            .collect();
        for (name, value) in form {
            assert_eq!(
                fields.get(name).map(String::as_str),
                value.as_str(),
                "STS form field {name} in {body}\n{context}"
            );
        }
    }
    for (needle, expected) in expect["requests"].as_object().into_iter().flatten() {
        // "METHOD /path" is an exact request line; a bare text is a substring of the path.
        let matches = |r: &lambda_invoke::emulator::RecordedRequest| match needle.split_once(' ') {
            Some((method, path)) => r.method == method && r.path == path,
            None => r.path.contains(needle.as_str()),
        };
        let count = emulator.requests().iter().filter(|r| matches(r)).count();
        assert_eq!(
            count as u64,
            expected.as_u64().unwrap(),
            "requests matching {needle:?}\n{context}"
        );
    }
    drop(stalled);
    std::fs::remove_dir_all(&dir).unwrap();
}

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run_scenario(&stringify!($name).replace('_', "-"));
            }
        )*

        #[test]
        fn every_scenario_folder_has_a_test() {
            let listed: Vec<String> = vec![$(stringify!($name).replace('_', "-")),*];
            let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("credential-scenarios");
            for entry in std::fs::read_dir(folder).unwrap() {
                let name = entry.unwrap().file_name().to_string_lossy().into_owned();
                assert!(listed.contains(&name), "scenario folder {name} has no test: add it to the list");
            }
        }
    };
}

// One line per case.
scenarios! {
    service_connection_keys,
    service_connection_assume_role,
    service_connection_oidc,
    web_identity_token_file,
    task_variables_keys,
    task_variables_assume_role,
    environment_keys,
    profile_static_keys,
    profile_role_with_source_profile,
    container_full_uri_with_token_file,
    imds_v2,
    imds_v1_when_token_refused,
    precedence_connection_over_web_identity,
    precedence_web_identity_over_task_variables,
    precedence_task_variables_over_environment,
    precedence_environment_over_profile,
    precedence_profile_over_container,
    precedence_container_over_imds,
    broken_only_a_key_id,
    broken_unreadable_token_file,
    broken_sts_access_denied,
    broken_invalid_identity_token,
    broken_imds_v1_disabled,
    broken_profile_not_found,
    broken_assume_role_arn_without_keys,
    imds_down_moves_on_within_a_second,
    role_duration_out_of_range_warns,
    region_from_task_variable,
    region_from_aws_region,
    region_from_aws_default_region,
    region_from_profile,
    region_from_imds,
    region_and_credentials_from_imds,
    region_from_function_arn,
}
