//! `setTimeout` sleeps that an `AbortSignal` cuts short, and the clock.
//!
//! The global `setTimeout` is used (not `window.setTimeout`), so this works in workers too.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
    #[wasm_bindgen(js_name = setInterval)]
    fn set_interval(handler: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearInterval)]
    fn clear_interval(id: &JsValue);
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// A repeating timer that stops when dropped.
pub(crate) struct Interval {
    id: JsValue,
    _closure: Closure<dyn FnMut()>,
}

impl Interval {
    /// Calls `f` every `ms` milliseconds until dropped.
    pub(crate) fn new(ms: f64, f: Box<dyn FnMut()>) -> Interval {
        let closure = Closure::wrap(f);
        let id = set_interval(closure.as_ref().unchecked_ref(), ms);
        Interval { id, _closure: closure }
    }
}

impl Drop for Interval {
    fn drop(&mut self) {
        clear_interval(&self.id);
    }
}

/// A listener for the `abort` event of a signal, removed when dropped.
pub(crate) struct AbortListener {
    signal: AbortSignal,
    closure: Closure<dyn FnMut()>,
}

impl AbortListener {
    /// Calls `f` once the signal aborts. A box, not a generic: one copy for every listener.
    pub(crate) fn new(signal: &AbortSignal, f: Box<dyn FnMut()>) -> AbortListener {
        let closure = Closure::wrap(f);
        let _ = signal.add_event_listener_with_callback("abort", closure.as_ref().unchecked_ref());
        AbortListener { signal: signal.clone(), closure }
    }
}

impl Drop for AbortListener {
    fn drop(&mut self) {
        let _ = self
            .signal
            .remove_event_listener_with_callback("abort", self.closure.as_ref().unchecked_ref());
    }
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
    let resolve_slot: Rc<RefCell<Option<Function>>> = Rc::new(RefCell::new(None));
    let slot = resolve_slot.clone();
    let promise = Promise::new(&mut move |resolve, _reject| {
        *slot.borrow_mut() = Some(resolve);
    });
    let fire = |slot: &Rc<RefCell<Option<Function>>>, value: bool| {
        if let Some(resolve) = slot.borrow_mut().take() {
            let _ = resolve.call1(&JsValue::NULL, &JsValue::from_bool(value));
        }
    };
    let s1 = resolve_slot.clone();
    let timeout = Closure::<dyn FnMut()>::new(move || fire(&s1, true));
    let id = set_timeout(timeout.as_ref().unchecked_ref(), ms as f64);
    let s2 = resolve_slot.clone();
    let _listener = signal.map(|s| AbortListener::new(s, Box::new(move || fire(&s2, false))));
    let done = JsFuture::from(promise).await;
    clear_timeout(&id);
    drop(timeout);
    match done {
        Ok(v) if v.as_bool() == Some(true) => Ok(()),
        _ => Err(Aborted),
    }
}

/// Runs `fut` until it completes (`Some`) or `signal` aborts (`None`, and `fut` is dropped).
pub(crate) async fn abortable<F: std::future::Future>(fut: F, signal: Option<&AbortSignal>) -> Option<F::Output> {
    use std::task::Poll;
    let Some(signal) = signal else { return Some(fut.await) };
    if signal.aborted() {
        return None;
    }
    let aborted = Rc::new(std::cell::Cell::new(false));
    let waker_slot: Rc<RefCell<Option<std::task::Waker>>> = Default::default();
    let (a, w) = (aborted.clone(), waker_slot.clone());
    let _listener = AbortListener::new(signal, Box::new(move || {
        a.set(true);
        if let Some(waker) = w.borrow_mut().take() {
            waker.wake();
        }
    }));
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(|cx| {
        if aborted.get() {
            return Poll::Ready(None);
        }
        *waker_slot.borrow_mut() = Some(cx.waker().clone());
        fut.as_mut().poll(cx).map(Some)
    })
    .await
}
