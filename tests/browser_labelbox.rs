//! Browser tier: `uploadLabelboxConversations` hosts 300 conversations (a few invalid) in the
//! devserver's S3 through presigned POSTs; every stored object is byte-exact, the rows carry
//! stable global keys, and a re-run gives the same keys.

#![cfg(target_arch = "wasm32")]

mod browser_upload_support;

use browser_upload_support::*;
use sha2::{Digest, Sha256};
use talk_uploader::bindings::labelbox::upload_labelbox_conversations;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn conversation(i: usize) -> String {
    let m = |k: usize| {
        format!(r#"{{"messageId": "m-{i}-{k}", "timestampUsec": 1530718491000000, "content": "hello {i}/{k}", "user": {{"userId": "u{k}", "name": "User {k}"}}, "align": "left", "canLabel": true}}"#)
    };
    format!("{{\"type\": \"application/vnd.labelbox.conversational\", \"version\": 1, \"messages\": [{}, {}]}}", m(0), m(1))
}

/// Item `i`: a string, bytes, a Blob or an object, in turn; every 50th is invalid.
fn item(i: usize) -> (JsValue, Option<Vec<u8>>) {
    let text = if i % 50 == 7 { conversation(i).replace("\"version\": 1", "\"version\": 2") } else { conversation(i) };
    let bytes = text.clone().into_bytes();
    let content: JsValue = match i % 4 {
        0 => text.clone().into(),
        1 => js_sys::Uint8Array::from(bytes.as_slice()).into(),
        2 => web_sys::Blob::new_with_u8_array_sequence(&js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()))).unwrap().into(),
        _ => js_sys::JSON::parse(&text).unwrap(),
    };
    let uploaded = if i % 4 == 3 { js_sys::JSON::stringify(&js_sys::JSON::parse(&text).unwrap()).unwrap().as_string().unwrap().into_bytes() } else { bytes };
    (obj(&[("content", content), ("name", format!("c{i}.json").into())]), (i % 50 != 7).then_some(uploaded))
}

#[wasm_bindgen_test]
async fn three_hundred_conversations_become_rows() {
    let items = js_sys::Array::new();
    let mut expected = Vec::new();
    for i in 0..300 {
        let (it, bytes) = item(i);
        items.push(&it);
        expected.push(bytes);
    }
    let (presign, calls) = presign_function(devserver(), "org-labelbox");
    let last = std::rc::Rc::new(std::cell::Cell::new((0.0, 0.0)));
    let l = last.clone();
    let on_progress = Closure::<dyn FnMut(JsValue)>::new(move |p: JsValue| {
        l.set((get(&p, "itemsDone").as_f64().unwrap_or(-1.0), get(&p, "items").as_f64().unwrap_or(-1.0)));
    })
    .into_js_value();
    let opts = obj(&[("presign", presign.clone()), ("concurrency", 6.into()), ("onProgress", on_progress), ("allowLoopbackHttp", true.into())]);
    let started = js_sys::Date::now();
    let out = upload_labelbox_conversations(items.clone().into(), opts).await.expect("batch");
    web_sys::console::log_1(&format!("300 conversations in {:.0} ms", js_sys::Date::now() - started).into());
    assert_eq!(last.get(), (300.0, 300.0));
    let results = js_sys::Array::from(&get(&out, "results"));
    let rows = js_sys::Array::from(&get(&out, "rows"));
    assert_eq!(results.length(), 300);
    assert_eq!(rows.length(), 294);
    assert_eq!(calls.get(), 294, "no presign for an invalid item");
    let mut keys = Vec::new();
    for (i, want) in expected.iter().enumerate() {
        let r = results.get(i as u32);
        match want {
            None => {
                assert_eq!(get(&r, "ok").as_bool(), Some(false));
                let e = get(&r, "error");
                assert_eq!(error_code(&e), "validation_failed");
                let issues = js_sys::Array::from(&get(&e, "issues"));
                assert_eq!(get_str(&issues.get(0), "path"), "/version");
            }
            Some(bytes) => {
                assert_eq!(get(&r, "ok").as_bool(), Some(true), "{i}: {:?}", js_sys::JSON::stringify(&r));
                let key = get_str(&r, "key");
                let file = TestFile {
                    blob: web_sys::Blob::new().unwrap(),
                    sha256: hex(&Sha256::digest(bytes)),
                    size: bytes.len() as u64,
                };
                assert_object(devserver(), &key, &file).await;
                let row = get(&r, "row");
                assert_eq!(get_str(&row, "media_type"), "CONVERSATIONAL");
                assert!(get_str(&row, "row_data").starts_with("http://"), "{}", get_str(&row, "row_data"));
                assert!(get_str(&row, "row_data").ends_with(&key.replace(' ', "%20")));
                let gk = get_str(&row, "global_key");
                assert_eq!(gk, format!("sha256-{}", file.sha256));
                keys.push(gk);
            }
        }
    }
    // The rows pass validate(JSON.stringify(rows), { kind: "labelbox-import" }) (loopback S3 here).
    let text = js_sys::JSON::stringify(&get(&out, "rows")).unwrap();
    let report = talk_uploader::bindings::validate::validate(text.into(), obj(&[("kind", "labelbox-import".into()), ("allowLoopbackHttp", true.into())])).unwrap();
    assert_eq!(get(&report, "ok").as_bool(), Some(true), "{:?}", js_sys::JSON::stringify(&report));
    let strict = talk_uploader::bindings::validate::validate(js_sys::JSON::stringify(&get(&out, "rows")).unwrap().into(), obj(&[("kind", "labelbox-import".into())])).unwrap();
    assert_eq!(get(&strict, "ok").as_bool(), Some(false), "http rows are refused without allowLoopbackHttp");
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), keys.len());

    // A re-run gives the same keys (whatever form each item has).
    let subset = js_sys::Array::new();
    for i in [0usize, 1, 2, 3] {
        subset.push(&item(i).0);
    }
    let again = upload_labelbox_conversations(subset.into(), obj(&[("presign", presign.clone()), ("allowLoopbackHttp", true.into())])).await.expect("re-run");
    let rows = js_sys::Array::from(&get(&again, "rows"));
    let again_keys: Vec<String> = rows.iter().map(|r| get_str(&r, "global_key")).collect();
    assert_eq!(again_keys, keys[..4]);
}

