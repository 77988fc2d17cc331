//! What reaches the upstream, and what the page gets when the upstream fails: a recording
//! HTTP/2 upstream shows exactly the headers the gateway sends (its credential, never the
//! ticket, no cookie, no origin), and an upstream that resets mid-stream or answers HTTP 503
//! gives a clear UNAVAILABLE, once (the gateway never retries by itself, so nothing can be
//! stored twice).

mod support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use support::*;
use talk_uploader::proto::speechsense::container_audio::ContainerAudioType as T;
use tonic::Code;

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Reads the whole body, answers OK with an empty UploadTalkResponse.
    Record,
    /// Reads ~64 KiB, then drops the connection.
    Reset,
    /// Answers HTTP 503 at once.
    Http503,
}

#[derive(Default)]
struct Seen {
    requests: Vec<(http::HeaderMap, u64)>,
}

async fn fake_upstream(mode: Mode) -> (SocketAddr, Arc<Mutex<Seen>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let seen2 = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let seen = seen2.clone();
            let cut = Arc::new(tokio::sync::Notify::new());
            let cut2 = cut.clone();
            let svc = hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                let seen = seen.clone();
                let cut = cut2.clone();
                async move {
                    let headers = req.headers().clone();
                    let mut body = req.into_body();
                    let mut n = 0u64;
                    if mode == Mode::Http503 {
                        seen.lock().unwrap().requests.push((headers, 0));
                        return Ok::<_, std::convert::Infallible>(
                            http::Response::builder().status(503).body(Full::new(Bytes::from_static(b"overloaded"))).unwrap(),
                        );
                    }
                    while let Some(Ok(f)) = body.frame().await {
                        n += f.data_ref().map_or(0, |d| d.len() as u64);
                        if mode == Mode::Reset && n > 64 * 1024 {
                            seen.lock().unwrap().requests.push((headers.clone(), n));
                            cut.notify_one();
                            std::future::pending::<()>().await;
                        }
                    }
                    seen.lock().unwrap().requests.push((headers, n));
                    // An empty UploadTalkResponse (no trailers: enough for header checks).
                    Ok(http::Response::builder()
                        .header("content-type", "application/grpc")
                        .body(Full::new(Bytes::from_static(&[0, 0, 0, 0, 0])))
                        .unwrap())
                }
            });
            tokio::spawn(async move {
                let conn = hyper::server::conn::http2::Builder::new(TokioExecutor::new()).serve_connection(TokioIo::new(stream), svc);
                tokio::select! { _ = conn => {}, _ = cut.notified() => {} }
            });
        }
    });
    (addr, seen)
}

fn body() -> Vec<u8> {
    let audio = wav(16_000, 16, 1, 400_000, 21);
    frames(&stream_messages("one", T::Wav, &audio, 64 * 1024))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_upstream_sees_the_credential_never_the_ticket() {
    let (addr, seen) = fake_upstream(Mode::Record).await;
    let gw = gateway(&format!("http://{addr}"), &[]).await;
    let t = ticket_for(&["one"]);
    let auth = format!("Bearer {t}");
    let b = body();
    let res = http1(
        gw.addr,
        "POST",
        "/yandex.cloud.speechsense.v1.TalkService/UploadAsStream",
        &[
            ("content-type", "application/grpc-web+proto"), ("x-grpc-web", "1"), ("authorization", &auth),
            ("origin", ORIGIN), ("cookie", "session=abc"), ("x-forwarded-for", "10.0.0.1"), ("grpc-timeout", "30S"),
        ],
        &b,
    )
    .await
    .unwrap();
    // The fake answers without trailers: tonic-web still frames what it got.
    assert_eq!(res.status, 200);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.requests.len(), 1);
    let (headers, n) = &seen.requests[0];
    assert_eq!(*n, b.len() as u64, "every byte forwarded");
    assert_eq!(headers.get("authorization").unwrap(), AUTH);
    assert_eq!(headers.get("content-type").unwrap(), "application/grpc");
    assert_eq!(headers.get("te").unwrap(), "trailers");
    assert_eq!(headers.get("grpc-timeout").unwrap(), "30S");
    for (name, value) in headers {
        let v = value.to_str().unwrap_or("");
        assert!(!v.contains(&t[t.len() - 20..]), "{name} carries the ticket");
        assert!(!["cookie", "origin", "x-forwarded-for", "x-grpc-web"].contains(&name.as_str()), "{name} forwarded");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upstream_cut_mid_stream_is_unavailable_once() {
    let (addr, seen) = fake_upstream(Mode::Reset).await;
    let gw = gateway(&format!("http://{addr}"), &[]).await;
    let res = call(&gw, "UploadBadge", Some(&ticket_for(&["one"])), &body()).await;
    assert_status(&res, Code::Unavailable, "connection to SpeechSense failed");
    assert_eq!(seen.lock().unwrap().requests.len(), 1, "the gateway never retries on its own");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upstream_http_503_is_unavailable() {
    let (addr, seen) = fake_upstream(Mode::Http503).await;
    let gw = gateway(&format!("http://{addr}"), &[]).await;
    let res = call(&gw, "UploadAsStream", Some(&ticket_for(&["one"])), &body()).await;
    assert_status(&res, Code::Unavailable, "HTTP 503");
    assert_eq!(seen.lock().unwrap().requests.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_upload_never_reaches_the_upstream() {
    let (addr, seen) = fake_upstream(Mode::Record).await;
    let gw = gateway(&format!("http://{addr}"), &[]).await;
    for t in [None, Some(ticket_for(&["two"]))] {
        let res = call(&gw, "UploadAsStream", t.as_deref(), &body()).await;
        assert_ne!(res.grpc().0, Some(0));
    }
    assert_eq!(seen.lock().unwrap().requests.len(), 0, "no connection, no header, no byte upstream");
}

/// The devserver's own fault modes on the gRPC side (`--fault-grpc`): a reset mid-stream and an
/// HTTP 503 each reach the page as UNAVAILABLE, and the devserver stores nothing.
#[tokio::test(flavor = "multi_thread")]
async fn devserver_faults_through_the_gateway() {
    for mode in ["reset", "503"] {
        let server = dev::start_talk(&["--fault-grpc", "--fault-mode", mode, "--fault-schedule", "fail,..."]).await;
        let gw = gateway(&format!("http://{}", server.http), &[]).await;
        for method in ["UploadAsStream", "UploadBadge"] {
            let res = call(&gw, method, Some(&ticket_for(&["one"])), &body()).await;
            let needle = if mode == "503" { "HTTP 503" } else { "SpeechSense" };
            assert_status(&res, Code::Unavailable, needle);
        }
        server.assert_nothing_stored().await;
    }
}
