//! # talk-uploader
//!
//! Check conversation data and upload it straight from the browser to Yandex SpeechSense
//! (grpc-web), Botlhale Vela (presigned S3 POST) and the Labelbox conversational format.
//!
//! The crate is a plain-Rust core under a thin `#[wasm_bindgen]` facade:
//!
//! - [`proto`]: the SpeechSense wire types (from `proto/`); with the `tonic-client` feature also
//!   the generated tonic `TalkServiceClient`, for Rust front ends (over tonic-web-wasm-client).
//!
//! Everything outside `web/` and `bindings` imports neither `wasm_bindgen` nor `web_sys`, so a
//! plain `cargo test` covers it.

pub mod proto;
pub mod json;
pub mod validate;
pub mod formats;

pub mod audio;
pub mod chunk;
pub mod grpc_web;
pub mod retry;
pub mod s3_post;
pub mod timefmt;
pub mod zip;
pub mod web;

/// The `#[wasm_bindgen]` facade; public so that the browser tests can call it from Rust.
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod bindings;

/// The crate version, as published in the npm package.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
