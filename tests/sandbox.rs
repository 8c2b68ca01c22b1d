//! The sandbox against hostile guests: a component that implements the same world and attacks
//! the host (CPU, memory, egress, environment, files, log volume, outputs, secrets, HTTP calls,
//! payload size, a trap). Each attack ends its run with a clear sandbox error (exit code 7) and
//! the host goes on serving other runs.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;

use lambda_invoke::{ExitCode, Failure, Input, Limits, Report, Runtime, RuntimeOptions, SandboxError, Task};
use lambda_invoke_tests::*;

fn hostile() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| hostile_with(RuntimeOptions::default()))
}

/// A runtime of its own for the hostile component.
fn hostile_with(options: RuntimeOptions) -> Runtime {
    Runtime::from_file(env!("HOSTILE_COMPONENT").as_ref(), options).expect("the hostile component loads")
}

fn attack(what: &str, adjust: impl FnOnce(&mut Task)) -> Report {
    let mut task = Task::new(Input::new(what));
    adjust(&mut task);
    hostile().run(task)
}

/// `what` aimed at `url` on the test emulator, which the policy allows.
fn attack_emulator(what: &str, emulator: &lambda_invoke::emulator::Emulator) -> Report {
    let url = format!("{}/anything", emulator.endpoint_url());
    attack(&format!("{what} {url}"), |t| {
        t.policy.allow_endpoint_url(&url).unwrap();
    })
}

fn sandbox_error(report: &Report) -> SandboxError {
    assert_eq!(report.exit_code(), ExitCode::SandboxError, "{:?}", report.result);
    match &report.result {
        Err(Failure::Sandbox(e)) => e.clone(),
        other => panic!("expected a sandbox error, got {other:?}"),
    }
}

fn payload(report: &Report) -> String {
    String::from_utf8_lossy(&report.result.as_ref().expect("an outcome").payload).into_owned()
}

/// After an attack, the same host still serves a normal task.
fn host_still_serves() {
    let emulator = emulator();
    let mut input = input(&emulator, "echo");
    input.payload = "{\"still\":\"here\"}".to_owned();
    input.credentials = Some(example_connection());
    let report = runtime().run(task(&emulator, input));
    assert_eq!(
        report.result.expect("a normal run").payload,
        b"{\"still\":\"here\"}"
    );
    assert_eq!(payload(&attack("harmless", |_| {})), "unknown attack harmless");
}

#[test]
#[cfg(unix)] // Elsewhere a thread's CPU time is not read, and only the wall clock limits it.
fn an_endless_loop_is_stopped_by_the_cpu_limit() {
    hostile(); // compiled before the clock starts
    let started = std::time::Instant::now();
    let limit = Duration::from_millis(200);
    // A wall-clock limit far above the CPU limit, so that a broken CPU limit fails the test
    // rather than hanging it for the default 18 minutes.
    let report = attack("loop", |t| {
        t.limits = Limits::builder()
            .cpu_time(limit)
            .wall_time(Duration::from_secs(10))
            .build()
    });
    let e = sandbox_error(&report);
    assert_eq!(e, SandboxError::Cpu { limit });
    assert!(
        e.to_string().contains("200 ms") && e.to_string().contains("--max-cpu-time-ms"),
        "{e}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "a 200 ms CPU limit took {:?} to stop a loop",
        started.elapsed()
    );
    host_still_serves();
}

#[test]
#[cfg(unix)] // Elsewhere the CPU limit is not enforced, and this could not fail.
fn waiting_does_not_count_as_cpu_time() {
    // 40 ms of computation, 300 ms asleep in the host's clock, 40 ms more, against 150 ms of
    // CPU time: the run finishes (the CPU clock is read during both computations, so the nap
    // falls between two readings).
    let report = attack("spin-nap-spin 40 300", |t| {
        t.limits = Limits::builder().cpu_time(Duration::from_millis(150)).build()
    });
    assert_eq!(payload(&report), "woke up");
    assert!(
        report.elapsed >= Duration::from_millis(300),
        "{:?}",
        report.elapsed
    );
}

#[test]
fn an_endless_loop_is_stopped_by_the_wall_clock() {
    let report = attack("loop", |t| {
        t.limits = Limits::builder()
            .cpu_time(Duration::MAX)
            .wall_time(Duration::from_millis(300))
            .build()
    });
    assert!(matches!(sandbox_error(&report), SandboxError::WallTime { .. }));
    host_still_serves();
}

#[test]
fn sleeping_forever_in_the_host_is_stopped_by_the_wall_clock() {
    let started = std::time::Instant::now();
    let report = attack("sleep", |t| {
        t.limits = Limits::builder().wall_time(Duration::from_millis(300)).build()
    });
    assert!(matches!(sandbox_error(&report), SandboxError::WallTime { .. }));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "slept {:?} past a 300 ms limit",
        started.elapsed()
    );
    host_still_serves();
}

