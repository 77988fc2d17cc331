//! `uploadLabelboxConversations`: validate (or convert) each conversation, host it through a
//! presigned POST, and return the import rows Labelbox expects.
//!
//! Each item goes through `presignedUpload`'s own path (progress, retries, presign refresh,
//! abort); one failed item does not stop the others.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use js_sys::{Array, Function, Object, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

use super::error::{invalid_option, to_js};
use super::js;
use super::options::{names, Opts};
use super::presigned::{upload_with, PresignSource};
use super::put;
use crate::convert::{convert_chat, ChatFormat, ConvertOptions};
use crate::prepare::labelbox::{default_global_key, object_url, Row};
use crate::upload_code::UploadCode;
use crate::validate::{validate, ValidateOptions, ValidationKind};
use crate::web::failure::UploadFailure;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** One conversation to host: its JSON (text, bytes, a Blob, or an object to `JSON.stringify`). */
export interface LabelboxItem { content: string | Uint8Array | Blob | object; name?: string }
/** A presigned POST for one item; `rowData` is the URL Labelbox will fetch (a signed GET URL, or
 * the object URL of an IAM-delegated bucket). Without it the row uses the POST's `location`, or
 * `url` + key in virtual-hosted style. */
export interface LabelboxPresign extends Presign { rowData?: string }
/** One Labelbox import row. */
export interface LabelboxRow { row_data: string; global_key: string; media_type: "CONVERSATIONAL"; metadata_fields?: unknown[] }
/** Progress over the whole batch. */
export interface LabelboxProgress { loaded: number; total: number; items: number; itemsDone: number }
/** Options of `uploadLabelboxConversations`. */
export interface UploadLabelboxOptions {
  presign: (item: LabelboxItem, index: number) => LabelboxPresign | Promise<LabelboxPresign>;
  /** Convert each item from this format first (otherwise items must be Labelbox conversations). */
  from?: "speechsense" | "vela" | "labelbox";
  /** How many items upload at once (1 to 64, default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (progress: LabelboxProgress) => void;
  retry?: false | { delays: number[] };
  stallTimeoutMs?: number;
  /** The row's global key (default: "sha256-" + the SHA-256 of the exact bytes uploaded). */
  globalKey?: (item: LabelboxItem, index: number) => string | Promise<string>;
  /** The row's `metadata_fields`. */
  metadataFields?: (item: LabelboxItem, index: number) => unknown[] | Promise<unknown[]>;
  /** Accept loopback `http://` row URLs (tests against a local S3). Off by default: Labelbox fetches only `https`. */
  allowLoopbackHttp?: boolean;
}
export type LabelboxResult = { ok: true; key: string; row: LabelboxRow } | { ok: false; error: UploadError };
/** The rows of the items that were stored (in item order), and one result per item. */
export interface UploadLabelboxResult { rows: LabelboxRow[]; results: LabelboxResult[] }
"#;

/// The most items one call takes.
const MAX_ITEMS: usize = 100_000;
/// The largest conversation read from a `Blob` (Labelbox files are far smaller).
const MAX_ITEM_BYTES: u64 = 64 * 1024 * 1024;

/// One item's outcome: its global key and import row, or why it failed.
type Hosted = Result<(String, Row), UploadFailure>;

/// Hosts Labelbox conversations and returns their import rows.
#[wasm_bindgen(js_name = uploadLabelboxConversations, unchecked_return_type = "Promise<UploadLabelboxResult>")]
pub fn upload_labelbox_conversations(
    #[wasm_bindgen(unchecked_param_type = "LabelboxItem[]")] items: JsValue,
    #[wasm_bindgen(unchecked_param_type = "UploadLabelboxOptions")] options: JsValue,
) -> Promise {
    super::error::promise(Box::pin(run(items, options)))
}

struct Batch {
    opts: Opts,
    presign: Function,
    from: Option<ChatFormat>,
    global_key: Option<Function>,
    metadata_fields: Option<Function>,
    allow_loopback_http: bool,
    progress: Rc<Progress>,
}

/// The batch's progress: bytes of every item, and items finished.
struct Progress {
    on_progress: Option<Function>,
    total: Cell<f64>,
    loaded: RefCell<Vec<f64>>,
    done: Cell<u32>,
}

