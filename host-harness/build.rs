//! Builds the guest component (`guest/`, wasm32-wasip2, profile `guest`) so that a plain
//! `cargo build`, `cargo run` or `cargo test` of the workspace embeds an up-to-date component.

fn main() {
    let component =
        lambda_invoke_component_build::build("lambda-invoke-guest", "lambda_invoke_guest", &["guest"]);
    println!("cargo:rustc-env=LAMBDA_INVOKE_COMPONENT={}", component.display());
}
