//! Shared helpers of the `browser_upload_*` tests: option objects, random test files hashed
//! while they are made, reading back what the devserver and its S3 stored, progress recording.

#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use sha2::{Digest, Sha256};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Blob;

pub fn devserver() -> &'static str {
    option_env!("TALK_UPLOADER_DEVSERVER_URL")
        .expect("TALK_UPLOADER_DEVSERVER_URL is not set at compile time: run the browser tests through `npm test`")
}

pub fn api_key() -> &'static str {
    option_env!("TALK_UPLOADER_TEST_API_KEY").expect("TALK_UPLOADER_TEST_API_KEY is not set at compile time")
}

pub fn iam_token() -> &'static str {
    option_env!("TALK_UPLOADER_TEST_IAM_TOKEN").expect("TALK_UPLOADER_TEST_IAM_TOKEN is not set at compile time")
}

/// A JS object from key/value pairs.
pub fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

pub fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap()
}

pub fn get_str(v: &JsValue, key: &str) -> String {
    get(v, key).as_string().unwrap_or_else(|| panic!("{key} is not a string in {v:?}"))
}

/// xorshift64*: fast deterministic "random" bytes (random enough to defeat compression and to
/// exercise S3 multipart boundary handling).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let v = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

/// A 44-byte canonical WAV header for `data_len` bytes of `bits`-bit PCM: the package's one
/// WAV builder (`audio::wav::tests_support::header`), with this module's argument order.
pub fn wav_header(data_len: u32, rate: u32, channels: u16, bits: u16, format: u16) -> Vec<u8> {
    talk_uploader::audio::wav::tests_support::header(format, channels, rate, bits, data_len)
}

/// A file made in memory, and its sha256 (hex).
pub struct TestFile {
    pub blob: Blob,
    pub sha256: String,
    pub size: u64,
}

/// `header` followed by `len` random bytes, as a Blob, hashed while made.
pub fn random_file(header: &[u8], len: usize, seed: u64) -> TestFile {
    let mut hasher = Sha256::new();
    hasher.update(header);
    let parts = Array::new();
    parts.push(&Uint8Array::from(header));
    let mut rng = Rng::new(seed);
    let mut buf = vec![0u8; 256 * 1024];
    let mut left = len;
    while left > 0 {
        let n = left.min(buf.len());
        rng.fill(&mut buf[..n]);
        hasher.update(&buf[..n]);
        parts.push(&Uint8Array::from(&buf[..n]));
        left -= n;
    }
    let blob = Blob::new_with_u8_array_sequence(&parts).unwrap();
    TestFile { blob, sha256: hex(&hasher.finalize()), size: (header.len() + len) as u64 }
}

