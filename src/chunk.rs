//! Chunk plans over `u64` file offsets, and checked conversions between `u64` and JS numbers.
//!
//! A client-streaming upload sends the file as consecutive `[start, end)` ranges, 1 MiB by
//! default as in the SpeechSense samples. [`plan_chunks`] computes those ranges; it never reads
//! the file. The grpc-web body planner ([`crate::grpc_web::body`]) puts one frame around each.
//!
//! ```
//! use talk_uploader::chunk::{plan_chunks, ChunkRange, DEFAULT_CHUNK_SIZE};
//!
//! let plan = plan_chunks(2_500_000, DEFAULT_CHUNK_SIZE).unwrap();
//! assert_eq!(plan.len(), 3);
//! assert_eq!(plan[2], ChunkRange { index: 2, start: 2_097_152, end: 2_500_000 });
//! ```
//!
//! Sizes and offsets are `u64` inside the crate. JS numbers are doubles, exact only up to
//! `Number.MAX_SAFE_INTEGER` (2^53 − 1); [`js_number_to_u64`] and [`u64_to_js_number`] check
//! every crossing of that boundary, as gloo does for `Blob` sizes.
//!
//! ## Limitations
//!
//! - A plan is capped at [`MAX_CHUNKS`] ranges so that a tiny chunk size cannot make a huge
//!   allocation; [`chunk_ranges`] is the lazy form without that cap.
//! - The largest chunk is bounded by the server's default 4 MiB message limit (see
//!   [`MAX_CHUNK_SIZE`]); a server configured with a larger limit gains nothing from it here.

use crate::upload_code::UploadCode;

/// Default chunk size: 1 MiB, as in the SpeechSense `UploadBadge` sample.
pub const DEFAULT_CHUNK_SIZE: u64 = 1024 * 1024;

/// The default maximum message size of a gRPC server (tonic, grpc-go, grpc-java): 4 MiB.
///
/// A frame above it is refused before the body is read, and the browser reports that as
/// "Failed to fetch" instead of a gRPC status.
pub const SERVER_MAX_MESSAGE_SIZE: u64 = 4 * 1024 * 1024;

/// Bytes reserved for the protobuf wrapping around a chunk's data.
///
/// A `StreamTalkRequest{audio{chunk{data}}}` of up to 4 MiB needs three keys and three 4-byte
/// varint lengths (15 bytes); 64 leaves room for a future wrapper field.
pub const CHUNK_MESSAGE_OVERHEAD: u64 = 64;

/// Largest accepted chunk size: [`SERVER_MAX_MESSAGE_SIZE`] minus [`CHUNK_MESSAGE_OVERHEAD`].
pub const MAX_CHUNK_SIZE: u64 = SERVER_MAX_MESSAGE_SIZE - CHUNK_MESSAGE_OVERHEAD;

/// Most ranges [`plan_chunks`] returns (2^20: 1 TiB at the default chunk size).
pub const MAX_CHUNKS: u64 = 1 << 20;

/// `Number.MAX_SAFE_INTEGER`: the largest integer a JS number represents exactly (2^53 − 1).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// One chunk of a file: the half-open byte range `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChunkRange {
    /// Position of the chunk in the plan, from 0.
    pub index: u64,
    /// Offset of the first byte.
    pub start: u64,
    /// Offset one past the last byte.
    pub end: u64,
}

impl ChunkRange {
    /// Number of bytes in the chunk.
    pub fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// Whether the chunk holds no bytes (never true for a range of a plan).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why a chunk plan or a number conversion was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChunkError {
    /// The file is empty: there is nothing to upload.
    #[error("the file is empty (0 bytes); choose a file that contains data")]
    EmptyFile,
    /// The chunk size is 0.
    #[error("chunkSize must be at least 1 byte (the default is 1048576, 1 MiB)")]
    ZeroChunkSize,
    /// The chunk size would make frames over the server's 4 MiB message limit.
    #[error("chunkSize {chunk_size} is too large: it must be at most {max} bytes so that each frame stays under the server's 4 MiB message limit; the default is 1048576 (1 MiB)")]
    ChunkTooLarge {
        /// The requested chunk size.
        chunk_size: u64,
        /// The largest accepted chunk size.
        max: u64,
    },
    /// The plan would have more than [`MAX_CHUNKS`] ranges.
    #[error("chunkSize {chunk_size} splits a {size}-byte file into more than {max} chunks; use a larger chunkSize")]
    TooManyChunks {
        /// The file size.
        size: u64,
        /// The requested chunk size.
        chunk_size: u64,
        /// The chunk-count cap.
        max: u64,
    },
}

