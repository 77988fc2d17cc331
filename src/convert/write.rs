//! Writing the neutral [`Conversation`] in each format.

use crate::json::write::Out;

use super::{ChatFormat, ConvertOptions, Conversation, Instant, Notes, Role};
use crate::formats::labelbox::{CONVERSATION_TYPE, MAX_CONTENT_CHARS, MAX_MESSAGES};
use crate::formats::time::format_rfc3339;
use crate::report::Code;

pub(super) fn write(c: &Conversation, to: ChatFormat, options: &ConvertOptions, notes: &mut Notes) -> (String, Option<String>) {
    if c.messages.iter().any(|m| m.id.is_some()) && to != ChatFormat::Labelbox {
        notes.warn(Code::Dropped, "/messages", "Labelbox `messageId`s are dropped: the target has no message ids");
    }
    if c.messages.iter().any(|m| m.can_label == Some(false)) && to != ChatFormat::Labelbox {
        notes.warn(Code::Dropped, "/messages", "Labelbox `canLabel` is dropped: the target has no such flag");
    }
    match to {
        ChatFormat::Speechsense => speechsense(c, notes),
        ChatFormat::Vela => (vela(c, options, notes), None),
        ChatFormat::Labelbox => (labelbox(c, options.from, notes), None),
    }
}

fn rfc3339(t: &Instant, path: &str, notes: &mut Notes) -> String {
    match format_rfc3339(t.seconds, t.nanos, t.offset).or_else(|| format_rfc3339(t.seconds, t.nanos, 0)) {
        Some(s) => s,
        None => {
            notes.error(Code::InvalidDatetime, path, "the time is outside the years 0001 to 9999");
            String::new()
        }
    }
}

fn speechsense(c: &Conversation, notes: &mut Notes) -> (String, Option<String>) {
    let mut messages = Vec::with_capacity(c.messages.len());
    for (i, m) in c.messages.iter().enumerate() {
        let ts = match &m.time {
            Some(t) => rfc3339(t, &format!("/messages/{i}"), notes),
            None => {
                notes.error(Code::MissingMember, format!("/messages/{i}/timestampUsec"), "the message has no time; SpeechSense needs a timestamp for every message");
                continue;
            }
        };
        if m.role.is_none() {
            notes.warn(Code::RoleInferred, format!("/messages/{i}"), format!("sender \"{}\" has no role, so its user_id matches no metadata id", m.user_id));
        }
        messages.push(Out::map(vec![("user_id", Out::from(m.user_id.as_str())), ("text", Out::from(m.text.as_str())), ("timestamp", Out::from(ts))]));
    }
    let mut meta = c.extra.clone();
    for (role, id, name) in [(Role::Agent, "operator_id", "operator_name"), (Role::Customer, "client_id", "client_name"), (Role::Bot, "bot_id", "bot_name")] {
        let p = c.party(role);
        if let Some(v) = &p.id {
            meta.insert(id, v.clone());
        }
        if let Some(v) = &p.name {
            meta.insert_absent(name, || v.clone());
        }
    }
    if let Some(s) = &c.session_id {
        meta.insert_absent("ticket_id", || s.clone());
    }
    if let Some(o) = &c.org_id {
        meta.insert_absent("org_id", || o.clone());
    }
    if !meta.contains_key("date") {
        if let Some(t) = c.start.or_else(|| c.messages.iter().find_map(|m| m.time)) {
            let d = rfc3339(&t, "/date", notes);
            meta.insert("date", d);
        }
    }
    if !meta.contains_key("date_to") {
        if let Some(t) = c.end {
            let d = rfc3339(&t, "/date_to", notes);
            meta.insert("date_to", d);
        }
    }
    (Out::map(vec![("messages", Out::list(messages))]).to_json(), Some(Out::strings(meta.into_vec()).to_json()))
}

