//! The module's global allocator: [`crate::heap::Heap`] over wasm `memory.grow`.
//!
//! It was dlmalloc (what std uses on wasm32) with a 4 MiB growth step; the crate's own heap does
//! the same job in a fraction of the code (see its docs for the design and why each part is
//! there). The growth step matters: each `memory.grow` costs V8 about a millisecond (6,000 grows
//! of 64 KiB took 4.0 s in Node, 93 grows of 4 MiB 23 ms), and converting a 19 MB chat needs
//! ~200 MB. Untouched pages of wasm memory are not resident, so the step costs address space,
//! not RAM.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;

use crate::heap::{Grow, Heap, PAGE};

/// Wasm memory 0, grown at its end.
struct WasmMemory;

impl Grow for WasmMemory {
    fn grow(&mut self, pages: usize) -> Option<usize> {
        // `memory.grow` returns the old size in pages (the new pages start there), or
        // `usize::MAX` when the engine refuses.
        let old = core::arch::wasm32::memory_grow(0, pages);
        (old != usize::MAX).then(|| old * PAGE)
    }
}

struct Global(UnsafeCell<Heap<WasmMemory>>);

// SAFETY: the module runs on one thread (no wasm threads, no shared memory), so the allocator is
// never entered twice at once.
unsafe impl Sync for Global {}

#[global_allocator]
static HEAP: Global = Global(UnsafeCell::new(Heap::new(WasmMemory)));

// SAFETY: each method forwards to the heap with the layout contract GlobalAlloc gives (align a
// power of two; dealloc and realloc with the layout the block was allocated with).
unsafe impl GlobalAlloc for Global {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        (*self.0.get()).alloc(layout.size(), layout.align())
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        (*self.0.get()).alloc_zeroed(layout.size(), layout.align())
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        (*self.0.get()).dealloc(ptr, layout.size(), layout.align())
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        (*self.0.get()).realloc(ptr, layout.size(), layout.align(), new_size)
    }
}
