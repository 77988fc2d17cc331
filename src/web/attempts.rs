//! The retry loop: run attempts, ask [`crate::retry::decide_upload`] after each failure, sleep
//! the decided delay (cut short by the `AbortSignal`), and report progress across attempts.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::JsValue;
use web_sys::AbortSignal;

use super::failure::UploadFailure;
use super::progress::{Phase, ProgressEvent, ProgressTracker};
use super::timer::{now_ms, sleep};
use super::xhr::XhrHooks;
use crate::retry::{self, Decision, Failure, RetryPolicy};

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

/// What every attempt of one upload shares.
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

/// A failed attempt: how far it got, what the retry policy should see, and what to report if
/// no retry follows.
pub(crate) struct AttemptError {
    /// How far the attempt got.
    pub phase: retry::Phase,
    /// The classified failure.
    pub failure: Failure,
    /// The error to reject with.
    pub error: UploadFailure,
}

/// The number of an attempt and whether the previous one asked for a fresh presign.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AttemptInfo {
    /// 1-based.
    pub number: u32,
    /// The decision before this attempt was [`Decision::RefreshAndRetry`].
    pub refresh: bool,
}

impl Attempts {
    /// Hooks for one XHR attempt, wired to this upload's signal, stall timer and progress.
    pub(crate) fn hooks(&self) -> XhrHooks {
        let r1 = self.reporter.clone();
        let r2 = self.reporter.clone();
        XhrHooks {
            signal: self.signal.clone(),
            stall_ms: self.stall_ms,
            on_sent: Rc::new(move |sent, total| r1.sent(sent, total)),
            on_body_sent: Rc::new(move || r2.phase(Phase::Waiting)),
        }
    }

    /// Runs `attempt` until it succeeds, the policy gives up, or the caller aborts.
    pub(crate) async fn run<T, F, Fut>(&self, mut attempt: F) -> Result<T, UploadFailure>
    where
        F: FnMut(AttemptInfo) -> Fut,
        Fut: Future<Output = Result<T, AttemptError>>,
    {
        let mut info = AttemptInfo { number: 1, refresh: false };
        loop {
            if self.signal.as_ref().is_some_and(|s| s.aborted()) {
                return Err(UploadFailure::aborted().with_attempt(info.number));
            }
            self.reporter.attempt.set(info.number);
            let e = match attempt(info).await {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            if e.failure == Failure::Aborted {
                return Err(UploadFailure::aborted().with_attempt(info.number));
            }
            let decision = retry::decide_upload(&self.policy, info.number, e.phase, &e.failure, self.idempotent);
            let after_ms = match decision {
                Decision::GiveUp => return Err(self.give_up(info.number, e)),
                Decision::Retry { after_ms } => {
                    info.refresh = false;
                    after_ms
                }
                Decision::RefreshAndRetry { after_ms } => {
                    info.refresh = true;
                    after_ms
                }
            };
            if sleep(after_ms, self.signal.as_ref()).await.is_err() {
                return Err(UploadFailure::aborted().with_attempt(info.number));
            }
            info.number += 1;
        }
    }

    fn give_up(&self, attempt: u32, e: AttemptError) -> UploadFailure {
        let ambiguous = !self.idempotent
            && retry::may_have_committed(e.phase, &e.failure)
            && retry::is_retryable(&e.failure);
        if ambiguous {
            let mut f = UploadFailure::new(
                "outcome_unknown",
                format!(
                    "the whole upload was sent, but the answer was lost ({}); the server may have stored it. \
                     Check SpeechSense for this talk before uploading again, or you may create a duplicate",
                    e.error.message
                ),
            );
            f.status = e.error.status;
            f.grpc_status = e.error.grpc_status;
            f.cause = e.error.cause;
            return f.with_attempt(attempt);
        }
        let mut error = e.error.with_attempt(attempt);
        if attempt > 1 && retry::is_retryable(&e.failure) {
            error.message = format!("{} (gave up after {attempt} attempts)", error.message);
        }
        error
    }
}
