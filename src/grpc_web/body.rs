//! Request-body plans: a grpc-web body as small computed byte runs and references to file ranges.
//!
//! The audio bytes of an upload never enter wasm memory. A plan is a list of [`Part`]s: the
//! frame prefixes, the prost-encoded metadata messages and the protobuf tag/length prefixes of
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
//! use talk_uploader::proto::speechsense::{container_audio::ContainerAudioType, TalkMetadata};
//!
//! let metadata = TalkMetadata { connection_id: "c1".into(), ..Default::default() };
//! let parts = plan_stream_body(&metadata, ContainerAudioType::Wav, 3_000_000, 1 << 20).unwrap();
//! // header bytes, chunk 0, prefix, chunk 1, prefix, chunk 2
//! assert_eq!(parts.len(), 6);
//! assert_eq!(parts[1], Part::File { start: 0, end: 1 << 20 });
//! assert!(plan_total_len(&parts) > 3_000_000);
//! ```
//!
//! ## Limitations
//!
//! - Metadata maps are `BTreeMap`s (see `build.rs`), so prost encodes their entries in key order
//!   and equal metadata always gives the same bytes.
//! - A unary body must fit one frame (`u32` length); the 128 MB service limit is enforced
//!   earlier, by [`crate::audio::rules`].

use prost::Message;

