//! Typed SpeechSense chat data for `UploadText`: what the browser's `uploadText` and the devserver
//! build protobuf messages from, after validation.
//!
//! ```
//! use talk_uploader::prepare::speechsense::prepare_chat_upload;
//! let chat = br#"{"messages":[{"user_id":1111,"text":"Hi","timestamp":"2023-09-13T17:30:00.5+03:00"}]}"#;
//! let meta = br#"{"operator_name":"Ann","operator_id":"1111","client_name":"Bo","client_id":"2222",
//!   "bot_name":"B","bot_id":"3333","date":"2023-09-13T17:30:00Z","direction_outgoing":"false","language":"ru-RU"}"#;
//! let up = prepare_chat_upload(chat, meta, &[]).unwrap();
//! assert_eq!(up.messages[0].user_id, "1111");
//! assert_eq!(up.messages[0].timestamp.seconds, 1694615400);
//! assert_eq!(up.messages[0].timestamp.nanos, 500_000_000);
//! assert_eq!(up.fields.get("language"), Some("ru-RU"));
//! ```

use crate::formats::speechsense::{self, chat, ConnectionKind, FieldDecl};
use crate::formats::time::{self, Grammar};
use crate::json::Value;
use crate::report::{Report, DEFAULT_MAX_ISSUES};
use crate::validate::{read, report_on, validate_read, ValidateOptions, ValidationKind};

/// A `google.protobuf.Timestamp` value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Seconds since the Unix epoch.
    pub seconds: i64,
    /// 0..=999_999_999
    pub nanos: i32,
}

/// One chat message, ready for `text.proto`'s `Message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatMessage {
    /// The sender id (an integer in the source becomes its decimal text).
    pub user_id: String,
    /// The send time.
    pub timestamp: Timestamp,
    /// The message text.
    pub text: String,
}

/// A validated chat and metadata, ready for `UploadTextRequest`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatUpload {
    /// The messages, in file order.
    pub messages: Vec<ChatMessage>,
    /// `TalkMetadata.fields`.
    pub fields: MetadataFields,
    /// The chat's report (no errors; maybe warnings).
    pub chat_report: Report,
    /// The metadata's report (no errors; maybe warnings).
    pub metadata_report: Report,
}

/// Why [`prepare_chat_upload`] refused: the two reports, at least one with errors.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the chat has {} error(s) and the metadata {} error(s)", chat.errors.len(), metadata.errors.len())]
pub struct ChatUploadError {
    /// The chat's report.
    pub chat: Report,
    /// The metadata's report.
    pub metadata: Report,
}

/// Validates `chat` (with the metadata's ids) and `metadata` (as a chat connection with `fields`
/// declared), then returns typed data. Each text is parsed once: the ids, the checks and the
/// typed data all come from the same two trees. Never panics.
// The error carries both full reports by value; it is built at most once per upload, so its
// size costs nothing worth a Box.
#[allow(clippy::result_large_err)]
pub fn prepare_chat_upload(chat: &[u8], metadata: &[u8], fields: &[FieldDecl]) -> Result<ChatUpload, ChatUploadError> {
    let meta_read = read(metadata, DEFAULT_MAX_ISSUES);
    let chat_read = read(chat, DEFAULT_MAX_ISSUES);
    let ids = chat::ids_of(&meta_read);
    let chat_report = report_on(&chat_read, DEFAULT_MAX_ISSUES, |root, sink| chat::check_chat_with_ids(root, Some(ids), sink));
    let metadata_report = report_on(&meta_read, DEFAULT_MAX_ISSUES, |root, sink| {
        speechsense::metadata::check_metadata(root, Some(ConnectionKind::Chat), fields, sink)
    });
    let typed = match (&chat_read, &meta_read) {
        (Ok(c), Ok(m)) if chat_report.ok && metadata_report.ok => messages_of(c.parsed.doc.root()).zip(fields_of(m.parsed.doc.root())),
        _ => None,
    };
    match typed {
        Some((messages, fields)) => Ok(ChatUpload { messages, fields, chat_report, metadata_report }),
        None => Err(ChatUploadError { chat: chat_report, metadata: metadata_report }),
    }
}

/// The messages of a validated chat (`None` if it does not have the shape).
fn messages_of(root: Value<'_, '_>) -> Option<Vec<ChatMessage>> {
    let mut out = Vec::with_capacity(root.get("messages")?.len());
    for m in root.get("messages")?.items() {
        let user_id = chat::user_id_text(m.get("user_id")?)?.into_owned();
        let text = m.get("text")?.as_str()?.into_owned();
        let t = time::parse(&m.get("timestamp")?.as_str()?, Grammar::Rfc3339).ok()?;
        out.push(ChatMessage { user_id, timestamp: Timestamp { seconds: t.unix_seconds(), nanos: t.nanos as i32 }, text });
    }
    Some(out)
}

/// Validates SpeechSense metadata (for any connection, no declared fields) and returns its
/// fields, from one parse: what `uploadAudio` sends as `TalkMetadata.fields`.
pub fn prepare_metadata(metadata: &[u8]) -> Result<MetadataFields, Report> {
    let options = ValidateOptions::new(ValidationKind::SpeechsenseMetadata);
    let read = read(metadata, options.max_issues);
    let report = validate_read(&read, &options);
    match &read {
        Ok(r) if report.ok => fields_of(r.parsed.doc.root()).ok_or(report),
        _ => Err(report),
    }
}

/// The string members of validated metadata.
fn fields_of(root: Value<'_, '_>) -> Option<MetadataFields> {
    let mut pairs = Vec::with_capacity(root.len());
    for (k, v) in root.members() {
        pairs.push((k.as_str()?.into_owned(), v.as_str()?.into_owned()));
    }
    Some(MetadataFields::from_pairs(pairs))
}

/// `TalkMetadata.fields`: string pairs sorted by key, each key once.
///
/// The order a `BTreeMap<String, String>` iterates in (byte order of the keys), which is the
/// order prost writes the generated map in, so the hand encoder in [`crate::grpc_web`] writes
/// the same bytes. A sorted `Vec` and not a `BTreeMap`: a B-tree instance is about 5 KB of wasm.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetadataFields(Vec<(String, String)>);

impl MetadataFields {
    /// Sorts `pairs` by key; of equal keys the last value is kept, as `BTreeMap::insert` keeps it.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> MetadataFields {
        // The same map the converter builds (one sort, the last of equal keys kept).
        MetadataFields(crate::convert::Metadata::from_pairs(pairs).into_vec())
    }

    /// The pairs, sorted by key.
    pub fn as_slice(&self) -> &[(String, String)] {
        &self.0
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        let mut found = None;
        for (k, v) in &self.0 {
            if k == key {
                found = Some(v.as_str());
            }
        }
        found
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
