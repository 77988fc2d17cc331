//! Reading each (already validated) format into the neutral [`Conversation`].

use super::write::message_path;
use super::{ChatFormat, ConvertOptions, Conversation, Instant, Message, Metadata, Notes, Party, Role, Roles};
use crate::formats::speechsense::chat::user_id_text;
use crate::formats::time::{self, Grammar};
use crate::json::{Kind, Value};
use crate::report::Code;

/// Reads the validated document `root` in format `from` (with its validated SpeechSense
/// `metadata`, when given) into `c` (empty), or `None`. (Filled in place: a 168-byte
/// `Conversation` returned by value is copied at each return and again into the writer.)
pub(super) fn read(root: Value<'_, '_>, metadata: Option<Value<'_, '_>>, from: ChatFormat, options: &ConvertOptions, notes: &mut Notes, c: &mut Conversation) -> Option<()> {
    match from {
        ChatFormat::Speechsense => speechsense(root, metadata, notes, c),
        ChatFormat::Vela => vela(root, c),
        ChatFormat::Labelbox => labelbox(root, &options.roles, notes, c),
    }
}

fn instant(s: &str) -> Option<Instant> {
    let t = time::parse(s, Grammar::Iso8601).ok()?;
    Some(Instant { seconds: t.unix_seconds(), nanos: t.nanos, offset: t.offset.unwrap_or(0) })
}

/// Member `key` of `v` as a time, if it is a string that is one. (Validation made every such
/// member read here a valid time: no `Option<Option<Instant>>` tells "no string" apart.)
fn time_of(v: Value<'_, '_>, key: &str) -> Option<Instant> {
    instant(&v.get(key)?.as_str()?)
}

fn text(v: Value<'_, '_>, key: &str) -> Option<String> {
    v.get(key).and_then(|v| v.as_str()).map(|s| s.into_owned())
}

/// A JSON value as a metadata string: strings as they are, anything else as compact JSON.
fn as_metadata_string(v: Value<'_, '_>) -> String {
    match v.as_str() {
        Some(s) => s.into_owned(),
        None => v.raw().to_owned(),
    }
}

/// An object's members as metadata (`None` if a key is not a string).
fn metadata_of(object: Value<'_, '_>) -> Option<Metadata> {
    let mut pairs = Vec::with_capacity(object.len());
    for (k, v) in object.members() {
        pairs.push((k.as_str()?.into_owned(), as_metadata_string(v)));
    }
    Some(Metadata::from_pairs(pairs))
}

/// The parties of a SpeechSense or Vela conversation: the agent's and the customer's ids as
/// given, the bot's id and every name from the metadata.
fn parties(c: &mut Conversation, agent: Option<String>, customer: Option<String>) {
    // Field by field, in place: not three Parties built and moved over the old ones.
    let Conversation { agent: a, customer: cu, bot, extra, .. } = c;
    let meta = |key: &str| extra.get(key).cloned();
    a.id = agent;
    a.name = meta("operator_name");
    cu.id = customer;
    cu.name = meta("client_name");
    bot.id = meta("bot_id");
    bot.name = meta("bot_name");
}

/// A SpeechSense or Vela message: its `timestamp`, and its text in member `text_key`.
fn push_timed(c: &mut Conversation, m: Value<'_, '_>, user_id: String, role: Option<Role>, text_key: &str) {
    c.messages.push(Message {
        user_id,
        role,
        // The Labelbox writer falls back to the role's party name (the only format with a name
        // per message).
        name: None,
        time: time_of(m, "timestamp"),
        // Validation made the text a string: nothing here fails.
        text: text(m, text_key).unwrap_or_default(),
        id: None,
        can_label: None,
    });
}

