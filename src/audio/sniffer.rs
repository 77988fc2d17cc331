//! The sans-IO audio sniffer: it says which byte range of a file it needs next, and is fed the
//! bytes, so every driver (a `Blob` reader in the browser, a file reader in the devserver, the
//! bytes already in memory) reads exactly the same ranges and gets exactly the same answer.
//!
//! ```
//! use talk_uploader::audio::sniffer::{Sniffer, Step};
//! # fn read(file: &[u8], start: u64, end: u64) -> Vec<u8> { file[start as usize..end as usize].to_vec() }
//! # let file = b"not audio at all, just some text".to_vec();
//! let mut sniffer = Sniffer::new(file.len() as u64);
//! let result = loop {
//!     match sniffer.step() {
//!         Step::Read { start, end } => sniffer.feed(read(&file, start, end)),
//!         Step::Done(result) => break result,
//!     }
//! };
//! assert_eq!(result.unwrap_err().code(), "unknown_container");
//! ```
//!
//! What it asks for, in order:
//!
//! 1. the head, `[0, min(size, HEAD_SIZE))`;
//! 2. for an MP3 whose ID3v2 tag (cover art) ends past the head, [`HEAD_SIZE`] bytes from the end
//!    of the tag, where the first frame is;
//! 3. for MP3 and Ogg Opus, the tail, `[size - TAIL_SIZE, size)`: an Ogg duration is the last
//!    page's granule position, and an MP3 estimate discounts a trailing ID3v1 tag. A file that
//!    fits in the head is never read twice.
//!
//! WAV needs the head only. At most three reads of at most 64 KiB each, whatever the file size.

use super::{sniff, sniff_mp3_at, AudioError, AudioInfo, Container, HEAD_SIZE, TAIL_SIZE};

/// What the sniffer wants next.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Read bytes `start..end` of the file and [`Sniffer::feed`] them.
    Read {
        /// First byte offset.
        start: u64,
        /// One past the last byte offset (at most the file size).
        end: u64,
    },
    /// The answer.
    Done(Result<AudioInfo, AudioError>),
}

/// Sniffs one file of a known size; see the module docs.
#[derive(Debug, Clone)]
pub struct Sniffer {
    size: u64,
    head: Option<Vec<u8>>,
    /// The bytes from the end of a large ID3v2 tag on, and that offset.
    frames: Option<(u64, Vec<u8>)>,
    tail: Option<Vec<u8>>,
}

impl Sniffer {
    /// A sniffer for a file of `size` bytes.
    pub fn new(size: u64) -> Self {
        Sniffer { size, head: None, frames: None, tail: None }
    }

    /// The next range to read, or the answer. Calling it again without a [`feed`](Self::feed)
    /// asks for the same range.
    pub fn step(&self) -> Step {
        match self.want() {
            Ok(want) => {
                let (start, end) = self.range(want);
                Step::Read { start, end }
            }
            Err(done) => Step::Done(done),
        }
    }

    /// Gives the sniffer the bytes of the range the last [`Step::Read`] asked for. Fewer bytes
    /// (a file that shrank) are taken as they are: the verdict then says what is missing.
    pub fn feed(&mut self, bytes: Vec<u8>) {
        match self.want() {
            Ok(Want::Head) => self.head = Some(bytes),
            Ok(Want::Frames(offset)) => self.frames = Some((offset, bytes)),
            Ok(Want::Tail) => self.tail = Some(bytes),
            // Nothing was asked for: the answer is known already.
            Err(_) => {}
        }
    }

    fn range(&self, want: Want) -> (u64, u64) {
        let size = self.size;
        match want {
            Want::Head => (0, size.min(HEAD_SIZE)),
            Want::Frames(offset) => (offset, size.min(offset.saturating_add(HEAD_SIZE))),
            Want::Tail => (size.saturating_sub(TAIL_SIZE), size),
        }
    }

