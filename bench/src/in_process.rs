//! Parts 2 and 3: tasks run inside one process against the in-process fast stub.
//!
//! Part 2 loads the component once and runs tasks one after another (each one: a fresh store
//! and instance, credentials resolved, the request signed, one HTTP round trip, the answer
//! interpreted), and sets them against the bare round trip (the same request bytes replayed on
//! a raw keep-alive socket), the harness's own HTTP client, and the native SDK peer's loop.
//! The measures are taken in interleaved rounds (a slice of each per round), and with the
//! whole exchange on one core ([`on_one_cpu`]: the client, the stub and the native peer): on
//! this VM a loopback round trip between two cores costs 13 to 60 µs depending on where the
//! scheduler put the two threads and how deeply the other core slept, which swamps the costs
//! being compared; on one core it is 13 µs, every time. Part 3 runs tasks on the worker pool.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail, ensure};
use lambda_invoke::emulator::{EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY};
use lambda_invoke::http_client::{ClientLimits, HttpClient, Method, OutgoingRequest, ProxyConfig};
use lambda_invoke::{CacheSetting, ExitCode, Runtime, RuntimeOptions};

use crate::stats::Summary;
use crate::stub::{self, RawClient, Stub};

/// How long loading the component takes.
#[derive(Debug)]
pub struct Loads {
    /// `Runtime::new` compiling the component (no cache).
    pub compile: Duration,
    /// `Runtime::new` from a warm compiled-component cache.
    pub cached: Duration,
}

/// The two runtimes part 2 runs tasks on.
#[derive(Debug)]
pub struct Runtimes {
    /// The pooling allocator: what a host that runs many tasks uses.
    pub pooling: Runtime,
    /// The default, on-demand allocator.
    pub on_demand: Runtime,
}

/// Times `Runtime::new` compiling (the on-demand runtime) and from a warm cache, and makes the
/// runtimes part 2 uses. (Run it before [`on_one_cpu`]: the first compilation starts
/// wasmtime's compiler threads, which keep the CPUs of the thread that started them.)
pub fn load() -> Result<(Loads, Runtimes)> {
    let started = Instant::now();
    let on_demand = Runtime::new(RuntimeOptions {
        cache: CacheSetting::Disabled,
        ..RuntimeOptions::default()
    })?;
    let compile = started.elapsed();
    let cache_dir = scratch_dir("cache")?;
    drop(Runtime::new(RuntimeOptions {
        cache: CacheSetting::Dir(cache_dir.clone()),
        ..RuntimeOptions::default()
    })?);
    let started = Instant::now();
    drop(Runtime::new(RuntimeOptions {
        cache: CacheSetting::Dir(cache_dir.clone()),
        ..RuntimeOptions::default()
    })?);
    let cached = started.elapsed();
    let _ = std::fs::remove_dir_all(&cache_dir);
    let pooling = Runtime::new(RuntimeOptions {
        cache: CacheSetting::Disabled,
        pooling: Some(4),
        ..RuntimeOptions::default()
    })?;
    Ok((Loads { compile, cached }, Runtimes { pooling, on_demand }))
}

/// Which measures part 2 takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// All of them.
    All,
    /// The pooled task, the bare round trip and the native peer: the ratio and nothing else.
    Ratio,
}

/// What part 2 measured.
#[derive(Debug)]
pub struct PerTask {
    /// One task, pooling allocator: the runtime a host that runs many tasks uses.
    pub task: Summary,
    /// One task, the default runtime (on-demand allocator), in [`Scope::All`].
    pub task_on_demand: Option<Summary>,
    /// The recorded request replayed on a raw keep-alive socket.
    pub raw_round_trip: Summary,
    /// The recorded request sent through the harness's HTTP client (ureq), in [`Scope::All`].
    pub client_round_trip: Option<Summary>,
    /// The native SDK peer's calls in its own loop, if the peer was given.
    pub native: Option<Summary>,
}

