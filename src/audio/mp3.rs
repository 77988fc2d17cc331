//! MP3 (MPEG-1/2/2.5 Layer III) header reading.
//!
//! Skips an ID3v2 tag (its size is a 28-bit "syncsafe" integer), then finds the first frame
//! header that a second frame confirms right where the first one ends. The duration comes from
//! a Xing/Info or VBRI header in that first frame (exact for VBR files), otherwise from the
//! bitrate and the audio byte count (exact for CBR, an estimate otherwise).
//!
//! ```
//! use talk_uploader::audio::mp3::{parse_frame_header, MpegVersion};
//!
//! // MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, joint stereo.
//! let h = parse_frame_header([0xff, 0xfb, 0x90, 0x44]).unwrap();
//! assert_eq!((h.version, h.bitrate_kbps, h.sample_rate, h.channels), (MpegVersion::Mpeg1, 128, 44_100, 2));
//! assert_eq!(h.frame_len, 417);
//! ```

use super::bytes::{has, u32be};
use super::{AudioError, AudioInfo, Codec, Container};

const NAME: &str = "MP3";

/// Size of an ID3v2 tag header (and footer).
pub const ID3V2_HEADER_SIZE: u64 = 10;
/// Size of an ID3v1 tag at the end of a file.
pub const ID3V1_SIZE: u64 = 128;

/// The MPEG audio version of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MpegVersion {
    /// MPEG-1.
    Mpeg1,
    /// MPEG-2 (LSF).
    Mpeg2,
    /// MPEG-2.5 (unofficial low-rate extension).
    Mpeg25,
}

/// A decoded Layer III frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// MPEG version.
    pub version: MpegVersion,
    /// Bitrate in kbit/s.
    pub bitrate_kbps: u32,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// 1 for mono, else 2.
    pub channels: u16,
    /// Whether a 16-bit CRC follows the header.
    pub has_crc: bool,
    /// Length of the whole frame in bytes, header included.
    pub frame_len: u32,
    /// PCM samples per channel in one frame (1152 or 576).
    pub samples_per_frame: u32,
    /// Length of the side information that follows the header (and CRC).
    pub side_info_len: u32,
}

const BITRATES_V1: [u32; 15] = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_V2: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];

/// Decodes a 4-byte Layer III frame header; `None` if it is not one (or uses a free/bad bitrate,
/// a reserved rate, version or emphasis).
pub fn parse_frame_header(b: [u8; 4]) -> Option<FrameHeader> {
    let [b0, b1, b2, b3] = b;
    if b0 != 0xff || b1 & 0xe0 != 0xe0 {
        return None;
    }
    let version = match (b1 >> 3) & 0b11 {
        0b00 => MpegVersion::Mpeg25,
        0b10 => MpegVersion::Mpeg2,
        0b11 => MpegVersion::Mpeg1,
        _ => return None,
    };
    if (b1 >> 1) & 0b11 != 0b01 {
        return None; // not Layer III
    }
    let has_crc = b1 & 1 == 0;
    let bitrate_index = usize::from(b2 >> 4);
    let rate_index = usize::from((b2 >> 2) & 0b11);
    let padding = u32::from((b2 >> 1) & 1);
    let mono = (b3 >> 6) & 0b11 == 0b11;
    if b3 & 0b11 == 0b10 {
        return None; // reserved emphasis
    }
    let (bitrates, rates, samples_per_frame, coefficient, side_info_len) = match version {
        MpegVersion::Mpeg1 => (&BITRATES_V1, [44_100, 48_000, 32_000], 1152, 144_000, if mono { 17 } else { 32 }),
        MpegVersion::Mpeg2 => (&BITRATES_V2, [22_050, 24_000, 16_000], 576, 72_000, if mono { 9 } else { 17 }),
        MpegVersion::Mpeg25 => (&BITRATES_V2, [11_025, 12_000, 8_000], 576, 72_000, if mono { 9 } else { 17 }),
    };
    let bitrate_kbps = *bitrates.get(bitrate_index)?;
    let sample_rate: u32 = *rates.get(rate_index)?;
    if bitrate_kbps == 0 {
        return None; // free format: length unknown
    }
    // checked_div: the rate is never 0 (it comes from the table), and `/` would link a panic.
    let frame_len = (coefficient * bitrate_kbps).checked_div(sample_rate)? + padding;
    Some(FrameHeader {
        version,
        bitrate_kbps,
        sample_rate,
        channels: if mono { 1 } else { 2 },
        has_crc,
        frame_len,
        samples_per_frame,
        side_info_len: side_info_len + if has_crc { 2 } else { 0 },
    })
}

