//! The fast stub: a minimal Lambda `Invoke` endpoint on 127.0.0.1 whose own cost is as small as
//! a loopback HTTP/1.1 server's can be, so that what is timed is the client.
//!
//! It does what the harness's emulator (`lambda_invoke::emulator`) does for `echo`, minus the
//! work: no signature check (any `Authorization` is accepted), no request log, one write per
//! answer, `TCP_NODELAY`. The emulator itself is not fast: it writes an answer's head and body
//! in two writes on a socket with Nagle's algorithm on, so on a kept-alive connection each
//! answer's body waits for the client's delayed ACK of its head (about 40 ms on Linux).
//!
//! `POST /2015-03-31/functions/{name}/invocations` answers 200 with the request's body (as
//! `echo` does), `X-Amz-Executed-Version: $LATEST` and an `x-amzn-RequestId`; anything else 404
//! `ResourceNotFoundException`.

use std::io::{self, BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use lambda_invoke::emulator::{
    EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, Loopback, serve_on_loopback,
};
use lambda_invoke::{Input, ServiceConnection, Task};

/// The payload every benchmark sends.
pub const PAYLOAD: &str = r#"{"message":"hello from lambda-invoke"}"#;

/// A request as the stub received it.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The method.
    pub method: String,
    /// The request target (path and query).
    pub target: String,
    /// Headers in the order received.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

struct Shared {
    first_invoke: Mutex<Option<Request>>,
    next_id: AtomicU64,
}

/// The running stub; stops accepting when dropped.
#[derive(Debug)]
pub struct Stub {
    server: Loopback,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

impl Stub {
    /// Starts the stub on a free port of 127.0.0.1.
    pub fn start() -> io::Result<Self> {
        let shared = Arc::new(Shared {
            first_invoke: Mutex::new(None),
            next_id: AtomicU64::new(1),
        });
        let serving = Arc::clone(&shared);
        let server = serve_on_loopback("bench-stub", move |stream, stopping| {
            serve(stream, &serving, stopping)
        })?;
        Ok(Stub { server, shared })
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.server.address())
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.server.address()
    }

    /// The first `Invoke` request received, if any.
    pub fn first_invoke(&self) -> Option<Request> {
        self.shared
            .first_invoke
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Serves one connection until the client closes it.
fn serve(stream: TcpStream, shared: &Shared, stopping: &AtomicBool) {
    if stream.set_nodelay(true).is_err() {
        return;
    }
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut answer = Vec::with_capacity(512);
    loop {
        let request = match read_request(&mut reader) {
            Ok(Some(request)) => request,
            Ok(None) | Err(_) => return,
        };
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        let close = header(&request, "connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
        answer.clear();
        let is_invoke = request.method == "POST"
            && request.target.starts_with("/2015-03-31/functions/")
            && request
                .target
                .split('?')
                .next()
                .is_some_and(|p| p.ends_with("/invocations"));
        let (status, extra, body): (&str, &str, &[u8]) = if is_invoke {
            ("200 OK", "X-Amz-Executed-Version: $LATEST\r\n", &request.body)
        } else {
            (
                "404 Not Found",
                "x-amzn-ErrorType: ResourceNotFoundException\r\n",
                br#"{"Type":"User","message":"Function not found"}"#,
            )
        };
        let _ = write!(
            answer,
            "HTTP/1.1 {status}\r\n{extra}Content-Type: application/json\r\n\
             x-amzn-RequestId: 00000000-0000-4000-8000-{id:012x}\r\nContent-Length: {}\r\n{}\r\n",
            body.len(),
            if close { "Connection: close\r\n" } else { "" }
        );
        answer.extend_from_slice(body);
        // Recorded before it is answered: a client holding the answer can read it.
        if is_invoke {
            let mut first = shared.first_invoke.lock().unwrap_or_else(PoisonError::into_inner);
            if first.is_none() {
                *first = Some(request);
            }
        }
        if writer.write_all(&answer).is_err() || close {
            return;
        }
    }
}

fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Reads one request; none when the client closed the connection between requests.
fn read_request(reader: &mut BufReader<TcpStream>) -> io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.trim_end().splitn(3, ' ');
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(io::Error::other("malformed request line"));
    };
    let mut request = Request {
        method: method.to_owned(),
        target: target.to_owned(),
        ..Request::default()
    };
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let text = line.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            break;
        }
        let (name, value) = text
            .split_once(':')
            .ok_or_else(|| io::Error::other("malformed header"))?;
        request.headers.push((name.to_owned(), value.trim().to_owned()));
    }
    if header(&request, "transfer-encoding").is_some() {
        return Err(io::Error::other("chunked requests are not supported"));
    }
    let length = match header(&request, "content-length") {
        Some(v) => v.parse().map_err(|_| io::Error::other("bad Content-Length"))?,
        None => 0,
    };
    if length > 8 << 20 {
        return Err(io::Error::other("request body too large"));
    }
    request.body = vec![0; length];
    reader.read_exact(&mut request.body)?;
    Ok(Some(request))
}

