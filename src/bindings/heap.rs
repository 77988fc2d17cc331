//! The module's allocator: talc, growing wasm memory 4 MiB at a time.
//!
//! std's allocator grows wasm memory 64 KiB at a time, and each `memory.grow` costs about a
//! millisecond in V8 (measured in Node: 6,000 grows of 64 KiB took 4.0 s, 93 grows of 4 MiB to
//! the same size 23 ms). Converting a 19 MB chat needs ~200 MB, so the first conversion in a
//! page took 6–11 s and the next ones 0.4 s; with this step the first is as fast as the rest.
//! Untouched pages of wasm memory are not resident, so the larger step costs address space,
//! not RAM. (lol_alloc's free list was tried and dropped: it walks the whole list on every
//! free, which made the same conversion take 70 s.)
//!
//! talc (boundary tags, binned free lists, O(1) free and coalescing, like dlmalloc) replaced
//! dlmalloc 0.2.14 with the same 4 MiB step: 2.3 KB less gzip in the main entry and 2.1 KB in
//! talk-uploader/validate, as fast on benches/validate.bench.mjs's 21 MB chat (Uint8Array 2.25x the
//! JSON.parse+ajv baseline against 1.94x, in one noisy run each), and no more memory: 48.6 MiB
//! after that bench against 53.1; in Node, an 18 MB chat to Vela, a 20 MB labelbox-import of
//! zeros and a validation, four rounds in one instance, plateau at 336 MiB against 345.

use core::alloc::Layout;
use core::ptr::NonNull;

use talc::base::binning::Binning;
use talc::base::{Talc, CHUNK_UNIT};
use talc::cell::TalcSyncCell;
use talc::source::Source;
use talc::wasm::WasmBinning;

/// How much memory one `memory.grow` adds at least.
const GROWTH_STEP: usize = 4 << 20;
const PAGE: usize = 64 << 10;

/// Grows wasm memory by at least [`GROWTH_STEP`], extending the one heap when the new pages
/// follow it (they always do: nothing else grows the memory).
#[derive(Debug)]
struct Grow {
    end: Option<NonNull<u8>>,
}

// SAFETY: `acquire` never allocates; it only grows memory and hands it to talc.
unsafe impl Source for Grow {
    fn acquire<B: Binning>(talc: &mut Talc<Self, B>, layout: Layout) -> Result<(), ()> {
        let need = layout.size().saturating_add(layout.align()).saturating_add(8 * CHUNK_UNIT);
        let pages = need.div_ceil(PAGE).max(GROWTH_STEP / PAGE);
        let prev = core::arch::wasm32::memory_grow::<0>(pages);
        if prev == usize::MAX {
            return Err(());
        }
        let base = (prev * PAGE) as *mut u8;
        let new_end = base.wrapping_add(pages * PAGE);
        if let Some(old_end) = talc.source.end.take() {
            if old_end.as_ptr() == base {
                // SAFETY: the pages just grown start where the heap ends.
                talc.source.end = Some(unsafe { talc.extend(old_end, new_end) });
                return Ok(());
            }
        }
        // SAFETY: fresh pages nobody else uses.
        talc.source.end = unsafe { talc.claim(base, pages * PAGE) };
        Ok(())
    }
}

#[global_allocator]
static HEAP: TalcSyncCell<Grow, WasmBinning> = TalcSyncCell::new_wasm(Grow { end: None });
