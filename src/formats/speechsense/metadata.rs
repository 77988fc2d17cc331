//! SpeechSense dialog metadata (`metadata.json`, `TalkMetadata.fields`): the rules, shared by the
//! JSON validator and by the devserver, which runs them on decoded protobuf maps.
//!
//! Rules:
//! - every value is a string (`map<string,string>` on the wire): a number or boolean is
//!   `unquoted_value`, anything else `wrong_type`;
//! - every key and every value is at most 1,024 bytes of UTF-8 (the docs' "line" limit, applied to
//!   both, since they do not say which);
//! - the keys each connection requires (see [`ConnectionKind::required_keys`]) are present and not
//!   empty;
//! - `date`, `date_from`, `date_to` are ISO 8601 date-times; a missing offset is only a warning
//!   (`missing_offset`), because the vendor's own samples (`datetime.now().isoformat()`,
//!   `2023-09-13T17:30:00.000`) have none; `date_from` ≤ `date_to`;
//! - `direction_outgoing` is `"true"` or `"false"`; `language` is a list of language tags;
//! - declared fields are checked against their type, and are required unless declared otherwise;
//! - any other key is an `undeclared_key` warning.
//!
//! ```
//! use std::collections::BTreeMap;
//! use talk_uploader::formats::speechsense::{check_metadata_map, ConnectionKind};
//! let mut m = BTreeMap::new();
//! m.insert("operator_name".to_string(), "Ann".to_string());
//! let errors = check_metadata_map(&m, ConnectionKind::AudioOneChannel, &[]);
//! assert_eq!(errors[0].path, "/fields/operator_id");
//! assert_eq!(errors[0].line, None);
//! ```

use std::borrow::Cow;

use super::fields::FieldDecl;
use crate::formats::{text, time};
use crate::json::{Kind, Value};
use crate::report::{pointer, Code, Issue, Path, Sink};

/// The longest key or value SpeechSense accepts, in bytes of UTF-8.
pub const MAX_BYTES: usize = 1024;

/// The type of SpeechSense connection the dialog is uploaded to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(not(target_arch = "wasm32"), derive(serde::Serialize, serde::Deserialize), serde(rename_all = "kebab-case"))]
pub enum ConnectionKind {
    /// A chat connection (`UploadText`).
    Chat,
    /// One-channel audio (both voices on one track).
    AudioOneChannel,
    /// Two-channel audio (agent and customer on separate tracks).
    AudioTwoChannel,
}

const CHAT: &[&str] = &["operator_name", "operator_id", "client_name", "client_id", "bot_name", "bot_id", "date", "direction_outgoing", "language"];
const TWO: &[&str] = &["operator_name", "operator_id", "client_name", "client_id", "date", "direction_outgoing", "language"];
const ONE: &[&str] = &["operator_name", "operator_id", "date", "language"];
const ONE_OPTIONAL: &[&str] = &["client_name", "client_id", "direction_outgoing", "date_from", "date_to", "ticket_id"];
const OPTIONAL: &[&str] = &["date_from", "date_to", "ticket_id"];
const ANY_OPTIONAL: &[&str] = &["client_name", "client_id", "bot_name", "bot_id", "direction_outgoing", "date_from", "date_to", "ticket_id"];

impl ConnectionKind {
    /// The kebab-case name used in JS.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionKind::Chat => "chat",
            ConnectionKind::AudioOneChannel => "audio-one-channel",
            ConnectionKind::AudioTwoChannel => "audio-two-channel",
        }
    }

    /// Parses the kebab-case name.
    pub fn from_name(s: &str) -> Option<ConnectionKind> {
        [ConnectionKind::Chat, ConnectionKind::AudioOneChannel, ConnectionKind::AudioTwoChannel].into_iter().find(|k| k.as_str() == s)
    }

    /// The keys every dialog of this connection must carry.
    ///
    /// One-channel audio requires `operator_name`, `operator_id`, `date`, `language` (the older docs);
    /// `client_name` and `client_id`, which a later docs version lists, are accepted but optional.
    pub fn required_keys(self) -> &'static [&'static str] {
        match self {
            ConnectionKind::Chat => CHAT,
            ConnectionKind::AudioTwoChannel => TWO,
            ConnectionKind::AudioOneChannel => ONE,
        }
    }

    /// Keys that are known but optional for this connection.
    pub fn optional_keys(self) -> &'static [&'static str] {
        match self {
            ConnectionKind::AudioOneChannel => ONE_OPTIONAL,
            _ => OPTIONAL,
        }
    }
}

