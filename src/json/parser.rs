//! The positioned JSON parser (RFC 8259, strict).
//!
//! It is iterative (an explicit stack, so no input can overflow the call stack), stops at the first
//! syntax error with an actionable message, checks every escape, and records duplicate keys without
//! stopping. Strings are scanned eight bytes at a time and their UTF-8 is checked on the way (every
//! byte outside a string must be ASCII anyway); nothing is allocated per value. Error messages and
//! duplicate-key pointers are built in `diagnose.rs`.

use super::diagnose::{key_text_raw, resolve_duplicates};
use super::escape::push_hex;
use super::scan::{prefix_while, spaces, special, text_at, utf8_len, word};
use super::tree::{Document, Kind, Node, EMPTY};
use crate::report::{sort, Code};

/// Arrays and objects nested deeper than this are rejected with [`Code::TooDeep`].
pub const MAX_DEPTH: usize = 512;

/// Inputs larger than this are refused with [`Code::InputTooLarge`] before anything is parsed.
/// The limit keeps a page's wasm memory (which never shrinks) bounded: the input copy plus the
/// nodes stay under about 700 MiB in the worst case, far from wasm32's 4 GiB.
pub const MAX_INPUT_BYTES: usize = 256 * 1024 * 1024;

/// Documents with more values than this (object keys included) are refused with
/// [`Code::InputTooLarge`]. A node is 20 bytes, so the tree stays under 320 MiB; a 100 MB array
/// of zeros (50 million values) would otherwise need a gigabyte. A pretty-printed chat has about
/// one value per 30 bytes, so this is a 500 MB chat, past [`MAX_INPUT_BYTES`] anyway.
pub const MAX_VALUES: usize = 16 * 1024 * 1024;

/// A syntax error: the document cannot be read at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SyntaxError {
    /// The issue code (one of the parse codes).
    pub code: Code,
    /// What is wrong and how to fix it.
    pub message: String,
    /// Byte offset of the offending character.
    pub offset: usize,
    /// Best-effort JSON pointer of the value being read.
    pub path: String,
}

/// A key that repeats an earlier key of the same object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateKey {
    /// The key, unescaped.
    pub key: String,
    /// Byte offset of the later (duplicate) key.
    pub offset: usize,
    /// Byte offset of the first occurrence.
    pub first_offset: usize,
    /// Pointer of the duplicate member.
    pub path: String,
}

/// A parsed document plus the duplicate keys found in it.
#[derive(Debug)]
pub struct Parsed<'a> {
    /// The tree.
    pub doc: Document<'a>,
    /// Keys that repeat an earlier key of their object, at most the `listed` given to
    /// [`parse_limited`] (in document order of the objects' ends).
    pub duplicates: Vec<DuplicateKey>,
    /// How many more duplicate keys were found but not listed.
    pub duplicates_not_listed: u64,
}

pub(super) const NONE: u32 = u32::MAX;

/// What the parser's steps return: the error boxed, so that each step's `Result` is one word
/// (returned in a register, no 32-byte copy at each `?`); [`parse_limited`] unboxes it.
pub(super) type Step<T> = Result<T, Box<SyntaxError>>;

/// An open array or object.
#[derive(Clone, Copy)]
pub(super) struct Frame {
    pub node: u32,
    pub obj: bool,
    pub count: u32,
    /// The node of the object's current key, or [`NONE`].
    pub key: u32,
}

pub(super) struct Parser<'a> {
    pub b: &'a [u8],
    pub i: usize,
    /// Pre-filled with [`EMPTY`]: the first `len` are the nodes so far (writing into a slot is much
    /// cheaper than `Vec::push`, which is an out-of-line call at opt-level "z").
    pub nodes: Vec<Node>,
    len: usize,
    /// [`MAX_DEPTH`] slots; the first `depth` are the open containers (no `Vec::push` per value).
    pub stack: Vec<Frame>,
    pub depth: usize,
    /// (duplicate key node, first key node) pairs, packed ([`sort::pack`]) as the crate sorts them.
    pub dups: Vec<u64>,
    /// How many duplicate pairs to keep; the rest are counted in `dups_over`.
    pub dups_cap: usize,
    pub dups_over: u64,
    /// Set when [`MAX_VALUES`] is reached; the main loop then stops with `input_too_large`.
    too_many: bool,
    max_depth: u32,
    keys: usize,
}