/// A task invoking the stub's `echo` with the example keys as a service connection (the first
/// source of the credential chain) and [`PAYLOAD`].
pub fn echo_task(endpoint_url: &str) -> Task {
    let mut input = Input::new("echo");
    input.payload = PAYLOAD.to_owned();
    input.region = Some("us-east-1".to_owned());
    input.endpoint_url = Some(endpoint_url.to_owned());
    input.credentials = Some(ServiceConnection {
        access_key_id: EXAMPLE_ACCESS_KEY_ID.to_owned(),
        secret_access_key: EXAMPLE_SECRET_ACCESS_KEY.to_owned(),
        ..Default::default()
    });
    let mut task = Task::new(input);
    task.policy
        .allow_endpoint_url(endpoint_url)
        .expect("the stub's URL is a loopback http URL");
    task
}

/// The bare round trip: one keep-alive connection on which a recorded request is replayed byte
/// for byte, with the least work a client can do (no parsing beyond `Content-Length`).
#[derive(Debug)]
pub struct RawClient {
    stream: BufReader<TcpStream>,
    request: Vec<u8>,
    body: Vec<u8>,
}

impl RawClient {
    /// Connects to `address` to replay `recorded` (as the stub received it: the client's own
    /// `Host` and `Content-Length` headers included).
    pub fn connect(address: SocketAddr, recorded: &Request) -> io::Result<Self> {
        let stream = TcpStream::connect(address)?;
        stream.set_nodelay(true)?;
        let mut request = format!("{} {} HTTP/1.1\r\n", recorded.method, recorded.target).into_bytes();
        for (name, value) in &recorded.headers {
            request.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        request.extend_from_slice(b"\r\n");
        request.extend_from_slice(&recorded.body);
        Ok(RawClient {
            stream: BufReader::new(stream),
            request,
            body: Vec::new(),
        })
    }

    /// Sends the request and reads the whole response; returns the status.
    pub fn round_trip(&mut self) -> io::Result<u16> {
        self.stream.get_mut().write_all(&self.request)?;
        let mut line = String::new();
        self.stream.read_line(&mut line)?;
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::other(format!("bad status line {line:?}")))?;
        let mut length = 0usize;
        loop {
            line.clear();
            if self.stream.read_line(&mut line)? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value
                    .trim()
                    .parse()
                    .map_err(|_| io::Error::other("bad Content-Length"))?;
            }
        }
        self.body.resize(length, 0);
        self.stream.read_exact(&mut self.body)?;
        Ok(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoes_an_invoke_and_refuses_other_paths() {
        let stub = Stub::start().unwrap();
        let invoke = Request {
            method: "POST".to_owned(),
            target: "/2015-03-31/functions/echo/invocations".to_owned(),
            headers: vec![
                ("Host".to_owned(), "x".to_owned()),
                ("Content-Length".to_owned(), "2".to_owned()),
            ],
            body: b"{}".to_vec(),
        };
        let mut client = RawClient::connect(stub.address(), &invoke).unwrap();
        assert_eq!(client.round_trip().unwrap(), 200);
        assert_eq!(client.body, b"{}");
        // Kept alive: a second request on the same connection.
        assert_eq!(client.round_trip().unwrap(), 200);
        assert_eq!(stub.first_invoke().unwrap().body, b"{}");

        let other = Request {
            target: "/2015-03-31/functions/echo/configuration".to_owned(),
            ..invoke
        };
        let mut client = RawClient::connect(stub.address(), &other).unwrap();
        assert_eq!(client.round_trip().unwrap(), 404);
    }
}
