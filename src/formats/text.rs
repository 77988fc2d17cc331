//! Syntax checks for strings: language tags, e-mail addresses, URLs, plain numbers.
//!
//! These are deliberately syntactic: they catch typos and wrong fields before an upload, not whether
//! an address or a URL exists.

/// The number of chars (code points) in `s`: `s.chars().count()`, which links core's
/// word-at-a-time counter (~1 KB of wasm) for strings that are short here. A char starts at every
/// byte that is not a UTF-8 continuation byte (`0b10xx_xxxx`).
#[inline(never)]
pub fn char_count(s: &str) -> usize {
    let mut n = 0;
    for &b in s.as_bytes() {
        n += usize::from(b & 0xC0 != 0x80);
    }
    n
}

/// Byte-level string helpers over ASCII separators, in place of `str::split(char)`,
/// `rsplit_once(char)`, `find(char)` and the multi-char patterns (`split(['/', '?', '#'])`):
/// each pattern type links its own searcher code into the wasm module. An ASCII byte is always a
/// char boundary, so the pieces are the same as the std calls give.
#[inline(never)]
fn pos(s: &str, stops: &[u8]) -> Option<usize> {
    // Index loops: iterator adapters are out-of-line calls at opt-level "z".
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let mut k = 0;
        while let Some(&t) = stops.get(k) {
            if t == c {
                return Some(i);
            }
            k += 1;
        }
        i += 1;
    }
    None
}

/// The text before the first of `stops`, or all of `s` (`s.split(stops).next()`).
#[inline(never)]
fn before_any<'s>(s: &'s str, stops: &[u8]) -> &'s str {
    pos(s, stops).and_then(|i| s.get(..i)).unwrap_or(s)
}

/// `s.split_once(c)` for an ASCII `c`.
#[inline(never)]
fn split_at_first<'s>(s: &'s str, stops: &[u8]) -> Option<(&'s str, &'s str)> {
    let i = pos(s, stops)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// `s.rsplit_once(c)` for an ASCII `c`.
#[inline(never)]
fn split_at_last(s: &str, c: u8) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    let mut i = b.len();
    while i > 0 {
        i -= 1;
        if matches!(b.get(i), Some(&x) if x == c) {
            return Some((s.get(..i)?, s.get(i + 1..)?));
        }
    }
    None
}

/// `s` without one leading byte of `chars` (`s.strip_prefix([..])` for ASCII chars).
#[inline(never)]
fn strip_one<'s>(s: &'s str, chars: &[u8]) -> Option<&'s str> {
    s.as_bytes().first().filter(|b| chars.contains(b)).and_then(|_| s.get(1..))
}

/// `s.split(c)` for an ASCII `c`: the same pieces, empty ones included.
struct Pieces<'s> {
    rest: Option<&'s str>,
    sep: u8,
}

fn pieces(s: &str, sep: u8) -> Pieces<'_> {
    Pieces { rest: Some(s), sep }
}

