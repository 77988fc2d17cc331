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

use super::frame::{begin_data_frame, data_frame_prefix, encode_len_field_prefix, encode_varint, end_data_frame, len_field_total};
use super::message::{encode_talk_metadata, Metadata};
use super::FrameError;
use crate::chunk::{plan_chunks, ChunkError};
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
    let field = crate::pb::begin(&mut out, FIELD_STREAM_METADATA);
    encode_talk_metadata(&mut out, metadata);
    crate::pb::end(&mut out, field);
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

/// [`container_audio_metadata`] encoded as prost encodes it (proto3 leaves a 0 type out), so the
/// module links no `AudioMetadata` encoder (with its unused `RawAudio` case).
fn container_audio_metadata_bytes(container: ContainerAudioType) -> Vec<u8> {
    let mut inner = Vec::with_capacity(11);
    let value = container as i32;
    if value != 0 {
        // `ContainerAudio.container_audio_type`: field 1, varint.
        inner.push(0x08);
        encode_varint(i64::from(value) as u64, &mut inner);
    }
    // `AudioMetadata.container_audio`: field 2 of the `audio_format` oneof, length-delimited
    // (at most 11 bytes, so a one-byte length).
    let mut out = Vec::with_capacity(inner.len() + 2);
    out.push(0x12);
    out.push(inner.len() as u8);
    out.extend_from_slice(&inner);
    out
}

/// The frame of `StreamTalkRequest{audio{audio_metadata}}`: the second message of a client stream.
///
/// Written as prost writes it (`StreamTalkRequest.audio`, field 2, around
/// `AudioStreamingRequest.audio_metadata`, field 1 of its oneof, around the metadata's bytes),
/// like the chunk frames, so the request types' encoders are not linked for it.
pub fn stream_audio_metadata_frame(container: ContainerAudioType) -> Result<Vec<u8>, FrameError> {
    let metadata_bytes = container_audio_metadata_bytes(container);
    let metadata_len = metadata_bytes.len() as u64;
    let streaming_len = len_field_total(FIELD_STREAMING_AUDIO_METADATA, metadata_len)?;
    let mut message = Vec::with_capacity(metadata_bytes.len() + 8);
    encode_len_field_prefix(FIELD_REQUEST_AUDIO, streaming_len, &mut message)?;
    encode_len_field_prefix(FIELD_STREAMING_AUDIO_METADATA, metadata_len, &mut message)?;
    message.extend_from_slice(&metadata_bytes);
    super::frame::encode_data_frame(&message)
}

/// Size of an `AudioChunk{data}` message holding `data_len` bytes.
///
/// proto3 leaves an empty `bytes` field out, so an empty chunk is an empty message.
fn audio_chunk_len(data_len: u64) -> Result<u64, FrameError> {
    if data_len == 0 {
        Ok(0)
    } else {
        len_field_total(FIELD_CHUNK_DATA, data_len)
    }
}

fn push_chunk_data_prefix(data_len: u64, out: &mut Vec<u8>) -> Result<(), FrameError> {
    if data_len > 0 {
        encode_len_field_prefix(FIELD_CHUNK_DATA, data_len, out)?;
    }
    Ok(())
}

/// The bytes that precede `data_len` audio bytes in a `StreamTalkRequest{audio{chunk{data}}}` frame.
///
/// That is the frame prefix, then the key and length of `StreamTalkRequest.audio` (field 2),
/// of `AudioStreamingRequest.chunk` (field 2) and of `AudioChunk.data` (field 1).
pub fn chunk_frame_prefix(data_len: u64) -> Result<Vec<u8>, FrameError> {
    let chunk_len = audio_chunk_len(data_len)?;
    let streaming_len = len_field_total(FIELD_STREAMING_CHUNK, chunk_len)?;
    let request_len = len_field_total(FIELD_REQUEST_AUDIO, streaming_len)?;
    let mut out = Vec::with_capacity(32);
    out.extend_from_slice(&data_frame_prefix(request_len)?);
    encode_len_field_prefix(FIELD_REQUEST_AUDIO, streaming_len, &mut out)?;
    encode_len_field_prefix(FIELD_STREAMING_CHUNK, chunk_len, &mut out)?;
    push_chunk_data_prefix(data_len, &mut out)?;
    Ok(out)
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
    let mut metadata_bytes = Vec::new();
    encode_talk_metadata(&mut metadata_bytes, metadata);
    let audio_metadata_bytes = container_audio_metadata_bytes(container);
    let metadata_len = metadata_bytes.len() as u64;
    let audio_metadata_len = audio_metadata_bytes.len() as u64;

    let chunk_len = audio_chunk_len(data_len)?;
    let audio_request_len = len_field_total(FIELD_AUDIO_REQUEST_METADATA, audio_metadata_len)?
        .checked_add(len_field_total(FIELD_AUDIO_REQUEST_DATA, chunk_len)?)
        .ok_or(FrameError::FrameTooLarge { len: data_len })?;
    let request_len = len_field_total(FIELD_REQUEST_METADATA, metadata_len)?
        .checked_add(len_field_total(FIELD_REQUEST_AUDIO, audio_request_len)?)
        .ok_or(FrameError::FrameTooLarge { len: data_len })?;

    let mut out = Vec::with_capacity(64 + metadata_bytes.len());
    out.extend_from_slice(&data_frame_prefix(request_len)?);
    encode_len_field_prefix(FIELD_REQUEST_METADATA, metadata_len, &mut out)?;
    out.extend_from_slice(&metadata_bytes);
    encode_len_field_prefix(FIELD_REQUEST_AUDIO, audio_request_len, &mut out)?;
    encode_len_field_prefix(FIELD_AUDIO_REQUEST_METADATA, audio_metadata_len, &mut out)?;
    out.extend_from_slice(&audio_metadata_bytes);
    encode_len_field_prefix(FIELD_AUDIO_REQUEST_DATA, chunk_len, &mut out)?;
    push_chunk_data_prefix(data_len, &mut out)?;
    Ok(out)
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
