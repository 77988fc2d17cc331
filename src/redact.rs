//! Scrubbing secrets out of text that becomes an error message.
//!
//! Messages are written so they never contain a key, a token or a presigned field value, but a
//! server may echo part of a request back (an S3 `<Message>`, a `grpc-message`). Every message
//! that contains server text passes through [`redact`] with the secrets of the call.
//!
//! ```
//! use talk_uploader::redact::redact;
//! assert_eq!(redact("bad key k3y-123!", &["k3y-123"]), "bad key [redacted]!");
//! ```

/// Secrets shorter than this are not searched for: a 1-character "secret" would mangle text.
pub const MIN_SECRET_LEN: usize = 4;

/// `text` with every occurrence of each secret (of at least [`MIN_SECRET_LEN`] bytes) replaced
/// by `[redacted]`.
pub fn redact<S: AsRef<str>>(text: &str, secrets: &[S]) -> String {
    let mut out = text.to_owned();
    for secret in secrets {
        let secret = secret.as_ref();
        if secret.len() >= MIN_SECRET_LEN && find(&out, secret).is_some() {
            out = replace(&out, secret, "[redacted]");
        }
    }
    out
}

/// The byte position of the first `needle` in `hay`: the crate's substring search, a plain loop.
/// `str::find`, `contains`, `split_once` and `replace` with a `&str` pattern link core's
/// Two-Way searcher (about 2.5 KB of wasm), for needles of a few bytes here.
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    if n.is_empty() {
        return Some(0);
    }
    hay.as_bytes().windows(n.len()).position(|w| w == n)
}

/// `s` split around its first `sep` ([`str::split_once`] over [`find`]).
pub fn split_once<'a>(s: &'a str, sep: &str) -> Option<(&'a str, &'a str)> {
    let i = find(s, sep)?;
    Some((s.get(..i)?, s.get(i + sep.len()..)?))
}

/// The byte position of the `n`-th (0-based) char of `s`, `None` when `s` has `n` chars or
/// fewer: `s.char_indices().nth(n)`'s position, by a counting loop (`nth` linked
/// `Iterator::nth` and `advance_by` for this alone). For cutting long text shown in messages.
pub fn char_start(s: &str, n: usize) -> Option<usize> {
    let mut seen = 0;
    for (i, _) in s.char_indices() {
        if seen == n {
            return Some(i);
        }
        seen += 1;
    }
    None
}

