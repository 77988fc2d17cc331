//! Audio header sniffing: container, codec, rate, channels and duration from a few KiB of bytes.
//!
//! SpeechSense accepts WAV (16-bit LPCM only), MP3 and Ogg Opus, and wants the container type
//! in the request. [`sniff`] reads the first ≤ 64 KiB of a file ([`HEAD_SIZE`]), and optionally
//! its last ≤ 64 KiB ([`TAIL_SIZE`]), so a browser never loads a whole file to check it:
//!
//! - **WAV** (`RIFF`/`RF64` … `WAVE`): walks the chunks to `fmt ` and `data`; duration is the
//!   data size over the byte rate. Needs only the head.
//! - **MP3**: skips an ID3v2 tag, finds a Layer III frame confirmed by the next frame, and takes
//!   the duration from a Xing/Info or VBRI header, else estimates it from the bitrate (CBR).
//!   The tail, when given, lets it discount a trailing ID3v1 tag.
//! - **Ogg Opus**: reads `OpusHead` from the first page; the duration needs the **tail**: the
//!   last page's granule position minus the pre-skip, at 48 kHz.
//!
//! ```
//! use talk_uploader::audio::{sniff, Codec, Container};
//!
//! // A 44-byte WAV header for 1 s of 16 kHz mono 16-bit PCM.
//! let mut wav = Vec::new();
//! wav.extend_from_slice(b"RIFF");
//! wav.extend_from_slice(&(36u32 + 32_000).to_le_bytes());
//! wav.extend_from_slice(b"WAVEfmt ");
//! wav.extend_from_slice(&16u32.to_le_bytes());
//! wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
//! wav.extend_from_slice(&1u16.to_le_bytes()); // mono
//! wav.extend_from_slice(&16_000u32.to_le_bytes());
//! wav.extend_from_slice(&32_000u32.to_le_bytes()); // byte rate
//! wav.extend_from_slice(&2u16.to_le_bytes()); // block align
//! wav.extend_from_slice(&16u16.to_le_bytes()); // bits
//! wav.extend_from_slice(b"data");
//! wav.extend_from_slice(&32_000u32.to_le_bytes());
//!
//! let info = sniff(&wav, 44 + 32_000, None).unwrap();
//! assert_eq!(info.container, Container::Wav);
//! assert_eq!(info.codec, Codec::PcmS16le);
//! assert_eq!((info.sample_rate, info.channels), (16_000, 1));
//! assert_eq!(info.duration_sec, Some(1.0));
//! ```
//!
//! ## Limitations
//!
//! - Only the header is read: a file whose audio is corrupt after a valid header passes.
//! - An MP3 whose ID3v2 tag (cover art) ends past the head yields
//!   [`AudioError::NeedsDataAt`]; read ≤ 64 KiB from that offset and call [`sniff_mp3_at`].
//!   [`Sniffer`] does all of that: it names each range it needs, and every driver (the browser's
//!   `Blob` reader, the devserver's files) feeds it the bytes.
//! - A WAV whose `data` chunk starts past the head gets `duration_sec: None`.
//! - Ogg page CRCs are not verified; chained Ogg streams report the first stream only, and the
//!   duration uses the last page of that stream found in the tail.
//! - A CBR estimate for an MP3 without Xing/VBRI header assumes the first frame's bitrate.

pub mod mp3;
pub mod ogg;
pub mod rules;
pub mod sniffer;
pub mod wav;

pub use rules::{check_for_upload, choose_method_auto, AudioRuleError, Method};
pub use sniffer::{sniff_with, Sniffer, Step};

use std::borrow::Cow;

use crate::proto::speechsense::container_audio::ContainerAudioType;
use crate::upload_code::UploadCode;

/// Most bytes [`sniff`] reads from the start of a file: 64 KiB.
pub const HEAD_SIZE: u64 = 64 * 1024;

/// Most bytes [`sniff`] reads from the end of a file (Ogg duration, MP3 ID3v1): 64 KiB.
pub const TAIL_SIZE: u64 = 64 * 1024;

/// An audio container SpeechSense accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Container {
    /// RIFF/RF64 WAVE.
    Wav,
    /// MPEG-1/2/2.5 Layer III.
    Mp3,
    /// Opus in Ogg.
    OggOpus,
}

impl Container {
    /// A stable lowercase name: `"wav"`, `"mp3"` or `"ogg_opus"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Container::Wav => "wav",
            Container::Mp3 => "mp3",
            Container::OggOpus => "ogg_opus",
        }
    }

    /// The SpeechSense `ContainerAudio.ContainerAudioType` for this container.
    pub fn proto_type(self) -> ContainerAudioType {
        match self {
            Container::Wav => ContainerAudioType::Wav,
            Container::Mp3 => ContainerAudioType::Mp3,
            Container::OggOpus => ContainerAudioType::OggOpus,
        }
    }
}

