//! Fault injection (503, reset, stall) on grpc-web uploads, a client that disconnects
//! mid-stream, draining, and the request log (bytes actually read; never a key).

mod support;

use std::time::{Duration, Instant};

use support::*;
use devserver::proto::speechsense::container_audio::ContainerAudioType as T;
use tokio::io::AsyncWriteExt;

const MIB: usize = 1024 * 1024;

fn upload_body(len: usize) -> (Vec<u8>, Vec<u8>) {
    let audio = wav(16_000, 16, 1, len, 21);
    let body = frames(&stream_messages("one", T::Wav, &audio, MIB));
    (audio, body)
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_503_drains_answers_503_and_stores_nothing() {
    let server = start_talk(&["--fault-schedule", "fail,...", "--fault-mode", "503"]).await;
    let (_, body) = upload_body(3 * MIB);
    let res = grpc_web(server.http, "UploadAsStream", Some(AUTH), &body).await.expect("a 503, not a reset");
    assert_eq!(res.status, 503);
    assert_eq!(res.header("retry-after"), Some("1"));
    // plain gRPC is never faulted
    let mut client = server.grpc().await;
    let msgs = stream_messages("one", T::Wav, &wav(16_000, 16, 1, 1000, 1), MIB);
    let id = client.upload_as_stream(authed(tokio_stream::iter(msgs))).await.unwrap().into_inner().talk_id;
    assert_eq!(server.talk_count().await, 1);
    assert!(server.talk(&id).await["audio"].is_object());
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_reset_cuts_the_connection_mid_body_and_stores_nothing() {
    let server = start_talk(&["--fault-schedule", "reset,..."]).await;
    let (_, body) = upload_body(4 * MIB);
    for method in ["UploadAsStream", "UploadBadge"] {
        let started = Instant::now();
        let r = grpc_web(server.http, method, Some(AUTH), &body).await;
        match r {
            Err(e) => {
                eprintln!("reset seen by the client as {:?}", e.kind());
                assert!(
                // ECONNRESET (unread data at close makes Linux send RST) or EPIPE while writing.
                matches!(e.kind(), std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe),
                "{e:?}"
            )
            }
            Ok(res) => panic!("the connection was not cut: {res:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(5));
        server.assert_nothing_stored().await;
    }
    // a small unary call is cut too
    let r = grpc_web(server.http, "Upload", Some(AUTH), &body[..body.len() / 8]).await;
    assert!(r.is_err(), "{r:?}");
    server.assert_nothing_stored().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_stall_never_answers_and_stores_nothing() {
    let server = start_talk(&["--fault-schedule", "stall,..."]).await;
    let (_, body) = upload_body(2 * MIB);
    let r = tokio::time::timeout(Duration::from_millis(700), grpc_web(server.http, "UploadBadge", Some(AUTH), &body)).await;
    assert!(r.is_err(), "the stalled request got an answer: {r:?}");
    server.assert_nothing_stored().await;
    // the API still answers while a request stalls
    assert_eq!(server.talk_count().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_schedule_names_the_requests_that_fail() {
    let server = start_talk(&["--fault-schedule", "fail,ok,ok,fail,fail,ok", "--fault-mode", "503"]).await;
    let (_, body) = upload_body(10_000);
    let mut got = Vec::new();
    for _ in 0..16 {
        got.push(grpc_web(server.http, "UploadAsStream", Some(AUTH), &body).await.unwrap().status == 503);
    }
    // The six listed, then every later request passes.
    let expected: Vec<bool> = (0..16).map(|n| matches!(n, 0 | 3 | 4)).collect();
    assert_eq!(got, expected);
    assert_eq!(server.talk_count().await, expected.iter().filter(|f| !**f).count());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_disconnects_mid_stream_leaves_nothing() {
    let server = start_talk(&[]).await;
    let (_, body) = upload_body(8 * MIB);
    let mut s = tokio::net::TcpStream::connect(server.http).await.unwrap();
    let head = format!(
        "POST /yandex.cloud.speechsense.v1.TalkService/UploadAsStream HTTP/1.1\r\nhost: x\r\ncontent-type: application/grpc-web+proto\r\nx-grpc-web: 1\r\nauthorization: {AUTH}\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&body[..3 * MIB]).await.unwrap();
    // the handler is writing the temp file now
    let mut seen_part = false;
    for _ in 0..100 {
        if server.files().1 == 1 {
            seen_part = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(seen_part, "the upload never reached the temp file");
    drop(s);
    server.assert_nothing_stored().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_early_error_is_read_by_the_client_after_the_body_is_drained() {
    let server = start_talk(&[]).await;
    // unknown connection: the handler stops at message 1, 16 MiB are still coming
    let audio = wav(16_000, 16, 1, 16 * MIB, 22);
    let mut msgs = stream_messages("one", T::Wav, &audio, MIB);
    msgs[0] = msg_metadata(metadata("nope"));
    let res = grpc_web(server.http, "UploadAsStream", Some(AUTH), &frames(&msgs)).await.expect("status, not a reset");
    assert_eq!(res.grpc().0, Some(tonic::Code::NotFound as u32));
}

#[tokio::test(flavor = "multi_thread")]
async fn request_log_lines_count_bytes_and_never_hold_a_key() {
    devserver::log::capture_start();
    let server = start_talk(&[]).await;
    let (_, body) = upload_body(MIB + 5);
    let res = grpc_web(server.http, "UploadBadge", Some(AUTH), &body).await.unwrap();
    assert_eq!(res.grpc().0, Some(0));
    let res = grpc_web(server.http, "UploadBadge", Some("Bearer test-key-3f9a1c-SECRET"), &body).await.unwrap();
    assert_eq!(res.grpc().0, Some(16));
    let _ = http1(server.http, "GET", "/api/talks?api_key=test-key-3f9a1c-SECRET", &[("authorization", AUTH)], &[]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let lines = devserver::log::captured();
    assert!(lines.iter().all(|l| !l.contains("3f9a1c")), "a key was logged");
    let badge: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["event"] == "request" && v["path"] == "/yandex.cloud.speechsense.v1.TalkService/UploadBadge")
        .collect();
    assert!(badge.iter().any(|v| v["grpcStatus"] == "0" && v["requestBytes"] == body.len() as u64 && v["status"] == 200 && v["outcome"] == "complete"), "{badge:?}");
    // the refused one was drained: every byte read
    assert!(badge.iter().any(|v| v["grpcStatus"] == "16" && v["requestBytes"] == body.len() as u64), "{badge:?}");
    assert!(badge.iter().all(|v| v["responseBytes"].is_u64() && v["ms"].is_f64() && v["method"] == "POST"));
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "measurement: cargo test -p devserver --release --test talk_faults -- --ignored --nocapture"]
async fn measure_64_mib_stream() {
    let server = start_talk(&[]).await;
    let (audio, body) = upload_body(64 * MIB);
    let t = Instant::now();
    let res = grpc_web(server.http, "UploadAsStream", Some(AUTH), &body).await.unwrap();
    let grpc_web_ms = t.elapsed().as_millis();
    assert_eq!(res.grpc().0, Some(0));
    let mut client = server.grpc().await;
    let msgs = stream_messages("one", T::Wav, &audio, MIB);
    let t = Instant::now();
    client.upload_as_stream(authed(tokio_stream::iter(msgs))).await.unwrap();
    let grpc_ms = t.elapsed().as_millis();
    println!("64 MiB UploadAsStream stored: grpc-web/HTTP1.1 {grpc_web_ms} ms, gRPC/h2c {grpc_ms} ms");
}
