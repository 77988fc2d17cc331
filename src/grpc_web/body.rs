//! Request-body plans: a grpc-web body as small computed byte runs and references to file ranges.
//!
//! The audio bytes of an upload never enter wasm memory. A plan is a list of [`Part`]s: the
//! frame prefixes, the encoded metadata messages and the protobuf tag/length prefixes of
//! the `AudioChunk.data` field are [`Part::Bytes`]; the audio itself is [`Part::File`], a
//! `[start, end)` range of the user's file. The browser layer turns a plan into
//! `new Blob([bytes, file.slice(start, end), ...])`.
//!
//! Two shapes exist:
//!
//! - **Client streaming** (`UploadAsStream`, `UploadBadge`): [`plan_stream_body`] gives one frame
//!   of `StreamTalkRequest{metadata}`, one of `StreamTalkRequest{audio{audio_metadata}}`, then one
//!   `StreamTalkRequest{audio{chunk{data}}}` frame per chunk of [`crate::chunk::plan_chunks`].
//! - **Unary** (`Upload`): [`plan_upload_body`] gives one frame of
//!   `UploadTalkRequest{metadata, audio{audio_metadata, audio_data{data}}}` around the whole file.
//!
//! Materialized with the real file bytes ([`materialize`]), a plan is byte-identical to prost's
//! encoding of the same message in a grpc-web frame; the tests prove it for many sizes.
//!
//! ```
//! use talk_uploader::grpc_web::body::{plan_stream_body, plan_total_len, Part};
//! use talk_uploader::grpc_web::message::Metadata;
//! use talk_uploader::prepare::speechsense::MetadataFields;
//! use talk_uploader::proto::speechsense::container_audio::ContainerAudioType;
//!
//! let fields = MetadataFields::default();
//! let metadata = Metadata { connection_id: "c1", fields: &fields };
//! let parts = plan_stream_body(&metadata, ContainerAudioType::Wav, 3_000_000, 1 << 20).unwrap();
//! // header bytes, chunk 0, prefix, chunk 1, prefix, chunk 2
//! assert_eq!(parts.len(), 6);
//! assert_eq!(parts[1], Part::File { start: 0, end: 1 << 20 });
//! assert!(plan_total_len(&parts) > 3_000_000);
//! ```
//!
//! ## Limitations
//!
//! - Metadata fields are sorted by key ([`MetadataFields`]), as prost encodes the generated
//!   `BTreeMap` (see `build.rs`), so equal metadata always gives the same bytes.
//! - A unary body must fit one frame (`u32` length); the 128 MB service limit is enforced
//!   earlier, by [`crate::audio::rules`].

use super::frame::{begin_data_frame, data_frame_prefix, encode_len_field_prefix, end_data_frame, len_field_total};
use super::message::{encode_talk_metadata, Metadata};
use super::FrameError;
use crate::chunk::{plan_chunks, ChunkError};
use crate::pb::{begin, end, varint_field};
#[cfg(doc)]
use crate::prepare::speechsense::MetadataFields;
use crate::proto::speechsense::{audio_metadata, container_audio::ContainerAudioType, AudioMetadata, ContainerAudio};
use crate::upload_code::UploadCode;

/// `StreamTalkRequest.audio` and `UploadTalkRequest.audio` (field 2 of both).
const FIELD_REQUEST_AUDIO: u32 = 2;
/// `UploadTalkRequest.metadata` (field 1).
const FIELD_REQUEST_METADATA: u32 = 1;
/// `StreamTalkRequest.metadata` (the `event` oneof).
const FIELD_STREAM_METADATA: u32 = 1;
/// `AudioStreamingRequest.audio_metadata` (field 1 of the `AudioEvent` oneof).
const FIELD_STREAMING_AUDIO_METADATA: u32 = 1;
/// `AudioStreamingRequest.chunk` (field 2 of the `AudioEvent` oneof).
const FIELD_STREAMING_CHUNK: u32 = 2;
/// `AudioRequest.audio_metadata` (field 1).
const FIELD_AUDIO_REQUEST_METADATA: u32 = 1;
/// `AudioRequest.audio_data` (field 2).
const FIELD_AUDIO_REQUEST_DATA: u32 = 2;
/// `AudioChunk.data` (field 1).
const FIELD_CHUNK_DATA: u32 = 1;

