//! The sandbox policy: which hosts the guest may reach, which environment variables and which
//! files it may read. Deny by default, decided in one place per capability
//! ([`Policy::check_request`], [`Policy::env_allowed`], [`Policy::check_file`]) before any I/O,
//! and every refusal says what was refused and how to allow it.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

/// The environment variables the task reads, visible to the guest by default.
pub const DEFAULT_ENV_ALLOWLIST: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_LAMBDA",
    "AWS_ENDPOINT_URL_STS",
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT",
    "AWS_PROFILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_EC2_METADATA_DISABLED",
    "AWS_EC2_METADATA_V1_DISABLED",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    "AWS_MAX_ATTEMPTS",
];

/// The environment variables that name files the credential sources read.
pub const FILE_VARIABLES: &[&str] = &[
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
];

/// The default shared config files, relative to the home directory.
pub const DEFAULT_FILES: &[&str] = &["~/.aws/config", "~/.aws/credentials"];

/// The EC2 instance metadata address.
pub const IMDS_ENDPOINT: &str = "http://169.254.169.254";
/// The ECS container credentials address.
pub const ECS_CREDENTIALS_ENDPOINT: &str = "http://169.254.170.2";
/// The link-local addresses of the metadata services that speak plain http: EC2 instance
/// metadata (IPv4, IPv6), ECS container credentials, EKS Pod Identity (IPv4, IPv6).
pub const METADATA_ADDRESSES: &[&str] = &[
    "169.254.169.254",
    "fd00:ec2::254",
    "169.254.170.2",
    "169.254.170.23",
    "fd00:ec2::23",
];

/// The services the task calls; their regional endpoints are allowed by default.
const SERVICE_PREFIXES: &[&str] = &["lambda", "lambda-fips", "sts", "sts-fips"];

/// The DNS suffixes of every AWS partition (regular and dual-stack).
const PARTITION_SUFFIXES: &[&str] = &[
    "amazonaws.com",
    "api.aws",
    "amazonaws.com.cn",
    "api.amazonwebservices.com.cn",
    "c2s.ic.gov",
    "sc2s.sgov.gov",
    "cloud.adc-e.uk",
    "csp.hci.ic.gov",
    "amazonaws.eu",
];

/// A host (and optionally a port) the guest may reach.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AllowedHost {
    /// Lower-case host name or IP literal (IPv6 without brackets).
    pub host: String,
    /// The port; none allows any port.
    pub port: Option<u16>,
    /// Whether plain http is allowed to it (link-local metadata services); https otherwise,
    /// except to loopback.
    pub plain_http: bool,
}

impl AllowedHost {
    /// Parses `HOST[:PORT]` (IPv6 as `[::1]:PORT`), as given to `--allow-host`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let invalid = || {
            format!("--allow-host \"{text}\" is invalid: use HOST or HOST:PORT, e.g. lambda.example.com:443")
        };
        let text = text.trim();
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let (v6, tail) = rest.split_once(']').ok_or_else(invalid)?;
            let port = match tail.strip_prefix(':') {
                Some(p) => Some(p),
                None if tail.is_empty() => None,
                None => return Err(invalid()),
            };
            (v6.to_owned(), port)
        } else {
            match text.rsplit_once(':') {
                Some((h, p)) if !h.contains(':') => (h.to_owned(), Some(p)),
                Some(_) => (text.to_owned(), None), // a bare IPv6 literal
                None => (text.to_owned(), None),
            }
        };
        if host.is_empty() || host.contains(['/', '@', ' ']) {
            return Err(invalid());
        }
        let port = match port {
            Some(p) => Some(p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(invalid)?),
            None => None,
        };
        Ok(AllowedHost {
            host: host.to_ascii_lowercase(),
            port,
            plain_http: false,
        })
    }
}

/// What the guest may reach and read.
#[derive(Debug, Clone)]
pub struct Policy {
    allowed_hosts: BTreeSet<AllowedHost>,
    aws_endpoints: bool,
    aws_region: Option<String>,
    /// Whether [`DEFAULT_ENV_ALLOWLIST`] applies (a constant: every task has a policy, and
    /// copying the list into each one cost a microsecond a run).
    default_env: bool,
    /// Variables allowed beyond the default list.
    env_allowlist: BTreeSet<String>,
    allowed_files: BTreeSet<PathBuf>,
    home: Option<PathBuf>,
}

