//! The audio sink of one upload, and the audio checks.
//!
//! Bytes are written to `data-dir/tmp/<id>.part` as they arrive, hashed on the way, and the
//! first and last 64 KiB are kept for the header checks (the whole file is never in memory).
//! The temp file is removed when the sink is dropped, unless [`Finished::commit`] moved it
//! into `data-dir/audio/` and inserted the talk: so any error path, and a client that
//! disconnects mid-stream (the handler's future is dropped), leaves nothing behind.
//!
//! The checks are the browser package's own: `talk_uploader::audio::sniff` reads the header
//! and `talk_uploader::audio::rules::check_for_upload` applies SpeechSense's rules.

use std::path::PathBuf;

use sha2::{Digest, Sha256};
use talk_uploader::audio::{self as shared, AudioError, AudioInfo, Container};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use tonic::Status;

use super::internal;
use crate::proto::speechsense::{audio_metadata::AudioFormat, container_audio::ContainerAudioType, raw_audio, AudioMetadata, TalkMetadata};
use crate::store::{new_talk_id, StoredAudio, Store, Talk};

/// Bytes kept from the start (and the end) of the audio for the header checks.
pub const HEAD_BYTES: usize = shared::HEAD_SIZE as usize;

/// The upload method, which decides some rules (UploadBadge takes only WAV and MP3, a unary
/// Upload is below 128 MB): the package's own type, whose rules the sink applies.
pub use talk_uploader::audio::Method;

/// What `audio_metadata` declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Declared {
    /// A container, to be confirmed by the bytes.
    Container(Container),
    /// Headerless 16-bit little-endian PCM.
    Raw {
        /// Samples per second.
        sample_rate: u32,
        /// Interleaved channels.
        channels: u16,
    },
}

impl Declared {
    /// Reads `AudioMetadata`; `INVALID_ARGUMENT` when it declares nothing usable.
    pub fn from_proto(md: &AudioMetadata, method: Method) -> Result<Self, Status> {
        let declared = match md.audio_format {
            None => {
                return Err(Status::invalid_argument(
                    "`audio_metadata` declares no format: set `container_audio` or `raw_audio`",
                ))
            }
            Some(AudioFormat::ContainerAudio(c)) => match ContainerAudioType::try_from(c.container_audio_type) {
                Ok(ContainerAudioType::Wav) => Declared::Container(Container::Wav),
                Ok(ContainerAudioType::Mp3) => Declared::Container(Container::Mp3),
                Ok(ContainerAudioType::OggOpus) => Declared::Container(Container::OggOpus),
                _ => {
                    return Err(Status::invalid_argument(format!(
                        "`audio_metadata.container_audio.container_audio_type` is {}: use CONTAINER_AUDIO_TYPE_WAV, _MP3 or _OGG_OPUS",
                        c.container_audio_type
                    )))
                }
            },
            Some(AudioFormat::RawAudio(r)) => {
                if r.audio_encoding != raw_audio::AudioEncoding::Linear16Pcm as i32 {
                    return Err(Status::invalid_argument(
                        "`audio_metadata.raw_audio.audio_encoding` must be AUDIO_ENCODING_LINEAR16_PCM",
                    ));
                }
                // Raw PCM follows the package's rule for 16-bit WAV (audio::rules).
                let (min, max) = (shared::rules::MIN_WAV_SAMPLE_RATE, shared::rules::MAX_WAV_SAMPLE_RATE);
                if !u32::try_from(r.sample_rate_hertz).is_ok_and(|hz| (min..=max).contains(&hz)) {
                    return Err(Status::invalid_argument(format!(
                        "`audio_metadata.raw_audio.sample_rate_hertz` is {}; SpeechSense accepts {min} to {max} Hz",
                        r.sample_rate_hertz
                    )));
                }
                if !(1..=2).contains(&r.audio_channel_count) {
                    return Err(Status::invalid_argument(format!(
                        "`audio_metadata.raw_audio.audio_channel_count` is {}; use 1 or 2",
                        r.audio_channel_count
                    )));
                }
                Declared::Raw { sample_rate: r.sample_rate_hertz as u32, channels: r.audio_channel_count as u16 }
            }
        };
        if method == Method::UploadBadge && !matches!(declared, Declared::Container(Container::Wav | Container::Mp3)) {
            return Err(Status::invalid_argument(format!(
                "UploadBadge accepts only WAV and MP3 audio; `audio_metadata` declares {}",
                declared.name()
            )));
        }
        Ok(declared)
    }

    /// A name for messages and the stored `container` column.
    pub fn name(self) -> &'static str {
        match self {
            Declared::Container(c) => c.as_str(),
            Declared::Raw { .. } => "raw",
        }
    }
}

