//! One `XMLHttpRequest`, awaited: byte-accurate upload progress, the caller's `AbortSignal`, a
//! stall timer, and a guard whose `Drop` aborts the request.
//!
//! XHR rather than `fetch`: only XHR reports upload progress in every browser, and a `Blob`
//! body is streamed from disk by the browser itself. The global `XMLHttpRequest` constructor is
//! used, so this works in dedicated workers as well as in windows.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{ArrayBuffer, Function, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Blob, FormData, ProgressEvent, XmlHttpRequest, XmlHttpRequestResponseType};

use super::timer::{now_ms, AbortListener, Interval};

/// A request to send.
pub(crate) struct XhrRequest<'a> {
    /// `POST`, usually.
    pub method: &'a str,
    /// The full URL.
    pub url: &'a str,
    /// Request headers.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body: a `Blob` or a `FormData`.
    pub body: &'a JsValue,
}

/// How an attempt reports to the upload around it.
pub(crate) struct XhrHooks {
    /// The caller's signal, if any.
    pub signal: Option<AbortSignal>,
    /// No progress for this long (ms) fails the attempt as a stall; 0 disables the timer.
    pub stall_ms: u64,
    /// `(sent, total)` request-body bytes, from `xhr.upload.onprogress`.
    pub on_sent: Rc<dyn Fn(f64, f64)>,
    /// The whole body went out (`xhr.upload.onload`).
    pub on_body_sent: Rc<dyn Fn()>,
}

/// An HTTP response.
pub(crate) struct XhrResponse {
    /// The HTTP status (never 0).
    pub status: u16,
    /// Response headers, names lowercase as XHR gives them.
    pub headers: Vec<(String, String)>,
    /// The body bytes (responses are small: a grpc-web answer or an S3 XML document).
    pub body: Vec<u8>,
}

/// How an attempt ended.
pub(crate) enum XhrOutcome {
    /// The server answered (any status).
    Response(XhrResponse),
    /// The connection failed (XHR `error`, status 0): refused, reset, CORS, unreadable file.
    Network,
    /// No progress for `stall_ms`.
    Stall,
    /// The caller's `AbortSignal` fired.
    Aborted,
}

/// What the attempt reached, besides its outcome.
pub(crate) struct XhrResult {
    /// How it ended.
    pub outcome: XhrOutcome,
    /// Whether the whole request body was sent before it ended: `upload.onload` fired, or an
    /// upload progress event reported every byte (Firefox fires `upload.onload` only when the
    /// response starts).
    pub body_sent: bool,
}

const END_LOAD: u8 = 1;
const END_ERROR: u8 = 2;
const END_ABORT: u8 = 3;

struct State {
    last_progress_ms: Cell<f64>,
    body_sent: Cell<bool>,
    stalled: Cell<bool>,
    user_aborted: Cell<bool>,
    end: Cell<u8>,
    resolve: RefCell<Option<Function>>,
}

impl State {
    fn finish(&self, end: u8) {
        if self.end.get() == 0 {
            self.end.set(end);
        }
        if let Some(resolve) = self.resolve.borrow_mut().take() {
            let _ = resolve.call0(&JsValue::NULL);
        }
    }
}

/// Owns the request while it runs; dropping it (the future was dropped, or it finished)
/// aborts a request still in flight and detaches every listener.
struct XhrGuard {
    xhr: XmlHttpRequest,
    state: Rc<State>,
    _closures: Vec<Closure<dyn FnMut(JsValue)>>,
    _abort: Option<AbortListener>,
    _stall: Option<Interval>,
}

impl Drop for XhrGuard {
    fn drop(&mut self) {
        if self.state.end.get() == 0 {
            self.state.end.set(END_ABORT);
            let _ = self.xhr.abort();
        }
        // No callback may reach a dropped closure.
        self.xhr.set_onload(None);
        self.xhr.set_onerror(None);
        self.xhr.set_onabort(None);
        self.xhr.set_onprogress(None);
        if let Ok(upload) = self.xhr.upload() {
            upload.set_onprogress(None);
            upload.set_onload(None);
        }
    }
}

