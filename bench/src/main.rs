//! The benchmark suite of lambda-invoke (see `bench/run.sh`, which runs all of it).
//!
//! ```text
//! lambda-invoke-bench [--parts 2,3,4] [--tasks N] [--warmup N] [--rounds N]
//!                     [--throughput-tasks N] [--workers N] [--signatures N]
//!                     [--native-peer PATH] [--hyperfine JSON] [--harness-binary PATH]
//!                     [--peak-rss LABEL=KIB]...
//! lambda-invoke-bench stub
//! ```
//!
//! Without `stub` it runs parts 2 (in-process cost per task), 3 (throughput of the worker pool)
//! and 4 (the signer inside the component and natively) against an in-process fast stub, adds
//! part 1 (whole process, from hyperfine's JSON export) and part 5 (sizes, peak memory) from
//! what `run.sh` measured, and prints one markdown table with each budget of the issue checked.
//! `stub` starts the fast stub for the whole-process part, prints its URL and runs until killed.
//!
//! Timings on a shared machine vary: budgets are stated as ratios measured in the same run
//! wherever the issue allows, and nothing here is a test.
#![forbid(unsafe_code)]

mod in_process;
mod signer;
mod stats;
mod stub;
mod table;
mod whole_process;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand};

use crate::in_process::Scope;
use crate::stats::{Summary, describe, human};
use crate::table::Table;

/// The lambda-invoke benchmark suite: prints a markdown table.
#[derive(Debug, Parser)]
#[command(name = "lambda-invoke-bench", args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Timed tasks (and round trips, and native calls) in part 2, spread over `--rounds`
    /// interleaved rounds.
    #[arg(long, default_value_t = 2000)]
    tasks: usize,
    /// Untimed runs of each measure of part 2 before the first round (and this many spread over
    /// the rounds, as the native peer gets in each of its processes).
    #[arg(long, default_value_t = 200)]
    warmup: usize,
    /// Tasks per round in part 3.
    #[arg(long, default_value_t = 4000)]
    throughput_tasks: usize,
    /// Workers in part 3.
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// Rounds: part 2 interleaves its measures in them (all samples count); parts 3 and 4
    /// report the median round.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Signatures per round in part 4.
    #[arg(long, default_value_t = 20_000)]
    signatures: u32,
    /// The native aws-sdk-lambda peer (bench/native-peer), for its in-process loop.
    #[arg(long, value_name = "PATH")]
    native_peer: Option<PathBuf>,
    /// hyperfine's `--export-json` of the whole-process runs (part 1).
    #[arg(long, value_name = "PATH")]
    hyperfine: Option<PathBuf>,
    /// The release `lambda-invoke` binary, for its size.
    #[arg(long, value_name = "PATH")]
    harness_binary: Option<PathBuf>,
    /// Which of the in-process parts to run (e.g. `--parts 2` to profile part 2 alone).
    #[arg(long, value_delimiter = ',', default_values_t = [2, 3, 4])]
    parts: Vec<u8>,
    /// Peak resident memory of one process run, from `/usr/bin/time -v` (repeatable); the
    /// labels are those of the whole-process commands.
    #[arg(long, value_name = "LABEL=KIB")]
    peak_rss: Vec<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the fast stub on 127.0.0.1, print its URL and serve until killed.
    Stub,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Stub) => serve_stub(),
        None => run(&cli),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("lambda-invoke-bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve_stub() -> Result<()> {
    let server = stub::Stub::start().context("cannot start the stub")?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{}", server.endpoint_url())?;
    stdout.flush()?;
    loop {
        std::thread::park();
    }
}

fn run(cli: &Cli) -> Result<()> {
    let mut table = Table::default();

    if let Some(path) = &cli.hyperfine {
        whole_process::rows(path, &mut table)?;
    }

    let server = stub::Stub::start().context("cannot start the stub")?;
    if cli.parts.contains(&2) {
        part_2(cli, &server, &mut table)?;
    }
    if cli.parts.contains(&3) {
        part_3(cli, &server, &mut table)?;
    }
    if cli.parts.contains(&4) {
        part_4(cli, &mut table)?;
    }
    sizes_and_memory(cli, &mut table)?;

    println!(
        "Fast stub: bench/src/stub.rs on 127.0.0.1, a minimal keep-alive Lambda Invoke echo with no signature \
         check (the harness's emulator waits on delayed ACKs: see stub.rs)."
    );
    println!();
    print!("{}", table.markdown());
    let missed: Vec<_> = table.missed().map(|r| r.measure.clone()).collect();
    if missed.is_empty() {
        println!("\nEvery budget measured here is met.");
    } else {
        println!("\nMissed: {}.", missed.join("; "));
    }
    Ok(())
}

