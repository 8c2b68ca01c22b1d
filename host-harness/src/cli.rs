//! The `lambda-invoke` command line.
//!
//! Other tools drive it: the option names follow the task's inputs and are kept stable. The
//! function's payload goes to stdout, everything else to stderr, every registered secret masked.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode as ProcessExit;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::ci::{self, Convention};
use crate::emulator::{self, Emulator};
use crate::http_client::ProxyConfig;
use crate::{
    AllowedHost, AssumeRole, CacheSetting, ExitCode, Failure, HttpLog, Input, InvocationType, Limits,
    LogLevel, LogType, OutputVariable, PayloadMode, Policy, Report, Reporter, Runtime, RuntimeOptions,
    ServiceConnection, Task, TaskError,
};

/// Invoke an AWS Lambda function from a build pipeline, in a WebAssembly sandbox.
#[derive(Debug, Parser)]
#[command(
    name = "lambda-invoke",
    version,
    about,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    invoke: InvokeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start an embedded Lambda-compatible endpoint on 127.0.0.1 with an `echo` function and
    /// invoke it with example credentials: no AWS account needed.
    Demo {
        /// The payload to send to `echo`.
        #[arg(long, default_value = r#"{"message":"hello from lambda-invoke"}"#)]
        payload: String,
        /// Print the outcome as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the component's description of the task (inputs, defaults, permissions) as JSON.
    Describe {
        /// Describe another build of the component instead of the embedded one.
        #[arg(long, value_name = "PATH")]
        component: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "lower")]
enum CiArg {
    Auto,
    Plain,
    Azure,
    Github,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "lower")]
enum HttpLogArg {
    Off,
    Headers,
    Bodies,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "PascalCase")]
enum InvocationTypeArg {
    RequestResponse,
    Event,
    DryRun,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "PascalCase")]
enum LogTypeArg {
    None,
    Tail,
}