impl ChunkError {
    /// A stable snake_case code for this error.
    pub fn code(&self) -> UploadCode {
        match self {
            ChunkError::EmptyFile => UploadCode::EmptyFile,
            ChunkError::ZeroChunkSize => UploadCode::InvalidChunkSize,
            ChunkError::ChunkTooLarge { .. } => UploadCode::ChunkTooLarge,
            ChunkError::TooManyChunks { .. } => UploadCode::TooManyChunks,
        }
    }
}

/// Checks a chunk size against 0 and [`MAX_CHUNK_SIZE`].
pub fn check_chunk_size(chunk_size: u64) -> Result<(), ChunkError> {
    if chunk_size == 0 {
        Err(ChunkError::ZeroChunkSize)
    } else if chunk_size > MAX_CHUNK_SIZE {
        Err(ChunkError::ChunkTooLarge { chunk_size, max: MAX_CHUNK_SIZE })
    } else {
        Ok(())
    }
}

/// Number of chunks of `chunk_size` bytes that cover `size` bytes (`ceil(size / chunk_size)`).
///
/// Returns 0 when `chunk_size` is 0.
pub fn chunk_count(size: u64, chunk_size: u64) -> u64 {
    if chunk_size == 0 {
        0
    } else {
        size.div_ceil(chunk_size)
    }
}

/// Lazily yields the ranges covering `size` bytes in `chunk_size` steps (no checks, no cap).
///
/// Yields nothing when `size` or `chunk_size` is 0.
pub fn chunk_ranges(size: u64, chunk_size: u64) -> impl Iterator<Item = ChunkRange> {
    (0..chunk_count(size, chunk_size)).map(move |index| {
        // index < ceil(size / chunk_size), so index * chunk_size < size: no overflow.
        let start = index.saturating_mul(chunk_size);
        let end = start.saturating_add(chunk_size).min(size);
        ChunkRange { index, start, end }
    })
}

/// Splits a `size`-byte file into consecutive ranges of `chunk_size` bytes (the last may be shorter).
///
/// Refuses an empty file, a chunk size of 0 or above [`MAX_CHUNK_SIZE`], and plans of more
/// than [`MAX_CHUNKS`] ranges.
pub fn plan_chunks(size: u64, chunk_size: u64) -> Result<Vec<ChunkRange>, ChunkError> {
    check_chunk_size(chunk_size)?;
    if size == 0 {
        return Err(ChunkError::EmptyFile);
    }
    let count = chunk_count(size, chunk_size);
    if count > MAX_CHUNKS {
        return Err(ChunkError::TooManyChunks { size, chunk_size, max: MAX_CHUNKS });
    }
    Ok(chunk_ranges(size, chunk_size).collect())
}

/// Why a JS number could not become a `u64`, or a `u64` a JS number.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum NumberError {
    /// The number is NaN or infinite.
    #[error("expected a finite number of bytes, got {}", Shown(*.0))]
    NotFinite(f64),
    /// The number is below zero.
    #[error("expected a byte count of 0 or more, got {}", Shown(*.0))]
    Negative(f64),
    /// The number has a fractional part.
    #[error("expected a whole number of bytes, got {}", Shown(*.0))]
    NotInteger(f64),
    /// The number is past `Number.MAX_SAFE_INTEGER` and cannot be represented exactly.
    #[error("{} is larger than Number.MAX_SAFE_INTEGER (9007199254740991) and cannot be an exact byte count", Shown(*.0))]
    Unsafe(f64),
}

