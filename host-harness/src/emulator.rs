//! A small Lambda-compatible endpoint on 127.0.0.1, for `lambda-invoke demo` and the tests.
//!
//! It implements what the task calls — `Invoke` and `GetFunctionConfiguration` of the Lambda API
//! (2015-03-31) — with functions that echo their payload or fail, checks every request's
//! signature (with a pluggable verifier: the demo uses this project's signer, the tests the
//! `aws-sigv4` crate), answers errors as Lambda does (`x-amzn-ErrorType`, JSON body), and records
//! every request it received.
//!
//! The HTTP/1.1 server is written on `std::net` rather than taken from a crate because the tests
//! need byte-level control of the answers (resets, stalls, truncated bodies, broken status lines).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use lambda_invoke_sigv4 as sigv4;

/// The session token the emulated instance metadata service hands out (IMDSv2).
pub const IMDS_TOKEN: &str = "imds-session-token-0123456789";
/// The account id of emulated functions.
pub const ACCOUNT: &str = "123456789012";
/// The largest request the emulator reads.
const MAX_BODY: usize = 16 << 20;
const MAX_HEAD: usize = 64 << 10;

/// Example credentials, as the AWS documentation gives them.
pub const EXAMPLE_ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
/// The secret of [`EXAMPLE_ACCESS_KEY_ID`].
pub const EXAMPLE_SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// What an emulated function does.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Behaviour {
    /// Returns its payload; logs a line saying how many bytes it received.
    Echo,
    /// Fails with `X-Amz-Function-Error: Unhandled` and this error type and message.
    Fail {
        /// `errorType`
        error_type: String,
        /// `errorMessage`
        error_message: String,
    },
    /// Sleeps, then echoes.
    Sleep(Duration),
}

/// An emulated function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    /// The name.
    pub name: String,
    /// What it does.
    pub behaviour: Behaviour,
    /// Its configured timeout in seconds (reported by GetFunctionConfiguration).
    pub timeout_s: u32,
    /// Published versions besides `$LATEST`.
    pub versions: Vec<String>,
    /// Aliases and the version each points to.
    pub aliases: BTreeMap<String, String>,
}

impl Function {
    /// A function with `behaviour`, a 3 s timeout, version `1` and alias `live` → `1`.
    pub fn new(name: &str, behaviour: Behaviour) -> Self {
        Function {
            name: name.to_owned(),
            behaviour,
            timeout_s: 3,
            versions: vec!["1".to_owned()],
            aliases: BTreeMap::from([("live".to_owned(), "1".to_owned())]),
        }
    }

    /// The version a qualifier selects, if the function has it.
    fn version_for(&self, qualifier: Option<&str>) -> Option<String> {
        match qualifier {
            None | Some("$LATEST") => Some("$LATEST".to_owned()),
            Some(q) if self.versions.iter().any(|v| v == q) => Some(q.to_owned()),
            Some(q) => self.aliases.get(q).cloned(),
        }
    }
}

/// The secret of a key the emulator knows, and the session token it requires (temporary keys).
#[derive(Clone, PartialEq, Eq)]
pub struct KeySecret {
    /// The secret access key.
    pub secret_access_key: String,
    /// The session token requests must carry.
    pub session_token: Option<String>,
}

impl fmt::Debug for KeySecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeySecret(** redacted **)")
    }
}

/// A request as the emulator received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The method.
    pub method: String,
    /// The path, as on the request line (percent-encoded).
    pub path: String,
    /// The query string without '?'.
    pub query: String,
    /// Headers in order received.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The parts of an `Authorization: AWS4-HMAC-SHA256 ...` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The access key id of the credential scope.
    pub access_key_id: String,
    /// `YYYYMMDD`
    pub date: String,
    /// The region of the scope.
    pub region: String,
    /// The service of the scope.
    pub service: String,
    /// The signed header names, lower-case.
    pub signed_headers: Vec<String>,
    /// The hex signature.
    pub signature: String,
}