/// A temp file that removes itself unless kept.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Receives the audio bytes of one upload.
pub struct AudioSink {
    declared: Declared,
    method: Method,
    tmp: TempFile,
    file: tokio::fs::File,
    hasher: Sha256,
    bytes: u64,
    head: Vec<u8>,
    tail: Vec<u8>,
    head_checked: bool,
}

fn io_error(e: std::io::Error) -> Status {
    internal("write the audio", e)
}

impl AudioSink {
    /// Opens a temp file under the store's `tmp/`.
    pub async fn new(store: &Store, declared: Declared, method: Method) -> Result<Self, Status> {
        let tmp = TempFile { path: store.tmp_dir().join(format!("{}.part", new_talk_id())), keep: false };
        // Read as well as write: an MP3 whose ID3 tag ends past the head is sniffed from here.
        // Opened synchronously (a local create is quick): tokio's open runs on a blocking thread,
        // so a request cancelled during it (an HTTP/2 stream reset by talk-gateway) dropped the
        // TempFile guard first and the open then created a temp file nobody removed.
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp.path)
            .map_err(io_error)?;
        let file = tokio::fs::File::from_std(file);
        Ok(Self {
            declared,
            method,
            tmp,
            file,
            hasher: Sha256::new(),
            bytes: 0,
            head: Vec::with_capacity(HEAD_BYTES),
            tail: Vec::new(),
            head_checked: false,
        })
    }

    /// Bytes received so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Appends a piece of audio. Once 64 KiB have arrived, the container is checked, so a file
    /// that is not what `audio_metadata` says fails early.
    pub async fn push(&mut self, data: &[u8]) -> Result<(), Status> {
        if data.is_empty() {
            return Ok(());
        }
        if self.method == Method::Upload && self.bytes + data.len() as u64 >= shared::rules::MAX_UNARY_UPLOAD_SIZE {
            return Err(too_big_for_unary(self.bytes + data.len() as u64));
        }
        self.file.write_all(data).await.map_err(io_error)?;
        self.hasher.update(data);
        self.bytes += data.len() as u64;
        if self.head.len() < HEAD_BYTES {
            let n = (HEAD_BYTES - self.head.len()).min(data.len());
            self.head.extend_from_slice(&data[..n]);
        }
        if data.len() >= HEAD_BYTES {
            self.tail.clear();
            self.tail.extend_from_slice(&data[data.len() - HEAD_BYTES..]);
        } else {
            self.tail.extend_from_slice(data);
            if self.tail.len() > HEAD_BYTES {
                self.tail.drain(..self.tail.len() - HEAD_BYTES);
            }
        }
        if !self.head_checked && self.head.len() == HEAD_BYTES {
            self.head_checked = true;
            self.check_container_early()?;
        }
        Ok(())
    }

    /// The container check on the first 64 KiB, before the size is known: only a container
    /// mismatch or an unknown container fails here; everything else waits for [`finish`].
    fn check_container_early(&self) -> Result<(), Status> {
        let Declared::Container(declared) = self.declared else { return Ok(()) };
        match shared::sniff(&self.head, u64::MAX / 4, None) {
            Ok(info) if info.container != declared => Err(mismatch(declared, info.container)),
            Err(e @ AudioError::UnknownContainer { .. }) => Err(not_audio(declared, &e)),
            _ => Ok(()),
        }
    }

    /// Ends the upload: checks the header against the declaration and SpeechSense's rules,
    /// and returns the file ready to be committed.
    pub async fn finish(mut self) -> Result<Finished, Status> {
        if self.bytes == 0 {
            return Err(Status::invalid_argument("no audio bytes were sent: the audio is empty"));
        }
        self.file.flush().await.map_err(io_error)?;
        let info = match self.declared {
            Declared::Container(declared) => {
                let info = match self.sniff().await? {
                    Ok(info) => info,
                    Err(e @ AudioError::UnknownContainer { .. }) => return Err(not_audio(declared, &e)),
                    Err(e) => {
                        return Err(Status::invalid_argument(format!(
                            "the audio does not read as the declared {}: {e}",
                            declared.as_str()
                        )))
                    }
                };
                if info.container != declared {
                    return Err(mismatch(declared, info.container));
                }
                Some(info)
            }
            Declared::Raw { sample_rate, channels } => {
                let seconds = self.bytes as f64 / (f64::from(sample_rate) * 2.0 * f64::from(channels));
                if seconds > shared::rules::MAX_DURATION_SEC {
                    return Err(Status::invalid_argument(format!(
                        "the raw audio lasts {:.0} s; SpeechSense accepts at most 4 hours",
                        seconds
                    )));
                }
                None
            }
        };
        if let Some(info) = &info {
            shared::check_for_upload(info, self.bytes, self.method)
                .map_err(|e| Status::invalid_argument(e.to_string()))?;
        }
        self.file.sync_data().await.map_err(io_error)?;
        let hex = hex::encode(self.hasher.finalize_reset());
        Ok(Finished {
            audio: StoredAudio { container: self.declared.name().to_owned(), bytes: self.bytes, sha256: hex },
            tmp: self.tmp,
        })
    }

    /// Runs the package's [`Sniffer`](shared::Sniffer) over the upload: the head and the tail
    /// come from memory, anything else (the frames after a large ID3v2 tag) from the temp file.
    async fn sniff(&mut self) -> Result<Result<AudioInfo, AudioError>, Status> {
        let size = self.bytes;
        let mut sniffer = shared::Sniffer::new(size);
        loop {
            match sniffer.step() {
                shared::Step::Done(result) => return Ok(result),
                shared::Step::Read { start, end } => {
                    let tail_start = size.saturating_sub(self.tail.len() as u64);
                    let in_memory = |buf: &[u8], from: u64| {
                        let at = |o: u64| usize::try_from(o.checked_sub(from)?).ok();
                        buf.get(at(start)?..at(end)?).map(<[u8]>::to_vec)
                    };
                    let bytes = match in_memory(&self.head, 0).or_else(|| in_memory(&self.tail, tail_start)) {
                        Some(bytes) => bytes,
                        None => self.read_at(start, end).await?,
                    };
                    sniffer.feed(bytes);
                }
            }
        }
    }

    async fn read_at(&mut self, start: u64, end: u64) -> Result<Vec<u8>, Status> {
        let mut window = vec![0u8; (end - start) as usize];
        self.file.seek(std::io::SeekFrom::Start(start)).await.map_err(io_error)?;
        let mut filled = 0;
        while filled < window.len() {
            let n = self.file.read(&mut window[filled..]).await.map_err(io_error)?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        window.truncate(filled);
        Ok(window)
    }
}