#[derive(Debug, Args)]
struct InvokeArgs {
    /// The function: a name, name:qualifier, a partial ARN (123456789012:function:NAME) or a full ARN.
    #[arg(long, value_name = "NAME", required = true)]
    function_name: Option<String>,
    /// The JSON payload.
    #[arg(long, value_name = "JSON", conflicts_with = "payload_file")]
    payload: Option<String>,
    /// Read the JSON payload from a file.
    #[arg(long, value_name = "PATH")]
    payload_file: Option<PathBuf>,
    /// As the original Azure DevOps task: send text that does not start and end like a JSON
    /// object, array or string (e.g. `hello`, `42`) as a JSON string.
    #[arg(long)]
    legacy_payload: bool,
    /// Synchronous, asynchronous or a permission check without running the function.
    #[arg(long, value_enum, default_value = "RequestResponse")]
    invocation_type: InvocationTypeArg,
    /// Ask for the last 4 KB of the function's log (RequestResponse only).
    #[arg(long, value_enum, default_value = "None")]
    log_type: LogTypeArg,
    /// A version or alias.
    #[arg(long, value_name = "Q")]
    qualifier: Option<String>,
    /// Client context, a JSON object.
    #[arg(long, value_name = "JSON")]
    client_context: Option<String>,
    /// The AWS region (else AWS.Region, AWS_REGION, AWS_DEFAULT_REGION).
    #[arg(long, value_name = "R")]
    region: Option<String>,
    /// An endpoint instead of the regional Lambda endpoint (its host is allowed by the sandbox).
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    /// The output variable that receives the function's payload.
    #[arg(long, value_name = "NAME")]
    output_variable: Option<String>,
    /// A task variable, e.g. --var AWS.Region=eu-west-1 (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// Task variables from a JSON object of strings.
    #[arg(long, value_name = "PATH")]
    vars_file: Option<PathBuf>,
    /// A role to assume with the resolved credentials (STS AssumeRole), or with OIDC (--use-oidc).
    #[arg(long, value_name = "ARN")]
    role_arn: Option<String>,
    /// The external id the role's trust policy requires.
    #[arg(long, value_name = "ID", requires = "role_arn")]
    external_id: Option<String>,
    /// The role session name (default aws-vsts-tools).
    #[arg(long, value_name = "NAME", requires = "role_arn")]
    role_session_name: Option<String>,
    /// The role session's duration, 900 to 43200 seconds (default: task variable
    /// aws.rolecredential.maxduration, else 900).
    #[arg(long, value_name = "SECONDS", requires = "role_arn")]
    role_duration_seconds: Option<u32>,
    /// Exchange the OIDC token in task variable AWS.WebIdentityToken for --role-arn's credentials.
    #[arg(long, requires = "role_arn")]
    use_oidc: bool,
    /// Most attempts per AWS call (default: AWS_MAX_ATTEMPTS, else 3).
    #[arg(long, value_name = "N")]
    max_attempts: Option<u32>,
    /// How long to wait for the invocation's answer, in milliseconds (default for
    /// RequestResponse: the function's timeout plus a margin when --check-function-exists
    /// learned it, else 16 min; for Event and DryRun: 60 s).
    #[arg(long, value_name = "MS")]
    read_timeout_ms: Option<u32>,
    /// Log each request and response at debug level (implies --debug), secrets redacted.
    #[arg(long, value_enum, default_value = "off")]
    http_log: HttpLogArg,
    /// Let the step succeed when the function returns an error.
    #[arg(long)]
    no_fail_on_function_error: bool,
    /// Call GetFunctionConfiguration first, to report a missing function or permission as such.
    #[arg(long)]
    check_function_exists: bool,
    /// Print the outcome (or the error) as one JSON object on stdout.
    #[arg(long)]
    json: bool,
    /// Show debug messages.
    #[arg(long)]
    debug: bool,
    /// Run another build of the component instead of the embedded one.
    #[arg(long, value_name = "PATH")]
    component: Option<PathBuf>,
    /// Allow the component to reach HOST[:PORT] (repeatable).
    #[arg(long, value_name = "HOST[:PORT]")]
    allow_host: Vec<String>,
    /// Let the component read environment variable NAME (repeatable).
    #[arg(long, value_name = "NAME")]
    allow_env: Vec<String>,
    /// Guest memory limit in MiB.
    #[arg(long, value_name = "MIB", default_value_t = Limits::default().memory_bytes >> 20)]
    max_memory_mib: usize,
    /// CPU time limit of the run in milliseconds (waiting for answers does not count).
    #[arg(
        long,
        value_name = "MS",
        default_value_t = u64::try_from(Limits::default().cpu_time.as_millis()).unwrap_or(u64::MAX),
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    max_cpu_time_ms: u64,
    /// Wall-clock limit of the whole run in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = Limits::default().wall_time.as_secs())]
    max_wall_time_s: u64,
    /// Most HTTP requests the component may make.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_http_calls)]
    max_http_calls: u32,
    /// Largest response body the host reads, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = Limits::default().max_response_body >> 20)]
    max_response_mib: u64,
    /// Most log output the component may write, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = Limits::default().max_log_bytes >> 20)]
    max_log_mib: usize,
    /// Most output variables the component may set.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_outputs)]
    max_outputs: usize,
    /// Largest request body the component may send, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = Limits::default().max_request_body >> 20)]
    max_request_mib: usize,
    /// Largest value of one output variable, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = Limits::default().max_output_bytes >> 20)]
    max_output_mib: usize,
    /// Most bytes of all output variables together, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = Limits::default().max_output_total_bytes >> 20)]
    max_outputs_total_mib: usize,
    /// Most secrets the component may register.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_secrets)]
    max_secrets: usize,
    /// Largest secret the component may register, in KiB.
    #[arg(long, value_name = "KIB", default_value_t = Limits::default().max_secret_bytes >> 10)]
    max_secret_kib: usize,
    /// Largest payload the component may return, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = Limits::default().max_outcome_bytes >> 20)]
    max_payload_mib: usize,
    /// The CI convention for secrets, output variables and messages: auto detects Azure
    /// Pipelines (TF_BUILD) and GitHub Actions (GITHUB_ACTIONS).
    #[arg(long, value_enum, default_value = "auto")]
    ci: CiArg,
    /// Store the output variables as secrets (Azure issecret=true; masked on GitHub).
    #[arg(long)]
    secret_output: bool,
    /// An output variable that receives the HTTP status code (200, 202, 204).
    #[arg(long, value_name = "NAME")]
    status_code_variable: Option<String>,
    /// An output variable that receives the executed version.
    #[arg(long, value_name = "NAME")]
    executed_version_variable: Option<String>,
    /// An output variable that receives the function error (Unhandled, Handled), if any.
    #[arg(long, value_name = "NAME")]
    function_error_variable: Option<String>,
    /// An output variable that receives the decoded log tail (with --log-type Tail).
    #[arg(long, value_name = "NAME")]
    log_tail_variable: Option<String>,
    /// Compile the component instead of loading it from the cache ($LAMBDA_INVOKE_CACHE_DIR,
    /// else $XDG_CACHE_HOME/lambda-invoke, else ~/.cache/lambda-invoke).
    #[arg(long)]
    no_cache: bool,
}