/// Parses `src` (BOM removed). A document it accepts is valid UTF-8. On invalid UTF-8 it stops
/// with some error; [`super::read`] then reports the first invalid byte instead.
pub fn parse(src: &[u8]) -> Result<Parsed<'_>, SyntaxError> {
    parse_limited(src, crate::report::MAX_MAX_ISSUES)
}

/// [`parse`], listing at most `listed` duplicate keys (the rest are only counted), so that a
/// document of a million repeated keys costs no more than its nodes.
pub fn parse_limited(src: &[u8], listed: usize) -> Result<Parsed<'_>, SyntaxError> {
    if src.len() > MAX_INPUT_BYTES {
        return Err(too_large(src.len()));
    }
    let mut p = Parser {
        b: src,
        i: 0,
        // About one node per 24 bytes: pretty-printed chats average ~30, so this rarely regrows.
        nodes: vec![EMPTY; (src.len() / 24 + 4).min(MAX_VALUES)],
        len: 0,
        stack: vec![Frame { node: 0, obj: false, count: 0, key: NONE }; MAX_DEPTH],
        depth: 0,
        dups: Vec::new(),
        dups_cap: listed,
        dups_over: 0,
        too_many: false,
        max_depth: 0,
        keys: 0,
    };
    if let Err(e) = p.run() {
        return Err(*e);
    }
    let Parser { mut nodes, len, mut dups, max_depth, keys, dups_over, .. } = p;
    nodes.truncate(len);
    // (duplicate, first) pairs in order.
    sort::sort(&mut dups);
    let doc = Document { src, nodes, max_depth, keys };
    let duplicates = resolve_duplicates(&doc, dups);
    Ok(Parsed { doc, duplicates, duplicates_not_listed: dups_over })
}

impl<'a> Parser<'a> {
    #[inline(always)]
    pub(super) fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// The innermost open container.
    #[inline(always)]
    pub(super) fn top(&self) -> Option<&Frame> {
        match self.depth {
            0 => None,
            d => self.stack.get(d - 1),
        }
    }

    #[inline(always)]
    fn top_mut(&mut self) -> Option<&mut Frame> {
        match self.depth {
            0 => None,
            d => self.stack.get_mut(d - 1),
        }
    }

    /// `true` when the byte at the cursor is `c` (a pattern, not `Option::eq`, which is an
    /// out-of-line call at opt-level "z").
    #[inline(always)]
    fn at(&self, c: u8) -> bool {
        matches!(self.b.get(self.i), Some(&x) if x == c)
    }

    /// Skips whitespace; a run of spaces (indentation) takes one step per eight bytes.
    #[inline(always)]
    fn skip_ws(&mut self) {
        loop {
            match self.b.get(self.i) {
                Some(b' ') => self.i += spaces(self.b, self.i),
                Some(b'\n' | b'\r' | b'\t') => self.i += 1,
                _ => return,
            }
        }
    }

    #[inline(always)]
    fn push(&mut self, kind: Kind, start: usize, end: usize, len: u32) -> u32 {
        let idx = self.len as u32;
        let node = Node { start: start as u32, end: end as u32, next: idx + 1, len, kind };
        match self.nodes.get_mut(self.len) {
            Some(slot) => *slot = node,
            None => self.grow(node),
        }
        self.len += 1;
        idx
    }

    #[cold]
    fn grow(&mut self, node: Node) {
        if self.len >= MAX_VALUES {
            // The node is not stored; `run` stops at the end of this value.
            self.too_many = true;
            self.len -= 1;
            return;
        }
        self.nodes.truncate(self.len);
        // Grow once to what the rest of the input needs at the density seen so far (+1/8), at
        // least by half, never past the limit. In wasm a realloc holds the old and the new block
        // at once, and that peak stays: doubling three times from the first guess to the limit
        // held 670 MB for a 100 MB array of zeros, one step to the projection 420 MB.
        let projected = (self.len as u128 * self.b.len() as u128 / self.i.max(1) as u128).min(MAX_VALUES as u128) as usize;
        let want = (projected + projected / 8).max(self.len + self.len / 2).clamp(self.len + 1, MAX_VALUES);
        self.nodes.reserve_exact(want - self.len);
        self.nodes.push(node);
        let room = self.nodes.capacity().min(MAX_VALUES);
        self.nodes.resize(room, EMPTY);
    }