impl Default for Policy {
    /// The regional Lambda and STS endpoints of every partition over https, and the default
    /// environment allowlist.
    fn default() -> Self {
        Policy {
            allowed_hosts: BTreeSet::new(),
            aws_endpoints: true,
            aws_region: None,
            default_env: true,
            env_allowlist: BTreeSet::new(),
            allowed_files: BTreeSet::new(),
            home: None,
        }
    }
}

/// A request the policy refused, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

impl Policy {
    /// A policy that allows nothing: no host, no environment variable.
    pub fn deny_all() -> Self {
        Policy {
            allowed_hosts: BTreeSet::new(),
            aws_endpoints: false,
            aws_region: None,
            default_env: false,
            env_allowlist: BTreeSet::new(),
            allowed_files: BTreeSet::new(),
            home: None,
        }
    }

    /// The default policy plus what the task's environment says it needs, and nothing else:
    /// explicit endpoints (`AWS_ENDPOINT_URL*`), the instance metadata service unless
    /// `AWS_EC2_METADATA_DISABLED=true` (`AWS_EC2_METADATA_SERVICE_ENDPOINT` or 169.254.169.254),
    /// container credentials when their variables are set, and the files the credential sources
    /// name (plus `~/.aws/config` and `~/.aws/credentials` under the home directory: `HOME`, else,
    /// as on Windows agents, `USERPROFILE`, else `HOMEDRIVE` + `HOMEPATH`).
    pub fn for_environment(env: &BTreeMap<String, String>) -> Self {
        let mut policy = Policy::default();
        let get = |name: &str| env.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
        for name in [
            "AWS_ENDPOINT_URL_LAMBDA",
            "AWS_ENDPOINT_URL_STS",
            "AWS_ENDPOINT_URL",
        ] {
            if let Some(url) = get(name) {
                // An unparseable URL is reported by the component, which names the variable.
                let _ = policy.allow_endpoint_url(url);
            }
        }
        // Metadata services: plain http to their own addresses (or loopback), https elsewhere;
        // the component applies the same rule, but the sandbox does not rely on it.
        let mut allow_metadata = |url: &str| {
            if policy.allow_plain_http_url(url).is_err() {
                let _ = policy.allow_endpoint_url(url);
            }
        };
        if !get("AWS_EC2_METADATA_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            allow_metadata(get("AWS_EC2_METADATA_SERVICE_ENDPOINT").unwrap_or(IMDS_ENDPOINT));
        }
        if get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some() {
            allow_metadata(ECS_CREDENTIALS_ENDPOINT);
        } else if let Some(full) = get("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            allow_metadata(full);
        }
        policy.home = home_directory(&get);
        for name in FILE_VARIABLES {
            if let Some(path) = get(name) {
                policy.allow_file(path);
            }
        }
        for path in DEFAULT_FILES {
            policy.allow_file(path);
        }
        policy
    }

    /// Allows plain http (and https) to the host and port of `url`, which must be a loopback
    /// address or one of the link-local metadata services' ([`METADATA_ADDRESSES`]): credentials
    /// travel over plain http nowhere else.
    pub fn allow_plain_http_url(&mut self, url: &str) -> Result<&mut Self, String> {
        let target = Target::parse(url).map_err(|why| format!("URL \"{url}\" is invalid: {why}"))?;
        if !target.is_loopback() && !METADATA_ADDRESSES.contains(&target.host.as_str()) {
            return Err(format!(
                "URL \"{url}\" is refused over plain http: only loopback and the metadata \
                 addresses ({}) are; use https",
                METADATA_ADDRESSES.join(", ")
            ));
        }
        self.allowed_hosts.insert(AllowedHost {
            host: target.host,
            port: Some(target.port),
            plain_http: true,
        });
        Ok(self)
    }

    /// Sets the home directory that `~/` expands to.
    pub fn set_home(&mut self, home: impl Into<PathBuf>) -> &mut Self {
        self.home = Some(home.into());
        self
    }

    /// Allows the guest to read the file at `path` (`~/` is the home directory).
    pub fn allow_file(&mut self, path: &str) -> &mut Self {
        if let Some(path) = self.expand(path) {
            self.allowed_files.insert(path);
        }
        self
    }

    fn expand(&self, path: &str) -> Option<PathBuf> {
        match path.strip_prefix("~/") {
            Some(rest) => self.home.as_ref().map(|home| home.join(rest)),
            None => Some(PathBuf::from(path)),
        }
    }

