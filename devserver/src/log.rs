//! One structured JSON line per request on stderr: method, path, status, bytes, duration.
//! The query string and every header are left out, so a key or a token can never be logged.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

/// The logging middleware.
pub async fn request_line(req: Request, next: Next) -> Response {
    let start = std::time::Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let req_bytes = req
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let res = next.run(req).await;
    let grpc_status = res.headers().get("grpc-status").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let line = serde_json::json!({
        "event": "request",
        "method": method.as_str(),
        "path": path,
        "status": res.status().as_u16(),
        "grpcStatus": grpc_status,
        "requestBytes": req_bytes,
        "ms": start.elapsed().as_secs_f64() * 1000.0,
    });
    eprintln!("{line}");
    res
}
