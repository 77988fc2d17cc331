//! Browser tier: the upload engine's reliability behaviour against devservers that fail on
//! purpose (`--fault-mode 503|reset|stall`, see devserver/src/faults.rs) and one whose presigns
//! expire quickly. scripts/test.sh starts them; their URLs arrive as compile-time env vars.
//!
//! The 503 server fails exactly the even-numbered requests of each port (`--fault-schedule
//! fail,ok,...`), so every upload there fails once and succeeds on its second attempt, in any
//! test order. The reset server fails requests 0, 1, 3, 4, 6, 7, ... (`fail,fail,ok,...`): both
//! browsers silently resend a POST once when its reused connection is reset before any answer,
//! so it takes two resets in a row for the engine to see one.

#![cfg(target_arch = "wasm32")]

mod browser_upload_support;

use browser_upload_support::*;
use talk_uploader::bindings::presigned::{presigned_upload, upload_vela_call};
use talk_uploader::bindings::upload::upload_audio;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

macro_rules! server {
    ($name:literal) => {
        option_env!($name).unwrap_or_else(|| panic!("{} is not set at compile time: run through `npm test`", $name))
    };
}

fn faulty_503() -> &'static str {
    server!("TALK_UPLOADER_FAULTY_503_URL")
}
fn faulty_reset() -> &'static str {
    server!("TALK_UPLOADER_FAULTY_RESET_URL")
}
fn faulty_stall() -> &'static str {
    server!("TALK_UPLOADER_FAULTY_STALL_URL")
}
fn short_presign() -> &'static str {
    server!("TALK_UPLOADER_SHORT_PRESIGN_URL")
}

