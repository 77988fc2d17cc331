//! The one seam between the upload engine and the network, like tus-js-client's `HttpStack`:
//! "send this request, report progress, give me the status, headers and body".
//!
//! In the browser it is [`super::xhr::XhrStack`] (one `XMLHttpRequest` per attempt, with the
//! caller's `AbortSignal` and the stall timer). Native tests implement it with a scripted fake,
//! so the retry, `outcome_unknown` and credential-refresh logic of [`super::engine`] and of every
//! call built on it runs under plain `cargo test`, with no browser and no server.

// Natively only the tests use this module; the browser build uses all of it.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use std::future::Future;

use super::failure::UploadFailure;

/// A request to send.
pub(crate) struct Request<'a, B: ?Sized> {
    /// `POST`, usually.
    pub method: &'a str,
    /// The full URL.
    pub url: &'a str,
    /// Request headers. Every value has passed [`super::header::check_header_value`].
    pub headers: &'a [(&'a str, &'a str)],
    /// The body, in the stack's own representation (a `Blob`, `FormData` or string in JS).
    pub body: &'a B,
}

/// An HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Response {
    /// The HTTP status (never 0).
    pub status: u16,
    /// Response headers, names lowercase.
    pub headers: Vec<(String, String)>,
    /// The body bytes (responses are small: a grpc-web answer, JSON or an S3 XML document).
    pub body: Vec<u8>,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The server answered (any status).
    Response(Response),
    /// The connection failed (XHR `error`, status 0): refused, reset, CORS, unreadable file.
    Network,
    /// No progress for `stallTimeoutMs`.
    Stall,
    /// The caller's `AbortSignal` fired.
    Aborted,
}

/// What an attempt reached, besides its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Exchange {
    /// How it ended.
    pub outcome: Outcome,
    /// Whether the whole request body was sent before it ended.
    pub body_sent: bool,
}

/// What a stack reports while a request body goes out.
pub(crate) trait Events {
    /// `sent` of `total` request-body bytes are out.
    fn sent(&self, sent: f64, total: f64);
    /// The whole body is out; the answer is awaited.
    fn body_sent(&self);
}

/// The caller aborted while the engine waited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Aborted;

/// Sends requests, waits, and knows whether the caller gave up.
#[allow(async_fn_in_trait)] // single-threaded (wasm): no `Send` bound is wanted
pub(crate) trait HttpStack {
    /// The request body type.
    type Body: ?Sized;

    /// Sends `req` and waits for its end. `Err` only when the request could not even be
    /// started; the failure never quotes a header value or a URL query.
    fn send(&self, req: &Request<'_, Self::Body>, events: &dyn Events) -> impl Future<Output = Result<Exchange, UploadFailure>>;

    /// Waits `ms` milliseconds, cut short by an abort.
    fn sleep(&self, ms: u64) -> impl Future<Output = Result<(), Aborted>>;

    /// Whether the caller aborted.
    fn aborted(&self) -> bool;

    /// Milliseconds since the Unix epoch (for `Retry-After` dates and presign expiry).
    fn now_ms(&self) -> u64;
}
