//! Yandex SpeechSense formats: `chat.json`, `metadata.json` (`TalkMetadata.fields`), declared
//! connection fields, and typed data for `UploadText`.
//!
//! The devserver depends on this crate and calls the same rules on decoded protobuf requests:
//! [`check_metadata_map`], [`check_user_ids`]; the browser upload calls [`prepare_chat_upload`].

pub mod chat;
pub mod fields;
pub mod metadata;
pub mod typed;

pub use chat::check_user_ids;
pub use fields::{FieldDecl, FieldType};
pub use metadata::{check_metadata_map, check_metadata_map_with_warnings, ConnectionKind, MAX_BYTES};
pub use typed::{prepare_chat_upload, read_fields, read_messages, ChatMessage, ChatUpload, ChatUploadError, Timestamp};
