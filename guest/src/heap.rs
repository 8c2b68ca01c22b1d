//! The component's allocator: dlmalloc, started on the heap the linker leaves in the initial
//! memory (from `__heap_base` to `__heap_end`), growing the memory only beyond it.
//!
//! dlmalloc's own wasm backend takes every region with `memory.grow` on `wasm32-wasip2` (it
//! starts on the linker's heap only on `wasm32-unknown-unknown`). A grow is a call into the
//! host, which there makes pages accessible with `mprotect`; a pooling host undoes that before
//! the next run in the same slot, a TLB shootdown across its cores. With the initial memory
//! sized for a normal run (`build.rs`), a run does not grow its memory at all.
#![allow(unsafe_code)]

use core::alloc::{GlobalAlloc, Layout};
use core::cell::{Cell, UnsafeCell};

/// The WebAssembly page.
const PAGE: usize = 64 * 1024;

unsafe extern "C" {
    /// Where the heap starts, after the stack and the data (defined by wasm-ld).
    static __heap_base: u8;
    /// Where the initial memory ends (defined by wasm-ld).
    static __heap_end: u8;
}

/// dlmalloc's source of memory: the initial heap, once, then `memory.grow`.
struct Memory {
    initial_heap_taken: Cell<bool>,
}

// SAFETY: `alloc` returns regions no one else uses: the initial heap at most once (the linker
// places nothing there) and pages `memory.grow` has just added, which read as zeros. Nothing is
// ever returned to the system.
unsafe impl dlmalloc::Allocator for Memory {
    fn alloc(&self, size: usize) -> (*mut u8, usize, u32) {
        if !self.initial_heap_taken.get() {
            let base = (&raw const __heap_base) as usize;
            let end = (&raw const __heap_end) as usize;
            if end.saturating_sub(base) >= size {
                self.initial_heap_taken.set(true);
                return (base as *mut u8, end - base, 0);
            }
        }
        let pages = size.div_ceil(PAGE);
        match core::arch::wasm32::memory_grow(0, pages) {
            usize::MAX => (core::ptr::null_mut(), 0, 0),
            previous => ((previous * PAGE) as *mut u8, pages * PAGE, 0),
        }
    }

    fn remap(&self, _ptr: *mut u8, _old: usize, _new: usize, _can_move: bool) -> *mut u8 {
        core::ptr::null_mut()
    }

    fn free_part(&self, _ptr: *mut u8, _old: usize, _new: usize) -> bool {
        false
    }

    fn free(&self, _ptr: *mut u8, _size: usize) -> bool {
        false
    }

    fn can_release_part(&self, _flags: u32) -> bool {
        false
    }

    fn allocates_zeros(&self) -> bool {
        // A fresh instance's memory beyond its data is zeros, and so are grown pages.
        true
    }

    fn page_size(&self) -> usize {
        PAGE
    }
}

/// The global allocator.
pub(crate) struct Heap(UnsafeCell<dlmalloc::Dlmalloc<Memory>>);

// SAFETY: the component runs on one thread (wasm32-wasip2 has none other), so the allocator is
// never used concurrently.
unsafe impl Sync for Heap {}

impl Heap {
    pub(crate) const fn new() -> Self {
        Heap(UnsafeCell::new(dlmalloc::Dlmalloc::new_with_allocator(Memory {
            initial_heap_taken: Cell::new(false),
        })))
    }
}

// SAFETY: each method passes its contract on to dlmalloc's method of the same name, on the one
// thread there is (see `Sync` above), so the `&mut` taken from the cell is never aliased.
unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { (*self.0.get()).malloc(layout.size(), layout.align()) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { (*self.0.get()).calloc(layout.size(), layout.align()) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { (*self.0.get()).free(ptr, layout.size(), layout.align()) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe { (*self.0.get()).realloc(ptr, layout.size(), layout.align(), new_size) }
    }
}