/// A writer shared between the command and its reporter.
pub type SharedWriter = Arc<Mutex<dyn Write + Send>>;

/// Where the command reads its environment and writes its output: the process's own in
/// [`main`], buffers in tests.
#[derive(Clone)]
pub struct Io {
    /// The environment (filtered by the policy before the component sees it).
    pub env: BTreeMap<String, String>,
    /// The function's payload, or the JSON outcome.
    pub stdout: SharedWriter,
    /// Logs, output variables and errors.
    pub stderr: SharedWriter,
}

impl std::fmt::Debug for Io {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Io")
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Io {
    /// The process's environment, stdout and stderr.
    pub fn process() -> Self {
        Io {
            env: std::env::vars().collect(),
            stdout: Arc::new(Mutex::new(std::io::stdout())),
            stderr: Arc::new(Mutex::new(std::io::stderr())),
        }
    }

    /// A line on stdout, where CI systems read their commands.
    fn line(&self, line: &str) {
        self.out(format!("{line}\n").as_bytes());
    }

    fn err(&self, line: &str) {
        let mut stderr = self
            .stderr
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = writeln!(stderr, "{line}");
    }

    fn out(&self, bytes: &[u8]) {
        let mut stdout = self
            .stdout
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = stdout.write_all(bytes);
        let _ = stdout.flush();
    }
}

/// Runs the command with the process's arguments and I/O.
pub fn main() -> ProcessExit {
    ProcessExit::from(run(std::env::args_os(), &Io::process()) as u8)
}

/// Runs the command with `args` (the first is the program name) and `io`.
pub fn run(args: impl IntoIterator<Item = impl Into<OsString> + Clone>, io: &Io) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                ExitCode::InvalidInput
            } else {
                ExitCode::Success
            };
            let rendered = e.render().to_string();
            if e.use_stderr() {
                io.err(rendered.trim_end());
            } else {
                io.out(rendered.as_bytes());
            }
            return code;
        }
    };
    match cli.command {
        Some(Command::Demo { payload, json }) => demo(&payload, json, io),
        Some(Command::Describe { component }) => describe(component.as_deref(), io),
        None => invoke(cli.invoke, io),
    }
}

fn usage_error(io: &Io, message: &str) -> ExitCode {
    io.err(&format!("error: {message}"));
    ExitCode::InvalidInput
}

