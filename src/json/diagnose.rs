//! The parser's slow paths: syntax error messages, the pointer of the value being read, and the
//! pointers of duplicate keys. Nothing here runs while a valid document is parsed, except
//! [`resolve_duplicates`] when there are duplicates.

use super::parser::{DuplicateKey, Frame, Parser, SyntaxError, NONE};
use super::scan::text_at;
use super::tree::{Document, Kind, Node};
use crate::validate::{pointer, Code};

pub(super) fn show(c: u8) -> String {
    match c {
        b'\n' => "a line break".to_owned(),
        b'\t' => "a tab".to_owned(),
        c if c.is_ascii_graphic() || c == b' ' => format!("`{}`", c as char),
        c => format!("byte 0x{c:02X}"),
    }
}

/// Turns the (duplicate, first) key node pairs into [`DuplicateKey`]s.
pub(super) fn resolve_duplicates(doc: &Document<'_>, dups: Vec<(u32, u32)>) -> Vec<DuplicateKey> {
    dups.into_iter()
        .map(|(dup, first)| {
            let key = key_text(doc, dup);
            let parent_path = path_of_key(doc, dup);
            DuplicateKey {
                offset: node_start(doc, dup),
                first_offset: node_start(doc, first),
                path: pointer::child(&parent_path, &key),
                key,
            }
        })
        .collect()
}

fn node_start(doc: &Document<'_>, idx: u32) -> usize {
    doc.nodes.get(idx as usize).map_or(0, |n| n.start as usize)
}

fn key_text(doc: &Document<'_>, idx: u32) -> String {
    key_text_raw(doc.src, &doc.nodes, idx)
}

/// The pointer of the object that holds key node `target`, found by descending from the root.
fn path_of_key(doc: &Document<'_>, target: u32) -> String {
    let mut path = String::new();
    let mut idx = 0u32;
    loop {
        let Some(n) = doc.nodes.get(idx as usize) else { return path };
        match n.kind {
            Kind::Object => {
                let mut c = idx + 1;
                let mut descended = false;
                while c < n.next {
                    if c == target {
                        return path;
                    }
                    let v = c + 1;
                    let vnext = doc.nodes.get(v as usize).map_or(n.next, |x| x.next);
                    if target > v && target < vnext {
                        path = pointer::child(&path, &key_text(doc, c));
                        idx = v;
                        descended = true;
                        break;
                    }
                    c = vnext;
                }
                if !descended {
                    return path;
                }
            }
            Kind::Array => {
                let mut c = idx + 1;
                let mut i = 0usize;
                let mut descended = false;
                while c < n.next {
                    let cnext = doc.nodes.get(c as usize).map_or(n.next, |x| x.next);
                    if target >= c && target < cnext {
                        path.push('/');
                        path.push_str(&i.to_string());
                        idx = c;
                        descended = true;
                        break;
                    }
                    c = cnext;
                    i += 1;
                }
                if !descended {
                    return path;
                }
            }
            _ => return path,
        }
    }
}

/// The source bytes of node `idx` (a key with its quotes).
#[inline(always)]
pub(super) fn raw_of<'s>(src: &'s [u8], nodes: &[Node], idx: u32) -> &'s [u8] {
    nodes.get(idx as usize).and_then(|n| src.get(n.start as usize..n.end as usize)).unwrap_or(&[])
}

/// The unescaped text of key node `idx`.
pub(super) fn key_text_raw(src: &[u8], nodes: &[Node], idx: u32) -> String {
    let Some(n) = nodes.get(idx as usize) else { return String::new() };
    let inner = src.get(n.start as usize + 1..(n.end as usize).saturating_sub(1)).unwrap_or(&[]);
    let inner = String::from_utf8_lossy(inner);
    if n.len == 0 { inner.into_owned() } else { super::escape::unescape(&inner) }
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

    pub(super) fn err(&self, code: Code, offset: usize, message: String) -> SyntaxError {
        SyntaxError { code, message, offset, path: self.path() }
    }

    pub(super) fn opened_at(&self, f: &Frame) -> String {
        let off = self.nodes.get(f.node as usize).map_or(0, |n| n.start as usize);
        let lc = super::position::line_col(self.b, off);
        format!("line {}, column {}", lc.line, lc.column)
    }

    pub(super) fn eof(&self) -> SyntaxError {
        match self.top() {
            Some(f) => self.err(
                Code::UnexpectedEnd,
                self.b.len(),
                format!("the document ends before the {} opened at {} is closed: add `{}`", if f.obj { "object" } else { "array" }, self.opened_at(f), if f.obj { '}' } else { ']' }),
            ),
            None => self.err(Code::UnexpectedEnd, self.b.len(), "the document ends where a value was expected".to_owned()),
        }
    }

    pub(super) fn expected_key(&self) -> SyntaxError {
        let Some(c) = self.peek() else { return self.eof() };
        let found = self.show_here();
        let msg = match c {
            b'\'' => "object keys use double quotes in JSON, not single quotes".to_owned(),
            b'}' => "expected a member after `{` or `,`, found `}`".to_owned(),
            b'/' => "comments are not allowed in JSON: remove them".to_owned(),
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => format!("found {found}: object keys must be double-quoted strings"),
            _ => format!("expected a double-quoted key, found {found}"),
        };
        self.err(Code::ExpectedKey, self.i, msg)
    }

    pub(super) fn bad_value_start(&self, c: u8) -> SyntaxError {
        let found = self.show_here();
        let (code, msg) = match c {
            b'\'' => (Code::UnexpectedCharacter, "strings use double quotes in JSON, not single quotes".to_owned()),
            b'/' => (Code::UnexpectedCharacter, "comments are not allowed in JSON: remove them".to_owned()),
            b',' => (Code::UnexpectedCharacter, "expected a value, found `,`: remove the extra comma".to_owned()),
            b']' | b'}' => (Code::UnexpectedCharacter, format!("expected a value, found {found}")),
            b'+' | b'.' => (Code::InvalidNumber, format!("a JSON number cannot start with {found}")),
            c if c.is_ascii_alphabetic() => {
                let word: String = text_at(self.b, self.i).chars().take_while(|c| c.is_alphanumeric() || *c == '_').take(20).collect();
                if word == "NaN" || word == "Infinity" {
                    (Code::InvalidNumber, format!("`{word}` is not a JSON number: use a string or null"))
                } else {
                    (Code::InvalidLiteral, format!("`{word}` is not a JSON value: strings need double quotes; literals are `true`, `false`, `null`"))
                }
            }
            _ => (Code::UnexpectedCharacter, format!("expected a value, found {found}")),
        };
        self.err(code, self.i, msg)
    }

    pub(super) fn eof_in_string(&self) -> SyntaxError {
        self.err(Code::UnexpectedEnd, self.b.len(), "the document ends inside a string: add the closing `\"`".to_owned())
    }

}
