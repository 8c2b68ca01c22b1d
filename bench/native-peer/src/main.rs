//! The native peer of the benchmark suite: what a build step written against the AWS SDK for
//! Rust would be. One invoke per process (whole-process mode), or `--loop N` invokes in one
//! process, timing each (in-process mode).
//!
//! ```text
//! lambda-invoke-native-peer --endpoint-url URL [--function-name echo] [--region us-east-1]
//!                           [--payload JSON] [--loop N [--warmup N]]
//! ```
//!
//! Credentials come from the SDK's default chain (the benchmark sets `AWS_ACCESS_KEY_ID` and
//! `AWS_SECRET_ACCESS_KEY`, and `AWS_EC2_METADATA_DISABLED=true`). The loop prints one JSON line:
//! `{"calls":N,"samples_ns":[..]}` (every call's time, in call order).
#![forbid(unsafe_code)]

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use aws_sdk_lambda::primitives::Blob;

struct Args {
    endpoint_url: String,
    function_name: String,
    region: String,
    payload: String,
    loop_count: Option<usize>,
    warmup: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        endpoint_url: String::new(),
        function_name: "echo".to_owned(),
        region: "us-east-1".to_owned(),
        payload: "{}".to_owned(),
        loop_count: None,
        warmup: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--endpoint-url" => args.endpoint_url = value()?,
            "--function-name" => args.function_name = value()?,
            "--region" => args.region = value()?,
            "--payload" => args.payload = value()?,
            "--loop" => {
                let n = value()?;
                match n.parse() {
                    Ok(count) if count > 0 => args.loop_count = Some(count),
                    _ => return Err(format!("--loop {n}: not a positive count")),
                }
            }
            "--warmup" => {
                let n = value()?;
                args.warmup = n.parse().map_err(|_| format!("--warmup {n}: not a count"))?;
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.endpoint_url.is_empty() {
        return Err("--endpoint-url is required".to_owned());
    }
    Ok(args)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(why) => {
            eprintln!("lambda-invoke-native-peer: {why}");
            return ExitCode::from(2);
        }
    };
    let config = aws_config::from_env()
        .region(aws_config::Region::new(args.region.clone()))
        .endpoint_url(&args.endpoint_url)
        .load()
        .await;
    let client = aws_sdk_lambda::Client::new(&config);
    let invoke = || {
        client
            .invoke()
            .function_name(&args.function_name)
            .payload(Blob::new(args.payload.as_bytes()))
            .send()
    };
    match args.loop_count {
        None => match invoke().await {
            Ok(output) => {
                let payload = output.payload.map(Blob::into_inner).unwrap_or_default();
                let _ = std::io::stdout().write_all(&payload);
                if output.function_error.is_some() {
                    ExitCode::from(5)
                } else {
                    ExitCode::SUCCESS
                }
            }
            Err(error) => {
                eprintln!(
                    "lambda-invoke-native-peer: {}",
                    aws_sdk_lambda::error::DisplayErrorContext(&error)
                );
                ExitCode::from(4)
            }
        },
        Some(count) => {
            // Untimed calls first (at least one): connection set-up, lazy initialisation and
            // cold caches are not per-call costs.
            for _ in 0..args.warmup.max(1) {
                if let Err(error) = invoke().await {
                    eprintln!(
                        "lambda-invoke-native-peer: {}",
                        aws_sdk_lambda::error::DisplayErrorContext(&error)
                    );
                    return ExitCode::from(4);
                }
            }
            let mut times = Vec::with_capacity(count);
            for _ in 0..count {
                let started = Instant::now();
                let output = invoke().await;
                times.push(started.elapsed().as_nanos() as u64);
                if let Err(error) = output {
                    eprintln!(
                        "lambda-invoke-native-peer: {}",
                        aws_sdk_lambda::error::DisplayErrorContext(&error)
                    );
                    return ExitCode::from(4);
                }
            }
            let samples: Vec<String> = times.iter().map(u64::to_string).collect();
            println!("{{\"calls\":{count},\"samples_ns\":[{}]}}", samples.join(","));
            ExitCode::SUCCESS
        }
    }
}
