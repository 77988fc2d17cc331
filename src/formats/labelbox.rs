//! Labelbox conversational text: the conversation JSON and the import rows.
//!
//! Conversation rules:
//! - `type` is exactly `application/vnd.labelbox.conversational`; `version` is the number `1`;
//! - `messages` has 1 to 250 items (more is `too_many_messages`, reported at `/messages`);
//! - `messageId` is a non-empty string, unique in the file; a repeat is `duplicate_message_id` at
//!   the *later* message;
//! - `content` is a string of fewer than 10,000 characters, counted as Unicode scalar values (Rust
//!   `chars()`; an emoji counts 1, a flag or a skin-toned emoji counts each code point);
//! - `user` is an object with string `userId` (non-empty) and `name`;
//! - `align`, when present, is `left`, `right`, or `0-left-indent` … `5-left-indent`,
//!   `0-right-indent` … `5-right-indent`;
//! - `canLabel` is a required boolean;
//! - `timestampUsec`, when present, is an integer; below 10^11 it looks like seconds and below 10^14
//!   like milliseconds (a `timestamp_unit` warning; the vendor's sample uses seconds).
//!
//! Import rules: an array of row objects; `row_data` is a string `https` URL (or a loopback
//! `http` one with `allow_loopback_http`); `global_key`, when present, is a non-empty string of
//! at most 200 characters, unique across rows ignoring letter case (the later repeat is reported);
//! `media_type`, when present, is `CONVERSATIONAL`; `metadata_fields`, when present, is an array.

use std::borrow::Cow;

use crate::formats::text;
use crate::json::{Kind, Value};
use crate::formats::check;
use crate::report::{Code, Path, Sink};

/// The `type` every conversation file carries.
pub const CONVERSATION_TYPE: &str = "application/vnd.labelbox.conversational";
/// The most messages a conversation may have.
pub const MAX_MESSAGES: usize = 250;
/// `content` must have fewer characters (Unicode scalar values) than this.
pub const MAX_CONTENT_CHARS: usize = 10_000;
/// Labelbox's limit on a global key, in characters (code points).
pub const MAX_GLOBAL_KEY_CHARS: usize = 200;
/// Every valid `align` value.
pub const ALIGNS: [&str; 14] = [
    "left", "right", "0-left-indent", "1-left-indent", "2-left-indent", "3-left-indent", "4-left-indent", "5-left-indent",
    "0-right-indent", "1-right-indent", "2-right-indent", "3-right-indent", "4-right-indent", "5-right-indent",
];

