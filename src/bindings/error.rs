//! `UploadError`: the real JS `Error` subclass every upload function rejects with.
//!
//! Each one is a native `Error` (so `stack` is captured and `instanceof Error` holds) whose
//! prototype inherits from `Error.prototype` and names itself `"UploadError"`. The prototype
//! and the errors are made in JS (js/natives.js, shipped next to the glue), not by a Reflect
//! walk in wasm.
//!
//! The package's entry also exports a class `UploadError` (js/guard.js makes it: wasm-bindgen
//! cannot export a JS class it did not generate), so that `e instanceof UploadError` works as JS
//! users expect; its `prototype` is this one. `isUploadError(e)` does the same check as a
//! function.

use js_sys::Reflect;
use wasm_bindgen::prelude::*;

use crate::upload_code::UploadCode;
use crate::web::failure::UploadFailure;

/// Whether `value` is an `UploadError` thrown by this package (for the browser tests). The
/// package's `isUploadError` is js/guard.js's, the same prototype check in JS, which still
/// answers once the instance is poisoned; a wasm export of this one had no caller (the guard
/// replaced it), so there is none: the glue and the module are smaller by it.
pub fn is_upload_error(value: &JsValue) -> bool {
    // `UploadError.prototype` is made in JS (js/natives.js); a `Proxy` whose `getPrototypeOf`
    // trap throws is not one.
    super::js::native_is_upload_error(value).unwrap_or(false)
}

#[wasm_bindgen(typescript_custom_section)]
const IS_UPLOAD_ERROR_TS: &str = r#"
/**
 * Whether `value` is an `UploadError` thrown by this package.
 */
export function isUploadError(value: unknown): value is UploadError;
"#;

/// Builds the JS `UploadError` for `failure`: a native `Error` with our prototype, its `code`,
/// then whichever of `status`, `grpcStatus`, `attempt`, `cause`, `issues`, `s3Code` apply (in
/// that order; a `cause` or `issues` that is `undefined` is left out).
pub(crate) fn to_js(mut failure: UploadFailure) -> JsValue {
    // Every message leaves through here: no URL in it shows more than scheme, host and port.
    let message = crate::redact::scrub_urls(&failure.message);
    let error = super::js::native_upload_error(&message).unwrap_or_else(|_| js_sys::Error::new(&message).into());
    let set = |key: &str, value: JsValue| {
        if !value.is_undefined() {
            let _ = Reflect::set(&error, &JsValue::from_str(key), &value);
        }
    };
    set("code", JsValue::from_str(failure.code.as_str()));
    if let Some(s) = failure.status {
        set("status", JsValue::from(s));
    }
    if let Some(g) = failure.grpc_status {
        set("grpcStatus", JsValue::from(g));
    }
    if let Some(a) = failure.attempt {
        set("attempt", JsValue::from(a));
    }
    if let Some(c) = failure.cause.take() {
        set("cause", c);
    }
    if let Some(i) = failure.issues.take() {
        set("issues", i);
    }
    if let Some(c) = failure.s3_code.take() {
        set("s3Code", JsValue::from_str(&c));
    }
    error.into()
}

/// The upload of one async export, boxed.
#[cfg_attr(not(feature = "upload"), allow(dead_code))]
pub(crate) type Call = std::pin::Pin<Box<dyn std::future::Future<Output = Result<JsValue, UploadFailure>>>>;

/// The promise of an async export: `call` spawned, settling with its value or its `UploadError`.
///
/// Every upload export goes through this one function, so the module holds one copy of the
/// spawn-and-settle code instead of one per export (each with the export's whole state machine
/// inlined into it).
#[cfg_attr(not(feature = "upload"), allow(dead_code))]
pub(crate) fn promise(call: Call) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async move { call.await.map_err(to_js) })
}

/// Rejects with an `UploadError` for an invalid option.
pub(crate) fn invalid_option(message: impl Into<String>) -> UploadFailure {
    UploadFailure::new(UploadCode::InvalidOptions, message)
}