fn invoke(args: InvokeArgs, io: &Io) -> ExitCode {
    let payload = match (&args.payload, &args.payload_file) {
        (Some(p), _) => p.clone(),
        (None, Some(path)) => match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                return usage_error(
                    io,
                    &format!(
                        "--payload-file {}: {e}: give a readable UTF-8 file",
                        path.display()
                    ),
                );
            }
        },
        (None, None) => String::new(),
    };
    let variables = match task_variables(&args.vars, args.vars_file.as_ref()) {
        Ok(v) => v,
        Err(message) => return usage_error(io, &message),
    };
    let environment = io.env.clone();
    let mut policy = Policy::for_environment(&environment);
    for name in &args.allow_env {
        policy.allow_env(name);
    }
    for host in &args.allow_host {
        match AllowedHost::parse(host) {
            Ok(host) => {
                policy.allow_host(host);
            }
            Err(message) => return usage_error(io, &message),
        }
    }
    // The region the component will use, when the host can tell (the component's own order:
    // the input, the task variable, the environment): then only that region's endpoints.
    let known_region = args
        .region
        .clone()
        .or_else(|| variables.get("AWS.Region").cloned())
        .or_else(|| environment.get("AWS_REGION").cloned())
        .or_else(|| environment.get("AWS_DEFAULT_REGION").cloned())
        .filter(|r| !r.trim().is_empty());
    if let Some(region) = &known_region {
        policy.restrict_aws_region(region);
    }
    // An endpoint the user chose explicitly is one the task needs.
    let explicit_endpoints = [
        args.endpoint_url.clone(),
        environment.get("AWS_ENDPOINT_URL_LAMBDA").cloned(),
        environment.get("AWS_ENDPOINT_URL_STS").cloned(),
        environment.get("AWS_ENDPOINT_URL").cloned(),
    ];
    for url in explicit_endpoints
        .into_iter()
        .flatten()
        .filter(|u| !u.trim().is_empty())
    {
        // An unparseable URL is reported by the component, which names the input.
        let _ = policy.allow_endpoint_url(url.trim());
    }
    let limits = Limits::builder()
        .memory_bytes(args.max_memory_mib.saturating_mul(1 << 20))
        .cpu_time(Duration::from_millis(args.max_cpu_time_ms))
        .wall_time(Duration::from_secs(args.max_wall_time_s))
        .max_http_calls(args.max_http_calls)
        .max_response_body(args.max_response_mib.saturating_mul(1 << 20))
        .max_log_bytes(args.max_log_mib.saturating_mul(1 << 20))
        .max_outputs(args.max_outputs)
        .max_request_body(args.max_request_mib.saturating_mul(1 << 20))
        .max_output_bytes(args.max_output_mib.saturating_mul(1 << 20))
        .max_output_total_bytes(args.max_outputs_total_mib.saturating_mul(1 << 20))
        .max_secrets(args.max_secrets)
        .max_secret_bytes(args.max_secret_kib.saturating_mul(1 << 10))
        .max_outcome_bytes(args.max_payload_mib.saturating_mul(1 << 20))
        .build();
    let proxy = match ProxyConfig::from_env_map(|name| environment.get(name).cloned()) {
        Ok(proxy) => proxy,
        Err(e) => return usage_error(io, &format!("{e}")),
    };
    let options = RuntimeOptions {
        proxy,
        cache: match crate::cache::default_directory(|name| environment.get(name).cloned()) {
            Some(dir) if !args.no_cache => CacheSetting::Dir(dir),
            _ => CacheSetting::Disabled,
        },
        ..RuntimeOptions::default()
    };
    let runtime = match &args.component {
        Some(path) => Runtime::from_file(path, options),
        None => Runtime::new(options),
    };
    let runtime = match runtime {
        Ok(r) => r,
        Err(e) => {
            io.err(&format!("error: {e:#}"));
            return ExitCode::HostError;
        }
    };
    let mut input = Input::new(args.function_name.unwrap_or_default());
    input.payload = payload;
    input.payload_mode = if args.legacy_payload {
        PayloadMode::Legacy
    } else {
        PayloadMode::Json
    };
    input.invocation_type = match args.invocation_type {
        InvocationTypeArg::RequestResponse => InvocationType::RequestResponse,
        InvocationTypeArg::Event => InvocationType::Event,
        InvocationTypeArg::DryRun => InvocationType::DryRun,
    };
    input.log_type = match args.log_type {
        LogTypeArg::None => LogType::None,
        LogTypeArg::Tail => LogType::Tail,
    };
    input.qualifier = args.qualifier;
    input.client_context = args.client_context;
    input.region = args.region;
    input.endpoint_url = args.endpoint_url;
    input.output_variable = args.output_variable;
    input.fail_on_function_error = !args.no_fail_on_function_error;
    input.check_function_exists = args.check_function_exists;
    input.max_attempts = args.max_attempts;
    input.read_timeout_ms = args.read_timeout_ms;
    input.http_log = match args.http_log {
        HttpLogArg::Off => HttpLog::Off,
        HttpLogArg::Headers => HttpLog::Headers,
        HttpLogArg::Bodies => HttpLog::Bodies,
    };
    if let Some(role_arn) = args.role_arn {
        input.credentials = Some(ServiceConnection {
            assume_role: Some(AssumeRole {
                role_arn,
                external_id: args.external_id,
                session_name: args.role_session_name,
                duration_seconds: args.role_duration_seconds,
            }),
            use_oidc: args.use_oidc,
            ..ServiceConnection::default()
        });
    }
    let debug = args.debug || input.http_log != HttpLog::Off;
    let convention = match args.ci {
        CiArg::Auto => Convention::detect(&io.env),
        CiArg::Plain => Convention::Plain,
        CiArg::Azure => Convention::Azure,
        CiArg::Github => Convention::GitHub,
    };
    let extra = ExtraVariables {
        status_code: args.status_code_variable,
        executed_version: args.executed_version_variable,
        function_error: args.function_error_variable,
        log_tail: args.log_tail_variable,
        secret: args.secret_output,
    };
    let task = Task {
        input,
        variables,
        environment,
        policy,
        limits,
        reporter: Box::new(ConsoleReporter {
            convention,
            debug,
            io: io.clone(),
        }),
    };
    let report = runtime.run(task);
    print_report(&report, args.json, io, convention, &extra)
}

