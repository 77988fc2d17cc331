//! One `XMLHttpRequest`, awaited: byte-accurate upload progress, the caller's `AbortSignal`, a
//! stall timer, and a guard whose `Drop` aborts the request.
//!
//! XHR rather than `fetch`: only XHR reports upload progress in every browser, and a `Blob`
//! body is streamed from disk by the browser itself. The global `XMLHttpRequest` constructor is
//! used, so this works in dedicated workers as well as in windows.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;

use std::task::{Poll, Waker};

use js_sys::{ArrayBuffer, Function, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortSignal, Blob, FormData, ProgressEvent, XmlHttpRequest, XmlHttpRequestResponseType};

use super::failure::{UploadCode, UploadFailure};
use super::header::check_header_value;
use super::timer::{now_ms, sleep, AbortListener, Interval};
use super::transport::{Aborted, Events, Exchange, HttpStack, Outcome, Request, Response};

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

const END_LOAD: u8 = 1;
const END_ERROR: u8 = 2;
const END_ABORT: u8 = 3;

/// Which listener of the XHR an event came to.
const ON_LOAD: u8 = 0;
const ON_ERROR: u8 = 1;
const ON_ABORT: u8 = 2;
const ON_PROGRESS: u8 = 3;
const ON_UPLOAD_PROGRESS: u8 = 4;
const ON_UPLOAD_LOAD: u8 = 5;

/// What the XHR's listeners saw; the awaiting future reads it and passes progress on to the
/// caller's [`Events`] (the listeners are `'static` closures and cannot hold that borrow).
struct State {
    last_progress_ms: Cell<f64>,
    /// The latest `(sent, total)` not yet passed on.
    pending_sent: Cell<Option<(f64, f64)>>,
    body_sent: Cell<bool>,
    body_sent_reported: Cell<bool>,
    stalled: Cell<bool>,
    user_aborted: Cell<bool>,
    end: Cell<u8>,
    waker: RefCell<Option<Waker>>,
}

impl State {
    fn wake(&self) {
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }

    fn finish(&self, end: u8) {
        if self.end.get() == 0 {
            self.end.set(end);
        }
        self.wake();
    }

    fn mark_body_sent(&self) {
        if !self.body_sent.replace(true) {
            self.wake();
        }
    }

    /// An event of the XHR (`ON_LOAD`, ...).
    fn on(&self, which: u8, event: JsValue) {
        match which {
            ON_LOAD => self.finish(END_LOAD),
            ON_ERROR => self.finish(END_ERROR),
            ON_ABORT => self.finish(END_ABORT),
            ON_PROGRESS => self.last_progress_ms.set(now_ms()),
            ON_UPLOAD_PROGRESS => {
                self.last_progress_ms.set(now_ms());
                if let Some(e) = event.dyn_ref::<ProgressEvent>() {
                    self.pending_sent.set(Some((e.loaded(), e.total())));
                    self.wake();
                    // Every byte is out. Chromium fires `upload.onload` right after this, but
                    // Firefox only once the response starts: a connection lost in between would
                    // otherwise count as "still sending", and an upload the server may already
                    // have stored would be retried (a duplicate).
                    if e.length_computable() && e.total() > 0.0 && e.loaded() >= e.total() {
                        self.mark_body_sent();
                    }
                }
            }
            _ => {
                // ON_UPLOAD_LOAD
                self.last_progress_ms.set(now_ms());
                self.mark_body_sent();
            }
        }
    }

