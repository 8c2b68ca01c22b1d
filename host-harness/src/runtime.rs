//! Loads the component once and runs tasks, each in its own store with its own policy,
//! variables, secrets and limits. Nothing mutable is shared between runs except the HTTP
//! client's connection pool (connections carry no credentials: every request is signed).

use std::collections::BTreeMap;
use std::collections::VecDeque;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};

/// The largest linear memory a pooled instance can have (the per-run limit is lower).
const POOL_MAX_MEMORY: usize = 256 << 20;
/// How much of a pooled slot's memory (and tables) is rewritten and stays mapped between runs:
/// the component's 64 KiB stack, its data and the start of its heap, where a normal run writes
/// (guest/build.rs).
const POOL_KEEP_RESIDENT: usize = 128 << 10;
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, StoreLimits,
    StoreLimitsBuilder, Trap,
};
use wasmtime_wasi::clocks::WasiClocksCtx;
use wasmtime_wasi::p2::bindings::sync::clocks::monotonic_clock::Host as MonotonicClock;
use wasmtime_wasi::random::WasiRandomCtx;

use crate::bindings::{InvokeTaskPre, environment as wit_env, http as wit_http, types as wit_types};
use crate::cpu::CpuMeter;
use crate::http_client::{self, ClientLimits, HttpClient, OutgoingRequest, ProxyConfig};
use crate::limits::Limits;
use crate::masking::Secrets;
use crate::policy::Policy;
use crate::task::{Input, Outcome, TaskError};

/// The component built from `guest/`, embedded at build time.
pub static EMBEDDED_COMPONENT: &[u8] = include_bytes!(env!("LAMBDA_INVOKE_COMPONENT"));

/// How often the CPU and wall-clock limits are checked while the guest computes.
const EPOCH_TICK: Duration = Duration::from_millis(10);
/// How often requests in flight are checked for a due progress line.
const PROGRESS_TICK: Duration = Duration::from_millis(100);
/// The largest file the guest may read (shared config files and tokens are small).
const MAX_FILE_BYTES: u64 = 1 << 20;
/// The longest connect timeout the host grants, whatever the guest asks.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// The level of a log message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum LogLevel {
    /// Troubleshooting detail.
    Debug,
    /// Progress.
    Info,
    /// Worth a look.
    Warning,
    /// A failure.
    Error,
}

/// An output variable the guest set.
#[derive(Clone, PartialEq, Eq)]
pub struct OutputVariable {
    /// The name.
    pub name: String,
    /// The value (not masked: it is the data later steps need).
    pub value: String,
    /// Whether the CI system should store it as a secret.
    pub secret: bool,
}

impl fmt::Debug for OutputVariable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutputVariable")
            .field("name", &self.name)
            .field(
                "value",
                if self.secret {
                    &"** redacted **"
                } else {
                    &self.value
                },
            )
            .field("secret", &self.secret)
            .finish()
    }
}

/// Receives what a run produces as it happens. Messages are already masked.
pub trait Reporter: Send {
    /// A secret was registered. Hosts that print through a CI system announce it there (e.g.
    /// `##vso[task.setsecret]`) before anything else; others ignore it.
    fn secret(&mut self, _value: &str) {}
    /// A log message, with every registered secret masked.
    fn log(&mut self, _level: LogLevel, _message: &str) {}
    /// An output variable was set.
    fn output(&mut self, _variable: &OutputVariable) {}
}

/// A reporter that keeps nothing (the [`Report`] still has everything).
#[derive(Debug, Default)]
pub struct Silent;

impl Reporter for Silent {}

/// One run of the task: its input and everything the host grants it.
pub struct Task {
    /// The task's inputs.
    pub input: Input,
    /// Task variables (`AWS.AccessKeyID`, `AWS.Region`, ...).
    pub variables: BTreeMap<String, String>,
    /// Candidate environment variables; the guest sees only those `policy` allows.
    pub environment: BTreeMap<String, String>,
    /// Egress and environment policy.
    pub policy: Policy,
    /// Limits.
    pub limits: Limits,
    /// Receives logs, secrets and outputs as they happen.
    pub reporter: Box<dyn Reporter>,
}

impl fmt::Debug for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("input", &self.input)
            .field("variables", &self.variables.keys().collect::<Vec<_>>())
            .field("environment", &self.environment.keys().collect::<Vec<_>>())
            .field("policy", &self.policy)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Task {
    /// A task for `input` with the default policy and limits, no variables, no environment.
    pub fn new(input: Input) -> Self {
        Task {
            input,
            variables: BTreeMap::new(),
            environment: BTreeMap::new(),
            policy: Policy::default(),
            limits: Limits::default(),
            reporter: Box::new(Silent),
        }
    }
}

/// A limit of the sandbox that stopped the run.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SandboxError {
    /// The guest tried to grow its memory beyond the limit.
    Memory {
        /// The limit in bytes.
        limit: usize,
    },
    /// The run used up its CPU time.
    Cpu {
        /// The limit ([`Limits::cpu_time`]).
        limit: Duration,
    },
    /// The run exceeded its wall-clock deadline.
    WallTime {
        /// The deadline.
        limit: Duration,
    },
    /// An import limit (log volume, outputs, secrets, HTTP calls, sizes).
    Limit(String),
    /// The policy refused something the guest needed.
    Denied(String),
    /// The guest trapped for another reason (a bug in the component).
    Trap(String),
}