async fn run(items: JsValue, options: JsValue) -> Result<JsValue, UploadFailure> {
    let (batch, items, concurrency) = read_batch(&items, &options)?;
    let mut slots = Vec::with_capacity(items.len());
    slots.resize_with(items.len(), || None);
    let results: RefCell<Vec<Option<Hosted>>> = RefCell::new(slots);
    let next = Cell::new(0usize);
    // One boxed worker type: `join_all` is one function, and each worker's state machine is
    // polled through its vtable instead of being inlined into it.
    let mut workers: Vec<Pin<Box<dyn Future<Output = ()> + '_>>> = Vec::new();
    for _ in 0..concurrency {
        workers.push(Box::pin(worker(&batch, &items, &results, &next)));
    }
    join_all(workers).await;
    Ok(batch_result(results.into_inner()))
}

/// The options and items of one call, read before anything starts.
fn read_batch(items: &JsValue, options: &JsValue) -> Result<(Batch, Vec<JsValue>, usize), UploadFailure> {
    let opts = Opts::read(options, &names::UPLOAD_LABELBOX)?;
    let items = js::array_items(items, MAX_ITEMS).map_err(|_| invalid_option(format!("items must be an array of at most {MAX_ITEMS} {{content, name?}} objects")))?;
    let presign = opts.function("presign")?.ok_or_else(|| invalid_option("options.presign is required: a function (item, index) returning {url, fields, rowData?}"))?;
    let from = match opts.string("from")? {
        None => None,
        Some(f) => Some(chat_format(&f).ok_or_else(|| invalid_option(format!("options.from must be \"speechsense\", \"vela\" or \"labelbox\", not \"{f}\"")))?),
    };
    let concurrency = opts.u64("concurrency")?.unwrap_or(4);
    if !(1..=64).contains(&concurrency) {
        return Err(invalid_option("options.concurrency must be 1 to 64"));
    }
    let batch = Batch {
        global_key: opts.function("globalKey")?,
        metadata_fields: opts.function("metadataFields")?,
        allow_loopback_http: match opts.get("allowLoopbackHttp") {
            None => false,
            Some(v) => v.as_bool().ok_or_else(|| invalid_option("options.allowLoopbackHttp must be a boolean"))?,
        },
        progress: Rc::new(Progress {
            on_progress: opts.function("onProgress")?,
            total: Cell::new(0.0),
            loaded: RefCell::new(vec![0.0; items.len()]),
            done: Cell::new(0),
        }),
        presign,
        from,
        opts,
    };
    let workers = (concurrency as usize).min(items.len().max(1));
    Ok((batch, items, workers))
}

/// Takes the next item until none is left.
async fn worker(batch: &Batch, items: &[JsValue], results: &RefCell<Vec<Option<Hosted>>>, next: &Cell<usize>) {
    loop {
        let i = next.get();
        let Some(item) = items.get(i) else { break };
        next.set(i + 1);
        let r = one(batch, item, i).await;
        batch.progress.done.set(batch.progress.done.get() + 1);
        batch.progress.report();
        if let Some(slot) = results.borrow_mut().get_mut(i) {
            *slot = Some(r);
        }
    }
}

/// `{rows, results}` of the finished batch.
fn batch_result(mut results: Vec<Option<Hosted>>) -> JsValue {
    // Two items with the same key would be one row twice for Labelbox: the later one fails.
    // Found with formats::check's one sort of (key, position), as formats::labelbox finds its
    // duplicates: a map here would link a B-tree instance of its own (~5 KB of wasm).
    let mut keys = Vec::new();
    for (i, slot) in results.iter().enumerate() {
        if let Some(Ok((_, row))) = slot {
            keys.push((std::borrow::Cow::Owned(row.global_key.to_ascii_lowercase()), i));
        }
    }
    let dups = crate::formats::check::duplicates(keys);
    for (i, slot) in results.iter_mut().enumerate() {
        let Some(first) = crate::formats::check::earlier_duplicate(&dups, i) else { continue };
        if let Some(Ok((_, row))) = slot {
            let msg = format!("items[{i}] has the global key \"{}\" of items[{first}] (the same content, or a globalKey that repeats): Labelbox would refuse the second row", row.global_key);
            *slot = Some(Err(UploadFailure::new(UploadCode::ValidationFailed, msg)));
        }
    }
    let rows = Array::new();
    let out = Array::new();
    for r in results {
        let o = Object::new();
        match r.unwrap_or_else(|| Err(UploadFailure::new(UploadCode::Internal, "an item was never processed"))) {
            Ok((key, row)) => {
                let row_js = js_sys::JSON::parse(&row.to_json()).unwrap_or(JsValue::NULL);
                rows.push(&row_js);
                put(&o, "ok", true.into());
                put(&o, "key", key.into());
                put(&o, "row", row_js);
            }
            Err(f) => {
                put(&o, "ok", false.into());
                put(&o, "error", to_js(f));
            }
        }
        out.push(&o);
    }
    let result = Object::new();
    put(&result, "rows", rows.into());
    put(&result, "results", out.into());
    result.into()
}