    /// Decides whether the guest may read `path`; returns the path to read.
    pub fn check_file(&self, path: &str) -> Result<PathBuf, Refusal> {
        let expanded = self.expand(path).ok_or_else(|| {
            Refusal(format!(
                "file {path} is refused: the home directory is unknown (set HOME, or USERPROFILE on Windows)"
            ))
        })?;
        if path.split(['/', '\\']).any(|part| part == "..") || !self.allowed_files.contains(&expanded) {
            return Err(Refusal(format!(
                "file {} is not allowed: only the files named by {} and {} may be read",
                expanded.display(),
                FILE_VARIABLES.join(", "),
                DEFAULT_FILES.join(", ")
            )));
        }
        Ok(expanded)
    }

    /// The files the guest may read.
    pub fn allowed_files(&self) -> impl Iterator<Item = &Path> {
        self.allowed_files.iter().map(PathBuf::as_path)
    }

    /// Allows (or stops allowing) the regional Lambda and STS endpoints of every partition.
    pub fn allow_aws_endpoints(&mut self, allow: bool) -> &mut Self {
        self.aws_endpoints = allow;
        self
    }

    /// Narrows the AWS endpoints allowed by default to one region's (when the host knows the
    /// region the component will use, e.g. from `--region` or `AWS_REGION`).
    pub fn restrict_aws_region(&mut self, region: &str) -> &mut Self {
        self.aws_region = Some(region.trim().to_ascii_lowercase());
        self
    }

    /// Allows a host (and port).
    pub fn allow_host(&mut self, host: AllowedHost) -> &mut Self {
        self.allowed_hosts.insert(host);
        self
    }

    /// Allows the host and port of an endpoint URL (e.g. `--endpoint-url`). Returns an error
    /// when the URL has no host.
    pub fn allow_endpoint_url(&mut self, url: &str) -> Result<&mut Self, String> {
        let target = Target::parse(url).map_err(|why| format!("endpoint URL \"{url}\" is invalid: {why}"))?;
        self.allowed_hosts.insert(AllowedHost {
            host: target.host,
            port: Some(target.port),
            plain_http: false,
        });
        Ok(self)
    }

    /// Allows the guest to read environment variable `name`.
    pub fn allow_env(&mut self, name: &str) -> &mut Self {
        self.env_allowlist.insert(name.to_owned());
        self
    }

    /// Whether the guest may read environment variable `name`.
    pub fn env_allowed(&self, name: &str) -> bool {
        (self.default_env && DEFAULT_ENV_ALLOWLIST.contains(&name)) || self.env_allowlist.contains(name)
    }

    /// The allowed subset of `environment` (e.g. the process environment).
    pub fn filter_env(
        &self,
        environment: impl IntoIterator<Item = (String, String)>,
    ) -> BTreeMap<String, String> {
        environment
            .into_iter()
            .filter(|(name, _)| self.env_allowed(name))
            .collect()
    }

    /// Decides whether a request to `url` may leave. The only place that decides it.
    pub fn check_request(&self, url: &str) -> Result<(), Refusal> {
        let target = Target::parse(url).map_err(|why| Refusal(format!("URL \"{url}\" is refused: {why}")))?;
        let entry = self
            .allowed_hosts
            .iter()
            .find(|a| a.host == target.host && a.port.is_none_or(|p| p == target.port));
        if !target.https && !target.is_loopback() && !entry.is_some_and(|a| a.plain_http) {
            return Err(Refusal(format!(
                "http://{} is refused: plain http is allowed only to loopback addresses; use https",
                target.authority()
            )));
        }
        if entry.is_some()
            || (self.aws_endpoints
                && target.https
                && target.port == 443
                && is_aws_service_host(&target.host, self.aws_region.as_deref()))
        {
            return Ok(());
        }
        Err(Refusal(format!(
            "host {} is not allowed: add --allow-host {}",
            target.authority(),
            target.authority()
        )))
    }
}

/// The home directory `~/` stands for, as the AWS SDKs find it: `HOME`, else `USERPROFILE`, else
/// `HOMEDRIVE` + `HOMEPATH`.
fn home_directory<'a>(get: &impl Fn(&str) -> Option<&'a str>) -> Option<PathBuf> {
    get("HOME")
        .or_else(|| get("USERPROFILE"))
        .map(PathBuf::from)
        .or_else(|| {
            Some(PathBuf::from(format!(
                "{}{}",
                get("HOMEDRIVE")?,
                get("HOMEPATH")?
            )))
        })
}

