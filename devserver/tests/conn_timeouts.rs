//! Idle and slow connections are closed (serve.rs's watchdog), on the main port and the S3 port:
//! one that never sends a byte, one that sends half a request head, an HTTP/1.1 keep-alive
//! connection after its answer, an HTTP/2 connection that never opens a stream. A request in
//! progress is left alone: a `stall` fault's connection stays open past every timeout.
//!
//! The timeouts are 1 s here; each check only asserts "closed before a generous deadline".
//!
//! `cargo test -p devserver --profile server --test conn_timeouts`

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Far beyond the 1 s timeouts plus the 2 s close grace, so a busy machine cannot fail it.
const GENEROUS: Duration = Duration::from_secs(30);

const SHORT: &[&str] = &["--header-read-timeout-secs", "1", "--idle-timeout-secs", "1"];

/// Reads (and discards) until the server closes the connection: EOF or a reset. Panics if it is
/// still open after [`GENEROUS`].
async fn assert_closed_by_server(s: &mut TcpStream, what: &str) -> Vec<u8> {
    let mut got = Vec::new();
    let closed = tokio::time::timeout(GENEROUS, async {
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "{what}: the server kept the connection open for {GENEROUS:?}");
    got
}

async fn connect(addr: SocketAddr) -> TcpStream {
    TcpStream::connect(addr).await.expect("connect")
}

#[tokio::test]
async fn a_connection_that_never_sends_a_byte_is_closed_on_both_ports() {
    devserver::log::capture_start();
    let srv = start(SHORT).await;
    // All connections open at once (their timeouts run together), then each must be closed.
    let mut conns = Vec::new();
    for (port, addr) in [("http", srv.http), ("s3", srv.s3)] {
        conns.push((port, connect(addr).await));
    }
    for (port, mut s) in conns {
        let got = assert_closed_by_server(&mut s, port).await;
        assert!(got.is_empty(), "{port}: answered {:?}", String::from_utf8_lossy(&got));
    }
    let lines = devserver::log::captured();
    assert!(lines.iter().any(|l| l.contains("connection_timeout") && l.contains("header_read")), "{lines:?}");
    // Both ports still serve a normal request afterwards.
    assert_eq!(request(srv.http, "GET", "/api/health", &[], empty()).await.status, 200);
    assert!(request(srv.s3, "GET", "/", &[], empty()).await.s3_code().is_some());
}

#[tokio::test]
async fn half_a_request_head_is_closed_without_an_answer() {
    let srv = start(SHORT).await;
    let mut conns = Vec::new();
    for (port, addr) in [("http", srv.http), ("s3", srv.s3)] {
        let mut s = connect(addr).await;
        s.write_all(format!("GET /api/health HTTP/1.1\r\nhost: {addr}\r\nx-slow: ").as_bytes()).await.unwrap();
        conns.push((port, s));
    }
    // One byte that could start an HTTP/2 preface: stuck in hyper-util's version sniff without
    // the watchdog.
    let mut s = connect(srv.http).await;
    s.write_all(b"P").await.unwrap();
    conns.push(("one byte of a preface", s));
    for (what, mut s) in conns {
        let got = assert_closed_by_server(&mut s, what).await;
        assert!(!String::from_utf8_lossy(&got).contains("200 OK"), "{what}: {}", String::from_utf8_lossy(&got));
    }
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_its_answer() {
    let srv = start(SHORT).await;
    let mut conns = Vec::new();
    for (port, addr, path) in [("http", srv.http, "/api/health"), ("s3", srv.s3, "/")] {
        let mut s = connect(addr).await;
        s.write_all(format!("GET {path} HTTP/1.1\r\nhost: {addr}\r\n\r\n").as_bytes()).await.unwrap();
        conns.push((port, s));
    }
    for (port, mut s) in conns {
        let got = assert_closed_by_server(&mut s, port).await;
        let text = String::from_utf8_lossy(&got);
        // The request was answered in full before the connection went idle and was closed.
        assert!(text.starts_with("HTTP/1.1 "), "{port}: {text}");
        assert!(!text.to_ascii_lowercase().contains("connection: close"), "{port}: the server did not keep it alive: {text}");
    }
}

#[tokio::test]
async fn an_http2_connection_without_streams_is_closed() {
    let srv = start(SHORT).await;
    let mut s = connect(srv.http).await;
    // Preface and an empty SETTINGS frame, then silence (and no SETTINGS or PING ack).
    s.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await.unwrap();
    s.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).await.unwrap();
    let got = assert_closed_by_server(&mut s, "h2").await;
    // The server spoke HTTP/2 (its SETTINGS frame, type 4) before it gave up on us.
    assert!(got.len() >= 9 && got[3] == 4, "{got:?}");
}

/// A request in progress is never timed out by the watchdog: a stalled upload (the server holds
/// it on purpose) keeps its connection well past both timeouts, and the server still answers.
#[tokio::test]
async fn a_stalled_request_keeps_its_connection() {
    let mut args = SHORT.to_vec();
    args.extend(["--fault-schedule", "stall,..."]);
    let srv = start(&args).await;
    let mut s = connect(srv.http).await;
    let head = format!(
        "POST /yandex.cloud.speechsense.v1.TalkService/UploadBadge HTTP/1.1\r\nhost: {}\r\ncontent-type: application/grpc-web+proto\r\nx-grpc-web: 1\r\ncontent-length: 1000000\r\n\r\n",
        srv.http
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&[0u8; 1000]).await.unwrap();
    // Four times both timeouts (plus the close grace): long enough for a wrong watchdog to act.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut buf = [0u8; 64];
    match s.try_read(&mut buf) {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the stalled request's connection was closed or answered: {other:?}"),
    }
    assert_eq!(request(srv.http, "GET", "/api/health", &[], empty()).await.status, 200);
}

#[tokio::test]
async fn zero_turns_the_timeouts_off() {
    let srv = start(&["--header-read-timeout-secs", "0", "--idle-timeout-secs", "0"]).await;
    let s = connect(srv.http).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut buf = [0u8; 8];
    match s.try_read(&mut buf) {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("closed although the timeouts are off: {other:?}"),
    }
}
