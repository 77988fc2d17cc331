//! Browser tier: a hostile or careless caller cannot kill the module, hang a call or leak
//! memory (issue 8).
//!
//! Every public function is called thousands of times with values whose own code throws:
//! `Proxy` traps, own getters on real `Blob`s, signals and typed arrays, `toJSON`, `then`,
//! presign functions that throw or return garbage, credentials that are not header values,
//! huge and deeply nested inputs, and typos at every depth of the options. Each call must
//! settle with an `UploadError` (or succeed where the platform's own accessors make the hostile
//! code irrelevant), never throw through wasm. Before the fix, a JS exception unwinding through
//! wasm frames leaked shadow stack, and the module died after ~1,600 such calls; here each class
//! runs more often than that, and at the end the same module instance still validates and
//! uploads byte-exact (sha256 against what the devserver stored).
//!
//! Everything runs in ONE test function: wasm-bindgen-test shares the module instance between
//! tests, but their order is not ours to choose, and the final checks must come last.

#![cfg(target_arch = "wasm32")]

mod browser_upload_support;

use browser_upload_support::*;
use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use talk_uploader::bindings::audio::{plan_chunks_js, sniff_audio};
use talk_uploader::bindings::error::is_upload_error;
use talk_uploader::bindings::presigned::{presigned_upload, upload_vela_call, upload_vela_chat};
use talk_uploader::bindings::upload::{upload_audio, upload_text};
use talk_uploader::bindings::labelbox::upload_labelbox_conversations;
use talk_uploader::bindings::validate::{convert_chat, validate};
use talk_uploader::bindings::zip::{inspect_zip, upload_vela_batch};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// How often each class of hostile call runs: above the ~1,600 unwinds that killed the module.
const ROUNDS: usize = 2_000;

fn js_fn(args: &str, body: &str) -> Function {
    Function::new_with_args(args, body)
}

/// `new Proxy(target, handler)` whose listed traps throw `new Error("trap <name>")`.
fn throwing_proxy(target: &JsValue, traps: &[&str]) -> JsValue {
    let names: Array = traps.iter().map(|t| JsValue::from_str(t)).collect();
    js_fn(
        "t, names",
        "const h = {}; for (const n of names) h[n] = () => { throw new Error('trap ' + n); }; return new Proxy(t, h);",
    )
    .call2(&JsValue::NULL, target, &names)
    .unwrap()
}

/// A revoked `Proxy`: every operation on it throws a `TypeError`.
fn revoked_proxy() -> JsValue {
    js_fn("", "const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy;").call0(&JsValue::NULL).unwrap()
}

/// Defines an own getter `name` on `target` that throws `new Error("getter <name>")`.
fn throwing_getter(target: &JsValue, name: &str) {
    js_fn(
        "o, n",
        "Object.defineProperty(o, n, { get() { throw new Error('getter ' + n); }, configurable: true, enumerable: false });",
    )
    .call2(&JsValue::NULL, target, &JsValue::from_str(name))
    .unwrap();
}

/// Every variant of an options object whose own code throws, built around `plain`.
fn hostile_variants(plain: &JsValue) -> Vec<(String, JsValue, bool)> {
    let mut out = Vec::new();
    // (description, value, whether its thrown error must be the cause)
    for traps in [&["ownKeys"][..], &["get"], &["getOwnPropertyDescriptor"], &["get", "ownKeys", "has", "getPrototypeOf"]] {
        out.push((format!("Proxy throwing in {traps:?}"), throwing_proxy(plain, traps), true));
    }
    out.push(("revoked Proxy".into(), revoked_proxy(), true));
    out
}

/// The rejection of `r`, which must be an `UploadError` with `code`.
fn expect_code(what: &str, r: Result<JsValue, JsValue>, code: &str) -> JsValue {
    let e = match r {
        Ok(v) => panic!("{what}: expected {code}, got a result {v:?}"),
        Err(e) => e,
    };
    assert!(is_upload_error(&e), "{what}: not an UploadError: {e:?}");
    assert_eq!(get_str(&e, "code"), code, "{what}: {}", get_str(&e, "message"));
    e
}

/// The cause of `e` is an `Error` thrown by our hostile code (`trap …` / `getter …` / a
/// `TypeError` of a revoked proxy).
fn assert_cause(what: &str, e: &JsValue) {
    let cause = get(e, "cause");
    assert!(cause.is_instance_of::<js_sys::Error>(), "{what}: cause is not an Error: {cause:?} ({})", get_str(e, "message"));
}

fn wasm_memory_bytes() -> f64 {
    wasm_bindgen::memory().unchecked_into::<js_sys::WebAssembly::Memory>().buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length()
        as f64
}

fn log(s: &str) {
    web_sys::console::log_1(&JsValue::from_str(s));
}

const CHAT: &str = r#"{"messages":[{"user_id":"op-1","text":"Hello","timestamp":"2024-05-06T07:08:09Z"}]}"#;

