//! WAV (RIFF/RF64 WAVE) header reading: walks the chunks to `fmt ` and `data`.
//!
//! A WAV file is `RIFF <size> WAVE` followed by chunks (`id`, `u32` size, payload padded to an
//! even length). `fmt ` gives the format tag, channels, rate, byte rate and sample width
//! (with `WAVE_FORMAT_EXTENSIBLE`, the real format is the first two bytes of the sub-format
//! GUID). `data` holds the samples; its size over the byte rate is the duration.
//!
//! A `data` size of `0xFFFFFFFF`, a size past the end of the file, or 0 in a file that has
//! bytes after the chunk header, is what streaming writers leave behind: the size is then taken
//! from the file size. `RF64` files take it from their `ds64` chunk.
//!
//! ```
//! use talk_uploader::audio::{wav, Codec};
//! let head = wav::tests_support::header(1, 2, 8_000, 16, 16_000);
//! let info = wav::sniff(&head, head.len() as u64 + 16_000, ).unwrap();
//! assert_eq!((info.codec, info.channels, info.duration_sec), (Codec::PcmS16le, 2, Some(0.5)));
//! ```

use super::bytes::{has, u16le, u32le, u64le};
use super::{AudioError, AudioInfo, Codec, Container};

const NAME: &str = "WAV";

/// `WAVE_FORMAT_PCM`.
pub const FORMAT_PCM: u16 = 0x0001;
/// `WAVE_FORMAT_IEEE_FLOAT`.
pub const FORMAT_IEEE_FLOAT: u16 = 0x0003;
/// `WAVE_FORMAT_ALAW`.
pub const FORMAT_ALAW: u16 = 0x0006;
/// `WAVE_FORMAT_MULAW`.
pub const FORMAT_MULAW: u16 = 0x0007;
/// `WAVE_FORMAT_MPEGLAYER3`.
pub const FORMAT_MPEG_LAYER3: u16 = 0x0055;
/// `WAVE_FORMAT_EXTENSIBLE`: the real format is in the sub-format GUID.
pub const FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// Size `u32` that streaming writers leave when they cannot seek back.
const STREAMING_SIZE: u32 = 0xFFFF_FFFF;

/// Whether the bytes start like a RIFF or RF64 WAVE file.
pub fn looks_like(head: &[u8]) -> bool {
    (has(head, 0, b"RIFF") || has(head, 0, b"RF64")) && has(head, 8, b"WAVE")
}

struct Fmt {
    format: u16,
    channels: u16,
    sample_rate: u32,
    byte_rate: u32,
    block_align: u16,
    bits: u16,
}

fn truncated(what: &'static str) -> AudioError {
    AudioError::Truncated { container: NAME, what }
}

fn invalid(reason: &'static str) -> AudioError {
    AudioError::InvalidHeader { container: NAME, reason }
}

fn parse_fmt(payload: &[u8]) -> Result<Fmt, AudioError> {
    let field = |v: Option<u16>| v.ok_or_else(|| truncated("fmt chunk shorter than 16 bytes"));
    let mut fmt = Fmt {
        format: field(u16le(payload, 0))?,
        channels: field(u16le(payload, 2))?,
        sample_rate: u32le(payload, 4).ok_or_else(|| truncated("fmt chunk shorter than 16 bytes"))?,
        byte_rate: u32le(payload, 8).ok_or_else(|| truncated("fmt chunk shorter than 16 bytes"))?,
        block_align: field(u16le(payload, 12))?,
        bits: field(u16le(payload, 14))?,
    };
    if fmt.format == FORMAT_EXTENSIBLE {
        // cbSize(2) validBits(2) channelMask(4) subFormat GUID(16): format code = GUID[0..2].
        fmt.format = u16le(payload, 24)
            .ok_or_else(|| truncated("WAVE_FORMAT_EXTENSIBLE fmt chunk shorter than 40 bytes"))?;
    }
    if fmt.channels == 0 {
        return Err(invalid("0 channels"));
    }
    if fmt.sample_rate == 0 {
        return Err(invalid("sample rate 0"));
    }
    Ok(fmt)
}

