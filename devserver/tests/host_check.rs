//! DNS-rebinding defence (src/host.rs): `/api/*`, the demo page and its files answer only a
//! `Host` naming this server, else 421; the cross-origin routes (grpc-web, Vela) and the S3
//! port answer as before. And the pages carry the CSP (src/csp.rs), `/bench/` excepted.
//!
//! `cargo test -p devserver --profile server --test host_check`

mod support;

use std::net::SocketAddr;

use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One HTTP/1.1 request with exactly this `Host` (the shared helpers always send the right one).
async fn with_host(addr: SocketAddr, method: &str, path: &str, host: &str, extra: &str) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!("{method} {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\ncontent-length: 0\r\n{extra}\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or_else(|| panic!("no status in {text:?}"));
    (status, text)
}

fn www() -> String {
    format!("{}/../www", env!("CARGO_MANIFEST_DIR"))
}

#[tokio::test]
async fn api_and_pages_answer_only_this_servers_names() {
    let www = www();
    let srv = start(&["--www-dir", &www, "--allow-host", "devbox.test:8787"]).await;
    let port = srv.http.port();
    let good = [srv.http.to_string(), format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("LocalHost:{port}")];
    let bad = [
        format!("evil.example:{port}"),
        "evil.example".to_owned(),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        format!("localhost.evil.example:{port}"),
        "localhost".to_owned(),
        "devbox.test:8788".to_owned(),
    ];
    for path in ["/api/health", "/api/talks", "/", "/index.html", "/app.js", "/api/objects/org-1/x"] {
        for host in &good {
            let (status, text) = with_host(srv.http, "GET", path, host, "").await;
            assert!(status == 200 || (status == 404 && path.starts_with("/api/objects")), "{path} Host {host}: {text}");
        }
        for host in &bad {
            let (status, text) = with_host(srv.http, "GET", path, host, "").await;
            assert_eq!(status, 421, "{path} Host {host}: {text}");
            assert!(text.contains("misdirected_request") && text.contains("DNS rebinding") && text.contains(&format!("localhost:{port}")), "{text}");
        }
    }
    let (status, _) = with_host(srv.http, "GET", "/api/health", "devbox.test:8787", "").await;
    assert_eq!(status, 200, "--allow-host");
    // A cross-origin caller can read the refusal.
    let (status, text) = with_host(srv.http, "GET", "/api/talks", "evil.example", "origin: http://127.0.0.1:5173\r\n").await;
    assert_eq!(status, 421);
    assert!(text.to_ascii_lowercase().contains("access-control-allow-origin: http://127.0.0.1:5173"), "{text}");
}

#[tokio::test]
async fn cross_origin_routes_and_the_s3_port_answer_any_host() {
    let srv = start(&[]).await;
    // grpc-web with an empty body: an answer from tonic (a grpc-status), not a 421.
    let (status, text) = with_host(
        srv.http,
        "POST",
        "/yandex.cloud.speechsense.v1.TalkService/UploadText",
        "gateway.internal:443",
        "content-type: application/grpc-web+proto\r\nx-grpc-web: 1\r\n",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("grpc-status: "), "{text}");
    for path in ["/asr/async/upload/vela", "/chat/upload/vela"] {
        let (status, text) = with_host(srv.http, "POST", path, "vela.example", "content-type: application/json\r\n").await;
        assert_eq!(status, 401, "{path}: {text}");
    }
    let (status, text) = with_host(srv.s3, "GET", "/talk-uploads/org-1/x", "evil.example", "").await;
    assert!(status != 421 && text.contains("<Code>"), "{text}");
}

#[tokio::test]
async fn pages_carry_the_csp_and_bench_does_not() {
    let www = www();
    let srv = start(&["--www-dir", &www, "--csp-connect-src", "http://127.0.0.1:8790"]).await;
    for path in ["/", "/index.html", "/app.js"] {
        let res = request(srv.http, "GET", path, &[], empty()).await;
        assert_eq!(res.status, 200, "{path}");
        let csp = res.header("content-security-policy").unwrap_or_else(|| panic!("{path}: no CSP"));
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval';"), "{csp}");
        let tokens: Vec<&str> = csp.split([' ', ';']).collect();
        assert!(!tokens.contains(&"'unsafe-eval'") && !tokens.contains(&"'unsafe-inline'"), "{csp}");
        let s3 = format!("http://{}", srv.s3);
        assert!(csp.contains(&format!("connect-src 'self' {s3} ")) && csp.contains("http://127.0.0.1:8790"), "{csp}");
        assert!(csp.contains("object-src 'none'") && csp.contains("base-uri 'none'"), "{csp}");
    }
    let res = request(srv.http, "GET", "/bench/index.html", &[], empty()).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-security-policy"), None);
    // The API is JSON, not a document: no CSP needed, and none is claimed.
    let res = request(srv.http, "GET", "/api/health", &[], empty()).await;
    assert_eq!(res.header("content-security-policy"), None);
}

/// The demo page has no inline script or handler, so the CSP costs it nothing.
#[test]
fn the_demo_page_has_no_inline_script_or_handler() {
    let html = std::fs::read_to_string(format!("{}/index.html", www())).unwrap();
    let lower = html.to_ascii_lowercase();
    for (i, _) in lower.match_indices("<script") {
        let tag = &lower[i..i + lower[i..].find('>').unwrap()];
        assert!(tag.contains(" src="), "inline script: {tag}");
        let after = &lower[i + tag.len() + 1..];
        assert!(after.trim_start().starts_with("</script>"), "a script with a src also has a body: {tag}");
    }
    // Event-handler attributes (onclick=, onload=, ...) and javascript: URLs are inline script.
    let bytes = lower.as_bytes();
    for (i, _) in lower.match_indices(" on") {
        let name: String = lower[i + 1..].chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        let next = bytes.get(i + 1 + name.len()).copied();
        assert!(!(name.len() > 2 && next == Some(b'=')), "inline handler `{name}=` in index.html");
    }
    assert!(!lower.contains("javascript:"), "javascript: URL in index.html");
}

/// Over HTTP/2 the host is the `:authority` (hyper puts it in the URI, not in a `Host` header):
/// the same names pass, a foreign one gets 421, and grpc paths stay open.
#[tokio::test]
async fn http2_authority_is_checked_too() {
    let srv = start(&[]).await;
    let stream = tokio::net::TcpStream::connect(srv.http).await.unwrap();
    let (mut send, conn) = hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), hyper_util::rt::TokioIo::new(stream))
        .await
        .expect("h2c handshake");
    tokio::spawn(conn);
    let port = srv.http.port();
    for (authority, path, want) in [
        (format!("127.0.0.1:{port}"), "/api/health", 200),
        (format!("localhost:{port}"), "/api/health", 200),
        (format!("evil.example:{port}"), "/api/health", 421),
        (format!("evil.example:{port}"), "/api/talks", 421),
    ] {
        let req = http::Request::get(format!("http://{authority}{path}")).body(empty()).unwrap();
        let res = send.send_request(req).await.expect("h2 request");
        assert_eq!(res.status().as_u16(), want, "{authority}{path}");
    }
    let req = http::Request::post(format!("http://evil.example:{port}/yandex.cloud.speechsense.v1.TalkService/UploadText"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(empty())
        .unwrap();
    let res = send.send_request(req).await.expect("h2 grpc request");
    assert_eq!(res.status().as_u16(), 200, "gRPC is not Host-checked");
}
