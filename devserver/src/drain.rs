//! Reads the rest of a request body before the response goes out.
//!
//! A browser that is still sending a body when the server answers and closes reports
//! "Failed to fetch" instead of the status. Handlers return early
//! on errors (bad auth, unknown connection, wrong stream order, wrong audio) without reading
//! the rest, so this layer keeps a handle on the body: when the inner service has produced its
//! response and dropped the body, whatever is left is read and discarded, then the response is
//! returned.
//!
//! ```ignore
//! let app = router.layer(devserver::drain::DrainLayer);
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::Body;
use bytes::Bytes;
use http::{Request, Response};
use http_body::Frame;
use http_body_util::BodyExt;
use tower::{Layer, Service, ServiceExt};

/// The layer; see the module docs.
#[derive(Clone, Copy, Debug, Default)]
pub struct DrainLayer;

impl<S> Layer<S> for DrainLayer {
    type Service = Drain<S>;
    fn layer(&self, inner: S) -> Self::Service {
        Drain { inner }
    }
}

/// The service made by [`DrainLayer`].
#[derive(Clone, Debug)]
pub struct Drain<S> {
    inner: S,
}

type Slot = Arc<Mutex<Option<Body>>>;

impl<S, ResB> Service<Request<Body>> for Drain<S>
where
    S: Service<Request<Body>, Response = Response<ResB>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ResB: Send + 'static,
{
    type Response = Response<ResB>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<ResB>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let slot: Slot = Arc::new(Mutex::new(None));
        let req = req.map(|body| {
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(body);
            Body::new(SharedBody { slot: slot.clone() })
        });
        Box::pin(async move {
            let res = inner.oneshot(req).await?;
            let rest = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
            if let Some(mut body) = rest {
                if !http_body::Body::is_end_stream(&body) {
                    while let Some(frame) = body.frame().await {
                        if frame.is_err() {
                            // The client went away: nothing left to drain.
                            break;
                        }
                    }
                }
            }
            Ok(res)
        })
    }
}

/// The body the inner service sees: it reads through the shared slot, so the layer can take
/// the unread rest afterwards.
struct SharedBody {
    slot: Slot,
}

impl http_body::Body for SharedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let mut guard = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_mut() {
            Some(body) => Pin::new(body).poll_frame(cx),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.slot.lock().unwrap_or_else(|p| p.into_inner()).as_ref().is_none_or(http_body::Body::is_end_stream)
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.slot
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(http_body::Body::size_hint)
            .unwrap_or_else(|| http_body::SizeHint::with_exact(0))
    }
}