impl Authorization {
    /// Parses the header value; none if it is not a SigV4 header.
    pub fn parse(value: &str) -> Option<Self> {
        let rest = value.strip_prefix("AWS4-HMAC-SHA256 ")?;
        let mut credential = None;
        let mut signed = None;
        let mut signature = None;
        for part in rest.split(',') {
            let (key, val) = part.trim().split_once('=')?;
            match key {
                "Credential" => credential = Some(val),
                "SignedHeaders" => signed = Some(val),
                "Signature" => signature = Some(val),
                _ => return None,
            }
        }
        let scope: Vec<&str> = credential?.split('/').collect();
        let [key, date, region, service, "aws4_request"] = scope.as_slice() else {
            return None;
        };
        Some(Authorization {
            access_key_id: (*key).to_owned(),
            date: (*date).to_owned(),
            region: (*region).to_owned(),
            service: (*service).to_owned(),
            signed_headers: signed?.split(';').map(str::to_owned).collect(),
            signature: signature?.to_owned(),
        })
    }
}

/// Checks a request's signature with the secret of its key; returns why it does not match.
pub type Verifier = dyn Fn(&RecordedRequest, &Authorization, &KeySecret) -> Result<(), String> + Send + Sync;

/// Temporary credentials the emulator hands out (STS, container, instance metadata); the
/// emulator accepts them, with their session token, for Lambda calls.
#[derive(Clone, PartialEq, Eq)]
pub struct Issued {
    /// The access key id, e.g. `ASIA...`.
    pub access_key_id: String,
    /// The secret.
    pub secret_access_key: String,
    /// The session token.
    pub session_token: String,
}

impl fmt::Debug for Issued {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Issued")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl Issued {
    /// Credentials derived from a key id: secret `{id}-secret`, token `{id}-session-token`.
    pub fn derived(access_key_id: &str) -> Self {
        Issued {
            access_key_id: access_key_id.to_owned(),
            secret_access_key: format!("{access_key_id}-secret"),
            session_token: format!("{access_key_id}-session-token"),
        }
    }

    fn json(&self) -> String {
        serde_json::json!({
            "Code": "Success",
            "Type": "AWS-HMAC",
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "Token": self.session_token,
            "Expiration": "2099-01-01T00:00:00Z",
        })
        .to_string()
    }
}

/// An IAM role STS can hand out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// The role's ARN.
    pub arn: String,
    /// Access key ids allowed to assume it with AssumeRole (empty: none).
    pub trusted_keys: Vec<String>,
    /// The external id the trust policy requires.
    pub external_id: Option<String>,
    /// The web identity token AssumeRoleWithWebIdentity accepts.
    pub web_identity_token: Option<String>,
    /// What the role's sessions get.
    pub issues: Issued,
}

/// The EC2 instance metadata service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imds {
    /// The instance profile's role name.
    pub role: String,
    /// Its credentials.
    pub issues: Issued,
    /// The instance's region.
    pub region: String,
    /// Whether IMDSv2 tokens are handed out (else `PUT /latest/api/token` is refused).
    pub v2: bool,
    /// Whether requests without a token are answered (IMDSv1).
    pub v1: bool,
}

/// A container credentials endpoint (ECS, EKS Pod Identity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    /// The path it answers on, e.g. `/v2/credentials/abc`.
    pub path: String,
    /// The `Authorization` value it requires, if any.
    pub token: Option<String>,
    /// The credentials it hands out.
    pub issues: Issued,
}

/// A scripted answer that replaces the normal one, for fault-injection tests.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status, headers and body.
    Respond {
        /// Status code.
        status: u16,
        /// Headers.
        headers: Vec<(String, String)>,
        /// Body.
        body: Vec<u8>,
    },
    /// Send these bytes as they are, then close the connection.
    Raw(Vec<u8>),
    /// Close the connection without answering (after reading the request).
    Close,
    /// Close the connection after reading the request's head, before its body.
    CloseBeforeBody,
    /// Wait this long before answering normally.
    Stall(Duration),
}

