//! Builds the `bench-signer` component (`bench/signer-component/`, wasm32-wasip2, the release
//! component's profile) for part 4 of the suite: the signer timed inside wasmtime.

fn main() {
    let component = lambda_invoke_component_build::build(
        "lambda-invoke-bench-signer",
        "lambda_invoke_bench_signer",
        &["bench/signer-component", "guest/sigv4", "guest/sha256"],
    );
    println!("cargo:rustc-env=BENCH_SIGNER_COMPONENT={}", component.display());
}