impl<'s> Iterator for Pieces<'s> {
    type Item = &'s str;
#[inline(never)]
    fn next(&mut self) -> Option<&'s str> {
        let rest = self.rest?;
        match split_at_first(rest, &[self.sep]) {
            Some((head, tail)) => {
                self.rest = Some(tail);
                Some(head)
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

/// `s.trim()`: without leading and trailing Unicode whitespace, found in one forward pass (core's
/// `trim` decodes from both ends: about 200 bytes of wasm that only the validators used).
#[inline(never)]
pub fn trim(s: &str) -> &str {
    let (mut start, mut end, mut i) = (None, 0, 0);
    for c in s.chars() {
        let next = i + c.len_utf8();
        if !c.is_whitespace() {
            start = start.or(Some(i));
            end = next;
        }
        i = next;
    }
    match start {
        Some(a) => s.get(a..end).unwrap_or_default(),
        None => "",
    }
}

/// `true` when `s` is empty or only whitespace (`s.trim().is_empty()`). Stops at the first other
/// char: it runs on every message text, and [`trim`] would walk the whole text.
pub fn blank(s: &str) -> bool {
    s.chars().all(char::is_whitespace)
}

/// Checks `language`: one or more comma-separated tags such as `ru-RU` or `ru-RU, kk-KZ`.
///
/// A tag is a 2- or 3-letter primary language subtag followed by `-`-separated subtags of 1 to 8
/// letters or digits (a BCP 47 shape; case-insensitive, as SpeechSense says codes are).
/// Returns the offending tag on failure.
pub fn check_language(value: &str) -> Result<(), String> {
    for raw in pieces(value, b',') {
        let tag = trim(raw);
        if !tag_ok(tag.as_bytes()) {
            return Err(tag.to_owned());
        }
    }
    Ok(())
}

/// A non-ASCII char that may stand in an internationalized address (RFC 6531's `UTF8-non-ascii`,
/// IDNA's U-labels): anything but whitespace and control chars. Not `char::is_alphabetic` /
/// `is_alphanumeric`: their Unicode tables are about 1.4 KB of gzip in the wasm module (issue 9),
/// and the check is syntactic anyway (which letters a domain may use is the registry's rule).
fn is_international(c: char) -> bool {
    !c.is_ascii() && !c.is_whitespace() && !c.is_control()
}

/// An ASCII letter or digit, or an [international](is_international) char.
fn is_letter_or_digit(c: char) -> bool {
    c.is_ascii_alphanumeric() || is_international(c)
}

/// One language tag: `-`-separated subtags, the first of 2 or 3 ASCII letters, the others of 1 to
/// 8 ASCII letters or digits. One pass over the bytes: the split and `all` closures were four
/// iterator instances in the wasm module.
fn tag_ok(tag: &[u8]) -> bool {
    let (mut subtag, mut len, mut i) = (0usize, 0usize, 0usize);
    loop {
        let c = tag.get(i).copied();
        match c {
            Some(b'-') | None => {
                let ok = if subtag == 0 { matches!(len, 2 | 3) } else { matches!(len, 1..=8) };
                if !ok || c.is_none() {
                    return ok;
                }
                subtag += 1;
                len = 0;
            }
            Some(b) => {
                if !(if subtag == 0 { b.is_ascii_alphabetic() } else { b.is_ascii_alphanumeric() }) {
                    return false;
                }
                len += 1;
            }
        }
        i += 1;
    }
}

/// `true` when every byte of `s` passes `f` (a loop: each `bytes().all(closure)` is its own
/// iterator instance in the wasm module).
#[inline(never)]
fn all_bytes(s: &str, f: fn(u8) -> bool) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if !f(c) {
            return false;
        }
        i += 1;
    }
    true
}

/// Checks an e-mail address: `local@domain`, a dot-atom local part of at most 64 bytes, and a domain
/// of at least two dot-separated labels (letters, digits, `-`, no leading or trailing `-`) with a
/// top-level label of at least two letters. Non-ASCII characters other than spaces and control
/// characters are accepted as letters (internationalized mail, RFC 6531).
pub fn check_email(s: &str) -> Result<(), &'static str> {
    let Some((local, domain)) = split_at_last(s, b'@') else { return Err("it has no `@`") };
    if local.is_empty() {
        return Err("nothing before the `@`");
    }
    if local.len() > 64 {
        return Err("the part before the `@` is longer than 64 bytes");
    }
    if s.len() > 254 {
        return Err("it is longer than 254 bytes");
    }
    const ATEXT: &str = "!#$%&'*+-/=?^_`{|}~";
    if matches!(local.as_bytes().first(), Some(b'.')) || matches!(local.as_bytes().last(), Some(b'.')) || crate::redact::find(local, "..").is_some() {
        return Err("the part before the `@` has a misplaced dot");
    }
    // Bytes of ATEXT, not `str::contains(char)`: that links the substring searcher (for a
    // non-ASCII char), about 2.5 KB of wasm.
    if !local.chars().all(|c| is_letter_or_digit(c) || c == '.' || u8::try_from(c).is_ok_and(|b| ATEXT.as_bytes().contains(&b))) {
        return Err("the part before the `@` has a character that is not allowed (spaces, quotes, `@`, commas)");
    }
    if !domain.as_bytes().contains(&b'.') {
        return Err("the domain after the `@` needs a dot, as in `example.com`");
    }
    // One pass over the labels, not a collected Vec (one iterator chain less in the wasm module).
    let mut tld = "";
    for l in pieces(domain, b'.') {
        if l.is_empty() || l.len() > 63 || matches!(l.as_bytes().first(), Some(b'-')) || matches!(l.as_bytes().last(), Some(b'-')) || !l.chars().all(|c| is_letter_or_digit(c) || c == '-') {
            return Err("the domain after the `@` is not a valid host name");
        }
        tld = l;
    }
    if char_count(tld) < 2 || !tld.chars().all(|c| c.is_ascii_alphabetic() || is_international(c)) {
        return Err("the domain ends in a label that is not a top-level domain");
    }
    Ok(())
}

