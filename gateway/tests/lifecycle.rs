//! Graceful shutdown and `--max-concurrent`: an upload that is running when the gateway is told
//! to stop still completes and is stored; past the concurrency limit a call gets UNAVAILABLE
//! (which clients retry), after its body was read.

mod support;

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use hyper_util::rt::TokioIo;
use support::*;
use talk_uploader::proto::speechsense::container_audio::ContainerAudioType as T;

/// Starts a grpc-web upload whose body the test feeds piece by piece. Returns the sender and
/// the pending response.
async fn slow_call(
    gw: std::net::SocketAddr,
    method: &str,
    ticket: &str,
) -> (tokio::sync::mpsc::Sender<Bytes>, tokio::task::JoinHandle<(u16, http::HeaderMap, bytes::Bytes)>) {
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(4);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, std::convert::Infallible>(Frame::data(b)), rx))
    });
    let tcp = tokio::net::TcpStream::connect(gw).await.unwrap();
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await.unwrap();
    tokio::spawn(conn);
    let req = http::Request::post(format!("/yandex.cloud.speechsense.v1.TalkService/{method}"))
        .header("host", gw.to_string())
        .header("content-type", "application/grpc-web+proto")
        .header("x-grpc-web", "1")
        .header("origin", ORIGIN)
        .header("authorization", format!("Bearer {ticket}"))
        .body(StreamBody::new(stream))
        .unwrap();
    let task = tokio::spawn(async move {
        let res = send.send_request(req).await.expect("an answer");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        (status, headers, body)
    });
    (tx, task)
}

fn grpc_status(headers: &http::HeaderMap, body: &bytes::Bytes) -> (Option<u32>, String) {
    let res = Res { status: 200, headers: headers.clone(), body: body.clone() };
    let (s, m, _) = res.grpc();
    (s, m)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_running_upload_finishes_after_shutdown_begins() {
    let server = dev::start_talk(&[]).await;
    let mut gw = gateway(&format!("http://{}", server.http), &[]).await;
    let audio = wav(16_000, 16, 1, 600_000, 31);
    let body = frames(&stream_messages("one", T::Wav, &audio, 64 * 1024));
    let (tx, task) = slow_call(gw.addr, "UploadAsStream", &ticket_for(&["one"])).await;
    let (first, rest) = body.split_at(body.len() / 2);
    tx.send(Bytes::copy_from_slice(first)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    gw.stop(); // SIGTERM's path: stop accepting, let running requests finish
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(tokio::net::TcpStream::connect(gw.addr).await.is_err(), "still accepting after shutdown began");
    tx.send(Bytes::copy_from_slice(rest)).await.unwrap();
    drop(tx);
    let (status, headers, body) = tokio::time::timeout(Duration::from_secs(30), task).await.unwrap().unwrap();
    assert_eq!(status, 200);
    assert_eq!(grpc_status(&headers, &body).0, Some(0), "{:?}", grpc_status(&headers, &body));
    assert_eq!(server.talk_count().await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn past_max_concurrent_a_call_is_unavailable() {
    let server = dev::start_talk(&[]).await;
    let gw = gateway(&format!("http://{}", server.http), &["--max-concurrent", "1"]).await;
    let t = ticket_for(&["one"]);
    let audio = wav(16_000, 16, 1, 200_000, 32);
    let body = frames(&stream_messages("one", T::Wav, &audio, 64 * 1024));
    let (tx, task) = slow_call(gw.addr, "UploadBadge", &t).await;
    tx.send(Bytes::copy_from_slice(&body[..1000])).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let res = call(&gw, "UploadBadge", Some(&t), &body).await;
    assert_status(&res, tonic::Code::Unavailable, "maximum of 1 requests");
    tx.send(Bytes::copy_from_slice(&body[1000..])).await.unwrap();
    drop(tx);
    let (status, headers, rbody) = task.await.unwrap();
    assert_eq!((status, grpc_status(&headers, &rbody).0), (200, Some(0)));
    assert_eq!(server.talk_count().await, 1, "the refused call stored nothing");
    // The permit is back once the first upload is done.
    let res = call(&gw, "UploadBadge", Some(&t), &body).await;
    assert_eq!(res.grpc().0, Some(0));
}
