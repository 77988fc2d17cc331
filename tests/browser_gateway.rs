//! Browser tier: the package's real `uploadAudio` (every method) and `uploadText` through
//! talk-gateway, with a ticket instead of an API key: in front of the test devserver over h2c,
//! and in front of a devserver that speaks gRPC over TLS. The refusals reach the page as clear
//! `UploadError` codes and store nothing. `scripts/test.sh` starts the gateways and mints the
//! tickets (`talk-gateway mint-ticket`); they arrive here at compile time.

#![cfg(target_arch = "wasm32")]

mod browser_upload_support;

use browser_upload_support::*;
use talk_uploader::bindings::upload::{upload_audio, upload_text};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

macro_rules! setting {
    ($name:literal) => {
        option_env!($name).expect(concat!($name, " is not set at compile time: run the browser tests through `npm test`"))
    };
}

/// The gateway in front of the test devserver (h2c upstream).
fn gateway() -> &'static str {
    setting!("TALK_UPLOADER_GATEWAY_URL")
}

/// The gateway in front of the TLS devserver.
fn gateway_tls() -> &'static str {
    setting!("TALK_UPLOADER_GATEWAY_TLS_URL")
}

/// A gateway that does not allow this page's origin.
fn gateway_other_origin() -> &'static str {
    setting!("TALK_UPLOADER_GATEWAY_OTHER_ORIGIN_URL")
}

fn options(endpoint: &str, ticket: &str, connection: &str, method: &str) -> JsValue {
    obj(&[
        ("endpoint", JsValue::from_str(endpoint)),
        ("ticket", JsValue::from_str(ticket)),
        ("connectionId", JsValue::from_str(connection)),
        ("method", JsValue::from_str(method)),
    ])
}

async fn talk_count() -> usize {
    get_json(&format!("{}/api/talks", devserver())).await.as_array().map_or(0, Vec::len)
}

fn chat() -> JsValue {
    let chat = serde_json::json!({ "messages": [
        { "user_id": "cl-7", "text": "through the gateway", "timestamp": "2024-05-06T07:08:09.250Z" },
        { "user_id": "op-1", "text": "ok", "timestamp": "2024-05-06T07:08:20Z" }
    ]});
    js_sys::JSON::parse(&chat.to_string()).unwrap()
}

#[wasm_bindgen_test]
async fn every_method_through_the_gateway_is_byte_exact() {
    let ticket = setting!("TALK_UPLOADER_GATEWAY_TICKET");
    for (i, (method, stored)) in [("upload", "Upload"), ("uploadAsStream", "UploadAsStream"), ("uploadBadge", "UploadBadge")].iter().enumerate() {
        let file = random_wav(2 * 1024 * 1024 + 11 + i, 1, 40 + i as u64);
        let result = upload_audio(file.blob.clone().into(), metadata(), options(gateway(), ticket, "test-audio-1", method))
            .await
            .unwrap_or_else(|e| panic!("{method} through the gateway: {}", error_message(&e)));
        let talk = stored_talk(&get_str(&result, "talkId")).await;
        assert_eq!(talk["method"], *stored, "{talk}");
        assert_eq!(talk["audio"]["sha256"], file.sha256.as_str(), "{talk}");
    }
    let text_opts = obj(&[
        ("endpoint", JsValue::from_str(gateway())),
        ("ticket", JsValue::from_str(ticket)),
        ("connectionId", JsValue::from_str("test-chat")),
    ]);
    let result = upload_text(chat(), chat_metadata(), text_opts)
        .await
        .unwrap_or_else(|e| panic!("uploadText through the gateway: {}", error_message(&e)));
    let talk = stored_talk(&get_str(&result, "talkId")).await;
    assert_eq!(talk["method"], "UploadText");
    assert_eq!(talk["messages"][0]["text"], "through the gateway");
}

