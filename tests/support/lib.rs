//! Support for the end-to-end tests: the Lambda emulator wired to an independent signature
//! oracle (the `aws-sigv4` crate), a shared runtime, a reporter that records everything, and the
//! command line run in-process with captured output.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials as AwsCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_smithy_runtime_api::client::identity::Identity;
use lambda_invoke::emulator::{
    self, Authorization, Behaviour, Config, Emulator, Function, KeySecret, RecordedRequest,
};
use lambda_invoke::{ExitCode, Input, LogLevel, OutputVariable, Reporter, Runtime, RuntimeOptions, Task};

pub use lambda_invoke::emulator::{EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY};

/// A second key, of temporary credentials: requests must carry its session token.
pub const TEMP_ACCESS_KEY_ID: &str = "ASIATEMPORARYKEY0001";
/// The secret of [`TEMP_ACCESS_KEY_ID`].
pub const TEMP_SECRET_ACCESS_KEY: &str = "tempSecretKey/With+Symbols=0123456789abcd";
/// The session token of [`TEMP_ACCESS_KEY_ID`].
pub const TEMP_SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLEtokenVeryLong//////////wEaCXVzLWVhc3QtMSJH";
/// A key whose every GetFunctionConfiguration is denied.
pub const LIMITED_ACCESS_KEY_ID: &str = "AKIALIMITEDEXAMPLE01";
/// The secret of [`LIMITED_ACCESS_KEY_ID`].
pub const LIMITED_SECRET_ACCESS_KEY: &str = "limitedSecretKeyEXAMPLE0123456789abcdefgh";

/// Every secret the emulator knows: no output of any test may contain one.
pub const ALL_SECRETS: [&str; 4] = [
    EXAMPLE_SECRET_ACCESS_KEY,
    TEMP_SECRET_ACCESS_KEY,
    TEMP_SESSION_TOKEN,
    LIMITED_SECRET_ACCESS_KEY,
];

/// Checks a signature with the `aws-sigv4` crate, independently of the signer under test: the
/// signed headers as received, the time of `X-Amz-Date`, the key's secret and the token sent.
pub fn oracle(request: &RecordedRequest, auth: &Authorization, key: &KeySecret) -> Result<(), String> {
    let date = request.header("x-amz-date").ok_or("no X-Amz-Date")?;
    let time = parse_amz_date(date).ok_or("bad X-Amz-Date")?;
    let host = request.header("host").ok_or("no Host header")?;
    let mut uri = format!("http://{host}{}", request.path);
    if !request.query.is_empty() {
        uri.push('?');
        uri.push_str(&request.query);
    }
    let headers = request.headers.iter().filter_map(|(name, value)| {
        let lower = name.to_ascii_lowercase();
        (auth.signed_headers.contains(&lower) && lower != "x-amz-date" && lower != "x-amz-security-token")
            .then_some((name.as_str(), value.as_str()))
    });
    let signable = SignableRequest::new(&request.method, uri, headers, SignableBody::Bytes(&request.body))
        .map_err(|e| format!("aws-sigv4 rejects the request: {e}"))?;
    let identity: Identity = AwsCredentials::new(
        &auth.access_key_id,
        &key.secret_access_key,
        request.header("x-amz-security-token").map(str::to_owned),
        None,
        "oracle",
    )
    .into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(&auth.region)
        .name(&auth.service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| e.to_string())?
        .into();
    let (_, expected) = sign(signable, &params).map_err(|e| e.to_string())?.into_parts();
    let signed: Vec<&str> = auth.signed_headers.iter().map(String::as_str).collect();
    if expected != auth.signature {
        return Err(format!(
            "aws-sigv4 computes {expected}, the request says {} (signed headers {signed:?})",
            auth.signature
        ));
    }
    Ok(())
}

fn parse_amz_date(value: &str) -> Option<SystemTime> {
    let n = |r: std::ops::Range<usize>| value.get(r)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, s) = (n(0..4)?, n(4..6)?, n(6..8)?, n(9..11)?, n(11..13)?, n(13..15)?);
    // Days from civil (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if mo > 2 { mo - 3 } else { mo + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = u64::try_from(days * 86_400 + h * 3600 + mi * 60 + s).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
}

/// The emulator of the tests: region us-east-1; the example key, a temporary key with a session
/// token and a key without GetFunctionConfiguration; functions `echo`, `fail` and
/// `my-function`; every signature checked by [`oracle`].
pub fn config() -> Config {
    let mut config = Config::demo();
    config.verifier = Arc::new(oracle);
    config.keys.insert(
        TEMP_ACCESS_KEY_ID.to_owned(),
        KeySecret {
            secret_access_key: TEMP_SECRET_ACCESS_KEY.to_owned(),
            session_token: Some(TEMP_SESSION_TOKEN.to_owned()),
        },
    );
    config.keys.insert(
        LIMITED_ACCESS_KEY_ID.to_owned(),
        KeySecret {
            secret_access_key: LIMITED_SECRET_ACCESS_KEY.to_owned(),
            session_token: None,
        },
    );
    config.denied.insert((
        LIMITED_ACCESS_KEY_ID.to_owned(),
        "lambda:GetFunctionConfiguration".to_owned(),
    ));
    config
        .functions
        .push(Function::new("my-function", Behaviour::Echo));
    config
}

