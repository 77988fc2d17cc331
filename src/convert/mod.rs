//! Conversion between SpeechSense chat (+ metadata), Vela chat and Labelbox conversation.
//!
//! The input is parsed once and validated (issues are reported exactly as
//! [`validate`](crate::validate::validate) reports them); the same tree is then read into a
//! neutral [`Conversation`] and written in the target format.
//! Whatever the target cannot hold is listed in `warnings` (`dropped`, `precision_lost`,
//! `role_inferred`).
//!
//! Mapping:
//! - roles: SpeechSense operator ↔ Vela `agent` ↔ Labelbox `align: "right"`; client ↔ `customer` ↔
//!   `"left"`; bot ↔ `bot` ↔ any `"N-left-indent"`/`"N-right-indent"` (written as `"0-left-indent"`).
//!   Labelbox has no role field, so roles travel in `align`, unless `roles` (userId → role) is given;
//! - times: RFC 3339 (offset kept) ↔ Labelbox `timestampUsec` (epoch microseconds, UTC);
//! - ids: `user_id` ↔ `userId`, operator/client ids ↔ `agent_id`/`customer_id`, `ticket_id` ↔
//!   `session_id`, Labelbox `messageId` kept when the target has ids (else `message-<i>` is written);
//! - SpeechSense → Vela writes the whole SpeechSense metadata into Vela's free `metadata` object, and
//!   Vela → SpeechSense reads it back, so that round trip loses nothing. Vela's `org_id` becomes the
//!   metadata key `org_id`.
//!
//! ```
//! use talk_uploader::convert::{convert_chat, ChatFormat, ConvertOptions};
//! let vela = br#"{"org_id":"o","chat_data":{"session_id":"s","agent_id":"a1","customer_id":"c1",
//!   "start_time":"2024-01-15T10:30:00Z","end_time":"2024-01-15T10:45:00Z",
//!   "messages":[{"timestamp":"2024-01-15T10:30:00Z","sender":"customer","content":"Hello"}]}}"#;
//! let r = convert_chat(vela, &ConvertOptions::new(ChatFormat::Vela, ChatFormat::Labelbox));
//! assert!(r.ok, "{:?}", r.errors);
//! assert!(r.output.contains("\"timestampUsec\":1705314600000000"));
//! ```

mod read;
mod write;

use std::borrow::Cow;

use crate::report::{Capped, Code, Issue, Report, DEFAULT_MAX_ISSUES};
use crate::formats::speechsense::chat;
use crate::validate::{report_on, validate_read, ValidateOptions, ValidationKind};

/// A chat format the converter reads and writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(not(target_arch = "wasm32"), derive(serde::Serialize, serde::Deserialize), serde(rename_all = "kebab-case"))]
pub enum ChatFormat {
    /// SpeechSense `chat.json` (+ `metadata.json` in [`ConvertOptions::metadata`] / [`ConvertResult::metadata`]).
    Speechsense,
    /// The Vela chat upload body.
    Vela,
    /// A Labelbox conversation.
    Labelbox,
}

/// Labelbox userId → role: a sorted Vec with a map's `insert` and `get`, kept in a [`Metadata`]
/// (each role as its name): one sorted-Vec map in the module, not a second copy of its lookup and
/// insert for another element type. Not a `BTreeMap<String, Role>`: that would be a third B-tree
/// instance in the module, about 6 KB of raw wasm (issue 9), for a map of a few entries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Roles(Metadata);

impl Roles {
    /// Sets `user_id`'s role; the role it had before, if any.
    pub fn insert(&mut self, user_id: String, role: Role) -> Option<Role> {
        let before = self.get(&user_id);
        self.0.insert(&user_id, role.as_str().to_owned());
        before
    }

    /// `user_id`'s role.
    pub fn get(&self, user_id: &str) -> Option<Role> {
        // The names differ in their first byte.
        self.0.get(user_id).map(|name| match name.as_bytes().first() {
            Some(b'a') => Role::Agent,
            Some(b'c') => Role::Customer,
            _ => Role::Bot,
        })
    }

