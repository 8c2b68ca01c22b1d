//! The blocking HTTP/1.1 client behind the guest's `http` import.
//!
//! The host asks its policy layer whether a request may leave *before* calling
//! [`HttpClient::send`]; this module only does the I/O. It speaks HTTP/1.1 (RFC 9112) through
//! [`ureq`] with rustls and ureq's bundled web PKI roots, follows no redirects, returns every
//! status code as a response, honours a connect timeout and a read timeout per request, caps the
//! response size, and routes through a proxy taken from `HTTPS_PROXY` / `HTTP_PROXY` /
//! `NO_PROXY` with the conventions curl documents for those variables.
//!
//! Every failure maps to exactly one [`HttpError`] case, and each case says whether the request
//! may have reached the server ([`HttpError::may_have_reached_server`]), because a caller may
//! only retry a non-idempotent request (a Lambda `Invoke` is a POST) when it certainly did not.
//! To draw that line exactly, the agents are built with ureq's connector and resolver wrapped so
//! that anything failing while a connection is set up (DNS, TCP, proxy `CONNECT`, TLS) is marked
//! as such; every other I/O failure happened after the request started to be written.
//! This uses `ureq::unversioned`, which ureq changes only in minor releases: keep ureq on `3.5.x`
//! (or re-check `SetupPhase` when moving to a newer minor release).
//!
//! Connection reuse: ureq keeps idle connections per agent and probes a pooled connection with a
//! non-blocking read just before reusing it, dropping it if the server has closed it (or sent
//! stray bytes). A server that closed an idle connection therefore costs a new connection, not a
//! spurious [`HttpError::ConnectionLost`]. The one race left, a server closing the connection in
//! the instant between that probe and the request reaching it, cannot be told apart from a server
//! that dropped the request; ureq 3 never retries, and neither does this module.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::uri::{Authority, Scheme};
use ureq::http::{HeaderName, HeaderValue, Uri};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, DefaultConnector, NextTimeout, Transport,
};
use ureq::{Agent, Proxy};

/// The `User-Agent` sent when the guest does not set one.
const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// Longer timeouts are shortened to this, so that adding them to a clock cannot overflow.
const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// Headers the client derives itself; a caller-provided value would conflict with the framing
/// (`Content-Length`, `Transfer-Encoding`), the connection management (`Connection`) or the URL
/// (`Host`).
const FORBIDDEN_HEADERS: [&str; 4] = ["host", "content-length", "transfer-encoding", "connection"];

/// The request methods the guest may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`; must not carry a body.
    Get,
    /// `HEAD`; must not carry a body, and the response has none.
    Head,
    /// `POST`; an empty body is sent as `Content-Length: 0`.
    Post,
    /// `PUT`; an empty body is sent as `Content-Length: 0`.
    Put,
    /// `DELETE`; a non-empty body is sent, an empty one is omitted.
    Delete,
}

impl Method {
    /// The method's name as it appears on the request line.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One request, as the guest described it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingRequest {
    /// The method.
    pub method: Method,
    /// An absolute `http://` or `https://` URL without credentials; the `Host` header is derived
    /// from it.
    pub url: String,
    /// Header names and values in the order to send them; repeated names are sent repeatedly.
    /// Names must be HTTP tokens and values printable ASCII (tabs allowed). `Host`,
    /// `Content-Length`, `Transfer-Encoding` and `Connection` are refused.
    pub headers: Vec<(String, String)>,
    /// The body; empty means none.
    pub body: Vec<u8>,
    /// Budget for resolving the host name and, separately, for setting up the connection
    /// (TCP, proxy `CONNECT`, TLS handshake); see [`HttpClient::send`].
    pub connect_timeout: Duration,
    /// Budget for the exchange once the connection is ready; see [`HttpClient::send`].
    pub read_timeout: Duration,
}

/// A complete response: status, headers and the whole body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingResponse {
    /// The status code, whatever its class; interim 1xx responses other than 101 are consumed.
    pub status: u16,
    /// Header names in lower case. Values of one name keep the order the server sent them in,
    /// and names appear in the order of their first occurrence. Bytes that are not UTF-8 (legal
    /// but obsolete in HTTP) are replaced with U+FFFD.
    pub headers: Vec<(String, String)>,
    /// The whole body; empty for `HEAD`, 204 and 304.
    pub body: Vec<u8>,
}

/// Why a request failed, and so whether it may have reached the server.
///
/// Mirrors the WIT `http-error` variant except `denied` and `limit-exceeded`, which the policy
/// layer produces, not this client.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpError {
    /// The URL or a header is malformed, a header is one the client sets itself, or the method
    /// does not take a body. Nothing was sent.
    InvalidRequest(String),
    /// The host name did not resolve, the connection was refused, or the proxy or the TLS
    /// handshake failed. Nothing was sent.
    ConnectFailed(String),
    /// Resolving the host name or setting up the connection took longer than the connect
    /// timeout. Nothing was sent.
    ConnectTimeout,
    /// The request started to be sent, but the whole response did not arrive within the read
    /// timeout.
    ReadTimeout,
    /// The connection was reset or closed after the request started to be sent and before the
    /// response head arrived.
    ConnectionLost(String),
    /// The server answered with something that is not valid HTTP/1.1: a bad status line or
    /// header, too many headers, a head over the size limit, or a body that ended early.
    Protocol(String),
    /// The response body is larger than the limit, which is the payload in bytes.
    TooLarge(u64),
}

impl HttpError {
    /// Whether the server may have received (and acted on) the request. `false` means it
    /// certainly did not, so even a non-idempotent request can be retried.
    pub fn may_have_reached_server(&self) -> bool {
        match self {
            HttpError::InvalidRequest(_) | HttpError::ConnectFailed(_) | HttpError::ConnectTimeout => false,
            HttpError::ReadTimeout
            | HttpError::ConnectionLost(_)
            | HttpError::Protocol(_)
            | HttpError::TooLarge(_) => true,
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::InvalidRequest(why) => write!(f, "invalid request: {why}"),
            HttpError::ConnectFailed(why) => write!(
                f,
                "could not connect: {why}: check the host name, the port and the network"
            ),
            HttpError::ConnectTimeout => f.write_str(
                "no connection within the connect timeout: check the host, the network and the proxy",
            ),
            HttpError::ReadTimeout => f.write_str(
                "the response did not arrive within the read timeout (OutgoingRequest::read_timeout)",
            ),
            HttpError::ConnectionLost(why) => write!(
                f,
                "connection lost after the request started: {why}: the server may have received it"
            ),
            HttpError::Protocol(why) => write!(f, "invalid http response: {why}"),
            HttpError::TooLarge(limit) => write!(
                f,
                "response body is larger than the limit of {limit} bytes (ClientLimits::max_response_body)"
            ),
        }
    }
}

impl std::error::Error for HttpError {}

/// Limits on what a server may send back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientLimits {
    /// Largest accepted response body in bytes; default 16 MiB.
    pub max_response_body: u64,
    /// Most response header lines; default 100. ureq's parser refuses more than 128 whatever
    /// this says.
    pub max_response_headers: usize,
    /// Largest response head (status line and headers) in bytes; default 64 KiB.
    pub max_header_bytes: usize,
}

impl Default for ClientLimits {
    fn default() -> Self {
        ClientLimits {
            max_response_body: 16 * 1024 * 1024,
            max_response_headers: 100,
            max_header_bytes: 64 * 1024,
        }
    }
}

/// A proxy's URL. Its `Display` and `Debug` never show credentials: `http://user:pass@proxy:3128`
/// prints as `http://***@proxy:3128`.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    proxy: Proxy,
    masked: String,
}

impl ProxyUrl {
    /// Parses `http://[user:pass@]host[:port]` or `https://...`; a value without a scheme is
    /// taken as `http://`, as curl does. `variable` names the source in the error.
    fn parse(variable: &str, value: &str) -> Result<Self, ProxyError> {
        let with_scheme = if value.contains("://") {
            value.to_owned()
        } else {
            format!("http://{value}")
        };
        let invalid = || ProxyError::InvalidUrl {
            variable: variable.to_owned(),
            url: mask_userinfo(value),
        };
        let uri: Uri = with_scheme.parse().map_err(|_| invalid())?;
        let scheme = uri.scheme_str().unwrap_or_default().to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(ProxyError::UnsupportedScheme {
                variable: variable.to_owned(),
                url: mask_userinfo(value),
            });
        }
        let authority = uri.authority().ok_or_else(invalid)?;
        if authority.host().is_empty() || explicit_port(authority).is_err() {
            return Err(invalid());
        }
        let proxy = Proxy::new(&with_scheme).map_err(|_| invalid())?;
        let credentials = if authority.as_str().contains('@') {
            "***@"
        } else {
            ""
        };
        let port = authority
            .port_u16()
            .map(|port| format!(":{port}"))
            .unwrap_or_default();
        let masked = format!("{scheme}://{credentials}{}{port}", authority.host());
        Ok(ProxyUrl { proxy, masked })
    }

    /// The URL with any credentials replaced by `***`.
    pub fn masked(&self) -> &str {
        &self.masked
    }
}

