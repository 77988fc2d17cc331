//! The wasm module's memory allocator: size classes for small blocks, an address-ordered free
//! list for large ones, memory grown 4 MiB at a time.
//!
//! It replaces dlmalloc (what std links on wasm32) for size: about 6 KB of wasm for dlmalloc,
//! a fraction of that here. The module's allocations are of two kinds, and each gets a simple
//! structure that stays fast on the 20 MB inputs:
//!
//! - **small** (up to [`MAX_SMALL`] bytes, alignment included): rounded up to a power of two,
//!   from 16 B to 32 KiB. Each class carves 64 KiB slabs into blocks and keeps the freed ones in
//!   its own LIFO list: allocation and free are O(1). A block's size is its class, so a
//!   reallocation within the class does nothing. Slabs are never returned: what a class once
//!   held, it keeps for its own sizes.
//! - **large** (more): a whole number of 64 KiB pages, page-aligned. Free large blocks sit in a
//!   list ordered by address and are merged with their free neighbours, and a block freed at
//!   the top of the heap lowers the top instead. First fit, splitting what is left. A block at
//!   the top grows in place, so the one growing buffer of a parse or a conversion (its node
//!   array, its output) is never copied; a block followed by a free one grows into it.
//!
//! There are few large blocks (each is at least 64 KiB), so walking their list is cheap; the
//! many small blocks are never walked (lol_alloc's single free list was: 70 s to convert a 19 MB
//! chat).
//!
//! Memory comes from a [`Grow`] source (wasm `memory.grow` in the module, a test arena in native
//! tests), at least [`GROWTH_STEP`] at a time: each `memory.grow` costs V8 about a millisecond,
//! and a 19 MB conversion needs ~200 MB. Fresh memory is zero, and the heap remembers how far
//! it has handed memory out, so [`Heap::alloc_zeroed`] writes zeros only over reused memory.
//!
//! Addresses are `usize`s; the free lists are kept inside the free blocks themselves. All of it
//! runs on the module's one thread (the caller serialises access).

/// The page size, and the unit of large blocks and slabs.
pub const PAGE: usize = 64 * 1024;
/// The largest small block (its class).
pub const MAX_SMALL: usize = 32 * 1024;
/// The least memory asked of the [`Grow`] source at once.
pub const GROWTH_STEP: usize = 4 << 20;

/// log2 of the smallest class (16 B: a free block holds one link, and 16 is the most any of
/// the module's types needs to be aligned to).
const MIN_SHIFT: u32 = 4;
/// The number of small classes: 16 B, 32 B, ..., 32 KiB.
const CLASSES: usize = (MAX_SMALL.trailing_zeros() - MIN_SHIFT + 1) as usize;

/// Where memory comes from.
pub trait Grow {
    /// Adds `pages` pages of zeroed memory and returns the address of the first, or `None`
    /// when there is no more. Successive regions are usually contiguous, but need not be.
    fn grow(&mut self, pages: usize) -> Option<usize>;
}

/// The allocator's state. See the module docs.
pub struct Heap<G> {
    source: G,
    /// The next unused address of the current region (page-aligned), and its end.
    top: usize,
    end: usize,
    /// Everything at or above this address in the current region has never been handed out.
    clean: usize,
    /// Per class: the head of its free list (0 when empty), and the part of its newest slab not
    /// yet carved (`next..limit`).
    free: [usize; CLASSES],
    carve: [(usize, usize); CLASSES],
    /// The head of the address-ordered list of free large blocks (0 when empty).
    large: usize,
}

/// The class of a small request, or `None` for a large one.
fn class_of(size: usize, align: usize) -> Option<usize> {
    let need = size.max(align).max(1 << MIN_SHIFT);
    if need > MAX_SMALL {
        return None;
    }
    let shift = usize::BITS - (need - 1).leading_zeros();
    Some((shift - MIN_SHIFT) as usize)
}

/// The bytes of a block of class `c`.
fn class_size(c: usize) -> usize {
    1 << (c as u32 + MIN_SHIFT)
}

/// `size` rounded up to whole pages (one at least), `None` on overflow.
fn pages_for(size: usize) -> Option<usize> {
    Some(size.max(1).checked_add(PAGE - 1)? & !(PAGE - 1))
}

