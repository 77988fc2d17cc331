//! The compact document tree: one flat `Vec<Node>` in document order, with byte spans.
//!
//! A node is 20 bytes. Containers know the index just past their subtree (`next`), so skipping a
//! child is O(1). Object members are a key node (a string) followed by the value's subtree. Strings
//! and numbers are slices of the source: nothing is copied unless a string has escapes.
//!
//! The source is kept as bytes: the parser checked that every string is UTF-8 and everything else
//! is ASCII, so the document is UTF-8 without a separate pass over it; the few strings a validator
//! reads are turned into `&str` one at a time.

use std::borrow::Cow;

use super::escape::unescape;

/// The JSON type of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `null`
    Null,
    /// `true` or `false`
    Bool,
    /// A number, kept as its source text.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl Kind {
    /// The type with an article, for messages ("found a number").
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Node {
    /// Offset of the first byte of the value.
    pub start: u32,
    /// Offset just past the value.
    pub end: u32,
    /// Index of the next sibling (just past this subtree).
    pub next: u32,
    /// Containers: number of items or members. Strings: 1 when the string has escapes.
    pub len: u32,
    pub kind: Kind,
}

/// A parsed document: the source and its nodes.
#[derive(Debug)]
pub struct Document<'a> {
    pub(crate) src: &'a [u8],
    pub(crate) nodes: Vec<Node>,
    pub(crate) max_depth: u32,
    pub(crate) keys: usize,
}

impl<'a> Document<'a> {
    /// The root value.
    pub fn root(&self) -> Value<'_, 'a> {
        Value { doc: self, idx: 0 }
    }

    /// The source bytes (valid UTF-8) the offsets refer to (without a BOM).
    pub fn source(&self) -> &'a [u8] {
        self.src
    }

    /// How many values the document holds (object keys not counted).
    pub fn value_count(&self) -> usize {
        self.nodes.len().saturating_sub(self.keys)
    }

    /// The deepest nesting of arrays and objects.
    pub fn max_depth(&self) -> u32 {
        self.max_depth
    }
}

/// A borrowed view of one value of a [`Document`].
#[derive(Clone, Copy, Debug)]
pub struct Value<'d, 'a> {
    doc: &'d Document<'a>,
    idx: usize,
}

pub(crate) const EMPTY: Node = Node { start: 0, end: 0, next: 0, len: 0, kind: Kind::Null };

impl<'d, 'a> Value<'d, 'a> {
    #[inline(always)]
    fn node(&self) -> &'d Node {
        self.doc.nodes.get(self.idx).unwrap_or(&EMPTY)
    }

    /// The JSON type.
    #[inline(always)]
    pub fn kind(&self) -> Kind {
        self.node().kind
    }

    /// Byte offset of the value's first byte.
    #[inline(always)]
    pub fn offset(&self) -> usize {
        self.node().start as usize
    }

    /// The value's source text.
    pub fn raw(&self) -> &'a str {
        let n = self.node();
        utf8(self.doc.src.get(n.start as usize..n.end as usize))
    }

    /// The bytes between the quotes of a string (or of whatever this is).
    #[inline(always)]
    fn inner(&self, n: &Node) -> &'a [u8] {
        self.doc.src.get(n.start as usize + 1..(n.end as usize).saturating_sub(1)).unwrap_or(&[])
    }

    /// The text of a string, unescaped (borrowed when it has no escapes).
    pub fn as_str(&self) -> Option<Cow<'a, str>> {
        let n = self.node();
        if n.kind != Kind::String {
            return None;
        }
        let inner = utf8(Some(self.inner(n)));
        Some(if n.len == 0 { Cow::Borrowed(inner) } else { Cow::Owned(unescape(inner)) })
    }

    /// The UTF-8 bytes of a string that has no escapes (`None` for other strings and types).
    #[inline(always)]
    pub fn plain_bytes(&self) -> Option<&'a [u8]> {
        let n = self.node();
        if n.kind == Kind::String && n.len == 0 { Some(self.inner(n)) } else { None }
    }

    /// `true` when this is the empty string `""` (a string with escapes is never empty).
    #[inline]
    pub fn is_empty_str(&self) -> bool {
        let n = self.node();
        n.kind == Kind::String && n.end.wrapping_sub(n.start) == 2
    }

    /// `true` when this is a string equal to `s` (no allocation when it has no escapes).
    pub fn str_eq(&self, s: &str) -> bool {
        let n = self.node();
        if n.kind != Kind::String {
            return false;
        }
        let inner = self.inner(n);
        if n.len == 0 { same(inner, s.as_bytes()) } else { unescape(utf8(Some(inner))) == s }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        let n = self.node();
        (n.kind == Kind::Bool).then(|| self.doc.src.get(n.start as usize) == Some(&b't'))
    }

    /// The number's source text, if this is a number (never rounded).
    pub fn number_raw(&self) -> Option<&'a str> {
        (self.kind() == Kind::Number).then(|| self.raw())
    }

    /// The number as an `i64` when it is written as an integer (no fraction, no exponent) and fits.
    pub fn as_i64(&self) -> Option<i64> {
        // The source bytes (ASCII): no UTF-8 check of the text, as `number_raw` would do.
        let n = self.node();
        if n.kind != Kind::Number {
            return None;
        }
        parse_i64(self.doc.src.get(n.start as usize..n.end as usize)?)
    }

    /// Number of items (arrays), members (objects), or 0.
    pub fn len(&self) -> usize {
        match self.kind() {
            Kind::Array | Kind::Object => self.node().len as usize,
            _ => 0,
        }
    }

    /// `true` when [`Value::len`] is 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The items of an array (nothing for other types).
    pub fn items(&self) -> Items<'d, 'a> {
        let n = self.node();
        let (cur, end) = if n.kind == Kind::Array { (self.idx + 1, n.next as usize) } else { (0, 0) };
        Items { doc: self.doc, cur, end }
    }

    /// The members of an object as (key, value) pairs, in source order (nothing for other types).
    pub fn members(&self) -> Members<'d, 'a> {
        let n = self.node();
        let (cur, end) = if n.kind == Kind::Object { (self.idx + 1, n.next as usize) } else { (0, 0) };
        Members { doc: self.doc, cur, end }
    }

    /// The first member named `key`.
    pub fn get(&self, key: &str) -> Option<Value<'d, 'a>> {
        self.members().find(|(k, _)| k.str_eq(key)).map(|(_, v)| v)
    }
}