/// The scheme of an absolute URL with a host (`scheme://host...`, no whitespace), lower-cased.
pub fn url_scheme(s: &str) -> Option<String> {
    let (scheme, rest) = crate::redact::split_once(s, "://")?;
    let scheme_ok = scheme.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && all_bytes(scheme, |b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    let host = before_any(rest, b"/?#");
    let host = split_at_last(host, b'@').map_or(host, |(_, h)| h);
    let host_name = split_at_last(host, b':').filter(|(_, p)| all_bytes(p, |b| b.is_ascii_digit())).map_or(host, |(h, _)| h);
    let ok = scheme_ok && !host_name.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then(|| scheme.to_ascii_lowercase())
}

/// `true` for a loopback host (lower-case, as it appears in a URL's authority): `localhost`,
/// `*.localhost`, `[::1]`, or `127.x.y.z`. Endpoints may use `http://` only for these, and
/// `allowLoopbackHttp` lets such Labelbox row URLs through.
pub fn is_loopback_host(host: &str) -> bool {
    if host == "localhost" || host == "[::1]" || host.ends_with(".localhost") {
        return true;
    }
    let mut n = 0;
    for o in pieces(host, b'.') {
        // 1 to 3 digits, their value at most 255 (summed by hand: `parse` links its own code).
        let mut value = 0u32;
        let mut digits = true;
        for b in o.bytes() {
            digits &= b.is_ascii_digit();
            value = value.wrapping_mul(10).wrapping_add(u32::from(b.wrapping_sub(b'0')));
        }
        let octet = !o.is_empty() && o.len() <= 3 && digits && value <= 255;
        if !octet || (n == 0 && *o != *"127") {
            return false;
        }
        n += 1;
    }
    n == 4
}

/// The lower-cased host of an absolute URL (`[v6]` kept in brackets), without userinfo or port.
pub fn url_host(url: &str) -> Option<String> {
    let (_, rest) = crate::redact::split_once(url, "://")?;
    let authority = before_any(rest, b"/?#");
    let authority = split_at_last(authority, b'@').map_or(authority, |(_, h)| h).to_ascii_lowercase();
    let host = if matches!(authority.as_bytes().first(), Some(b'[')) {
        pos(&authority, b"]").map_or(authority.as_str(), |i| authority.get(..i + 1).unwrap_or_default()).to_owned()
    } else {
        before_any(&authority, b":").to_owned()
    };
    // `if`, not `bool::then_some` (a function of its own in the wasm module).
    if host.is_empty() { None } else { Some(host) }
}

/// `s` with its HTML character references decoded (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`,
/// `&nbsp;`, `&#39;`, `&#x1F600;`), or `None` when it holds none. Unknown names and invalid code
/// points are kept as written.
pub fn decode_html_entities(s: &str) -> Option<String> {
    if !s.as_bytes().contains(&b'&') {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    let mut changed = false;
    while let Some(amp) = pos(rest, b"&") {
        out.push_str(rest.get(..amp).unwrap_or_default());
        let tail = rest.get(amp..).unwrap_or_default();
        let body = tail.get(1..).unwrap_or_default();
        // The longest reference decoded here, `&#x10FFFF;`, has 8 characters between `&` and `;`.
        let decoded = pos(body, b";").filter(|&e| e <= 12).and_then(|e| body.get(..e)).and_then(|name| {
            let c = match name {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                "nbsp" => '\u{a0}',
                _ => {
                    let num = strip_one(name, b"#")?;
                    let n = match strip_one(num, b"xX") {
                        Some(hex) => radix(hex, 16)?,
                        None => radix(num, 10)?,
                    };
                    char::from_u32(n).filter(|c| *c != '\0')?
                }
            };
            Some((c, name.len() + 2))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                changed = true;
                rest = tail.get(len..).unwrap_or_default();
            }
            None => {
                out.push('&');
                rest = tail.get(1..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    if changed { Some(out) } else { None }
}

/// `s` as `u32::from_str_radix(s, r)` reads it (an optional `+`, then at least one digit), by
/// hand: core's parser is 344 bytes of wasm (issue 9). The S3 error and grpc-status readers use it too.
pub(crate) fn radix(s: &str, r: u32) -> Option<u32> {
    let d = strip_one(s, b"+").unwrap_or(s);
    if d.is_empty() {
        return None;
    }
    let mut n: u32 = 0;
    for b in d.bytes() {
        n = n.checked_mul(r)?.checked_add(char::from(b).to_digit(r)?)?;
    }
    Some(n)
}

/// `true` for a non-empty run of ASCII digits.
fn digits(s: &str) -> bool {
    !s.is_empty() && all_bytes(s, |b| b.is_ascii_digit())
}

/// `true` for an optionally signed run of digits (SpeechSense "Number").
pub fn is_integer(s: &str) -> bool {
    digits(strip_one(s, b"-+").unwrap_or(s))
}

/// `true` for a decimal number such as `-12`, `3.14` or `1e-3` (SpeechSense "Fractional number").
pub fn is_decimal(s: &str) -> bool {
    let d = strip_one(s, b"-+").unwrap_or(s);
    let (mant, exp) = match split_at_first(d, b"eE") {
        Some((m, e)) => (m, Some(e)),
        None => (d, None),
    };
    let (int, frac) = split_at_first(mant, b".").map_or((mant, None), |(i, f)| (i, Some(f)));
    digits(int) && frac.is_none_or(digits) && exp.is_none_or(|e| digits(strip_one(e, b"-+").unwrap_or(e)))
}

#[cfg(test)]
mod html_tests {
    use super::decode_html_entities as d;

    #[test]
    fn decodes_references_and_keeps_the_rest() {
        assert_eq!(d("Tom &amp; Jerry&#39;s &lt;b&gt; &#x1F600;&nbsp;x").as_deref(), Some("Tom & Jerry's <b> 😀\u{a0}x"));
        assert_eq!(d("a & b; &unknown; &#xD800; &#0; &"), None);
        assert_eq!(d("no entities"), None);
        assert_eq!(d("&amp;amp;").as_deref(), Some("&amp;"));
    }

    /// The hand-written number reader reads what `u32::from_str_radix` reads.
    #[test]
    fn numbers_as_from_str_radix_reads_them() {
        for s in ["", "+", "-", "+5", "-5", "++5", "0", "007", "65", "1F600", "1f600", "x41", "10FFFF", "4294967295", "4294967296", "99999999999", "FFFFFFFF", "100000000", "12a", " 1", "1 ", "+-1", "\u{661}"] {
            for r in [10, 16] {
                assert_eq!(super::radix(s, r), u32::from_str_radix(s, r).ok(), "{s:?} radix {r}");
            }
        }
        assert_eq!(d("&#+65;&#x+41;&#X42;&#-1;&#;&#x;").as_deref(), Some("AAB&#-1;&#;&#x;"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_is_str_trim() {
        let pieces = ["", " ", "\u{a0}", "\u{3000}", "\t\n", "a", "é", "a b", "\u{85}", "😀", "\u{200b}"];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let s = format!("{a}{b}{c}");
                    assert_eq!(trim(&s), s.trim(), "{s:?}");
                    assert_eq!(blank(&s), s.trim().is_empty(), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn url_hosts() {
        for (url, host) in [
            ("http://[::1]:8080/x", Some("[::1]")),
            ("http://[::1]", Some("[::1]")),
            ("http://[::1", Some("[::1")),
            ("https://User@Example.COM:443/p?q#f", Some("example.com")),
            ("http://localhost", Some("localhost")),
            ("http:///x", None),
            ("http://:80/", None),
            ("no scheme", None),
        ] {
            assert_eq!(url_host(url).as_deref(), host, "{url}");
        }
    }

    /// The byte helpers give what the std pattern calls they replace give.
    #[test]
    fn byte_helpers_match_std() {
        for s in ["", ",", "a", "a,b", ",a,,b,", "ру,с-ки,й", "x@y@z", "h:1/p?q#f", "[::1]:8", "-1e+5", "+", "é"] {
            assert_eq!(pieces(s, b',').collect::<Vec<_>>(), s.split(',').collect::<Vec<_>>(), "{s:?}");
            assert_eq!(before_any(s, b"/?#"), s.split(['/', '?', '#']).next().unwrap(), "{s:?}");
            assert_eq!(split_at_first(s, b"eE"), s.split_once(['e', 'E']), "{s:?}");
            assert_eq!(split_at_last(s, b'@'), s.rsplit_once('@'), "{s:?}");
            assert_eq!(strip_one(s, b"-+"), s.strip_prefix(['-', '+']), "{s:?}");
        }
    }

    /// The one-pass tag check gives what the split-and-`all` version it replaced gave.
    #[test]
    fn tag_ok_matches_split() {
        let old = |tag: &str| {
            let mut parts = tag.split('-');
            let primary = parts.next().unwrap_or("");
            (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic()) && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
        };
        for t in ["", "-", "r", "ru", "rus", "russ", "ru-", "-ru", "ru--RU", "ru-RU", "ru-R", "ru-12345678", "ru-123456789", "zh-Hant-TW", "r1", "ru-ру", "ру", "ru_RU", "ru RU", "e1-x", "ab-cd-ef-gh", "ab-a-", "abc-abcdefgh-a"] {
            assert_eq!(tag_ok(t.as_bytes()), old(t), "{t:?}");
        }
    }

    #[test]
    fn languages() {
        for ok in ["ru-RU", "ru-ru", "en", "ru-RU, kk-KZ", "zh-Hant-TW", "fil"] {
            assert!(check_language(ok).is_ok(), "{ok}");
        }
        for bad in ["", "russian", "ru_RU", "ru-RU,", "r", "ru-RU kk-KZ", "ru-toolongsubtag"] {
            assert!(check_language(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails() {
        for ok in ["agent@example.com", "a.b+tag@sub.example.co.za", "имя@пример.рф", "用户@例子.广告", "δοκιμή@παράδειγμα.δοκιμή"] {
            assert!(check_email(ok).is_ok(), "{ok}");
        }
        for bad in ["", "agent", "@example.com", "agent@", "agent@localhost", "a..b@example.com", "a b@example.com", "agent@-x.com", "agent@example.c0m", "a@b@c", "a\u{a0}b@example.com", "a@exa\u{3000}mple.com", "a\u{85}@example.com", "a@example.\u{2028}ru"] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls_and_numbers() {
        assert_eq!(url_scheme("https://storage.googleapis.com/x.json").as_deref(), Some("https"));
        assert_eq!(url_scheme("HTTP://h:80/p").as_deref(), Some("http"));
        assert_eq!(url_scheme("https:///path"), None);
        assert_eq!(url_scheme("gs://bucket/x"), Some("gs".into()));
        assert_eq!(url_scheme("https://a b"), None);
        assert_eq!(url_scheme("example.com"), None);
        assert!(is_integer("-12") && !is_integer("1.0") && !is_integer(""));
        assert!(is_decimal("3.14") && is_decimal("-1e-3") && !is_decimal("1.") && !is_decimal("abc"));
    }

    #[test]
    fn loopback_hosts() {
        for yes in ["localhost", "a.localhost", "[::1]", "127.0.0.1", "127.255.255.255", "127.1.02.3"] {
            assert!(is_loopback_host(yes), "{yes}");
        }
        for no in ["127.0.0", "127.0.0.1.5", "127.256.0.1", "128.0.0.1", "127.0.0.", "127.0.0.0001", "127.a.0.1", "127.+1.0.1", "127.99999999999.0.1", "example.com", ""] {
            assert!(!is_loopback_host(no), "{no}");
        }
    }
}