// A free large block starts with two words: its size in bytes and the next free block's
// address (0 at the end of the list).
unsafe fn node_size(at: usize) -> usize {
    *(at as *const usize)
}
unsafe fn node_next(at: usize) -> usize {
    *((at + core::mem::size_of::<usize>()) as *const usize)
}
unsafe fn set_node(at: usize, size: usize, next: usize) {
    *(at as *mut usize) = size;
    *((at + core::mem::size_of::<usize>()) as *mut usize) = next;
}
/// Links `at` to `next`: the predecessor's link, or the list head when `prev` is 0.
unsafe fn link(head: &mut usize, prev: usize, next: usize) {
    if prev == 0 {
        *head = next;
    } else {
        set_node(prev, node_size(prev), next);
    }
}

impl<G: Grow> Heap<G> {
    /// An empty heap drawing on `source`.
    pub const fn new(source: G) -> Self {
        Heap { source, top: 0, end: 0, clean: 0, free: [0; CLASSES], carve: [(0, 0); CLASSES], large: 0 }
    }

    /// A block of at least `size` bytes aligned to `align` (a power of two), or null.
    ///
    /// # Safety
    /// The heap's memory is only ever touched through this heap; `align` is a power of two.
    pub unsafe fn alloc(&mut self, size: usize, align: usize) -> *mut u8 {
        match class_of(size, align) {
            Some(c) => self.alloc_small(c),
            None if align <= PAGE => match pages_for(size) {
                Some(n) => self.alloc_large(n),
                None => core::ptr::null_mut(),
            },
            None => core::ptr::null_mut(),
        }
    }

    /// [`Heap::alloc`], with the block's bytes zero.
    ///
    /// # Safety
    /// As [`Heap::alloc`].
    pub unsafe fn alloc_zeroed(&mut self, size: usize, align: usize) -> *mut u8 {
        let clean_before = self.clean;
        let p = self.alloc(size, align);
        if !p.is_null() {
            // Memory at or above the old clean mark (in this region) was never handed out.
            let start = p as usize;
            let dirty = if start >= clean_before && start < self.end { 0 } else { size };
            core::ptr::write_bytes(p, 0, dirty);
        }
        p
    }

    /// Frees a block that [`Heap::alloc`] returned for this `size` and `align`.
    ///
    /// # Safety
    /// `ptr` came from this heap with the same `size` and `align`, and is not used again.
    pub unsafe fn dealloc(&mut self, ptr: *mut u8, size: usize, align: usize) {
        match class_of(size, align) {
            Some(c) => {
                *(ptr as *mut usize) = self.free[c];
                self.free[c] = ptr as usize;
            }
            None => {
                if let Some(n) = pages_for(size) {
                    self.free_large(ptr as usize, n);
                }
            }
        }
    }

    /// Resizes a block to `new_size` bytes, keeping its contents up to the smaller size; null
    /// when there is no memory (the old block is then untouched).
    ///
    /// # Safety
    /// As [`Heap::dealloc`] for `ptr`, `size` and `align`.
    pub unsafe fn realloc(&mut self, ptr: *mut u8, size: usize, align: usize, new_size: usize) -> *mut u8 {
        let at = ptr as usize;
        match (class_of(size, align), class_of(new_size, align)) {
            (Some(a), Some(b)) if a == b => return ptr,
            (None, None) => {
                if let (Some(old), Some(new)) = (pages_for(size), pages_for(new_size)) {
                    if new <= old {
                        if new < old {
                            self.free_large(at + new, old - new);
                        }
                        return ptr;
                    }
                    if self.grow_in_place(at, old, new) {
                        return ptr;
                    }
                }
            }
            _ => {}
        }
        let p = self.alloc(new_size, align);
        if !p.is_null() {
            core::ptr::copy_nonoverlapping(ptr, p, size.min(new_size));
            self.dealloc(ptr, size, align);
        }
        p
    }

    unsafe fn alloc_small(&mut self, c: usize) -> *mut u8 {
        let head = self.free[c];
        if head != 0 {
            self.free[c] = *(head as *const usize);
            return head as *mut u8;
        }
        let (mut next, mut limit) = self.carve[c];
        if next == limit {
            let slab = self.alloc_large(PAGE);
            if slab.is_null() {
                return slab;
            }
            (next, limit) = (slab as usize, slab as usize + PAGE);
        }
        self.carve[c] = (next + class_size(c), limit);
        next as *mut u8
    }