/// Sends `req` and waits for its end. `Err` only when the request could not even be started
/// (a bad URL or header): that is a bug or a bad option, not a network condition.
pub(crate) async fn send(req: &XhrRequest<'_>, hooks: &XhrHooks) -> Result<XhrResult, JsValue> {
    if hooks.signal.as_ref().is_some_and(|s| s.aborted()) {
        return Ok(XhrResult { outcome: XhrOutcome::Aborted, body_sent: false });
    }
    let xhr = XmlHttpRequest::new()?;
    xhr.open_with_async(req.method, req.url, true)?;
    xhr.set_response_type(XmlHttpRequestResponseType::Arraybuffer);
    for (name, value) in req.headers {
        xhr.set_request_header(name, value)?;
    }
    let state = Rc::new(State {
        last_progress_ms: Cell::new(now_ms()),
        body_sent: Cell::new(false),
        stalled: Cell::new(false),
        user_aborted: Cell::new(false),
        end: Cell::new(0),
        resolve: RefCell::new(None),
    });
    let promise = {
        let state = state.clone();
        Promise::new(&mut move |resolve, _reject| {
            *state.resolve.borrow_mut() = Some(resolve);
        })
    };

    let mut closures: Vec<Closure<dyn FnMut(JsValue)>> = Vec::new();
    let mut closure = |f: Box<dyn FnMut(JsValue)>| {
        let c = Closure::wrap(f);
        let func: Function = c.as_ref().unchecked_ref::<Function>().clone();
        closures.push(c);
        func
    };

    let s = state.clone();
    xhr.set_onload(Some(&closure(Box::new(move |_| s.finish(END_LOAD)))));
    let s = state.clone();
    xhr.set_onerror(Some(&closure(Box::new(move |_| s.finish(END_ERROR)))));
    let s = state.clone();
    xhr.set_onabort(Some(&closure(Box::new(move |_| s.finish(END_ABORT)))));
    let s = state.clone();
    xhr.set_onprogress(Some(&closure(Box::new(move |_| s.last_progress_ms.set(now_ms())))));

    let upload = xhr.upload()?;
    let s = state.clone();
    let on_sent = hooks.on_sent.clone();
    let on_body_sent = hooks.on_body_sent.clone();
    upload.set_onprogress(Some(&closure(Box::new(move |event: JsValue| {
        s.last_progress_ms.set(now_ms());
        if let Some(e) = event.dyn_ref::<ProgressEvent>() {
            on_sent(e.loaded(), e.total());
            // Every byte is out. Chromium fires `upload.onload` right after this, but Firefox
            // only once the response starts: a connection lost in between would otherwise
            // count as "still sending", and a SpeechSense upload the server may already have
            // stored would be retried (a duplicate talk).
            if e.length_computable() && e.total() > 0.0 && e.loaded() >= e.total() && !s.body_sent.get() {
                s.body_sent.set(true);
                on_body_sent();
            }
        }
    }))));
    let s = state.clone();
    let on_body_sent = hooks.on_body_sent.clone();
    upload.set_onload(Some(&closure(Box::new(move |_| {
        s.last_progress_ms.set(now_ms());
        if !s.body_sent.replace(true) {
            on_body_sent();
        }
    }))));

    let abort = hooks.signal.as_ref().map(|signal| {
        let s = state.clone();
        let x = xhr.clone();
        AbortListener::new(signal, move || {
            s.user_aborted.set(true);
            let _ = x.abort();
            s.finish(END_ABORT);
        })
    });
    let stall = (hooks.stall_ms > 0).then(|| {
        let s = state.clone();
        let x = xhr.clone();
        let limit = hooks.stall_ms as f64;
        let every = (limit / 4.0).clamp(10.0, 1000.0);
        Interval::new(every, move || {
            if s.end.get() == 0 && now_ms() - s.last_progress_ms.get() > limit {
                s.stalled.set(true);
                let _ = x.abort();
                s.finish(END_ABORT);
            }
        })
    });
    let guard = XhrGuard { xhr: xhr.clone(), state: state.clone(), _closures: closures, _abort: abort, _stall: stall };

    match req.body.dyn_ref::<FormData>() {
        Some(form) => xhr.send_with_opt_form_data(Some(form))?,
        None => xhr.send_with_opt_blob(Some(req.body.unchecked_ref::<Blob>()))?,
    }
    let _ = JsFuture::from(promise).await;

    let body_sent = state.body_sent.get();
    let outcome = if state.user_aborted.get() {
        XhrOutcome::Aborted
    } else if state.stalled.get() {
        XhrOutcome::Stall
    } else {
        match state.end.get() {
            END_LOAD if xhr.status().unwrap_or(0) != 0 => XhrOutcome::Response(read_response(&xhr)),
            END_ABORT => XhrOutcome::Aborted,
            _ => XhrOutcome::Network,
        }
    };
    drop(guard);
    Ok(XhrResult { outcome, body_sent })
}

fn read_response(xhr: &XmlHttpRequest) -> XhrResponse {
    let status = xhr.status().unwrap_or(0);
    let headers = xhr.get_all_response_headers().map(|h| parse_headers(&h)).unwrap_or_default();
    let body = xhr
        .response()
        .ok()
        .and_then(|r| r.dyn_into::<ArrayBuffer>().ok())
        .map(|buf| Uint8Array::new(&buf).to_vec())
        .unwrap_or_default();
    XhrResponse { status, headers, body }
}

/// `getAllResponseHeaders()` text as `(name, value)` pairs.
fn parse_headers(text: &str) -> Vec<(String, String)> {
    text.split("\r\n")
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        })
        .collect()
}