/// `--var NAME=VALUE` and `--vars-file`, the command line winning.
fn task_variables(vars: &[String], file: Option<&PathBuf>) -> Result<BTreeMap<String, String>, String> {
    let mut variables = BTreeMap::new();
    if let Some(path) = file {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("--vars-file {}: {e}", path.display()))?;
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            format!(
                "--vars-file {}: not valid JSON ({e}): give an object of strings",
                path.display()
            )
        })?;
        let object = value
            .as_object()
            .ok_or_else(|| format!("--vars-file {}: give a JSON object of strings", path.display()))?;
        for (name, value) in object {
            let value = value.as_str().ok_or_else(|| {
                format!(
                    "--vars-file {}: variable {name} is not a string: quote it",
                    path.display()
                )
            })?;
            variables.insert(name.clone(), value.to_owned());
        }
    }
    for var in vars {
        let (name, value) = var
            .split_once('=')
            .filter(|(name, _)| !name.trim().is_empty())
            .ok_or_else(|| format!("--var \"{var}\" is invalid: use NAME=VALUE"))?;
        variables.insert(name.trim().to_owned(), value.to_owned());
    }
    Ok(variables)
}

/// Prints what a run produces as it comes, in the CI system's convention.
struct ConsoleReporter {
    convention: Convention,
    debug: bool,
    io: Io,
}

impl Reporter for ConsoleReporter {
    fn secret(&mut self, value: &str) {
        // Announced before anything else is printed, so the CI system masks it everywhere.
        match self.convention {
            Convention::Azure => self
                .io
                .line(&format!("##vso[task.setsecret]{}", ci::azure_data(value))),
            Convention::GitHub => self.io.line(&format!("::add-mask::{}", ci::github_data(value))),
            _ => {}
        }
    }

