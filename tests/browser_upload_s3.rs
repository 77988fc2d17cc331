//! Browser tier: `presignedUpload`, `uploadVelaCall` and `uploadVelaChat` against the devserver's
//! Vela API and its embedded, policy-checking S3 server. Files are random bytes (they exercise
//! multipart boundary handling), and the sha256 S3 stored is compared with the one computed here.

#![cfg(target_arch = "wasm32")]

mod browser_upload_support;

use browser_upload_support::*;
use talk_uploader::bindings::presigned::{presigned_upload, upload_vela_call, upload_vela_chat};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn vela_call_is_stored_byte_exact() {
    let file = random_file(b"", 5 * 1024 * 1024 + 11, 21);
    let progress = Progress::default();
    let opts = vela_options(devserver(), "org-s3-a", &[("onProgress", progress.callback(|_, _| {}).into())]);
    let result = upload_vela_call(file.blob.clone().into(), opts).await.expect("uploadVelaCall");
    let key = get_str(&result, "key");
    assert!(key.starts_with("org-s3-a/"), "{key}");
    assert_object(devserver(), &key, &file).await;
    progress.assert_complete(file.size);
}

#[wasm_bindgen_test]
async fn presigned_upload_with_a_presign_function() {
    let file = random_file(b"", 3 * 1024 * 1024 + 5, 22);
    let (presign, calls) = presign_function(devserver(), "org-s3-b");
    let result = presigned_upload(file.blob.clone().into(), obj(&[("presign", presign)])).await.expect("presignedUpload");
    assert_eq!(calls.get(), 1);
    assert_object(devserver(), &get_str(&result, "key"), &file).await;
}

#[wasm_bindgen_test]
async fn rejected_policies_fail_with_codes_and_no_secrets() {
    let file = random_file(b"", 200_000, 23);
    // Locally: a key outside the policy's `starts-with $key` prefix never leaves the page.
    let presign = fetch_presign(devserver(), "org-s3-c").await;
    let fields = get(&presign, "fields");
    js_sys::Reflect::set(&fields, &"key".into(), &"other-org/x.bin".into()).unwrap();
    let progress = Progress::default();
    let opts = obj(&[("presign", presign), ("onProgress", progress.callback(|_, _| {}).into())]);
    let e = presigned_upload(file.blob.clone().into(), opts).await.expect_err("key outside policy");
    assert_eq!(error_code(&e), "presign_key_rejected");
    assert_eq!(progress.phases(), vec!["validating"]);

    // At S3: a forged signature passes the local checks and is refused by the server.
    let presign = fetch_presign(devserver(), "org-s3-c").await;
    let fields = get(&presign, "fields");
    let forged = "0".repeat(64);
    js_sys::Reflect::set(&fields, &"x-amz-signature".into(), &forged.as_str().into()).unwrap();
    let policy = get_str(&fields, "policy");
    let e = presigned_upload(file.blob.clone().into(), obj(&[("presign", presign)])).await.expect_err("forged signature");
    let code = error_code(&e);
    let status = get(&e, "status").as_f64().unwrap_or(0.0);
    assert!((400.0..500.0).contains(&status), "status {status}, code {code}: {}", error_message(&e));
    // S3's own `<Code>` is only in `s3Code`: `code` stays in the package's closed set.
    assert_eq!(code, "s3_error", "{}", error_message(&e));
    let s3_code = get(&e, "s3Code").as_string().unwrap_or_default();
    assert!(!s3_code.is_empty() && s3_code.bytes().all(|b| b.is_ascii_alphanumeric()), "s3Code {s3_code:?}");
    assert!(error_message(&e).contains(&s3_code), "{}", error_message(&e));
    let message = error_message(&e);
    assert!(!message.contains(&forged) && !message.contains(&policy), "{message}");
}