impl From<Container> for ContainerAudioType {
    fn from(container: Container) -> Self {
        container.proto_type()
    }
}

/// The codec of the audio inside the container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// Unsigned 8-bit LPCM (WAV's only 8-bit PCM).
    PcmU8,
    /// Signed 16-bit little-endian LPCM: the only WAV payload SpeechSense recognizes.
    PcmS16le,
    /// Signed 24-bit little-endian LPCM.
    PcmS24le,
    /// Signed 32-bit little-endian LPCM.
    PcmS32le,
    /// LPCM with another sample width (the number of bits).
    PcmOther(u16),
    /// IEEE float samples (WAVE_FORMAT_IEEE_FLOAT).
    IeeeFloat,
    /// G.711 A-law.
    Alaw,
    /// G.711 µ-law.
    Mulaw,
    /// MPEG Layer III.
    Mp3,
    /// Opus.
    Opus,
    /// Another WAV format tag.
    WavFormat(u16),
}

impl Codec {
    /// A stable snake_case name, e.g. `"pcm_s16le"`, `"ieee_float"`, `"mp3"`, `"opus"`.
    pub fn name(self) -> Cow<'static, str> {
        match self {
            Codec::PcmU8 => "pcm_u8".into(),
            Codec::PcmS16le => "pcm_s16le".into(),
            Codec::PcmS24le => "pcm_s24le".into(),
            Codec::PcmS32le => "pcm_s32le".into(),
            // As a `u32`: the one small-integer `Display` the crate's messages link anyway.
            Codec::PcmOther(bits) => format!("pcm_{}bit", u32::from(bits)).into(),
            Codec::IeeeFloat => "ieee_float".into(),
            Codec::Alaw => "alaw".into(),
            Codec::Mulaw => "mulaw".into(),
            Codec::Mp3 => "mp3".into(),
            Codec::Opus => "opus".into(),
            Codec::WavFormat(tag) => {
                // `{tag:04x}` through the json module's hex writer (no `LowerHex` of `u16` linked).
                let mut name = String::from("wav_format_0x");
                crate::json::escape::push_hex(&mut name, tag.into(), 4, false);
                name.into()
            }
        }
    }
}

impl std::fmt::Display for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// What the header says about a file.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioInfo {
    /// The container.
    pub container: Container,
    /// The codec inside it.
    pub codec: Codec,
    /// Sample rate in Hz; for Opus always 48000, the rate Opus decodes at.
    pub sample_rate: u32,
    /// Number of channels.
    pub channels: u16,
    /// Bits per sample (WAV only).
    pub bits_per_sample: Option<u16>,
    /// Duration in seconds, when the bytes read were enough to tell.
    pub duration_sec: Option<f64>,
    /// Ogg Opus only: the sample rate of the original input, from `OpusHead` (informative).
    pub input_sample_rate: Option<u32>,
}

/// Why a file's header could not be read as a supported audio format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AudioError {
    /// The file is empty.
    #[error("the audio file is empty (0 bytes)")]
    Empty,
    /// The bytes are not WAV, MP3 or Ogg; `detected` names a known other format when recognized.
    #[error("{}", unknown_container_message(.detected))]
    UnknownContainer {
        /// A recognized but unsupported format (`"FLAC"`, `"MP4/M4A"`, ...), if any.
        detected: Option<&'static str>,
    },
    /// The container is supported but its codec is not (Ogg Vorbis, Ogg FLAC, ...).
    #[error("this {container} file holds {codec} audio; SpeechSense accepts Ogg only with Opus: convert it to Opus, MP3 or 16-bit WAV")]
    UnsupportedCodec {
        /// The container name.
        container: &'static str,
        /// The codec found.
        codec: &'static str,
    },
    /// The header ends before a required field.
    #[error("the {container} header is truncated ({what}); the file is incomplete or damaged")]
    Truncated {
        /// The container name.
        container: &'static str,
        /// Which part is missing.
        what: &'static str,
    },
    /// A header field has an impossible value.
    #[error("the {container} header is invalid: {reason}; the file is damaged or not really {container}")]
    InvalidHeader {
        /// The container name.
        container: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// The bytes needed lie past the head that was read (e.g. a large ID3v2 tag).
    #[error("the audio header starts at byte {offset}, past the first 64 KiB; read from there and sniff again")]
    NeedsDataAt {
        /// Offset to read the next ≤ 64 KiB from.
        offset: u64,
    },
}