fn header_at(buf: &[u8], offset: usize) -> Option<FrameHeader> {
    let bytes: [u8; 4] = buf.get(offset..offset.checked_add(4)?)?.try_into().ok()?;
    parse_frame_header(bytes)
}

/// Total length of an ID3v2 tag at the start of `head` (header, body and optional footer), or
/// `None` if there is no tag. Fails if the tag header is cut or its size is not syncsafe.
pub fn id3v2_len(head: &[u8]) -> Result<Option<u64>, AudioError> {
    if !has(head, 0, b"ID3") {
        return Ok(None);
    }
    let header = head.get(..10).ok_or(AudioError::Truncated { container: NAME, what: "ID3v2 tag header" })?;
    let flags = header.get(5).copied().unwrap_or_default();
    let mut size: u64 = 0;
    for &b in header.get(6..10).unwrap_or_default() {
        if b & 0x80 != 0 {
            return Err(AudioError::InvalidHeader { container: NAME, reason: "ID3v2 size is not syncsafe" });
        }
        size = (size << 7) | u64::from(b);
    }
    let footer = if flags & 0x10 != 0 { ID3V2_HEADER_SIZE } else { 0 };
    Ok(Some(ID3V2_HEADER_SIZE + size + footer))
}

/// Reads an MP3 header from the first bytes of a `total_size`-byte file.
pub fn sniff(head: &[u8], total_size: u64, tail: Option<&[u8]>) -> Result<AudioInfo, AudioError> {
    match id3v2_len(head)? {
        None => sniff_frames(head, 0, total_size, tail).map_err(|e| match e {
            AudioError::InvalidHeader { .. } => AudioError::UnknownContainer { detected: None },
            other => other,
        }),
        Some(tag_end) if tag_end >= total_size => Err(AudioError::Truncated {
            container: NAME,
            what: "an ID3v2 tag but no audio after it",
        }),
        Some(tag_end) => match usize::try_from(tag_end).ok().and_then(|t| head.get(t..)) {
            Some(rest) if rest.len() >= 4 => sniff_frames(rest, tag_end, total_size, tail),
            _ => Err(AudioError::NeedsDataAt { offset: tag_end }),
        },
    }
}

/// Finds the first confirmed frame in `window` (the file's bytes from `offset` on) and reads it.
pub fn sniff_frames(
    window: &[u8],
    offset: u64,
    total_size: u64,
    tail: Option<&[u8]>,
) -> Result<AudioInfo, AudioError> {
    let (pos, header) = find_first_frame(window, offset, total_size).ok_or(AudioError::InvalidHeader {
        container: NAME,
        reason: "no MPEG Layer III frame confirmed by a following frame",
    })?;
    let frames = vbr_frame_count(window, pos, &header);
    let duration_sec = match frames {
        Some(n) if n > 0 => Some(f64::from(n) * f64::from(header.samples_per_frame) / f64::from(header.sample_rate)),
        _ => {
            let start = offset.saturating_add(pos as u64);
            let id3v1 = match tail {
                Some(t) if t.len() as u64 >= ID3V1_SIZE && has(t, t.len() - ID3V1_SIZE as usize, b"TAG") => ID3V1_SIZE,
                _ => 0,
            };
            let audio_bytes = total_size.saturating_sub(start).saturating_sub(id3v1);
            Some(audio_bytes as f64 * 8.0 / (f64::from(header.bitrate_kbps) * 1000.0))
        }
    };
    Ok(AudioInfo {
        container: Container::Mp3,
        codec: Codec::Mp3,
        sample_rate: header.sample_rate,
        channels: header.channels,
        bits_per_sample: None,
        duration_sec,
        input_sample_rate: None,
    })
}

fn find_first_frame(window: &[u8], offset: u64, total_size: u64) -> Option<(usize, FrameHeader)> {
    let last = window.len().saturating_sub(4);
    // A loop, not filter/find_map: an iterator chain is its own code in the wasm module.
    // `0..last + 1`, not `0..=last` (`RangeInclusive`'s `next` is code of its own); `last` is
    // below the window's length, so `+ 1` cannot overflow.
    for i in 0..last + 1 {
        if window.get(i) != Some(&0xff) {
            continue;
        }
        let Some(header) = header_at(window, i) else { continue };
        let Some(next) = i.checked_add(header.frame_len as usize) else { continue };
        let confirmed = match header_at(window, next) {
            Some(second) => second.version == header.version && second.sample_rate == header.sample_rate,
            // The frame ends the file, or an ID3v1 tag follows it.
            None => offset.saturating_add(next as u64) == total_size || has(window, next, b"TAG"),
        };
        if confirmed {
            return Some((i, header));
        }
    }
    None
}

