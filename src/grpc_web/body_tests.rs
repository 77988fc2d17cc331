use super::*;
use crate::prepare::speechsense::MetadataFields;
use crate::proto::speechsense::{
    audio_streaming_request, stream_talk_request, AudioChunk, AudioRequest, AudioStreamingRequest, StreamTalkRequest,
    TalkMetadata, UploadTalkRequest,
};
use prost::Message;

/// A message as prost frames it.
fn encode_framed<M: Message>(message: &M) -> Result<Vec<u8>, FrameError> {
    super::super::frame::encode_data_frame(&message.encode_to_vec())
}
use proptest::prelude::*;

/// The same metadata as the generated type (for prost) and as the hand encoder takes it.
#[derive(Debug)]
struct Meta {
    proto: TalkMetadata,
    fields: MetadataFields,
}

impl Meta {
    fn new(connection_id: &str, pairs: &[(&str, &str)]) -> Meta {
        let mut proto = TalkMetadata { connection_id: connection_id.into(), ..Default::default() };
        let mut owned = Vec::new();
        for (k, v) in pairs {
            proto.fields.insert((*k).into(), (*v).into());
            owned.push(((*k).to_owned(), (*v).to_owned()));
        }
        Meta { proto, fields: MetadataFields::from_pairs(owned) }
    }

    fn ours(&self) -> Metadata<'_> {
        Metadata { connection_id: &self.proto.connection_id, fields: &self.fields }
    }
}

fn metadata() -> Meta {
    Meta::new("conn-1", &[("operator_name", "Operator"), ("date", "2024-01-15T10:30:00Z")])
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

fn prost_upload_frame(m: &Meta, c: ContainerAudioType, data: &[u8]) -> Vec<u8> {
    let msg = UploadTalkRequest {
        talk_id: String::new(),
        metadata: Some(m.proto.clone()),
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
            let mut ours = upload_frame_prefix(&m.ours(), c, n as u64).unwrap();
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
            metadata: Some(m.proto.clone()),
            audio: Some(AudioRequest {
                audio_metadata: Some(container_audio_metadata(ContainerAudioType::Wav)),
                audio_data: Some(AudioChunk { data }),
            }),
        };
        let prefix = upload_frame_prefix(&m.ours(), ContainerAudioType::Wav, n as u64).unwrap();
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
    let m = Meta::new("c", &[]);
    let parts = plan_stream_body(&m.ours(), ContainerAudioType::Wav, 5, 3).unwrap();
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
    let m = Meta::new("c", &[]);
    let parts = plan_upload_body(&m.ours(), ContainerAudioType::Mp3, 2).unwrap();
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
        let parts = plan_stream_body(&m.ours(), ContainerAudioType::Wav, size as u64, chunk).unwrap();
        let body = materialize(&parts, &file).unwrap();
        let mut expected = stream_metadata_frame(&m.ours()).unwrap();
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
    for m in [metadata(), Meta::new("", &[])] {
        let request = StreamTalkRequest { event: Some(stream_talk_request::Event::Metadata(m.proto.clone())) };
        assert_eq!(stream_metadata_frame(&m.ours()).unwrap(), encode_framed(&request).unwrap(), "{m:?}");
    }
}

#[test]
fn metadata_frames_decode_back() {
    let m = metadata();
    let frame = stream_metadata_frame(&m.ours()).unwrap();
    let decoded = StreamTalkRequest::decode(&frame[5..]).unwrap();
    assert_eq!(decoded.event, Some(stream_talk_request::Event::Metadata(m.proto)));
}

#[test]
fn plans_reject_bad_input() {
    let m = metadata();
    assert_eq!(
        plan_stream_body(&m.ours(), ContainerAudioType::Wav, 0, 1 << 20),
        Err(PlanError::EmptyFile)
    );
    assert_eq!(plan_upload_body(&m.ours(), ContainerAudioType::Wav, 0), Err(PlanError::EmptyFile));
    assert_eq!(
        plan_upload_body(&m.ours(), ContainerAudioType::Unspecified, 10),
        Err(PlanError::UnspecifiedContainer)
    );
    assert!(matches!(
        plan_stream_body(&m.ours(), ContainerAudioType::Wav, 10, 0),
        Err(PlanError::Chunk(_))
    ));
    assert!(matches!(
        plan_upload_body(&m.ours(), ContainerAudioType::Wav, u64::from(u32::MAX)),
        Err(PlanError::Frame(FrameError::FrameTooLarge { .. }))
    ));
}

#[test]
fn big_plans_reference_without_copying() {
    let m = metadata();
    let size = 1u64 << 30;
    let parts = plan_stream_body(&m.ours(), ContainerAudioType::Mp3, size, 1 << 20).unwrap();
    assert_eq!(parts.len(), 2048);
    let file_bytes: u64 = parts
        .iter()
        .filter(|p| matches!(p, Part::File { .. }))
        .map(Part::len)
        .sum();
    assert_eq!(file_bytes, size);
    let overhead = plan_total_len(&parts) - size;
    let header = stream_metadata_frame(&m.ours()).unwrap().len() as u64
        + stream_audio_metadata_frame(ContainerAudioType::Mp3).unwrap().len() as u64;
    assert_eq!(overhead, header + 1024 * chunk_frame_prefix(1 << 20).unwrap().len() as u64);

    let parts = plan_upload_body(&m.ours(), ContainerAudioType::Wav, 100_000_000).unwrap();
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
        let m = Meta::new(&conn, &[("k", &value)]);
        let file = bytes_of(size);
        let parts = plan_stream_body(&m.ours(), ContainerAudioType::OggOpus, size as u64, chunk).unwrap();
        let body = materialize(&parts, &file).unwrap();
        let mut expected = stream_metadata_frame(&m.ours()).unwrap();
        expected.extend(stream_audio_metadata_frame(ContainerAudioType::OggOpus).unwrap());
        for piece in file.chunks(chunk as usize) {
            expected.extend(prost_chunk_frame(piece));
        }
        prop_assert_eq!(plan_total_len(&parts), body.len() as u64);
        prop_assert_eq!(body, expected);
    }

    #[test]
    fn random_upload_plans_match_prost(size in 1usize..300_000, conn in ".{0,300}") {
        let m = Meta::new(&conn, &[]);
        let file = bytes_of(size);
        let parts = plan_upload_body(&m.ours(), ContainerAudioType::Wav, size as u64).unwrap();
        let body = materialize(&parts, &file).unwrap();
        prop_assert_eq!(plan_total_len(&parts), body.len() as u64);
        prop_assert_eq!(body, prost_upload_frame(&m, ContainerAudioType::Wav, &file));
    }
}
