//! Inspecting a Vela batch zip without reading it: the end of the file locates the central
//! directory (Zip64 included), the directory lists the entries, and each CSV, TSV or JSON entry
//! has its first bytes (64 KiB by default) inflated and checked.
//!
//! The reads go through a [`RangeSource`], so the same code reads a browser `Blob` (through
//! `Blob.slice`) and, in tests, a buffer or a sparse synthetic file of several GiB. Inflating
//! goes through a [`sample::Inflate`]: the browser's `DecompressionStream`, or natively
//! [`sample::Miniz`].
//!
//! ```
//! use talk_uploader::zip::{inspect, block_on, sample::Miniz, ZipOptions};
//! let not_zip = b"hello".to_vec();
//! let report = block_on(inspect(&mut not_zip.as_slice(), &mut Miniz, 5, &ZipOptions::default())).unwrap();
//! assert_eq!(report.errors[0].code.as_str(), "not_a_zip");
//! ```
//!
//! ## Limitations
//! - Split (multi-disk) archives and entries compressed with anything but stored or deflate are
//!   refused, with `zip_unsupported`.
//! - Only the sampled start of each entry is checked; the rest of a large entry is not read.

mod bytes;
pub mod directory;
pub mod names;
pub mod sample;
pub mod table;

use std::future::Future;

use crate::validate::{validate_read, Code, Issue, Report, Sink, Stats, ValidateOptions, ValidationKind};
use sample::{Inflate, Inflater};
use directory::{local_header_len, parse_central, parse_tail, parse_zip64_record, Tail, LOCAL_LEN, ZIP64_EOCD_LEN};
pub use names::EntryKind;

/// The largest batch Vela takes: "a maximum size of 3 GB", read as 3,000,000,000 bytes.
pub const MAX_ZIP_BYTES: u64 = 3_000_000_000;
/// Default of [`ZipOptions::sample_bytes`].
pub const DEFAULT_SAMPLE_BYTES: usize = 64 * 1024;
/// The largest `sampleBytes` accepted.
pub const MAX_SAMPLE_BYTES: usize = 16 * 1024 * 1024;
/// A central directory larger than this is refused (about 700,000 entries).
pub const MAX_DIRECTORY_BYTES: u64 = 64 * 1024 * 1024;
/// Default of [`ZipOptions::max_issues`].
pub const DEFAULT_MAX_ISSUES: usize = 1000;
/// The first read from the end: enough for an EOCD with a short comment and a Zip64 locator.
const FIRST_TAIL: u64 = 4096;
/// The most that can hold the EOCD: its longest comment, the Zip64 locator and record.
const FULL_TAIL: u64 = (directory::EOCD_LEN + directory::MAX_COMMENT + directory::ZIP64_LOCATOR_LEN + ZIP64_EOCD_LEN) as u64;

/// Reads byte ranges of the file being inspected.
#[allow(async_fn_in_trait)]
pub trait RangeSource {
    /// Why a read failed (an unreadable file: the inspection stops with it).
    type Error;
    /// The bytes `start..start + len`; fewer only at the end of the file.
    async fn read(&mut self, start: u64, len: usize) -> Result<Vec<u8>, Self::Error>;
}

impl RangeSource for &[u8] {
    type Error = std::convert::Infallible;
    async fn read(&mut self, start: u64, len: usize) -> Result<Vec<u8>, Self::Error> {
        let s = usize::try_from(start).unwrap_or(usize::MAX).min(self.len());
        Ok(self.get(s..s.saturating_add(len).min(self.len())).unwrap_or_default().to_vec())
    }
}

/// Runs a future whose reads complete at once (a buffer or a synthetic file) to its end.
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// Options of [`inspect`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZipOptions {
    /// How many inflated bytes of each CSV, TSV or JSON entry are checked.
    pub sample_bytes: usize,
    /// The most issues a report holds; past it the report is `truncated`.
    pub max_issues: usize,
}

impl Default for ZipOptions {
    fn default() -> Self {
        ZipOptions { sample_bytes: DEFAULT_SAMPLE_BYTES, max_issues: DEFAULT_MAX_ISSUES }
    }
}

/// One entry of the archive. (JS sees it, camelCased, through `bindings::json`.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZipEntry {
    pub name: String,
    /// Uncompressed size.
    pub size: u64,
    pub compressed_size: u64,
    /// `"stored"`, `"deflate"`, or another method's name (`"bzip2"`, `"lzma"`, `"zstd"`, `"method-N"`).
    pub method: String,
    pub encrypted: bool,
    pub kind: &'static str,
}

