//! Fault injection for the reliability tests: `--fault-schedule fail,ok,... --fault-mode
//! 503|reset|stall` (parsed into [`Config::faults`](crate::config::Config::faults)).
//!
//! # API (for every router that should fail on purpose)
//!
//! ```ignore
//! use devserver::faults::{self, Target};
//! let router = router.layer(faults::layer(config.faults, Target::Posts));   // S3 POSTs
//! devserver::serve::serve(listener, router, opts, shutdown).await?;         // needed for `reset`
//! ```
//!
//! - [`layer`]`(faults, target) -> FaultLayer`: a tower layer usable as `Router::layer(...)`.
//!   With `None` it passes everything through untouched.
//! - [`Target::GrpcWebUploads`]: grpc-web POSTs (`content-type: application/grpc-web*`) to the
//!   `TalkService/Upload*` methods. Plain gRPC (`application/grpc`, over h2c) is never faulted:
//!   cutting an HTTP/2 connection would fail every other stream on it, and only the browser
//!   package needs the faults. [`Target::Posts`]: every POST (the S3 form uploads).
//! - Which requests fail is said, not drawn: the n-th matching request through one layer
//!   (n = 0, 1, ...) fails as [`Faults::at`]`(n)` says. Two layers count separately, so a
//!   test names the requests that fail (`fail,ok,...`: every even one) instead of searching
//!   for a random seed that happens to fail them.
//!
//! # Modes
//!
//! - `503`: reads (drains) the whole request body, then answers HTTP 503 with `retry-after: 1`
//!   and `x-devserver-fault: 503`. The inner service is never called.
//! - `reset`: the inner service gets a body that ends in the middle: half of `content-length`
//!   (or half of the first body frame when the length is unknown) is delivered, then the
//!   connection's [`ConnCut`] fires and [`serve`](crate::serve::serve) drops the TCP connection.
//!   The handler's future is dropped with it, which exercises its cleanup path for real.
//!   Without a `ConnCut` (a router served by something else) the body fails with an error
//!   instead.
//! - `stall`: never reads the body and never answers. The client's own timeout must fire.
//!
//! A faulted request never completes a handler, so it never stores a talk or an object.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body::Frame;
use http_body_util::BodyExt;
use tower::{Layer, Service, ServiceExt};

pub use crate::config::{FaultMode, Faults};
pub use crate::serve::ConnCut;

/// Which requests a [`FaultLayer`] may fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// grpc-web POSTs to `yandex.cloud.speechsense.v1.TalkService/Upload*`.
    GrpcWebUploads,
    /// grpc-web **and plain gRPC** POSTs to the same methods (`--fault-grpc`): the devserver as
    /// a failing upstream of talk-gateway, which speaks gRPC over HTTP/2 to it.
    GrpcUploads,
    /// Every POST.
    Posts,
}

impl Target {
    /// Whether this target covers a request.
    pub fn matches<B>(self, req: &Request<B>) -> bool {
        if req.method() != http::Method::POST {
            return false;
        }
        match self {
            Target::Posts => true,
            Target::GrpcWebUploads | Target::GrpcUploads => {
                let prefix = if self == Target::GrpcUploads { "application/grpc" } else { "application/grpc-web" };
                let grpc_web = req
                    .headers()
                    .get(http::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|ct| ct.starts_with(prefix));
                grpc_web && req.uri().path().starts_with("/yandex.cloud.speechsense.v1.TalkService/Upload")
            }
        }
    }
}

/// The tower layer; see the module docs.
#[derive(Clone, Debug)]
pub struct FaultLayer {
    state: Option<Arc<State>>,
}

#[derive(Debug)]
struct State {
    faults: Faults,
    target: Target,
    next: AtomicU64,
}

impl State {
    fn decide<B>(&self, req: &Request<B>) -> Option<(FaultMode, u64)> {
        if !self.target.matches(req) {
            return None;
        }
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        self.faults.at(n).map(|mode| (mode, n))
    }
}

/// A fault layer for `target`; `None` (no `--fault-schedule`) passes everything through.
pub fn layer(faults: Option<Faults>, target: Target) -> FaultLayer {
    FaultLayer { state: faults.map(|faults| Arc::new(State { faults, target, next: AtomicU64::new(0) })) }
}

impl<S> Layer<S> for FaultLayer {
    type Service = FaultService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        FaultService { inner, state: self.state.clone() }
    }
}