#[wasm_bindgen_test]
async fn options_and_converted_items() {
    let e = upload_labelbox_conversations(js_sys::Array::new().into(), obj(&[("presign", 1.into())])).await.expect_err("presign not a function");
    assert_eq!(error_code(&e), "invalid_options");
    let e = upload_labelbox_conversations(js_sys::Array::new().into(), obj(&[("presign", js_sys::Function::new_no_args("").into()), ("concurency", 2.into())]))
        .await
        .expect_err("typo");
    assert!(error_message(&e).contains("concurrency"), "{}", error_message(&e));

    // A Vela chat converted to Labelbox first, with caller-chosen keys and metadata fields.
    let vela = r#"{"org_id": "o", "chat_data": {"session_id": "s1", "agent_id": "a1", "customer_id": "c1", "start_time": "2024-01-15T10:30:00Z", "end_time": "2024-01-15T10:45:00Z", "messages": [{"timestamp": "2024-01-15T10:30:00Z", "sender": "customer", "content": "Hello"}, {"timestamp": "2024-01-15T10:30:15Z", "sender": "agent", "content": "Hi!"}]}}"#;
    let (presign, _) = presign_function(devserver(), "org-labelbox-conv");
    let key_fn = js_sys::Function::new_with_args("item, i", "return 'chat-' + i");
    let fields_fn = js_sys::Function::new_with_args("item, i", "return [{schema_id: 'x', value: String(i)}]");
    let items = js_sys::Array::of1(&obj(&[("content", vela.into())]));
    let opts = obj(&[("presign", presign), ("from", "vela".into()), ("globalKey", key_fn.into()), ("metadataFields", fields_fn.into()), ("allowLoopbackHttp", true.into())]);
    let out = upload_labelbox_conversations(items.into(), opts).await.expect("converted");
    let r = js_sys::Array::from(&get(&out, "results")).get(0);
    assert_eq!(get(&r, "ok").as_bool(), Some(true), "{:?}", js_sys::JSON::stringify(&r));
    let row = get(&r, "row");
    assert_eq!(get_str(&row, "global_key"), "chat-0");
    assert_eq!(js_sys::Array::from(&get(&row, "metadata_fields")).length(), 1);

    // Without allowLoopbackHttp the object is stored but its http:// row cannot import.
    let (presign, _) = presign_function(devserver(), "org-labelbox-strict");
    let items = js_sys::Array::of2(&obj(&[("content", conversation(1).into())]), &obj(&[("content", conversation(1).into())]));
    let out = upload_labelbox_conversations(items.into(), obj(&[("presign", presign)])).await.expect("resolves");
    let r = js_sys::Array::from(&get(&out, "results"));
    let e = get(&r.get(0), "error");
    assert_eq!(error_code(&e), "validation_failed");
    assert_eq!(get_str(&js_sys::Array::from(&get(&e, "issues")).get(0), "code"), "invalid_url");
}

#[wasm_bindgen_test]
async fn the_same_content_twice_is_one_row() {
    let (presign, _) = presign_function(devserver(), "org-labelbox-dup");
    let items = js_sys::Array::of2(&obj(&[("content", conversation(5).into())]), &obj(&[("content", conversation(5).into())]));
    let out = upload_labelbox_conversations(items.into(), obj(&[("presign", presign), ("allowLoopbackHttp", true.into())])).await.expect("resolves");
    let r = js_sys::Array::from(&get(&out, "results"));
    assert_eq!(get(&r.get(0), "ok").as_bool(), Some(true));
    assert_eq!(error_code(&get(&r.get(1), "error")), "validation_failed");
    let message = get(&get(&r.get(1), "error"), "message").as_string().unwrap_or_default();
    assert!(message.starts_with("items[1] has the global key") && message.contains("of items[0]"), "{message}");
    assert_eq!(js_sys::Array::from(&get(&out, "rows")).length(), 1);
}