    #[cold]
    fn too_many_values(&self) -> Box<SyntaxError> {
        Box::new(SyntaxError {
            code: Code::InputTooLarge,
            message: format!(
                "the document holds more than {MAX_VALUES} values (keys included), the most this validator reads: split it into smaller files"
            ),
            offset: self.i,
            path: self.path(),
        })
    }

    fn open(&mut self, obj: bool) -> Step<()> {
        if self.depth >= MAX_DEPTH {
            return Err(self.err(
                Code::TooDeep,
                self.i,
                format!("arrays and objects are nested more than {MAX_DEPTH} levels deep; flatten the data"),
            ));
        }
        let node = self.push(if obj { Kind::Object } else { Kind::Array }, self.i, self.i, 0);
        self.i += 1;
        if let Some(slot) = self.stack.get_mut(self.depth) {
            *slot = Frame { node, obj, count: 0, key: NONE };
        }
        self.depth += 1;
        self.max_depth = self.max_depth.max(self.depth as u32);
        Ok(())
    }

    fn close(&mut self) {
        let Some(&f) = self.top() else { return };
        self.depth -= 1;
        let next = self.len as u32;
        if let Some(n) = self.nodes.get_mut(f.node as usize) {
            n.end = self.i as u32;
            n.next = next;
            n.len = f.count;
        }
        if f.obj && f.count > 1 {
            self.find_duplicates(f.node, next);
        }
    }

    fn run(&mut self) -> Step<()> {
        self.skip_ws();
        if self.i >= self.b.len() {
            return Err(self.fail(Code::EmptyInput, self.i, "the input is empty: expected a JSON document"));
        }
        'value: loop {
            self.skip_ws();
            let Some(c) = self.peek() else { return Err(self.eof()) };
            match c {
                b'{' => {
                    self.open(true)?;
                    self.skip_ws();
                    match self.peek() {
                        Some(b'}') => {
                            self.i += 1;
                            self.close();
                        }
                        Some(b'"') => {
                            self.key()?;
                            continue 'value;
                        }
                        _ => return Err(self.expected_key()),
                    }
                }
                b'[' => {
                    self.open(false)?;
                    self.skip_ws();
                    if self.at(b']') {
                        self.i += 1;
                        self.close();
                    } else {
                        continue 'value;
                    }
                }
                b'"' => {
                    let start = self.i;
                    let escaped = self.string()?;
                    self.push(Kind::String, start, self.i, escaped as u32);
                }
                b'-' | b'0'..=b'9' => self.number()?,
                b't' => self.literal("true", Kind::Bool)?,
                b'f' => self.literal("false", Kind::Bool)?,
                b'n' => self.literal("null", Kind::Null)?,
                _ => return Err(self.bad_value_start(c)),
            }
            if self.too_many {
                return Err(self.too_many_values());
            }
            // A value is complete: continue the enclosing container, or finish.
            loop {
                let Some(top) = self.top_mut() else { break 'value };
                top.count += 1;
                let top = *top;
                self.skip_ws();
                match self.peek() {
                    Some(b',') => {
                        let comma = self.i;
                        self.i += 1;
                        self.skip_ws();
                        let close = if top.obj { b'}' } else { b']' };
                        if self.at(close) {
                            return Err(self.err(
                                Code::TrailingComma,
                                comma,
                                format!("trailing comma before `{}`: remove the comma after the last {}", close as char, if top.obj { "member" } else { "item" }),
                            ));
                        }
                        if top.obj {
                            if self.at(b'"') {
                                self.key()?;
                            } else {
                                return Err(self.expected_key());
                            }
                        }
                        continue 'value;
                    }
                    Some(b'}') if top.obj => {
                        self.i += 1;
                        self.close();
                    }
                    Some(b']') if !top.obj => {
                        self.i += 1;
                        self.close();
                    }
                    None => return Err(self.eof()),
                    Some(c) => {
                        let (close, what) = if top.obj { ('}', "member") } else { (']', "item") };
                        let found = self.show_here();
                        let (code, msg) = if c == b'}' || c == b']' {
                            (Code::UnexpectedCharacter, format!("found {found} but the {} opened at {} must be closed with `{close}` first", if top.obj { "object" } else { "array" }, self.opened_at(&top)))
                        } else {
                            (Code::MissingComma, format!("expected `,` or `{close}` after an {what}, found {found}: add a comma between {what}s"))
                        };
                        return Err(self.err(code, self.i, msg));
                    }
                }
            }
        }
        self.skip_ws();
        if self.i < self.b.len() {
            let msg = format!("unexpected {} after the end of the JSON document: a file holds exactly one value", self.show_here());
            return Err(Box::new(SyntaxError { code: Code::TrailingContent, message: msg, offset: self.i, path: String::new() }));
        }
        Ok(())
    }


