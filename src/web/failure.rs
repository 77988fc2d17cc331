//! The error value of every upload path, before the facade turns it into a JS `UploadError`.
//!
//! Pure, so that the retry engine and its native tests build it too: the JS parts (`cause`,
//! `issues`) are [`JsDetail`], a `JsValue` in the browser and a plain string natively.

// Natively only the tests use this module; the browser build uses all of it.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

pub(crate) use crate::upload_code::UploadCode;

/// A JS value attached to a failure: `JsValue` in wasm, a `String` in native builds (tests).
#[cfg(target_arch = "wasm32")]
pub(crate) type JsDetail = wasm_bindgen::JsValue;
/// A JS value attached to a failure: `JsValue` in wasm, a `String` in native builds (tests).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) type JsDetail = String;

/// A failed call (see [`Failed`]), boxed: a `Result<_, UploadFailure>` is one pointer wide, so
/// every `?` of the upload paths moves a pointer instead of the whole failure, and the async
/// state machines that hold one are smaller.
#[derive(Debug, Clone)]
pub(crate) struct UploadFailure(Box<Failed>);

impl std::ops::Deref for UploadFailure {
    type Target = Failed;
    fn deref(&self) -> &Failed {
        &self.0
    }
}

impl std::ops::DerefMut for UploadFailure {
    fn deref_mut(&mut self) -> &mut Failed {
        &mut self.0
    }
}

/// A failed call: a stable `code`, a message a person can act on, and the details that apply.
///
/// Messages are built from this package's own words plus server text passed through
/// [`super::redact::redact`]; they never contain a key, a token or a presigned field value.
#[derive(Debug, Clone)]
pub(crate) struct Failed {
    /// The stable code (`aborted`, `network_error`, `unauthenticated`, ...).
    pub code: UploadCode,
    /// What happened and what to do.
    pub message: String,
    /// HTTP status of the last response, when there was one.
    pub status: Option<u16>,
    /// gRPC status code, when the service gave one.
    pub grpc_status: Option<u32>,
    /// 1-based attempt that failed last, for failures that happened on the network.
    pub attempt: Option<u32>,
    /// The underlying JS error, if any.
    pub cause: Option<JsDetail>,
    /// Validation issues (a JS array), for `validation_failed`.
    pub issues: Option<JsDetail>,
    /// The S3 `<Code>` of an S3 XML error (`AccessDenied`, `EntityTooLarge`, ...); `code` then
    /// is [`UploadCode::S3Error`]: S3's words never become the package's code.
    pub s3_code: Option<String>,
}

impl UploadFailure {
    /// A failure with only a code and a message.
    #[inline]
    pub fn new(code: UploadCode, message: impl Into<String>) -> UploadFailure {
        UploadFailure::with_message(code, message.into())
    }

    /// [`UploadFailure::new`] without the generic: one copy of the construction.
    fn with_message(code: UploadCode, message: String) -> UploadFailure {
        UploadFailure(Box::new(Failed {
            code,
            message,
            status: None,
            grpc_status: None,
            attempt: None,
            cause: None,
            issues: None,
            s3_code: None,
        }))
    }

    /// A failure from any error type with a `code()` and a `Display` message.
    pub fn from_coded(code: UploadCode, error: &dyn std::fmt::Display) -> UploadFailure {
        UploadFailure::new(code, error.to_string())
    }

    /// The caller aborted.
    pub fn aborted() -> UploadFailure {
        UploadFailure::new(UploadCode::Aborted, "the upload was aborted through its AbortSignal; nothing more is sent")
    }

    /// Sets the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Sets the gRPC status.
    pub fn with_grpc(mut self, code: u32) -> Self {
        self.grpc_status = Some(code);
        self
    }

    /// Sets the attempt number.
    pub fn with_attempt(mut self, attempt: u32) -> Self {
        self.attempt = Some(attempt);
        self
    }

    /// Sets the JS cause.
    pub fn with_cause(mut self, cause: JsDetail) -> Self {
        self.cause = Some(cause);
        self
    }
}

impl From<super::endpoint::EndpointError> for UploadFailure {
    /// A refused endpoint URL, with its code (`invalid_endpoint`, `insecure_endpoint`).
    fn from(e: super::endpoint::EndpointError) -> UploadFailure {
        UploadFailure::from_coded(e.code(), &e)
    }
}

/// JSON text as the value to attach to a failure (`issues`): parsed by the engine's
/// `JSON.parse` in the browser, kept as text natively.
pub(crate) fn json_detail(text: &str) -> Option<JsDetail> {
    #[cfg(target_arch = "wasm32")]
    return js_sys::JSON::parse(text).ok();
    #[cfg(not(target_arch = "wasm32"))]
    return Some(text.to_owned());
}
