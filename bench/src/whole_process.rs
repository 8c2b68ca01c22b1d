//! Part 1: whole processes, timed by hyperfine in `run.sh` (one run, so the ratios compare like
//! with like); this reads its `--export-json` and checks the budgets.

use std::path::Path;

use anyhow::{Context as _, Result};

use crate::table::Table;

/// hyperfine's `--command-name` for `lambda-invoke` with a warm compiled-component cache.
pub const CACHED: &str = "lambda-invoke (cached)";
/// ... for `lambda-invoke --no-cache` (compiles the component in the run).
pub const NO_CACHE: &str = "lambda-invoke --no-cache";
/// ... for `curl --aws-sigv4`.
pub const CURL: &str = "curl --aws-sigv4";
/// ... for the native aws-sdk-lambda peer.
pub const NATIVE: &str = "native SDK peer";

/// Adds part 1's rows from hyperfine's JSON at `path`.
pub fn rows(path: &Path, table: &mut Table) -> Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let results = json["results"]
        .as_array()
        .with_context(|| format!("{} has no results", path.display()))?;
    let medians: Vec<(String, f64)> = results
        .iter()
        .filter_map(|r| Some((r["command"].as_str()?.to_owned(), r["median"].as_f64()?)))
        .collect();
    let median = |name: &str| medians.iter().find(|(n, _)| n == name).map(|(_, m)| *m);
    let part = "1 whole process";
    for r in results {
        let (Some(name), Some(m)) = (r["command"].as_str(), r["median"].as_f64()) else {
            continue;
        };
        let runs = r["times"].as_array().map_or(0, Vec::len);
        let min = r["min"].as_f64().unwrap_or(f64::NAN);
        let max = r["max"].as_f64().unwrap_or(f64::NAN);
        table.info(
            part,
            name,
            format!(
                "median {:.2} ms (min {:.2} ms, max {:.2} ms, {runs} runs)",
                m * 1e3,
                min * 1e3,
                max * 1e3
            ),
        );
    }
    let cached = median(CACHED);
    if let (Some(ours), Some(curl)) = (cached, median(CURL)) {
        let ratio = ours / curl;
        table.budget(
            part,
            "lambda-invoke (cached) ÷ curl --aws-sigv4",
            format!("{ratio:.2}×"),
            "≤ 1.0×",
            ratio <= 1.0,
        );
    }
    match (cached, median(NATIVE)) {
        (Some(ours), Some(native)) => {
            let ratio = ours / native;
            table.budget(
                part,
                "lambda-invoke (cached) ÷ native SDK peer",
                format!("{ratio:.2}×"),
                "≤ 1.0×",
                ratio <= 1.0,
            );
        }
        _ => table.info(part, "native SDK peer", "not built (run.sh with BENCH_NATIVE=1)"),
    }
    if let Some(first) = median(NO_CACHE) {
        table.budget(
            part,
            "lambda-invoke --no-cache (first run, compiles the component)",
            format!("{:.1} ms", first * 1e3),
            "≤ 150 ms",
            first <= 0.150,
        );
    }
    Ok(())
}
