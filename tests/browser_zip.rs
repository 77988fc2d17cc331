//! Browser tier: `inspectZip` on zips written here (read through `Blob.slice`), and
//! `uploadVelaBatch` to the devserver's policy-checking S3, stored byte-exact.

#![cfg(target_arch = "wasm32")]

mod browser_upload_support;
mod zip_support;

use browser_upload_support::*;
use sha2::{Digest, Sha256};
use talk_uploader::bindings::zip::{inspect_zip, upload_vela_batch};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use zip_support::*;

wasm_bindgen_test_configure!(run_in_browser);

const CSV: &[u8] = b"call_id,agent,date\n1,Ann,2024-05-06\n2,\"Bo, Jr\",2024-05-07\n";

fn blob(bytes: &[u8]) -> web_sys::Blob {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    web_sys::Blob::new_with_u8_array_sequence(&parts).unwrap()
}

/// A `presign` function asking the devserver's batch route, counting its calls.
fn batch_presign(org: &'static str, filename: &'static str, size: u64) -> (JsValue, std::rc::Rc<std::cell::Cell<u32>>) {
    let calls = std::rc::Rc::new(std::cell::Cell::new(0));
    let c = calls.clone();
    let f = Closure::<dyn FnMut() -> js_sys::Promise>::new(move || {
        c.set(c.get() + 1);
        wasm_bindgen_futures::future_to_promise(async move {
            let body = serde_json::json!({ "org_id": org, "filename": filename, "size": size });
            Ok(post_presign(&format!("{}/api/presign/batch", devserver()), &body).await)
        })
    })
    .into_js_value();
    (f, calls)
}

fn test_file(bytes: &[u8]) -> TestFile {
    TestFile { blob: blob(bytes), sha256: hex(&Sha256::digest(bytes)), size: bytes.len() as u64 }
}

#[wasm_bindgen_test]
async fn inspect_lists_entries_and_points_into_them() {
    let z = write_zip(&[entry("calls.csv", CSV), deflated("bad.csv", b"a,b\n1,2,3\n"), entry("notes.txt", b"x")], false, b"");
    let report = inspect_zip(blob(&z.bytes).into(), None).await.expect("inspectZip");
    assert_eq!(get(&report, "ok").as_bool(), Some(false));
    let errors = js_sys::Array::from(&get(&report, "errors"));
    assert_eq!(errors.length(), 1);
    let e = errors.get(0);
    assert_eq!(get_str(&e, "code"), "csv_column_count");
    assert_eq!(get_str(&e, "entry"), "bad.csv");
    assert_eq!(get_str(&e, "path"), "/1/2");
    assert_eq!((get(&e, "line").as_f64(), get(&e, "column").as_f64()), (Some(2.0), Some(5.0)));
    let entries = js_sys::Array::from(&get(&report, "entries"));
    let kinds: Vec<String> = entries.iter().map(|e| get_str(&e, "kind")).collect();
    assert_eq!(kinds, ["csv", "csv", "other"]);
    assert_eq!(get_str(&entries.get(1), "method"), "deflate");
    let stats = get(&report, "stats");
    assert_eq!(get(&stats, "dataEntries").as_f64(), Some(2.0));
}

#[wasm_bindgen_test]
async fn problems_resolve_and_only_bad_arguments_reject() {
    let report = inspect_zip(blob(b"not a zip at all").into(), None).await.expect("a report, not a rejection");
    let errors = js_sys::Array::from(&get(&report, "errors"));
    assert_eq!(get_str(&errors.get(0), "code"), "not_a_zip");
    for bad in [JsValue::from_str("x.zip"), JsValue::NULL, js_sys::Object::new().into()] {
        let e = inspect_zip(bad, None).await.expect_err("not a Blob");
        assert_eq!(error_code(&e), "invalid_options");
    }
    let z = write_zip(&[entry("a.csv", CSV)], false, b"");
    let opts: JsValue = obj(&[("sampleByte", 10.into())]);
    let e = inspect_zip(blob(&z.bytes).into(), Some(opts.unchecked_into())).await.expect_err("typo");
    assert_eq!(error_code(&e), "invalid_options");
    assert!(error_message(&e).contains("sampleBytes"), "{}", error_message(&e));
}

