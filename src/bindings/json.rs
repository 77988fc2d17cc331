//! Rust values to and from JS through JSON text (`serde_json` + the engine's `JSON.parse` /
//! `JSON.stringify`), instead of serde-wasm-bindgen: serde_json is in the module anyway, the
//! engine's JSON is fast for large reports, and two crates (about 33 KB of wasm) go away.

use serde::Serialize;
use wasm_bindgen::prelude::*;

/// A plain JS value (objects, arrays, strings, numbers, booleans, null) equal to `value`.
pub(crate) fn to_js_value<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value).map_err(|e| JsValue::from(js_sys::Error::new(&e.to_string())))?;
    js_sys::JSON::parse(&text)
}
