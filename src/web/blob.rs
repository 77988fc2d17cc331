//! Bytes between JS and wasm: a grpc-web body plan as a `Blob` (`new Blob([hdr, file.slice(a,
//! b), hdr, ...])`), and [`copy_u8`], the one way a JS `Uint8Array`'s bytes enter wasm memory.
//!
//! Only the few computed header bytes are copied into JS; the file parts are `Blob.slice`
//! views, so the browser streams the audio from disk and it never enters wasm or JS memory.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Blob;

#[wasm_bindgen]
extern "C" {
    /// A `Uint8Array`, for `set` and the copying constructor declared `catch`.
    #[wasm_bindgen(js_name = Uint8Array)]
    pub(crate) type CheckedU8;
    #[wasm_bindgen(catch, method, js_name = set)]
    fn set_from(this: &CheckedU8, source: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(catch, constructor, js_class = "Uint8Array")]
    pub(crate) fn new_u8_from(source: &JsValue) -> Result<CheckedU8, JsValue>;
}

/// `len` bytes of `source` (a `Uint8Array` of exactly that length), copied straight into a new
/// `Vec` by the native `Uint8Array.prototype.set`, declared `catch`: a source that is no real
/// typed array, or a detached one, is an `Err`, never an exception through wasm. Not js_sys's
/// `to_vec`: its `copy_to` asserts the lengths (a panic path, and `assert_eq!`'s `Debug`).
pub(crate) fn copy_u8(source: &JsValue, len: usize) -> Result<Vec<u8>, JsValue> {
    let mut out = vec![0u8; len];
    if !out.is_empty() {
        // SAFETY: the view covers exactly `out`, and nothing allocates in wasm (which could grow
        // and detach the memory) between its creation and its last use by `set`.
        let view = unsafe { Uint8Array::view_mut_raw(out.as_mut_ptr(), out.len()) };
        view.unchecked_ref::<CheckedU8>().set_from(source)?;
    }
    Ok(out)
}

use crate::chunk::u64_to_js_number;
use crate::grpc_web::Part;

/// Builds the request body of `parts` over `file`.
pub(crate) fn body_blob(parts: &[Part], file: &Blob) -> Result<Blob, JsValue> {
    let pieces = Array::new();
    for part in parts {
        match part {
            Part::Bytes(bytes) => {
                pieces.push(&Uint8Array::from(bytes.as_slice()));
            }
            Part::File { start, end } => {
                let start = u64_to_js_number(*start).map_err(|e| JsValue::from_str(&e.to_string()))?;
                let end = u64_to_js_number(*end).map_err(|e| JsValue::from_str(&e.to_string()))?;
                pieces.push(&file.slice_with_f64_and_f64(start, end)?.into());
            }
        }
    }
    Blob::new_with_blob_sequence(&pieces)
}