#[wasm_bindgen_test]
async fn a_batch_is_inspected_then_stored_byte_exact() {
    let mut csv = b"call_id,agent,date\n".to_vec();
    for i in 0..20_000 {
        csv.extend(format!("{i},agent-{i},2024-05-06\n").as_bytes());
    }
    let z = write_zip(&[deflated("calls/2024-05.csv", &csv), entry("calls/readme.txt", b"hi")], false, b"");
    let file = test_file(&z.bytes);
    let progress = Progress::default();
    let (presign, calls) = batch_presign("org-batch-a", "calls.zip", file.size);
    let opts = obj(&[("presign", presign), ("onProgress", progress.callback(|_, _| {}).into())]);
    let result = upload_vela_batch(file.blob.clone().into(), opts).await.expect("uploadVelaBatch");
    assert_eq!(calls.get(), 1);
    let key = get_str(&result, "key");
    assert!(key.starts_with("org-batch-a/batches/"), "{key}");
    assert_object(devserver(), &key, &file).await;
    progress.assert_complete(file.size);
    let report = get(&result, "report");
    assert_eq!(get(&report, "ok").as_bool(), Some(true));
}

#[wasm_bindgen_test]
async fn a_bad_batch_sends_nothing() {
    let z = write_zip(&[entry("../escape.csv", CSV)], false, b"");
    let (presign, calls) = batch_presign("org-batch-b", "bad.zip", z.bytes.len() as u64);
    let e = upload_vela_batch(blob(&z.bytes).into(), obj(&[("presign", presign)])).await.expect_err("unsafe name");
    assert_eq!(error_code(&e), "validation_failed");
    assert_eq!(calls.get(), 0, "no presign was asked for");
    let issues = js_sys::Array::from(&get(&e, "issues"));
    assert_eq!(get_str(&issues.get(0), "code"), "zip_unsafe_name");
    assert_eq!(get_str(&issues.get(0), "entry"), "../escape.csv");
}

fn inspect_opts(sample_bytes: usize) -> JsValue {
    obj(&[("sampleBytes", (sample_bytes as f64).into())])
}

/// `(code, message)` of the report's errors.
fn report_errors(report: &JsValue) -> Vec<(String, String)> {
    js_sys::Array::from(&get(report, "errors")).iter().map(|e| (get_str(&e, "code"), get_str(&e, "message"))).collect()
}

#[wasm_bindgen_test]
async fn sampled_entries_inflate_with_decompression_stream_as_natively() {
    // The same cases and the same issues as tests/zip_inspect.rs gets from miniz_oxide.
    for c in sample_cases() {
        let report = inspect_zip(blob(&c.zip).into(), Some(inspect_opts(c.sample_bytes).unchecked_into())).await.expect(&c.what);
        let want: Vec<(String, String)> = c.errors.iter().map(|(c, m)| (c.to_string(), m.clone())).collect();
        assert_eq!(error_starts(&report_errors(&report), &c.errors), want, "{}", c.what);
        assert_eq!(get(&get(&report, "stats"), "sampledBytes").as_f64(), Some(c.sampled_bytes as f64), "{}", c.what);
    }
}

#[wasm_bindgen_test]
async fn bytes_after_the_end_of_a_stream_settle() {
    // A whole stream, then junk inside the entry's compressed size: DecompressionStream refuses
    // the junk (miniz_oxide stopped at the end); either way the promise resolves with a report.
    let rows = csv_rows(2000);
    let mut body = miniz_oxide::deflate::compress_to_vec(&rows, 6);
    body.extend([0x55; 100]);
    let z = write_zip(&[E { body: Some(body), ..deflated("junk.csv", &rows) }], false, b"");
    let report = inspect_zip(blob(&z.bytes).into(), None).await.expect("a report");
    for (code, _) in report_errors(&report) {
        assert_eq!(code, "zip_corrupt");
    }
}