fn codec_of(fmt: &Fmt) -> Codec {
    match (fmt.format, fmt.bits) {
        (FORMAT_PCM, 8) => Codec::PcmU8,
        (FORMAT_PCM, 16) => Codec::PcmS16le,
        (FORMAT_PCM, 24) => Codec::PcmS24le,
        (FORMAT_PCM, 32) => Codec::PcmS32le,
        (FORMAT_PCM, bits) => Codec::PcmOther(bits),
        (FORMAT_IEEE_FLOAT, _) => Codec::IeeeFloat,
        (FORMAT_ALAW, _) => Codec::Alaw,
        (FORMAT_MULAW, _) => Codec::Mulaw,
        (FORMAT_MPEG_LAYER3, _) => Codec::Mp3,
        (tag, _) => Codec::WavFormat(tag),
    }
}

/// Reads a WAV header from the first bytes of a `total_size`-byte file.
pub fn sniff(head: &[u8], total_size: u64) -> Result<AudioInfo, AudioError> {
    if !looks_like(head) {
        return Err(truncated("RIFF/WAVE signature"));
    }
    let rf64 = has(head, 0, b"RF64");
    let mut ds64_data_size: Option<u64> = None;
    let mut fmt: Option<Fmt> = None;
    let mut data_size: Option<u64> = None;
    let mut pos: usize = 12;

    while let (Some(id), Some(size)) = (head.get(pos..pos.saturating_add(4)), u32le(head, pos.saturating_add(4))) {
        let payload_start = pos.saturating_add(8);
        let payload = head
            .get(payload_start..payload_start.saturating_add(size as usize).min(head.len()))
            .unwrap_or_default();
        match id {
            b"ds64" if rf64 => {
                // riffSize(8) dataSize(8) sampleCount(8) ...
                ds64_data_size = u64le(payload, 8);
            }
            // A chunk that claims more bytes than the file has is a lie about the header
            // itself (only `data` may run past the end: streaming writers leave its size open).
            // A chunk that runs past the end of the file: claiming more than the whole file is a
            // lie about the header itself, less is a file cut short (only `data` may run past the
            // end: streaming writers leave its size open).
            _ if (payload_start as u64).saturating_add(u64::from(size)) > total_size && id != b"data" => {
                return Err(if u64::from(size) > total_size {
                    invalid("a chunk before the audio data claims more bytes than the whole file")
                } else {
                    truncated("a chunk before the audio data is cut off")
                });
            }
            b"fmt " => fmt = Some(parse_fmt(payload)?),
            b"data" => {
                let start = payload_start as u64;
                let available = total_size.saturating_sub(start);
                let from_ds64 = if rf64 && size == STREAMING_SIZE { ds64_data_size } else { None };
                let declared = from_ds64.unwrap_or(u64::from(size));
                let streaming = (from_ds64.is_none() && size == STREAMING_SIZE)
                    || declared > available
                    || (declared == 0 && available > 0);
                data_size = Some(if streaming { available } else { declared });
                break;
            }
            _ => {}
        }
        // Chunks are padded to an even size.
        let padded = u64::from(size) + u64::from(size & 1);
        match usize::try_from(padded).ok().and_then(|p| payload_start.checked_add(p)) {
            Some(next) => pos = next,
            None => break,
        }
    }

    let fmt = fmt.ok_or_else(|| {
        if head.len() as u64 >= total_size {
            invalid("no fmt chunk")
        } else {
            truncated("no fmt chunk in the first 64 KiB")
        }
    })?;
    // The whole file was read and holds no `data` chunk: there is no audio to upload.
    if data_size.is_none() && head.len() as u64 >= total_size {
        return Err(truncated("no data chunk: the file ends after the header"));
    }
    let byte_rate = if fmt.byte_rate > 0 {
        u64::from(fmt.byte_rate)
    } else {
        u64::from(fmt.sample_rate) * u64::from(fmt.block_align)
    };
    let duration_sec = match data_size {
        Some(bytes) if byte_rate > 0 => Some(bytes as f64 / byte_rate as f64),
        _ => None,
    };
    Ok(AudioInfo {
        container: Container::Wav,
        codec: codec_of(&fmt),
        sample_rate: fmt.sample_rate,
        channels: fmt.channels,
        bits_per_sample: Some(fmt.bits),
        duration_sec,
        input_sample_rate: None,
    })
}