/// `{service}.{region}.{partition suffix}` for the services the task calls, in `only_region`
/// when given.
fn is_aws_service_host(host: &str, only_region: Option<&str>) -> bool {
    SERVICE_PREFIXES.iter().any(|service| {
        host.strip_prefix(service)
            .and_then(|rest| rest.strip_prefix('.'))
            .and_then(|rest| rest.split_once('.'))
            .is_some_and(|(region, suffix)| {
                !region.is_empty()
                    && region
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && PARTITION_SUFFIXES.contains(&suffix)
                    && only_region.is_none_or(|only| only == region)
            })
    })
}

/// The scheme, host and port of a URL.
#[derive(Debug)]
struct Target {
    https: bool,
    host: String,
    port: u16,
}

impl Target {
    fn parse(url: &str) -> Result<Self, &'static str> {
        let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err("only http and https URLs are allowed");
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') {
            return Err("user information in URLs is not allowed");
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, tail) = v6.split_once(']').ok_or("unterminated IPv6 address")?;
            (host, tail.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err("it has no host");
        }
        let port = match port {
            Some(p) => p.parse().map_err(|_| "the port is not a number")?,
            None if https => 443,
            None => 80,
        };
        Ok(Target {
            https,
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    fn is_loopback(&self) -> bool {
        self.host == "localhost"
            || self.host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
            || self.host.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback())
    }

    fn authority(&self) -> String {
        match self.host.parse::<IpAddr>() {
            Ok(IpAddr::V6(_)) => format!("[{}]:{}", self.host, self.port),
            _ => format!("{}:{}", self.host, self.port),
        }
    }
}

