//! Browser tier of the opt-in `tonic-client` feature: the generated tonic client, over
//! tonic-web-wasm-client, talks grpc-web to the running devserver from headless Chromium. It
//! proves that the feature Rust front ends use interoperates; the npm package does not enable it
//! (its `uploadText` goes through the crate's own XHR engine). Run it with
//! `cargo test -p talk-uploader --target wasm32-unknown-unknown --features tonic-client --test browser_grpc_text`;
//! without the feature it compiles to nothing. `npm test` starts the devserver and passes its URL
//! and API key at compile time (runtime environment variables are invisible in the browser).

#![cfg(all(target_arch = "wasm32", feature = "tonic-client"))]

mod browser_upload_support;

use browser_upload_support::{api_key, devserver, get_json, stored_talk};
use talk_uploader::proto::speechsense::{
    message::Payload, talk_service_client::TalkServiceClient, Message, TalkMetadata, TextContent,
    TextPayload, UploadTextRequest,
};
// The re-exports: the versions the generated client was built for.
use talk_uploader::proto::tonic;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn request(auth: &str, user_text: &str) -> tonic::Request<UploadTextRequest> {
    let fields = [
        ("operator_name", "Alice"),
        ("operator_id", "op-1"),
        ("client_name", "Bob"),
        ("client_id", "cl-7"),
        ("bot_name", "Helper"),
        ("bot_id", "bot-3"),
        ("date", "2024-05-06T07:08:09Z"),
        ("direction_outgoing", "false"),
        ("language", "ru-RU"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let msg = |user: &str, secs: i64, text: &str| Message {
        user_id: user.to_owned(),
        timestamp: Some(prost_types::Timestamp { seconds: secs, nanos: 250_000_000 }),
        payload: Some(Payload::Text(TextPayload { text: text.to_owned() })),
    };
    let mut req = tonic::Request::new(UploadTextRequest {
        talk_id: String::new(),
        metadata: Some(TalkMetadata {
            connection_id: "test-chat".to_owned(),
            fields,
            users: vec![],
        }),
        text_content: Some(TextContent {
            messages: vec![
                msg("cl-7", 1_714_979_289, user_text),
                msg("op-1", 1_714_979_300, "Здравствуйте! Чем помочь?"),
            ],
        }),
    });
    req.metadata_mut().insert("authorization", auth.parse().expect("ascii header"));
    req
}

/// Every talk the devserver holds.
async fn talk_list() -> Vec<serde_json::Value> {
    get_json(&format!("{}/api/talks", devserver())).await.as_array().expect("talk list").clone()
}

#[wasm_bindgen_test]
async fn upload_text_is_stored_and_read_back() {
    let base = devserver();
    let mut client = TalkServiceClient::new(talk_uploader::proto::tonic_web_wasm_client::Client::new(base.to_owned()));
    let text = "Hello from the browser, with a \u{1F600} and \"quotes\"";
    let resp = client
        .upload_text(request(&format!("Api-Key {}", api_key()), text))
        .await
        .expect("UploadText over grpc-web")
        .into_inner();
    assert!(!resp.talk_id.is_empty());

    let stored = stored_talk(&resp.talk_id).await;
    assert_eq!(stored["id"], resp.talk_id.as_str());
    assert_eq!(stored["method"], "UploadText");
    assert_eq!(stored["connectionId"], "test-chat");
    assert_eq!(stored["fields"]["operator_id"], "op-1");
    assert_eq!(stored["audio"], serde_json::Value::Null);
    let messages = stored["messages"].as_array().expect("messages array");
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["userId"], "cl-7");
    assert_eq!(messages[0]["text"], text);
    assert_eq!(messages[0]["timestamp"], "2024-05-06T07:08:09.250Z");
    assert_eq!(messages[1]["text"], "Здравствуйте! Чем помочь?");
}

#[wasm_bindgen_test]
async fn wrong_api_key_is_unauthenticated_and_nothing_is_stored() {
    let base = devserver();
    let before = talk_list().await;
    let mut client = TalkServiceClient::new(talk_uploader::proto::tonic_web_wasm_client::Client::new(base.to_owned()));
    let marker = "this talk must never be stored";
    let status = client
        .upload_text(request("Api-Key not-the-key", marker))
        .await
        .expect_err("a wrong key must be refused");
    assert_eq!(status.code(), tonic::Code::Unauthenticated, "{status:?}");
    assert!(!status.message().contains("not-the-key"), "the key leaked into the message");

    let status = client
        .upload_text(request(&format!("Bearer {}", api_key()), marker))
        .await
        .expect_err("an API key sent as a Bearer token must be refused");
    assert_eq!(status.code(), tonic::Code::Unauthenticated, "{status:?}");

    let after = talk_list().await;
    // Other tests may store talks concurrently; none of them may carry the marker.
    assert!(after.len() >= before.len());
    for t in &after {
        let full = stored_talk(t["id"].as_str().unwrap()).await;
        assert!(!full.to_string().contains(marker), "a refused talk was stored");
    }
}

#[wasm_bindgen_test]
async fn unknown_connection_is_not_found() {
    let mut client = TalkServiceClient::new(talk_uploader::proto::tonic_web_wasm_client::Client::new(devserver().to_owned()));
    let mut req = request(&format!("Api-Key {}", api_key()), "hi");
    req.get_mut().metadata.as_mut().unwrap().connection_id = "no-such-connection".into();
    let status = client.upload_text(req).await.expect_err("unknown connection");
    assert_eq!(status.code(), tonic::Code::NotFound, "{status:?}");
    assert!(status.message().contains("no-such-connection"), "{status:?}");
}
