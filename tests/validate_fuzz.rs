//! No input panics: arbitrary bytes and mutated valid documents, for every kind and for convert.

// proptest is a native-only dev-dependency (see Cargo.toml).
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use talk_uploader::convert::{convert_chat, ChatFormat, ConvertOptions};
use talk_uploader::formats::speechsense::{ConnectionKind, FieldDecl, FieldType};
use talk_uploader::validate::{validate, ValidateOptions, ValidationKind};

const SEEDS: [(ValidationKind, &str); 6] = [
    (ValidationKind::SpeechsenseChat, r#"{"messages":[{"user_id":1111,"text":"Hi \u00e9 😀","timestamp":"2023-09-13T17:30:00.000Z"},{"user_id":"2222","text":"","timestamp":"2023-09-13T17:29:00+03:00"}]}"#),
    (ValidationKind::SpeechsenseMetadata, r#"{"operator_name":"Ann","operator_id":"1111","client_name":"Bo","client_id":"2222","bot_name":"B","bot_id":"3333","date":"2023-09-13T17:30:00.000","date_from":"2023-09-13T17:30:00Z","date_to":"2023-09-13T17:31:00Z","direction_outgoing":"true","language":"ru-RU, kk-KZ","n":"12","j":"{\"a\":1}"}"#),
    (ValidationKind::VelaChat, r#"{"org_id":"o","chat_data":{"session_id":"s","agent_id":"a","customer_id":null,"start_time":"2024-01-15T10:30:00Z","end_time":"2024-01-15T10:45:00Z","messages":[{"timestamp":"2024-01-15T10:30:00Z","sender":"customer","content":"Hello"}]},"metadata":{"channel":"web"}}"#),
    (ValidationKind::VelaCallMetadata, r#"{"org_id":"o","metadata":{"email":"a@example.com","date_of_call":"2024-01-15"}}"#),
    (ValidationKind::LabelboxConversation, r#"{"type":"application/vnd.labelbox.conversational","version":1,"messages":[{"messageId":"m0","timestampUsec":1530718491,"content":"x","user":{"userId":"u","name":"n"},"align":"left","canLabel":false},{"messageId":"m0","content":"y","user":{"userId":"v","name":"w"},"align":"2-right-indent","canLabel":true}]}"#),
    (ValidationKind::LabelboxImport, r#"[{"row_data":"https://x.org/a.json","global_key":"k","media_type":"CONVERSATIONAL","metadata_fields":[]},{"row_data":"http://x","global_key":"k"}]"#),
];

fn options(kind: ValidationKind) -> Vec<ValidateOptions> {
    let mut with_meta = ValidateOptions::new(kind);
    with_meta.metadata = Some(SEEDS[1].1.to_owned());
    with_meta.connection = Some(ConnectionKind::Chat);
    with_meta.fields = vec![FieldDecl::new("n", FieldType::Number), FieldDecl::new("j", FieldType::Json)];
    vec![ValidateOptions::new(kind), with_meta]
}

fn check_all(bytes: &[u8]) {
    for kind in ValidationKind::ALL {
        for o in options(kind) {
            let r = validate(bytes, &o);
            assert_eq!(r.ok, r.errors.is_empty());
            for i in r.errors.iter().chain(&r.warnings) {
                assert!(i.path.is_empty() || i.path.starts_with('/'));
                assert!(i.line.is_none() || i.line >= Some(1));
            }
        }
    }
    for from in [ChatFormat::Speechsense, ChatFormat::Vela, ChatFormat::Labelbox] {
        for to in [ChatFormat::Speechsense, ChatFormat::Vela, ChatFormat::Labelbox] {
            let opts = ConvertOptions { metadata: Some(SEEDS[1].1.into()), org_id: Some("o".into()), session_id: Some("s".into()), ..ConvertOptions::new(from, to) };
            let r = convert_chat(bytes, &opts);
            assert_eq!(r.ok, r.errors.is_empty());
        }
    }
}

#[derive(Clone, Debug)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Replace(usize, u8),
    Duplicate(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let token = prop_oneof![
        Just(b",".to_vec()), Just(b"]".to_vec()), Just(b"}".to_vec()), Just(b"{".to_vec()), Just(b"[".to_vec()), Just(b"\"".to_vec()),
        Just(b"\\".to_vec()), Just(b"\\u".to_vec()), Just(b"\\ud800".to_vec()), Just(b"null".to_vec()), Just(b"1e999".to_vec()), Just(b"-0".to_vec()),
        Just(b"\xff".to_vec()), Just(b"\xf0\x9f".to_vec()), Just(b"\n".to_vec()), Just(b"\r".to_vec()), Just("😀".as_bytes().to_vec()),
        Just(b"\"messages\":[]".to_vec()), Just(b"\"x\":".to_vec()), prop::collection::vec(any::<u8>(), 1..6)
    ];
    prop_oneof![
        (any::<usize>(), 1usize..8).prop_map(|(a, n)| Edit::Delete(a, n)),
        (any::<usize>(), token).prop_map(|(a, t)| Edit::Insert(a, t)),
        (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Edit::Replace(a, b)),
        (any::<usize>(), 1usize..40).prop_map(|(a, n)| Edit::Duplicate(a, n)),
    ]
}

fn apply(mut doc: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = doc.len().max(1);
        match e {
            Edit::Delete(a, n) => {
                let a = a % len;
                let b = (a + n).min(doc.len());
                if a < b {
                    doc.drain(a..b);
                }
            }
            Edit::Insert(a, t) => {
                let a = a % (doc.len() + 1);
                doc.splice(a..a, t.iter().copied());
            }
            Edit::Replace(a, b) => {
                if !doc.is_empty() {
                    let a = a % doc.len();
                    doc[a] = *b;
                }
            }
            Edit::Duplicate(a, n) => {
                let a = a % len;
                let b = (a + n).min(doc.len());
                if a < b {
                    let part: Vec<u8> = doc[a..b].to_vec();
                    doc.splice(b..b, part);
                }
            }
        }
    }
    doc
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        check_all(&bytes);
    }

    #[test]
    fn json_like_text_never_panics(s in r#"[\[\]{}",:0-9a-z\\ .eE+\-]{0,80}"#) {
        check_all(s.as_bytes());
    }

    #[test]
    fn mutated_valid_documents_never_panic(seed in 0usize..6, edits in prop::collection::vec(edit(), 1..6)) {
        let doc = apply(SEEDS[seed].1.as_bytes().to_vec(), &edits);
        check_all(&doc);
    }
}

#[test]
fn the_seed_documents_are_what_the_fuzzers_start_from() {
    for (kind, text) in SEEDS {
        let r = validate(text.as_bytes(), &ValidateOptions::new(kind));
        assert!(r.errors.len() <= 2, "{kind:?}: {:?}", r.errors);
    }
}

#[test]
fn pathological_inputs() {
    check_all(&b"[".repeat(100_000));
    check_all(&b"{\"a\":".repeat(100_000));
    check_all(&b"\"".repeat(10_001));
    check_all(format!("[{}]", "1,".repeat(100_000) + "1").as_bytes());
    check_all(format!("{{\"messages\": [{}]}}", "{},".repeat(20_000) + "{}").as_bytes());
    check_all(format!("{{{}\"z\": 1}}", (0..5000).map(|i| format!("\"k{}\": {i}, ", i % 50)).collect::<String>()).as_bytes());
}