fn retry(delays: &str) -> JsValue {
    js_sys::JSON::parse(&format!(r#"{{"delays":{delays}}}"#)).unwrap()
}

fn fast_retry() -> JsValue {
    retry("[0,50,100,200,400,800]")
}

/// A unique marker per upload, stored as the talk's `client_id`, to count its talks.
fn marker(name: &str) -> String {
    format!("{name}-{}", js_sys::Date::now() as u64)
}

fn marked_metadata(marker: &str) -> JsValue {
    let m = serde_json::json!({
        "operator_name": "Alice", "operator_id": "op-1", "client_name": "Bob", "client_id": marker,
        "date": "2024-05-06T07:08:09Z", "direction_outgoing": "false", "language": "ru-RU"
    });
    JsValue::from_str(&m.to_string())
}

fn audio_options(base: &str, extra: &[(&str, JsValue)]) -> JsValue {
    let mut pairs = vec![
        ("endpoint", JsValue::from_str(base)),
        ("apiKey", JsValue::from_str(api_key())),
        ("connectionId", JsValue::from_str("test-audio-1")),
        ("method", JsValue::from_str("uploadAsStream")),
        ("chunkSize", JsValue::from_f64(256.0 * 1024.0)),
    ];
    pairs.extend(extra.iter().cloned());
    obj(&pairs)
}

/// The talks of `base` whose `client_id` is `marker`.
async fn talks_marked(base: &str, marker: &str) -> Vec<serde_json::Value> {
    let all = get_json(&format!("{base}/api/talks")).await;
    all.as_array().expect("talk list").iter().filter(|t| t["fields"]["client_id"] == marker).cloned().collect()
}

/// Exactly one talk carries `marker`, and it holds `file`'s bytes.
async fn assert_one_talk(base: &str, marker: &str, file: &TestFile) {
    let talks = talks_marked(base, marker).await;
    assert_eq!(talks.len(), 1, "expected exactly one talk for {marker}: {talks:?}");
    let talk = get_json(&format!("{base}/api/talks/{}", talks[0]["id"].as_str().expect("id"))).await;
    assert_eq!(talk["audio"]["bytes"], file.size, "{talk}");
    assert_eq!(talk["audio"]["sha256"], file.sha256.as_str(), "{talk}");
}

async fn object_status(base: &str, key: &str) -> u16 {
    gloo_net::http::Request::get(&format!("{base}/api/objects/{key}")).send().await.expect("GET").status()
}

fn attempts(result: &JsValue) -> f64 {
    get(result, "attempts").as_f64().expect("result.attempts")
}

// ---- 503 ----------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn audio_stream_is_retried_through_an_injected_503() {
    let file = random_wav(1024 * 1024 + 7, 1, 501);
    let marker = marker("r503");
    let progress = Progress::default();
    let opts = audio_options(faulty_503(), &[("retry", fast_retry()), ("onProgress", progress.callback(|_, _| {}).into())]);
    let result = upload_audio(file.blob.clone().into(), marked_metadata(&marker), opts).await.expect("uploadAudio");
    // The 503 drains the whole body and proves nothing was stored, so it is retried (after its
    // Retry-After of 1 s).
    assert_eq!(attempts(&result), 2.0);
    assert_one_talk(faulty_503(), &marker, &file).await;
    progress.assert_complete(file.size);
    // Both attempts sent every byte: waiting, then sending again (from the high-water mark).
    let waiting = progress.phases().iter().filter(|p| *p == "waiting").count();
    assert_eq!(waiting, 2, "{:?}", progress.events.borrow());
}

#[wasm_bindgen_test]
async fn presigned_and_vela_uploads_are_retried_through_injected_503s() {
    let file = random_file(b"", 512 * 1024 + 3, 502);
    let (presign, calls) = presign_function(faulty_503(), "org-r503-a");
    let progress = Progress::default();
    let opts = obj(&[("presign", presign), ("retry", fast_retry()), ("onProgress", progress.callback(|_, _| {}).into())]);
    let result = presigned_upload(file.blob.clone().into(), opts).await.expect("presignedUpload");
    assert_eq!(attempts(&result), 2.0);
    assert_eq!(calls.get(), 1, "a 503 does not need a fresh presign");
    assert_object(faulty_503(), &get_str(&result, "key"), &file).await;
    progress.assert_complete(file.size);

    let file = random_file(b"", 300 * 1024, 503);
    let progress = Progress::default();
    let opts = vela_options(faulty_503(), "org-r503-b", &[("retry", fast_retry()), ("onProgress", progress.callback(|_, _| {}).into())]);
    let result = upload_vela_call(file.blob.clone().into(), opts).await.expect("uploadVelaCall");
    assert_eq!(attempts(&result), 2.0);
    assert_object(faulty_503(), &get_str(&result, "key"), &file).await;
    progress.assert_complete(file.size);
}

// ---- reset --------------------------------------------------------------------------------

/// A reset mid-body of a SpeechSense upload: the server read half the body and cut the
/// connection. On loopback the kernel buffers take the rest, so the browser has handed over
/// every byte before it sees the reset: the engine cannot tell whether the server read it all,
/// and must not retry (`outcome_unknown`). If instead the failure came while bytes were still
/// going out, it is retried. Either way there is never a duplicate talk, and never a lost one
/// without an error.
#[wasm_bindgen_test]
async fn audio_reset_mid_body_is_never_duplicated() {
    for (i, size) in [256 * 1024usize, 1024 * 1024].into_iter().enumerate() {
        let file = random_wav(size, 1, 510 + i as u64);
        let marker = marker(&format!("reset{i}"));
        let progress = Progress::default();
        let opts = audio_options(faulty_reset(), &[("retry", fast_retry()), ("onProgress", progress.callback(|_, _| {}).into())]);
        let outcome = upload_audio(file.blob.clone().into(), marked_metadata(&marker), opts).await;
        let events = progress.events.borrow().clone();
        match outcome {
            Ok(result) => {
                assert!(attempts(&result) >= 1.0);
                assert_one_talk(faulty_reset(), &marker, &file).await;
                progress.assert_complete(file.size);
            }
            Err(e) => {
                assert_eq!(error_code(&e), "outcome_unknown", "{}: {events:?}", error_message(&e));
                assert!(error_message(&e).contains("Check SpeechSense"), "{}", error_message(&e));
                // Only after every byte went out.
                assert!(events.iter().any(|e| e.2 == "waiting" && e.0 == file.size as f64), "{events:?}");
                assert!(talks_marked(faulty_reset(), &marker).await.is_empty(), "a cut upload left a talk");
                // The user checks, finds nothing, uploads again: one talk.
                let opts = audio_options(faulty_reset(), &[("retry", fast_retry())]);
                let result = upload_audio(file.blob.clone().into(), marked_metadata(&marker), opts).await.expect("again");
                assert!(attempts(&result) >= 1.0);
                assert_one_talk(faulty_reset(), &marker, &file).await;
            }
        }
        for w in events.windows(2) {
            assert!(w[1].0 >= w[0].0, "loaded went down: {events:?}");
        }
    }
}

#[wasm_bindgen_test]
async fn presigned_and_vela_uploads_survive_resets() {
    let file = random_file(b"", 768 * 1024 + 1, 520);
    let (presign, calls) = presign_function(faulty_reset(), "org-reset-a");
    let progress = Progress::default();
    let opts = obj(&[("presign", presign), ("retry", fast_retry()), ("onProgress", progress.callback(|_, _| {}).into())]);
    let result = presigned_upload(file.blob.clone().into(), opts).await.expect("presignedUpload");
    assert!(attempts(&result) >= 1.0);
    assert_eq!(calls.get(), 1);
    assert_object(faulty_reset(), &get_str(&result, "key"), &file).await;
    progress.assert_complete(file.size);

    let file = random_file(b"", 2 * 1024 * 1024, 521);
    let progress = Progress::default();
    let opts = vela_options(faulty_reset(), "org-reset-b", &[("retry", fast_retry()), ("onProgress", progress.callback(|_, _| {}).into())]);
    let result = upload_vela_call(file.blob.clone().into(), opts).await.expect("uploadVelaCall");
    assert!(attempts(&result) >= 1.0);
    assert_object(faulty_reset(), &get_str(&result, "key"), &file).await;
    progress.assert_complete(file.size);
}

// ---- stall --------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn stalled_audio_upload_fails_in_bounded_time_and_stores_nothing() {
    let file = random_wav(256 * 1024, 1, 530);
    let marker = marker("stall");
    let progress = Progress::default();
    let opts = audio_options(
        faulty_stall(),
        &[
            ("retry", JsValue::FALSE),
            ("stallTimeoutMs", JsValue::from_f64(500.0)),
            ("onProgress", progress.callback(|_, _| {}).into()),
        ],
    );
    let started = js_sys::Date::now();
    let e = upload_audio(file.blob.clone().into(), marked_metadata(&marker), opts).await.expect_err("stalled");
    // A stall timer that never fired would hang this test until the runner's timeout; how long
    // it took is printed, not asserted (these machines are noisy).
    web_sys::console::log_1(&format!("stalled upload failed after {:.0} ms", js_sys::Date::now() - started).into());
    let code = error_code(&e);
    let all_sent = progress.phases().iter().any(|p| p == "waiting");
    // A stall after every byte went out is an answer lost: the talk may exist (outcome_unknown).
    // Before that, it is a plain `stalled`.
    let expected = if all_sent { "outcome_unknown" } else { "stalled" };
    assert_eq!(code, expected, "{}: {:?}", error_message(&e), progress.events.borrow());
    assert_eq!(get(&e, "attempt").as_f64(), Some(1.0));
    assert!(talks_marked(faulty_stall(), &marker).await.is_empty());
}

