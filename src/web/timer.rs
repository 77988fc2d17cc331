//! Sleeps that an `AbortSignal` cuts short, waits that it cuts short, and the clock.
//!
//! The global `setTimeout` is used (not `window.setTimeout`), so this works in workers too; the
//! timers and listeners are set in js/xhr.js (issue 9: no closures or listener imports here).

use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

#[wasm_bindgen(module = "/js/xhr.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = sleep)]
    fn js_sleep(ms: f64, signal: Option<&AbortSignal>) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch, js_name = abortable)]
    fn js_abortable(promise: &Promise, signal: &AbortSignal) -> Result<Promise, JsValue>;
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The caller aborted while we waited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Aborted;

/// Waits `ms` milliseconds, or less if `signal` aborts (then `Err(Aborted)`).
pub(crate) async fn sleep(ms: u64, signal: Option<&AbortSignal>) -> Result<(), Aborted> {
    if signal.is_some_and(|s| s.aborted()) {
        return Err(Aborted);
    }
    if ms == 0 {
        return Ok(());
    }
    let promise = js_sleep(ms as f64, signal).map_err(|_| Aborted)?;
    match JsFuture::from(promise).await {
        Ok(v) if v.as_bool() == Some(true) => Ok(()),
        _ => Err(Aborted),
    }
}

/// Awaits `promise` (a native promise of ours) until it settles (`Some`) or `signal` aborts
/// (`None`: what was awaited is let go).
pub(crate) async fn abortable(promise: &Promise, signal: Option<&AbortSignal>) -> Option<Result<JsValue, JsValue>> {
    let Some(signal) = signal else { return Some(JsFuture::from(promise.clone()).await) };
    if signal.aborted() {
        return None;
    }
    let raced = match js_abortable(promise, signal) {
        Ok(p) => p,
        Err(e) => return Some(Err(e)),
    };
    match JsFuture::from(raced).await {
        Ok(v) => {
            let v: Array = v.into();
            if v.length() == 0 { None } else { Some(Ok(v.get(0))) }
        }
        Err(e) => Some(Err(e)),
    }
}
