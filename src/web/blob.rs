//! A grpc-web body plan as a `Blob`: `new Blob([hdr, file.slice(a, b), hdr, ...])`.
//!
//! Only the few computed header bytes are copied into JS; the file parts are `Blob.slice`
//! views, so the browser streams the audio from disk and it never enters wasm or JS memory.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::JsValue;
use web_sys::Blob;

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
