//! A small streaming JSON writer: values go straight into one `String`, compactly, in the order
//! the caller writes them. Commas come from the text itself (one is written before a value
//! unless it opens an object or array), so there is no state and no tree: an earlier version
//! built a value tree per message and sorted each object's members, which cost code per member
//! and an allocation per value.
//!
//! The caller writes each object's members sorted by key, so output reads as serde_json's did
//! (its map is a `BTreeMap`).
//!
//! ```
//! use talk_uploader::json::write::Writer;
//! let mut w = Writer::default();
//! w.open(None, b'{');
//! w.open(Some("a"), b'[');
//! w.string(None, "x\n");
//! w.bool(None, true);
//! w.close(b']');
//! w.int(Some("b"), -1);
//! w.strings(Some("c"), &[("k\"".to_owned(), "v".to_owned())]);
//! w.close(b'}');
//! assert_eq!(w.into_string(), r#"{"a":["x\n",true],"b":-1,"c":{"k\"":"v"}}"#);
//! ```

use super::escape::push_quoted;

/// JSON text being written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Writer {
    out: String,
}

impl Writer {
    /// The text written so far.
    pub fn into_string(self) -> String {
        self.out
    }

    /// Starts a value: the comma before it (unless it is the first in its object or array) and
    /// its `key`, if it is an object member. Keys are the caller's constants and are written as
    /// they are (for keys from data, see [`Writer::strings`]).
    fn start(&mut self, key: Option<&str>) {
        if !matches!(self.out.as_bytes().last(), None | Some(b'{' | b'[')) {
            self.out.push(',');
        }
        if let Some(k) = key {
            self.out.push('"');
            self.out.push_str(k);
            self.out.push_str("\":");
        }
    }

    /// Opens an object (`b'{'`) or an array (`b'['`).
    pub fn open(&mut self, key: Option<&str>, bracket: u8) {
        self.start(key);
        self.out.push(char::from(bracket));
    }

    /// Closes an object (`b'}'`) or an array (`b']'`).
    pub fn close(&mut self, bracket: u8) {
        self.out.push(char::from(bracket));
    }

    /// A string.
    pub fn string(&mut self, key: Option<&str>, s: &str) {
        self.start(key);
        push_quoted(&mut self.out, s);
    }

    /// An integer.
    pub fn int(&mut self, key: Option<&str>, n: i64) {
        self.start(key);
        push_int(&mut self.out, n);
    }

    /// A non-negative integer (reports' counts and sizes, which may pass `i64::MAX` in a hostile zip).
    pub fn uint(&mut self, key: Option<&str>, n: u64) {
        use std::fmt::Write as _;
        self.start(key);
        // Writing to a String cannot fail.
        let _ = write!(self.out, "{n}");
    }

    /// `true` or `false`.
    pub fn bool(&mut self, key: Option<&str>, b: bool) {
        self.start(key);
        self.out.push_str(if b { "true" } else { "false" });
    }

    /// An object of string values (keys escaped), members in the order given.
    pub fn strings(&mut self, key: Option<&str>, members: &[(String, String)]) {
        self.open(key, b'{');
        for (k, v) in members {
            self.string(None, k);
            self.out.push(':');
            push_quoted(&mut self.out, v);
        }
        self.close(b'}');
    }

    /// Appends `json`, a complete value written by another [`Writer`].
    pub fn raw(&mut self, key: Option<&str>, json: &str) {
        self.start(key);
        self.out.push_str(json);
    }
}

/// Appends the decimal digits of `n`, as `Display` writes them (the integer formatting the
/// crate links anyway, through one call here).
pub fn push_int(out: &mut String, n: i64) {
    use std::fmt::Write as _;
    // Writing to a String cannot fail.
    let _ = write!(out, "{n}");
}

#[cfg(test)]
mod tests {
    use super::Writer;

    #[test]
    fn integers_as_display_writes_them() {
        for n in [0, 1, -1, 9, 10, 99, 100, 1_530_718_491_000_000, i64::MAX, i64::MIN, -1_000_000] {
            let mut w = Writer::default();
            w.int(None, n);
            assert_eq!(w.into_string(), n.to_string());
        }
        for n in [0, 7, 1 << 53, u64::MAX] {
            let mut w = Writer::default();
            w.open(None, b'[');
            w.uint(None, n);
            w.uint(None, n);
            w.close(b']');
            assert_eq!(w.into_string(), format!("[{n},{n}]"));
        }
    }

    #[test]
    fn commas_between_values_only() {
        let mut w = Writer::default();
        w.open(None, b'[');
        w.open(None, b'{');
        w.close(b'}');
        w.open(None, b'[');
        w.close(b']');
        w.strings(None, &[]);
        w.raw(None, "[1]");
        w.strings(None, &[("a".into(), "1".into()), ("b".into(), "".into())]);
        w.close(b']');
        assert_eq!(w.into_string(), r#"[{},[],{},[1],{"a":"1","b":""}]"#);
    }
}
