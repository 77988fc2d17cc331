//! SpeechSense `chat.json`: `{ "messages": [{ "user_id", "text", "timestamp" }] }`.
//!
//! Rules:
//! - `messages` is a non-empty array of objects;
//! - `user_id` is a non-empty string, or an integer (the seed's template writes `<sender_ID>` without
//!   quotes; the sample script sends `str(user_id)`), normalized to its decimal text;
//! - `text` is a string (an empty one is an `empty_text` warning);
//! - `timestamp` is an RFC 3339 date-time with `Z` or an offset and a real calendar date; a missing
//!   offset is an error here (protobuf's `Timestamp.FromJsonString` rejects it);
//! - with the metadata option, every `user_id` equals its `operator_id`, `client_id` or `bot_id`;
//! - timestamps that go backwards are an `out_of_order` warning at the later message.

use std::borrow::Cow;

use crate::formats::time::{self, Grammar, TimeError};
use crate::json::{Kind, Value};
use crate::formats::check;
use crate::report::{Code, Issue, Path, Sink};

/// The metadata keys that name chat participants.
pub const ID_KEYS: [&str; 3] = ["operator_id", "client_id", "bot_id"];

/// A `user_id` as sent on the wire: a string, or an integer's decimal text.
pub fn user_id_text<'a>(v: Value<'_, 'a>) -> Option<Cow<'a, str>> {
    match v.kind() {
        Kind::String => v.as_str(),
        Kind::Number if integer_text(v.raw().as_bytes()) => Some(Cow::Borrowed(v.raw())),
        _ => None,
    }
}

/// `true` when a JSON number's text is an integer's (digits and `-`): one loop for
/// [`user_id_text`] and [`is_known_id`].
#[inline(never)]
fn integer_text(raw: &[u8]) -> bool {
    for &c in raw {
        if !c.is_ascii_digit() && c != b'-' {
            return false;
        }
    }
    true
}

