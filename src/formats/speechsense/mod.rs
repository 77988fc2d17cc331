//! Yandex SpeechSense formats: `chat.json`, `metadata.json` (`TalkMetadata.fields`) and declared
//! connection fields.
//!
//! The devserver depends on this crate and calls the same rules on decoded protobuf requests:
//! [`check_metadata_map`], [`check_user_ids`]; the browser upload goes through
//! [`crate::prepare::speechsense`].

pub mod chat;
pub mod fields;
pub mod metadata;

pub use chat::check_user_ids;
pub use fields::{FieldDecl, FieldType};
pub use metadata::{check_metadata_map, check_metadata_map_with_warnings, ConnectionKind, MAX_BYTES};
