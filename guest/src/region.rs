//! The region: the input, then task variable `AWS.Region`, then `AWS_REGION`, then
//! `AWS_DEFAULT_REGION`, then the profile's `region`, then the instance's (EC2 metadata).
//! A region named by the function's ARN wins over the profile and the instance; an explicitly
//! configured region that disagrees with the ARN's is an error, not a guess.

use crate::credentials::imds::Kept;
use crate::host::Host;
use crate::task::invalid_input;
use crate::types::TaskError;
use alloc::{borrow::ToOwned, format, string::String, vec::Vec};

/// A region and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// The region code, lower-cased, e.g. `us-east-1`.
    pub code: String,
    /// Where it came from, for messages, e.g. `environment variable AWS_REGION`.
    pub source: String,
}

/// Resolves the region. `arn_region` is the region of a full or partial ARN in `function-name`.
/// `imds` is the run's session with instance metadata, kept for the credentials.
pub fn resolve(
    host: &mut dyn Host,
    input: Option<&str>,
    arn_region: Option<&str>,
    imds: &Kept,
) -> Result<Region, TaskError> {
    let configured = configured(host, input)?;
    if configured.is_none() && arn_region.is_none() {
        return implicit(host, imds);
    }
    match (configured, arn_region) {
        (Some(region), Some(arn)) if region.code != arn => Err(invalid_input(
            "function-name",
            format!(
                "the function ARN names region {arn} but the region is {} (from {}): \
                 make them agree, or give the function by name",
                region.code, region.source
            ),
        )),
        (Some(region), _) => Ok(region),
        (None, Some(arn)) => Ok(Region {
            code: arn.to_owned(),
            source: "the function ARN".to_owned(),
        }),
        (None, None) => implicit(host, imds),
    }
}

/// The profile's region, else the instance's.
fn implicit(host: &mut dyn Host, imds: &Kept) -> Result<Region, TaskError> {
    let from_profile = match crate::credentials::profile::Profiles::load(host) {
        Ok(profiles) => profiles.region().map(|r| {
            (
                r,
                format!("profile {} of the shared config files", profiles.selected),
            )
        }),
        Err(_) => None, // the credential chain reports unreadable files
    };
    let found = from_profile.or_else(|| {
        crate::credentials::imds::region(host, imds).map(|r| (r, "EC2 instance metadata".to_owned()))
    });
    match found {
        Some((code, source)) => {
            let code = code.trim().to_ascii_lowercase();
            if !looks_like_region(&code) {
                return Err(invalid_input(
                    "region",
                    format!(
                        "region \"{code}\" from {source} is not a region code: use a code such as us-east-1"
                    ),
                ));
            }
            Ok(Region { code, source })
        }
        None => Err(TaskError::RegionNotFound(
            "no region is configured: set the region input (--region), the task variable \
             AWS.Region, the environment variable AWS_REGION or AWS_DEFAULT_REGION, or a region \
             in the profile"
                .to_owned(),
        )),
    }
}

fn configured(host: &mut dyn Host, input: Option<&str>) -> Result<Option<Region>, TaskError> {
    let candidates = [
        (
            "the region input",
            input.map(str::to_owned).filter(|r| !r.trim().is_empty()),
        ),
        ("task variable AWS.Region", host.non_empty_variable("AWS.Region")),
        (
            "environment variable AWS_REGION",
            host.non_empty_env("AWS_REGION"),
        ),
        (
            "environment variable AWS_DEFAULT_REGION",
            host.non_empty_env("AWS_DEFAULT_REGION"),
        ),
    ];
    for (source, value) in candidates {
        if let Some(value) = value {
            let code = value.trim().to_ascii_lowercase();
            if !looks_like_region(&code) {
                let hint = if code.contains('_') {
                    format!(" (did you mean {}?)", code.replace('_', "-"))
                } else {
                    String::new()
                };
                return Err(invalid_input(
                    "region",
                    format!(
                        "region \"{}\" from {source} is not a region code{hint}: use a code such as us-east-1",
                        value.trim()
                    ),
                ));
            }
            return Ok(Some(Region {
                code,
                source: source.to_owned(),
            }));
        }
    }
    Ok(None)
}

