//! Byte offsets to 1-based line and column, computed lazily and only for the offsets that issues use.
//!
//! Columns count **UTF-16 code units**, as JavaScript's `String.prototype` indexing and browser editors
//! (Monaco, CodeMirror) do: `é` counts 1, `😀` counts 2. Lines end at `\n`, `\r\n` or a lone `\r`.
//!
//! ```
//! use talk_uploader::report::position::line_col;
//! let lc = line_col("{\n  \"😀\": x}".as_bytes(), 12);
//! assert_eq!((lc.line, lc.column), (2, 9));
//! ```

/// A 1-based line and column (UTF-16 code units).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCol {
    /// 1-based line.
    pub line: u32,
    /// 1-based column in UTF-16 code units.
    pub column: u32,
}

/// Resolves many offsets with one forward sweep over the source.
#[derive(Debug)]
pub struct Resolver {
    resolved: Vec<(usize, LineCol)>,
}

/// `0x01` in every byte.
pub(crate) const LO: u64 = 0x0101_0101_0101_0101;
/// `0x80` (the high bit) in every byte.
pub(crate) const HI: u64 = 0x8080_8080_8080_8080;

/// Eight bytes of `b` from `i`, little-endian, when there are eight. (`&[u8; 8]` is one unaligned
/// load; `copy_from_slice` would be a call at opt-level "z".) The JSON scanner uses it too; it
/// lives here because this is the lowest module that needs it.
#[inline(always)]
pub(crate) fn word(b: &[u8], i: usize) -> Option<u64> {
    let chunk: &[u8; 8] = b.get(i..i.wrapping_add(8))?.try_into().ok()?;
    Some(u64::from_le_bytes(*chunk))
}