use super::frame::{data_frame_prefix, encode_len_field_prefix, len_field_total};
use super::FrameError;
use crate::chunk::{plan_chunks, ChunkError};
use crate::proto::speechsense::{audio_metadata, container_audio::ContainerAudioType, AudioMetadata, ContainerAudio, TalkMetadata};
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
/// Encoded as prost encodes it (the `metadata` case of the `event` oneof is field 1, written
/// even when empty) around the metadata's own bytes, so the metadata is not cloned into a
/// request first (a `BTreeMap` clone is a lot of code for a wasm module).
pub fn stream_metadata_frame(metadata: &TalkMetadata) -> Result<Vec<u8>, FrameError> {
    let metadata_bytes = metadata.encode_to_vec();
    let mut message = Vec::with_capacity(metadata_bytes.len() + 11);
    encode_len_field_prefix(FIELD_STREAM_METADATA, metadata_bytes.len() as u64, &mut message)?;
    message.extend_from_slice(&metadata_bytes);
    super::frame::encode_data_frame(&message)
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
        prost::encoding::encode_varint(i64::from(value) as u64, &mut inner);
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
/// The whole message is `metadata` (field 1, prost-encoded), then `audio` (field 2) holding
/// `audio_metadata` (field 1, prost-encoded) and `audio_data` (field 2) whose `data` (field 1)
/// is the file; the file bytes are the last bytes of the frame.
pub fn upload_frame_prefix(
    metadata: &TalkMetadata,
    container: ContainerAudioType,
    data_len: u64,
) -> Result<Vec<u8>, FrameError> {
    let metadata_bytes = metadata.encode_to_vec();
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
    metadata: &TalkMetadata,
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
    metadata: &TalkMetadata,
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
mod tests {
    use super::*;
    use crate::proto::speechsense::{
        audio_streaming_request, stream_talk_request, AudioChunk, AudioRequest, AudioStreamingRequest, StreamTalkRequest,
        UploadTalkRequest,
    };

    /// A message as prost frames it.
    fn encode_framed<M: Message>(message: &M) -> Result<Vec<u8>, FrameError> {
        super::super::frame::encode_data_frame(&message.encode_to_vec())
    }
    use proptest::prelude::*;

    fn metadata() -> TalkMetadata {
        let mut m = TalkMetadata { connection_id: "conn-1".into(), ..Default::default() };
        m.fields.insert("operator_name".into(), "Operator".into());
        m.fields.insert("date".into(), "2024-01-15T10:30:00Z".into());
        m
    }

    fn bytes_of(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i.wrapping_mul(31) ^ (i >> 8)) as u8).collect()
    }

    fn prost_chunk_frame(data: &[u8]) -> Vec<u8> {
        let msg = StreamTalkRequest {
            event: Some(stream_talk_request::Event::Audio(AudioStreamingRequest {
                audio_event: Some(audio_streaming_request::AudioEvent::Chunk(AudioChunk {
                    data: data.to_vec(),
                })),
            })),
        };
        encode_framed(&msg).unwrap()
    }

    fn prost_upload_frame(m: &TalkMetadata, c: ContainerAudioType, data: &[u8]) -> Vec<u8> {
        let msg = UploadTalkRequest {
            talk_id: String::new(),
            metadata: Some(m.clone()),
            audio: Some(AudioRequest {
                audio_metadata: Some(container_audio_metadata(c)),
                audio_data: Some(AudioChunk { data: data.to_vec() }),
            }),
        };
        encode_framed(&msg).unwrap()
    }

    const SIZES: &[usize] = &[
        0, 1, 2, 100, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 16_250,
        16_370, 16_371, 16_372, 16_373, 16_374, 16_375, 16_376, 16_377, 16_378, 16_379, 16_380,
        16_381, 16_382, 16_383, 16_384, 16_385, 65_536, 1 << 20, (1 << 20) + 1, 2_097_131,
        2_097_151, 2_097_152,
    ];

    #[test]
    fn chunk_frame_matches_prost_at_varint_boundaries() {
        for &n in SIZES {
            let data = bytes_of(n);
            let mut ours = chunk_frame_prefix(n as u64).unwrap();
            ours.extend_from_slice(&data);
            assert_eq!(ours, prost_chunk_frame(&data), "size {n}");
        }
    }

    #[test]
    fn upload_frame_matches_prost_at_varint_boundaries() {
        let m = metadata();
        for &n in SIZES {
            let data = bytes_of(n);
            for c in [ContainerAudioType::Wav, ContainerAudioType::Mp3, ContainerAudioType::OggOpus] {
                let mut ours = upload_frame_prefix(&m, c, n as u64).unwrap();
                ours.extend_from_slice(&data);
                assert_eq!(ours, prost_upload_frame(&m, c, &data), "size {n} {c:?}");
            }
        }
    }

    /// Past 2^28 bytes a length varint takes 5 bytes. Only lengths are compared here: the
    /// zeroed vectors are never touched, so the test stays cheap.
    #[test]
    fn lengths_match_prost_past_the_4_byte_varint_boundary() {
        let m = metadata();
        for n in [(1usize << 28) - 40, (1 << 28) - 1, 1 << 28, (1 << 28) + 1] {
            let data = vec![0u8; n];
            let chunk = StreamTalkRequest {
                event: Some(stream_talk_request::Event::Audio(AudioStreamingRequest {
                    audio_event: Some(audio_streaming_request::AudioEvent::Chunk(AudioChunk { data })),
                })),
            };
            let prefix = chunk_frame_prefix(n as u64).unwrap();
            let len = chunk.encoded_len();
            assert_eq!(prefix.len() - 5 + n, len, "chunk {n}");
            assert_eq!(prefix[1..5], (len as u32).to_be_bytes());
            let Some(stream_talk_request::Event::Audio(AudioStreamingRequest {
                audio_event: Some(audio_streaming_request::AudioEvent::Chunk(AudioChunk { data })),
            })) = chunk.event
            else {
                unreachable!()
            };
            let upload = UploadTalkRequest {
                talk_id: String::new(),
                metadata: Some(m.clone()),
                audio: Some(AudioRequest {
                    audio_metadata: Some(container_audio_metadata(ContainerAudioType::Wav)),
                    audio_data: Some(AudioChunk { data }),
                }),
            };
            let prefix = upload_frame_prefix(&m, ContainerAudioType::Wav, n as u64).unwrap();
            let len = upload.encoded_len();
            assert_eq!(prefix.len() - 5 + n, len, "upload {n}");
            assert_eq!(prefix[1..5], (len as u32).to_be_bytes());
        }
    }

    #[test]
    fn chunk_frame_byte_literal() {
        let mut ours = chunk_frame_prefix(3).unwrap();
        ours.extend_from_slice(b"xyz");
        assert_eq!(
            ours,
            [0, 0, 0, 0, 9, 0x12, 7, 0x12, 5, 0x0a, 3, b'x', b'y', b'z']
        );
        // An empty chunk: proto3 leaves the empty bytes field out.
        assert_eq!(chunk_frame_prefix(0).unwrap(), [0, 0, 0, 0, 4, 0x12, 2, 0x12, 0]);
    }

    #[test]
    fn stream_plan_byte_literal() {
        let m = TalkMetadata { connection_id: "c".into(), ..Default::default() };
        let parts = plan_stream_body(&m, ContainerAudioType::Wav, 5, 3).unwrap();
        let expected_head: Vec<u8> = [
            &[0u8, 0, 0, 0, 5, 0x0a, 3, 0x0a, 1, b'c'][..],
            &[0, 0, 0, 0, 8, 0x12, 6, 0x0a, 4, 0x12, 2, 0x08, 1],
            &[0, 0, 0, 0, 9, 0x12, 7, 0x12, 5, 0x0a, 3],
        ]
        .concat();
        assert_eq!(
            parts,
            vec![
                Part::Bytes(expected_head),
                Part::File { start: 0, end: 3 },
                Part::Bytes(vec![0, 0, 0, 0, 8, 0x12, 6, 0x12, 4, 0x0a, 2]),
                Part::File { start: 3, end: 5 },
            ]
        );
        assert_eq!(plan_total_len(&parts), 10 + 13 + 11 + 11 + 5);
    }

    #[test]
    fn upload_plan_byte_literal() {
        let m = TalkMetadata { connection_id: "c".into(), ..Default::default() };
        let parts = plan_upload_body(&m, ContainerAudioType::Mp3, 2).unwrap();
        // metadata 0a 03 0a 01 'c'; audio 12 0c { 0a 04 12 02 08 03 ; 12 04 0a 02 'h' 'i' }
        let prefix = vec![
            0, 0, 0, 0, 19, 0x0a, 3, 0x0a, 1, b'c', 0x12, 12, 0x0a, 4, 0x12, 2, 0x08, 3, 0x12, 4,
            0x0a, 2,
        ];
        assert_eq!(parts, vec![Part::Bytes(prefix), Part::File { start: 0, end: 2 }]);
        let body = materialize(&parts, b"hi").unwrap();
        assert_eq!(body, prost_upload_frame(&m, ContainerAudioType::Mp3, b"hi"));
    }

    #[test]
    fn stream_plan_matches_prost_stream() {
        let m = metadata();
        for &(size, chunk) in &[
            (1usize, 1u64 << 20),
            (127, 100),
            (128, 128),
            (16_384, 1000),
            (16_385, 16_384),
            ((1 << 20) * 2 + 17, 1 << 20),
        ] {
            let file = bytes_of(size);
            let parts = plan_stream_body(&m, ContainerAudioType::Wav, size as u64, chunk).unwrap();
            let body = materialize(&parts, &file).unwrap();
            let mut expected = stream_metadata_frame(&m).unwrap();
            expected.extend(stream_audio_metadata_frame(ContainerAudioType::Wav).unwrap());
            for piece in file.chunks(chunk as usize) {
                expected.extend(prost_chunk_frame(piece));
            }
            assert_eq!(body, expected, "size {size} chunk {chunk}");
            assert_eq!(plan_total_len(&parts), body.len() as u64);
            // Bytes and File alternate: adjacent byte runs were merged.
            for pair in parts.windows(2) {
                assert!(!matches!(pair, [Part::Bytes(_), Part::Bytes(_)]));
            }
        }
    }

    #[test]
    fn the_audio_metadata_bytes_are_prosts_encoding() {
        for container in [ContainerAudioType::Wav, ContainerAudioType::OggOpus, ContainerAudioType::Mp3, ContainerAudioType::Unspecified] {
            assert_eq!(container_audio_metadata_bytes(container), container_audio_metadata(container).encode_to_vec(), "{container:?}");
        }
    }

    #[test]
    fn the_stream_audio_metadata_frame_is_prosts_encoding_byte_for_byte() {
        for container in [ContainerAudioType::Wav, ContainerAudioType::OggOpus, ContainerAudioType::Mp3, ContainerAudioType::Unspecified] {
            let request = StreamTalkRequest {
                event: Some(stream_talk_request::Event::Audio(AudioStreamingRequest {
                    audio_event: Some(audio_streaming_request::AudioEvent::AudioMetadata(container_audio_metadata(container))),
                })),
            };
            assert_eq!(stream_audio_metadata_frame(container).unwrap(), encode_framed(&request).unwrap(), "{container:?}");
        }
    }

    #[test]
    fn the_stream_metadata_frame_is_prosts_encoding_byte_for_byte() {
        for m in [metadata(), TalkMetadata::default()] {
            let request = StreamTalkRequest { event: Some(stream_talk_request::Event::Metadata(m.clone())) };
            assert_eq!(stream_metadata_frame(&m).unwrap(), encode_framed(&request).unwrap(), "{m:?}");
        }
    }

    #[test]
    fn metadata_frames_decode_back() {
        let m = metadata();
        let frame = stream_metadata_frame(&m).unwrap();
        let decoded = StreamTalkRequest::decode(&frame[5..]).unwrap();
        assert_eq!(decoded.event, Some(stream_talk_request::Event::Metadata(m)));
    }

    #[test]
    fn plans_reject_bad_input() {
        let m = metadata();
        assert_eq!(
            plan_stream_body(&m, ContainerAudioType::Wav, 0, 1 << 20),
            Err(PlanError::EmptyFile)
        );
        assert_eq!(plan_upload_body(&m, ContainerAudioType::Wav, 0), Err(PlanError::EmptyFile));
        assert_eq!(
            plan_upload_body(&m, ContainerAudioType::Unspecified, 10),
            Err(PlanError::UnspecifiedContainer)
        );
        assert!(matches!(
            plan_stream_body(&m, ContainerAudioType::Wav, 10, 0),
            Err(PlanError::Chunk(_))
        ));
        assert!(matches!(
            plan_upload_body(&m, ContainerAudioType::Wav, u64::from(u32::MAX)),
            Err(PlanError::Frame(FrameError::FrameTooLarge { .. }))
        ));
    }

    #[test]
    fn big_plans_reference_without_copying() {
        let m = metadata();
        let size = 1u64 << 30;
        let parts = plan_stream_body(&m, ContainerAudioType::Mp3, size, 1 << 20).unwrap();
        assert_eq!(parts.len(), 2048);
        let file_bytes: u64 = parts
            .iter()
            .filter(|p| matches!(p, Part::File { .. }))
            .map(Part::len)
            .sum();
        assert_eq!(file_bytes, size);
        let overhead = plan_total_len(&parts) - size;
        let header = stream_metadata_frame(&m).unwrap().len() as u64
            + stream_audio_metadata_frame(ContainerAudioType::Mp3).unwrap().len() as u64;
        assert_eq!(overhead, header + 1024 * chunk_frame_prefix(1 << 20).unwrap().len() as u64);

        let parts = plan_upload_body(&m, ContainerAudioType::Wav, 100_000_000).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1], Part::File { start: 0, end: 100_000_000 });
    }

    #[test]
    fn materialize_rejects_out_of_range() {
        let parts = vec![Part::File { start: 2, end: 9 }];
        assert!(matches!(
            materialize(&parts, b"abc"),
            Err(FrameError::FileRangeOutOfBounds { .. })
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_stream_plans_match_prost(
            size in 1usize..40_000,
            chunk in 1u64..20_000,
            conn in "[a-z0-9-]{0,40}",
            value in ".{0,200}",
        ) {
            let mut m = TalkMetadata { connection_id: conn, ..Default::default() };
            m.fields.insert("k".into(), value);
            let file = bytes_of(size);
            let parts = plan_stream_body(&m, ContainerAudioType::OggOpus, size as u64, chunk).unwrap();
            let body = materialize(&parts, &file).unwrap();
            let mut expected = stream_metadata_frame(&m).unwrap();
            expected.extend(stream_audio_metadata_frame(ContainerAudioType::OggOpus).unwrap());
            for piece in file.chunks(chunk as usize) {
                expected.extend(prost_chunk_frame(piece));
            }
            prop_assert_eq!(plan_total_len(&parts), body.len() as u64);
            prop_assert_eq!(body, expected);
        }

        #[test]
        fn random_upload_plans_match_prost(size in 1usize..300_000, conn in ".{0,300}") {
            let m = TalkMetadata { connection_id: conn, ..Default::default() };
            let file = bytes_of(size);
            let parts = plan_upload_body(&m, ContainerAudioType::Wav, size as u64).unwrap();
            let body = materialize(&parts, &file).unwrap();
            prop_assert_eq!(plan_total_len(&parts), body.len() as u64);
            prop_assert_eq!(body, prost_upload_frame(&m, ContainerAudioType::Wav, &file));
        }
    }
}