/// Frame count from a Xing/Info or VBRI header inside the first frame, if there is one.
fn vbr_frame_count(window: &[u8], pos: usize, header: &FrameHeader) -> Option<u32> {
    let xing = pos.checked_add(4)?.checked_add(header.side_info_len as usize)?;
    // Some encoders ignore the CRC when placing the tag: look at both spots.
    let candidates = [Some(xing), if header.has_crc { xing.checked_sub(2) } else { None }];
    for at in candidates.into_iter().flatten() {
        if has(window, at, b"Xing") || has(window, at, b"Info") {
            let flags = u32be(window, at + 4)?;
            return if flags & 1 != 0 { u32be(window, at + 8) } else { None };
        }
    }
    // VBRI sits 32 bytes after the header: "VBRI" version delay quality bytes frames.
    let vbri = pos.checked_add(36)?;
    if has(window, vbri, b"VBRI") {
        return u32be(window, vbri + 14);
    }
    None
}

/// Builders of MP3 files for tests: the package's, the devserver's and the browser tests'.
#[doc(hidden)]
pub mod tests_support {
    /// An ID3v2.4 tag with a `body`-byte payload (as cover art makes it), then `frames` CBR
    /// frames of 128 kbps 44.1 kHz stereo MPEG-1 Layer III (417 bytes each), then an ID3v1 tag.
    /// Its duration, as an MP3 estimate reads it, is `frames * 417 * 8 / 128000` s.
    pub fn mp3_with_cover(body: u32, frames: usize) -> Vec<u8> {
        let mut f = b"ID3\x04\x00\x00".to_vec();
        f.extend((0..4).rev().map(|i| ((body >> (7 * i)) & 0x7f) as u8));
        f.resize(f.len() + body as usize, 0);
        let frame_len = 144 * 128_000 / 44_100;
        for _ in 0..frames {
            f.extend_from_slice(&[0xff, 0xfb, 0x90, 0x64]);
            f.resize(f.len() + frame_len - 4, 0x55);
        }
        f.extend_from_slice(b"TAG");
        f.resize(f.len() + 125, b' ');
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame of `header` filled with zeros; `extra` is written right after the side info.
    fn frame(header: [u8; 4], extra: &[u8]) -> Vec<u8> {
        let h = parse_frame_header(header).unwrap();
        let mut f = vec![0u8; h.frame_len as usize];
        f[..4].copy_from_slice(&header);
        let at = 4 + h.side_info_len as usize;
        f[at..at + extra.len()].copy_from_slice(extra);
        f
    }

    const V1_128_STEREO: [u8; 4] = [0xff, 0xfb, 0x90, 0x44];
    const V2_64_MONO: [u8; 4] = [0xff, 0xf3, 0x80, 0xc4]; // MPEG-2, 64k, 22.05k, mono
    const V25_8K_MONO: [u8; 4] = [0xff, 0xe3, 0x18, 0xc4]; // MPEG-2.5, 8k, 8 kHz, mono

    #[test]
    fn header_fields() {
        let h = parse_frame_header(V2_64_MONO).unwrap();
        assert_eq!((h.version, h.bitrate_kbps, h.sample_rate, h.channels), (MpegVersion::Mpeg2, 64, 22_050, 1));
        assert_eq!(h.frame_len, 72_000 * 64 / 22_050);
        assert_eq!(h.samples_per_frame, 576);
        let h = parse_frame_header(V25_8K_MONO).unwrap();
        assert_eq!((h.version, h.bitrate_kbps, h.sample_rate), (MpegVersion::Mpeg25, 8, 8_000));
        // Layer II, free bitrate, bad bitrate, reserved rate, reserved version: all refused.
        assert_eq!(parse_frame_header([0xff, 0xfd, 0x90, 0x44]), None);
        assert_eq!(parse_frame_header([0xff, 0xfb, 0x00, 0x44]), None);
        assert_eq!(parse_frame_header([0xff, 0xfb, 0xf0, 0x44]), None);
        assert_eq!(parse_frame_header([0xff, 0xfb, 0x9c, 0x44]), None);
        assert_eq!(parse_frame_header([0xff, 0xeb, 0x90, 0x44]), None);
        assert_eq!(parse_frame_header([0xff, 0xfb, 0x90, 0x46]), None);
    }

    #[test]
    fn cbr_estimate_with_id3v2_and_id3v1() {
        let mut file = b"ID3\x04\x00\x00\x00\x00\x01\x00".to_vec(); // 128-byte tag body
        file.extend(vec![0u8; 128]);
        for _ in 0..10 {
            file.extend(frame(V1_128_STEREO, &[]));
        }
        let audio = file.len() as u64 - 138;
        let mut tag = b"TAG".to_vec();
        tag.resize(128, b' ');
        file.extend(&tag);
        let n = file.len() as u64;
        let info = super::super::sniff(&file, n, Some(&file)).unwrap();
        assert_eq!(info.container, Container::Mp3);
        assert_eq!((info.sample_rate, info.channels), (44_100, 2));
        let expected = audio as f64 * 8.0 / 128_000.0;
        assert!((info.duration_sec.unwrap() - expected).abs() < 1e-9);
    }

    #[test]
    fn xing_and_vbri_frame_counts() {
        let mut xing = b"Xing".to_vec();
        xing.extend_from_slice(&3u32.to_be_bytes());
        xing.extend_from_slice(&1000u32.to_be_bytes());
        let mut file = frame(V1_128_STEREO, &xing);
        file.extend(frame(V1_128_STEREO, &[]));
        let info = sniff(&file, 10_000_000, None).unwrap();
        assert_eq!(info.duration_sec, Some(1000.0 * 1152.0 / 44_100.0));

        let mut info_tag = b"Info".to_vec();
        info_tag.extend_from_slice(&1u32.to_be_bytes());
        info_tag.extend_from_slice(&50u32.to_be_bytes());
        let mut file = frame(V2_64_MONO, &info_tag);
        file.extend(frame(V2_64_MONO, &[]));
        let info = sniff(&file, 10_000_000, None).unwrap();
        assert_eq!(info.duration_sec, Some(50.0 * 576.0 / 22_050.0));

        let mut f = frame(V1_128_STEREO, &[]);
        f[36..40].copy_from_slice(b"VBRI");
        f[50..54].copy_from_slice(&77u32.to_be_bytes());
        f.extend(frame(V1_128_STEREO, &[]));
        let info = sniff(&f, 10_000_000, None).unwrap();
        assert_eq!(info.duration_sec, Some(77.0 * 1152.0 / 44_100.0));
    }

    #[test]
    fn junk_before_first_frame_and_single_frame_file() {
        let mut file = vec![0x00, 0xff, 0xfb, 0x12, 0x34]; // a false sync
        file.extend(frame(V25_8K_MONO, &[]));
        file.extend(frame(V25_8K_MONO, &[]));
        assert_eq!(sniff(&file, file.len() as u64, None).unwrap().sample_rate, 8_000);
        let one = frame(V1_128_STEREO, &[]);
        assert!(sniff(&one, one.len() as u64, None).is_ok());
        // The same frame inside a bigger file without a confirming frame is refused.
        assert!(sniff(&one, 1_000_000, None).is_err());
    }

    #[test]
    fn id3_errors() {
        assert_eq!(sniff(b"ID3\x04\x00", 100, None).unwrap_err().code(), "truncated_header");
        assert_eq!(sniff(b"ID3\x04\x00\x00\x80\x00\x00\x00", 100, None).unwrap_err().code(), "invalid_header");
        // A 1 MiB tag (cover art): the caller must read past it.
        let head = b"ID3\x03\x00\x00\x00\x40\x00\x00rest";
        assert_eq!(sniff(head, 5_000_000, None), Err(AudioError::NeedsDataAt { offset: 10 + (1 << 20) }));
        let mut window = frame(V1_128_STEREO, &[]);
        window.extend(frame(V1_128_STEREO, &[]));
        let info = super::super::sniff_mp3_at(&window, 10 + (1 << 20), 5_000_000, None).unwrap();
        assert_eq!(info.sample_rate, 44_100);
        // A tag and nothing else.
        assert_eq!(sniff(b"ID3\x03\x00\x00\x00\x00\x00\x05hello", 15, None).unwrap_err().code(), "truncated_header");
        // A tag followed by something that is not MP3.
        assert_eq!(
            sniff(b"ID3\x03\x00\x00\x00\x00\x00\x00not an mp3 frame at all", 1000, None).unwrap_err().code(),
            "invalid_header"
        );
    }
}