    /// Passes progress seen since the last call on to `events`.
    fn deliver(&self, events: &dyn Events) {
        if let Some((sent, total)) = self.pending_sent.take() {
            events.sent(sent, total);
        }
        if self.body_sent.get() && !self.body_sent_reported.replace(true) {
            events.body_sent();
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
    for (name, value) in req.headers {
        check_header_value(value).map_err(|e| not_started(&format!("the {name} header value {e}")))?;
    }
    let xhr = XmlHttpRequest::new().map_err(|_| not_started("XMLHttpRequest is unavailable here"))?;
    xhr.open_with_async(req.method, req.url, true)
        .map_err(|_| not_started("the browser refused the URL; check the endpoint option"))?;
    xhr.set_response_type(XmlHttpRequestResponseType::Arraybuffer);
    for (name, value) in req.headers {
        xhr.set_request_header(name, value)
            .map_err(|_| not_started(&format!("the browser refused the {name} header")))?;
    }
    let state = Rc::new(State {
        last_progress_ms: Cell::new(now_ms()),
        pending_sent: Cell::new(None),
        body_sent: Cell::new(false),
        body_sent_reported: Cell::new(false),
        stalled: Cell::new(false),
        user_aborted: Cell::new(false),
        end: Cell::new(0),
        waker: RefCell::new(None),
    });

    // One closure type for the six listeners (which event is a number): one body and one drop
    // instead of six.
    let mut closures: Vec<Closure<dyn FnMut(JsValue)>> = Vec::new();
    let mut listener = |event: u8| {
        let s = state.clone();
        let c = Closure::wrap(Box::new(move |e: JsValue| s.on(event, e)) as Box<dyn FnMut(JsValue)>);
        let func: Function = c.as_ref().unchecked_ref::<Function>().clone();
        closures.push(c);
        func
    };
    xhr.set_onload(Some(&listener(ON_LOAD)));
    xhr.set_onerror(Some(&listener(ON_ERROR)));
    xhr.set_onabort(Some(&listener(ON_ABORT)));
    xhr.set_onprogress(Some(&listener(ON_PROGRESS)));
    let upload = xhr.upload().map_err(|_| not_started("XMLHttpRequest.upload is unavailable here"))?;
    upload.set_onprogress(Some(&listener(ON_UPLOAD_PROGRESS)));
    upload.set_onload(Some(&listener(ON_UPLOAD_LOAD)));

    let abort = stack.signal.as_ref().map(|signal| {
        let s = state.clone();
        let x = xhr.clone();
        AbortListener::new(signal, Box::new(move || {
            s.user_aborted.set(true);
            let _ = x.abort();
            s.finish(END_ABORT);
        }))
    });
    let stall = (stack.stall_ms > 0).then(|| {
        let s = state.clone();
        let x = xhr.clone();
        let limit = stack.stall_ms as f64;
        let every = (limit / 4.0).clamp(10.0, 1000.0);
        Interval::new(every, Box::new(move || {
            if s.end.get() == 0 && now_ms() - s.last_progress_ms.get() > limit {
                s.stalled.set(true);
                let _ = x.abort();
                s.finish(END_ABORT);
            }
        }))
    });
    let guard = XhrGuard { xhr: xhr.clone(), state: state.clone(), _closures: closures, _abort: abort, _stall: stall };

    let sent = if let Some(form) = req.body.dyn_ref::<FormData>() {
        xhr.send_with_opt_form_data(Some(form))
    } else if let Some(text) = req.body.as_string() {
        xhr.send_with_opt_str(Some(&text))
    } else {
        xhr.send_with_opt_blob(Some(req.body.unchecked_ref::<Blob>()))
    };
    sent.map_err(|_| not_started("XMLHttpRequest.send refused the body"))?;

    std::future::poll_fn(|cx| {
        state.deliver(events);
        if state.end.get() != 0 {
            return Poll::Ready(());
        }
        *state.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    })
    .await;
    state.deliver(events);

    let body_sent = state.body_sent.get();
    let outcome = if state.user_aborted.get() {
        Outcome::Aborted
    } else if state.stalled.get() {
        Outcome::Stall
    } else {
        match state.end.get() {
            END_LOAD if xhr.status().unwrap_or(0) != 0 => Outcome::Response(read_response(&xhr)),
            END_ABORT => Outcome::Aborted,
            _ => Outcome::Network,
        }
    };
    drop(guard);
    Ok(Exchange { outcome, body_sent })
}

fn read_response(xhr: &XmlHttpRequest) -> Response {
    let status = xhr.status().unwrap_or(0);
    let headers = xhr.get_all_response_headers().map(|h| parse_headers(&h)).unwrap_or_default();
    let body = xhr
        .response()
        .ok()
        .and_then(|r| r.dyn_into::<ArrayBuffer>().ok())
        .map(|buf| Uint8Array::new(&buf).to_vec())
        .unwrap_or_default();
    Response { status, headers, body }
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