/// A JS number as a message shows it, through integer formatting only: core's float
/// formatting costs ~9 KiB of gzip in the wasm module. Integers print exactly (up to 2^64),
/// fractions to 6 decimals, huge values with 3 significant digits (`1.8e+308`), and NaN and
/// the infinities as JS writes them.
///
/// ```
/// use talk_uploader::chunk::Shown;
/// assert_eq!(Shown(1.5).to_string(), "1.5");
/// assert_eq!(Shown(-3.0).to_string(), "-3");
/// assert_eq!(Shown(1e300).to_string(), "1e+300");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Shown(pub f64);

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = self.0;
        if v.is_nan() {
            return f.write_str("NaN");
        }
        if v < 0.0 {
            f.write_str("-")?;
        }
        let a = v.abs();
        if a.is_infinite() {
            return f.write_str("Infinity");
        }
        if a >= 18_446_744_073_709_551_616.0 {
            let (mut m, mut e) = (a, 0u32);
            while m >= 10.0 {
                m /= 10.0;
                e += 1;
            }
            // `as` truncates; adding 0.5 rounds without libm's `round`.
            let mut digits = (m * 100.0 + 0.5) as u64;
            if digits >= 1000 {
                digits /= 10;
                e += 1;
            }
            let (int, frac) = (digits / 100, digits % 100);
            return match frac {
                0 => write!(f, "{int}e+{e}"),
                _ if frac % 10 == 0 => write!(f, "{int}.{}e+{e}", frac / 10),
                _ => write!(f, "{int}.{frac:02}e+{e}"),
            };
        }
        let mut int = a.trunc() as u64;
        let frac = a - a.trunc();
        let micros = (frac * 1e6 + 0.5) as u64;
        if micros >= 1_000_000 {
            // Rounded up to the next integer: within half a millionth of it.
            int += 1;
            return write!(f, "{int}");
        }
        write!(f, "{int}")?;
        if micros == 0 {
            return if frac > 0.0 { f.write_str(" and a tiny fraction") } else { Ok(()) };
        }
        let mut text = format!("{micros:06}");
        while text.ends_with('0') {
            text.pop();
        }
        write!(f, ".{text}")
    }
}

impl NumberError {
    /// The code of the failure this error becomes: a JS number reaches the core only as an
    /// option or argument, so it is `invalid_options`, whose message says which way it is wrong.
    pub fn code(&self) -> UploadCode {
        UploadCode::InvalidOptions
    }
}

/// Converts a JS number to a `u64`: it must be a finite, non-negative integer ≤ 2^53 − 1.
///
/// `-0` is accepted as 0.
pub fn js_number_to_u64(value: f64) -> Result<u64, NumberError> {
    if !value.is_finite() {
        return Err(NumberError::NotFinite(value));
    }
    if value < 0.0 {
        return Err(NumberError::Negative(value));
    }
    if value.fract() != 0.0 {
        return Err(NumberError::NotInteger(value));
    }
    if value > MAX_SAFE_INTEGER as f64 {
        return Err(NumberError::Unsafe(value));
    }
    // Checked above: an integer in [0, 2^53 − 1] converts exactly.
    Ok(value as u64)
}

