//! Reads just enough of an upload's request body to know where it goes: the connection id of
//! its `TalkMetadata`, before a single audio byte is forwarded.
//!
//! - `UploadAsStream` / `UploadBadge`: the first message is a `StreamTalkRequest` whose `event`
//!   must be `metadata`. It is small, so it is read whole and decoded with the package's prost
//!   messages.
//! - `Upload` / `UploadText`: one message, possibly of 128 MB. Its fields are walked one by one
//!   until `metadata` (field 1); only that field (and any small field ahead of it, such as
//!   `talk_id`) is buffered. Audio or text ahead of the metadata is refused: the gateway does not
//!   buffer what it cannot check.
//!
//! Pure functions over the bytes read so far: [`inspect`] says "need more", or what it found.
//!
//! ```
//! use prost::Message;
//! use talk_gateway::inspect::{inspect, Head, Method};
//! use talk_uploader::proto::speechsense::{stream_talk_request::Event, StreamTalkRequest, TalkMetadata};
//! let msg = StreamTalkRequest { event: Some(Event::Metadata(TalkMetadata { connection_id: "c1".into(), ..Default::default() })) };
//! let frame = talk_uploader::grpc_web::frame::encode_data_frame(&msg.encode_to_vec()).unwrap();
//! assert_eq!(inspect(Method::UploadAsStream, &frame[..3]).unwrap(), None);
//! let head: Head = inspect(Method::UploadAsStream, &frame).unwrap().unwrap();
//! assert_eq!(head.connection_id, "c1");
//! ```

use prost::Message;
use talk_uploader::grpc_web::frame::{decode_varint, FRAME_HEADER_SIZE, GRPC_WEB_COMPRESSED_BIT, WIRE_TYPE_LEN};
use talk_uploader::proto::speechsense::{stream_talk_request::Event, StreamTalkRequest, TalkMetadata};

/// The gRPC package path of the service.
pub const SERVICE_PATH: &str = "/yandex.cloud.speechsense.v1.TalkService/";

/// Largest first message of a stream, and largest metadata field of a unary call. Metadata is a
/// few KiB at most (SpeechSense documents 1,024 bytes per string).
pub const MAX_HEAD_BYTES: usize = 1024 * 1024;

/// The four upload methods: the gateway's whole allowlist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Unary, metadata + audio in one message.
    Upload,
    /// Client stream: metadata, audio metadata, chunks.
    UploadAsStream,
    /// Unary, metadata + chat text.
    UploadText,
    /// Client stream like `UploadAsStream`, answered with an `Operation`.
    UploadBadge,
}

impl Method {
    /// The method for a request path, if it is on the allowlist.
    pub fn from_path(path: &str) -> Option<Self> {
        match path.strip_prefix(SERVICE_PATH)? {
            "Upload" => Some(Self::Upload),
            "UploadAsStream" => Some(Self::UploadAsStream),
            "UploadText" => Some(Self::UploadText),
            "UploadBadge" => Some(Self::UploadBadge),
            _ => None,
        }
    }

    /// The method name, for logs.
    pub fn name(self) -> &'static str {
        match self {
            Self::Upload => "Upload",
            Self::UploadAsStream => "UploadAsStream",
            Self::UploadText => "UploadText",
            Self::UploadBadge => "UploadBadge",
        }
    }

    /// Whether the request is a client stream of several messages.
    pub fn is_stream(self) -> bool {
        matches!(self, Self::UploadAsStream | Self::UploadBadge)
    }
}

/// What the head of a body says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// `TalkMetadata.connection_id`.
    pub connection_id: String,
    /// Length of the first message as its frame prefix declares it.
    pub first_message_len: u64,
}

/// Why a body's head cannot be checked. Each becomes `INVALID_ARGUMENT`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeadError {
    /// The body ended before the metadata.
    #[error("the request ended before its metadata")]
    Truncated,
    /// A compressed frame; the gateway cannot look inside.
    #[error("compressed grpc-web frames are not accepted by the gateway")]
    Compressed,
    /// The first message of a stream is bigger than [`MAX_HEAD_BYTES`].
    #[error("the first message is {0} bytes; a stream must start with its metadata (at most 1 MiB)")]
    HeadTooLarge(u64),
    /// The first stream message is not `metadata`.
    #[error("the first message of the stream must carry `metadata` (StreamTalkRequest field 1)")]
    NotMetadataFirst,
    /// A unary request has its audio or text ahead of its metadata.
    #[error("the request carries its metadata after the audio or text; the gateway needs `metadata` (field 1) first")]
    MetadataAfterPayload,
    /// The bytes are not the protobuf message of the method.
    #[error("the request message is not valid protobuf: {0}")]
    BadProtobuf(String),
}

