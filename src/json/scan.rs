//! Byte-level scanning helpers of the parser: eight bytes at a time for string contents, and UTF-8
//! checked inline, so that a valid document needs no separate UTF-8 pass.

pub(super) use crate::report::position::{word, HI, LO};

/// A mask whose lowest set bit is the high bit of the first of the eight bytes (little-endian)
/// that is `"`, `\\`, a control character or non-ASCII: the bytes a string scan must stop at. 0 when
/// there is none. (Bits above the lowest may be false positives, from borrows; they are unused.)
#[inline(always)]
pub(super) fn special(x: u64) -> u64 {
    let zero = |v: u64| v.wrapping_sub(LO) & !v & HI;
    let quote = zero(x ^ (LO * b'"' as u64));
    let slash = zero(x ^ (LO * b'\\' as u64));
    let ctrl = x.wrapping_sub(LO * 0x20) & !x & HI;
    quote | slash | ctrl | (x & HI)
}

/// The number of spaces at `b[i..]`, counted eight at a time (at least 1 when `b[i]` is a space).
#[inline(always)]
pub(super) fn spaces(b: &[u8], i: usize) -> usize {
    let mut n = 0;
    while let Some(w) = word(b, i + n) {
        let other = w ^ (LO * b' ' as u64);
        if other != 0 {
            return n + (other.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    while matches!(b.get(i + n), Some(b' ')) {
        n += 1;
    }
    n
}

/// The length of the UTF-8 sequence that starts at `b[i]` (a byte >= 0x80), or `None` when it is
/// not valid UTF-8, by the rules of `std::str::from_utf8`: no overlong forms, no surrogates,
/// nothing above U+10FFFF, no truncated sequence.
#[inline]
pub(super) fn utf8_len(b: &[u8], i: usize) -> Option<usize> {
    let lead = *b.get(i)?;
    let cont = |k: usize| b.get(i + k).is_some_and(|&c| c & 0xC0 == 0x80);
    let second = b.get(i + 1).copied().unwrap_or(0);
    match lead {
        0xC2..=0xDF => cont(1).then_some(2),
        0xE0..=0xEF => {
            let ok = match lead {
                0xE0 => matches!(second, 0xA0..=0xBF),
                0xED => matches!(second, 0x80..=0x9F),
                _ => second & 0xC0 == 0x80,
            };
            (ok && cont(2)).then_some(3)
        }
        0xF0..=0xF4 => {
            let ok = match lead {
                0xF0 => matches!(second, 0x90..=0xBF),
                0xF4 => matches!(second, 0x80..=0x8F),
                _ => second & 0xC0 == 0x80,
            };
            (ok && cont(2) && cont(3)).then_some(4)
        }
        _ => None,
    }
}

/// The longest start of `s` of at most `max` characters that all pass `keep`: the text a
/// message quotes. One function over a trait object, not `chars().take_while().take().collect()`
/// at each message (each such chain is its own code in the wasm module).
pub(crate) fn prefix_while<'s>(s: &'s str, max: usize, keep: &dyn Fn(char) -> bool) -> &'s str {
    let mut end = s.len();
    let mut n = 0;
    for (i, c) in s.char_indices() {
        if n == max || !keep(c) {
            end = i;
            break;
        }
        n += 1;
    }
    s.get(..end).unwrap_or(s)
}

/// Up to 256 bytes of text from `i`, cut before the first byte that is not UTF-8: for messages.
pub(super) fn text_at(b: &[u8], i: usize) -> &str {
    let w = b.get(i..b.len().min(i.saturating_add(256))).unwrap_or(&[]);
    match std::str::from_utf8(w) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(w.get(..e.valid_up_to()).unwrap_or(&[])).unwrap_or(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `utf8_len` over a whole slice, as the string scanner uses it.
    fn valid(b: &[u8]) -> bool {
        let mut i = 0;
        while let Some(&c) = b.get(i) {
            i += if c < 0x80 { 1 } else {
                match utf8_len(b, i) {
                    Some(n) => n,
                    None => return false,
                }
            };
        }
        true
    }

    #[test]
    fn edges_of_utf8() {
        for s in ["é", "😀", "\u{7FF}", "\u{800}", "\u{FFFF}", "\u{10000}", "\u{10FFFF}", "\u{D7FF}", "\u{E000}"] {
            assert!(valid(s.as_bytes()), "{s:?}");
        }
        for b in [&[0xC0, 0x80][..], &[0xC1, 0xBF], &[0xE0, 0x9F, 0x80], &[0xED, 0xA0, 0x80], &[0xF0, 0x8F, 0x80, 0x80], &[0xF4, 0x90, 0x80, 0x80], &[0xF5, 0x80, 0x80, 0x80], &[0xE2, 0x82], &[0x80], &[0xFF]] {
            assert!(!valid(b), "{b:02X?}");
        }
    }

    // proptest is a native-only dev-dependency (see Cargo.toml).

    #[cfg(not(target_arch = "wasm32"))]

    proptest::proptest! {
        #[test]
        fn special_finds_the_first_stop_byte(s in proptest::array::uniform8(proptest::prelude::any::<u8>())) {
            let m = special(u64::from_le_bytes(s));
            let first = s.iter().position(|&c| matches!(c, b'"' | b'\\' | 0..=0x1F | 0x80..=0xFF));
            proptest::prop_assert_eq!(if m == 0 { None } else { Some((m.trailing_zeros() / 8) as usize) }, first);
        }

        #[test]
        fn spaces_counts_the_run(lead in 0usize..20, rest in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..12)) {
            let mut b = vec![b'x'];
            b.extend(std::iter::repeat_n(b' ', lead));
            b.extend(&rest);
            let want = b.iter().skip(1).take_while(|&&c| c == b' ').count();
            proptest::prop_assert_eq!(spaces(&b, 1), want);
        }
    }

    // proptest is a native-only dev-dependency (see Cargo.toml).

    #[cfg(not(target_arch = "wasm32"))]

    proptest::proptest! {
        #[test]
        fn utf8_matches_std(b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..24)) {
            proptest::prop_assert_eq!(valid(&b), std::str::from_utf8(&b).is_ok());
        }

        #[test]
        fn utf8_matches_std_on_near_valid(s in "\\PC{0,8}", cut in 0usize..40, flip in proptest::prelude::any::<u8>()) {
            let mut b = s.into_bytes();
            if let Some(x) = b.get_mut(cut) {
                *x ^= flip;
            }
            proptest::prop_assert_eq!(valid(&b), std::str::from_utf8(&b).is_ok());
        }
    }
}