/// Part 2: in-process cost per task, against the bare round trip and the native SDK's loop:
/// on one core (the budgets), then with the threads placed by the scheduler (for information).
fn part_2(cli: &Cli, server: &stub::Stub, table: &mut Table) -> Result<()> {
    let part = "2 in-process";
    // Before pinning: the first compilation starts the compiler's threads, which would keep
    // the one core.
    let (loads, runtimes) = in_process::load()?;
    table.info(part, "load: `Runtime::new`, compiling", human(loads.compile));
    table.info(part, "load: `Runtime::new`, from the cache", human(loads.cached));
    let measure = |server: &stub::Stub, scope| {
        in_process::per_task(
            server,
            &runtimes,
            scope,
            cli.tasks,
            cli.warmup,
            cli.rounds,
            cli.native_peer.as_deref(),
        )
    };
    eprintln!(
        "part 2: {} tasks a measure, in {} rounds, on one core",
        cli.tasks, cli.rounds
    );
    // A stub of its own, started on the pinned thread so that its threads share the core.
    let pinned = in_process::on_one_cpu(|| {
        let server = stub::Stub::start().context("cannot start the stub")?;
        measure(&server, Scope::All)
    })?;
    let is_pinned = pinned.is_ok();
    let (p, placement) = match pinned {
        Ok(p) => (p, "pooling allocator, one core"),
        Err(why) => {
            table.info(part, "placement", format!("{why}: the scheduler's placement"));
            (
                measure(server, Scope::All)?,
                "pooling allocator, scheduler's placement",
            )
        }
    };
    let on_demand = p.task_on_demand.context("no on-demand samples")?;
    let client = p.client_round_trip.context("no client samples")?;
    table.info(
        part,
        format!("per task (instantiate, credentials, sign, round trip, interpret; {placement})"),
        describe(&p.task),
    );
    table.info(
        part,
        "per task, on-demand allocator (the default, for one-task processes like the CLI)",
        describe(&on_demand),
    );
    table.info(
        part,
        "bare round trip: same request bytes, raw keep-alive socket",
        describe(&p.raw_round_trip),
    );
    table.info(
        part,
        "round trip through the harness's HTTP client (ureq)",
        describe(&client),
    );
    let micros = |summary: &Summary| summary.median.as_secs_f64() * 1e6;
    let raw = micros(&p.raw_round_trip);
    let over = micros(&p.task) - raw;
    table.budget(
        part,
        format!(
            "host overhead beyond the bare round trip (per-task median − round-trip median; {placement})"
        ),
        format!("{over:.1} µs"),
        "≤ 50 µs",
        over <= 50.0,
    );
    table.info(
        part,
        "the same, on-demand allocator",
        format!("{:.1} µs", micros(&on_demand) - raw),
    );
    table.info(
        part,
        "of which the harness's HTTP client beyond the raw socket",
        format!("{:.1} µs", micros(&client) - raw),
    );
    match &p.native {
        Some(native) => {
            table.info(
                part,
                "native SDK peer, per call in its own loop",
                describe(native),
            );
            let ratio = micros(&p.task) / micros(native);
            table.budget(
                part,
                format!("per task ÷ native SDK per call ({placement})"),
                format!("{ratio:.2}×"),
                "≤ 1.0×",
                ratio <= 1.0,
            );
            table.info(
                part,
                "the same beyond the bare round trip: (task − round trip) ÷ (native call − round trip)",
                format!("{:.2}×", over / (micros(native) - raw)),
            );
            table.info(
                part,
                "the same, on-demand allocator",
                format!("{:.2}×", micros(&on_demand) / micros(native)),
            );
        }
        None => table.info(part, "native SDK peer", "not built (run.sh with BENCH_NATIVE=1)"),
    }

    if is_pinned {
        eprintln!("part 2: the ratio with the threads placed by the scheduler");
        let free = measure(server, Scope::Ratio)?;
        let mut line = format!(
            "per task {}; bare round trip {}",
            human(free.task.median),
            human(free.raw_round_trip.median)
        );
        if let Some(native) = &free.native {
            line += &format!(
                "; native SDK per call {} ({:.2}×)",
                human(native.median),
                free.task.median.as_secs_f64() / native.median.as_secs_f64()
            );
        }
        table.info(
            part,
            "medians with the threads placed by the scheduler (two cores)",
            line,
        );
    }
    Ok(())
}

