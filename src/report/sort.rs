//! The crate's one sort: a heapsort written once, over a trait object, so that every element
//! type sorted in the core shares one copy of it. Each `sort`/`sort_unstable` instantiation of
//! the standard library links its own driftsort or ipnsort (small-sort networks, partitions,
//! merges: about 4.5 KB of wasm for one element type); this is a few hundred bytes for all of
//! them. Heapsort is O(n log n) whatever the input, and needs no buffer.
//!
//! It is not stable: callers that need a stable order sort keys that are all distinct, such as
//! `(key, original index)`, which gives the same order a stable sort by key would.
//!
//! ```
//! let mut v = vec![(3u64, "c"), (1, "a"), (2, "b"), (1, "0")];
//! talk_uploader::report::sort::sort(&mut v);
//! assert_eq!(v, [(1, "0"), (1, "a"), (2, "b"), (3, "c")]);
//! ```

/// A sequence that can be sorted in place by position: `less` compares the items at `a` and `b`,
/// `swap` exchanges them. Positions passed are always below the length given to [`heapsort`].
pub trait Order {
    /// `true` when the item at `a` sorts before the item at `b`.
    fn less(&self, a: usize, b: usize) -> bool;
    /// Exchanges the items at `a` and `b`.
    fn swap(&mut self, a: usize, b: usize);
}

/// A slice of `Ord` items as an [`Order`] (a slice itself cannot become a trait object).
struct Slice<'a, T>(&'a mut [T]);

impl<T: Ord> Order for Slice<'_, T> {
    fn less(&self, a: usize, b: usize) -> bool {
        self.0.get(a) < self.0.get(b)
    }

    fn swap(&mut self, a: usize, b: usize) {
        // Always true (see Order); checked so that no panic path is linked.
        if a < self.0.len() && b < self.0.len() {
            self.0.swap(a, b)
        }
    }
}

/// Sorts the first `n` items of `v` (ascending by [`Order::less`]).
pub fn heapsort(v: &mut dyn Order, n: usize) {
    // Build a max-heap (start counts down the parents), then move its top behind the heap (end
    // counts down), sifting the new root down each time.
    let (mut start, mut end) = (n / 2, n);
    loop {
        if start > 0 {
            start -= 1;
        } else if end > 1 {
            end -= 1;
            v.swap(0, end);
        } else {
            return;
        }
        let mut node = start;
        loop {
            let mut child = 2 * node + 1;
            if child >= end {
                break;
            }
            if child + 1 < end && v.less(child, child + 1) {
                child += 1;
            }
            if !v.less(node, child) {
                break;
            }
            v.swap(node, child);
            node = child;
        }
    }
}

/// Sorts `v` ascending (not stable: equal items may change places). Each element type adds its
/// own `less` and `swap` (a few hundred bytes): the core sorts `u64` (pairs of `u32` packed by
/// [`pack`]) and `(&str, usize)` only.
pub fn sort<T: Ord>(v: &mut [T]) {
    let n = v.len();
    heapsort(&mut Slice(v), n);
}

/// `(a, b)` as one `u64` that sorts as the pair does.
pub fn pack(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// The pair [`pack`] made.
pub fn unpack(p: u64) -> (u32, u32) {
    ((p >> 32) as u32, p as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_the_standard_sort() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for len in 0..200usize {
            let mut v: Vec<u64> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed % (len as u64 / 2 + 1)
                })
                .collect();
            let mut want = v.clone();
            want.sort();
            sort(&mut v);
            assert_eq!(v, want, "length {len}");
        }
        let mut rev: Vec<u32> = (0..1000).rev().collect();
        sort(&mut rev);
        assert!(rev.iter().copied().eq(0..1000));
    }

    #[test]
    fn packed_pairs_sort_as_pairs() {
        let pairs = [(3u32, 1u32), (1, 7), (1, 2), (u32::MAX, 0), (0, u32::MAX)];
        let mut v: Vec<u64> = pairs.iter().map(|&(a, b)| pack(a, b)).collect();
        sort(&mut v);
        let back: Vec<(u32, u32)> = v.into_iter().map(unpack).collect();
        assert_eq!(back, [(0, u32::MAX), (1, 2), (1, 7), (3, 1), (u32::MAX, 0)]);
    }

    #[test]
    fn distinct_tie_breaks_give_the_stable_order() {
        let keys = ["b", "a", "b", "c", "a", "b"];
        let mut v: Vec<(&str, usize)> = keys.iter().copied().zip(0..).collect();
        sort(&mut v);
        assert_eq!(v, [("a", 1), ("a", 4), ("b", 0), ("b", 2), ("b", 5), ("c", 3)]);
    }
}
