//! Reading camelCase JS option objects into Rust values, with messages that name the option.

use js_sys::{Array, Function, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

use super::error::invalid_option;
use crate::chunk::js_number_to_u64;
use crate::retry::RetryPolicy;
use crate::web::attempts::{Attempts, Reporter, DEFAULT_STALL_TIMEOUT_MS};
use crate::web::failure::UploadFailure;

/// Option names of the behaviour every upload shares (`CommonUploadOptions` in the `.d.ts`).
const COMMON: [&str; 4] = ["signal", "onProgress", "retry", "stallTimeoutMs"];

/// The option names each entry point accepts, as its TypeScript type declares them.
pub(crate) mod names {
    use super::COMMON;

    const fn join<const A: usize, const B: usize, const N: usize>(a: [&'static str; A], b: [&'static str; B]) -> [&'static str; N] {
        let mut out = [""; N];
        let mut i = 0;
        while i < A {
            out[i] = a[i];
            i += 1;
        }
        while i < N {
            out[i] = b[i - A];
            i += 1;
        }
        out
    }

    /// `uploadAudio`.
    pub(crate) const UPLOAD_AUDIO: [&str; 10] =
        join(["endpoint", "apiKey", "iamToken", "connectionId", "method", "chunkSize"], COMMON);
    /// `uploadText`.
    pub(crate) const UPLOAD_TEXT: [&str; 8] = join(["endpoint", "apiKey", "iamToken", "connectionId"], COMMON);
    /// `presignedUpload`.
    pub(crate) const PRESIGNED_UPLOAD: [&str; 5] = join(["presign"], COMMON);
    /// `uploadVelaCall`.
    pub(crate) const UPLOAD_VELA_CALL: [&str; 9] = join(["apiBase", "token", "orgId", "email", "dateOfCall"], COMMON);
    /// `uploadVelaChat`.
    pub(crate) const UPLOAD_VELA_CHAT: [&str; 5] = ["apiBase", "token", "orgId", "metadata", "signal"];
    /// `planChunks`.
    pub(crate) const PLAN_CHUNKS: [&str; 1] = ["chunkSize"];
}

/// A JS options object (or `undefined`).
pub(crate) struct Opts {
    obj: JsValue,
    name: &'static str,
}

impl Opts {
    /// Wraps `value`, which must be an object, or `undefined` when `optional`.
    pub(crate) fn new(value: &JsValue, name: &'static str, optional: bool) -> Result<Opts, UploadFailure> {
        if value.is_undefined() || value.is_null() {
            if optional {
                return Ok(Opts { obj: JsValue::UNDEFINED, name });
            }
            return Err(invalid_option(format!("{name} is required: pass an object")));
        }
        if !value.is_object() {
            return Err(invalid_option(format!("{name} must be an object")));
        }
        Ok(Opts { obj: value.clone(), name })
    }

    /// Refuses option names outside `allowed`: a typo such as `onprogress` or `apikey` must not
    /// silently turn a feature off.
    pub(crate) fn only(self, allowed: &[&str]) -> Result<Opts, UploadFailure> {
        match unknown_key(&self.obj, allowed) {
            Some(key) => Err(invalid_option(format!("{} has an unknown option {key}", self.name))),
            None => Ok(self),
        }
    }

    /// The value of `key`, `None` when absent, `undefined` or `null`.
    pub(crate) fn get(&self, key: &str) -> Option<JsValue> {
        if self.obj.is_undefined() {
            return None;
        }
        present(&self.obj, key)
    }

    fn err(&self, key: &str, what: &str) -> UploadFailure {
        invalid_option(format!("{}.{key} {what}", self.name))
    }

    /// An optional string.
    pub(crate) fn string(&self, key: &str) -> Result<Option<String>, UploadFailure> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.as_string().map(Some).ok_or_else(|| self.err(key, "must be a string")),
        }
    }

    /// A required, non-empty string.
    pub(crate) fn required_string(&self, key: &str) -> Result<String, UploadFailure> {
        match self.string(key)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(self.err(key, "is required: pass a non-empty string")),
        }
    }

    /// An optional non-negative integer (a safe JS integer).
    pub(crate) fn u64(&self, key: &str) -> Result<Option<u64>, UploadFailure> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => {
                let n = v.as_f64().ok_or_else(|| self.err(key, "must be a number"))?;
                js_number_to_u64(n).map(Some).map_err(|e| self.err(key, &format!("is invalid: {e}")))
            }
        }
    }

    /// An optional function.
    pub(crate) fn function(&self, key: &str) -> Result<Option<Function>, UploadFailure> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.dyn_into::<Function>().map(Some).map_err(|_| self.err(key, "must be a function")),
        }
    }

    /// The optional `signal`.
    pub(crate) fn signal(&self) -> Result<Option<AbortSignal>, UploadFailure> {
        match self.get("signal") {
            None => Ok(None),
            // Duck-typed: a signal from another realm (an iframe) fails `instanceof`.
            Some(v) if Reflect::has(&v, &"aborted".into()).unwrap_or(false) => Ok(Some(v.unchecked_into())),
            Some(_) => Err(self.err("signal", "must be an AbortSignal (controller.signal)")),
        }
    }

    /// The optional `retry: { delays }`, default `[0, 1000, 3000, 5000]`.
    pub(crate) fn retry(&self) -> Result<RetryPolicy, UploadFailure> {
        let Some(retry) = self.get("retry") else { return Ok(RetryPolicy::default()) };
        if retry == JsValue::FALSE {
            return Ok(RetryPolicy::never());
        }
        let delays = Reflect::get(&retry, &"delays".into()).unwrap_or(JsValue::UNDEFINED);
        if delays.is_undefined() {
            return Ok(RetryPolicy::default());
        }
        if !Array::is_array(&delays) {
            return Err(self.err("retry.delays", "must be an array of milliseconds, e.g. [0, 1000, 3000, 5000]"));
        }
        let mut out = Vec::new();
        for (i, d) in Array::from(&delays).iter().enumerate() {
            let n = d.as_f64().and_then(|n| js_number_to_u64(n).ok());
            out.push(n.ok_or_else(|| self.err(&format!("retry.delays[{i}]"), "must be a non-negative integer of milliseconds"))?);
        }
        RetryPolicy::new(out).map_err(|e| invalid_option(format!("{}.{e}", self.name)))
    }

    /// The shared behaviour options: `signal`, `onProgress`, `retry`, `stallTimeoutMs`.
    pub(crate) fn attempts(&self, total: u64, idempotent: bool) -> Result<Attempts, UploadFailure> {
        Ok(Attempts {
            policy: self.retry()?,
            signal: self.signal()?,
            stall_ms: self.u64("stallTimeoutMs")?.unwrap_or(DEFAULT_STALL_TIMEOUT_MS),
            reporter: Reporter::new(total, self.function("onProgress")?),
            idempotent,
        })
    }

    /// `apiKey` or `iamToken` as an `authorization` value, and the secret itself.
    pub(crate) fn speechsense_auth(&self) -> Result<(String, String), UploadFailure> {
        match (self.string("apiKey")?, self.string("iamToken")?) {
            (Some(_), Some(_)) => Err(invalid_option(format!(
                "{} has both apiKey and iamToken; pass exactly one of them",
                self.name
            ))),
            (Some(k), None) if !k.trim().is_empty() => Ok((format!("Api-Key {}", k.trim()), k)),
            (None, Some(t)) if !t.trim().is_empty() => Ok((format!("Bearer {}", t.trim()), t)),
            _ => Err(invalid_option(format!(
                "{} needs apiKey (a service account API key) or iamToken (an IAM token)",
                self.name
            ))),
        }
    }
}

