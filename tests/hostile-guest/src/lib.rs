//! A hostile guest: it implements the `invoke-task` world like the real component, but its
//! `run` does what `function-name` says to attack the host. Built by `tests/build.rs` for the
//! sandbox tests; never shipped.
#![cfg(target_family = "wasm")]
#![allow(unsafe_code, missing_docs, missing_debug_implementations)]

wit_bindgen::generate!({ world: "invoke-task", path: "../../wit", generate_all });

use lambda_invoke::task::environment::{self, LogLevel};
use lambda_invoke::task::http::{self, Method, Request};

struct Hostile;

fn outcome(payload: impl Into<Vec<u8>>) -> Outcome {
    Outcome {
        status_code: 200,
        payload: payload.into(),
        function_error: None,
        executed_version: None,
        log_tail: None,
        request_id: None,
    }
}

fn get(url: &str) -> Request {
    Request {
        label: "hostile".to_owned(),
        method: Method::Get,
        url: url.to_owned(),
        headers: Vec::new(),
        body: Vec::new(),
        connect_timeout_ms: 1000,
        read_timeout_ms: 1000,
    }
}

impl Guest for Hostile {
    fn run(input: Input) -> Result<Outcome, TaskError> {
        let (attack, argument) = input
            .function_name
            .split_once(' ')
            .unwrap_or((input.function_name.as_str(), ""));
        match attack {
            // CPU: spin until the host stops it.
            "loop" => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            // Time: sleep forever in the host's clock (no wasm runs while it waits).
            "sleep" => {
                wasi::clocks::monotonic_clock::subscribe_duration(u64::MAX).block();
                Ok(outcome("woke up"))
            }
            // CPU, then time without computation, then CPU: spin `a` ms, sleep `b` ms, spin `a`.
            "spin-nap-spin" => {
                let (spin, nap) = argument.split_once(' ').unwrap_or(("0", "0"));
                let spin: u64 = spin.parse().unwrap_or(0);
                let nap: u64 = nap.parse().unwrap_or(0);
                let busy = |millis: u64| {
                    let until = wasi::clocks::monotonic_clock::now() + millis * 1_000_000;
                    let mut n = 0u64;
                    while wasi::clocks::monotonic_clock::now() < until {
                        for _ in 0..1000 {
                            n = std::hint::black_box(n.wrapping_add(1));
                        }
                    }
                };
                busy(spin);
                wasi::clocks::monotonic_clock::subscribe_duration(nap * 1_000_000).block();
                busy(spin);
                Ok(outcome("woke up"))
            }
            // Isolation: look for what an earlier run in the same pooled slot left in memory
            // (a static and a zeroed heap block, which the allocator trusts to be fresh), then
            // leave some behind.
            "residue" => {
                static MARK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                let mark = MARK.swap(0x5EC2E7, std::sync::atomic::Ordering::SeqCst);
                let mut heap = vec![0u8; 4 << 20];
                let dirty = heap.iter().filter(|&&b| b != 0).count();
                heap.fill(0xA5);
                std::hint::black_box(&heap);
                Ok(outcome(format!("mark {mark:#x}, {dirty} dirty heap bytes")))
            }
            // Memory: grow until the host refuses.
            "alloc" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            // Egress: reach a host nobody allowed; report what the host said.
            "host" => Ok(outcome(format!("{:?}", http::send(&get(argument))))),
            // Environment and files outside the allowlists.
            "env" => Ok(outcome(format!("{:?}", environment::get_env(argument)))),
            "file" => Ok(outcome(format!(
                "{:?}",
                environment::read_file(argument).map(|b| b.len())
            ))),
            // Volume: a gigabyte of log, ten thousand outputs, ten thousand secrets, HTTP calls.
            "log" => {
                let chunk = "x".repeat(1 << 20);
                for _ in 0..1024 {
                    environment::log(LogLevel::Info, &chunk);
                }
                Ok(outcome("logged a gigabyte"))
            }
            "outputs" => {
                let mut refused = 0;
                for i in 0..10_000 {
                    if environment::set_output(&format!("OUT_{i}"), "v", false).is_err() {
                        refused += 1;
                    }
                }
                Ok(outcome(format!("refused {refused}")))
            }
            "secrets" => {
                for i in 0..10_000 {
                    environment::register_secret(&format!("secret-{i}"));
                }
                Ok(outcome("registered"))
            }
            "calls" => {
                let mut last = String::new();
                for _ in 0..1000 {
                    last = format!("{:?}", http::send(&get(argument)));
                }
                Ok(outcome(last))
            }
            // A payload far beyond what the host accepts back.
            "payload" => Ok(outcome(vec![b'p'; 32 << 20])),
            // Sizes: a secret of a megabyte, outputs of 8 MiB each, a huge header.
            "big-secret" => {
                environment::register_secret(&"s".repeat(1 << 20));
                Ok(outcome("registered"))
            }
            "big-outputs" => {
                let value = "v".repeat(8 << 20);
                let mut refused = 0;
                for i in 0..4 {
                    if environment::set_output(&format!("BIG_{i}"), &value, false).is_err() {
                        refused += 1;
                    }
                }
                Ok(outcome(format!("refused {refused}")))
            }
            "big-header" => {
                let mut request = get(argument);
                request.headers.push(http::Header {
                    name: "x-big".to_owned(),
                    value: "h".repeat(1 << 20),
                });
                Ok(outcome(format!("{:?}", http::send(&request))))
            }
            // WASI beyond the world, through std: the process environment, files, sockets.
            "wasi-env" => Ok(outcome(format!("{}", std::env::vars().count()))),
            "wasi-file" => Ok(outcome(format!(
                "{:?}",
                std::fs::read("/etc/passwd").map(|b| b.len())
            ))),
            "wasi-net" => Ok(outcome(format!(
                "{:?}",
                std::net::TcpStream::connect(argument).map(|_| ())
            ))),
            // A trap: a bug in a component must not take the host down.
            "trap" => core::arch::wasm32::unreachable(),
            // A std panic: the panic hook writes to stderr, which the world does not have.
            "panic" => panic!("hostile guest panics on purpose"),
            other => Ok(outcome(format!("unknown attack {other}"))),
        }
    }

    fn describe() -> TaskDescription {
        TaskDescription {
            name: "hostile".to_owned(),
            version: "0".to_owned(),
            summary: "misbehaves".to_owned(),
            inputs: Vec::new(),
            permissions: Vec::new(),
        }
    }
}

export!(Hostile);
