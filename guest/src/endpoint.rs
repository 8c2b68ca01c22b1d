//! Where requests go: an explicit endpoint URL, or the service's regional endpoint by the
//! partition rules of the AWS endpoint rule sets (`partitions.json` of the SDKs' endpoint
//! resolution: DNS suffix per partition, FIPS and dual-stack variants).

use crate::host::Host;
use crate::task::invalid_input;
use crate::types::TaskError;
use alloc::{borrow::ToOwned, format, string::String};

/// An AWS partition: the regions that share DNS suffixes and capabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// The partition id, as in ARNs: `aws`, `aws-cn`, ...
    pub id: &'static str,
    /// The DNS suffix of regional endpoints.
    pub dns_suffix: &'static str,
    /// The DNS suffix of dual-stack endpoints, when the partition has them.
    pub dual_stack_dns_suffix: Option<&'static str>,
}

const AWS: Partition = Partition {
    id: "aws",
    dns_suffix: "amazonaws.com",
    dual_stack_dns_suffix: Some("api.aws"),
};

/// The partitions, most specific region pattern first; `aws` is the fallback for unknown regions.
const PARTITIONS: [(&str, Partition); 7] = [
    (
        "us-gov-",
        Partition {
            id: "aws-us-gov",
            dns_suffix: "amazonaws.com",
            dual_stack_dns_suffix: Some("api.aws"),
        },
    ),
    (
        "us-isob-",
        Partition {
            id: "aws-iso-b",
            dns_suffix: "sc2s.sgov.gov",
            dual_stack_dns_suffix: None,
        },
    ),
    (
        "us-isof-",
        Partition {
            id: "aws-iso-f",
            dns_suffix: "csp.hci.ic.gov",
            dual_stack_dns_suffix: None,
        },
    ),
    (
        "us-iso-",
        Partition {
            id: "aws-iso",
            dns_suffix: "c2s.ic.gov",
            dual_stack_dns_suffix: None,
        },
    ),
    (
        "eu-isoe-",
        Partition {
            id: "aws-iso-e",
            dns_suffix: "cloud.adc-e.uk",
            dual_stack_dns_suffix: None,
        },
    ),
    (
        "eusc-",
        Partition {
            id: "aws-eusc",
            dns_suffix: "amazonaws.eu",
            dual_stack_dns_suffix: None,
        },
    ),
    (
        "cn-",
        Partition {
            id: "aws-cn",
            dns_suffix: "amazonaws.com.cn",
            dual_stack_dns_suffix: Some("api.amazonwebservices.com.cn"),
        },
    ),
];

/// The partition a region belongs to (`aws` for regions no rule names).
pub fn partition_of(region: &str) -> Partition {
    PARTITIONS
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or(AWS, |(_, partition)| *partition)
}

/// URL scheme of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `http://`, for emulators on loopback.
    Http,
    /// `https://`
    Https,
}

/// A parsed endpoint: scheme, host, non-default port and an optional base path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// http or https.
    pub scheme: Scheme,
    /// The host, lower-cased; IPv6 literals keep their brackets.
    pub host: String,
    /// The port when it is not the scheme's default.
    pub port: Option<u16>,
    /// A path prefix without trailing slash (usually empty).
    pub base_path: String,
    /// Where the endpoint came from, for messages.
    pub source: String,
}

impl Endpoint {
    /// The authority as a client sends it in `Host`: the port only when it is not the default.
    pub fn authority(&self) -> String {
        let mut authority = String::with_capacity(self.host.len() + 6);
        self.push_authority(&mut authority);
        authority
    }

    fn push_authority(&self, out: &mut String) {
        out.push_str(&self.host);
        if let Some(port) = self.port {
            out.push(':');
            crate::text::push_decimal(out, u64::from(port));
        }
    }

    /// The absolute URL of `path_and_query` (which starts with '/') on this endpoint.
    pub fn url(&self, path_and_query: &str) -> String {
        let scheme = match self.scheme {
            Scheme::Http => "http",
            Scheme::Https => "https",
        };
        let mut url = String::with_capacity(
            scheme.len() + 3 + self.host.len() + 6 + self.base_path.len() + path_and_query.len(),
        );
        url.push_str(scheme);
        url.push_str("://");
        self.push_authority(&mut url);
        url.push_str(&self.base_path);
        url.push_str(path_and_query);
        url
    }

    /// The path as it goes on the request line, for signing.
    pub fn path(&self, path: &str) -> String {
        crate::text::concat(&[&self.base_path, path])
    }
}

/// How to choose the regional endpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Variant {
    /// Use the FIPS endpoint (`AWS_USE_FIPS_ENDPOINT=true`).
    pub fips: bool,
    /// Use the dual-stack (IPv4 and IPv6) endpoint (`AWS_USE_DUALSTACK_ENDPOINT=true`).
    pub dual_stack: bool,
}

