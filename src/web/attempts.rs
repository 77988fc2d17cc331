//! The browser side of the retry engine: the caller's `onProgress` as a [`Progress`], and the
//! upload options ([`Attempts`]) turned into an [`XhrStack`] and a [`Plan`] for
//! [`super::engine::run`].

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::JsValue;
use web_sys::AbortSignal;

use super::engine::{Plan, Progress};
use super::progress::{Phase, ProgressEvent, ProgressTracker};
use super::timer::now_ms;
use super::xhr::XhrStack;
use crate::retry::RetryPolicy;

/// Default `stallTimeoutMs`: 30 s without progress is a network error.
pub(crate) const DEFAULT_STALL_TIMEOUT_MS: u64 = 30_000;

/// Delivers `onProgress` events through a [`ProgressTracker`].
pub(crate) struct Reporter {
    tracker: RefCell<ProgressTracker>,
    callback: Option<Function>,
    /// The attempt running (or that ran last), 1-based; 0 before the first.
    attempt: std::cell::Cell<u32>,
}

impl Reporter {
    /// A reporter for a `total`-byte input.
    pub(crate) fn new(total: u64, callback: Option<Function>) -> Rc<Reporter> {
        Rc::new(Reporter { tracker: RefCell::new(ProgressTracker::new(total)), callback, attempt: Default::default() })
    }

    /// How many attempts [`Attempts::run`] started: the result's `attempts`.
    pub(crate) fn attempts(&self) -> u32 {
        self.attempt.get()
    }

    /// Enters `phase`.
    pub(crate) fn phase(&self, phase: Phase) {
        let event = self.tracker.borrow_mut().phase(phase, now_ms());
        self.deliver(event);
    }

    /// `sent` of `total` body bytes of the current attempt are out.
    pub(crate) fn sent(&self, sent: f64, total: f64) {
        if !(sent.is_finite() && total.is_finite()) || sent < 0.0 || total <= 0.0 {
            return;
        }
        let event = self.tracker.borrow_mut().sent(sent as u64, total as u64, now_ms());
        self.deliver(event);
    }

    fn deliver(&self, event: Option<ProgressEvent>) {
        let (Some(callback), Some(e)) = (&self.callback, event) else { return };
        let obj = Object::new();
        let _ = Reflect::set(&obj, &"loaded".into(), &JsValue::from_f64(e.loaded as f64));
        let _ = Reflect::set(&obj, &"total".into(), &JsValue::from_f64(e.total as f64));
        let _ = Reflect::set(&obj, &"phase".into(), &JsValue::from_str(e.phase.as_str()));
        // A throwing callback must not break the upload: its exception is dropped.
        let _ = callback.call1(&JsValue::UNDEFINED, &obj);
    }
}

/// What every attempt of one upload shares, as read from the caller's options.
pub(crate) struct Attempts {
    /// Retry delays.
    pub policy: RetryPolicy,
    /// The caller's signal.
    pub signal: Option<AbortSignal>,
    /// `stallTimeoutMs`.
    pub stall_ms: u64,
    /// Progress.
    pub reporter: Rc<Reporter>,
    /// Whether repeating the request is harmless (a presigned POST to a fixed key is; a
    /// SpeechSense upload, which creates a talk each time, is not).
    pub idempotent: bool,
}

impl Attempts {
    /// The browser transport for these attempts: XHR with the caller's signal and stall timer.
    pub(crate) fn stack(&self) -> XhrStack {
        XhrStack { signal: self.signal.clone(), stall_ms: self.stall_ms }
    }

    /// The retry plan of the caller's upload.
    pub(crate) fn plan<'a>(&'a self, refresh_credential: bool, check_where: &'a str) -> Plan<'a> {
        Plan {
            policy: &self.policy,
            idempotent: self.idempotent,
            refresh_credential,
            check_where,
            progress: &*self.reporter,
        }
    }
}

impl Progress for Reporter {
    fn attempt(&self, n: u32) {
        self.attempt.set(n);
    }
    fn sent(&self, sent: f64, total: f64) {
        Reporter::sent(self, sent, total);
    }
    fn phase(&self, phase: Phase) {
        Reporter::phase(self, phase);
    }
}