/// An environment of `pairs`, for tests.
#[cfg(test)]
pub(crate) fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_allows_aws_service_endpoints_over_https_only() {
        let p = Policy::default();
        for ok in [
            "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/f/invocations",
            "https://lambda-fips.us-gov-west-1.amazonaws.com/x",
            "https://sts.cn-north-1.amazonaws.com.cn/",
            "https://lambda.eu-west-1.api.aws/",
        ] {
            assert_eq!(p.check_request(ok), Ok(()), "{ok}");
        }
        for (refused, why) in [
            ("http://lambda.us-east-1.amazonaws.com/", "plain http"),
            ("https://evil.example.com/", "--allow-host evil.example.com:443"),
            ("https://lambda.us-east-1.amazonaws.com.evil.com/", "not allowed"),
            ("https://s3.us-east-1.amazonaws.com/", "not allowed"),
            ("https://lambda.us-east-1.amazonaws.com:8443/", "not allowed"),
            ("https://user@lambda.us-east-1.amazonaws.com/", "user information"),
            ("ftp://x/", "http and https"),
            ("http://127.0.0.1:9001/", "--allow-host 127.0.0.1:9001"),
        ] {
            let Refusal(message) = p.check_request(refused).unwrap_err();
            assert!(message.contains(why), "{refused}: {message}");
        }
    }

    #[test]
    fn metadata_services_get_plain_http_only_at_their_own_addresses() {
        let p = Policy::for_environment(&env(&[(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://169.254.170.23/v1/credentials",
        )]));
        assert_eq!(p.check_request("http://169.254.170.23/v1/credentials"), Ok(()));
        assert_eq!(p.check_request("http://169.254.169.254/latest/api/token"), Ok(()));
        // A name that merely looks like an address, or any remote host: no plain http, whatever
        // the component would have decided.
        for url in ["http://127.evil.example/c", "http://creds.example:8080/c"] {
            let p = Policy::for_environment(&env(&[
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url),
                ("AWS_EC2_METADATA_DISABLED", "true"),
            ]));
            let Refusal(message) = p.check_request(url).unwrap_err();
            assert!(message.contains("plain http"), "{url}: {message}");
        }
        let p = Policy::for_environment(&env(&[(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            "http://metadata.evil.example",
        )]));
        assert!(
            p.check_request("http://metadata.evil.example/latest/api/token")
                .is_err()
        );
        assert!(
            Policy::default()
                .allow_plain_http_url("http://10.0.0.1/")
                .is_err()
        );
    }

    #[test]
    fn a_known_region_narrows_the_default_endpoints() {
        let mut p = Policy::default();
        p.restrict_aws_region("EU-WEST-1");
        assert_eq!(p.check_request("https://lambda.eu-west-1.amazonaws.com/"), Ok(()));
        assert_eq!(p.check_request("https://sts.eu-west-1.amazonaws.com/"), Ok(()));
        assert_eq!(p.check_request("https://lambda-fips.eu-west-1.api.aws/"), Ok(()));
        let refused = p
            .check_request("https://lambda.us-east-1.amazonaws.com/")
            .unwrap_err();
        assert!(
            refused
                .0
                .contains("--allow-host lambda.us-east-1.amazonaws.com:443"),
            "{}",
            refused.0
        );
    }

    #[test]
    fn explicit_hosts_and_endpoints() {
        let mut p = Policy::deny_all();
        assert!(
            p.check_request("https://lambda.us-east-1.amazonaws.com/")
                .is_err()
        );
        p.allow_endpoint_url("http://127.0.0.1:9001").unwrap();
        p.allow_host(AllowedHost::parse("[::1]").unwrap());
        p.allow_host(AllowedHost::parse("proxy.example:8443").unwrap());
        assert_eq!(p.check_request("http://127.0.0.1:9001/x"), Ok(()));
        assert!(p.check_request("http://127.0.0.1:9002/x").is_err());
        assert_eq!(p.check_request("http://[::1]:1234/"), Ok(()));
        assert_eq!(p.check_request("https://proxy.example:8443/"), Ok(()));
        assert!(
            p.check_request("http://proxy.example:8443/")
                .unwrap_err()
                .0
                .contains("plain http")
        );
        assert!(AllowedHost::parse("a/b").is_err());
        assert!(AllowedHost::parse("h:0").is_err());
    }

    #[test]
    fn the_environment_decides_metadata_endpoints_and_files() {
        let p = Policy::for_environment(&env(&[("HOME", "/home/u")]));
        assert_eq!(p.check_request("http://169.254.169.254/latest/api/token"), Ok(()));
        assert!(p.check_request("http://169.254.170.2/creds").is_err());
        assert_eq!(
            p.check_file("~/.aws/config"),
            Ok(PathBuf::from("/home/u/.aws/config"))
        );
        assert!(
            p.check_file("/etc/passwd")
                .unwrap_err()
                .0
                .contains("AWS_SHARED_CREDENTIALS_FILE")
        );
        assert!(p.check_file("~/.aws/../.ssh/id_rsa").is_err());
        // Windows agents: USERPROFILE, else HOMEDRIVE + HOMEPATH.
        let p = Policy::for_environment(&env(&[("USERPROFILE", "C:\\Users\\build")]));
        assert_eq!(
            p.check_file("~/.aws/config"),
            Ok(PathBuf::from("C:\\Users\\build").join(".aws/config"))
        );
        let p = Policy::for_environment(&env(&[("HOMEDRIVE", "D:"), ("HOMEPATH", "\\agent")]));
        assert_eq!(
            p.check_file("~/.aws/credentials"),
            Ok(PathBuf::from("D:\\agent").join(".aws/credentials"))
        );

        let p = Policy::for_environment(&env(&[
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds"),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
        ]));
        assert!(
            p.check_request("http://169.254.169.254/latest/api/token")
                .is_err()
        );
        assert_eq!(p.check_request("http://169.254.170.2/v2/creds"), Ok(()));
        assert_eq!(p.check_request("http://127.0.0.1:4566/"), Ok(()));
        assert_eq!(
            p.check_file("/var/run/token"),
            Ok(PathBuf::from("/var/run/token"))
        );
        assert!(
            p.check_file("~/.aws/config")
                .unwrap_err()
                .0
                .contains("home directory")
        );
    }

    #[test]
    fn environment_allowlist() {
        let mut p = Policy::default();
        let env = [
            ("AWS_REGION".to_owned(), "x".to_owned()),
            ("HOME".to_owned(), "/root".to_owned()),
        ];
        assert_eq!(
            p.filter_env(env.clone()).keys().collect::<Vec<_>>(),
            ["AWS_REGION"]
        );
        p.allow_env("HOME");
        assert_eq!(p.filter_env(env).len(), 2);
        assert!(!Policy::deny_all().env_allowed("AWS_REGION"));
    }
}
