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

/// Why [`from_js_value`] failed: a message (without a position in the intermediate JSON text,
/// which would mean nothing to the caller), and what `JSON.stringify` threw, if it threw.
pub(crate) struct FromJsError {
    pub message: String,
    pub cause: Option<JsValue>,
}

/// Reads a JSON-compatible JS value as `T`. A getter, `toJSON` or `Proxy` trap that throws inside
/// `JSON.stringify` is caught there (its import is `catch`) and becomes the error's cause.
pub(crate) fn from_js_value<T: DeserializeOwned>(value: &JsValue) -> Result<T, FromJsError> {
    let text = match js_sys::JSON::stringify(value) {
        Ok(s) => s.as_string().ok_or_else(|| FromJsError {
            message: "is not JSON-compatible (a function or a symbol?)".to_owned(),
            cause: None,
        })?,
        Err(e) => {
            return Err(FromJsError {
                message: "could not be read: JSON.stringify threw (a getter, a toJSON, a Proxy trap, a cycle or too deep a nesting); see error.cause".to_owned(),
                cause: Some(e),
            })
        }
    };
    serde_json::from_str(&text).map_err(|e| {
        let msg = e.to_string();
        let message = match msg.rfind(" at line ") {
            Some(i) => msg[..i].to_owned(),
            None => msg,
        };
        FromJsError { message, cause: None }
    })
}
