//! A decode-only twin of `yandex.cloud.operation.Operation` (the answer of `UploadBadge`), for
//! the wasm module.
//!
//! prost decodes a `bytes` field into a `Vec<u8>` through the `bytes` crate (`copy_to_bytes`
//! into a `BytesMut`, then back into a `Vec`), which is a few KB of code that only `Any.value`
//! needs. These types are [`crate::proto`]'s `Operation`, `google.rpc.Status` and
//! `google.protobuf.Any` field for field, with the same names (prost's errors name the
//! message and field), except that [`Any`] copies its `value` straight into the `Vec`. The
//! tests hold them to the generated types: the same values, and the same error texts, for
//! valid, truncated, corrupted and random input.

// Natively only the tests use this module; the browser build uses all of it.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use prost::bytes::{Buf, BufMut};
use prost::encoding::wire_type::{check_wire_type, WireType};
use prost::encoding::{decode_varint, skip_field, DecodeContext};
use prost::DecodeError;

/// `yandex.cloud.operation.Operation`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Operation {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(string, tag = "2")]
    pub description: String,
    #[prost(message, optional, tag = "3")]
    pub created_at: Option<prost_types::Timestamp>,
    #[prost(string, tag = "4")]
    pub created_by: String,
    #[prost(message, optional, tag = "5")]
    pub modified_at: Option<prost_types::Timestamp>,
    #[prost(bool, tag = "6")]
    pub done: bool,
    #[prost(message, optional, tag = "7")]
    pub metadata: Option<Any>,
    #[prost(oneof = "operation::Result", tags = "8, 9")]
    pub result: Option<operation::Result>,
}

/// The `result` oneof of [`Operation`].
pub mod operation {
    /// `Operation.result`.
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Result {
        #[prost(message, tag = "8")]
        Error(super::Status),
        #[prost(message, tag = "9")]
        Response(super::Any),
    }
}

/// `google.rpc.Status`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Status {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
    #[prost(message, repeated, tag = "3")]
    pub details: Vec<Any>,
}

/// `google.protobuf.Any`, whose `value` is copied once into its `Vec`.
#[derive(Clone, PartialEq, Eq, Default, Debug)]
pub struct Any {
    pub type_url: String,
    pub value: Vec<u8>,
}

impl prost::Message for Any {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        if !self.type_url.is_empty() {
            prost::encoding::string::encode(1, &self.type_url, buf);
        }
        if !self.value.is_empty() {
            prost::encoding::bytes::encode(2, &self.value, buf);
        }
    }

    fn merge_field(&mut self, tag: u32, wire_type: WireType, buf: &mut impl Buf, ctx: DecodeContext) -> Result<(), DecodeError> {
        // What prost's derive generates for `Any`, with `merge_bytes` for `bytes::merge`.
        const STRUCT_NAME: &str = "Any";
        match tag {
            1 => prost::encoding::string::merge(wire_type, &mut self.type_url, buf, ctx).map_err(|mut error| {
                error.push(STRUCT_NAME, "type_url");
                error
            }),
            2 => merge_bytes(wire_type, &mut self.value, buf).map_err(|mut error| {
                error.push(STRUCT_NAME, "value");
                error
            }),
            _ => skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        (if self.type_url.is_empty() { 0 } else { prost::encoding::string::encoded_len(1, &self.type_url) })
            + (if self.value.is_empty() { 0 } else { prost::encoding::bytes::encoded_len(2, &self.value) })
    }

    fn clear(&mut self) {
        self.type_url.clear();
        self.value.clear();
    }
}

