//! The format rules: what each platform's documents must hold, checked on a parsed JSON tree
//! into a [`Sink`](crate::report::Sink). One module per platform, plus the shared checks.
//!
//! - [`speechsense`]: `chat.json`, `metadata.json`, declared connection fields;
//! - [`vela`]: the chat upload body and call metadata;
//! - [`labelbox`]: the conversation JSON and the import rows;
//! - [`check`]: member lookup, types and required members, shared by the three;
//! - [`time`], [`text`]: RFC 3339 / ISO 8601 with calendar checks, language tags, e-mail, URLs.

pub mod check;
pub mod labelbox;
pub mod speechsense;
pub mod text;
pub mod time;
pub mod vela;
