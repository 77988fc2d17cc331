//! Duplicate keys: each object's keys are looked up in one hashed table when the parser closes it.

use super::diagnose::key_bytes;
use super::parser::Parser;
use super::tree::same;
use crate::report::sort;

impl Parser<'_> {
    /// Records that key node `dup` repeats key node `first` (or only counts it past the cap).
    fn dup(&mut self, dup: u32, first: u32) {
        if self.dups.len() < self.dups_cap {
            self.dups.push(sort::pack(dup, first));
        } else {
            self.dups_over += 1;
        }
    }

    /// One open-addressing table of key node indices (4 bytes a slot, at least twice the
    /// members), hashed on the unescaped key: memory is linear in the members, nothing is
    /// allocated for keys without escapes, and objects of up to 16 members (nearly all) use a
    /// table on the stack. (A separate pairwise path for small objects was 0.4 KB of wasm.)
    pub(super) fn find_duplicates(&mut self, obj: u32, end: u32) {
        let members = self.nodes.get(obj as usize).map_or(0, |n| n.len as usize);
        let slots = (members.max(1) * 2).next_power_of_two();
        let mask = slots - 1;
        // A slot holds a key node index + 1 (node 0 is never a key), 0 when empty: a zeroed
        // table is `alloc_zeroed`, not a fill loop of its own.
        let mut small = [0u32; 32];
        let on_stack = slots <= small.len();
        let mut big;
        let table: &mut [u32] = match small.get_mut(..slots) {
            Some(t) => t,
            None => {
                big = vec![0u32; slots];
                &mut big
            }
        };
        let hasher = KeyHasher::new();
        let mut c = obj + 1;
        while c < end {
            let text = key_bytes(self.b, &self.nodes, c, usize::MAX);
            // A table on the stack holds at most 16 keys, so collisions cost little there: the
            // length and the last byte spread chat keys well, and cost nothing to compute.
            let h = if on_stack { text.len().wrapping_mul(31) ^ usize::from(text.last().copied().unwrap_or(0)) } else { hasher.hash(&text) as usize };
            let mut slot = h & mask;
            loop {
                match table.get(slot).copied() {
                    Some(0) | None => {
                        if let Some(s) = table.get_mut(slot) {
                            *s = c + 1;
                        }
                        break;
                    }
                    Some(other) if same(&key_bytes(self.b, &self.nodes, other - 1, usize::MAX), &text) => {
                        self.dup(c, other - 1);
                        break;
                    }
                    Some(_) => slot = (slot + 1) & mask,
                }
            }
            c = self.nodes.get(c as usize + 1).map_or(end, |n| n.next.max(c + 2));
        }
    }
}

/// The duplicate-key table's hash. Natively, SipHash with random keys: a crafted set of
/// colliding keys must not make the table quadratic. wasm32-unknown-unknown has no random
/// source: std's `RandomState` there seeds SipHash from two addresses, the same on every run, so
/// it protected nothing and cost the module about 1.5 KB (SipHash, the thread-local keys); there
/// a plain multiply-and-rotate hash does the same job.
struct KeyHasher(#[cfg(not(target_arch = "wasm32"))] std::collections::hash_map::RandomState);

impl KeyHasher {
    fn new() -> KeyHasher {
        KeyHasher(
            #[cfg(not(target_arch = "wasm32"))]
            std::collections::hash_map::RandomState::new(),
        )
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn hash(&self, bytes: &[u8]) -> u64 {
        use std::hash::BuildHasher;
        self.0.hash_one(bytes)
    }

    #[cfg(target_arch = "wasm32")]
    fn hash(&self, bytes: &[u8]) -> u64 {
        mix_hash(bytes)
    }
}

/// [`KeyHasher`]'s hash on wasm: eight bytes at a time, with a final mix so that the low bits
/// (the table uses those) depend on every byte. Compiled everywhere, so that its unit test runs.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn mix_hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517C_C1B7_2722_0A95;
    let mut h = bytes.len() as u64;
    // Eight bytes at a time through `word` (one load; `copy_from_slice` links a length check
    // that can never fail, and its panic location).
    let mut i = 0;
    while let Some(w) = super::scan::word(bytes, i) {
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
        i += 8;
    }
    for &b in bytes.get(i..).unwrap_or(&[]) {
        h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
    }
    h ^= h >> 29;
    h = h.wrapping_mul(K);
    h ^ (h >> 32)
}

#[cfg(test)]
mod hash_tests {
    use super::mix_hash;

    /// Keys that differ in one character (`key0` … `key9999`, a wide object's usual shape) spread
    /// over the low bits the table uses: no slot of 2^15 holds more than a few of them.
    #[test]
    fn similar_keys_spread_over_the_low_bits() {
        let mask = (1u64 << 15) - 1;
        let mut counts = vec![0u32; 1 << 15];
        for i in 0..10_000 {
            for key in [format!("key{i}"), format!("a_rather_long_common_prefix_{i}"), format!("{i}")] {
                counts[(mix_hash(key.as_bytes()) & mask) as usize] += 1;
            }
        }
        assert!(counts.iter().all(|&c| c <= 8), "max {}", counts.iter().max().unwrap());
        assert_eq!(mix_hash(b"same"), mix_hash(b"same"));
        assert_ne!(mix_hash(b""), mix_hash(b"\0"));
    }

    /// Small objects (the table on the stack, hashed on length and last byte): keys that collide
    /// there, escaped duplicates, and the sizes around the stack table's 16 members.
    #[test]
    fn duplicates_in_small_objects() {
        let dups = |s: &str| crate::json::parser::parse(s.as_bytes()).unwrap().duplicates.into_iter().map(|d| (d.path, d.offset, d.first_offset)).collect::<Vec<_>>();
        assert_eq!(dups(r#"{"ab":1,"cb":2,"ab":3,"\u0063b":4,"":5,"":6}"#), [("/ab".to_owned(), 15, 1), ("/cb".to_owned(), 22, 8), ("/".to_owned(), 39, 34)]);
        assert_eq!(dups(r#"{"a":{"x":1},"b":{"x":1}}"#), []);
        let nested = r#"[0,{"a":[{"x":1},{"y":1,"y":2,"y":3}],"b/c":{"~":0,"\u007e":1},"a":[]}]"#;
        let got = dups(nested);
        let paths: Vec<&str> = got.iter().map(|d| d.0.as_str()).collect();
        assert_eq!(paths, ["/1/a/1/y", "/1/a/1/y", "/1/b~1c/~0", "/1/a"]);
        let at = |k: usize| nested.match_indices(['"']).nth(k).unwrap().0;
        assert_eq!((got[0].1, got[0].2), (at(6), at(4)));
        assert_eq!((got[1].1, got[1].2), (at(8), at(4)));
        for n in [15usize, 16, 17, 33] {
            let mut s = String::from("{");
            for i in 0..n {
                s.push_str(&format!("\"k{}\":0,", i % (n - 1)));
            }
            s.pop();
            s.push('}');
            let got = dups(&s);
            assert_eq!(got.len(), 1, "{n}: {got:?}");
            assert_eq!(got[0].0, "/k0");
        }
    }
}
