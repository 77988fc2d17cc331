//! What SpeechSense accepts, checked before the first byte is sent.
//!
//! The service refuses (or silently fails to recognize) audio that breaks its documented rules.
//! [`check_for_upload`] applies them to a sniffed [`AudioInfo`], so a doomed upload fails fast
//! with a message that says what to do:
//!
//! - WAV must hold 16-bit signed little-endian LPCM at 8–48 kHz (the only WAV it recognizes);
//! - the audio lasts at most 4 hours ([`MAX_DURATION_SEC`]);
//! - `UploadBadge` (split one-channel audio) accepts only WAV and MP3, not Ogg Opus;
//! - a unary `Upload` carries less than 128 MB ([`MAX_UNARY_UPLOAD_SIZE`]).
//!
//! ```
//! use talk_uploader::audio::rules::{check_for_upload, choose_method_auto, Method, MAX_UNARY_UPLOAD_SIZE};
//! use talk_uploader::audio::{AudioInfo, Codec, Container};
//!
//! let ogg = AudioInfo {
//!     container: Container::OggOpus, codec: Codec::Opus, sample_rate: 48_000, channels: 1,
//!     bits_per_sample: None, duration_sec: Some(60.0), input_sample_rate: None,
//! };
//! assert_eq!(choose_method_auto(1_000_000, Container::Wav), Method::Upload);
//! assert_eq!(choose_method_auto(MAX_UNARY_UPLOAD_SIZE, Container::Wav), Method::UploadBadge);
//! assert!(check_for_upload(&ogg, 1_000_000, Method::Upload).is_ok());
//! let err = check_for_upload(&ogg, 1_000_000, Method::UploadBadge).unwrap_err();
//! assert_eq!(err.code(), "format_not_allowed_for_method");
//! ```
//!
//! ## Limitations
//!
//! - When the duration is unknown (an Ogg without its tail was sniffed), the 4-hour rule is not
//!   checked here; the service still applies it.
//! - Channel counts are not checked: the connection (one- or two-channel) decides what fits,
//!   and this package does not know the connection's kind.

use super::{AudioInfo, Codec, Container};
use crate::upload_code::UploadCode;

/// Longest audio SpeechSense accepts: 4 hours, in seconds.
pub const MAX_DURATION_SEC: f64 = 4.0 * 3600.0;

/// Lowest WAV sample rate SpeechSense recognizes, in Hz.
pub const MIN_WAV_SAMPLE_RATE: u32 = 8_000;

/// Highest WAV sample rate SpeechSense recognizes, in Hz.
pub const MAX_WAV_SAMPLE_RATE: u32 = 48_000;

/// A unary `Upload` must carry **fewer** than this many bytes: 128 MB = 128 × 10^6.
///
/// The proto only says "< 128 mb". Of the two readings, 128 × 10^6 (128,000,000) is smaller
/// than 128 × 2^20 (134,217,728), so it is the safe one for a client: a file between the two
/// goes through the streaming methods instead of risking a refusal after a long upload.
pub const MAX_UNARY_UPLOAD_SIZE: u64 = 128 * 1000 * 1000;

/// The SpeechSense upload method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Unary `TalkService.Upload`: one `UploadTalkRequest`, below 128 MB.
    Upload,
    /// Client-streaming `TalkService.UploadAsStream`: metadata, audio metadata, chunks.
    UploadAsStream,
    /// Client-streaming `TalkService.UploadBadge` (split one-channel audio), WAV or MP3 only.
    UploadBadge,
}

