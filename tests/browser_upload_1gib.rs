//! Browser tier: a 1 GiB disk-backed file through `uploadBadge` and through a presigned POST.
//!
//! The file is written to the origin-private file system (OPFS) and read back with `getFile()`:
//! a disk-backed `File`, like `<input type=file>` gives, because Chrome refuses composite Blobs
//! built from in-memory Blobs above ~192 MiB. It records `WebAssembly.Memory` and, where the
//! browser has it (Chromium), `performance.memory`, prints the figures, and asserts that wasm
//! memory stayed below 16 MiB: the audio never enters wasm memory.

#![cfg(target_arch = "wasm32")]

mod browser_upload_support;

use browser_upload_support::*;
use js_sys::Uint8Array;
use sha2::{Digest, Sha256};
use talk_uploader::bindings::presigned::upload_vela_call;
use talk_uploader::bindings::upload::upload_audio;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export async function opfsOpen(name) {
  const dir = await navigator.storage.getDirectory();
  const handle = await dir.getFileHandle(name, { create: true });
  const writable = await handle.createWritable();
  return { dir, handle, writable };
}
export function fillRandom(u8) {
  for (let i = 0; i < u8.length; i += 65536) crypto.getRandomValues(u8.subarray(i, Math.min(i + 65536, u8.length)));
}
export async function opfsWrite(f, u8) { await f.writable.write(u8); }
export async function opfsFinish(f) { await f.writable.close(); return await f.handle.getFile(); }
export async function opfsRemove(f, name) { try { await f.dir.removeEntry(name); } catch (e) {} }
export function jsHeapUsed() {
  return (typeof performance !== "undefined" && performance.memory) ? performance.memory.usedJSHeapSize : -1;
}
"#)]
extern "C" {
    async fn opfsOpen(name: &str) -> JsValue;
    fn fillRandom(u8: &Uint8Array);
    async fn opfsWrite(f: &JsValue, u8: &Uint8Array);
    async fn opfsFinish(f: &JsValue) -> JsValue;
    async fn opfsRemove(f: &JsValue, name: &str);
    fn jsHeapUsed() -> f64;
}

const GIB: usize = 1 << 30;
const MIB: usize = 1 << 20;

fn wasm_memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length() as f64
}

fn log(s: &str) {
    web_sys::console::log_1(&s.into());
    wasm_bindgen_test::console_log!("{s}");
}

fn mib(bytes: f64) -> String {
    format!("{:.1} MiB", bytes / MIB as f64)
}

#[wasm_bindgen_test]
async fn one_gib_through_upload_badge_and_presigned_post() {
    let name = "talk-uploader-1gib.wav";
    let f = opfsOpen(name).await;
    let t0 = js_sys::Date::now();
    let mut hasher = Sha256::new();
    // 48 kHz mono 16-bit: 1 GiB lasts 3.1 h, inside the 4-hour limit.
    let header = wav_header((GIB - 44) as u32, 48_000, 1, 16, 1);
    hasher.update(&header);
    opfsWrite(&f, &Uint8Array::from(header.as_slice())).await;
    let chunk = Uint8Array::new_with_length(MIB as u32);
    let mut buf = vec![0u8; MIB];
    let mut left = GIB - 44;
    while left > 0 {
        let n = left.min(MIB);
        let view = chunk.subarray(0, n as u32);
        fillRandom(&view);
        view.copy_to(&mut buf[..n]);
        hasher.update(&buf[..n]);
        opfsWrite(&f, &view).await;
        left -= n;
    }
    drop(buf);
    let file: web_sys::Blob = opfsFinish(&f).await.unchecked_into();
    let sha256 = hex(&hasher.finalize());
    assert_eq!(file.size(), GIB as f64);
    log(&format!("1 GiB OPFS file written and hashed in {:.1} s", (js_sys::Date::now() - t0) / 1000.0));

    let wasm_before = wasm_memory_bytes();
    let heap_before = jsHeapUsed();
    let peak = std::rc::Rc::new(std::cell::Cell::new(wasm_before));
    let heap_peak = std::rc::Rc::new(std::cell::Cell::new(heap_before));
    let progress = |peak: std::rc::Rc<std::cell::Cell<f64>>, heap_peak: std::rc::Rc<std::cell::Cell<f64>>| {
        Closure::<dyn FnMut(JsValue)>::new(move |_e: JsValue| {
            peak.set(peak.get().max(wasm_memory_bytes()));
            heap_peak.set(heap_peak.get().max(jsHeapUsed()));
        })
        .into_js_value()
    };

    // uploadBadge
    let t1 = js_sys::Date::now();
    let opts = obj(&[
        ("endpoint", JsValue::from_str(devserver())),
        ("apiKey", JsValue::from_str(api_key())),
        ("connectionId", JsValue::from_str("test-audio-1")),
        ("method", JsValue::from_str("auto")),
        ("onProgress", progress(peak.clone(), heap_peak.clone())),
    ]);
    let result = upload_audio(file.clone().into(), metadata(), opts).await;
    let badge_secs = (js_sys::Date::now() - t1) / 1000.0;
    let result = match result {
        Ok(r) => r,
        Err(e) => {
            opfsRemove(&f, name).await;
            panic!("uploadBadge failed: {}", error_message(&e));
        }
    };
    assert_eq!(get_str(&result, "method"), "uploadBadge", "auto must pick uploadBadge above 128 MB");
    let talk = stored_talk(&get_str(&result, "talkId")).await;
    assert_eq!(talk["audio"]["bytes"], GIB as u64);
    assert_eq!(talk["audio"]["sha256"], sha256.as_str());

    // presigned POST (Vela)
    let t2 = js_sys::Date::now();
    let opts = obj(&[
        ("apiBase", JsValue::from_str(devserver())),
        ("token", JsValue::from_str(api_key())),
        ("orgId", JsValue::from_str("org-1gib")),
        ("email", JsValue::from_str("agent@example.com")),
        ("dateOfCall", JsValue::from_str("2024-05-06")),
        ("onProgress", progress(peak.clone(), heap_peak.clone())),
        ("stallTimeoutMs", JsValue::from_f64(60_000.0)),
    ]);
    let result = upload_vela_call(file.clone().into(), opts).await;
    let s3_secs = (js_sys::Date::now() - t2) / 1000.0;
    opfsRemove(&f, name).await;
    let result = result.unwrap_or_else(|e| panic!("presigned upload failed: {}", error_message(&e)));
    let object = get_json(&format!("{}/api/objects/{}", devserver(), get_str(&result, "key"))).await;
    assert_eq!(object["bytes"], GIB as u64);
    assert_eq!(object["sha256"], sha256.as_str());

    let wasm_after = wasm_memory_bytes();
    let peak = peak.get().max(wasm_after);
    log(&format!(
        "1 GiB: uploadBadge {badge_secs:.1} s ({:.0} MiB/s), presigned POST {s3_secs:.1} s ({:.0} MiB/s); \
         wasm memory before {} / peak {} / after {}",
        1024.0 / badge_secs,
        1024.0 / s3_secs,
        mib(wasm_before),
        mib(peak),
        mib(wasm_after)
    ));
    if heap_before >= 0.0 {
        log(&format!("JS heap (performance.memory.usedJSHeapSize): before {} / peak {}", mib(heap_before), mib(heap_peak.get())));
    } else {
        log("performance.memory is not available in this browser (Chromium only); JS heap not measured");
    }
    assert!(peak < 16.0 * MIB as f64, "wasm memory reached {}", mib(peak));
}
