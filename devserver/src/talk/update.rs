//! Requests with `talk_id` set. The proto says `talk_id` is blank on the initial upload and set
//! when updating metadata, so such a request replaces the stored talk's `fields` and `users`.
//! It must carry no new content (audio or messages): silently dropping it would lose data, and
//! storing it as a second talk would duplicate one.

use tonic::Status;

use super::{checks, internal, users_of, TalkServiceImpl};
use crate::config::ConnectionKind;
use crate::proto::speechsense::TalkMetadata;
use crate::store::MetadataUpdate;

/// Replaces the metadata of talk `talk_id`; returns its id. `md` has already passed
/// [`checks::metadata`] for `kind` (the callers check it before they branch on `talk_id`).
pub(super) async fn metadata(
    svc: &TalkServiceImpl,
    talk_id: String,
    connection_id: String,
    kind: ConnectionKind,
    md: &TalkMetadata,
    has_content: bool,
) -> Result<String, Status> {
    if has_content {
        return Err(Status::invalid_argument(format!(
            "`talk_id` is set, which updates the metadata of talk `{talk_id}`, but the request also carries new \
             content; leave `talk_id` empty to upload a new talk, or send only `metadata` to update this one"
        )));
    }
    let store = svc.state.store.clone();
    let fields = md.fields.clone();
    let users = users_of(md);
    let (id, conn) = (talk_id.clone(), connection_id.clone());
    let md_for_check = md.clone();
    // A chat's stored messages must still name users of the new metadata.
    let check = move |before: &crate::store::Talk| {
        if kind != ConnectionKind::Chat {
            return Ok(());
        }
        checks::chat_users(&md_for_check, before.messages.iter().map(|m| m.user_id.as_str()))
    };
    let outcome = tokio::task::spawn_blocking(move || store.update_metadata(&id, &conn, &fields, &users, check))
        .await
        .map_err(|e| internal("run the storage task", e))?
        .map_err(|e| internal("update the talk", e))?;
    match outcome {
        MetadataUpdate::Updated => Ok(talk_id),
        MetadataUpdate::Refused(status) => Err(status),
        MetadataUpdate::NotFound => Err(Status::not_found(format!(
            "talk `{talk_id}` does not exist; leave `talk_id` empty to upload a new talk"
        ))),
        MetadataUpdate::OtherConnection(other) => Err(Status::invalid_argument(format!(
            "talk `{talk_id}` belongs to connection `{other}`, not `{connection_id}`"
        ))),
    }
}
