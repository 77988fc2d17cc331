//! grpc-web frame prefixes and the few protobuf wire primitives the body planner needs.
//!
//! A grpc-web body is a sequence of frames: one flag byte, a big-endian `u32` length, then that
//! many bytes. The flag is [`GRPC_WEB_DATA_FLAG`] for a protobuf message and has
//! [`GRPC_WEB_TRAILERS_BIT`] set for the trailer frame that ends a response. Inside a message, a
//! length-delimited field is a key (`field << 3 | 2`) and a varint length, then the bytes.
//!
//! ```
//! use talk_uploader::grpc_web::frame::{data_frame_prefix, encode_varint, varint_len};
//!
//! assert_eq!(data_frame_prefix(300).unwrap(), [0x00, 0x00, 0x00, 0x01, 0x2c]);
//! let mut out = Vec::new();
//! encode_varint(300, &mut out);
//! assert_eq!(out, [0xac, 0x02]);
//! assert_eq!(varint_len(300), 2);
//! ```

use super::FrameError;

/// Size of a grpc-web frame prefix: one flag byte and a big-endian `u32` length.
pub const FRAME_HEADER_SIZE: usize = 5;

/// Flag byte of an uncompressed data frame (one protobuf message).
pub const GRPC_WEB_DATA_FLAG: u8 = 0x00;

/// Flag bit that marks a frame as compressed with the negotiated `grpc-encoding`.
///
/// This package never negotiates compression, so a response frame with this bit is an error.
pub const GRPC_WEB_COMPRESSED_BIT: u8 = 0x01;

/// Flag bit that marks the trailer frame (`name:value\r\n` lines) ending a grpc-web response.
pub const GRPC_WEB_TRAILERS_BIT: u8 = 0x80;

/// Largest message length a frame prefix can express (the length field is a `u32`).
pub const MAX_FRAME_PAYLOAD: u64 = u32::MAX as u64;

/// Protobuf wire type of length-delimited fields (bytes, strings, embedded messages).
pub const WIRE_TYPE_LEN: u8 = 2;

/// The largest field number protobuf allows (2^29 − 1).
pub const MAX_FIELD_NUMBER: u32 = (1 << 29) - 1;

/// Encodes the 5-byte frame prefix for a payload of `len` bytes with the given flag byte.
///
/// Fails with [`FrameError::FrameTooLarge`] when `len` does not fit the `u32` length field.
pub fn frame_prefix(flag: u8, len: u64) -> Result<[u8; FRAME_HEADER_SIZE], FrameError> {
    let len = u32::try_from(len).map_err(|_| FrameError::FrameTooLarge { len })?;
    let [a, b, c, d] = len.to_be_bytes();
    Ok([flag, a, b, c, d])
}

/// Encodes the prefix of an uncompressed data frame carrying a `len`-byte message.
pub fn data_frame_prefix(len: u64) -> Result<[u8; FRAME_HEADER_SIZE], FrameError> {
    frame_prefix(GRPC_WEB_DATA_FLAG, len)
}

/// Wraps a whole encoded message in a data frame (prefix followed by the message).
pub fn encode_data_frame(message: &[u8]) -> Result<Vec<u8>, FrameError> {
    let prefix = data_frame_prefix(message.len() as u64)?;
    let mut out = Vec::with_capacity(FRAME_HEADER_SIZE.saturating_add(message.len()));
    out.extend_from_slice(&prefix);
    out.extend_from_slice(message);
    Ok(out)
}

/// Starts a data frame in `out`: a 5-byte prefix to be filled by [`end_data_frame`] once the
/// message after it is written, so the message is not copied into a frame afterwards.
pub fn begin_data_frame(out: &mut Vec<u8>) -> usize {
    out.extend_from_slice(&[GRPC_WEB_DATA_FLAG, 0, 0, 0, 0]);
    out.len()
}

/// Writes the length of everything appended since [`begin_data_frame`] returned `message`.
pub fn end_data_frame(out: &mut [u8], message: usize) -> Result<(), FrameError> {
    let prefix = data_frame_prefix(out.len().saturating_sub(message) as u64)?;
    if let Some(slot) = out.get_mut(message.saturating_sub(FRAME_HEADER_SIZE)..message) {
        slot.copy_from_slice(&prefix);
    }
    Ok(())
}

/// Appends the base-128 varint encoding of a `u64` to a buffer.
pub use crate::pb::encode_varint;

/// Number of bytes the base-128 varint encoding of `value` takes (1 to 10).
pub fn varint_len(value: u64) -> u64 {
    crate::pb::varint_len(value) as u64
}

/// Decodes a varint at the start of `buf`: the value and the number of bytes read.
///
/// Returns `None` when `buf` ends inside the varint or the varint is longer than 10 bytes or
/// overflows 64 bits (as prost decides).
pub fn decode_varint(buf: &[u8]) -> Option<(u64, usize)> {
    let mut reader = crate::pb::Reader::new(buf);
    let value = reader.varint().ok()?;
    Some((value, reader.position()))
}

