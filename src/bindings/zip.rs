//! `inspectZip`: the JS face of [`crate::zip`], reading a `Blob` through `Blob.slice` and
//! inflating the sampled start of deflated entries with the platform's
//! `DecompressionStream("deflate-raw")`.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::Poll;

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

use super::audio::{as_blob, blob_size, read_range};
use super::error::invalid_option;
use super::js;
use super::json::{zip_issues_js, zip_report_js};
use super::options::{names, Opts};
use super::presigned::{presign_option, upload_with};
use crate::upload_code::UploadCode;
use crate::web::failure::UploadFailure;
use crate::zip::sample::{Damaged, Inflate, Inflater};
use crate::zip::{inspect, RangeSource, ZipOptions, MAX_SAMPLE_BYTES};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** Options of `inspectZip`. */
export interface InspectZipOptions {
  /** Inflated bytes checked at the start of each CSV, TSV or JSON entry (default 65536, at most 16 MiB). */
  sampleBytes?: number;
  /** The most issues the report lists, 1 to 100000 (default 1000). */
  maxIssues?: number;
}
/** One entry of a zip. */
export interface ZipEntry {
  name: string;
  size: number;
  compressedSize: number;
  method: "stored" | "deflate" | (string & {});
  encrypted: boolean;
  kind: "csv" | "tsv" | "json" | "other";
}
/** An issue of a zip report: `entry` names the entry it is about; `path`, `line` and `column` point inside it. */
export interface ZipIssue extends Issue { entry?: string }
/** What `inspectZip` found: the shape of a validation report, plus the entries. */
export interface ZipReport {
  ok: boolean;
  errors: ZipIssue[];
  warnings: ZipIssue[];
  stats: { bytes: number; entries: number; dataEntries: number; uncompressedBytes: number; reads: number; bytesRead: number; sampledBytes: number };
  entries: ZipEntry[];
  truncated?: boolean;
}
"#;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(typescript_type = "InspectZipOptions")]
    pub type InspectZipOptions;
}

/// Reads ranges of a `Blob`.
struct BlobSource<'a> {
    blob: &'a Blob,
    size: u64,
}

impl RangeSource for BlobSource<'_> {
    type Error = UploadFailure;
    async fn read(&mut self, start: u64, len: usize) -> Result<Vec<u8>, UploadFailure> {
        let end = start.saturating_add(len as u64).min(self.size);
        read_range(self.blob, start.min(end), end).await
    }
}

#[wasm_bindgen]
extern "C" {
    /// A `DecompressionStream` and its two sides. Every member is `catch` and every promise is
    /// adopted by a fresh native one: the page may have replaced the global with anything.
    type Decompression;
    #[wasm_bindgen(catch, constructor, js_class = "DecompressionStream")]
    fn new_decompression(format: &str) -> Result<Decompression, JsValue>;
    #[wasm_bindgen(catch, method, getter)]
    fn writable(this: &Decompression) -> Result<StreamSide, JsValue>;
    #[wasm_bindgen(catch, method, getter)]
    fn readable(this: &Decompression) -> Result<StreamSide, JsValue>;
    /// A `WritableStream` or a `ReadableStream`.
    type StreamSide;
    #[wasm_bindgen(catch, method, js_name = getWriter)]
    fn get_writer(this: &StreamSide) -> Result<Writer, JsValue>;
    #[wasm_bindgen(catch, method, js_name = getReader)]
    fn get_reader(this: &StreamSide) -> Result<Reader, JsValue>;
    type Writer;
    #[wasm_bindgen(catch, method)]
    fn write(this: &Writer, chunk: &Uint8Array) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, method)]
    fn close(this: &Writer) -> Result<JsValue, JsValue>;
    type Reader;
    #[wasm_bindgen(catch, method)]
    fn read(this: &Reader) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, method)]
    fn cancel(this: &Reader) -> Result<JsValue, JsValue>;
}

/// Starts a `DecompressionStream("deflate-raw")` per sampled entry.
struct Platform;

impl Inflate<UploadFailure> for Platform {
    type Inflater = Decompressor;
    fn start(&mut self, limit: usize) -> Result<Decompressor, UploadFailure> {
        // One failure for the three steps that can fail: one copy of its construction.
        let sides = (|| {
            let ds = Decompression::new_decompression("deflate-raw")?;
            Ok::<_, JsValue>((ds.writable()?.get_writer()?, ds.readable()?.get_reader()?))
        })();
        let (writer, reader) = sides.map_err(|_| {
            UploadFailure::new(
                UploadCode::Unsupported,
                "this browser has no DecompressionStream(\"deflate-raw\") to read the zip's deflated entries: inspectZip needs Chrome 103, Firefox 113, Safari 16.4 or later",
            )
        })?;
        Ok(Decompressor { writer, reader, pending: None, out: Vec::new(), limit, ended: false, past_limit: false })
    }
}

