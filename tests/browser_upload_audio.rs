//! Browser tier: `uploadAudio` against the running devserver, every method, byte-exact.
//!
//! Each upload sends a WAV header plus random samples and compares the sha256 the devserver
//! stored with the one computed while the file was made.

#![cfg(target_arch = "wasm32")]

mod browser_upload_support;

use browser_upload_support::*;
use talk_uploader::bindings::upload::upload_audio;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn options(connection: &str, method: &str, extra: &[(&str, JsValue)]) -> JsValue {
    let mut pairs = vec![
        ("endpoint", JsValue::from_str(devserver())),
        ("apiKey", JsValue::from_str(api_key())),
        ("connectionId", JsValue::from_str(connection)),
        ("method", JsValue::from_str(method)),
    ];
    pairs.extend(extra.iter().cloned());
    obj(&pairs)
}

async fn assert_stored(talk_id: &str, file: &TestFile, method: &str) {
    let talk = stored_talk(talk_id).await;
    assert_eq!(talk["method"], method, "{talk}");
    assert_eq!(talk["audio"]["container"].as_str().map(str::to_ascii_lowercase).as_deref(), Some("wav"), "{talk}");
    assert_eq!(talk["audio"]["bytes"], file.size, "{talk}");
    assert_eq!(talk["audio"]["sha256"], file.sha256.as_str(), "{talk}");
    assert_eq!(talk["fields"]["operator_id"], "op-1");
}

#[wasm_bindgen_test]
async fn upload_unary_is_byte_exact_with_progress() {
    let file = random_wav(3 * 1024 * 1024 + 17, 1, 1);
    let progress = Progress::default();
    let opts = options("test-audio-1", "upload", &[("onProgress", progress.callback(|_, _| {}).into())]);
    let result = upload_audio(file.blob.clone().into(), metadata(), opts).await.expect("upload");
    let talk_id = get_str(&result, "talkId");
    assert_eq!(get_str(&result, "method"), "upload");
    assert_stored(&talk_id, &file, "Upload").await;
    progress.assert_complete(file.size);
}

#[wasm_bindgen_test]
async fn upload_as_stream_with_iam_token_and_small_chunks() {
    let file = random_wav(2 * 1024 * 1024 + 3, 2, 2);
    let opts = obj(&[
        ("endpoint", JsValue::from_str(devserver())),
        ("iamToken", JsValue::from_str(iam_token())),
        ("connectionId", JsValue::from_str("test-audio-2")),
        ("method", JsValue::from_str("uploadAsStream")),
        ("chunkSize", JsValue::from_f64(65_536.0)),
    ]);
    let meta = serde_json::json!({
        "operator_name": "Alice", "operator_id": "op-1", "client_name": "Bob", "client_id": "cl-7",
        "date": "2024-05-06T07:08:09Z", "direction_outgoing": "true", "language": "ru-RU"
    });
    // metadata as a plain object this time
    let meta = js_sys::JSON::parse(&meta.to_string()).unwrap();
    let result = upload_audio(file.blob.clone().into(), meta, opts).await.expect("uploadAsStream");
    assert_stored(&get_str(&result, "talkId"), &file, "UploadAsStream").await;
}

#[wasm_bindgen_test]
async fn upload_badge_returns_badge_and_talk_ids() {
    let file = random_wav(5 * 1024 * 1024 + 1, 1, 3);
    let result = upload_audio(file.blob.clone().into(), metadata(), options("test-audio-1", "uploadBadge", &[]))
        .await
        .expect("uploadBadge");
    let talk_id = get_str(&result, "talkId");
    assert!(!get_str(&result, "badgeId").is_empty());
    let ids: Vec<String> = js_sys::Array::from(&get(&result, "talkIds")).iter().map(|v| v.as_string().unwrap()).collect();
    assert_eq!(ids, vec![talk_id.clone()]);
    assert_stored(&talk_id, &file, "UploadBadge").await;
}

#[wasm_bindgen_test]
async fn auto_picks_upload_below_128_mb() {
    let file = random_wav(100_000, 1, 4);
    let result = upload_audio(file.blob.clone().into(), metadata(), options("test-audio-1", "auto", &[]))
        .await
        .expect("auto");
    assert_eq!(get_str(&result, "method"), "upload");
    assert_stored(&get_str(&result, "talkId"), &file, "Upload").await;
}

#[wasm_bindgen_test]
async fn wrong_api_key_is_unauthenticated_and_never_shown() {
    let file = random_wav(50_000, 1, 5);
    let opts = obj(&[
        ("endpoint", JsValue::from_str(devserver())),
        ("apiKey", JsValue::from_str("wrong-key-7f3a9")),
        ("connectionId", JsValue::from_str("test-audio-1")),
    ]);
    let e = upload_audio(file.blob.clone().into(), metadata(), opts).await.expect_err("wrong key");
    assert_eq!(error_code(&e), "unauthenticated");
    assert_eq!(get(&e, "grpcStatus").as_f64(), Some(16.0));
    assert_eq!(get(&e, "attempt").as_f64(), Some(1.0), "UNAUTHENTICATED is never retried");
    assert!(!error_message(&e).contains("wrong-key-7f3a9"), "{}", error_message(&e));
}

