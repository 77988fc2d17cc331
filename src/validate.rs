//! The [`validate`] entry point: parse a document and run its format's rules on it.
//!
//! ```
//! use talk_uploader::validate::{validate, ValidateOptions, ValidationKind};
//! let chat = br#"{"messages": [{"user_id": "1", "text": "hi", "timestamp": "2023-09-13T17:30:00.000Z"}]}"#;
//! let report = validate(chat, &ValidateOptions::new(ValidationKind::SpeechsenseChat));
//! assert!(report.ok, "{:?}", report.errors);
//! ```
//!
//! Every issue carries a stable [`Code`], a message for a person, an RFC 6901 pointer and a 1-based
//! line and column (UTF-16 code units). All errors are reported, not only the first; a malformed
//! document yields exactly one syntax error. No input panics.

// The report model, re-exported because it is what `validate` returns.
pub use crate::report::{Code, Issue, Path, Report, Sink, Stats, DEFAULT_MAX_ISSUES, MAX_MAX_ISSUES};

use crate::formats::{labelbox, speechsense, vela};
pub use crate::formats::speechsense::{ConnectionKind, FieldDecl, FieldType};

/// What a document is expected to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(not(target_arch = "wasm32"), derive(serde::Serialize, serde::Deserialize), serde(rename_all = "kebab-case"))]
pub enum ValidationKind {
    /// SpeechSense `chat.json`: `{ "messages": [{ user_id, text, timestamp }] }`.
    SpeechsenseChat,
    /// SpeechSense `metadata.json`: a flat object of string values.
    SpeechsenseMetadata,
    /// The Vela chat upload body: `{ org_id, chat_data, metadata? }`.
    VelaChat,
    /// The Vela call-recording metadata: `org_id`, `email`, `date_of_call`.
    VelaCallMetadata,
    /// A Labelbox conversation JSON file.
    LabelboxConversation,
    /// A Labelbox import file: an array of data rows.
    LabelboxImport,
}

impl ValidationKind {
    /// Every kind.
    pub const ALL: [ValidationKind; 6] = [
        ValidationKind::SpeechsenseChat,
        ValidationKind::SpeechsenseMetadata,
        ValidationKind::VelaChat,
        ValidationKind::VelaCallMetadata,
        ValidationKind::LabelboxConversation,
        ValidationKind::LabelboxImport,
    ];

    /// The kebab-case name used in JS.
    pub fn as_str(self) -> &'static str {
        match self {
            ValidationKind::SpeechsenseChat => "speechsense-chat",
            ValidationKind::SpeechsenseMetadata => "speechsense-metadata",
            ValidationKind::VelaChat => "vela-chat",
            ValidationKind::VelaCallMetadata => "vela-call-metadata",
            ValidationKind::LabelboxConversation => "labelbox-conversation",
            ValidationKind::LabelboxImport => "labelbox-import",
        }
    }

    /// Parses the kebab-case name.
    pub fn from_name(s: &str) -> Option<ValidationKind> {
        ValidationKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Options of [`validate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidateOptions {
    /// What the input is.
    pub kind: ValidationKind,
    /// For `speechsense-chat`: the metadata JSON text; every `user_id` must be one of its ids.
    pub metadata: Option<String>,
    /// For `speechsense-metadata`: the connection type, which decides the required keys. When
    /// absent, only the keys every connection requires are required.
    pub connection: Option<ConnectionKind>,
    /// For `speechsense-metadata`: the extra fields declared on the connection, with their types.
    pub fields: Vec<FieldDecl>,
    /// The most issues the report lists ([`DEFAULT_MAX_ISSUES`]); past it the report is
    /// `truncated` and ends with one `too_many_issues`.
    pub max_issues: usize,
    /// For `labelbox-import`: let loopback `http://` row URLs through (tests against a local
    /// server). Off by default: Labelbox fetches only `https`.
    pub allow_loopback_http: bool,
}

impl ValidateOptions {
    /// Options for `kind` with everything else unset.
    pub fn new(kind: ValidationKind) -> ValidateOptions {
        ValidateOptions { kind, metadata: None, connection: None, fields: Vec::new(), max_issues: DEFAULT_MAX_ISSUES, allow_loopback_http: false }
    }
}

/// Validates `input` (UTF-8 JSON bytes, an optional BOM) as `options.kind`. Never panics.
///
/// Memory is bounded whatever the input: at most [`crate::json::MAX_INPUT_BYTES`] and
/// [`crate::json::MAX_VALUES`] are read (past them the report is one `input_too_large`), and the
/// report lists at most `options.max_issues` issues.
pub fn validate(input: &[u8], options: &ValidateOptions) -> Report {
    validate_read(&read(input, options.max_issues), options)
}

/// What [`validate`] and [`validate_read`] expect: `input` parsed with the duplicate keys listed
/// up to the report's cap. A caller that goes on to use the tree (conversion, upload
/// preparation) reads once with this, then validates and uses the same tree.
pub fn read(input: &[u8], max_issues: usize) -> ReadResult<'_> {
    crate::json::read_limited(input, max_issues.max(1))
}

