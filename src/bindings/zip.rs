//! `inspectZip`: the JS face of [`crate::zip`], reading a `Blob` through `Blob.slice`.

use wasm_bindgen::prelude::*;
use web_sys::Blob;

use super::audio::{as_blob, blob_size, read_range};
use super::error::{invalid_option, to_js};
use super::json::{zip_issues_js, zip_report_js};
use super::options::{names, Opts};
use super::presigned::{upload_with, PresignSource};
use crate::upload_code::UploadCode;
use crate::web::failure::UploadFailure;
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

/// Inspects a Vela batch zip: reads only the end of the file (the central directory, Zip64
/// included) and the first `sampleBytes` of each CSV, TSV or JSON entry.
///
/// Problems with the archive come back in the report (`ok: false`, coded errors such as
/// `not_a_zip`); only a non-Blob argument (`invalid_options`) or an unreadable file rejects.
#[wasm_bindgen(js_name = inspectZip, unchecked_return_type = "ZipReport")]
pub async fn inspect_zip(
    #[wasm_bindgen(unchecked_param_type = "Blob")] file: JsValue,
    options: Option<InspectZipOptions>,
) -> Result<JsValue, JsValue> {
    let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
    let opts = read_options(&options).map_err(to_js)?;
    let blob = as_blob(&file, "file").map_err(to_js)?;
    let size = blob_size(&blob).map_err(to_js)?;
    let report = inspect(&mut BlobSource { blob: &blob, size }, size, &opts).await.map_err(to_js)?;
    Ok(zip_report_js(&report))
}

/// `inspectZip`'s options, also read by `uploadVelaBatch`.
pub(crate) fn read_options(options: &JsValue) -> Result<ZipOptions, UploadFailure> {
    let opts = Opts::read(options, &names::INSPECT_ZIP)?;
    zip_options(&opts)
}

pub(crate) fn zip_options(opts: &Opts) -> Result<ZipOptions, UploadFailure> {
    let mut z = ZipOptions::default();
    if let Some(n) = opts.u64("sampleBytes")? {
        if n == 0 || n > MAX_SAMPLE_BYTES as u64 {
            return Err(invalid_option(format!("sampleBytes must be 1 to {MAX_SAMPLE_BYTES} bytes")));
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
#[wasm_bindgen(js_name = uploadVelaBatch, unchecked_return_type = "UploadVelaBatchResult")]
pub async fn upload_vela_batch(
    #[wasm_bindgen(unchecked_param_type = "Blob")] file: JsValue,
    #[wasm_bindgen(unchecked_param_type = "UploadVelaBatchOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    async {
        let blob = as_blob(&file, "file")?;
        let opts = Opts::read(&options, &names::UPLOAD_VELA_BATCH)?;
        let zip_opts = zip_options(&opts)?;
        let source = match opts.get("presign") {
            Some(f) if f.is_function() => PresignSource::Function(wasm_bindgen::JsCast::unchecked_into(f)),
            Some(p) => PresignSource::Static(super::options::read_presign(&p, "options.presign")?),
            None => return Err(invalid_option("options.presign is required: {url, fields} or an async function returning one")),
        };
        let size = blob_size(&blob)?;
        let report = inspect(&mut BlobSource { blob: &blob, size }, size, &zip_opts).await?;
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
    }
    .await
    .map_err(to_js)
}