#[test]
fn a_pooled_slot_keeps_nothing_of_the_previous_run() {
    // One slot, so every run reuses the memory of the one before: its lowest 128 KiB rewritten
    // (the hostile component's static is there, see tests/hostile-guest/build.rs) and the rest
    // released (the 4 MiB heap block).
    let pooled = hostile_with(RuntimeOptions {
        pooling: Some(1),
        ..RuntimeOptions::default()
    });
    for run in 0..3 {
        let report = pooled.run(Task::new(Input::new("residue")));
        assert_eq!(payload(&report), "mark 0x0, 0 dirty heap bytes", "run {run}");
    }
}

#[test]
fn unbounded_allocation_is_stopped_by_the_memory_limit() {
    let report = attack("alloc", |t| {
        t.limits = Limits::builder().memory_bytes(16 << 20).build()
    });
    let e = sandbox_error(&report);
    assert_eq!(e, SandboxError::Memory { limit: 16 << 20 });
    assert!(e.to_string().contains("16 MiB"), "{e}");
    host_still_serves();
}

#[test]
fn hosts_the_policy_does_not_name_are_refused_before_any_io() {
    let report = attack("host https://example.com/", |_| {});
    let said = payload(&report);
    assert!(
        said.contains("Denied") && said.contains("--allow-host example.com:443"),
        "{said}"
    );
    let report = attack("host http://10.1.2.3/", |t| {
        t.policy
            .allow_host(lambda_invoke::AllowedHost::parse("10.1.2.3").unwrap());
    });
    assert!(
        payload(&report).contains("plain http is allowed only to loopback"),
        "{}",
        payload(&report)
    );
    // The refusal is logged for the user too.
    assert!(report.logs.iter().any(|(_, m)| m.contains("plain http")));
}

#[test]
fn environment_variables_outside_the_allowlist_are_invisible() {
    let env = BTreeMap::from([
        ("HOME".to_owned(), "/home/tenant".to_owned()),
        ("AWS_REGION".to_owned(), "eu-west-1".to_owned()),
    ]);
    let report = attack("env HOME", |t| t.environment = env.clone());
    assert_eq!(payload(&report), "None");
    assert!(
        report.logs.iter().any(|(_, m)| m.contains("--allow-env HOME")),
        "{:?}",
        report.logs
    );
    let report = attack("env AWS_REGION", |t| t.environment = env.clone());
    assert_eq!(payload(&report), "Some(\"eu-west-1\")");
    let report = attack("env HOME", |t| {
        t.environment = env.clone();
        t.policy.allow_env("HOME");
    });
    assert_eq!(payload(&report), "Some(\"/home/tenant\")");
}

#[test]
fn files_outside_the_credential_sources_are_refused() {
    let report = attack("file /etc/passwd", |_| {});
    assert!(
        payload(&report).contains("Denied") && payload(&report).contains("AWS_SHARED_CREDENTIALS_FILE"),
        "{}",
        payload(&report)
    );
    let report = attack("file /etc/hostname", |t| {
        t.policy.allow_file("/etc/hostname");
    });
    assert!(payload(&report).starts_with("Ok("), "{}", payload(&report));
}

#[test]
fn a_gigabyte_of_log_is_stopped_at_the_log_limit() {
    let report = attack("log", |_| {});
    let e = sandbox_error(&report);
    assert!(e.to_string().contains("bytes of log messages"), "{e}");
    let kept: usize = report.logs.iter().map(|(_, m)| m.len()).sum();
    assert!(kept <= Limits::default().max_log_bytes, "kept {kept} bytes");
    host_still_serves();
}

#[test]
fn ten_thousand_output_variables_are_refused_past_the_limit() {
    let report = attack("outputs", |_| {});
    assert_eq!(report.outputs.len(), Limits::default().max_outputs);
    assert!(
        sandbox_error(&report)
            .to_string()
            .contains("more than 32 output variables")
    );
}

#[test]
fn ten_thousand_secrets_are_refused_past_the_limit() {
    let report = attack("secrets", |_| {});
    assert!(
        sandbox_error(&report)
            .to_string()
            .contains("more than 64 secrets")
    );
    assert_eq!(report.secrets.len(), 64);
}

#[test]
fn http_calls_are_limited_per_run() {
    let emulator = emulator();
    let report = attack_emulator("calls", &emulator);
    assert!(
        sandbox_error(&report)
            .to_string()
            .contains("more than 32 HTTP requests")
    );
    assert_eq!(emulator.requests().len(), 32, "the 33rd request never left");
}

#[test]
fn a_huge_payload_is_refused() {
    let report = attack("payload", |_| {});
    assert!(
        sandbox_error(&report)
            .to_string()
            .contains("more than the 16777216-byte limit")
    );
}

#[test]
fn a_trapping_component_is_reported_and_the_host_goes_on() {
    let report = attack("trap", |_| {});
    assert!(matches!(sandbox_error(&report), SandboxError::Trap(_)));
    host_still_serves();
}

