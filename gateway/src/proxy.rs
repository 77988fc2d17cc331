//! The TalkService proxy: the service behind tonic-web's `GrpcWebLayer`, which has already
//! turned the browser's grpc-web request into a gRPC one (and turns the gRPC answer, trailers
//! included, back into grpc-web). For each call it:
//!
//! 1. takes a concurrency permit (`--max-concurrent`), or answers `UNAVAILABLE`;
//! 2. checks the ticket (`UNAUTHENTICATED`; nothing is sent upstream);
//! 3. reads the head of the body up to the metadata ([`crate::inspect`]) and checks the
//!    connection and the declared size (`PERMISSION_DENIED`; still nothing sent upstream);
//! 4. forwards the call over HTTP/2 with the gateway's credential in place of the ticket,
//!    streaming the body through [`crate::body::Forward`], which cuts it past the byte limit;
//! 5. passes the answer back, headers, messages and trailers, after draining whatever the
//!    browser has not sent yet.
//!
//! Every local refusal drains the browser's body first, so the page reads the status.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::BytesMut;
use http::{HeaderMap, HeaderValue, Request, Response};
use http_body_util::BodyExt;
use tonic::{Code, Status};

use crate::body::{drain, Forward, InBody, Progress, Slot};
use crate::inspect::{inspect, Method};
use crate::log::RequestLog;
use crate::ticket;
use crate::State;

/// The gateway's `user-agent` upstream.
pub const USER_AGENT: &str = concat!("talk-gateway/", env!("CARGO_PKG_VERSION"));

/// The service; cheap to clone.
#[derive(Clone)]
pub struct TalkProxy {
    state: Arc<State>,
}

impl TalkProxy {
    /// A proxy over the shared state.
    pub fn new(state: Arc<State>) -> Self {
        TalkProxy { state }
    }
}

type ResBody = tonic::body::Body;

impl tower::Service<Request<InBody>> for TalkProxy {
    type Response = Response<ResBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<ResBody>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<InBody>) -> Self::Future {
        let state = self.state.clone();
        Box::pin(async move { Ok(handle(state, req).await) })
    }
}

/// A local refusal: drain what the browser still sends, then a trailers-only status.
async fn refuse(slot: &Slot, log: &RequestLog, code: Code, reason: &str, message: String) -> Response<ResBody> {
    drain(slot).await;
    log.set("refused", reason);
    log.set("grpc_status", code as i32);
    Status::new(code, message).into_http()
}