/// A 16-bit LPCM WAV of `data_len` random sample bytes.
pub fn random_wav(data_len: usize, channels: u16, seed: u64) -> TestFile {
    random_file(&wav_header(data_len as u32, 16_000, channels, 16, 1), data_len, seed)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// GET `{devserver}{path}` as JSON.
pub async fn get_json(url: &str) -> serde_json::Value {
    gloo_net::http::Request::get(url).send().await.expect("GET").json().await.expect("JSON")
}

/// What the devserver stored for a talk.
pub async fn stored_talk(talk_id: &str) -> serde_json::Value {
    get_json(&format!("{}/api/talks/{talk_id}", devserver())).await
}

/// `uploadVelaCall` options against the Vela API at `base`, plus `extra` (which may override).
pub fn vela_options(base: &str, org: &str, extra: &[(&str, JsValue)]) -> JsValue {
    let mut pairs = vec![
        ("apiBase", JsValue::from_str(base)),
        ("token", JsValue::from_str(api_key())),
        ("orgId", JsValue::from_str(org)),
        ("email", JsValue::from_str("agent@example.com")),
        ("dateOfCall", JsValue::from_str("2024-05-06")),
    ];
    pairs.extend(extra.iter().cloned());
    obj(&pairs)
}

/// A presign from `base`'s Vela endpoint, as the JS value `{url, fields}`.
pub async fn fetch_presign(base: &str, org: &str) -> JsValue {
    let body = serde_json::json!({ "org_id": org, "metadata": { "email": "a@example.com", "date_of_call": "2024-05-06" } });
    post_presign(&format!("{base}/asr/async/upload/vela"), &body).await
}

/// POSTs `body` to a devserver presign route with the test API key; the answer as a JS value.
pub async fn post_presign(url: &str, body: &serde_json::Value) -> JsValue {
    let text = gloo_net::http::Request::post(url)
        .header("authorization", &format!("Bearer {}", api_key()))
        .header("content-type", "application/json")
        .body(body.to_string())
        .unwrap()
        .send()
        .await
        .expect("presign")
        .text()
        .await
        .unwrap();
    js_sys::JSON::parse(&text).expect("presign JSON")
}

/// A `presign` option that fetches from `base` and counts its calls.
pub fn presign_function(base: &'static str, org: &'static str) -> (JsValue, std::rc::Rc<std::cell::Cell<u32>>) {
    let calls = std::rc::Rc::new(std::cell::Cell::new(0));
    let c = calls.clone();
    let f = Closure::<dyn FnMut() -> js_sys::Promise>::new(move || {
        c.set(c.get() + 1);
        wasm_bindgen_futures::future_to_promise(async move { Ok(fetch_presign(base, org).await) })
    })
    .into_js_value();
    (f, calls)
}

/// The S3 object `key` of `base` holds exactly `file`'s bytes.
pub async fn assert_object(base: &str, key: &str, file: &TestFile) {
    let info = get_json(&format!("{base}/api/objects/{key}")).await;
    assert_eq!(info["bytes"], file.size, "{info}");
    assert_eq!(info["sha256"], file.sha256.as_str(), "{info}");
}

/// SpeechSense metadata for the tests' connections.
pub fn metadata() -> JsValue {
    let m = serde_json::json!({
        "operator_name": "Alice", "operator_id": "op-1", "client_name": "Bob", "client_id": "cl-7",
        "date": "2024-05-06T07:08:09Z", "direction_outgoing": "false", "language": "ru-RU"
    });
    JsValue::from_str(&m.to_string())
}

/// SpeechSense metadata for the chat tests: [`metadata`] plus the bot, whose `bot_id` the
/// chats' users are checked against.
pub fn chat_metadata() -> JsValue {
    JsValue::from_str(
        r#"{"operator_name":"Alice","operator_id":"op-1","client_name":"Bob","client_id":"cl-7",
            "bot_name":"Helper","bot_id":"bot-3","date":"2024-05-06T07:08:09Z",
            "direction_outgoing":"false","language":"ru-RU"}"#,
    )
}

/// Records every `onProgress` event.
#[derive(Clone, Default)]
pub struct Progress {
    pub events: Rc<RefCell<Vec<(f64, f64, String)>>>,
}

impl Progress {
    pub fn callback(&self, extra: impl Fn(f64, &str) + 'static) -> Function {
        let events = self.events.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
            let loaded = get(&e, "loaded").as_f64().unwrap();
            let total = get(&e, "total").as_f64().unwrap();
            let phase = get(&e, "phase").as_string().unwrap();
            extra(loaded, &phase);
            events.borrow_mut().push((loaded, total, phase));
        })
        .into_js_value()
        .unchecked_into()
    }

    /// loaded never decreases; the last event is `done` with loaded == total == size.
    pub fn assert_complete(&self, size: u64) {
        let events = self.events.borrow();
        assert!(!events.is_empty(), "no progress events");
        for w in events.windows(2) {
            assert!(w[1].0 >= w[0].0, "loaded went down: {events:?}");
        }
        let last = events.last().unwrap();
        assert_eq!((last.0, last.1, last.2.as_str()), (size as f64, size as f64, "done"), "{events:?}");
        assert_eq!(events[0].2, "validating");
        assert!(events.iter().any(|e| e.2 == "waiting"), "{events:?}");
    }

    pub fn phases(&self) -> Vec<String> {
        self.events.borrow().iter().map(|e| e.2.clone()).collect()
    }
}

/// The `UploadError` fields of a rejection.
pub fn error_code(e: &JsValue) -> String {
    assert!(e.is_instance_of::<js_sys::Error>(), "not an Error: {e:?}");
    assert!(talk_uploader::bindings::error::is_upload_error(e), "not an UploadError: {e:?}");
    get_str(e, "code")
}

pub fn error_message(e: &JsValue) -> String {
    get_str(e, "message")
}