impl Variant {
    /// Reads `AWS_USE_FIPS_ENDPOINT` and `AWS_USE_DUALSTACK_ENDPOINT`.
    pub fn from_env(host: &mut dyn Host) -> Result<Self, TaskError> {
        Ok(Variant {
            fips: env_flag(host, "AWS_USE_FIPS_ENDPOINT")?,
            dual_stack: env_flag(host, "AWS_USE_DUALSTACK_ENDPOINT")?,
        })
    }
}

fn env_flag(host: &mut dyn Host, name: &str) -> Result<bool, TaskError> {
    match host.non_empty_env(name) {
        None => Ok(false),
        Some(v) if v.trim().eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.trim().eq_ignore_ascii_case("false") => Ok(false),
        Some(v) => Err(invalid_input(
            "endpoint-url",
            format!("environment variable {name} is \"{v}\": use true or false"),
        )),
    }
}

/// The endpoint as configured, read before anything is sent: an explicit URL (already
/// checked), or the variant of the regional endpoint, which needs the region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Configured {
    /// The input, `AWS_ENDPOINT_URL_{SERVICE}` or `AWS_ENDPOINT_URL`.
    Explicit(Endpoint),
    /// The partition's regional endpoint, with FIPS and dual-stack as configured.
    Regional(Variant),
}

impl Configured {
    /// The endpoint of `service` in `region`.
    pub fn for_region(&self, service: &str, region: &str) -> Result<Endpoint, TaskError> {
        match self {
            Configured::Explicit(endpoint) => Ok(endpoint.clone()),
            Configured::Regional(variant) => regional(service, region, *variant),
        }
    }
}

/// Reads the endpoint configuration of `service` (`lambda`, `sts`): the explicit URL first (the
/// input, then `AWS_ENDPOINT_URL_{SERVICE}`, then `AWS_ENDPOINT_URL`), else the regional
/// endpoint's variant. Invalid settings are reported here, before any request.
pub fn configure(host: &mut dyn Host, service: &str, input: Option<&str>) -> Result<Configured, TaskError> {
    let variant = Variant::from_env(host)?;
    let service_variable = format!("AWS_ENDPOINT_URL_{}", service.to_ascii_uppercase());
    let explicit = input
        .map(str::trim)
        .filter(|url| !url.is_empty())
        .map(|url| (url.to_owned(), "the endpoint-url input".to_owned()))
        .or_else(|| {
            host.non_empty_env(&service_variable)
                .map(|url| (url, format!("environment variable {service_variable}")))
        })
        .or_else(|| {
            host.non_empty_env("AWS_ENDPOINT_URL")
                .map(|url| (url, "environment variable AWS_ENDPOINT_URL".to_owned()))
        });
    let Some((url, source)) = explicit else {
        return Ok(Configured::Regional(variant));
    };
    if variant.fips || variant.dual_stack {
        return Err(invalid_input(
            "endpoint-url",
            format!(
                "an explicit endpoint ({source}) cannot be combined with \
                 AWS_USE_FIPS_ENDPOINT or AWS_USE_DUALSTACK_ENDPOINT: drop one of them"
            ),
        ));
    }
    parse(url.trim(), source).map(Configured::Explicit)
}

/// Resolves the endpoint of `service` in `region`: [`configure`], then [`Configured::for_region`].
pub fn resolve(
    host: &mut dyn Host,
    service: &str,
    input: Option<&str>,
    region: &str,
) -> Result<Endpoint, TaskError> {
    configure(host, service, input)?.for_region(service, region)
}

/// The regional endpoint of `service` in `region`.
pub fn regional(service: &str, region: &str, variant: Variant) -> Result<Endpoint, TaskError> {
    let partition = partition_of(region);
    let suffix = if variant.dual_stack {
        partition.dual_stack_dns_suffix.ok_or_else(|| {
            invalid_input(
                "region",
                format!(
                    "region {region} (partition {}) has no dual-stack endpoints: \
                     unset AWS_USE_DUALSTACK_ENDPOINT",
                    partition.id
                ),
            )
        })?
    } else {
        partition.dns_suffix
    };
    // STS's rule set has one exception: in GovCloud its FIPS endpoint is the regional one
    // (every GovCloud STS endpoint is FIPS), `sts.{region}.amazonaws.com`.
    let sts_in_govcloud = service == "sts" && partition.id == "aws-us-gov" && !variant.dual_stack;
    let prefix = if variant.fips && !sts_in_govcloud {
        format!("{service}-fips")
    } else {
        service.to_owned()
    };
    Ok(Endpoint {
        scheme: Scheme::Https,
        host: format!("{prefix}.{region}.{suffix}"),
        port: None,
        base_path: String::new(),
        source: format!("the {} partition's rules for {region}", partition.id),
    })
}