/// The refusal of a WASI import outside the world, naming it.
fn refused_import(report: &Report) -> String {
    match sandbox_error(report) {
        SandboxError::Denied(why) => why,
        other => panic!("expected the import to be refused, got {other:?}"),
    }
}

#[test]
fn wasi_beyond_the_world_is_refused_naming_the_import() {
    // A std guest loads (its extra imports are there), but every call outside the world ends
    // the run: the process environment, the filesystem, sockets, and a std panic's hook.
    let env = BTreeMap::from([("SECRET_OF_THE_HOST".to_owned(), "x".to_owned())]);
    let report = attack("wasi-env", |t| t.environment = env);
    let why = refused_import(&report);
    assert!(why.contains("`wasi:cli/environment@"), "{why}");
    assert!(why.contains("does not grant"), "{why}");

    let why = refused_import(&attack("wasi-file", |_| {}));
    assert!(why.contains("`wasi:filesystem/"), "{why}");

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let why = refused_import(&attack(&format!("wasi-net {address}"), |_| {}));
    assert!(why.contains("`wasi:sockets/"), "{why}");
    listener.set_nonblocking(true).unwrap();
    assert!(listener.accept().is_err(), "no connection reached the listener");

    // std's panic hook reads RUST_BACKTRACE, then writes to stderr: the first is refused.
    let why = refused_import(&attack("panic", |_| {}));
    assert!(why.contains("`wasi:cli/"), "{why}");
    host_still_serves();
}

#[test]
fn a_secret_over_the_size_limit_ends_the_run() {
    let e = sandbox_error(&attack("big-secret", |_| {}));
    assert!(e.to_string().contains("more than the 65536-byte limit"), "{e}");
    let report = attack("big-secret", |t| {
        t.limits = Limits::builder().max_secret_bytes(2 << 20).build()
    });
    assert_eq!(payload(&report), "registered");
}

#[test]
fn output_variables_are_limited_in_total_size() {
    // Two 8 MiB values fit the 16 MiB total; the next two do not.
    let report = attack("big-outputs", |_| {});
    assert_eq!(report.outputs.len(), 2);
    assert!(
        sandbox_error(&report)
            .to_string()
            .contains("more than 16777216 bytes in all"),
        "{:?}",
        report.result
    );
}

#[test]
fn a_header_over_the_size_limit_is_refused_before_any_io() {
    let emulator = emulator();
    let report = attack_emulator("big-header", &emulator);
    assert!(
        sandbox_error(&report)
            .to_string()
            .contains("a header over 16384 bytes"),
        "{:?}",
        report.result
    );
    assert!(emulator.requests().is_empty(), "nothing was sent");
}

/// A reporter that, on its first progress line, says so and then blocks (as a tenant's reporter
/// writing to a pipe nobody reads would) until released.
struct StuckReporter {
    stuck: std::sync::mpsc::Sender<()>,
    release: std::sync::mpsc::Receiver<()>,
}

impl lambda_invoke::Reporter for StuckReporter {
    fn log(&mut self, _: lambda_invoke::LogLevel, message: &str) {
        if message.starts_with("still waiting") {
            let _ = self.stuck.send(());
            let _ = self.release.recv_timeout(Duration::from_secs(20));
        }
    }
}

#[test]
fn a_blocked_reporter_does_not_stop_other_tenants_deadlines() {
    let runtime = std::sync::Arc::new(hostile_with(RuntimeOptions {
        progress_interval: Duration::from_millis(50),
        ..RuntimeOptions::default()
    }));
    // Tenant A waits on a slow server; its progress line blocks in its reporter.
    let emulator = emulator();
    emulator.push_fault(Fault::Stall(Duration::from_secs(3)));
    let url = format!("{}/slow", emulator.endpoint_url());
    let (stuck_tx, stuck_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel();
    let mut task_a = Task::new(Input::new(format!("host {url}")));
    task_a.policy.allow_endpoint_url(&url).unwrap();
    task_a.reporter = Box::new(StuckReporter {
        stuck: stuck_tx,
        release: release_rx,
    });
    let tenant_a = {
        let runtime = std::sync::Arc::clone(&runtime);
        std::thread::spawn(move || runtime.run(task_a))
    };
    stuck_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("tenant A's progress line is due");

    // Tenant B loops; its wall-clock limit must still end it on time.
    let started = std::time::Instant::now();
    let mut task_b = Task::new(Input::new("loop"));
    task_b.limits = Limits::builder()
        .cpu_time(Duration::MAX)
        .wall_time(Duration::from_millis(300))
        .build();
    let report = runtime.run(task_b);
    assert!(matches!(sandbox_error(&report), SandboxError::WallTime { .. }));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "tenant B ran {:?} past its 300 ms",
        started.elapsed()
    );
    release_tx.send(()).unwrap();
    tenant_a.join().unwrap();
}
