//! Entry names: decoding (UTF-8 when flagged, else IBM code page 437, as APPNOTE says), what an
//! entry holds judging by its name, and whether extracting it would escape the archive's folder.

/// Code page 437, bytes 0x80..=0xFF.
const CP437_HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";

/// Decodes a stored name. A name flagged UTF-8 that is not valid UTF-8 is decoded lossily, and
/// the second value says so.
pub fn decode(raw: &[u8], utf8_flag: bool) -> (String, bool) {
    if let Ok(s) = std::str::from_utf8(raw) {
        if utf8_flag || raw.is_ascii() {
            return (s.to_owned(), false);
        }
    }
    if utf8_flag {
        return (String::from_utf8_lossy(raw).into_owned(), true);
    }
    // A loop, not `map(..).collect::<String>()`: that collect is a ~600-byte adapter of its own.
    let mut name = String::with_capacity(raw.len());
    for &b in raw {
        name.push(if b < 0x80 { b as char } else { CP437_HIGH.chars().nth(b as usize - 0x80).unwrap_or('\u{fffd}') });
    }
    (name, false)
}

/// What the batch can hold, by file extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    Csv,
    Tsv,
    Json,
    Other,
}

impl EntryKind {
    /// The JS name.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Csv => "csv",
            EntryKind::Tsv => "tsv",
            EntryKind::Json => "json",
            EntryKind::Other => "other",
        }
    }

    /// `true` for the call-data kinds that Vela reads.
    pub fn is_data(self) -> bool {
        self != EntryKind::Other
    }
}

/// The kind of an entry: directories and macOS resource forks (`__MACOSX/`, `._x`) are `Other`.
pub fn kind_of(name: &str) -> EntryKind {
    let base = after_last(name, b'/').unwrap_or(name);
    if name.ends_with('/') || name.starts_with("__MACOSX/") || base.starts_with("._") {
        return EntryKind::Other;
    }
    let ext = after_last(base, b'.').unwrap_or("");
    if ext.eq_ignore_ascii_case("csv") {
        EntryKind::Csv
    } else if ext.eq_ignore_ascii_case("tsv") || ext.eq_ignore_ascii_case("tab") {
        EntryKind::Tsv
    } else if ext.eq_ignore_ascii_case("json") {
        EntryKind::Json
    } else {
        EntryKind::Other
    }
}

/// What follows the last `c` (an ASCII byte) in `s`, if `s` holds one. By hand: `rsplit` and
/// `rsplit_once` bring a reverse searcher each.
fn after_last(s: &str, c: u8) -> Option<&str> {
    let mut i = s.len();
    while i > 0 {
        i -= 1;
        if s.as_bytes().get(i) == Some(&c) {
            return s.get(i + 1..);
        }
    }
    None
}

/// Why extracting `name` would write outside the target folder, if it would.
pub fn unsafe_reason(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("the name is empty");
    }
    if name.contains('\0') {
        return Some("the name holds a NUL character");
    }
    if name.contains('\\') {
        return Some("the name holds a backslash, which Windows tools read as a folder separator");
    }
    if name.starts_with('/') {
        return Some("the name is an absolute path");
    }
    let b = name.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return Some("the name starts with a drive letter");
    }
    if name.split('/').any(|seg| seg == "..") {
        return Some("the name climbs out of the archive with `..`");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp437_table_is_complete() {
        assert_eq!(CP437_HIGH.chars().count(), 128);
        assert_eq!(decode(&[0x82, b'a'], false), ("éa".to_owned(), false));
        assert_eq!(decode("é".as_bytes(), true), ("é".to_owned(), false));
        assert_eq!(decode(&[0xff, 0xfe], true).1, true);
    }

    #[test]
    fn kinds() {
        assert_eq!(kind_of("calls/2024.CSV"), EntryKind::Csv);
        assert_eq!(kind_of("a.tsv"), EntryKind::Tsv);
        assert_eq!(kind_of("x/y.json"), EntryKind::Json);
        assert_eq!(kind_of("json/"), EntryKind::Other);
        assert_eq!(kind_of("__MACOSX/a.csv"), EntryKind::Other);
        assert_eq!(kind_of("d/._a.csv"), EntryKind::Other);
        assert_eq!(kind_of("readme"), EntryKind::Other);
        assert_eq!(kind_of("a.b/c"), EntryKind::Other);
        assert_eq!(kind_of("x.csv/y.tab"), EntryKind::Tsv);
        assert_eq!(kind_of(".json"), EntryKind::Json);
        assert_eq!((after_last("a/b/c", b'/'), after_last("abc", b'/'), after_last("ab/", b'/')), (Some("c"), None, Some("")));
    }

    #[test]
    fn escapes() {
        for bad in ["../x.csv", "a/../../x", "/etc/x", "C:x", "c:/x", "a\\b.csv", "", "a\0"] {
            assert!(unsafe_reason(bad).is_some(), "{bad:?}");
        }
        for ok in ["a.csv", "./a.csv", "a/b/c.json", "a..b.csv", "..a/x"] {
            assert_eq!(unsafe_reason(ok), None, "{ok:?}");
        }
    }
}
