//! Small shared checks for the per-format rules: member lookup, types, required members.
//!
//! They record issues in a [`Sink`] and return what they found, so a format's rules read as a
//! list. Messages name the member and say what to do.

use std::borrow::Cow;

use crate::formats::text;
use crate::json::{Kind, Value};
use crate::report::suggest::suggest;
use crate::report::{sort, Code, Path, Sink};

/// The most members one [`lookup`] finds.
pub const MAX_LOOKUP: usize = 6;

/// Finds the members `names` (at most [`MAX_LOOKUP`]) of `obj` in one pass, in the first slots
/// of the result (destructure it with `let [a, b, ..] = ...`). Other members get an
/// `unknown_member` warning. For a duplicated key the first occurrence wins (the duplicate is
/// already an error). One fixed result size and a static list of names: a copy per array length
/// and the names built on the stack at each call cost wasm bytes.
pub fn lookup<'d, 'a>(obj: Value<'d, 'a>, names: &'static [&'static str], path: &Path<'_>, sink: &mut Sink) -> [Option<Value<'d, 'a>>; MAX_LOOKUP] {
    let mut out = [None; MAX_LOOKUP];
    for (k, v) in obj.members() {
        let found = match k.plain_bytes() {
            Some(key) => names.iter().position(|n| crate::json::same(n.as_bytes(), key)),
            None => names.iter().position(|n| k.str_eq(n)),
        };
        match found {
            Some(i) => {
                if let Some(slot) = out.get_mut(i) {
                    if slot.is_none() {
                        *slot = Some(v);
                    }
                }
            }
            None if sink.room_for_warning() => {
                let key = k.as_str().unwrap_or_default();
                let hint = suggest(&key, names, "members");
                sink.warn(Code::UnknownMember, k.offset(), &path.key(&key), format!("unknown member \"{key}\" is ignored{hint}"));
            }
            None => {}
        }
    }
    out
}

/// Records a `wrong_type` error: "`name` must be {expected}, found {actual}".
pub fn wrong_type(sink: &mut Sink, v: Value<'_, '_>, path: &Path<'_>, name: &str, expected: &str) {
    if !sink.room_for_error() {
        return;
    }
    let hint = match (v.kind(), expected) {
        (Kind::Number, "a string") => format!(": quote it, as in \"{}\"", v.raw()),
        (Kind::String, "a number" | "an integer") => ": remove the quotes".to_owned(),
        (Kind::String, "a boolean") => ": write true or false without quotes".to_owned(),
        _ => String::new(),
    };
    sink.error(Code::WrongType, v.offset(), path, format!("`{name}` must be {expected}, found {}{hint}", v.kind().describe()));
}

/// Records a `missing_member` error at the pointer `name` would have, placed at `parent`.
pub fn missing(sink: &mut Sink, parent: Value<'_, '_>, path: &Path<'_>, name: &str, what: &str) {
    if !sink.room_for_error() {
        return;
    }
    sink.error(Code::MissingMember, parent.offset(), &path.key(name), format!("missing `{name}`: add {what}"));
}

/// Checks that `v` is an object; records `wrong_type` otherwise.
pub fn object(sink: &mut Sink, v: Value<'_, '_>, path: &Path<'_>, name: &str) -> bool {
    if v.kind() == Kind::Object {
        return true;
    }
    wrong_type(sink, v, path, name, "an object");
    false
}

/// Checks that `v` is an array; records `wrong_type` otherwise.
pub fn array(sink: &mut Sink, v: Value<'_, '_>, path: &Path<'_>, name: &str) -> bool {
    if v.kind() == Kind::Array {
        return true;
    }
    wrong_type(sink, v, path, name, "an array");
    false
}

/// A required array member that must not be empty (`messages`): reports a missing member (`what`
/// says what to add), a wrong type and an empty array (`when_empty` is that whole message,
/// "`{name}` is empty: {what to do}", written out by the caller: no `format!` here).
/// Returns the array, empty or not, when it is one.
pub fn required_items<'d, 'a>(
    sink: &mut Sink,
    parent: Value<'d, 'a>,
    slot: Option<Value<'d, 'a>>,
    parent_path: &Path<'_>,
    name: &str,
    what: &str,
    when_empty: &str,
) -> Option<Value<'d, 'a>> {
    let Some(items) = slot else {
        missing(sink, parent, parent_path, name, what);
        return None;
    };
    let path = parent_path.key(name);
    if !array(sink, items, &path, name) {
        return None;
    }
    if items.is_empty() && sink.room_for_error() {
        sink.error(Code::EmptyArray, items.offset(), &path, String::from(when_empty));
    }
    Some(items)
}

