//! gRPC status: the 17 canonical codes, `grpc-status`/`grpc-message` extraction, unary decoding.
//!
//! A grpc-web server puts the status in the trailer frame, or, for a *trailers-only* response
//! (typically an error before any message), in the HTTP response headers. [`resolve_status`]
//! looks in the trailers first, then in the headers. `grpc-message` is percent-encoded on the
//! wire and decoded here.
//!
//! ```
//! use talk_uploader::grpc_web::status::{resolve_status, GrpcCode};
//!
//! let headers = vec![
//!     ("Grpc-Status".to_string(), "3".to_string()),
//!     ("grpc-message".to_string(), "bad%20order%3A%20metadata%20first".to_string()),
//! ];
//! let status = resolve_status(&[], &headers).unwrap();
//! assert_eq!(status.code, GrpcCode::InvalidArgument);
//! assert_eq!(status.code.name(), "INVALID_ARGUMENT");
//! assert_eq!(status.message, "bad order: metadata first");
//! ```

use super::response::{find_metadata, parse_response};
use super::FrameError;
use crate::upload_code::UploadCode;

/// The canonical gRPC status codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum GrpcCode {
    /// 0: not an error.
    Ok = 0,
    /// 1: the operation was cancelled, typically by the caller.
    Cancelled = 1,
    /// 2: unknown error (also any code this enum does not know).
    Unknown = 2,
    /// 3: the client sent an invalid argument.
    InvalidArgument = 3,
    /// 4: the deadline expired before the operation completed.
    DeadlineExceeded = 4,
    /// 5: a requested entity was not found.
    NotFound = 5,
    /// 6: the entity the client tried to create already exists.
    AlreadyExists = 6,
    /// 7: the caller lacks permission.
    PermissionDenied = 7,
    /// 8: a resource (quota, rate, message size) is exhausted.
    ResourceExhausted = 8,
    /// 9: the system is not in a state required for the operation.
    FailedPrecondition = 9,
    /// 10: the operation was aborted (concurrency conflict).
    Aborted = 10,
    /// 11: the operation was attempted past the valid range.
    OutOfRange = 11,
    /// 12: the operation is not implemented or supported.
    Unimplemented = 12,
    /// 13: internal error.
    Internal = 13,
    /// 14: the service is currently unavailable; retrying may help.
    Unavailable = 14,
    /// 15: unrecoverable data loss or corruption.
    DataLoss = 15,
    /// 16: the request lacks valid authentication credentials.
    Unauthenticated = 16,
}

impl GrpcCode {
    /// All 17 codes, in numeric order.
    pub const ALL: [GrpcCode; 17] = [
        GrpcCode::Ok,
        GrpcCode::Cancelled,
        GrpcCode::Unknown,
        GrpcCode::InvalidArgument,
        GrpcCode::DeadlineExceeded,
        GrpcCode::NotFound,
        GrpcCode::AlreadyExists,
        GrpcCode::PermissionDenied,
        GrpcCode::ResourceExhausted,
        GrpcCode::FailedPrecondition,
        GrpcCode::Aborted,
        GrpcCode::OutOfRange,
        GrpcCode::Unimplemented,
        GrpcCode::Internal,
        GrpcCode::Unavailable,
        GrpcCode::DataLoss,
        GrpcCode::Unauthenticated,
    ];

    /// The code for a number; numbers outside 0..=16 become [`GrpcCode::Unknown`], as the
    /// gRPC specification asks.
    pub fn from_u32(value: u32) -> GrpcCode {
        usize::try_from(value)
            .ok()
            .and_then(|i| Self::ALL.get(i).copied())
            .unwrap_or(GrpcCode::Unknown)
    }

    /// The numeric value of the code.
    pub fn as_u32(self) -> u32 {
        self as u32
    }

