//! Upload preparation: a caller's texts, validated, turned into what goes on the wire.
//!
//! - [`speechsense`]: typed messages and `TalkMetadata.fields` for `UploadText`;
//! - [`vela`]: the `POST /chat/upload/vela` body around the caller's exact texts;
//! - [`labelbox`]: import rows for conversations hosted in a bucket.

pub mod labelbox;
pub mod speechsense;
pub mod vela;