/// Converts a `u64` to a JS number, refusing values past `Number.MAX_SAFE_INTEGER`.
pub fn u64_to_js_number(value: u64) -> Result<f64, NumberError> {
    if value > MAX_SAFE_INTEGER {
        Err(NumberError::Unsafe(value as f64))
    } else {
        Ok(value as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plans_cover_the_file() {
        assert_eq!(plan_chunks(1, DEFAULT_CHUNK_SIZE).unwrap(), vec![ChunkRange { index: 0, start: 0, end: 1 }]);
        assert_eq!(
            plan_chunks(DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_SIZE).unwrap(),
            vec![ChunkRange { index: 0, start: 0, end: DEFAULT_CHUNK_SIZE }]
        );
        let plan = plan_chunks(DEFAULT_CHUNK_SIZE + 1, DEFAULT_CHUNK_SIZE).unwrap();
        assert_eq!(plan.len(), 2);
        assert_eq!(plan[1], ChunkRange { index: 1, start: DEFAULT_CHUNK_SIZE, end: DEFAULT_CHUNK_SIZE + 1 });
        assert_eq!(plan_chunks(10, 3).unwrap().iter().map(ChunkRange::len).collect::<Vec<_>>(), [3, 3, 3, 1]);
        // 1 TiB at 1 MiB is exactly the cap.
        assert_eq!(plan_chunks(1 << 40, DEFAULT_CHUNK_SIZE).unwrap().len(), 1 << 20);
    }

    #[test]
    fn plans_refuse_bad_input() {
        assert_eq!(plan_chunks(0, DEFAULT_CHUNK_SIZE), Err(ChunkError::EmptyFile));
        assert_eq!(plan_chunks(10, 0), Err(ChunkError::ZeroChunkSize));
        assert_eq!(
            plan_chunks(10, 4 * 1024 * 1024),
            Err(ChunkError::ChunkTooLarge { chunk_size: 4 * 1024 * 1024, max: MAX_CHUNK_SIZE })
        );
        assert!(plan_chunks(10, MAX_CHUNK_SIZE).is_ok());
        assert!(plan_chunks(10, MAX_CHUNK_SIZE + 1).is_err());
        assert!(matches!(plan_chunks(u64::MAX, 1), Err(ChunkError::TooManyChunks { .. })));
        assert!(matches!(plan_chunks((1 << 40) + 1, DEFAULT_CHUNK_SIZE), Err(ChunkError::TooManyChunks { .. })));
        assert_eq!(ChunkError::ZeroChunkSize.code(), "invalid_chunk_size");
    }

    #[test]
    fn max_chunk_frame_fits_server_limit() {
        let prefix = crate::grpc_web::body::chunk_frame_prefix(MAX_CHUNK_SIZE).unwrap();
        let message_len = prefix.len() as u64 - 5 + MAX_CHUNK_SIZE;
        assert!(message_len < SERVER_MAX_MESSAGE_SIZE, "{message_len}");
    }

    #[test]
    fn ranges_near_u64_max_do_not_overflow() {
        let last = chunk_ranges(u64::MAX, 1 << 62).last().unwrap();
        assert_eq!(last.end, u64::MAX);
        assert_eq!(chunk_ranges(0, 5).count(), 0);
        assert_eq!(chunk_ranges(5, 0).count(), 0);
    }

    #[test]
    fn js_numbers_are_checked() {
        assert_eq!(js_number_to_u64(0.0), Ok(0));
        assert_eq!(js_number_to_u64(-0.0), Ok(0));
        assert_eq!(js_number_to_u64(1_048_576.0), Ok(1_048_576));
        assert_eq!(js_number_to_u64(9_007_199_254_740_991.0), Ok(MAX_SAFE_INTEGER));
        assert!(matches!(js_number_to_u64(9_007_199_254_740_992.0), Err(NumberError::Unsafe(_))));
        assert!(matches!(js_number_to_u64(-1.0), Err(NumberError::Negative(_))));
        assert!(matches!(js_number_to_u64(1.5), Err(NumberError::NotInteger(_))));
        assert!(matches!(js_number_to_u64(f64::NAN), Err(NumberError::NotFinite(_))));
        assert_eq!(js_number_to_u64(1.5).unwrap_err().to_string(), "expected a whole number of bytes, got 1.5");
        assert_eq!(js_number_to_u64(-2.0).unwrap_err().to_string(), "expected a byte count of 0 or more, got -2");
        assert!(matches!(js_number_to_u64(f64::INFINITY), Err(NumberError::NotFinite(_))));
        assert_eq!(u64_to_js_number(MAX_SAFE_INTEGER), Ok(9_007_199_254_740_991.0));
        assert!(u64_to_js_number(MAX_SAFE_INTEGER + 1).is_err());
        assert_eq!(NumberError::Unsafe(1.0).code(), "invalid_options");
    }

    proptest! {
        #[test]
        fn plan_is_contiguous(size in 1u64..50_000_000, chunk in 1_000u64..MAX_CHUNK_SIZE) {
            let plan = plan_chunks(size, chunk).unwrap();
            prop_assert_eq!(plan.first().unwrap().start, 0);
            prop_assert_eq!(plan.last().unwrap().end, size);
            for (i, r) in plan.iter().enumerate() {
                prop_assert_eq!(r.index, i as u64);
                prop_assert!(!r.is_empty() && r.len() <= chunk);
            }
            for w in plan.windows(2) {
                prop_assert_eq!(w[0].end, w[1].start);
            }
        }

        #[test]
        fn js_round_trip(v in 0u64..=MAX_SAFE_INTEGER) {
            prop_assert_eq!(js_number_to_u64(u64_to_js_number(v).unwrap()), Ok(v));
        }
    }

    #[test]
    fn shown_formats_numbers_without_float_formatting() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "0"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (2.000_001, "2.000001"),
            (3.999_999_9, "4"),
            (1e-9, "0 and a tiny fraction"),
            (-3.0, "-3"),
            (9_007_199_254_740_992.0, "9007199254740992"),
            (1e300, "1e+300"),
            (2.25e20, "2.25e+20"),
            (-1.5e19, "-15000000000000000000"),
            (f64::MAX, "1.8e+308"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (v, expected) in cases {
            assert_eq!(Shown(*v).to_string(), *expected, "{v}");
        }
    }
}
