//! The module's allocator: dlmalloc (what std uses on wasm32) with a 4 MiB growth step.
//!
//! std's allocator grows wasm memory 64 KiB at a time, and each `memory.grow` costs about a
//! millisecond in V8 (measured in Node: 6,000 grows of 64 KiB took 4.0 s, 93 grows of 4 MiB to
//! the same size 23 ms). Converting a 19 MB chat needs ~200 MB, so the first conversion in a
//! page took 6–11 s and the next ones 0.4 s; with this step the first is as fast as the rest.
//! Untouched pages of wasm memory are not resident, so the larger step costs address space,
//! not RAM. (lol_alloc's free list was tried and dropped: it walks the whole list on every
//! free, which made the same conversion take 70 s.)

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;

/// How much memory one `memory.grow` adds at least (a power of two, as dlmalloc requires).
const GROWTH_STEP: usize = 4 << 20;

struct Heap(UnsafeCell<dlmalloc::Dlmalloc>);

// SAFETY: the module runs on one thread (no wasm threads, no shared memory), so the allocator is
// never entered twice at once.
unsafe impl Sync for Heap {}

#[global_allocator]
static HEAP: Heap = Heap(UnsafeCell::new(const {
    let mut a = dlmalloc::Dlmalloc::new();
    assert!(a.set_granularity(GROWTH_STEP));
    a
}));

// SAFETY: each method forwards to dlmalloc with the same layout contract GlobalAlloc gives.
unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        (*self.0.get()).malloc(layout.size(), layout.align())
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        (*self.0.get()).calloc(layout.size(), layout.align())
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        (*self.0.get()).free(ptr, layout.size(), layout.align())
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        (*self.0.get()).realloc(ptr, layout.size(), layout.align(), new_size)
    }
}