    /// What to read next, or the verdict.
    fn want(&self) -> Result<Want, Result<AudioInfo, AudioError>> {
        let size = self.size;
        if size == 0 {
            return Err(Err(AudioError::Empty));
        }
        let Some(head) = &self.head else { return Ok(Want::Head) };
        // A file that fits in the head is its own tail: never read twice.
        let tail = if head.len() as u64 >= size { Some(head.as_slice()) } else { self.tail.as_deref() };
        match sniff(head, size, None) {
            Ok(info) if matches!(info.container, Container::Mp3 | Container::OggOpus) => match tail {
                Some(tail) => Err(sniff(head, size, Some(tail))),
                None => Ok(Want::Tail),
            },
            Err(AudioError::NeedsDataAt { offset }) if offset < size => match (&self.frames, tail) {
                (None, _) => Ok(Want::Frames(offset)),
                (Some(_), None) => Ok(Want::Tail),
                (Some((at, frames)), Some(tail)) => Err(sniff_mp3_at(frames, *at, size, Some(tail))),
            },
            other => Err(other),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Want {
    Head,
    /// The bytes from the end of a large ID3v2 tag on.
    Frames(u64),
    Tail,
}

/// Runs a [`Sniffer`] over a synchronous reader: `read(start, end)` returns the bytes of that
/// range. The outer error is the reader's, the inner one the sniffer's verdict.
pub fn sniff_with<E>(size: u64, mut read: impl FnMut(u64, u64) -> Result<Vec<u8>, E>) -> Result<Result<AudioInfo, AudioError>, E> {
    let mut sniffer = Sniffer::new(size);
    loop {
        match sniffer.step() {
            Step::Read { start, end } => sniffer.feed(read(start, end)?),
            Step::Done(result) => return Ok(result),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::mp3::{self, tests_support::mp3_with_cover};
    use crate::audio::Codec;

    /// Sniffs `file` through the sniffer, recording the ranges it read.
    fn run(file: &[u8]) -> (Result<AudioInfo, AudioError>, Vec<(u64, u64)>) {
        let mut reads = Vec::new();
        let result = sniff_with(file.len() as u64, |start, end| {
            reads.push((start, end));
            Ok::<_, ()>(file[start as usize..end as usize].to_vec())
        })
        .unwrap();
        (result, reads)
    }

    fn wav(data_len: u32) -> Vec<u8> {
        let mut w = crate::audio::wav::tests_support::header(1, 1, 16_000, 16, data_len);
        w.resize(w.len() + data_len as usize, 0);
        w
    }

    #[test]
    fn wav_reads_the_head_only() {
        let file = wav(32_000);
        let (info, reads) = run(&file);
        assert_eq!(info.unwrap().duration_sec, Some(1.0));
        assert_eq!(reads, [(0, file.len() as u64)]);
        let big = wav(1 << 20);
        let (_, reads) = run(&big);
        assert_eq!(reads, [(0, HEAD_SIZE)]);
    }

    /// The bug that counted an MP3 with cover art as 0 minutes in the devserver's Vela usage:
    /// the frames start past the head, and the sniffer asks for them.
    #[test]
    fn mp3_with_a_large_id3_tag_is_read_past_the_head() {
        let file = mp3_with_cover(300_000, 400);
        assert_eq!(sniff(&file[..HEAD_SIZE as usize], file.len() as u64, None), Err(AudioError::NeedsDataAt { offset: 300_010 }));
        let (info, reads) = run(&file);
        let info = info.unwrap();
        assert_eq!((info.codec, info.sample_rate, info.channels), (Codec::Mp3, 44_100, 2));
        let size = file.len() as u64;
        assert_eq!(reads, [(0, HEAD_SIZE), (300_010, 300_010 + HEAD_SIZE), (size - TAIL_SIZE, size)]);
        // The CBR estimate covers the frames only: not the tag, not the ID3v1 tag.
        let expected = (size - 300_010 - 128) as f64 * 8.0 / 128_000.0;
        assert!((info.duration_sec.unwrap() - expected).abs() < 1e-9, "{info:?}");
        assert!(info.duration_sec.unwrap() > 10.0);
    }

    #[test]
    fn mp3_tail_discounts_id3v1_and_small_files_are_read_once() {
        let file = mp3_with_cover(100, 40);
        let (info, reads) = run(&file);
        assert_eq!(reads, [(0, file.len() as u64)]);
        let start = 110u64;
        let expected = (file.len() as u64 - start - 128) as f64 * 8.0 / 128_000.0;
        assert!((info.unwrap().duration_sec.unwrap() - expected).abs() < 1e-9);
        assert!(mp3::id3v2_len(&file).unwrap() == Some(110));
    }

    #[test]
    fn a_tag_that_fills_the_file_and_errors_stop_at_once() {
        let mut tag_only = mp3_with_cover(200_000, 0);
        tag_only.truncate(200_010);
        let (r, reads) = run(&tag_only);
        assert_eq!(r.unwrap_err().code(), "truncated_header");
        assert_eq!(reads.len(), 1);
        assert_eq!(run(&[]).0, Err(AudioError::Empty));
        assert_eq!(run(&[]).1, []);
        let (r, reads) = run(b"fLaC\0\0\0\x22 and more");
        assert_eq!(r.unwrap_err().code(), "unknown_container");
        assert_eq!(reads.len(), 1);
    }

    #[test]
    fn a_short_read_is_an_answer_not_a_loop() {
        // The file shrank between stat and read: every read comes back empty.
        let r = sniff_with(1 << 20, |_, _| Ok::<_, ()>(Vec::new())).unwrap();
        assert_eq!(r, Err(AudioError::Empty));
        let file = mp3_with_cover(300_000, 10);
        let mut n = 0;
        let r = sniff_with(file.len() as u64, |start, end| {
            n += 1;
            Ok::<_, ()>(if start == 0 { file[..end as usize].to_vec() } else { Vec::new() })
        })
        .unwrap();
        assert!(r.is_err());
        assert!(n <= 3, "{n} reads");
    }
}
