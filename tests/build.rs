//! Builds the hostile test component (`tests/hostile-guest`) for wasm32-wasip2, as wasmtime's
//! `crates/test-programs/artifacts/build.rs` builds its test programs, and hands its path to the
//! tests in `HOSTILE_COMPONENT`.

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir.parent().expect("tests/ lives in the workspace");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    for path in ["tests/hostile-guest", "wit", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", root.join(path).display());
    }
    let target_dir = out_dir.join("hostile-target");
    let mut command = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .current_dir(root)
        .args([
            "build",
            "--locked",
            "-p",
            "lambda-invoke-hostile-guest",
            "--target",
            "wasm32-wasip2",
            "--profile",
            "guest",
        ])
        .arg("--target-dir")
        .arg(&target_dir)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_MAKEFLAGS");
    if let Some(offline) = env::var_os("CARGO_NET_OFFLINE") {
        command.env("CARGO_NET_OFFLINE", offline);
    }
    let status = command
        .status()
        .expect("cannot run cargo to build the hostile component");
    assert!(status.success(), "building the hostile component failed");
    let component = target_dir.join("wasm32-wasip2/guest/lambda_invoke_hostile_guest.wasm");
    assert!(component.is_file(), "no {}", component.display());
    println!("cargo:rustc-env=HOSTILE_COMPONENT={}", component.display());
}