fn required_for(connection: Option<ConnectionKind>) -> &'static [&'static str] {
    connection.map_or(ONE, ConnectionKind::required_keys)
}

fn optional_for(connection: Option<ConnectionKind>) -> &'static [&'static str] {
    connection.map_or(ANY_OPTIONAL, ConnectionKind::optional_keys)
}

/// One metadata entry with where it sits in the source (if there is a source).
pub(crate) struct Entry<'s> {
    pub key: Cow<'s, str>,
    pub value: Cow<'s, str>,
    pub key_at: Option<usize>,
    pub value_at: Option<usize>,
}

/// A small map from keys to values, sorted by key for binary search: the key sets here (required
/// and declared keys) hold a handful of keys, and a `BTreeMap`/`BTreeSet` per element type links
/// its own node code into the wasm module (a few KiB of gzip each). A later insert of a key
/// replaces its value, as a map's does. The values are indices (of a declaration, or 0 for a
/// set): one instance of the code for every use, where a value type parameter made a copy each.
#[derive(Default)]
pub(crate) struct Keys<'k>(Vec<(&'k str, usize)>);

impl<'k> Keys<'k> {
    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| (*k).cmp(key))
    }

    fn insert(&mut self, key: &'k str, value: usize) {
        match self.find(key) {
            Ok(i) => {
                if let Some(slot) = self.0.get_mut(i) {
                    slot.1 = value;
                }
            }
            Err(i) => self.0.insert(i, (key, value)),
        }
    }

    fn get(&self, key: &str) -> Option<usize> {
        self.find(key).ok().and_then(|i| self.0.get(i)).map(|(_, v)| *v)
    }

    /// The stored key equal to `key` (which lives as long as the map's keys).
    fn key(&self, key: &str) -> Option<&'k str> {
        self.find(key).ok().and_then(|i| self.0.get(i)).map(|(k, _)| *k)
    }

    fn contains(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }
}

