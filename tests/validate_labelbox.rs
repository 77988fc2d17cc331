//! Labelbox conversation and import: table-driven cases with code, path, line and column.

#[path = "fixtures/validate/support.rs"]
mod support;

use support::{case, valid};
use talk_uploader::validate::{validate, ValidateOptions, ValidationKind};

const CONV: ValidationKind = ValidationKind::LabelboxConversation;
const IMPORT: ValidationKind = ValidationKind::LabelboxImport;

fn message(i: usize, extra: &str) -> String {
    format!(r#"{{"messageId": "message-{i}", "timestampUsec": 1530718491000000, "content": "hi {i}", "user": {{"userId": "User 1", "name": "User"}}, "align": "left", "canLabel": true{extra}}}"#)
}

fn conv(messages: &[String]) -> String {
    format!("{{\"type\": \"application/vnd.labelbox.conversational\", \"version\": 1, \"messages\": [\n{}\n]}}", messages.join(",\n"))
}

/// A one-message conversation whose message is `m`.
fn one(m: &str) -> String {
    conv(&[m.to_owned()])
}

#[test]
fn the_vendor_sample_is_valid_but_its_timestamps_look_like_seconds() {
    let m = |i: usize, ts: u64| format!(r#"{{"messageId": "message-{i}", "timestampUsec": «{ts}, "content": "I love iphone! 🥰 📲", "user": {{"userId": "Bot 002", "name": "Bot"}}, "align": "left", "canLabel": false}}"#);
    let input = conv(&[m(0, 1530718491), m(1, 1530718503)]);
    case(CONV, &input, &[], &[("timestamp_unit", "/messages/0/timestampUsec"), ("timestamp_unit", "/messages/1/timestampUsec")]);
}

#[test]
fn valid_conversations() {
    valid(CONV, &conv(&[message(0, "")]));
    valid(CONV, &conv(&(0..250).map(|i| message(i, "")).collect::<Vec<_>>()));
    for align in talk_uploader::formats::labelbox::ALIGNS {
        valid(CONV, &one(&message(0, "").replace("\"align\": \"left\"", &format!("\"align\": \"{align}\""))));
    }
    valid(CONV, &one(&message(0, "").replace(", \"align\": \"left\"", "")));
    valid(CONV, &one(&message(0, "").replace("\"timestampUsec\": 1530718491000000, ", "")));
    valid(CONV, &one(&message(0, "").replace("\"hi 0\"", &format!("\"{}\"", "😀".repeat(9_999)))));
    valid(CONV, &one(&message(0, "").replace("\"hi 0\"", "\"\"")));
}

#[test]
fn conversation_errors() {
    let m = message(0, "");
    let rows: Vec<(String, &str, &str)> = vec![
        (one(&m).replace("\"application/vnd.labelbox.conversational\"", "»\"application/json\""), "invalid_enum", "/type"),
        (one(&m).replace("\"application/vnd.labelbox.conversational\"", "»\"Application/vnd.labelbox.conversational\""), "invalid_enum", "/type"),
        (one(&m).replace("\"application/vnd.labelbox.conversational\"", "»1"), "wrong_type", "/type"),
        (one(&m).replace("\"version\": 1", "\"version\": »2"), "invalid_enum", "/version"),
        (one(&m).replace("\"version\": 1", "\"version\": »1.0"), "invalid_enum", "/version"),
        (one(&m).replace("\"version\": 1", "\"version\": »\"1\""), "wrong_type", "/version"),
        (one(&m).replace("\"type\": \"application/vnd.labelbox.conversational\", ", "").replacen('{', "»{", 1), "missing_member", "/type"),
        (one(&m).replace("\"version\": 1, ", "").replacen('{', "»{", 1), "missing_member", "/version"),
        (one(&m).replace("\"messageId\": \"message-0\"", "\"messageId\": »\"\""), "empty_value", "/messages/0/messageId"),
        (one(&m).replace("\"messageId\": \"message-0\"", "\"messageId\": »0"), "wrong_type", "/messages/0/messageId"),
        (one(&m).replace("\"messageId\": \"message-0\", ", "").replacen("[\n{", "[\n»{", 1), "missing_member", "/messages/0/messageId"),
        (one(&m).replace("1530718491000000", "»1.5e15"), "invalid_integer", "/messages/0/timestampUsec"),
        (one(&m).replace("1530718491000000", "»1530718491000000.5"), "invalid_integer", "/messages/0/timestampUsec"),
        (one(&m).replace("1530718491000000", "»99999999999999999999"), "invalid_integer", "/messages/0/timestampUsec"),
        (one(&m).replace("1530718491000000", "»\"1530718491000000\""), "wrong_type", "/messages/0/timestampUsec"),
        (one(&m).replace("\"hi 0\"", "»7"), "wrong_type", "/messages/0/content"),
        (one(&m).replace("\"content\": \"hi 0\", ", "").replacen("[\n{", "[\n»{", 1), "missing_member", "/messages/0/content"),
        (one(&m).replace("\"hi 0\"", &format!("»\"{}\"", "a".repeat(10_000))), "content_too_long", "/messages/0/content"),
        (one(&m).replace("\"hi 0\"", &format!("»\"{}\"", "😀".repeat(10_000))), "content_too_long", "/messages/0/content"),
        (one(&m).replace("{\"userId\": \"User 1\", \"name\": \"User\"}", "»\"User 1\""), "wrong_type", "/messages/0/user"),
        (one(&m).replace("\"userId\": \"User 1\"", "\"userId\": »1"), "wrong_type", "/messages/0/user/userId"),
        (one(&m).replace("\"userId\": \"User 1\"", "\"userId\": »\"\""), "empty_value", "/messages/0/user/userId"),
        (one(&m).replace("\"name\": \"User\"", "\"name\": »null"), "wrong_type", "/messages/0/user/name"),
        (one(&m).replace("{\"userId\": \"User 1\", ", "»{"), "missing_member", "/messages/0/user/userId"),
        (one(&m).replace("\"user\": {\"userId\": \"User 1\", \"name\": \"User\"}, ", "").replacen("[\n{", "[\n»{", 1), "missing_member", "/messages/0/user"),
        (one(&m).replace("\"left\"", "»\"center\""), "invalid_enum", "/messages/0/align"),
        (one(&m).replace("\"left\"", "»\"6-left-indent\""), "invalid_enum", "/messages/0/align"),
        (one(&m).replace("\"left\"", "»\"Left\""), "invalid_enum", "/messages/0/align"),
        (one(&m).replace("\"left\"", "»0"), "wrong_type", "/messages/0/align"),
        (one(&m).replace("\"canLabel\": true", "\"canLabel\": »\"true\""), "wrong_type", "/messages/0/canLabel"),
        (one(&m).replace("\"canLabel\": true", "\"canLabel\": »1"), "wrong_type", "/messages/0/canLabel"),
        (one(&m).replace(", \"canLabel\": true", "").replacen("[\n{", "[\n»{", 1), "missing_member", "/messages/0/canLabel"),
        (conv(&[]).replace("[\n\n]", "»[\n\n]"), "empty_array", "/messages"),
        (one(&m).replace("\"messages\": [", "\"messages\": »{\"x\": [").replace("]}", "]}}"), "wrong_type", "/messages"),
        ("»[]".to_owned(), "wrong_type", ""),
    ];
    for (input, code, path) in &rows {
        case(CONV, input, &[(code, path)], &[]);
    }
}

#[test]
fn message_limits_and_uniqueness() {
    let many: Vec<String> = (0..251).map(|i| message(i, "")).collect();
    case(CONV, &conv(&many).replace("\"messages\": [", "\"messages\": »["), &[("too_many_messages", "/messages")], &[]);
    let dup = conv(&[message(0, ""), message(1, ""), message(0, "").replace("\"messageId\": \"message-0\"", "\"messageId\": »\"message-0\""), message(1, "").replace("\"messageId\": \"message-1\"", "\"messageId\": »\"message-1\"")]);
    let r = case(CONV, &dup, &[("duplicate_message_id", "/messages/2/messageId"), ("duplicate_message_id", "/messages/3/messageId")], &[]);
    assert!(r.errors[0].message.contains("/messages/0"), "{}", r.errors[0].message);
}

#[test]
fn timestamp_unit_warnings() {
    for (v, warn) in [("1530718491", true), ("1530718491000", true), ("1530718491000000", false), ("0", true), ("-5", true), ("253402300799000000", false)] {
        let m = message(0, "").replace("1530718491000000", &format!("{}{v}", if warn { "«" } else { "" }));
        let w: &[(&str, &str)] = if warn { &[("timestamp_unit", "/messages/0/timestampUsec")] } else { &[] };
        case(CONV, &one(&m), &[], w);
    }
}

#[test]
fn all_message_errors_are_reported() {
    let bad = r#"»»»{"messageId": »"", "extra": 1}"#;
    let input = conv(&[bad.replace("\"extra\"", "«\"extra\""), message(1, "").replace("\"align\": \"left\"", "\"align\": »\"middle\"")]);
    case(CONV, &input, &[
        ("missing_member", "/messages/0/content"), ("missing_member", "/messages/0/user"), ("missing_member", "/messages/0/canLabel"),
        ("empty_value", "/messages/0/messageId"), ("invalid_enum", "/messages/1/align"),
    ], &[("unknown_member", "/messages/0/extra")]);
}

const ROWS: &str = r#"[
    {
      "row_data": "https://storage.googleapis.com/labelbox-datasets/conversational-sample-data/pairwise_shopping_1.json",
      "global_key": "global_key_1"
    },
    {
        "row_data": "https://storage.googleapis.com/labelbox-datasets/conversational-sample-data/pairwise_shopping_2.json",
        "global_key": "global_key_2"
    },
    {
        "row_data": "https://storage.googleapis.com/labelbox-datasets/conversational-sample-data/pairwise_shopping_3.json",
        "global_key": "global_key_3"
    }
]"#;

#[test]
fn import_rows() {
    valid(IMPORT, ROWS);
    valid(IMPORT, r#"[{"row_data": "https://b.s3.eu-west-1.amazonaws.com/k.json", "media_type": "CONVERSATIONAL", "metadata_fields": [{"name": "x", "value": "y"}]}]"#);
    let rows: Vec<(String, &str, &str)> = vec![
        (ROWS.replacen("https://storage", "»http://storage", 1).replacen("\"https://storage", "\"https://storage", 1).replacen("»http", "»\"http", 1).replacen("\"»\"http", "»\"http", 1), "invalid_url", "/0/row_data"),
        (ROWS.replacen("\"https://storage.googleapis.com/labelbox-datasets/conversational-sample-data/pairwise_shopping_2.json\"", "»\"gs://bucket/x.json\"", 1), "invalid_url", "/1/row_data"),
        (ROWS.replacen("\"https://storage.googleapis.com/labelbox-datasets/conversational-sample-data/pairwise_shopping_2.json\"", "»\"pairwise_shopping_2.json\"", 1), "invalid_url", "/1/row_data"),
        (ROWS.replacen("\"https://storage.googleapis.com/labelbox-datasets/conversational-sample-data/pairwise_shopping_2.json\"", "»\"\"", 1), "empty_value", "/1/row_data"),
        (ROWS.replacen("\"https://storage.googleapis.com/labelbox-datasets/conversational-sample-data/pairwise_shopping_2.json\"", "»{\"a\": 1}", 1), "wrong_type", "/1/row_data"),
        (ROWS.replacen("\"global_key_3\"", "»\"global_key_1\"", 1), "duplicate_global_key", "/2/global_key"),
        (ROWS.replacen("\"global_key_3\"", "»3", 1), "wrong_type", "/2/global_key"),
        (ROWS.replacen("\"global_key_3\"", "»\"\"", 1), "empty_value", "/2/global_key"),
        (ROWS.replacen("\"global_key\": \"global_key_3\"", "\"global_key\": \"global_key_3\", \"media_type\": »\"IMAGE\"", 1), "invalid_enum", "/2/media_type"),
        (ROWS.replacen("\"global_key\": \"global_key_3\"", "\"global_key\": \"global_key_3\", \"media_type\": »\"conversational\"", 1), "invalid_enum", "/2/media_type"),
        (ROWS.replacen("\"global_key\": \"global_key_3\"", "\"global_key\": \"global_key_3\", \"metadata_fields\": »{}", 1), "wrong_type", "/2/metadata_fields"),
        ("»{}".to_owned(), "wrong_type", ""),
        ("»[]".to_owned(), "empty_array", ""),
        ("[»\"https://x.org/a.json\"]".to_owned(), "wrong_type", "/0"),
        ("[»{\"global_key\": \"k\"}]".to_owned(), "missing_member", "/0/row_data"),
    ];
    for (input, code, path) in &rows {
        case(IMPORT, input, &[(code, path)], &[]);
    }
    case(IMPORT, "[{\"row_data\": \"https://x.org/a.json\", «\"globalKey\": \"k\"}]", &[], &[("unknown_member", "/0/globalKey")]);
}

#[test]
fn stats_count_items() {
    let r = validate(ROWS.as_bytes(), &ValidateOptions::new(IMPORT));
    assert_eq!((r.stats.items, r.stats.max_depth, r.stats.bytes as usize), (3, 2, ROWS.len()));
    assert_eq!(r.stats.values, 1 + 3 * 3);
}

#[test]
fn missing_type_message_quotes_the_type() {
    let input = one(&message(0, "")).replace("\"type\": \"application/vnd.labelbox.conversational\", ", "");
    let r = validate(input.as_bytes(), &ValidateOptions::new(CONV));
    assert_eq!(r.errors[0].message, format!("missing `type`: add \"{}\"", talk_uploader::formats::labelbox::CONVERSATION_TYPE));
}
