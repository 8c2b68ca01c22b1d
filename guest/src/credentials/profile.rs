//! Source 5: the shared config and credentials files (AWS SDKs and Tools reference, "Shared
//! config and credentials files"): the profile `AWS_PROFILE` (else `default`) from
//! `AWS_SHARED_CREDENTIALS_FILE` (else `~/.aws/credentials`) and `AWS_CONFIG_FILE` (else
//! `~/.aws/config`). Static keys, or `role_arn` with `source_profile`; also the profile's
//! `region` for the region chain. The files are read through the host, which allows only these.

use alloc::collections::BTreeMap;
use alloc::{borrow::ToOwned, format, string::String, vec::Vec};

use super::assume_role::{self, RoleRequest};
use super::web_identity::describe_file_error;
use super::{Context, Credentials, SourceError, from_keys};
use crate::environment::FileError;
use crate::host::Host;

/// One profile's settings, keys lower-cased.
type Profile = BTreeMap<String, String>;

/// The profiles of both files, the credentials file winning key by key.
#[derive(Debug, Default)]
pub struct Profiles {
    profiles: BTreeMap<String, Profile>,
    /// The selected profile's name.
    pub selected: String,
    /// Whether the profile was chosen explicitly (`AWS_PROFILE`).
    explicit: bool,
    /// The files read, for messages.
    files: Vec<String>,
}

impl Profiles {
    /// Reads both files. A file named by a variable that cannot be read is an error; a missing
    /// default file is not.
    pub(crate) fn load(host: &mut dyn Host) -> Result<Self, SourceError> {
        let profile = host.non_empty_env("AWS_PROFILE").map(|p| p.trim().to_owned());
        let mut profiles = Profiles {
            selected: profile.clone().unwrap_or_else(|| "default".to_owned()),
            explicit: profile.is_some(),
            ..Profiles::default()
        };
        for (variable, default, is_config) in [
            ("AWS_CONFIG_FILE", "~/.aws/config", true),
            ("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials", false),
        ] {
            let named = host.non_empty_env(variable).map(|p| p.trim().to_owned());
            let path = named.clone().unwrap_or_else(|| default.to_owned());
            let text = match host.read_file(&path) {
                Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(FileError::NotFound) if named.is_none() => continue,
                Err(FileError::Denied(_)) if named.is_none() => continue,
                Err(error) => {
                    return Err(SourceError::Broken(format!(
                        "cannot read {path} ({variable}): {}",
                        describe_file_error(&error)
                    )));
                }
            };
            profiles.files.push(path);
            for (name, settings) in parse(&text, is_config) {
                let profile = profiles.profiles.entry(name).or_default();
                profile.extend(settings);
            }
        }
        Ok(profiles)
    }

    /// The selected profile, if either file has it.
    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.profiles.get(name)
    }

    /// The selected profile's `region`.
    pub fn region(&self) -> Option<String> {
        self.get(&self.selected)
            .and_then(|p| p.get("region"))
            .filter(|r| !r.is_empty())
            .cloned()
    }
}

/// Parses an INI-style AWS file into (profile name, settings). In the config file sections are
/// `[default]` and `[profile NAME]` (any whitespace after `profile`); in the credentials file
/// `[NAME]`. Comments start a line with `#` or `;`, or follow a value after whitespace;
/// sub-sections (indented lines) are skipped. In the config file, when `[profile default]` is
/// there, `[default]` is ignored (as the SDKs do).
pub fn parse(text: &str, is_config: bool) -> Vec<(String, Profile)> {
    let mut out: Vec<(String, Profile)> = Vec::new();
    // Whether each section was written `[default]` (in the config file).
    let mut bare_default: Vec<bool> = Vec::new();
    let mut current: Option<usize> = None;
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            continue; // a nested setting (e.g. under s3 =); nothing the task reads
        }
        let line = line.trim();
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
            let section = section.trim();
            let name = if is_config {
                match section.strip_prefix("profile") {
                    Some(name) if name.starts_with([' ', '\t']) => Some(name.trim()),
                    _ if section == "default" => Some("default"),
                    _ => None, // [sso-session x], [services x]: not profiles
                }
            } else {
                Some(section)
            };
            current = name.map(|name| {
                out.push((name.to_owned(), Profile::new()));
                bare_default.push(is_config && section == "default");
                out.len() - 1
            });
            continue;
        }
        if let (Some(at), Some((key, value))) = (current, line.split_once('=')) {
            out[at].1.insert(
                key.trim().to_ascii_lowercase(),
                without_comment(value).trim().to_owned(),
            );
        }
    }
    let prefixed_default = out
        .iter()
        .zip(&bare_default)
        .any(|((name, _), bare)| name == "default" && !bare);
    out.into_iter()
        .zip(bare_default)
        .filter(|(_, bare)| !(prefixed_default && *bare))
        .map(|(section, _)| section)
        .collect()
}

