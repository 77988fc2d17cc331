//! Ogg Opus header reading: `OpusHead` from the first page, duration from the last page.
//!
//! An Ogg page is `OggS`, a version byte (0), a header-type byte, a 64-bit granule position,
//! the stream serial, a sequence number, a CRC, a segment count and a segment table, then the
//! payload. The first page of an Opus stream carries exactly the `OpusHead` packet: version,
//! channel count, pre-skip (samples to drop at 48 kHz), input sample rate, gain and mapping.
//!
//! Opus always decodes at 48 kHz, and a page's granule position counts 48 kHz samples up to the
//! end of that page. The duration is therefore `(last granule − pre-skip) / 48000`, where the
//! last granule comes from the last page of the stream, found in the **tail** of the file.
//! Without a tail (and when the head is not the whole file) the duration is unknown.
//!
//! ```
//! use talk_uploader::audio::ogg::tests_support::{opus_head_page, page};
//! use talk_uploader::audio::{sniff, Container};
//!
//! let head = opus_head_page(2, 312, 16_000);
//! let tail = page(7, 0x04, 48_000 * 10 + 312, b"last");
//! let info = sniff(&head, 1_000_000, Some(&tail)).unwrap();
//! assert_eq!((info.container, info.channels, info.sample_rate), (Container::OggOpus, 2, 48_000));
//! assert_eq!(info.input_sample_rate, Some(16_000));
//! assert_eq!(info.duration_sec, Some(10.0));
//! ```

use super::bytes::{has, u16le, u32le, u64le};
use super::{AudioError, AudioInfo, Codec, Container};

const NAME: &str = "Ogg";

/// Size of an Ogg page header before the segment table.
pub const PAGE_HEADER_SIZE: usize = 27;
/// Opus' decoding sample rate, in which granule positions count.
pub const OPUS_RATE: u32 = 48_000;
/// Granule position meaning "no packet ends on this page".
const NO_GRANULE: u64 = u64::MAX;

/// Whether the bytes start with an Ogg page.
pub fn looks_like(head: &[u8]) -> bool {
    has(head, 0, b"OggS")
}

/// One parsed Ogg page header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageHeader {
    /// Header-type flags (0x01 continued, 0x02 first page, 0x04 last page).
    pub header_type: u8,
    /// Granule position (`u64::MAX` when no packet ends here).
    pub granule: u64,
    /// Bitstream serial number.
    pub serial: u32,
    /// Offset of the payload from the page start.
    pub payload_offset: usize,
    /// Length of the payload.
    pub payload_len: usize,
}

/// Parses the page header at `offset` of `buf`; `None` if it is not a whole, valid header.
pub fn parse_page(buf: &[u8], offset: usize) -> Option<PageHeader> {
    let page = buf.get(offset..)?;
    if !has(page, 0, b"OggS") || *page.get(4)? != 0 {
        return None;
    }
    let segments = usize::from(*page.get(26)?);
    let table = page.get(PAGE_HEADER_SIZE..PAGE_HEADER_SIZE.checked_add(segments)?)?;
    // A loop, not `iter().map(..).sum()` (a `Map` fold of its own in the wasm module).
    let mut payload_len = 0usize;
    for &s in table {
        payload_len += usize::from(s);
    }
    Some(PageHeader {
        header_type: *page.get(5)?,
        granule: u64le(page, 6)?,
        serial: u32le(page, 14)?,
        payload_offset: PAGE_HEADER_SIZE + segments,
        payload_len,
    })
}

/// Reads an Ogg Opus header; `tail` (the file's last bytes) gives the duration.
pub fn sniff(head: &[u8], total_size: u64, tail: Option<&[u8]>) -> Result<AudioInfo, AudioError> {
    let first = parse_page(head, 0).ok_or(AudioError::Truncated { container: NAME, what: "first page header" })?;
    let payload = head.get(first.payload_offset..).unwrap_or_default();
    if !has(payload, 0, b"OpusHead") {
        let codec = if has(payload, 0, b"\x01vorbis") {
            "Vorbis"
        } else if has(payload, 0, b"\x7fFLAC") {
            "FLAC"
        } else if has(payload, 0, b"Speex   ") {
            "Speex"
        } else if has(payload, 0, b"\x80theora") {
            "Theora video"
        } else if payload.len() < 8 {
            return Err(AudioError::Truncated { container: NAME, what: "first packet" });
        } else {
            "an unknown codec"
        };
        return Err(AudioError::UnsupportedCodec { container: NAME, codec });
    }
    let cut = || AudioError::Truncated { container: NAME, what: "OpusHead packet shorter than 19 bytes" };
    let version = *payload.get(8).ok_or_else(cut)?;
    let channels = *payload.get(9).ok_or_else(cut)?;
    let pre_skip = u16le(payload, 10).ok_or_else(cut)?;
    let input_rate = u32le(payload, 12).ok_or_else(cut)?;
    payload.get(18).ok_or_else(cut)?;
    if version >> 4 != 0 {
        return Err(AudioError::InvalidHeader { container: NAME, reason: "unsupported OpusHead major version" });
    }
    if channels == 0 {
        return Err(AudioError::InvalidHeader { container: NAME, reason: "0 channels" });
    }

    let whole_file_in_head = head.len() as u64 >= total_size;
    let tail = tail.or(if whole_file_in_head { Some(head) } else { None });
    let duration_sec = tail
        .and_then(|t| last_granule(t, first.serial))
        .map(|granule| granule.saturating_sub(u64::from(pre_skip)) as f64 / f64::from(OPUS_RATE));

    Ok(AudioInfo {
        container: Container::OggOpus,
        codec: Codec::Opus,
        sample_rate: OPUS_RATE,
        channels: u16::from(channels),
        bits_per_sample: None,
        duration_sec,
        input_sample_rate: (input_rate > 0).then_some(input_rate),
    })
}

