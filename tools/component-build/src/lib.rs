//! Builds a component of this workspace (`wasm32-wasip2`) from a build script, so that a plain
//! `cargo build`, `cargo run` or `cargo test` has every component it needs.
//!
//! The pattern of wasmtime's `crates/test-programs/artifacts/build.rs`: a nested `cargo build`
//! into a target directory under `OUT_DIR` (the outer build holds the lock of the normal one),
//! with the outer build's rustflags removed (they are for the host target).
#![forbid(unsafe_code)]

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The target every component of this workspace is built for.
const TARGET: &str = "wasm32-wasip2";

/// Builds `package` (whose library is `artifact`, e.g. `lambda_invoke_guest`) with `profile`
/// (default `guest`, or `$LAMBDA_INVOKE_GUEST_PROFILE`), prints the `rerun-if-changed` lines for
/// `watch` (paths relative to the workspace root) and returns the path of the `.wasm`.
/// Panics with what to do when the build fails: build scripts report by panicking.
pub fn build(package: &str, artifact: &str, watch: &[&str]) -> PathBuf {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = workspace_root(&manifest_dir);
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    for path in watch.iter().chain(&[
        "wit",
        "Cargo.toml",
        "Cargo.lock",
        "rust-toolchain.toml",
        ".cargo/config.toml",
    ]) {
        println!("cargo:rerun-if-changed={}", root.join(path).display());
    }
    println!("cargo:rerun-if-env-changed=LAMBDA_INVOKE_GUEST_PROFILE");
    let profile = env::var("LAMBDA_INVOKE_GUEST_PROFILE").unwrap_or_else(|_| "guest".to_owned());
    ensure_target();
    let target_dir = out_dir.join(format!("{package}-target"));
    let mut command = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .current_dir(&root)
        .args([
            "build",
            "--locked",
            "-p",
            package,
            "--target",
            TARGET,
            "--profile",
            &profile,
        ])
        .arg("--target-dir")
        .arg(&target_dir);
    for variable in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_MAKEFLAGS",
        "RUSTC_WORKSPACE_WRAPPER",
    ] {
        command.env_remove(variable);
    }
    if let Some(offline) = env::var_os("CARGO_NET_OFFLINE") {
        command.env("CARGO_NET_OFFLINE", offline);
    }
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("cannot run cargo to build {package}: {e}"));
    assert!(
        status.success(),
        "building {package} for {TARGET} failed: cargo's messages above say why"
    );
    let directory = if profile == "dev" {
        "debug"
    } else {
        profile.as_str()
    };
    let component = target_dir
        .join(TARGET)
        .join(directory)
        .join(format!("{artifact}.wasm"));
    assert!(
        component.is_file(),
        "the build of {package} produced no {}",
        component.display()
    );
    component
}

/// Makes sure the compiler has the standard library for `wasm32-wasip2`. `rust-toolchain.toml`
/// names the target, but rustup adds a toolchain's targets only when it installs the toolchain
/// itself (not for one that was already there, or linked), so on a fresh machine the first
/// `cargo run` would fail; rustup can add it, as `.ci/run` does.
fn ensure_target() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let libdir = Command::new(&rustc)
        .args(["--print", "target-libdir", "--target", TARGET])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()));
    if libdir.as_deref().is_some_and(has_core) {
        return;
    }
    println!("cargo:warning=the {TARGET} target is not installed: running `rustup target add {TARGET}`");
    let mut command = Command::new("rustup");
    command.args(["target", "add", TARGET]);
    if let Some(toolchain) = env::var_os("RUSTUP_TOOLCHAIN") {
        command.arg("--toolchain").arg(toolchain);
    }
    let added = command.status().is_ok_and(|status| status.success());
    assert!(
        added,
        "the {TARGET} target is not installed and `rustup target add {TARGET}` failed: install it for \
         the toolchain that builds this workspace, then build again"
    );
}

/// Whether a target's library directory holds its `core` crate.
fn has_core(libdir: &Path) -> bool {
    std::fs::read_dir(libdir).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|entry| entry.file_name().to_string_lossy().starts_with("libcore-"))
    })
}

/// The workspace root: the nearest ancestor whose Cargo.toml has a `[workspace]` table.
fn workspace_root(start: &Path) -> PathBuf {
    start
        .ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|text| text.contains("[workspace]"))
        })
        .unwrap_or(start)
        .to_path_buf()
}