impl fmt::Display for SandboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SandboxError::Memory { limit } => write!(
                f,
                "the component exceeded its memory limit of {} MiB (raise it with --max-memory-mib)",
                limit >> 20
            ),
            SandboxError::Cpu { limit } => write!(
                f,
                "the component used more than its {} ms of CPU time (raise it with --max-cpu-time-ms)",
                limit.as_millis()
            ),
            SandboxError::WallTime { limit } => write!(
                f,
                "the run exceeded its wall-clock limit of {} s (raise it with --max-wall-time-s)",
                limit.as_secs()
            ),
            SandboxError::Limit(why) => write!(f, "sandbox limit reached: {why}"),
            SandboxError::Denied(why) => write!(f, "refused by the sandbox policy: {why}"),
            SandboxError::Trap(why) => write!(f, "the component trapped: {why}"),
        }
    }
}

/// How a run ended, when not with an outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// The task reported an error.
    Task(TaskError),
    /// The sandbox stopped the run.
    Sandbox(SandboxError),
    /// The host could not run the component (instantiation failed, ...).
    Host(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Task(e) => e.fmt(f),
            Failure::Sandbox(e) => e.fmt(f),
            Failure::Host(e) => write!(f, "the host failed: {e}"),
        }
    }
}

/// Exit codes of the `lambda-invoke` command, one per kind of failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExitCode {
    /// 0: the function was invoked (and did not fail, or failing was turned off).
    Success = 0,
    /// 1: the host itself failed.
    HostError = 1,
    /// 2: an input or option is invalid; nothing was sent.
    InvalidInput = 2,
    /// 3: no credentials or no region, or a credential source is broken.
    Configuration = 3,
    /// 4: an AWS service answered with an error.
    ServiceError = 4,
    /// 5: the function ran and failed.
    FunctionError = 5,
    /// 6: a request got no answer (network, timeout).
    TransportError = 6,
    /// 7: the sandbox stopped the run (policy refusal or limit).
    SandboxError = 7,
}

impl Failure {
    /// The exit code for this failure.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Failure::Task(TaskError::InvalidInput { .. }) => ExitCode::InvalidInput,
            Failure::Task(
                TaskError::CredentialsNotFound(_)
                | TaskError::CredentialsInvalid(_)
                | TaskError::RegionNotFound(_),
            ) => ExitCode::Configuration,
            Failure::Task(TaskError::Service(_)) => ExitCode::ServiceError,
            Failure::Task(TaskError::Function { .. }) => ExitCode::FunctionError,
            Failure::Task(TaskError::Transport { error, .. }) => match error {
                crate::task::HttpError::Denied(_) | crate::task::HttpError::LimitExceeded(_) => {
                    ExitCode::SandboxError
                }
                _ => ExitCode::TransportError,
            },
            Failure::Sandbox(_) => ExitCode::SandboxError,
            Failure::Host(_) => ExitCode::HostError,
        }
    }
}

/// Everything a run produced.
#[derive(Debug)]
pub struct Report {
    /// The outcome, or why there is none.
    pub result: Result<Outcome, Failure>,
    /// Output variables, in the order set.
    pub outputs: Vec<OutputVariable>,
    /// Log messages, masked.
    pub logs: Vec<(LogLevel, String)>,
    /// The secrets the guest registered, for masking what the caller prints.
    pub secrets: Secrets,
    /// HTTP requests the guest made (refused ones included).
    pub http_calls: u32,
    /// How long the run took.
    pub elapsed: Duration,
    /// The largest size the guest's linear memory was granted, in bytes: its initial size unless
    /// it grew (of its largest memory, if it has several). A grant the host then fails to carry
    /// out (rare: a pool slot smaller than the memory limit) still counts.
    pub peak_memory: usize,
}

impl Report {
    /// A run that ended before the guest did anything.
    fn failed(failure: Failure, started: Instant) -> Report {
        Report {
            result: Err(failure),
            outputs: Vec::new(),
            logs: Vec::new(),
            secrets: Secrets::default(),
            http_calls: 0,
            elapsed: started.elapsed(),
            peak_memory: 0,
        }
    }

    /// The exit code of the run.
    pub fn exit_code(&self) -> ExitCode {
        match &self.result {
            Ok(_) => ExitCode::Success,
            Err(failure) => failure.exit_code(),
        }
    }
}

/// Where compiled components are kept between processes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum CacheSetting {
    /// Compile every time.
    #[default]
    Disabled,
    /// `$LAMBDA_INVOKE_CACHE_DIR`, else `$XDG_CACHE_HOME/lambda-invoke`, else
    /// `$HOME/.cache/lambda-invoke`.
    Default,
    /// This directory.
    Dir(PathBuf),
}

/// Options of a [`Runtime`].
#[derive(Debug, Clone)]
pub struct RuntimeOptions {
    /// Proxies for outgoing HTTP (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`).
    pub proxy: ProxyConfig,
    /// The compiled-component cache.
    pub cache: CacheSetting,
    /// Use wasmtime's pooling allocator with room for this many concurrent runs: for hosts that
    /// run many tasks (a task costs half as much: no memory mapped and unmapped per run, and
    /// the low pages a run writes stay mapped for the next). Costs address space up front.
    pub pooling: Option<u32>,
    /// How often a request still in flight is reported ("still waiting for function X, 35 s").
    /// Default 5 s.
    pub progress_interval: Duration,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        RuntimeOptions {
            proxy: ProxyConfig::default(),
            cache: CacheSetting::default(),
            pooling: None,
            progress_interval: Duration::from_secs(5),
        }
    }
}

/// A compiled component, ready to run tasks. Cheap to share between threads (`Arc` it): each
/// [`Runtime::run`] gets a fresh store and instance.
pub struct Runtime {
    engine: Engine,
    pre: InvokeTaskPre<RunState>,
    http: Arc<HttpClient>,
    board: Arc<ProgressBoard>,
    _ticker: Arc<()>,
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime").finish_non_exhaustive()
    }
}

