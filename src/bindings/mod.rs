//! The one `#[wasm_bindgen]` facade: JS names, option parsing, and errors turned into JS `Error`s.

//!
//! Two modules are built from it: the package's main entry (default features, everything) and
//! `talk-uploader/validate` (`--no-default-features`: `validate`, `convertChat` and
//! `sniffAudio` only, for pages that check data and never upload). Without the `upload` feature
//! the upload engine is not linked at all, which is what makes that module small.

// planChunks is upload-only; its imports stay put.
#[cfg_attr(not(feature = "upload"), allow(unused_imports, dead_code))]
pub mod audio;
pub mod error;
mod heap;
// Without `upload`, most of the option readers and report builders have no caller.
#[cfg_attr(not(feature = "upload"), allow(dead_code))]
mod js;
#[cfg_attr(not(feature = "upload"), allow(dead_code))]
mod json;
#[cfg(feature = "upload")]
pub mod labelbox;
#[cfg_attr(not(feature = "upload"), allow(dead_code))]
mod options;
mod panic;
#[cfg(feature = "upload")]
pub mod presigned;
mod types;
#[cfg(feature = "upload")]
pub mod upload;
#[doc(hidden)]
pub mod validate;
#[cfg(feature = "upload")]
pub mod zip;

use wasm_bindgen::prelude::*;

/// Sets `o[key] = value` on a fresh result object (which cannot refuse it).
pub(crate) fn put(o: &js_sys::Object, key: &str, value: JsValue) {
    let _ = js_sys::Reflect::set(o, &JsValue::from_str(key), &value);
}

/// The package version.
// A `JsValue` made from the `&'static str`, typed `string`: a returned `String` made the glue
// copy it out and call `__wbindgen_free`, its only caller in talk-uploader/validate.
#[wasm_bindgen(unchecked_return_type = "string")]
pub fn version() -> JsValue {
    JsValue::from_str(crate::VERSION)
}