/// Validates a Labelbox conversation; returns the number of messages.
pub fn check_conversation(root: Value<'_, '_>, sink: &mut Sink) -> usize {
    let path = Path::root();
    if !check::object(sink, root, &path, "the conversation") {
        return 0;
    }
    let [ty, version, messages, ..] = check::lookup(root, &["type", "version", "messages"], &path, sink);
    match ty {
        None => check::missing(sink, root, &path, "type", "\"application/vnd.labelbox.conversational\""),
        Some(t) => choice(sink, t, &path.key("type"), "type", &[CONVERSATION_TYPE], "it must be exactly \"application/vnd.labelbox.conversational\""),
    }
    match version {
        None => check::missing(sink, root, &path, "version", "1"),
        Some(v) if v.kind() != Kind::Number => check::wrong_type(sink, v, &path.key("version"), "version", "the number 1"),
        // `str` against `str` (derefs): `&str != &str` links its own `ne` function.
        Some(v) if *v.raw() != *"1" => sink.error(Code::InvalidEnum, v.offset(), &path.key("version"), format!("`version` is {}: the only version is 1", v.raw())),
        Some(_) => {}
    }
    let Some(messages) = check::required_items(sink, root, messages, &path, "messages", "an array of message objects", "a conversation needs at least one message") else {
        return 0;
    };
    let mp = path.key("messages");
    if messages.len() > MAX_MESSAGES {
        sink.error(Code::TooManyMessages, messages.offset(), &mp, format!("the conversation has {} messages; Labelbox accepts at most {MAX_MESSAGES}: split it into several files", messages.len()));
    }
    // The ids the loop below reads (the first `messageId` of an object message, a non-blank
    // string), and which repeat an earlier message's: found up front with one sort.
    let mut ids = Vec::new();
    for (i, m) in messages.items().enumerate() {
        let id = if m.kind() == Kind::Object { m.get("messageId").and_then(|v| v.as_str()) } else { None };
        if let Some(s) = id.filter(|s| !text::blank(s)) {
            ids.push((s, i));
        }
    }
    let repeated = check::duplicates(ids);
    for (i, m) in messages.items().enumerate() {
        let p = mp.index(i);
        if !check::object(sink, m, &p, "a message") {
            continue;
        }
        let [id, ts, content, user, align, can_label, ..] = 
            check::lookup(m, &["messageId", "timestampUsec", "content", "user", "align", "canLabel"], &p, sink);
        if let Some(s) = check::required_str(sink, m, id, &p, "messageId", true) {
            if let Some(first) = check::earlier_duplicate(&repeated, i) {
                sink.error(Code::DuplicateMessageId, id.map_or(0, |v| v.offset()), &p.key("messageId"), format!("messageId \"{s}\" is already used by /messages/{first}: message ids must be unique"));
            }
        }
        if let Some(t) = ts {
            timestamp_usec(sink, t, &p.key("timestampUsec"));
        }
        if let Some(c) = check::required_str(sink, m, content, &p, "content", false) {
            let n = text::char_count(&c);
            if n >= MAX_CONTENT_CHARS {
                sink.error(Code::ContentTooLong, content.map_or(0, |v| v.offset()), &p.key("content"), format!("`content` has {n} characters; it must be under {MAX_CONTENT_CHARS}: split the message"));
            }
            if let Some(what) = shown_literally(&c) {
                sink.warn(Code::ShownLiterally, content.map_or(0, |v| v.offset()), &p.key("content"), what);
            }
        }
        match user {
            None => check::missing(sink, m, &p, "user", "{ \"userId\": \"…\", \"name\": \"…\" }"),
            Some(u) => {
                let up = p.key("user");
                if check::object(sink, u, &up, "user") {
                    let [uid, name, ..] = check::lookup(u, &["userId", "name"], &up, sink);
                    check::required_str(sink, u, uid, &up, "userId", true);
                    check::required_str(sink, u, name, &up, "name", false);
                }
            }
        }
        if let Some(a) = align {
            choice(sink, a, &p.key("align"), "align", &ALIGNS, "use \"left\", \"right\", \"N-left-indent\" or \"N-right-indent\" with N from 0 to 5");
        }
        match can_label {
            None => check::missing(sink, m, &p, "canLabel", "true or false"),
            Some(b) if b.kind() != Kind::Bool => check::wrong_type(sink, b, &p.key("canLabel"), "canLabel", "a boolean"),
            Some(_) => {}
        }
    }
    messages.len()
}

/// A string member `name` at `path` that must be one of `allowed`: a wrong type, or an
/// `invalid_enum` error "`{name}` is \"{s}\": {what}". One function for `type`, `align` and
/// `media_type`.
#[inline(never)]
fn choice(sink: &mut Sink, v: Value<'_, '_>, path: &Path<'_>, name: &str, allowed: &[&str], what: &str) {
    if let Some(s) = check::optional_str(sink, v, path, name, false) {
        if !allowed.contains(&s.as_ref()) {
            sink.error(Code::InvalidEnum, v.offset(), path, format!("`{name}` is \"{s}\": {what}"));
        }
    }
}

