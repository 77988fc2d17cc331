//! The one `#[wasm_bindgen]` facade: JS names, option parsing, and errors turned into JS `Error`s.

pub mod audio;
pub mod error;
mod json;
mod options;
pub mod presigned;
mod types;
pub mod upload;
mod validate;

use wasm_bindgen::prelude::*;

/// The package version.
#[wasm_bindgen]
pub fn version() -> String {
    crate::VERSION.to_owned()
}
