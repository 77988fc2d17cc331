//! The hand codec against prost's generated types: the same bytes out, the same values or the
//! same error texts in.

use super::*;
use crate::grpc_web::frame::encode_data_frame;
use crate::proto::speechsense as ss;
use prost::Message as _;
use proptest::prelude::*;
use std::collections::BTreeMap;

/// The metadata both ways: prost's `TalkMetadata` from a `BTreeMap`, ours from the same pairs.
fn both(connection_id: &str, pairs: &[(String, String)]) -> (ss::TalkMetadata, MetadataFields) {
    let mut map = BTreeMap::new();
    for (k, v) in pairs {
        map.insert(k.clone(), v.clone());
    }
    (ss::TalkMetadata { connection_id: connection_id.into(), fields: map, users: Vec::new() }, MetadataFields::from_pairs(pairs.to_vec()))
}

fn ours_metadata(connection_id: &str, fields: &MetadataFields) -> Vec<u8> {
    let mut out = Vec::new();
    encode_talk_metadata(&mut out, &Metadata { connection_id, fields });
    out
}

fn prost_text_frame(metadata: &ss::TalkMetadata, messages: &[ChatMessage]) -> Vec<u8> {
    let request = ss::UploadTextRequest {
        talk_id: String::new(),
        metadata: Some(metadata.clone()),
        text_content: Some(ss::TextContent {
            messages: messages
                .iter()
                .map(|m| ss::Message {
                    user_id: m.user_id.clone(),
                    timestamp: Some(prost_types::Timestamp { seconds: m.timestamp.seconds, nanos: m.timestamp.nanos }),
                    payload: Some(ss::message::Payload::Text(ss::TextPayload { text: m.text.clone() })),
                })
                .collect(),
        }),
    };
    encode_data_frame(&request.encode_to_vec()).unwrap()
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn message(user_id: &str, seconds: i64, nanos: i32, text: &str) -> ChatMessage {
    ChatMessage { user_id: user_id.into(), timestamp: Timestamp { seconds, nanos }, text: text.into() }
}

fn assert_text_frame_is_prosts(connection_id: &str, fields: &[(String, String)], messages: &[ChatMessage]) {
    let (proto, ours) = both(connection_id, fields);
    let frame = upload_text_frame(&Metadata { connection_id, fields: &ours }, messages).unwrap();
    let expected = prost_text_frame(&proto, messages);
    assert!(frame == expected, "{} messages, {} fields: {} vs {} bytes", messages.len(), fields.len(), frame.len(), expected.len());
}

#[test]
fn talk_metadata_is_prosts_encoding() {
    let cases: Vec<(&str, Vec<(String, String)>)> = vec![
        ("", vec![]),
        ("c", vec![]),
        ("conn-1", pairs(&[("operator_name", "Ann"), ("date", "2024-01-15T10:30:00Z"), ("language", "ru-RU")])),
        // Empty keys and values are left out of their entry; the entry stays.
        ("c", pairs(&[("", ""), ("k", ""), ("", "v")])),
        // Unicode, ordered by bytes (as `BTreeMap<String, _>` orders).
        ("соединение", pairs(&[("я", "1"), ("a", "2"), ("é", "3"), ("Z", "4"), ("😀", "5"), ("\u{7f}", "6")])),
        // Duplicates: the last value wins, as `BTreeMap::insert`.
        ("c", pairs(&[("k", "1"), ("a", "x"), ("k", "2"), ("k", "3")])),
        // Long values cross the one-byte entry length.
        ("c", vec![("long".into(), "v".repeat(127)), ("longer".into(), "w".repeat(20_000))]),
    ];
    for (conn, fields) in cases {
        let (proto, ours) = both(conn, &fields);
        assert_eq!(ours_metadata(conn, &ours), proto.encode_to_vec(), "{conn:?} {fields:?}");
    }
}

#[test]
fn large_maps_are_prosts_encoding() {
    let mut fields = Vec::new();
    for i in 0..3000u32 {
        // Keys out of order, some repeated.
        let k = format!("key-{}", (i * 7919) % 2000);
        fields.push((k, format!("value {i} {}", "é".repeat((i % 50) as usize))));
    }
    let (proto, ours) = both("c", &fields);
    assert_eq!(ours.len(), proto.fields.len());
    assert_eq!(ours_metadata("c", &ours), proto.encode_to_vec());
    assert_text_frame_is_prosts("c", &fields, &[message("1", 1, 2, "hi")]);
}

#[test]
fn upload_text_request_is_prosts_encoding() {
    let fields = pairs(&[("operator_name", "Ann"), ("client_name", "Бо"), ("date", "2024-01-15T10:30:00Z")]);
    let chats: Vec<Vec<ChatMessage>> = vec![
        vec![],
        vec![message("", 0, 0, "")],
        vec![message("1111", 1_694_615_400, 500_000_000, "Hi"), message("2222", 1_694_615_401, 0, "Привет 👋")],
        // Negative seconds and nanos are 10-byte varints; the extremes.
        vec![message("1", -1, -1, "x"), message("2", i64::MIN, i32::MIN, "y"), message("3", i64::MAX, i32::MAX, "z")],
        vec![message("1", -62_135_596_800, 999_999_999, "year 1")],
    ];
    for messages in &chats {
        for conn in ["", "c", "test-chat"] {
            assert_text_frame_is_prosts(conn, &fields, messages);
            assert_text_frame_is_prosts(conn, &[], messages);
        }
    }
}

#[test]
fn big_chats_are_prosts_encoding_across_length_varint_sizes() {
    // Texts around the 1-, 2- and 3-byte length boundaries of the message and of the content.
    for len in [0usize, 1, 117, 118, 119, 120, 121, 122, 125, 126, 127, 128, 16_370, 16_377, 16_383, 16_384, 2_097_140, 2_097_152] {
        let messages = vec![message("7", 1_700_000_000, 1, &"a".repeat(len))];
        assert_text_frame_is_prosts("c", &[], &messages);
    }
    // Many messages: a content of several MB.
    let messages: Vec<ChatMessage> = (0..20_000).map(|i| message(&i.to_string(), 1_700_000_000 + i, (i % 1000) as i32, &"текст ".repeat((i % 40) as usize))).collect();
    assert_text_frame_is_prosts("c", &pairs(&[("k", "v")]), &messages);
}

#[test]
fn the_text_frame_byte_literal() {
    let fields = MetadataFields::default();
    let frame = upload_text_frame(&Metadata { connection_id: "c", fields: &fields }, &[message("u", 1, 0, "t")]).unwrap();
    // metadata 0a 03 {0a 01 'c'}; text_content 12 0e {0a 0c {0a 01 'u'; 12 02 {08 01}; 1a 03 {0a 01 't'}}}
    assert_eq!(
        frame,
        [0, 0, 0, 0, 21, 0x0a, 3, 0x0a, 1, b'c', 0x12, 14, 0x0a, 12, 0x0a, 1, b'u', 0x12, 2, 0x08, 1, 0x1a, 3, 0x0a, 1, b't']
    );
}

#[test]
fn metadata_fields_sort_like_a_btree_map() {
    let f = MetadataFields::from_pairs(pairs(&[("b", "1"), ("a", "2"), ("b", "3")]));
    assert_eq!(f.as_slice(), pairs(&[("a", "2"), ("b", "3")]).as_slice());
    assert_eq!((f.get("b"), f.get("c"), f.len(), f.is_empty()), (Some("3"), None, 2, false));
    assert!(MetadataFields::default().is_empty());
}

/// Both decoders agree on `bytes`: the same value, or the same error text.
fn agree<P: prost::Message + Default, O: PartialEq + std::fmt::Debug>(bytes: &[u8], ours: fn(&[u8]) -> Result<O, DecodeError>, convert: fn(P) -> O) {
    let real = P::decode(bytes).map(convert).map_err(|e| e.to_string());
    let mine = ours(bytes).map_err(|e| e.to_string());
    assert_eq!(real, mine, "{bytes:02x?}");
}

fn agree_talk_id(bytes: &[u8]) {
    agree(bytes, decode_talk_id, |r: ss::UploadTalkResponse| r.talk_id);
}

fn agree_badge(bytes: &[u8]) {
    agree(bytes, decode_badge_response, |r: ss::UploadBadgeResponse| BadgeResponse { badge_id: r.badge_id, talk_ids: r.talk_ids });
}

/// Unknown fields of every wire type, and groups (nested, and with a wrong end tag).
fn unknown_fields() -> Vec<Vec<u8>> {
    vec![
        vec![0x18, 0x96, 0x01],                    // 3: varint
        vec![0x19, 1, 2, 3, 4, 5, 6, 7, 8],        // 3: 64-bit
        vec![0x1a, 2, 0xff, 0xfe],                 // 3: length-delimited, not UTF-8
        vec![0x1d, 1, 2, 3, 4],                    // 3: 32-bit
        vec![0x1b, 0x08, 1, 0x23, 0x2c, 0x1c],     // 3: group holding a varint and group 4
        vec![0x1b, 0x1c],                          // 3: empty group
        vec![0xf8, 0xff, 0xff, 0xff, 0x0f, 0x01],  // 2^29 - 1: varint
        vec![0x1b, 0x24],                          // group 3 closed by 4
        vec![0x1c],                                // a lone end group
        vec![0x1e],                                // wire type 6
        vec![0x1f],                                // wire type 7
        vec![0x00],                                // tag 0
        vec![0x80, 0x80, 0x80, 0x80, 0x10],        // key above u32::MAX
        vec![0x19, 1, 2, 3],                       // 64-bit, cut
        vec![0x1d, 1],                             // 32-bit, cut
        vec![0x1a, 5, 1],                          // length past the end
        vec![0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02], // varint overflow
        vec![0x18, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], // 11 bytes
        vec![0x18, 0x80],                          // varint cut
    ]
}

fn deep_groups(depth: usize) -> Vec<u8> {
    let mut b = vec![0x1b; depth];
    b.extend(std::iter::repeat_n(0x1c, depth));
    b
}

#[test]
fn responses_decode_as_prost_decodes_them() {
    let talk = ss::UploadTalkResponse { talk_id: "talk-1".into() }.encode_to_vec();
    let badge = ss::UploadBadgeResponse { badge_id: "b-1".into(), talk_ids: vec!["t1".into(), "".into(), "т3".into()] }.encode_to_vec();
    for bytes in [&talk, &badge] {
        agree_talk_id(bytes);
        agree_badge(bytes);
    }
    assert_eq!(decode_talk_id(&talk).unwrap(), "talk-1");
    assert_eq!(decode_badge_response(&badge).unwrap().talk_ids, ["t1", "", "т3"]);
    assert_eq!(decode_talk_id(&[]).unwrap(), "");
    for unknown in unknown_fields() {
        for base in [&talk, &badge] {
            let mut before = unknown.clone();
            before.extend_from_slice(base);
            let mut after = base.clone();
            after.extend_from_slice(&unknown);
            for bytes in [&before, &after, &unknown] {
                agree_talk_id(bytes);
                agree_badge(bytes);
            }
        }
    }
    for depth in [1, 50, 99, 100, 101, 150] {
        agree_talk_id(&deep_groups(depth));
        agree_badge(&deep_groups(depth));
    }
    // The last talk_id wins; a wrong wire type; not UTF-8; every cut of both.
    agree_talk_id(b"\x0a\x01a\x0a\x01b");
    agree_talk_id(b"\x08\x01");
    agree_talk_id(b"\x0a\x01\xff");
    agree_badge(b"\x12\x01\xff");
    agree_badge(b"\x15\x01\x02\x03\x04");
    for bytes in [&talk, &badge] {
        for cut in 0..bytes.len() {
            agree_talk_id(&bytes[..cut]);
            agree_badge(&bytes[..cut]);
        }
    }
    assert_eq!(
        decode_talk_id(b"\x0a\x01\xff").unwrap_err().to_string(),
        "failed to decode Protobuf message: UploadTalkResponse.talk_id: invalid string value: data is not UTF-8 encoded"
    );
}

proptest! {
    #[test]
    fn random_metadata_is_prosts_encoding(
        conn in ".{0,20}",
        fields in proptest::collection::vec(("[a-c]{0,2}|.{0,6}", ".{0,10}"), 0..24),
    ) {
        let (proto, ours) = both(&conn, &fields);
        prop_assert_eq!(ours.as_slice().len(), proto.fields.len());
        prop_assert_eq!(ours_metadata(&conn, &ours), proto.encode_to_vec());
    }

    #[test]
    fn random_chats_are_prosts_encoding(
        conn in ".{0,12}",
        fields in proptest::collection::vec((".{0,6}", ".{0,10}"), 0..6),
        messages in proptest::collection::vec((".{0,8}", any::<i64>(), any::<i32>(), ".{0,300}"), 0..12),
    ) {
        let messages: Vec<ChatMessage> = messages.iter().map(|(u, s, n, t)| message(u, *s, *n, t)).collect();
        let (proto, ours) = both(&conn, &fields);
        let frame = upload_text_frame(&Metadata { connection_id: &conn, fields: &ours }, &messages).unwrap();
        prop_assert_eq!(frame, prost_text_frame(&proto, &messages));
    }

    #[test]
    fn random_bytes_decode_the_same(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        agree_talk_id(&bytes);
        agree_badge(&bytes);
    }

    #[test]
    fn random_fields_decode_the_same(fields in proptest::collection::vec((1u32..5, 0u8..8, proptest::collection::vec(any::<u8>(), 0..6)), 0..8)) {
        // Plausible keys followed by random bytes: more of the decoder is reached than with noise.
        let mut bytes = Vec::new();
        for (tag, wire, tail) in &fields {
            crate::pb::encode_varint(u64::from(tag << 3 | u32::from(*wire)), &mut bytes);
            bytes.extend_from_slice(tail);
        }
        agree_talk_id(&bytes);
        agree_badge(&bytes);
    }
}