/// A parse, as [`read`] returns it.
pub type ReadResult<'a> = Result<crate::json::Read<'a>, crate::json::ReadError<'a>>;

/// [`validate`] on a document already [`read`] with `options.max_issues`.
pub fn validate_read(read: &ReadResult<'_>, options: &ValidateOptions) -> Report {
    report_on(read, options.max_issues, |root, sink| match options.kind {
        ValidationKind::SpeechsenseChat => speechsense::chat::check_chat(root, options.metadata.as_deref(), sink),
        ValidationKind::SpeechsenseMetadata => speechsense::metadata::check_metadata(root, options.connection, &options.fields, sink),
        ValidationKind::VelaChat => vela::check_chat(root, sink),
        ValidationKind::VelaCallMetadata => vela::check_call_metadata(root, sink),
        ValidationKind::LabelboxConversation => labelbox::check_conversation(root, sink),
        ValidationKind::LabelboxImport => labelbox::check_import(root, options.allow_loopback_http, sink),
    })
}

/// Parses `input` and runs `check` on its root (which returns the number of items), with
/// duplicate keys, stats and the cap handled as [`validate`] does. For checks of a part of a
/// bigger document (the Vela chat data of `uploadVelaChat`), so that positions are the caller's.
pub fn validate_with(
    input: &[u8],
    max_issues: usize,
    check: impl FnOnce(crate::json::Value<'_, '_>, &mut Sink) -> usize,
) -> Report {
    report_on(&read(input, max_issues), max_issues, check)
}

/// [`validate_with`] on a document already [`read`] with `max_issues`.
pub fn report_on(
    read: &ReadResult<'_>,
    max_issues: usize,
    check: impl FnOnce(crate::json::Value<'_, '_>, &mut Sink) -> usize,
) -> Report {
    // Only the call of `check` is generic: the rest is in two plain functions, not in a copy per
    // caller's closure (~450 bytes of wasm each). The sink lives here, in place, from start to end.
    let mut sink = Sink::with_limit(max_issues);
    let items = match begin(read, &mut sink) {
        Some(root) => check(root, &mut sink),
        None => 0,
    };
    end(read, sink, items)
}

/// [`report_on`] up to the format's rules: the syntax error (then `None`), or the duplicate keys
/// recorded in `sink` and the root to check.
#[inline(never)]
fn begin<'r, 'a>(read: &'r ReadResult<'a>, sink: &mut Sink) -> Option<crate::json::Value<'r, 'a>> {
    let read = match read {
        Ok(r) => r,
        Err(e) => {
            sink.error_at(e.error.code, Some(e.error.offset), e.error.path.clone(), e.error.message.clone());
            return None;
        }
    };
    for d in &read.parsed.duplicates {
        sink.error_at(
            Code::DuplicateKey,
            Some(d.offset),
            d.path.clone(),
            format!("duplicate key \"{}\": it already appears earlier in this object; keep one", d.key),
        );
    }
    sink.count_dropped_errors(read.parsed.duplicates_not_listed);
    Some(read.parsed.doc.root())
}

/// [`report_on`] after the format's rules: the stats and the positions.
#[inline(never)]
fn end(read: &ReadResult<'_>, sink: Sink, items: usize) -> Report {
    let (bytes, stats) = match read {
        Ok(read) => (
            read.bytes,
            Stats {
                bytes: read.bytes.len() as u64,
                values: read.parsed.doc.value_count() as u64,
                items: items as u64,
                max_depth: read.parsed.doc.max_depth(),
            },
        ),
        Err(e) => (e.bytes, Stats { bytes: e.bytes.len() as u64, ..Stats::default() }),
    };
    sink.finish(bytes, stats)
}

/// The report for an input of `len` bytes that is over [`crate::json::MAX_INPUT_BYTES`], for
/// callers that measure the input before copying it (the JS facade refuses a 1 GB string before
/// encoding it into wasm memory).
pub fn too_large_report(len: u64) -> Report {
    let mut sink = Sink::new();
    let e = crate::json::parser::too_large(usize::try_from(len).unwrap_or(usize::MAX));
    sink.error_at(e.code, None, e.path, e.message);
    sink.finish(&[], Stats { bytes: len, ..Stats::default() })
}
