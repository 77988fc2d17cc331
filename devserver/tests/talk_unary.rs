//! Upload (unary audio) and UploadText (chat), over tonic (h2c) and raw grpc-web.

mod support;

use support::*;
use devserver::proto::speechsense::{
    container_audio::ContainerAudioType as T, message::Payload, AudioChunk, AudioRequest, Message as ChatMessage,
    TextContent, TextPayload, UploadTalkRequest, UploadTalkResponse, UploadTextRequest, UploadTextResponse,
};
use prost::Message;
use tonic::Code;

fn upload_req(connection: &str, t: T, audio: &[u8]) -> UploadTalkRequest {
    UploadTalkRequest {
        metadata: Some(metadata(connection)),
        audio: Some(AudioRequest { audio_metadata: Some(container(t)), audio_data: Some(AudioChunk { data: audio.to_vec() }) }),
        talk_id: String::new(),
    }
}

fn text_req(connection: &str, users: &[&str]) -> UploadTextRequest {
    let messages = users
        .iter()
        .enumerate()
        .map(|(i, u)| ChatMessage {
            user_id: u.to_string(),
            timestamp: Some(prost_types::Timestamp { seconds: 1_694_626_200 + i as i64, nanos: 0 }),
            payload: Some(Payload::Text(TextPayload { text: format!("message {i}") })),
        })
        .collect();
    UploadTextRequest { metadata: Some(metadata(connection)), text_content: Some(TextContent { messages }), talk_id: String::new() }
}

#[tokio::test(flavor = "multi_thread")]
async fn upload_over_grpc_and_grpc_web() {
    let server = start_talk(&[]).await;
    let audio = wav(44_100, 16, 2, 1_500_000, 11);
    let mut client = server.grpc().await;
    let id = client.upload(authed(upload_req("two", T::Wav, &audio))).await.unwrap().into_inner().talk_id;
    let talk = server.talk(&id).await;
    assert_eq!(talk["method"], "Upload");
    assert_eq!(talk["connectionId"], "two");
    assert_eq!(talk["audio"]["sha256"], sha256_hex(&audio));
    assert_eq!(talk["audio"]["bytes"], audio.len() as u64);

    let mp3 = mp3(800, 12);
    let res = grpc_web(server.http, "Upload", Some(AUTH), &frames(&[upload_req("one", T::Mp3, &mp3)])).await.unwrap();
    let (status, message, data) = res.grpc();
    assert_eq!(status, Some(0), "{message}");
    let id = UploadTalkResponse::decode(&data.unwrap()[..]).unwrap().talk_id;
    let talk = server.talk(&id).await;
    assert_eq!(talk["audio"]["container"], "mp3");
    assert_eq!(talk["audio"]["sha256"], sha256_hex(&mp3));
    // the stored bytes are the sent bytes
    let raw = http1(server.http, "GET", &format!("/api/talks/{id}/audio"), &[], &[]).await.unwrap();
    assert_eq!(raw.body, mp3);
}