/// Starts an emulator with [`config`].
pub fn emulator() -> Emulator {
    Emulator::start(config()).expect("the emulator starts on 127.0.0.1")
}

/// The runtime shared by the tests of one binary (the component is compiled once).
pub fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| Runtime::new(RuntimeOptions::default()).expect("the embedded component compiles"))
}

/// Everything a run reported, as it happened.
#[derive(Debug, Default)]
pub struct Captured {
    /// Secrets registered.
    pub secrets: Vec<String>,
    /// Log messages.
    pub logs: Vec<(LogLevel, String)>,
    /// Output variables.
    pub outputs: Vec<OutputVariable>,
}

/// A reporter that records into a shared [`Captured`].
#[derive(Debug, Clone, Default)]
pub struct Capture(pub Arc<Mutex<Captured>>);

impl Reporter for Capture {
    fn secret(&mut self, value: &str) {
        self.0.lock().unwrap().secrets.push(value.to_owned());
    }
    fn log(&mut self, level: LogLevel, message: &str) {
        self.0.lock().unwrap().logs.push((level, message.to_owned()));
    }
    fn output(&mut self, variable: &OutputVariable) {
        self.0.lock().unwrap().outputs.push(variable.clone());
    }
}

/// An input for `function` on `emulator`, region us-east-1, no credentials.
pub fn input(emulator: &Emulator, function: &str) -> Input {
    let mut input = Input::new(function);
    input.region = Some("us-east-1".to_owned());
    input.endpoint_url = Some(emulator.endpoint_url());
    input
}

/// A task for `input` whose policy allows the emulator.
pub fn task(emulator: &Emulator, input: Input) -> Task {
    let mut task = Task::new(input);
    task.policy
        .allow_endpoint_url(&emulator.endpoint_url())
        .expect("valid URL");
    task
}

/// The example key as environment variables.
pub fn example_env() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("AWS_ACCESS_KEY_ID".to_owned(), EXAMPLE_ACCESS_KEY_ID.to_owned()),
        (
            "AWS_SECRET_ACCESS_KEY".to_owned(),
            EXAMPLE_SECRET_ACCESS_KEY.to_owned(),
        ),
    ])
}

/// What a run of the command printed.
#[derive(Debug)]
pub struct CliRun {
    /// The exit code.
    pub code: ExitCode,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl CliRun {
    /// Both streams, for scans.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Runs `lambda-invoke ARGS` in-process with environment `env`.
pub fn cli<S: AsRef<str>>(args: &[S], env: &BTreeMap<String, String>) -> CliRun {
    let stdout = Arc::new(Mutex::new(Vec::<u8>::new()));
    let stderr = Arc::new(Mutex::new(Vec::<u8>::new()));
    // Never reach for a real instance metadata service from a test.
    let mut env = env.clone();
    if !env.contains_key("AWS_EC2_METADATA_SERVICE_ENDPOINT") {
        env.entry("AWS_EC2_METADATA_DISABLED".to_owned())
            .or_insert_with(|| "true".to_owned());
    }
    let io = lambda_invoke::cli::Io {
        env,
        stdout: stdout.clone(),
        stderr: stderr.clone(),
    };
    let argv = std::iter::once(OsString::from("lambda-invoke"))
        .chain(args.iter().map(|a| OsString::from(a.as_ref())));
    let code = lambda_invoke::cli::run(argv, &io);
    let text = |buffer: &Arc<Mutex<Vec<u8>>>| String::from_utf8_lossy(&buffer.lock().unwrap()).into_owned();
    CliRun {
        code,
        stdout: text(&stdout),
        stderr: text(&stderr),
    }
}

/// The `Authorization` header of the last invocation the emulator received, if any.
pub fn last_invocation_authorization(emulator: &Emulator) -> Option<String> {
    emulator
        .requests()
        .into_iter()
        .rfind(|r| r.path.ends_with("/invocations"))
        .and_then(|r| r.header("authorization").map(str::to_owned))
}

/// Panics if any of `secrets` appears in `text`.
pub fn assert_no_secret(text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!text.contains(secret), "a secret leaked into the output:\n{text}");
    }
}

/// The emulator's example credentials as a service connection.
pub fn example_connection() -> lambda_invoke::ServiceConnection {
    lambda_invoke::ServiceConnection {
        access_key_id: EXAMPLE_ACCESS_KEY_ID.to_owned(),
        secret_access_key: EXAMPLE_SECRET_ACCESS_KEY.to_owned(),
        session_token: None,
        ..Default::default()
    }
}

/// Re-exported for tests.
pub use emulator::Fault;