fn vela(c: &Conversation, options: &ConvertOptions, notes: &mut Notes) -> String {
    let org_id = options.org_id.clone().or_else(|| c.org_id.clone());
    let session_id = options.session_id.clone().or_else(|| c.session_id.clone());
    if org_id.is_none() {
        notes.error(Code::MissingOption, "/org_id", "Vela needs an `org_id`: give the `orgId` option");
    }
    if session_id.is_none() {
        notes.error(Code::MissingOption, "/chat_data/session_id", "Vela needs a `session_id`: give the `sessionId` option (or a `ticket_id` in the metadata)");
    }
    if c.agent.id.is_none() {
        notes.error(Code::MissingOption, "/chat_data/agent_id", "Vela needs an `agent_id`: the input does not name an agent (give SpeechSense metadata with `operator_id`, or Labelbox `roles`)");
    }
    // The earliest and the latest message time (the first of equal ones, as min_by_key and the
    // last, as max_by_key), in one loop: iterator chains each link their own code.
    let (mut first, mut last): (Option<Instant>, Option<Instant>) = (None, None);
    for m in &c.messages {
        let Some(t) = m.time else { continue };
        if first.is_none_or(|f| (t.seconds, t.nanos) < (f.seconds, f.nanos)) {
            first = Some(t);
        }
        if last.is_none_or(|l| (t.seconds, t.nanos) >= (l.seconds, l.nanos)) {
            last = Some(t);
        }
    }
    let start = c.start.or(first);
    let end = c.end.or(last);
    let (Some(start), Some(end)) = (start, end) else {
        notes.error(Code::MissingMember, "/chat_data/start_time", "Vela needs `start_time` and `end_time`, and the input has no times");
        return String::new();
    };
    let mut messages = Vec::with_capacity(c.messages.len());
    for (i, m) in c.messages.iter().enumerate() {
        let Some(t) = &m.time else {
            notes.error(Code::MissingMember, format!("/messages/{i}/timestampUsec"), "the message has no time; Vela needs a timestamp for every message");
            continue;
        };
        let sender = match m.role {
            Some(r) => r.as_str().to_owned(),
            None => {
                notes.warn(Code::RoleInferred, format!("/messages/{i}"), format!("user_id \"{}\" is none of the metadata's ids, so it is written as the sender", m.user_id));
                m.user_id.clone()
            }
        };
        let timestamp = rfc3339(t, &format!("/messages/{i}"), notes);
        messages.push(Out::map(vec![("timestamp", Out::from(timestamp)), ("sender", Out::from(sender)), ("content", Out::from(m.text.as_str()))]));
    }
    let mut chat_data = Out::map(vec![
        ("session_id", Out::from(session_id.unwrap_or_default())),
        ("agent_id", Out::from(c.agent.id.clone().unwrap_or_default())),
    ]);
    if let Some(cid) = &c.customer.id {
        chat_data.insert("customer_id", Out::from(cid.as_str()));
    }
    chat_data.insert("start_time", Out::from(rfc3339(&start, "/chat_data/start_time", notes)));
    chat_data.insert("end_time", Out::from(rfc3339(&end, "/chat_data/end_time", notes)));
    chat_data.insert("messages", Out::list(messages));
    let mut meta = c.extra.clone();
    for (role, id, name) in [(Role::Agent, None, "operator_name"), (Role::Customer, None, "client_name"), (Role::Bot, Some("bot_id"), "bot_name")] {
        let p = c.party(role);
        if let (Some(k), Some(v)) = (id, &p.id) {
            meta.insert_absent(k, || v.clone());
        }
        if let Some(v) = &p.name {
            meta.insert_absent(name, || v.clone());
        }
    }
    let mut out = Out::map(vec![("org_id", Out::from(org_id.unwrap_or_default())), ("chat_data", chat_data)]);
    if !meta.is_empty() {
        out.insert("metadata", Out::strings(meta.into_vec()));
    }
    out.to_json()
}

