//! The SpeechSense messages the package sends and reads, encoded and decoded by hand with
//! [`crate::pb`] (the wasm module links no prost codec).
//!
//! One encoder per message, writing what prost writes for the generated type in
//! [`crate::proto`] (field-number order, proto3 defaults left out, map entries in key order);
//! one decoder per answer, reading what prost reads and failing with prost's error text. The
//! tests hold both to prost.
//!
//! - `TalkMetadata` ([`encode_talk_metadata`]): `connection_id` = 1, `fields` = 2 (a
//!   `map<string, string>`: entries `{key = 1, value = 2}`). `users` = 3 is never sent.
//! - `UploadTextRequest` ([`upload_text_frame`]): `metadata` = 1, `text_content` = 2
//!   (`TextContent.messages` = 1: `Message{user_id = 1, timestamp = 2, text = 3}`, the timestamp
//!   `{seconds = 1, nanos = 2}`, the text `TextPayload{text = 1}`); `talk_id` = 3 is blank.
//! - `UploadTalkResponse` / `UploadTextResponse` ([`decode_talk_id`]): `talk_id` = 1.
//! - `UploadBadgeResponse` ([`decode_badge_response`]): `badge_id` = 1, `talk_ids` = 2.
//! - The `Operation` of `UploadBadge`: `grpc_web::operation` (crate-private).
//!
//! ```
//! use talk_uploader::grpc_web::message::{encode_talk_metadata, Metadata};
//! use talk_uploader::prepare::speechsense::MetadataFields;
//!
//! let fields = MetadataFields::from_pairs(vec![("b".into(), "2".into()), ("a".into(), "".into())]);
//! let mut out = Vec::new();
//! encode_talk_metadata(&mut out, &Metadata { connection_id: "c", fields: &fields });
//! // connection_id, then the entries by key; an empty value is left out of its entry.
//! assert_eq!(out, [0x0a, 1, b'c', 0x12, 3, 0x0a, 1, b'a', 0x12, 6, 0x0a, 1, b'b', 0x12, 1, b'2']);
//! ```

use super::frame::{begin_data_frame, end_data_frame};
use super::FrameError;
use crate::pb::{begin, bytes_field, end, varint_field, DecodeError, Reader};
use crate::prepare::speechsense::{ChatMessage, MetadataFields, Timestamp};

/// A `TalkMetadata` to encode: the connection and its fields (no per-user metadata).
#[derive(Clone, Copy, Debug)]
pub struct Metadata<'a> {
    /// `TalkMetadata.connection_id`.
    pub connection_id: &'a str,
    /// `TalkMetadata.fields`, already in key order.
    pub fields: &'a MetadataFields,
}

/// Appends the fields of `TalkMetadata` (the body of the message, without key or length).
pub fn encode_talk_metadata(out: &mut Vec<u8>, metadata: &Metadata<'_>) {
    bytes_field(out, 1, metadata.connection_id.as_bytes());
    for (k, v) in metadata.fields.as_slice() {
        // Every entry is written, even `{"": ""}`; inside it, empty strings are left out.
        let entry = begin(out, 2);
        bytes_field(out, 1, k.as_bytes());
        bytes_field(out, 2, v.as_bytes());
        end(out, entry);
    }
}

/// Appends a `google.protobuf.Timestamp` body.
pub fn encode_timestamp(out: &mut Vec<u8>, t: Timestamp) {
    varint_field(out, 1, t.seconds as u64);
    varint_field(out, 2, i64::from(t.nanos) as u64);
}

/// The grpc-web frame of `UploadTextRequest{metadata, text_content}` for a new talk.
pub fn upload_text_frame(metadata: &Metadata<'_>, messages: &[ChatMessage]) -> Result<Vec<u8>, FrameError> {
    let mut out = Vec::new();
    let frame = begin_data_frame(&mut out);
    let field = begin(&mut out, 1);
    encode_talk_metadata(&mut out, metadata);
    end(&mut out, field);
    let content = begin(&mut out, 2);
    for m in messages {
        let message = begin(&mut out, 1);
        bytes_field(&mut out, 1, m.user_id.as_bytes());
        let timestamp = begin(&mut out, 2);
        encode_timestamp(&mut out, m.timestamp);
        end(&mut out, timestamp);
        let payload = begin(&mut out, 3);
        bytes_field(&mut out, 1, m.text.as_bytes());
        end(&mut out, payload);
        end(&mut out, message);
    }
    end(&mut out, content);
    end_data_frame(&mut out, frame)?;
    Ok(out)
}

/// The fields of a message whose fields are all strings (`names` by tag), in wire order.
fn string_fields(message: &[u8], name: &'static str, names: &[&'static str]) -> Result<Vec<(u32, String)>, DecodeError> {
    let mut out = Vec::new();
    Reader::new(message).decode(name, names, &mut |r, tag, wire, _| {
        out.push((tag, r.string(wire)?));
        Ok(())
    })?;
    Ok(out)
}

/// The `talk_id` of an `UploadTalkResponse` (the answer of `Upload`, `UploadAsStream` and, with
/// the same shape, `UploadText`), with prost's errors for that type.
pub fn decode_talk_id(message: &[u8]) -> Result<String, DecodeError> {
    let mut talk_id = String::new();
    // The last one wins.
    for (_, s) in string_fields(message, "UploadTalkResponse", &["talk_id"])? {
        talk_id = s;
    }
    Ok(talk_id)
}

/// `UploadBadgeResponse` (packed in the `UploadBadge` operation's `response`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BadgeResponse {
    /// `badge_id`.
    pub badge_id: String,
    /// `talk_ids`.
    pub talk_ids: Vec<String>,
}

/// Decodes an `UploadBadgeResponse`, with prost's errors for that type.
pub fn decode_badge_response(message: &[u8]) -> Result<BadgeResponse, DecodeError> {
    let mut out = BadgeResponse::default();
    for (tag, s) in string_fields(message, "UploadBadgeResponse", &["badge_id", "talk_ids"])? {
        if tag == 1 {
            out.badge_id = s;
        } else {
            out.talk_ids.push(s);
        }
    }
    Ok(out)
}

#[cfg(test)]
#[path = "message_tests.rs"]
mod tests;