/// `s` with every `from` replaced by `to`, left to right ([`str::replace`] over [`find`]).
fn replace(s: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some((head, tail)) = split_once(rest, from).filter(|_| !from.is_empty()) {
        out.push_str(head);
        out.push_str(to);
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// `text` with every URL cut to its scheme, host and port: `https://h:8443/p?X-Amz-Signature=s`
/// becomes `https://h:8443`, and `https://user:pw@h/` becomes `https://h`. A presigned URL's
/// query is a signature, and a path or user info can carry a token, so a message shows where a
/// request went and nothing more. Every `UploadError` message passes through this.
///
/// ```
/// use talk_uploader::redact::scrub_urls;
/// assert_eq!(scrub_urls("POST https://u:p@s3.example:9000/b/k?sig=x failed."), "POST https://s3.example:9000 failed.");
/// ```
pub fn scrub_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // `get`, not `[..]`: the positions are char boundaries, and indexing would link the slice
    // panic's formatting.
    while let Some((head, tail)) = split_once(rest, "://") {
        // Where the scheme starts: the run of scheme characters before `://`.
        let mut start = head.len();
        while start > 0 && head.as_bytes().get(start - 1).is_some_and(|b| b.is_ascii_alphanumeric() || b"+.-".contains(b)) {
            start -= 1;
        }
        let is_url = start < head.len() && head.as_bytes().get(start).is_some_and(u8::is_ascii_alphabetic);
        out.push_str(head);
        out.push_str("://");
        rest = tail;
        if !is_url {
            continue;
        }
        // The URL runs to white space, a quote or an angle bracket (how messages delimit it).
        // (`matches!`, not `str::contains(char)`: that links the substring searcher for a
        // non-ASCII char.)
        // A loop over chars, not `str::find` with a closure: that is a searcher of its own.
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            if c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`') {
                end = i;
                break;
            }
        }
        let url = rest.get(..end).unwrap_or_default();
        // By bytes (every delimiter is ASCII), in loops: `find([..])` and `rsplit_once('@')`
        // linked char searchers and `memrchr`, `position` an iterator fold of its own.
        let mut authority_end = 0;
        while url.as_bytes().get(authority_end).is_some_and(|b| !matches!(b, b'/' | b'?' | b'#' | b'\\')) {
            authority_end += 1;
        }
        let authority = url.get(..authority_end).unwrap_or_default();
        // The host starts after the last `@` (a loop back, not `rposition`: a reverse iterator
        // of its own).
        let mut host = authority.len();
        while host > 0 && authority.as_bytes().get(host - 1) != Some(&b'@') {
            host -= 1;
        }
        out.push_str(authority.get(host..).unwrap_or_default());
        // The sentence's own punctuation after a cut URL stays.
        let cut = url.get(authority_end..).unwrap_or_default();
        // By bytes, not `trim_end_matches([..])` (a char searcher walking back by code points):
        // every mark is ASCII, which no byte of a multi-byte character can be.
        let mut keep = cut.len();
        while keep > 0 && cut.as_bytes().get(keep - 1).is_some_and(|b| b").,;:!]".contains(b)) {
            keep -= 1;
        }
        out.push_str(cut.get(keep..).unwrap_or_default());
        rest = rest.get(end..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_every_occurrence_and_ignores_short_secrets() {
        let s = redact("tok tok abcd x", &["tok tok", "x", "abcd"]);
        assert_eq!(s, "[redacted] [redacted] x");
        assert_eq!(redact::<&str>("plain", &[]), "plain");
        assert_eq!(redact("aaaaaaaaa", &["aaaa"]), "[redacted][redacted]a");
        assert_eq!(redact("é secret é secret", &["secret"]), "é [redacted] é [redacted]");
    }

    #[test]
    fn char_start_is_char_indices_nth() {
        for s in ["", "a", "abc", "é", "aé😀b", "😀😀😀😀"] {
            for n in 0..6 {
                assert_eq!(char_start(s, n), s.char_indices().nth(n).map(|(i, _)| i), "{s} {n}");
            }
        }
    }

    #[test]
    fn find_and_split_once_match_str() {
        for (hay, needle) in [("a://b", "://"), ("", "x"), ("abc", ""), ("ab", "abc"), ("xx..yy..", ".."), ("ééé", "é"), ("aaab", "aab")] {
            assert_eq!(find(hay, needle), hay.find(needle), "{hay} {needle}");
            assert_eq!(split_once(hay, needle), hay.split_once(needle), "{hay} {needle}");
        }
    }

    #[test]
    fn urls_keep_only_scheme_host_and_port() {
        for (text, want) in [
            ("at https://s3.example.com/bucket/key?X-Amz-Signature=abc&p=q, then", "at https://s3.example.com, then"),
            ("(http://127.0.0.1:8787/api?token=t0k)", "(http://127.0.0.1:8787)"),
            ("\"https://user:secret@h.example/x\"", "\"https://h.example\""),
            ("https://[::1]:9000#frag and ftp://f.example/a/b", "https://[::1]:9000 and ftp://f.example"),
            ("no url: a://b is odd, ://x too", "no url: a://b is odd, ://x too"),
            ("two https://a.example/1 https://b.example/2?s", "two https://a.example https://b.example"),
            ("end https://a.example/p?q=1.", "end https://a.example."),
            ("кириллица https://a.example/путь?ключ=1 ok", "кириллица https://a.example ok"),
            ("", ""),
            ("s://", "s://"),
            ("9://x x://y/z", "9://x x://y"),
            // Any Unicode white space ends a URL; an `@` after the authority is not user info.
            ("https://a.example/p?s\u{a0}next\u{3000}https://b.example/q", "https://a.example\u{a0}next\u{3000}https://b.example"),
            ("https://a@b@c.example:1/x@y `https://d.example/`", "https://c.example:1 `https://d.example`"),
            ("https://é.example/ü?x https://u@/p", "https://é.example https://"),
        ] {
            assert_eq!(scrub_urls(text), want, "{text}");
        }
    }
}
