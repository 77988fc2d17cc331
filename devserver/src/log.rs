//! Structured logs: one JSON line per request on stderr, plus a few event lines (faults, store
//! errors), all through [`emit`].
//!
//! A request line carries `method`, `path`, `version`, `status` (HTTP), `grpcStatus` (from the
//! HTTP headers of a trailers-only answer, the HTTP/2 trailers, or the grpc-web trailer frame at
//! the end of the body), `requestBytes` (body bytes actually read, drained bytes included),
//! `responseBytes`, `ms`, and `outcome`: `complete`, or `aborted` when the connection went away
//! first (a stalled or cut request has `status: null`). The line is written when the response
//! body is finished, so it measures the whole exchange.
//!
//! The query string and every header are left out, so a key or a token can never be logged.
//!
//! ```ignore
//! let app = router.layer(devserver::log::LogLayer);
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Body;
use bytes::Bytes;
use http::{Request, Response};
use http_body::Frame;
use talk_uploader::grpc_web::response::{find_metadata, parse_trailers};
use talk_uploader::grpc_web::{FRAME_HEADER_SIZE, GRPC_WEB_TRAILERS_BIT};
use tower::{Layer, Service, ServiceExt};

static CAPTURE: Mutex<Option<Vec<String>>> = Mutex::new(None);

/// Writes one log line (a JSON value) to stderr, and to the capture buffer when on.
pub fn emit(line: &serde_json::Value) {
    let text = line.to_string();
    if let Some(buf) = CAPTURE.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
        buf.push(text.clone());
    }
    eprintln!("{text}");
}

/// Starts keeping a copy of every line in memory, for tests. Process-wide.
pub fn capture_start() {
    CAPTURE.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert_with(Vec::new);
}

/// The lines captured so far (since [`capture_start`]).
pub fn captured() -> Vec<String> {
    CAPTURE.lock().unwrap_or_else(|p| p.into_inner()).clone().unwrap_or_default()
}

/// The logging layer; put it outermost so that it sees drained bytes and faults.
#[derive(Clone, Copy, Debug, Default)]
pub struct LogLayer;

impl<S> Layer<S> for LogLayer {
    type Service = LogService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        LogService { inner }
    }
}

/// The service made by [`LogLayer`].
#[derive(Clone, Debug)]
pub struct LogService<S> {
    inner: S,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl<S, ResB> Service<Request<Body>> for LogService<S>
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
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let read = Arc::new(AtomicU64::new(0));
        let mut record = Record {
            method: req.method().to_string(),
            path: req.uri().path().to_owned(),
            version: format!("{:?}", req.version()),
            start: Instant::now(),
            request_bytes: read.clone(),
            status: None,
            grpc_status: None,
            response_bytes: 0,
            complete: false,
            scan: None,
        };
        let req = req.map(|body| Body::new(CountBody { inner: body, read }));
        Box::pin(async move {
            let res = inner.oneshot(req).await?;
            record.status = Some(res.status().as_u16());
            record.grpc_status = res.headers().get("grpc-status").and_then(|v| v.to_str().ok()).map(str::to_owned);
            let grpc_web = res
                .headers()
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ct| ct.starts_with("application/grpc-web") && !ct.starts_with("application/grpc-web-text"));
            if grpc_web && record.grpc_status.is_none() {
                record.scan = Some(TrailerScan::default());
            }
            let (parts, body) = res.into_parts();
            let body = Body::new(body);
            record.complete = http_body::Body::is_end_stream(&body);
            Ok(Response::from_parts(parts, Body::new(LoggedBody { inner: body, record })))
        })
    }
}

/// What one request line reports; written when dropped, whatever happened.
struct Record {
    method: String,
    path: String,
    version: String,
    start: Instant,
    request_bytes: Arc<AtomicU64>,
    status: Option<u16>,
    grpc_status: Option<String>,
    response_bytes: u64,
    complete: bool,
    scan: Option<TrailerScan>,
}

