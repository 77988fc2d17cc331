//! A small JSON writer: a value tree built by the caller, written compactly. Objects keep their
//! members sorted by key, so output reads as serde_json's did (its map is a `BTreeMap` too)
//! without linking serde_json into the wasm. The members are a sorted `Vec`, not a `BTreeMap`:
//! each BTreeMap type links its own node code and, through `collect`, a stable sort (about
//! 5 KiB of gzip for this one), and an object here has a handful of members.
//!
//! ```
//! use talk_uploader::json::write::Out;
//! let v = Out::map(vec![("b", Out::from(1)), ("a", Out::list(vec![Out::from("x\n"), Out::from(true)]))]);
//! assert_eq!(v.to_json(), r#"{"a":["x\n",true],"b":1}"#);
//! let mut o = Out::map(vec![("z", Out::from(1)), ("m", Out::from(2)), ("z", Out::from(3))]);
//! o.insert("a", Out::from("first"));
//! o.insert("m", Out::from(false));
//! assert_eq!(o.to_json(), r#"{"a":"first","m":false,"z":3}"#);
//! ```

use super::escape::push_quoted;

/// A JSON value to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Out {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// `true` or `false`.
    Bool(bool),
    /// An array.
    List(Vec<Out>),
    /// An object, members sorted by key, each key once.
    Map(Vec<(String, Out)>),
}

impl Out {
    /// An object of `members` (a later duplicate key replaces an earlier one). A `Vec`, not an
    /// array: an array parameter makes a copy of this function per length and key type.
    pub fn map(members: Vec<(&str, Out)>) -> Out {
        let mut m = Out::Map(Vec::with_capacity(members.len()));
        for (k, v) in members {
            m.set(k.to_owned(), v);
        }
        m
    }

    /// An array.
    pub fn list(items: Vec<Out>) -> Out {
        Out::List(items)
    }

    /// An object of string values; `members` are sorted by key, each key once (a map's order).
    pub fn strings(members: Vec<(String, String)>) -> Out {
        // A loop, not `map().collect()`: one iterator chain less in the wasm module.
        let mut m = Vec::with_capacity(members.len());
        for (k, v) in members {
            m.push((k, Out::Str(v)));
        }
        Out::Map(m)
    }

    /// Sets member `key` of an object (nothing for other values).
    pub fn insert(&mut self, key: &str, value: Out) {
        self.set(key.to_owned(), value);
    }

    /// Sets member `key`, keeping the members sorted; an existing `key` gets the new value.
    fn set(&mut self, key: String, value: Out) {
        if let Out::Map(m) = self {
            match m.binary_search_by(|(k, _)| k.as_str().cmp(key.as_str())) {
                Ok(i) => {
                    if let Some(slot) = m.get_mut(i) {
                        slot.1 = value;
                    }
                }
                Err(i) => m.insert(i, (key, value)),
            }
        }
    }

    /// The compact JSON text.
    pub fn to_json(&self) -> String {
        let mut s = String::new();
        self.write(&mut s);
        s
    }

    /// Appends the compact JSON text to `out`.
    pub fn write(&self, out: &mut String) {
        match self {
            Out::Str(s) => push_quoted(out, s),
            Out::Int(n) => out.push_str(&n.to_string()),
            Out::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Out::List(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
            Out::Map(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_quoted(out, k);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

impl From<&str> for Out {
    fn from(s: &str) -> Out {
        Out::Str(s.to_owned())
    }
}

impl From<String> for Out {
    fn from(s: String) -> Out {
        Out::Str(s)
    }
}

impl From<i64> for Out {
    fn from(n: i64) -> Out {
        Out::Int(n)
    }
}

impl From<bool> for Out {
    fn from(b: bool) -> Out {
        Out::Bool(b)
    }
}
