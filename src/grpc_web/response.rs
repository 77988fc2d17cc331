//! Parsing a grpc-web response body: data frames, then at most one trailer frame.
//!
//! A response is zero or more data frames (flag `0x00`, one protobuf message each), followed by
//! a trailer frame (flag [`GRPC_WEB_TRAILERS_BIT`]) whose payload is HTTP/1-style
//! `name:value\r\n` lines, with `grpc-status` and `grpc-message`. A *trailers-only* response
//! has an empty body and carries its status in the HTTP headers instead; see
//! [`super::status::resolve_status`].
//!
//! ```
//! use talk_uploader::grpc_web::response::parse_response;
//!
//! let body = b"\x00\x00\x00\x00\x02hi\x80\x00\x00\x00\x1bgrpc-status: 0\r\nX-Extra:a\r\n";
//! let response = parse_response(body).unwrap();
//! assert_eq!(response.messages, vec![b"hi".to_vec()]);
//! assert_eq!(response.trailer("grpc-status"), Some("0"));
//! assert_eq!(response.trailer("x-extra"), Some("a"));
//! ```
//!
//! Garbage, truncated or compressed input is an error, never a panic.

use super::frame::{FRAME_HEADER_SIZE, GRPC_WEB_COMPRESSED_BIT, GRPC_WEB_TRAILERS_BIT};
use super::FrameError;

/// A parsed grpc-web response body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GrpcWebResponse {
    /// The payload of each data frame, in order (each one encoded protobuf message).
    pub messages: Vec<Vec<u8>>,
    /// The trailer frame's entries in order, names lowercased, values trimmed.
    pub trailers: Vec<(String, String)>,
    /// Whether the body ended with a trailer frame (false for a trailers-only response).
    pub has_trailer_frame: bool,
}

impl GrpcWebResponse {
    /// The first trailer value named `name` (compared case-insensitively).
    pub fn trailer(&self, name: &str) -> Option<&str> {
        find_metadata(&self.trailers, name)
    }
}

/// The first value named `name` in a list of header or trailer pairs, case-insensitively.
pub fn find_metadata<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Splits a response body into its messages and trailers.
///
/// Fails on a truncated frame, a compressed frame, an unknown flag, bytes after the trailer
/// frame or a malformed trailer line.
pub fn parse_response(body: &[u8]) -> Result<GrpcWebResponse, FrameError> {
    let mut response = GrpcWebResponse::default();
    let mut offset = 0usize;
    while offset < body.len() {
        if response.has_trailer_frame {
            return Err(FrameError::DataAfterTrailers { offset: offset as u64 });
        }
        let rest = body.get(offset..).unwrap_or_default();
        let header = rest.get(..FRAME_HEADER_SIZE).ok_or(FrameError::Truncated {
            offset: offset as u64,
            needed: FRAME_HEADER_SIZE as u64,
            available: rest.len() as u64,
        })?;
        let flag = header.first().copied().unwrap_or_default();
        let len_bytes: [u8; 4] = header
            .get(1..FRAME_HEADER_SIZE)
            .and_then(|b| b.try_into().ok())
            .unwrap_or_default();
        let len = u32::from_be_bytes(len_bytes) as usize;
        let needed = FRAME_HEADER_SIZE.saturating_add(len);
        let payload = rest.get(FRAME_HEADER_SIZE..needed).ok_or(FrameError::Truncated {
            offset: offset as u64,
            needed: needed as u64,
            available: rest.len() as u64,
        })?;
        if flag & GRPC_WEB_COMPRESSED_BIT != 0 {
            return Err(FrameError::Compressed { offset: offset as u64 });
        }
        if flag == GRPC_WEB_TRAILERS_BIT {
            response.trailers = parse_trailers(payload)?;
            response.has_trailer_frame = true;
        } else if flag == 0 {
            response.messages.push(payload.to_vec());
        } else {
            return Err(FrameError::UnknownFlag { flag, offset: offset as u64 });
        }
        offset = offset.saturating_add(needed);
    }
    Ok(response)
}

/// Parses the payload of a trailer frame: `name:value` lines separated by `\r\n` (or `\n`).
///
/// Names are lowercased; surrounding whitespace of names and values is trimmed; empty lines
/// are skipped. Non-UTF-8 bytes are replaced (header values are ASCII by specification).
pub fn parse_trailers(payload: &[u8]) -> Result<Vec<(String, String)>, FrameError> {
    let text = String::from_utf8_lossy(payload);
    let mut out = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or(FrameError::InvalidTrailer { line: i as u64 + 1 })?;
        let name = name.trim();
        if name.is_empty() {
            return Err(FrameError::InvalidTrailer { line: i as u64 + 1 });
        }
        out.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    Ok(out)
}