impl Progress {
    fn report(&self) {
        if let Some(f) = &self.on_progress {
            let p = Object::new();
            put(&p, "loaded", self.loaded.borrow().iter().sum::<f64>().into());
            put(&p, "total", self.total.get().into());
            put(&p, "items", (self.loaded.borrow().len() as f64).into());
            put(&p, "itemsDone", self.done.get().into());
            // A callback that throws does not stop the batch (`call1` is `catch`).
            let _ = f.call1(&JsValue::UNDEFINED, &p);
        }
    }
}

/// Validates, hosts and describes item `index`.
async fn one(batch: &Batch, item: &JsValue, index: usize) -> Result<(String, Row), UploadFailure> {
    let at = format!("items[{index}]");
    let content = js::get(item, "content").map_err(|e| super::options::read_failure(&format!("{at}.content"), e, "is required"))?;
    let (bytes, original) = read_content(&content, &at).await?;
    let (bytes, blob) = checked(batch, bytes, original, &at)?;
    let global_key = match &batch.global_key {
        Some(f) => call_for_string(f, item, index, "options.globalKey").await?,
        None => default_global_key(&sha256(&bytes).await?),
    };
    let metadata_fields = match &batch.metadata_fields {
        Some(f) => Some(call_for_json(f, item, index).await?),
        None => None,
    };
    drop(bytes);

    let seen: Rc<RefCell<Option<JsValue>>> = Default::default();
    let presign = capturing_presign(&batch.presign, item, index, seen.clone());
    let item_opts = item_options(batch, index)?;
    let result = upload_with(&blob, &item_opts, PresignSource::Function(presign)).await?;
    let last = seen.borrow_mut().take().unwrap_or(JsValue::NULL);
    hosted(batch, &at, &result, &last, global_key, metadata_fields)
}

/// The item's bytes converted (with `from`) and validated, and the `Blob` to upload: the
/// caller's own when it was not converted. Counts its size into the batch's total.
fn checked(batch: &Batch, mut bytes: Vec<u8>, original: Option<Blob>, at: &str) -> Result<(Vec<u8>, Blob), UploadFailure> {
    let what = || format!("conversation {at}");
    if let Some(from) = batch.from.filter(|f| *f != ChatFormat::Labelbox) {
        let converted = convert_chat(&bytes, &ConvertOptions::new(from, ChatFormat::Labelbox));
        if !converted.ok {
            let report = crate::validate::Report { ok: false, errors: converted.errors, ..Default::default() };
            return Err(super::upload::validation_failure(&what(), &[&report]));
        }
        bytes = converted.output.into_bytes();
    }
    let report = validate(&bytes, &ValidateOptions::new(ValidationKind::LabelboxConversation));
    if !report.ok {
        return Err(super::upload::validation_failure(&what(), &[&report]));
    }
    // The exact bytes are uploaded: the caller's Blob itself when it was not converted.
    let blob = match original.filter(|_| batch.from.is_none_or(|f| f == ChatFormat::Labelbox)) {
        Some(b) => b,
        None => bytes_blob(&bytes)?,
    };
    batch.progress.total.set(batch.progress.total.get() + bytes.len() as f64);
    Ok((bytes, blob))
}

