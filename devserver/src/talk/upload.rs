//! `Upload`: metadata and the whole audio (< 128 MB) in one message.

use tonic::Status;

use super::audio::{AudioSink, Declared, Method};
use super::TalkServiceImpl;
use crate::proto::speechsense::UploadTalkRequest;

/// Checks and stores one unary upload; returns the talk id.
pub(super) async fn handle(svc: &TalkServiceImpl, req: UploadTalkRequest) -> Result<String, Status> {
    let md = req.metadata.ok_or_else(|| Status::invalid_argument("`metadata` is missing"))?;
    let (connection_id, kind) = svc.audio_connection(&md, "Upload")?;
    if !req.talk_id.is_empty() {
        let has_content = req.audio.as_ref().is_some_and(|a| a.audio_data.as_ref().is_some_and(|d| !d.data.is_empty()));
        return super::update::metadata(svc, req.talk_id, connection_id, kind, &md, has_content).await;
    }
    let audio = req.audio.ok_or_else(|| Status::invalid_argument("`audio` is missing"))?;
    let audio_md = audio
        .audio_metadata
        .ok_or_else(|| Status::invalid_argument("`audio.audio_metadata` is missing"))?;
    let declared = Declared::from_proto(&audio_md, Method::Upload)?;
    let data = audio.audio_data.map(|c| c.data).unwrap_or_default();

    let store = &svc.state.store;
    let mut sink = AudioSink::new(store, declared, Method::Upload).await?;
    // The message is already in memory; write it in 1 MiB pieces like a stream.
    for piece in data.chunks(1024 * 1024) {
        sink.push(piece).await?;
    }
    drop(data);
    sink.finish().await?.commit(store, "Upload", connection_id, &md).await
}
