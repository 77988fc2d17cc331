//! The browser upload engine: everything that moves bytes from a page to a server.
//!
//! The pure parts compile everywhere and are tested natively:
//!
//! - [`progress`]: the `onProgress` model (monotonic `loaded` across retries, phases, throttle);
//! - [`endpoint`]: which endpoint URLs may receive credentials (`https:`, or loopback);
//! - [`header`]: checking a caller's value before it becomes a request header;
//! - `transport`: the `HttpStack` seam every request goes through (a fake in native tests);
//! - `engine`: the retry loop (`outcome_unknown`, credential refresh) over that seam;
//! - `grpc`, `vela`: grpc-web unary calls and Vela JSON calls, built on the engine.
//!
//! The browser-only parts (wasm32) sit on top of them:
//!
//! - `blob`: a grpc-web body plan ([`crate::grpc_web::Part`]) as `new Blob([hdr, file.slice(a, b), ...])`;
//! - `xhr`: one `XMLHttpRequest` with byte-accurate upload progress, an abort guard whose `Drop`
//!   aborts, the caller's `AbortSignal` and a stall timer;
//! - `timer`: `setTimeout` sleeps that an `AbortSignal` cuts short;
//! - `attempts`: the caller's options as an XHR stack and a retry plan, and `onProgress`;
//! - `credential`: `apiKey` / `iamToken` / `ticket` / `token` as a string or a function.
//!
//! Every request of the package (audio, `uploadText`, presigned S3 POSTs, the Vela presign and
//! chat calls) is one XHR through the same engine, with the same progress, stall timer,
//! retries, abort, header checks and redaction.
//!
//! ## Limitations
//!
//! - Every request (uploads, `uploadText`, the Vela calls) goes through the global
//!   `XMLHttpRequest`, so they work in windows and dedicated workers, not in service workers
//!   (which have no XHR) or in Node.
//! - One request at a time per upload: chunks of a client stream travel in a single POST.

pub mod endpoint;
pub mod header;
pub mod progress;

pub(crate) mod engine;
pub(crate) mod failure;
pub(crate) mod grpc;
pub(crate) mod transport;
pub(crate) mod vela;

#[cfg(target_arch = "wasm32")]
pub(crate) mod attempts;
#[cfg(target_arch = "wasm32")]
pub(crate) mod blob;
#[cfg(target_arch = "wasm32")]
pub(crate) mod credential;
#[cfg(target_arch = "wasm32")]
pub(crate) mod timer;
#[cfg(target_arch = "wasm32")]
pub(crate) mod xhr;