impl Runtime {
    /// The engine configuration every runtime uses.
    pub fn engine_config(pooling: Option<u32>) -> Config {
        let mut config = Config::new();
        // Epochs, not fuel: both limits of the guest's computation (CPU and wall-clock time) are
        // checked at each epoch tick (see `Runtime::store`). Fuel would count instructions
        // exactly, at the price of a counter update in every basic block: about a tenth of a
        // task's time.
        config.epoch_interruption(true);
        if let Some(runs) = pooling {
            let runs = runs.max(1);
            let mut pool = PoolingAllocationConfig::default();
            pool.total_component_instances(runs)
                .total_core_instances(runs.saturating_mul(4))
                .total_memories(runs.saturating_mul(2))
                .total_tables(runs.saturating_mul(4))
                .max_memory_size(POOL_MAX_MEMORY);
            // A slot is reset by zeroing (or restoring from the data image) its lowest
            // POOL_KEEP_RESIDENT bytes, which stay mapped for the next run, and `madvise` of the
            // rest: a normal run's stack, data and small heap blocks are in those bytes (see
            // guest/build.rs), so the next run takes no page faults for them. Not
            // `PAGEMAP_SCAN` (explicitly off, whatever a later wasmtime's default), which
            // would rewrite only the pages a run wrote: in wasmtime 48 it skips written pages
            // that are not present (swapped out, or being moved by the kernel), which would hand
            // one tenant's data to the next (bytecodealliance/wasmtime#14357).
            pool.pagemap_scan(wasmtime::Enabled::No)
                .linear_memory_keep_resident(POOL_KEEP_RESIDENT)
                .table_keep_resident(POOL_KEEP_RESIDENT);
            config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        }
        config
    }

    /// Compiles (or loads from the cache) the embedded component.
    pub fn new(options: RuntimeOptions) -> Result<Self> {
        Self::from_bytes(EMBEDDED_COMPONENT, options)
    }

    /// Compiles (or loads from the cache) the component in `bytes` (a `.wasm` component
    /// implementing the `invoke-task` world).
    pub fn from_bytes(bytes: &[u8], options: RuntimeOptions) -> Result<Self> {
        let engine = Engine::new(&Self::engine_config(options.pooling))?;
        let component = crate::cache::load(&engine, bytes, &options.cache)?;
        Self::from_component(engine, &component, options)
    }

    /// Compiles the component file at `path`.
    pub fn from_file(path: &std::path::Path, options: RuntimeOptions) -> Result<Self> {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read component {}", path.display()))?;
        Self::from_bytes(&bytes, options)
    }

    fn from_component(engine: Engine, component: &Component, options: RuntimeOptions) -> Result<Self> {
        let mut linker = Linker::<RunState>::new(&engine);
        link_world(&mut linker)?;
        refuse_imports_outside_world(&mut linker, component)?;
        let pre = linker
            .instantiate_pre(component)
            .map_err(anyhow::Error::from)
            .context(
                "the component does not fit the host: it must implement lambda-invoke:task/invoke-task@0.1.0",
            )?;
        let pre = InvokeTaskPre::new(pre)?;
        let ticker = Arc::new(());
        let board = Arc::new(ProgressBoard {
            interval: options.progress_interval,
            ..ProgressBoard::default()
        });
        spawn_ticker(engine.clone(), Arc::clone(&board), Arc::downgrade(&ticker));
        let http = Arc::new(HttpClient::new(ClientLimits::default(), options.proxy));
        Ok(Runtime {
            engine,
            pre,
            http,
            board,
            _ticker: ticker,
        })
    }

    /// The component's description of the task: inputs and permissions, as JSON (`name`,
    /// `version`, `summary`, `inputs[]` with `name`, `label`, `kind`, `default`, `allowed_values`,
    /// `required`, `help`, and `permissions[]`).
    pub fn describe(&self) -> Result<serde_json::Value> {
        let mut task = Task::new(Input::new(""));
        task.limits.wall_time = Duration::from_secs(10);
        let mut store = self.store(task, Instant::now());
        let instance = self.pre.instantiate(&mut store).map_err(anyhow::Error::from)?;
        let d = instance.call_describe(&mut store).map_err(anyhow::Error::from)?;
        let kind = |k: wit_types::InputKind| match k {
            wit_types::InputKind::Text => "text",
            wit_types::InputKind::Choice => "choice",
            wit_types::InputKind::Boolean => "boolean",
            wit_types::InputKind::Integer => "integer",
            wit_types::InputKind::Json => "json",
            wit_types::InputKind::Secret => "secret",
        };
        let inputs: Vec<serde_json::Value> = d
            .inputs
            .into_iter()
            .map(|i| {
                serde_json::json!({
                    "name": i.name,
                    "label": i.label,
                    "kind": kind(i.kind),
                    "default": i.default_value,
                    "allowed_values": i.allowed_values,
                    "required": i.required,
                    "help": i.help,
                })
            })
            .collect();
        Ok(serde_json::json!({
            "name": d.name,
            "version": d.version,
            "summary": d.summary,
            "inputs": inputs,
            "permissions": d.permissions,
        }))
    }