/// A JSON number's text as an `i64` when it is an integer that fits (what `str::parse::<i64>`
/// gives for such text, which never starts with `+`), by hand: the standard parser is about
/// 500 bytes of wasm inlined here.
fn parse_i64(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        let d = i64::from(b - b'0');
        v = v.checked_mul(10)?;
        // Negative numbers are summed downwards, so that i64::MIN fits.
        v = if negative { v.checked_sub(d)? } else { v.checked_add(d)? };
    }
    Some(v)
}

#[cfg(test)]
mod parse_i64_tests {
    #[test]
    fn parses_as_str_parse_does() {
        for t in ["0", "-0", "7", "-12", "1705314600000000", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "1.5", "1e5", "-", "", "12a", "99999999999999999999"] {
            assert_eq!(super::parse_i64(t.as_bytes()), t.parse::<i64>().ok(), "{t}");
        }
    }
}

/// Byte-slice equality as an inline loop: `==` on slices is two out-of-line calls (slice equality,
/// then `memcmp`) at opt-level "z", and the slices compared while validating are short keys and ids.
#[inline(always)]
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    loop {
        match (a.get(i), b.get(i)) {
            (Some(x), Some(y)) if x == y => i += 1,
            (None, _) => return true,
            _ => return false,
        }
    }
}

/// A slice of the source as text. The parser has checked the document, so this never fails on
/// slices it made; anything else becomes `""` rather than a panic.
#[inline]
fn utf8(bytes: Option<&[u8]>) -> &str {
    bytes.and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("")
}

/// Iterator over array items.
#[derive(Clone, Debug)]
pub struct Items<'d, 'a> {
    doc: &'d Document<'a>,
    cur: usize,
    end: usize,
}

impl<'d, 'a> Iterator for Items<'d, 'a> {
    type Item = Value<'d, 'a>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.cur >= self.end {
            return None;
        }
        let v = Value { doc: self.doc, idx: self.cur };
        self.cur = self.doc.nodes.get(self.cur).map_or(self.end, |n| (n.next as usize).max(self.cur + 1));
        Some(v)
    }
}

/// Iterator over object members.
#[derive(Clone, Debug)]
pub struct Members<'d, 'a> {
    doc: &'d Document<'a>,
    cur: usize,
    end: usize,
}

impl<'d, 'a> Iterator for Members<'d, 'a> {
    type Item = (Value<'d, 'a>, Value<'d, 'a>);
    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        if self.cur + 1 >= self.end {
            return None;
        }
        let key = Value { doc: self.doc, idx: self.cur };
        let val = Value { doc: self.doc, idx: self.cur + 1 };
        self.cur = self.doc.nodes.get(self.cur + 1).map_or(self.end, |n| (n.next as usize).max(self.cur + 2));
        Some((key, val))
    }
}
