//! The component's link settings: `memcmp` from the target's own C library, no WASI adapter, and
//! the initial memory.
//!
//! `memcmp`: the component is `no_std`, so nothing links wasi-libc for it, and
//! `compiler_builtins` leaves the C memory functions to libc on `wasm32-wasip2`. Rust's slice and
//! string comparisons call `memcmp`; the toolchain ships wasi-libc's `libc.a` for the target (in
//! `self-contained/`, already on the linker's search path), and linking it as a static archive
//! takes only the objects that are used.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("wasi") {
        println!("cargo:rustc-link-lib=c");
        // The module imports nothing of WASI preview 1, so no adapter: without this,
        // wasm-component-ld merges in its adapter's world and the component's WASI imports
        // become those of its version (0.2.6) instead of the 0.2.0 the WIT world names.
        println!("cargo:rustc-link-arg=--wasi-adapter=none");
        // 1 MiB of initial memory: a 64 KiB stack (the task does not recurse: even its JSON
        // scanner keeps its nesting on the heap; the stack comes first, so an overflow traps
        // instead of writing over the data), the data, and a heap of some 930 KiB that a
        // normal run fits in, so that it never grows its memory (see src/heap.rs). Larger
        // payloads grow the memory as before. The stack, the data and the start of the heap
        // (the small-block arena: an echo task uses 3 KB of it) are the lowest 128 KiB, which a
        // pooling host rewrites and keeps mapped between runs (host-harness/src/runtime.rs,
        // POOL_KEEP_RESIDENT); pages written above them are released and fault in again.
        println!("cargo:rustc-link-arg=--initial-memory={}", 1 << 20);
        println!("cargo:rustc-link-arg=--stack-first");
        println!("cargo:rustc-link-arg=-zstack-size={}", 64 << 10);
    }
}
