//! `sniffAudio` and `planChunks`: reading an audio header from a `Blob`, and chunk plans.

use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

use super::error::{invalid_option, to_js};
use super::js;
use super::put;
use super::options::{names, Opts};
use crate::audio::rules::{check_for_upload, choose_method_auto, Method};
use crate::audio::{AudioInfo, Sniffer, Step};
use crate::chunk::{js_number_to_u64, plan_chunks, u64_to_js_number, DEFAULT_CHUNK_SIZE};
use crate::upload_code::UploadCode;
use crate::web::failure::UploadFailure;

/// One step of `sniffAudio`, which the package entry drives (js/blob-input.js): it reads the
/// ranges this asks for with the native `Blob.prototype.slice` and `arrayBuffer`, and calls again
/// with every range read so far in `reads` (`ArrayBuffer`s, in order). Stateless: each call runs
/// the [`Sniffer`] from the start over those bytes (at most three reads of 64 KiB, so at most
/// four calls), which keeps the async machinery (futures, closures, their glue) out of the
/// `talk-uploader/validate` module.
///
/// Returns `[start, end, method]` for the next read, where `method` is the `method` option as
/// read (or `undefined`): the driver passes `{ method }` back instead of the caller's object, so
/// a caller's getters run once. Otherwise returns the `AudioInfo`, or throws the `UploadError`
/// that `sniffAudio` rejects with. Its doc and type are in js/blob-input.d.ts.
#[wasm_bindgen(js_name = __sniffAudioStep, skip_typescript)]
pub fn sniff_audio_step(file: JsValue, options: JsValue, reads: JsValue) -> Result<JsValue, JsValue> {
    sniff_step(&file, &options, &reads).map_err(to_js)
}

fn sniff_step(file: &JsValue, options: &JsValue, reads: &JsValue) -> Result<JsValue, UploadFailure> {
    let blob = as_blob(file, "file")?;
    let opts = Opts::read(options, &names::SNIFF_AUDIO)?;
    let method = read_method(&opts)?;
    let size = blob_size(&blob)?;
    let given = js::array_len(reads).ok().flatten().unwrap_or(0);
    let mut sniffer = Sniffer::new(size);
    let mut fed = 0;
    loop {
        match sniffer.step() {
            Step::Read { start, end } if fed < given => {
                let read = js::item(reads, fed).and_then(|b| js::buffer_bytes(&b, end.saturating_sub(start)));
                sniffer.feed(read.map_err(|e| unreadable(e.cause()))?);
                fed += 1;
            }
            Step::Read { start, end } => {
                let (Ok(a), Ok(b)) = (u64_to_js_number(start), u64_to_js_number(end)) else { return Err(unreadable(None)) };
                let method = match method {
                    None => JsValue::UNDEFINED,
                    Some(None) => "auto".into(),
                    Some(Some(m)) => m.js_name().into(),
                };
                return Ok(Array::of3(&a.into(), &b.into(), &method).into());
            }
            Step::Done(result) => {
                let info = result.map_err(|e| UploadFailure::from_coded(e.code(), &e))?;
                return checked(info, size, method);
            }
        }
    }
}

/// `sniffAudio` for Rust callers (and the browser tests): the same answer as the package's
/// `sniffAudio`, the ranges read by [`sniff_blob`] instead of the JS driver.
pub async fn sniff_audio(file: JsValue, options: Option<SniffAudioOptions>) -> Result<JsValue, JsValue> {
    sniff_audio_impl(file, options.map_or(JsValue::UNDEFINED, Into::into)).await.map_err(to_js)
}

async fn sniff_audio_impl(file: JsValue, options: JsValue) -> Result<JsValue, UploadFailure> {
    let blob = as_blob(&file, "file")?;
    let opts = Opts::read(&options, &names::SNIFF_AUDIO)?;
    let method = read_method(&opts)?;
    let info = sniff_blob(&blob).await?;
    checked(info, blob_size(&blob)?, method)
}

/// `info` as JS, once held to SpeechSense's rules for `method` when one was asked for.
fn checked(info: AudioInfo, size: u64, method: Option<Option<Method>>) -> Result<JsValue, UploadFailure> {
    if let Some(method) = method {
        let chosen = method.unwrap_or_else(|| choose_method_auto(size, info.container));
        check_for_upload(&info, size, chosen).map_err(|e| UploadFailure::from_coded(e.code(), &e))?;
    }
    Ok(info_to_js(&info))
}

/// `options.method`: `None` when absent, `Some(None)` for `"auto"`, else the method named.
pub(crate) fn read_method(opts: &Opts) -> Result<Option<Option<Method>>, UploadFailure> {
    let Some(name) = opts.string("method")? else { return Ok(None) };
    match name.as_str() {
        "auto" => Ok(Some(None)),
        other => Method::from_js_name(other).map(|m| Some(Some(m))).ok_or_else(|| {
            invalid_option(format!(
                "options.method is {}; use \"auto\", \"upload\", \"uploadAsStream\" or \"uploadBadge\"",
                crate::json::escape::quote(other)
            ))
        }),
    }
}

#[wasm_bindgen]
extern "C" {
    /// `{ method?: UploadAudioMethod }`, typed in the `.d.ts`.
    #[wasm_bindgen(typescript_type = "SniffAudioOptions")]
    pub type SniffAudioOptions;
}

#[wasm_bindgen]
extern "C" {
    /// `{ chunkSize?: number }`, typed in the `.d.ts` (declared optional through `Option`).
    #[wasm_bindgen(typescript_type = "PlanChunksOptions")]
    pub type PlanChunksOptions;
}

