//! Many tenants in one host: 1,000 tasks on a worker pool with the pooling allocator, each
//! with its own credentials, against one emulated endpoint. Every request must be signed with
//! its own tenant's key (checked by the aws-sigv4 oracle and by the key id), every tenant must
//! get its own payload back, and no tenant's secret may appear in another's output.

use std::collections::BTreeMap;

use lambda_invoke::emulator::{Emulator, KeySecret};
use lambda_invoke::{Input, Runtime, RuntimeOptions, Task};
use lambda_invoke_tests::*;

const TENANTS: usize = 1000;
const WORKERS: usize = 4;

fn key(i: usize) -> String {
    format!("AKIATENANT{i:010}")
}

fn secret(i: usize) -> String {
    format!(
        "tenant-{i:04}-secret-{:032x}",
        (i as u128 + 7).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835)
    )
}

#[test]
fn a_thousand_tenants_stay_apart() {
    let mut config = config();
    for i in 0..TENANTS {
        config.keys.insert(
            key(i),
            KeySecret {
                secret_access_key: secret(i),
                session_token: None,
            },
        );
    }
    let emulator = Emulator::start(config).unwrap();
    let runtime = Runtime::new(RuntimeOptions {
        pooling: Some(WORKERS as u32 * 2),
        ..RuntimeOptions::default()
    })
    .unwrap();
    let tasks: Vec<Task> = (0..TENANTS)
        .map(|i| {
            let mut input = Input::new("echo");
            input.region = Some("us-east-1".to_owned());
            input.endpoint_url = Some(emulator.endpoint_url());
            input.payload = format!("{{\"tenant\":{i}}}");
            input.output_variable = Some("RESULT".to_owned());
            let mut task = Task::new(input);
            task.policy.allow_endpoint_url(&emulator.endpoint_url()).unwrap();
            task.environment = BTreeMap::from([
                ("AWS_ACCESS_KEY_ID".to_owned(), key(i)),
                ("AWS_SECRET_ACCESS_KEY".to_owned(), secret(i)),
            ]);
            task
        })
        .collect();
    let reports = runtime.run_many(tasks, WORKERS);

    assert_eq!(reports.len(), TENANTS);
    for (i, report) in reports.iter().enumerate() {
        let outcome = report
            .result
            .as_ref()
            .unwrap_or_else(|e| panic!("tenant {i}: {e}"));
        assert_eq!(
            outcome.payload,
            format!("{{\"tenant\":{i}}}").as_bytes(),
            "tenant {i} got another's payload"
        );
        assert_eq!(report.outputs[0].value, format!("{{\"tenant\":{i}}}"));
        assert_eq!(
            report.secrets.values().collect::<Vec<_>>(),
            [secret(i).as_str()],
            "tenant {i} sees only its own secret"
        );
    }
    // Each request carries its own tenant's key: the body says which tenant sent it.
    let requests = emulator.requests();
    assert_eq!(requests.len(), TENANTS);
    for request in &requests {
        let body = String::from_utf8_lossy(&request.body);
        let tenant: usize = body
            .trim_start_matches("{\"tenant\":")
            .trim_end_matches('}')
            .parse()
            .unwrap();
        let auth = request.header("authorization").unwrap();
        assert!(
            auth.contains(&format!("Credential={}/", key(tenant))),
            "tenant {tenant}'s request signed with {auth}"
        );
    }
    // No tenant's secret in any other tenant's output.
    let all_secrets: Vec<String> = (0..TENANTS).map(secret).collect();
    for (i, report) in reports.iter().enumerate() {
        let text = format!(
            "{:?}{:?}{}",
            report.logs,
            report.outputs,
            String::from_utf8_lossy(&report.result.as_ref().unwrap().payload)
        );
        for (j, s) in all_secrets.iter().enumerate() {
            assert!(
                !text.contains(s.as_str()),
                "tenant {j}'s secret appears in tenant {i}'s output"
            );
        }
    }
}