/// The first own key of `obj` outside `allowed`, as `` `key` `` followed by a did-you-mean hint,
/// for the option readers of the uploads ([`Opts`]) and of `validate` / `convertChat`.
pub(crate) fn unknown_key(obj: &JsValue, allowed: &[&str]) -> Option<String> {
    let obj = obj.dyn_ref::<js_sys::Object>()?;
    let key = js_sys::Object::keys(obj).iter().filter_map(|k| k.as_string()).find(|k| !allowed.contains(&k.as_str()))?;
    let hint = crate::validate::check::suggest(&key, allowed, "options");
    Some(format!("`{key}`{hint}"))
}

/// `obj[key]`, `None` when absent, `undefined` or `null`.
pub(crate) fn present(obj: &JsValue, key: &str) -> Option<JsValue> {
    let v = Reflect::get(obj, &JsValue::from_str(key)).ok()?;
    (!v.is_undefined() && !v.is_null()).then_some(v)
}

/// A JSON argument given as a string or a plain object, as JSON text.
pub(crate) fn json_text(value: &JsValue, name: &str) -> Result<String, UploadFailure> {
    if let Some(s) = value.as_string() {
        return Ok(s);
    }
    if value.is_object() {
        if let Some(s) = JSON::stringify(value).ok().and_then(|s| s.as_string()) {
            return Ok(s);
        }
    }
    Err(invalid_option(format!("{name} must be a JSON string or a plain object")))
}

/// Checks the `signal` before work starts.
pub(crate) fn ensure_not_aborted(attempts: &Attempts) -> Result<(), UploadFailure> {
    if attempts.signal.as_ref().is_some_and(|s| s.aborted()) {
        Err(UploadFailure::aborted())
    } else {
        Ok(())
    }
}