/// Appends the key of a length-delimited field, followed by the varint `len`.
///
/// This is everything that precedes the bytes of a `bytes`, `string` or message field.
/// Field numbers above [`MAX_FIELD_NUMBER`] or zero are rejected.
pub fn encode_len_field_prefix(field: u32, len: u64, out: &mut Vec<u8>) -> Result<(), FrameError> {
    if field == 0 || field > MAX_FIELD_NUMBER {
        return Err(FrameError::InvalidFieldNumber { field });
    }
    encode_varint((u64::from(field) << 3) | u64::from(WIRE_TYPE_LEN), out);
    encode_varint(len, out);
    Ok(())
}

/// Size of the key and length of a length-delimited field holding `len` bytes.
///
/// `field` must be valid (1..=[`MAX_FIELD_NUMBER`]); the size of an invalid key is still
/// computed, but [`encode_len_field_prefix`] would reject it.
pub fn len_field_prefix_len(field: u32, len: u64) -> u64 {
    varint_len((u64::from(field) << 3) | u64::from(WIRE_TYPE_LEN)) + varint_len(len)
}

/// Size of a whole length-delimited field (key, length and `len` payload bytes), checked.
pub fn len_field_total(field: u32, len: u64) -> Result<u64, FrameError> {
    len_field_prefix_len(field, len)
        .checked_add(len)
        .ok_or(FrameError::FrameTooLarge { len })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn frame_prefix_byte_literals() {
        assert_eq!(data_frame_prefix(0).unwrap(), [0, 0, 0, 0, 0]);
        assert_eq!(data_frame_prefix(1).unwrap(), [0, 0, 0, 0, 1]);
        assert_eq!(data_frame_prefix(0x0102_0304).unwrap(), [0, 1, 2, 3, 4]);
        assert_eq!(
            frame_prefix(GRPC_WEB_TRAILERS_BIT, 15).unwrap(),
            [0x80, 0, 0, 0, 15]
        );
        assert_eq!(data_frame_prefix(MAX_FRAME_PAYLOAD).unwrap(), [0, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(
            data_frame_prefix(MAX_FRAME_PAYLOAD + 1),
            Err(FrameError::FrameTooLarge { len: MAX_FRAME_PAYLOAD + 1 })
        );
    }

    #[test]
    fn encode_data_frame_wraps_message() {
        assert_eq!(encode_data_frame(b"ab").unwrap(), [0, 0, 0, 0, 2, b'a', b'b']);
    }

    #[test]
    fn varint_byte_literals() {
        let cases: &[(u64, &[u8])] = &[
            (0, &[0x00]),
            (1, &[0x01]),
            (127, &[0x7f]),
            (128, &[0x80, 0x01]),
            (300, &[0xac, 0x02]),
            (16_383, &[0xff, 0x7f]),
            (16_384, &[0x80, 0x80, 0x01]),
            (1 << 20, &[0x80, 0x80, 0x40]),
            (u64::MAX, &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
        ];
        for (value, bytes) in cases {
            let mut out = Vec::new();
            encode_varint(*value, &mut out);
            assert_eq!(&out, bytes, "value {value}");
            assert_eq!(varint_len(*value), bytes.len() as u64, "len of {value}");
            assert_eq!(decode_varint(bytes), Some((*value, bytes.len())));
        }
    }

    #[test]
    fn decode_varint_rejects_bad_input() {
        assert_eq!(decode_varint(&[]), None);
        assert_eq!(decode_varint(&[0x80]), None);
        assert_eq!(decode_varint(&[0xff; 11]), None);
        // Tenth byte above 1 overflows 64 bits.
        let mut over = vec![0xff; 9];
        over.push(0x02);
        assert_eq!(decode_varint(&over), None);
    }

    #[test]
    fn len_field_prefix_literals() {
        let mut out = Vec::new();
        encode_len_field_prefix(1, 3, &mut out).unwrap();
        assert_eq!(out, [0x0a, 0x03]);
        out.clear();
        encode_len_field_prefix(2, 200, &mut out).unwrap();
        assert_eq!(out, [0x12, 0xc8, 0x01]);
        assert_eq!(len_field_prefix_len(2, 200), 3);
        assert_eq!(len_field_total(2, 200).unwrap(), 203);
        assert!(encode_len_field_prefix(0, 1, &mut out).is_err());
        assert!(encode_len_field_prefix(MAX_FIELD_NUMBER + 1, 1, &mut out).is_err());
        assert!(len_field_total(1, u64::MAX).is_err());
    }

    proptest! {
        #[test]
        fn varints_round_trip(value in any::<u64>()) {
            let mut out = Vec::new();
            encode_varint(value, &mut out);
            prop_assert_eq!(varint_len(value), out.len() as u64);
            prop_assert_eq!(decode_varint(&out), Some((value, out.len())));
        }

        #[test]
        fn decode_varint_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..16)) {
            let _ = decode_varint(&bytes);
        }
    }
}