    /// `n` bytes (whole pages): the first free block that fits, else from the top.
    unsafe fn alloc_large(&mut self, n: usize) -> *mut u8 {
        let (mut prev, mut at) = (0, self.large);
        while at != 0 {
            let (size, next) = (node_size(at), node_next(at));
            if size >= n {
                if size == n {
                    link(&mut self.large, prev, next);
                } else {
                    // The rest stays where it is, so the list stays in address order.
                    set_node(at + n, size - n, next);
                    link(&mut self.large, prev, at + n);
                }
                return at as *mut u8;
            }
            (prev, at) = (at, next);
        }
        if !self.reserve(n) {
            return core::ptr::null_mut();
        }
        let p = self.top;
        self.top += n;
        self.clean = self.clean.max(self.top);
        p as *mut u8
    }

    /// Makes `top..top + n` available, growing the source when needed.
    unsafe fn reserve(&mut self, n: usize) -> bool {
        let mut want = n - (self.end - self.top).min(n);
        while self.end - self.top < n {
            let Some(pages) = pages_for(want.max(GROWTH_STEP)).map(|b| b / PAGE) else { return false };
            let Some(base) = self.source.grow(pages) else { return false };
            if base != self.end {
                // Not contiguous: what is left of the old region becomes a free block, and the
                // new region must hold all `n` bytes (so this ends after a third grow at most).
                if self.end > self.top {
                    self.free_large(self.top, self.end - self.top);
                }
                self.top = base;
                self.clean = base;
                want = n;
            }
            self.end = base + pages * PAGE;
        }
        true
    }

    /// Returns `n` bytes at `at` to the large free list (or to the top).
    unsafe fn free_large(&mut self, at: usize, n: usize) {
        // The neighbours in address order, and the block before the previous one.
        let (mut before, mut prev, mut next) = (0, 0, self.large);
        while next != 0 && next < at {
            (before, prev, next) = (prev, next, node_next(next));
        }
        let (mut start, mut size) = (at, n);
        // Merged with the previous free block when it ends here: that block's place is taken.
        if prev != 0 && prev + node_size(prev) == at {
            start = prev;
            size += node_size(prev);
            prev = before;
        }
        // Merged with the next one when this ends where it starts.
        if next != 0 && at + n == next {
            size += node_size(next);
            next = node_next(next);
        }
        if start + size == self.top {
            // At the top: lower it instead of listing the block.
            self.top = start;
            link(&mut self.large, prev, next);
        } else {
            set_node(start, size, next);
            link(&mut self.large, prev, start);
        }
    }