/// A required string member: reports a missing member, a wrong type and (if `non_empty`) an empty
/// string. Returns the text when it is a string.
pub fn required_str<'a>(
    sink: &mut Sink,
    parent: Value<'_, 'a>,
    slot: Option<Value<'_, 'a>>,
    parent_path: &Path<'_>,
    name: &str,
    non_empty: bool,
) -> Option<Cow<'a, str>> {
    let Some(v) = slot else {
        missing(sink, parent, parent_path, name, "a string");
        return None;
    };
    optional_str(sink, v, &parent_path.key(name), name, non_empty)
}

/// A string value that is present: reports a wrong type and (if `non_empty`) an empty string.
pub fn optional_str<'a>(sink: &mut Sink, v: Value<'_, 'a>, path: &Path<'_>, name: &str, non_empty: bool) -> Option<Cow<'a, str>> {
    let Some(s) = v.as_str() else {
        wrong_type(sink, v, path, name, "a string");
        return None;
    };
    if non_empty && text::blank(&s) && sink.room_for_error() {
        sink.error(Code::EmptyValue, v.offset(), path, format!("`{name}` is empty: give it a value"));
    }
    Some(s)
}

/// The repeated keys among `keys` (each an item's key and the item's position, in item order):
/// for every item whose key an earlier item has, `later` and `first` (the first such item)
/// packed into one `u64` ([`sort::pack`]), sorted by `later`. The duplicate checks (message
/// ids, global keys) look these up with [`earlier_duplicate`] while they walk: one sort of
/// `(key, position)` instead of a map built while walking (each map type links its own B-tree
/// code into the wasm module, about 5 KB). Only items with a key are listed, so an array of ten
/// million numbers costs nothing here. Positions are below 2^32 (a document has fewer values).
pub fn duplicates(mut keys: Vec<(Cow<'_, str>, usize)>) -> Vec<u64> {
    // By key, then position: each run of one key starts with its first item.
    sort::sort(&mut keys);
    let mut out = Vec::new();
    let mut first: Option<(&str, usize)> = None;
    for (k, i) in &keys {
        match first {
            Some((fk, fi)) if fk == k.as_ref() => out.push(sort::pack(*i as u32, fi as u32)),
            _ => first = Some((k.as_ref(), *i)),
        }
    }
    sort::sort(&mut out);
    out
}

/// The first item with the key of item `later`, from [`duplicates`]' list.
pub fn earlier_duplicate(duplicates: &[u64], later: usize) -> Option<usize> {
    let i = duplicates.binary_search_by(|&p| u64::from(sort::unpack(p).0).cmp(&(later as u64))).ok()?;
    duplicates.get(i).map(|&p| sort::unpack(p).1 as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_matches_keys_with_and_without_escapes() {
        let src = br#"{"a": 1, "\u0062": 2, "c\"": 3, "\u0064": 4, "e": 5, "\u0061": 6}"#;
        let read = crate::json::read(src).unwrap_or_else(|_| panic!("parses"));
        let root = read.parsed.doc.root();
        let mut sink = Sink::new();
        let [a, b, c, d, ..] = lookup(root, &["a", "b", "c\"", "d"], &Path::root(), &mut sink);
        let raw = |v: Option<Value<'_, '_>>| v.map(|v| v.raw().to_owned());
        assert_eq!([raw(a), raw(b), raw(c), raw(d)], [Some("1".to_owned()), Some("2".to_owned()), Some("3".to_owned()), Some("4".to_owned())]);
        let (errors, warnings) = sink.into_unplaced();
        assert!(errors.is_empty());
        let paths: Vec<&str> = warnings.iter().map(|w| w.path.as_str()).collect();
        assert_eq!(paths, ["/e"]);
    }

    #[test]
    fn duplicates_name_the_first_item() {
        let keys: Vec<(Cow<'_, str>, usize)> = [(0, "b"), (1, "a"), (3, "b"), (4, "a"), (5, "c"), (6, "b"), (9, "a")].iter().map(|(i, k)| (Cow::Borrowed(*k), *i)).collect();
        let d = duplicates(keys);
        let pairs: Vec<(u32, u32)> = d.iter().map(|&p| sort::unpack(p)).collect();
        assert_eq!(pairs, [(3, 0), (4, 1), (6, 0), (9, 1)]);
        let found: Vec<Option<usize>> = (0..11).map(|i| earlier_duplicate(&d, i)).collect();
        assert_eq!(found, [None, None, None, Some(0), Some(1), None, Some(0), None, None, Some(1), None]);
        assert!(duplicates(Vec::new()).is_empty());
    }
}