/// Looks at the bytes of a body read so far. `Ok(None)`: read more. `Ok(Some(head))`: the
/// connection is known and nothing beyond the metadata needed to be buffered.
pub fn inspect(method: Method, buf: &[u8]) -> Result<Option<Head>, HeadError> {
    let Some(prefix) = buf.get(..FRAME_HEADER_SIZE) else { return Ok(None) };
    if prefix[0] & GRPC_WEB_COMPRESSED_BIT != 0 {
        return Err(HeadError::Compressed);
    }
    let len = u64::from(u32::from_be_bytes([prefix[1], prefix[2], prefix[3], prefix[4]]));
    let body = &buf[FRAME_HEADER_SIZE..];
    let body = &body[..body.len().min(usize::try_from(len).unwrap_or(usize::MAX))];
    if method.is_stream() {
        if len > MAX_HEAD_BYTES as u64 {
            return Err(HeadError::HeadTooLarge(len));
        }
        if (body.len() as u64) < len {
            return Ok(None);
        }
        let msg = StreamTalkRequest::decode(body).map_err(|e| HeadError::BadProtobuf(e.to_string()))?;
        return match msg.event {
            Some(Event::Metadata(m)) => Ok(Some(Head { connection_id: m.connection_id, first_message_len: len })),
            _ => Err(HeadError::NotMetadataFirst),
        };
    }
    // Unary: walk the fields of the one message up to `metadata`.
    let mut at = 0usize;
    loop {
        if at as u64 >= len {
            // The whole message without metadata: nothing to route by.
            return Ok(Some(Head { connection_id: String::new(), first_message_len: len }));
        }
        let rest = &body[at..];
        let Some((key, key_len)) = decode_varint(rest) else {
            return if rest.len() >= 10 { Err(HeadError::BadProtobuf("bad field key".into())) } else { Ok(None) };
        };
        let field = key >> 3;
        let wire = (key & 7) as u8;
        if wire != WIRE_TYPE_LEN {
            return Err(HeadError::BadProtobuf(format!("field {field} has wire type {wire}; every field of this message is length-delimited")));
        }
        let Some((flen, flen_len)) = decode_varint(&rest[key_len..]) else {
            return if rest.len() >= key_len + 10 { Err(HeadError::BadProtobuf("bad field length".into())) } else { Ok(None) };
        };
        let start = key_len + flen_len;
        match field {
            1 => {
                if flen > MAX_HEAD_BYTES as u64 {
                    return Err(HeadError::HeadTooLarge(flen));
                }
                let end = start + flen as usize;
                let Some(bytes) = rest.get(start..end) else { return Ok(None) };
                let m = TalkMetadata::decode(bytes).map_err(|e| HeadError::BadProtobuf(e.to_string()))?;
                return Ok(Some(Head { connection_id: m.connection_id, first_message_len: len }));
            }
            // talk_id (3), or fields this proto version does not know: small, skip them.
            f if f != 2 && flen <= 64 * 1024 => {
                let end = start + flen as usize;
                if rest.len() < end {
                    return Ok(None);
                }
                at += end;
            }
            2 => return Err(HeadError::MetadataAfterPayload),
            _ => return Err(HeadError::HeadTooLarge(flen)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use talk_uploader::grpc_web::frame::encode_data_frame;
    use talk_uploader::proto::speechsense::{
        audio_streaming_request::AudioEvent, AudioChunk, AudioRequest, AudioStreamingRequest, UploadTalkRequest,
        UploadTextRequest,
    };

    fn meta(c: &str) -> TalkMetadata {
        TalkMetadata { connection_id: c.into(), ..Default::default() }
    }

    #[test]
    fn allowlist() {
        assert_eq!(Method::from_path("/yandex.cloud.speechsense.v1.TalkService/UploadBadge"), Some(Method::UploadBadge));
        assert_eq!(Method::from_path("/yandex.cloud.speechsense.v1.TalkService/Search"), None);
        assert_eq!(Method::from_path("/yandex.cloud.speechsense.v1.TalkService/Upload/x"), None);
        assert_eq!(Method::from_path("/other.Service/Upload"), None);
    }

    #[test]
    fn unary_upload_reads_only_up_to_the_metadata() {
        let req = UploadTalkRequest {
            metadata: Some(meta("two")),
            audio: Some(AudioRequest { audio_metadata: None, audio_data: Some(AudioChunk { data: vec![7; 100_000] }) }),
            talk_id: String::new(),
        };
        let frame = encode_data_frame(&req.encode_to_vec()).unwrap();
        // Every prefix shorter than the metadata needs more; from there on, the answer is known.
        let meta_end = FRAME_HEADER_SIZE + 2 + meta("two").encoded_len();
        for cut in 0..meta_end {
            assert_eq!(inspect(Method::Upload, &frame[..cut]).unwrap(), None, "cut at {cut}");
        }
        let head = inspect(Method::Upload, &frame[..meta_end]).unwrap().unwrap();
        assert_eq!(head.connection_id, "two");
        assert_eq!(head.first_message_len, (frame.len() - FRAME_HEADER_SIZE) as u64);
    }

    #[test]
    fn talk_id_ahead_of_metadata_is_skipped() {
        // Fields in the source's declaration order: talk_id (3) first.
        let mut msg = Vec::new();
        msg.extend_from_slice(&[0x1a, 3, b'a', b'b', b'c']);
        let m = meta("chat").encode_to_vec();
        msg.push(0x0a);
        msg.push(m.len() as u8);
        msg.extend_from_slice(&m);
        let frame = encode_data_frame(&msg).unwrap();
        assert_eq!(inspect(Method::UploadText, &frame).unwrap().unwrap().connection_id, "chat");
    }

    #[test]
    fn payload_ahead_of_metadata_is_refused() {
        let text = UploadTextRequest { metadata: None, text_content: Some(Default::default()), talk_id: String::new() };
        let mut msg = text.encode_to_vec();
        msg.extend_from_slice(&{
            let m = meta("chat").encode_to_vec();
            let mut f = vec![0x0a, m.len() as u8];
            f.extend_from_slice(&m);
            f
        });
        let frame = encode_data_frame(&msg).unwrap();
        assert_eq!(inspect(Method::UploadText, &frame), Err(HeadError::MetadataAfterPayload));
    }

    #[test]
    fn streams_must_start_with_metadata() {
        let first = StreamTalkRequest { event: Some(Event::Metadata(meta("one"))) };
        let frame = encode_data_frame(&first.encode_to_vec()).unwrap();
        assert_eq!(inspect(Method::UploadBadge, &frame).unwrap().unwrap().connection_id, "one");
        let audio = StreamTalkRequest {
            event: Some(Event::Audio(AudioStreamingRequest { audio_event: Some(AudioEvent::Chunk(AudioChunk { data: vec![1, 2] })) })),
        };
        let frame = encode_data_frame(&audio.encode_to_vec()).unwrap();
        assert_eq!(inspect(Method::UploadAsStream, &frame), Err(HeadError::NotMetadataFirst));
        // A 2 MiB first frame is refused from its prefix alone.
        assert_eq!(inspect(Method::UploadAsStream, &[0, 0, 0x20, 0, 0]), Err(HeadError::HeadTooLarge(2 << 20)));
        assert_eq!(inspect(Method::UploadAsStream, &[1, 0, 0, 0, 1]), Err(HeadError::Compressed));
    }

    #[test]
    fn garbage_never_panics() {
        for n in 0..2000u32 {
            let bytes: Vec<u8> = (0..(n % 40)).map(|i| (n.wrapping_mul(2_654_435_761).wrapping_add(i * 97) >> 7) as u8).collect();
            let mut framed = vec![0, 0, 0, 0, bytes.len() as u8];
            framed.extend_from_slice(&bytes);
            for m in [Method::Upload, Method::UploadText, Method::UploadAsStream] {
                let _ = inspect(m, &framed);
                let _ = inspect(m, &bytes);
            }
        }
    }
}