/// What Labelbox's editor would show as typed, because it does not decode it: HTML entities
/// (`&amp;`), Unicode escapes written as text (`\u00e9`), colon emoji aliases (`:smile:`).
/// Each pattern is a run of allowed bytes ([`run`]) and its closing byte: one loop for all
/// five runs, where iterator chains (`take`, `position`, `all`, `any`) each inlined their own.
fn shown_literally(content: &str) -> Option<String> {
    let b = content.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        let rest = b.get(i + 1..).unwrap_or_default();
        let at = |k: usize| rest.get(k).copied();
        match c {
            b'&' => {
                // `&name;` (a letter, then letters and digits) or `&#…;` (hex digits and `x`),
                // the `;` among the first 32 bytes after the `&`.
                let hex = at(0) == Some(b'#');
                let n = if hex { 1 + run(rest.get(1..).unwrap_or_default(), 30, |x| x.is_ascii_hexdigit() || *x == b'x' || *x == b'X') } else { run(rest, 31, u8::is_ascii_alphanumeric) };
                let entity = at(n) == Some(b';') && if hex { n > 1 } else { at(0).is_some_and(|x| x.is_ascii_alphabetic()) };
                if entity {
                    // ASCII (the checks above), so `from_utf8`: the lossy decoder is 1.1 KB of wasm.
                    let text = std::str::from_utf8(b.get(i..i + 2 + n).unwrap_or_default()).unwrap_or_default();
                    return Some(format!("`content` holds the HTML entity `{text}`: Labelbox's editor does not decode entities, so the reader sees `{text}` as typed; write the character itself"));
                }
            }
            b'\\' if at(0) == Some(b'u') && run(rest.get(1..).unwrap_or_default(), 4, u8::is_ascii_hexdigit) == 4 => {
                let text = std::str::from_utf8(b.get(i..i + 6).unwrap_or_default()).unwrap_or_default();
                return Some(format!("`content` holds the text `{text}`: Labelbox's editor shows escape sequences as typed; write the character itself"));
            }
            b':' if i == 0 || b.get(i - 1).is_some_and(|p| !p.is_ascii_alphanumeric()) => {
                // `:alias:`: 1 to 40 of `a-z 0-9 _ + -`, at least one a letter.
                let n = run(rest, 40, |&x| x.is_ascii_lowercase() || x.is_ascii_digit() || matches!(x, b'_' | b'+' | b'-'));
                if n > 0 && at(n) == Some(b':') && run(rest, n, |x| !x.is_ascii_lowercase()) < n {
                    let text = std::str::from_utf8(rest.get(..n).unwrap_or_default()).unwrap_or_default();
                    return Some(format!("`content` holds the emoji alias `:{text}:`: Labelbox's editor shows it as typed, not as an emoji; write the emoji itself"));
                }
            }
            _ => {}
        }
    }
    None
}

/// How many of the first `max` bytes of `b` satisfy `ok`, in a row from the start.
#[inline(never)]
fn run(b: &[u8], max: usize, ok: fn(&u8) -> bool) -> usize {
    let mut n = 0;
    while n < max && b.get(n).is_some_and(ok) {
        n += 1;
    }
    n
}

fn timestamp_usec(sink: &mut Sink, t: Value<'_, '_>, path: &Path<'_>) {
    if t.kind() != Kind::Number {
        check::wrong_type(sink, t, path, "timestampUsec", "an integer");
        return;
    }
    let Some(v) = t.as_i64() else {
        sink.error(Code::InvalidInteger, t.offset(), path, format!("`timestampUsec` is {}: write a whole number of microseconds, without a fraction or exponent", t.raw()));
        return;
    };
    if v.unsigned_abs() < 100_000_000_000 {
        sink.warn(Code::TimestampUnit, t.offset(), path, format!("`timestampUsec` {v} looks like seconds, not microseconds: multiply by 1,000,000"));
    } else if v.unsigned_abs() < 100_000_000_000_000 {
        sink.warn(Code::TimestampUnit, t.offset(), path, format!("`timestampUsec` {v} looks like milliseconds, not microseconds: multiply by 1,000"));
    }
}