    /// The `UploadError` code of a call that ended with this status: the status's name in
    /// snake case. `OK` never ends a call in an error; should it, it is `unknown`.
    pub fn upload_code(self) -> UploadCode {
        match self {
            GrpcCode::Ok | GrpcCode::Unknown => UploadCode::Unknown,
            GrpcCode::Cancelled => UploadCode::Cancelled,
            GrpcCode::InvalidArgument => UploadCode::InvalidArgument,
            GrpcCode::DeadlineExceeded => UploadCode::DeadlineExceeded,
            GrpcCode::NotFound => UploadCode::NotFound,
            GrpcCode::AlreadyExists => UploadCode::AlreadyExists,
            GrpcCode::PermissionDenied => UploadCode::PermissionDenied,
            GrpcCode::ResourceExhausted => UploadCode::ResourceExhausted,
            GrpcCode::FailedPrecondition => UploadCode::FailedPrecondition,
            GrpcCode::Aborted => UploadCode::Aborted,
            GrpcCode::OutOfRange => UploadCode::OutOfRange,
            GrpcCode::Unimplemented => UploadCode::Unimplemented,
            GrpcCode::Internal => UploadCode::Internal,
            GrpcCode::Unavailable => UploadCode::Unavailable,
            GrpcCode::DataLoss => UploadCode::DataLoss,
            GrpcCode::Unauthenticated => UploadCode::Unauthenticated,
        }
    }

    /// The canonical upper-snake-case name, e.g. `"UNAVAILABLE"`.
    pub fn name(self) -> &'static str {
        match self {
            GrpcCode::Ok => "OK",
            GrpcCode::Cancelled => "CANCELLED",
            GrpcCode::Unknown => "UNKNOWN",
            GrpcCode::InvalidArgument => "INVALID_ARGUMENT",
            GrpcCode::DeadlineExceeded => "DEADLINE_EXCEEDED",
            GrpcCode::NotFound => "NOT_FOUND",
            GrpcCode::AlreadyExists => "ALREADY_EXISTS",
            GrpcCode::PermissionDenied => "PERMISSION_DENIED",
            GrpcCode::ResourceExhausted => "RESOURCE_EXHAUSTED",
            GrpcCode::FailedPrecondition => "FAILED_PRECONDITION",
            GrpcCode::Aborted => "ABORTED",
            GrpcCode::OutOfRange => "OUT_OF_RANGE",
            GrpcCode::Unimplemented => "UNIMPLEMENTED",
            GrpcCode::Internal => "INTERNAL",
            GrpcCode::Unavailable => "UNAVAILABLE",
            GrpcCode::DataLoss => "DATA_LOSS",
            GrpcCode::Unauthenticated => "UNAUTHENTICATED",
        }
    }

    /// The gRPC code a grpc-web client infers from an HTTP status when no `grpc-status` came
    /// (gRPC's "HTTP to gRPC status code mapping").
    pub fn from_http_status(status: u16) -> GrpcCode {
        match status {
            200 => GrpcCode::Unknown, // 200 without grpc-status is a broken response
            400 => GrpcCode::Internal,
            401 => GrpcCode::Unauthenticated,
            403 => GrpcCode::PermissionDenied,
            404 => GrpcCode::Unimplemented,
            429 | 502 | 503 | 504 => GrpcCode::Unavailable,
            _ => GrpcCode::Unknown,
        }
    }
}

