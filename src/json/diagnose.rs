//! The parser's slow paths: syntax error messages, the pointer of the value being read, and the
//! pointers of duplicate keys. Nothing here runs while a valid document is parsed, except
//! [`resolve_duplicates`] when there are duplicates.

use super::parser::{DuplicateKey, Frame, Parser, SyntaxError, NONE};
use super::scan::{prefix_while, text_at};
use super::tree::{Document, Kind, Node};
use crate::report::sort::unpack;
use crate::report::{pointer, Code};

pub(super) fn show(c: u8) -> String {
    match c {
        b'\n' => "a line break".to_owned(),
        b'\t' => "a tab".to_owned(),
        c if c.is_ascii_graphic() || c == b' ' => format!("`{}`", c as char),
        c => {
            let mut s = String::from("byte 0x");
            super::escape::push_hex(&mut s, c.into(), 2, true);
            s
        }
    }
}

/// Turns the (duplicate, first) key node pairs, sorted by node, into [`DuplicateKey`]s.
///
/// All the pointers come from one forward walk over the nodes (up to the last duplicate), so the
/// cost is linear in the document however many duplicates it has: descending from the root for
/// each one was quadratic for an array of a million objects with one duplicate each.
/// `dups` are (duplicate, first) key node pairs packed by [`crate::report::sort::pack`].
pub(super) fn resolve_duplicates(doc: &Document<'_>, dups: Vec<u64>) -> Vec<DuplicateKey> {
    /// An open container during the walk: where its subtree ends, where its next direct child
    /// starts, and its current child (a key node, or the count of items so far).
    struct Open {
        end: u32,
        obj: bool,
        next_child: u32,
        key: u32,
        items: u32,
    }
    // Loops, not iterator chains: each chain is its own copy of the iterator and collect code
    // in the wasm module. The walk builds each issue as it reaches its key (no vector of
    // parent pointers in between).
    let nodes = &doc.nodes;
    let mut out = Vec::with_capacity(dups.len());
    let mut stack: Vec<Open> = Vec::new();
    let mut i = 0u32;
    for &pair in &dups {
        let (dup, first) = unpack(pair);
        // Walk on through the duplicate's node (a key: a string, so it opens nothing).
        while i <= dup && (i as usize) < nodes.len() {
            while stack.last().is_some_and(|f| f.end <= i) {
                stack.pop();
            }
            if let Some(f) = stack.last_mut() {
                if i == f.next_child {
                    if f.obj {
                        f.key = i;
                        f.next_child = nodes.get(i as usize + 1).map_or(f.end, |n| n.next.max(i + 2));
                    } else {
                        f.items += 1;
                        f.next_child = nodes.get(i as usize).map_or(f.end, |n| n.next.max(i + 1));
                    }
                }
            }
            if let Some(n) = nodes.get(i as usize) {
                if matches!(n.kind, Kind::Object | Kind::Array) {
                    stack.push(Open { end: n.next, obj: n.kind == Kind::Object, next_child: i + 1, key: NONE, items: 0 });
                }
            }
            i += 1;
        }
        // The pointer of the object holding the key: each outer container's current child.
        let mut parent = String::new();
        if i > dup {
            for f in stack.iter().take(stack.len().saturating_sub(1)) {
                if f.obj {
                    pointer::push_escaped_into(&mut parent, &key_text(doc, f.key));
                } else {
                    parent.push('/');
                    parent.push_str(&f.items.saturating_sub(1).to_string());
                }
                if parent.len() > MAX_QUOTED {
                    break;
                }
            }
        }
        let key = key_text(doc, dup);
        out.push(DuplicateKey {
            offset: node_start(doc, dup),
            first_offset: node_start(doc, first),
            path: clip(pointer::child(&parent, &key)),
            key,
        });
    }
    out
}

/// The longest key or pointer (in bytes) an issue quotes; longer ones are cut at a character
/// boundary and end with `…`. Without it, a thousand duplicate keys under one 1 MB key would
/// make a gigabyte of report. Line and column still say exactly where the key is.
pub const MAX_QUOTED: usize = 1024;

pub(crate) fn clip(mut s: String) -> String {
    if s.len() > MAX_QUOTED {
        let mut cut = MAX_QUOTED;
        while cut > 0 && !s.is_char_boundary(cut) {
            cut -= 1;
        }
        // `get`, not `truncate`: the boundary is known, and truncate's assertion would link a
        // panic path.
        if let Some(head) = s.get(..cut) {
            let mut out = String::with_capacity(cut + '…'.len_utf8());
            out.push_str(head);
            out.push('…');
            s = out;
        }
    }
    s
}

fn node_start(doc: &Document<'_>, idx: u32) -> usize {
    doc.nodes.get(idx as usize).map_or(0, |n| n.start as usize)
}

/// The unescaped text of key node `idx`, clipped to [`MAX_QUOTED`] bytes without reading (or
/// copying) more of a huge key than that needs: an escape is at most 6 bytes for 1 byte of text.
fn key_text(doc: &Document<'_>, idx: u32) -> String {
    clip(utf8(&key_bytes(doc.src, &doc.nodes, idx, 6 * MAX_QUOTED + 16)).to_owned())
}