/// prost's `encoding::bytes::merge` for a `Vec<u8>`: the same checks and errors, the last
/// occurrence wins, and the bytes are copied straight from the buffer.
fn merge_bytes(wire_type: WireType, value: &mut Vec<u8>, buf: &mut impl Buf) -> Result<(), DecodeError> {
    check_wire_type(WireType::LengthDelimited, wire_type)?;
    let len = decode_varint(buf)?;
    if len > buf.remaining() as u64 {
        // prost's own `BufferUnderflow` reads the same; its kinds are private.
        #[allow(deprecated)]
        return Err(DecodeError::new("buffer underflow"));
    }
    value.clear();
    value.put(buf.take(len as usize));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::google::rpc::Status as RealStatus;
    use crate::proto::yandex::cloud::operation::{operation as real_operation, Operation as RealOperation};
    use prost::Message as _;
    use proptest::prelude::*;

    fn real_any(type_url: &str, value: &[u8]) -> prost_types::Any {
        prost_types::Any { type_url: type_url.into(), value: value.to_vec() }
    }

    fn any_of(a: &prost_types::Any) -> Any {
        Any { type_url: a.type_url.clone(), value: a.value.clone() }
    }

    fn status_of(s: &RealStatus) -> Status {
        Status { code: s.code, message: s.message.clone(), details: s.details.iter().map(any_of).collect() }
    }

    /// The twin of a generated `Operation`.
    fn twin(op: &RealOperation) -> Operation {
        Operation {
            id: op.id.clone(),
            description: op.description.clone(),
            created_at: op.created_at,
            created_by: op.created_by.clone(),
            modified_at: op.modified_at,
            done: op.done,
            metadata: op.metadata.as_ref().map(any_of),
            result: op.result.as_ref().map(|r| match r {
                real_operation::Result::Error(s) => operation::Result::Error(status_of(s)),
                real_operation::Result::Response(a) => operation::Result::Response(any_of(a)),
            }),
        }
    }

    /// Both decoders agree on `bytes`: the same value, or the same error text.
    fn agree(bytes: &[u8]) {
        let real = RealOperation::decode(bytes).map_err(|e| e.to_string());
        let ours = Operation::decode(bytes).map_err(|e| e.to_string());
        match (real, ours) {
            (Ok(r), Ok(o)) => assert_eq!(twin(&r), o, "{bytes:?}"),
            (Err(r), Err(o)) => assert_eq!(r, o, "{bytes:?}"),
            (r, o) => panic!("{bytes:?}: {r:?} vs {o:?}"),
        }
    }

    fn sample() -> RealOperation {
        RealOperation {
            id: "op-1".into(),
            description: "upload".into(),
            created_at: Some(prost_types::Timestamp { seconds: 1_700_000_000, nanos: 5 }),
            created_by: "sa".into(),
            modified_at: None,
            done: true,
            metadata: Some(real_any("type.googleapis.com/m", b"\x0a\x03abc")),
            result: Some(real_operation::Result::Response(real_any("type.googleapis.com/r", b"\x0a\x02b1\x12\x02t1"))),
        }
    }

    #[test]
    fn decodes_what_the_generated_operation_decodes() {
        let mut error = sample();
        error.result = Some(real_operation::Result::Error(RealStatus {
            code: 9,
            message: "nope".into(),
            details: vec![real_any("d", b"\x00\xff"), real_any("", b"")],
        }));
        for op in [sample(), error, RealOperation::default()] {
            let bytes = op.encode_to_vec();
            assert_eq!(Operation::decode(bytes.as_slice()).unwrap(), twin(&op));
            assert_eq!(Operation::decode(bytes.as_slice()).unwrap().encode_to_vec(), bytes, "and encodes back");
        }
    }

    #[test]
    fn truncated_and_corrupted_operations_fail_with_the_same_text() {
        let bytes = sample().encode_to_vec();
        for cut in 0..bytes.len() {
            agree(&bytes[..cut]);
        }
        for i in 0..bytes.len() {
            for flip in [0x01, 0x07, 0x80, 0xff] {
                let mut b = bytes.clone();
                b[i] ^= flip;
                agree(&b);
            }
        }
        // `value` repeated (the last wins), with a wrong wire type, and past the end.
        agree(b"\x4a\x06\x12\x01a\x12\x01b");
        agree(b"\x4a\x02\x10\x01");
        agree(b"\x4a\x02\x12\x05");
        // `type_url` not UTF-8.
        agree(b"\x4a\x03\x0a\x01\xff");
    }

    proptest! {
        #[test]
        fn random_bytes_decode_the_same(bytes in proptest::collection::vec(any::<u8>(), 0..96)) {
            agree(&bytes);
        }

        #[test]
        fn random_anys_inside_an_operation_decode_the_same(
            type_url in ".{0,8}",
            value in proptest::collection::vec(any::<u8>(), 0..24),
            tail in proptest::collection::vec(any::<u8>(), 0..8),
        ) {
            let mut op = sample();
            op.result = Some(real_operation::Result::Response(real_any(&type_url, &value)));
            let mut bytes = op.encode_to_vec();
            agree(&bytes);
            bytes.extend_from_slice(&tail);
            agree(&bytes);
        }
    }
}
