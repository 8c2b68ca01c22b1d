//! The hostile component's memory is laid out like the real one's (guest/build.rs): a 64 KiB
//! stack first, then the data and the heap, so that its statics and first heap blocks are in
//! the lowest 128 KiB that a pooling host rewrites between runs, and the residue test checks
//! that rewrite as well as the `madvise` of the rest.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_FAMILY").as_deref() == Ok("wasm") {
        println!("cargo:rustc-link-arg=--stack-first");
        println!("cargo:rustc-link-arg=-zstack-size={}", 64 << 10);
    }
}
