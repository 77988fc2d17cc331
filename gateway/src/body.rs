//! The browser's request body on its way upstream, in constant memory.
//!
//! [`Forward`] replays the few bytes already read to check the metadata, then streams the rest
//! frame by frame as hyper hands it over, counting bytes. Past the upload limit it fails instead
//! of yielding, which makes hyper reset the upstream stream: the upstream never sees a complete
//! request, so it stores nothing. The browser's body stays in a shared [`Slot`], so that after a
//! refusal or an early upstream answer the gateway can [`drain`] what is left: a browser that is
//! still sending when the answer comes reports "Failed to fetch" instead of the status.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;

use crate::upstream::BoxError;

/// The longest a refusal waits for the rest of a body before it answers anyway.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(60);

/// The browser body, as every request handler receives it.
pub type InBody = tonic::body::Body;

enum SlotState {
    Active(InBody),
    /// Taken for draining: the forwarder must not see an end of stream, which the upstream would
    /// take for a complete request.
    Taken,
}

/// The browser body, shared by the forwarder and the handler.
#[derive(Clone)]
pub struct Slot(Arc<Mutex<SlotState>>);

impl Slot {
    /// Wraps a body.
    pub fn new(body: InBody) -> Self {
        Slot(Arc::new(Mutex::new(SlotState::Active(body))))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SlotState> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes the body away from the forwarder (which then fails, never ends cleanly).
    pub fn take(&self) -> Option<InBody> {
        match std::mem::replace(&mut *self.lock(), SlotState::Taken) {
            SlotState::Active(b) => Some(b),
            SlotState::Taken => None,
        }
    }

    /// Reads the next data frame (trailers and empty frames skipped); `None` at the end.
    pub async fn next_data(&self) -> Option<Result<Bytes, BoxError>> {
        std::future::poll_fn(|cx| {
            let mut g = self.lock();
            let SlotState::Active(body) = &mut *g else { return Poll::Ready(None) };
            loop {
                match Pin::new(&mut *body).poll_frame(cx) {
                    Poll::Ready(Some(Ok(f))) => match f.into_data() {
                        Ok(d) if !d.is_empty() => return Poll::Ready(Some(Ok(d))),
                        _ => continue,
                    },
                    Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(Box::new(e) as BoxError))),
                    Poll::Ready(None) => return Poll::Ready(None),
                    Poll::Pending => return Poll::Pending,
                }
            }
        })
        .await
    }
}

/// Reads and discards the rest of the browser body (bounded by [`DRAIN_TIMEOUT`]), so that the
/// answer that follows reaches the page as a status.
pub async fn drain(slot: &Slot) -> u64 {
    let Some(mut body) = slot.take() else { return 0 };
    let mut n = 0u64;
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while let Some(frame) = body.frame().await {
            match frame {
                Ok(f) => n += f.data_ref().map_or(0, |d| d.len() as u64),
                Err(_) => break,
            }
        }
    })
    .await;
    n
}

/// What the forwarder reports.
#[derive(Default)]
pub struct Progress {
    /// Bytes handed to the upstream so far (the replayed head included).
    pub sent: AtomicU64,
    /// The limit was passed: the stream was cut.
    pub over_limit: AtomicBool,
    /// Wakes the handler when the limit is passed.
    pub cut: tokio::sync::Notify,
}

/// The body sent upstream: see the module docs.
pub struct Forward {
    head: Option<Bytes>,
    slot: Slot,
    limit: u64,
    progress: Arc<Progress>,
    done: bool,
}

impl Forward {
    /// Forwards `head` (already read and counted by the caller), then the rest of `slot`.
    pub fn new(head: Bytes, slot: Slot, limit: u64, progress: Arc<Progress>) -> Self {
        progress.sent.store(head.len() as u64, Ordering::SeqCst);
        Forward { head: Some(head).filter(|h| !h.is_empty()), slot, limit, progress, done: false }
    }
}

/// The error that cuts the upstream stream.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// The body passed the limit.
    #[error("the upload passed its {0}-byte limit")]
    OverLimit(u64),
    /// The gateway stopped forwarding (the upstream had answered already).
    #[error("the gateway stopped forwarding the request")]
    Stopped,
}

impl Body for Forward {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if self.done {
            return Poll::Ready(None);
        }
        if let Some(head) = self.head.take() {
            return Poll::Ready(Some(Ok(Frame::data(head))));
        }
        let this = &mut *self;
        let mut g = this.slot.lock();
        let SlotState::Active(body) = &mut *g else {
            return Poll::Ready(Some(Err(Box::new(ForwardError::Stopped))));
        };
        loop {
            match Pin::new(&mut *body).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => {
                    let Ok(data) = frame.into_data() else { continue }; // browsers send no trailers
                    let sent = this.progress.sent.fetch_add(data.len() as u64, Ordering::SeqCst) + data.len() as u64;
                    if sent > this.limit {
                        this.progress.over_limit.store(true, Ordering::SeqCst);
                        this.progress.cut.notify_one();
                        this.done = true;
                        return Poll::Ready(Some(Err(Box::new(ForwardError::OverLimit(this.limit)))));
                    }
                    return Poll::Ready(Some(Ok(Frame::data(data))));
                }
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(Box::new(e))));
                }
                Poll::Ready(None) => {
                    this.done = true;
                    return Poll::Ready(None);
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}
