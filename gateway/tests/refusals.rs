//! The refusal matrix: each refused upload gets a clear status (read by the page as a status,
//! not a network error: the gateway drains the body first) and the upstream stores nothing.

mod support;

use support::dev::{container, msg_audio_md, msg_metadata};
use support::*;
use talk_gateway::ticket::{Claims, AUDIENCE};
use talk_uploader::proto::speechsense::{
    container_audio::ContainerAudioType as T, AudioChunk, AudioRequest, UploadTalkRequest,
};
use tonic::Code;

fn upload_req(connection: &str, audio: &[u8]) -> UploadTalkRequest {
    UploadTalkRequest {
        metadata: Some(metadata(connection)),
        audio: Some(AudioRequest { audio_metadata: Some(container(T::Wav)), audio_data: Some(AudioChunk { data: audio.to_vec() }) }),
        talk_id: String::new(),
    }
}

async fn setup(extra: &[&str]) -> (Server, Gateway) {
    let server = dev::start_talk(&[]).await;
    let gw = gateway(&format!("http://{}", server.http), extra).await;
    (server, gw)
}

fn bodies() -> Vec<(&'static str, Vec<u8>)> {
    let audio = wav(16_000, 16, 1, 200_000, 9);
    vec![
        ("Upload", frames(&[upload_req("one", &audio)])),
        ("UploadAsStream", frames(&stream_messages("one", T::Wav, &audio, 64 * 1024))),
        ("UploadBadge", frames(&stream_messages("one", T::Wav, &audio, 64 * 1024))),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_tickets_are_unauthenticated_and_nothing_is_sent() {
    let (server, gw) = setup(&[]).await;
    let now = talk_gateway::ticket::now_unix();
    let good = ticket_for(&["one"]);
    let mut parts: Vec<String> = good.split('.').map(String::from).collect();
    // Tampered: the payload of a ticket for another connection under this ticket's signature.
    parts[1] = ticket_for(&["two"]).split('.').nth(1).unwrap().to_owned();
    let tampered = parts.join(".");
    let expired = ticket_with(&["one"], |c| c.exp = now - 300);
    let wrong_aud = ticket_with(&["one"], |c| c.aud = "speechsense".into());
    let too_long = ticket_with(&["one"], |c| c.exp = now + 3 * 24 * 3600);
    let foreign = talk_gateway::ticket::mint(b"some-other-secret-0123456789abcdef", &Claims::new(vec!["one".into()], now + 600)).unwrap();
    let cases: Vec<(Option<&str>, &str)> = vec![
        (None, "no upload ticket"),
        (Some(expired.as_str()), "expired"),
        (Some(tampered.as_str()), "signature"),
        (Some(foreign.as_str()), "signature"),
        (Some(wrong_aud.as_str()), AUDIENCE),
        (Some(too_long.as_str()), "24 h"),
        (Some("not.a.jwt"), "not an HS256 JWT"),
    ];
    for (method, body) in bodies() {
        for (t, needle) in &cases {
            let res = call(&gw, method, *t, &body).await;
            assert_status(&res, Code::Unauthenticated, needle);
        }
        // The API key itself is not a ticket: a page must never hold it.
        let res = http1(
            gw.addr,
            "POST",
            &format!("/yandex.cloud.speechsense.v1.TalkService/{method}"),
            &[("content-type", "application/grpc-web+proto"), ("authorization", AUTH), ("origin", ORIGIN)],
            &body,
        )
        .await
        .unwrap();
        assert_status(&res, Code::Unauthenticated, "Bearer <ticket>");
    }
    server.assert_nothing_stored().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_the_ticket_does_not_name_is_permission_denied() {
    let (server, gw) = setup(&[]).await;
    let t = ticket_for(&["two", "chat"]);
    for (method, body) in bodies() {
        let res = call(&gw, method, Some(&t), &body).await;
        assert_status(&res, Code::PermissionDenied, "connection \"one\"");
    }
    server.assert_nothing_stored().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn max_bytes_declared_unary_is_refused_at_once_and_streams_are_cut() {
    let (server, gw) = setup(&[]).await;
    let small = ticket_with(&["one"], |c| c.max_bytes = Some(100_000));
    let audio = wav(16_000, 16, 1, 200_000, 10);
    // Unary: the frame declares ~200 KB, over the limit before any audio is read.
    let res = call(&gw, "Upload", Some(&small), &frames(&[upload_req("one", &audio)])).await;
    assert_status(&res, Code::PermissionDenied, "over the 100000-byte limit");
    // Streams: the first frames go upstream, then the stream is cut before it completes.
    for method in ["UploadAsStream", "UploadBadge"] {
        let res = call(&gw, method, Some(&small), &frames(&stream_messages("one", T::Wav, &audio, 32 * 1024))).await;
        assert_status(&res, Code::PermissionDenied, "100000-byte limit");
        let (_, message, _) = res.grpc();
        assert!(!message.contains("RESOURCE_EXHAUSTED"));
    }
    server.assert_nothing_stored().await;
    // Under the limit, the same ticket works.
    let tiny = wav(16_000, 16, 1, 20_000, 11);
    let res = call(&gw, "UploadAsStream", Some(&small), &frames(&stream_messages("one", T::Wav, &tiny, 8 * 1024))).await;
    assert_eq!(res.grpc().0, Some(0), "{}", res.grpc().1);
    assert_eq!(server.talk_count().await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gateway_limit_bounds_tickets_without_max_bytes() {
    let (server, gw) = setup(&["--max-upload-bytes", "150000"]).await;
    let t = ticket_with(&["one"], |c| c.max_bytes = Some(10_000_000)); // a ticket cannot raise it
    for (method, body) in bodies() {
        let res = call(&gw, method, Some(&t), &body).await;
        assert_status(&res, Code::PermissionDenied, "150000-byte limit");
    }
    server.assert_nothing_stored().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn streams_must_start_with_their_metadata() {
    let (server, gw) = setup(&[]).await;
    let t = ticket_for(&["one"]);
    let audio = wav(16_000, 16, 1, 10_000, 12);
    let mut msgs = vec![msg_audio_md(container(T::Wav)), msg_metadata(metadata("one"))];
    msgs.extend(stream_messages("one", T::Wav, &audio, 4096).into_iter().skip(2));
    let res = call(&gw, "UploadAsStream", Some(&t), &frames(&msgs)).await;
    assert_status(&res, Code::InvalidArgument, "first message of the stream must carry `metadata`");
    server.assert_nothing_stored().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn origins_paths_and_cors() {
    let (server, gw) = setup(&[]).await;
    let t = ticket_for(&["one", "chat"]);
    let (_, body) = bodies().remove(1);

    // A page of another origin: 403 without Access-Control-Allow-Origin (the browser reports a
    // network error, by design), and nothing upstream.
    let res = call_from(&gw, "UploadAsStream", Some(&t), &body, Some("https://evil.example")).await;
    assert_eq!(res.status, 403);
    assert_eq!(res.header("access-control-allow-origin"), None);
    // Its preflight gets no CORS grant either.
    let pre = http1(
        gw.addr,
        "OPTIONS",
        "/yandex.cloud.speechsense.v1.TalkService/UploadAsStream",
        &[("origin", "https://evil.example"), ("access-control-request-method", "POST")],
        &[],
    )
    .await
    .unwrap();
    assert_eq!(pre.header("access-control-allow-origin"), None);

    // The allowed origin's preflight: exact origin, the grpc-web headers, statuses exposed.
    let pre = http1(
        gw.addr,
        "OPTIONS",
        "/yandex.cloud.speechsense.v1.TalkService/UploadAsStream",
        &[("origin", ORIGIN), ("access-control-request-method", "POST"), ("access-control-request-headers", "authorization,content-type,x-grpc-web")],
        &[],
    )
    .await
    .unwrap();
    assert_eq!(pre.status, 200);
    assert_eq!(pre.header("access-control-allow-origin"), Some(ORIGIN));
    let allowed = pre.header("access-control-allow-headers").unwrap_or("").to_ascii_lowercase();
    assert!(allowed.contains("authorization") && allowed.contains("x-grpc-web"), "{allowed}");
    let res = call(&gw, "UploadAsStream", Some(&t), &body).await;
    let exposed = res.header("access-control-expose-headers").unwrap_or("").to_ascii_lowercase();
    for h in ["grpc-status", "grpc-message", "grpc-status-details-bin"] {
        assert!(exposed.contains(h), "{exposed}");
    }
    assert_eq!(server.talk_count().await, 1);

    // Outside the allowlist: 404 whatever the ticket, and never proxied (the devserver would
    // have answered Search with a gRPC status).
    for path in [
        "/yandex.cloud.speechsense.v1.TalkService/Search",
        "/yandex.cloud.speechsense.v1.TalkService/Get",
        "/yandex.cloud.speechsense.v1.TalkService/UploadText/x",
        "/api/talks",
        "/",
    ] {
        let auth = format!("Bearer {t}");
        let res = http1(gw.addr, "POST", path, &[("content-type", "application/grpc-web+proto"), ("authorization", &auth), ("origin", ORIGIN)], &body)
            .await
            .unwrap();
        assert_eq!(res.status, 404, "{path}");
        assert_eq!(res.header("grpc-status"), None, "{path} was proxied");
    }
    assert_eq!(server.talk_count().await, 1);

    let health = http1(gw.addr, "GET", "/healthz", &[], &[]).await.unwrap();
    assert_eq!(health.status, 200);
}