/// The granule position of the last page of stream `serial` found in `buf`.
///
/// Scans backwards for `OggS` and keeps the last page that parses, belongs to the stream and has
/// a granule position; a page cut off at the start of the tail is skipped naturally.
pub fn last_granule(buf: &[u8], serial: u32) -> Option<u64> {
    // A loop, not rev/filter/find: an iterator chain is its own code in the wasm module.
    let mut i = buf.len().saturating_sub(PAGE_HEADER_SIZE - 1);
    while i > 0 {
        i -= 1;
        if !has(buf, i, b"OggS") {
            continue;
        }
        if let Some(p) = parse_page(buf, i).filter(|p| p.serial == serial && p.granule != NO_GRANULE) {
            return Some(p.granule);
        }
    }
    None
}

/// Builders of Ogg pages for tests and examples.
#[doc(hidden)]
pub mod tests_support {
    /// One page with one packet (`payload` < 255 bytes), CRC left 0.
    pub fn page(serial: u32, header_type: u8, granule: u64, payload: &[u8]) -> Vec<u8> {
        let mut p = b"OggS\0".to_vec();
        p.push(header_type);
        p.extend_from_slice(&granule.to_le_bytes());
        p.extend_from_slice(&serial.to_le_bytes());
        p.extend_from_slice(&0u32.to_le_bytes()); // sequence
        p.extend_from_slice(&0u32.to_le_bytes()); // crc
        p.push(1);
        p.push(payload.len().min(254) as u8);
        p.extend_from_slice(payload.get(..payload.len().min(254)).unwrap_or_default());
        p
    }

    /// The first page of an Opus stream with serial 7.
    pub fn opus_head_page(channels: u8, pre_skip: u16, input_rate: u32) -> Vec<u8> {
        let mut head = b"OpusHead".to_vec();
        head.push(1);
        head.push(channels);
        head.extend_from_slice(&pre_skip.to_le_bytes());
        head.extend_from_slice(&input_rate.to_le_bytes());
        head.extend_from_slice(&0i16.to_le_bytes());
        head.push(0);
        page(7, 0x02, 0, &head)
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::{opus_head_page, page};
    use super::*;

    #[test]
    fn whole_small_file_gives_duration_from_head() {
        let mut file = opus_head_page(1, 312, 48_000);
        file.extend(page(7, 0, 0, b"OpusTags\0\0\0\0"));
        file.extend(page(7, 0, 48_000 + 312, b"audio"));
        file.extend(page(7, 4, 96_000 + 312, b"audio"));
        let n = file.len() as u64;
        let info = sniff(&file, n, None).unwrap();
        assert_eq!(info.duration_sec, Some(2.0));
        assert_eq!(info.channels, 1);
        assert_eq!(info.codec, Codec::Opus);
    }

    #[test]
    fn tail_with_other_stream_and_cut_page() {
        let head = opus_head_page(2, 0, 0);
        let mut tail = page(7, 0, 10 * 48_000, b"x")[5..].to_vec(); // page cut at the front
        tail.extend(page(7, 0, 20 * 48_000, b"x"));
        tail.extend(page(7, 0, NO_GRANULE, b"y")); // continued packet: no granule
        tail.extend(page(9, 4, 999 * 48_000, b"z")); // another stream
        let info = sniff(&head, 10_000_000, Some(&tail)).unwrap();
        assert_eq!(info.duration_sec, Some(20.0));
        assert_eq!(info.input_sample_rate, None);
        assert_eq!(sniff(&head, 10_000_000, None).unwrap().duration_sec, None);
        assert_eq!(sniff(&head, 10_000_000, Some(b"no pages")).unwrap().duration_sec, None);
    }

    #[test]
    fn other_codecs_and_bad_headers() {
        let vorbis = page(1, 2, 0, b"\x01vorbis\0\0\0\0\x02\x44\xac\0\0");
        let e = sniff(&vorbis, 1000, None).unwrap_err();
        assert_eq!(e, AudioError::UnsupportedCodec { container: "Ogg", codec: "Vorbis" });
        assert!(e.to_string().contains("Opus"));
        assert_eq!(sniff(&page(1, 2, 0, b"\x7fFLAC\x01\x00\x00\x01"), 1000, None).unwrap_err().code(), "unsupported_codec");
        assert_eq!(sniff(b"OggS\0\x02\0\0", 1000, None).unwrap_err().code(), "truncated_header");
        assert_eq!(sniff(&page(1, 2, 0, b"OpusHead\x01\x02"), 1000, None).unwrap_err().code(), "truncated_header");
        let mut h = opus_head_page(0, 0, 0);
        assert_eq!(sniff(&h, 1000, None).unwrap_err().code(), "invalid_header");
        h = opus_head_page(2, 0, 0);
        h[28 + 8] = 0x10; // major version 1
        assert_eq!(sniff(&h, 1000, None).unwrap_err().code(), "invalid_header");
    }
}
