//! Part 4: the signer alone, inside a component and natively. Both sides run
//! `lambda_invoke_bench_signer::sign_many` (the `bench-signer` component is that crate built for
//! wasm32-wasip2 with the release component's profile), and must return the same checksum.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, ensure};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, Store};

/// The `bench-signer` component, built by `build.rs`.
static SIGNER_COMPONENT: &[u8] = include_bytes!(env!("BENCH_SIGNER_COMPONENT"));

/// Signatures per second, median of the rounds.
#[derive(Debug)]
pub struct Signer {
    /// Native.
    pub native: f64,
    /// Inside the component with the harness's engine configuration (epochs on).
    pub component: f64,
    /// Inside the component with wasmtime's default configuration (no epochs).
    pub component_plain: f64,
}

/// Times `rounds` rounds of `count` signatures each way.
pub fn measure(count: u32, rounds: usize) -> Result<Signer> {
    let expected = lambda_invoke_bench_signer::sign_many(count);
    let native = rate(
        count,
        rounds,
        || Ok(lambda_invoke_bench_signer::sign_many(count)),
        expected,
    )?;
    let component = in_component(
        lambda_invoke::Runtime::engine_config(None),
        count,
        rounds,
        expected,
    )?;
    let component_plain = in_component(Config::new(), count, rounds, expected)?;
    Ok(Signer {
        native,
        component,
        component_plain,
    })
}

fn in_component(config: Config, count: u32, rounds: usize, expected: u64) -> Result<f64> {
    let engine = Engine::new(&config)?;
    let component = Component::new(&engine, SIGNER_COMPONENT)
        .map_err(anyhow::Error::from)
        .context("cannot compile the signer component")?;
    let mut linker = Linker::<()>::new(&engine);
    // The std runtime's WASI imports are never called by `sign-many`.
    linker.define_unknown_imports_as_traps(&component)?;
    let mut store = Store::new(&engine, ());
    // Nothing advances the epoch here; a deadline one tick away is never reached.
    store.set_epoch_deadline(1);
    let instance = linker.instantiate(&mut store, &component)?;
    let sign_many = instance.get_typed_func::<(u32,), (u64,)>(&mut store, "sign-many")?;
    rate(
        count,
        rounds,
        || Ok(sign_many.call(&mut store, (count,))?.0),
        expected,
    )
}

fn rate(count: u32, rounds: usize, mut run: impl FnMut() -> Result<u64>, expected: u64) -> Result<f64> {
    // A first round warms caches (and, in the component, the instance's memory).
    ensure!(run()? == expected, "the signatures differ from the native ones");
    let mut rates = Vec::with_capacity(rounds);
    for _ in 0..rounds.max(1) {
        let started = Instant::now();
        let checksum = run()?;
        let elapsed = started.elapsed().max(Duration::from_nanos(1));
        ensure!(checksum == expected, "the signatures differ from the native ones");
        rates.push(f64::from(count) / elapsed.as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    Ok(rates[rates.len() / 2])
}