/// Encodes a trailer frame (prefix and `name:value\r\n` lines), as a grpc-web server does.
///
/// Used by tests and fakes; the browser never sends trailers.
pub fn encode_trailer_frame(trailers: &[(&str, &str)]) -> Result<Vec<u8>, FrameError> {
    let mut payload = Vec::new();
    for (name, value) in trailers {
        payload.extend_from_slice(name.as_bytes());
        payload.push(b':');
        payload.extend_from_slice(value.as_bytes());
        payload.extend_from_slice(b"\r\n");
    }
    let mut out = super::frame::frame_prefix(GRPC_WEB_TRAILERS_BIT, payload.len() as u64)?.to_vec();
    out.extend_from_slice(&payload);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_messages_and_trailers() {
        let mut body = vec![0, 0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 0, 0];
        body.extend(encode_trailer_frame(&[("Grpc-Status", "0"), ("grpc-message", "")]).unwrap());
        let r = parse_response(&body).unwrap();
        assert_eq!(r.messages, vec![vec![1, 2, 3], vec![]]);
        assert_eq!(
            r.trailers,
            vec![("grpc-status".into(), "0".into()), ("grpc-message".into(), String::new())]
        );
        assert!(r.has_trailer_frame);
        assert_eq!(r.trailer("GRPC-STATUS"), Some("0"));
    }

    #[test]
    fn byte_literal_tonic_style_response() {
        // A response as tonic-web writes it: one message, then trailers with \r\n lines.
        let body = b"\x00\x00\x00\x00\x05\x0a\x03abc\x80\x00\x00\x00\x0fgrpc-status:0\r\n";
        let r = parse_response(body).unwrap();
        assert_eq!(r.messages, vec![b"\x0a\x03abc".to_vec()]);
        assert_eq!(r.trailers, vec![("grpc-status".into(), "0".into())]);
    }

    #[test]
    fn empty_body_is_trailers_only() {
        let r = parse_response(&[]).unwrap();
        assert!(r.messages.is_empty() && r.trailers.is_empty() && !r.has_trailer_frame);
    }

    #[test]
    fn rejects_bad_bodies() {
        assert_eq!(
            parse_response(&[0, 0, 0]),
            Err(FrameError::Truncated { offset: 0, needed: 5, available: 3 })
        );
        assert_eq!(
            parse_response(&[0, 0, 0, 0, 4, 1, 2]),
            Err(FrameError::Truncated { offset: 0, needed: 9, available: 7 })
        );
        assert_eq!(
            parse_response(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 9]),
            Err(FrameError::Truncated { offset: 5, needed: 14, available: 5 })
        );
        assert_eq!(parse_response(&[1, 0, 0, 0, 0]), Err(FrameError::Compressed { offset: 0 }));
        assert_eq!(parse_response(&[0x81, 0, 0, 0, 0]), Err(FrameError::Compressed { offset: 0 }));
        assert_eq!(
            parse_response(&[0x40, 0, 0, 0, 0]),
            Err(FrameError::UnknownFlag { flag: 0x40, offset: 0 })
        );
        assert_eq!(
            parse_response(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(FrameError::DataAfterTrailers { offset: 5 })
        );
        assert_eq!(
            parse_response(b"\x80\x00\x00\x00\x06nocolo"),
            Err(FrameError::InvalidTrailer { line: 1 })
        );
        assert_eq!(
            parse_response(b"\x80\x00\x00\x00\x03:x\n"),
            Err(FrameError::InvalidTrailer { line: 1 })
        );
        // HTML from a proxy instead of grpc-web.
        assert!(parse_response(b"<html><body>502 Bad Gateway</body></html>").is_err());
        // A length near u32::MAX must not allocate or overflow.
        assert!(matches!(
            parse_response(&[0, 0xff, 0xff, 0xff, 0xff, 1]),
            Err(FrameError::Truncated { .. })
        ));
    }

    #[test]
    fn trailer_values_keep_inner_colons_and_tolerate_lf() {
        let t = parse_trailers(b"grpc-message: a:b \nx:\r\n\r\n").unwrap();
        assert_eq!(t, vec![("grpc-message".into(), "a:b".into()), ("x".into(), String::new())]);
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = parse_response(&bytes);
        }

        #[test]
        fn round_trips_messages(
            msgs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..5),
            status in 0u32..17,
        ) {
            let mut body = Vec::new();
            for m in &msgs {
                body.extend(super::super::frame::encode_data_frame(m).unwrap());
            }
            let s = status.to_string();
            body.extend(encode_trailer_frame(&[("grpc-status", &s)]).unwrap());
            let r = parse_response(&body).unwrap();
            prop_assert_eq!(&r.messages, &msgs);
            prop_assert_eq!(r.trailer("grpc-status"), Some(s.as_str()));
        }
    }
}