/// Parses an endpoint URL: `http(s)://host[:port][/base/path]`, nothing else.
pub fn parse(url: &str, source: String) -> Result<Endpoint, TaskError> {
    let shown = without_user_information(url);
    let invalid = |why: &str| {
        invalid_input(
            "endpoint-url",
            format!(
                "endpoint URL \"{shown}\" from {source} is invalid: {why}; \
                 use http(s)://host[:port], e.g. https://lambda.us-east-1.amazonaws.com"
            ),
        )
    };
    let (scheme, rest) = if let Some(rest) = strip_prefix_ignore_case(url, "https://") {
        (Scheme::Https, rest)
    } else if let Some(rest) = strip_prefix_ignore_case(url, "http://") {
        (Scheme::Http, rest)
    } else {
        return Err(invalid("the scheme must be http or https"));
    };
    if rest.contains(['?', '#']) {
        return Err(invalid("it must not have a query or fragment"));
    }
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if authority.contains('@') {
        return Err(invalid("it must not contain user information"));
    }
    let (host, port) = if let Some(after) = authority.strip_prefix('[') {
        let end = after
            .find(']')
            .ok_or_else(|| invalid("the IPv6 address lacks its closing ']'"))?;
        let (v6, tail) = (&after[..end], &after[end + 1..]);
        if v6.is_empty() || !v6.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.') {
            return Err(invalid("the IPv6 address is malformed"));
        }
        let port = match tail {
            "" => None,
            _ => Some(
                tail.strip_prefix(':')
                    .ok_or_else(|| invalid("unexpected text after the IPv6 address"))?,
            ),
        };
        (format!("[{}]", v6.to_ascii_lowercase()), port)
    } else {
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        let valid_host = !host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
        if !valid_host {
            return Err(invalid("the host is not a valid DNS name or address"));
        }
        (host.to_ascii_lowercase(), port)
    };
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(p) if p > 0 => Some(p),
            _ => return Err(invalid("the port must be a number from 1 to 65535")),
        },
    };
    let default_port = match scheme {
        Scheme::Http => 80,
        Scheme::Https => 443,
    };
    if path
        .bytes()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || !b.is_ascii())
    {
        return Err(invalid("the path must be percent-encoded"));
    }
    Ok(Endpoint {
        scheme,
        host,
        port: port.filter(|p| *p != default_port),
        base_path: path.trim_end_matches('/').to_owned(),
        source,
    })
}

