//! Browser tier: `uploadText` (validated, then one grpc-web XHR through the crate's engine),
//! `sniffAudio` on real Blobs and `planChunks`.

#![cfg(target_arch = "wasm32")]

mod browser_upload_support;

use browser_upload_support::*;
use talk_uploader::bindings::audio::{plan_chunks_js, sniff_audio};
use talk_uploader::bindings::upload::upload_text;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn chat(user: &str) -> JsValue {
    let chat = serde_json::json!({ "messages": [
        { "user_id": user, "text": "Hello from uploadText \u{1F600}", "timestamp": "2024-05-06T07:08:09.250Z" },
        { "user_id": "op-1", "text": "Здравствуйте!", "timestamp": "2024-05-06T07:08:20Z" }
    ]});
    js_sys::JSON::parse(&chat.to_string()).unwrap()
}

fn text_options(extra: &[(&str, JsValue)]) -> JsValue {
    let mut pairs = vec![
        ("endpoint", JsValue::from_str(devserver())),
        ("apiKey", JsValue::from_str(api_key())),
        ("connectionId", JsValue::from_str("test-chat")),
    ];
    pairs.extend(extra.iter().cloned());
    obj(&pairs)
}

#[wasm_bindgen_test]
async fn upload_text_is_stored() {
    let progress = Progress::default();
    let result = upload_text(chat("cl-7"), chat_metadata(), text_options(&[("onProgress", progress.callback(|_, _| {}).into())]))
        .await
        .expect("uploadText");
    let talk = stored_talk(&get_str(&result, "talkId")).await;
    assert_eq!(talk["method"], "UploadText");
    assert_eq!(talk["messages"][0]["text"], "Hello from uploadText \u{1F600}");
    assert_eq!(talk["messages"][0]["timestamp"], "2024-05-06T07:08:09.250Z");
    // The devserver decoded the hand-encoded TalkMetadata with prost: every field, none more.
    let fields: serde_json::Value = serde_json::from_str(&chat_metadata().as_string().unwrap()).unwrap();
    assert_eq!(talk["fields"], fields);
    assert_eq!(progress.phases().last().map(String::as_str), Some("done"));
}

#[wasm_bindgen_test]
async fn invalid_chat_is_never_sent() {
    let e = upload_text(chat("someone-else"), chat_metadata(), text_options(&[])).await.expect_err("unknown user");
    assert_eq!(error_code(&e), "validation_failed");
    let issues = js_sys::Array::from(&get(&e, "issues"));
    assert!(issues.length() >= 1);
    assert!(get_str(&issues.get(0), "path").starts_with("/messages/0"), "{:?}", issues.get(0));
}

#[wasm_bindgen_test]
async fn upload_text_wrong_key_and_abort() {
    let opts = obj(&[
        ("endpoint", JsValue::from_str(devserver())),
        ("apiKey", JsValue::from_str("bad-key-55555")),
        ("connectionId", JsValue::from_str("test-chat")),
    ]);
    let e = upload_text(chat("cl-7"), chat_metadata(), opts).await.expect_err("bad key");
    assert_eq!(error_code(&e), "unauthenticated");
    assert!(!error_message(&e).contains("bad-key-55555"));

    let controller = web_sys::AbortController::new().unwrap();
    controller.abort();
    let e = upload_text(chat("cl-7"), chat_metadata(), text_options(&[("signal", controller.signal().into())]))
        .await
        .expect_err("aborted");
    assert_eq!(error_code(&e), "aborted");
}

#[wasm_bindgen_test]
async fn sniff_audio_reads_wav_and_refuses_others() {
    let file = random_wav(32_000 * 3, 1, 31);
    let info = sniff_audio(file.blob.clone().into(), None).await.expect("sniff");
    assert_eq!(get_str(&info, "container"), "wav");
    assert_eq!(get_str(&info, "codec"), "pcm_s16le");
    assert_eq!(get(&info, "sampleRate").as_f64(), Some(16_000.0));
    assert_eq!(get(&info, "channels").as_f64(), Some(1.0));
    assert_eq!(get(&info, "durationSec").as_f64(), Some(3.0));

    let e = sniff_audio(random_file(b"\0\0\0\x20ftypM4A ", 5000, 32).blob.into(), None).await.expect_err("m4a");
    assert_eq!(error_code(&e), "unknown_container");
    let e = sniff_audio(JsValue::from_str("not a blob"), None).await.expect_err("string");
    assert_eq!(error_code(&e), "invalid_options");
}

#[wasm_bindgen_test]
fn plan_chunks_covers_the_file() {
    let plan = plan_chunks_js(JsValue::from_f64(2_500_000.0), Some(obj(&[("chunkSize", JsValue::from_f64(1_048_576.0))]).unchecked_into())).expect("plan");
    let plan = js_sys::Array::from(&plan);
    assert_eq!(plan.length(), 3);
    assert_eq!(get(&plan.get(2), "start").as_f64(), Some(2_097_152.0));
    assert_eq!(get(&plan.get(2), "end").as_f64(), Some(2_500_000.0));
    let e = plan_chunks_js(JsValue::from_f64(-1.0), None).expect_err("negative");
    assert_eq!(error_code(&e), "invalid_options");
    let e = plan_chunks_js(JsValue::from_f64(10.0), Some(obj(&[("chunkSize", JsValue::from_f64(0.0))]).unchecked_into())).expect_err("zero chunk");
    assert_ne!(error_code(&e), "");
}

#[wasm_bindgen_test]
async fn unreachable_or_wrong_endpoints_say_what_to_check() {
    // Nothing listens on port 1: the connection is refused before the chat went out, so the
    // error says what to check (and it is retried: nothing can have been stored).
    let opts = obj(&[
        ("endpoint", JsValue::from_str("http://127.0.0.1:1")),
        ("apiKey", JsValue::from_str(api_key())),
        ("connectionId", JsValue::from_str("test-chat")),
        ("retry", obj(&[("delays", js_sys::Array::of1(&JsValue::from_f64(0.0)).into())])),
    ]);
    let e = upload_text(chat("cl-7"), chat_metadata(), opts).await.expect_err("nothing listens");
    assert_eq!(error_code(&e), "network_error", "{}", error_message(&e));
    assert!(error_message(&e).contains("the request to http://127.0.0.1:1 failed at the network level"), "{}", error_message(&e));
    assert_eq!(get(&e, "attempt").as_f64(), Some(2.0), "{}", error_message(&e));
    assert!(api_key().len() < 6 || !error_message(&e).contains(api_key()), "the key leaked");

    // A server that is not grpc-web (the devserver's static files under /pkg): the answer is not gRPC.
    let opts = obj(&[
        ("endpoint", JsValue::from_str(&format!("{}/api/health", devserver()))),
        ("apiKey", JsValue::from_str(api_key())),
        ("connectionId", JsValue::from_str("test-chat")),
    ]);
    let e = upload_text(chat("cl-7"), chat_metadata(), opts).await.expect_err("not grpc-web");
    let code = error_code(&e);
    assert!(
        ["invalid_response", "unimplemented", "unknown", "http_error"].contains(&code.as_str()),
        "{code}: {}",
        error_message(&e)
    );
    assert!(api_key().len() < 6 || !error_message(&e).contains(api_key()), "the key leaked");
}