/// The participant ids of a chat's metadata (`operator_id`, `client_id`, `bot_id`), or why the
/// metadata names none.
pub type Ids = Result<Vec<(&'static str, String)>, String>;

/// Reads the [`Ids`] of metadata JSON text (strings or integers).
pub fn metadata_ids(metadata: &str) -> Ids {
    ids_of(&crate::json::read(metadata.as_bytes()))
}

/// The [`Ids`] of metadata the caller has already read, so that it is parsed once for the ids,
/// its own checks and its fields.
pub fn ids_of(read: &Result<crate::json::Read<'_>, crate::json::ReadError<'_>>) -> Ids {
    let read = read.as_ref().map_err(|e| {
        let lc = crate::report::position::line_col(e.bytes, e.error.offset);
        format!("the `metadata` option is not valid JSON (line {}, column {}: {})", lc.line, lc.column, e.error.message)
    })?;
    let root = read.parsed.doc.root();
    if root.kind() != Kind::Object {
        return Err(format!("the `metadata` option must be an object, found {}", root.kind().describe()));
    }
    // Loops, not iterator chains, here and below: each chain is its own copy of the iterator
    // and collect code in the wasm module.
    let mut ids: Vec<(&'static str, String)> = Vec::new();
    for k in ID_KEYS {
        if let Some(v) = root.get(k).and_then(user_id_text) {
            ids.push((k, v.into_owned()));
        }
    }
    if ids.is_empty() {
        return Err("the `metadata` option has none of `operator_id`, `client_id`, `bot_id`, so no `user_id` can match".to_owned());
    }
    Ok(ids)
}

/// `true` when `u` is, as written (a string without escapes, or an integer), one of `ids`.
fn is_known_id(u: Value<'_, '_>, ids: &[(&str, String)]) -> bool {
    let b = match u.kind() {
        Kind::String => u.plain_bytes(),
        Kind::Number => Some(u.raw().as_bytes()).filter(|r| integer_text(r)),
        _ => None,
    };
    b.is_some_and(|b| !b.is_empty() && has_id(ids, b))
}

/// `true` when one of `ids` is `b`: one search for [`is_known_id`] and the message loop.
#[inline(never)]
fn has_id(ids: &[(&str, String)], b: &[u8]) -> bool {
    for (_, v) in ids {
        if crate::json::same(v.as_bytes(), b) {
            return true;
        }
    }
    false
}

fn describe_ids(ids: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in ids.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(k);
        out.push_str(" (\"");
        out.push_str(v);
        out.push_str("\")");
    }
    out
}

/// Validates a parsed chat; returns the number of messages.
pub fn check_chat(root: Value<'_, '_>, metadata: Option<&str>, sink: &mut Sink) -> usize {
    check_chat_with_ids(root, metadata.map(metadata_ids), sink)
}

/// [`check_chat`] with the metadata's ids already read (`None`: no metadata was given).
pub fn check_chat_with_ids(root: Value<'_, '_>, ids: Option<Ids>, sink: &mut Sink) -> usize {
    let ids = match ids {
        Some(Ok(ids)) => Some(ids),
        Some(Err(msg)) => {
            sink.error_at(Code::InvalidMetadataOption, None, String::new(), msg);
            None
        }
        None => None,
    };
    let path = Path::root();
    if !check::object(sink, root, &path, "the chat") {
        return 0;
    }
    let [messages, ..] = check::lookup(root, &["messages"], &path, sink);
    let Some(messages) = check::required_items(sink, root, messages, &path, "messages", "an array of messages", "a chat needs at least one message") else {
        return 0;
    };
    let mpath = path.key("messages");
    let mut prev: Option<(i64, u32)> = None;
    for (i, m) in messages.items().enumerate() {
        let p = mpath.index(i);
        if !check::object(sink, m, &p, "a message") {
            continue;
        }
        let [user_id, text, timestamp, ..] = check::lookup(m, &["user_id", "text", "timestamp"], &p, sink);
        match user_id {
            // The common case first, with no allocation: exactly one of the metadata's ids.
            Some(u) if ids.as_deref().is_some_and(|ids| is_known_id(u, ids)) => {}
            None => check::missing(sink, m, &p, "user_id", "the sender's id (the metadata's operator_id, client_id or bot_id)"),
            Some(u) => {
                let up = p.key("user_id");
                match user_id_text(u) {
                    None => check::wrong_type(sink, u, &up, "user_id", "a string or an integer"),
                    Some(s) if s.is_empty() => sink.error(Code::EmptyValue, u.offset(), &up, String::from("`user_id` is empty: give the sender's id")),
                    Some(s) => {
                        if let Some(ids) = &ids {
                            if !has_id(ids, s.as_bytes()) {
                                sink.error(Code::UnknownUserId, u.offset(), &up, format!("`user_id` \"{s}\" is not one of the metadata's {}", describe_ids(ids)));
                            }
                        }
                    }
                }
            }
        }
        match text {
            None => check::missing(sink, m, &p, "text", "the message text"),
            // Only the type and emptiness matter: no need to unescape the text.
            Some(t) if t.kind() == Kind::String => {
                if t.is_empty_str() {
                    sink.warn(Code::EmptyText, t.offset(), &p.key("text"), String::from("`text` is empty"));
                }
            }
            Some(t) => check::wrong_type(sink, t, &p.key("text"), "text", "a string"),
        }
        match timestamp {
            None => check::missing(sink, m, &p, "timestamp", "the send time, such as \"2023-09-13T17:30:00.000Z\""),
            Some(t) => {
                let tp = p.key("timestamp");
                // A valid timestamp without escapes is read straight from the source bytes; anything
                // else takes the path that explains the problem.
                let fast = match t.plain_bytes().map(|b| time::parse_bytes(b, Grammar::Rfc3339)) {
                    Some(Ok(d)) => Some((d.unix_seconds(), d.nanos)),
                    _ => None,
                };
                let at = match fast {
                    Some(at) => Some(at),
                    None => check::optional_str(sink, t, &tp, "timestamp", false).and_then(|s| instant(&s, t.offset(), &tp, sink)),
                };
                if let Some(at) = at {
                    if prev.is_some_and(|p| at < p) {
                        let s = t.as_str().unwrap_or_default();
                        sink.warn(Code::OutOfOrder, t.offset(), &tp, format!("\"{s}\" is earlier than the previous message's timestamp"));
                    }
                    prev = Some(at);
                }
            }
        }
    }
    messages.len()
}

/// Checks an RFC 3339 timestamp string; returns its instant when valid, as (Unix seconds,
/// nanoseconds), which order as the nanoseconds since the epoch do, without `i128` maths.
pub(crate) fn timestamp_issue(s: &str, at: usize, path: &Path<'_>, sink: &mut Sink) -> Option<(i64, u32)> {
    instant(s, at, path, sink)
}

/// [`timestamp_issue`], for the chat's own loop.
fn instant(s: &str, at: usize, path: &Path<'_>, sink: &mut Sink) -> Option<(i64, u32)> {
    match time::parse(s, Grammar::Rfc3339) {
        Ok(t) => Some((t.unix_seconds(), t.nanos)),
        Err(e) => {
            let code = match e {
                TimeError::Shape => Code::InvalidDatetime,
                TimeError::Calendar(_) => Code::InvalidCalendarDate,
                TimeError::MissingOffset => Code::MissingOffset,
            };
            sink.error(code, at, path, time::explain(s, &e, "2023-09-13T17:30:00.000Z"));
            None
        }
    }
}

/// Checks that every chat `user_id` is one of the metadata's `operator_id`, `client_id`, `bot_id`
/// (for decoded requests: the devserver passes the message user ids and `TalkMetadata.fields`).
/// Issues have paths `/messages/<i>/user_id` and no line or column.
pub fn check_user_ids<S, K, V>(user_ids: impl IntoIterator<Item = S>, fields: impl IntoIterator<Item = (K, V)>) -> Vec<Issue>
where
    S: AsRef<str>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let ids: Vec<(&'static str, String)> = {
        let mut found = Vec::new();
        for (k, v) in fields {
            if let Some(key) = ID_KEYS.iter().find(|id| **id == k.as_ref()) {
                found.push((*key, v.as_ref().to_owned()));
            }
        }
        found.sort();
        found
    };
    let mut out = Vec::new();
    for (i, u) in user_ids.into_iter().enumerate() {
        let u = u.as_ref();
        if !ids.iter().any(|(_, v)| v == u) {
            let msg = if ids.is_empty() {
                format!("`user_id` \"{u}\" cannot match: the metadata has no operator_id, client_id or bot_id")
            } else {
                format!("`user_id` \"{u}\" is not one of the metadata's {}", describe_ids(&ids))
            };
            out.push(Issue::unplaced(Code::UnknownUserId, format!("/messages/{i}/user_id"), msg));
        }
    }
    out
}
