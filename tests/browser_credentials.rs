//! Browser tier: credentials as options (issue 13 package side, issue 8 defect 3) and
//! `uploadText` / the Vela calls over the crate's own XHR engine (issue 9).
//!
//! - `apiKey`, `iamToken`, `ticket` and the Vela `token` / `ticket` take a string or a function
//!   returning a string or a Promise of one, called for every attempt; after UNAUTHENTICATED
//!   (Vela: HTTP 401) the function is called once more and the request retried once.
//! - Every credential value is checked as a header value first: `invalid_options` naming the
//!   option, never quoting the value, with no cause; the module keeps working afterwards.

#![cfg(target_arch = "wasm32")]

mod browser_upload_support;

use std::cell::Cell;
use std::rc::Rc;

use browser_upload_support::*;
use talk_uploader::bindings::presigned::{upload_vela_call, upload_vela_chat};
use talk_uploader::bindings::upload::{upload_audio, upload_text};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn faulty_503() -> &'static str {
    option_env!("TALK_UPLOADER_FAULTY_503_URL").expect("TALK_UPLOADER_FAULTY_503_URL is not set at compile time")
}

/// A credential function answering `values[n]` on its n-th call (the last one from then on),
/// as a string or as a Promise of one, and counting its calls.
fn credential_fn(values: &[&str], promise: bool) -> (JsValue, Rc<Cell<u32>>) {
    let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    let calls = Rc::new(Cell::new(0u32));
    let c = calls.clone();
    let f = Closure::<dyn FnMut() -> JsValue>::new(move || {
        let n = c.get() as usize;
        c.set(c.get() + 1);
        let v = JsValue::from_str(&values[n.min(values.len() - 1)]);
        if promise {
            js_sys::Promise::resolve(&v).into()
        } else {
            v
        }
    })
    .into_js_value();
    (f, calls)
}

/// A chat whose text holds everything an encoder could get wrong.
const TRICKY: &str = "Hello \u{1F600} \"quoted\" \\ back\\slash\nnew line\ttab \u{202E}RTL\u{202C} ζ </script>";

fn chat_json(text: &str) -> String {
    serde_json::json!({ "messages": [
        { "user_id": "cl-7", "text": text, "timestamp": "2024-05-06T07:08:09.250Z" },
        { "user_id": "op-1", "text": "Здравствуйте!", "timestamp": "2024-05-06T07:08:20Z" }
    ]})
    .to_string()
}

fn text_metadata() -> JsValue {
    JsValue::from_str(
        r#"{"operator_name":"Alice","operator_id":"op-1","client_name":"Bob","client_id":"cl-7",
            "bot_name":"Helper","bot_id":"bot-3","date":"2024-05-06T07:08:09Z",
            "direction_outgoing":"false","language":"ru-RU"}"#,
    )
}

fn text_opts(credential: (&str, JsValue), extra: &[(&str, JsValue)]) -> JsValue {
    let mut pairs = vec![("endpoint", JsValue::from_str(devserver())), ("connectionId", JsValue::from_str("test-chat")), credential];
    pairs.extend(extra.iter().cloned());
    obj(&pairs)
}

/// uploadText with `opts`, checked stored exactly as sent.
async fn upload_text_stored_exactly(opts: JsValue) -> JsValue {
    let chat = chat_json(TRICKY);
    let result = upload_text(JsValue::from_str(&chat), text_metadata(), opts).await.expect("uploadText");
    let talk = stored_talk(&get_str(&result, "talkId")).await;
    assert_eq!(talk["method"], "UploadText", "{talk}");
    assert_eq!(talk["messages"][0]["text"], TRICKY, "{talk}");
    assert_eq!(talk["messages"][0]["userId"], "cl-7");
    assert_eq!(talk["messages"][1]["userId"], "op-1");
    assert_eq!(talk["connectionId"], "test-chat");
    let sent: serde_json::Value = serde_json::from_str(&text_metadata().as_string().unwrap()).unwrap();
    assert_eq!(talk["fields"], sent, "every metadata field, exactly");
    assert_eq!(talk["messages"][0]["timestamp"], "2024-05-06T07:08:09.250Z");
    assert_eq!(talk["messages"][1]["text"], "Здравствуйте!");
    assert_eq!(talk["messages"].as_array().map(Vec::len), Some(2));
    result
}

#[wasm_bindgen_test]
async fn upload_text_over_xhr_is_stored_exactly_with_progress() {
    let progress = Progress::default();
    let opts = text_opts(("apiKey", api_key().into()), &[("onProgress", progress.callback(|_, _| {}).into())]);
    let result = upload_text_stored_exactly(opts).await;
    assert_eq!(get(&result, "attempts").as_f64(), Some(1.0));
    let size = chat_json(TRICKY).len() as u64;
    progress.assert_complete(size);
}