    /// `true` when no role is given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Metadata key → value, sorted by key, each key once: a sorted Vec with the few map methods the
/// converter uses. Not a `BTreeMap<String, String>`: its node code is about 5 KB of the wasm
/// module (issue 9), for maps of a few keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata(Vec<(String, String)>);

impl Metadata {
    /// The map of `pairs` (a later duplicate key replaces an earlier one's value, as a map's
    /// `insert` does): one sort, not an insert per pair, so a huge object costs O(n log n).
    pub fn from_pairs(mut pairs: Vec<(String, String)>) -> Metadata {
        // (key, position counted down): each run of one key starts with its last pair. The
        // element type formats::check sorts too, so no other copy of the sort is linked. The keys
        // are moved out of the pairs (no borrow of them), so the values are taken in the same loop.
        let mut order: Vec<(Cow<'_, str>, usize)> = Vec::with_capacity(pairs.len());
        for (i, (k, _)) in pairs.iter_mut().enumerate() {
            order.push((Cow::Owned(std::mem::take(k)), usize::MAX - i));
        }
        crate::report::sort::sort(&mut order);
        let mut out: Vec<(String, String)> = Vec::with_capacity(order.len());
        for (k, i) in &mut order {
            if out.last().is_some_and(|(last, _)| *last == **k) {
                continue;
            }
            if let Some((_, v)) = pairs.get_mut(usize::MAX - *i) {
                out.push((std::mem::take(k).into_owned(), std::mem::take(v)));
            }
        }
        Metadata(out)
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&String> {
        self.find(key).ok().and_then(|i| self.0.get(i)).map(|(_, v)| v)
    }

    /// `true` when `key` has a value.
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// The pairs, sorted by key (each key once).
    pub fn into_vec(self) -> Vec<(String, String)> {
        self.0
    }

    /// Sets `key`'s value.
    pub fn insert(&mut self, key: &str, value: String) {
        match self.find(key) {
            Ok(i) => {
                if let Some(slot) = self.0.get_mut(i) {
                    slot.1 = value;
                }
            }
            Err(i) => self.0.insert(i, (key.to_owned(), value)),
        }
    }

    /// Sets `key`'s value to `value`, unless it has one.
    pub fn insert_absent(&mut self, key: &str, value: &str) {
        if let Err(i) = self.find(key) {
            self.0.insert(i, (key.to_owned(), value.to_owned()));
        }
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }

    /// `true` when there is no key.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The pairs, sorted by key.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
}

/// A participant's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(not(target_arch = "wasm32"), derive(serde::Serialize, serde::Deserialize), serde(rename_all = "kebab-case"))]
pub enum Role {
    /// SpeechSense operator, Vela agent.
    Agent,
    /// SpeechSense client, Vela customer.
    Customer,
    /// A bot.
    Bot,
}

impl Role {
    /// The Vela `sender` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Customer => "customer",
            Role::Bot => "bot",
        }
    }
}

/// Options of [`convert_chat`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConvertOptions {
    /// The input format.
    pub from: Option<ChatFormat>,
    /// The output format.
    pub to: Option<ChatFormat>,
    /// SpeechSense metadata JSON, when `from` is SpeechSense (it names the participants).
    pub metadata: Option<String>,
    /// Vela `org_id` for the output (else the metadata's `org_id`).
    pub org_id: Option<String>,
    /// Vela `session_id` for the output (else the input's session or `ticket_id`).
    pub session_id: Option<String>,
    /// Labelbox userId → role, overriding the `align` convention.
    pub roles: Roles,
    /// The most issues the result lists (0 means [`DEFAULT_MAX_ISSUES`]); past it the result is
    /// `truncated` and ends with one `too_many_issues`.
    pub max_issues: usize,
}