/// The stored item's key and import row, from the upload's `result` and the `last` presign.
fn hosted(batch: &Batch, at: &str, result: &JsValue, last: &JsValue, global_key: String, metadata_fields: Option<String>) -> Result<(String, Row), UploadFailure> {
    let key = js::get(result, "key").ok().and_then(|k| k.as_string()).unwrap_or_default();
    let row_data = js::get_present(last, "rowData").ok().flatten().and_then(|v| v.as_string())
        .or_else(|| js::get_present(result, "location").ok().flatten().and_then(|v| v.as_string()))
        .or_else(|| js::get(last, "url").ok().and_then(|u| u.as_string()).and_then(|u| object_url(&u, &key)))
        .ok_or_else(|| UploadFailure::new(UploadCode::InvalidResponse, format!("{at}: no row URL: the presign has no rowData and its url is not http(s)")))?;
    let row = Row::new(row_data, global_key, metadata_fields);
    // The row must import: an https URL (or loopback http when allowed), a key Labelbox takes.
    let one_row = format!("[{}]", row.to_json());
    let report = validate(one_row.as_bytes(), &ValidateOptions { allow_loopback_http: batch.allow_loopback_http, ..ValidateOptions::new(ValidationKind::LabelboxImport) });
    if !report.ok {
        return Err(super::upload::validation_failure(&format!("import row of {at} (stored as {key})"), &[&report]));
    }
    Ok((key, row))
}

/// The item's bytes, and its `Blob` when it was given as one (uploaded as is).
async fn read_content(content: &JsValue, at: &str) -> Result<(Vec<u8>, Option<Blob>), UploadFailure> {
    if let Some(s) = content.as_string() {
        return Ok((s.into_bytes(), None));
    }
    if let Ok(bytes) = js::u8_array_bytes(content) {
        return Ok((bytes, None));
    }
    if let Ok(blob) = super::audio::as_blob(content, at) {
        let size = super::audio::blob_size(&blob)?;
        if size > MAX_ITEM_BYTES {
            return Err(invalid_option(format!("{at}.content is {size} bytes; a conversation may be at most {MAX_ITEM_BYTES}")));
        }
        let bytes = super::audio::read_range(&blob, 0, size).await?;
        return Ok((bytes, Some(blob)));
    }
    if js::is_object_like(content) && !content.is_function() {
        let text = js_sys::JSON::stringify(content)
            .map_err(|e| super::options::threw(&format!("{at}.content"), e))?
            .as_string()
            .ok_or_else(|| invalid_option(format!("{at}.content is not JSON-compatible")))?;
        return Ok((text.into_bytes(), None));
    }
    Err(invalid_option(format!("{at}.content must be a string, a Uint8Array, a Blob or an object")))
}

fn chat_format(name: &str) -> Option<ChatFormat> {
    match name {
        "speechsense" => Some(ChatFormat::Speechsense),
        "vela" => Some(ChatFormat::Vela),
        "labelbox" => Some(ChatFormat::Labelbox),
        _ => None,
    }
}

fn bytes_blob(bytes: &[u8]) -> Result<Blob, UploadFailure> {
    let parts = Array::of1(&Uint8Array::from(bytes));
    Blob::new_with_u8_array_sequence(&parts).map_err(|_| UploadFailure::new(UploadCode::Internal, "could not make a Blob of the conversation"))
}

/// `presign(item, index)`, remembering what it returned (for `rowData` and `url`).
fn capturing_presign(f: &Function, item: &JsValue, index: usize, seen: Rc<RefCell<Option<JsValue>>>) -> Function {
    let (f, item) = (f.clone(), item.clone());
    Closure::<dyn FnMut() -> Promise>::new(move || {
        let seen = seen.clone();
        let value = match f.call2(&JsValue::UNDEFINED, &item, &JsValue::from(index as u32)) {
            Ok(v) => js::adopt(&v),
            Err(e) => return Promise::reject(&e),
        };
        let keep = Closure::once_into_js(move |v: JsValue| {
            *seen.borrow_mut() = Some(v.clone());
            v
        });
        // `Promise.prototype.then` of a fresh native promise, with a callback that passes the
        // value on (js-sys's `then` takes a callback that returns nothing).
        let then: Option<Function> = js::get(&value, "then").ok().and_then(|t| t.dyn_into().ok());
        match then.map(|t| t.call1(&value, &keep)) {
            Some(Ok(p)) => p.unchecked_into(),
            Some(Err(e)) => Promise::reject(&e),
            None => value,
        }
    })
    .into_js_value()
    .unchecked_into()
}

