//! The generated bindings of the `invoke-task` world, kept private: the rest of the crate sees
//! the WIT types through re-exports and the imports through [`crate::Host`].
#![allow(unsafe_code, missing_docs, missing_debug_implementations)]

wit_bindgen::generate!({
    world: "invoke-task",
    path: "../wit",
    // The WASI imports are few (two clocks and a random number): generate them here rather
    // than depend on a WASI bindings crate.
    generate_all,
});

pub use lambda_invoke::task::{environment, http, types};

/// The component's export: `run` hands the WIT imports to the task logic.
#[cfg(target_family = "wasm")]
mod component {
    use alloc::string::String;
    use alloc::vec::Vec;
    use core::time::Duration;

    use super::lambda_invoke::task::{environment, http};
    use super::types::{Input, Outcome, TaskDescription, TaskError};
    use super::wasi::clocks::{monotonic_clock, wall_clock};
    use super::wasi::random::insecure;
    use crate::host::{Host, LogLevel};

    struct Component;

    impl super::Guest for Component {
        fn run(input: Input) -> Result<Outcome, TaskError> {
            crate::task::run(&mut WitHost, input)
        }

        fn describe() -> TaskDescription {
            crate::describe::describe()
        }
    }

    super::export!(Component with_types_in super);

    /// The canonical ABI's allocator export, through which the host hands the component its
    /// arguments (strings, lists). `std` provides it on `wasm32-wasip2`, and wit-bindgen only on
    /// other targets; this is wit-bindgen's implementation (`wit_bindgen::rt::cabi_realloc`),
    /// except that a block shrunk to nothing is freed rather than passed to `realloc` with size 0,
    /// which `GlobalAlloc` does not allow.
    ///
    /// # Safety
    ///
    /// Called only by the host, per the canonical ABI: `old_ptr`/`old_len` describe an earlier
    /// allocation of this function with the same `align`, or `old_len` is 0; `align` is a power
    /// of two.
    #[unsafe(no_mangle)]
    unsafe extern "C" fn cabi_realloc(
        old_ptr: *mut u8,
        old_len: usize,
        align: usize,
        new_len: usize,
    ) -> *mut u8 {
        use alloc::alloc::{Layout, alloc, realloc};
        // A size no layout can have (over isize::MAX) or an alignment that is not a power of
        // two: trap, as for a refused allocation, rather than build an invalid layout.
        let layout =
            |size| Layout::from_size_align(size, align).unwrap_or_else(|_| core::arch::wasm32::unreachable());
        let ptr = if old_len == 0 {
            if new_len == 0 {
                return align as *mut u8;
            }
            // SAFETY: the layout is valid and its size is not zero.
            unsafe { alloc(layout(new_len)) }
        } else if new_len == 0 {
            // A block shrunk to nothing is freed (`realloc` may not be asked for size 0).
            // SAFETY: `old_ptr` came from this allocator with this layout.
            unsafe { alloc::alloc::dealloc(old_ptr, layout(old_len)) };
            return align as *mut u8;
        } else {
            // SAFETY: `old_ptr` came from this allocator with this layout (the canonical ABI
            // hands back what it was given), and `new_len` is checked like any layout's size.
            let _ = layout(new_len);
            unsafe { realloc(old_ptr, layout(old_len), new_len) }
        };
        if ptr.is_null() {
            // Out of memory: trap, which the host reports as the memory limit.
            core::arch::wasm32::unreachable();
        }
        ptr
    }

    /// The host as the WIT imports provide it.
    struct WitHost;

    impl Host for WitHost {
        fn send(&mut self, request: &http::Request) -> Result<http::Response, http::HttpError> {
            http::send(request)
        }

        fn variable(&mut self, name: &str) -> Option<String> {
            environment::get_variable(name)
        }

        fn env(&mut self, name: &str) -> Option<String> {
            environment::get_env(name)
        }

        fn set_output(
            &mut self,
            name: &str,
            value: &str,
            secret: bool,
        ) -> Result<(), environment::OutputError> {
            environment::set_output(name, value, secret)
        }

        fn read_file(&mut self, path: &str) -> Result<Vec<u8>, environment::FileError> {
            environment::read_file(path)
        }

        fn register_secret(&mut self, value: &str) {
            environment::register_secret(value);
        }

        fn log(&mut self, level: LogLevel, message: &str) {
            environment::log(level, message);
        }

        fn now_unix_seconds(&mut self) -> u64 {
            wall_clock::now().seconds
        }

        fn sleep(&mut self, duration: Duration) {
            let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
            monotonic_clock::subscribe_duration(nanos).block();
        }

        fn monotonic_nanos(&mut self) -> u64 {
            monotonic_clock::now()
        }

        fn insecure_random_u64(&mut self) -> u64 {
            insecure::get_insecure_random_u64()
        }
    }
}
