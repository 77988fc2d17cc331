//! Rust values to and from JS through JSON text (`serde_json` + the engine's `JSON.parse` /
//! `JSON.stringify`), instead of serde-wasm-bindgen: serde_json is in the module anyway, the
//! engine's JSON is fast for large reports, and two crates (about 33 KB of wasm) go away.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// A plain JS value (objects, arrays, strings, numbers, booleans, null) equal to `value`.
pub(crate) fn to_js_value<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value).map_err(|e| JsValue::from(js_sys::Error::new(&e.to_string())))?;
    js_sys::JSON::parse(&text)
}

/// Reads a JSON-compatible JS value as `T`. The error is serde's message without the position in
/// the intermediate JSON text, which would mean nothing to the caller.
pub(crate) fn from_js_value<T: DeserializeOwned>(value: &JsValue) -> Result<T, String> {
    let text = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| "is not JSON-compatible (a function, a symbol or a cycle?)".to_owned())?;
    serde_json::from_str(&text).map_err(|e| {
        let msg = e.to_string();
        match msg.rfind(" at line ") {
            Some(i) => msg[..i].to_owned(),
            None => msg,
        }
    })
}