/// The unescaped bytes (UTF-8) of key node `idx` from at most `max` bytes of its source (cut at
/// a character boundary), borrowed when it has no escapes. One function for every use of a key's
/// text (messages, pointers, the duplicate table); no UTF-8 check for a key without escapes.
pub(super) fn key_bytes<'s>(src: &'s [u8], nodes: &[Node], idx: u32, max: usize) -> std::borrow::Cow<'s, [u8]> {
    let Some(n) = nodes.get(idx as usize) else { return std::borrow::Cow::Borrowed(&[]) };
    let inner = src.get(n.start as usize + 1..(n.end as usize).saturating_sub(1)).unwrap_or(&[]);
    let mut cut = inner.len().min(max);
    while cut > 0 && inner.get(cut).is_some_and(|b| b & 0xC0 == 0x80) {
        cut -= 1;
    }
    let inner = inner.get(..cut).unwrap_or(&[]);
    if n.len == 0 {
        std::borrow::Cow::Borrowed(inner)
    } else {
        std::borrow::Cow::Owned(super::escape::unescape(utf8(inner)).into_bytes())
    }
}

/// The unescaped text of key node `idx`.
pub(super) fn key_text_raw(src: &[u8], nodes: &[Node], idx: u32) -> String {
    utf8(&key_bytes(src, nodes, idx, usize::MAX)).to_owned()
}

/// Bytes the parser has already checked as UTF-8 (a key's, cut at a character boundary) as
/// text. `from_utf8`, not `String::from_utf8_lossy`: the text is valid, and the lossy decoder
/// is another 1.1 KB of wasm.
pub(crate) fn utf8(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or_default()
}

impl Parser<'_> {
    /// The char (not byte) at the cursor, for messages.
    pub(super) fn show_here(&self) -> String {
        match text_at(self.b, self.i).chars().next() {
            Some(c) if c.is_ascii() => show(c as u8),
            Some(c) => format!("`{c}`"),
            None => "the end of the input".to_owned(),
        }
    }

    pub(super) fn path(&self) -> String {
        let mut out = String::new();
        for f in self.stack.get(..self.depth).unwrap_or(&[]) {
            if f.obj {
                if f.key != NONE {
                    let k = key_text_raw(self.b, &self.nodes, f.key);
                    pointer::push_escaped_into(&mut out, &k);
                }
            } else {
                out.push('/');
                out.push_str(&f.count.to_string());
            }
        }
        out
    }

    #[cold]
    #[inline(never)]
    pub(super) fn err(&self, code: Code, offset: usize, message: String) -> Box<SyntaxError> {
        Box::new(SyntaxError { code, message, offset, path: self.path() })
    }

    /// [`Parser::err`] with a fixed message (copied here, not at each of its callers).
    #[cold]
    #[inline(never)]
    pub(super) fn fail(&self, code: Code, offset: usize, message: &str) -> Box<SyntaxError> {
        self.err(code, offset, message.to_owned())
    }

    pub(super) fn opened_at(&self, f: &Frame) -> String {
        let off = self.nodes.get(f.node as usize).map_or(0, |n| n.start as usize);
        let lc = crate::report::position::line_col(self.b, off);
        format!("line {}, column {}", lc.line, lc.column)
    }

    pub(super) fn eof(&self) -> Box<SyntaxError> {
        match self.top() {
            Some(f) => self.err(
                Code::UnexpectedEnd,
                self.b.len(),
                format!("the document ends before the {} opened at {} is closed: add `{}`", if f.obj { "object" } else { "array" }, self.opened_at(f), if f.obj { '}' } else { ']' }),
            ),
            None => self.fail(Code::UnexpectedEnd, self.b.len(), "the document ends where a value was expected"),
        }
    }

    pub(super) fn expected_key(&self) -> Box<SyntaxError> {
        let Some(c) = self.peek() else { return self.eof() };
        let msg = match c {
            b'\'' => "object keys use double quotes in JSON, not single quotes",
            b'}' => "expected a member after `{` or `,`, found `}`",
            b'/' => "comments are not allowed in JSON: remove them",
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => {
                return self.err(Code::ExpectedKey, self.i, format!("found {}: object keys must be double-quoted strings", self.show_here()))
            }
            _ => return self.err(Code::ExpectedKey, self.i, format!("expected a double-quoted key, found {}", self.show_here())),
        };
        self.fail(Code::ExpectedKey, self.i, msg)
    }

    pub(super) fn bad_value_start(&self, c: u8) -> Box<SyntaxError> {
        let (code, msg) = match c {
            b'\'' => (Code::UnexpectedCharacter, "strings use double quotes in JSON, not single quotes"),
            b'/' => (Code::UnexpectedCharacter, "comments are not allowed in JSON: remove them"),
            b',' => (Code::UnexpectedCharacter, "expected a value, found `,`: remove the extra comma"),
            b'+' | b'.' => return self.err(Code::InvalidNumber, self.i, format!("a JSON number cannot start with {}", self.show_here())),
            c if c.is_ascii_alphabetic() => {
                let word = prefix_while(text_at(self.b, self.i), 20, &|c| c.is_ascii_alphanumeric() || c == '_' || !(c.is_ascii() || c.is_whitespace()));
                let msg = if word == "NaN" || word == "Infinity" {
                    (Code::InvalidNumber, format!("`{word}` is not a JSON number: use a string or null"))
                } else {
                    (Code::InvalidLiteral, format!("`{word}` is not a JSON value: strings need double quotes; literals are `true`, `false`, `null`"))
                };
                return self.err(msg.0, self.i, msg.1);
            }
            // `]`, `}` and anything else.
            _ => return self.err(Code::UnexpectedCharacter, self.i, format!("expected a value, found {}", self.show_here())),
        };
        self.fail(code, self.i, msg)
    }

    pub(super) fn eof_in_string(&self) -> Box<SyntaxError> {
        self.fail(Code::UnexpectedEnd, self.b.len(), "the document ends inside a string: add the closing `\"`")
    }

}
