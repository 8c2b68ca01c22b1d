//! Builds the hostile test component (`tests/hostile-guest`) for wasm32-wasip2 and hands its path
//! to the sandbox tests in `HOSTILE_COMPONENT`.

fn main() {
    let component = lambda_invoke_component_build::build(
        "lambda-invoke-hostile-guest",
        "lambda_invoke_hostile_guest",
        &["tests/hostile-guest"],
    );
    println!("cargo:rustc-env=HOSTILE_COMPONENT={}", component.display());
}