impl Drop for Record {
    fn drop(&mut self) {
        if self.grpc_status.is_none() {
            self.grpc_status = self.scan.as_ref().and_then(TrailerScan::grpc_status);
        }
        emit(&serde_json::json!({
            "event": "request",
            "method": self.method,
            "path": self.path,
            "version": self.version,
            "status": self.status,
            "grpcStatus": self.grpc_status,
            "requestBytes": self.request_bytes.load(Ordering::Relaxed),
            "responseBytes": self.response_bytes,
            "ms": (self.start.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
            "outcome": if self.complete { "complete" } else { "aborted" },
        }));
    }
}

struct CountBody {
    inner: Body,
    read: Arc<AtomicU64>,
}

impl http_body::Body for CountBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled {
            if let Some(data) = frame.data_ref() {
                self.read.fetch_add(data.len() as u64, Ordering::Relaxed);
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

struct LoggedBody {
    inner: Body,
    record: Record,
}

impl http_body::Body for LoggedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    self.record.response_bytes += data.len() as u64;
                    if let Some(scan) = self.record.scan.as_mut() {
                        scan.feed(data);
                    }
                } else if let Some(trailers) = frame.trailers_ref() {
                    if let Some(s) = trailers.get("grpc-status").and_then(|v| v.to_str().ok()) {
                        self.record.grpc_status = Some(s.to_owned());
                    }
                }
            }
            Poll::Ready(None) => self.record.complete = true,
            _ => {}
        }
        // HTTP/2 stops polling once the body says it has ended (after the trailers).
        if self.inner.is_end_stream() {
            self.record.complete = true;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Follows grpc-web frames (flag byte, big-endian u32 length, payload) through a response body
/// and keeps the payload of the trailer frame (flag [`GRPC_WEB_TRAILERS_BIT`]), read with the
/// package's own trailer parser.
#[derive(Default)]
struct TrailerScan {
    header: Vec<u8>,
    remaining: u32,
    in_payload: bool,
    is_trailer: bool,
    trailer: Vec<u8>,
}

impl TrailerScan {
    fn feed(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            if !self.in_payload {
                let n = (FRAME_HEADER_SIZE - self.header.len()).min(data.len());
                self.header.extend_from_slice(&data[..n]);
                data = &data[n..];
                if self.header.len() == FRAME_HEADER_SIZE {
                    self.is_trailer = self.header[0] & GRPC_WEB_TRAILERS_BIT != 0;
                    self.remaining = u32::from_be_bytes([self.header[1], self.header[2], self.header[3], self.header[4]]);
                    self.header.clear();
                    self.in_payload = self.remaining > 0;
                    if self.is_trailer {
                        self.trailer.clear();
                    }
                }
            } else {
                let n = (self.remaining as usize).min(data.len());
                if self.is_trailer && self.trailer.len() < 4096 {
                    self.trailer.extend_from_slice(&data[..n]);
                }
                self.remaining -= n as u32;
                data = &data[n..];
                self.in_payload = self.remaining > 0;
            }
        }
    }

    fn grpc_status(&self) -> Option<String> {
        let trailers = parse_trailers(&self.trailer).ok()?;
        find_metadata(&trailers, "grpc-status").map(str::to_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::TrailerScan;

    #[test]
    fn finds_the_status_in_a_grpc_web_trailer_frame_split_anywhere() {
        let mut body = vec![0u8, 0, 0, 0, 3, 1, 2, 3];
        let trailer = b"grpc-status:0\r\ngrpc-message:\r\n";
        body.push(0x80);
        body.extend_from_slice(&(trailer.len() as u32).to_be_bytes());
        body.extend_from_slice(trailer);
        for split in 0..body.len() {
            let mut s = TrailerScan::default();
            s.feed(&body[..split]);
            s.feed(&body[split..]);
            assert_eq!(s.grpc_status().as_deref(), Some("0"), "split at {split}");
        }
    }
}