async fn handle(state: Arc<State>, req: Request<InBody>) -> Response<ResBody> {
    let log = req.extensions().get::<RequestLog>().cloned().unwrap_or_default();
    let (parts, body) = req.into_parts();
    let slot = Slot::new(body);
    let Some(method) = Method::from_path(parts.uri.path()) else {
        // Routing sends only the four paths here; anything else is a bug, and still no proxy.
        return refuse(&slot, &log, Code::Unimplemented, "not_allowed", "method not served by the gateway".into()).await;
    };
    log.set("rpc", method.name());

    let Ok(permit) = state.permits.clone().try_acquire_owned() else {
        let msg = format!("the gateway is serving its maximum of {} requests; retry shortly", state.config.max_concurrent);
        return refuse(&slot, &log, Code::Unavailable, "busy", msg).await;
    };

    let auth = parts.headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let claims = match ticket::bearer(auth).and_then(|t| ticket::verify(&state.config.ticket_secret, t, ticket::now_unix())) {
        Ok(c) => c,
        Err(e) => return refuse(&slot, &log, Code::Unauthenticated, "ticket", e.to_string()).await,
    };
    let limit = claims.max_bytes.map_or(state.config.max_upload_bytes, |m| m.min(state.config.max_upload_bytes));

    // Read only up to the metadata.
    let mut head = BytesMut::new();
    let found = loop {
        match inspect(method, &head) {
            Ok(Some(h)) => break h,
            Ok(None) => {}
            Err(e) => return refuse(&slot, &log, Code::InvalidArgument, "bad_head", e.to_string()).await,
        }
        if head.len() > 2 * crate::inspect::MAX_HEAD_BYTES {
            // Many small fields ahead of the metadata: the gateway buffers no more than this.
            let msg = "no metadata in the first 2 MiB of the request; send `metadata` first".to_owned();
            return refuse(&slot, &log, Code::InvalidArgument, "bad_head", msg).await;
        }
        match slot.next_data().await {
            Some(Ok(d)) => head.extend_from_slice(&d),
            Some(Err(_)) => {
                log.set("refused", "client_gone");
                return Status::cancelled("the browser stopped sending").into_http();
            }
            None => {
                let e = crate::inspect::HeadError::Truncated;
                return refuse(&slot, &log, Code::InvalidArgument, "bad_head", e.to_string()).await;
            }
        }
    };
    log.set("connection_id", found.connection_id.as_str());
    if !claims.allows_connection(&found.connection_id) {
        let msg = if found.connection_id.is_empty() {
            "the upload names no connection (TalkMetadata.connection_id); the ticket allows only its own connections".to_owned()
        } else {
            format!("the upload ticket does not allow uploads to connection \"{}\"", found.connection_id)
        };
        return refuse(&slot, &log, Code::PermissionDenied, "connection", msg).await;
    }
    let declared = found.first_message_len.saturating_add(talk_uploader::grpc_web::FRAME_HEADER_SIZE as u64);
    if head.len() as u64 > limit || (!method.is_stream() && declared > limit) {
        return refuse(&slot, &log, Code::PermissionDenied, "limit", over_limit(limit, Some(declared))).await;
    }

    // Forward.
    let progress = Arc::new(Progress::default());
    let forward = Forward::new(head.freeze(), slot.clone(), limit, progress.clone());
    let uri = format!("{}{}", state.upstream_base, parts.uri.path());
    let mut up = Request::post(uri);
    if let Some(h) = up.headers_mut() {
        copy_request_headers(&parts.headers, h);
        h.insert(http::header::AUTHORIZATION, state.credential.clone());
    }
    let up = match up.body(forward.boxed_unsync()) {
        Ok(r) => r,
        Err(e) => return refuse(&slot, &log, Code::Internal, "internal", format!("cannot build the upstream request: {e}")).await,
    };
    let response = tokio::select! {
        r = state.clients.grpc.request(up) => Some(r),
        () = progress.cut.notified() => None,
    };
    log.set("bytes_in", progress.sent.load(Ordering::SeqCst));
    if progress.over_limit.load(Ordering::SeqCst) || response.is_none() {
        // The upstream stream was reset before its end: it stores nothing.
        return refuse(&slot, &log, Code::PermissionDenied, "limit", over_limit(limit, None)).await;
    }
    let res = match response {
        Some(Ok(res)) => res,
        Some(Err(e)) => {
            let why = crate::upstream::error_chain(&e);
            log.set("upstream_error", why.as_str());
            return refuse(&slot, &log, Code::Unavailable, "upstream", format!("the connection to SpeechSense failed: {why}")).await;
        }
        None => return refuse(&slot, &log, Code::Internal, "internal", "unreachable".into()).await,
    };

    let is_grpc = res
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/grpc"));
    if res.status() != http::StatusCode::OK || !is_grpc {
        // Not a gRPC answer (a proxy's 503, a load balancer's 404): map it as gRPC clients do.
        let status = res.status().as_u16();
        log.set("upstream_http_status", status);
        let code = Code::from(talk_uploader::grpc_web::GrpcCode::from_http_status(status).as_u32() as i32);
        let code = if status == 200 { Code::Unknown } else { code };
        let msg = format!("SpeechSense answered HTTP {status} without a gRPC status");
        return refuse(&slot, &log, code, "upstream_http", msg).await;
    }

    let (mut rparts, incoming) = res.into_parts();
    let trailers_only = rparts.headers.contains_key("grpc-status");
    strip_response_headers(&mut rparts.headers);
    if trailers_only {
        drain(&slot).await;
        return Response::from_parts(rparts, tonic::body::Body::empty());
    }
    // Messages pass through as they come; before the trailers, the browser's body is drained
    // (a no-op when the upstream answered after reading everything, as gRPC servers do).
    let stream = futures_util::stream::unfold(
        Some((incoming, slot, log, permit)),
        |st| async move {
            let (mut incoming, slot, log, permit) = st?;
            match incoming.frame().await {
                Some(Ok(frame)) if frame.is_data() => Some((Ok(frame), Some((incoming, slot, log, permit)))),
                Some(Ok(frame)) => {
                    drain(&slot).await;
                    if let Some(code) = frame.trailers_ref().and_then(|t| t.get("grpc-status")).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u32>().ok()) {
                        log.set("grpc_status", code);
                    }
                    drop(permit);
                    Some((Ok(frame), None))
                }
                Some(Err(e)) => {
                    log.set("upstream_error", crate::upstream::error_chain(&e));
                    Some((Err(Status::unavailable(format!("the SpeechSense answer was cut: {}", crate::upstream::error_chain(&e)))), None))
                }
                None => {
                    drain(&slot).await;
                    None
                }
            }
        },
    );
    Response::from_parts(rparts, tonic::body::Body::new(http_body_util::StreamBody::new(stream)))
}

fn over_limit(limit: u64, declared: Option<u64>) -> String {
    match declared {
        Some(d) if d > limit => format!("the upload is {d} bytes, over the {limit}-byte limit of this gateway and ticket (max_bytes)"),
        _ => format!("the upload passed the {limit}-byte limit of this gateway and ticket (max_bytes); nothing was stored"),
    }
}

/// The request headers that go upstream: the gRPC ones only. Cookies, the origin, the browser's
/// `authorization` and everything else stay here.
fn copy_request_headers(from: &HeaderMap, to: &mut HeaderMap) {
    to.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
    to.insert(http::header::TE, HeaderValue::from_static("trailers"));
    to.insert(http::header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
    if let Some(t) = from.get("grpc-timeout") {
        to.insert("grpc-timeout", t.clone());
    }
}

/// Response headers that must not reach the browser as they came: framing headers that
/// tonic-web's re-encoding makes wrong, and hop-by-hop ones.
fn strip_response_headers(h: &mut HeaderMap) {
    for name in ["content-length", "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "alt-svc"] {
        h.remove(name);
    }
}