#[wasm_bindgen_test]
async fn refused_audio_fails_before_the_first_byte() {
    // 8-bit WAV: SpeechSense recognizes only 16-bit LPCM.
    let file = random_file(&wav_header(40_000, 16_000, 1, 8, 1), 40_000, 6);
    let progress = Progress::default();
    let opts = options("test-audio-1", "upload", &[("onProgress", progress.callback(|_, _| {}).into())]);
    let e = upload_audio(file.blob.clone().into(), metadata(), opts).await.expect_err("8-bit WAV");
    assert_eq!(error_code(&e), "wav_not_pcm16");
    assert!(error_message(&e).contains("16-bit"), "{}", error_message(&e));
    assert_eq!(progress.phases(), vec!["validating"], "nothing may be sent");

    // Not audio at all.
    let file = random_file(b"fLaC\0\0\0\x22", 10_000, 7);
    let e = upload_audio(file.blob.clone().into(), metadata(), options("test-audio-1", "upload", &[]))
        .await
        .expect_err("FLAC");
    assert_eq!(error_code(&e), "unknown_container");
    assert!(error_message(&e).contains("FLAC"));
}

#[wasm_bindgen_test]
async fn invalid_metadata_is_refused_with_issues() {
    let file = random_wav(10_000, 1, 8);
    let meta = JsValue::from_str(r#"{"operator_name": "Alice", "date": "yesterday"}"#);
    let e = upload_audio(file.blob.clone().into(), meta, options("test-audio-1", "upload", &[]))
        .await
        .expect_err("bad metadata");
    assert_eq!(error_code(&e), "validation_failed");
    let issues = js_sys::Array::from(&get(&e, "issues"));
    assert!(issues.length() > 0);
    assert!(get(&issues.get(0), "path").is_string());
}

#[wasm_bindgen_test]
async fn insecure_endpoint_and_missing_auth_are_refused() {
    let file = random_wav(10_000, 1, 9);
    let opts = obj(&[
        ("endpoint", JsValue::from_str("http://speechsense.example.com")),
        ("apiKey", JsValue::from_str(api_key())),
        ("connectionId", JsValue::from_str("test-audio-1")),
    ]);
    let e = upload_audio(file.blob.clone().into(), metadata(), opts).await.expect_err("http");
    assert_eq!(error_code(&e), "insecure_endpoint");
    let opts = obj(&[("endpoint", JsValue::from_str(devserver())), ("connectionId", JsValue::from_str("c"))]);
    let e = upload_audio(file.blob.clone().into(), metadata(), opts).await.expect_err("no auth");
    assert_eq!(error_code(&e), "invalid_options");
    assert!(error_message(&e).contains("apiKey"));
}

#[wasm_bindgen_test]
async fn abort_mid_upload_stops_within_100_ms() {
    let file = random_wav(48 * 1024 * 1024, 1, 10);
    let controller = web_sys::AbortController::new().unwrap();
    let signal = controller.signal();
    let aborted_at = std::rc::Rc::new(std::cell::Cell::new(0.0f64));
    let (c, at) = (controller.clone(), aborted_at.clone());
    let progress = Progress::default();
    let on_progress = progress.callback(move |loaded, phase| {
        if phase == "sending" && loaded > 0.0 && at.get() == 0.0 {
            at.set(js_sys::Date::now());
            c.abort();
        }
    });
    let opts = options(
        "test-audio-1",
        "uploadBadge",
        &[("signal", signal.into()), ("onProgress", on_progress.into())],
    );
    let e = upload_audio(file.blob.clone().into(), metadata(), opts).await.expect_err("aborted");
    let elapsed = js_sys::Date::now() - aborted_at.get();
    assert_eq!(error_code(&e), "aborted");
    assert!(aborted_at.get() > 0.0, "never aborted: {:?}", progress.phases());
    // Printed, not asserted: a timing bound would fail on a loaded machine. That the upload was
    // cut short is what the phases say.
    web_sys::console::log_1(&format!("rejected {elapsed:.0} ms after abort()").into());
    assert!(!progress.phases().iter().any(|p| p == "done"));

    // An already aborted signal fails before anything is read.
    let e = upload_audio(file.blob.clone().into(), metadata(), options("test-audio-1", "upload", &[("signal", controller.signal().into())]))
        .await
        .expect_err("pre-aborted");
    assert_eq!(error_code(&e), "aborted");
}