/// `url` for a message: a `user:password@` before the host is shown as `***@`.
fn without_user_information(url: &str) -> String {
    let start = url.find("://").map_or(0, |at| at + 3);
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |at| start + at);
    match url[start..end].rfind('@') {
        Some(at) => format!("{}***{}", &url[..start], &url[start + at..]),
        None => url.to_owned(),
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix))
    .then(|| &s[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::testing::FakeHost;

    fn host_of(service: &str, region: &str, fips: bool, dual_stack: bool) -> Result<String, String> {
        regional(service, region, Variant { fips, dual_stack })
            .map(|e| e.host)
            .map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn partition_rules() {
        let cases = [
            (
                "us-east-1",
                "lambda.us-east-1.amazonaws.com",
                "lambda-fips.us-east-1.amazonaws.com",
                "lambda.us-east-1.api.aws",
            ),
            (
                "cn-north-1",
                "lambda.cn-north-1.amazonaws.com.cn",
                "lambda-fips.cn-north-1.amazonaws.com.cn",
                "lambda.cn-north-1.api.amazonwebservices.com.cn",
            ),
            (
                "us-gov-west-1",
                "lambda.us-gov-west-1.amazonaws.com",
                "lambda-fips.us-gov-west-1.amazonaws.com",
                "lambda.us-gov-west-1.api.aws",
            ),
            (
                "us-iso-east-1",
                "lambda.us-iso-east-1.c2s.ic.gov",
                "lambda-fips.us-iso-east-1.c2s.ic.gov",
                "",
            ),
            (
                "us-isob-east-1",
                "lambda.us-isob-east-1.sc2s.sgov.gov",
                "lambda-fips.us-isob-east-1.sc2s.sgov.gov",
                "",
            ),
            (
                "eu-isoe-west-1",
                "lambda.eu-isoe-west-1.cloud.adc-e.uk",
                "lambda-fips.eu-isoe-west-1.cloud.adc-e.uk",
                "",
            ),
            (
                "us-isof-south-1",
                "lambda.us-isof-south-1.csp.hci.ic.gov",
                "lambda-fips.us-isof-south-1.csp.hci.ic.gov",
                "",
            ),
            (
                "eusc-de-east-1",
                "lambda.eusc-de-east-1.amazonaws.eu",
                "lambda-fips.eusc-de-east-1.amazonaws.eu",
                "",
            ),
            (
                "xx-future-9",
                "lambda.xx-future-9.amazonaws.com",
                "lambda-fips.xx-future-9.amazonaws.com",
                "lambda.xx-future-9.api.aws",
            ),
        ];
        for (region, plain, fips, dual) in cases {
            assert_eq!(host_of("lambda", region, false, false).as_deref(), Ok(plain));
            assert_eq!(host_of("lambda", region, true, false).as_deref(), Ok(fips));
            if dual.is_empty() {
                let err = host_of("lambda", region, false, true).unwrap_err();
                assert!(err.contains("no dual-stack"), "{err}");
            } else {
                assert_eq!(host_of("lambda", region, false, true).as_deref(), Ok(dual));
                let both = dual.replacen("lambda.", "lambda-fips.", 1);
                assert_eq!(host_of("lambda", region, true, true), Ok(both));
            }
        }
        for (region, fips, expected) in [
            ("eu-west-1", false, "sts.eu-west-1.amazonaws.com"),
            ("eu-west-1", true, "sts-fips.eu-west-1.amazonaws.com"),
            ("cn-north-1", false, "sts.cn-north-1.amazonaws.com.cn"),
            // STS in GovCloud: FIPS is the regional endpoint.
            ("us-gov-west-1", true, "sts.us-gov-west-1.amazonaws.com"),
            ("us-gov-east-1", false, "sts.us-gov-east-1.amazonaws.com"),
            ("us-iso-east-1", false, "sts.us-iso-east-1.c2s.ic.gov"),
        ] {
            assert_eq!(
                host_of("sts", region, fips, false).as_deref(),
                Ok(expected),
                "{region} fips={fips}"
            );
        }
        assert_eq!(
            host_of("lambda", "us-gov-west-1", true, false).as_deref(),
            Ok("lambda-fips.us-gov-west-1.amazonaws.com")
        );
    }

    #[test]
    fn explicit_endpoints_in_order_and_exclusive_with_variants() {
        let mut host = FakeHost::default()
            .with_env("AWS_ENDPOINT_URL_LAMBDA", "http://127.0.0.1:9001")
            .with_env("AWS_ENDPOINT_URL", "http://127.0.0.1:9002");
        let e = resolve(&mut host, "lambda", Some("https://x.example:443/"), "us-east-1").unwrap();
        assert_eq!(e.url("/p"), "https://x.example/p");
        let e = resolve(&mut host, "lambda", None, "us-east-1").unwrap();
        assert_eq!(
            (e.authority(), e.source.as_str()),
            (
                "127.0.0.1:9001".to_owned(),
                "environment variable AWS_ENDPOINT_URL_LAMBDA"
            )
        );
        let e = resolve(&mut host, "sts", None, "us-east-1").unwrap();
        assert_eq!(e.authority(), "127.0.0.1:9002");
        host.env.insert("AWS_USE_FIPS_ENDPOINT".into(), "true".into());
        let err = format!(
            "{:?}",
            resolve(&mut host, "lambda", None, "us-east-1").unwrap_err()
        );
        assert!(err.contains("cannot be combined"), "{err}");
        host.env.insert("AWS_USE_FIPS_ENDPOINT".into(), "yes".into());
        let err = format!(
            "{:?}",
            resolve(&mut host, "lambda", None, "us-east-1").unwrap_err()
        );
        assert!(err.contains("use true or false"), "{err}");
    }

    #[test]
    fn endpoint_url_parsing() {
        let e = parse("HTTP://[::1]:8080/base/", "t".into()).unwrap();
        assert_eq!(
            (e.scheme, e.host.as_str(), e.port, e.base_path.as_str()),
            (Scheme::Http, "[::1]", Some(8080), "/base")
        );
        assert_eq!(e.url("/x?q=1"), "http://[::1]:8080/base/x?q=1");
        assert_eq!(e.path("/x"), "/base/x");
        for (bad, why) in [
            ("ftp://h", "scheme"),
            ("lambda.us-east-1.amazonaws.com", "scheme"),
            ("https://", "host"),
            ("https://user:pw@h", "user information"),
            ("https://h:0", "port"),
            ("https://h:99999", "port"),
            ("https://h?x=1", "query"),
            ("https://h/a b", "percent-encoded"),
            ("https://bad!host", "host"),
            ("https://[zz]", "IPv6"),
        ] {
            let err = format!("{:?}", parse(bad, "the endpoint-url input".into()).unwrap_err());
            assert!(err.contains(why) && err.contains("endpoint-url"), "{bad}: {err}");
        }
        // A password in the URL is refused without being repeated.
        let err = format!(
            "{:?}",
            parse("https://user:s3cret@h:1/p", "AWS_ENDPOINT_URL".into()).unwrap_err()
        );
        assert!(
            err.contains("https://***@h:1/p") && !err.contains("s3cret"),
            "{err}"
        );
    }
}