#[wasm_bindgen_test]
async fn a_credential_function_is_called_per_attempt_and_once_more_after_unauthenticated() {
    // apiKey: a stale key first; the server's UNAUTHENTICATED makes the engine ask again.
    let (f, calls) = credential_fn(&["stale-key-0000", api_key()], false);
    let result = upload_text_stored_exactly(text_opts(("apiKey", f), &[])).await;
    assert_eq!((calls.get(), get(&result, "attempts").as_f64()), (2, Some(2.0)));

    // ticket (sent as Bearer), from a Promise: the devserver takes its IAM token as Bearer.
    let (f, calls) = credential_fn(&["stale-ticket-0000", iam_token()], true);
    let result = upload_text_stored_exactly(text_opts(("ticket", f), &[])).await;
    assert_eq!((calls.get(), get(&result, "attempts").as_f64()), (2, Some(2.0)));

    // iamToken, right the first time: called exactly once.
    let (f, calls) = credential_fn(&[iam_token()], true);
    upload_text_stored_exactly(text_opts(("iamToken", f), &[])).await;
    assert_eq!(calls.get(), 1);

    // Refused twice: the second UNAUTHENTICATED is the answer, and no key is shown.
    let (f, calls) = credential_fn(&["stale-key-1111", "stale-key-2222"], false);
    let e = upload_text(JsValue::from_str(&chat_json("x")), text_metadata(), text_opts(("apiKey", f), &[]))
        .await
        .expect_err("refused twice");
    assert_eq!(error_code(&e), "unauthenticated");
    assert_eq!(calls.get(), 2);
    assert!(!error_message(&e).contains("stale-key"), "{}", error_message(&e));
}