/// The service made by [`FaultLayer`].
#[derive(Clone, Debug)]
pub struct FaultService<S> {
    inner: S,
    state: Option<Arc<State>>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl<S, ResB> Service<Request<Body>> for FaultService<S>
where
    S: Service<Request<Body>, Response = Response<ResB>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ResB: http_body::Body<Data = Bytes> + Send + 'static,
    ResB::Error: Into<BoxError>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        // The clone is not ready; keep the ready one for this call (tower's usual dance).
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let decision = self.state.as_ref().and_then(|s| s.decide(&req));
        let Some((mode, n)) = decision else {
            return Box::pin(async move { Ok(inner.oneshot(req).await?.map(Body::new)) });
        };
        crate::log::emit(&serde_json::json!({ "event": "fault", "mode": mode.as_str(), "n": n, "path": req.uri().path() }));
        match mode {
            FaultMode::Http503 => Box::pin(async move {
                // Drain first, or the browser reports "Failed to fetch" instead of the 503.
                let mut body = req.into_body();
                while let Some(frame) = body.frame().await {
                    if frame.is_err() {
                        break;
                    }
                }
                let res = Response::builder()
                    .status(StatusCode::SERVICE_UNAVAILABLE)
                    .header("retry-after", "1")
                    .header("x-devserver-fault", "503")
                    .header(http::header::CONTENT_TYPE, "text/plain; charset=utf-8")
                    .body(Body::from("injected fault: 503 (--fault-mode 503)\n"))
                    .expect("static response");
                Ok(res)
            }),
            FaultMode::Stall => Box::pin(async move {
                // Hold the unread body: TCP back-pressure stops the client's upload too.
                let _held = req;
                std::future::pending::<Result<Response<Body>, S::Error>>().await
            }),
            FaultMode::Reset => {
                let cut = req.extensions().get::<ConnCut>().cloned();
                let limit = req
                    .headers()
                    .get(http::header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .map(|len| (len / 2).max(1));
                let req = req.map(|body| Body::new(CutBody { inner: body, limit, read: 0, cut, fired: false }));
                Box::pin(async move { Ok(inner.oneshot(req).await?.map(Body::new)) })
            }
        }
    }
}

/// A request body that ends in the middle and then cuts the connection.
struct CutBody {
    inner: Body,
    /// Bytes to deliver before the cut; decided from the first frame when the length is unknown.
    limit: Option<u64>,
    read: u64,
    cut: Option<ConnCut>,
    fired: bool,
}

impl CutBody {
    fn fire(&mut self) {
        self.fired = true;
        if let Some(cut) = &self.cut {
            cut.cut();
        }
    }
}

impl http_body::Body for CutBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.fired {
            return match self.cut {
                // The connection task drops us (and the handler) as soon as it runs.
                Some(_) => Poll::Pending,
                None => Poll::Ready(Some(Err(axum::Error::new(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "injected fault: connection reset (--fault-mode reset)",
                ))))),
            };
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(frame))) => {
                let Some(data) = frame.data_ref() else { return Poll::Ready(Some(Ok(frame))) };
                let len = data.len() as u64;
                let limit = *self.limit.get_or_insert((len / 2).max(1));
                if self.read + len < limit {
                    self.read += len;
                    return Poll::Ready(Some(Ok(frame)));
                }
                let take = (limit - self.read) as usize;
                let part = data.slice(..take);
                self.read = limit;
                self.fire();
                Poll::Ready(Some(Ok(Frame::data(part))))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
            Poll::Ready(None) => {
                // Shorter than announced: cut instead of ending, so the body never completes.
                self.fire();
                self.poll_frame(cx)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let gw = |path: &str, ct: &str| {
            Request::post(path).header("content-type", ct).body(()).unwrap()
        };
        let t = Target::GrpcWebUploads;
        assert!(t.matches(&gw("/yandex.cloud.speechsense.v1.TalkService/UploadAsStream", "application/grpc-web+proto")));
        assert!(t.matches(&gw("/yandex.cloud.speechsense.v1.TalkService/UploadText", "application/grpc-web")));
        assert!(!t.matches(&gw("/yandex.cloud.speechsense.v1.TalkService/Upload", "application/grpc")));
        assert!(!t.matches(&gw("/api/talks", "application/grpc-web")));
        assert!(!t.matches(&Request::get("/yandex.cloud.speechsense.v1.TalkService/Upload").body(()).unwrap()));
        assert!(Target::Posts.matches(&gw("/bucket", "multipart/form-data")));
    }
}