/// Part 2 against `server`: `tasks` timed samples of each measure, in `rounds` interleaved
/// rounds, the native SDK `peer`'s loop too when given. Each measure first runs `warmup`
/// untimed times, and in every round `warmup / rounds` untimed times before its timed ones (as
/// the peer does in each of its processes); the order of the measures turns with the rounds.
#[allow(clippy::too_many_arguments)]
pub fn per_task(
    server: &Stub,
    runtimes: &Runtimes,
    scope: Scope,
    tasks: usize,
    warmup: usize,
    rounds: usize,
    peer: Option<&Path>,
) -> Result<PerTask> {
    ensure!(tasks > 0, "no samples to take: use --tasks 1 or more");
    let url = server.endpoint_url();
    let Runtimes { pooling, on_demand } = runtimes;

    // One task first: the request the task sends, as the stub received it, is what the round
    // trips replay.
    run_task(pooling, &url)?;
    let recorded = server
        .first_invoke()
        .context("the stub received no Invoke request")?;
    let mut raw = RawClient::connect(server.address(), &recorded)?;
    let client = HttpClient::new(ClientLimits::default(), ProxyConfig::none());
    let headers: Vec<(String, String)> = recorded
        .headers
        .iter()
        .filter(|(name, _)| {
            !["host", "content-length", "connection", "transfer-encoding"]
                .contains(&name.to_ascii_lowercase().as_str())
        })
        .cloned()
        .collect();
    let invoke_url = format!("{url}{}", recorded.target);

    let mut measures: Vec<Measure<'_>> = vec![
        ("pooled task", Box::new(|| run_task(pooling, &url)), Vec::new()),
        (
            "on-demand task",
            Box::new(|| run_task(on_demand, &url)),
            Vec::new(),
        ),
        (
            "raw round trip",
            Box::new(|| {
                let status = raw.round_trip()?;
                ensure!(
                    status == 200,
                    "the stub answered {status} to the replayed request"
                );
                Ok(())
            }),
            Vec::new(),
        ),
        (
            "client round trip",
            Box::new(|| {
                let response = client
                    .send(OutgoingRequest {
                        method: Method::Post,
                        url: invoke_url.clone(),
                        headers: headers.clone(),
                        body: recorded.body.clone(),
                        connect_timeout: Duration::from_secs(10),
                        read_timeout: Duration::from_secs(10),
                    })
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                ensure!(response.status == 200, "the stub answered {}", response.status);
                Ok(())
            }),
            Vec::new(),
        ),
    ];
    if scope == Scope::Ratio {
        measures.retain(|(what, _, _)| matches!(*what, "pooled task" | "raw round trip"));
    }
    for (_, measure, _) in &mut measures {
        for _ in 0..warmup {
            measure()?;
        }
    }
    let rounds = rounds.clamp(1, tasks);
    let round_warmup = warmup / rounds;
    let mut native = Vec::new();
    // Our measures, then the peer's loop (when there is a peer), starting one further on in
    // each round.
    let slots = measures.len() + usize::from(peer.is_some());
    for round in 0..rounds {
        // Spread `tasks` over the rounds, the remainder in the first ones.
        let count = tasks / rounds + usize::from(round < tasks % rounds);
        for slot in (0..slots).map(|i| (i + round) % slots) {
            match (measures.get_mut(slot), peer) {
                (Some((_, measure, samples)), _) => {
                    for _ in 0..round_warmup {
                        measure()?;
                    }
                    for _ in 0..count {
                        let started = Instant::now();
                        measure()?;
                        samples.push(started.elapsed());
                    }
                }
                (None, Some(peer)) => native.extend(native_loop(peer, server, count, round_warmup)?),
                (None, None) => {}
            }
        }
    }
    let mut summary = |name: &str| {
        let at = measures.iter().position(|(what, _, _)| *what == name)?;
        Summary::of(std::mem::take(&mut measures[at].2))
    };
    Ok(PerTask {
        task: summary("pooled task").context("no task samples")?,
        task_on_demand: summary("on-demand task"),
        raw_round_trip: summary("raw round trip").context("no round-trip samples")?,
        client_round_trip: summary("client round trip"),
        native: Summary::of(native),
    })
}

/// One thing timed in part 2: its name, one run of it, and the time of each run.
type Measure<'a> = (&'static str, Box<dyn FnMut() -> Result<()> + 'a>, Vec<Duration>);

/// Runs one echo task against `url` and checks it succeeded.
fn run_task(runtime: &Runtime, url: &str) -> Result<()> {
    let report = runtime.run(stub::echo_task(url));
    ensure!(
        report.exit_code() == ExitCode::Success,
        "a benchmark task failed: {:?}",
        report.result
    );
    Ok(())
}

