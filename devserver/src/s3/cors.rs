//! CORS for the embedded S3 port. s3s knows nothing of CORS, so this answers `OPTIONS`
//! preflights itself and decorates **every** response, S3 XML errors included: a page can only
//! read the `<Error><Code>` of a rejected form if the error carries `Access-Control-Allow-Origin`.
//!
//! A plain `FormData` POST is a simple request, but once `xhr.upload.onprogress` has a listener
//! the browser sends a preflight first, so both paths matter.

use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, StatusCode};

use crate::config::Config;

/// Methods a page may use on the S3 port.
pub const ALLOW_METHODS: &str = "GET, HEAD, POST, PUT, DELETE, OPTIONS";

/// Response headers a page may read: what an upload library needs to report a result or an error.
pub const EXPOSE_HEADERS: &str =
    "ETag, Location, x-amz-request-id, x-amz-id-2, x-amz-version-id, x-amz-server-side-encryption, Content-Length, Content-Type, Date";

/// Request headers allowed when the preflight does not list its own.
const DEFAULT_ALLOW_HEADERS: &str =
    "authorization, content-type, content-md5, x-amz-date, x-amz-content-sha256, x-amz-security-token, x-amz-user-agent";

/// The request's `Origin`, if the configuration allows it.
pub fn allowed_origin(config: &Config, headers: &HeaderMap) -> Option<HeaderValue> {
    let origin = headers.get(header::ORIGIN)?;
    let text = origin.to_str().ok()?;
    config.origin_allowed(text).then(|| origin.clone())
}

/// Whether this is a CORS preflight (and not some other `OPTIONS`).
pub fn is_preflight(method: &Method, headers: &HeaderMap) -> bool {
    method == Method::OPTIONS
        && headers.contains_key(header::ORIGIN)
        && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

/// Adds the CORS headers for `origin` (an allowed origin) to a response.
pub fn decorate(headers: &mut HeaderMap, origin: Option<HeaderValue>) {
    // Responses differ by Origin, so caches must key on it, allowed or not.
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSE_HEADERS));
    }
}

/// The status and headers of a preflight answer. An origin that is not allowed gets the 403
/// that S3 gives (`CORSResponse`), without any `Access-Control-*` header.
pub fn preflight(config: &Config, req: &HeaderMap) -> (StatusCode, HeaderMap) {
    let mut headers = HeaderMap::new();
    let Some(origin) = allowed_origin(config, req) else {
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
        return (StatusCode::FORBIDDEN, headers);
    };
    decorate(&mut headers, Some(origin));
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(ALLOW_METHODS));
    let requested = req
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static(DEFAULT_ALLOW_HEADERS));
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested);
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    (StatusCode::NO_CONTENT, headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> Config {
        Config::from_args(Vec::<String>::new()).unwrap()
    }

    fn with_origin(o: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ORIGIN, HeaderValue::from_str(o).unwrap());
        h.insert(header::ACCESS_CONTROL_REQUEST_METHOD, HeaderValue::from_static("POST"));
        h
    }

    #[test]
    fn loopback_preflight_is_allowed_and_echoes_requested_headers() {
        let mut req = with_origin("http://127.0.0.1:5173");
        req.insert(header::ACCESS_CONTROL_REQUEST_HEADERS, HeaderValue::from_static("x-requested-with"));
        assert!(is_preflight(&Method::OPTIONS, &req));
        let (status, h) = preflight(&cfg(), &req);
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], "http://127.0.0.1:5173");
        assert_eq!(h[header::ACCESS_CONTROL_ALLOW_HEADERS], "x-requested-with");
        assert!(h[header::ACCESS_CONTROL_ALLOW_METHODS].to_str().unwrap().contains("POST"));
    }

    #[test]
    fn foreign_origin_gets_no_cors_headers() {
        let req = with_origin("https://evil.example");
        let (status, h) = preflight(&cfg(), &req);
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(!h.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
        let mut res = HeaderMap::new();
        decorate(&mut res, allowed_origin(&cfg(), &req));
        assert!(!res.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
    }
}
