//! Every upload method through the gateway to a devserver upstream, over h2c and over TLS with
//! a certificate made in the test: the bytes arrive with the right sha256, and the upstream
//! accepted the gateway's credential (the devserver knows only its API key, never a ticket).

mod support;

use prost::Message;
use support::dev::container;
use support::*;
use talk_uploader::proto::speechsense::{
    container_audio::ContainerAudioType as T, message::Payload, AudioChunk, AudioRequest, Message as ChatMessage,
    TextContent, TextPayload, UploadBadgeResponse, UploadTalkRequest, UploadTalkResponse, UploadTextRequest,
    UploadTextResponse,
};
use talk_uploader::proto::yandex::cloud::operation::{operation, Operation};

const MIB: usize = 1024 * 1024;

fn upload_req(connection: &str, t: T, audio: &[u8]) -> UploadTalkRequest {
    UploadTalkRequest {
        metadata: Some(metadata(connection)),
        audio: Some(AudioRequest { audio_metadata: Some(container(t)), audio_data: Some(AudioChunk { data: audio.to_vec() }) }),
        talk_id: String::new(),
    }
}

pub fn text_req(connection: &str) -> UploadTextRequest {
    let messages = ["op-1", "cl-1", "bot-1"]
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

fn first_message(res: &Res) -> Vec<u8> {
    let (status, message, data) = res.grpc();
    assert_eq!(status, Some(0), "grpc-status, message {message:?}");
    data.expect("a response message")
}

async fn all_four_methods(server: Api<'_>, gw: &Gateway) {
    let t = ticket_for(&["one", "two", "chat"]);

    let audio = wav(16_000, 16, 2, 300_000, 1);
    let res = call(gw, "Upload", Some(&t), &frames(&[upload_req("two", T::Wav, &audio)])).await;
    let id = UploadTalkResponse::decode(&first_message(&res)[..]).unwrap().talk_id;
    let talk = server.talk(&id).await;
    assert_eq!(talk["method"], "Upload");
    assert_eq!(talk["audio"]["sha256"], sha256_hex(&audio));

    let mp3 = mp3(3000, 2);
    let res = call(gw, "UploadAsStream", Some(&t), &frames(&stream_messages("one", T::Mp3, &mp3, 200_000))).await;
    let id = UploadTalkResponse::decode(&first_message(&res)[..]).unwrap().talk_id;
    let talk = server.talk(&id).await;
    assert_eq!(talk["method"], "UploadAsStream");
    assert_eq!(talk["audio"]["sha256"], sha256_hex(&mp3));

    // UploadBadge in the documented 1 MiB chunks.
    let badge = wav(16_000, 16, 1, 3 * MIB + 12_345, 3);
    let res = call(gw, "UploadBadge", Some(&t), &frames(&stream_messages("one", T::Wav, &badge, MIB))).await;
    let op = Operation::decode(&first_message(&res)[..]).unwrap();
    let Some(operation::Result::Response(any)) = op.result else { panic!("no response in the Operation") };
    let id = UploadBadgeResponse::decode(&any.value[..]).unwrap().talk_ids[0].clone();
    let talk = server.talk(&id).await;
    assert_eq!(talk["method"], "UploadBadge");
    assert_eq!(talk["audio"]["sha256"], sha256_hex(&badge));

    let res = call(gw, "UploadText", Some(&t), &frames(&[text_req("chat")])).await;
    let id = UploadTextResponse::decode(&first_message(&res)[..]).unwrap().talk_id;
    let talk = server.talk(&id).await;
    assert_eq!(talk["method"], "UploadText");
    assert_eq!(talk["messages"].as_array().unwrap().len(), 3);
    assert_eq!(server.talk_count().await, 4);

    // An error of the upstream itself (a trailers-only answer) passes through unchanged.
    let bad = wav(96_000, 16, 1, 10_000, 4);
    let res = call(gw, "UploadBadge", Some(&t), &frames(&stream_messages("one", T::Wav, &bad, MIB))).await;
    assert_status(&res, tonic::Code::InvalidArgument, "96000 Hz");
    assert_eq!(server.talk_count().await, 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn over_h2c() {
    let server = dev::start_talk(&[]).await;
    let gw = gateway(&format!("http://{}", server.http), &[]).await;
    all_four_methods(Api::Plain(&server), &gw).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn over_tls_with_a_private_ca() {
    let (server, ca) = tls_devserver(&[]).await;
    let url = format!("https://127.0.0.1:{}", server.http.port());
    let gw = gateway(&url, &["--upstream-ca-file", ca.to_str().unwrap()]).await;
    let api = Api::Tls(&server, &ca);
    all_four_methods(Api::Tls(&server, &ca), &gw).await;

    // Without the private CA, the certificate is not trusted: a clear UNAVAILABLE, nothing stored.
    let untrusting = gateway(&url, &[]).await;
    let before = api.talk_count().await;
    let res = call(&untrusting, "UploadText", Some(&ticket_for(&["chat"])), &frames(&[text_req("chat")])).await;
    assert_status(&res, tonic::Code::Unavailable, "certificate");
    assert_eq!(api.talk_count().await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_grpc_clients_work_too() {
    // A backend may call the gateway over h2c with a tonic client: same ticket rules.
    let server = dev::start_talk(&[]).await;
    let gw = gateway(&format!("http://{}", server.http), &[]).await;
    let mut client = devserver::proto::speechsense::talk_service_client::TalkServiceClient::new(
        tonic::transport::Channel::from_shared(format!("http://{}", gw.addr)).unwrap().connect().await.unwrap(),
    );
    let mut req = tonic::Request::new(text_req("chat"));
    req.metadata_mut().insert("authorization", format!("Bearer {}", ticket_for(&["chat"])).parse().unwrap());
    let id = client.upload_text(req).await.unwrap().into_inner().talk_id;
    assert_eq!(server.talk(&id).await["method"], "UploadText");
    let mut req = tonic::Request::new(text_req("chat"));
    req.metadata_mut().insert("authorization", AUTH.parse().unwrap());
    let e = client.upload_text(req).await.unwrap_err();
    assert_eq!(e.code(), tonic::Code::Unauthenticated, "an API key is not a ticket");
}
