//! Writing the neutral [`Conversation`] in each format.

use crate::json::write::{push_int, Writer};

use super::{ChatFormat, ConvertOptions, Conversation, Instant, Metadata, Notes, Role};
use crate::formats::labelbox::{CONVERSATION_TYPE, MAX_CONTENT_CHARS, MAX_MESSAGES};
use crate::formats::time::format_rfc3339;
use crate::report::Code;

pub(super) fn write(c: &mut Conversation, to: ChatFormat, options: &ConvertOptions, notes: &mut Notes) -> (String, Option<String>) {
    if to != ChatFormat::Labelbox {
        let (mut ids, mut unlabelled) = (false, false);
        for m in &c.messages {
            ids |= m.id.is_some();
            unlabelled |= m.can_label == Some(false);
        }
        if ids {
            notes.warn(Code::Dropped, "/messages", "Labelbox `messageId`s are dropped: the target has no message ids");
        }
        if unlabelled {
            notes.warn(Code::Dropped, "/messages", "Labelbox `canLabel` is dropped: the target has no such flag");
        }
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

/// `/messages/{i}{tail}`: the path of message `i` (or of its member `tail`).
pub(super) fn message_path(i: usize, tail: &str) -> String {
    let mut p = String::from("/messages/");
    push_int(&mut p, i as i64);
    p.push_str(tail);
    p
}

/// The parties' names into SpeechSense metadata keys, where the metadata has none.
fn names_into(meta: &mut Metadata, c: &Conversation) {
    for (role, key) in [(Role::Agent, "operator_name"), (Role::Customer, "client_name"), (Role::Bot, "bot_name")] {
        if let Some(v) = &c.party(role).name {
            meta.insert_absent(key, v);
        }
    }
}

fn speechsense(c: &mut Conversation, notes: &mut Notes) -> (String, Option<String>) {
    let mut w = Writer::default();
    w.open(None, b'{');
    w.open(Some("messages"), b'[');
    for (i, m) in c.messages.iter().enumerate() {
        let Some(t) = &m.time else {
            notes.error(Code::MissingMember, &message_path(i, "/timestampUsec"), "the message has no time; SpeechSense needs a timestamp for every message");
            continue;
        };
        let path = message_path(i, "");
        let ts = rfc3339(t, &path, notes);
        if m.role.is_none() {
            notes.warn(Code::RoleInferred, &path, &format!("sender \"{}\" has no role, so its user_id matches no metadata id", m.user_id));
        }
        w.open(None, b'{');
        w.string(Some("text"), &m.text);
        w.string(Some("timestamp"), &ts);
        w.string(Some("user_id"), &m.user_id);
        w.close(b'}');
    }
    w.close(b']');
    w.close(b'}');
    // The conversation is the writer's to consume: its metadata is taken, not copied.
    let mut meta = std::mem::take(&mut c.extra);
    for (role, id) in [(Role::Agent, "operator_id"), (Role::Customer, "client_id"), (Role::Bot, "bot_id")] {
        if let Some(v) = &c.party(role).id {
            meta.insert(id, v.clone());
        }
    }
    names_into(&mut meta, c);
    if let Some(s) = &c.session_id {
        meta.insert_absent("ticket_id", s);
    }
    if let Some(o) = &c.org_id {
        meta.insert_absent("org_id", o);
    }
    if !meta.contains_key("date") {
        if let Some(t) = c.start.as_ref().or_else(|| c.messages.iter().find_map(|m| m.time.as_ref())) {
            let d = rfc3339(t, "/date", notes);
            meta.insert("date", d);
        }
    }
    if !meta.contains_key("date_to") {
        if let Some(t) = &c.end {
            let d = rfc3339(t, "/date_to", notes);
            meta.insert("date_to", d);
        }
    }
    let mut mw = Writer::default();
    mw.strings(None, meta.pairs());
    (w.into_string(), Some(mw.into_string()))
}

fn vela(c: &mut Conversation, options: &ConvertOptions, notes: &mut Notes) -> String {
    let org_id = options.org_id.as_ref().or(c.org_id.as_ref());
    let session_id = options.session_id.as_ref().or(c.session_id.as_ref());
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
    // Borrowed, not copied: an `Option<&Instant>` is one pointer, an `Option<Instant>` 24 bytes.
    let (mut first, mut last): (Option<&Instant>, Option<&Instant>) = (None, None);
    for m in &c.messages {
        let Some(t) = &m.time else { continue };
        let k = (t.seconds, t.nanos);
        if first.is_none_or(|f| k < (f.seconds, f.nanos)) {
            first = Some(t);
        }
        if last.is_none_or(|l| k >= (l.seconds, l.nanos)) {
            last = Some(t);
        }
    }
    let start = c.start.as_ref().or(first);
    let end = c.end.as_ref().or(last);
    let (Some(start), Some(end)) = (start, end) else {
        notes.error(Code::MissingMember, "/chat_data/start_time", "Vela needs `start_time` and `end_time`, and the input has no times");
        return String::new();
    };
    // The messages first (their issues come before those of the session times), written into
    // `chat_data` after `end_time`, where their key sorts.
    let mut messages = Writer::default();
    messages.open(None, b'[');
    for (i, m) in c.messages.iter().enumerate() {
        let Some(t) = &m.time else {
            notes.error(Code::MissingMember, &message_path(i, "/timestampUsec"), "the message has no time; Vela needs a timestamp for every message");
            continue;
        };
        let path = message_path(i, "");
        let sender = match m.role {
            Some(r) => r.as_str(),
            None => {
                notes.warn(Code::RoleInferred, &path, &format!("user_id \"{}\" is none of the metadata's ids, so it is written as the sender", m.user_id));
                m.user_id.as_str()
            }
        };
        let timestamp = rfc3339(t, &path, notes);
        messages.open(None, b'{');
        messages.string(Some("content"), &m.text);
        messages.string(Some("sender"), sender);
        messages.string(Some("timestamp"), &timestamp);
        messages.close(b'}');
    }
    messages.close(b']');
    let start = rfc3339(start, "/chat_data/start_time", notes);
    let end = rfc3339(end, "/chat_data/end_time", notes);
    // The conversation is the writer's to consume: its metadata is taken, not copied.
    let mut meta = std::mem::take(&mut c.extra);
    if let Some(v) = &c.bot.id {
        meta.insert_absent("bot_id", v);
    }
    names_into(&mut meta, c);
    let mut w = Writer::default();
    w.open(None, b'{');
    w.open(Some("chat_data"), b'{');
    w.string(Some("agent_id"), c.agent.id.as_deref().unwrap_or(""));
    if let Some(cid) = &c.customer.id {
        w.string(Some("customer_id"), cid);
    }
    w.string(Some("end_time"), &end);
    w.raw(Some("messages"), &messages.into_string());
    w.string(Some("session_id"), session_id.map_or("", |s| s.as_str()));
    w.string(Some("start_time"), &start);
    w.close(b'}');
    if !meta.is_empty() {
        w.strings(Some("metadata"), meta.pairs());
    }
    w.string(Some("org_id"), org_id.map_or("", |s| s.as_str()));
    w.close(b'}');
    w.into_string()
}

/// Labelbox's editor shows HTML entities as typed, while web-chat sources (Vela, and SpeechSense
/// chats from messengers) often carry them escaped: those are decoded, with a warning.
fn labelbox(c: &Conversation, from: Option<ChatFormat>, notes: &mut Notes) -> String {
    let decode_html = matches!(from, Some(ChatFormat::Vela | ChatFormat::Speechsense));
    if c.messages.len() > MAX_MESSAGES {
        notes.error(Code::TooManyMessages, "/messages", &format!("the chat has {} messages; a Labelbox conversation holds at most {MAX_MESSAGES}", c.messages.len()));
    }
    if !c.extra.is_empty() {
        let mut keys = String::from("metadata is dropped (Labelbox has no place for it): ");
        for (i, k) in c.extra.keys().enumerate() {
            if i > 0 {
                keys.push_str(", ");
            }
            keys.push_str(k);
        }
        notes.warn(Code::Dropped, "", &keys);
    }
    if c.org_id.is_some() || c.session_id.is_some() || c.start.is_some() || c.end.is_some() {
        notes.warn(Code::Dropped, "", "the session's org_id, session_id, start and end times are dropped");
    }
    // Past the limit there is no output to write (an error drops it), only texts to check: a
    // 160,000-message chat is refused in a blink.
    let build = c.messages.len() <= MAX_MESSAGES;
    let mut lost_precision = false;
    let mut w = Writer::default();
    w.open(None, b'{');
    w.open(Some("messages"), b'[');
    for (i, m) in c.messages.iter().enumerate() {
        let chars = crate::formats::text::char_count(&m.text);
        if chars >= MAX_CONTENT_CHARS {
            notes.error(Code::ContentTooLong, &message_path(i, ""), &format!("the text has {chars} characters; Labelbox needs fewer than {MAX_CONTENT_CHARS}"));
        }
        if !build {
            continue;
        }
        let role = m.role.unwrap_or(Role::Customer);
        let default_name = match m.role {
            Some(Role::Agent) => "Agent",
            Some(Role::Customer) => "Customer",
            Some(Role::Bot) => "Bot",
            None => m.user_id.as_str(),
        };
        let name = m.name.as_ref().or(c.party(role).name.as_ref()).map_or(default_name, |n| n.as_str());
        let align = match m.role {
            Some(Role::Agent) => "right",
            Some(Role::Bot) => "0-left-indent",
            _ => "left",
        };
        // Issues in the order they were always reported: the time, then the text.
        let mut usec = None;
        if let Some(t) = &m.time {
            lost_precision |= t.nanos % 1000 != 0;
            usec = t.seconds.checked_mul(1_000_000).and_then(|us| us.checked_add((t.nanos / 1000) as i64));
            if usec.is_none() {
                notes.error(Code::InvalidInteger, &message_path(i, ""), "the time does not fit in 64-bit microseconds");
            }
        }
        let decoded = decode_html.then(|| crate::formats::text::decode_html_entities(&m.text)).flatten();
        if decoded.is_some() {
            notes.warn(Code::HtmlDecoded, &message_path(i, ""), "HTML entities (such as `&amp;`) in the text were decoded: Labelbox's editor would show them as typed");
        }
        w.open(None, b'{');
        w.string(Some("align"), align);
        w.bool(Some("canLabel"), m.can_label.unwrap_or(true));
        w.string(Some("content"), decoded.as_deref().unwrap_or(&m.text));
        match &m.id {
            Some(id) => w.string(Some("messageId"), id),
            None => {
                let mut id = String::from("message-");
                push_int(&mut id, i as i64);
                w.string(Some("messageId"), &id);
            }
        }
        if let Some(us) = usec {
            w.int(Some("timestampUsec"), us);
        }
        w.open(Some("user"), b'{');
        w.string(Some("name"), name);
        w.string(Some("userId"), &m.user_id);
        w.close(b'}');
        w.close(b'}');
    }
    w.close(b']');
    if lost_precision {
        notes.warn(Code::PrecisionLost, "/messages", "times are rounded down to whole microseconds (Labelbox `timestampUsec`)");
    }
    w.string(Some("type"), CONVERSATION_TYPE);
    w.int(Some("version"), 1);
    w.close(b'}');
    w.into_string()
}