/// An issue, and the entry it is about (none for the archive as a whole). `path`, `line` and
/// `column` point inside the entry's decoded text where that applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZipIssue {
    pub issue: Issue,
    pub entry: Option<String>,
}

impl std::ops::Deref for ZipIssue {
    type Target = Issue;
    fn deref(&self) -> &Issue {
        &self.issue
    }
}

/// Counts about the inspection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ZipStats {
    /// The zip file's size.
    pub bytes: u64,
    pub entries: u64,
    /// CSV, TSV and JSON entries.
    pub data_entries: u64,
    /// Sum of the entries' uncompressed sizes.
    pub uncompressed_bytes: u64,
    /// How many reads, and how many bytes, the inspection took.
    pub reads: u64,
    pub bytes_read: u64,
    /// Inflated bytes checked.
    pub sampled_bytes: u64,
}

/// The result of [`inspect`]: the shape of a validation report, plus the entries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ZipReport {
    pub ok: bool,
    pub errors: Vec<ZipIssue>,
    pub warnings: Vec<ZipIssue>,
    pub stats: ZipStats,
    pub entries: Vec<ZipEntry>,
    pub truncated: bool,
}

impl ZipReport {
    /// The codes of the errors, in order (handy in tests).
    pub fn error_codes(&self) -> Vec<&'static str> {
        self.errors.iter().map(|i| i.code.as_str()).collect()
    }
}

/// Collects issues up to the cap.
struct Issues {
    report: ZipReport,
    max: usize,
}

impl Issues {
    fn push(&mut self, error: bool, issue: Issue, entry: Option<&str>) {
        let r = &mut self.report;
        if r.truncated {
            return;
        }
        if r.errors.len() + r.warnings.len() >= self.max.max(1) {
            r.truncated = true;
            let message = format!("more than {} issues: only the first are listed; fix these and inspect again", self.max);
            r.errors.push(ZipIssue { issue: Issue::unplaced(Code::TooManyIssues, "", message), entry: None });
            return;
        }
        let z = ZipIssue { issue, entry: entry.map(str::to_owned) };
        if error { r.errors.push(z) } else { r.warnings.push(z) }
    }

    /// The message is `format_args!`: one copy of this for literal and formatted messages alike,
    /// and no `format!` at each call site.
    fn error(&mut self, code: Code, entry: Option<&str>, message: std::fmt::Arguments<'_>) {
        self.push(true, Issue::unplaced(code, "", std::fmt::format(message)), entry);
    }

    fn warn(&mut self, code: Code, entry: Option<&str>, message: std::fmt::Arguments<'_>) {
        self.push(false, Issue::unplaced(code, "", std::fmt::format(message)), entry);
    }
}

/// Counts reads for the report, and keeps the error of a failed read: a read gives an `Option`,
/// and the inspection stops at the first `None` (one error moved once, not through a `Result`
/// at every read).
struct Counted<'s, S: RangeSource> {
    src: &'s mut S,
    reads: u64,
    bytes: u64,
    failed: Option<S::Error>,
}

impl<S: RangeSource> Counted<'_, S> {
    async fn read(&mut self, start: u64, len: u64) -> Option<Vec<u8>> {
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        match self.src.read(start, len).await {
            Ok(v) => {
                self.reads += 1;
                self.bytes += v.len() as u64;
                Some(v)
            }
            Err(e) => {
                self.failed = Some(e);
                None
            }
        }
    }
}

/// Inspects a zip of `size` bytes, inflating the samples of deflated entries with `inflate`.
/// Problems with the archive become issues in the report; only a failed read (or an inflater
/// that cannot start) is an `Err`.
pub async fn inspect<S: RangeSource, I: Inflate<S::Error>>(src: &mut S, inflate: &mut I, size: u64, options: &ZipOptions) -> Result<ZipReport, S::Error> {
    let mut src = Counted { src, reads: 0, bytes: 0, failed: None };
    let mut out = Issues { report: ZipReport::default(), max: options.max_issues };
    out.report.stats.bytes = size;
    if size > MAX_ZIP_BYTES {
        out.error(Code::ZipTooLarge, None, format_args!("the zip is {size} bytes: Vela takes batches of at most 3 GB (3,000,000,000 bytes); split it into several zips"));
    }
    list_and_sample(&mut src, inflate, size, options, &mut out).await;
    if let Some(e) = src.failed {
        return Err(e);
    }
    let mut report = out.report;
    report.stats.reads = src.reads;
    report.stats.bytes_read = src.bytes;
    report.ok = report.errors.is_empty();
    Ok(report)
}