    fn log(&mut self, level: LogLevel, message: &str) {
        match self.convention {
            Convention::Azure => {
                let line = match level {
                    // Not a `##vso[` command: the agent would find one in its data.
                    LogLevel::Debug => format!("##[debug]{}", ci::azure_message(message)),
                    LogLevel::Warning => {
                        format!("##vso[task.logissue type=warning]{}", ci::azure_message(message))
                    }
                    LogLevel::Error => {
                        format!("##vso[task.logissue type=error]{}", ci::azure_message(message))
                    }
                    _ => ci::inert_text(Convention::Azure, message),
                };
                self.io.line(&line);
            }
            Convention::GitHub => {
                let line = match level {
                    LogLevel::Debug => format!("::debug::{}", ci::github_message(message)),
                    LogLevel::Warning => format!("::warning::{}", ci::github_message(message)),
                    LogLevel::Error => format!("::error::{}", ci::github_message(message)),
                    _ => match message.split_once('\n') {
                        // A multi-line message (the log tail) goes in a collapsible group.
                        Some((title, body)) => format!(
                            "::group::{}\n{}\n::endgroup::",
                            ci::github_message(title),
                            ci::inert_text(Convention::GitHub, body)
                        ),
                        None => ci::inert_text(Convention::GitHub, message),
                    },
                };
                self.io.line(&line);
            }
            _ => {
                let prefix = match level {
                    LogLevel::Debug if !self.debug => return,
                    LogLevel::Debug => "debug: ",
                    LogLevel::Warning => "warning: ",
                    LogLevel::Error => "error: ",
                    _ => "",
                };
                self.io.err(&format!("{prefix}{message}"));
            }
        }
    }
}

/// Output variables besides the payload, from the outcome.
#[derive(Debug, Default)]
struct ExtraVariables {
    status_code: Option<String>,
    executed_version: Option<String>,
    function_error: Option<String>,
    log_tail: Option<String>,
    secret: bool,
}

