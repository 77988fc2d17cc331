//! UploadAsStream and UploadBadge, over tonic (h2c) and raw grpc-web (HTTP/1.1): storage with
//! the right sha256, the Operation envelope, stream order, auth, connections and audio checks.

mod support;

use support::*;
use devserver::proto::speechsense::{container_audio::ContainerAudioType as T, UploadBadgeResponse, UploadTalkResponse};
use devserver::proto::yandex::cloud::operation::{operation, Operation};
use prost::Message;
use tonic::Code;

const MIB: usize = 1024 * 1024;

async fn assert_stored(server: &Server, id: &str, method: &str, audio: &[u8], container: &str) {
    let talk = server.talk(id).await;
    assert_eq!(talk["method"], method);
    assert_eq!(talk["audio"]["container"], container);
    assert_eq!(talk["audio"]["bytes"], audio.len() as u64);
    assert_eq!(talk["audio"]["sha256"], sha256_hex(audio));
    assert!(talk["messages"].as_array().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn upload_as_stream_over_grpc_and_grpc_web() {
    let server = start_talk(&[]).await;
    let audio = wav(16_000, 16, 2, 3 * MIB + 123, 1);
    // tonic over h2c
    let mut client = server.grpc().await;
    let msgs = stream_messages("two", T::Wav, &audio, MIB);
    let id = client.upload_as_stream(authed(tokio_stream::iter(msgs.clone()))).await.unwrap().into_inner().talk_id;
    assert_stored(&server, &id, "UploadAsStream", &audio, "wav").await;
    // grpc-web over HTTP/1.1
    let res = grpc_web(server.http, "UploadAsStream", Some(AUTH), &frames(&msgs)).await.unwrap();
    let (status, message, data) = res.grpc();
    assert_eq!(status, Some(0), "{message}");
    let id2 = UploadTalkResponse::decode(&data.unwrap()[..]).unwrap().talk_id;
    assert_ne!(id, id2);
    assert_stored(&server, &id2, "UploadAsStream", &audio, "wav").await;
    // MP3 on a one-channel connection
    let mp3 = mp3(2000, 3);
    let id3 = client
        .upload_as_stream(authed(tokio_stream::iter(stream_messages("one", T::Mp3, &mp3, 100_000))))
        .await
        .unwrap()
        .into_inner()
        .talk_id;
    assert_stored(&server, &id3, "UploadAsStream", &mp3, "mp3").await;
    assert_eq!(server.files(), (3, 0));
}

fn check_operation(op: &Operation) -> String {
    assert!(op.done);
    assert!(!op.id.is_empty());
    assert!(op.created_at.is_some());
    let md = op.metadata.as_ref().unwrap();
    assert_eq!(md.type_url, "type.googleapis.com/yandex.cloud.speechsense.v1.UploadBadgeMetadata");
    let Some(operation::Result::Response(any)) = &op.result else { panic!("no response in {op:?}") };
    assert_eq!(any.type_url, "type.googleapis.com/yandex.cloud.speechsense.v1.UploadBadgeResponse");
    let res = UploadBadgeResponse::decode(&any.value[..]).unwrap();
    assert_eq!(res.badge_id, op.id);
    assert_eq!(res.talk_ids.len(), 1);
    res.talk_ids[0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn upload_badge_over_grpc_and_grpc_web() {
    let server = start_talk(&[]).await;
    let audio = wav(8_000, 16, 1, 2 * MIB + 7, 2);
    let msgs = stream_messages("one", T::Wav, &audio, MIB);
    let mut client = server.grpc().await;
    let op = client.upload_badge(authed(tokio_stream::iter(msgs.clone()))).await.unwrap().into_inner();
    let id = check_operation(&op);
    assert_stored(&server, &id, "UploadBadge", &audio, "wav").await;

    let res = grpc_web(server.http, "UploadBadge", Some(AUTH), &frames(&msgs)).await.unwrap();
    let (status, message, data) = res.grpc();
    assert_eq!(status, Some(0), "{message}");
    let op = Operation::decode(&data.unwrap()[..]).unwrap();
    let id = check_operation(&op);
    assert_stored(&server, &id, "UploadBadge", &audio, "wav").await;
}

/// Sends `msgs` both ways and expects the same error code with `needle` in the message, and
/// nothing stored.
async fn expect_error(server: &Server, method: &str, msgs: Vec<devserver::proto::speechsense::StreamTalkRequest>, code: Code, needle: &str) {
    let mut client = server.grpc().await;
    let st = match method {
        "UploadAsStream" => client.upload_as_stream(authed(tokio_stream::iter(msgs.clone()))).await.map(|_| ()),
        _ => client.upload_badge(authed(tokio_stream::iter(msgs.clone()))).await.map(|_| ()),
    }
    .expect_err("must fail");
    assert_eq!(st.code(), code, "{st:?}");
    assert!(st.message().contains(needle), "grpc: {:?} lacks {needle:?}", st.message());
    let res = grpc_web(server.http, method, Some(AUTH), &frames(&msgs)).await.expect("grpc-web answer, not a reset");
    let (status, message, _) = res.grpc();
    assert_eq!(status, Some(code as u32), "{message}");
    assert!(message.contains(needle), "grpc-web: {message:?} lacks {needle:?}");
    server.assert_nothing_stored().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_stream_order_is_invalid_argument_naming_the_message() {
    let server = start_talk(&[]).await;
    let audio = wav(16_000, 16, 1, 200_000, 3);
    let md = || msg_metadata(metadata("one"));
    let amd = || msg_audio_md(container(T::Wav));
    for method in ["UploadAsStream", "UploadBadge"] {
        expect_error(&server, method, vec![amd(), md(), msg_chunk(&audio)], Code::InvalidArgument, "stream message 1 carries `audio.audio_metadata`").await;
        expect_error(&server, method, vec![md(), msg_chunk(&audio)], Code::InvalidArgument, "stream message 2 carries `audio.chunk`; expected `audio.audio_metadata`").await;
        expect_error(&server, method, vec![md(), amd(), msg_chunk(&audio[..100_000]), md()], Code::InvalidArgument, "stream message 4 carries `metadata`; expected `audio.chunk`").await;
        expect_error(&server, method, vec![md(), amd()], Code::InvalidArgument, "no `audio.chunk`").await;
        expect_error(&server, method, vec![], Code::InvalidArgument, "the stream is empty").await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn auth_connection_and_metadata_errors() {
    let server = start_talk(&[]).await;
    let audio = wav(16_000, 16, 1, MIB, 4);
    let msgs = stream_messages("one", T::Wav, &audio, 256 * 1024);
    // bad and missing authorization, both transports; a large body is drained, not reset
    let mut client = server.grpc().await;
    let mut req = tonic::Request::new(tokio_stream::iter(msgs.clone()));
    req.metadata_mut().insert("authorization", "Api-Key wrong".parse().unwrap());
    assert_eq!(client.upload_as_stream(req).await.unwrap_err().code(), Code::Unauthenticated);
    assert_eq!(client.upload_badge(tokio_stream::iter(msgs.clone())).await.unwrap_err().code(), Code::Unauthenticated);
    for auth in [None, Some("Api-Key wrong"), Some("Bearer nope")] {
        let res = grpc_web(server.http, "UploadBadge", auth, &frames(&msgs)).await.expect("an answer, not a reset");
        assert_eq!(res.grpc().0, Some(Code::Unauthenticated as u32));
        assert!(!res.grpc().1.contains("wrong"), "the credential is echoed");
    }
    // unknown connection
    let mut bad = msgs.clone();
    bad[0] = msg_metadata(metadata("nope"));
    expect_error(&server, "UploadAsStream", bad, Code::NotFound, "connection `nope` does not exist").await;
    // chat connection for audio
    let mut bad = msgs.clone();
    bad[0] = msg_metadata(metadata("chat"));
    expect_error(&server, "UploadBadge", bad, Code::InvalidArgument, "needs an audio connection").await;
    // metadata that the shared validation refuses: missing `language`
    let mut md = metadata("one");
    md.fields.remove("language");
    let mut bad = msgs.clone();
    bad[0] = msg_metadata(md);
    expect_error(&server, "UploadAsStream", bad, Code::InvalidArgument, "language").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_audio_is_refused_and_nothing_is_stored() {
    let server = start_talk(&[]).await;
    // OGG to UploadBadge: refused at the audio metadata
    let ogg = ogg_opus(100_000);
    expect_error(&server, "UploadBadge", stream_messages("one", T::OggOpus, &ogg, MIB), Code::InvalidArgument, "UploadBadge accepts only WAV and MP3").await;
    // ...and declared WAV but OGG bytes
    expect_error(&server, "UploadBadge", stream_messages("one", T::Wav, &ogg, MIB), Code::InvalidArgument, "declares wav but").await;
    // 8-bit WAV
    let w8 = wav(16_000, 8, 1, 200_000, 5);
    expect_error(&server, "UploadAsStream", stream_messages("one", T::Wav, &w8, MIB), Code::InvalidArgument, "16-bit").await;
    // 96 kHz WAV
    let w96 = wav(96_000, 16, 1, 400_000, 6);
    expect_error(&server, "UploadBadge", stream_messages("one", T::Wav, &w96, MIB), Code::InvalidArgument, "96000 Hz").await;
    // declared WAV, MP3 bytes: caught on the first 64 KiB of a long stream
    let mp3 = mp3(5000, 7);
    expect_error(&server, "UploadAsStream", stream_messages("one", T::Wav, &mp3, 64 * 1024), Code::InvalidArgument, "declares wav but the bytes are mp3").await;
    // declared MP3, WAV bytes, short (checked at the end)
    let w = wav(16_000, 16, 1, 30_000, 8);
    expect_error(&server, "UploadBadge", stream_messages("one", T::Mp3, &w, MIB), Code::InvalidArgument, "declares mp3 but the bytes are wav").await;
}

/// An MP3 whose ID3v2 tag (a cover image, say) ends past the first 64 KiB: the server must read
/// the frames from its temp file after the head buffer, and store the upload.
#[tokio::test(flavor = "multi_thread")]
async fn mp3_with_a_tag_larger_than_the_head_is_sniffed_from_the_file() {
    let server = start_talk(&[]).await;
    let tag_len: u32 = 100_000;
    let mut audio = b"ID3\x04\x00\x00".to_vec();
    // The tag size is "syncsafe": 7 bits per byte.
    audio.extend_from_slice(&[(tag_len >> 21) as u8 & 0x7f, (tag_len >> 14) as u8 & 0x7f, (tag_len >> 7) as u8 & 0x7f, tag_len as u8 & 0x7f]);
    audio.extend(noise(tag_len as usize, 31).iter().map(|b| b & 0x7f)); // no false frame syncs
    audio.extend(mp3(400, 32));
    let mut client = server.grpc().await;
    let id = client
        .upload_as_stream(authed(tokio_stream::iter(stream_messages("one", T::Mp3, &audio, MIB))))
        .await
        .expect("a big ID3 tag must not break sniffing")
        .into_inner()
        .talk_id;
    assert_stored(&server, &id, "UploadAsStream", &audio, "mp3").await;
}
