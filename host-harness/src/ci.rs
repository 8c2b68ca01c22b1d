//! The conventions of the CI systems the command runs in, detected from the environment:
//! Azure Pipelines' logging commands (`##vso[...]`, "Logging commands" in the Azure DevOps
//! documentation) and GitHub Actions' workflow commands (`::add-mask::`, `$GITHUB_OUTPUT`,
//! `$GITHUB_STEP_SUMMARY`, "Workflow commands for GitHub Actions"). Everything a command carries
//! is escaped, so text from a function or a server cannot inject commands of its own.

use std::collections::BTreeMap;
use std::io::Write as _;

/// How the command talks to its CI system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Convention {
    /// Plain text: logs on stderr, output variables as `NAME=value` lines.
    Plain,
    /// Azure Pipelines (`TF_BUILD`): `##vso[...]` logging commands on stdout.
    Azure,
    /// GitHub Actions (`GITHUB_ACTIONS`): workflow commands and the `$GITHUB_OUTPUT` and
    /// `$GITHUB_STEP_SUMMARY` files.
    GitHub,
}

impl Convention {
    /// The convention the environment says: `TF_BUILD` → Azure, `GITHUB_ACTIONS=true` → GitHub,
    /// else plain.
    pub fn detect(env: &BTreeMap<String, String>) -> Self {
        let set = |name: &str| env.get(name).is_some_and(|v| !v.trim().is_empty());
        if set("TF_BUILD") {
            Convention::Azure
        } else if env
            .get("GITHUB_ACTIONS")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        {
            Convention::GitHub
        } else {
            Convention::Plain
        }
    }
}

/// A zero-width space: inserted into a command marker, it keeps the text readable and the marker
/// inert.
const BREAK: &[u8] = "\u{200B}".as_bytes();

/// Makes text that is not ours (a function's payload or log tail, a server's message) inert on
/// a CI system's stdout, where the agent looks for commands:
///
/// - Azure Pipelines finds `##vso[` anywhere in a line, and formatting commands (`##[error]`,
///   `##[group]`) too: every `##vso[` and `##[` is broken up.
/// - GitHub Actions finds a workflow command in a line that starts with `::` once leading
///   whitespace is trimmed (.NET's `TrimStart`: any Unicode white space, `\v`, `\f` and U+00A0
///   included), and the legacy `##[` form anywhere; lines end at `\n` or `\r`: such a `::` and
///   every `##[` are broken up.
///
/// Plain output is returned as it is.
pub fn inert(convention: Convention, text: &[u8]) -> Vec<u8> {
    let is_marker: fn(&[u8], bool) -> bool = match convention {
        Convention::Plain => return text.to_vec(),
        Convention::Azure => |rest, _| rest.starts_with(b"##vso[") || rest.starts_with(b"##["),
        Convention::GitHub => {
            |rest, line_start| rest.starts_with(b"##[") || (line_start && rest.starts_with(b"::"))
        }
    };
    let mut out = Vec::with_capacity(text.len());
    let mut line_start = true;
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if is_marker(rest, line_start) {
            out.push(rest[0]);
            out.extend_from_slice(BREAK);
            i += 1;
            line_start = false;
            continue;
        }
        // One character (or one byte that is not UTF-8): a line starts after `\n` or `\r`, and
        // white space before a `::` keeps it at the start.
        let length = char_length(rest);
        out.extend_from_slice(&rest[..length]);
        line_start = match rest[0] {
            b'\n' | b'\r' => true,
            _ => {
                line_start
                    && std::str::from_utf8(&rest[..length]).is_ok_and(|c| c.chars().all(char::is_whitespace))
            }
        };
        i += length;
    }
    out
}

/// The length of the UTF-8 character `bytes` starts with, or 1 when it does not start with one.
fn char_length(bytes: &[u8]) -> usize {
    if bytes[0] < 0x80 {
        return 1;
    }
    (2..=4.min(bytes.len()))
        .find(|&n| std::str::from_utf8(&bytes[..n]).is_ok())
        .unwrap_or(1)
}

