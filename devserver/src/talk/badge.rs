//! The answer of `UploadBadge`: a finished `yandex.cloud.operation.Operation`.
//!
//! Yandex Cloud packs operation metadata and results as `google.protobuf.Any` with type URLs
//! `type.googleapis.com/<full message name>`, as every `Any` does.

use prost::Message;

use crate::proto::speechsense::{UploadBadgeMetadata, UploadBadgeResponse};
use crate::proto::yandex::cloud::operation::{operation, Operation};
use crate::store::{new_talk_id, now_ms};

/// Type URL of `Operation.metadata`.
pub const METADATA_TYPE_URL: &str = "type.googleapis.com/yandex.cloud.speechsense.v1.UploadBadgeMetadata";
/// Type URL of `Operation.response`.
pub const RESPONSE_TYPE_URL: &str = "type.googleapis.com/yandex.cloud.speechsense.v1.UploadBadgeResponse";

/// A done operation whose id is the badge id, holding the one talk the badge created.
pub fn finished_operation(talk_id: &str) -> Operation {
    let badge_id = new_talk_id();
    let ms = now_ms();
    let now = prost_types::Timestamp { seconds: (ms / 1000) as i64, nanos: ((ms % 1000) * 1_000_000) as i32 };
    let metadata = UploadBadgeMetadata { badge_id: badge_id.clone() };
    let response = UploadBadgeResponse { badge_id: badge_id.clone(), talk_ids: vec![talk_id.to_owned()] };
    Operation {
        id: badge_id,
        description: "UploadBadge".into(),
        created_at: Some(now),
        created_by: String::new(),
        modified_at: Some(now),
        done: true,
        metadata: Some(prost_types::Any { type_url: METADATA_TYPE_URL.into(), value: metadata.encode_to_vec() }),
        result: Some(operation::Result::Response(prost_types::Any {
            type_url: RESPONSE_TYPE_URL.into(),
            value: response.encode_to_vec(),
        })),
    }
}
