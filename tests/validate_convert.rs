//! Conversion: examples, and round trips proved with proptest.

// proptest is a native-only dev-dependency (see Cargo.toml).
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{json, Value as J};
use talk_uploader::convert::{convert_chat, ChatFormat, ConvertOptions, ConvertResult, Role};

const SS: ChatFormat = ChatFormat::Speechsense;
const VELA: ChatFormat = ChatFormat::Vela;
const LB: ChatFormat = ChatFormat::Labelbox;

fn parse(s: &str) -> J {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("{e}: {s}"))
}

fn run(input: &str, opts: &ConvertOptions) -> ConvertResult {
    let r = convert_chat(input.as_bytes(), opts);
    assert!(r.ok, "{:?} -> {:?}: {:#?}\n{input}", opts.from, opts.to, r.errors);
    r
}

fn ss_opts(to: ChatFormat, meta: &str) -> ConvertOptions {
    ConvertOptions { metadata: Some(meta.to_owned()), org_id: Some("org".into()), session_id: Some("sess".into()), ..ConvertOptions::new(SS, to) }
}

const META: &str = r#"{"operator_name":"Ann","operator_id":"1111","client_name":"Bo","client_id":"2222","bot_name":"Robo","bot_id":"3333","date":"2023-09-13T17:30:00.000Z","direction_outgoing":"true","language":"ru-RU"}"#;

#[test]
fn speechsense_to_vela_and_labelbox() {
    let chat = r#"{"messages":[{"user_id":1111,"text":"Hi","timestamp":"2023-09-13T17:30:00.123456789+03:00"},{"user_id":"2222","text":"Yo","timestamp":"2023-09-13T14:31:00Z"},{"user_id":"3333","text":"Beep","timestamp":"2023-09-13T14:32:00Z"}]}"#;
    let v = run(chat, &ss_opts(VELA, META));
    let out = parse(&v.output);
    assert_eq!(out["org_id"], "org");
    assert_eq!(out["chat_data"]["agent_id"], "1111");
    assert_eq!(out["chat_data"]["customer_id"], "2222");
    assert_eq!(out["chat_data"]["session_id"], "sess");
    assert_eq!(out["chat_data"]["start_time"], "2023-09-13T17:30:00Z");
    assert_eq!(out["chat_data"]["messages"][0], json!({"timestamp": "2023-09-13T17:30:00.123456789+03:00", "sender": "agent", "content": "Hi"}));
    assert_eq!(out["chat_data"]["messages"][2]["sender"], "bot");
    assert_eq!(out["metadata"]["language"], "ru-RU");
    let l = run(chat, &ss_opts(LB, META));
    let out = parse(&l.output);
    assert_eq!(out["type"], "application/vnd.labelbox.conversational");
    assert_eq!(out["messages"][0]["timestampUsec"], 1_694_615_400_123_456i64);
    assert_eq!(out["messages"][0]["user"], json!({"userId": "1111", "name": "Ann"}));
    assert_eq!(out["messages"][0]["align"], "right");
    assert_eq!(out["messages"][1]["align"], "left");
    assert_eq!(out["messages"][2]["align"], "0-left-indent");
    let codes: Vec<_> = l.warnings.iter().map(|w| w.code.as_str()).collect();
    assert!(codes.contains(&"precision_lost") && codes.contains(&"dropped"), "{codes:?}");
}

#[test]
fn labelbox_sample_to_speechsense() {
    let lb = r#"{"type":"application/vnd.labelbox.conversational","version":1,"messages":[
      {"messageId":"message-0","timestampUsec":1530718491000000,"content":"I love iphone!","user":{"userId":"Bot 002","name":"Bot"},"align":"left","canLabel":false},
      {"messageId":"message-1","timestampUsec":1530718503000000,"content":"Thats good","user":{"userId":"User 00686","name":"User"},"align":"right","canLabel":true}]}"#;
    let mut opts = ConvertOptions::new(LB, SS);
    opts.roles.insert("Bot 002".into(), Role::Bot);
    let r = run(lb, &opts);
    let chat = parse(&r.output);
    let meta = parse(r.metadata.as_deref().unwrap());
    assert_eq!(chat["messages"][0], json!({"user_id": "Bot 002", "text": "I love iphone!", "timestamp": "2018-07-04T15:34:51Z"}));
    assert_eq!(meta["bot_id"], "Bot 002");
    assert_eq!(meta["operator_id"], "User 00686");
    assert_eq!(meta["date"], "2018-07-04T15:34:51Z");
    assert!(r.warnings.iter().any(|w| w.code.as_str() == "dropped"));
}