impl fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked)
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ProxyUrl").field(&self.masked).finish()
    }
}

/// A proxy variable that cannot be used. The URL in it has its credentials masked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyError {
    /// The value does not parse as a proxy URL.
    InvalidUrl {
        /// The environment variable it came from, as spelled there.
        variable: String,
        /// The value, credentials masked.
        url: String,
    },
    /// The proxy is not an `http://` or `https://` proxy (SOCKS is not supported).
    UnsupportedScheme {
        /// The environment variable it came from, as spelled there.
        variable: String,
        /// The value, credentials masked.
        url: String,
    },
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyError::InvalidUrl { variable, url } => write!(
                f,
                "{variable} {url:?} is not a valid proxy url: use http://host:port or unset it"
            ),
            ProxyError::UnsupportedScheme { variable, url } => write!(
                f,
                "{variable} {url:?} is not supported: use an http:// or https:// proxy or unset it"
            ),
        }
    }
}

impl std::error::Error for ProxyError {}

/// Masks everything between the scheme and the last `@` of a URL that may not even parse.
fn mask_userinfo(url: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    match url[start..].rfind('@') {
        Some(at) => format!("{}***{}", &url[..start], &url[start + at..]),
        None => url.to_owned(),
    }
}

/// Which proxy, if any, each request goes through: `HTTPS_PROXY` for `https` URLs,
/// `HTTP_PROXY` for `http` URLs, except for hosts matched by `NO_PROXY` and loopback hosts
/// (`localhost`, `*.localhost`, `127.0.0.0/8`, `::1`), which are always reached directly.
///
/// Proxies speak HTTP/1.1 `CONNECT` for both schemes (that is how ureq 3 uses a proxy); for
/// `http` URLs the request then travels through the tunnel in plain text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    https: Option<ProxyUrl>,
    http: Option<ProxyUrl>,
    no_proxy: Vec<NoProxyRule>,
}

impl ProxyConfig {
    /// No proxy: every request goes directly to its host.
    pub fn none() -> Self {
        ProxyConfig::default()
    }

    /// Reads the proxy variables from the process environment; see [`Self::from_env_map`].
    pub fn from_env() -> Result<Self, ProxyError> {
        Self::from_env_map(|name| std::env::var(name).ok())
    }

    /// Reads `https_proxy`/`HTTPS_PROXY`, `http_proxy`/`HTTP_PROXY` and `no_proxy`/`NO_PROXY`
    /// through `get`. The lower-case name wins when both are set, as in curl; an empty value
    /// counts as unset.
    ///
    /// `NO_PROXY` is a comma-separated list of: `*` (no proxy at all); a host name, which also
    /// matches its subdomains, with or without a leading `.` (`example.com` and `.example.com`
    /// both match `example.com` and `a.example.com`); `host:port`, matching that port only; an
    /// IP address (`10.1.2.3`, `::1`, `[::1]:8080`); or a CIDR block (`10.0.0.0/8`,
    /// `fd00::/8`), matching URLs whose host is an IP address in it. Names are compared without
    /// case and no name is resolved; entries that parse as none of these are ignored, as curl
    /// does.
    ///
    /// A proxy value that is not an `http://` or `https://` URL is an error rather than being
    /// ignored, so that a mistyped proxy does not silently send traffic around it.
    pub fn from_env_map(get: impl Fn(&str) -> Option<String>) -> Result<Self, ProxyError> {
        let read = |lower: &'static str, upper: &'static str| {
            [lower, upper].into_iter().find_map(|name| {
                get(name)
                    .map(|value| value.trim().to_owned())
                    .filter(|value| !value.is_empty())
                    .map(|value| (name, value))
            })
        };
        let proxy = |lower, upper| {
            read(lower, upper)
                .map(|(name, value)| ProxyUrl::parse(name, &value))
                .transpose()
        };
        Ok(ProxyConfig {
            https: proxy("https_proxy", "HTTPS_PROXY")?,
            http: proxy("http_proxy", "HTTP_PROXY")?,
            no_proxy: read("no_proxy", "NO_PROXY")
                .map(|(_, value)| value.split(',').filter_map(NoProxyRule::parse).collect())
                .unwrap_or_default(),
        })
    }

    /// The proxy a request to `url` goes through, or `None` when it goes directly (including
    /// when `url` does not parse).
    pub fn proxy_for(&self, url: &str) -> Option<&ProxyUrl> {
        let target = Target::parse(url).ok()?;
        self.proxy_for_target(&target)
    }

    fn proxy_for_target(&self, target: &Target) -> Option<&ProxyUrl> {
        let proxy = if target.tls {
            self.https.as_ref()
        } else {
            self.http.as_ref()
        }?;
        if is_loopback(&target.host) || self.no_proxy.iter().any(|rule| rule.matches(target)) {
            return None;
        }
        Some(proxy)
    }
}

/// One `NO_PROXY` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum NoProxyRule {
    /// `*`.
    All,
    /// A host name and its subdomains: lower case, without leading or trailing dots.
    Domain { name: String, port: Option<u16> },
    /// An address block; a single address has the full prefix length.
    Ip {
        network: IpAddr,
        prefix_len: u8,
        port: Option<u16>,
    },
}

impl NoProxyRule {
    fn parse(entry: &str) -> Option<Self> {
        let entry = entry.trim().to_ascii_lowercase();
        if entry.is_empty() {
            return None;
        }
        if entry == "*" {
            return Some(NoProxyRule::All);
        }
        if let Some((address, prefix)) = entry.split_once('/') {
            let network: IpAddr = strip_brackets(address).parse().ok()?;
            let prefix_len: u8 = prefix.parse().ok()?;
            if prefix_len > max_prefix_len(network) {
                return None;
            }
            return Some(NoProxyRule::Ip {
                network,
                prefix_len,
                port: None,
            });
        }
        let (host, port) = split_host_port(&entry)?;
        if let Ok(address) = host.parse::<IpAddr>() {
            return Some(NoProxyRule::Ip {
                network: address,
                prefix_len: max_prefix_len(address),
                port,
            });
        }
        let name = host
            .strip_prefix("*.")
            .unwrap_or(host)
            .trim_start_matches('.')
            .trim_end_matches('.');
        if name.is_empty() || name.contains(['*', '[', ']', ' ']) {
            return None;
        }
        Some(NoProxyRule::Domain {
            name: name.to_owned(),
            port,
        })
    }

    fn matches(&self, target: &Target) -> bool {
        match self {
            NoProxyRule::All => true,
            NoProxyRule::Domain { name, port } => {
                port.is_none_or(|port| port == target.port)
                    && target.host.parse::<IpAddr>().is_err()
                    && (target.host == *name
                        || target
                            .host
                            .strip_suffix(name.as_str())
                            .is_some_and(|rest| rest.ends_with('.')))
            }
            NoProxyRule::Ip {
                network,
                prefix_len,
                port,
            } => {
                port.is_none_or(|port| port == target.port)
                    && target
                        .host
                        .parse::<IpAddr>()
                        .is_ok_and(|address| in_network(address, *network, *prefix_len))
            }
        }
    }
}

/// Splits `host`, `host:port`, `[v6]` or `[v6]:port`; a bare IPv6 address has no port.
fn split_host_port(entry: &str) -> Option<(&str, Option<u16>)> {
    if let Some(rest) = entry.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return match after.strip_prefix(':') {
            Some(port) => Some((host, Some(port.parse().ok()?))),
            None if after.is_empty() => Some((host, None)),
            None => None,
        };
    }
    match entry.split_once(':') {
        Some((host, port)) if !port.contains(':') => Some((host, Some(port.parse().ok()?))),
        _ => Some((entry, None)),
    }
}

/// The port written in `authority`, if any. The `http` crate accepts `host:` and `host:abc`
/// and reports no port for them, which would silently mean the default port.
fn explicit_port(authority: &Authority) -> Result<Option<u16>, ()> {
    let host_port = authority
        .as_str()
        .rsplit_once('@')
        .map_or(authority.as_str(), |(_, host_port)| host_port);
    let port = if let Some(rest) = host_port.strip_prefix('[') {
        match rest.split_once(']').ok_or(())? {
            (_, "") => return Ok(None),
            (_, after) => after.strip_prefix(':').ok_or(())?,
        }
    } else {
        match host_port.split_once(':') {
            None => return Ok(None),
            Some((_, port)) => port,
        }
    };
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(());
    }
    port.parse().map(Some).map_err(|_| ())
}