impl Method {
    /// The JS option value: `"upload"`, `"uploadAsStream"` or `"uploadBadge"`.
    pub fn js_name(self) -> &'static str {
        match self {
            Method::Upload => "upload",
            Method::UploadAsStream => "uploadAsStream",
            Method::UploadBadge => "uploadBadge",
        }
    }

    /// Parses a JS option value (`"auto"` is not a method: see [`choose_method_auto`]).
    pub fn from_js_name(name: &str) -> Option<Method> {
        match name {
            "upload" => Some(Method::Upload),
            "uploadAsStream" => Some(Method::UploadAsStream),
            "uploadBadge" => Some(Method::UploadBadge),
            _ => None,
        }
    }

    /// The gRPC path, e.g. `/yandex.cloud.speechsense.v1.TalkService/Upload`.
    pub fn grpc_path(self) -> &'static str {
        match self {
            Method::Upload => "/yandex.cloud.speechsense.v1.TalkService/Upload",
            Method::UploadAsStream => "/yandex.cloud.speechsense.v1.TalkService/UploadAsStream",
            Method::UploadBadge => "/yandex.cloud.speechsense.v1.TalkService/UploadBadge",
        }
    }

    /// The RPC name, e.g. `UploadBadge` (the last segment of [`grpc_path`](Self::grpc_path)).
    pub fn rpc_name(self) -> &'static str {
        let path = self.grpc_path();
        path.rsplit('/').next().unwrap_or(path)
    }

    /// Whether the method sends a client stream of chunk frames.
    pub fn is_streaming(self) -> bool {
        !matches!(self, Method::Upload)
    }
}

/// The method `"auto"` picks: `Upload` below [`MAX_UNARY_UPLOAD_SIZE`], `UploadBadge` from it on,
/// except for Ogg Opus, which `UploadBadge` refuses: a large Ogg goes through `UploadAsStream`,
/// the other streaming method, instead of failing.
pub fn choose_method_auto(size: u64, container: Container) -> Method {
    if size < MAX_UNARY_UPLOAD_SIZE {
        Method::Upload
    } else if container == Container::OggOpus {
        Method::UploadAsStream
    } else {
        Method::UploadBadge
    }
}

/// Why SpeechSense would refuse this audio with this method.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AudioRuleError {
    /// The file is empty.
    #[error("the audio file is empty (0 bytes); choose a file that contains audio")]
    Empty,
    /// A WAV that does not hold 16-bit LPCM.
    #[error("this WAV holds {codec} audio, but SpeechSense recognizes WAV only with 16-bit signed LPCM; convert it (e.g. `ffmpeg -i in.wav -c:a pcm_s16le out.wav`) or upload MP3")]
    WavNotPcm16 {
        /// The codec found.
        codec: String,
    },
    /// A 16-bit WAV whose sample rate is outside 8–48 kHz.
    #[error("this WAV is sampled at {sample_rate} Hz, but SpeechSense recognizes WAV only at 8000–48000 Hz; resample it (e.g. `ffmpeg -i in.wav -ar 16000 -c:a pcm_s16le out.wav`)")]
    WavSampleRate {
        /// The sample rate found.
        sample_rate: u32,
    },
    /// The audio is longer than 4 hours.
    // Whole seconds through an integer: `{:.0}` of an f64 links float formatting (~9 KiB of gzip).
    #[error("the audio lasts {} s, more than SpeechSense's 4-hour limit (14400 s); split it into parts of at most 4 hours", whole_seconds(*.duration_sec))]
    TooLong {
        /// The duration found.
        duration_sec: f64,
    },
    /// The container is not accepted by this method (Ogg Opus with `UploadBadge`).
    #[error("{method} accepts only WAV and MP3, and this file is {container}; convert it to MP3, or use method \"upload\" (below 128 MB) or \"uploadAsStream\"")]
    FormatNotAllowed {
        /// The method's JS name.
        method: &'static str,
        /// The container's name.
        container: &'static str,
    },
    /// The file is too large for a unary `Upload`.
    #[error("a single-message upload must be smaller than 128 MB (128000000 bytes), and this file has {size} bytes; use method \"uploadBadge\" or \"uploadAsStream\", or \"auto\"")]
    TooLargeForUpload {
        /// The file size.
        size: u64,
    },
}

