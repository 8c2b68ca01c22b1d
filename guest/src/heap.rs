//! The component's allocator: small blocks from a bump arena, the rest from dlmalloc, both on
//! the heap the linker leaves in the initial memory (from `__heap_base` to `__heap_end`), and
//! the memory grown only beyond it.
//!
//! A run is short and its instance is discarded after it, so the many small blocks a run makes
//! (strings, vectors of a few entries) need no bookkeeping: they are cut from the arena in
//! order, freeing one is a no-op unless it is the latest (then it is given back), and growing
//! the latest extends it in place. That halves the guest's allocation cost, and keeps the pages
//! it writes together (fewer pages for the host to reset after the run). Blocks over
//! [`SMALL`] bytes, and everything once the arena is full, go to dlmalloc.
//!
//! dlmalloc's own wasm backend takes every region with `memory.grow` on `wasm32-wasip2` (it
//! starts on the linker's heap only on `wasm32-unknown-unknown`). A grow is a call into the
//! host, which there makes pages accessible with `mprotect`; a pooling host undoes that before
//! the next run in the same slot, a TLB shootdown across its cores. With the initial memory
//! sized for a normal run (`build.rs`), a run does not grow its memory at all.
#![allow(unsafe_code)]

use core::alloc::{GlobalAlloc, Layout};
use core::cell::{Cell, UnsafeCell};

use crate::arena::Arena;

/// The WebAssembly page.
const PAGE: usize = 64 * 1024;
/// The arena's size, taken from the start of the initial heap.
const ARENA: usize = 256 * 1024;
/// The largest block cut from the arena.
const SMALL: usize = 4 * 1024;

unsafe extern "C" {
    /// Where the heap starts, after the stack and the data (defined by wasm-ld).
    static __heap_base: u8;
    /// Where the initial memory ends (defined by wasm-ld).
    static __heap_end: u8;
}

/// The initial heap (from `__heap_base` to `__heap_end`), split in two: the arena's first
/// [`ARENA`] bytes, if the heap has room for them, and the rest, dlmalloc's first region.
fn initial_heap() -> (Option<core::ops::Range<usize>>, core::ops::Range<usize>) {
    let start = (&raw const __heap_base) as usize;
    let end = (&raw const __heap_end) as usize;
    match start.checked_add(ARENA).filter(|&split| split <= end) {
        Some(split) => (Some(start..split), split..end),
        None => (None, start..end.max(start)),
    }
}

/// dlmalloc's source of memory: the initial heap, once, then `memory.grow`.
struct Memory {
    initial_heap_taken: Cell<bool>,
}

// SAFETY: `alloc` returns regions no one else uses: the initial heap past the arena at most
// once (the linker places nothing there) and pages `memory.grow` has just added, which read as
// zeros. Nothing is ever returned to the system.
unsafe impl dlmalloc::Allocator for Memory {
    fn alloc(&self, size: usize) -> (*mut u8, usize, u32) {
        if !self.initial_heap_taken.get() {
            let rest = initial_heap().1;
            if rest.len() >= size {
                self.initial_heap_taken.set(true);
                return (rest.start as *mut u8, rest.len(), 0);
            }
        }
        let pages = size.div_ceil(PAGE);
        match core::arch::wasm32::memory_grow(0, pages) {
            usize::MAX => (core::ptr::null_mut(), 0, 0),
            previous => {
                let start = previous * PAGE;
                let size = pages * PAGE;
                // A region ending at the very top of the address space would have an end of
                // 0: leave its last bytes out, as dlmalloc's own wasm backend does.
                let size = if start.wrapping_add(size) == 0 {
                    size - 16
                } else {
                    size
                };
                (start as *mut u8, size, 0)
            }
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
pub(crate) struct Heap {
    dlmalloc: UnsafeCell<dlmalloc::Dlmalloc<Memory>>,
    /// The arena, placed at the first allocation (`__heap_base` is not a constant).
    arena: Cell<Option<Arena>>,
}

// SAFETY: the component runs on one thread (wasm32-wasip2 has none other), so the allocator is
// never used concurrently.
unsafe impl Sync for Heap {}

#[cfg(target_feature = "atomics")]
compile_error!("the allocator assumes one thread: it has no lock (src/heap.rs)");

impl Heap {
    pub(crate) const fn new() -> Self {
        Heap {
            dlmalloc: UnsafeCell::new(dlmalloc::Dlmalloc::new_with_allocator(Memory {
                initial_heap_taken: Cell::new(false),
            })),
            arena: Cell::new(None),
        }
    }

    /// The arena, placed at the first call.
    fn arena(&self) -> Option<Arena> {
        if let Some(arena) = self.arena.get() {
            return Some(arena);
        }
        let bounds = initial_heap().0?;
        let arena = Arena::new(bounds.start, bounds.end);
        self.arena.set(Some(arena));
        Some(arena)
    }

    /// Runs `f` on the arena if `address` is in it.
    fn in_arena<T>(&self, address: *mut u8, f: impl FnOnce(&mut Arena) -> T) -> Option<T> {
        let mut arena = self.arena()?;
        if !arena.contains(address as usize) {
            return None;
        }
        let result = f(&mut arena);
        self.arena.set(Some(arena));
        Some(result)
    }

    /// A block of `layout` cut from the arena, if it is small and the arena has room.
    fn cut(&self, layout: Layout) -> Option<*mut u8> {
        if layout.size() > SMALL {
            return None;
        }
        let mut arena = self.arena()?;
        let block = arena.cut(layout.size(), layout.align())?;
        self.arena.set(Some(arena));
        Some(block as *mut u8)
    }

    /// dlmalloc. Dereference it only for the length of one of its calls: one thread (see
    /// `Sync` above), and no call of it reenters the allocator.
    fn dlmalloc(&self) -> *mut dlmalloc::Dlmalloc<Memory> {
        self.dlmalloc.get()
    }
}

// SAFETY: arena blocks are disjoint (the cursor only moves past a block while it is live, and
// back over it only when it is freed or regrown as the latest), aligned as asked, and never
// handed to dlmalloc; every other block is dlmalloc's, and each method passes its contract on
// to dlmalloc's method of the same name.
unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match self.cut(layout) {
            Some(block) => block,
            None => unsafe { (*self.dlmalloc()).malloc(layout.size(), layout.align()) },
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match self.cut(layout) {
            Some(block) => {
                // An arena block may reuse bytes given back by an earlier one.
                unsafe { core::ptr::write_bytes(block, 0, layout.size()) };
                block
            }
            None => unsafe { (*self.dlmalloc()).calloc(layout.size(), layout.align()) },
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let size = layout.size();
        if self
            .in_arena(ptr, |arena| arena.give_back(ptr as usize, size))
            .is_none()
        {
            unsafe { (*self.dlmalloc()).free(ptr, size, layout.align()) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let size = layout.size();
        match self.in_arena(ptr, |arena| arena.regrow(ptr as usize, size, new_size)) {
            None => return unsafe { (*self.dlmalloc()).realloc(ptr, size, layout.align(), new_size) },
            // The latest block grows or shrinks in place while it fits in the arena.
            Some(true) => return ptr,
            Some(false) => {}
        }
        // SAFETY: `new_size` with the block's alignment is a valid layout (the caller's
        // contract), and the two blocks are distinct allocations.
        unsafe {
            let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
            let new = self.alloc(new_layout);
            if !new.is_null() {
                core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}
