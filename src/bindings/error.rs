//! `UploadError`: the real JS `Error` subclass every upload function rejects with.
//!
//! Each one is a native `Error` (so `stack` is captured and `instanceof Error` holds) whose
//! prototype is `UploadError.prototype`, which inherits from `Error.prototype` and names itself
//! `"UploadError"`. `isUploadError(e)` is exported for the check that `instanceof UploadError`
//! would do, since wasm-bindgen cannot export a JS class it did not generate.

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::web::failure::UploadFailure;

thread_local! {
    /// `UploadError.prototype`: an object whose prototype is `Error.prototype` and whose `name`
    /// is `"UploadError"`. Built with `Object.create` rather than a JS snippet, so the package
    /// stays four files (no `snippets/` directory) and needs no `unsafe-eval` under a CSP.
    static PROTOTYPE: Object = {
        let error_proto: Object = Object::get_prototype_of(&js_sys::Error::new("")).unchecked_into();
        let proto = Object::create(&error_proto);
        let _ = Reflect::set(&proto, &"name".into(), &"UploadError".into());
        proto
    };
}

fn make_upload_error(code: &str, message: &str, details: &Object) -> JsValue {
    let error = js_sys::Error::new(message);
    PROTOTYPE.with(|proto| Object::set_prototype_of(&error, proto));
    let _ = Reflect::set(&error, &"code".into(), &JsValue::from_str(code));
    for key in ["status", "grpcStatus", "attempt", "cause", "issues", "s3Code"] {
        if let Ok(value) = Reflect::get(details, &JsValue::from_str(key)) {
            if !value.is_undefined() {
                let _ = Reflect::set(&error, &JsValue::from_str(key), &value);
            }
        }
    }
    error.into()
}

fn is_upload_error_value(value: &JsValue) -> bool {
    value.is_object() && PROTOTYPE.with(|proto| proto.is_prototype_of(value))
}

/// Whether `value` is an `UploadError` thrown by this package.
#[wasm_bindgen(js_name = isUploadError, unchecked_return_type = "value is UploadError")]
pub fn is_upload_error(#[wasm_bindgen(unchecked_param_type = "unknown")] value: &JsValue) -> bool {
    is_upload_error_value(value)
}

/// Builds the JS `UploadError` for `failure`.
pub(crate) fn to_js(failure: UploadFailure) -> JsValue {
    let details = Object::new();
    let set = |key: &str, value: JsValue| {
        let _ = Reflect::set(&details, &JsValue::from_str(key), &value);
    };
    if let Some(s) = failure.status {
        set("status", JsValue::from(s));
    }
    if let Some(g) = failure.grpc_status {
        set("grpcStatus", JsValue::from(g));
    }
    if let Some(a) = failure.attempt {
        set("attempt", JsValue::from(a));
    }
    if let Some(c) = failure.cause {
        set("cause", c);
    }
    if let Some(i) = failure.issues {
        set("issues", i);
    }
    if let Some(c) = failure.s3_code {
        set("s3Code", JsValue::from_str(&c));
    }
    make_upload_error(&failure.code, &failure.message, &details)
}

/// Rejects with an `UploadError` for an invalid option.
pub(crate) fn invalid_option(message: impl Into<String>) -> UploadFailure {
    UploadFailure::new("invalid_options", message)
}
