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
