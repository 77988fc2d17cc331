//! A small protobuf writer and reader: what the wasm module links instead of prost's codec.
//!
//! prost's generated `Message` impls, its `bytes`-based `Buf`/`BufMut` plumbing, its B-tree map
//! codec and its `DecodeError` formatting were about 17 KB of the module for a handful of
//! messages. The messages the package sends and reads are encoded and decoded by hand in
//! [`crate::grpc_web`] on top of these primitives; the generated types in [`crate::proto`] stay
//! for Rust users, the devserver and the tests, which hold the hand codec to prost's bytes and
//! errors.
//!
//! - Writing: [`encode_varint`], [`key`], [`varint_field`], [`bytes_field`], and [`begin`] /
//!   [`end`] around an embedded message. [`end`] writes the length in front of the body (moving
//!   the body when the length needs more than one byte), so nothing is measured twice and the
//!   output is prost's: fields in field-number order, proto3 defaults left out, minimal varints.
//! - Reading: [`Reader`] walks one buffer as prost does (the same checks in the same order,
//!   the same recursion limit, unknown fields of every wire type skipped), and fails with a
//!   [`DecodeError`] whose text is prost's.
//!
//! ```
//! use talk_uploader::pb::{begin, bytes_field, end, Reader};
//!
//! // `{ 1: { 1: "hi" } }`
//! let mut out = Vec::new();
//! let body = begin(&mut out, 1);
//! bytes_field(&mut out, 1, b"hi");
//! end(&mut out, body);
//! assert_eq!(out, [0x0a, 4, 0x0a, 2, b'h', b'i']);
//!
//! let mut text = String::new();
//! Reader::new(&out).decode("Outer", &["inner"], &mut |r, _tag, wire, depth| {
//!     r.message(wire, depth, "Inner", &["text"], &mut |r, _tag, wire, _| { text = r.string(wire)?; Ok(()) })
//! }).unwrap();
//! assert_eq!(text, "hi");
//! let e = Reader::new(&out[..3]).decode("Outer", &["inner"], &mut |r, _, wire, _| r.bytes(wire).map(drop)).unwrap_err();
//! assert_eq!(e.to_string(), "failed to decode Protobuf message: Outer.inner: buffer underflow");
//! ```

use std::fmt;

/// Wire type of `int32`, `int64`, `bool` and enum fields.
pub const VARINT: u8 = 0;
/// Wire type of `fixed64`, `sfixed64` and `double` fields.
pub const I64: u8 = 1;
/// Wire type of strings, bytes, embedded messages and packed fields.
pub const LEN: u8 = 2;
/// Wire type that opens a (proto2) group.
pub const START_GROUP: u8 = 3;
/// Wire type that closes a group.
pub const END_GROUP: u8 = 4;
/// Wire type of `fixed32`, `sfixed32` and `float` fields.
pub const I32: u8 = 5;

/// How deep messages (and groups) may nest before decoding stops: prost's limit.
pub const RECURSION_LIMIT: u32 = 100;

/// prost's names of the wire types (its `WireType` as `Debug` prints them), by number.
const WIRE_TYPE_NAMES: [&str; 6] = ["Varint", "SixtyFourBit", "LengthDelimited", "StartGroup", "EndGroup", "ThirtyTwoBit"];

/// Appends the base-128 varint encoding of `value`.
pub fn encode_varint(mut value: u64, out: &mut Vec<u8>) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Number of bytes the varint encoding of `value` takes (1 to 10).
pub fn varint_len(value: u64) -> usize {
    let mut len = 1;
    let mut rest = value >> 7;
    while rest != 0 {
        len += 1;
        rest >>= 7;
    }
    len
}

/// Appends the key of field `field` (1..=2^29 − 1, a constant of the caller) with wire type `wire`.
pub fn key(out: &mut Vec<u8>, field: u32, wire: u8) {
    encode_varint(u64::from(field) << 3 | u64::from(wire), out);
}

/// Appends a varint field, left out when 0 (proto3). `int32`/`int64` values are passed sign
/// extended (`i64::from(v) as u64`), as protobuf encodes them.
pub fn varint_field(out: &mut Vec<u8>, field: u32, value: u64) {
    if value != 0 {
        key(out, field, VARINT);
        encode_varint(value, out);
    }
}

/// Appends a `string` or `bytes` field, left out when empty (proto3).
pub fn bytes_field(out: &mut Vec<u8>, field: u32, value: &[u8]) {
    if !value.is_empty() {
        key(out, field, LEN);
        encode_varint(value.len() as u64, out);
        out.extend_from_slice(value);
    }
}

