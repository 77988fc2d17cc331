//! The browser upload engine: everything that moves bytes from a page to a server.
//!
//! The pure parts compile everywhere and are tested natively:
//!
//! - [`progress`]: the `onProgress` model (monotonic `loaded` across retries, phases, throttle);
//! - [`endpoint`]: which endpoint URLs may receive credentials (`https:`, or loopback);
//! - [`redact`]: scrubbing secrets out of any text that reaches an error message.
//!
//! The browser-only parts (wasm32) sit on top of them:
//!
//! - `blob`: a grpc-web body plan ([`crate::grpc_web::Part`]) as `new Blob([hdr, file.slice(a, b), ...])`;
//! - `xhr`: one `XMLHttpRequest` with byte-accurate upload progress, an abort guard whose `Drop`
//!   aborts, the caller's `AbortSignal` and a stall timer;
//! - `timer`: `setTimeout` sleeps that an `AbortSignal` cuts short;
//! - `attempts`: the retry loop that drives [`crate::retry::decide_upload`];
//! - `grpc`: grpc-web unary and client-streaming calls sent as one XHR POST;
//! - `failure`: the error value every path rejects with, before it becomes a JS `UploadError`.
//!
//! ## Limitations
//!
//! - Uploads go through the global `XMLHttpRequest`, so they work in windows and dedicated
//!   workers, not in service workers (which have no XHR) or in Node.
//! - One request at a time per upload: chunks of a client stream travel in a single POST.

pub mod endpoint;
pub mod progress;
pub mod redact;

#[cfg(target_arch = "wasm32")]
pub(crate) mod attempts;
#[cfg(target_arch = "wasm32")]
pub(crate) mod blob;
#[cfg(target_arch = "wasm32")]
pub(crate) mod failure;
#[cfg(target_arch = "wasm32")]
pub(crate) mod grpc;
#[cfg(target_arch = "wasm32")]
pub(crate) mod timer;
#[cfg(target_arch = "wasm32")]
pub(crate) mod xhr;