fn speechsense(root: Value<'_, '_>, metadata: Option<Value<'_, '_>>, notes: &mut Notes, c: &mut Conversation) -> Option<()> {
    if let Some(m) = metadata {
        c.extra = metadata_of(m)?;
    } else {
        notes.warn(Code::MissingOption, "", "no `metadata` was given, so participant roles and names are unknown");
    }
    let (agent, customer) = (c.extra.get("operator_id").cloned(), c.extra.get("client_id").cloned());
    parties(c, agent, customer);
    c.session_id = c.extra.get("ticket_id").cloned();
    c.org_id = c.extra.get("org_id").cloned();
    // Set in place, not built as Option<Instant> temporaries and moved.
    if let Some(d) = c.extra.get("date") {
        c.start = instant(d);
    }
    if c.start.is_none() {
        if let Some(d) = c.extra.get("date_from") {
            c.start = instant(d);
        }
    }
    if let Some(d) = c.extra.get("date_to") {
        c.end = instant(d);
    }
    for m in root.get("messages")?.items() {
        let user_id = user_id_text(m.get("user_id")?)?.into_owned();
        let role = [Role::Agent, Role::Customer, Role::Bot].into_iter().find(|r| c.party(*r).id.as_deref() == Some(user_id.as_str()));
        push_timed(c, m, user_id, role, "text");
    }
    Some(())
}

fn vela(root: Value<'_, '_>, c: &mut Conversation) -> Option<()> {
    let cd = root.get("chat_data")?;
    c.org_id = text(root, "org_id");
    c.session_id = text(cd, "session_id");
    if let Some(meta) = root.get("metadata").filter(|m| m.kind() == Kind::Object) {
        c.extra = metadata_of(meta)?;
    }
    parties(c, text(cd, "agent_id"), text(cd, "customer_id"));
    c.start = time_of(cd, "start_time");
    c.end = time_of(cd, "end_time");
    for m in cd.get("messages")?.items() {
        let sender = text(m, "sender")?;
        let role = match sender.as_str() {
            "agent" => Some(Role::Agent),
            "customer" => Some(Role::Customer),
            "bot" => Some(Role::Bot),
            _ => None,
        };
        let user_id = role.and_then(|r| c.party(r).id.clone()).unwrap_or(sender);
        push_timed(c, m, user_id, role, "content");
    }
    Some(())
}

/// The role the `align` convention gives: `right` agent, `left` (or none) customer, any indent bot.
pub(super) fn role_of_align(align: Option<&str>) -> Role {
    match align {
        Some("right") => Role::Agent,
        Some(a) if a.ends_with("-indent") => Role::Bot,
        _ => Role::Customer,
    }
}

fn labelbox(root: Value<'_, '_>, roles: &Roles, notes: &mut Notes, c: &mut Conversation) -> Option<()> {
    // Whose role came from `align` (warned about once each).
    let mut inferred = Roles::default();
    for (i, m) in root.get("messages")?.items().enumerate() {
        // The members that must be there first (validation made them so): a `?` after the
        // optional reads and the notes would drop more Strings on its way out.
        let content = text(m, "content")?;
        let user = m.get("user")?;
        let user_id = text(user, "userId")?;
        let name = text(user, "name");
        let align = text(m, "align");
        let role = match roles.get(&user_id) {
            Some(r) => r,
            None => {
                let r = role_of_align(align.as_deref());
                if inferred.insert(user_id.clone(), r).is_none() && !roles.is_empty() {
                    notes.warn(Code::RoleInferred, &message_path(i, "/user"), &format!("`roles` has no entry for userId \"{user_id}\"; its role ({}) comes from `align`", r.as_str()));
                }
                r
            }
        };
        let party = c.party_mut(role);
        match &party.id {
            None => *party = Party { id: Some(user_id.clone()), name: name.clone() },
            Some(id) if *id != user_id => notes.warn(Code::RoleInferred, &message_path(i, "/user/userId"), &format!("userId \"{user_id}\" has the same role ({}) as \"{id}\"; SpeechSense and Vela hold one id per role", role.as_str())),
            Some(_) => {}
        }
        let time = m.get("timestampUsec").and_then(|t| t.as_i64()).map(|us| Instant { seconds: us.div_euclid(1_000_000), nanos: (us.rem_euclid(1_000_000) * 1000) as u32, offset: 0 });
        c.messages.push(Message {
            user_id,
            role: Some(role),
            name,
            time,
            text: content,
            id: text(m, "messageId"),
            // `true` or `false` by its first letter, through the calls the reader makes anyway
            // (`kind`, `raw`): Value::as_bool is linked for this one read otherwise.
            can_label: m.get("canLabel").filter(|b| b.kind() == Kind::Bool).map(|b| b.raw().starts_with('t')),
        });
    }
    Some(())
}