    fn key(&mut self) -> Step<()> {
        let start = self.i;
        let escaped = self.string()?;
        let idx = self.push(Kind::String, start, self.i, escaped as u32);
        self.keys += 1;
        if let Some(top) = self.top_mut() {
            top.key = idx;
        }
        self.skip_ws();
        if !self.at(b':') {
            let k = key_text_raw(self.b, &self.nodes, idx);
            let msg = format!("expected `:` after the key \"{k}\", found {}", self.show_here());
            return Err(self.err(if self.peek().is_none() { Code::UnexpectedEnd } else { Code::MissingColon }, self.i, msg));
        }
        self.i += 1;
        Ok(())
    }

    /// Scans a string starting at `"`; returns whether it has escapes.
    #[inline(never)]
    fn string(&mut self) -> Step<bool> {
        let start = self.i;
        self.i += 1;
        let mut escaped = false;
        loop {
            // Jump to the first byte that needs a look: `"`, `\\`, a control or a non-ASCII byte.
            while let Some(w) = word(self.b, self.i) {
                let m = special(w);
                if m != 0 {
                    self.i += (m.trailing_zeros() / 8) as usize;
                    break;
                }
                self.i += 8;
            }
            while let Some(&c) = self.b.get(self.i) {
                if matches!(c, b'"' | b'\\' | 0..=0x1F | 0x80..=0xFF) {
                    break;
                }
                self.i += 1;
            }
            match self.peek() {
                None => {
                    let lc = crate::report::position::line_col(self.b, start);
                    return Err(self.err(Code::UnexpectedEnd, self.b.len(), format!("the string that starts at line {}, column {} is never closed: add `\"`", lc.line, lc.column)));
                }
                Some(b'"') => {
                    self.i += 1;
                    return Ok(escaped);
                }
                Some(b'\\') => {
                    escaped = true;
                    self.escape()?;
                }
                Some(0x80..=0xFF) => {
                    // Runs of non-ASCII are checked here, one sequence at a time; two-byte
                    // sequences (Cyrillic, Greek, accents) first.
                    loop {
                        match self.b.get(self.i..self.i + 2) {
                            Some(&[0xC2..=0xDF, 0x80..=0xBF]) => self.i += 2,
                            _ if !matches!(self.b.get(self.i), Some(0x80..=0xFF)) => break,
                            _ => match utf8_len(self.b, self.i) {
                                Some(n) => self.i += n,
                                None => return Err(self.fail(Code::InvalidUtf8, self.i, "the text is not valid UTF-8: save the file as UTF-8")),
                            },
                        }
                    }
                }
                Some(c) => {
                    let hint = match c {
                        b'\n' => "write it as `\\n`",
                        b'\r' => "write it as `\\r`",
                        b'\t' => "write it as `\\t`",
                        _ => "escape it as `\\u00XX`",
                    };
                    let mut msg = String::from("unescaped control character U+");
                    push_hex(&mut msg, c.into(), 4, true);
                    msg.push_str(" in a string: ");
                    msg.push_str(hint);
                    return Err(self.err(Code::ControlCharacter, self.i, msg));
                }
            }
        }
    }