/// Listens on 127.0.0.1 (a free port) and runs `serve` on a thread of its own for each
/// connection, until the returned [`Loopback`] is dropped. `serve` gets the stop flag to check
/// between requests on a kept-alive connection. The emulator and the benchmark's stub both use it.
pub fn serve_on_loopback(
    name: &str,
    serve: impl Fn(TcpStream, &AtomicBool) + Send + Sync + 'static,
) -> io::Result<Loopback> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let address = listener.local_addr()?;
    let stopping = Arc::new(AtomicBool::new(false));
    let serve = Arc::new(serve);
    let connection_name = format!("{name}-conn");
    let accepting = Arc::clone(&stopping);
    thread::Builder::new().name(name.to_owned()).spawn(move || {
        for stream in listener.incoming() {
            if accepting.load(Ordering::SeqCst) {
                break;
            }
            let Ok(stream) = stream else { continue };
            let (serve, stopping) = (Arc::clone(&serve), Arc::clone(&accepting));
            let _ = thread::Builder::new()
                .name(connection_name.clone())
                .spawn(move || serve(stream, &stopping));
        }
    })?;
    Ok(Loopback { address, stopping })
}

/// A server started by [`serve_on_loopback`]; stops accepting, and its connections stop
/// answering, when dropped.
#[derive(Debug)]
pub struct Loopback {
    address: SocketAddr,
    stopping: Arc<AtomicBool>,
}

impl Loopback {
    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_millis(200));
    }
}

/// The emulator's configuration.
pub struct Config {
    /// The region the emulator serves.
    pub region: String,
    /// Known keys.
    pub keys: BTreeMap<String, KeySecret>,
    /// Functions.
    pub functions: Vec<Function>,
    /// (access key id, action) pairs that are denied, e.g. `("AKID", "lambda:GetFunctionConfiguration")`.
    pub denied: BTreeSet<(String, String)>,
    /// The signature check.
    pub verifier: Arc<Verifier>,
    /// Roles STS can hand out.
    pub roles: Vec<Role>,
    /// The instance metadata service, if emulated.
    pub imds: Option<Imds>,
    /// The container credentials endpoint, if emulated.
    pub container: Option<Container>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("region", &self.region)
            .field("keys", &self.keys.keys().collect::<Vec<_>>())
            .field("functions", &self.functions)
            .field("denied", &self.denied)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// The demo's configuration: region `us-east-1`, the example key, functions `echo` and
    /// `fail`, signatures checked with this project's signer.
    pub fn demo() -> Self {
        Config {
            region: "us-east-1".to_owned(),
            keys: BTreeMap::from([(
                EXAMPLE_ACCESS_KEY_ID.to_owned(),
                KeySecret {
                    secret_access_key: EXAMPLE_SECRET_ACCESS_KEY.to_owned(),
                    session_token: None,
                },
            )]),
            functions: vec![
                Function::new("echo", Behaviour::Echo),
                Function::new(
                    "fail",
                    Behaviour::Fail {
                        error_type: "Error".to_owned(),
                        error_message: "something went wrong".to_owned(),
                    },
                ),
            ],
            denied: BTreeSet::new(),
            verifier: Arc::new(verify_with_own_signer),
            roles: Vec::new(),
            imds: None,
            container: None,
        }
    }

    /// Adds the credentials the roles, IMDS and container hand out to the keys Lambda accepts.
    fn accept_issued(&mut self) {
        let issued: Vec<Issued> = self
            .roles
            .iter()
            .map(|r| r.issues.clone())
            .chain(self.imds.iter().map(|i| i.issues.clone()))
            .chain(self.container.iter().map(|c| c.issues.clone()))
            .collect();
        for i in issued {
            self.keys.insert(
                i.access_key_id,
                KeySecret {
                    secret_access_key: i.secret_access_key,
                    session_token: Some(i.session_token),
                },
            );
        }
    }
}

