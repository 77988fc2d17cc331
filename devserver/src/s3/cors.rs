//! CORS for the embedded S3 port, with tower-http's [`CorsLayer`] (as on the main port). s3s
//! knows nothing of CORS, so the layer answers `OPTIONS` preflights itself and decorates
//! **every** response, S3 XML errors and injected faults included: a page can only read the
//! `<Error><Code>` of a rejected form if the error carries `Access-Control-Allow-Origin`.
//!
//! What `CorsLayer` does not do is the status of a preflight's answer: one from an origin that
//! is not allowed gets `403` with an XML `CORSResponse` error, as S3 answers it (the layer would
//! answer 200 without the `Access-Control-*` headers), and an allowed one `204 No Content`, as
//! the devserver always did. [`preflight_status`] runs outside the layer for that.
//!
//! A plain `FormData` POST is a simple request, but once `xhr.upload.onprogress` has a listener
//! the browser sends a preflight first, so both paths matter.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

use crate::config::Config;

/// Response headers a page may read: what an upload library needs to report a result or an error.
pub const EXPOSE_HEADERS: [&str; 9] = [
    "etag", "location", "x-amz-request-id", "x-amz-id-2", "x-amz-version-id", "x-amz-server-side-encryption",
    "content-length", "content-type", "date",
];

/// The origins the configuration allows (`--cors-origin`, or any loopback origin), for the
/// CORS layers of both ports.
pub fn allow_origin(config: &Config) -> AllowOrigin {
    let config = config.clone();
    AllowOrigin::predicate(move |origin: &HeaderValue, _| origin.to_str().is_ok_and(|o| config.origin_allowed(o)))
}

/// The S3 port's CORS layer: the methods S3 allows, the request headers the preflight asks
/// for, and the response headers an upload needs exposed.
pub fn layer(config: &Config) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(allow_origin(config))
        .allow_methods([Method::GET, Method::HEAD, Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers(EXPOSE_HEADERS.map(HeaderName::from_static))
        .max_age(Duration::from_secs(600))
}

/// Whether this is a CORS preflight (and not some other `OPTIONS`).
pub fn is_preflight(method: &Method, headers: &HeaderMap) -> bool {
    method == Method::OPTIONS
        && headers.contains_key(header::ORIGIN)
        && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

/// Middleware outside [`layer`]: a preflight from an origin that is not allowed gets the
/// `403 CORSResponse` that S3 gives, without any `Access-Control-*` header; an allowed one is
/// answered `204` (it has no body).
pub async fn preflight_status(
    axum::extract::State(config): axum::extract::State<Arc<Config>>,
    req: Request<Body>,
    next: axum::middleware::Next,
) -> Response<Body> {
    if !is_preflight(req.method(), req.headers()) {
        return next.run(req).await;
    }
    let allowed = req.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()).is_some_and(|o| config.origin_allowed(o));
    if allowed {
        let mut res = next.run(req).await;
        if res.status() == StatusCode::OK {
            *res.status_mut() = StatusCode::NO_CONTENT;
        }
        return res;
    }
    let mut res = super::xml_error(StatusCode::FORBIDDEN, "CORSResponse", "This CORS request is not allowed.");
    res.headers_mut().append(header::VARY, HeaderValue::from_static("origin"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    fn app(args: &[&str]) -> axum::Router {
        let config = Config::from_args(args.iter().map(|s| s.to_string())).unwrap();
        let inner = axum::Router::new().fallback(|| async { (StatusCode::NOT_FOUND, "<Error><Code>NoSuchKey</Code></Error>") });
        inner
            .layer(layer(&config))
            .layer(axum::middleware::from_fn_with_state(Arc::new(config), preflight_status))
    }

    fn preflight(origin: &str) -> Request<Body> {
        Request::builder()
            .method("OPTIONS")
            .uri("/talk-uploads")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "x-requested-with")
            .body(Body::empty())
            .unwrap()
    }

    #[tokio::test]
    async fn loopback_preflight_is_allowed_and_echoes_requested_headers() {
        let res = app(&[]).oneshot(preflight("http://127.0.0.1:5173")).await.unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let h = res.headers();
        assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], "http://127.0.0.1:5173");
        assert_eq!(h[header::ACCESS_CONTROL_ALLOW_HEADERS], "x-requested-with");
        assert!(h[header::ACCESS_CONTROL_ALLOW_METHODS].to_str().unwrap().contains("POST"));
    }

    #[tokio::test]
    async fn foreign_origin_gets_no_cors_headers() {
        let res = app(&[]).oneshot(preflight("https://evil.example")).await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(!res.headers().contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
        let get = Request::get("/talk-uploads/x").header("origin", "https://evil.example").body(Body::empty()).unwrap();
        let res = app(&[]).oneshot(get).await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert!(!res.headers().contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
        // An allowed origin reads the error and the headers an upload needs.
        let get = Request::get("/talk-uploads/x").header("origin", "http://localhost:3000").body(Body::empty()).unwrap();
        let res = app(&[]).oneshot(get).await.unwrap();
        assert_eq!(res.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "http://localhost:3000");
        assert!(res.headers()[header::ACCESS_CONTROL_EXPOSE_HEADERS].to_str().unwrap().contains("etag"));
    }
}
