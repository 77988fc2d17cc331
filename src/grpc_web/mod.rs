//! grpc-web framing for uploads, as pure functions: bytes in, bytes out.
//!
//! - [`frame`]: the 5-byte frame prefix and the protobuf varint/key primitives.
//! - [`body`]: request-body plans, where the file is referenced by ranges and never copied.
//! - [`response`]: parsing a response body into messages and trailers.
//! - [`message`]: the SpeechSense requests and answers, encoded and decoded by hand ([`crate::pb`]).
//! - `operation`: a decode-only `Operation` (the `UploadBadge` answer).
//! - [`status`]: `grpc-status` / `grpc-message` from trailers or headers, and [`status::decode_unary`].
//!
//! ```
//! use talk_uploader::grpc_web::{parse_response, status::{resolve_status, GrpcCode}};
//!
//! // One empty message, then the trailer frame.
//! let mut body = vec![0, 0, 0, 0, 0];
//! body.extend_from_slice(&[0x80, 0, 0, 0, 15]);
//! body.extend_from_slice(b"grpc-status:0\r\n");
//! let response = parse_response(&body).unwrap();
//! assert_eq!(response.messages, vec![Vec::<u8>::new()]);
//! let status = resolve_status(&response.trailers, &[]).unwrap();
//! assert_eq!(status.code, GrpcCode::Ok);
//! ```
//!
//! ## Limitations
//!
//! - Only `application/grpc-web+proto` (binary) is spoken; `grpc-web-text` (base64) is not.
//! - Compressed frames are refused: the package never sends `grpc-accept-encoding`.
//! - tonic-web documents client streaming over grpc-web as unsupported; it works with the pinned
//!   versions (see the project's toolchain notes) and is covered by the devserver tests.

use crate::upload_code::UploadCode;

pub mod body;
pub mod frame;
pub mod message;
pub(crate) mod operation;
pub mod response;
pub mod status;

pub use body::{plan_stream_body, plan_total_len, plan_upload_body, Part, PlanError};
pub use frame::{FRAME_HEADER_SIZE, GRPC_WEB_TRAILERS_BIT};
pub use response::{parse_response, GrpcWebResponse};
pub use status::{decode_unary, CallError, GrpcCode, GrpcStatus};

/// `content-type` of a binary grpc-web request and response.
pub const CONTENT_TYPE_GRPC_WEB_PROTO: &str = "application/grpc-web+proto";

/// Why bytes could not be framed, or a response body could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// A message is longer than a frame's `u32` length field allows.
    #[error("a {len}-byte message does not fit in one grpc-web frame (at most 4294967295 bytes)")]
    FrameTooLarge {
        /// The message length.
        len: u64,
    },
    /// A protobuf field number is 0 or above 2^29 − 1 (a bug in this package).
    #[error("invalid protobuf field number {field}")]
    InvalidFieldNumber {
        /// The field number.
        field: u32,
    },
    /// A planned file range lies outside the file (a bug in the caller).
    #[error("file range {start}..{end} is outside the {file_len}-byte file")]
    FileRangeOutOfBounds {
        /// Start of the range.
        start: u64,
        /// End of the range.
        end: u64,
        /// Length of the file.
        file_len: u64,
    },
    /// The response body ends inside a frame.
    #[error("the grpc-web response is truncated: a frame at byte {offset} needs {needed} bytes but only {available} remain; the connection was probably cut, try again")]
    Truncated {
        /// Offset of the frame that is cut.
        offset: u64,
        /// Bytes the frame needs (prefix included).
        needed: u64,
        /// Bytes left in the body.
        available: u64,
    },
    /// A response frame is compressed, which this package never asks for.
    #[error("the server sent a compressed grpc-web frame at byte {offset}, but no compression was negotiated")]
    Compressed {
        /// Offset of the frame.
        offset: u64,
    },
    /// A response frame has flag bits this package does not know.
    #[error("unknown grpc-web frame flag 0x{flag:02x} at byte {offset}; is the endpoint a grpc-web server?")]
    UnknownFlag {
        /// The flag byte.
        flag: u8,
        /// Offset of the frame.
        offset: u64,
    },
    /// Bytes follow the trailer frame, which must be last.
    #[error("the grpc-web response has data after its trailer frame (byte {offset})")]
    DataAfterTrailers {
        /// Offset of the first byte after the trailer frame.
        offset: u64,
    },
    /// A trailer line is not `name:value`.
    #[error("line {line} of the grpc-web trailer frame is not `name:value`")]
    InvalidTrailer {
        /// 1-based line number within the trailer frame.
        line: u64,
    },
}

impl FrameError {
    /// A stable snake_case code for this error.
    pub fn code(&self) -> UploadCode {
        match self {
            FrameError::FrameTooLarge { .. } => UploadCode::FrameTooLarge,
            FrameError::InvalidFieldNumber { .. } => UploadCode::InvalidFieldNumber,
            FrameError::FileRangeOutOfBounds { .. } => UploadCode::FileRangeOutOfBounds,
            FrameError::Truncated { .. } => UploadCode::TruncatedResponse,
            FrameError::Compressed { .. } => UploadCode::CompressedFrame,
            FrameError::UnknownFlag { .. } => UploadCode::UnknownFrameFlag,
            FrameError::DataAfterTrailers { .. } => UploadCode::DataAfterTrailers,
            FrameError::InvalidTrailer { .. } => UploadCode::InvalidTrailer,
        }
    }
}
