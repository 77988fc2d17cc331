//! The Vela chat upload body, built around the caller's own texts once they are valid.
//!
//! ```
//! use talk_uploader::prepare::vela::prepare_chat_upload;
//! let chat = br#"{"session_id":"s","agent_id":"a","start_time":"2024-01-15T10:30:00Z",
//!   "end_time":"2024-01-15T10:45:00Z","messages":[{"timestamp":"2024-01-15T10:30:00Z","sender":"agent","content":"Hi"}]}"#;
//! let up = prepare_chat_upload(chat, "org", None).unwrap();
//! assert!(up.body.starts_with(r#"{"org_id":"org","chat_data":{"session_id""#));
//! ```

use crate::formats::check;
use crate::formats::vela::check_chat_data;
use crate::json::Kind;
use crate::report::{Code, Issue, Path, Report, DEFAULT_MAX_ISSUES};
use crate::validate::validate_with;

/// A Vela chat upload body made of the caller's own text, and what validating it found.
#[derive(Debug)]
pub struct ChatUpload {
    /// `{"org_id":…,"chat_data":<the caller's chat text>,"metadata":<the caller's metadata text>}`.
    pub body: String,
    /// The report on the chat text (positions in it); warnings are kept for the caller.
    pub chat: Report,
}

/// Why a Vela chat cannot be sent: every report that has errors, positions in the caller's texts.
#[derive(Debug)]
pub struct ChatUploadError {
    /// The chat text's report (paths are pointers into it: `/messages/0/timestamp`).
    pub chat: Report,
    /// The metadata text's report, when metadata was given.
    pub metadata: Option<Report>,
}

impl ChatUploadError {
    /// The reports, chat first.
    pub fn reports(&self) -> Vec<&Report> {
        std::iter::once(&self.chat).chain(self.metadata.as_ref()).collect()
    }
}

/// Validates the caller's exact `chat` text (the `chat_data` object) and `metadata` text, and
/// builds the upload body around them, byte for byte: `uploadVelaChat` once parsed and
/// re-serialized the chat first, so a duplicate key was silently dropped, a chat that
/// `validate` refuses was sent, and line and column pointed into a text the caller never wrote.
/// Never panics.
#[allow(clippy::result_large_err)]
pub fn prepare_chat_upload(chat: &[u8], org_id: &str, metadata: Option<&[u8]>) -> Result<ChatUpload, ChatUploadError> {
    let mut chat_report = validate_with(chat, DEFAULT_MAX_ISSUES, |root, sink| check_chat_data(root, &Path::root(), sink));
    if org_id.trim().is_empty() {
        chat_report.errors.insert(0, Issue::unplaced(Code::EmptyValue, "/org_id", "`orgId` is empty: give the Vela organisation id"));
        chat_report.ok = false;
    }
    let metadata_report = metadata.map(|m| {
        validate_with(m, DEFAULT_MAX_ISSUES, |root, sink| {
            if root.kind() != Kind::Object {
                check::wrong_type(sink, root, &Path::root(), "metadata", "an object");
            }
            0
        })
    });
    if !chat_report.ok || metadata_report.as_ref().is_some_and(|r| !r.ok) {
        return Err(ChatUploadError { chat: chat_report, metadata: metadata_report });
    }
    // Both texts are single valid JSON values now (the parser checked that nothing follows them),
    // so splicing them in cannot change the body's structure.
    let text = |b: &[u8]| String::from_utf8_lossy(b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)).into_owned();
    let mut body = String::with_capacity(chat.len() + metadata.map_or(0, <[u8]>::len) + org_id.len() + 48);
    body.push_str("{\"org_id\":");
    body.push_str(&crate::json::escape::quote(org_id));
    body.push_str(",\"chat_data\":");
    body.push_str(&text(chat));
    if let Some(m) = metadata {
        body.push_str(",\"metadata\":");
        body.push_str(&text(m));
    }
    body.push('}');
    Ok(ChatUpload { body, chat: chat_report })
}
