//! The client-stream protocol of `UploadAsStream` and `UploadBadge`, as the proto comments and
//! the seeds document it:
//!
//! 1. message 1 carries `metadata` (TalkMetadata);
//! 2. message 2 carries `audio.audio_metadata`;
//! 3. every later message carries `audio.chunk`.
//!
//! Anything else is `INVALID_ARGUMENT`, naming the message (1-based) and what was expected.

use tonic::{Status, Streaming};

use super::audio::{AudioSink, Declared};
use super::TalkServiceImpl;
use crate::proto::speechsense::{audio_streaming_request::AudioEvent, stream_talk_request::Event, StreamTalkRequest};

pub use super::audio::Method;

/// What a stream message carries, for error messages.
fn describe(msg: &StreamTalkRequest) -> &'static str {
    match &msg.event {
        None => "nothing (no `metadata` or `audio` set)",
        Some(Event::Metadata(_)) => "`metadata`",
        Some(Event::Audio(a)) => match &a.audio_event {
            None => "`audio` with neither `audio_metadata` nor `chunk`",
            Some(AudioEvent::AudioMetadata(_)) => "`audio.audio_metadata`",
            Some(AudioEvent::Chunk(_)) => "`audio.chunk`",
        },
    }
}

fn out_of_order(index: u64, expected: &str, msg: &StreamTalkRequest) -> Status {
    Status::invalid_argument(format!(
        "stream message {index} carries {}; expected {expected} (the order is: `metadata`, then `audio.audio_metadata`, then `audio.chunk`s)",
        describe(msg)
    ))
}

/// Receives a whole stream, checks it and stores the talk; returns the talk id.
pub(super) async fn receive(
    svc: &TalkServiceImpl,
    mut stream: Streaming<StreamTalkRequest>,
    method: Method,
) -> Result<String, Status> {
    let first = stream.message().await?.ok_or_else(|| {
        Status::invalid_argument("the stream is empty: message 1 must carry `metadata` (TalkMetadata)")
    })?;
    let md = match first.event {
        Some(Event::Metadata(md)) => md,
        _ => return Err(out_of_order(1, "`metadata` (TalkMetadata)", &first)),
    };
    let (connection_id, _kind) = svc.audio_connection(&md, method.rpc_name())?;

    let second = stream.message().await?.ok_or_else(|| {
        Status::invalid_argument("the stream ended after message 1: message 2 must carry `audio.audio_metadata`")
    })?;
    let audio_md = match &second.event {
        Some(Event::Audio(a)) => match &a.audio_event {
            Some(AudioEvent::AudioMetadata(m)) => *m,
            _ => return Err(out_of_order(2, "`audio.audio_metadata`", &second)),
        },
        _ => return Err(out_of_order(2, "`audio.audio_metadata`", &second)),
    };
    let declared = Declared::from_proto(&audio_md, method)?;

    let store = &svc.state.store;
    let mut sink = AudioSink::new(store, declared, method).await?;
    let mut index = 2u64;
    while let Some(msg) = stream.message().await? {
        index += 1;
        match msg.event {
            Some(Event::Audio(crate::proto::speechsense::AudioStreamingRequest {
                audio_event: Some(AudioEvent::Chunk(chunk)),
            })) => sink.push(&chunk.data).await?,
            _ => return Err(out_of_order(index, "`audio.chunk`", &msg)),
        }
    }
    if index == 2 {
        return Err(Status::invalid_argument(
            "the stream ended after the audio metadata: no `audio.chunk` was sent",
        ));
    }
    sink.finish().await?.commit(store, method.rpc_name(), connection_id, &md).await
}