    /// Grows the large block `at` from `old` to `new` bytes without moving it: at the top, or
    /// into a free block right after it.
    unsafe fn grow_in_place(&mut self, at: usize, old: usize, new: usize) -> bool {
        let more = new - old;
        if at + old == self.top {
            if !self.reserve(more) || self.top != at + old {
                return false;
            }
            self.top += more;
            self.clean = self.clean.max(self.top);
            return true;
        }
        let (mut prev, mut cur) = (0, self.large);
        while cur != 0 && cur < at + old {
            (prev, cur) = (cur, node_next(cur));
        }
        if cur != at + old || node_size(cur) < more {
            return false;
        }
        let (size, next) = (node_size(cur), node_next(cur));
        if size == more {
            link(&mut self.large, prev, next);
        } else {
            set_node(cur + more, size - more, next);
            link(&mut self.large, prev, cur + more);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::alloc::{alloc_zeroed, dealloc, Layout};

    /// A zeroed arena handed out in pages, like wasm memory.
    struct Arena {
        base: usize,
        used: usize,
        cap: usize,
        layout: Layout,
        /// When set, each grow skips a page first (a non-contiguous region).
        gaps: bool,
    }

    impl Arena {
        fn new(cap: usize, gaps: bool) -> Arena {
            let layout = Layout::from_size_align(cap, PAGE).unwrap();
            let base = unsafe { alloc_zeroed(layout) } as usize;
            assert_ne!(base, 0);
            Arena { base, used: 0, cap, layout, gaps }
        }
    }

    impl Drop for Arena {
        fn drop(&mut self) {
            unsafe { dealloc(self.base as *mut u8, self.layout) }
        }
    }

    impl Grow for &mut Arena {
        fn grow(&mut self, pages: usize) -> Option<usize> {
            let skip = if self.gaps { PAGE } else { 0 };
            let bytes = pages * PAGE + skip;
            if self.used + bytes > self.cap {
                return None;
            }
            let at = self.base + self.used + skip;
            self.used += bytes;
            Some(at)
        }
    }

    fn fill(p: *mut u8, n: usize, byte: u8) {
        unsafe { core::ptr::write_bytes(p, byte, n) }
    }

    fn check(p: *mut u8, n: usize, byte: u8) -> bool {
        // A slice comparison (memcmp), not a byte loop: these tests run unoptimised.
        unsafe { core::slice::from_raw_parts(p, n) == vec![byte; n].as_slice() }
    }

    #[test]
    fn classes() {
        assert_eq!(class_of(0, 1), Some(0));
        assert_eq!(class_of(16, 1), Some(0));
        assert_eq!(class_of(17, 1), Some(1));
        assert_eq!(class_of(3, 64), Some(2));
        assert_eq!(class_of(MAX_SMALL, 8), Some(CLASSES - 1));
        assert_eq!(class_of(MAX_SMALL + 1, 8), None);
        assert_eq!(class_size(CLASSES - 1), MAX_SMALL);
    }

    #[test]
    fn small_blocks_are_aligned_reused_and_kept_apart() {
        let mut arena = Arena::new(64 << 20, false);
        let mut h = Heap::new(&mut arena);
        unsafe {
            let a = h.alloc(24, 8);
            let b = h.alloc(24, 8);
            assert_eq!(a as usize % 32, 0);
            assert_eq!(b as usize - a as usize, 32);
            fill(a, 24, 1);
            fill(b, 24, 2);
            h.dealloc(a, 24, 8);
            assert_eq!(h.alloc(30, 4), a, "the freed block of the class comes back first");
            assert!(check(b, 24, 2));
            let big_align = h.alloc(8, 4096);
            assert_eq!(big_align as usize % 4096, 0);
            // Within a class, realloc keeps the block.
            assert_eq!(h.realloc(b, 24, 8, 32), b);
            let moved = h.realloc(b, 24, 8, 100);
            assert_ne!(moved, b);
            assert!(check(moved, 24, 2));
        }
    }

    #[test]
    fn a_growing_buffer_at_the_top_never_moves() {
        let mut arena = Arena::new(256 << 20, false);
        let mut h = Heap::new(&mut arena);
        unsafe {
            let mut size = MAX_SMALL + 1;
            let p = h.alloc(size, 8);
            fill(p, size, 7);
            while size < 100 << 20 {
                let q = h.realloc(p, size, 8, size * 2);
                assert_eq!(q, p);
                size *= 2;
            }
            assert!(check(p, MAX_SMALL + 1, 7));
            h.dealloc(p, size, 8);
            assert_eq!(h.top, p as usize, "freeing the top block lowers the top");
        }
    }

    #[test]
    fn freed_large_blocks_merge_and_are_reused() {
        let mut arena = Arena::new(64 << 20, false);
        let mut h = Heap::new(&mut arena);
        unsafe {
            let blocks: Vec<*mut u8> = (0..6).map(|_| h.alloc(PAGE, 8)).collect();
            let guard = h.alloc(PAGE, 8); // keeps the others off the top
            for w in blocks.windows(2) {
                assert_eq!(w[1] as usize - w[0] as usize, PAGE);
            }
            // Free 1, 3, 2: they merge into one block of three pages.
            for i in [1, 3, 2] {
                h.dealloc(blocks[i], PAGE, 8);
            }
            assert_eq!(node_size(h.large), 3 * PAGE);
            assert_eq!(node_next(h.large), 0);
            // A two-page block fits at its start; the page left stays listed.
            let two = h.alloc(2 * PAGE, 8);
            assert_eq!(two, blocks[1]);
            assert_eq!(h.large, blocks[3] as usize);
            // Growing `two` into the free page right after it.
            assert_eq!(h.realloc(two, 2 * PAGE, 8, 3 * PAGE), two);
            assert_eq!(h.large, 0);
            h.dealloc(guard, PAGE, 8);
            let _ = h.alloc(1, 1);
        }
    }

    #[test]
    fn zeroed_blocks_are_zero_even_when_reused() {
        let mut arena = Arena::new(64 << 20, false);
        let mut h = Heap::new(&mut arena);
        unsafe {
            for size in [40, 5000, 200_000] {
                let p = h.alloc(size, 8);
                fill(p, size, 0xAB);
                h.dealloc(p, size, 8);
                let z = h.alloc_zeroed(size, 8);
                assert!(check(z, size, 0), "size {size}");
            }
        }
    }

    #[test]
    fn out_of_memory_is_null_and_leaves_the_heap_usable() {
        let mut arena = Arena::new(8 << 20, false);
        let mut h = Heap::new(&mut arena);
        unsafe {
            let a = h.alloc(1 << 20, 8);
            assert!(!a.is_null());
            assert!(h.alloc(16 << 20, 8).is_null());
            assert!(h.realloc(a, 1 << 20, 8, 64 << 20).is_null());
            fill(a, 1 << 20, 3);
            assert!(check(a, 1 << 20, 3));
            assert!(h.alloc(usize::MAX - 10, 8).is_null());
            assert!(h.alloc(PAGE * 2, PAGE * 2).is_null(), "more than page alignment is refused");
            assert!(!h.alloc(100, 8).is_null());
        }
    }

    #[test]
    fn a_region_that_is_not_contiguous_still_holds_the_request() {
        let mut arena = Arena::new(64 << 20, true);
        let mut h = Heap::new(&mut arena);
        unsafe {
            let a = h.alloc(1 << 20, 8);
            fill(a, 1 << 20, 1);
            // More than the 3 MiB left: the next region (after a gap) must hold all 7 MiB.
            let b = h.alloc(7 << 20, 8);
            assert!(!b.is_null());
            fill(b, 7 << 20, 2);
            assert!(check(a, 1 << 20, 1));
            // The 3 MiB left behind in the first region is a free block, used next.
            assert_eq!(h.alloc(2 << 20, 8) as usize, a as usize + (1 << 20));
        }
    }

    /// Random allocations, reallocations and frees, each block filled with its own byte and
    /// checked before it goes: no block ever overlaps another, whatever the order, with
    /// contiguous and non-contiguous regions.
    #[test]
    fn random_workload_keeps_every_block_intact() {
        for gaps in [false, true] {
            let mut arena = Arena::new(512 << 20, gaps);
            let mut h = Heap::new(&mut arena);
            let mut seed = 0x9E37_79B9_7F4A_7C15u64;
            let mut rnd = move |n: u64| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed % n
            };
            let mut live: Vec<(*mut u8, usize, usize, u8)> = Vec::new();
            for step in 0..8_000u32 {
                let tag = (step % 251) as u8;
                match rnd(10) {
                    0..=3 => {
                        let size = match rnd(10) {
                            0 => rnd(3 << 20) as usize,
                            1..=2 => rnd(100_000) as usize,
                            _ => rnd(600) as usize,
                        };
                        let align = 1 << rnd(6);
                        let p = unsafe { h.alloc(size, align) };
                        assert!(!p.is_null(), "step {step}: out of memory with {} bytes live", live.iter().map(|l| l.1).sum::<usize>());
                        assert_eq!(p as usize % align, 0);
                        fill(p, size, tag);
                        live.push((p, size, align, tag));
                    }
                    4..=7 if !live.is_empty() => {
                        let (p, size, align, t) = live.swap_remove(rnd(live.len() as u64) as usize);
                        assert!(check(p, size, t), "step {step}: a block was overwritten");
                        unsafe { h.dealloc(p, size, align) };
                    }
                    _ if !live.is_empty() => {
                        let i = rnd(live.len() as u64) as usize;
                        let (p, size, align, t) = live[i];
                        let new = if rnd(2) == 0 || size > 4 << 20 { size / 2 } else { size * 2 + rnd(70_000) as usize };
                        let q = unsafe { h.realloc(p, size, align, new) };
                        assert!(!q.is_null(), "step {step}: out of memory with {} bytes live", live.iter().map(|l| l.1).sum::<usize>());
                        assert!(check(q, size.min(new), t), "step {step}: realloc lost bytes");
                        fill(q, new, tag);
                        live[i] = (q, new, align, tag);
                    }
                    _ => {}
                }
            }
            for (p, size, align, t) in live.drain(..) {
                assert!(check(p, size, t));
                unsafe { h.dealloc(p, size, align) };
            }
        }
    }
}
