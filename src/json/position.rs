//! Byte offsets to 1-based line and column, computed lazily and only for the offsets that issues use.
//!
//! Columns count **UTF-16 code units**, as JavaScript's `String.prototype` indexing and browser editors
//! (Monaco, CodeMirror) do: `é` counts 1, `😀` counts 2. Lines end at `\n`, `\r\n` or a lone `\r`.
//!
//! ```
//! use talk_uploader::json::position::line_col;
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

impl Resolver {
    /// Sweeps `src` once up to the largest of `offsets`.
    pub fn new(src: &[u8], offsets: &[usize]) -> Resolver {
        let mut sorted: Vec<usize> = offsets.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let mut resolved = Vec::with_capacity(sorted.len());
        let (mut line, mut col) = (1u32, 1u32);
        let mut i = 0usize;
        for &target in &sorted {
            let target = target.min(src.len());
            while i < target {
                let b = src.get(i).copied().unwrap_or(0);
                match b {
                    b'\n' => {
                        line = line.saturating_add(1);
                        col = 1;
                    }
                    b'\r' => {
                        if src.get(i + 1) != Some(&b'\n') {
                            line = line.saturating_add(1);
                            col = 1;
                        }
                    }
                    // Continuation bytes add nothing; a 4-byte sequence is a surrogate pair in UTF-16.
                    b if b & 0xC0 == 0x80 => {}
                    b if b >= 0xF0 => col = col.saturating_add(2),
                    _ => col = col.saturating_add(1),
                }
                i += 1;
            }
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
    Resolver::new(src, &[offset]).get(offset.min(src.len()))
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
}