#[test]
fn invalid_input_and_missing_options_are_errors() {
    let r = convert_chat(b"{\"messages\": [}", &ConvertOptions::new(SS, VELA));
    assert_eq!((r.ok, r.errors[0].code.as_str(), r.errors[0].line), (false, "unexpected_character", Some(1)));
    assert!(r.output.is_empty());
    let chat = r#"{"messages":[{"user_id":"1","text":"a","timestamp":"2023-01-01T00:00:00Z"}]}"#;
    let r = convert_chat(chat.as_bytes(), &ConvertOptions::new(SS, VELA));
    let codes: Vec<_> = r.errors.iter().map(|i| (i.code.as_str(), i.path.as_str())).collect();
    assert_eq!(codes, [("missing_option", "/org_id"), ("missing_option", "/chat_data/session_id"), ("missing_option", "/chat_data/agent_id")]);
    let r = convert_chat(chat.as_bytes(), &ConvertOptions::default());
    assert_eq!(r.errors[0].code.as_str(), "missing_option");
    let lb = r#"{"type":"application/vnd.labelbox.conversational","version":1,"messages":[{"messageId":"m","content":"x","user":{"userId":"u","name":"n"},"canLabel":true}]}"#;
    let r = convert_chat(lb.as_bytes(), &ConvertOptions::new(LB, SS));
    assert_eq!(r.errors[0].path, "/messages/0/timestampUsec");
    let many = json!({"messages": (0..251).map(|i| json!({"user_id": "1111", "text": "t", "timestamp": format!("2023-01-01T00:00:{:02}Z", i % 60)})).collect::<Vec<_>>()});
    let r = convert_chat(many.to_string().as_bytes(), &ss_opts(LB, META));
    assert_eq!(r.errors[0].code.as_str(), "too_many_messages");
}

// ---- round trips ----

#[derive(Clone, Debug)]
struct Msg {
    role: usize,
    text: String,
    secs: i64,
    micros: u32,
    offset_min: i32,
}

const YEAR_2000: i64 = 946_684_800;
const YEAR_2100: i64 = 4_102_444_800;

fn msg_strategy() -> impl Strategy<Value = Msg> {
    (0usize..3, any::<String>(), YEAR_2000..YEAR_2100, 0u32..1_000_000, prop_oneof![Just(0), -720i32..840])
        .prop_map(|(role, text, secs, micros, offset_min)| Msg { role, text, secs, micros, offset_min })
}

fn id_strategy() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9 _.-]{0,11}"
}

fn fmt(secs: i64, micros: u32, offset_min: i32) -> String {
    talk_uploader::formats::time::format_rfc3339(secs, micros * 1000, offset_min * 60).unwrap()
}

fn ss_input(ids: &[String; 3], names: &[String; 3], msgs: &[Msg]) -> (String, String) {
    let chat = json!({"messages": msgs.iter().map(|m| json!({"user_id": ids[m.role], "text": m.text, "timestamp": fmt(m.secs, m.micros, m.offset_min)})).collect::<Vec<_>>()});
    let meta = json!({"operator_id": ids[0], "client_id": ids[1], "bot_id": ids[2], "operator_name": names[0], "client_name": names[1], "bot_name": names[2],
        "date": fmt(YEAR_2000, 0, 0), "direction_outgoing": "false", "language": "ru-RU", "custom": "x/y~z"});
    (chat.to_string(), meta.to_string())
}