    fn hex4(&self, at: usize) -> Option<u32> {
        let s = self.b.get(at..at + 4)?;
        let mut v = 0u32;
        for &h in s {
            v = v * 16 + (h as char).to_digit(16)?;
        }
        Some(v)
    }

    fn escape(&mut self) -> Step<()> {
        let at = self.i;
        match self.b.get(self.i + 1) {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.i += 2;
                Ok(())
            }
            Some(b'u') => {
                let Some(cp) = self.hex4(self.i + 2) else {
                    return Err(self.fail(Code::InvalidEscape, at, "`\\u` must be followed by four hex digits, as in `\\u00e9`"));
                };
                self.i += 6;
                if (0xD800..0xDC00).contains(&cp) {
                    let low = if self.b.get(self.i) == Some(&b'\\') && self.b.get(self.i + 1) == Some(&b'u') { self.hex4(self.i + 2) } else { None };
                    match low {
                        Some(l) if (0xDC00..0xE000).contains(&l) => {
                            self.i += 6;
                            Ok(())
                        }
                        _ => Err(self.err(Code::LoneSurrogate, at, surrogate(cp, "` is half of a surrogate pair with no low half after it: the text would not be valid Unicode"))),
                    }
                } else if (0xDC00..0xE000).contains(&cp) {
                    Err(self.err(Code::LoneSurrogate, at, surrogate(cp, "` is the low half of a surrogate pair with no high half before it")))
                } else {
                    Ok(())
                }
            }
            None => Err(self.eof_in_string()),
            Some(_) => {
                let shown = prefix_while(text_at(self.b, self.i), 2, &|_| true);
                Err(self.err(Code::InvalidEscape, at, format!("`{shown}` is not a JSON escape: use `\\\\` for a backslash, or one of \\\" \\/ \\b \\f \\n \\r \\t \\uXXXX")))
            }
        }
    }

    fn digits(&mut self) -> usize {
        let s = self.i;
        while matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - s
    }

    fn number(&mut self) -> Step<()> {
        let start = self.i;
        if self.at(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.i += 1;
                if matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
                    return Err(self.fail(Code::InvalidNumber, start, "numbers cannot have leading zeros: write `7`, not `07` (or quote it if it is an id)"));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            Some(b'I') => return Err(self.fail(Code::InvalidNumber, start, "`-Infinity` is not a JSON number")),
            _ => return Err(self.fail(Code::InvalidNumber, start, "expected a digit after `-`")),
        }
        if self.at(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(self.fail(Code::InvalidNumber, start, "a digit must follow the decimal point: write `1.0`, not `1.`"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.fail(Code::InvalidNumber, start, "an exponent needs digits: write `1e5`"));
            }
        }
        if let Some(c) = self.peek().filter(|c| c.is_ascii_alphanumeric() || *c == b'.' || *c == b'_') {
            let _ = c;
            let text = prefix_while(text_at(self.b, start), 24, &|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'));
            return Err(self.err(Code::InvalidNumber, start, format!("`{text}` is not a JSON number (quote it if it is text)")));
        }
        self.push(Kind::Number, start, self.i, 0);
        Ok(())
    }

    fn literal(&mut self, word: &str, kind: Kind) -> Step<()> {
        let end = self.i + word.len();
        let ok = self.b.get(self.i..end) == Some(word.as_bytes()) && !self.b.get(end).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_');
        if !ok {
            let c = self.peek().unwrap_or(b' ');
            return Err(self.bad_value_start(c));
        }
        self.push(kind, self.i, end, 0);
        self.i = end;
        Ok(())
    }
}

/// "`\uXXXX`" (the escape as written, lowercase) and `tail`: the lone-surrogate messages.
#[cold]
fn surrogate(cp: u32, tail: &str) -> String {
    let mut m = String::from("`\\u");
    push_hex(&mut m, cp, 4, false);
    m.push_str(tail);
    m
}

/// The error for an input over [`MAX_INPUT_BYTES`].
#[cold]
pub fn too_large(len: usize) -> SyntaxError {
    SyntaxError {
        code: Code::InputTooLarge,
        message: format!(
            "the input has {len} bytes or more, over the {MAX_INPUT_BYTES} bytes (256 MiB) this validator reads: split it into smaller files"
        ),
        offset: 0,
        path: String::new(),
    }
}