/// The rules over string entries. `present` holds every key that appeared (strings or not);
/// `prefix` is the pointer of the map; `parent_at` the offset of the map for missing keys.
pub(crate) fn check_entries<'s>(
    entries: impl IntoIterator<Item = Entry<'s>>,
    present: &Keys<'_>,
    connection: Option<ConnectionKind>,
    decls: &[FieldDecl],
    prefix: &str,
    parent_at: Option<usize>,
    sink: &mut Sink,
) {
    let required = required_for(connection);
    let optional = optional_for(connection);
    let mut date_from = None;
    let mut date_to = None;
    // One lookup per key, not a scan of the declarations per key.
    let mut declared = Keys::default();
    for (i, d) in decls.iter().enumerate() {
        declared.insert(d.name.as_str(), i);
    }
    for e in entries {
        let e = &e;
        let key: &str = &e.key;
        let value: &str = &e.value;
        let path = || pointer::child(prefix, key);
        if key.len() > MAX_BYTES {
            sink.error_at(Code::KeyTooLong, e.key_at, path(), format!("the key is {} bytes long; SpeechSense accepts at most {MAX_BYTES} bytes", key.len()));
        }
        if value.len() > MAX_BYTES {
            sink.error_at(Code::ValueTooLong, e.value_at, path(), format!("`{}` is {} bytes long; SpeechSense accepts at most {MAX_BYTES} bytes per value", short(key), value.len()));
        }
        let is_required = required.contains(&key);
        let decl = declared.get(key).and_then(|i| decls.get(i));
        match key {
            "date" | "date_from" | "date_to" => match time::parse(value, time::Grammar::Iso8601) {
                Ok(t) => {
                    if t.offset.is_none() {
                        sink.warn_at(Code::MissingOffset, e.value_at, path(), format!("`{key}` \"{value}\" has no time zone, so it is read as UTC: add `Z` or an offset like `+03:00`"));
                    }
                    // The key is one of the three, which differ in length: no more string compares.
                    match key.len() {
                        9 => date_from = Some((t, e.value_at)),
                        7 => date_to = Some((t, e.value_at)),
                        _ => {}
                    }
                }
                Err(err) => {
                    let code = if matches!(err, time::TimeError::Calendar(_)) { Code::InvalidCalendarDate } else { Code::InvalidDatetime };
                    sink.error_at(code, e.value_at, path(), format!("`{key}`: {}", time::explain(value, &err, "2025-04-24T14:34:19+03:00")));
                }
            },
            "direction_outgoing" => {
                if *value != *"true" && *value != *"false" {
                    let hint = match value.to_ascii_lowercase().as_str() {
                        "true" | "false" => "write it in lower case",
                        "1" | "yes" | "outgoing" => "write \"true\" for an outgoing dialog",
                        "0" | "no" | "incoming" => "write \"false\" for an incoming dialog",
                        _ => "write \"true\" (outgoing, started by the agent) or \"false\" (incoming)",
                    };
                    sink.error_at(Code::InvalidBoolean, e.value_at, path(), format!("`direction_outgoing` is \"{}\": {hint}", short(value)));
                }
            }
            "language" => {
                if let Err(tag) = text::check_language(value) {
                    sink.error_at(Code::InvalidLanguage, e.value_at, path(), format!("`language` has \"{}\", which is not a language tag: write codes such as \"ru-RU\" or \"ru-RU, kk-KZ\"", short(&tag)));
                }
            }
            _ => {
                // Dates, direction and language have their own messages for an empty value.
                if (is_required || (optional.contains(&key) && key.ends_with("_id"))) && text::blank(value) {
                    sink.error_at(Code::EmptyValue, e.value_at, path(), format!("`{key}` is empty: give it a value"));
                }
                if let Some(d) = decl {
                    if let Err(msg) = d.field_type.check(value) {
                        sink.error_at(Code::InvalidFieldValue, e.value_at, path(), format!("`{}` is declared as {}: {msg}", short(key), d.field_type.as_str()));
                    }
                } else if !is_required && !optional.contains(&key) {
                    sink.warn_at(Code::UndeclaredKey, e.key_at, path(), format!("\"{}\" is not a parameter of this connection: declare it in `fields`, or check the spelling", short(key)));
                }
            }
        }
    }
    if let (Some((from, _)), Some((to, to_at))) = (date_from, date_to) {
        // (seconds, nanoseconds) order as the instants do, without `i128` maths.
        if (from.unix_seconds(), from.nanos) > (to.unix_seconds(), to.nanos) {
            sink.error_at(Code::RangeReversed, to_at, pointer::child(prefix, "date_to"), String::from("`date_from` is after `date_to`: swap them or fix one of them"));
        }
    }
    // The connection's keys, then the declared required ones: one loop over both lists, not a
    // chain of filter and map (each its own iterator code in the wasm module).
    for j in 0..required.len() + decls.len() {
        let key = match required.get(j) {
            Some(k) => *k,
            None => match decls.get(j - required.len()) {
                Some(d) if d.required => d.name.as_str(),
                _ => continue,
            },
        };
        if !present.contains(key) {
            let what = decls.iter().find(|d| d.name == key).map_or("string", |d| d.field_type.as_str());
            sink.error_at(Code::MissingMember, parent_at, pointer::child(prefix, key), format!("missing `{key}`: the connection requires it (a {what} value, as a string)"));
        }
    }
}

fn short(s: &str) -> Cow<'_, str> {
    if crate::formats::text::char_count(s) <= 60 {
        Cow::Borrowed(s)
    } else {
        // The first 57 characters, cut with `get` where the 58th starts.
        let cut = crate::redact::char_start(s, 57).unwrap_or(s.len());
        Cow::Owned(format!("{}…", s.get(..cut).unwrap_or(s)))
    }
}

