//! One `XMLHttpRequest`, awaited: byte-accurate upload progress, the caller's `AbortSignal`, a
//! stall timer, and a guard whose `Drop` aborts the request.
//!
//! XHR rather than `fetch`: only XHR reports upload progress in every browser, and a `Blob`
//! body is streamed from disk by the browser itself. The request, its listeners, the abort
//! listener and the stall timer are driven by js/xhr.js (a few lines of JS instead of a dozen
//! `web_sys` imports and closures, issue 9); this module awaits its events and turns them into
//! [`Exchange`]s.

use std::future::Future;

use js_sys::{Array, ArrayBuffer, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

use super::blob::copy_u8;
use super::failure::{UploadCode, UploadFailure};
use super::header::check_header_value;
use super::timer::{now_ms, sleep};
use super::transport::{Aborted, Events, Exchange, HttpStack, Outcome, Request, Response};

#[wasm_bindgen(module = "/js/xhr.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = xhrStart)]
    fn xhr_start(method: &str, url: &str, headers: &Array, body: &JsValue, stall_ms: f64, signal: Option<&AbortSignal>) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = xhrWait)]
    fn xhr_wait(h: &JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch, js_name = xhrTake)]
    fn xhr_take(h: &JsValue) -> Result<Array, JsValue>;
    #[wasm_bindgen(catch, js_name = xhrResponse)]
    fn xhr_response(h: &JsValue) -> Result<Array, JsValue>;
    #[wasm_bindgen(catch, js_name = xhrDrop)]
    fn xhr_drop(h: &JsValue) -> Result<(), JsValue>;
}

/// The browser's [`HttpStack`]: one `XMLHttpRequest` per request, cut by the caller's signal
/// and by the stall timer.
pub(crate) struct XhrStack {
    /// The caller's signal, if any.
    pub signal: Option<AbortSignal>,
    /// No progress for this long (ms) fails the attempt as a stall; 0 disables the timer.
    pub stall_ms: u64,
}

impl HttpStack for XhrStack {
    /// A `Blob`, a `FormData` or a JS string.
    type Body = JsValue;

    fn send(&self, req: &Request<'_, JsValue>, events: &dyn Events) -> impl Future<Output = Result<Exchange, UploadFailure>> {
        send(req, self, events)
    }

    fn sleep(&self, ms: u64) -> impl Future<Output = Result<(), Aborted>> {
        let signal = self.signal.clone();
        async move { sleep(ms, signal.as_ref()).await.map_err(|_| Aborted) }
    }

    fn aborted(&self) -> bool {
        self.signal.as_ref().is_some_and(|s| s.aborted())
    }

    fn now_ms(&self) -> u64 {
        now_ms().max(0.0) as u64
    }
}

const END_LOAD: f64 = 1.0;
const END_ABORT: f64 = 3.0;

/// Owns the request while it runs; dropping it (the future was dropped, or it finished)
/// aborts a request still in flight and detaches every listener.
struct XhrGuard(JsValue);

impl Drop for XhrGuard {
    fn drop(&mut self) {
        let _ = xhr_drop(&self.0);
    }
}

/// Why a request could not be started. The browser's own exception is never attached: the
/// `SyntaxError` of `open` quotes the URL (a signed query) and that of `setRequestHeader` the
/// header value (a key).
fn not_started(what: &str) -> UploadFailure {
    UploadFailure::new(UploadCode::InvalidRequest, format!("the request could not be started: {what}"))
}

/// Sends `req` and waits for its end. `Err` only when the request could not even be started
/// (a bad URL or header): that is a bug or a bad option, not a network condition.
async fn send(req: &Request<'_, JsValue>, stack: &XhrStack, events: &dyn Events) -> Result<Exchange, UploadFailure> {
    if stack.aborted() {
        return Ok(Exchange { outcome: Outcome::Aborted, body_sent: false });
    }
    // Checked here too, for every header, so that no value ever reaches a throwing setter.
    let headers = Array::new();
    for (name, value) in req.headers {
        check_header_value(value).map_err(|e| not_started(&format!("the {name} header value {e}")))?;
        headers.push(&JsValue::from_str(name));
        headers.push(&JsValue::from_str(value));
    }
    let h = xhr_start(req.method, req.url, &headers, req.body, stack.stall_ms as f64, stack.signal.as_ref()).map_err(|why| {
        if let Some(i) = why.as_f64() {
            let name = req.headers.get(i as usize).map_or("", |(n, _)| *n);
            return not_started(&format!("the browser refused the {name} header"));
        }
        not_started(match why.as_string().as_deref() {
            Some("url") => "the browser refused the URL; check the endpoint option",
            Some("upload") => "XMLHttpRequest.upload is unavailable here",
            Some("send") => "XMLHttpRequest.send refused the body",
            _ => "XMLHttpRequest is unavailable here",
        })
    })?;
    let guard = XhrGuard(h);

    // [end, loaded, total, bodySent, stalled, userAborted] (js/xhr.js `xhrTake`).
    let mut reported = false;
    let state = loop {
        let state = xhr_take(&guard.0).unwrap_or_default();
        let at = |i: u32| state.get(i).as_f64().unwrap_or(0.0);
        let loaded = state.get(1).as_f64().unwrap_or(-1.0);
        if loaded >= 0.0 {
            events.sent(loaded, at(2));
        }
        if state.get(3).is_truthy() && !reported {
            reported = true;
            events.body_sent();
        }
        if at(0) != 0.0 {
            break state;
        }
        match xhr_wait(&guard.0) {
            Ok(wait) => {
                let _ = JsFuture::from(wait).await;
            }
            // Cannot happen (a promise is always made); the request is let go as aborted.
            Err(_) => break state,
        }
    };

    let body_sent = state.get(3).is_truthy();
    let end = state.get(0).as_f64().unwrap_or(END_ABORT);
    let outcome = if state.get(5).is_truthy() {
        Outcome::Aborted
    } else if state.get(4).is_truthy() {
        Outcome::Stall
    } else if end == END_LOAD {
        match read_response(&guard.0) {
            Some(response) => Outcome::Response(response),
            None => Outcome::Network,
        }
    } else if end == END_ABORT {
        Outcome::Aborted
    } else {
        Outcome::Network
    };
    drop(guard);
    Ok(Exchange { outcome, body_sent })
}

/// The response, or `None` when its status is 0 (the browser got no answer).
fn read_response(h: &JsValue) -> Option<Response> {
    let parts = xhr_response(h).ok()?;
    let status = parts.get(0).as_f64().unwrap_or(0.0) as u16;
    if status == 0 {
        return None;
    }
    let headers = parts.get(1).as_string().map(|t| parse_headers(&t)).unwrap_or_default();
    // A body that cannot be copied is a lost answer (`None`), not an empty one.
    let body = match parts.get(2).dyn_into::<ArrayBuffer>() {
        Ok(buf) => {
            let view = Uint8Array::new(&buf);
            copy_u8(&view, view.length() as usize).ok()?
        }
        Err(_) => Vec::new(),
    };
    Some(Response { status, headers, body })
}

/// `getAllResponseHeaders()` text as `(name, value)` pairs.
fn parse_headers(text: &str) -> Vec<(String, String)> {
    // Lines end in CRLF; split on the LF (a char pattern, not the Two-Way searcher a "\r\n"
    // pattern links) and let `trim` drop the CR.
    let mut out = Vec::new();
    for line in text.split('\n') {
        if let Some((name, value)) = line.split_once(':') {
            out.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    out
}