#[wasm_bindgen_test]
async fn many_deflated_entries_each_get_a_stream() {
    let entries: Vec<E> = (0..60).map(|i| deflated(&format!("part-{i}.csv"), &csv_rows(3000 + i * 500))).collect();
    let z = write_zip(&entries, false, b"");
    let report = inspect_zip(blob(&z.bytes).into(), Some(inspect_opts(1000).unchecked_into())).await.expect("a report");
    assert_eq!(get(&report, "ok").as_bool(), Some(true), "{:?}", report_errors(&report));
    assert_eq!(get(&get(&report, "stats"), "sampledBytes").as_f64(), Some(60_000.0));
}

/// Runs `f` with `globalThis.DecompressionStream` set to `value`, and puts the real one back.
async fn with_decompression_stream<F: std::future::Future<Output = ()>>(value: JsValue, f: F) {
    let global = js_sys::global();
    let key = JsValue::from_str("DecompressionStream");
    let real = js_sys::Reflect::get(&global, &key).unwrap();
    js_sys::Reflect::set(&global, &key, &value).unwrap();
    f.await;
    js_sys::Reflect::set(&global, &key, &real).unwrap();
}

#[wasm_bindgen_test]
async fn a_browser_without_decompression_stream_gets_a_clear_error() {
    let deflated_zip = write_zip(&[deflated("a.csv", CSV)], false, b"").bytes;
    let stored_zip = write_zip(&[entry("a.csv", CSV), deflated("empty.txt", b"")], false, b"").bytes;
    with_decompression_stream(JsValue::UNDEFINED, async {
        let e = inspect_zip(blob(&deflated_zip).into(), None).await.expect_err("no DecompressionStream");
        assert_eq!(error_code(&e), "unsupported");
        assert!(error_message(&e).contains("DecompressionStream"), "{}", error_message(&e));
        // Stored entries need no inflating.
        let report = inspect_zip(blob(&stored_zip).into(), None).await.expect("stored entries");
        assert_eq!(get(&report, "ok").as_bool(), Some(true), "{:?}", report_errors(&report));
    })
    .await;
    // Support for "gzip" and "deflate" only (Chrome 80 to 102): the constructor throws for "deflate-raw".
    let old = js_sys::Function::new_with_args("format", "if (format === 'deflate-raw') throw new TypeError('Unsupported compression format'); return {}");
    with_decompression_stream(old.into(), async {
        let e = inspect_zip(blob(&deflated_zip).into(), None).await.expect_err("no deflate-raw");
        assert_eq!(error_code(&e), "unsupported");
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_hostile_decompression_stream_cannot_throw_through() {
    let z = write_zip(&[deflated("a.csv", CSV)], false, b"").bytes;
    // Each a constructor body: members that throw, return non-promises, never settle, or lie.
    let fakes = [
        "return { get writable() { throw new Error('w') }, readable: {} }",
        "return { writable: { getWriter() { throw new Error('gw') } }, readable: { getReader() { return {} } } }",
        "return { writable: { getWriter() { return { write() { throw new Error('x') }, close() { throw 1 } } } }, readable: { getReader() { return { read() { throw 2 }, cancel() { throw 3 } } } } }",
        "return { writable: { getWriter() { return { write() { return 5 }, close() { return 6 } } } }, readable: { getReader() { return { read() { return { then() { throw 7 } } }, cancel() { return null } } } } }",
        "return { writable: { getWriter() { return { write: () => Promise.resolve(), close: () => Promise.reject(8) } } }, readable: { getReader() { return { read: () => Promise.resolve({ done: false, value: 'not bytes' }), cancel: () => Promise.reject(9) } } } }",
        "return { writable: { getWriter() { return { write: () => Promise.resolve(), close: () => Promise.resolve() } } }, readable: { getReader() { return { read: () => Promise.resolve({ get done() { throw 10 } }), cancel() {} } } } }",
        "const p = new Proxy({}, { get() { throw 11 } }); return { writable: { getWriter: () => p }, readable: { getReader: () => p } }",
    ];
    for body in fakes {
        let fake = js_sys::Function::new_with_args("format", body);
        with_decompression_stream(fake.into(), async {
            match inspect_zip(blob(&z).into(), None).await {
                Ok(report) => {
                    let errors = report_errors(&report);
                    assert!(errors.iter().all(|(code, _)| code == "zip_corrupt"), "{body}: {errors:?}");
                }
                Err(e) => assert_eq!(error_code(&e), "unsupported", "{body}"),
            }
        })
        .await;
    }
}