impl AudioRuleError {
    /// A stable snake_case code for this error.
    pub fn code(&self) -> UploadCode {
        match self {
            AudioRuleError::Empty => UploadCode::EmptyFile,
            AudioRuleError::WavNotPcm16 { .. } => UploadCode::WavNotPcm16,
            AudioRuleError::WavSampleRate { .. } => UploadCode::WavSampleRate,
            AudioRuleError::TooLong { .. } => UploadCode::AudioTooLong,
            AudioRuleError::FormatNotAllowed { .. } => UploadCode::FormatNotAllowedForMethod,
            AudioRuleError::TooLargeForUpload { .. } => UploadCode::FileTooLargeForUpload,
        }
    }
}

/// Checks sniffed audio of `size` bytes against the service's rules for `method`.
///
/// Returns the first rule broken, in this order: empty, WAV codec, WAV rate, duration,
/// container for the method, size for `Upload`.
pub fn check_for_upload(info: &AudioInfo, size: u64, method: Method) -> Result<(), AudioRuleError> {
    if size == 0 {
        return Err(AudioRuleError::Empty);
    }
    if info.container == Container::Wav {
        if info.codec != Codec::PcmS16le {
            return Err(AudioRuleError::WavNotPcm16 { codec: info.codec.name().into_owned() });
        }
        if !(MIN_WAV_SAMPLE_RATE..=MAX_WAV_SAMPLE_RATE).contains(&info.sample_rate) {
            return Err(AudioRuleError::WavSampleRate { sample_rate: info.sample_rate });
        }
    }
    if let Some(duration_sec) = info.duration_sec {
        if duration_sec > MAX_DURATION_SEC || !duration_sec.is_finite() {
            return Err(AudioRuleError::TooLong { duration_sec });
        }
    }
    if method == Method::UploadBadge && info.container == Container::OggOpus {
        return Err(AudioRuleError::FormatNotAllowed {
            method: "uploadBadge",
            container: "Ogg Opus",
        });
    }
    if method == Method::Upload && size >= MAX_UNARY_UPLOAD_SIZE {
        return Err(AudioRuleError::TooLargeForUpload { size });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(container: Container, codec: Codec, rate: u32, duration: Option<f64>) -> AudioInfo {
        AudioInfo {
            container,
            codec,
            sample_rate: rate,
            channels: 1,
            bits_per_sample: None,
            duration_sec: duration,
            input_sample_rate: None,
        }
    }

    #[test]
    fn table() {
        use AudioRuleError as E;
        use Method::*;
        let wav = |codec, rate| info(Container::Wav, codec, rate, Some(10.0));
        let mp3 = info(Container::Mp3, Codec::Mp3, 44_100, Some(10.0));
        let ogg = info(Container::OggOpus, Codec::Opus, 48_000, Some(10.0));
        let cases: Vec<(AudioInfo, u64, Method, Result<(), &str>)> = vec![
            (wav(Codec::PcmS16le, 8_000), 1000, Upload, Ok(())),
            (wav(Codec::PcmS16le, 48_000), 1000, UploadBadge, Ok(())),
            (wav(Codec::PcmS16le, 7_999), 1000, Upload, Err("wav_sample_rate")),
            (wav(Codec::PcmS16le, 96_000), 1000, UploadAsStream, Err("wav_sample_rate")),
            (wav(Codec::PcmU8, 16_000), 1000, Upload, Err("wav_not_pcm16")),
            (wav(Codec::IeeeFloat, 16_000), 1000, Upload, Err("wav_not_pcm16")),
            (wav(Codec::PcmS24le, 16_000), 1000, Upload, Err("wav_not_pcm16")),
            (mp3.clone(), 1000, UploadBadge, Ok(())),
            (mp3.clone(), MAX_UNARY_UPLOAD_SIZE - 1, Upload, Ok(())),
            (mp3.clone(), MAX_UNARY_UPLOAD_SIZE, Upload, Err("file_too_large_for_upload")),
            (mp3.clone(), MAX_UNARY_UPLOAD_SIZE, UploadAsStream, Ok(())),
            (mp3.clone(), 0, Upload, Err("empty_file")),
            (ogg.clone(), 1000, Upload, Ok(())),
            (ogg.clone(), 1000, UploadAsStream, Ok(())),
            (ogg.clone(), 1000, UploadBadge, Err("format_not_allowed_for_method")),
            (info(Container::Mp3, Codec::Mp3, 44_100, Some(MAX_DURATION_SEC)), 1000, Upload, Ok(())),
            (info(Container::Mp3, Codec::Mp3, 44_100, Some(MAX_DURATION_SEC + 0.5)), 1000, Upload, Err("audio_too_long")),
            (info(Container::OggOpus, Codec::Opus, 48_000, None), 1000, Upload, Ok(())),
            (info(Container::Mp3, Codec::Mp3, 44_100, Some(f64::NAN)), 1000, Upload, Err("audio_too_long")),
        ];
        for (i, (info, size, method, expected)) in cases.into_iter().enumerate() {
            let got = check_for_upload(&info, size, method).map_err(|e: E| e.code().as_str());
            assert_eq!(got, expected, "case {i}");
        }
    }

    #[test]
    fn auto_and_names() {
        for c in [Container::Wav, Container::Mp3, Container::OggOpus] {
            assert_eq!(choose_method_auto(1, c), Method::Upload);
            assert_eq!(choose_method_auto(MAX_UNARY_UPLOAD_SIZE - 1, c), Method::Upload);
        }
        assert_eq!(choose_method_auto(MAX_UNARY_UPLOAD_SIZE, Container::Wav), Method::UploadBadge);
        assert_eq!(choose_method_auto(1 << 40, Container::Mp3), Method::UploadBadge);
        // UploadBadge refuses Ogg, so a big Ogg streams through UploadAsStream.
        assert_eq!(choose_method_auto(MAX_UNARY_UPLOAD_SIZE, Container::OggOpus), Method::UploadAsStream);
        for m in [Method::Upload, Method::UploadAsStream, Method::UploadBadge] {
            assert_eq!(Method::from_js_name(m.js_name()), Some(m));
            assert!(m.grpc_path().ends_with(&m.js_name()[1..]));
            assert_eq!(format!("/yandex.cloud.speechsense.v1.TalkService/{}", m.rpc_name()), m.grpc_path());
        }
        assert_eq!(Method::from_js_name("auto"), None);
        assert!(Method::UploadBadge.is_streaming() && !Method::Upload.is_streaming());
    }

    #[test]
    fn messages_say_what_to_do() {
        let e = AudioRuleError::WavNotPcm16 { codec: "pcm_u8".into() };
        assert!(e.to_string().contains("pcm_u8") && e.to_string().contains("convert"));
        let e = AudioRuleError::TooLargeForUpload { size: 200_000_000 };
        assert!(e.to_string().contains("uploadBadge"));
    }

    #[test]
    fn sniffed_wav_round_trip() {
        let head = super::super::wav::tests_support::header(1, 1, 16_000, 16, 32_000);
        let info = super::super::sniff(&head, 44 + 32_000, None).unwrap();
        assert!(check_for_upload(&info, 44 + 32_000, Method::UploadBadge).is_ok());
        let head = super::super::wav::tests_support::header(1, 1, 16_000, 8, 16_000);
        let info = super::super::sniff(&head, 44 + 16_000, None).unwrap();
        assert_eq!(check_for_upload(&info, 44 + 16_000, Method::Upload).unwrap_err().code(), "wav_not_pcm16");
    }
}

/// `secs` rounded to whole seconds (saturating; NaN is 0), for messages.
fn whole_seconds(secs: f64) -> u64 {
    // `as` saturates and maps NaN to 0; adding 0.5 rounds half up without libm's `round`.
    (secs + 0.5) as u64
}