/// (user_id, text, instant in nanos) of a SpeechSense chat.
fn ss_messages(chat: &str) -> Vec<(String, String, i128)> {
    let v = parse(chat);
    v["messages"].as_array().unwrap().iter().map(|m| {
        let t = talk_uploader::formats::time::parse(m["timestamp"].as_str().unwrap(), talk_uploader::formats::time::Grammar::Rfc3339).unwrap();
        (m["user_id"].as_str().unwrap().to_owned(), m["text"].as_str().unwrap().to_owned(), t.unix_nanos())
    }).collect()
}

fn distinct3() -> impl Strategy<Value = [String; 3]> {
    (id_strategy(), id_strategy(), id_strategy()).prop_filter("distinct", |(a, b, c)| a != b && b != c && a != c).prop_map(|(a, b, c)| [a, b, c])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    /// SpeechSense → Vela → SpeechSense keeps every message and the whole metadata.
    #[test]
    fn speechsense_vela_speechsense(ids in distinct3(), names in distinct3(), msgs in prop::collection::vec(msg_strategy(), 1..20)) {
        let (chat, meta) = ss_input(&ids, &names, &msgs);
        let v = run(&chat, &ss_opts(VELA, &meta));
        let back = run(&v.output, &ConvertOptions::new(VELA, SS));
        prop_assert_eq!(ss_messages(&back.output), ss_messages(&chat));
        let m0: BTreeMap<String, String> = serde_json::from_str(&meta).unwrap();
        let mut m1: BTreeMap<String, String> = serde_json::from_str(back.metadata.as_deref().unwrap()).unwrap();
        // The converter adds what Vela itself holds: the org and the session (as ticket_id).
        prop_assert_eq!(m1.remove("org_id"), Some("org".to_owned()));
        prop_assert_eq!(m1.remove("ticket_id"), Some("sess".to_owned()));
        // ...and the session end (Vela's `end_time`, the last message's time).
        prop_assert!(m1.remove("date_to").is_some());
        prop_assert_eq!(m1, m0);
        // Offsets survive as written.
        let orig: Vec<String> = parse(&chat)["messages"].as_array().unwrap().iter().map(|m| m["timestamp"].as_str().unwrap().to_owned()).collect();
        let again: Vec<String> = parse(&back.output)["messages"].as_array().unwrap().iter().map(|m| m["timestamp"].as_str().unwrap().to_owned()).collect();
        prop_assert_eq!(again, orig);
    }

    /// SpeechSense → Labelbox → SpeechSense keeps ids, roles, names, texts and instants (µs).
    #[test]
    fn speechsense_labelbox_speechsense(ids in distinct3(), names in distinct3(), msgs in prop::collection::vec(msg_strategy(), 1..20)) {
        let (chat, meta) = ss_input(&ids, &names, &msgs);
        let l = run(&chat, &ss_opts(LB, &meta));
        let back = run(&l.output, &ConvertOptions::new(LB, SS));
        prop_assert_eq!(ss_messages(&back.output), ss_messages(&chat));
        let m1: BTreeMap<String, String> = serde_json::from_str(back.metadata.as_deref().unwrap()).unwrap();
        let used: std::collections::BTreeSet<usize> = msgs.iter().map(|m| m.role).collect();
        for (i, (id_key, name_key)) in [("operator_id", "operator_name"), ("client_id", "client_name"), ("bot_id", "bot_name")].iter().enumerate() {
            if used.contains(&i) {
                prop_assert_eq!(m1.get(*id_key), Some(&ids[i]));
                prop_assert_eq!(m1.get(*name_key), Some(&names[i]));
            }
        }
    }

    /// Labelbox → SpeechSense → Labelbox reproduces the file when it uses the role convention.
    #[test]
    fn labelbox_speechsense_labelbox(ids in distinct3(), names in distinct3(), msgs in prop::collection::vec(msg_strategy(), 1..30)) {
        let aligns = ["right", "left", "0-left-indent"];
        let lb = json!({"type": "application/vnd.labelbox.conversational", "version": 1, "messages": msgs.iter().enumerate().map(|(i, m)| json!({
            "messageId": format!("message-{i}"), "timestampUsec": m.secs * 1_000_000 + m.micros as i64, "content": m.text,
            "user": {"userId": ids[m.role], "name": names[m.role]}, "align": aligns[m.role], "canLabel": true})).collect::<Vec<_>>()});
        let s = run(&lb.to_string(), &ConvertOptions::new(LB, SS));
        let opts = ConvertOptions { metadata: s.metadata.clone(), ..ConvertOptions::new(SS, LB) };
        let back = run(&s.output, &opts);
        prop_assert_eq!(parse(&back.output), lb);
    }

    /// Vela → SpeechSense → Vela keeps the session, the ids, the times and every message; the
    /// metadata comes back with the SpeechSense keys added.
    #[test]
    fn vela_speechsense_vela(ids in distinct3(), msgs in prop::collection::vec(msg_strategy(), 1..20), channel in any::<String>()) {
        let senders = ["agent", "customer", "bot"];
        let mut sorted = msgs.clone();
        sorted.sort_by_key(|m| (m.secs, m.micros));
        let start = sorted.first().map(|m| fmt(m.secs, m.micros, 0)).unwrap();
        let end = sorted.last().map(|m| fmt(m.secs, m.micros, 0)).unwrap();
        let vela = json!({"org_id": "org-1", "chat_data": {"session_id": ids[2], "agent_id": ids[0], "customer_id": ids[1], "start_time": start, "end_time": end,
            "messages": sorted.iter().map(|m| json!({"timestamp": fmt(m.secs, m.micros, m.offset_min), "sender": senders[m.role], "content": m.text})).collect::<Vec<_>>()},
            "metadata": {"channel": channel, "bot_id": "the-bot"}});
        let s = run(&vela.to_string(), &ConvertOptions::new(VELA, SS));
        let opts = ConvertOptions { metadata: s.metadata.clone(), ..ConvertOptions::new(SS, VELA) };
        let back = parse(&run(&s.output, &opts).output);
        prop_assert_eq!(&back["org_id"], &vela["org_id"]);
        prop_assert_eq!(&back["chat_data"], &vela["chat_data"]);
        for (k, v) in vela["metadata"].as_object().unwrap() {
            prop_assert_eq!(&back["metadata"][k], v);
        }
    }
}