impl ConvertOptions {
    /// Options converting `from` → `to`.
    pub fn new(from: ChatFormat, to: ChatFormat) -> ConvertOptions {
        ConvertOptions { from: Some(from), to: Some(to), ..ConvertOptions::default() }
    }

    fn limit(&self) -> usize {
        if self.max_issues == 0 { DEFAULT_MAX_ISSUES } else { self.max_issues }
    }
}

/// The result of [`convert_chat`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(not(target_arch = "wasm32"), derive(serde::Serialize))]
pub struct ConvertResult {
    /// `true` when there are no errors.
    pub ok: bool,
    /// The converted document (JSON), empty when there are errors.
    pub output: String,
    /// For SpeechSense output: the `metadata.json` text.
    pub metadata: Option<String>,
    /// Problems in the input (positions refer to it) or in the options.
    pub errors: Vec<Issue>,
    /// Input warnings plus what the target format cannot hold.
    pub warnings: Vec<Issue>,
    /// `true` when more issues were found than `max_issues`: the last issue is `too_many_issues`.
    pub truncated: bool,
}

/// One party of a conversation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Party {
    /// The participant id.
    pub id: Option<String>,
    /// The display name.
    pub name: Option<String>,
}

/// An instant with the offset it was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instant {
    /// Unix seconds.
    pub seconds: i64,
    /// 0..=999_999_999
    pub nanos: u32,
    /// Offset east of UTC in seconds.
    pub offset: i32,
}

/// One message in the neutral model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The sender id.
    pub user_id: String,
    /// The sender's role, if known.
    pub role: Option<Role>,
    /// The sender's display name, if known.
    pub name: Option<String>,
    /// The send time, if known.
    pub time: Option<Instant>,
    /// The text.
    pub text: String,
    /// A message id (Labelbox).
    pub id: Option<String>,
    /// Labelbox `canLabel`.
    pub can_label: Option<bool>,
}

/// The neutral conversation every format is read into.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conversation {
    /// Vela `org_id`.
    pub org_id: Option<String>,
    /// Vela `session_id` / SpeechSense `ticket_id`.
    pub session_id: Option<String>,
    /// Operator / agent.
    pub agent: Party,
    /// Client / customer.
    pub customer: Party,
    /// Bot.
    pub bot: Party,
    /// Session start.
    pub start: Option<Instant>,
    /// Session end.
    pub end: Option<Instant>,
    /// Other key/value metadata (SpeechSense metadata, Vela `metadata`), values as strings.
    pub extra: Metadata,
    /// The messages.
    pub messages: Vec<Message>,
}

impl Conversation {
    /// The party of `role`.
    pub fn party(&self, role: Role) -> &Party {
        match role {
            Role::Agent => &self.agent,
            Role::Customer => &self.customer,
            Role::Bot => &self.bot,
        }
    }

    pub(crate) fn party_mut(&mut self, role: Role) -> &mut Party {
        match role {
            Role::Agent => &mut self.agent,
            Role::Customer => &mut self.customer,
            Role::Bot => &mut self.bot,
        }
    }
}

/// Collects conversion-level issues (without positions) under the same cap as the report they
/// continue ([`Capped`]: errors first, the rest counted).
#[derive(Debug)]
pub(crate) struct Notes {
    issues: Capped<Issue>,
}

impl Notes {
    fn new(limit: usize, report: Report) -> Notes {
        let mut issues = Capped::with_limit(limit);
        // The report is capped already; its own `too_many_issues` (the last issue, when it
        // has one: see `Sink::finish`) is folded into the counts. The lists are taken whole.
        issues.errors = report.errors;
        issues.warnings = report.warnings;
        // `last` + `pop` (the pop Capped links anyway), not a `pop_if` instance of its own.
        let over = |list: &mut Vec<Issue>| {
            let over = list.last().is_some_and(|i| i.code == Code::TooManyIssues);
            if over {
                list.pop();
            }
            over as u64
        };
        let e = over(&mut issues.errors);
        let w = over(&mut issues.warnings);
        issues.count_dropped(e, w);
        Notes { issues }
    }