/// Labelbox's editor shows HTML entities as typed, while web-chat sources (Vela, and SpeechSense
/// chats from messengers) often carry them escaped: those are decoded, with a warning.
fn labelbox(c: &Conversation, from: Option<ChatFormat>, notes: &mut Notes) -> String {
    let decode_html = matches!(from, Some(ChatFormat::Vela | ChatFormat::Speechsense));
    if c.messages.len() > MAX_MESSAGES {
        notes.error(Code::TooManyMessages, "/messages", format!("the chat has {} messages; a Labelbox conversation holds at most {MAX_MESSAGES}", c.messages.len()));
    }
    if !c.extra.is_empty() {
        let mut keys = String::new();
        for (i, k) in c.extra.keys().enumerate() {
            if i > 0 {
                keys.push_str(", ");
            }
            keys.push_str(k);
        }
        notes.warn(Code::Dropped, "", format!("metadata is dropped (Labelbox has no place for it): {keys}"));
    }
    if c.org_id.is_some() || c.session_id.is_some() || c.start.is_some() || c.end.is_some() {
        notes.warn(Code::Dropped, "", "the session's org_id, session_id, start and end times are dropped");
    }
    // Past the limit there is no output to build (an error drops it), only texts to check: a
    // 160,000-message chat is refused in a blink instead of building a tree for each message.
    let build = c.messages.len() <= MAX_MESSAGES;
    let mut lost_precision = false;
    let mut messages = Vec::with_capacity(if build { c.messages.len() } else { 0 });
    for (i, m) in c.messages.iter().enumerate() {
        if m.text.chars().count() >= MAX_CONTENT_CHARS {
            notes.error(Code::ContentTooLong, format!("/messages/{i}"), format!("the text has {} characters; Labelbox needs fewer than {MAX_CONTENT_CHARS}", m.text.chars().count()));
        }
        if !build {
            continue;
        }
        let role = m.role.unwrap_or(Role::Customer);
        let name = m.name.clone().or_else(|| c.party(role).name.clone()).unwrap_or_else(|| match m.role {
            Some(Role::Agent) => "Agent".to_owned(),
            Some(Role::Customer) => "Customer".to_owned(),
            Some(Role::Bot) => "Bot".to_owned(),
            None => m.user_id.clone(),
        });
        let align = match m.role {
            Some(Role::Agent) => "right",
            Some(Role::Bot) => "0-left-indent",
            _ => "left",
        };
        let mut o = Out::map(vec![("messageId", Out::from(m.id.clone().unwrap_or_else(|| format!("message-{i}"))))]);
        if let Some(t) = &m.time {
            lost_precision |= t.nanos % 1000 != 0;
            match t.seconds.checked_mul(1_000_000).and_then(|us| us.checked_add((t.nanos / 1000) as i64)) {
                Some(us) => {
                    o.insert("timestampUsec", Out::Int(us));
                }
                None => notes.error(Code::InvalidInteger, format!("/messages/{i}"), "the time does not fit in 64-bit microseconds"),
            }
        }
        let text = match decode_html.then(|| crate::formats::text::decode_html_entities(&m.text)).flatten() {
            Some(decoded) => {
                notes.warn(Code::HtmlDecoded, format!("/messages/{i}"), "HTML entities (such as `&amp;`) in the text were decoded: Labelbox's editor would show them as typed");
                decoded
            }
            None => m.text.clone(),
        };
        o.insert("content", Out::from(text));
        o.insert("user", Out::map(vec![("userId", Out::from(m.user_id.as_str())), ("name", Out::from(name))]));
        o.insert("align", Out::from(align));
        o.insert("canLabel", Out::Bool(m.can_label.unwrap_or(true)));
        messages.push(o);
    }
    if lost_precision {
        notes.warn(Code::PrecisionLost, "/messages", "times are rounded down to whole microseconds (Labelbox `timestampUsec`)");
    }
    Out::map(vec![("type", Out::from(CONVERSATION_TYPE)), ("version", Out::Int(1)), ("messages", Out::list(messages))]).to_json()
}
