//! The `lambda-invoke` command: see `lambda-invoke --help` and the README.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    lambda_invoke::cli::main()
}