fn unknown_container_message(detected: &Option<&'static str>) -> String {
    match detected {
        Some(name) => format!(
            "this is a {name} file, which SpeechSense does not accept; convert it to MP3, Ogg Opus or 16-bit WAV"
        ),
        None => "this file is not WAV, MP3 or Ogg Opus (no known header in its first bytes); convert it to one of them".to_string(),
    }
}

impl AudioError {
    /// A stable snake_case code for this error.
    pub fn code(&self) -> UploadCode {
        match self {
            AudioError::Empty => UploadCode::EmptyFile,
            AudioError::UnknownContainer { .. } => UploadCode::UnknownContainer,
            AudioError::UnsupportedCodec { .. } => UploadCode::UnsupportedCodec,
            AudioError::Truncated { .. } => UploadCode::TruncatedHeader,
            AudioError::InvalidHeader { .. } => UploadCode::InvalidHeader,
            AudioError::NeedsDataAt { .. } => UploadCode::NeedsMoreData,
        }
    }
}

/// Reads the container, codec, rate, channels and duration from a file's first bytes.
///
/// `head` is the first ≤ [`HEAD_SIZE`] bytes (more are ignored), `total_size` the file size,
/// and `tail` optionally the last ≤ [`TAIL_SIZE`] bytes (needed for an Ogg duration; it may
/// overlap `head` for a small file). Never panics, whatever the bytes.
pub fn sniff(head: &[u8], total_size: u64, tail: Option<&[u8]>) -> Result<AudioInfo, AudioError> {
    let head = head.get(..HEAD_SIZE as usize).unwrap_or(head);
    if head.is_empty() || total_size == 0 {
        return Err(AudioError::Empty);
    }
    let tail = tail.map(|t| t.get(t.len().saturating_sub(TAIL_SIZE as usize)..).unwrap_or(t));
    if wav::looks_like(head) {
        return wav::sniff(head, total_size);
    }
    if head.len() < 12 && (head.starts_with(b"RIFF") || head.starts_with(b"RF64")) {
        return Err(AudioError::Truncated { container: "WAV", what: "RIFF/WAVE signature" });
    }
    if ogg::looks_like(head) {
        return ogg::sniff(head, total_size, tail);
    }
    if let Some(detected) = detect_other(head) {
        return Err(AudioError::UnknownContainer { detected: Some(detected) });
    }
    mp3::sniff(head, total_size, tail)
}

/// Continues an MP3 sniff after [`AudioError::NeedsDataAt`]: `window` holds the bytes from
/// `offset` (the end of the ID3v2 tag) on.
pub fn sniff_mp3_at(
    window: &[u8],
    offset: u64,
    total_size: u64,
    tail: Option<&[u8]>,
) -> Result<AudioInfo, AudioError> {
    let window = window.get(..HEAD_SIZE as usize).unwrap_or(window);
    mp3::sniff_frames(window, offset, total_size, tail)
}

/// Names well-known formats SpeechSense does not accept, for a helpful error.
fn detect_other(head: &[u8]) -> Option<&'static str> {
    let at = |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);
    if at(0, b"fLaC") {
        Some("FLAC")
    } else if at(4, b"ftyp") {
        Some("MP4/M4A")
    } else if at(0, &[0x1a, 0x45, 0xdf, 0xa3]) {
        Some("WebM/Matroska")
    } else if at(0, b"FORM") && (at(8, b"AIFF") || at(8, b"AIFC")) {
        Some("AIFF")
    } else if at(0, b"RIFX") {
        Some("big-endian RIFX WAV")
    } else if at(0, b"#!AMR") {
        Some("AMR")
    } else if at(0, &[0x30, 0x26, 0xb2, 0x75]) {
        Some("WMA/ASF")
    } else {
        None
    }
}

