//! Botlhale Vela: the chat upload body and the call-recording metadata.
//!
//! Chat (`POST /chat/upload/vela`): `{ org_id, chat_data: { session_id, agent_id, customer_id?,
//! start_time, end_time, messages: [{ timestamp, sender, content }] }, metadata? }`.
//! - `org_id`, `session_id`, `agent_id` are non-empty strings; `customer_id` is a string or `null`
//!   or absent ("if available");
//! - times are RFC 3339 with an offset; `start_time` ≤ `end_time`;
//! - `messages` is a non-empty array; `sender` is a non-empty string, and anything other than
//!   `agent`, `customer`, `bot` is an `unknown_sender` warning (the seed shows `agent` and
//!   `customer`); `content` is a string;
//! - a message outside [`start_time`, `end_time`] is an `outside_session` warning, and one earlier
//!   than the previous message an `out_of_order` warning;
//! - `metadata`, when present, is an object.
//!
//! Call metadata (the presign request): `org_id`, `email`, `date_of_call`. The seed lists `email` and
//! `date_of_call` inside an optional `metadata` object, and the issue lists them next to `org_id`;
//! both shapes are accepted: when a `metadata` object is present they are read from it, otherwise
//! from the top level. Both are required. `date_of_call` is `YYYY-MM-DD` or an ISO 8601 date-time.

use crate::formats::speechsense::chat::timestamp_issue;
use crate::formats::{text, time};
use crate::json::{Kind, Value};
use crate::formats::check;
use crate::report::{Code, Path, Sink};

/// The `sender` values whose role is known.
pub const SENDERS: [&str; 3] = ["agent", "customer", "bot"];

/// Validates a Vela chat upload body; returns the number of messages.
pub fn check_chat(root: Value<'_, '_>, sink: &mut Sink) -> usize {
    let path = Path::root();
    if !check::object(sink, root, &path, "the chat upload") {
        return 0;
    }
    let [org_id, chat_data, metadata, ..] = check::lookup(root, &["org_id", "chat_data", "metadata"], &path, sink);
    check::required_str(sink, root, org_id, &path, "org_id", true);
    if let Some(m) = metadata {
        if m.kind() != Kind::Object {
            check::wrong_type(sink, m, &path.key("metadata"), "metadata", "an object");
        }
    }
    let Some(cd) = chat_data else {
        check::missing(sink, root, &path, "chat_data", "an object with the session and its messages");
        return 0;
    };
    check_chat_data(cd, &path.key("chat_data"), sink)
}

