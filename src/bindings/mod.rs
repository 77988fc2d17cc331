//! The one `#[wasm_bindgen]` facade: JS names, option parsing, and errors turned into JS `Error`s.

pub mod audio;
pub mod error;
mod js;
mod json;
pub mod labelbox;
mod options;
mod panic;
pub mod presigned;
mod types;
pub mod upload;
#[doc(hidden)]
pub mod validate;
pub mod zip;

use wasm_bindgen::prelude::*;

/// Sets `o[key] = value` on a fresh result object (which cannot refuse it).
pub(crate) fn put(o: &js_sys::Object, key: &str, value: JsValue) {
    let _ = js_sys::Reflect::set(o, &JsValue::from_str(key), &value);
}

/// The package version.
#[wasm_bindgen]
pub fn version() -> String {
    crate::VERSION.to_owned()
}