fn strip_brackets(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

fn max_prefix_len(address: IpAddr) -> u8 {
    match address {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn in_network(address: IpAddr, network: IpAddr, prefix_len: u8) -> bool {
    match (address, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix_len)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix_len)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

fn is_loopback(host: &str) -> bool {
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_loopback(),
        Ok(IpAddr::V6(v6)) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
        Err(_) => false,
    }
}

/// A request URL, checked and taken apart.
#[derive(Debug)]
struct Target {
    uri: Uri,
    tls: bool,
    /// Lower case, without IPv6 brackets or a trailing dot.
    host: String,
    /// The explicit port or the scheme's default.
    port: u16,
}

impl Target {
    fn parse(url: &str) -> Result<Self, HttpError> {
        let invalid = |why: &str| HttpError::InvalidRequest(format!("url {why}"));
        let uri: Uri = url
            .parse()
            .map_err(|_| invalid("does not parse: use an absolute http:// or https:// url"))?;
        let tls = match uri.scheme() {
            Some(scheme) if *scheme == Scheme::HTTPS => true,
            Some(scheme) if *scheme == Scheme::HTTP => false,
            _ => return Err(invalid("scheme is not http or https: use one of those")),
        };
        let authority = uri
            .authority()
            .ok_or_else(|| invalid("has no host: use an absolute url"))?;
        if authority.as_str().contains('@') {
            return Err(invalid(
                "contains credentials: remove them and send an authorization header",
            ));
        }
        let host = strip_brackets(authority.host())
            .trim_end_matches('.')
            .to_ascii_lowercase();
        if host.is_empty() {
            return Err(invalid("has no host: use an absolute url"));
        }
        let port = match explicit_port(authority) {
            Ok(Some(port)) => port,
            Ok(None) if tls => 443,
            Ok(None) => 80,
            Err(()) => return Err(invalid("has an invalid port: use a number up to 65535")),
        };
        Ok(Target { uri, tls, host, port })
    }
}

/// Checks the caller's headers and converts them for ureq.
fn request_headers(headers: &[(String, String)]) -> Result<Vec<(HeaderName, HeaderValue)>, HttpError> {
    headers
        .iter()
        .map(|(name, value)| {
            let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                HttpError::InvalidRequest(format!(
                    "header name {name:?} is not a valid http token: use letters, digits and !#$%&'*+-.^_`|~"
                ))
            })?;
            if FORBIDDEN_HEADERS.contains(&header.as_str()) {
                return Err(HttpError::InvalidRequest(format!(
                    "header {:?} is set by the client itself: remove it",
                    header.as_str()
                )));
            }
            // `HeaderValue` would take bytes above 0x7f (obs-text), whose meaning depends on
            // the server; values are held to ASCII. The value is not echoed: it may be a
            // credential.
            let value = Some(value)
                .filter(|value| value.is_ascii())
                .and_then(|value| HeaderValue::from_str(value).ok())
                .ok_or_else(|| {
                    HttpError::InvalidRequest(format!(
                        "value of header {:?} contains a control or non-ascii character: remove it",
                        header.as_str()
                    ))
                })?;
            Ok((header, value))
        })
        .collect()
}

/// Marks errors raised while a connection is set up, so [`classify`] knows nothing was sent.
#[derive(Debug)]
struct SetupFailed(ureq::Error);

impl SetupFailed {
    fn wrap(error: ureq::Error) -> ureq::Error {
        ureq::Error::Other(Box::new(SetupFailed(error)))
    }
}

impl fmt::Display for SetupFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "connection setup failed: {}", self.0)
    }
}

impl std::error::Error for SetupFailed {}

/// Wraps ureq's default resolver and connector chain (proxy `CONNECT`, TCP, rustls) and marks
/// their errors with [`SetupFailed`]. A pooled connection skips the connector, so any error
/// not marked happened after the request started to be written.
#[derive(Debug)]
struct SetupPhase<T>(T);

impl Connector<()> for SetupPhase<DefaultConnector> {
    type Out = Box<dyn Transport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let transport = self.0.connect(details, chained).map_err(SetupFailed::wrap)?;
        Ok(transport.map(|transport| OneWrite::new(transport).boxed()))
    }
}

/// Most bytes [`OneWrite`] holds before it writes them out.
const ONE_WRITE_LIMIT: usize = 64 * 1024;

/// How long [`OneWrite`] trusts its latest finding that an idle connection is open.
const OPEN_CHECK_VALID: Duration = Duration::from_millis(1);

/// Sends a request in one write: holds what ureq transmits (the head, then the body) until it
/// waits for the answer, or until [`ONE_WRITE_LIMIT`] bytes are held.
///
/// ureq writes a request's head and its body separately, and the socket has `TCP_NODELAY`, so
/// a small request left in two segments: the server woke for the head, then again for the
/// body, and the client made two writes. On loopback that was a third of the client's cost
/// beyond the round trip. Outermost in the chain, so over TLS the request is one record too.
/// (The connection to an HTTP proxy is made through the same chain, so it has one of its own:
/// the `CONNECT` goes out when its answer is awaited, and a TLS handshake's last message with
/// the first request.)
///
/// It also answers the second of ureq's two checks that a pooled connection is still open (one
/// when the connection goes back to the pool, one when it is taken out; three system calls each)
/// from the first, when no I/O happened in between and it is under [`OPEN_CHECK_VALID`] old: back
/// to back requests check once. A server may close a connection just after any check; a
/// millisecond more does not make that likelier.
struct OneWrite {
    inner: Box<dyn Transport>,
    held: Vec<u8>,
    /// The timeout of the latest transmission, for writing out what is held.
    timeout: Option<NextTimeout>,
    /// When the connection was last found open, with no I/O since.
    found_open: Option<Instant>,
    /// How long that finding is trusted ([`OPEN_CHECK_VALID`]; tests change it).
    open_check_valid: Duration,
}

/// Not the bytes held: they are a request, signed headers and all.
impl fmt::Debug for OneWrite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OneWrite")
            .field("inner", &self.inner)
            .field("held_bytes", &self.held.len())
            .finish_non_exhaustive()
    }
}

impl OneWrite {
    fn new(inner: Box<dyn Transport>) -> Self {
        OneWrite {
            inner,
            held: Vec::new(),
            timeout: None,
            found_open: None,
            open_check_valid: OPEN_CHECK_VALID,
        }
    }

    /// Writes out what is held, through the inner transport's output buffer.
    fn write_out(&mut self) -> Result<(), ureq::Error> {
        let Some(timeout) = self.timeout.take() else {
            return Ok(());
        };
        let mut sent = 0;
        while sent < self.held.len() {
            let output = self.inner.buffers().output();
            if output.is_empty() {
                return Err(ureq::Error::Io(std::io::Error::other(
                    "the transport has no output buffer",
                )));
            }
            let amount = output.len().min(self.held.len() - sent);
            output[..amount].copy_from_slice(&self.held[sent..sent + amount]);
            self.inner.transmit_output(amount, timeout)?;
            sent += amount;
        }
        self.held.clear();
        Ok(())
    }
}

impl Transport for OneWrite {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.found_open = None;
        let output = self.inner.buffers().output();
        self.held.extend_from_slice(&output[..amount.min(output.len())]);
        self.timeout = Some(timeout);
        if self.held.len() >= ONE_WRITE_LIMIT {
            self.write_out()?;
        }
        Ok(())
    }

    fn maybe_await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.found_open = None;
        self.write_out()?;
        self.inner.maybe_await_input(timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.found_open = None;
        self.write_out()?;
        self.inner.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        // Bytes still held mean a request was not finished: not a connection to reuse.
        if !self.held.is_empty() {
            return false;
        }
        let now = Instant::now();
        if self
            .found_open
            .is_some_and(|at| now.saturating_duration_since(at) < self.open_check_valid)
        {
            return true;
        }
        let open = self.inner.is_open();
        self.found_open = open.then_some(now);
        open
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

impl Resolver for SetupPhase<DefaultResolver> {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        // An address needs no lookup. ureq resolves before it looks for a pooled connection,
        // and with a timeout it does so on a new thread: for an IP literal that thread costs
        // more than the whole exchange on a kept-alive connection.
        let literal = uri.host().and_then(|host| {
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .ok()
        });
        let port = uri.port_u16().or_else(|| match uri.scheme() {
            Some(scheme) if *scheme == Scheme::HTTPS => Some(443),
            Some(scheme) if *scheme == Scheme::HTTP => Some(80),
            _ => None,
        });
        if let (Some(ip), Some(port)) = (literal, port)
            && config
                .ip_family()
                .keep_wanted(std::iter::once(SocketAddr::new(ip, port)))
                .next()
                .is_some()
        {
            let mut addresses = self.empty();
            addresses.push(SocketAddr::new(ip, port));
            return Ok(addresses);
        }
        self.0.resolve(uri, config, timeout).map_err(SetupFailed::wrap)
    }

    fn empty(&self) -> ResolvedSocketAddrs {
        self.0.empty()
    }
}

/// What the client was doing when ureq failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Connecting, sending the request or waiting for the response head.
    Head,
    /// Reading the response body.
    Body,
}