#[wasm_bindgen_test]
async fn each_retry_of_an_audio_upload_asks_the_function_again() {
    // The 503 devserver fails every other request: the upload fails once, then succeeds.
    let file = random_wav(16_000, 1, 77);
    let (f, calls) = credential_fn(&[api_key()], true);
    let opts = obj(&[
        ("endpoint", JsValue::from_str(faulty_503())),
        ("apiKey", f),
        ("connectionId", JsValue::from_str("test-audio-1")),
        ("retry", js_sys::JSON::parse(r#"{"delays":[0,50,100]}"#).unwrap()),
    ]);
    let result = upload_audio(file.blob.clone().into(), metadata(), opts).await.expect("uploadAudio through a 503");
    let attempts = get(&result, "attempts").as_f64().unwrap();
    assert!(attempts >= 2.0, "the 503 server lets every other request through: {attempts}");
    assert_eq!(calls.get() as f64, attempts, "one call per attempt");
}

/// Values no header may carry. Each holds the marker, which must never appear in a message.
const BAD_VALUES: [&str; 7] =
    ["MARK-SECRET\nX-Evil: 1", "MARK-SECRET\r", "MARK\u{0}SECRET", "MARK-ключ", "MARK-\u{1F600}", "", " \t "];

async fn expect_refused(what: &str, option: &str, call: impl std::future::IntoFuture<Output = Result<JsValue, JsValue>>) {
    let e = call.await.expect_err(what);
    assert_eq!(error_code(&e), "invalid_options", "{what}: {}", error_message(&e));
    let message = error_message(&e);
    assert!(message.contains(&format!("options.{option}")), "{what}: {message}");
    assert!(!message.contains("MARK") && !message.contains("SECRET"), "{what} quoted the value: {message}");
    assert!(get(&e, "cause").is_undefined(), "{what}: a cause could quote the value");
}

#[wasm_bindgen_test]
async fn invalid_header_values_in_every_credential_option_are_invalid_options() {
    let file = random_wav(3_200, 1, 78);
    for round in 0..20 {
        for bad in BAD_VALUES {
            for shape in 0..3 {
                // 0: the value itself; 1: a function returning it; 2: a function returning a Promise of it.
                let value = |v: &str| match shape {
                    0 => JsValue::from_str(v),
                    s => credential_fn(&[v], s == 2).0,
                };
                let what = format!("round {round}, {bad:?}, shape {shape}");
                for option in ["apiKey", "iamToken", "ticket"] {
                    let opts = obj(&[
                        ("endpoint", JsValue::from_str(devserver())),
                        (option, value(bad)),
                        ("connectionId", JsValue::from_str("test-audio-1")),
                    ]);
                    expect_refused(&what, option, upload_audio(file.blob.clone().into(), metadata(), opts)).await;
                    let opts = text_opts((option, value(bad)), &[]);
                    expect_refused(&what, option, upload_text(JsValue::from_str(&chat_json("x")), text_metadata(), opts)).await;
                }
                for option in ["token", "ticket"] {
                    let mut opts = vela_options(devserver(), "org-cred", &[(option, value(bad))]);
                    if option == "ticket" {
                        js_sys::Reflect::delete_property(opts.unchecked_ref::<js_sys::Object>(), &"token".into()).unwrap();
                    }
                    expect_refused(&what, option, upload_vela_call(file.blob.clone().into(), opts.clone())).await;
                    opts = obj(&[
                        ("apiBase", JsValue::from_str(devserver())),
                        (option, value(bad)),
                        ("orgId", JsValue::from_str("org-cred")),
                    ]);
                    expect_refused(&what, option, upload_vela_chat(JsValue::from_str(&vela_chat_json()), opts)).await;
                }
            }
        }
    }
    // The same module still uploads, byte-exact.
    upload_text_stored_exactly(text_opts(("apiKey", api_key().into()), &[])).await;
    let wav = random_wav(32_000, 1, 79);
    let opts = obj(&[
        ("endpoint", JsValue::from_str(devserver())),
        ("apiKey", JsValue::from_str(api_key())),
        ("connectionId", JsValue::from_str("test-audio-1")),
    ]);
    let result = upload_audio(wav.blob.clone().into(), metadata(), opts).await.expect("upload after the refusals");
    let talk = stored_talk(&get_str(&result, "talkId")).await;
    assert_eq!(talk["audio"]["sha256"], wav.sha256.as_str(), "{talk}");
}

#[wasm_bindgen_test]
async fn a_throwing_or_rejecting_provider_is_invalid_options_with_its_error_as_cause() {
    let throws = js_sys::Function::new_no_args("throw new TypeError('backend down')");
    let rejects = js_sys::Function::new_no_args("return Promise.reject(new RangeError('no ticket'))");
    let number = js_sys::Function::new_no_args("return 42");
    let bad_then = js_sys::Function::new_no_args("return { get then() { throw new Error('then getter') } }");
    for (f, cause) in [(throws, Some("backend down")), (rejects, Some("no ticket")), (number, None), (bad_then, Some("then getter"))] {
        let e = upload_text(JsValue::from_str(&chat_json("x")), text_metadata(), text_opts(("ticket", f.into()), &[]))
            .await
            .expect_err("provider failed");
        assert_eq!(error_code(&e), "invalid_options", "{}", error_message(&e));
        assert!(error_message(&e).contains("options.ticket"), "{}", error_message(&e));
        let got = get(&e, "cause");
        match cause {
            Some(text) => assert_eq!(get_str(&got, "message"), text),
            None => assert!(got.is_undefined()),
        }
    }
    // Two credentials at once, or one of the wrong type.
    let opts = text_opts(("apiKey", api_key().into()), &[("ticket", JsValue::from_str("t-1234"))]);
    let e = upload_text(JsValue::from_str(&chat_json("x")), text_metadata(), opts).await.expect_err("two");
    assert_eq!(error_code(&e), "invalid_options");
    let e = upload_text(JsValue::from_str(&chat_json("x")), text_metadata(), text_opts(("ticket", JsValue::from_f64(7.0)), &[]))
        .await
        .expect_err("a number");
    assert_eq!(error_code(&e), "invalid_options");
}

#[wasm_bindgen_test]
async fn abort_cuts_short_a_provider_that_never_settles() {
    let never = js_sys::Function::new_no_args("return new Promise(() => {})");
    let controller = web_sys::AbortController::new().unwrap();
    let c = controller.clone();
    let abort_soon = Closure::once_into_js(move || c.abort());
    web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(abort_soon.unchecked_ref(), 50).unwrap();
    let opts = text_opts(("ticket", never.into()), &[("signal", controller.signal().into())]);
    let e = upload_text(JsValue::from_str(&chat_json("x")), text_metadata(), opts).await.expect_err("aborted");
    assert_eq!(error_code(&e), "aborted");
}

fn vela_chat_json() -> String {
    serde_json::json!({
        "session_id": "chat_cred", "agent_id": "agent_001", "customer_id": "customer_789",
        "start_time": "2024-01-15T10:30:00Z", "end_time": "2024-01-15T10:45:00Z",
        "messages": [
            { "timestamp": "2024-01-15T10:30:00Z", "sender": "customer", "content": "Hello \u{1F600}" },
            { "timestamp": "2024-01-15T10:30:15Z", "sender": "agent", "content": "Hi!" }
        ]
    })
    .to_string()
}

#[wasm_bindgen_test]
async fn vela_calls_go_over_xhr_with_a_ticket_function_and_refresh_after_401() {
    // uploadVelaCall with a ticket function: the presign call asks it, S3 gets the bytes.
    let file = random_file(b"", 1024 * 1024 + 3, 80);
    let (f, calls) = credential_fn(&[api_key()], true);
    let mut opts = vela_options(devserver(), "org-cred-a", &[("ticket", f)]);
    js_sys::Reflect::delete_property(opts.unchecked_ref::<js_sys::Object>(), &"token".into()).unwrap();
    let result = upload_vela_call(file.blob.clone().into(), opts.clone()).await.expect("uploadVelaCall with a ticket");
    assert_object(devserver(), &get_str(&result, "key"), &file).await;
    assert_eq!(calls.get(), 1);

    // A stale token first: the 401 makes the engine call the function once more.
    let (f, calls) = credential_fn(&["stale-token-0000", api_key()], false);
    opts = vela_options(devserver(), "org-cred-b", &[("token", f)]);
    let result = upload_vela_call(file.blob.clone().into(), opts).await.expect("refreshed presign");
    assert_object(devserver(), &get_str(&result, "key"), &file).await;
    assert_eq!(calls.get(), 2);

    // uploadVelaChat: same refresh, progress to done, attempts reported.
    let (f, calls) = credential_fn(&["stale-token-1111", api_key()], true);
    let progress = Progress::default();
    let opts = obj(&[
        ("apiBase", JsValue::from_str(devserver())),
        ("token", f),
        ("orgId", JsValue::from_str("org-cred-c")),
        ("onProgress", progress.callback(|_, _| {}).into()),
    ]);
    let result = upload_vela_chat(JsValue::from_str(&vela_chat_json()), opts).await.expect("uploadVelaChat");
    assert_eq!((calls.get(), get(&result, "attempts").as_f64()), (2, Some(2.0)));
    let talk = stored_talk(&get_str(&result, "chatId")).await;
    assert_eq!(talk["method"], "VelaChat", "{talk}");
    assert_eq!(progress.phases().last().map(String::as_str), Some("done"));

    // A wrong static token is not retried and is never shown.
    let opts = obj(&[
        ("apiBase", JsValue::from_str(devserver())),
        ("token", JsValue::from_str("wrong-token-5555")),
        ("orgId", JsValue::from_str("org-cred-d")),
    ]);
    let e = upload_vela_chat(JsValue::from_str(&vela_chat_json()), opts).await.expect_err("wrong token");
    assert_eq!((error_code(&e).as_str(), get(&e, "status").as_f64()), ("unauthorized", Some(401.0)));
    assert!(!error_message(&e).contains("wrong-token-5555"));
}

fn faulty_stall() -> &'static str {
    option_env!("TALK_UPLOADER_FAULTY_STALL_URL").expect("TALK_UPLOADER_FAULTY_STALL_URL is not set at compile time")
}

#[wasm_bindgen_test]
async fn upload_text_honours_stall_timeout_and_abort() {
    // A server that never answers: the stall timer ends the attempt. The chat is small, so the
    // browser usually hands all of it to the network first; then the answer is lost, not the
    // request, and a resend could duplicate the chat: outcome_unknown, never a retry.
    let progress = Progress::default();
    let opts = obj(&[
        ("endpoint", JsValue::from_str(faulty_stall())),
        ("apiKey", JsValue::from_str(api_key())),
        ("connectionId", JsValue::from_str("test-chat")),
        ("stallTimeoutMs", JsValue::from_f64(400.0)),
        ("onProgress", progress.callback(|_, _| {}).into()),
    ]);
    let e = upload_text(JsValue::from_str(&chat_json("stall")), text_metadata(), opts).await.expect_err("stalled");
    let all_sent = progress.phases().iter().any(|p| p == "waiting");
    let expected = if all_sent { "outcome_unknown" } else { "stalled" };
    assert_eq!(error_code(&e), expected, "{}: {:?}", error_message(&e), progress.events.borrow());
    if all_sent {
        assert_eq!(get(&e, "attempt").as_f64(), Some(1.0), "an ambiguous chat is never sent twice");
    }

    // The caller's signal ends it too, with the stall timer off.
    let controller = web_sys::AbortController::new().unwrap();
    let c = controller.clone();
    let abort_soon = Closure::once_into_js(move || c.abort());
    web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(abort_soon.unchecked_ref(), 200).unwrap();
    let opts = obj(&[
        ("endpoint", JsValue::from_str(faulty_stall())),
        ("apiKey", JsValue::from_str(api_key())),
        ("connectionId", JsValue::from_str("test-chat")),
        ("stallTimeoutMs", JsValue::from_f64(0.0)),
        ("signal", controller.signal().into()),
    ]);
    let e = upload_text(JsValue::from_str(&chat_json("abort")), text_metadata(), opts).await.expect_err("aborted");
    assert_eq!(error_code(&e), "aborted", "{}", error_message(&e));
}