/// The native SDK peer's own loop (`--loop N`, after `warmup` untimed calls) against `server`:
/// the time of each call.
fn native_loop(peer: &Path, server: &Stub, calls: usize, warmup: usize) -> Result<Vec<Duration>> {
    let output = Command::new(peer)
        .args([
            "--endpoint-url",
            &server.endpoint_url(),
            "--function-name",
            "echo",
        ])
        .args(["--payload", stub::PAYLOAD, "--loop", &calls.to_string()])
        .args(["--warmup", &warmup.to_string()])
        .env("AWS_ACCESS_KEY_ID", EXAMPLE_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", EXAMPLE_SECRET_ACCESS_KEY)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .output()
        .with_context(|| format!("cannot run the native peer {}", peer.display()))?;
    if !output.status.success() {
        bail!(
            "the native peer failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let line: serde_json::Value =
        serde_json::from_slice(&output.stdout).context("the native peer's output")?;
    let samples = line["samples_ns"]
        .as_array()
        .context("no samples_ns in the native peer's output (rebuild it: BENCH_NATIVE=1 bench/run.sh)")?;
    ensure!(
        samples.len() == calls,
        "the native peer timed {} calls, not the {calls} asked for",
        samples.len()
    );
    samples
        .iter()
        .map(|ns| {
            ns.as_u64()
                .map(Duration::from_nanos)
                .context("a sample of the native peer is not a number of nanoseconds")
        })
        .collect()
}

/// Runs `f` with the calling thread on one CPU (the first it may use), and so every thread and
/// process it starts; the thread's CPUs are restored after. `Ok(Err(why))`, without running
/// `f`, where that cannot be done (not Linux, or the system refuses). Thread pools started
/// lazily inside `f` keep the one CPU for good: start them before.
pub fn on_one_cpu<T>(f: impl FnOnce() -> Result<T>) -> Result<Result<T, String>> {
    #[cfg(target_os = "linux")]
    {
        use rustix::thread::{CpuSet, sched_getaffinity, sched_setaffinity};
        let all = match sched_getaffinity(None) {
            Ok(all) => all,
            Err(e) => return Ok(Err(format!("cannot read this thread's CPUs: {e}"))),
        };
        let Some(first) = (0..CpuSet::MAX_CPU).find(|&cpu| all.is_set(cpu)) else {
            return Ok(Err("this thread may run on no CPU".to_owned()));
        };
        let mut one = CpuSet::new();
        one.set(first);
        if let Err(e) = sched_setaffinity(None, &one) {
            return Ok(Err(format!("cannot pin this thread to one CPU: {e}")));
        }
        let result = f();
        let restored = sched_setaffinity(None, &all);
        let value = result?;
        restored.context("cannot restore this thread's CPUs")?;
        Ok(Ok(value))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = f;
        Ok(Err("threads are pinned on Linux only".to_owned()))
    }
}

/// What part 3 measured.
#[derive(Debug)]
pub struct Throughput {
    /// Tasks per round.
    pub tasks: usize,
    /// Workers.
    pub workers: usize,
    /// Median over the rounds of tasks per second.
    pub per_second: f64,
    /// The same with one worker, for scaling.
    pub per_second_one_worker: f64,
}

/// Part 3: `rounds` rounds of `tasks` isolated tasks on `workers` workers (pooling allocator).
pub fn throughput(server: &Stub, tasks: usize, workers: usize, rounds: usize) -> Result<Throughput> {
    let url = server.endpoint_url();
    let runtime = Runtime::new(RuntimeOptions {
        cache: CacheSetting::Disabled,
        pooling: Some(u32::try_from(workers * 2).unwrap_or(u32::MAX)),
        ..RuntimeOptions::default()
    })?;
    let rate = |workers: usize| -> Result<f64> {
        // A first, untimed batch opens the connections and faults the pool's memory in.
        run_batch(&runtime, &url, workers * 8, workers)?;
        let mut rates = Vec::with_capacity(rounds);
        for _ in 0..rounds.max(1) {
            let started = Instant::now();
            run_batch(&runtime, &url, tasks, workers)?;
            rates.push(tasks as f64 / started.elapsed().as_secs_f64());
        }
        rates.sort_by(f64::total_cmp);
        Ok(rates[rates.len() / 2])
    };
    let per_second = rate(workers)?;
    let per_second_one_worker = rate(1)?;
    Ok(Throughput {
        tasks,
        workers,
        per_second,
        per_second_one_worker,
    })
}

fn run_batch(runtime: &Runtime, url: &str, tasks: usize, workers: usize) -> Result<()> {
    let batch = (0..tasks).map(|_| stub::echo_task(url)).collect();
    let reports = runtime.run_many(batch, workers);
    ensure!(
        reports.len() == tasks,
        "run_many returned {} reports for {tasks} tasks",
        reports.len()
    );
    if let Some(failed) = reports.iter().find(|r| r.exit_code() != ExitCode::Success) {
        bail!("a task of the batch failed: {:?}", failed.result);
    }
    Ok(())
}

/// A fresh directory under the system's temporary directory.
fn scratch_dir(what: &str) -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("lambda-invoke-bench-{what}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}
