//! Structured logs: one JSON line on stdout per request, written when its response has been sent
//! (or abandoned). Handlers add fields (`rpc`, `connection_id`, `grpc_status`, `bytes_in`,
//! `refused`, ...) through the [`RequestLog`] found in the request extensions. A line never holds
//! a ticket, a key, a token, a presigned field or a query string.
//!
//! ```text
//! {"event":"request","method":"POST","path":"/yandex.cloud.speechsense.v1.TalkService/UploadBadge","status":200,"grpc_status":0,"rpc":"UploadBadge","connection_id":"c1","bytes_in":1048601,"ms":412}
//! ```

use std::future::Future;
use std::io::Write as _;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http::{Request, Response};
use http_body::{Body, Frame, SizeHint};
use serde_json::{Map, Value};
use tower::{Layer, Service};

/// Writes one JSON line to stdout.
pub fn emit(line: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
}

/// The fields of one request's log line, shared by the layer and the handlers.
#[derive(Clone, Default)]
pub struct RequestLog(Arc<Mutex<Map<String, Value>>>);

impl RequestLog {
    /// Sets a field.
    pub fn set(&self, key: &str, value: impl Into<Value>) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).insert(key.to_owned(), value.into());
    }

    /// Sets a field unless it is set already.
    pub fn set_default(&self, key: &str, value: impl Into<Value>) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).entry(key.to_owned()).or_insert(value.into());
    }

    fn take(&self) -> Map<String, Value> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// The layer; put it outermost.
#[derive(Clone, Copy, Default)]
pub struct LogLayer;

impl<S> Layer<S> for LogLayer {
    type Service = Logged<S>;
    fn layer(&self, inner: S) -> Self::Service {
        Logged { inner }
    }
}

/// The service made by [`LogLayer`].
#[derive(Clone)]
pub struct Logged<S> {
    inner: S,
}

impl<S, ReqB, ResB> Service<Request<ReqB>> for Logged<S>
where
    S: Service<Request<ReqB>, Response = Response<ResB>> + Send,
    S::Future: Send + 'static,
    ResB: Body<Data = Bytes> + Send + 'static,
{
    type Response = Response<LoggedBody<ResB>>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqB>) -> Self::Future {
        let log = RequestLog::default();
        log.set("event", "request");
        log.set("method", req.method().as_str());
        // The path only: a query string might carry something a page should not have sent.
        log.set("path", req.uri().path());
        if let Some(origin) = req.headers().get(http::header::ORIGIN).and_then(|v| v.to_str().ok()) {
            log.set("origin", origin);
        }
        req.extensions_mut().insert(log.clone());
        let started = Instant::now();
        let fut = self.inner.call(req);
        Box::pin(async move {
            let res = fut.await?;
            log.set("status", res.status().as_u16());
            if let Some(code) = res.headers().get("grpc-status").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u32>().ok()) {
                log.set_default("grpc_status", code);
            }
            Ok(res.map(|inner| LoggedBody { inner, line: Some((log, started)) }))
        })
    }
}

/// A response body that writes the request's log line when it ends or is dropped.
pub struct LoggedBody<B: Body> {
    inner: B,
    line: Option<(RequestLog, Instant)>,
}

impl<B: Body> LoggedBody<B> {
    fn finish(&mut self, aborted: bool) {
        if let Some((log, started)) = self.line.take() {
            let mut fields = log.take();
            fields.insert("ms".into(), Value::from(started.elapsed().as_millis() as u64));
            if aborted {
                fields.insert("aborted".into(), Value::Bool(true));
            }
            emit(&Value::Object(fields));
        }
    }
}

impl<B: Body> Drop for LoggedBody<B> {
    fn drop(&mut self) {
        // hyper never polls a body that says it is empty; that is not an abort.
        let aborted = !self.inner.is_end_stream();
        self.finish(aborted);
    }
}

impl<B: Body<Data = Bytes> + Unpin> Body for LoggedBody<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let r = Pin::new(&mut self.inner).poll_frame(cx);
        match &r {
            // HTTP/2 drops a body after its trailers without polling it again.
            Poll::Ready(None) => self.finish(false),
            Poll::Ready(Some(Ok(f))) if f.is_trailers() => self.finish(false),
            _ => {}
        }
        r
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