fn too_big_for_unary(bytes: u64) -> Status {
    Status::invalid_argument(format!(
        "a unary Upload carries less than {} bytes of audio, this one {bytes} or more; use UploadAsStream",
        shared::rules::MAX_UNARY_UPLOAD_SIZE
    ))
}

fn mismatch(declared: Container, actual: Container) -> Status {
    Status::invalid_argument(format!(
        "`audio_metadata` declares {} but the bytes are {}: declare CONTAINER_AUDIO_TYPE_{}",
        declared.as_str(),
        actual.as_str(),
        actual.as_str().to_ascii_uppercase()
    ))
}

fn not_audio(declared: Container, e: &AudioError) -> Status {
    Status::invalid_argument(format!("`audio_metadata` declares {} but {e}", declared.as_str()))
}

/// A complete, checked audio file in `tmp/`.
pub struct Finished {
    /// The facts stored with the talk.
    pub audio: StoredAudio,
    tmp: TempFile,
}

impl Finished {
    /// Stores a new talk made by `method` with this audio and `md`: moves the file into `audio/`
    /// and inserts the row, both in one blocking task, so a client that goes away now cannot
    /// split them. On failure nothing stays behind. Returns the new talk's id.
    pub async fn commit(mut self, store: &Store, method: &str, connection_id: String, md: &TalkMetadata) -> Result<String, Status> {
        let talk = Talk {
            id: new_talk_id(),
            method: method.to_owned(),
            connection_id,
            fields: md.fields.clone(),
            users: super::users_of(md),
            messages: Vec::new(),
            audio: Some(self.audio.clone()),
            created_at_ms: crate::store::now_ms(),
        };
        let id = talk.id.clone();
        let from = self.tmp.path.clone();
        let to = store.audio_dir().join(format!("{}.{}", talk.id, self.audio.container));
        // From here the blocking task owns the file; it removes it itself on failure.
        self.tmp.keep = true;
        let store = store.clone();
        tokio::task::spawn_blocking(move || -> Result<(), crate::store::StoreError> {
            if let Err(e) = std::fs::rename(&from, &to) {
                let _ = std::fs::remove_file(&from);
                return Err(e.into());
            }
            store.insert(&talk, Some(&to)).inspect_err(|_| {
                let _ = std::fs::remove_file(&to);
            })
        })
        .await
        .map_err(|e| internal("run the storage task", e))?
        .map_err(|e| internal("store the talk", e))?;
        Ok(id)
    }
}