/// Little-endian and big-endian readers that return `None` past the end, never panic.
pub(crate) mod bytes {
    /// `u16` little-endian at `offset`.
    pub fn u16le(buf: &[u8], offset: usize) -> Option<u16> {
        Some(u16::from_le_bytes(buf.get(offset..offset.checked_add(2)?)?.try_into().ok()?))
    }
    /// `u32` little-endian at `offset`.
    pub fn u32le(buf: &[u8], offset: usize) -> Option<u32> {
        Some(u32::from_le_bytes(buf.get(offset..offset.checked_add(4)?)?.try_into().ok()?))
    }
    /// `u64` little-endian at `offset`.
    pub fn u64le(buf: &[u8], offset: usize) -> Option<u64> {
        Some(u64::from_le_bytes(buf.get(offset..offset.checked_add(8)?)?.try_into().ok()?))
    }
    /// `u32` big-endian at `offset`.
    pub fn u32be(buf: &[u8], offset: usize) -> Option<u32> {
        Some(u32::from_be_bytes(buf.get(offset..offset.checked_add(4)?)?.try_into().ok()?))
    }
    /// Whether `buf` holds `magic` at `offset`.
    pub fn has(buf: &[u8], offset: usize, magic: &[u8]) -> bool {
        offset
            .checked_add(magic.len())
            .and_then(|end| buf.get(offset..end))
            == Some(magic)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn unknown_and_other_formats() {
        assert_eq!(sniff(&[], 0, None), Err(AudioError::Empty));
        assert_eq!(
            sniff(b"fLaC\0\0\0\x22", 100, None),
            Err(AudioError::UnknownContainer { detected: Some("FLAC") })
        );
        assert_eq!(
            sniff(b"\0\0\0\x20ftypM4A ", 100, None),
            Err(AudioError::UnknownContainer { detected: Some("MP4/M4A") })
        );
        let e = sniff(b"hello, this is text and not audio at all", 40, None).unwrap_err();
        assert_eq!(e, AudioError::UnknownContainer { detected: None });
        assert_eq!(e.code(), "unknown_container");
        assert!(e.to_string().contains("convert"));
    }

    #[test]
    fn container_maps_to_proto() {
        assert_eq!(ContainerAudioType::from(Container::Wav), ContainerAudioType::Wav);
        assert_eq!(Container::Mp3.proto_type(), ContainerAudioType::Mp3);
        assert_eq!(Container::OggOpus.proto_type(), ContainerAudioType::OggOpus);
        assert_eq!(Container::OggOpus.as_str(), "ogg_opus");
        assert_eq!(Codec::WavFormat(0x55).name(), "wav_format_0x0055");
        for tag in [0, 1, 0x55, 0x0a0b, 0xabcd, 0xfffe, u16::MAX] {
            assert_eq!(Codec::WavFormat(tag).name(), format!("wav_format_0x{tag:04x}"));
        }
        for bits in [0, 4, 12, 20, 64, u16::MAX] {
            assert_eq!(Codec::PcmOther(bits).name(), format!("pcm_{bits}bit"));
        }
    }

    /// Real WAV headers written by other tools (see tests/regressions/README.md).
    #[test]
    fn captured_wav_headers() {
        let pcm16 = include_bytes!("../../tests/regressions/wav-pluck-pcm16.head.bin");
        let info = sniff(pcm16, 13_370, None).unwrap();
        assert_eq!((info.codec, info.channels, info.sample_rate), (Codec::PcmS16le, 2, 11_025));
        assert!((info.duration_sec.unwrap() - 3307.0 / 11_025.0).abs() < 1e-3);
        assert!(check_for_upload(&info, 13_370, Method::UploadBadge).is_ok());

        let pcm8 = include_bytes!("../../tests/regressions/wav-pluck-pcm8.head.bin");
        let info = sniff(pcm8, 6_756, None).unwrap();
        assert_eq!(info.codec, Codec::PcmU8);
        assert_eq!(check_for_upload(&info, 6_756, Method::Upload).unwrap_err().code(), "wav_not_pcm16");

        // WAVE_FORMAT_EXTENSIBLE with a `fact` chunk before `data`.
        let ext = include_bytes!("../../tests/regressions/wav-pluck-pcm24-ext.head.bin");
        let info = sniff(ext, 19_922, None).unwrap();
        assert_eq!((info.codec, info.bits_per_sample), (Codec::PcmS24le, Some(24)));
        let expected = 19_842.0 / (11_025.0 * 6.0);
        assert!((info.duration_sec.unwrap() - expected).abs() < 1e-9);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn never_panics_on_random_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..512),
            total in any::<u64>(),
        ) {
            let _ = sniff(&bytes, total, Some(&bytes));
        }

        #[test]
        fn never_panics_on_mutated_magic(
            magic in prop_oneof![
                Just(&b"RIFF\x24\x00\x00\x00WAVEfmt "[..]),
                Just(&b"RF64\xff\xff\xff\xffWAVEds64"[..]),
                Just(&b"OggS\x00\x02"[..]),
                Just(&b"ID3\x04\x00\x00"[..]),
                Just(&[0xffu8, 0xfb, 0x90, 0x64][..]),
            ],
            rest in proptest::collection::vec(any::<u8>(), 0..400),
            total in any::<u64>(),
        ) {
            let mut bytes = magic.to_vec();
            bytes.extend(rest);
            let _ = sniff(&bytes, total, Some(&bytes));
            let _ = sniff(&bytes, bytes.len() as u64, None);
        }
    }
}