/// Splits `size` bytes into chunks of `chunkSize` (default 1 MiB): `[{ index, start, end }]`.
/// An upload helper: not in the `talk-uploader/validate` module.
#[cfg(feature = "upload")]
#[wasm_bindgen(js_name = planChunks, unchecked_return_type = "ChunkRange[]")]
pub fn plan_chunks_js(
    // A JsValue, not f64: the glue's number coercion would run a caller's `valueOf` and throw
    // a plain TypeError for a BigInt; this way every bad size is an `invalid_options`.
    #[wasm_bindgen(unchecked_param_type = "number")] size: JsValue,
    options: Option<PlanChunksOptions>,
) -> Result<JsValue, JsValue> {
    let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
    let opts = Opts::read(&options, &names::PLAN_CHUNKS).map_err(to_js)?;
    let chunk_size = opts.u64("chunkSize").map_err(to_js)?.unwrap_or(DEFAULT_CHUNK_SIZE);
    let size = size.as_f64().ok_or_else(|| to_js(invalid_option("size must be a number of bytes")))?;
    let size = js_number_to_u64(size).map_err(|e| to_js(invalid_option(format!("size is invalid: {e}"))))?;
    let chunks = plan_chunks(size, chunk_size).map_err(|e| to_js(UploadFailure::from_coded(e.code(), &e)))?;
    let out = Array::new_with_length(chunks.len() as u32);
    for (i, c) in chunks.iter().enumerate() {
        let o = Object::new();
        set(&o, "index", c.index);
        set(&o, "start", c.start);
        set(&o, "end", c.end);
        out.set(i as u32, o.into());
    }
    Ok(out.into())
}

fn set(o: &Object, key: &str, value: u64) {
    // Chunk offsets are below the file size, itself a safe integer.
    put(o, key, JsValue::from_f64(u64_to_js_number(value).unwrap_or(f64::NAN)));
}

/// `value` as a real `Blob` (a `File` is one), or an `invalid_options` failure naming `name`.
/// A `Proxy` of a `Blob` passes `instanceof` but not the native `size` getter's brand check, and
/// is refused here: XHR and `new Blob([...])` could not send it anyway.
pub(crate) fn as_blob(value: &JsValue, name: &str) -> Result<Blob, UploadFailure> {
    match js::blob_size(value) {
        Ok(_) => Ok(value.clone().unchecked_into()),
        Err(_) => Err(invalid_option(format!("{name} must be a File or a Blob"))),
    }
}

/// The size of `blob` in bytes, by the native getter (an own `size` getter that throws or lies
/// is not consulted: the bytes sent are the blob's real ones).
pub(crate) fn blob_size(blob: &Blob) -> Result<u64, UploadFailure> {
    // The native `size` getter of a real Blob, which is always a safe integer: a value that is
    // not one counts as no Blob. (Formatting `js_number_to_u64`'s error for a case the platform
    // never produces linked f64 display, `chunk::Shown`, into talk-uploader/validate: ~0.5 KB gz.)
    let not_a_blob = || invalid_option("file must be a File or a Blob");
    let size = js::blob_size(blob).map_err(|_| not_a_blob())?;
    js_number_to_u64(size).map_err(|_| not_a_blob())
}

/// Reads bytes `[start, end)` of `blob`, through the native `Blob.prototype.slice` and
/// `arrayBuffer` (whatever the blob's own `slice` does), checking the length that came back.
pub(crate) async fn read_range(blob: &Blob, start: u64, end: u64) -> Result<Vec<u8>, UploadFailure> {
    let (Ok(a), Ok(b)) = (u64_to_js_number(start), u64_to_js_number(end)) else { return Err(unreadable(None)) };
    let slice = js::blob_slice(blob, a, b).map_err(|e| unreadable(e.cause()))?;
    // A fresh native Blob: its `arrayBuffer` is the platform's and always settles.
    let buf = JsFuture::from(slice.array_buffer()).await.map_err(|e| unreadable(Some(e)))?;
    js::buffer_bytes(&buf, end.saturating_sub(start)).map_err(|e| unreadable(e.cause()))
}

/// `file_unreadable`, with what was thrown as its cause. js/blob-input.js gives the same message
/// when its read of a range fails.
fn unreadable(cause: Option<JsValue>) -> UploadFailure {
    let f = UploadFailure::new(
        UploadCode::FileUnreadable,
        "the file could not be read; it may have been moved, changed or deleted since it was chosen",
    );
    match cause {
        Some(c) => f.with_cause(c),
        None => f,
    }
}

/// Sniffs `blob`, reading the ranges the package's [`Sniffer`] asks for (at most three slices
/// of 64 KiB), so the page reads a file exactly as the devserver does.
pub(crate) async fn sniff_blob(blob: &Blob) -> Result<AudioInfo, UploadFailure> {
    let mut sniffer = Sniffer::new(blob_size(blob)?);
    loop {
        match sniffer.step() {
            Step::Read { start, end } => sniffer.feed(read_range(blob, start, end).await?),
            Step::Done(result) => return result.map_err(|e| UploadFailure::from_coded(e.code(), &e)),
        }
    }
}

/// An `AudioInfo` as the JS object of the `AudioInfo` interface.
pub(crate) fn info_to_js(info: &AudioInfo) -> JsValue {
    let o = Object::new();
    put(&o, "container", info.container.as_str().into());
    put(&o, "codec", info.codec.name().as_ref().into());
    put(&o, "sampleRate", info.sample_rate.into());
    put(&o, "channels", info.channels.into());
    put(&o, "bitsPerSample", info.bits_per_sample.map_or(JsValue::NULL, JsValue::from));
    put(&o, "durationSec", info.duration_sec.map_or(JsValue::NULL, JsValue::from));
    put(&o, "inputSampleRate", info.input_sample_rate.map_or(JsValue::NULL, JsValue::from));
    o.into()
}