/// The per-item options for `presignedUpload`'s path: the batch's signal, retry and stall
/// timer, and a progress callback that adds into the batch's.
fn item_options(batch: &Batch, index: usize) -> Result<Opts, UploadFailure> {
    let o = Object::new();
    for k in ["signal", "retry", "stallTimeoutMs"] {
        if let Some(v) = batch.opts.get(k) {
            put(&o, k, v);
        }
    }
    if batch.progress.on_progress.is_some() {
        let progress = batch.progress.clone();
        let cb = Closure::<dyn FnMut(JsValue)>::new(move |p: JsValue| {
            let l = js::get(&p, "loaded").ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
            if let Some(slot) = progress.loaded.borrow_mut().get_mut(index) {
                *slot = l;
            }
            progress.report();
        });
        put(&o, "onProgress", cb.into_js_value());
    }
    Opts::read(&o, &names::PRESIGNED_UPLOAD_COMMON)
}

async fn call_for_string(f: &Function, item: &JsValue, index: usize, what: &str) -> Result<String, UploadFailure> {
    let v = call_async(f, item, index, what).await?;
    v.as_string().filter(|s| !s.is_empty()).ok_or_else(|| invalid_option(format!("{what} must return a non-empty string")))
}

/// `metadataFields(item, index)` as JSON text, which must be an array.
async fn call_for_json(f: &Function, item: &JsValue, index: usize) -> Result<String, UploadFailure> {
    let v = call_async(f, item, index, "options.metadataFields").await?;
    let text = js_sys::JSON::stringify(&v)
        .map_err(|e| super::options::threw("options.metadataFields", e))?
        .as_string()
        .ok_or_else(|| invalid_option("options.metadataFields must return an array"))?;
    let is_array = crate::json::read(text.as_bytes()).is_ok_and(|r| r.parsed.doc.root().kind() == crate::json::Kind::Array);
    if !is_array {
        return Err(invalid_option("options.metadataFields must return an array"));
    }
    Ok(text)
}

async fn call_async(f: &Function, item: &JsValue, index: usize, what: &str) -> Result<JsValue, UploadFailure> {
    let v = f.call2(&JsValue::UNDEFINED, item, &JsValue::from(index as u32)).map_err(|e| super::options::threw(what, e))?;
    JsFuture::from(js::adopt(&v)).await.map_err(|e| super::options::threw(what, e))
}

/// SHA-256 through the platform (`crypto.subtle`), which costs the module nothing.
async fn sha256(bytes: &[u8]) -> Result<Vec<u8>, UploadFailure> {
    let unavailable = || UploadFailure::new(UploadCode::Unsupported, "crypto.subtle is unavailable (an http:// page that is not localhost?): pass options.globalKey, or serve the page over https");
    let subtle = js::get(&js_sys::global(), "crypto").ok().and_then(|c| js::get(&c, "subtle").ok()).filter(js::is_object_like).ok_or_else(unavailable)?;
    let digest: Function = js::get(&subtle, "digest").ok().and_then(|d| d.dyn_into().ok()).ok_or_else(unavailable)?;
    let promise = digest.call2(&subtle, &"SHA-256".into(), &Uint8Array::from(bytes)).map_err(|_| unavailable())?;
    let buf = JsFuture::from(js::adopt(&promise)).await.map_err(|_| unavailable())?;
    js::buffer_bytes(&buf, 32).map_err(|_| unavailable())
}

/// Polls every future until all are done (the workers of one batch, on one thread).
async fn join_all(mut futs: Vec<Pin<Box<dyn Future<Output = ()> + '_>>>) {
    std::future::poll_fn(|cx: &mut Context<'_>| {
        // Finished futures are dropped at once (a worker holds its item's state).
        futs.retain_mut(|f| f.as_mut().poll(cx).is_pending());
        if futs.is_empty() { Poll::Ready(()) } else { Poll::Pending }
    })
    .await
}