fn print_report(
    report: &Report,
    json: bool,
    io: &Io,
    convention: Convention,
    extra: &ExtraVariables,
) -> ExitCode {
    let secrets = &report.secrets;
    let outcome = match &report.result {
        Ok(outcome) => Some(outcome),
        Err(Failure::Task(TaskError::Function { outcome, .. })) => Some(outcome),
        Err(_) => None,
    };
    let mut variables: Vec<OutputVariable> = report
        .outputs
        .iter()
        .map(|o| OutputVariable {
            secret: o.secret || extra.secret,
            ..o.clone()
        })
        .collect();
    if let Some(o) = outcome {
        let derived = [
            (&extra.status_code, Some(o.status_code.to_string())),
            (&extra.executed_version, o.executed_version.clone()),
            (&extra.function_error, o.function_error.clone()),
            (&extra.log_tail, o.log_tail.clone()),
        ];
        for (name, value) in derived {
            if let (Some(name), Some(value)) = (name, value) {
                variables.push(OutputVariable {
                    name: name.clone(),
                    value,
                    secret: extra.secret,
                });
            }
        }
    }
    for variable in &variables {
        set_variable(io, convention, variable, secrets);
    }
    if json {
        let mut object = serde_json::Map::new();
        if let Some(o) = outcome {
            object.insert("status_code".into(), o.status_code.into());
            object.insert(
                "payload".into(),
                secrets.mask(&String::from_utf8_lossy(&o.payload)).into(),
            );
            object.insert("function_error".into(), o.function_error.clone().into());
            object.insert("executed_version".into(), o.executed_version.clone().into());
            object.insert(
                "log_tail".into(),
                o.log_tail.as_deref().map(|t| secrets.mask(t)).into(),
            );
            object.insert("request_id".into(), o.request_id.clone().into());
        }
        let outputs: serde_json::Map<String, serde_json::Value> = variables
            .iter()
            .map(|o| {
                let shown = if o.secret {
                    crate::masking::MASK.to_owned()
                } else {
                    secrets.mask(&o.value)
                };
                (o.name.clone(), shown.into())
            })
            .collect();
        object.insert("outputs".into(), outputs.into());
        if let Err(failure) = &report.result {
            object.insert(
                "error".into(),
                serde_json::json!({
                    "kind": error_kind(failure),
                    "exit_code": failure.exit_code() as u8,
                    "message": secrets.mask(&failure.to_string()),
                }),
            );
        }
        // The payload and messages in it are the function's: inert under a CI convention.
        let json = format!("{}\n", serde_json::Value::Object(object));
        io.out(&ci::inert(convention, json.as_bytes()));
    } else if let Some(o) = outcome
        && !o.payload.is_empty()
    {
        let mut payload = ci::inert(convention, &secrets.mask_bytes(&o.payload));
        payload.push(b'\n');
        io.out(&payload);
    }
    let failure = report.result.as_ref().err().map(|f| secrets.mask(&f.to_string()));
    match convention {
        Convention::Azure => {
            let (result, message) = match (&failure, outcome.and_then(|o| o.function_error.as_ref())) {
                (Some(message), _) => {
                    io.line(&format!(
                        "##vso[task.logissue type=error]{}",
                        ci::azure_message(message)
                    ));
                    ("Failed", message.clone())
                }
                (None, Some(error)) => (
                    "SucceededWithIssues",
                    format!("the function returned an error ({error})"),
                ),
                (None, None) => ("Succeeded", "the function was invoked".to_owned()),
            };
            io.line(&format!(
                "##vso[task.complete result={result};]{}",
                ci::azure_message(&message)
            ));
        }
        Convention::GitHub => {
            if let Some(message) = &failure {
                io.line(&format!(
                    "::error title=lambda-invoke::{}",
                    ci::github_message(message)
                ));
            }
            if let Some(path) = io.env.get("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
                let _ = ci::append(path, &summary(report, outcome, failure.as_deref()));
            }
        }
        _ => {
            if let Some(message) = &failure {
                io.err(&format!("error: {message}"));
            }
        }
    }
    report.exit_code()
}

/// Sets one output variable the way the CI system expects.
fn set_variable(io: &Io, convention: Convention, variable: &OutputVariable, secrets: &crate::Secrets) {
    let OutputVariable { name, value, secret } = variable;
    match convention {
        // The value itself (not masked): later jobs need the data; the CI system masks secrets.
        Convention::Azure => io.line(&ci::azure_set_variable(name, value, *secret)),
        Convention::GitHub => {
            if *secret {
                io.line(&format!("::add-mask::{}", ci::github_data(value)));
            }
            match io.env.get("GITHUB_OUTPUT").filter(|p| !p.is_empty()) {
                Some(path) => {
                    if let Err(e) = ci::append(path, &ci::github_output_block(name, value)) {
                        io.line(&format!(
                            "::warning::cannot write output {name} to GITHUB_OUTPUT {path}: {e}"
                        ));
                    }
                }
                None => io.line(&format!(
                    "::warning::GITHUB_OUTPUT is not set: output {name} is lost"
                )),
            }
        }
        _ => {
            let shown = if *secret {
                crate::masking::MASK.to_owned()
            } else {
                secrets.mask(value)
            };
            io.err(&format!("{name}={shown}"));
        }
    }
}