/// Verifies with `lambda-invoke-sigv4`: re-signs the signed headers at the request's time.
pub fn verify_with_own_signer(
    request: &RecordedRequest,
    auth: &Authorization,
    key: &KeySecret,
) -> Result<(), String> {
    let date = request.header("x-amz-date").ok_or("no X-Amz-Date header")?;
    let time = parse_amz_date(date).ok_or("X-Amz-Date is not YYYYMMDDTHHMMSSZ")?;
    let headers: Vec<(&str, &str)> = request
        .headers
        .iter()
        .filter(|(name, _)| {
            let lower = name.to_ascii_lowercase();
            auth.signed_headers.contains(&lower) && lower != "x-amz-date" && lower != "x-amz-security-token"
        })
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let token = request.header("x-amz-security-token");
    let signable = sigv4::SignableRequest {
        method: &request.method,
        path: &request.path,
        query: &request.query,
        headers: &headers,
        body: &request.body,
    };
    let params = sigv4::SigningParams {
        credentials: sigv4::Credentials {
            access_key_id: &auth.access_key_id,
            secret_access_key: &key.secret_access_key,
            session_token: token,
        },
        region: &auth.region,
        service: &auth.service,
        time,
        settings: sigv4::SigningSettings::default(),
    };
    let output = sigv4::sign(&signable, &params).map_err(|e| e.to_string())?;
    if output.signature == auth.signature {
        Ok(())
    } else {
        Err("the signature does not match".to_owned())
    }
}

fn parse_amz_date(value: &str) -> Option<sigv4::SigningTime> {
    let b = value.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &value[0..4],
        &value[4..6],
        &value[6..8],
        &value[9..11],
        &value[11..13],
        &value[13..15]
    );
    iso.parse().ok()
}

struct Shared {
    config: Config,
    requests: Mutex<Vec<RecordedRequest>>,
    faults: Mutex<VecDeque<Fault>>,
    next_id: AtomicU64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking connection thread must not take the emulator down with it.
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A running emulator; stops when dropped.
pub struct Emulator {
    server: Loopback,
    shared: Arc<Shared>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("address", &self.server.address)
            .finish()
    }
}

impl Emulator {
    /// Starts the emulator on 127.0.0.1 on a free port.
    pub fn start(mut config: Config) -> io::Result<Self> {
        config.accept_issued();
        let shared = Arc::new(Shared {
            config,
            requests: Mutex::new(Vec::new()),
            faults: Mutex::new(VecDeque::new()),
            next_id: AtomicU64::new(1),
        });
        let serving = Arc::clone(&shared);
        let server = serve_on_loopback("lambda-emulator", move |stream, stopping| {
            serve_connection(stream, &serving, stopping)
        })?;
        Ok(Emulator { server, shared })
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.server.address)
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.server.address
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Queues a fault: the next request is answered by it instead of normally.
    pub fn push_fault(&self, fault: Fault) {
        lock(&self.shared.faults).push_back(fault);
    }
}