/// Validates a Labelbox import file; returns the number of rows.
pub fn check_import(root: Value<'_, '_>, allow_loopback_http: bool, sink: &mut Sink) -> usize {
    let path = Path::root();
    if !check::array(sink, root, &path, "the import file") {
        return 0;
    }
    if root.is_empty() {
        sink.error(Code::EmptyArray, root.offset(), &path, String::from("the import file has no rows"));
    }
    // The keys the loop below reads (the first `global_key` of an object row, a non-blank string,
    // ASCII-folded: Labelbox compares global keys without regard to letter case; the Unicode case
    // tables would cost the module 5 KiB), and which repeat an earlier row's.
    let mut keys = Vec::new();
    for (i, row) in root.items().enumerate() {
        let key = if row.kind() == Kind::Object { row.get("global_key").and_then(|v| v.as_str()) } else { None };
        if let Some(g) = key.filter(|s| !text::blank(s)) {
            keys.push((Cow::Owned(g.to_ascii_lowercase()), i));
        }
    }
    let repeated = check::duplicates(keys);
    for (i, row) in root.items().enumerate() {
        let p = path.index(i);
        if !check::object(sink, row, &p, "a data row") {
            continue;
        }
        let [row_data, global_key, media_type, metadata_fields, ..] = 
            check::lookup(row, &["row_data", "global_key", "media_type", "metadata_fields"], &p, sink);
        if let Some(url) = check::required_str(sink, row, row_data, &p, "row_data", true) {
            let at = row_data.map_or(0, |v| v.offset());
            match text::url_scheme(&url).as_deref() {
                Some("https") => {}
                Some("http") if allow_loopback_http && text::url_host(&url).is_some_and(|h| text::is_loopback_host(&h)) => {}
                Some(s) => sink.error(Code::InvalidUrl, at, &p.key("row_data"), format!("`row_data` uses `{s}://`: Labelbox imports only `https` URLs")),
                None if !text::blank(&url) => sink.error(Code::InvalidUrl, at, &p.key("row_data"), format!("`row_data` \"{url}\" is not a URL: give the https URL of the conversation JSON")),
                None => {}
            }
        }
        if let Some(g) = global_key {
            let gp = p.key("global_key");
            if let Some(s) = check::optional_str(sink, g, &gp, "global_key", true) {
                if !text::blank(&s) {
                    let n = text::char_count(&s);
                    if n > MAX_GLOBAL_KEY_CHARS {
                        sink.error(Code::GlobalKeyTooLong, g.offset(), &gp, format!("global_key has {n} characters; Labelbox allows at most {MAX_GLOBAL_KEY_CHARS}: shorten it (a hash of the content is a good key)"));
                    }
                    if let Some(first) = check::earlier_duplicate(&repeated, i) {
                        sink.error(Code::DuplicateGlobalKey, g.offset(), &gp, format!("global_key \"{s}\" is already used by row /{first} (keys are compared ignoring letter case): global keys must be unique"));
                    }
                }
            }
        }
        if let Some(m) = media_type {
            choice(sink, m, &p.key("media_type"), "media_type", &["CONVERSATIONAL"], "for conversations it must be \"CONVERSATIONAL\"");
        }
        if let Some(f) = metadata_fields {
            check::array(sink, f, &p.key("metadata_fields"), "metadata_fields");
        }
    }
    root.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The iterator version [`shown_literally`] replaced.
    fn reference(content: &str) -> Option<String> {
        let b = content.as_bytes();
        for (i, &c) in b.iter().enumerate() {
            let rest = b.get(i + 1..).unwrap_or_default();
            match c {
                b'&' => {
                    let body = rest.iter().take(32).position(|&x| x == b';').and_then(|e| rest.get(..e));
                    let entity = body.is_some_and(|e| {
                        !e.is_empty()
                            && (e.iter().all(u8::is_ascii_alphanumeric) && e.first().is_some_and(u8::is_ascii_alphabetic)
                                || e.first() == Some(&b'#') && e.len() > 1 && e.get(1..).unwrap_or_default().iter().all(|x| x.is_ascii_hexdigit() || *x == b'x' || *x == b'X'))
                    });
                    if entity {
                        let text = std::str::from_utf8(b.get(i..i + 2 + body.map_or(0, <[u8]>::len)).unwrap_or_default()).unwrap_or_default();
                        return Some(format!("`content` holds the HTML entity `{text}`: Labelbox's editor does not decode entities, so the reader sees `{text}` as typed; write the character itself"));
                    }
                }
                b'\\' if rest.first() == Some(&b'u') && rest.get(1..5).is_some_and(|h| h.len() == 4 && h.iter().all(u8::is_ascii_hexdigit)) => {
                    let text = std::str::from_utf8(b.get(i..i + 6).unwrap_or_default()).unwrap_or_default();
                    return Some(format!("`content` holds the text `{text}`: Labelbox's editor shows escape sequences as typed; write the character itself"));
                }
                b':' if i == 0 || b.get(i - 1).is_some_and(|p| !p.is_ascii_alphanumeric()) => {
                    let len = rest.iter().take(41).position(|&x| x == b':');
                    if let Some(body) = len.and_then(|e| rest.get(..e)) {
                        let alias = !body.is_empty()
                            && body.iter().all(|&x| x.is_ascii_lowercase() || x.is_ascii_digit() || matches!(x, b'_' | b'+' | b'-'))
                            && body.iter().any(u8::is_ascii_lowercase);
                        if alias {
                            let text = std::str::from_utf8(body).unwrap_or_default();
                            return Some(format!("`content` holds the emoji alias `:{text}:`: Labelbox's editor shows it as typed, not as an emoji; write the emoji itself"));
                        }
                    }
                }
                _ => {}
            }
        }
        None
    }

    #[test]
    fn shown_literally_matches_the_iterator_version() {
        let fixed = [
            "&amp;", "&amp; x", "&#x1F600;", "&#;", "&#x;", "&1a;", "&a1;", "&a b;", "&;", "&", "&#", "&#12", "&#X1f;", "&#xg;",
            "a \\u00e9", "\\u00e", "\\u00eg", "\\U00e9", "\\u", "hi :smile:", "::", ":a:", ":1:", ":a1_+-:", "x:smile:", " :Smile:",
            ":smile", ":sm ile:", "é:smile:", "&é;", ":é:",
        ];
        for s in fixed {
            assert_eq!(shown_literally(s), reference(s), "{s:?}");
        }
        let long = |c: char, n: usize| c.to_string().repeat(n);
        for n in 28..36 {
            for s in [format!("&a{};", long('b', n)), format!("&#{};", long('1', n)), format!("&#x{};", long('f', n))] {
                assert_eq!(shown_literally(&s), reference(&s), "{s:?}");
            }
        }
        for n in 37..44 {
            for s in [format!(":{}:", long('a', n)), format!(":{}:", long('1', n)), format!(" :{}a:", long('-', n))] {
                assert_eq!(shown_literally(&s), reference(&s), "{s:?}");
            }
        }
        // Every string of up to 4 bytes over an alphabet of the interesting bytes, and random longer ones.
        let alphabet: &[u8] = b"&#;x\\u:a1F_-+ ;";
        let mut s = Vec::new();
        fn walk(s: &mut Vec<u8>, alphabet: &[u8], depth: usize) {
            let t = std::str::from_utf8(s).unwrap();
            assert_eq!(shown_literally(t), reference(t), "{t:?}");
            if depth == 0 {
                return;
            }
            for &c in alphabet {
                s.push(c);
                walk(s, alphabet, depth - 1);
                s.pop();
            }
        }
        walk(&mut s, alphabet, 4);
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..200_000 {
            let mut t = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 24) as usize;
            for k in 0..len {
                let r = (seed.rotate_left(k as u32 * 5) >> 3) as usize;
                t.push(match r % 20 { 0 => 'é', 1..=3 => 'a', 4 => 'Z', 5 => '0', _ => alphabet[r % alphabet.len()] as char });
            }
            assert_eq!(shown_literally(&t), reference(&t), "{t:?}");
        }
    }
}