#[wasm_bindgen_test]
async fn stalled_presigned_upload_is_retried_then_fails_as_stalled() {
    let file = random_file(b"", 256 * 1024, 531);
    let presign = fetch_presign(faulty_stall(), "org-stall").await;
    let key = get_str(&get(&presign, "fields"), "key");
    let opts = obj(&[("presign", presign), ("retry", retry("[0,50]")), ("stallTimeoutMs", JsValue::from_f64(500.0))]);
    let started = js_sys::Date::now();
    let e = presigned_upload(file.blob.clone().into(), opts).await.expect_err("stalled");
    let took = js_sys::Date::now() - started;
    assert_eq!(error_code(&e), "stalled", "{}", error_message(&e));
    assert_eq!(get(&e, "attempt").as_f64(), Some(3.0));
    assert!(error_message(&e).contains("gave up after 3 attempts"), "{}", error_message(&e));
    assert!((1500.0..6000.0).contains(&took), "took {took} ms");
    assert_eq!(object_status(faulty_stall(), &key).await, 404);
}

// ---- presign expiry ----------------------------------------------------------------------

fn sleep_ms(ms: i32) -> wasm_bindgen_futures::JsFuture {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let global: web_sys::Window = js_sys::global().unchecked_into();
        global.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p)
}

/// The short-presign server signs policies valid for 33 s; the engine refuses one that expires
/// within 30 s (local margin), so a presign fetched 3.2 s ago is expired for it.
#[wasm_bindgen_test]
async fn expired_presign_is_refreshed_when_it_can_be() {
    let file = random_file(b"", 300 * 1024, 540);
    let stale = fetch_presign(short_presign(), "org-exp-a").await;
    sleep_ms(3200).await.unwrap();

    // A static presign cannot be refreshed: a clear error before the first byte.
    let progress = Progress::default();
    let opts = obj(&[("presign", stale.clone()), ("onProgress", progress.callback(|_, _| {}).into())]);
    let e = presigned_upload(file.blob.clone().into(), opts).await.expect_err("expired");
    assert_eq!(error_code(&e), "presign_expired", "{}", error_message(&e));
    assert!(error_message(&e).to_ascii_lowercase().contains("expire"), "{}", error_message(&e));
    assert_eq!(progress.phases(), vec!["validating"], "nothing may be sent");
    let stale_key = get_str(&get(&stale, "fields"), "key");
    assert_eq!(object_status(short_presign(), &stale_key).await, 404);

    // A function: its first answer is the stale one, then it is asked again.
    let calls = std::rc::Rc::new(std::cell::Cell::new(0u32));
    let c = calls.clone();
    let presign = Closure::<dyn FnMut() -> js_sys::Promise>::new(move || {
        c.set(c.get() + 1);
        let first = c.get() == 1;
        let stale = stale.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            Ok(if first { stale } else { fetch_presign(short_presign(), "org-exp-a").await })
        })
    })
    .into_js_value();
    let progress = Progress::default();
    let opts = obj(&[("presign", presign), ("retry", fast_retry()), ("onProgress", progress.callback(|_, _| {}).into())]);
    let result = presigned_upload(file.blob.clone().into(), opts).await.expect("refreshed");
    assert_eq!(calls.get(), 2);
    assert_eq!(attempts(&result), 2.0);
    let key = get_str(&result, "key");
    assert_ne!(key, stale_key);
    assert_object(short_presign(), &key, &file).await;
    progress.assert_complete(file.size);
}