#[wasm_bindgen_test]
async fn abort_mid_presigned_upload() {
    let file = random_file(b"", 40 * 1024 * 1024, 24);
    let controller = web_sys::AbortController::new().unwrap();
    let at = std::rc::Rc::new(std::cell::Cell::new(0.0f64));
    let (c, a) = (controller.clone(), at.clone());
    let progress = Progress::default();
    let cb = progress.callback(move |loaded, phase| {
        if phase == "sending" && loaded > 0.0 && a.get() == 0.0 {
            a.set(js_sys::Date::now());
            c.abort();
        }
    });
    let opts = vela_options(devserver(), "org-s3-d", &[("signal", controller.signal().into()), ("onProgress", cb.into())]);
    let e = upload_vela_call(file.blob.clone().into(), opts).await.expect_err("aborted");
    assert_eq!(error_code(&e), "aborted");
    assert!(at.get() > 0.0);
    assert!(js_sys::Date::now() - at.get() < 100.0);
}

#[wasm_bindgen_test]
async fn wrong_vela_token_is_unauthorized() {
    let file = random_file(b"", 1000, 25);
    let opts = vela_options(devserver(), "org-s3-e", &[("token", JsValue::from_str("not-the-token-1234"))]);
    let e = upload_vela_call(file.blob.clone().into(), opts).await.expect_err("wrong token");
    assert_eq!(get(&e, "status").as_f64(), Some(401.0));
    assert!(!error_message(&e).contains("not-the-token-1234"));
}

fn vela_chat() -> serde_json::Value {
    serde_json::json!({
        "session_id": "chat_12345", "agent_id": "agent_001", "customer_id": "customer_789",
        "start_time": "2024-01-15T10:30:00Z", "end_time": "2024-01-15T10:45:00Z",
        "messages": [
            { "timestamp": "2024-01-15T10:30:00Z", "sender": "customer", "content": "Hello" },
            { "timestamp": "2024-01-15T10:30:15Z", "sender": "agent", "content": "Hi!" }
        ]
    })
}

#[wasm_bindgen_test]
async fn vela_chat_is_stored_and_invalid_chat_is_not_sent() {
    let opts = obj(&[
        ("apiBase", JsValue::from_str(devserver())),
        ("token", JsValue::from_str(api_key())),
        ("orgId", JsValue::from_str("org-chat")),
        ("metadata", js_sys::JSON::parse(r#"{"channel":"website"}"#).unwrap()),
    ]);
    let result = upload_vela_chat(JsValue::from_str(&vela_chat().to_string()), opts.clone()).await.expect("chat");
    let chat_id = get_str(&result, "chatId");
    let talk = stored_talk(&chat_id).await;
    assert_eq!(talk["method"], "VelaChat", "{talk}");

    let mut bad = vela_chat();
    bad["start_time"] = "yesterday".into();
    let e = upload_vela_chat(JsValue::from_str(&bad.to_string()), opts.clone()).await.expect_err("invalid");
    assert_eq!(error_code(&e), "validation_failed");
    let issues = js_sys::Array::from(&get(&e, "issues"));
    // Pointers and positions are in the text the caller gave (the chat data), not in the body.
    assert!(issues.iter().any(|i| get_str(&i, "path") == "/start_time"), "{:?}", issues);

    // A duplicate key in the caller's text is refused at its line and column (issue 8: the chat
    // was re-serialized first, which dropped the duplicate, and the chat was sent).
    let text = vela_chat().to_string();
    let at = text.find("\"agent_id\"").expect("agent_id");
    let dup = format!("{}\n  \"agent_id\": \"someone-else\",{}", &text[..at], &text[at..]);
    let e = upload_vela_chat(JsValue::from_str(&dup), opts).await.expect_err("duplicate key");
    assert_eq!(error_code(&e), "validation_failed");
    let issue = js_sys::Array::from(&get(&e, "issues")).get(0);
    assert_eq!(get_str(&issue, "code"), "duplicate_key");
    assert_eq!(get_str(&issue, "path"), "/agent_id");
    let line_of = |pos: usize| dup[..pos].matches('\n').count() as f64 + 1.0;
    let second = at + "\n  \"agent_id\": \"someone-else\",".len();
    assert_eq!(get(&issue, "line").as_f64(), Some(line_of(second)));
    let column = second - dup[..second].rfind('\n').map_or(0, |n| n + 1) + 1;
    assert_eq!(get(&issue, "column").as_f64(), Some(column as f64));
}
