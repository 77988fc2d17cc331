//! # talk-uploader
//!
//! Check conversation data and upload it straight from the browser to Yandex SpeechSense
//! (grpc-web), Botlhale Vela (presigned S3 POST) and the Labelbox conversational format.
//!
//! The crate is a plain-Rust core under a thin `#[wasm_bindgen]` facade. Its modules, bottom-up:
//! each uses only modules listed before it (`tests/layers.rs` checks the imports):
//!
//! - [`proto`]: the SpeechSense wire types; with `tonic-client`, also a tonic `TalkServiceClient`.
//! - [`pb`]: a small protobuf writer and reader, what the wasm module links instead of prost's codec.
//! - [`report`]: the report model: issue codes, JSON pointers, line and column, issues, reports.
//! - [`upload_code`]: the closed set of `UploadError` codes, made like the issue codes.
//! - [`redact`]: scrubbing secrets (and signed URL queries) out of text bound for a message.
//! - [`json`]: the positioned JSON parser (a flat tree with byte spans) and string escaping.
//! - [`formats`]: each platform's format rules (SpeechSense, Vela, Labelbox), dates and text.
//! - [`validate`]: `validate()`: parse a document and run its format's rules.
//! - [`convert`]: conversion between SpeechSense, Vela and Labelbox chats.
//! - [`prepare`]: upload preparation: validated texts turned into what goes on the wire.
//! - [`timefmt`]: ISO 8601 (S3 policy expiration) and HTTP-date (`Retry-After`) parsers.
//! - [`audio`]: audio sniffing (WAV, MP3, OGG) and SpeechSense's audio rules.
//! - [`chunk`]: chunk plans for streamed audio uploads.
//! - [`grpc_web`]: grpc-web framing, request bodies and response parsing.
//! - [`retry`]: the retry policy, as pure functions over attempts and responses.
//! - [`s3_post`]: S3 POST policies, presigned forms and S3's XML errors.
//! - [`zip`]: inspecting a Vela batch zip: its directory, and each entry's first bytes checked.
//! - [`web`]: the browser engine: XHR transport, progress, stalls, endpoints.
//! - `bindings` (wasm32 only): the `#[wasm_bindgen]` facade.
//!
//! Everything outside `web/` and `bindings` imports neither `wasm_bindgen` nor `web_sys`, so a
//! plain `cargo test` covers it.

pub mod proto;
pub mod pb;
pub mod report;
pub mod upload_code;
pub mod redact;
pub mod json;
pub mod formats;
pub mod validate;
pub mod convert;
pub mod prepare;
pub mod timefmt;
pub mod audio;
pub mod chunk;
// Without `upload` (the validate module) the upload engine's parts are unused.
#[cfg_attr(not(feature = "upload"), allow(dead_code, unused_imports))]
pub mod grpc_web;
pub mod retry;
// The validate module (no `upload` feature) uses only the blob reading and failures of `web`.
#[cfg_attr(not(feature = "upload"), allow(dead_code, unused_imports))]
pub mod s3_post;
pub mod zip;
#[cfg_attr(not(feature = "upload"), allow(dead_code, unused_imports))]
pub mod web;

/// The `#[wasm_bindgen]` facade; public so that the browser tests can call it from Rust.
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod bindings;

/// The crate version, as published in the npm package.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