/// Opens embedded message field `field`: its key and a one-byte length placeholder. Returns
/// where the body starts, for [`end`]. A present message is written even when empty, as prost
/// writes `Some` of an empty message.
pub fn begin(out: &mut Vec<u8>, field: u32) -> usize {
    key(out, field, LEN);
    out.push(0);
    out.len()
}

/// Closes the message [`begin`] opened at `body`: writes the length of everything appended
/// since, moving the body up when the length takes more than one byte.
pub fn end(out: &mut Vec<u8>, body: usize) {
    let old = out.len();
    let len = old.saturating_sub(body) as u64;
    let extra = varint_len(len) - 1;
    if extra > 0 {
        out.resize(old + extra, 0);
        out.copy_within(body..old, body + extra);
    }
    let mut at = body.saturating_sub(1);
    let mut rest = len;
    loop {
        let byte = rest as u8 & 0x7f;
        rest >>= 7;
        if let Some(slot) = out.get_mut(at) {
            *slot = if rest == 0 { byte } else { byte | 0x80 };
        }
        at += 1;
        if rest == 0 {
            break;
        }
    }
}

/// Why bytes are not a valid protobuf message: prost's `DecodeError`, with the same text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    kind: Kind,
    /// (message, field) pairs, innermost first.
    stack: Vec<(&'static str, &'static str)>,
}

/// prost's `DecodeErrorKind`s that decoding a message can give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    InvalidVarint,
    RecursionLimitReached,
    InvalidWireType(u64),
    InvalidKey(u64),
    InvalidTag,
    UnexpectedWireType { actual: u8, expected: u8 },
    BufferUnderflow,
    DelimitedLengthExceeded,
    UnexpectedEndGroupTag,
    InvalidString,
}

impl From<Kind> for DecodeError {
    fn from(kind: Kind) -> DecodeError {
        DecodeError { kind, stack: Vec::new() }
    }
}

impl DecodeError {
    /// Adds the field the error happened in (called from the inside out).
    fn push(mut self, message: &'static str, field: &'static str) -> DecodeError {
        self.stack.push((message, field));
        self
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("failed to decode Protobuf message: ")?;
        for (message, field) in &self.stack {
            f.write_str(message)?;
            f.write_str(".")?;
            f.write_str(field)?;
            f.write_str(": ")?;
        }
        let name = |wire: u8| WIRE_TYPE_NAMES.get(usize::from(wire)).copied().unwrap_or("?");
        match self.kind {
            Kind::InvalidVarint => f.write_str("invalid varint"),
            Kind::RecursionLimitReached => f.write_str("recursion limit reached"),
            Kind::InvalidWireType(value) => write!(f, "invalid wire type value: {value}"),
            Kind::InvalidKey(key) => write!(f, "invalid key value: {key}"),
            Kind::InvalidTag => f.write_str("invalid tag value: 0"),
            Kind::UnexpectedWireType { actual, expected } => {
                write!(f, "invalid wire type: {} (expected {})", name(actual), name(expected))
            }
            Kind::BufferUnderflow => f.write_str("buffer underflow"),
            Kind::DelimitedLengthExceeded => f.write_str("delimited length exceeded"),
            Kind::UnexpectedEndGroupTag => f.write_str("unexpected end group tag"),
            Kind::InvalidString => f.write_str("invalid string value: data is not UTF-8 encoded"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// What a message's decoder does with one of its fields: `(reader, tag, wire type, depth)`.
/// It is only called for the message's own tags; `depth` is for nested [`Reader::message`]s.
pub type FieldFn<'f, 'a> = dyn FnMut(&mut Reader<'a>, u32, u8, u32) -> Result<(), DecodeError> + 'f;

/// A cursor over one protobuf buffer. Every read is checked: input never makes it panic.
///
/// Like prost, a nested message does not get a sub-slice: its fields are read from the whole
/// buffer, and its length is checked when it ends (`delimited length exceeded`).
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0 }
    }

    /// How many bytes have been read.
    pub fn position(&self) -> usize {
        self.pos
    }

    fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// Reads a varint: at most 10 bytes, and no more than 64 bits.
    pub fn varint(&mut self) -> Result<u64, DecodeError> {
        let mut value = 0u64;
        for i in 0..10 {
            let Some(&byte) = self.buf.get(self.pos) else { break };
            self.pos += 1;
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte < 0x80 {
                return if i == 9 && byte >= 2 { Err(Kind::InvalidVarint.into()) } else { Ok(value) };
            }
        }
        Err(Kind::InvalidVarint.into())
    }

    /// Reads a field key: `(tag, wire type)`.
    fn key(&mut self) -> Result<(u32, u8), DecodeError> {
        let key = self.varint()?;
        if key > u64::from(u32::MAX) {
            return Err(Kind::InvalidKey(key).into());
        }
        let wire = (key & 7) as u8;
        if wire > I32 {
            return Err(Kind::InvalidWireType(u64::from(wire)).into());
        }
        let tag = key as u32 >> 3;
        if tag == 0 {
            return Err(Kind::InvalidTag.into());
        }
        Ok((tag, wire))
    }

    /// Moves on by `len` bytes, which must be there.
    fn advance(&mut self, len: u64) -> Result<usize, DecodeError> {
        if len > self.remaining() as u64 {
            return Err(Kind::BufferUnderflow.into());
        }
        let start = self.pos;
        self.pos += len as usize;
        Ok(start)
    }

    /// Skips a field this package does not read, of any wire type (groups included).
    fn skip(&mut self, wire: u8, tag: u32, depth: u32) -> Result<(), DecodeError> {
        if depth == 0 {
            return Err(Kind::RecursionLimitReached.into());
        }
        let len = match wire {
            VARINT => self.varint().map(|_| 0)?,
            I64 => 8,
            LEN => self.varint()?,
            START_GROUP => loop {
                let (inner_tag, inner_wire) = self.key()?;
                if inner_wire == END_GROUP {
                    if inner_tag != tag {
                        return Err(Kind::UnexpectedEndGroupTag.into());
                    }
                    break 0;
                }
                self.skip(inner_wire, inner_tag, depth - 1)?;
            },
            I32 => 4,
            _ => return Err(Kind::UnexpectedEndGroupTag.into()),
        };
        self.advance(len).map(drop)
    }

    /// Fails unless the field has wire type `expected`.
    pub fn check(expected: u8, wire: u8) -> Result<(), DecodeError> {
        if wire == expected {
            Ok(())
        } else {
            Err(Kind::UnexpectedWireType { actual: wire, expected }.into())
        }
    }

    /// Reads an `int32`, `int64`, `bool` or enum field's varint (callers narrow it as prost does:
    /// `as i32`, `as i64`, `!= 0`).
    pub fn varint_value(&mut self, wire: u8) -> Result<u64, DecodeError> {
        Reader::check(VARINT, wire)?;
        self.varint()
    }

    /// Reads a `bytes` field.
    pub fn bytes(&mut self, wire: u8) -> Result<&'a [u8], DecodeError> {
        Reader::check(LEN, wire)?;
        let len = self.varint()?;
        let start = self.advance(len)?;
        Ok(self.buf.get(start..self.pos).unwrap_or_default())
    }

    /// Reads a `string` field (UTF-8 checked) without copying it.
    pub fn str(&mut self, wire: u8) -> Result<&'a str, DecodeError> {
        let bytes = self.bytes(wire)?;
        std::str::from_utf8(bytes).map_err(|_| Kind::InvalidString.into())
    }

