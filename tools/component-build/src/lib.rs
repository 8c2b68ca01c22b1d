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

/// Builds `package` (whose library is `artifact`, e.g. `lambda_invoke_guest`) with `profile`
/// (default `guest`, or `$LAMBDA_INVOKE_GUEST_PROFILE`), prints the `rerun-if-changed` lines for
/// `watch` (paths relative to the workspace root) and returns the path of the `.wasm`.
/// Panics with what to do when the build fails: build scripts report by panicking.
pub fn build(package: &str, artifact: &str, watch: &[&str]) -> PathBuf {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = workspace_root(&manifest_dir);
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    for path in watch
        .iter()
        .chain(&["wit", "Cargo.toml", "Cargo.lock", "rust-toolchain.toml"])
    {
        println!("cargo:rerun-if-changed={}", root.join(path).display());
    }
    println!("cargo:rerun-if-env-changed=LAMBDA_INVOKE_GUEST_PROFILE");
    let profile = env::var("LAMBDA_INVOKE_GUEST_PROFILE").unwrap_or_else(|_| "guest".to_owned());
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
            "wasm32-wasip2",
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
        "building {package} for wasm32-wasip2 failed (is the target installed? `rustup target add wasm32-wasip2`)"
    );
    let directory = if profile == "dev" {
        "debug"
    } else {
        profile.as_str()
    };
    let component = target_dir
        .join("wasm32-wasip2")
        .join(directory)
        .join(format!("{artifact}.wasm"));
    assert!(
        component.is_file(),
        "the build of {package} produced no {}",
        component.display()
    );
    component
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