/// A value without its inline comment: `#` or `;` after whitespace starts one.
fn without_comment(value: &str) -> &str {
    let bytes = value.as_bytes();
    let end = (1..bytes.len())
        .find(|&i| matches!(bytes[i], b'#' | b';') && matches!(bytes[i - 1], b' ' | b'\t'))
        .unwrap_or(bytes.len());
    &value[..end]
}

/// Credentials of the selected profile.
pub(crate) fn provide(host: &mut dyn Host, context: &Context<'_>) -> Result<Credentials, SourceError> {
    let profiles = Profiles::load(host)?;
    let name = profiles.selected.clone();
    if profiles.get(&name).is_none() {
        if profiles.explicit {
            return Err(SourceError::Broken(format!(
                "profile {name} (AWS_PROFILE) is in none of the files read ({}): check the name or the files",
                if profiles.files.is_empty() {
                    "none".to_owned()
                } else {
                    profiles.files.join(", ")
                }
            )));
        }
        return Err(SourceError::NotConfigured(None));
    }
    resolve_profile(host, context, &profiles, &name, &mut Vec::new())
}

fn resolve_profile(
    host: &mut dyn Host,
    context: &Context<'_>,
    profiles: &Profiles,
    name: &str,
    visited: &mut Vec<String>,
) -> Result<Credentials, SourceError> {
    let source = format!("profile {name} of the shared config files");
    if visited.iter().any(|v| v == name) {
        return Err(SourceError::Broken(format!(
            "{source}: source_profile loops ({} → {name}): break the cycle",
            visited.join(" → ")
        )));
    }
    visited.push(name.to_owned());
    let Some(profile) = profiles.get(name) else {
        return Err(SourceError::Broken(format!(
            "{source}: profile {name} named by source_profile does not exist"
        )));
    };
    if let Some(role_arn) = profile.get("role_arn") {
        if profile.contains_key("credential_source") {
            return Err(SourceError::Broken(format!(
                "{source}: credential_source is not supported: use source_profile"
            )));
        }
        let Some(source_profile) = profile.get("source_profile") else {
            return Err(SourceError::Broken(format!(
                "{source}: role_arn needs source_profile: name the profile whose keys assume the role"
            )));
        };
        // A profile that is its own source uses its own static keys.
        let base = if source_profile == name {
            static_keys(host, profile, &source)?
        } else {
            resolve_profile(host, context, profiles, source_profile, visited)?
        };
        let duration_seconds = match profile.get("duration_seconds") {
            None => None,
            Some(text) => Some(text.trim().parse::<u32>().map_err(|_| {
                SourceError::Broken(format!(
                    "{source}: duration_seconds \"{text}\" is not a number of seconds: use 900 to 43200"
                ))
            })?),
        };
        let request = RoleRequest {
            role_arn: role_arn.clone(),
            external_id: profile.get("external_id").cloned(),
            session_name: profile.get("role_session_name").cloned(),
            duration_seconds: assume_role::duration(host, duration_seconds),
        };
        return assume_role::assume(host, context.region, &base, &request);
    }
    static_keys(host, profile, &source)
}

