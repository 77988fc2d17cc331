//! The platform formats, one module each, plus the shared date-time and text checks and the
//! converter between chat formats.
//!
//! - [`speechsense`]: `chat.json`, `metadata.json`, declared fields, typed `UploadText` data;
//! - [`vela`]: the chat upload body and call metadata;
//! - [`labelbox`]: the conversation JSON and the import rows;
//! - [`convert`]: SpeechSense chat ↔ Vela chat ↔ Labelbox conversation;
//! - [`time`], [`text`]: RFC 3339 / ISO 8601 with calendar checks, language tags, e-mail, URLs.

pub mod convert;
pub mod labelbox;
pub mod labelbox_rows;
pub mod speechsense;
pub mod text;
pub mod time;
pub mod vela;
