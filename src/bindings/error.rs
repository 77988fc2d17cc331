//! `UploadError`: the real JS `Error` subclass every upload function rejects with.
//!
//! The class is defined in JS (so `instanceof Error`, `stack` and `cause` behave natively) and
//! constructed from Rust through [`to_js`]. `isUploadError(e)` is exported for `instanceof`
//! checks, since wasm-bindgen cannot re-export a JS class.

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::web::failure::UploadFailure;

#[wasm_bindgen(inline_js = r#"
export class UploadError extends Error {
  constructor(code, message, details) {
    super(message, details && details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = "UploadError";
    this.code = code;
    if (details) {
      for (const key of ["status", "grpcStatus", "attempt", "issues", "s3Code"]) {
        if (details[key] !== undefined) this[key] = details[key];
      }
    }
  }
}
export function makeUploadError(code, message, details) {
  return new UploadError(code, message, details);
}
export function isUploadErrorValue(value) {
  return value instanceof UploadError;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = makeUploadError)]
    fn make_upload_error(code: &str, message: &str, details: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = isUploadErrorValue)]
    fn is_upload_error_value(value: &JsValue) -> bool;
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