    /// Reads a `string` field (UTF-8 checked).
    pub fn string(&mut self, wire: u8) -> Result<String, DecodeError> {
        self.str(wire).map(str::to_owned)
    }

    /// Reads fields until `limit` bytes remain: known tags (1..=`names.len()`) go to `field`,
    /// whose errors get `(message, names[tag - 1])` added; others are skipped.
    fn fields(&mut self, limit: usize, depth: u32, message: &'static str, names: &[&'static str], field: &mut FieldFn<'_, 'a>) -> Result<(), DecodeError> {
        while self.remaining() > limit {
            let (tag, wire) = self.key()?;
            match names.get((tag as usize).wrapping_sub(1)) {
                Some(name) => field(self, tag, wire, depth).map_err(|e| e.push(message, name))?,
                None => self.skip(wire, tag, depth)?,
            }
        }
        if self.remaining() == limit {
            Ok(())
        } else {
            Err(Kind::DelimitedLengthExceeded.into())
        }
    }

    /// Decodes the whole buffer as message `message`, whose fields are `names` by tag.
    pub fn decode(mut self, message: &'static str, names: &[&'static str], field: &mut FieldFn<'_, 'a>) -> Result<(), DecodeError> {
        self.fields(0, RECURSION_LIMIT, message, names, field)
    }

    /// Reads an embedded message field (at `depth`, as [`FieldFn`] got it) into `field`.
    pub fn message(&mut self, wire: u8, depth: u32, message: &'static str, names: &[&'static str], field: &mut FieldFn<'_, 'a>) -> Result<(), DecodeError> {
        Reader::check(LEN, wire)?;
        if depth == 0 {
            return Err(Kind::RecursionLimitReached.into());
        }
        let len = self.varint()?;
        let remaining = self.remaining();
        if len > remaining as u64 {
            return Err(Kind::BufferUnderflow.into());
        }
        self.fields(remaining - len as usize, depth - 1, message, names, field)
    }
}

#[cfg(test)]
mod tests;
