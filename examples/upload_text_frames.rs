//! Prints `UploadTextRequest` frames written by the package's hand encoder
//! (`grpc_web::message::upload_text_frame`, what the wasm sends), one JSON object a line with
//! the values that went in, for `tests/wire/hand_codec.py` to parse with protobuf's own Python
//! runtime from the independent proto in `tests/wire/proto/`:
//! `cargo run --example upload_text_frames | .venv-wire/bin/python tests/wire/hand_codec.py`.

use serde_json::json;
use talk_uploader::grpc_web::message::{upload_text_frame, Metadata};
use talk_uploader::prepare::speechsense::{ChatMessage, MetadataFields, Timestamp};

fn message(user_id: &str, seconds: i64, nanos: i32, text: &str) -> ChatMessage {
    ChatMessage { user_id: user_id.into(), timestamp: Timestamp { seconds, nanos }, text: text.into() }
}

fn main() {
    let long = "длинный текст ".repeat(2_000);
    let many: Vec<(String, String)> = (0..500).map(|i| (format!("key-{}", (i * 37) % 500), format!("v{i}"))).collect();
    let cases: Vec<(&str, Vec<(String, String)>, Vec<ChatMessage>)> = vec![
        ("", vec![], vec![]),
        ("test-chat", vec![("language".into(), "ru-RU".into()), ("date".into(), "2023-09-13T17:30:00Z".into())], vec![message("1111", 1_694_615_400, 500_000_000, "Hi")]),
        ("c", vec![("".into(), "".into()), ("k".into(), "".into()), ("".into(), "v".into())], vec![message("", 0, 0, "")]),
        ("соединение", vec![("я".into(), "1".into()), ("a".into(), "2".into()), ("é".into(), "3".into()), ("😀".into(), "4".into()), ("Z".into(), "5".into())], vec![message("2", -1, -1, "👋 привет"), message("3", i64::MIN, i32::MIN, "min"), message("4", i64::MAX, i32::MAX, "max")]),
        ("c", many, vec![message("5", 1_700_000_000, 1, &long), message("6", 1_700_000_001, 2, &"x".repeat(16_377))]),
    ];
    for (connection_id, pairs, messages) in cases {
        let fields = MetadataFields::from_pairs(pairs);
        let frame = upload_text_frame(&Metadata { connection_id, fields: &fields }, &messages).expect("a frame");
        let hex: String = frame.iter().map(|b| format!("{b:02x}")).collect();
        let fields_json: serde_json::Map<String, serde_json::Value> = fields.as_slice().iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        let messages_json: Vec<_> = messages
            .iter()
            .map(|m| json!({"user_id": m.user_id, "seconds": m.timestamp.seconds, "nanos": m.timestamp.nanos, "text": m.text}))
            .collect();
        println!("{}", json!({"frame": hex, "connection_id": connection_id, "fields": fields_json, "messages": messages_json}));
    }
}
