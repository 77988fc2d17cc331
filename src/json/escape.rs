//! String escaping: [`unescape`] for strings the parser flagged as having escapes, and
//! [`quote`] for JSON the crate writes by hand.

/// Decodes the inside of a JSON string (between the quotes). The parser has already checked every
/// escape; anything unexpected here becomes U+FFFD instead of a panic.
pub fn unescape(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('/') => out.push('/'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let hi = hex4(&mut chars);
                let cp = match hi {
                    Some(h @ 0xD800..=0xDBFF) => {
                        let mut look = chars.clone();
                        if look.next() == Some('\\') && look.next() == Some('u') {
                            match hex4(&mut look) {
                                Some(l @ 0xDC00..=0xDFFF) => {
                                    chars = look;
                                    0x10000 + ((h - 0xD800) << 10) + (l - 0xDC00)
                                }
                                _ => 0xFFFD,
                            }
                        } else {
                            0xFFFD
                        }
                    }
                    Some(h) => h,
                    None => 0xFFFD,
                };
                out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
            }
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

fn hex4(chars: &mut std::str::Chars<'_>) -> Option<u32> {
    let mut v = 0u32;
    for _ in 0..4 {
        v = v * 16 + chars.next()?.to_digit(16)?;
    }
    Some(v)
}

/// `s` as a JSON string literal (quotes included), for JSON written without serde_json
/// (Vela request bodies, Labelbox import rows, conversion output).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_quoted(&mut out, s);
    out
}

/// Appends `s` as a JSON string literal, escaped as serde_json escapes it (`\b`, `\f`, `\n`,
/// `\r`, `\t` short, other controls `\u00XX`, everything else as it is), so that output
/// written here is byte-identical to what serde_json wrote before.
pub fn push_quoted(out: &mut String, s: &str) {
    out.push('"');
    let mut plain = 0;
    for (i, b) in s.bytes().enumerate() {
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0C => "\\f",
            0..=0x1F => "",
            _ => continue,
        };
        out.push_str(s.get(plain..i).unwrap_or(""));
        plain = i + 1;
        if short.is_empty() {
            out.push_str("\\u00");
            push_hex(out, b.into(), 2, false);
        } else {
            out.push_str(short);
        }
    }
    out.push_str(s.get(plain..).unwrap_or(""));
    out.push('"');
}

/// Appends the last `digits` hex digits of `v`, upper- or lowercase: `{v:0N$X}` / `{v:0N$x}` for
/// a `v` below 16^`digits`, without linking a `UpperHex`/`LowerHex` instance per integer type.
pub(crate) fn push_hex(out: &mut String, v: u32, digits: u32, upper: bool) {
    let hex: &[u8; 16] = if upper { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
    for k in (0..digits).rev() {
        out.push(char::from(hex[(v >> (4 * k) & 15) as usize]));
    }
}

#[cfg(test)]
mod tests {
    use super::{push_hex, quote, unescape};

    #[test]
    fn hex_as_format_writes_it() {
        for v in [0u32, 1, 0x1f, 0x7f, 0xab, 0xff, 0xd800, 0xdfff, 0xffff] {
            let mut s = String::new();
            push_hex(&mut s, v, 4, false);
            assert_eq!(s, format!("{v:04x}"));
            s.clear();
            push_hex(&mut s, v, 4, true);
            assert_eq!(s, format!("{v:04X}"));
            if v <= 0xff {
                s.clear();
                push_hex(&mut s, v, 2, true);
                assert_eq!(s, format!("{v:02X}"));
            }
        }
    }

    #[test]
    fn decodes_every_escape() {
        assert_eq!(unescape(r#"a\"b\\c\/d\b\f\n\r\t"#), "a\"b\\c/d\u{8}\u{c}\n\r\t");
        assert_eq!(unescape(r"\u00e9\ud83d\ude00"), "é😀");
        assert_eq!(unescape(r"\ud83d"), "\u{FFFD}");
    }

    #[test]
    fn quotes_as_serde_json_did() {
        assert_eq!(quote("a\"b\\c\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}é😀\u{2028}</"), "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\u{7f}é😀\u{2028}</\"");
        assert_eq!(quote(""), r#""""#);
    }
}