/// One piece of a request body: computed bytes, or a range of the file that is never copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Bytes computed in Rust: frame prefixes, encoded metadata, field tags and lengths.
    Bytes(Vec<u8>),
    /// The half-open byte range `[start, end)` of the file being uploaded.
    File {
        /// First byte of the range.
        start: u64,
        /// One past the last byte of the range.
        end: u64,
    },
}

impl Part {
    /// Number of body bytes this part contributes.
    pub fn len(&self) -> u64 {
        match self {
            Part::Bytes(bytes) => bytes.len() as u64,
            Part::File { start, end } => end.saturating_sub(*start),
        }
    }

    /// Whether the part contributes no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why a body plan could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The file is empty; SpeechSense would store a talk without audio.
    #[error("the audio file is empty (0 bytes); choose a file that contains audio")]
    EmptyFile,
    /// The container type is `UNSPECIFIED`, which the service rejects.
    #[error("the audio container type is unspecified; sniff the file first or pass WAV, MP3 or OGG_OPUS")]
    UnspecifiedContainer,
    /// The chunk size or file size does not give a valid chunk plan.
    #[error(transparent)]
    Chunk(#[from] ChunkError),
    /// A message is too large for one grpc-web frame.
    #[error(transparent)]
    Frame(#[from] FrameError),
}

impl PlanError {
    /// A stable snake_case code for this error.
    pub fn code(&self) -> UploadCode {
        match self {
            PlanError::EmptyFile => UploadCode::EmptyFile,
            PlanError::UnspecifiedContainer => UploadCode::UnspecifiedContainer,
            PlanError::Chunk(e) => e.code(),
            PlanError::Frame(e) => e.code(),
        }
    }
}

/// Appends bytes to a plan, merging them into a preceding [`Part::Bytes`].
pub fn push_bytes(parts: &mut Vec<Part>, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    if let Some(Part::Bytes(last)) = parts.last_mut() {
        last.extend_from_slice(bytes);
    } else {
        parts.push(Part::Bytes(bytes.to_vec()));
    }
}

/// Appends a file range to a plan; an empty range adds nothing.
pub fn push_file(parts: &mut Vec<Part>, start: u64, end: u64) {
    if end > start {
        parts.push(Part::File { start, end });
    }
}

/// Total number of body bytes a plan describes (saturating at `u64::MAX`, which no plan reaches).
pub fn plan_total_len(parts: &[Part]) -> u64 {
    parts.iter().fold(0u64, |acc, part| acc.saturating_add(part.len()))
}

/// Builds the real body from a plan and the file's bytes (native tests, small files).
///
/// Fails with [`FrameError::FileRangeOutOfBounds`] when a range lies outside `file`.
pub fn materialize(parts: &[Part], file: &[u8]) -> Result<Vec<u8>, FrameError> {
    let total = usize::try_from(plan_total_len(parts)).unwrap_or(usize::MAX);
    let mut out = Vec::with_capacity(total.min(1 << 26));
    for part in parts {
        match part {
            Part::Bytes(bytes) => out.extend_from_slice(bytes),
            Part::File { start, end } => {
                let range = usize::try_from(*start)
                    .ok()
                    .zip(usize::try_from(*end).ok())
                    .and_then(|(s, e)| file.get(s..e))
                    .ok_or(FrameError::FileRangeOutOfBounds {
                        start: *start,
                        end: *end,
                        file_len: file.len() as u64,
                    })?;
                out.extend_from_slice(range);
            }
        }
    }
    Ok(out)
}

/// The frame of `StreamTalkRequest{metadata}`: the first message of a client stream.
///
/// Encoded as prost encodes it: the `metadata` case of the `event` oneof is field 1, written
/// even when empty, around [`encode_talk_metadata`].
pub fn stream_metadata_frame(metadata: &Metadata<'_>) -> Result<Vec<u8>, FrameError> {
    let mut out = Vec::new();
    let frame = begin_data_frame(&mut out);
    let field = begin(&mut out, FIELD_STREAM_METADATA);
    encode_talk_metadata(&mut out, metadata);
    end(&mut out, field);
    end_data_frame(&mut out, frame)?;
    Ok(out)
}

/// The `AudioMetadata{container_audio{type}}` message for a container type.
pub fn container_audio_metadata(container: ContainerAudioType) -> AudioMetadata {
    AudioMetadata {
        audio_format: Some(audio_metadata::AudioFormat::ContainerAudio(ContainerAudio {
            container_audio_type: container as i32,
        })),
    }
}

/// Appends [`container_audio_metadata`] as prost encodes it: `AudioMetadata.container_audio`
/// (field 2 of the `audio_format` oneof, present even when empty) around
/// `ContainerAudio.container_audio_type` (field 1, left out when 0).
fn push_container_audio_metadata(out: &mut Vec<u8>, container: ContainerAudioType) {
    let field = begin(out, 2);
    varint_field(out, 1, i64::from(container as i32) as u64);
    end(out, field);
}

/// [`push_container_audio_metadata`] on its own.
#[cfg(test)]
fn container_audio_metadata_bytes(container: ContainerAudioType) -> Vec<u8> {
    let mut out = Vec::new();
    push_container_audio_metadata(&mut out, container);
    out
}

/// The frame of `StreamTalkRequest{audio{audio_metadata}}`: the second message of a client stream.
///
/// Written as prost writes it: `StreamTalkRequest.audio` (field 2) around
/// `AudioStreamingRequest.audio_metadata` (field 1 of its oneof) around the metadata.
pub fn stream_audio_metadata_frame(container: ContainerAudioType) -> Result<Vec<u8>, FrameError> {
    let mut out = Vec::new();
    let frame = begin_data_frame(&mut out);
    let audio = begin(&mut out, FIELD_REQUEST_AUDIO);
    let metadata = begin(&mut out, FIELD_STREAMING_AUDIO_METADATA);
    push_container_audio_metadata(&mut out, container);
    end(&mut out, metadata);
    end(&mut out, audio);
    end_data_frame(&mut out, frame)?;
    Ok(out)
}

/// The bytes of a frame that precede its last `data_len` bytes, the `AudioChunk.data` (field 1)
/// of the innermost of nested messages (the file is not in memory, so the lengths are computed).
///
/// `levels` are the messages from the outside in: each is the bytes its message starts with,
/// then the number of the field that holds the next message (the last one holds the
/// `AudioChunk`). proto3 leaves empty `data` out, so an empty chunk is an empty message.
fn nested_prefix(levels: &[(&[u8], u32)], data_len: u64) -> Result<Vec<u8>, FrameError> {
    let too_large = FrameError::FrameTooLarge { len: data_len };
    // lens[i]: the length of the message that level i's field holds; lens[0] is the whole.
    let mut lens = vec![0u64; levels.len() + 1];
    let mut inner = if data_len == 0 { 0 } else { len_field_total(FIELD_CHUNK_DATA, data_len)? };
    for (i, (head, field)) in levels.iter().enumerate().rev() {
        if let Some(slot) = lens.get_mut(i + 1) {
            *slot = inner;
        }
        inner = len_field_total(*field, inner)?.checked_add(head.len() as u64).ok_or(too_large.clone())?;
    }
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&data_frame_prefix(inner)?);
    for (i, (head, field)) in levels.iter().enumerate() {
        out.extend_from_slice(head);
        encode_len_field_prefix(*field, lens.get(i + 1).copied().unwrap_or(0), &mut out)?;
    }
    if data_len > 0 {
        encode_len_field_prefix(FIELD_CHUNK_DATA, data_len, &mut out)?;
    }
    Ok(out)
}

/// The bytes that precede `data_len` audio bytes in a `StreamTalkRequest{audio{chunk{data}}}` frame.
///
/// That is the frame prefix, then the key and length of `StreamTalkRequest.audio` (field 2),
/// of `AudioStreamingRequest.chunk` (field 2) and of `AudioChunk.data` (field 1).
pub fn chunk_frame_prefix(data_len: u64) -> Result<Vec<u8>, FrameError> {
    nested_prefix(&[(&[], FIELD_REQUEST_AUDIO), (&[], FIELD_STREAMING_CHUNK)], data_len)
}

/// The bytes that precede `data_len` audio bytes in a unary `UploadTalkRequest` frame.
///
/// The whole message is `metadata` (field 1, [`encode_talk_metadata`]), then `audio` (field 2)
/// holding `audio_metadata` (field 1) and `audio_data` (field 2) whose `data` (field 1) is the
/// file; the file bytes are the last bytes of the frame.
pub fn upload_frame_prefix(
    metadata: &Metadata<'_>,
    container: ContainerAudioType,
    data_len: u64,
) -> Result<Vec<u8>, FrameError> {
    let mut request_head = Vec::new();
    let field = begin(&mut request_head, FIELD_REQUEST_METADATA);
    encode_talk_metadata(&mut request_head, metadata);
    end(&mut request_head, field);
    let mut audio_head = Vec::new();
    let field = begin(&mut audio_head, FIELD_AUDIO_REQUEST_METADATA);
    push_container_audio_metadata(&mut audio_head, container);
    end(&mut audio_head, field);
    nested_prefix(&[(&request_head, FIELD_REQUEST_AUDIO), (&audio_head, FIELD_AUDIO_REQUEST_DATA)], data_len)
}

/// Plans the body of `UploadAsStream` or `UploadBadge` for a `file_size`-byte file.
///
/// Frames: metadata, audio metadata, then one chunk frame per range of
/// [`plan_chunks`]`(file_size, chunk_size)`. Adjacent byte parts are merged, so the plan
/// alternates `Bytes`, `File`, `Bytes`, `File`, ... and has `2 × chunks` parts.
pub fn plan_stream_body(
    metadata: &Metadata<'_>,
    container: ContainerAudioType,
    file_size: u64,
    chunk_size: u64,
) -> Result<Vec<Part>, PlanError> {
    if file_size == 0 {
        return Err(PlanError::EmptyFile);
    }
    if container == ContainerAudioType::Unspecified {
        return Err(PlanError::UnspecifiedContainer);
    }
    let chunks = plan_chunks(file_size, chunk_size)?;
    let mut parts = Vec::with_capacity(chunks.len().saturating_mul(2).saturating_add(1));
    push_bytes(&mut parts, &stream_metadata_frame(metadata)?);
    push_bytes(&mut parts, &stream_audio_metadata_frame(container)?);
    for chunk in &chunks {
        push_bytes(&mut parts, &chunk_frame_prefix(chunk.len())?);
        push_file(&mut parts, chunk.start, chunk.end);
    }
    Ok(parts)
}

/// Plans the body of the unary `Upload`: one frame around the whole `file_size`-byte file.
///
/// The plan is `[Bytes(prefix), File { 0, file_size }]`.
pub fn plan_upload_body(
    metadata: &Metadata<'_>,
    container: ContainerAudioType,
    file_size: u64,
) -> Result<Vec<Part>, PlanError> {
    if file_size == 0 {
        return Err(PlanError::EmptyFile);
    }
    if container == ContainerAudioType::Unspecified {
        return Err(PlanError::UnspecifiedContainer);
    }
    let mut parts = Vec::with_capacity(2);
    push_bytes(&mut parts, &upload_frame_prefix(metadata, container, file_size)?);
    push_file(&mut parts, 0, file_size);
    Ok(parts)
}

#[cfg(test)]
#[path = "body_tests.rs"]
mod tests;
