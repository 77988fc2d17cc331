//! A decode-only `yandex.cloud.operation.Operation` (the answer of `UploadBadge`), read by hand
//! with [`crate::pb`].
//!
//! Every field of [`crate::proto`]'s `Operation`, `google.rpc.Status`, `google.protobuf.Any` and
//! `google.protobuf.Timestamp` is read and checked as prost reads it (a description that is not
//! UTF-8 fails the same way), and errors name the same messages and fields, so their text is
//! prost's. Only what the package uses is kept: the id and the result (the error's code and
//! message, the response's type URL and value). The tests hold it to the generated types: the
//! same values, and the same error texts, for valid, truncated, corrupted and random input.

// Natively only the tests use this module; the browser build uses all of it.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use crate::pb::{DecodeError, FieldFn, Reader};

/// `yandex.cloud.operation.Operation`: what the package reads of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Operation {
    /// `id` (1).
    pub id: String,
    /// The `result` oneof: `error` (8) or `response` (9).
    pub result: Option<operation::Result>,
}

/// The `result` oneof of [`Operation`].
pub mod operation {
    /// `Operation.result`.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum Result {
        /// `error`.
        Error(super::Status),
        /// `response`.
        Response(super::Any),
    }
}

/// `google.rpc.Status`: `code` (1) and `message` (2); `details` (3) are checked, not kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    pub code: i32,
    pub message: String,
}

/// `google.protobuf.Any`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Any {
    pub type_url: String,
    pub value: Vec<u8>,
}

const OPERATION: [&str; 9] = ["id", "description", "created_at", "created_by", "modified_at", "done", "metadata", "result", "result"];

impl Operation {
    /// Decodes an `Operation` as prost decodes the generated one.
    pub fn decode(message: &[u8]) -> Result<Operation, DecodeError> {
        let mut op = Operation::default();
        Reader::new(message).decode("Operation", &OPERATION, &mut |r, tag, wire, depth| {
            match tag {
                1 => op.id = r.string(wire)?,
                2 | 4 => {
                    r.str(wire)?;
                }
                3 | 5 => merge_timestamp(r, wire, depth)?,
                6 => {
                    r.varint_value(wire)?;
                }
                7 => merge_any(r, wire, depth, &mut Any::default())?,
                // A oneof case merges into the same case, and replaces the other.
                8 => {
                    if !matches!(op.result, Some(operation::Result::Error(_))) {
                        op.result = Some(operation::Result::Error(Status::default()));
                    }
                    if let Some(operation::Result::Error(s)) = &mut op.result {
                        merge_status(r, wire, depth, s)?;
                    }
                }
                _ => {
                    if !matches!(op.result, Some(operation::Result::Response(_))) {
                        op.result = Some(operation::Result::Response(Any::default()));
                    }
                    if let Some(operation::Result::Response(a)) = &mut op.result {
                        merge_any(r, wire, depth, a)?;
                    }
                }
            }
            Ok(())
        })?;
        Ok(op)
    }
}

/// Checks an embedded `google.protobuf.Timestamp` (`seconds` and `nanos`, varints).
fn merge_timestamp(r: &mut Reader<'_>, wire: u8, depth: u32) -> Result<(), DecodeError> {
    r.message(wire, depth, "Timestamp", &["seconds", "nanos"], &mut |r, _, wire, _| r.varint_value(wire).map(drop))
}

/// Merges an embedded `google.protobuf.Any` into `a`.
fn merge_any(r: &mut Reader<'_>, wire: u8, depth: u32, a: &mut Any) -> Result<(), DecodeError> {
    let field: &mut FieldFn<'_, '_> = &mut |r, tag, wire, _| {
        if tag == 1 {
            a.type_url = r.string(wire)?;
        } else {
            a.value = r.bytes(wire)?.to_vec();
        }
        Ok(())
    };
    r.message(wire, depth, "Any", &["type_url", "value"], field)
}

/// Merges an embedded `google.rpc.Status` into `s`.
fn merge_status(r: &mut Reader<'_>, wire: u8, depth: u32, s: &mut Status) -> Result<(), DecodeError> {
    r.message(wire, depth, "Status", &["code", "message", "details"], &mut |r, tag, wire, depth| {
        match tag {
            1 => s.code = r.varint_value(wire)? as i32,
            2 => s.message = r.string(wire)?,
            _ => merge_any(r, wire, depth, &mut Any::default())?,
        }
        Ok(())
    })
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
        Status { code: s.code, message: s.message.clone() }
    }

    /// What [`Operation`] keeps of a generated `Operation`.
    fn twin(op: &RealOperation) -> Operation {
        Operation {
            id: op.id.clone(),
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

    #[test]
    fn unknown_fields_repeats_and_nesting_decode_the_same() {
        // Unknown fields of each wire type, inside the operation, its Any, its Status and a detail.
        let unknown: [&[u8]; 5] = [b"\x78\x05", b"\x79\x01\x02\x03\x04\x05\x06\x07\x08", b"\x7a\x01\xff", b"\x7d\x01\x02\x03\x04", b"\x7b\x08\x01\x7c"];
        for u in unknown {
            let any = [&[0x0a, 1, b't'][..], u, &[0x12, 1, 7]].concat();
            let mut op = vec![0x4a, any.len() as u8];
            op.extend_from_slice(&any);
            op.extend_from_slice(u);
            agree(&op);
            let detail = [&[0x1a, any.len() as u8][..], &any].concat();
            let status = [&[0x08, 3, 0x12, 1, b'm'][..], u, &detail].concat();
            let mut op = vec![0x42, status.len() as u8];
            op.extend_from_slice(&status);
            agree(&op);
            assert!(matches!(Operation::decode(&op).unwrap().result, Some(operation::Result::Error(Status { code: 3, .. }))));
        }
        // A oneof case twice merges; the other case replaces it; a timestamp and an Any merge.
        agree(b"\x4a\x03\x0a\x01a\x4a\x03\x12\x01b");
        agree(b"\x42\x02\x08\x05\x4a\x03\x12\x01b");
        agree(b"\x4a\x03\x12\x01b\x42\x02\x08\x05\x42\x03\x12\x01m");
        agree(b"\x1a\x02\x08\x05\x1a\x02\x10\x07\x3a\x03\x0a\x01u\x3a\x03\x12\x01v");
        agree(b"\x30\x02\x30\x00");
        // Nested groups inside Any: the limit counts the messages around them.
        for depth in [96usize, 97, 98, 99, 100] {
            let mut any = vec![0x1b; depth];
            any.extend(std::iter::repeat_n(0x1c, depth));
            let mut op = vec![0x4a];
            crate::pb::encode_varint(any.len() as u64, &mut op);
            op.extend_from_slice(&any);
            agree(&op);
            let mut detail = vec![0x1a];
            crate::pb::encode_varint(any.len() as u64, &mut detail);
            detail.extend_from_slice(&any);
            let mut op = vec![0x42];
            crate::pb::encode_varint(detail.len() as u64, &mut op);
            op.extend_from_slice(&detail);
            agree(&op);
        }
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
