//! The generated bindings of the `invoke-task` world, kept private to the crate: the public API
//! is [`crate::Input`], [`crate::Report`] and friends.
#![allow(missing_docs, missing_debug_implementations)]

wasmtime::component::bindgen!({
    world: "invoke-task",
    path: "../wit",
    // Every import may trap: that is how the host stops a guest that exceeds a limit.
    imports: { default: trappable },
    // The world's WASI imports (two clocks, poll, insecure random) are wasmtime-wasi's.
    with: { "wasi": wasmtime_wasi::p2::bindings::sync },
    require_store_data_send: true,
});

pub use self::lambda_invoke::task::{environment, http, types};