/// Validates a Vela `chat_data` object at pointer `cp`; returns the number of messages.
pub fn check_chat_data(cd: Value<'_, '_>, cp: &Path<'_>, sink: &mut Sink) -> usize {
    let cp = *cp;
    if !check::object(sink, cd, &cp, "chat_data") {
        return 0;
    }
    let [session_id, agent_id, customer_id, start, end, messages, ..] = 
        check::lookup(cd, &["session_id", "agent_id", "customer_id", "start_time", "end_time", "messages"], &cp, sink);
    check::required_str(sink, cd, session_id, &cp, "session_id", true);
    check::required_str(sink, cd, agent_id, &cp, "agent_id", true);
    if let Some(c) = customer_id.filter(|c| c.kind() != Kind::Null) {
        check::optional_str(sink, c, &cp.key("customer_id"), "customer_id", false);
    }
    let start_at = time_member(sink, cd, start, &cp, "start_time");
    let end_at = time_member(sink, cd, end, &cp, "end_time");
    if let (Some(s), Some(e), Some(ev)) = (start_at, end_at, end) {
        if s > e {
            sink.error(Code::RangeReversed, ev.offset(), &cp.key("end_time"), String::from("`start_time` is after `end_time`: swap them or fix one of them"));
        }
    }
    let Some(messages) = check::required_items(sink, cd, messages, &cp, "messages", "an array of messages", "a chat needs at least one message") else {
        return 0;
    };
    let mp = cp.key("messages");
    // A reversed range is already an error; warning about every message against it is noise.
    let (start_at, end_at) = match (start_at, end_at) {
        (Some(s), Some(e)) if s > e => (None, None),
        other => other,
    };
    let mut prev = None;
    for (i, m) in messages.items().enumerate() {
        let p = mp.index(i);
        if !check::object(sink, m, &p, "a message") {
            continue;
        }
        let [ts, sender, content, ..] = check::lookup(m, &["timestamp", "sender", "content"], &p, sink);
        if let Some(at) = time_member(sink, m, ts, &p, "timestamp") {
            let tp = p.key("timestamp");
            let off = ts.map_or(0, |t| t.offset());
            if start_at.is_some_and(|s| at < s) || end_at.is_some_and(|e| at > e) {
                sink.warn(Code::OutsideSession, off, &tp, String::from("the message time is outside [`start_time`, `end_time`]"));
            }
            if prev.is_some_and(|p| at < p) {
                sink.warn(Code::OutOfOrder, off, &tp, String::from("the message is earlier than the previous message"));
            }
            prev = Some(at);
        }
        if let Some(s) = check::required_str(sink, m, sender, &p, "sender", true) {
            if !text::blank(&s) && !SENDERS.contains(&s.as_ref()) {
                sink.warn(Code::UnknownSender, sender.map_or(0, |v| v.offset()), &p.key("sender"), format!("sender \"{s}\" is not `agent`, `customer` or `bot`, so its role is unknown"));
            }
        }
        check::required_str(sink, m, content, &p, "content", false);
    }
    messages.len()
}

fn time_member(sink: &mut Sink, parent: Value<'_, '_>, slot: Option<Value<'_, '_>>, parent_path: &Path<'_>, name: &str) -> Option<(i64, u32)> {
    let s = check::required_str(sink, parent, slot, parent_path, name, false)?;
    timestamp_issue(&s, slot.map_or(0, |v| v.offset()), &parent_path.key(name), sink)
}

/// Validates Vela call-recording metadata; returns 1 (one call).
pub fn check_call_metadata(root: Value<'_, '_>, sink: &mut Sink) -> usize {
    let path = Path::root();
    if !check::object(sink, root, &path, "the call metadata") {
        return 0;
    }
    let [org_id, metadata, email, date, ..] = check::lookup(root, &["org_id", "metadata", "email", "date_of_call"], &path, sink);
    check::required_str(sink, root, org_id, &path, "org_id", true);
    let (holder, hpath, email, date) = match metadata {
        Some(m) if m.kind() == Kind::Object => {
            let mp = path.key("metadata");
            let [e, d, ..] = check::lookup(m, &["email", "date_of_call"], &mp, sink);
            (m, Some(mp), e, d)
        }
        Some(m) => {
            check::wrong_type(sink, m, &path.key("metadata"), "metadata", "an object");
            return 1;
        }
        None => (root, None, email, date),
    };
    let hp = hpath.as_ref().unwrap_or(&path);
    if let Some(e) = check::required_str(sink, holder, email, hp, "email", true) {
        if !text::blank(&e) {
            if let Err(why) = text::check_email(&e) {
                sink.error(Code::InvalidEmail, email.map_or(0, |v| v.offset()), &hp.key("email"), format!("\"{e}\" is not an e-mail address: {why}"));
            }
        }
    }
    if let Some(d) = check::required_str(sink, holder, date, hp, "date_of_call", true) {
        let at = date.map_or(0, |v| v.offset());
        let r = if d.len() == 10 { time::parse_date(&d).map(|_| ()) } else { time::parse(&d, time::Grammar::Iso8601).map(|_| ()) };
        if let Err(e) = r {
            let code = if matches!(e, time::TimeError::Calendar(_)) { Code::InvalidCalendarDate } else { Code::InvalidDatetime };
            sink.error(code, at, &hp.key("date_of_call"), format!("`date_of_call`: {} (or a date like \"2024-01-15\")", time::explain(&d, &e, "2024-01-15T10:30:00Z")));
        }
    }
    1
}