async fn list_and_sample<S: RangeSource, I: Inflate<S::Error>>(src: &mut Counted<'_, S>, inflate: &mut I, size: u64, options: &ZipOptions, out: &mut Issues) {
    const NOT_ZIP: &str = "this is not a zip archive (there is no end-of-central-directory record): choose the .zip file itself";
    // Most zips end with a 22-byte EOCD and a short comment, so read a little first.
    let mut tail_start = size.saturating_sub(FIRST_TAIL);
    let Some(mut tail) = src.read(tail_start, size - tail_start).await else { return };
    let mut found = parse_tail(&tail, size);
    if found == Tail::NotZip && tail_start > 0 {
        tail_start = size.saturating_sub(FULL_TAIL);
        let Some(again) = src.read(tail_start, size - tail_start).await else { return };
        tail = again;
        found = parse_tail(&tail, size);
    }
    if let Tail::NeedZip64 { record_at } = found {
        let Some(rec) = src.read(record_at, ZIP64_EOCD_LEN as u64).await else { return };
        found = parse_zip64_record(&rec, record_at);
    }
    let dir = match found {
        Tail::Found(d) => d,
        Tail::NotZip | Tail::NeedZip64 { .. } => {
            out.error(Code::NotAZip, None, format_args!("{NOT_ZIP}"));
            return;
        }
        Tail::Corrupt(why) => {
            out.error(Code::ZipCorrupt, None, format_args!("the zip is damaged: {why}; make it again"));
            return;
        }
        Tail::MultiDisk => {
            out.error(Code::ZipUnsupported, None, format_args!("this is one part of a split (multi-disk) zip: make a single .zip file"));
            return;
        }
    };
    if dir.size > MAX_DIRECTORY_BYTES {
        out.error(Code::InputTooLarge, None, format_args!("the zip's directory is {} bytes (over {MAX_DIRECTORY_BYTES}): it lists too many files; split the batch", dir.size));
        return;
    }
    if dir.entries > dir.size / directory::CENTRAL_LEN as u64 {
        out.error(Code::ZipCorrupt, None, format_args!("the zip is damaged: it declares {} entries in a {}-byte directory; make it again", dir.entries, dir.size));
        return;
    }
    let cd = match dir.offset.checked_sub(tail_start) {
        Some(rel) if rel + dir.size <= tail.len() as u64 => tail.get(rel as usize..(rel + dir.size) as usize).unwrap_or_default().to_vec(),
        _ => match src.read(dir.offset, dir.size).await {
            Some(cd) => cd,
            None => return,
        },
    };
    drop(tail);
    let (central, damage) = parse_central(&cd, dir.entries);
    drop(cd);
    if let Some(why) = damage {
        out.error(Code::ZipCorrupt, None, format_args!("the zip is damaged: {why} (after {} good entries); make it again", central.len()));
    }

    let stats = &mut out.report.stats;
    stats.entries = central.len() as u64;
    // The names first, then their repeats (exactly, and in other letter case among the rest)
    // with formats::check's one sort of (key, position), as the Labelbox checks find theirs: a
    // map here would link a B-tree instance of its own (~5 KB of wasm).
    let mut decoded: Vec<(String, bool)> = Vec::with_capacity(central.len());
    for e in &central {
        decoded.push(names::decode(&e.raw_name, e.utf8));
    }
    let mut keys = Vec::with_capacity(decoded.len());
    for (index, (name, _)) in decoded.iter().enumerate() {
        keys.push((std::borrow::Cow::Borrowed(name.as_str()), index));
    }
    let exact = crate::formats::check::duplicates(keys);
    let mut keys = Vec::with_capacity(decoded.len());
    for (index, (name, _)) in decoded.iter().enumerate() {
        if crate::formats::check::earlier_duplicate(&exact, index).is_none() {
            keys.push((std::borrow::Cow::Owned(name.to_ascii_lowercase()), index));
        }
    }
    let folded = crate::formats::check::duplicates(keys);
    let mut to_sample = Vec::new();
    for (index, (e, (name, lossy))) in central.iter().zip(decoded).enumerate() {
        let kind = names::kind_of(&name);
        let encrypted = e.encrypted();
        let method = method_name(e.method);
        out.report.stats.uncompressed_bytes = out.report.stats.uncompressed_bytes.saturating_add(e.size);
        let n = Some(name.as_str());
        if lossy {
            out.warn(Code::ZipUnsafeName, n, format_args!("the name is flagged UTF-8 but is not: unreadable characters were replaced by U+FFFD"));
        }
        let mut sample_it = kind.is_data();
        if let Some(why) = names::unsafe_reason(&name) {
            out.error(Code::ZipUnsafeName, n, format_args!("{why}: extracting it would write outside the batch's folder; rename it inside the zip"));
            sample_it = false;
        }
        if crate::formats::check::earlier_duplicate(&exact, index).is_some() {
            out.error(Code::ZipDuplicateName, n, format_args!("two entries have this name: one would overwrite the other; keep one"));
            sample_it = false;
        } else if crate::formats::check::earlier_duplicate(&folded, index).is_some() {
            out.warn(Code::ZipDuplicateName, n, format_args!("another entry has this name in other letter case: on Windows and macOS one overwrites the other"));
        }
        if encrypted {
            out.error(Code::ZipEncryptedEntry, n, format_args!("this entry is encrypted: Vela cannot read it; zip the files again without a password"));
            sample_it = false;
        }
        if kind.is_data() {
            out.report.stats.data_entries += 1;
            if !encrypted && e.method != 0 && e.method != 8 {
                out.error(Code::ZipUnsupported, n, format_args!("this entry is compressed with {method}: use plain deflate (the default of every zip tool) or no compression"));
                sample_it = false;
            }
            if e.local_offset >= dir.offset {
                out.error(Code::ZipCorrupt, n, format_args!("the entry's data would start inside the zip's directory: the zip is damaged; make it again"));
                sample_it = false;
            }
        }
        if sample_it {
            to_sample.push((index, kind));
        }
        out.report.entries.push(ZipEntry { name, size: e.size, compressed_size: e.compressed_size, method, encrypted, kind: kind.as_str() });
    }
    if out.report.stats.data_entries == 0 && damage.is_none() {
        out.error(Code::ZipNoDataEntries, None, format_args!("the zip holds no .csv, .tsv or .json file: a Vela batch is call data in one of those formats"));
    }
    // Indices, not (name, kind, entry) tuples: no vector of owned names to drop.
    for &(index, kind) in &to_sample {
        if out.report.truncated || src.failed.is_some() {
            break;
        }
        let (Some(e), Some(name)) = (central.get(index), out.report.entries.get(index).map(|z| z.name.clone())) else { break };
        sample_entry(src, inflate, &name, kind, e, options.sample_bytes, out).await;
    }
}

