//! DNS-rebinding defence for what a page reads same-origin: `/api/*`, the demo page and the
//! files beside it answer only a `Host` naming this server, that is the listen address,
//! `localhost:PORT` or `127.0.0.1:PORT` (plus any `--allow-host`). Anything else gets
//! `421 Misdirected Request`.
//!
//! Why: a page on `evil.example` can point its own name at 127.0.0.1 and then read
//! `http://evil.example:8787/api/talks` as same-origin, past CORS; its requests still carry
//! `Host: evil.example:8787`. The routes that browsers call cross-origin with credentials
//! (grpc-web / gRPC `TalkService`, the two Vela endpoints) and the S3 port keep answering any
//! `Host`: they check an API key, token or signature, and a gateway or proxy in front of them
//! may rename the host.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use axum::middleware::Next;

use crate::proto::speechsense::talk_service_server::SERVICE_NAME;

/// The hosts one server answers to on its guarded routes.
#[derive(Clone, Debug)]
pub struct AllowedHosts {
    hosts: Vec<String>,
}

impl AllowedHosts {
    /// The listen address as bound (port 0 resolved), `localhost:PORT`, `127.0.0.1:PORT` and
    /// the `--allow-host` names. On port 80 a `Host` without a port matches too.
    pub fn new(listen: SocketAddr, extra: &[String]) -> Self {
        let port = listen.port();
        let mut hosts = vec![listen.to_string(), format!("localhost:{port}"), format!("127.0.0.1:{port}")];
        if port == 80 {
            hosts.extend(["localhost".to_owned(), "127.0.0.1".to_owned(), listen.ip().to_string()]);
        }
        hosts.extend(extra.iter().map(|h| h.to_ascii_lowercase()));
        Self { hosts }
    }

    /// Whether `host` (a `Host` header or an HTTP/2 `:authority`) names this server.
    pub fn allows(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.hosts.iter().any(|h| *h == host)
    }

    /// The accepted names, for the error message.
    pub fn list(&self) -> String {
        self.hosts.join(", ")
    }
}

/// Whether the Host check applies to `path`: everything but the routes called cross-origin with
/// credentials. An allowlist of exemptions, so that a new route is guarded unless it says not.
pub fn guarded(path: &str) -> bool {
    let grpc = path
        .strip_prefix('/')
        .and_then(|p| p.strip_prefix(SERVICE_NAME))
        .is_some_and(|rest| rest.starts_with('/'));
    !(grpc || path == "/asr/async/upload/vela" || path == "/chat/upload/vela")
}

/// The request's host: the `Host` header (HTTP/1.1), else the URI's authority (HTTP/2).
fn host_of<B>(req: &Request<B>) -> Option<String> {
    if let Some(h) = req.headers().get(http::header::HOST) {
        return Some(String::from_utf8_lossy(h.as_bytes()).into_owned());
    }
    req.uri().authority().map(|a| a.as_str().to_owned())
}

/// The middleware: 421 with a JSON `{error, message}` for a guarded route and a foreign host.
pub async fn check(
    axum::extract::State(allowed): axum::extract::State<Arc<AllowedHosts>>,
    req: Request<Body>,
    next: Next,
) -> Response<Body> {
    if !guarded(req.uri().path()) {
        return next.run(req).await;
    }
    let host = host_of(&req);
    if host.as_deref().is_some_and(|h| allowed.allows(h)) {
        return next.run(req).await;
    }
    let got = match host {
        Some(h) => format!("`{}`", h.chars().take(100).collect::<String>()),
        None => "no Host".to_owned(),
    };
    let body = serde_json::json!({
        "error": "misdirected_request",
        "message": format!(
            "this server answers /api and its pages only for Host {} (a defence against DNS rebinding); the request named {got}. Open the page by one of those names, or start the devserver with --allow-host NAME:PORT",
            allowed.list()
        ),
    });
    let mut res = Response::new(Body::from(body.to_string()));
    *res.status_mut() = StatusCode::MISDIRECTED_REQUEST;
    res.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_servers_names_are_allowed() {
        let a = AllowedHosts::new("127.0.0.1:8787".parse().unwrap(), &["devbox.lan:8787".into()]);
        for ok in ["127.0.0.1:8787", "localhost:8787", "LOCALHOST:8787", "devbox.lan:8787"] {
            assert!(a.allows(ok), "{ok}");
        }
        for bad in ["evil.example:8787", "evil.example", "localhost", "127.0.0.1:8788", "localhost.evil.example:8787", "127.0.0.1:8787.evil", ""] {
            assert!(!a.allows(bad), "{bad}");
        }
        let any = AllowedHosts::new("0.0.0.0:8787".parse().unwrap(), &[]);
        assert!(any.allows("0.0.0.0:8787") && any.allows("localhost:8787") && !any.allows("192.168.1.9:8787"));
        let p80 = AllowedHosts::new("127.0.0.1:80".parse().unwrap(), &[]);
        assert!(p80.allows("localhost") && p80.allows("127.0.0.1:80"));
    }

    #[test]
    fn cross_origin_routes_are_exempt_and_everything_else_is_guarded() {
        for open in ["/yandex.cloud.speechsense.v1.TalkService/Upload", "/asr/async/upload/vela", "/chat/upload/vela"] {
            assert!(!guarded(open), "{open}");
        }
        for g in ["/", "/index.html", "/app.js", "/pkg/talk_uploader.js", "/api/talks", "/api/objects/org/x", "/api/health",
            "/yandex.cloud.speechsense.v1.TalkServiceX/Upload", "/chat/upload/vela/x", "/bench/index.html"] {
            assert!(guarded(g), "{g}");
        }
    }
}