/// Compressed input goes to the stream in pieces of this size: the stream inflates a piece only
/// once the output of the one before is read, so after the sample is full at most one piece's
/// output (~1,000 times its size for a zip bomb) is made and never read.
const PIECE: usize = 4096;

/// One `DecompressionStream`, fed by [`Inflater::feed`], read as far as the limit. Dropping it
/// cancels the stream.
struct Decompressor {
    writer: Writer,
    reader: Reader,
    /// The read asked for and not answered yet (at most one is outstanding).
    pending: Option<JsFuture>,
    out: Vec<u8>,
    limit: usize,
    ended: bool,
    /// Output past the limit came (and was dropped): the stream does not end within the limit.
    past_limit: bool,
}

/// A promise of the stream as a future, its rejection handled even if the future is dropped.
fn settle(p: Result<JsValue, JsValue>) -> Result<JsFuture, Damaged> {
    p.map(|p| JsFuture::from(js::adopt(&p))).map_err(|_| Damaged)
}

impl Decompressor {
    /// The outstanding read, asked for if there is none.
    fn next_read(&mut self) -> Result<&mut JsFuture, Damaged> {
        if self.pending.is_none() {
            self.pending = Some(settle(self.reader.read())?);
        }
        self.pending.as_mut().ok_or(Damaged)
    }

    /// Takes the answer to the outstanding read (`{done, value}`), keeping bytes up to the limit.
    fn take(&mut self, result: Result<JsValue, JsValue>) -> Result<(), Damaged> {
        self.pending = None;
        let result = result.map_err(|_| Damaged)?;
        if js::get(&result, "done").map_err(|_| Damaged)?.as_bool() == Some(true) {
            self.ended = true;
            return Ok(());
        }
        let value = js::get(&result, "value").map_err(|_| Damaged)?;
        let bytes = js::u8_array_bytes(&value).map_err(|_| Damaged)?;
        let room = self.limit.saturating_sub(self.out.len());
        self.past_limit |= bytes.len() > room;
        self.out.extend_from_slice(bytes.get(..room).unwrap_or(&bytes));
        Ok(())
    }
}

impl Inflater for Decompressor {
    async fn feed(&mut self, input: &[u8]) -> Result<(), Damaged> {
        for piece in input.chunks(PIECE) {
            drop(settle(self.writer.write(&Uint8Array::from(piece)))?);
        }
        // An empty write behind the input: the stream takes it only once every output chunk of
        // the input is read and the next read waits, so when it succeeds the input is all out.
        // When it fails, the stream failed before it was closed: the input is damaged.
        let mut drained = settle(self.writer.write(&Uint8Array::from(&[][..])))?;
        while !self.full() && !self.ended {
            let read = self.next_read()?;
            let first = poll_fn(|cx| match Pin::new(&mut *read).poll(cx) {
                Poll::Ready(r) => Poll::Ready(Ok(r)),
                Poll::Pending => Pin::new(&mut drained).poll(cx).map(Err),
            });
            match first.await {
                Ok(r) => {
                    self.take(r)?;
                }
                Err(Ok(_)) => return Ok(()),
                Err(Err(_)) => return Err(Damaged),
            }
        }
        Ok(())
    }

