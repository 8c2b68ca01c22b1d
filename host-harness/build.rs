//! Builds the guest component (`guest/`, wasm32-wasip2, profile `guest`) so that a plain
//! `cargo build`, `cargo run` or `cargo test` of the workspace embeds an up-to-date component.
//!
//! The pattern of wasmtime's `crates/test-programs/artifacts/build.rs`: a nested `cargo build`
//! into a target directory under `OUT_DIR` (the outer build holds the lock of the normal one), with
//! the outer build's rustflags removed (they are for the host target).

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir
        .parent()
        .expect("host-harness lives in the workspace");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));

    for path in ["guest", "wit", "Cargo.toml", "Cargo.lock", "rust-toolchain.toml"] {
        println!("cargo:rerun-if-changed={}", root.join(path).display());
    }
    println!("cargo:rerun-if-env-changed=LAMBDA_INVOKE_GUEST_PROFILE");

    let component = build_guest(root, &out_dir);
    println!("cargo:rustc-env=LAMBDA_INVOKE_COMPONENT={}", component.display());
}

fn build_guest(root: &Path, out_dir: &Path) -> PathBuf {
    let profile = env::var("LAMBDA_INVOKE_GUEST_PROFILE").unwrap_or_else(|_| "guest".to_owned());
    let target_dir = out_dir.join("guest-target");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .args(["build", "--locked", "-p", "lambda-invoke-guest"])
        .args(["--target", "wasm32-wasip2", "--profile", &profile])
        .arg("--target-dir")
        .arg(&target_dir)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_MAKEFLAGS")
        .env_remove("RUSTC_WORKSPACE_WRAPPER");
    if let Some(offline) = env::var_os("CARGO_NET_OFFLINE") {
        command.env("CARGO_NET_OFFLINE", offline);
    }
    let status = command
        .status()
        .expect("cannot run cargo to build the guest component");
    assert!(
        status.success(),
        "building the guest component failed (is the wasm32-wasip2 target installed? \
         `rustup target add wasm32-wasip2`)"
    );
    let component = target_dir
        .join("wasm32-wasip2")
        .join(if profile == "dev" { "debug" } else { &profile })
        .join("lambda_invoke_guest.wasm");
    assert!(
        component.is_file(),
        "the guest build produced no {}",
        component.display()
    );
    component
}