/// A short Markdown summary for `$GITHUB_STEP_SUMMARY`.
fn summary(report: &Report, outcome: Option<&crate::Outcome>, failure: Option<&str>) -> String {
    let mut text = String::from("### lambda-invoke\n\n| | |\n| --- | --- |\n");
    let row = |text: &mut String, name: &str, value: &str| {
        text.push_str(&format!(
            "| {name} | {} |\n",
            value.replace('|', "\\|").replace('\n', " ")
        ));
    };
    row(
        &mut text,
        "result",
        if failure.is_some() { "failed" } else { "succeeded" },
    );
    if let Some(o) = outcome {
        row(&mut text, "status", &o.status_code.to_string());
        row(
            &mut text,
            "executed version",
            o.executed_version.as_deref().unwrap_or("-"),
        );
        row(
            &mut text,
            "function error",
            o.function_error.as_deref().unwrap_or("-"),
        );
        row(&mut text, "request id", o.request_id.as_deref().unwrap_or("-"));
    }
    if let Some(message) = failure {
        row(&mut text, "error", message);
    }
    row(
        &mut text,
        "duration",
        &format!("{} ms", report.elapsed.as_millis()),
    );
    text.push('\n');
    text
}

fn error_kind(failure: &Failure) -> &'static str {
    match failure {
        Failure::Task(TaskError::InvalidInput { .. }) => "invalid-input",
        Failure::Task(TaskError::CredentialsNotFound(_)) => "credentials-not-found",
        Failure::Task(TaskError::CredentialsInvalid(_)) => "credentials-invalid",
        Failure::Task(TaskError::RegionNotFound(_)) => "region-not-found",
        Failure::Task(TaskError::Service(_)) => "service-error",
        Failure::Task(TaskError::Function { .. }) => "function-error",
        Failure::Task(TaskError::Transport { .. }) => "transport-error",
        Failure::Sandbox(_) => "sandbox",
        Failure::Host(_) => "host",
        #[allow(unreachable_patterns)]
        _ => "other",
    }
}

fn describe(component: Option<&std::path::Path>, io: &Io) -> ExitCode {
    let runtime = match component {
        Some(path) => Runtime::from_file(path, RuntimeOptions::default()),
        None => Runtime::new(RuntimeOptions::default()),
    };
    match runtime.and_then(|r| r.describe()) {
        Ok(description) => {
            let text = serde_json::to_string_pretty(&description).unwrap_or_default();
            io.out(format!("{text}\n").as_bytes());
            ExitCode::Success
        }
        Err(e) => {
            io.err(&format!("error: {e:#}"));
            ExitCode::HostError
        }
    }
}

fn demo(payload: &str, json: bool, io: &Io) -> ExitCode {
    let emulator = match Emulator::start(emulator::Config::demo()) {
        Ok(e) => e,
        Err(e) => {
            io.err(&format!(
                "error: cannot start the demo endpoint on 127.0.0.1: {e}"
            ));
            return ExitCode::HostError;
        }
    };
    io.err(&format!(
        "Demo: a Lambda-compatible endpoint on {} with function \"echo\" (example credentials, signatures checked)",
        emulator.endpoint_url()
    ));
    let runtime = match Runtime::new(RuntimeOptions::default()) {
        Ok(r) => r,
        Err(e) => {
            io.err(&format!("error: {e:#}"));
            return ExitCode::HostError;
        }
    };
    let mut input = Input::new("echo");
    input.payload = payload.to_owned();
    input.log_type = LogType::Tail;
    input.region = Some("us-east-1".to_owned());
    input.endpoint_url = Some(emulator.endpoint_url());
    input.output_variable = Some("LAMBDA_RESULT".to_owned());
    input.credentials = Some(ServiceConnection {
        access_key_id: emulator::EXAMPLE_ACCESS_KEY_ID.to_owned(),
        secret_access_key: emulator::EXAMPLE_SECRET_ACCESS_KEY.to_owned(),
        ..ServiceConnection::default()
    });
    let mut task = Task::new(input);
    task.policy
        .allow_endpoint_url(&emulator.endpoint_url())
        .expect("the emulator's URL is valid");
    task.reporter = Box::new(ConsoleReporter {
        convention: Convention::Plain,
        debug: false,
        io: io.clone(),
    });
    let report = runtime.run(task);
    print_report(&report, json, io, Convention::Plain, &ExtraVariables::default())
}