    async fn finish(&mut self) -> Result<bool, Damaged> {
        if self.ended {
            return Ok(true);
        }
        // A stream cut short fails at its close, and its reads with it: that is the cut, not
        // damage (in browsers damage fails a feed, before the close).
        let Ok(close) = settle(self.writer.close()) else { return Ok(false) };
        drop(close);
        while !self.past_limit {
            let Ok(read) = self.next_read() else { return Ok(false) };
            match read.await {
                // Node's DecompressionStream (zlib streams) accepts writes before inflating them,
                // so damage may show only now; its errors say which they are.
                Err(e) if js::get(&e, "code").ok().and_then(|c| c.as_string()).is_some_and(|c| c == "Z_DATA_ERROR") => return Err(Damaged),
                r => {
                    if self.take(r).is_err() {
                        return Ok(false);
                    }
                }
            }
            if self.ended {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn full(&self) -> bool {
        self.out.len() >= self.limit
    }

    fn ended(&self) -> bool {
        self.ended
    }

    fn into_output(mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }
}

impl Drop for Decompressor {
    fn drop(&mut self) {
        // Stops the stream (its pending writes fail, into handled promises) and frees it.
        let _ = settle(self.reader.cancel());
    }
}

/// Inspects a Vela batch zip: reads only the end of the file (the central directory, Zip64
/// included) and the first `sampleBytes` of each CSV, TSV or JSON entry.
///
/// Problems with the archive come back in the report (`ok: false`, coded errors such as
/// `not_a_zip`); only a non-Blob argument (`invalid_options`), an unreadable file, or a
/// deflated entry in a runtime without `DecompressionStream("deflate-raw")` (`unsupported`:
/// Chrome 103, Firefox 113, Safari 16.4, Node 21.2 or later) rejects.
#[wasm_bindgen(js_name = inspectZip, unchecked_return_type = "Promise<ZipReport>")]
pub fn inspect_zip(
    #[wasm_bindgen(unchecked_param_type = "Blob")] file: JsValue,
    options: Option<InspectZipOptions>,
) -> js_sys::Promise {
    let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
    // The one promise wrapper of every upload export (error::promise).
    super::error::promise(Box::pin(async move {
        let opts = read_options(&options)?;
        let blob = as_blob(&file, "file")?;
        let size = blob_size(&blob)?;
        let report = inspect(&mut BlobSource { blob: &blob, size }, &mut Platform, size, &opts).await?;
        Ok(zip_report_js(&report))
    }))
}

/// `inspectZip`'s options, also read by `uploadVelaBatch`.
pub(crate) fn read_options(options: &JsValue) -> Result<ZipOptions, UploadFailure> {
    let opts = Opts::read(options, &names::INSPECT_ZIP)?;
    zip_options(&opts)
}

/// `format!("sampleBytes must be 1 to {MAX_SAMPLE_BYTES} bytes")`, written out (no format! in the
/// module for it); the build fails if the number and the text part.
const SAMPLE_BYTES_RANGE: &str = "sampleBytes must be 1 to 16777216 bytes";
const _: () = assert!(MAX_SAMPLE_BYTES == 16_777_216, "SAMPLE_BYTES_RANGE names MAX_SAMPLE_BYTES");

pub(crate) fn zip_options(opts: &Opts) -> Result<ZipOptions, UploadFailure> {
    let mut z = ZipOptions::default();
    if let Some(n) = opts.u64("sampleBytes")? {
        if n == 0 || n > MAX_SAMPLE_BYTES as u64 {
            return Err(invalid_option(SAMPLE_BYTES_RANGE));
        }
        z.sample_bytes = n as usize;
    }
    if let Some(n) = opts.u64("maxIssues")? {
        if n == 0 || n > 100_000 {
            return Err(invalid_option("maxIssues must be 1 to 100000"));
        }
        z.max_issues = n as usize;
    }
    Ok(z)
}

#[wasm_bindgen(typescript_custom_section)]
const TS_BATCH: &str = r#"
/** Options of `uploadVelaBatch`: where the presigned POST comes from, and how to inspect. */
export interface UploadVelaBatchOptions extends CommonUploadOptions, InspectZipOptions {
  /** `{url, fields}`, or a function returning one (called again when a presign expires): the
   * talk-gateway's `/s3/presign`, or your own backend. Vela documents no batch API. */
  presign: Presign | (() => Presign | Promise<Presign>);
}
/** What `uploadVelaBatch` resolves to: the S3 object, and the inspection it passed. */
export interface UploadVelaBatchResult extends PresignedUploadResult { report: ZipReport }
"#;

/// Uploads a Vela batch zip: inspects it first (nothing is sent if the report has errors:
/// `validation_failed`, with the report's errors as `issues`), then POSTs it to S3 with the
/// presign given, with progress, retries and abort like `presignedUpload`.
#[wasm_bindgen(js_name = uploadVelaBatch, unchecked_return_type = "Promise<UploadVelaBatchResult>")]
pub fn upload_vela_batch(
    #[wasm_bindgen(unchecked_param_type = "Blob")] file: JsValue,
    #[wasm_bindgen(unchecked_param_type = "UploadVelaBatchOptions")] options: JsValue,
) -> js_sys::Promise {
    super::error::promise(Box::pin(async move {
        let blob = as_blob(&file, "file")?;
        let opts = Opts::read(&options, &names::UPLOAD_VELA_BATCH)?;
        let zip_opts = zip_options(&opts)?;
        let source = presign_option(&opts)?;
        let size = blob_size(&blob)?;
        let report = inspect(&mut BlobSource { blob: &blob, size }, &mut Platform, size, &zip_opts).await?;
        let report_js = zip_report_js(&report);
        if !report.ok {
            let first = report.errors.first().map(|i| match &i.entry {
                Some(e) => format!(": {} (in {e})", i.message),
                None => format!(": {}", i.message),
            });
            let mut f = UploadFailure::new(
                UploadCode::ValidationFailed,
                format!("the batch zip has {} error(s), nothing was sent{}; see error.issues for all of them", report.errors.len(), first.unwrap_or_default()),
            );
            f.issues = Some(zip_issues_js(&report.errors));
            return Err(f);
        }
        let result = upload_with(&blob, &opts, source).await?;
        if let Some(o) = wasm_bindgen::JsCast::dyn_ref::<js_sys::Object>(&result) {
            super::put(o, "report", report_js);
        }
        Ok(result)
    }))
}