const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// The high bit of every byte of `w` that equals `byte` (exact: no false positives).
#[inline(always)]
fn eq_bytes(w: u64, byte: u8) -> u64 {
    let x = w ^ (LO * byte as u64);
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// UTF-16 code units of one line's bytes: a UTF-8 continuation byte adds nothing, a 4-byte lead adds
/// two (a surrogate pair), a `\r` adds nothing (it can only be the `\r` of a `\r\n`), anything else one.
fn utf16_units(line: &[u8]) -> u32 {
    let mut n = 0u32;
    let mut i = 0usize;
    while let Some(w) = word(line, i) {
        let cont = w & !(w << 1) & HI;
        let four = w & (w << 1) & (w << 2) & (w << 3) & HI;
        n = n.wrapping_add(8 - cont.count_ones() + four.count_ones() - eq_bytes(w, b'\r').count_ones());
        i += 8;
    }
    for &b in line.get(i..).unwrap_or(&[]) {
        n = n.wrapping_add(match b {
            b'\r' => 0,
            b if b & 0xC0 == 0x80 => 0,
            b if b >= 0xF0 => 2,
            _ => 1,
        });
    }
    n
}

impl Resolver {
    /// Sweeps `src` once up to the largest of `offsets`: line breaks are counted eight bytes at a
    /// time, and columns are counted only on the lines that hold an offset.
    pub fn new(src: &[u8], offsets: &[usize]) -> Resolver {
        let mut wide = Vec::with_capacity(offsets.len());
        for &o in offsets {
            wide.push(o as u64);
        }
        Resolver::new_sorting(src, wide)
    }

    /// [`Resolver::new`] for offsets already collected as `u64` (an element type the crate sorts
    /// anyway, see [`super::sort`]), sorted here in place.
    pub fn new_sorting(src: &[u8], mut sorted: Vec<u64>) -> Resolver {
        super::sort::sort(&mut sorted);
        let mut resolved = Vec::with_capacity(sorted.len());
        // Repeats are skipped here rather than by `Vec::dedup` (its own code in the wasm module).
        let mut last = None;
        let mut line = 1u32;
        // The first byte of the current line, and a position on it whose column is known.
        let mut line_start = 0usize;
        let (mut at, mut col) = (0usize, 1u32);
        let mut i = 0usize;
        for &target in &sorted {
            if matches!(last, Some(l) if l == target) {
                continue;
            }
            last = Some(target);
            let target = (target as usize).min(src.len());
            while i < target {
                if let Some(w) = word(src, i).filter(|_| i + 8 <= target) {
                    // Most words have no byte below 0x0E (so no `\n` or `\r`): one cheap test.
                    if w.wrapping_sub(LO * 0x0E) & !w & HI == 0 {
                        i += 8;
                        continue;
                    }
                    let lf = eq_bytes(w, b'\n');
                    if eq_bytes(w, b'\r') == 0 {
                        if lf != 0 {
                            line = line.saturating_add(lf.count_ones());
                            line_start = i + 8 - (lf.leading_zeros() / 8) as usize;
                        }
                        i += 8;
                        continue;
                    }
                }
                match src.get(i) {
                    Some(b'\n') => {
                        line = line.saturating_add(1);
                        line_start = i + 1;
                    }
                    Some(b'\r') if src.get(i + 1) != Some(&b'\n') => {
                        line = line.saturating_add(1);
                        line_start = i + 1;
                    }
                    _ => {}
                }
                i += 1;
            }
            if line_start > at {
                (at, col) = (line_start, 1);
            }
            col = col.saturating_add(utf16_units(src.get(at..target).unwrap_or(&[])));
            at = target;
            resolved.push((target, LineCol { line, column: col }));
        }
        Resolver { resolved }
    }

    /// The line and column of `offset` (which must be one of the offsets given to [`Resolver::new`]).
    pub fn get(&mut self, offset: usize) -> LineCol {
        match self.resolved.binary_search_by_key(&offset, |&(o, _)| o) {
            Ok(i) => self.resolved.get(i).map(|r| r.1).unwrap_or(LineCol { line: 1, column: 1 }),
            // Offsets past the end were clamped: the last entry is the end of the text.
            Err(_) => self.resolved.last().map(|r| r.1).unwrap_or(LineCol { line: 1, column: 1 }),
        }
    }
}

/// The line and column of one offset.
pub fn line_col(src: &[u8], offset: usize) -> LineCol {
    // `new_sorting`, not `new`: no copy of the offsets (and no second constructor in the wasm).
    Resolver::new_sorting(src, vec![offset as u64]).get(offset.min(src.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_utf16_units_and_all_line_ends() {
        let s = "a\r\nb\rc\né😀x";
        assert_eq!(line_col(s.as_bytes(), 0), LineCol { line: 1, column: 1 });
        assert_eq!(line_col(s.as_bytes(), 3), LineCol { line: 2, column: 1 });
        assert_eq!(line_col(s.as_bytes(), 5), LineCol { line: 3, column: 1 });
        let x = s.find('x').unwrap();
        assert_eq!(line_col(s.as_bytes(), x), LineCol { line: 4, column: 4 });
        assert_eq!(line_col(s.as_bytes(), 10_000), line_col(s.as_bytes(), s.len()));
    }

    #[test]
    fn many_offsets_in_any_order() {
        let s = "[1,\n2,\n3]";
        let mut r = Resolver::new(s.as_bytes(), &[8, 1, 4]);
        assert_eq!(r.get(8), LineCol { line: 3, column: 2 });
        assert_eq!(r.get(1), LineCol { line: 1, column: 2 });
        assert_eq!(r.get(4), LineCol { line: 2, column: 1 });
    }

    /// The byte-at-a-time definition the fast sweep must match.
    fn naive(src: &[u8], target: usize) -> LineCol {
        let (mut line, mut column) = (1u32, 1u32);
        for (i, &b) in src.iter().enumerate().take(target) {
            match b {
                b'\n' => (line, column) = (line + 1, 1),
                b'\r' if src.get(i + 1) != Some(&b'\n') => (line, column) = (line + 1, 1),
                b'\r' => {}
                b if b & 0xC0 == 0x80 => {}
                b if b >= 0xF0 => column += 2,
                _ => column += 1,
            }
        }
        LineCol { line, column }
    }

    // proptest is a native-only dev-dependency (see Cargo.toml).

    #[cfg(not(target_arch = "wasm32"))]

    proptest::proptest! {
        #[test]
        fn sweep_matches_the_definition(
            parts in proptest::collection::vec(proptest::sample::select(vec!["a", " ", "\n", "\r", "\r\n", "é", "😀", "ж", "\"", "\u{800}", "xxxxxxxxxxx"]), 0..60),
            picks in proptest::collection::vec(0usize..400, 1..8),
        ) {
            let src = parts.concat();
            let offsets: Vec<usize> = picks.iter().map(|p| p % (src.len() + 2)).collect();
            let mut r = Resolver::new(src.as_bytes(), &offsets);
            for &o in &offsets {
                proptest::prop_assert_eq!(r.get(o.min(src.len())), naive(src.as_bytes(), o.min(src.len())), "{:?} at {}", src, o);
            }
        }
    }
}