/// Validates a parsed `metadata.json`; returns the number of keys.
pub fn check_metadata(root: Value<'_, '_>, connection: Option<ConnectionKind>, decls: &[FieldDecl], sink: &mut Sink) -> usize {
    let path = Path::root();
    if root.kind() != Kind::Object {
        crate::formats::check::wrong_type(sink, root, &path, "metadata", "an object of string values");
        return 0;
    }
    // `present` only needs the keys whose absence is an error (required or declared), and the
    // string entries are checked as they are read: a set and a vector of every key cost 1 GB for
    // a 100 MB object of 3 million keys.
    let mut needed = Keys::default();
    for key in required_for(connection) {
        needed.insert(key, 0);
    }
    for d in decls {
        if d.required {
            needed.insert(d.name.as_str(), 0);
        }
    }
    let mut present = Keys::default();
    for (k, v) in root.members() {
        let key = k.as_str().unwrap_or_default();
        if let Some(n) = needed.key(key.as_ref()) {
            present.insert(n, 0);
        }
        let kp = path.key(&key);
        match v.kind() {
            Kind::String => {}
            Kind::Number | Kind::Bool => {
                let what = if v.kind() == Kind::Number { "the number" } else { "the boolean" };
                sink.error(Code::UnquotedValue, v.offset(), &kp, format!("quote {what}: metadata values are strings on the wire, so write \"{}\"", v.raw()));
                if key.len() > MAX_BYTES {
                    sink.error(Code::KeyTooLong, k.offset(), &kp, format!("the key is {} bytes long; SpeechSense accepts at most {MAX_BYTES} bytes", key.len()));
                }
            }
            _ => {
                sink.error(Code::WrongType, v.offset(), &kp, format!("`{}` must be a string, found {}: metadata is a flat map of strings", short(&key), v.kind().describe()));
            }
        }
    }
    let entries = root.members().filter(|(_, v)| v.kind() == Kind::String).map(|(k, v)| Entry {
        key: k.as_str().unwrap_or_default(),
        value: v.as_str().unwrap_or_default(),
        key_at: Some(k.offset()),
        value_at: Some(v.offset()),
    });
    check_entries(entries, &present, connection, decls, "", Some(root.offset()), sink);
    root.len()
}

/// Checks an already-decoded metadata map (such as `TalkMetadata.fields`) with the same rules as
/// `validate(.., speechsense-metadata)`. Issues have paths `/fields/<key>` and no line or column.
/// Returns the errors; [`check_metadata_map_with_warnings`] also returns the warnings.
pub fn check_metadata_map<K, V>(fields: impl IntoIterator<Item = (K, V)>, connection: ConnectionKind, decls: &[FieldDecl]) -> Vec<Issue>
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    check_metadata_map_with_warnings(fields, connection, decls).0
}

/// Like [`check_metadata_map`], returning `(errors, warnings)`.
pub fn check_metadata_map_with_warnings<K, V>(fields: impl IntoIterator<Item = (K, V)>, connection: ConnectionKind, decls: &[FieldDecl]) -> (Vec<Issue>, Vec<Issue>)
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut owned: Vec<(K, V)> = fields.into_iter().collect();
    owned.sort_by(|a, b| a.0.as_ref().cmp(b.0.as_ref()));
    let entries: Vec<Entry<'_>> = owned
        .iter()
        .map(|(k, v)| Entry { key: Cow::Borrowed(k.as_ref()), value: Cow::Borrowed(v.as_ref()), key_at: None, value_at: None })
        .collect();
    let mut present = Keys::default();
    for (k, _) in &owned {
        present.insert(k.as_ref(), 0);
    }
    let mut sink = Sink::new();
    check_entries(entries, &present, Some(connection), decls, "/fields", None, &mut sink);
    sink.into_unplaced()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_cuts_after_57_chars_as_char_indices_does() {
        for n in [0, 1, 57, 58, 59, 60, 61, 100] {
            for c in ["k", "é", "😀", "a😀é"] {
                let s = c.repeat(n);
                let want: Cow<'_, str> = if s.chars().count() <= 60 {
                    Cow::Borrowed(&s)
                } else {
                    Cow::Owned(format!("{}…", &s[..s.char_indices().nth(57).map_or(s.len(), |(i, _)| i)]))
                };
                assert_eq!(short(&s), want, "{c} x {n}");
            }
        }
    }
}
