//! `inspectZip`: the JS face of [`crate::zip`], reading a `Blob` through `Blob.slice` and
//! inflating the sampled start of deflated entries with the platform's
//! `DecompressionStream("deflate-raw")`.

use js_sys::Promise;
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

// The stream and its promises are driven by js/inflate.js; this keeps the sample and its limit.
#[wasm_bindgen(module = "/js/inflate.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = inflateStart)]
    fn inflate_start() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = inflateFeed)]
    fn inflate_feed(h: &JsValue, input: &[u8], room: f64) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch, js_name = inflateFinish)]
    fn inflate_finish(h: &JsValue, room: f64) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch, js_name = inflateDrop)]
    fn inflate_drop(h: &JsValue) -> Result<(), JsValue>;
}

/// Starts a `DecompressionStream("deflate-raw")` per sampled entry.
struct Platform;

impl Inflate<UploadFailure> for Platform {
    type Inflater = Decompressor;
    fn start(&mut self, limit: usize) -> Result<Decompressor, UploadFailure> {
        let stream = inflate_start().map_err(|_| {
            UploadFailure::new(
                UploadCode::Unsupported,
                "this browser has no DecompressionStream(\"deflate-raw\") to read the zip's deflated entries: inspectZip needs Chrome 103, Firefox 113, Safari 16.4 or later",
            )
        })?;
        Ok(Decompressor { stream, out: Vec::new(), limit, ended: false, past_limit: false })
    }
}

/// One `DecompressionStream` (js/inflate.js), fed by [`Inflater::feed`], read as far as the
/// limit. Dropping it cancels the stream.
struct Decompressor {
    stream: JsValue,
    out: Vec<u8>,
    limit: usize,
    ended: bool,
    /// Output past the limit came (and was dropped): the stream does not end within the limit.
    past_limit: bool,
}

impl Decompressor {
    /// Bytes the sample still has room for.
    fn room(&self) -> usize {
        self.limit.saturating_sub(self.out.len())
    }

    /// Keeps the bytes of `chunks` (an array of `Uint8Array`s) up to the limit.
    fn keep(&mut self, chunks: &JsValue) -> Result<(), Damaged> {
        let n = js::array_len(chunks).ok().flatten().ok_or(Damaged)?;
        for i in 0..n {
            let bytes = js::item(chunks, i).and_then(|c| js::u8_array_bytes(&c)).map_err(|_| Damaged)?;
            let room = self.room();
            self.past_limit |= bytes.len() > room;
            self.out.extend_from_slice(bytes.get(..room).unwrap_or(&bytes));
        }
        Ok(())
    }
}

impl Inflater for Decompressor {
    async fn feed(&mut self, input: &[u8]) -> Result<(), Damaged> {
        let fed = inflate_feed(&self.stream, input, self.room() as f64).map_err(|_| Damaged)?;
        let chunks = JsFuture::from(fed).await.map_err(|_| Damaged)?;
        self.keep(&chunks)?;
        self.ended = js::get(&self.stream, "ended").is_ok_and(|e| e.is_truthy());
        Ok(())
    }

    async fn finish(&mut self) -> Result<bool, Damaged> {
        if self.ended {
            return Ok(true);
        }
        // Past the limit already: the stream is closed and not read further (-1).
        let room = if self.past_limit { -1.0 } else { self.room() as f64 };
        let Ok(finished) = inflate_finish(&self.stream, room) else { return Ok(false) };
        // [ended, chunks]; a rejection is Node's late damage (its errors say which they are).
        let result = JsFuture::from(finished).await.map_err(|_| Damaged)?;
        let ended = js::item(&result, 0).is_ok_and(|e| e.is_truthy());
        if js::item(&result, 1).map(|c| self.keep(&c)).is_err() {
            return Ok(false);
        }
        self.ended = ended;
        Ok(ended)
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
        let _ = inflate_drop(&self.stream);
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