    fn store(&self, task: Task, started: Instant) -> Store<RunState> {
        let Task {
            input: _,
            variables,
            environment,
            policy,
            limits,
            reporter,
        } = task;
        let environment = policy.filter_env(environment);
        let state = RunState {
            cpu: CpuMeter::start(started, EPOCH_TICK),
            clocks: WasiClocksCtx::default(),
            random: WasiRandomCtx::default(),
            table: ResourceTable::new(),
            limiter: Limiter {
                limits: StoreLimitsBuilder::new()
                    .memory_size(limits.memory_bytes)
                    .table_elements(limits.table_elements)
                    .instances(8)
                    .tables(8)
                    .memories(8)
                    .build(),
                memory_limit: limits.memory_bytes,
                table_limit: limits.table_elements,
                peak_memory: 0,
            },
            io: TaskIo {
                variables,
                environment,
                policy,
                http: Arc::clone(&self.http),
                deadline: started + limits.wall_time,
                limits,
                secrets: Secrets::default(),
                outputs: Vec::new(),
                logs: Vec::new(),
                log_bytes: 0,
                http_calls: 0,
                stopped_by: None,
                reporter: Arc::new(Mutex::new(reporter)),
                board: Arc::clone(&self.board),
            },
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limiter);
        // At every tick of the epoch while the guest computes: has the run used up its CPU time
        // (this thread's, since the store was made: the guest's and the host's work for it,
        // not its waits; see `cpu`) or its wall-clock time? Either ends the run with that limit.
        store.epoch_deadline_callback(|mut store| {
            let state = store.data_mut();
            if Instant::now() >= state.io.deadline {
                return Err(SandboxError::WallTime {
                    limit: state.io.limits.wall_time,
                }
                .into());
            }
            let limit = state.io.limits.cpu_time;
            if state.cpu.used().is_some_and(|used| used > limit) {
                return Err(SandboxError::Cpu { limit }.into());
            }
            Ok(wasmtime::UpdateDeadline::Continue(1))
        });
        store.set_epoch_deadline(1);
        store
    }

    /// Runs `tasks` on `workers` threads, each in its own store; returns the reports in the
    /// order of `tasks`. With the pooling allocator, keep `workers` at most its size.
    pub fn run_many(&self, tasks: Vec<Task>, workers: usize) -> Vec<Report> {
        let count = tasks.len();
        let queue: Mutex<VecDeque<(usize, Task)>> = Mutex::new(tasks.into_iter().enumerate().collect());
        let results: Mutex<Vec<Option<Report>>> = Mutex::new((0..count).map(|_| None).collect());
        std::thread::scope(|scope| {
            for _ in 0..workers.clamp(1, count.max(1)) {
                scope.spawn(|| {
                    loop {
                        let next = queue
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .pop_front();
                        let Some((index, task)) = next else { break };
                        let report = self.run(task);
                        results.lock().unwrap_or_else(std::sync::PoisonError::into_inner)[index] =
                            Some(report);
                    }
                });
            }
        });
        results
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .into_iter()
            .map(|r| r.expect("every task ran"))
            .collect()
    }

    /// Runs one task to its end. Never panics on anything the guest does.
    pub fn run(&self, task: Task) -> Report {
        let started = Instant::now();
        let input = task.input.to_wit();
        let mut store = self.store(task, started);
        let result = match self.pre.instantiate(&mut store) {
            Ok(instance) => instance.call_run(&mut store, &input),
            // Instantiation may run a component's start function: a trap or a limit there is
            // the guest's; anything else means the host could not set it up (e.g. the pooling
            // allocator is full).
            Err(error)
                if error.downcast_ref::<Trap>().is_none()
                    && error.downcast_ref::<SandboxError>().is_none() =>
            {
                return Report::failed(
                    Failure::Host(format!("cannot instantiate the component: {error:#}")),
                    started,
                );
            }
            Err(error) => Err(error),
        };
        let peak_memory = store.data().limiter.peak_memory;
        let io = store.into_data().io;
        let max_outcome = io.limits.max_outcome_bytes;
        let result = match result {
            Ok(Ok(outcome)) if outcome.payload.len() > max_outcome => {
                Err(Failure::Sandbox(SandboxError::Limit(format!(
                    "the component returned a {}-byte payload, more than the {max_outcome}-byte limit (--max-payload-mib)",
                    outcome.payload.len()
                ))))
            }
            Ok(Ok(outcome)) => Ok(outcome.into()),
            Ok(Err(error)) => Err(Failure::Task(error.into())),
            Err(error) => Err(Failure::Sandbox(classify_trap(&error, &io))),
        };
        // A limit hit inside an import is the sandbox's doing, whatever the guest made of it
        // (its own error, or an outcome built on refused calls): say so.
        let result = match (result, &io.stopped_by) {
            (Ok(_) | Err(Failure::Task(_)), Some(limit)) => Err(Failure::Sandbox(limit.clone())),
            (result, _) => result,
        };
        Report {
            result,
            outputs: io.outputs,
            logs: io.logs,
            secrets: io.secrets,
            http_calls: io.http_calls,
            elapsed: started.elapsed(),
            peak_memory,
        }
    }
}

/// What ended a run with a trap: a limit (the limiter's, the epoch callback's or one hit in an
/// import, whatever the guest made of it), else the guest's own trap.
fn classify_trap(error: &wasmtime::Error, io: &TaskIo) -> SandboxError {
    if let Some(limit) = error.downcast_ref::<SandboxError>() {
        return limit.clone();
    }
    if let Some(limit) = &io.stopped_by {
        return limit.clone();
    }
    SandboxError::Trap(io.secrets.mask(&format!("{error:#}")))
}