#[tokio::test(flavor = "multi_thread")]
async fn upload_errors() {
    let server = start_talk(&[]).await;
    let audio = wav(16_000, 16, 1, 300_000, 13);
    let mut client = server.grpc().await;
    let st = client.upload(upload_req("one", T::Wav, &audio)).await.unwrap_err();
    assert_eq!(st.code(), Code::Unauthenticated);
    let st = client.upload(authed(upload_req("missing", T::Wav, &audio))).await.unwrap_err();
    assert_eq!(st.code(), Code::NotFound);
    let st = client.upload(authed(upload_req("one", T::Mp3, &audio))).await.unwrap_err();
    assert_eq!(st.code(), Code::InvalidArgument);
    assert!(st.message().contains("declares mp3 but the bytes are wav"), "{}", st.message());
    let st = client.upload(authed(upload_req("chat", T::Wav, &audio))).await.unwrap_err();
    assert_eq!(st.code(), Code::InvalidArgument);
    let w8 = wav(16_000, 8, 1, 100_000, 14);
    let res = grpc_web(server.http, "Upload", Some(AUTH), &frames(&[upload_req("one", T::Wav, &w8)])).await.unwrap();
    assert_eq!(res.grpc().0, Some(Code::InvalidArgument as u32));
    let res = grpc_web(server.http, "Upload", Some("Api-Key nope"), &frames(&[upload_req("one", T::Wav, &audio)])).await.unwrap();
    assert_eq!(res.grpc().0, Some(Code::Unauthenticated as u32));
    server.assert_nothing_stored().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn upload_text_over_grpc_and_grpc_web() {
    let server = start_talk(&[]).await;
    let mut client = server.grpc().await;
    let id = client.upload_text(authed(text_req("chat", &["op-1", "cl-1", "bot-1"]))).await.unwrap().into_inner().talk_id;
    let talk = server.talk(&id).await;
    assert_eq!(talk["method"], "UploadText");
    assert_eq!(talk["audio"], serde_json::Value::Null);
    assert_eq!(talk["messages"][1]["userId"], "cl-1");
    assert_eq!(talk["messages"][0]["timestamp"], "2023-09-13T17:30:00Z");

    let res = grpc_web(server.http, "UploadText", Some(AUTH), &frames(&[text_req("chat", &["op-1"])])).await.unwrap();
    let (status, message, data) = res.grpc();
    assert_eq!(status, Some(0), "{message}");
    let id = UploadTextResponse::decode(&data.unwrap()[..]).unwrap().talk_id;
    assert_eq!(server.talk(&id).await["messages"][0]["text"], "message 0");
}

#[tokio::test(flavor = "multi_thread")]
async fn upload_text_errors() {
    let server = start_talk(&[]).await;
    let mut client = server.grpc().await;
    // a user id that is none of operator_id / client_id / bot_id (the shared check)
    let st = client.upload_text(authed(text_req("chat", &["op-1", "stranger"]))).await.unwrap_err();
    assert_eq!(st.code(), Code::InvalidArgument);
    assert!(st.message().contains("stranger"), "{}", st.message());
    // audio connection
    let st = client.upload_text(authed(text_req("one", &["op-1"]))).await.unwrap_err();
    assert_eq!(st.code(), Code::InvalidArgument);
    // unknown connection, bad auth
    assert_eq!(client.upload_text(authed(text_req("zzz", &["op-1"]))).await.unwrap_err().code(), Code::NotFound);
    assert_eq!(client.upload_text(text_req("chat", &["op-1"])).await.unwrap_err().code(), Code::Unauthenticated);
    // metadata the shared validation refuses: a bad date
    let mut req = text_req("chat", &["op-1"]);
    req.metadata.as_mut().unwrap().fields.insert("date".into(), "2023-02-30T10:00:00Z".into());
    let res = grpc_web(server.http, "UploadText", Some(AUTH), &frames(&[req])).await.unwrap();
    let (status, message, _) = res.grpc();
    assert_eq!(status, Some(Code::InvalidArgument as u32), "{message}");
    assert!(message.contains("/fields/date"), "{message}");
    server.assert_nothing_stored().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn talk_id_updates_the_metadata_of_a_stored_talk() {
    let server = start_talk(&[]).await;
    let mut client = server.grpc().await;
    let id = client.upload_text(authed(text_req("chat", &["op-1", "cl-1"]))).await.unwrap().into_inner().talk_id;

    // Metadata only, with talk_id: the stored talk's fields change, its messages stay.
    let mut update = text_req("chat", &[]);
    update.talk_id = id.clone();
    update.metadata.as_mut().unwrap().fields.insert("operator_name".into(), "Renamed".into());
    let same = client.upload_text(authed(update.clone())).await.unwrap().into_inner().talk_id;
    assert_eq!(same, id);
    let talk = server.talk(&id).await;
    assert_eq!(talk["fields"]["operator_name"], "Renamed");
    assert_eq!(talk["messages"].as_array().unwrap().len(), 2);
    assert_eq!(server.talk_count().await, 1);

    // New content together with talk_id would be dropped or duplicated: refused.
    let mut with_content = text_req("chat", &["op-1"]);
    with_content.talk_id = id.clone();
    let st = client.upload_text(authed(with_content)).await.unwrap_err();
    assert_eq!(st.code(), Code::InvalidArgument);
    assert!(st.message().contains("talk_id"), "{}", st.message());

    // Unknown talk, and a talk of another connection.
    let mut unknown = update.clone();
    unknown.talk_id = "no-such-talk".into();
    assert_eq!(client.upload_text(authed(unknown)).await.unwrap_err().code(), Code::NotFound);
    let audio = wav(16_000, 16, 1, 64_000, 21);
    let audio_id = client.upload(authed(upload_req("one", T::Wav, &audio))).await.unwrap().into_inner().talk_id;
    let mut cross = update.clone();
    cross.talk_id = audio_id;
    let st = client.upload_text(authed(cross)).await.unwrap_err();
    assert_eq!(st.code(), Code::InvalidArgument);
    assert!(st.message().contains("belongs to connection"), "{}", st.message());

    // An update whose ids no longer match the stored messages is refused and changes nothing.
    let mut breaking = update.clone();
    breaking.metadata.as_mut().unwrap().fields.insert("operator_id".into(), "someone-else".into());
    assert_eq!(client.upload_text(authed(breaking)).await.unwrap_err().code(), Code::InvalidArgument);
    assert_eq!(server.talk(&id).await["fields"]["operator_id"], "op-1");
    assert_eq!(server.talk_count().await, 2);
}