/// Part 3: isolated task runs per second on the worker pool.
fn part_3(cli: &Cli, server: &stub::Stub, table: &mut Table) -> Result<()> {
    eprintln!(
        "part 3: {} tasks on {} workers, {} rounds",
        cli.throughput_tasks, cli.workers, cli.rounds
    );
    let t = in_process::throughput(server, cli.throughput_tasks, cli.workers, cli.rounds)?;
    let part = "3 throughput";
    table.budget(
        part,
        format!(
            "isolated task runs per second, `run_many` on {} workers, pooling ({} tasks a round, stub in the same process)",
            t.workers, t.tasks
        ),
        format!("{:.0} /s", t.per_second),
        "≥ 2,000 /s",
        t.per_second >= 2000.0,
    );
    table.info(
        part,
        "the same on 1 worker",
        format!("{:.0} /s", t.per_second_one_worker),
    );
    Ok(())
}

/// Part 4: the signer inside the component and natively.
fn part_4(cli: &Cli, table: &mut Table) -> Result<()> {
    eprintln!(
        "part 4: {} signatures a round, {} rounds",
        cli.signatures, cli.rounds
    );
    let s = signer::measure(cli.signatures, cli.rounds)?;
    let part = "4 signer";
    table.info(
        part,
        "signatures per second, native",
        format!("{:.0} /s", s.native),
    );
    table.info(
        part,
        "signatures per second, inside the component (harness engine: epochs)",
        format!("{:.0} /s ({:.2}× native)", s.component, s.component / s.native),
    );
    table.info(
        part,
        "signatures per second, inside the component (wasmtime defaults)",
        format!(
            "{:.0} /s ({:.2}× native)",
            s.component_plain,
            s.component_plain / s.native
        ),
    );
    table.info(
        part,
        "one signature: native / in the component",
        format!("{:.1} µs / {:.1} µs", 1e6 / s.native, 1e6 / s.component),
    );
    Ok(())
}

fn sizes_and_memory(cli: &Cli, table: &mut Table) -> Result<()> {
    let part = "5 sizes";
    let component = lambda_invoke::EMBEDDED_COMPONENT.len() as f64 / 1024.0;
    table.budget(
        part,
        "release component (embedded; profile `guest`)",
        format!("{component:.1} KiB"),
        "≤ 200 KiB",
        component <= 200.0,
    );
    if let Some(path) = &cli.harness_binary {
        let bytes = std::fs::metadata(path)
            .with_context(|| format!("cannot stat {}", path.display()))?
            .len();
        table.info(
            part,
            "release `lambda-invoke` binary",
            format!("{:.2} MiB", bytes as f64 / 1048576.0),
        );
    }
    let mut rss = Vec::new();
    for entry in &cli.peak_rss {
        let (label, kib) = entry
            .rsplit_once('=')
            .with_context(|| format!("--peak-rss {entry}: use LABEL=KIB"))?;
        let kib: f64 = kib
            .trim()
            .parse()
            .with_context(|| format!("--peak-rss {entry}: not a number of KiB"))?;
        table.info(
            part,
            format!("peak RSS of one run: {label}"),
            format!("{:.1} MiB", kib / 1024.0),
        );
        rss.push((label.to_owned(), kib));
    }
    let find = |label: &str| rss.iter().find(|(l, _)| l == label).map(|(_, k)| *k);
    if let (Some(ours), Some(native)) = (find(whole_process::CACHED), find(whole_process::NATIVE)) {
        let ratio = ours / native;
        table.budget(
            part,
            "peak RSS, lambda-invoke (cached) ÷ native SDK peer",
            format!("{ratio:.2}×"),
            "≤ 1.5×",
            ratio <= 1.5,
        );
    }
    Ok(())
}