/// Maps a ureq error to the one [`HttpError`] case that describes it.
fn classify(error: ureq::Error, stage: Stage, limits: &ClientLimits) -> HttpError {
    use std::io::ErrorKind;
    use ureq::Error as E;

    let mut error = error;
    let mut during_setup = false;
    while let E::Other(inner) = error {
        match inner.downcast::<SetupFailed>() {
            Ok(setup) => {
                during_setup = true;
                error = setup.0;
            }
            Err(other) => {
                error = E::Other(other);
                break;
            }
        }
    }

    if during_setup {
        return match error {
            E::Timeout(_) => HttpError::ConnectTimeout,
            E::Io(e) if e.kind() == ErrorKind::TimedOut => HttpError::ConnectTimeout,
            E::HostNotFound => HttpError::ConnectFailed("host name not found".to_owned()),
            E::ConnectProxyFailed(why) => HttpError::ConnectFailed(why),
            other => HttpError::ConnectFailed(describe(&other)),
        };
    }

    match error {
        // ureq validates the request before any I/O.
        E::Http(e) => HttpError::InvalidRequest(e.to_string()),
        E::BadUri(_) | E::RequireHttpsOnly(_) => {
            HttpError::InvalidRequest("url is not valid: use an absolute http:// or https:// url".to_owned())
        }
        // Raised around connection setup, outside the marked connector.
        E::HostNotFound => HttpError::ConnectFailed("host name not found".to_owned()),
        E::ConnectionFailed | E::TlsRequired | E::InvalidProxyUrl | E::ConnectProxyFailed(_) => {
            HttpError::ConnectFailed(describe(&error))
        }
        E::Timeout(_) => HttpError::ReadTimeout,
        E::Io(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => HttpError::ReadTimeout,
        // ureq reports a reset while reading the body as the same early end.
        E::Io(e) if stage == Stage::Body && e.kind() == ErrorKind::UnexpectedEof => {
            HttpError::Protocol("response body ended before its declared end".to_owned())
        }
        E::Io(e) if e.kind() == ErrorKind::UnexpectedEof => {
            HttpError::ConnectionLost("the server closed the connection without a response".to_owned())
        }
        E::Io(e) => HttpError::ConnectionLost(e.to_string()),
        E::Protocol(e) => HttpError::Protocol(e.to_string()),
        E::LargeResponseHeader(_, limit) => {
            HttpError::Protocol(format!("response head is larger than {limit} bytes"))
        }
        E::BodyExceedsLimit(_) => HttpError::TooLarge(limits.max_response_body),
        E::BodyStalled => HttpError::Protocol("response body stalled".to_owned()),
        // Ruled out by the agent's configuration; kept as protocol errors should ureq change.
        E::StatusCode(_) | E::TooManyRedirects | E::RedirectFailed => HttpError::Protocol(describe(&error)),
        // Anything else may have happened after the request started to be written.
        other => HttpError::ConnectionLost(describe(&other)),
    }
}

/// ureq's message without its category prefix.
fn describe(error: &ureq::Error) -> String {
    match error {
        ureq::Error::Io(e) => e.to_string(),
        other => other.to_string(),
    }
}

/// The per-request timeouts; see [`HttpClient::send`].
#[derive(Debug, Clone, Copy)]
struct Timeouts {
    connect: Duration,
    read: Duration,
    whole: Duration,
}

impl Timeouts {
    fn new(connect: Duration, read: Duration) -> Result<Self, HttpError> {
        if connect.is_zero() || read.is_zero() {
            return Err(HttpError::InvalidRequest(
                "timeouts must be longer than zero: set both the connect and the read timeout".to_owned(),
            ));
        }
        let connect = connect.min(MAX_TIMEOUT);
        let read = read.min(MAX_TIMEOUT);
        Ok(Timeouts {
            connect,
            read,
            whole: connect * 2 + read,
        })
    }
}

/// A blocking HTTP/1.1 client. Cheap to clone and share between threads: clones share their
/// connection pools.
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

struct Inner {
    limits: ClientLimits,
    proxy: ProxyConfig,
    direct: Agent,
    via_https_proxy: Option<Agent>,
    via_http_proxy: Option<Agent>,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("limits", &self.inner.limits)
            .field("proxy", &self.inner.proxy)
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    /// A client with these limits and proxies. Builds no connection yet.
    pub fn new(limits: ClientLimits, proxy: ProxyConfig) -> Self {
        let agent_via = |proxy: Option<&ProxyUrl>| agent(&limits, proxy.map(|p| p.proxy.clone()));
        let inner = Inner {
            direct: agent_via(None),
            via_https_proxy: proxy.https.as_ref().map(|p| agent_via(Some(p))),
            via_http_proxy: proxy.http.as_ref().map(|p| agent_via(Some(p))),
            limits,
            proxy,
        };
        HttpClient {
            inner: Arc::new(inner),
        }
    }

    /// The limits this client enforces.
    pub fn limits(&self) -> &ClientLimits {
        &self.inner.limits
    }

    /// Sends `request` and reads the whole response, blocking the calling thread.
    ///
    /// Timeouts, as far as ureq's per-phase budgets allow:
    /// - resolving the host name, and then setting up the connection (TCP, proxy `CONNECT`,
    ///   TLS handshake), must each finish within `connect_timeout`, else
    ///   [`HttpError::ConnectTimeout`];
    /// - once the connection is ready, sending the request, waiting for the response head and
    ///   reading the body must each finish within `read_timeout`, and the whole call within
    ///   `2 × connect_timeout + read_timeout`, else [`HttpError::ReadTimeout`]. So a stalled
    ///   server is given up on after `read_timeout`, and a server trickling its answer after at
    ///   most that overall bound.
    ///
    /// Both timeouts must be longer than zero; values above a day count as a day.
    pub fn send(&self, request: OutgoingRequest) -> Result<IncomingResponse, HttpError> {
        self.send_with_limit(request, self.inner.limits.max_response_body)
    }

    /// [`HttpClient::send`] with its own response body limit (a run's limit), read no further
    /// than that.
    pub fn send_with_limit(
        &self,
        request: OutgoingRequest,
        max_response_body: u64,
    ) -> Result<IncomingResponse, HttpError> {
        let OutgoingRequest {
            method,
            url,
            headers,
            body,
            connect_timeout,
            read_timeout,
        } = request;
        let target = Target::parse(&url)?;
        let headers = request_headers(&headers)?;
        let timeouts = Timeouts::new(connect_timeout, read_timeout)?;
        if !body.is_empty() && matches!(method, Method::Get | Method::Head) {
            return Err(HttpError::InvalidRequest(format!(
                "a {method} request cannot carry a body: use POST or PUT"
            )));
        }

        let inner = &*self.inner;
        let agent = match inner.proxy.proxy_for_target(&target) {
            None => &inner.direct,
            Some(_) if target.tls => inner.via_https_proxy.as_ref().unwrap_or(&inner.direct),
            Some(_) => inner.via_http_proxy.as_ref().unwrap_or(&inner.direct),
        };

        let uri = target.uri;
        let result = match method {
            Method::Get => prepare(agent.get(uri), headers, timeouts).call(),
            Method::Head => prepare(agent.head(uri), headers, timeouts).call(),
            Method::Delete if body.is_empty() => prepare(agent.delete(uri), headers, timeouts).call(),
            Method::Delete => prepare(agent.delete(uri), headers, timeouts)
                .force_send_body()
                .send(&body[..]),
            Method::Post => prepare(agent.post(uri), headers, timeouts).send(&body[..]),
            Method::Put => prepare(agent.put(uri), headers, timeouts).send(&body[..]),
        };
        let limits = &ClientLimits {
            max_response_body,
            ..inner.limits
        };
        let response = result.map_err(|e| classify(e, Stage::Head, limits))?;

        let (parts, body) = response.into_parts();
        if parts.headers.len() > limits.max_response_headers {
            return Err(HttpError::Protocol(format!(
                "response has {} headers, more than the limit of {}",
                parts.headers.len(),
                limits.max_response_headers
            )));
        }
        if body
            .content_length()
            .is_some_and(|length| length > limits.max_response_body)
        {
            return Err(HttpError::TooLarge(limits.max_response_body));
        }
        let body = body
            .into_with_config()
            .limit(limits.max_response_body)
            .read_to_vec()
            .map_err(|e| classify(e, Stage::Body, limits))?;

        let headers = parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        Ok(IncomingResponse {
            status: parts.status.as_u16(),
            headers,
            body,
        })
    }
}

/// Adds the caller's headers and the request's timeouts to a ureq request.
fn prepare<B>(
    builder: ureq::RequestBuilder<B>,
    headers: Vec<(HeaderName, HeaderValue)>,
    timeouts: Timeouts,
) -> ureq::RequestBuilder<B> {
    let builder = headers
        .into_iter()
        .fold(builder, |builder, (name, value)| builder.header(name, value));
    builder
        .config()
        .timeout_resolve(Some(timeouts.connect))
        .timeout_connect(Some(timeouts.connect))
        .timeout_send_request(Some(timeouts.read))
        .timeout_send_body(Some(timeouts.read))
        .timeout_recv_response(Some(timeouts.read))
        .timeout_recv_body(Some(timeouts.read))
        .timeout_global(Some(timeouts.whole))
        .build()
}

/// One ureq agent (and so one connection pool) per route: direct, or through one proxy.
fn agent(limits: &ClientLimits, proxy: Option<Proxy>) -> Agent {
    let config = Agent::config_builder()
        // Every status is a response; redirects are the guest's business.
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        // Explicit, so ureq does not read the proxy from the environment itself.
        .proxy(proxy)
        .user_agent(USER_AGENT)
        // No Accept or Accept-Encoding the guest did not ask for (and no decompression).
        .accept("")
        .accept_encoding("")
        .max_response_header_size(limits.max_header_bytes)
        // The head must fit the input buffer for the size check above to trigger.
        .input_buffer_size((128 * 1024).max(limits.max_header_bytes.saturating_add(4096)))
        .build();
    Agent::with_parts(
        config,
        SetupPhase(DefaultConnector::new()),
        SetupPhase(DefaultResolver::default()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::mpsc;
    use std::thread::{self, JoinHandle};

    const SHORT: Duration = Duration::from_millis(300);
    const LONG: Duration = Duration::from_secs(5);

    /// A transport that records each transmission, and counts its open checks.
    #[derive(Debug)]
    struct Recorder {
        buffers: ureq::unversioned::transport::LazyBuffers,
        writes: Writes,
        open_checks: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    }

    impl Transport for Recorder {
        fn buffers(&mut self) -> &mut dyn Buffers {
            &mut self.buffers
        }

        fn transmit_output(&mut self, amount: usize, _: NextTimeout) -> Result<(), ureq::Error> {
            let bytes = self.buffers.output()[..amount].to_vec();
            self.writes.lock().unwrap().push(bytes);
            Ok(())
        }

        fn await_input(&mut self, _: NextTimeout) -> Result<bool, ureq::Error> {
            Ok(false)
        }

        fn is_open(&mut self) -> bool {
            self.open_checks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            true
        }
    }

    /// What a [`Recorder`] transmitted, one entry per transmission.
    type Writes = std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>;

    /// A [`OneWrite`] over a [`Recorder`] with an output buffer of `output_buffer` bytes: the
    /// transport, its transmissions and its count of open checks.
    fn one_write_over_recorder(
        output_buffer: usize,
    ) -> (OneWrite, Writes, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        let writes = Writes::default();
        let open_checks = std::sync::Arc::default();
        let recorder = Recorder {
            buffers: ureq::unversioned::transport::LazyBuffers::new(1024, output_buffer),
            writes: writes.clone(),
            open_checks: std::sync::Arc::clone(&open_checks),
        };
        (OneWrite::new(Box::new(recorder)), writes, open_checks)
    }

    #[test]
    fn an_idle_connection_is_checked_once_between_requests() {
        use std::sync::atomic::Ordering::SeqCst;
        let (mut transport, _, checks) = one_write_over_recorder(1024);
        // Trusted for an hour here, so that a preempted test cannot see a finding expire.
        transport.open_check_valid = Duration::from_secs(3600);
        transmit(&mut transport, b"GET / HTTP/1.1\r\n\r\n");
        wait_for_answer(&mut transport);
        // ureq checks when the connection goes back to the pool and again when it comes out.
        assert!(transport.is_open() && transport.is_open());
        assert_eq!(checks.load(SeqCst), 1, "the second check answered from the first");
        // Any I/O makes the next check a real one; so does time.
        transmit(&mut transport, b"GET / HTTP/1.1\r\n\r\n");
        wait_for_answer(&mut transport);
        assert!(transport.is_open());
        assert_eq!(checks.load(SeqCst), 2);
        transport.open_check_valid = Duration::from_millis(1);
        std::thread::sleep(Duration::from_millis(2));
        assert!(transport.is_open());
        assert_eq!(checks.load(SeqCst), 3, "an old finding is checked again");
    }

    /// A timeout far off, for `reason`.
    fn long_timeout(reason: ureq::Timeout) -> NextTimeout {
        NextTimeout {
            after: LONG.into(),
            reason,
            per_read: None,
            per_write: None,
        }
    }

    /// What ureq does: fill the output buffer, then transmit that much.
    fn transmit(transport: &mut OneWrite, bytes: &[u8]) {
        transport.buffers().output()[..bytes.len()].copy_from_slice(bytes);
        let timeout = long_timeout(ureq::Timeout::SendBody);
        transport.transmit_output(bytes.len(), timeout).unwrap();
    }

    fn wait_for_answer(transport: &mut OneWrite) {
        transport
            .maybe_await_input(long_timeout(ureq::Timeout::RecvResponse))
            .unwrap();
    }

    #[test]
    fn a_request_head_and_body_go_out_in_one_write() {
        let (mut transport, writes, _) = one_write_over_recorder(128 * 1024);
        transmit(&mut transport, b"POST /f HTTP/1.1\r\ncontent-length: 2\r\n\r\n");
        transmit(&mut transport, b"{}");
        assert!(
            writes.lock().unwrap().is_empty(),
            "nothing written before the answer is awaited"
        );
        assert!(
            !transport.is_open(),
            "a connection holding half a request is not reused"
        );
        wait_for_answer(&mut transport);
        assert_eq!(
            *writes.lock().unwrap(),
            [b"POST /f HTTP/1.1\r\ncontent-length: 2\r\n\r\n{}".to_vec()]
        );
        assert!(transport.is_open());
    }

    #[test]
    fn a_large_body_is_written_out_in_order_as_it_comes() {
        // Three 40 KiB pieces through a 16 KiB output buffer: what is held is written out,
        // in output-buffer pieces, once it reaches the limit; the rest when the answer is
        // awaited. Nothing is lost, duplicated or reordered.
        let (mut transport, writes, _) = one_write_over_recorder(16 * 1024);
        let pieces: Vec<Vec<u8>> = (0..3u8).map(|i| vec![b'a' + i; 40 * 1024]).collect();
        let written = |writes: &Writes| writes.lock().unwrap().concat();
        transmit_in_parts(&mut transport, &pieces[0]);
        assert!(writes.lock().unwrap().is_empty(), "40 KiB is under the limit");
        transmit_in_parts(&mut transport, &pieces[1]);
        let so_far = written(&writes);
        assert!(so_far.len() >= ONE_WRITE_LIMIT, "{} bytes written", so_far.len());
        assert!(pieces[..2].concat().starts_with(&so_far));
        assert!(writes.lock().unwrap().iter().all(|w| w.len() <= 16 * 1024));
        transmit_in_parts(&mut transport, &pieces[2]);
        wait_for_answer(&mut transport);
        assert_eq!(written(&writes), pieces.concat());
    }

    /// `bytes` through the transport's output buffer, as many transmissions as it takes.
    fn transmit_in_parts(transport: &mut OneWrite, bytes: &[u8]) {
        let size = transport.buffers().output().len();
        for part in bytes.chunks(size) {
            transmit(transport, part);
        }
    }

    fn client() -> HttpClient {
        HttpClient::new(ClientLimits::default(), ProxyConfig::none())
    }

    fn request(method: Method, url: &str) -> OutgoingRequest {
        OutgoingRequest {
            method,
            url: url.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
            connect_timeout: LONG,
            read_timeout: LONG,
        }
    }

    fn get(url: &str) -> OutgoingRequest {
        request(Method::Get, url)
    }

    /// A request head as the server saw it, and the body it declared.
    #[derive(Debug)]
    struct Seen {
        line: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    }

    impl Seen {
        fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        }
    }

    /// Reads one request (head and Content-Length body); `None` if the client closed first.
    fn read_request(reader: &mut impl BufRead) -> Option<Seen> {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let mut headers = Vec::new();
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).ok()?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':')?;
            headers.push((name.to_owned(), value.trim().to_owned()));
        }
        let mut seen = Seen {
            line: line.trim_end().to_owned(),
            headers,
            body: Vec::new(),
        };
        let length = seen.header("content-length").map_or(0, |v| v.parse().unwrap());
        seen.body = vec![0; length];
        reader.read_exact(&mut seen.body).ok()?;
        Some(seen)
    }

    /// A server on 127.0.0.1 that handles one connection with `handle`.
    fn serve_one<T: Send + 'static>(
        handle: impl FnOnce(TcpStream) -> T + Send + 'static,
    ) -> (String, JoinHandle<T>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            stream.set_read_timeout(Some(LONG)).unwrap();
            handle(stream)
        });
        (base, server)
    }

    /// A server that reads one request and answers with `response`, then closes.
    fn answer_once(response: impl AsRef<[u8]> + Send + 'static) -> (String, JoinHandle<Seen>) {
        serve_one(move |mut stream| {
            let seen = read_request(&mut BufReader::new(&stream)).unwrap();
            stream.write_all(response.as_ref()).unwrap();
            seen
        })
    }

    /// A listener nobody should connect to, and a check that nobody did.
    fn untouched_listener() -> (TcpListener, u16) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        (listener, port)
    }

    fn assert_untouched(listener: &TcpListener) {
        match listener.accept() {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            other => panic!("expected no connection, got {other:?}"),
        }
    }

    fn header_values<'a>(response: &'a IncomingResponse, name: &str) -> Vec<&'a str> {
        response
            .headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    #[test]
    fn client_is_send_sync_and_clone() {
        fn check<T: Send + Sync + Clone>() {}
        check::<HttpClient>();
    }

    #[test]
    fn ok_response_keeps_status_headers_and_body() {
        let (base, server) = answer_once(
            b"HTTP/1.1 200 OK\r\nX-Multi: first\r\nContent-Type: text/plain\r\nX-Multi: second\r\n\
              Content-Length: 5\r\n\r\nhello",
        );
        let mut req = request(
            Method::Post,
            &format!("{base}/2015-03-31/functions/f/invocations?q=1"),
        );
        req.headers = vec![
            ("X-Amz-Date".into(), "20240101T000000Z".into()),
            ("x-repeat".into(), "one".into()),
            ("x-repeat".into(), "two".into()),
        ];
        req.body = b"{\"k\":1}".to_vec();
        let response = client().send(req).unwrap();

        assert_eq!(response.status, 200);
        assert_eq!(header_values(&response, "x-multi"), ["first", "second"]);
        assert_eq!(header_values(&response, "content-type"), ["text/plain"]);
        assert_eq!(response.body, b"hello");

        let seen = server.join().unwrap();
        assert_eq!(seen.line, "POST /2015-03-31/functions/f/invocations?q=1 HTTP/1.1");
        assert_eq!(seen.header("host"), Some(base.trim_start_matches("http://")));
        assert_eq!(seen.header("x-amz-date"), Some("20240101T000000Z"));
        let repeats: Vec<_> = seen
            .headers
            .iter()
            .filter(|(n, _)| n == "x-repeat")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(repeats, ["one", "two"]);
        assert_eq!(seen.header("user-agent"), Some(USER_AGENT));
        assert_eq!(seen.header("accept"), None);
        assert_eq!(seen.body, b"{\"k\":1}");
    }

    #[test]
    fn empty_post_sends_content_length_zero_and_get_sends_no_body() {
        let (base, server) = answer_once(b"HTTP/1.1 204 No Content\r\n\r\n");
        let response = client().send(request(Method::Post, &base)).unwrap();
        assert_eq!(response.status, 204);
        assert!(response.body.is_empty());
        let seen = server.join().unwrap();
        assert_eq!(seen.header("content-length"), Some("0"));
        assert_eq!(seen.header("transfer-encoding"), None);

        let (base, server) = answer_once(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        client().send(get(&base)).unwrap();
        let seen = server.join().unwrap();
        assert_eq!(seen.line, "GET / HTTP/1.1");
        assert_eq!(seen.header("content-length"), None);
        assert_eq!(seen.header("transfer-encoding"), None);
    }

    #[test]
    fn delete_sends_a_body_only_when_there_is_one() {
        let (base, server) = answer_once(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        let mut req = request(Method::Delete, &base);
        req.body = b"gone".to_vec();
        client().send(req).unwrap();
        let seen = server.join().unwrap();
        assert_eq!(seen.line, "DELETE / HTTP/1.1");
        assert_eq!(seen.body, b"gone");

        let (base, server) = answer_once(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        client().send(request(Method::Delete, &base)).unwrap();
        assert_eq!(server.join().unwrap().header("content-length"), None);
    }

    #[test]
    fn client_and_server_errors_are_responses() {
        for (status, raw, body) in [
            (
                404,
                "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found",
                "not found",
            ),
            (
                500,
                "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops",
                "oops",
            ),
        ] {
            let (base, server) = answer_once(raw);
            let response = client().send(get(&base)).unwrap();
            assert_eq!(response.status, status);
            assert_eq!(response.body, body.as_bytes());
            server.join().unwrap();
        }
    }

    #[test]
    fn redirect_is_returned_not_followed() {
        let (elsewhere, port) = untouched_listener();
        let location = format!(
            "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{port}/next\r\nContent-Length: 0\r\n\r\n"
        );
        let (base, server) = answer_once(location);
        let response = client().send(get(&base)).unwrap();
        assert_eq!(response.status, 302);
        assert_eq!(
            header_values(&response, "location"),
            [format!("http://127.0.0.1:{port}/next").as_str()]
        );
        server.join().unwrap();
        assert_untouched(&elsewhere);
    }

    #[test]
    fn refused_connection_is_connect_failed() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let error = client()
            .send(get(&format!("http://127.0.0.1:{port}/")))
            .unwrap_err();
        assert!(matches!(error, HttpError::ConnectFailed(_)), "{error:?}");
        assert!(!error.may_have_reached_server());
    }

    #[test]
    fn silent_server_is_read_timeout() {
        let (saw_request, request_seen) = mpsc::channel();
        let (client_done, done) = mpsc::channel::<()>();
        let (base, server) = serve_one(move |stream| {
            let seen = read_request(&mut BufReader::new(&stream)).unwrap();
            saw_request.send(seen.line).unwrap();
            // Hold the connection open, silent, until the client has given up.
            let _ = done.recv_timeout(LONG);
        });
        let mut req = get(&base);
        req.read_timeout = SHORT;
        let started = Instant::now();
        let error = client().send(req).unwrap_err();
        let elapsed = started.elapsed();
        client_done.send(()).unwrap();

        assert_eq!(error, HttpError::ReadTimeout);
        assert!(error.may_have_reached_server());
        assert!(elapsed >= SHORT, "gave up after {elapsed:?}");
        assert!(elapsed < 2 * SHORT, "took {elapsed:?}");
        assert_eq!(request_seen.try_recv().unwrap(), "GET / HTTP/1.1");
        server.join().unwrap();
    }

    #[test]
    fn stalled_body_is_read_timeout() {
        let (client_done, done) = mpsc::channel::<()>();
        let (base, server) = serve_one(move |mut stream| {
            read_request(&mut BufReader::new(&stream)).unwrap();
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
                .unwrap();
            let _ = done.recv_timeout(LONG);
        });
        let mut req = get(&base);
        req.read_timeout = SHORT;
        let started = Instant::now();
        let error = client().send(req).unwrap_err();
        let elapsed = started.elapsed();
        client_done.send(()).unwrap();
        assert_eq!(error, HttpError::ReadTimeout);
        assert!(elapsed < 2 * SHORT, "took {elapsed:?}");
        server.join().unwrap();
    }

    #[test]
    fn reset_after_request_is_connection_lost() {
        let (base, server) = serve_one(|stream| {
            // Read the head only: closing with the body unread makes the kernel send a reset.
            let mut reader = BufReader::with_capacity(1, &stream);
            let mut line = String::new();
            while line != "\r\n" {
                line.clear();
                reader.read_line(&mut line).unwrap();
            }
        });
        let mut req = request(Method::Post, &base);
        req.body = vec![b'x'; 4096];
        let error = client().send(req).unwrap_err();
        assert!(matches!(error, HttpError::ConnectionLost(_)), "{error:?}");
        assert!(error.may_have_reached_server());
        server.join().unwrap();
    }

    #[test]
    fn close_without_response_is_connection_lost() {
        let (base, server) = serve_one(|stream| {
            read_request(&mut BufReader::new(&stream)).unwrap();
        });
        let error = client().send(get(&base)).unwrap_err();
        assert!(matches!(error, HttpError::ConnectionLost(_)), "{error:?}");
        server.join().unwrap();
    }

    #[test]
    fn bad_status_line_is_protocol_error() {
        for raw in [&b"HTTP/1.1 2x0 OK\r\n\r\n"[..], b"SSH-2.0-OpenSSH_9.6\r\n\r\n"] {
            let (base, server) = answer_once(raw);
            let error = client().send(get(&base)).unwrap_err();
            assert!(matches!(error, HttpError::Protocol(_)), "{error:?}");
            server.join().unwrap();
        }
    }

    #[test]
    fn truncated_body_is_protocol_error() {
        // ureq sees the early close while reading a body whose length the head declared, so it
        // is the response that is malformed; the WIT lists a truncated body under `protocol`.
        let (base, server) = answer_once(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
        let error = client().send(get(&base)).unwrap_err();
        assert!(matches!(error, HttpError::Protocol(_)), "{error:?}");
        assert!(error.may_have_reached_server());
        server.join().unwrap();

        let (base, server) =
            answer_once(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
        let error = client().send(get(&base)).unwrap_err();
        assert!(matches!(error, HttpError::Protocol(_)), "{error:?}");
        server.join().unwrap();
    }

    fn small_body_client() -> HttpClient {
        let limits = ClientLimits {
            max_response_body: 16,
            ..ClientLimits::default()
        };
        HttpClient::new(limits, ProxyConfig::none())
    }

    #[test]
    fn body_over_limit_is_too_large() {
        // Declared too large: refused before reading.
        let (base, server) = answer_once(b"HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n0123456789abcdefg");
        assert_eq!(
            small_body_client().send(get(&base)).unwrap_err(),
            HttpError::TooLarge(16)
        );
        server.join().unwrap();

        // Chunked, so only reading tells.
        let (base, server) = answer_once(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n1\r\ng\r\n0\r\n\r\n",
        );
        let error = small_body_client().send(get(&base)).unwrap_err();
        assert_eq!(error, HttpError::TooLarge(16));
        assert!(error.may_have_reached_server());
        server.join().unwrap();

        // A HEAD response declares a length but has no body.
        let (base, server) = answer_once(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
        let response = small_body_client().send(request(Method::Head, &base)).unwrap();
        assert_eq!(header_values(&response, "content-length"), ["1000"]);
        assert!(response.body.is_empty());
        assert_eq!(server.join().unwrap().line, "HEAD / HTTP/1.1");

        // Exactly at the limit is fine.
        let (base, server) = answer_once(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n",
        );
        assert_eq!(
            small_body_client().send(get(&base)).unwrap().body,
            b"0123456789abcdef"
        );
        server.join().unwrap();
    }

    #[test]
    fn too_many_headers_is_protocol_error() {
        let limits = ClientLimits {
            max_response_headers: 3,
            ..ClientLimits::default()
        };
        let client = HttpClient::new(limits, ProxyConfig::none());
        let (base, server) = answer_once(b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nContent-Length: 0\r\n\r\n");
        assert_eq!(client.send(get(&base)).unwrap().headers.len(), 3);
        server.join().unwrap();

        let (base, server) =
            answer_once(b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nA: 3\r\nContent-Length: 0\r\n\r\n");
        let error = client.send(get(&base)).unwrap_err();
        assert!(matches!(error, HttpError::Protocol(_)), "{error:?}");
        server.join().unwrap();
    }

    #[test]
    fn oversized_head_is_protocol_error() {
        let limits = ClientLimits {
            max_header_bytes: 1024,
            ..ClientLimits::default()
        };
        let client = HttpClient::new(limits, ProxyConfig::none());
        let (base, server) = serve_one(|mut stream| {
            read_request(&mut BufReader::new(&stream)).unwrap();
            let big = "x".repeat(2048);
            let head = format!("HTTP/1.1 200 OK\r\nX-Big: {big}\r\nContent-Length: 0\r\n\r\n");
            let _ = stream.write_all(head.as_bytes());
        });
        let error = client.send(get(&base)).unwrap_err();
        assert!(matches!(error, HttpError::Protocol(_)), "{error:?}");
        server.join().unwrap();
    }

    #[test]
    fn invalid_requests_are_refused_before_connecting() {
        let (listener, port) = untouched_listener();
        let url = format!("http://127.0.0.1:{port}/");
        let with_header = |name: &str, value: &str| {
            let mut req = get(&url);
            req.headers = vec![(name.to_owned(), value.to_owned())];
            req
        };
        let mut cases = vec![
            with_header("Host", "example.com"),
            with_header("content-length", "3"),
            with_header("Transfer-Encoding", "chunked"),
            with_header("CONNECTION", "close"),
            with_header("bad name", "v"),
            with_header("", "v"),
            with_header("x-ok", "line\r\nInjected: yes"),
            with_header("x-ok", "nul\0"),
            with_header("x-ok", "caf\u{e9}"),
            get(&format!("ftp://127.0.0.1:{port}/")),
            get(&format!("http://user:secret@127.0.0.1:{port}/")),
            get("not a url"),
            get("/relative"),
            get("http://"),
            get(&format!("http://127.0.0.1:{port}:/")),
            get("http://127.0.0.1:/"),
            get("http://127.0.0.1:http/"),
            get("http://127.0.0.1:70000/"),
        ];
        let mut with_body = get(&url);
        with_body.body = b"x".to_vec();
        cases.push(with_body);
        let mut zero = get(&url);
        zero.connect_timeout = Duration::ZERO;
        cases.push(zero);

        for req in cases {
            let shown = format!("{:?} {:?}", req.url, req.headers);
            let error = client().send(req).unwrap_err();
            assert!(
                matches!(error, HttpError::InvalidRequest(_)),
                "{shown}: {error:?}"
            );
            assert!(!error.may_have_reached_server());
            assert!(!error.to_string().contains("secret"), "{error}");
        }
        assert_untouched(&listener);
    }

    #[test]
    fn keep_alive_connection_is_reused() {
        let (base, server) = serve_one(|mut stream| {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut served = 0;
            while read_request(&mut reader).is_some() {
                served += 1;
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    .unwrap();
            }
            served
        });
        let client = client();
        for _ in 0..3 {
            assert_eq!(client.send(get(&base)).unwrap().body, b"ok");
        }
        drop(client);
        // All three on the one connection the server accepted.
        assert_eq!(server.join().unwrap(), 3);
    }

    #[test]
    fn server_closing_idle_connections_causes_no_errors() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (got_response, response_received) = mpsc::channel::<()>();
        let (closed, server_closed) = mpsc::channel::<()>();
        let server = thread::spawn(move || {
            for _ in 0..10 {
                let (mut stream, _) = listener.accept().unwrap();
                stream.set_read_timeout(Some(LONG)).unwrap();
                read_request(&mut BufReader::new(&stream)).unwrap();
                // Keep-alive by default in HTTP/1.1: the client pools the connection...
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    .unwrap();
                // ...and only then does the server close it.
                response_received.recv_timeout(LONG).unwrap();
                drop(stream);
                closed.send(()).unwrap();
            }
        });
        let client = client();
        for i in 0..10 {
            let response = client.send(get(&base));
            assert_eq!(response.map(|r| r.body), Ok(b"ok".to_vec()), "request {i}");
            got_response.send(()).unwrap();
            server_closed.recv_timeout(LONG).unwrap();
            // Let the FIN land even if the kernel defers loopback delivery under load.
            thread::sleep(Duration::from_millis(20));
        }
        server.join().unwrap();
    }

    #[test]
    fn stalled_tls_handshake_is_connect_timeout() {
        let (client_done, done) = mpsc::channel::<()>();
        let (base, server) = serve_one(move |_stream| {
            let _ = done.recv_timeout(LONG);
        });
        let mut req = get(&base.replace("http://", "https://"));
        req.connect_timeout = SHORT;
        let started = Instant::now();
        let error = client().send(req).unwrap_err();
        let elapsed = started.elapsed();
        client_done.send(()).unwrap();
        assert_eq!(error, HttpError::ConnectTimeout);
        assert!(!error.may_have_reached_server());
        assert!(elapsed < 2 * SHORT, "took {elapsed:?}");
        server.join().unwrap();
    }

    #[test]
    fn failed_tls_handshake_is_connect_failed() {
        // A plain-http server answering the ClientHello, and one hanging up on it: both fail
        // before any request byte was written, whatever ureq's error looks like.
        let (base, server) = serve_one(|mut stream| {
            let mut hello = [0; 64];
            let _ = stream.read(&mut hello);
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        });
        let error = client()
            .send(get(&base.replace("http://", "https://")))
            .unwrap_err();
        assert!(matches!(error, HttpError::ConnectFailed(_)), "{error:?}");
        server.join().unwrap();

        let (base, server) = serve_one(drop);
        let error = client()
            .send(get(&base.replace("http://", "https://")))
            .unwrap_err();
        assert!(matches!(error, HttpError::ConnectFailed(_)), "{error:?}");
        assert!(!error.may_have_reached_server());
        server.join().unwrap();
    }

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    fn proxied(no_proxy: &str, url: &str) -> bool {
        let config = ProxyConfig::from_env_map(env(&[
            ("HTTPS_PROXY", "http://proxy.corp:3128"),
            ("HTTP_PROXY", "http://proxy.corp:3128"),
            ("NO_PROXY", no_proxy),
        ]))
        .unwrap();
        config.proxy_for(url).is_some()
    }

    #[test]
    fn no_proxy_star_matches_everything() {
        assert!(!proxied("*", "https://lambda.us-east-1.amazonaws.com/"));
        assert!(!proxied("a.test, *", "http://10.1.2.3/"));
        assert!(proxied("", "https://lambda.us-east-1.amazonaws.com/"));
    }

    #[test]
    fn no_proxy_host_matches_itself_and_subdomains() {
        for rule in ["example.com", ".example.com", "*.example.com", "EXAMPLE.com."] {
            assert!(!proxied(rule, "https://example.com/"), "{rule}");
            assert!(!proxied(rule, "https://a.b.Example.COM/"), "{rule}");
            assert!(!proxied(rule, "https://example.com.:8443/"), "{rule}");
            assert!(proxied(rule, "https://notexample.com/"), "{rule}");
            assert!(proxied(rule, "https://example.com.evil.test/"), "{rule}");
        }
        assert!(!proxied(" other.test , example.com ,", "https://x.example.com/"));
    }

    #[test]
    fn no_proxy_host_port_matches_that_port_only() {
        assert!(!proxied("example.com:8443", "https://example.com:8443/"));
        assert!(proxied("example.com:8443", "https://example.com/"));
        assert!(!proxied("example.com:443", "https://api.example.com/"));
        assert!(!proxied("example.com:80", "http://example.com/"));
        assert!(proxied("example.com:80", "https://example.com/"));
    }

    #[test]
    fn no_proxy_ip_literals() {
        assert!(!proxied("10.1.2.3", "http://10.1.2.3:8080/"));
        assert!(proxied("10.1.2.3", "http://10.1.2.4/"));
        assert!(!proxied("10.1.2.3:8080", "http://10.1.2.3:8080/"));
        assert!(proxied("10.1.2.3:8080", "http://10.1.2.3/"));
        assert!(!proxied("fd00::1", "https://[fd00::1]/"));
        assert!(!proxied("[fd00::1]", "https://[FD00:0::1]/"));
        assert!(!proxied("[fd00::1]:8443", "https://[fd00::1]:8443/"));
        assert!(proxied("[fd00::1]:8443", "https://[fd00::1]/"));
        // An address is not a domain suffix.
        assert!(proxied("2.3", "http://10.1.2.3/"));
    }

    #[test]
    fn no_proxy_cidr_blocks() {
        assert!(!proxied("10.0.0.0/8", "http://10.200.3.4/"));
        assert!(proxied("10.0.0.0/8", "http://11.0.0.1/"));
        assert!(!proxied("192.168.1.0/24", "https://192.168.1.77/"));
        assert!(proxied("192.168.1.0/24", "https://192.168.2.1/"));
        assert!(!proxied("0.0.0.0/0", "https://8.8.8.8/"));
        assert!(!proxied("fd00::/8", "https://[fd12:3456::1]/"));
        assert!(proxied("fd00::/8", "https://[fe80::1]/"));
        assert!(!proxied("2001:db8::1/128", "https://[2001:db8::1]/"));
        assert!(proxied("2001:db8::1/128", "https://[2001:db8::2]/"));
        // Blocks match addresses only, never names, and bad blocks are ignored.
        assert!(proxied("10.0.0.0/8", "https://10.example.test/"));
        assert!(proxied("10.0.0.0/33", "http://10.0.0.1/"));
        assert!(proxied("10.0.0.0/8", "http://[::ffff:10.0.0.1]/"));
    }

    #[test]
    fn loopback_is_never_proxied() {
        for url in [
            "http://127.0.0.1:9001/",
            "http://127.8.9.10/",
            "https://localhost/",
            "http://LOCALHOST.:8080/",
            "http://api.localhost/",
            "http://[::1]:9001/",
            "http://[::ffff:127.0.0.1]/",
        ] {
            assert!(!proxied("", url), "{url}");
        }
        assert!(proxied("", "http://localhost.example.test/"));
    }

    #[test]
    fn proxy_variables_per_scheme_lower_case_winning() {
        let config = ProxyConfig::from_env_map(env(&[
            ("HTTPS_PROXY", "http://upper-https:1"),
            ("https_proxy", "http://lower-https:2"),
            ("HTTP_PROXY", "http://upper-http:3"),
            ("no_proxy", "lower.test"),
            ("NO_PROXY", "upper.test"),
        ]))
        .unwrap();
        let masked = |url: &str| config.proxy_for(url).map(|p| p.masked().to_owned());
        assert_eq!(masked("https://a.test/").as_deref(), Some("http://lower-https:2"));
        assert_eq!(masked("http://a.test/").as_deref(), Some("http://upper-http:3"));
        assert_eq!(masked("https://lower.test/"), None);
        assert!(masked("https://upper.test/").is_some());

        // No scheme means http://; an empty value means unset.
        let config = ProxyConfig::from_env_map(env(&[
            ("https_proxy", ""),
            ("HTTPS_PROXY", "proxy.corp:3128"),
            ("http_proxy", " "),
        ]))
        .unwrap();
        assert_eq!(
            config.proxy_for("https://a.test/").map(ProxyUrl::masked),
            Some("http://proxy.corp:3128")
        );
        assert_eq!(config.proxy_for("http://a.test/"), None);
        assert_eq!(ProxyConfig::from_env_map(env(&[])).unwrap(), ProxyConfig::none());
    }

    #[test]
    fn proxy_credentials_are_masked() {
        let config =
            ProxyConfig::from_env_map(env(&[("HTTPS_PROXY", "http://user:s3cr%40t@proxy.corp:3128")]))
                .unwrap();
        let proxy = config.proxy_for("https://a.test/").unwrap();
        assert_eq!(proxy.to_string(), "http://***@proxy.corp:3128");
        let client = HttpClient::new(ClientLimits::default(), config.clone());
        for shown in [format!("{proxy:?}"), format!("{config:?}"), format!("{client:?}")] {
            assert!(shown.contains("http://***@proxy.corp:3128"), "{shown}");
            assert!(!shown.contains("s3cr") && !shown.contains("user"), "{shown}");
        }

        for (value, expected) in [
            ("socks5://user:s3cret@proxy:1080", "socks5://***@proxy:1080"),
            ("http://user:s3cret@bad host:1", "http://***@bad host:1"),
            ("http://user:s3cret@[::1:1", "http://***@[::1:1"),
            ("user:s3cret@proxy:port", "***@proxy:port"),
        ] {
            let error = ProxyConfig::from_env_map(env(&[("https_proxy", value)])).unwrap_err();
            let shown = format!("{error} {error:?}");
            assert!(shown.contains(expected), "{shown}");
            assert!(shown.contains("https_proxy"), "{shown}");
            assert!(!shown.contains("s3cr"), "{shown}");
        }
    }

    /// A fake HTTP proxy on 127.0.0.1 that accepts one `CONNECT` tunnel and answers the request
    /// inside it itself. Returns what it saw: the CONNECT head and the tunnelled request.
    fn fake_proxy(connect_status: &'static str) -> (u16, JoinHandle<(Seen, Option<Seen>)>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            stream.set_read_timeout(Some(LONG)).unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let connect = read_request(&mut reader).unwrap();
            stream
                .write_all(format!("HTTP/1.1 {connect_status}\r\nContent-Length: 0\r\n\r\n").as_bytes())
                .unwrap();
            if !connect_status.starts_with("200") {
                return (connect, None);
            }
            let inner = read_request(&mut reader).unwrap();
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nproxied")
                .unwrap();
            (connect, Some(inner))
        });
        (port, server)
    }

    #[test]
    fn http_url_goes_through_the_proxy() {
        let (port, proxy) = fake_proxy("200 Connection established");
        let config = ProxyConfig::from_env_map(env(&[(
            "HTTP_PROXY",
            &format!("http://user:secret@127.0.0.1:{port}"),
        )]))
        .unwrap();
        let client = HttpClient::new(ClientLimits::default(), config);
        let response = client
            .send(get("http://lambda.example.test/2015-03-31/functions"))
            .unwrap();
        assert_eq!(response.body, b"proxied");

        let (connect, inner) = proxy.join().unwrap();
        assert_eq!(connect.line, "CONNECT lambda.example.test:80 HTTP/1.1");
        // base64("user:secret")
        assert_eq!(
            connect.header("proxy-authorization"),
            Some("Basic dXNlcjpzZWNyZXQ=")
        );
        let inner = inner.unwrap();
        assert_eq!(inner.line, "GET /2015-03-31/functions HTTP/1.1");
        assert_eq!(inner.header("host"), Some("lambda.example.test"));
        assert_eq!(inner.header("proxy-authorization"), None);
    }

    #[test]
    fn no_proxy_host_bypasses_the_proxy() {
        let (listener, port) = untouched_listener();
        let config = ProxyConfig::from_env_map(env(&[
            ("HTTP_PROXY", &format!("http://127.0.0.1:{port}")),
            ("NO_PROXY", "example.invalid"),
        ]))
        .unwrap();
        let client = HttpClient::new(ClientLimits::default(), config);
        let mut req = get("http://lambda.example.invalid/");
        req.connect_timeout = Duration::from_secs(2);
        let error = client.send(req).unwrap_err();
        // Resolved directly, and .invalid never resolves.
        assert!(
            matches!(error, HttpError::ConnectFailed(_) | HttpError::ConnectTimeout),
            "{error:?}"
        );
        assert!(!error.may_have_reached_server());
        assert_untouched(&listener);
    }

    #[test]
    fn proxy_failures_never_show_credentials() {
        let (port, proxy) = fake_proxy("407 Proxy Authentication Required");
        let config = ProxyConfig::from_env_map(env(&[(
            "HTTPS_PROXY",
            &format!("http://user:s3cret@127.0.0.1:{port}"),
        )]))
        .unwrap();
        let client = HttpClient::new(ClientLimits::default(), config);
        let error = client.send(get("https://lambda.example.test/")).unwrap_err();
        assert!(matches!(error, HttpError::ConnectFailed(_)), "{error:?}");
        assert!(!error.may_have_reached_server());
        let shown = format!("{error} {error:?}");
        assert!(shown.contains("407"), "{shown}");
        assert!(!shown.contains("s3cret") && !shown.contains("user"), "{shown}");
        proxy.join().unwrap();

        // A proxy that is not there at all.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = ProxyConfig::from_env_map(env(&[(
            "https_proxy",
            &format!("http://user:s3cret@127.0.0.1:{port}"),
        )]))
        .unwrap();
        let client = HttpClient::new(ClientLimits::default(), config);
        let error = client.send(get("https://lambda.example.test/")).unwrap_err();
        assert!(matches!(error, HttpError::ConnectFailed(_)), "{error:?}");
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("s3cret") && !shown.contains("user"), "{shown}");
    }

    #[test]
    fn errors_say_whether_the_request_may_have_arrived() {
        let cases = [
            (HttpError::InvalidRequest("x".into()), false),
            (HttpError::ConnectFailed("x".into()), false),
            (HttpError::ConnectTimeout, false),
            (HttpError::ReadTimeout, true),
            (HttpError::ConnectionLost("x".into()), true),
            (HttpError::Protocol("x".into()), true),
            (HttpError::TooLarge(1), true),
        ];
        for (error, reached) in cases {
            assert_eq!(error.may_have_reached_server(), reached, "{error}");
            let shown = error.to_string();
            assert!(shown.starts_with(char::is_lowercase), "{shown}");
        }
    }
}