/// The exact bytes of each conversion, recorded from the serde_json writer the converter used
/// before it had its own: key order (sorted), escapes (`\b`, `\f`, `\u0001`; U+2028 and DEL
/// raw) and numbers must not move, since callers may hash or diff what they stored.
#[test]
fn outputs_are_byte_exact() {
    let meta = r#"{"operator_name":"Ann","operator_id":"1111","client_name":"Bo","client_id":"2222","bot_name":"Robo","bot_id":"3333","date":"2023-09-13T17:30:00.000Z","direction_outgoing":"true","language":"ru-RU"}"#;
    let chat = r#"{"messages":[{"user_id":1111,"text":"Hi \"q\" \\ \u0001\b\f\n\r\t é😀 \u2028 </x> &amp;","timestamp":"2023-09-13T17:30:00.123456789+03:00"},{"user_id":"2222","text":"Yo","timestamp":"2023-09-13T14:31:00Z"},{"user_id":"3333","text":"Beep","timestamp":"2023-09-13T14:32:00Z"}]}"#;
    let lb = r#"{"type":"application/vnd.labelbox.conversational","version":1,"messages":[
      {"messageId":"message-0","timestampUsec":1530718491000000,"content":"I love iphone!","user":{"userId":"Bot 002","name":"Bot"},"align":"left","canLabel":false},
      {"messageId":"m\"1","timestampUsec":-1530718503000001,"content":"Thats good","user":{"userId":"User 00686","name":"User"},"align":"right","canLabel":true}]}"#;
    let vela = r#"{"org_id":"o","chat_data":{"session_id":"s","agent_id":"a1","customer_id":"c1","start_time":"2024-01-15T10:30:00+02:00","end_time":"2024-01-15T10:45:00Z","messages":[{"timestamp":"2024-01-15T10:30:00Z","sender":"customer","content":"Hello &lt;b&gt;"},{"timestamp":"2024-01-15T10:31:00Z","sender":"other","content":"x"}]},"metadata":{"k":1,"n":null,"o":{"a":[1, 2]},"s":"v"}}"#;
    let mut got: Vec<ConvertResult> = Vec::new();
    for to in [VELA, LB, SS] {
        let o = ConvertOptions { metadata: Some(meta.to_owned()), org_id: Some("org\u{7f}".into()), session_id: Some("sess".into()), ..ConvertOptions::new(SS, to) };
        got.push(run(chat, &o));
    }
    let mut o = ConvertOptions::new(LB, SS);
    o.roles.insert("Bot 002".into(), Role::Bot);
    got.push(run(lb, &o));
    got.push(run(lb, &ConvertOptions { org_id: Some("o".into()), session_id: Some("s".into()), ..ConvertOptions::new(LB, VELA) }));
    got.push(run(lb, &ConvertOptions::new(LB, LB)));
    for to in [VELA, LB, SS] {
        got.push(run(vela, &ConvertOptions::new(VELA, to)));
    }
    let want: [(&str, Option<&str>); 9] = [
        ("{\"chat_data\":{\"agent_id\":\"1111\",\"customer_id\":\"2222\",\"end_time\":\"2023-09-13T14:32:00Z\",\"messages\":[{\"content\":\"Hi \\\"q\\\" \\\\ \\u0001\\b\\f\\n\\r\\t é😀 \u{2028} </x> &amp;\",\"sender\":\"agent\",\"timestamp\":\"2023-09-13T17:30:00.123456789+03:00\"},{\"content\":\"Yo\",\"sender\":\"customer\",\"timestamp\":\"2023-09-13T14:31:00Z\"},{\"content\":\"Beep\",\"sender\":\"bot\",\"timestamp\":\"2023-09-13T14:32:00Z\"}],\"session_id\":\"sess\",\"start_time\":\"2023-09-13T17:30:00Z\"},\"metadata\":{\"bot_id\":\"3333\",\"bot_name\":\"Robo\",\"client_id\":\"2222\",\"client_name\":\"Bo\",\"date\":\"2023-09-13T17:30:00.000Z\",\"direction_outgoing\":\"true\",\"language\":\"ru-RU\",\"operator_id\":\"1111\",\"operator_name\":\"Ann\"},\"org_id\":\"org\u{7f}\"}", None),
        ("{\"messages\":[{\"align\":\"right\",\"canLabel\":true,\"content\":\"Hi \\\"q\\\" \\\\ \\u0001\\b\\f\\n\\r\\t é😀 \u{2028} </x> &\",\"messageId\":\"message-0\",\"timestampUsec\":1694615400123456,\"user\":{\"name\":\"Ann\",\"userId\":\"1111\"}},{\"align\":\"left\",\"canLabel\":true,\"content\":\"Yo\",\"messageId\":\"message-1\",\"timestampUsec\":1694615460000000,\"user\":{\"name\":\"Bo\",\"userId\":\"2222\"}},{\"align\":\"0-left-indent\",\"canLabel\":true,\"content\":\"Beep\",\"messageId\":\"message-2\",\"timestampUsec\":1694615520000000,\"user\":{\"name\":\"Robo\",\"userId\":\"3333\"}}],\"type\":\"application/vnd.labelbox.conversational\",\"version\":1}", None),
        ("{\"messages\":[{\"text\":\"Hi \\\"q\\\" \\\\ \\u0001\\b\\f\\n\\r\\t é😀 \u{2028} </x> &amp;\",\"timestamp\":\"2023-09-13T17:30:00.123456789+03:00\",\"user_id\":\"1111\"},{\"text\":\"Yo\",\"timestamp\":\"2023-09-13T14:31:00Z\",\"user_id\":\"2222\"},{\"text\":\"Beep\",\"timestamp\":\"2023-09-13T14:32:00Z\",\"user_id\":\"3333\"}]}", Some("{\"bot_id\":\"3333\",\"bot_name\":\"Robo\",\"client_id\":\"2222\",\"client_name\":\"Bo\",\"date\":\"2023-09-13T17:30:00.000Z\",\"direction_outgoing\":\"true\",\"language\":\"ru-RU\",\"operator_id\":\"1111\",\"operator_name\":\"Ann\"}")),
        ("{\"messages\":[{\"text\":\"I love iphone!\",\"timestamp\":\"2018-07-04T15:34:51Z\",\"user_id\":\"Bot 002\"},{\"text\":\"Thats good\",\"timestamp\":\"1921-06-30T08:24:56.999999Z\",\"user_id\":\"User 00686\"}]}", Some("{\"bot_id\":\"Bot 002\",\"bot_name\":\"Bot\",\"date\":\"2018-07-04T15:34:51Z\",\"operator_id\":\"User 00686\",\"operator_name\":\"User\"}")),
        ("{\"chat_data\":{\"agent_id\":\"User 00686\",\"customer_id\":\"Bot 002\",\"end_time\":\"2018-07-04T15:34:51Z\",\"messages\":[{\"content\":\"I love iphone!\",\"sender\":\"customer\",\"timestamp\":\"2018-07-04T15:34:51Z\"},{\"content\":\"Thats good\",\"sender\":\"agent\",\"timestamp\":\"1921-06-30T08:24:56.999999Z\"}],\"session_id\":\"s\",\"start_time\":\"1921-06-30T08:24:56.999999Z\"},\"metadata\":{\"client_name\":\"Bot\",\"operator_name\":\"User\"},\"org_id\":\"o\"}", None),
        ("{\"messages\":[{\"align\":\"left\",\"canLabel\":false,\"content\":\"I love iphone!\",\"messageId\":\"message-0\",\"timestampUsec\":1530718491000000,\"user\":{\"name\":\"Bot\",\"userId\":\"Bot 002\"}},{\"align\":\"right\",\"canLabel\":true,\"content\":\"Thats good\",\"messageId\":\"m\\\"1\",\"timestampUsec\":-1530718503000001,\"user\":{\"name\":\"User\",\"userId\":\"User 00686\"}}],\"type\":\"application/vnd.labelbox.conversational\",\"version\":1}", None),
        ("{\"chat_data\":{\"agent_id\":\"a1\",\"customer_id\":\"c1\",\"end_time\":\"2024-01-15T10:45:00Z\",\"messages\":[{\"content\":\"Hello &lt;b&gt;\",\"sender\":\"customer\",\"timestamp\":\"2024-01-15T10:30:00Z\"},{\"content\":\"x\",\"sender\":\"other\",\"timestamp\":\"2024-01-15T10:31:00Z\"}],\"session_id\":\"s\",\"start_time\":\"2024-01-15T10:30:00+02:00\"},\"metadata\":{\"k\":\"1\",\"n\":\"null\",\"o\":\"{\\\"a\\\":[1, 2]}\",\"s\":\"v\"},\"org_id\":\"o\"}", None),
        ("{\"messages\":[{\"align\":\"left\",\"canLabel\":true,\"content\":\"Hello <b>\",\"messageId\":\"message-0\",\"timestampUsec\":1705314600000000,\"user\":{\"name\":\"Customer\",\"userId\":\"c1\"}},{\"align\":\"left\",\"canLabel\":true,\"content\":\"x\",\"messageId\":\"message-1\",\"timestampUsec\":1705314660000000,\"user\":{\"name\":\"other\",\"userId\":\"other\"}}],\"type\":\"application/vnd.labelbox.conversational\",\"version\":1}", None),
        ("{\"messages\":[{\"text\":\"Hello &lt;b&gt;\",\"timestamp\":\"2024-01-15T10:30:00Z\",\"user_id\":\"c1\"},{\"text\":\"x\",\"timestamp\":\"2024-01-15T10:31:00Z\",\"user_id\":\"other\"}]}", Some("{\"client_id\":\"c1\",\"date\":\"2024-01-15T10:30:00+02:00\",\"date_to\":\"2024-01-15T10:45:00Z\",\"k\":\"1\",\"n\":\"null\",\"o\":\"{\\\"a\\\":[1, 2]}\",\"operator_id\":\"a1\",\"org_id\":\"o\",\"s\":\"v\",\"ticket_id\":\"s\"}")),
    ];
    for (i, (r, (output, metadata))) in got.iter().zip(want).enumerate() {
        assert_eq!(r.output, output, "conversion {i}");
        assert_eq!(r.metadata.as_deref(), metadata, "conversion {i}");
    }
}