fn method_name(m: u16) -> String {
    let name = match m {
        0 => "stored",
        8 => "deflate",
        9 => "deflate64",
        12 => "bzip2",
        14 => "lzma",
        93 => "zstd",
        95 => "xz",
        99 => "aes",
        n => return format!("method-{n}"),
    };
    name.into()
}

const DAMAGED: &str = "the entry's deflate stream is damaged: the zip is damaged; make it again";

async fn sample_entry<S: RangeSource, I: Inflate<S::Error>>(
    src: &mut Counted<'_, S>,
    inflate: &mut I,
    name: &str,
    kind: EntryKind,
    e: &directory::CentralEntry,
    limit: usize,
    out: &mut Issues,
) {
    let n = Some(name);
    let Some(head) = src.read(e.local_offset, LOCAL_LEN as u64).await else { return };
    let data_at = match local_header_len(&head) {
        Ok(len) => e.local_offset + len,
        Err(why) => {
            out.error(Code::ZipCorrupt, n, format_args!("{why}: the zip is damaged; make it again"));
            return;
        }
    };
    let want = (limit as u64).min(e.size);
    let (data, complete) = if e.method == 0 {
        let Some(data) = src.read(data_at, want.min(e.compressed_size)).await else { return };
        let complete = data.len() as u64 == e.size;
        (data, complete)
    } else if want == 0 {
        // Nothing to inflate (an empty entry): no inflater, so a browser without one reads it.
        (Vec::new(), e.size == 0)
    } else {
        let mut inf = match inflate.start(want as usize) {
            Ok(inf) => inf,
            Err(e) => {
                src.failed = Some(e);
                return;
            }
        };
        let mut offset = 0u64;
        // Deflate can need a little more input than it gives output; far more means damage.
        let budget = e.compressed_size.min(want.saturating_mul(4) + 65_536);
        while offset < budget && !inf.full() && !inf.ended() {
            let Some(piece) = src.read(data_at + offset, (budget - offset).min(65_536)).await else { return };
            if piece.is_empty() {
                break;
            }
            offset += piece.len() as u64;
            if inf.feed(&piece).await.is_err() {
                out.error(Code::ZipCorrupt, n, format_args!("{DAMAGED}"));
                return;
            }
        }
        // Whether the stream ended matters when the sample may be the whole entry or came up
        // short; a full sample of a longer entry is cut on purpose, and its inflater is dropped.
        let ended = if inf.full() && want < e.size { Ok(inf.ended()) } else { inf.finish().await };
        let Ok(ended) = ended else {
            out.error(Code::ZipCorrupt, n, format_args!("{DAMAGED}"));
            return;
        };
        let data = inf.into_output();
        if data.len() as u64 != want && !ended && offset >= budget && budget < e.compressed_size {
            out.error(Code::ZipCorrupt, n, format_args!("the entry's deflate stream gives almost no output: the zip is damaged; make it again"));
            return;
        }
        let complete = data.len() as u64 == e.size && (ended || e.size == 0);
        (data, complete)
    };
    out.report.stats.sampled_bytes += data.len() as u64;
    if (data.len() as u64) < want {
        out.error(Code::ZipCorrupt, n, format_args!("the entry holds {} bytes where the directory says {}: the zip is damaged; make it again", data.len(), e.size));
        return;
    }
    if complete && sample::crc32(&data) != e.crc32 {
        out.error(Code::ZipCorrupt, n, format_args!("the entry's bytes do not match their CRC-32: the zip is damaged; make it again"));
        return;
    }
    check_sample(&data, !complete, name, kind, out);
}

