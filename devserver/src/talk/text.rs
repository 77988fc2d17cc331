//! `UploadText`: a chat, checked with the browser package's validation code and stored.

use tonic::Status;

use super::{checks, internal, users_of, TalkServiceImpl};
use crate::config::ConnectionKind;
use crate::proto::speechsense::UploadTextRequest;
use crate::store::{new_talk_id, now_ms, StoredMessage, Talk};

/// Validates and stores one chat; returns its talk id.
pub(super) async fn handle(svc: &TalkServiceImpl, req: UploadTextRequest) -> Result<String, Status> {
    let (connection_id, kind) = svc.connection(req.metadata.as_ref())?;
    if kind != ConnectionKind::Chat {
        return Err(Status::invalid_argument(format!(
            "connection `{connection_id}` is of kind {}; UploadText needs a chat connection",
            kind.as_str()
        )));
    }
    let md = req.metadata.unwrap_or_default();
    checks::metadata(kind, &md)?;
    if !req.talk_id.is_empty() {
        let has_content = req.text_content.as_ref().is_some_and(|c| !c.messages.is_empty());
        return super::update::metadata(svc, req.talk_id, connection_id, kind, &md, has_content).await;
    }
    let content = req.text_content.unwrap_or_default();
    if content.messages.is_empty() {
        return Err(Status::invalid_argument("`text_content.messages` is empty"));
    }
    let mut messages = Vec::with_capacity(content.messages.len());
    for (i, m) in content.messages.iter().enumerate() {
        if m.user_id.is_empty() {
            return Err(Status::invalid_argument(format!("`text_content.messages[{i}].user_id` is empty")));
        }
        let ts = m
            .timestamp
            .as_ref()
            .ok_or_else(|| Status::invalid_argument(format!("`text_content.messages[{i}].timestamp` is missing")))?;
        let timestamp = rfc3339(ts.seconds, ts.nanos).ok_or_else(|| {
            Status::invalid_argument(format!("`text_content.messages[{i}].timestamp` is out of range"))
        })?;
        let text = match &m.payload {
            Some(crate::proto::speechsense::message::Payload::Text(t)) => t.text.clone(),
            None => return Err(Status::invalid_argument(format!("`text_content.messages[{i}].text` is missing"))),
        };
        messages.push(StoredMessage { user_id: m.user_id.clone(), timestamp, text });
    }
    checks::chat_users(&md, content.messages.iter().map(|m| m.user_id.as_str()))?;
    let talk = Talk {
        id: new_talk_id(),
        method: "UploadText".into(),
        connection_id,
        fields: md.fields.clone(),
        users: users_of(&md),
        messages,
        audio: None,
        created_at_ms: now_ms(),
    };
    let store = svc.state.store.clone();
    let id = talk.id.clone();
    tokio::task::spawn_blocking(move || store.insert(&talk, None))
        .await
        .map_err(|e| internal("run the storage task", e))?
        .map_err(|e| internal("store the talk", e))?;
    Ok(id)
}

/// Renders a protobuf Timestamp as RFC 3339 UTC (`2024-01-02T03:04:05.123Z`), or `None` outside
/// years 0001-9999 or for nanos outside [0, 1e9). The package's formatter, so the devserver shows
/// timestamps exactly as the browser package writes them.
pub fn rfc3339(seconds: i64, nanos: i32) -> Option<String> {
    let nanos = u32::try_from(nanos).ok()?;
    talk_uploader::formats::time::format_rfc3339(seconds, nanos, 0)
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn renders_timestamps() {
        assert_eq!(rfc3339(0, 0).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_694_626_200, 123_000_000).unwrap(), "2023-09-13T17:30:00.123Z");
        assert_eq!(rfc3339(951_782_400, 0).unwrap(), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(-62_135_596_800, 0).unwrap(), "0001-01-01T00:00:00Z");
        assert_eq!(rfc3339(253_402_300_799, 1).unwrap(), "9999-12-31T23:59:59.000000001Z");
        assert!(rfc3339(253_402_300_800, 0).is_none());
        assert!(rfc3339(0, -1).is_none());
    }
}