/// A region code: lower-case words joined by '-', the first two or more letters, the last a
/// number (`us-east-1`, `us-gov-west-1`, `eu-isoe-west-1`, `eusc-de-east-1`).
pub fn looks_like_region(code: &str) -> bool {
    let parts: Vec<&str> = code.split('-').collect();
    parts.len() >= 3
        && parts[0].len() >= 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[parts.len() - 1].len() <= 2
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        && !parts[parts.len() - 1].is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::testing::FakeHost;

    #[test]
    fn sources_in_order() {
        let mut host = FakeHost::default()
            .with_env("AWS_EC2_METADATA_DISABLED", "true")
            .with_var("AWS.Region", "eu-west-1")
            .with_env("AWS_REGION", "eu-west-2")
            .with_env("AWS_DEFAULT_REGION", "eu-west-3");
        assert_eq!(
            resolve(&mut host, Some("US-EAST-1"), None, &Kept::default())
                .unwrap()
                .code,
            "us-east-1"
        );
        assert_eq!(
            resolve(&mut host, Some(" "), None, &Kept::default())
                .unwrap()
                .code,
            "eu-west-1"
        );
        host.vars.clear();
        let r = resolve(&mut host, None, None, &Kept::default()).unwrap();
        assert_eq!(
            (r.code.as_str(), r.source.as_str()),
            ("eu-west-2", "environment variable AWS_REGION")
        );
        host.env.remove("AWS_REGION");
        assert_eq!(
            resolve(&mut host, None, None, &Kept::default()).unwrap().code,
            "eu-west-3"
        );
        host.env.clear();
        assert!(
            matches!(resolve(&mut host, None, None, &Kept::default()), Err(TaskError::RegionNotFound(m)) if m.contains("AWS_DEFAULT_REGION"))
        );
    }

    #[test]
    fn arn_region_is_used_or_conflicts() {
        let mut host = FakeHost::default().with_env("AWS_EC2_METADATA_DISABLED", "true");
        let r = resolve(&mut host, None, Some("ap-south-1"), &Kept::default()).unwrap();
        assert_eq!(
            (r.code.as_str(), r.source.as_str()),
            ("ap-south-1", "the function ARN")
        );
        assert_eq!(
            resolve(
                &mut host,
                Some("ap-south-1"),
                Some("ap-south-1"),
                &Kept::default()
            )
            .unwrap()
            .code,
            "ap-south-1"
        );
        match resolve(&mut host, Some("us-east-1"), Some("ap-south-1"), &Kept::default()) {
            Err(TaskError::InvalidInput(i)) => {
                assert_eq!(i.input, "function-name");
                assert!(
                    i.message.contains("ap-south-1") && i.message.contains("us-east-1"),
                    "{}",
                    i.message
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_malformed_region_names_its_source() {
        let mut host = FakeHost::default().with_env("AWS_REGION", "us_west_2");
        match resolve(&mut host, None, None, &Kept::default()) {
            Err(TaskError::InvalidInput(i)) => {
                assert!(
                    i.message.contains("AWS_REGION") && i.message.contains("did you mean us-west-2"),
                    "{}",
                    i.message
                );
            }
            other => panic!("{other:?}"),
        }
        for bad in ["us-east", "us east 1", "-us-east-1", "us--1", "us-east-1a"] {
            assert!(!looks_like_region(bad), "{bad}");
        }
        for good in [
            "us-east-1",
            "us-gov-west-1",
            "eu-isoe-west-1",
            "eusc-de-east-1",
            "cn-northwest-1",
        ] {
            assert!(looks_like_region(good), "{good}");
        }
    }
}