impl std::fmt::Display for GrpcCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A gRPC status: the code and the decoded `grpc-message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrpcStatus {
    /// The status code.
    pub code: GrpcCode,
    /// The raw `grpc-status` number as sent (may be outside 0..=16; `None` if not a number).
    pub raw_code: Option<u32>,
    /// The percent-decoded `grpc-message`, empty when absent.
    pub message: String,
}

impl GrpcStatus {
    /// Whether the code is `OK`.
    pub fn is_ok(&self) -> bool {
        self.code == GrpcCode::Ok
    }
}

impl std::fmt::Display for GrpcStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.code)
        } else {
            write!(f, "{}: {}", self.code, self.message)
        }
    }
}

/// Reads `grpc-status` and `grpc-message` from header or trailer pairs (names case-insensitive).
///
/// Returns `None` when there is no `grpc-status`. A value that is not a number gives
/// [`GrpcCode::Unknown`] with `raw_code: None`.
pub fn status_from_metadata(pairs: &[(String, String)]) -> Option<GrpcStatus> {
    let raw = find_metadata(pairs, "grpc-status")?.trim();
    let raw_code = crate::formats::text::radix(raw, 10);
    let code = raw_code.map_or(GrpcCode::Unknown, GrpcCode::from_u32);
    let message = find_metadata(pairs, "grpc-message")
        .map(|m| shown_message(&percent_decode_grpc_message(m)))
        .unwrap_or_default();
    Some(GrpcStatus { code, raw_code, message })
}

/// The longest `grpc-message` (in bytes) that is kept; the rest is cut at a character boundary
/// and replaced by `…`. It ends up in an `UploadError` message, which must stay bounded whatever
/// a server (or a proxy in front of it) sends.
pub const MAX_GRPC_MESSAGE: usize = 1024;

/// A server's message as it may be shown: control characters (a `\r\n` could fake a log line)
/// become spaces, and at most [`MAX_GRPC_MESSAGE`] bytes are kept.
fn shown_message(decoded: &str) -> String {
    let mut out = String::with_capacity(decoded.len().min(MAX_GRPC_MESSAGE + 3));
    for c in decoded.chars() {
        if out.len() + c.len_utf8() > MAX_GRPC_MESSAGE {
            out.push('…');
            break;
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    out
}

/// The status of a response: from the trailers when they carry one, else from the HTTP
/// headers (a trailers-only response), else `None`.
pub fn resolve_status(
    trailers: &[(String, String)],
    headers: &[(String, String)],
) -> Option<GrpcStatus> {
    status_from_metadata(trailers).or_else(|| status_from_metadata(headers))
}

/// Decodes a percent-encoded `grpc-message` (`%XX` → byte, then UTF-8, lossy).
///
/// A `%` not followed by two hex digits is kept as is, as the gRPC specification asks.
pub fn percent_decode_grpc_message(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0usize;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = bytes.get(i + 1).and_then(|c| (*c as char).to_digit(16));
            let lo = bytes.get(i + 2).and_then(|c| (*c as char).to_digit(16));
            if let (Some(hi), Some(lo)) = (hi, lo) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes a `grpc-message` value: bytes outside `0x20..=0x7e`, and `%`, become `%XX`.
pub fn percent_encode_grpc_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for &b in message.as_bytes() {
        if (0x20..=0x7e).contains(&b) && b != b'%' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Why a unary grpc-web call did not produce its response message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The response body is not valid grpc-web.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// The server answered with a non-OK status.
    #[error("the server answered {0}")]
    Status(GrpcStatus),
    /// Neither the trailers nor the headers carry `grpc-status`.
    #[error("the response carries no grpc-status (HTTP {http_status}); is the endpoint a grpc-web server, and does its CORS setup expose grpc-status?")]
    MissingStatus {
        /// The HTTP status of the response.
        http_status: u16,
    },
    /// The status is OK but no message came.
    #[error("the server answered OK without a response message")]
    NoMessage,
    /// A unary call got more than one message.
    #[error("the server sent {count} response messages to a unary call")]
    ExtraMessages {
        /// Number of messages received.
        count: usize,
    },
    /// The message is not a valid protobuf of the expected type.
    #[error("the response message could not be decoded: {0}")]
    Decode(String),
}

impl CallError {
    /// A stable snake_case code for this error.
    pub fn code(&self) -> UploadCode {
        match self {
            CallError::Frame(e) => e.code(),
            CallError::Status(s) => s.code.upload_code(),
            CallError::MissingStatus { .. } => UploadCode::MissingGrpcStatus,
            CallError::NoMessage => UploadCode::MissingResponseMessage,
            CallError::ExtraMessages { .. } => UploadCode::ExtraResponseMessages,
            CallError::Decode(_) => UploadCode::InvalidResponseMessage,
        }
    }

    /// The gRPC status this error stands for, if any (a missing status maps from HTTP).
    pub fn grpc_code(&self) -> Option<GrpcCode> {
        match self {
            CallError::Status(s) => Some(s.code),
            CallError::MissingStatus { http_status } => Some(GrpcCode::from_http_status(*http_status)),
            _ => None,
        }
    }
}

/// Parses a unary grpc-web response and decodes its one message as `M`.
///
/// `headers` are the HTTP response headers (for a trailers-only status) and `http_status` the
/// HTTP status code, used only when no `grpc-status` came at all.
pub fn decode_unary<M: prost::Message + Default>(
    body: &[u8],
    headers: &[(String, String)],
    http_status: u16,
) -> Result<M, CallError> {
    let message = unary_message(body, headers, http_status)?;
    decode_message(&message)
}

/// [`decode_unary`] without the decoding: the bytes of the one message of an OK answer.
pub fn unary_message(body: &[u8], headers: &[(String, String)], http_status: u16) -> Result<Vec<u8>, CallError> {
    // An HTML error page from a proxy is not grpc-web: report the missing status, not garbage.
    let response = match parse_response(body) {
        Ok(r) => r,
        Err(e) => {
            return match status_from_metadata(headers) {
                Some(s) if !s.is_ok() => Err(CallError::Status(s)),
                _ if http_status != 200 => Err(CallError::MissingStatus { http_status }),
                _ => Err(CallError::Frame(e)),
            }
        }
    };
    let status = resolve_status(&response.trailers, headers)
        .ok_or(CallError::MissingStatus { http_status })?;
    if !status.is_ok() {
        return Err(CallError::Status(status));
    }
    let mut messages = response.messages;
    match messages.len() {
        0 => Err(CallError::NoMessage),
        1 => Ok(messages.swap_remove(0)),
        count => Err(CallError::ExtraMessages { count }),
    }
}

/// Decodes a message of [`unary_message`] as `M`.
pub fn decode_message<M: prost::Message + Default>(message: &[u8]) -> Result<M, CallError> {
    M::decode(message).map_err(|e| CallError::Decode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::super::frame::encode_data_frame;
    use super::super::response::encode_trailer_frame;
    use super::*;
    use crate::proto::speechsense::UploadTalkResponse;
    use prost::Message;
    use proptest::prelude::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn all_codes_round_trip_with_names() {
        let names = [
            "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
            "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
            "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
            "UNAUTHENTICATED",
        ];
        for (i, code) in GrpcCode::ALL.iter().enumerate() {
            assert_eq!(code.as_u32(), i as u32);
            assert_eq!(GrpcCode::from_u32(i as u32), *code);
            assert_eq!(code.name(), names[i]);
        }
        assert_eq!(GrpcCode::from_u32(17), GrpcCode::Unknown);
        assert_eq!(GrpcCode::from_u32(u32::MAX), GrpcCode::Unknown);
    }

    #[test]
    fn upload_codes_are_the_status_names_in_snake_case() {
        for code in &GrpcCode::ALL[1..] {
            assert_eq!(code.upload_code().as_str(), code.name().to_ascii_lowercase());
        }
    }

    #[test]
    fn status_from_trailers_or_headers() {
        let t = pairs(&[("grpc-status", "14"), ("grpc-message", "try%20later")]);
        let h = pairs(&[("grpc-status", "3")]);
        assert_eq!(resolve_status(&t, &h).unwrap().code, GrpcCode::Unavailable);
        assert_eq!(resolve_status(&[], &h).unwrap().code, GrpcCode::InvalidArgument);
        assert_eq!(resolve_status(&[], &[]), None);
        let s = status_from_metadata(&pairs(&[("GRPC-STATUS", " 16 ")])).unwrap();
        assert_eq!((s.code, s.raw_code, s.message.as_str()), (GrpcCode::Unauthenticated, Some(16), ""));
        let s = status_from_metadata(&pairs(&[("grpc-status", "abc")])).unwrap();
        assert_eq!((s.code, s.raw_code), (GrpcCode::Unknown, None));
        let s = status_from_metadata(&pairs(&[("grpc-status", "99")])).unwrap();
        assert_eq!((s.code, s.raw_code), (GrpcCode::Unknown, Some(99)));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode_grpc_message("a%20b"), "a b");
        assert_eq!(percent_decode_grpc_message("%D0%BF%D1%80%D0%B8"), "при");
        assert_eq!(percent_decode_grpc_message("100%"), "100%");
        assert_eq!(percent_decode_grpc_message("%zz%4"), "%zz%4");
        assert_eq!(percent_decode_grpc_message("%25"), "%");
        assert_eq!(percent_decode_grpc_message("%FF"), "\u{FFFD}");
        assert_eq!(percent_encode_grpc_message("a b%\n"), "a b%25%0A");
    }

    #[test]
    fn a_server_message_is_bounded_and_has_no_control_characters() {
        let long = format!("{}{}", "é".repeat(600), "tail");
        let pairs = vec![("grpc-status".to_owned(), "3".to_owned()), ("grpc-message".to_owned(), percent_encode_grpc_message(&long))];
        let s = status_from_metadata(&pairs).unwrap();
        assert!(s.message.len() <= MAX_GRPC_MESSAGE + '…'.len_utf8(), "{}", s.message.len());
        assert!(s.message.ends_with('…') && s.message.starts_with("éé"));
        let pairs = vec![("grpc-status".to_owned(), "3".to_owned()), ("grpc-message".to_owned(), "bad%0D%0Afake line%00".to_owned())];
        assert_eq!(status_from_metadata(&pairs).unwrap().message, "bad  fake line ");
    }

    #[test]
    fn decode_unary_ok_and_errors() {
        let msg = UploadTalkResponse { talk_id: "t-1".into() }.encode_to_vec();
        let mut body = encode_data_frame(&msg).unwrap();
        body.extend(encode_trailer_frame(&[("grpc-status", "0")]).unwrap());
        let r: UploadTalkResponse = decode_unary(&body, &[], 200).unwrap();
        assert_eq!(r.talk_id, "t-1");

        // Trailers-only error in the headers.
        let h = pairs(&[("grpc-status", "7"), ("grpc-message", "no%20access")]);
        let e = decode_unary::<UploadTalkResponse>(&[], &h, 200).unwrap_err();
        assert_eq!(e.grpc_code(), Some(GrpcCode::PermissionDenied));
        assert_eq!(e.to_string(), "the server answered PERMISSION_DENIED: no access");

        // No status anywhere.
        let e = decode_unary::<UploadTalkResponse>(&[], &[], 503).unwrap_err();
        assert_eq!(e, CallError::MissingStatus { http_status: 503 });
        assert_eq!(e.grpc_code(), Some(GrpcCode::Unavailable));

        // An HTML page from a proxy.
        let e = decode_unary::<UploadTalkResponse>(b"<html>", &[], 502).unwrap_err();
        assert_eq!(e.code(), "missing_grpc_status");

        // OK without message, two messages, garbage message.
        let ok = encode_trailer_frame(&[("grpc-status", "0")]).unwrap();
        assert_eq!(decode_unary::<UploadTalkResponse>(&ok, &[], 200), Err(CallError::NoMessage));
        let mut two = encode_data_frame(&msg).unwrap();
        two.extend(encode_data_frame(&msg).unwrap());
        two.extend(&ok);
        assert_eq!(
            decode_unary::<UploadTalkResponse>(&two, &[], 200),
            Err(CallError::ExtraMessages { count: 2 })
        );
        let mut bad = encode_data_frame(&[0x0a, 0x09]).unwrap();
        bad.extend(&ok);
        assert_eq!(decode_unary::<UploadTalkResponse>(&bad, &[], 200).unwrap_err().code(), "invalid_response_message");
        // Truncated body with HTTP 200 and no status header.
        assert_eq!(
            decode_unary::<UploadTalkResponse>(&[0, 0, 0], &[], 200).unwrap_err().code(),
            "truncated_response"
        );
    }

    proptest! {
        #[test]
        fn percent_round_trip(s in ".{0,64}") {
            prop_assert_eq!(percent_decode_grpc_message(&percent_encode_grpc_message(&s)), s);
        }

        #[test]
        fn decode_unary_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
            let _ = decode_unary::<UploadTalkResponse>(&bytes, &[], 200);
        }
    }
}