/// Builders of WAV headers for tests and examples.
#[doc(hidden)]
pub mod tests_support {
    /// A canonical 44-byte header: `format` tag, channels, rate, bits, data size.
    pub fn header(format: u16, channels: u16, rate: u32, bits: u16, data_size: u32) -> Vec<u8> {
        let block_align = channels * bits.div_ceil(8);
        let mut v = Vec::new();
        v.extend_from_slice(b"RIFF");
        v.extend_from_slice(&36u32.wrapping_add(data_size).to_le_bytes());
        v.extend_from_slice(b"WAVEfmt ");
        v.extend_from_slice(&16u32.to_le_bytes());
        v.extend_from_slice(&format.to_le_bytes());
        v.extend_from_slice(&channels.to_le_bytes());
        v.extend_from_slice(&rate.to_le_bytes());
        v.extend_from_slice(&(rate * u32::from(block_align)).to_le_bytes());
        v.extend_from_slice(&block_align.to_le_bytes());
        v.extend_from_slice(&bits.to_le_bytes());
        v.extend_from_slice(b"data");
        v.extend_from_slice(&data_size.to_le_bytes());
        v
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::header;
    use super::*;

    fn chunk(id: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut v = id.to_vec();
        v.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        v.extend_from_slice(payload);
        if payload.len() % 2 == 1 {
            v.push(0);
        }
        v
    }

    #[test]
    fn canonical_pcm16() {
        let h = header(1, 1, 16_000, 16, 32_000);
        let info = sniff(&h, 44 + 32_000).unwrap();
        assert_eq!(info.codec, Codec::PcmS16le);
        assert_eq!(info.sample_rate, 16_000);
        assert_eq!(info.bits_per_sample, Some(16));
        assert_eq!(info.duration_sec, Some(1.0));
    }

    #[test]
    fn other_codecs() {
        assert_eq!(sniff(&header(1, 1, 8_000, 8, 8), 52).unwrap().codec, Codec::PcmU8);
        assert_eq!(sniff(&header(1, 1, 8_000, 24, 8), 52).unwrap().codec, Codec::PcmS24le);
        assert_eq!(sniff(&header(1, 1, 8_000, 32, 8), 52).unwrap().codec, Codec::PcmS32le);
        assert_eq!(sniff(&header(3, 2, 48_000, 32, 8), 52).unwrap().codec, Codec::IeeeFloat);
        assert_eq!(sniff(&header(6, 1, 8_000, 8, 8), 52).unwrap().codec, Codec::Alaw);
        assert_eq!(sniff(&header(7, 1, 8_000, 8, 8), 52).unwrap().codec, Codec::Mulaw);
        assert_eq!(sniff(&header(0x11, 1, 8_000, 4, 8), 52).unwrap().codec, Codec::WavFormat(0x11));
    }

    #[test]
    fn extensible_with_odd_chunk_before_data() {
        let mut fmt = Vec::new();
        fmt.extend_from_slice(&FORMAT_EXTENSIBLE.to_le_bytes());
        fmt.extend_from_slice(&2u16.to_le_bytes());
        fmt.extend_from_slice(&44_100u32.to_le_bytes());
        fmt.extend_from_slice(&(44_100u32 * 4).to_le_bytes());
        fmt.extend_from_slice(&4u16.to_le_bytes());
        fmt.extend_from_slice(&16u16.to_le_bytes());
        fmt.extend_from_slice(&22u16.to_le_bytes()); // cbSize
        fmt.extend_from_slice(&16u16.to_le_bytes()); // valid bits
        fmt.extend_from_slice(&3u32.to_le_bytes()); // channel mask
        fmt.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71]);
        let mut file = b"RIFF\0\0\0\0WAVE".to_vec();
        file.extend(chunk(b"fmt ", &fmt));
        file.extend(chunk(b"LIST", b"INFOISFT\x03\0\0\0abc")); // odd payload: padded
        file.extend(chunk(b"data", &[0; 8]));
        let n = file.len() as u64;
        let info = sniff(&file, n).unwrap();
        assert_eq!(info.codec, Codec::PcmS16le);
        assert_eq!(info.channels, 2);
        assert_eq!(info.duration_sec, Some(8.0 / 176_400.0));
    }

    #[test]
    fn streaming_sizes_come_from_file_size() {
        let h = header(1, 1, 8_000, 16, 0xFFFF_FFFF);
        assert_eq!(sniff(&h, 44 + 16_000).unwrap().duration_sec, Some(1.0));
        // Declared size past the end of the file (truncated recording).
        let h = header(1, 1, 8_000, 16, 1_000_000);
        assert_eq!(sniff(&h, 44 + 8_000).unwrap().duration_sec, Some(0.5));
        // 0 left by a writer that never came back, but there are samples.
        let h = header(1, 1, 8_000, 16, 0);
        assert_eq!(sniff(&h, 44 + 16_000).unwrap().duration_sec, Some(1.0));
        // A real empty data chunk.
        assert_eq!(sniff(&h, 44).unwrap().duration_sec, Some(0.0));
    }

    #[test]
    fn rf64_uses_ds64() {
        let mut file = b"RF64\xff\xff\xff\xffWAVE".to_vec();
        let mut ds64 = Vec::new();
        ds64.extend_from_slice(&0u64.to_le_bytes());
        ds64.extend_from_slice(&(16_000u64 * 3600 * 5).to_le_bytes()); // 5 h at 16 kB/s
        ds64.extend_from_slice(&0u64.to_le_bytes());
        ds64.extend_from_slice(&0u32.to_le_bytes());
        file.extend(chunk(b"ds64", &ds64));
        let h = header(1, 1, 8_000, 16, 0);
        file.extend_from_slice(&h[12..36]); // fmt chunk
        file.extend_from_slice(b"data\xff\xff\xff\xff");
        let info = sniff(&file, 16_000 * 3600 * 5 + 100).unwrap();
        assert_eq!(info.duration_sec, Some(5.0 * 3600.0));
    }

    #[test]
    fn errors() {
        let h = header(1, 0, 8_000, 16, 8);
        assert_eq!(sniff(&h, 52).unwrap_err().code(), "invalid_header");
        let h = header(1, 1, 0, 16, 8);
        assert_eq!(sniff(&h, 52).unwrap_err().code(), "invalid_header");
        // fmt cut short.
        let h = header(1, 1, 8_000, 16, 8);
        assert_eq!(sniff(&h[..26], 52).unwrap_err().code(), "truncated_header");
        // No fmt at all, whole file read.
        let mut f = b"RIFF\0\0\0\0WAVE".to_vec();
        f.extend(chunk(b"data", &[0; 4]));
        let n = f.len() as u64;
        assert_eq!(sniff(&f, n).unwrap_err().code(), "invalid_header");
        // Extensible without the GUID.
        let mut h = header(0xFFFE, 1, 8_000, 16, 8);
        h.truncate(36);
        assert_eq!(sniff(&h, 1000).unwrap_err().code(), "truncated_header");
        // A chunk size that overflows the walk ends it without panicking.
        let pcm = header(1, 1, 8_000, 16, 8);
        let mut f = b"RIFF\0\0\0\0WAVE".to_vec();
        f.extend_from_slice(&pcm[12..36]);
        f.extend_from_slice(b"junk\xff\xff\xff\xff");
        assert_eq!(sniff(&f, u64::MAX).unwrap().duration_sec, None);
    }
}