#[wasm_bindgen_test]
async fn a_ticket_function_is_called_for_the_upload() {
    let ticket = setting!("TALK_UPLOADER_GATEWAY_TICKET");
    let calls = std::rc::Rc::new(std::cell::Cell::new(0u32));
    let c = calls.clone();
    let f = Closure::<dyn Fn() -> JsValue>::new(move || {
        c.set(c.get() + 1);
        js_sys::Promise::resolve(&JsValue::from_str(ticket)).into()
    });
    let file = random_wav(300_000, 1, 50);
    let opts = obj(&[
        ("endpoint", JsValue::from_str(gateway())),
        ("ticket", f.as_ref().clone()),
        ("connectionId", JsValue::from_str("test-audio-1")),
        ("method", JsValue::from_str("uploadAsStream")),
    ]);
    let result = upload_audio(file.blob.clone().into(), metadata(), opts).await.expect("ticket function");
    assert_eq!(stored_talk(&get_str(&result, "talkId")).await["audio"]["sha256"], file.sha256.as_str());
    assert!(calls.get() >= 1);
}

#[wasm_bindgen_test]
async fn through_the_gateway_to_a_tls_upstream() {
    // The TLS devserver is not the one `/api` reads; the Rust tier checks its sha256s.
    let ticket = setting!("TALK_UPLOADER_GATEWAY_TICKET");
    for method in ["upload", "uploadAsStream", "uploadBadge"] {
        let file = random_wav(1024 * 1024 + 5, 1, 60);
        let result = upload_audio(file.blob.clone().into(), metadata(), options(gateway_tls(), ticket, "test-audio-1", method))
            .await
            .unwrap_or_else(|e| panic!("{method} over TLS: {}", error_message(&e)));
        assert!(!get_str(&result, "talkId").is_empty());
    }
}

#[wasm_bindgen_test]
async fn refusals_reach_the_page_as_upload_errors_and_store_nothing() {
    let before = talk_count().await;
    let file = random_wav(400_000, 1, 70);
    let cases = [
        ("TALK_UPLOADER_GATEWAY_TICKET_EXPIRED", option_env!("TALK_UPLOADER_GATEWAY_TICKET_EXPIRED"), "unauthenticated", "expired"),
        ("TALK_UPLOADER_GATEWAY_TICKET_WRONG_AUD", option_env!("TALK_UPLOADER_GATEWAY_TICKET_WRONG_AUD"), "unauthenticated", "audience"),
        ("TALK_UPLOADER_GATEWAY_TICKET_TAMPERED", option_env!("TALK_UPLOADER_GATEWAY_TICKET_TAMPERED"), "unauthenticated", "signature"),
        ("TALK_UPLOADER_GATEWAY_TICKET_OTHER_CONNECTION", option_env!("TALK_UPLOADER_GATEWAY_TICKET_OTHER_CONNECTION"), "permission_denied", "test-audio-1"),
        ("TALK_UPLOADER_GATEWAY_TICKET_SMALL", option_env!("TALK_UPLOADER_GATEWAY_TICKET_SMALL"), "permission_denied", "100000-byte limit"),
    ];
    for (name, ticket, code, needle) in cases {
        let ticket = ticket.unwrap_or_else(|| panic!("{name} is not set at compile time"));
        for method in ["upload", "uploadBadge"] {
            let e = upload_audio(file.blob.clone().into(), metadata(), options(gateway(), ticket, "test-audio-1", method))
                .await
                .expect_err(name);
            assert_eq!(error_code(&e), code, "{name} {method}: {}", error_message(&e));
            assert!(error_message(&e).contains(needle), "{name} {method}: {}", error_message(&e));
        }
    }
    // A page whose origin the gateway does not allow cannot read any answer: a network error.
    let ticket = setting!("TALK_UPLOADER_GATEWAY_TICKET");
    let e = upload_audio(file.blob.clone().into(), metadata(), options(gateway_other_origin(), ticket, "test-audio-1", "uploadAsStream"))
        .await
        .expect_err("origin not allowed");
    assert_eq!(error_code(&e), "network_error", "{}", error_message(&e));
    // A path outside the allowlist: 404, never proxied.
    let res = gloo_net::http::Request::post(&format!("{}/yandex.cloud.speechsense.v1.TalkService/Search", gateway()))
        .header("content-type", "application/grpc-web+proto")
        .header("authorization", &format!("Bearer {ticket}"))
        .body(vec![0u8, 0, 0, 0, 0])
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(talk_count().await, before, "a refused upload was stored");
}
