//! RFC 6901 JSON pointers, built lazily.
//!
//! Validators walk the document with a [`Path`] on the stack: a linked list of borrowed segments that
//! costs nothing until an issue needs its pointer rendered.
//!
//! ```
//! use talk_uploader::report::Path;
//! let root = Path::root();
//! let messages = root.key("messages");
//! let third = messages.index(2);
//! assert_eq!(third.key("a/b~c").render(), "/messages/2/a~1b~0c");
//! ```

use std::fmt::Write;

/// One step of a pointer.
#[derive(Clone, Copy, Debug)]
enum Seg<'p> {
    Root,
    Key(&'p str),
    Index(usize),
}

/// A JSON pointer under construction: a parent chain of keys and indices.
#[derive(Clone, Copy, Debug)]
pub struct Path<'p> {
    parent: Option<&'p Path<'p>>,
    seg: Seg<'p>,
}

impl Default for Path<'_> {
    fn default() -> Self {
        Path::root()
    }
}

impl<'p> Path<'p> {
    /// The document root (the empty pointer `""`).
    pub const fn root() -> Path<'static> {
        Path { parent: None, seg: Seg::Root }
    }

    /// The member `key` of this object.
    pub fn key(&'p self, key: &'p str) -> Path<'p> {
        Path { parent: Some(self), seg: Seg::Key(key) }
    }

    /// The item `index` of this array.
    pub fn index(&'p self, index: usize) -> Path<'p> {
        Path { parent: Some(self), seg: Seg::Index(index) }
    }

    /// Renders the RFC 6901 pointer (`~` becomes `~0`, `/` becomes `~1`).
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.render_into(&mut out);
        out
    }

    /// Appends the pointer, parents first. Recursive: a path is a chain of the validators' own
    /// stack frames, a few levels deep whatever the input (a `Vec` of the segments was one more
    /// vector type in the wasm module).
    fn render_into(&self, out: &mut String) {
        if let Some(parent) = self.parent {
            parent.render_into(out);
        }
        match self.seg {
            Seg::Root => {}
            Seg::Key(k) => {
                out.push('/');
                push_escaped(out, k);
            }
            Seg::Index(i) => {
                let _ = write!(out, "/{i}");
            }
        }
    }
}

/// Appends `key` escaped as one RFC 6901 reference token.
pub fn push_escaped(out: &mut String, key: &str) {
    for c in key.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// Appends `/` and `key` escaped.
pub fn push_escaped_into(out: &mut String, key: &str) {
    out.push('/');
    push_escaped(out, key);
}

/// The pointer of one member under a rendered parent pointer.
pub fn child(parent: &str, key: &str) -> String {
    let mut out = String::with_capacity(parent.len() + key.len() + 1);
    out.push_str(parent);
    out.push('/');
    push_escaped(&mut out, key);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_tilde_before_slash() {
        let r = Path::root();
        assert_eq!(r.render(), "");
        assert_eq!(r.key("").render(), "/");
        assert_eq!(r.key("~1").render(), "/~01");
        assert_eq!(r.key("a/b").index(0).render(), "/a~1b/0");
        assert_eq!(child("/fields", "x/y"), "/fields/x~1y");
    }
}