/// Advances the engine's epoch every [`EPOCH_TICK`] (at which runs check their CPU and
/// wall-clock limits) and writes the progress lines of long requests, until the runtime is
/// dropped.
///
/// Two threads: the epoch, which every tenant's limits depend on, never waits on anything a
/// tenant controls; progress lines go through the tenants' reporters (which may block, say on a
/// full pipe) on a thread of their own.
fn spawn_ticker(engine: Engine, board: Arc<ProgressBoard>, alive: Weak<()>) {
    spawn_every("lambda-invoke-epoch", EPOCH_TICK, alive.clone(), move || {
        engine.increment_epoch();
    });
    spawn_every("lambda-invoke-progress", PROGRESS_TICK, alive, move || {
        board.tick()
    });
}

/// Runs `tick` every `period` on a thread called `name`, while `alive` has an owner.
fn spawn_every(name: &str, period: Duration, alive: Weak<()>, mut tick: impl FnMut() + Send + 'static) {
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            while alive.strong_count() > 0 {
                std::thread::sleep(period);
                tick();
            }
        })
        .unwrap_or_else(|e| panic!("cannot start the thread {name}: {e}"));
}

/// Links exactly the imports of the `invoke-task` world: this package's `http` and `environment`,
/// and of WASI only the wall clock, the monotonic clock (with `wasi:io/poll` to sleep on) and
/// insecure random numbers. No filesystem, sockets, environment or stdio.
fn link_world(linker: &mut Linker<RunState>) -> Result<()> {
    use crate::bindings::lambda_invoke::task::{environment, http};
    use wasmtime_wasi::clocks::{WasiClocks, WasiClocksCtxView};
    use wasmtime_wasi::p2::bindings::sync::{clocks, io, random};
    use wasmtime_wasi::random::WasiRandom;

    /// `wasi:io/poll` works on the store's resource table.
    struct Table;
    impl wasmtime::component::HasData for Table {
        type Data<'a> = &'a mut ResourceTable;
    }

    http::add_to_linker::<RunState, HasSelf<RunState>>(linker, |state| state)?;
    environment::add_to_linker::<RunState, HasSelf<RunState>>(linker, |state| state)?;
    fn clocks(state: &mut RunState) -> WasiClocksCtxView<'_> {
        WasiClocksCtxView {
            ctx: &mut state.clocks,
            table: &mut state.table,
        }
    }
    clocks::wall_clock::add_to_linker::<RunState, WasiClocks>(linker, clocks)?;
    clocks::monotonic_clock::add_to_linker::<RunState, CappedClock>(linker, |state| CappedSleep {
        deadline: state.io.deadline,
        wall_time: state.io.limits.wall_time,
        stopped_by: &mut state.io.stopped_by,
        clocks: WasiClocksCtxView {
            ctx: &mut state.clocks,
            table: &mut state.table,
        },
    })?;
    io::poll::add_to_linker::<RunState, Table>(linker, |state| &mut state.table)?;
    random::insecure::add_to_linker::<RunState, WasiRandom>(linker, |state| &mut state.random)?;
    Ok(())
}

/// `wasi:clocks/monotonic-clock` with every wait ending by the run's deadline: a guest that
/// sleeps (in `poll`, on a pollable from `subscribe-*`) waits in host code, where the epoch
/// deadline cannot stop it. A wait cut short by the deadline ends the run as over its wall-clock
/// limit, whatever the guest does once it wakes.
struct CappedClock;

impl wasmtime::component::HasData for CappedClock {
    type Data<'a> = CappedSleep<'a>;
}

/// The clocks of a run, what is left of its wall-clock time, and where a cut wait is recorded.
struct CappedSleep<'a> {
    clocks: wasmtime_wasi::clocks::WasiClocksCtxView<'a>,
    deadline: Instant,
    wall_time: Duration,
    stopped_by: &'a mut Option<SandboxError>,
}

impl CappedSleep<'_> {
    fn cap(&mut self, nanos: u64) -> u64 {
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        let remaining = u64::try_from(remaining.as_nanos()).unwrap_or(u64::MAX);
        if nanos > remaining {
            *self.stopped_by = Some(SandboxError::WallTime {
                limit: self.wall_time,
            });
        }
        nanos.min(remaining)
    }
}

impl MonotonicClock for CappedSleep<'_> {
    fn now(&mut self) -> wasmtime::Result<u64> {
        self.clocks.now()
    }

    fn resolution(&mut self) -> wasmtime::Result<u64> {
        self.clocks.resolution()
    }

    fn subscribe_instant(
        &mut self,
        when: u64,
    ) -> wasmtime::Result<wasmtime::component::Resource<wasmtime_wasi::p2::DynPollable>> {
        let wait = when.saturating_sub(self.clocks.now()?);
        let capped = self.cap(wait);
        self.clocks.subscribe_duration(capped)
    }

    fn subscribe_duration(
        &mut self,
        duration: u64,
    ) -> wasmtime::Result<wasmtime::component::Resource<wasmtime_wasi::p2::DynPollable>> {
        let capped = self.cap(duration);
        self.clocks.subscribe_duration(capped)
    }
}

/// The interfaces [`link_world`] provides, without their versions (a component may import any
/// semver-compatible version).
const WORLD_IMPORTS: &[&str] = &[
    "lambda-invoke:task/http",
    "lambda-invoke:task/environment",
    "lambda-invoke:task/types",
    "wasi:clocks/wall-clock",
    "wasi:clocks/monotonic-clock",
    "wasi:io/poll",
    "wasi:random/insecure",
];