/// Checks an entry's (first) bytes as its kind says. One sink, finished once, whatever the
/// kind: each `Sink::new`/`finish` pair was a copy of its own.
fn check_sample(data: &[u8], truncated: bool, name: &str, kind: EntryKind, out: &mut Issues) {
    let body = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let mut sink = Sink::new();
    // The bytes the sink's offsets point into, and a validation's own report (a JSON chat).
    let mut src = body;
    let mut validated = Report::default();
    // The sample may end inside a UTF-8 sequence; that is the boundary, not an error.
    let (text, kind) = match std::str::from_utf8(body) {
        Ok(t) => (t, kind),
        Err(e) => {
            let valid = body.get(..e.valid_up_to()).unwrap_or_default();
            if !truncated || e.error_len().is_some() {
                sink.error_at(Code::InvalidUtf8, Some(e.valid_up_to()), String::new(), "the entry is not UTF-8 text: save it as UTF-8");
                src = valid;
                ("", EntryKind::Other)
            } else {
                (std::str::from_utf8(valid).unwrap_or_default(), kind)
            }
        }
    };
    match kind {
        EntryKind::Csv | EntryKind::Tsv => {
            let (d, quoting) = if kind == EntryKind::Csv { (b',', true) } else { (b'\t', false) };
            table::check_table(text, d, quoting, truncated, &mut sink);
            src = text.as_bytes();
        }
        EntryKind::Json => src = check_json(text.as_bytes(), truncated, &mut sink, &mut validated),
        EntryKind::Other => {}
    }
    let r = sink.finish(src, Stats::default());
    merge(out, r.errors, r.warnings, name);
    merge(out, validated.errors, validated.warnings, name);
}

/// A JSON entry must parse (up to the sample boundary); a whole entry that looks like one of the
/// known chat formats is validated as that format. A syntax error goes to `sink`, and the bytes
/// its offset points into are returned; a validation's report goes to `validated`.
fn check_json<'t>(text: &'t [u8], truncated: bool, sink: &mut Sink, validated: &mut Report) -> &'t [u8] {
    // One parse, for the format's guess and its validation.
    let parsed = crate::validate::read(text, crate::report::DEFAULT_MAX_ISSUES);
    let read = match &parsed {
        Ok(read) => read,
        Err(e) => {
            // A syntax error in the last few bytes of a cut sample is the cut itself (`tru`, `"\u00`).
            if !(truncated && (e.error.code == Code::UnexpectedEnd || e.bytes.len().saturating_sub(e.error.offset) < 8)) {
                sink.error_at(e.error.code, Some(e.error.offset), e.error.path.clone(), e.error.message.clone());
            }
            return e.bytes;
        }
    };
    let root = read.parsed.doc.root();
    let kind = if root.get("chat_data").is_some() && root.get("org_id").is_some() {
        Some(ValidationKind::VelaChat)
    } else if root.get("type").and_then(|t| t.as_str()).is_some_and(|t| t == crate::formats::labelbox::CONVERSATION_TYPE) {
        Some(ValidationKind::LabelboxConversation)
    } else if root.get("messages").is_some() {
        Some(ValidationKind::SpeechsenseChat)
    } else {
        None
    };
    if let Some(kind) = kind {
        *validated = validate_read(&parsed, &ValidateOptions::new(kind));
    }
    text
}

fn merge(out: &mut Issues, errors: Vec<Issue>, warnings: Vec<Issue>, name: &str) {
    for i in errors {
        out.push(true, i, Some(name));
    }
    for i in warnings {
        out.push(false, i, Some(name));
    }
}