/// Serves requests on one connection until the client closes it.
fn serve_connection(stream: TcpStream, shared: &Shared, stopping: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let mut writer = write_half;
    let mut reader = BufReader::new(stream);
    loop {
        let (mut request, length) = match read_head(&mut reader) {
            Ok(Some(head)) => head,
            Ok(None) => return,
            Err(why) => {
                let _ = write_response(&mut writer, &error_answer(400, "BadRequest", &why), false);
                return;
            }
        };
        let fault = lock(&shared.faults).pop_front();
        if fault == Some(Fault::CloseBeforeBody) {
            lock(&shared.requests).push(request);
            let _ = writer.shutdown(Shutdown::Both);
            return;
        }
        request.body = vec![0; length];
        if reader.read_exact(&mut request.body).is_err() {
            return;
        }
        let close = request
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        lock(&shared.requests).push(request.clone());
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        let answer = match fault {
            Some(Fault::Respond {
                status,
                headers,
                body,
            }) => Answer {
                status,
                headers,
                body,
            },
            Some(Fault::Raw(bytes)) => {
                let _ = writer.write_all(&bytes);
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
            Some(Fault::Close | Fault::CloseBeforeBody) => {
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
            Some(Fault::Stall(duration)) => {
                thread::sleep(duration);
                handle(&request, shared)
            }
            None => handle(&request, shared),
        };
        if write_response(&mut writer, &answer, close).is_err() || close {
            return;
        }
    }
}

/// Reads one request's head and returns it with its body length; none when the client closed
/// the connection between requests.
fn read_head(reader: &mut impl BufRead) -> Result<Option<(RecordedRequest, usize)>, String> {
    let mut line = String::new();
    match reader.read_line(&mut line) {
        Ok(0) | Err(_) => return Ok(None),
        Ok(_) => {}
    }
    let mut parts = line.trim_end().splitn(3, ' ');
    let (Some(method), Some(target), Some(_version)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("malformed request line".to_owned());
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = Vec::new();
    let mut head_bytes = line.len();
    loop {
        let mut header = String::new();
        let n = reader.read_line(&mut header).map_err(|e| e.to_string())?;
        head_bytes += n;
        if n == 0 || head_bytes > MAX_HEAD {
            return Err("request head too large or truncated".to_owned());
        }
        let header = header.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').ok_or("malformed header")?;
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    let request = RecordedRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body: Vec::new(),
    };
    if request.header("transfer-encoding").is_some() {
        return Err("chunked requests are not supported: send Content-Length".to_owned());
    }
    let length = match request.header("content-length") {
        Some(v) => v.parse::<usize>().map_err(|_| "bad Content-Length")?,
        None => 0,
    };
    if length > MAX_BODY {
        return Err("request body too large".to_owned());
    }
    Ok(Some((request, length)))
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn write_response(writer: &mut impl Write, answer: &Answer, close: bool) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", answer.status, reason(answer.status));
    for (name, value) in &answer.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n", answer.body.len()));
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    writer.write_all(head.as_bytes())?;
    writer.write_all(&answer.body)?;
    writer.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn error_answer(status: u16, code: &str, message: &str) -> Answer {
    let body = serde_json::json!({ "Type": "User", "message": message }).to_string();
    Answer {
        status,
        headers: vec![
            ("x-amzn-ErrorType".to_owned(), code.to_owned()),
            ("Content-Type".to_owned(), "application/json".to_owned()),
        ],
        body: body.into_bytes(),
    }
}

fn handle(request: &RecordedRequest, shared: &Shared) -> Answer {
    let request_id = format!(
        "00000000-0000-4000-8000-{:012x}",
        shared.next_id.fetch_add(1, Ordering::SeqCst)
    );
    let mut answer = route(request, shared, &request_id);
    answer.headers.push(("x-amzn-RequestId".to_owned(), request_id));
    answer
}

fn route(request: &RecordedRequest, shared: &Shared, request_id: &str) -> Answer {
    let config = &shared.config;
    if request.path.starts_with("/latest/") {
        return imds(request, config);
    }
    if let Some(container) = config.container.as_ref().filter(|c| c.path == request.path) {
        return container_credentials(request, container);
    }
    if request.method == "POST" && request.path == "/" {
        return sts(request, config, request_id);
    }
    let Some(auth_header) = request.header("authorization") else {
        return error_answer(
            403,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        );
    };
    let Some(auth) = Authorization::parse(auth_header) else {
        return error_answer(
            400,
            "IncompleteSignatureException",
            "The Authorization header is not a SigV4 header",
        );
    };
    let Some(key) = config.keys.get(&auth.access_key_id) else {
        return error_answer(
            403,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        );
    };
    if key.session_token.as_deref() != request.header("x-amz-security-token") {
        return error_answer(
            403,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        );
    }
    if let Err(why) = (config.verifier)(request, &auth, key) {
        return error_answer(
            403,
            "InvalidSignatureException",
            &format!(
                "The request signature we calculated does not match the signature you provided. \
                 Check your AWS Secret Access Key and signing method. ({why})"
            ),
        );
    }
    if auth.service != "lambda" || auth.region != config.region {
        return error_answer(
            403,
            "InvalidSignatureException",
            &format!(
                "Credential should be scoped to a valid region and service: {}/lambda",
                config.region
            ),
        );
    }

    let Some(rest) = request.path.strip_prefix("/2015-03-31/functions/") else {
        return error_answer(404, "UnknownOperationException", "Unknown operation");
    };
    let (identifier, action) = match (request.method.as_str(), rest.rsplit_once('/')) {
        ("POST", Some((id, "invocations"))) => (id, "lambda:InvokeFunction"),
        ("GET", Some((id, "configuration"))) => (id, "lambda:GetFunctionConfiguration"),
        _ => return error_answer(404, "UnknownOperationException", "Unknown operation"),
    };
    let identifier = percent_decode(identifier);
    let qualifier = request
        .query
        .split('&')
        .find_map(|p| p.strip_prefix("Qualifier="))
        .map(percent_decode);
    let (name, name_qualifier) = split_identifier(&identifier);
    let qualifier = qualifier.or(name_qualifier);
    let arn = format!("arn:aws:lambda:{}:{ACCOUNT}:function:{name}", config.region);
    if config
        .denied
        .contains(&(auth.access_key_id.clone(), action.to_owned()))
    {
        return error_answer(
            403,
            "AccessDeniedException",
            &format!(
                "User: arn:aws:iam::{ACCOUNT}:user/{} is not authorized to perform: {action} on resource: {arn}",
                auth.access_key_id
            ),
        );
    }
    let function = config.functions.iter().find(|f| f.name == name);
    let version = function.and_then(|f| f.version_for(qualifier.as_deref()));
    let (Some(function), Some(version)) = (function, version) else {
        let target = match &qualifier {
            Some(q) => format!("{arn}:{q}"),
            None => arn,
        };
        return error_answer(
            404,
            "ResourceNotFoundException",
            &format!("Function not found: {target}"),
        );
    };

    if action == "lambda:GetFunctionConfiguration" {
        let body = serde_json::json!({
            "FunctionName": function.name,
            "FunctionArn": arn,
            "Timeout": function.timeout_s,
            "State": "Active",
            "Version": version,
        });
        return Answer {
            status: 200,
            headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
            body: body.to_string().into_bytes(),
        };
    }
    invoke(request, function, &version, request_id)
}

fn invoke(request: &RecordedRequest, function: &Function, version: &str, request_id: &str) -> Answer {
    let invocation_type = request
        .header("x-amz-invocation-type")
        .unwrap_or("RequestResponse");
    match invocation_type {
        "Event" => {
            return Answer {
                status: 202,
                headers: Vec::new(),
                body: Vec::new(),
            };
        }
        "DryRun" => {
            return Answer {
                status: 204,
                headers: Vec::new(),
                body: Vec::new(),
            };
        }
        "RequestResponse" => {}
        other => {
            return error_answer(
                400,
                "InvalidParameterValueException",
                &format!("Unsupported invocation type {other}"),
            );
        }
    }
    let mut headers = vec![
        ("X-Amz-Executed-Version".to_owned(), version.to_owned()),
        ("Content-Type".to_owned(), "application/json".to_owned()),
    ];
    let (body, log_line) = match &function.behaviour {
        Behaviour::Echo => (
            request.body.clone(),
            format!("echo: received {} bytes", request.body.len()),
        ),
        Behaviour::Sleep(duration) => {
            thread::sleep(*duration);
            (request.body.clone(), format!("slept {} ms", duration.as_millis()))
        }
        Behaviour::Fail {
            error_type,
            error_message,
        } => {
            headers.push(("X-Amz-Function-Error".to_owned(), "Unhandled".to_owned()));
            let body = serde_json::json!({
                "errorType": error_type,
                "errorMessage": error_message,
                "trace": [],
            });
            (
                body.to_string().into_bytes(),
                format!("{error_type}: {error_message}"),
            )
        }
    };
    if request
        .header("x-amz-log-type")
        .is_some_and(|t| t.eq_ignore_ascii_case("Tail"))
    {
        let log = format!(
            "START RequestId: {request_id} Version: {version}\n{log_line}\nEND RequestId: {request_id}\n\
             REPORT RequestId: {request_id}\tDuration: 1.00 ms\tBilled Duration: 1 ms\n"
        );
        headers.push(("X-Amz-Log-Result".to_owned(), base64_encode(log.as_bytes())));
    }
    Answer {
        status: 200,
        headers,
        body,
    }
}

fn text(status: u16, body: &str) -> Answer {
    Answer {
        status,
        headers: Vec::new(),
        body: body.as_bytes().to_vec(),
    }
}

/// The instance metadata service: tokens (v2), the role, its credentials, the region.
fn imds(request: &RecordedRequest, config: &Config) -> Answer {
    let Some(imds) = &config.imds else {
        return text(404, "");
    };
    if request.path == "/latest/api/token" {
        return match (
            request.method.as_str(),
            imds.v2,
            request.header("x-aws-ec2-metadata-token-ttl-seconds"),
        ) {
            // The service accepts a TTL of 1 to 21600 seconds, and answers 400 otherwise.
            ("PUT", true, Some(ttl)) if ttl.parse::<u32>().is_ok_and(|t| (1..=21_600).contains(&t)) => {
                text(200, IMDS_TOKEN)
            }
            ("PUT", true, _) => text(400, "missing or invalid TTL"),
            _ => text(403, ""),
        };
    }
    match request.header("x-aws-ec2-metadata-token") {
        Some(IMDS_TOKEN) => {}
        Some(_) => return text(401, ""),
        None if imds.v1 => {}
        None => return text(401, ""),
    }
    let base = "/latest/meta-data/iam/security-credentials/";
    match request.path.as_str() {
        "/latest/meta-data/placement/region" => text(200, &imds.region),
        p if p == base => text(200, &imds.role),
        p if p.strip_prefix(base) == Some(imds.role.as_str()) => text(200, &imds.issues.json()),
        _ => text(404, ""),
    }
}

fn container_credentials(request: &RecordedRequest, container: &Container) -> Answer {
    if container.token.is_some() && request.header("authorization") != container.token.as_deref() {
        return text(403, r#"{"message":"invalid authorization token"}"#);
    }
    text(200, &container.issues.json())
}

fn sts_error(status: u16, code: &str, message: &str, request_id: &str) -> Answer {
    let body = format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
         <Code>{code}</Code><Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
        message.replace('&', "&amp;").replace('<', "&lt;")
    );
    Answer {
        status,
        headers: vec![("Content-Type".to_owned(), "text/xml".to_owned())],
        body: body.into_bytes(),
    }
}

/// STS `AssumeRole` (signed) and `AssumeRoleWithWebIdentity` (unsigned).
fn sts(request: &RecordedRequest, config: &Config, request_id: &str) -> Answer {
    let form: BTreeMap<String, String> = String::from_utf8_lossy(&request.body)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| {
            (
                percent_decode(&k.replace('+', " ")),
                percent_decode(&v.replace('+', " ")),
            )
        })
        .collect();
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let action = field("Action");
    let role = config.roles.iter().find(|r| r.arn == field("RoleArn"));
    let issued = match action {
        "AssumeRole" => {
            let Some(auth) = request.header("authorization").and_then(Authorization::parse) else {
                return sts_error(
                    403,
                    "MissingAuthenticationToken",
                    "Request is missing Authentication Token",
                    request_id,
                );
            };
            let Some(key) = config.keys.get(&auth.access_key_id) else {
                return sts_error(
                    403,
                    "InvalidClientTokenId",
                    "The security token included in the request is invalid.",
                    request_id,
                );
            };
            if key.session_token.as_deref() != request.header("x-amz-security-token") {
                return sts_error(
                    403,
                    "InvalidClientTokenId",
                    "The security token included in the request is invalid.",
                    request_id,
                );
            }
            if let Err(why) = (config.verifier)(request, &auth, key) {
                return sts_error(
                    403,
                    "SignatureDoesNotMatch",
                    &format!(
                        "The request signature we calculated does not match the signature you provided. ({why})"
                    ),
                    request_id,
                );
            }
            if auth.service != "sts" {
                return sts_error(
                    403,
                    "SignatureDoesNotMatch",
                    "Credential should be scoped to correct service: 'sts'.",
                    request_id,
                );
            }
            let trusted = role.filter(|r| {
                r.trusted_keys.contains(&auth.access_key_id)
                    && r.external_id
                        .as_deref()
                        .is_none_or(|id| id == field("ExternalId"))
            });
            match trusted {
                Some(role) => &role.issues,
                None => {
                    return sts_error(
                        403,
                        "AccessDenied",
                        &format!(
                            "User: arn:aws:iam::{ACCOUNT}:user/{} is not authorized to perform: sts:AssumeRole on resource: {}",
                            auth.access_key_id,
                            field("RoleArn")
                        ),
                        request_id,
                    );
                }
            }
        }
        "AssumeRoleWithWebIdentity" => {
            if request.header("authorization").is_some() {
                return sts_error(
                    400,
                    "InvalidAction",
                    "AssumeRoleWithWebIdentity takes no signature",
                    request_id,
                );
            }
            match role.filter(|r| r.web_identity_token.as_deref() == Some(field("WebIdentityToken"))) {
                Some(role) => &role.issues,
                None => {
                    return sts_error(
                        400,
                        "InvalidIdentityToken",
                        "Couldn't retrieve verification key from your identity provider",
                        request_id,
                    );
                }
            }
        }
        other => {
            return sts_error(
                400,
                "InvalidAction",
                &format!("Could not find operation {other}"),
                request_id,
            );
        }
    };
    let body = format!(
        "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{action}Result><Credentials>\
         <AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey><SessionToken>{}</SessionToken>\
         <Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></{action}Result>\
         <ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>",
        issued.access_key_id, issued.secret_access_key, issued.session_token
    );
    Answer {
        status: 200,
        headers: vec![("Content-Type".to_owned(), "text/xml".to_owned())],
        body: body.into_bytes(),
    }
}

/// `name`, `name:qualifier`, `account:function:name[:q]`, `arn:...:function:name[:q]` →
/// (name, qualifier).
fn split_identifier(identifier: &str) -> (String, Option<String>) {
    let after_function = identifier
        .split_once(":function:")
        .map_or(identifier, |(_, rest)| rest);
    match after_function.split_once(':') {
        Some((name, qualifier)) => (name.to_owned(), Some(qualifier.to_owned())),
        None => (after_function.to_owned(), None),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn base64_encode(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(TABLE[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(base64_encode(b""), "");
        assert_eq!(base64_encode(b"f"), "Zg==");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert_eq!(base64_encode(b"foo"), "Zm9v");
        assert_eq!(percent_decode("arn%3Aaws%3Ax%2"), "arn:aws:x%2");
        assert_eq!(
            split_identifier("arn:aws:lambda:r:1:function:f:live"),
            ("f".into(), Some("live".into()))
        );
        assert_eq!(split_identifier("f"), ("f".into(), None));
        let auth = Authorization::parse(
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
        )
        .unwrap();
        assert_eq!(
            (auth.access_key_id.as_str(), auth.signed_headers.len()),
            ("AKID", 2)
        );
        assert!(parse_amz_date("20150830T123600Z").is_some());
        assert!(parse_amz_date("2015-08-30").is_none());
    }
}