fn vela_chat_text() -> String {
    serde_json::json!({
        "session_id": "s-1", "agent_id": "a-1", "customer_id": "c-1",
        "start_time": "2024-05-06T07:00:00Z", "end_time": "2024-05-06T07:10:00Z",
        "messages": [{ "timestamp": "2024-05-06T07:01:00Z", "sender": "agent", "content": "Hi" }]
    })
    .to_string()
}

fn audio_options(extra: &[(&str, JsValue)]) -> JsValue {
    let mut pairs = vec![
        ("endpoint", JsValue::from_str(devserver())),
        ("apiKey", JsValue::from_str(api_key())),
        ("connectionId", JsValue::from_str("test-audio-1")),
    ];
    pairs.extend(extra.iter().cloned());
    obj(&pairs)
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

fn small_wav() -> TestFile {
    random_wav(4_000, 1, 99)
}

/// 1. Options, inputs and files whose `Proxy` traps throw, at every entry point.
async fn throwing_proxies(count: &mut usize) {
    let validate_opts = obj(&[("kind", "vela-chat".into())]);
    let variants = hostile_variants(&validate_opts);
    let before = wasm_memory_bytes();
    for i in 0..ROUNDS {
        let (what, options, with_cause) = &variants[i % variants.len()];
        let e = expect_code(what, validate(JsValue::from_str("{}"), options.clone()), "invalid_options");
        if *with_cause {
            assert_cause(what, &e);
        }
        *count += 1;
    }
    for i in 0..ROUNDS / 4 {
        let (what, options, _) = &variants[i % variants.len()];
        expect_code(what, convert_chat(JsValue::from_str(CHAT), options.clone()), "invalid_options");
        expect_code(what, plan_chunks_js(JsValue::from_f64(10.0), Some(options.clone().unchecked_into())), "invalid_options");
        *count += 2;
    }
    // A proxy as the input, and as nested options.
    let u8_proxy = throwing_proxy(&Uint8Array::new_with_length(4).into(), &["get", "getPrototypeOf"]);
    let u8_lying = throwing_proxy(&Uint8Array::new_with_length(4).into(), &["get"]); // passes instanceof
    for input in [u8_proxy, u8_lying, revoked_proxy()] {
        for _ in 0..ROUNDS / 4 {
            expect_code("proxy input", validate(input.clone(), validate_opts.clone()), "invalid_options");
            *count += 1;
        }
    }
    let nested = obj(&[("kind", "speechsense-metadata".into()), ("fields", throwing_proxy(&Array::new().into(), &["get"]))]);
    expect_code("fields proxy", validate(JsValue::from_str("{}"), nested), "invalid_options");
    let nested = obj(&[("kind", "speechsense-chat".into()), ("metadata", throwing_proxy(&Object::new().into(), &["ownKeys"]))]);
    assert_cause("metadata proxy", &expect_code("metadata proxy", validate(JsValue::from_str(CHAT), nested), "invalid_options"));
    *count += 2;

    // The async entry points: options, metadata, retry, signal and file as proxies.
    let file = small_wav();
    let file_proxy = throwing_proxy(&file.blob.clone().into(), &["get"]);
    let vela_call = vela_options(devserver(), "org-1", &[]);
    let vela_chat = obj(&[("apiBase", devserver().into()), ("token", api_key().into()), ("orgId", "org-1".into())]);
    let presign = obj(&[("presign", js_fn("", "").into())]);
    let per_call = [
        hostile_variants(&audio_options(&[])),
        hostile_variants(&text_options(&[])),
        hostile_variants(&presign),
        hostile_variants(&vela_call),
        hostile_variants(&vela_chat),
    ];
    for i in 0..ROUNDS / 2 {
        let n = i % variants.len();
        let check = |what: &str, e: JsValue| assert_cause(what, &e);
        let (what, o, _) = &per_call[0][n];
        check(what, expect_code(what, upload_audio(file.blob.clone().into(), metadata(), o.clone()).await, "invalid_options"));
        let (what, o, _) = &per_call[1][n];
        check(what, expect_code(what, upload_text(CHAT.into(), metadata(), o.clone()).await, "invalid_options"));
        let (what, o, _) = &per_call[2][n];
        check(what, expect_code(what, presigned_upload(file.blob.clone().into(), o.clone()).await, "invalid_options"));
        let (what, o, _) = &per_call[3][n];
        check(what, expect_code(what, upload_vela_call(file.blob.clone().into(), o.clone()).await, "invalid_options"));
        let (what, o, _) = &per_call[4][n];
        check(what, expect_code(what, upload_vela_chat(vela_chat_text().into(), o.clone()).await, "invalid_options"));
        expect_code("file proxy", sniff_audio(file_proxy.clone(), None).await, "invalid_options");
        *count += 6;
    }
    // The batch entry points: zip inspection, Vela batches, Labelbox conversations.
    let batch = [
        hostile_variants(&obj(&[("sampleBytes", 1024.into())])),
        hostile_variants(&obj(&[("presign", js_fn("", "").into())])),
        hostile_variants(&obj(&[("presign", js_fn("", "").into())])),
    ];
    let items: JsValue = Array::of1(&obj(&[("content", CHAT.into())])).into();
    for i in 0..ROUNDS / 4 {
        let n = i % variants.len();
        let (what, o, _) = &batch[0][n];
        assert_cause(what, &expect_code(what, inspect_zip(file.blob.clone().into(), Some(o.clone().unchecked_into())).await, "invalid_options"));
        let (what, o, _) = &batch[1][n];
        assert_cause(what, &expect_code(what, upload_vela_batch(file.blob.clone().into(), o.clone()).await, "invalid_options"));
        let (what, o, _) = &batch[2][n];
        assert_cause(what, &expect_code(what, upload_labelbox_conversations(items.clone(), o.clone()).await, "invalid_options"));
        let (what, proxy_items, _) = &variants[n];
        let opts = obj(&[("presign", js_fn("", "").into())]);
        expect_code(what, upload_labelbox_conversations(proxy_items.clone(), opts).await, "invalid_options");
        expect_code("zip file proxy", inspect_zip(file_proxy.clone(), None).await, "invalid_options");
        *count += 5;
    }
    for (key, value) in [
        ("retry", throwing_proxy(&Object::new().into(), &["ownKeys"])),
        ("retry", obj(&[("delays", throwing_proxy(&Array::of2(&0.into(), &1.into()).into(), &["get"]))])),
        ("signal", throwing_proxy(&web_sys::AbortController::new().unwrap().signal().into(), &["get", "getPrototypeOf"])),
        ("onProgress", JsValue::from_f64(1.0)),
    ] {
        for _ in 0..ROUNDS / 8 {
            let r = upload_audio(file.blob.clone().into(), metadata(), audio_options(&[(key, value.clone())])).await;
            expect_code(key, r, "invalid_options");
            *count += 1;
        }
    }
    for _ in 0..ROUNDS / 8 {
        let r = upload_audio(file_proxy.clone(), metadata(), audio_options(&[])).await;
        expect_code("file proxy", r, "invalid_options");
        let meta = throwing_proxy(&Object::new().into(), &["ownKeys", "get"]);
        assert_cause("metadata", &expect_code("metadata proxy", upload_audio(file.blob.clone().into(), meta, audio_options(&[])).await, "invalid_options"));
        *count += 2;
    }
    // Not a leak: the same calls again leave wasm memory where it was (it only grows if
    // something is kept per call).
    let after = wasm_memory_bytes();
    assert!(after - before <= 16.0 * 1024.0 * 1024.0, "wasm memory grew from {before} to {after} bytes");
    log(&format!("hostile: throwing proxies done, wasm memory {before} -> {after} bytes"));
}

/// 2. Real objects with own getters and methods that throw: the native accessors are used, so
/// these work; look-alikes and already-aborted signals fail cleanly.
async fn throwing_getters(count: &mut usize) {
    let file = small_wav();
    let blob: JsValue = file.blob.clone().into();
    for name in ["size", "slice", "arrayBuffer", "type", "stream"] {
        throwing_getter(&blob, name);
    }
    for _ in 0..ROUNDS / 4 {
        let info = sniff_audio(blob.clone(), None).await.expect("sniffAudio of a Blob with throwing own getters");
        assert_eq!(get_str(&info, "container"), "wav");
        *count += 1;
    }
    // A typed array with throwing own `length`/`byteLength`, and a detached one.
    let bytes = Uint8Array::from(CHAT.as_bytes());
    throwing_getter(&bytes, "length");
    throwing_getter(&bytes, "byteLength");
    let detached = js_fn("", "const b = new ArrayBuffer(8); const u = new Uint8Array(b); structuredClone(b, { transfer: [b] }); return u;")
        .call0(&JsValue::NULL)
        .unwrap();
    let opts = obj(&[("kind", "speechsense-chat".into())]);
    for _ in 0..ROUNDS / 4 {
        let report = validate(bytes.clone().into(), opts.clone()).expect("validate of a Uint8Array with throwing getters");
        assert_eq!(get(&report, "stats").is_object(), true);
        let report = validate(detached.clone(), opts.clone()).expect("validate of a detached Uint8Array");
        assert_eq!(get(&report, "ok"), JsValue::FALSE);
        *count += 2;
    }
    // Another realm's Uint8Array is one; an Int16Array given Uint8Array.prototype is not.
    let foreign = js_fn(
        "text",
        "const f = document.createElement('iframe'); document.body.appendChild(f); return new f.contentWindow.TextEncoder().encode(text);",
    )
    .call1(&JsValue::NULL, &JsValue::from_str(CHAT))
    .unwrap();
    let report = validate(foreign, opts.clone()).expect("another realm's Uint8Array");
    assert_eq!(get(&report, "stats").is_object(), true);
    let disguised = js_fn("", "const a = new Int16Array(4); Object.setPrototypeOf(a, Uint8Array.prototype); return a;").call0(&JsValue::NULL).unwrap();
    expect_code("Int16Array posing as Uint8Array", validate(disguised, opts.clone()), "invalid_options");
    *count += 2;
    // Options objects with throwing own getters: invalid_options naming the option, cause set.
    for key in ["kind", "metadata", "fields"] {
        let o = obj(&[("kind", "speechsense-chat".into())]);
        js_fn("o, n", "Object.defineProperty(o, n, { get() { throw new Error('getter ' + n); }, enumerable: true, configurable: true });")
            .call2(&JsValue::NULL, &o, &JsValue::from_str(key))
            .unwrap();
        for _ in 0..ROUNDS / 8 {
            let e = expect_code(key, validate(JsValue::from_str("{}"), o.clone()), "invalid_options");
            assert!(get_str(&e, "message").contains(&format!("options.{key}")), "{}", get_str(&e, "message"));
            assert_cause(key, &e);
            *count += 1;
        }
    }
    for key in ["retry", "signal", "onProgress", "apiKey", "endpoint"] {
        let o = audio_options(&[]);
        js_fn("o, n", "Object.defineProperty(o, n, { get() { throw new Error('getter ' + n); }, enumerable: true, configurable: true });")
            .call2(&JsValue::NULL, &o, &JsValue::from_str(key))
            .unwrap();
        for _ in 0..ROUNDS / 8 {
            let e = expect_code(key, upload_audio(blob.clone(), metadata(), o.clone()).await, "invalid_options");
            assert!(get_str(&e, "message").contains(&format!("options.{key}")), "{}", get_str(&e, "message"));
            assert_cause(key, &e);
            *count += 1;
        }
    }
    // Metadata whose toJSON throws; a signal look-alike; an already aborted real signal whose
    // own `aborted` getter throws (the native state says aborted).
    let meta = js_fn("", "return { toJSON() { throw new Error('toJSON'); } };").call0(&JsValue::NULL).unwrap();
    let controller = web_sys::AbortController::new().unwrap();
    controller.abort();
    let aborted: JsValue = controller.signal().into();
    throwing_getter(&aborted, "aborted");
    for _ in 0..ROUNDS / 8 {
        assert_cause("toJSON", &expect_code("toJSON", upload_audio(blob.clone(), meta.clone(), audio_options(&[])).await, "invalid_options"));
        let fake = obj(&[("aborted", JsValue::FALSE), ("addEventListener", js_fn("", "").into())]);
        expect_code("fake signal", upload_audio(blob.clone(), metadata(), audio_options(&[("signal", fake)])).await, "invalid_options");
        expect_code("aborted signal", upload_audio(blob.clone(), metadata(), audio_options(&[("signal", aborted.clone())])).await, "aborted");
        *count += 3;
    }
    // Re-entrancy: a getter of the options, and an onProgress callback, that call into the
    // module while it is reading them or reporting (no RefCell may be held across those calls).
    let reentrant = Closure::<dyn FnMut() -> JsValue>::new(|| {
        let inner = validate(JsValue::from_str("{}"), obj(&[("kind", "vela-chat".into())])).expect("inner validate");
        assert!(get(&inner, "ok").is_falsy());
        JsValue::from_str("vela-chat")
    })
    .into_js_value();
    let o = Object::new();
    let desc = obj(&[("get", reentrant), ("enumerable", JsValue::TRUE)]);
    Reflect::define_property(&o, &"kind".into(), desc.unchecked_ref()).unwrap();
    for _ in 0..100 {
        let report = validate(JsValue::from_str("{}"), o.clone().into()).expect("validate with a re-entrant getter");
        assert!(get(&report, "ok").is_falsy());
        *count += 2;
    }
    let nested_calls = std::rc::Rc::new(std::cell::Cell::new(0u32));
    let n = nested_calls.clone();
    let on_progress = Closure::<dyn FnMut(JsValue)>::new(move |_e: JsValue| {
        let _ = validate(JsValue::from_str(CHAT), obj(&[("kind", "speechsense-chat".into())])).expect("validate inside onProgress");
        let _ = plan_chunks_js(JsValue::from_f64(10.0), None);
        n.set(n.get() + 1);
    })
    .into_js_value();
    let plain = small_wav();
    let result = upload_audio(plain.blob.clone().into(), metadata(), audio_options(&[("onProgress", on_progress)]))
        .await
        .expect("upload with a re-entrant onProgress");
    assert!(!get_str(&result, "talkId").is_empty());
    assert!(nested_calls.get() >= 2, "onProgress ran {} times", nested_calls.get());
    *count += 1;
    // A File and a signal from another realm (an iframe) are real ones: accepted.
    let realm = js_fn(
        "bytes",
        "const f = document.createElement('iframe'); document.body.appendChild(f); const w = f.contentWindow; \
         const c = new w.AbortController(); return { blob: new w.Blob([bytes]), signal: c.signal, abort: () => c.abort() };",
    )
    .call1(&JsValue::NULL, &Uint8Array::from(wav_header(8, 16_000, 1, 16, 1).as_slice()))
    .unwrap();
    let info = sniff_audio(get(&realm, "blob"), None).await.expect("sniffAudio of another realm's Blob");
    assert_eq!(get_str(&info, "container"), "wav");
    expect_code("other realm's signal, aborted", {
        get(&realm, "abort").unchecked_into::<Function>().call0(&JsValue::NULL).unwrap();
        upload_audio(get(&realm, "blob"), metadata(), audio_options(&[("signal", get(&realm, "signal"))])).await
    }, "aborted");
    *count += 2;
    log("hostile: throwing getters done");
}

/// 3. `presign` functions that throw, reject, return garbage or never settle.
async fn hostile_presigns(count: &mut usize) {
    let file = small_wav();
    let garbage: Vec<(&str, &str, &str)> = vec![
        ("throws", "throw new Error('presign threw')", "presign_failed"),
        ("rejects", "return Promise.reject(new Error('no'))", "presign_failed"),
        ("returns 5", "return 5", "invalid_options"),
        ("returns a string", "return 'https://x.example/?X-Amz-Signature=s'", "invalid_options"),
        ("returns null", "return null", "invalid_options"),
        ("url not a string", "return { url: 5, fields: {} }", "invalid_options"),
        ("fields not strings", "return { url: 'https://s3.example', fields: { key: 1 } }", "invalid_options"),
        ("fields pairs bad", "return { url: 'https://s3.example', fields: [['key']] }", "invalid_options"),
        ("fields proxy", "return { url: 'https://s3.example', fields: new Proxy({}, { ownKeys() { throw new Error('keys'); } }) }", "invalid_options"),
        ("fields array proxy", "return { url: 'https://s3.example', fields: new Proxy([['a','b']], { get() { throw new Error('get'); } }) }", "invalid_options"),
        // Resolving with it reads its `then`, which throws: the presign promise rejects.
        ("proxy", "return new Proxy({}, { get() { throw new Error('get'); } })", "presign_failed"),
        ("proxy throwing only on url", "return new Proxy({}, { get(t, k) { if (k === 'url') throw new Error('url'); } })", "invalid_options"),
        ("then throws", "return { get then() { throw new Error('then'); } }", "presign_failed"),
        ("then calls back garbage", "return { then(r) { r(7); } }", "invalid_options"),
        ("promise with throwing then", "const p = Promise.resolve({}); Object.defineProperty(p, 'then', { get() { throw new Error('then'); } }); return p;", "presign_failed"),
        ("too many fields", "const f = {}; for (let i = 0; i < 1000; i++) f['k' + i] = 'v'; return { url: 'https://s3.example', fields: f };", "invalid_options"),
    ];
    for i in 0..ROUNDS / 2 {
        let (what, body, code) = garbage[i % garbage.len()];
        let presign: JsValue = js_fn("", body).into();
        let opts = obj(&[("presign", presign), ("retry", JsValue::FALSE)]);
        let e = expect_code(what, presigned_upload(file.blob.clone().into(), opts).await, code);
        assert!(!get_str(&e, "message").contains("X-Amz-Signature"), "{what}: {}", get_str(&e, "message"));
        *count += 1;
    }
    // A presign that never settles: the signal ends the call.
    for _ in 0..20 {
        let controller = web_sys::AbortController::new().unwrap();
        let presign: JsValue = js_fn("", "return new Promise(() => {});").into();
        let opts = obj(&[("presign", presign), ("signal", controller.signal().into())]);
        let c = controller.clone();
        let abort = Closure::once_into_js(move || c.abort());
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(abort.unchecked_ref(), 5).unwrap();
        expect_code("never settles", presigned_upload(file.blob.clone().into(), opts).await, "aborted");
        *count += 1;
    }
    log("hostile: presigns done");
}

/// 4. Credentials that are not valid header values, in every credential option: refused
/// before any request, naming the option, never quoting the value.
async fn bad_header_values(count: &mut usize) {
    let file = small_wav();
    let values = ["key\nwith-newline-SECRET1", "ключ-SECRET2", "nul\u{0}SECRET3", "cr\rSECRET4", "del\u{7f}SECRET5"];
    for round in 0..ROUNDS / 20 {
        for v in values {
            let secret = v.split_once("SECRET").map(|(_, n)| format!("SECRET{n}")).unwrap();
            let check = |what: &str, option: &str, e: JsValue| {
                let message = get_str(&e, "message");
                assert!(message.contains(option), "{what}: message does not name {option}: {message}");
                assert!(!message.contains(&secret), "{what}: message quotes the value: {message}");
                let cause = get(&e, "cause");
                if !cause.is_undefined() {
                    let text = js_sys::JSON::stringify(&cause).ok().and_then(|s| s.as_string()).unwrap_or_default()
                        + &get(&cause, "message").as_string().unwrap_or_default();
                    assert!(!text.contains(&secret), "{what}: cause quotes the value: {text}");
                }
            };
            let base = |k: &str| (k.to_owned(), JsValue::from_str(v));
            for option in ["apiKey", "iamToken", "ticket"] {
                let (k, val) = base(option);
                let mut pairs: Vec<(&str, JsValue)> =
                    vec![("endpoint", devserver().into()), ("connectionId", "test-audio-1".into()), (k.as_str(), val.clone())];
                pairs.push(("retry", JsValue::FALSE));
                let e = expect_code(option, upload_audio(file.blob.clone().into(), metadata(), obj(&pairs)).await, "invalid_options");
                check("uploadAudio", option, e);
                let e = expect_code(option, upload_text(CHAT.into(), metadata(), obj(&pairs)).await, "invalid_options");
                check("uploadText", option, e);
                *count += 2;
            }
            for option in ["token", "ticket"] {
                let opts = obj(&[
                    ("apiBase", devserver().into()),
                    (option, JsValue::from_str(v)),
                    ("orgId", "org-1".into()),
                    ("email", "a@example.com".into()),
                    ("dateOfCall", "2024-05-06".into()),
                ]);
                let e = expect_code(option, upload_vela_call(file.blob.clone().into(), opts).await, "invalid_options");
                check("uploadVelaCall", option, e);
                let opts = obj(&[("apiBase", devserver().into()), (option, JsValue::from_str(v)), ("orgId", "org-1".into())]);
                let e = expect_code(option, upload_vela_chat(vela_chat_text().into(), opts).await, "invalid_options");
                check("uploadVelaChat", option, e);
                *count += 2;
            }
        }
        // Credential functions: returning a bad header value, throwing, rejecting, returning a
        // non-string. All refused before the request, never quoting a value.
        for (body, code) in [
            ("return 'fn\\nSECRET6';", "invalid_options"),
            ("throw new Error('no ticket');", "invalid_options"),
            ("return Promise.reject(new Error('no ticket'));", "invalid_options"),
            ("return 42;", "invalid_options"),
            ("return { then() { throw new Error('then'); } };", "invalid_options"),
        ] {
            let f: JsValue = js_fn("", body).into();
            for option in ["apiKey", "ticket"] {
                let opts = obj(&[("endpoint", devserver().into()), ("connectionId", "test-audio-1".into()), (option, f.clone()), ("retry", JsValue::FALSE)]);
                let e = expect_code(body, upload_audio(file.blob.clone().into(), metadata(), opts).await, code);
                assert!(!get_str(&e, "message").contains("SECRET6"), "{}", get_str(&e, "message"));
                *count += 1;
            }
            let opts = obj(&[("apiBase", devserver().into()), ("token", f.clone()), ("orgId", "org-1".into()), ("retry", JsValue::FALSE)]);
            expect_code(body, upload_vela_chat(vela_chat_text().into(), opts).await, code);
            *count += 1;
        }
        if round == 0 {
            log("hostile: header values, first round passed");
        }
    }
    log("hostile: header values done");
}

/// 5. Huge and deeply nested inputs and options.
async fn huge_and_deep(count: &mut usize) {
    let opts = obj(&[("kind", "speechsense-chat".into())]);
    // 100,000-deep nesting as text: a report, not a crash.
    let deep = "[".repeat(100_000);
    let report = validate(JsValue::from_str(&deep), opts.clone()).expect("deep text");
    assert_eq!(get(&report, "ok"), JsValue::FALSE);
    // As an object inside the options: JSON.stringify either throws a RangeError (caught, the
    // cause) or manages (Chromium's is not recursive) and the validator refuses the depth.
    let deep_obj = js_fn("", "let o = {}; for (let i = 0; i < 200000; i++) o = { o }; return o;").call0(&JsValue::NULL).unwrap();
    for _ in 0..10 {
        match validate(JsValue::from_str(CHAT), obj(&[("kind", "speechsense-chat".into()), ("metadata", deep_obj.clone())])) {
            Ok(report) => assert_eq!(get(&report, "ok"), JsValue::FALSE),
            Err(e) => assert_cause("deep metadata", &expect_code("deep metadata", Err(e), "invalid_options")),
        }
        let e = upload_audio(small_wav().blob.into(), deep_obj.clone(), audio_options(&[])).await.expect_err("deep metadata upload");
        let code = get_str(&e, "code");
        assert!(code == "invalid_options" || code == "validation_failed", "deep metadata upload: {code}: {}", get_str(&e, "message"));
        *count += 2;
    }
    // A cycle.
    let cycle = js_fn("", "const o = {}; o.o = o; return o;").call0(&JsValue::NULL).unwrap();
    expect_code("cycle", upload_text(cycle.clone(), metadata(), text_options(&[])).await, "invalid_options");
    // Options with 100,000 unknown keys, and a 1 MB key: refused, the key not echoed whole.
    let many = js_fn("", "const o = { kind: 'vela-chat' }; for (let i = 0; i < 100000; i++) o['x' + i] = i; return o;").call0(&JsValue::NULL).unwrap();
    expect_code("many keys", validate(JsValue::from_str("{}"), many), "invalid_options");
    let long = js_fn("", "const o = { kind: 'vela-chat' }; o['k'.repeat(1 << 20)] = 1; return o;").call0(&JsValue::NULL).unwrap();
    let e = expect_code("long key", validate(JsValue::from_str("{}"), long), "invalid_options");
    assert!(get_str(&e, "message").len() < 1000, "a 1 MB key was echoed");
    // 100,000 retry delays and 1e9 fields: refused by length before anything is read.
    let delays = js_fn("", "return { delays: new Array(100000).fill(0) };").call0(&JsValue::NULL).unwrap();
    expect_code("many delays", upload_audio(small_wav().blob.into(), metadata(), audio_options(&[("retry", delays)])).await, "invalid_options");
    let sparse = js_fn("", "const a = []; a.length = 1e9; return a;").call0(&JsValue::NULL).unwrap();
    expect_code(
        "sparse fields",
        validate(JsValue::from_str("{}"), obj(&[("kind", "speechsense-metadata".into()), ("fields", sparse)])),
        "invalid_options",
    );
    // A 20 MB array of zeros (one issue per element before the cap): a bounded report.
    let zeros = format!("[{}0]", "0,".repeat(10 * 1024 * 1024 - 1));
    let report = validate(JsValue::from_str(&zeros), obj(&[("kind", "labelbox-import".into())])).expect("zeros");
    let errors = Array::from(&get(&report, "errors"));
    assert!(errors.length() <= 1_001, "{} issues", errors.length());
    *count += 11;
    log("hostile: huge and deep done");
}

/// 6. Typos and wrong types at every depth, each named by its path with a did-you-mean.
async fn typos(count: &mut usize) {
    let file = small_wav();
    let cases: Vec<(&str, JsValue, &str)> = vec![
        ("retry: 0", 0.into(), "options.retry must be false"),
        ("retry: 3", 3.into(), "options.retry must be false"),
        ("retry: \"none\"", "none".into(), "options.retry must be false"),
        ("retry: true", JsValue::TRUE, "options.retry must be false"),
        ("retry: []", Array::new().into(), "options.retry must be false"),
        ("retry.delay", obj(&[("delay", Array::of1(&0.into()).into())]), "options.retry has an unknown option `delay`; did you mean \"delays\"?"),
        ("retry.delays: 5", obj(&[("delays", 5.into())]), "options.retry.delays must be an array"),
        ("retry.delays[1]: -1", obj(&[("delays", Array::of2(&0.into(), &(-1).into()).into())]), "options.retry.delays[1] must be a non-negative integer"),
        ("retry.delays[0]: NaN", obj(&[("delays", Array::of1(&f64::NAN.into()).into())]), "options.retry.delays[0] must be a non-negative integer"),
        ("retry.delays[0]: Infinity", obj(&[("delays", Array::of1(&f64::INFINITY.into()).into())]), "options.retry.delays[0]"),
        ("retry.delays[0]: \"1\"", obj(&[("delays", Array::of1(&"1".into()).into())]), "options.retry.delays[0]"),
        ("retry.delays too long", obj(&[("delays", (0..33).map(|_| JsValue::from(0)).collect::<Array>().into())]), "at most 32"),
        ("retry.delays too big", obj(&[("delays", Array::of1(&1e9.into()).into())]), "at most"),
    ];
    for round in 0..ROUNDS / 100 {
        for (what, retry, want) in &cases {
            let e = expect_code(what, upload_audio(file.blob.clone().into(), metadata(), audio_options(&[("retry", retry.clone())])).await, "invalid_options");
            let message = get_str(&e, "message");
            assert!(message.contains(want), "{what}: {message}");
            let e = expect_code(what, presigned_upload(file.blob.clone().into(), obj(&[("presign", js_fn("", "").into()), ("retry", retry.clone())])).await, "invalid_options");
            assert!(get_str(&e, "message").contains(want), "{what}: {}", get_str(&e, "message"));
            *count += 2;
        }
        // Top-level typos, with their suggestions.
        for (key, suggestion) in [("onprogress", "onProgress"), ("apikey", "apiKey"), ("singal", "signal"), ("retries", ""), ("conectionId", "connectionId")] {
            let e = expect_code(key, upload_audio(file.blob.clone().into(), metadata(), audio_options(&[(key, 1.into())])).await, "invalid_options");
            let message = get_str(&e, "message");
            assert!(message.contains(&format!("`{key}`")), "{message}");
            if !suggestion.is_empty() {
                assert!(message.contains(&format!("did you mean \"{suggestion}\"")), "{message}");
            }
            *count += 1;
        }
        // The other entry points' top levels.
        let vela = [("apiBase", JsValue::from(devserver())), ("token", api_key().into()), ("orgId", "org-1".into())];
        for (key, suggestion) in [("apibase", "apiBase"), ("orgID", "orgId"), ("tokn", "token"), ("metdata", "metadata")] {
            let mut pairs = vela.to_vec();
            pairs.push((key, 1.into()));
            let e = expect_code(key, upload_vela_chat(vela_chat_text().into(), obj(&pairs)).await, "invalid_options");
            assert!(get_str(&e, "message").contains(&format!("did you mean \"{suggestion}\"")), "{}", get_str(&e, "message"));
            *count += 1;
        }
        let e = expect_code("presing", presigned_upload(file.blob.clone().into(), obj(&[("presing", 1.into())])).await, "invalid_options");
        assert!(get_str(&e, "message").contains("did you mean \"presign\""), "{}", get_str(&e, "message"));
        let e = expect_code("chunksize", plan_chunks_js(JsValue::from_f64(10.0), Some(obj(&[("chunksize", 1.into())]).unchecked_into())), "invalid_options");
        assert!(get_str(&e, "message").contains("did you mean \"chunkSize\""), "{}", get_str(&e, "message"));
        *count += 2;
        // validate: top level and inside fields[i].
        let e = expect_code("metdata", validate(JsValue::from_str("{}"), obj(&[("kind", "vela-chat".into()), ("metdata", 1.into())])), "invalid_options");
        assert!(get_str(&e, "message").contains("did you mean \"metadata\""), "{}", get_str(&e, "message"));
        let fields: Array = [obj(&[("name", "x".into()), ("type", "String".into())]), obj(&[("name", "y".into()), ("type", "String".into()), ("requried", JsValue::FALSE)])]
            .into_iter()
            .collect();
        let e = expect_code(
            "fields[1].requried",
            validate(JsValue::from_str("{}"), obj(&[("kind", "speechsense-metadata".into()), ("fields", fields.into())])),
            "invalid_options",
        );
        let message = get_str(&e, "message");
        assert!(message.contains("options.fields[1]") && message.contains("did you mean \"required\""), "{message}");
        let e = expect_code("convertChat", convert_chat(JsValue::from_str(CHAT), obj(&[("from", "speechsense".into()), ("to", "vela".into()), ("orgid", "o".into())])), "invalid_options");
        assert!(get_str(&e, "message").contains("did you mean \"orgId\""), "{}", get_str(&e, "message"));
        *count += 3;
        if round == 0 {
            log("hostile: typos, first round passed");
        }
    }
    log("hostile: typos done");
}

/// 7. The same module instance still validates and uploads byte-exact, with a booby-trapped
/// Blob, a throwing onProgress and a signal whose own `aborted` getter throws.
async fn still_works() {
    let report = validate(JsValue::from_str(CHAT), obj(&[("kind", "speechsense-chat".into())])).expect("validate");
    assert_eq!(get(&report, "ok"), JsValue::TRUE, "{:?}", js_sys::JSON::stringify(&report));

    // A File whose own `slice` throws: the body is assembled from `file.slice()` parts, so the
    // upload fails cleanly (file_unreadable, with the thrown error as cause), module intact.
    let trapped = small_wav();
    let trapped_blob: JsValue = trapped.blob.clone().into();
    throwing_getter(&trapped_blob, "slice");
    for _ in 0..50 {
        let e = upload_audio(trapped_blob.clone(), metadata(), audio_options(&[])).await.expect_err("throwing slice");
        assert_eq!(get_str(&e, "code"), "file_unreadable", "{}", get_str(&e, "message"));
        assert_cause("throwing slice", &e);
    }

    let file = random_wav(256 * 1024 + 3, 1, 4242);
    let blob: JsValue = file.blob.clone().into();
    // Own getters the upload never needs: `size` and `arrayBuffer` are read natively.
    for name in ["size", "arrayBuffer", "type"] {
        throwing_getter(&blob, name);
    }
    let controller = web_sys::AbortController::new().unwrap();
    let signal: JsValue = controller.signal().into();
    throwing_getter(&signal, "aborted");
    // A JS function (not a Rust closure, which would itself have to throw through wasm).
    let on_progress: JsValue =
        js_fn("e", "globalThis.__hostileProgress = (globalThis.__hostileProgress || 0) + 1; throw new Error('onProgress threw on purpose');").into();
    let opts = audio_options(&[("method", "upload".into()), ("onProgress", on_progress), ("signal", signal)]);
    let result = upload_audio(blob, metadata(), opts).await.expect("a normal upload after the hostile calls");
    let calls = Reflect::get(&js_sys::global(), &"__hostileProgress".into()).unwrap().as_f64().unwrap_or(0.0);
    assert!(calls >= 2.0, "onProgress was called {calls} times");
    let talk = stored_talk(&get_str(&result, "talkId")).await;
    assert_eq!(talk["audio"]["bytes"], file.size, "{talk}");
    assert_eq!(talk["audio"]["sha256"], file.sha256.as_str(), "{talk}");
}

#[wasm_bindgen_test]
async fn hostile_callers_never_kill_hang_or_leak() {
    let mut count = 0usize;
    throwing_proxies(&mut count).await;
    throwing_getters(&mut count).await;
    hostile_presigns(&mut count).await;
    bad_header_values(&mut count).await;
    huge_and_deep(&mut count).await;
    typos(&mut count).await;
    still_works().await;
    log(&format!("hostile: {count} hostile calls, then a normal validate and a byte-exact upload"));
}