fn static_keys(host: &mut dyn Host, profile: &Profile, source: &str) -> Result<Credentials, SourceError> {
    match from_keys(
        host,
        source,
        ["aws_access_key_id", "aws_secret_access_key"],
        profile.get("aws_access_key_id").cloned(),
        profile.get("aws_secret_access_key").cloned(),
        profile.get("aws_session_token").cloned(),
    ) {
        Err(SourceError::NotConfigured(_)) => Err(SourceError::NotConfigured(Some(format!(
            "{source} has no aws_access_key_id/aws_secret_access_key"
        )))),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::testing::FakeHost;

    const CONFIG: &str = "# comment\n[default]\nregion = eu-west-1\n\n[profile dev]\nregion=us-west-2 # trailing\ns3 =\n  max_concurrent_requests = 20\n[sso-session x]\nsso_region = us-east-1\n";
    const CREDENTIALS: &str = "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = secret-default\n[dev]\naws_access_key_id=AKIDDEV\naws_secret_access_key=secret-dev\naws_session_token=token-dev\n[only-id]\naws_access_key_id=AKIDONLY\n";

    fn host() -> FakeHost {
        FakeHost::default()
            .with_file("~/.aws/config", CONFIG)
            .with_file("~/.aws/credentials", CREDENTIALS)
    }

    #[test]
    fn parses_both_file_formats() {
        let config = parse(CONFIG, true);
        let names: Vec<&str> = config.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["default", "dev"]);
        assert_eq!(config[1].1.get("region").map(String::as_str), Some("us-west-2"));
        assert!(!config[1].1.contains_key("max_concurrent_requests"));
        let creds = parse(CREDENTIALS, false);
        assert_eq!(creds.len(), 3);
    }

    #[test]
    fn parses_what_the_sdks_accept() {
        let config = "[profile\tdev]\nregion = eu-west-1 ; inline\noutput = json\t# inline\nkey = a#b;c\n\
                      [profile default]\nregion = us-east-2\n[default]\nregion = us-west-1\noutput = text\n";
        let mut merged = BTreeMap::<String, Profile>::new();
        for (name, settings) in parse(config, true) {
            merged.entry(name).or_default().extend(settings);
        }
        let dev = &merged["dev"];
        assert_eq!(dev["region"], "eu-west-1");
        assert_eq!(dev["output"], "json");
        assert_eq!(dev["key"], "a#b;c", "# and ; inside a value are kept");
        // With `[profile default]` there, `[default]` is ignored, wherever it is in the file.
        assert_eq!(merged["default"]["region"], "us-east-2");
        assert!(!merged["default"].contains_key("output"));
        // Without it, `[default]` is the default profile.
        let only_bare = parse("[default]\nregion = us-west-1\n", true);
        assert_eq!(only_bare[0].1["region"], "us-west-1");
    }

    #[test]
    fn a_bad_duration_in_a_role_profile_is_reported() {
        let config = "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\nduration_seconds = 1h\n";
        let mut host = FakeHost::default()
            .with_env("AWS_PROFILE", "role")
            .with_file("~/.aws/config", config)
            .with_file("~/.aws/credentials", CREDENTIALS);
        let context = Context::for_test("us-east-1");
        assert!(
            matches!(provide(&mut host, &context), Err(SourceError::Broken(m)) if m.contains("duration_seconds \"1h\""))
        );
        assert!(host.requests.is_empty());
    }

    #[test]
    fn selects_the_profile_and_its_region() {
        let context = Context::for_test("us-east-1");
        let mut h = host();
        let c = provide(&mut h, &context).unwrap();
        assert_eq!(c.access_key_id, "AKIDDEFAULT");
        assert_eq!(
            Profiles::load(&mut h).unwrap().region().as_deref(),
            Some("eu-west-1")
        );
        let mut h = host().with_env("AWS_PROFILE", "dev");
        let c = provide(&mut h, &context).unwrap();
        assert_eq!(
            (c.access_key_id.as_str(), c.session_token.as_deref()),
            ("AKIDDEV", Some("token-dev"))
        );
        assert_eq!(h.secrets, ["secret-dev", "token-dev"]);
        assert_eq!(
            Profiles::load(&mut h).unwrap().region().as_deref(),
            Some("us-west-2")
        );
    }

    #[test]
    fn broken_profiles_stop_the_chain() {
        let context = Context::for_test("us-east-1");
        let broken = |mut h: FakeHost| match provide(&mut h, &context) {
            Err(SourceError::Broken(m)) => m,
            other => panic!("{other:?}"),
        };
        assert!(
            broken(host().with_env("AWS_PROFILE", "nope")).contains("profile nope (AWS_PROFILE) is in none")
        );
        assert!(broken(host().with_env("AWS_PROFILE", "only-id")).contains("define or omit both"));
        assert!(
            broken(host().with_env("AWS_SHARED_CREDENTIALS_FILE", "/missing"))
                .contains("cannot read /missing")
        );
        let looped = FakeHost::default()
            .with_file("~/.aws/config", "[profile a]\nrole_arn=arn:aws:iam::123456789012:role/r\nsource_profile=b\n[profile b]\nrole_arn=arn:aws:iam::123456789012:role/r\nsource_profile=a\n")
            .with_env("AWS_PROFILE", "a");
        assert!(broken(looped).contains("loops"));
        // No files at all: not configured, no noise.
        assert!(matches!(
            provide(&mut FakeHost::default(), &context),
            Err(SourceError::NotConfigured(None))
        ));
    }
}
