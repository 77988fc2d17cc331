//! Small shared checks for the per-format validators: member lookup, types, required members.
//!
//! They record issues in a [`Sink`] and return what they found, so a validator reads as a list of
//! rules. Messages name the member and say what to do.

use std::borrow::Cow;

use super::{Code, Path, Sink};
use crate::json::{Kind, Value};

/// Finds the members `names` of `obj` in one pass. Other members get an `unknown_member` warning
/// when `warn_unknown` is set. For a duplicated key the first occurrence wins (the duplicate is
/// already an error).
pub fn lookup<'d, 'a, const N: usize>(
    obj: Value<'d, 'a>,
    names: [&str; N],
    path: &Path<'_>,
    sink: &mut Sink,
    warn_unknown: bool,
) -> [Option<Value<'d, 'a>>; N] {
    let mut out = [None; N];
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
            None if warn_unknown && sink.room_for_warning() => {
                let key = k.as_str().unwrap_or_default();
                let hint = suggest(&key, &names, "members");
                sink.warn(Code::UnknownMember, k.offset(), &path.key(&key), format!("unknown member \"{key}\" is ignored{hint}"));
            }
            None => {}
        }
    }
    out
}

/// The end of an "unknown name" message: `; did you mean "user_id"?` when a known name is
/// [`similar`], else `; the known {what} are `a`, `b``. Also used for JS option names.
pub fn suggest(key: &str, names: &[&str], what: &str) -> String {
    match names.iter().find(|n| similar(n, key)) {
        Some(n) => format!("; did you mean \"{n}\"?"),
        None => format!("; the known {what} are {}", names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")),
    }
}

/// Whether `b` is probably a misspelling of `a`: equal when compared case-insensitively without
/// `_` and `-` (`userId` vs `user_id`), or, for names of 4 or more characters, one edit apart (two
/// from 8 characters on), where swapping two neighbours counts as one edit (`singal`, `conection`).
pub fn similar(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.chars().filter(|c| *c != '_' && *c != '-').flat_map(char::to_lowercase).collect::<Vec<char>>();
    let (a, b) = (norm(a), norm(b));
    if a == b {
        return true;
    }
    let budget = match a.len() {
        0..=3 => return false,
        4..=7 => 1,
        _ => 2,
    };
    a.len().abs_diff(b.len()) <= budget && edit_distance(&a, &b) <= budget
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent swaps). Names are short, so the
/// full table is fine.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    let at = |i: usize, j: usize| i * w + j;
    for i in 0..=a.len() {
        d[at(i, 0)] = i;
    }
    for j in 0..=b.len() {
        d[at(0, j)] = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[at(i - 1, j)] + 1).min(d[at(i, j - 1)] + 1).min(d[at(i - 1, j - 1)] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[at(i - 2, j - 2)] + 1);
            }
            d[at(i, j)] = best;
        }
    }
    d[at(a.len(), b.len())]
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
    if non_empty && s.trim().is_empty() && sink.room_for_error() {
        sink.error(Code::EmptyValue, v.offset(), path, format!("`{name}` is empty: give it a value"));
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn suggestions() {
        assert_eq!(suggest("onprogress", &["signal", "onProgress"], "options"), "; did you mean \"onProgress\"?");
        assert_eq!(suggest("user-id", &["user_id"], "members"), "; did you mean \"user_id\"?");
        assert_eq!(suggest("zzz", &["a", "b"], "options"), "; the known options are `a`, `b`");
        assert_eq!(suggest("conection", &["kind", "connection"], "options"), "; did you mean \"connection\"?");
        assert_eq!(suggest("singal", &["signal"], "options"), "; did you mean \"signal\"?");
        assert_eq!(suggest("signl", &["signal"], "options"), "; did you mean \"signal\"?");
        assert!(!super::similar("id", "ip"));
        assert!(!super::similar("ids", "id"));
        assert!(super::similar("onprogress", "onProgress"));
    }
}