/// [`inert`] for text.
pub fn inert_text(convention: Convention, text: &str) -> String {
    // Breaks are inserted between ASCII bytes only: the result is UTF-8 whenever the input is.
    String::from_utf8(inert(convention, text.as_bytes()))
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Escapes the data of an Azure logging command (after `]`).
pub fn azure_data(text: &str) -> String {
    text.replace('%', "%AZP25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// The data of an Azure logging command that shows a message (`task.logissue`, `task.complete`,
/// `##[debug]`): escaped, and [`inert`] as well, since the message may quote a function or a
/// server. (Values of `task.setvariable` and `task.setsecret` are data only, kept exact.)
pub fn azure_message(text: &str) -> String {
    inert_text(Convention::Azure, &azure_data(text))
}

/// Escapes a property value of an Azure logging command (inside `[...]`).
pub fn azure_property(text: &str) -> String {
    azure_data(text).replace(';', "%3B").replace(']', "%5D")
}

/// Escapes the data of a GitHub workflow command (after `::`).
pub fn github_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// The data of a GitHub workflow command that shows a message (`::error::`, `::warning::`,
/// `::debug::`, `::group::`): escaped, and [`inert`] as well.
pub fn github_message(text: &str) -> String {
    inert_text(Convention::GitHub, &github_data(text))
}

/// Escapes a property value of a GitHub workflow command.
pub fn github_property(text: &str) -> String {
    github_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// An Azure `task.setvariable` command for an output variable later jobs and stages can read.
pub fn azure_set_variable(name: &str, value: &str, secret: bool) -> String {
    format!(
        "##vso[task.setvariable variable={};isoutput=true{}]{}",
        azure_property(name),
        if secret { ";issecret=true" } else { "" },
        azure_data(value)
    )
}

/// A `NAME<<DELIMITER` block for `$GITHUB_OUTPUT`, the delimiter random and absent from the value.
pub fn github_output_block(name: &str, value: &str) -> String {
    let mut delimiter = format!("ghadelimiter_{}", random_hex());
    while value.contains(&delimiter) {
        delimiter = format!("ghadelimiter_{}", random_hex());
    }
    format!("{name}<<{delimiter}\n{value}\n{delimiter}\n")
}

/// 128 random bits in hex, from the operating system.
fn random_hex() -> String {
    let mut bytes = [0u8; 16];
    if let Ok(mut urandom) = std::fs::File::open("/dev/urandom") {
        use std::io::Read as _;
        let _ = urandom.read_exact(&mut bytes);
    }
    if bytes == [0; 16] {
        // No /dev/urandom: the hasher's random keys are the next best source.
        use std::hash::BuildHasher as _;
        let seed = std::collections::hash_map::RandomState::new().hash_one(std::process::id());
        bytes[..8].copy_from_slice(&seed.to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends `text` to the file at `path` (the `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY`
/// protocol).
pub fn append(path: &str, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::env;

    #[test]
    fn detection() {
        assert_eq!(
            Convention::detect(&env(&[("TF_BUILD", "True")])),
            Convention::Azure
        );
        assert_eq!(
            Convention::detect(&env(&[("GITHUB_ACTIONS", "true")])),
            Convention::GitHub
        );
        assert_eq!(
            Convention::detect(&env(&[("GITHUB_ACTIONS", "false")])),
            Convention::Plain
        );
        assert_eq!(Convention::detect(&env(&[])), Convention::Plain);
    }

    #[test]
    fn untrusted_text_issues_no_command() {
        let hostile = "ok ##vso[task.setvariable variable=X]1\n  ::add-mask::x\r::error::y ##[error]z";
        assert_eq!(
            inert_text(Convention::Azure, hostile),
            "ok #\u{200B}#vso[task.setvariable variable=X]1\n  ::add-mask::x\r::error::y #\u{200B}#[error]z"
        );
        assert_eq!(
            inert_text(Convention::GitHub, hostile),
            "ok ##vso[task.setvariable variable=X]1\n  :\u{200B}:add-mask::x\r:\u{200B}:error::y #\u{200B}#[error]z"
        );
        assert_eq!(inert_text(Convention::Plain, hostile), hostile);
        // A `::` that does not start a line is no command, and bytes stay bytes.
        assert_eq!(inert(Convention::GitHub, b"a::b\xff"), b"a::b\xff");
        // Any white space .NET trims counts as the start of the line.
        for lead in ["\u{b}", "\u{c}", "\u{a0}", "\u{2003}", "\u{3000}", " \t\u{85}"] {
            assert_eq!(
                inert_text(Convention::GitHub, &format!("{lead}::error::x")),
                format!("{lead}:\u{200B}:error::x"),
                "{lead:?}"
            );
        }
        assert_eq!(inert_text(Convention::GitHub, "é::x"), "é::x");
    }

    #[test]
    fn commands_cannot_be_injected() {
        let hostile = "x\n##vso[task.setvariable variable=PWNED]1;]";
        let line = azure_set_variable("OUT;x]", hostile, false);
        assert_eq!(line.lines().count(), 1);
        assert_eq!(
            line,
            "##vso[task.setvariable variable=OUT%3Bx%5D;isoutput=true]x%0A##vso[task.setvariable variable=PWNED]1;]"
        );
        assert_eq!(github_data("a\n::error::b 100%"), "a%0A::error::b 100%25");
        assert_eq!(github_property("a:b,c"), "a%3Ab%2Cc");
        let block = github_output_block("OUT", "line 1\nline 2");
        let lines: Vec<&str> = block.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[0].starts_with("OUT<<ghadelimiter_") && lines[3] == &lines[0][5..]);
        assert_ne!(
            github_output_block("A", "v"),
            github_output_block("A", "v"),
            "delimiters are random"
        );
    }
}
