//! "Did you mean …?" for unknown names: members of a document and options of a JS call.
//!
//! Known names are ASCII, so case is folded with ASCII rules: `char::to_lowercase` would link
//! the Unicode case tables (5 KiB of gzip in the wasm) for no better suggestion.

/// The end of an "unknown name" message: `; did you mean "user_id"?` when a known name is
/// [`similar`], else `; the known {what} are `a`, `b``. Also used for JS option names.
pub fn suggest(key: &str, names: &[&str], what: &str) -> String {
    match names.iter().find(|n| similar(n, key)) {
        Some(n) => {
            // Pushed, not `format!`: every piece is a `&str`.
            let mut out = String::from("; did you mean \"");
            out.push_str(n);
            out.push_str("\"?");
            out
        }
        None => {
            // Loops, not iterator chains, in this file: each chain is its own copy of the
            // iterator and collect code in the wasm module.
            let mut out = String::from("; the known ");
            out.push_str(what);
            out.push_str(" are ");
            for (i, n) in names.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push('`');
                out.push_str(n);
                out.push('`');
            }
            out
        }
    }
}

/// Whether `b` is probably a misspelling of `a`: equal when compared without ASCII case, `_` and
/// `-` (`userId` vs `user_id`), or, for names of 4 or more characters, one edit apart (two
/// from 8 characters on), where swapping two neighbours counts as one edit (`singal`, `conection`).
pub fn similar(a: &str, b: &str) -> bool {
    // Code points as `u32`, an element type the crate's vectors have anyway (`Vec<char>` was
    // one more copy of the vector code).
    let norm = |s: &str| {
        let mut out: Vec<u32> = Vec::with_capacity(s.len());
        for c in s.chars() {
            if c != '_' && c != '-' {
                out.push(u32::from(c.to_ascii_lowercase()));
            }
        }
        out
    };
    let (a, b) = (norm(a), norm(b));
    if a == b {
        return true;
    }
    let budget = match a.len() {
        0..=3 => return false,
        4..=7 => 1,
        _ => 2,
    };
    a.len().abs_diff(b.len()) <= budget && edit_distance(&a, &b) <= budget
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent swaps), a row at a time with no
/// indexing: one of the two strings is the caller's key.
fn edit_distance(a: &[u32], b: &[u32]) -> usize {
    // Rows of `u32` (names are short), the element type of the code points: no `Vec<usize>` code.
    // Rows of the table: `two` back (for swaps), `prev`, and the one being built.
    let mut two: Vec<u32> = Vec::new();
    let mut prev: Vec<u32> = Vec::with_capacity(b.len() + 1);
    // `0..len + 1`, not `0..=len`: `RangeInclusive`'s `next` is code of its own.
    for j in 0..b.len() + 1 {
        prev.push(j as u32);
    }
    for (i, &ca) in a.iter().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i as u32 + 1);
        for (j, &cb) in b.iter().enumerate() {
            let del = prev.get(j + 1).map_or(u32::MAX, |d| d.saturating_add(1));
            let ins = cur.get(j).map_or(u32::MAX, |d| d.saturating_add(1));
            let sub = prev.get(j).map_or(u32::MAX, |d| d.saturating_add(u32::from(ca != cb)));
            let mut best = del.min(ins).min(sub);
            let swapped = i > 0 && j > 0 && a.get(i - 1) == Some(&cb) && b.get(j - 1) == Some(&ca);
            if let Some(d) = two.get(j.wrapping_sub(1)).filter(|_| swapped) {
                best = best.min(d.saturating_add(1));
            }
            cur.push(best);
        }
        two = std::mem::replace(&mut prev, cur);
    }
    prev.last().copied().unwrap_or(0) as usize
}

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn suggestions() {
        assert_eq!(suggest("onprogress", &["signal", "onProgress"], "options"), "; did you mean \"onProgress\"?");
        assert_eq!(suggest("user-id", &["user_id"], "members"), "; did you mean \"user_id\"?");
        assert_eq!(suggest("zzz", &["a", "b"], "options"), "; the known options are `a`, `b`");
        assert_eq!(suggest("conection", &["kind", "connection"], "options"), "; did you mean \"connection\"?");
        assert_eq!(suggest("singal", &["signal"], "options"), "; did you mean \"signal\"?");
        assert_eq!(suggest("signl", &["signal"], "options"), "; did you mean \"signal\"?");
        assert!(!super::similar("id", "ip"));
        assert!(!super::similar("ids", "id"));
        assert!(super::similar("onprogress", "onProgress"));
    }

    /// The full-table definition the row-at-a-time version must match.
    fn table_distance(a: &[u32], b: &[u32]) -> usize {
        let w = b.len() + 1;
        let mut d = vec![0usize; (a.len() + 1) * w];
        let at = |i: usize, j: usize| i * w + j;
        for i in 0..=a.len() {
            d[at(i, 0)] = i;
        }
        for j in 0..=b.len() {
            d[at(0, j)] = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut best = (d[at(i - 1, j)] + 1).min(d[at(i, j - 1)] + 1).min(d[at(i - 1, j - 1)] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(d[at(i - 2, j - 2)] + 1);
                }
                d[at(i, j)] = best;
            }
        }
        d[at(a.len(), b.len())]
    }

    // proptest is a native-only dev-dependency (see Cargo.toml).

    #[cfg(not(target_arch = "wasm32"))]

    proptest::proptest! {
        #[test]
        fn rows_match_the_table(a in "[abc_]{0,9}", b in "[abc_]{0,9}") {
            let (a, b): (Vec<u32>, Vec<u32>) = (a.chars().map(u32::from).collect(), b.chars().map(u32::from).collect());
            proptest::prop_assert_eq!(super::edit_distance(&a, &b), table_distance(&a, &b));
        }
    }
}
