//! The primitives against prost's: varints, fields, embedded message lengths, and the reader's
//! checks and error texts (through `google.protobuf.Timestamp`, whose prost impl is generated).

use super::*;
use prost::Message as _;
use proptest::prelude::*;

fn prost_varint(value: u64) -> Vec<u8> {
    let mut out = Vec::new();
    prost::encoding::encode_varint(value, &mut out);
    out
}

#[test]
fn varints_are_prosts() {
    let mut values = vec![0u64, 1, u64::MAX, u64::MAX - 1];
    for shift in 1..64 {
        values.extend([(1u64 << shift) - 1, 1 << shift, (1 << shift) + 1]);
    }
    for v in values {
        let mut out = Vec::new();
        encode_varint(v, &mut out);
        assert_eq!(out, prost_varint(v), "{v}");
        assert_eq!(varint_len(v), prost::encoding::encoded_len_varint(v), "{v}");
        let mut r = Reader::new(&out);
        assert_eq!(r.varint().unwrap(), v);
        assert_eq!(r.position(), out.len());
    }
}

#[test]
fn fields_are_prosts() {
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    varint_field(&mut ours, 1, 0);
    bytes_field(&mut ours, 2, b"");
    assert!(ours.is_empty(), "proto3 leaves defaults out");
    varint_field(&mut ours, 1, 150);
    prost::encoding::uint64::encode(1, &150, &mut theirs);
    varint_field(&mut ours, (1 << 29) - 1, (-5i64) as u64);
    prost::encoding::int64::encode((1 << 29) - 1, &-5, &mut theirs);
    bytes_field(&mut ours, 16, "é".as_bytes());
    prost::encoding::string::encode(16, &"é".to_owned(), &mut theirs);
    assert_eq!(ours, theirs);
}

#[test]
fn embedded_lengths_are_prosts_across_varint_sizes() {
    for len in [0usize, 1, 127, 128, 129, 16_383, 16_384, 16_385, 2_097_151, 2_097_152] {
        let body: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let mut ours = vec![0xaa];
        let at = begin(&mut ours, 5);
        ours.extend_from_slice(&body);
        end(&mut ours, at);
        let mut theirs = vec![0xaa];
        prost::encoding::bytes::encode(5, &body, &mut theirs);
        assert!(ours == theirs, "{len}");
    }
    // Nested: the inner length moves, then the outer one.
    let mut ours = Vec::new();
    let outer = begin(&mut ours, 1);
    let inner = begin(&mut ours, 2);
    ours.extend(std::iter::repeat_n(7u8, 300));
    end(&mut ours, inner);
    end(&mut ours, outer);
    let mut inner_bytes = Vec::new();
    prost::encoding::bytes::encode(2, &vec![7u8; 300], &mut inner_bytes);
    let mut theirs = Vec::new();
    prost::encoding::bytes::encode(1, &inner_bytes, &mut theirs);
    assert_eq!(ours, theirs);
}

/// `google.protobuf.Timestamp` read with [`Reader`], as its generated prost impl reads it.
fn timestamp(bytes: &[u8]) -> Result<(i64, i32), DecodeError> {
    let mut t = (0i64, 0i32);
    Reader::new(bytes).decode("Timestamp", &["seconds", "nanos"], &mut |r, tag, wire, _| {
        let v = r.varint_value(wire)?;
        if tag == 1 {
            t.0 = v as i64;
        } else {
            t.1 = v as i32;
        }
        Ok(())
    })?;
    Ok(t)
}

fn agree(bytes: &[u8]) {
    let real = prost_types::Timestamp::decode(bytes).map(|t| (t.seconds, t.nanos)).map_err(|e| e.to_string());
    let ours = timestamp(bytes).map_err(|e| e.to_string());
    assert_eq!(real, ours, "{bytes:02x?}");
}

#[test]
fn every_error_text_is_prosts() {
    let cases: &[(&[u8], &str)] = &[
        (b"\x08", "Timestamp.seconds: invalid varint"),
        (b"\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", "Timestamp.seconds: invalid varint"),
        (b"\x0a\x00", "Timestamp.seconds: invalid wire type: LengthDelimited (expected Varint)"),
        (b"\x15\x00\x00\x00\x00", "Timestamp.nanos: invalid wire type: ThirtyTwoBit (expected Varint)"),
        (b"\x0e", "invalid wire type value: 6"),
        (b"\x00", "invalid tag value: 0"),
        (b"\x80\x80\x80\x80\x10", "invalid key value: 4294967296"),
        (b"\x1a\x05ab", "buffer underflow"),
        (b"\x19\x00", "buffer underflow"),
        (b"\x1c", "unexpected end group tag"),
        (b"\x1b\x24", "unexpected end group tag"),
        (b"\x80", "invalid varint"),
    ];
    for (bytes, text) in cases {
        agree(bytes);
        assert_eq!(timestamp(bytes).unwrap_err().to_string(), format!("failed to decode Protobuf message: {text}"), "{bytes:02x?}");
    }
    // Every wire type name.
    for wire in [I64, START_GROUP, END_GROUP] {
        let mut bytes = vec![0x08 | wire];
        bytes.extend([0; 9]);
        agree(&bytes);
    }
}

#[test]
fn groups_nest_up_to_the_recursion_limit() {
    for depth in [1usize, 99, 100, 101, 200] {
        let mut bytes = vec![0x1b; depth];
        bytes.extend(std::iter::repeat_n(0x1c, depth));
        agree(&bytes);
        assert_eq!(timestamp(&bytes).is_ok(), depth <= 100, "{depth}");
    }
}

#[test]
fn a_nested_message_is_checked_against_its_length() {
    // `{ 1: { 1: "ab" } }` with the outer length one short: prost reads on, then says so.
    let bytes = [0x0a, 3, 0x0a, 2, b'a', b'b'];
    let mut inner = String::new();
    let e = Reader::new(&bytes)
        .decode("Outer", &["inner"], &mut |r, _, wire, depth| r.message(wire, depth, "Inner", &["text"], &mut |r, _, wire, _| { inner = r.string(wire)?; Ok(()) }))
        .unwrap_err();
    assert_eq!(e.to_string(), "failed to decode Protobuf message: Outer.inner: delimited length exceeded");
    let e = Reader::new(&[0x0a, 9, 0x0a, 2]).decode("Outer", &["inner"], &mut |r, _, wire, depth| r.message(wire, depth, "Inner", &[], &mut |_, _, _, _| Ok(()))).unwrap_err();
    assert_eq!(e.to_string(), "failed to decode Protobuf message: Outer.inner: buffer underflow");
}

proptest! {
    #[test]
    fn varints_round_trip(v in any::<u64>()) {
        let mut out = Vec::new();
        encode_varint(v, &mut out);
        prop_assert_eq!(&out, &prost_varint(v));
        prop_assert_eq!(Reader::new(&out).varint().unwrap(), v);
    }

    #[test]
    fn random_bytes_decode_as_prost_decodes_them(bytes in proptest::collection::vec(any::<u8>(), 0..48)) {
        agree(&bytes);
    }

    #[test]
    fn random_varints_decode_as_prost_decodes_them(bytes in proptest::collection::vec(any::<u8>(), 0..12)) {
        let mut slice = bytes.as_slice();
        let real = prost::encoding::decode_varint(&mut slice).ok().map(|v| (v, bytes.len() - slice.len()));
        let mut r = Reader::new(&bytes);
        let ours = r.varint().ok().map(|v| (v, r.position()));
        prop_assert_eq!(real, ours);
    }
}
