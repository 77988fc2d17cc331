//! String unescaping, used only for strings the parser flagged as having escapes.

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

#[cfg(test)]
mod tests {
    use super::unescape;

    #[test]
    fn decodes_every_escape() {
        assert_eq!(unescape(r#"a\"b\\c\/d\b\f\n\r\t"#), "a\"b\\c/d\u{8}\u{c}\n\r\t");
        assert_eq!(unescape(r"\u00e9\ud83d\ude00"), "é😀");
        assert_eq!(unescape(r"\ud83d"), "\u{FFFD}");
    }
}