    // `&str`, not `impl Into<String>`: one copy of each for every caller (a formatted message
    // is borrowed and copied once more, which only a reported issue pays).
    pub fn error(&mut self, code: Code, path: &str, msg: &str) {
        self.issues.push_error(Issue::unplaced(code, path, msg));
    }

    pub fn warn(&mut self, code: Code, path: &str, msg: &str) {
        self.issues.push_warning(Issue::unplaced(code, path, msg));
    }

    fn has_errors(&self) -> bool {
        self.issues.has_errors()
    }

    /// The result: `output` and `metadata` only when there is no error.
    fn finish(self, output: String, metadata: Option<String>) -> ConvertResult {
        let (dropped_errors, dropped_warnings) = self.issues.dropped();
        let limit = self.issues.limit();
        let Capped { mut errors, mut warnings, .. } = self.issues;
        let truncated = dropped_errors + dropped_warnings > 0;
        if truncated {
            // Pushed, not `format!`ed: the integer formatting is one call either way.
            let mut msg = String::from("more issues than the ");
            crate::json::write::push_int(&mut msg, limit as i64);
            msg.push_str(" a result lists (the maxIssues option) were found and are not listed; fix these first, or raise maxIssues");
            // Borrowed: the instance of `unplaced` that Notes::error uses.
            let issue = Issue::unplaced(Code::TooManyIssues, "", &*msg);
            if dropped_errors > 0 { errors.push(issue) } else { warnings.push(issue) }
        }
        let ok = errors.is_empty();
        ConvertResult {
            ok,
            output: if ok { output } else { String::new() },
            metadata: if ok { metadata } else { None },
            errors,
            warnings,
            truncated,
        }
    }
}

fn kind_of(f: ChatFormat) -> ValidationKind {
    match f {
        ChatFormat::Speechsense => ValidationKind::SpeechsenseChat,
        ChatFormat::Vela => ValidationKind::VelaChat,
        ChatFormat::Labelbox => ValidationKind::LabelboxConversation,
    }
}

/// Converts a chat document. Never panics; problems are reported in the result.
pub fn convert_chat(input: &[u8], options: &ConvertOptions) -> ConvertResult {
    let (Some(from), Some(to)) = (options.from, options.to) else {
        let mut r = ConvertResult::default();
        r.errors.push(Issue::unplaced(Code::MissingOption, "", "give both `from` and `to`"));
        return r;
    };
    let limit = options.limit();
    // One parse of each text, validated and then read into the neutral model: the input, and a
    // SpeechSense chat's metadata, whose ids the chat is checked against and whose members name
    // the participants.
    let parsed = crate::validate::read(input, limit);
    let metadata = options.metadata.as_deref().filter(|_| from == ChatFormat::Speechsense).map(|m| crate::json::read(m.as_bytes()));
    let report = match &metadata {
        Some(m) => report_on(&parsed, limit, |root, sink| chat::check_chat_with_ids(root, Some(chat::ids_of(m)), sink)),
        None => validate_read(&parsed, &ValidateOptions { max_issues: limit, ..ValidateOptions::new(kind_of(from)) }),
    };
    let mut notes = Notes::new(limit, report);
    // One way out (one call of `finish`): no output when the input has errors.
    let mut out = (String::new(), None);
    if !notes.has_errors() {
        let meta_root = metadata.as_ref().and_then(|m| m.as_ref().ok()).map(|r| r.parsed.doc.root());
        let mut conv = Conversation::default();
        if parsed.as_ref().ok().and_then(|r| read::read(r.parsed.doc.root(), meta_root, from, options, &mut notes, &mut conv)).is_none() {
            notes.error(Code::MissingMember, "", "the input could not be read");
        } else {
            out = write::write(&mut conv, to, options, &mut notes);
        }
    }
    notes.finish(out.0, out.1)
}