/// Whatever else a component imports (a `std` guest's `wasi:cli`, filesystem or sockets) is
/// defined as a function that refuses: the component loads, and a call ends the run with a
/// sandbox error naming the import. The guest gets nothing beyond its world.
///
/// (wasmtime's `define_unknown_imports_as_traps` cannot be used: it matches names exactly, so
/// it would shadow the world's WASI interfaces, which the linker serves at a newer 0.2 version.)
fn refuse_imports_outside_world(linker: &mut Linker<RunState>, component: &Component) -> Result<()> {
    use wasmtime::component::ResourceType;
    use wasmtime::component::types::ComponentItem;

    let engine = linker.engine().clone();
    for (name, item) in component.component_type().imports(&engine) {
        let unversioned = name.split_once('@').map_or(name, |(interface, _)| interface);
        if WORLD_IMPORTS.contains(&unversioned) {
            continue;
        }
        let ComponentItem::ComponentInstance(instance) = item.ty else {
            // A bare function or type import: instantiation reports it as missing.
            continue;
        };
        let mut linker_instance = linker.instance(name)?;
        for (export, ty) in instance.exports(&engine) {
            match ty.ty {
                ComponentItem::ComponentFunc(_) => {
                    let denied = SandboxError::Denied(format!(
                        "the component called `{name}#{export}`, which this host does not grant: \
                         the invoke-task world has http, environment, clocks and random only"
                    ));
                    linker_instance.func_new(export, move |_, _, _, _| Err(denied.clone().into()))?;
                }
                // `wasi:io/poll`'s pollable, used by a refused interface (say, a stream's
                // `subscribe`), is the one the linker serves; any other resource of a refused
                // interface is an empty host resource, the same type wherever it is used.
                ComponentItem::Resource(_) if export == "pollable" => {
                    linker_instance.resource(
                        export,
                        ResourceType::host::<wasmtime_wasi::p2::DynPollable>(),
                        |_, _| Ok(()),
                    )?;
                }
                ComponentItem::Resource(_) => {
                    linker_instance.resource(export, ResourceType::host::<()>(), |_, _| Ok(()))?;
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// The store's limiter: wasmtime's [`StoreLimits`], whose refusal to grow a memory or a table
/// ends the run with that limit (whatever the guest made of it), and the peak memory granted.
struct Limiter {
    limits: StoreLimits,
    memory_limit: usize,
    table_limit: usize,
    /// The largest size granted to a memory.
    peak_memory: usize,
}

impl wasmtime::ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if !matches!(self.limits.memory_growing(current, desired, maximum), Ok(true)) {
            return Err(SandboxError::Memory {
                limit: self.memory_limit,
            }
            .into());
        }
        self.peak_memory = self.peak_memory.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if !matches!(self.limits.table_growing(current, desired, maximum), Ok(true)) {
            return Err(SandboxError::Limit(format!(
                "the component grew a table past {} elements (Limits::table_elements, a host \
                 limit the task's own component stays far below)",
                self.table_limit
            ))
            .into());
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

/// The store's data: WASI clocks and random numbers (nothing else of WASI), limits and the task's
/// own state.
struct RunState {
    /// The run's CPU time, read at the epoch ticks.
    cpu: CpuMeter,
    clocks: WasiClocksCtx,
    random: WasiRandomCtx,
    table: ResourceTable,
    limiter: Limiter,
    io: TaskIo,
}

/// What the imports work with.
struct TaskIo {
    variables: BTreeMap<String, String>,
    environment: BTreeMap<String, String>,
    policy: Policy,
    http: Arc<HttpClient>,
    deadline: Instant,
    limits: Limits,
    secrets: Secrets,
    outputs: Vec<OutputVariable>,
    logs: Vec<(LogLevel, String)>,
    log_bytes: usize,
    http_calls: u32,
    stopped_by: Option<SandboxError>,
    reporter: SharedReporter,
    board: Arc<ProgressBoard>,
}

/// A run's reporter, shared with the progress thread.
type SharedReporter = Arc<Mutex<Box<dyn Reporter>>>;

fn lock<T: ?Sized>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Requests in flight, for the progress lines ("still waiting for function X, 35 s") that the
/// ticker thread writes while a long request blocks its run.
#[derive(Default)]
struct ProgressBoard {
    interval: Duration,
    watches: Mutex<Vec<Watch>>,
    next_id: std::sync::atomic::AtomicU64,
}

struct Watch {
    id: u64,
    what: String,
    started: Instant,
    next: Instant,
    reporter: SharedReporter,
}

impl ProgressBoard {
    fn watch(&self, label: &str, reporter: &SharedReporter) -> u64 {
        let id = self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let now = Instant::now();
        let what = match label.strip_prefix("Invoke ") {
            Some(function) => format!("function {function}"),
            None => label.to_owned(),
        };
        lock(&self.watches).push(Watch {
            id,
            what,
            started: now,
            next: now + self.interval,
            reporter: Arc::clone(reporter),
        });
        id
    }

    fn done(&self, id: u64) {
        lock(&self.watches).retain(|w| w.id != id);
    }

    fn tick(&self) {
        let now = Instant::now();
        let mut due = Vec::new();
        for watch in lock(&self.watches).iter_mut().filter(|w| w.next <= now) {
            watch.next += self.interval;
            due.push((
                Arc::clone(&watch.reporter),
                format!(
                    "still waiting for {}, {} s",
                    watch.what,
                    watch.started.elapsed().as_secs()
                ),
            ));
        }
        for (reporter, line) in due {
            lock(&reporter).log(LogLevel::Info, &line);
        }
    }
}

impl TaskIo {
    fn log(&mut self, level: LogLevel, message: &str) {
        let masked = self.secrets.mask(message);
        lock(&self.reporter).log(level, &masked);
        self.logs.push((level, masked));
    }

    /// Whether one more secret is allowed.
    fn secret_room(&self) -> Result<(), String> {
        if self.secrets.len() >= self.limits.max_secrets {
            let limit = self.limits.max_secrets;
            return Err(format!("more than {limit} secrets registered (--max-secrets)"));
        }
        Ok(())
    }

    /// Records that the sandbox refused `why` (the run ends as stopped by the sandbox whatever
    /// the guest makes of it) and returns `why` for the guest's error.
    fn limit(&mut self, why: String) -> String {
        self.stopped_by = Some(SandboxError::Limit(why.clone()));
        why
    }

    /// Records that a limit stopped the run and returns the trap that ends it.
    fn stop(&mut self, limit: SandboxError) -> wasmtime::Error {
        self.stopped_by = Some(limit.clone());
        wasmtime::Error::new(limit)
    }
}

impl std::error::Error for SandboxError {}

impl wit_types::Host for RunState {}

impl wit_http::Host for RunState {
    fn send(
        &mut self,
        request: wit_http::Request,
    ) -> wasmtime::Result<Result<wit_http::Response, wit_http::HttpError>> {
        let io = &mut self.io;
        io.http_calls += 1;
        if io.http_calls > io.limits.max_http_calls {
            let why = format!(
                "more than {} HTTP requests in one run (--max-http-calls)",
                io.limits.max_http_calls
            );
            return Ok(Err(wit_http::HttpError::LimitExceeded(io.limit(why))));
        }
        if let Err(refusal) = io.policy.check_request(&request.url) {
            io.log(LogLevel::Warning, &refusal.0);
            return Ok(Err(wit_http::HttpError::Denied(refusal.0)));
        }
        if request.body.len() > io.limits.max_request_body {
            let why = format!(
                "a request body of {} bytes exceeds the {}-byte limit (--max-request-mib)",
                request.body.len(),
                io.limits.max_request_body
            );
            return Ok(Err(wit_http::HttpError::LimitExceeded(io.limit(why))));
        }
        if request.headers.len() > io.limits.max_request_headers
            || request
                .headers
                .iter()
                .any(|h| h.name.len() + h.value.len() > io.limits.max_header_bytes)
        {
            let why = format!(
                "a request with more than {} headers or a header over {} bytes: send fewer or \
                 smaller headers (embedders: Limits::max_request_headers, Limits::max_header_bytes)",
                io.limits.max_request_headers, io.limits.max_header_bytes
            );
            return Ok(Err(wit_http::HttpError::LimitExceeded(io.limit(why))));
        }
        let remaining = io.deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(io.stop(SandboxError::WallTime {
                limit: io.limits.wall_time,
            }));
        }
        let outgoing = OutgoingRequest {
            method: match request.method {
                wit_http::Method::Get => http_client::Method::Get,
                wit_http::Method::Head => http_client::Method::Head,
                wit_http::Method::Post => http_client::Method::Post,
                wit_http::Method::Put => http_client::Method::Put,
                wit_http::Method::Delete => http_client::Method::Delete,
            },
            url: request.url,
            headers: request.headers.into_iter().map(|h| (h.name, h.value)).collect(),
            body: request.body,
            connect_timeout: Duration::from_millis(request.connect_timeout_ms.into())
                .min(MAX_CONNECT_TIMEOUT)
                .min(remaining),
            read_timeout: Duration::from_millis(request.read_timeout_ms.into()).min(remaining),
        };
        let limit = io.limits.max_response_body;
        let watch = io.board.watch(&request.label, &io.reporter);
        let sent = io.http.send_with_limit(outgoing, limit);
        io.board.done(watch);
        // The client reads no further than the limit and says TooLarge beyond it.
        Ok(match sent {
            Err(http_client::HttpError::TooLarge(limit)) => {
                io.limit(format!(
                    "a response body over the {limit}-byte limit (--max-response-mib)"
                ));
                Err(wit_http::HttpError::TooLarge(limit))
            }
            Ok(response) => Ok(wit_http::Response {
                status: response.status,
                headers: response
                    .headers
                    .into_iter()
                    .map(|(name, value)| wit_http::Header { name, value })
                    .collect(),
                body: response.body,
            }),
            Err(error) => Err(to_wit_error(error)),
        })
    }
}

fn to_wit_error(error: http_client::HttpError) -> wit_http::HttpError {
    use http_client::HttpError as E;
    use wit_http::HttpError as W;
    match error {
        E::InvalidRequest(s) => W::InvalidRequest(s),
        E::ConnectFailed(s) => W::ConnectFailed(s),
        E::ConnectTimeout => W::ConnectTimeout,
        E::ReadTimeout => W::ReadTimeout,
        E::ConnectionLost(s) => W::ConnectionLost(s),
        E::Protocol(s) => W::Protocol(s),
        E::TooLarge(n) => W::TooLarge(n),
    }
}

impl wit_env::Host for RunState {
    fn get_variable(&mut self, name: String) -> wasmtime::Result<Option<String>> {
        Ok(self.io.variables.get(&name).cloned())
    }

    fn get_env(&mut self, name: String) -> wasmtime::Result<Option<String>> {
        let io = &mut self.io;
        if !io.policy.env_allowed(&name) {
            io.log(
                LogLevel::Debug,
                &format!("environment variable {name} is hidden from the component (allow it with --allow-env {name})"),
            );
            return Ok(None);
        }
        Ok(io.environment.get(&name).cloned())
    }

    fn set_output(
        &mut self,
        name: String,
        value: String,
        secret: bool,
    ) -> wasmtime::Result<Result<(), wit_env::OutputError>> {
        let io = &mut self.io;
        if name.is_empty()
            || name.len() > 256
            || name
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == ';' || c == ']')
        {
            return Ok(Err(wit_env::OutputError::InvalidName(format!(
                "\"{}\" is not a valid variable name: use letters, digits, '_', '.' or '-'",
                io.secrets.mask(&name)
            ))));
        }
        if io.outputs.len() >= io.limits.max_outputs && !io.outputs.iter().any(|o| o.name == name) {
            let why = format!(
                "more than {} output variables (--max-outputs)",
                io.limits.max_outputs
            );
            return Ok(Err(wit_env::OutputError::LimitExceeded(io.limit(why))));
        }
        if value.len() > io.limits.max_output_bytes {
            let why = format!(
                "output variable {name} is {} bytes, more than the {}-byte limit (--max-output-mib)",
                value.len(),
                io.limits.max_output_bytes
            );
            return Ok(Err(wit_env::OutputError::LimitExceeded(io.limit(why))));
        }
        let total: usize = io
            .outputs
            .iter()
            .filter(|o| o.name != name)
            .map(|o| o.value.len())
            .sum::<usize>()
            + value.len();
        if total > io.limits.max_output_total_bytes {
            let why = format!(
                "output variables of more than {} bytes in all (--max-outputs-total-mib)",
                io.limits.max_output_total_bytes
            );
            return Ok(Err(wit_env::OutputError::LimitExceeded(io.limit(why))));
        }
        if secret {
            // A secret output is a secret like any other: it counts against the secrets'
            // number (its size is the output limit's, checked above).
            if let Err(why) = io.secret_room() {
                return Ok(Err(wit_env::OutputError::LimitExceeded(io.limit(why))));
            }
            io.secrets.register(&value);
        }
        let variable = OutputVariable { name, value, secret };
        lock(&io.reporter).output(&variable);
        io.outputs.retain(|o| o.name != variable.name);
        io.outputs.push(variable);
        Ok(Ok(()))
    }

    fn read_file(&mut self, path: String) -> wasmtime::Result<Result<Vec<u8>, wit_env::FileError>> {
        let io = &mut self.io;
        let resolved = match io.policy.check_file(&path) {
            Ok(resolved) => resolved,
            Err(refusal) => {
                io.log(LogLevel::Debug, &refusal.0);
                return Ok(Err(wit_env::FileError::Denied(refusal.0)));
            }
        };
        let limit = MAX_FILE_BYTES;
        let result = std::fs::File::open(&resolved).and_then(|file| {
            use std::io::Read as _;
            let mut bytes = Vec::new();
            file.take(limit + 1).read_to_end(&mut bytes)?;
            Ok(bytes)
        });
        Ok(match result {
            Ok(bytes) if bytes.len() as u64 > limit => Err(wit_env::FileError::TooLarge(limit)),
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(wit_env::FileError::NotFound),
            Err(e) => Err(wit_env::FileError::Io(format!("{}: {e}", resolved.display()))),
        })
    }

    fn register_secret(&mut self, value: String) -> wasmtime::Result<()> {
        let io = &mut self.io;
        if let Err(why) = io.secret_room() {
            return Err(io.stop(SandboxError::Limit(why)));
        }
        if value.len() > io.limits.max_secret_bytes {
            let limit = io.limits.max_secret_bytes;
            return Err(io.stop(SandboxError::Limit(format!(
                "a secret of {} bytes, more than the {limit}-byte limit (--max-secret-kib)",
                value.len()
            ))));
        }
        if !value.is_empty() {
            io.secrets.register(&value);
            lock(&io.reporter).secret(&value);
        }
        Ok(())
    }

    fn log(&mut self, level: wit_env::LogLevel, message: String) -> wasmtime::Result<()> {
        let io = &mut self.io;
        io.log_bytes = io.log_bytes.saturating_add(message.len());
        if io.log_bytes > io.limits.max_log_bytes {
            let limit = io.limits.max_log_bytes;
            return Err(io.stop(SandboxError::Limit(format!(
                "more than {limit} bytes of log messages (--max-log-mib)"
            ))));
        }
        let level = match level {
            wit_env::LogLevel::Debug => LogLevel::Debug,
            wit_env::LogLevel::Info => LogLevel::Info,
            wit_env::LogLevel::Warning => LogLevel::Warning,
            wit_env::LogLevel::Error => LogLevel::Error,
        };
        io.log(level, &message);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peak_memory_is_the_largest_grant() {
        use wasmtime::ResourceLimiter as _;
        let mut limiter = Limiter {
            limits: StoreLimitsBuilder::new().memory_size(8 << 20).build(),
            memory_limit: 8 << 20,
            table_limit: 10,
            peak_memory: 0,
        };
        assert!(limiter.memory_growing(0, 1 << 20, None).unwrap());
        assert!(limiter.memory_growing(1 << 20, 2 << 20, None).unwrap());
        assert_eq!(limiter.peak_memory, 2 << 20);
        // Refused by the limit: never a peak, and the refusal is the limit, named.
        let refused = limiter.memory_growing(2 << 20, 16 << 20, None).unwrap_err();
        assert_eq!(
            refused.downcast_ref::<SandboxError>(),
            Some(&SandboxError::Memory { limit: 8 << 20 })
        );
        assert_eq!(limiter.peak_memory, 2 << 20);
    }

    /// The release component's budget (issue 6): the embedded component is built with the
    /// release profile `guest` in every build, so every `cargo test` checks it.
    #[test]
    fn the_embedded_component_fits_its_size_budget() {
        const BUDGET: usize = 200 * 1024;
        assert!(
            EMBEDDED_COMPONENT.len() <= BUDGET,
            "the component is {} bytes, over its {BUDGET}-byte budget",
            EMBEDDED_COMPONENT.len()
        );
    }
}
