//! SpeechSense chat and metadata: table-driven cases, each asserting code, path, line and column.

#[path = "fixtures/validate/support.rs"]
mod support;

use std::collections::BTreeMap;

use support::{case, case_with, valid};
use talk_uploader::formats::speechsense::{check_metadata_map, check_metadata_map_with_warnings, check_user_ids, ConnectionKind, FieldDecl, FieldType};
use talk_uploader::prepare::speechsense::prepare_chat_upload;
use talk_uploader::validate::{ValidateOptions, ValidationKind};

const CHAT: ValidationKind = ValidationKind::SpeechsenseChat;
const META: ValidationKind = ValidationKind::SpeechsenseMetadata;

const METADATA: &str = r#"{"operator_name": "Ann", "operator_id": "1111", "client_name": "Bo", "client_id": "2222",
 "bot_name": "Bot", "bot_id": "3333", "date": "2023-09-13T17:30:00.000Z", "direction_outgoing": "true", "language": "ru-RU"}"#;

fn msg(user: &str, text: &str, ts: &str) -> String {
    format!("{{\"user_id\": {user}, \"text\": {text}, \"timestamp\": {ts}}}")
}

fn chat_of(messages: &[String]) -> String {
    format!("{{\"messages\": [\n{}\n]}}", messages.join(",\n"))
}

#[test]
fn valid_chats() {
    let ok = [
        chat_of(&[msg("\"1111\"", "\"Hello\"", "\"2023-09-13T17:30:00.000Z\"")]),
        chat_of(&[msg("1111", "\"Hi\"", "\"2023-09-13T17:30:00Z\""), msg("2222", "\"Yo\"", "\"2023-09-13T20:30:01+03:00\"")]),
        chat_of(&[msg("\"a\"", "\"😀 é\"", "\"2024-02-29T23:59:59.123456789-05:30\"")]),
        chat_of(&[msg("\"a\"", "\"x\\ny\"", "\"0001-01-01T00:00:00Z\""), msg("\"b\"", "\"\"", "\"9999-12-31T23:59:59Z\"")]).replace("\"\", \"timestamp\": \"9999", "\"z\", \"timestamp\": \"9999"),
        chat_of(&[msg("-5", "\"neg id\"", "\"2000-02-29T00:00:00z\"")]).replace("00z", "00Z"),
        chat_of(&[msg("9007199254740993", "\"big id\"", "\"2023-01-01T00:00:00Z\"")]),
        "\u{feff}{\"messages\":[{\"user_id\":\"1\",\"text\":\"t\",\"timestamp\":\"2023-01-01T00:00:00Z\"}]}".to_owned(),
    ];
    for c in &ok {
        valid(CHAT, c);
    }
}

#[test]
fn chat_structure_errors() {
    let rows: &[(&str, &[(&str, &str)], &[(&str, &str)])] = &[
        ("»[]", &[("wrong_type", "")], &[]),
        ("»\"messages\"", &[("wrong_type", "")], &[]),
        ("»{}", &[("missing_member", "/messages")], &[]),
        ("»{«\"message\": []}", &[("missing_member", "/messages")], &[("unknown_member", "/message")]),
        ("{\"messages\": »{}}", &[("wrong_type", "/messages")], &[]),
        ("{\"messages\": »null}", &[("wrong_type", "/messages")], &[]),
        ("{\"messages\": »[]}", &[("empty_array", "/messages")], &[]),
        ("{\"messages\": [»1]}", &[("wrong_type", "/messages/0")], &[]),
        ("{\"messages\": [»[]]}", &[("wrong_type", "/messages/0")], &[]),
        ("{\"messages\": [»{}]}", &[("missing_member", "/messages/0/user_id"), ("missing_member", "/messages/0/text"), ("missing_member", "/messages/0/timestamp")][..1], &[]),
    ];
    // The last row has three errors at the same place; markers can repeat.
    for (input, errs, warns) in &rows[..rows.len() - 1] {
        case(CHAT, input, errs, warns);
    }
    case(CHAT, "{\"messages\": [»»»{}]}", &[("missing_member", "/messages/0/user_id"), ("missing_member", "/messages/0/text"), ("missing_member", "/messages/0/timestamp")], &[]);
    case(CHAT, "{«\"extra\": 1, \"messages\": [{\"user_id\": \"1\", \"text\": \"t\", \"timestamp\": \"2023-01-01T00:00:00Z\", «\"userId\": 2}]}", &[], &[("unknown_member", "/extra"), ("unknown_member", "/messages/0/userId")]);
}

#[test]
fn chat_field_errors() {
    let ts = "\"2023-09-13T17:30:00Z\"";
    let rows: Vec<(String, &str, &str)> = vec![
        (msg("»1.5", "\"t\"", ts), "wrong_type", "/messages/0/user_id"),
        (msg("»1e3", "\"t\"", ts), "wrong_type", "/messages/0/user_id"),
        (msg("»true", "\"t\"", ts), "wrong_type", "/messages/0/user_id"),
        (msg("»null", "\"t\"", ts), "wrong_type", "/messages/0/user_id"),
        (msg("»{}", "\"t\"", ts), "wrong_type", "/messages/0/user_id"),
        (msg("»\"\"", "\"t\"", ts), "empty_value", "/messages/0/user_id"),
        (msg("\"1\"", "»5", ts), "wrong_type", "/messages/0/text"),
        (msg("\"1\"", "»null", ts), "wrong_type", "/messages/0/text"),
        (msg("\"1\"", "»[\"a\"]", ts), "wrong_type", "/messages/0/text"),
        (msg("\"1\"", "\"t\"", "»1694626200"), "wrong_type", "/messages/0/timestamp"),
        (msg("\"1\"", "\"t\"", "»\"2023-09-13T17:30:00\""), "missing_offset", "/messages/0/timestamp"),
        (msg("\"1\"", "\"t\"", "»\"2023-09-13T17:30:00.000\""), "missing_offset", "/messages/0/timestamp"),
        (msg("\"1\"", "\"t\"", "»\"2023-09-13 17:30:00Z\""), "invalid_datetime", "/messages/0/timestamp"),
        (msg("\"1\"", "\"t\"", "»\"2023-09-13\""), "invalid_datetime", "/messages/0/timestamp"),
        (msg("\"1\"", "\"t\"", "»\"13.09.2023 17:30\""), "invalid_datetime", "/messages/0/timestamp"),
        (msg("\"1\"", "\"t\"", "»\"2023-09-13T17:30Z\""), "invalid_datetime", "/messages/0/timestamp"),
        (msg("\"1\"", "\"t\"", "»\"2023-09-13T17:30:00+0300\""), "invalid_datetime", "/messages/0/timestamp"),
        (msg("\"1\"", "\"t\"", "»\"2023-09-13T17:30:00+03\""), "invalid_datetime", "/messages/0/timestamp"),
        (msg("\"1\"", "\"t\"", "»\"2023-9-13T17:30:00Z\""), "invalid_datetime", "/messages/0/timestamp"),
        (msg("\"1\"", "\"t\"", "»\"\""), "invalid_datetime", "/messages/0/timestamp"),
        (msg("\"1\"", "\"t\"", "»\"2023-09-13T17:30:00ZZ\""), "invalid_datetime", "/messages/0/timestamp"),
        (msg("\"1\"", "\"t\"", "»\"2023-02-29T17:30:00Z\""), "invalid_calendar_date", "/messages/0/timestamp"),
        (msg("\"1\"", "\"t\"", "»\"1900-02-29T17:30:00Z\""), "invalid_calendar_date", "/messages/0/timestamp"),
        (msg("\"1\"", "\"t\"", "»\"2023-04-31T17:30:00Z\""), "invalid_calendar_date", "/messages/0/timestamp"),
        (msg("\"1\"", "\"t\"", "»\"2023-00-10T17:30:00Z\""), "invalid_calendar_date", "/messages/0/timestamp"),
        (msg("\"1\"", "\"t\"", "»\"2023-01-00T17:30:00Z\""), "invalid_calendar_date", "/messages/0/timestamp"),
        (msg("\"1\"", "\"t\"", "»\"2023-01-01T24:00:00Z\""), "invalid_calendar_date", "/messages/0/timestamp"),
        (msg("\"1\"", "\"t\"", "»\"2023-01-01T23:60:00Z\""), "invalid_calendar_date", "/messages/0/timestamp"),
        (msg("\"1\"", "\"t\"", "»\"2016-12-31T23:59:60Z\""), "invalid_calendar_date", "/messages/0/timestamp"),
        (msg("\"1\"", "\"t\"", "»\"2023-01-01T00:00:00+24:00\""), "invalid_calendar_date", "/messages/0/timestamp"),
        (msg("\"1\"", "\"t\"", "»\"0000-01-01T00:00:00Z\""), "invalid_calendar_date", "/messages/0/timestamp"),
    ];
    for (m, code, path) in &rows {
        case(CHAT, &chat_of(std::slice::from_ref(m)), &[(code, path)], &[]);
    }
}

#[test]
fn every_error_in_every_message_is_reported() {
    let input = chat_of(&[
        msg("»1.5", "\"a\"", "\"2023-01-01T00:00:00Z\""),
        msg("\"2\"", "»7", "»\"2023-02-30T00:00:00Z\""),
        "»{\"text\": \"x\", \"timestamp\": \"2023-01-01T00:00:01Z\"}".to_owned(),
    ]);
    case(CHAT, &input, &[("wrong_type", "/messages/0/user_id"), ("wrong_type", "/messages/1/text"), ("invalid_calendar_date", "/messages/1/timestamp"), ("missing_member", "/messages/2/user_id")], &[]);
}

#[test]
fn chat_warnings() {
    let input = chat_of(&[
        msg("\"1\"", "«\"\"", "\"2023-01-01T00:00:10Z\""),
        msg("\"2\"", "\"b\"", "«\"2023-01-01T00:00:09Z\""),
        msg("\"2\"", "\"c\"", "\"2023-01-01T03:00:09+03:00\""),
        msg("\"2\"", "\"d\"", "\"2023-01-01T00:00:09.5Z\""),
        msg("\"2\"", "\"e\"", "«\"2023-01-01T02:00:09+03:00\""),
    ]);
    case(CHAT, &input, &[], &[("empty_text", "/messages/0/text"), ("out_of_order", "/messages/1/timestamp"), ("out_of_order", "/messages/4/timestamp")]);
}

fn with_meta(meta: &str) -> ValidateOptions {
    ValidateOptions { metadata: Some(meta.to_owned()), ..ValidateOptions::new(CHAT) }
}

#[test]
fn user_ids_must_match_the_metadata() {
    let ts = "\"2023-01-01T00:00:00Z\"";
    let input = chat_of(&[msg("1111", "\"a\"", ts), msg("\"2222\"", "\"b\"", ts), msg("\"3333\"", "\"c\"", ts), msg("»\"4444\"", "\"d\"", ts), msg("»1111.0", "\"e\"", ts)]);
    case_with(&with_meta(METADATA), &input, &[("unknown_user_id", "/messages/3/user_id"), ("wrong_type", "/messages/4/user_id")], &[]);
    // Integer ids in the metadata are normalized too.
    case_with(&with_meta("{\"operator_id\": 1111, \"client_id\": \"x\"}"), &chat_of(&[msg("\"1111\"", "\"a\"", ts), msg("»\"2222\"", "\"b\"", ts)]), &[("unknown_user_id", "/messages/1/user_id")], &[]);
    let r = case_with(&with_meta("{\"operator_id\": \"1\"}"), &chat_of(&[msg("»\"2\"", "\"b\"", ts)]), &[("unknown_user_id", "/messages/0/user_id")], &[]);
    assert!(r.errors[0].message.contains("operator_id (\"1\")"), "{}", r.errors[0].message);
}

#[test]
fn unusable_metadata_option() {
    let c = chat_of(&[msg("\"1\"", "\"a\"", "\"2023-01-01T00:00:00Z\"")]);
    for meta in ["{", "[]", "{\"operator_name\": \"x\"}", "", "{\"operator_id\": null}"] {
        let r = case_with(&with_meta(meta), &c, &[("-invalid_metadata_option", "")], &[]);
        assert!(r.errors[0].message.contains("metadata"), "{}", r.errors[0].message);
    }
}

#[test]
fn the_seed_metadata_examples() {
    // 000: the chat template, filled in.
    valid(META, METADATA);
    case_with(&ValidateOptions { connection: Some(ConnectionKind::Chat), ..ValidateOptions::new(META) }, METADATA, &[], &[]);
    // 001: the audio sample's default metadata (no language, no offsets): two-channel.
    let m = r#"{"operator_name": "Operator", "operator_id": "1111", "client_name": "Client", "client_id": "2222",
        "date": «"2023-09-13T17:29:00.000", "date_from": «"2023-09-13T17:30:00.000", "date_to": «"2023-09-13T17:31:00.000", "direction_outgoing": "true"»}"#;
    case_with(&ValidateOptions { connection: Some(ConnectionKind::AudioTwoChannel), ..ValidateOptions::new(META) }, &m.replace("»}", "}").replacen('{', "»{", 1),
        &[("missing_member", "/language")], &[("missing_offset", "/date"), ("missing_offset", "/date_from"), ("missing_offset", "/date_to")]);
    // 002: one-channel with client keys (a later docs version lists them) and a ticket_id.
    let m = r#"{"operator_name": "Operator", "operator_id": "1111", "client_name": "Client", "client_id": "2222",
        "date": "2025-12-01T12:34:19+03:00", "language": "ru-ru", "ticket_id": "T-1"}"#;
    case_with(&ValidateOptions { connection: Some(ConnectionKind::AudioOneChannel), ..ValidateOptions::new(META) }, m, &[], &[]);
}

fn meta_opts(c: Option<ConnectionKind>, fields: Vec<FieldDecl>) -> ValidateOptions {
    ValidateOptions { connection: c, fields, ..ValidateOptions::new(META) }
}

/// The chat metadata with one member replaced (`key` → `raw` JSON text with markers).
fn meta_with(key: &str, raw: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(METADATA).unwrap();
    let mut out = String::from("{");
    for (k, val) in v.as_object().unwrap() {
        if k == key {
            continue;
        }
        out.push_str(&format!("\"{k}\": {val}, "));
    }
    out.push_str(&format!("\"{key}\": {raw}}}"));
    out
}

#[test]
fn metadata_value_rules() {
    let chat = Some(ConnectionKind::Chat);
    let rows: Vec<(&str, String, &str)> = vec![
        ("operator_id", "»1111".into(), "unquoted_value"),
        ("client_id", "»2222.5".into(), "unquoted_value"),
        ("direction_outgoing", "»true".into(), "unquoted_value"),
        ("bot_id", "»null".into(), "wrong_type"),
        ("bot_name", "»[\"x\"]".into(), "wrong_type"),
        ("language", "»{\"a\": \"b\"}".into(), "wrong_type"),
        ("operator_id", "»\"\"".into(), "empty_value"),
        ("operator_name", "»\"  \"".into(), "empty_value"),
        ("direction_outgoing", "»\"True\"".into(), "invalid_boolean"),
        ("direction_outgoing", "»\"1\"".into(), "invalid_boolean"),
        ("direction_outgoing", "»\"yes\"".into(), "invalid_boolean"),
        ("direction_outgoing", "»\"\"".into(), "invalid_boolean"),
        ("language", "»\"russian\"".into(), "invalid_language"),
        ("language", "»\"ru_RU\"".into(), "invalid_language"),
        ("language", "»\"ru-RU,\"".into(), "invalid_language"),
        ("language", "»\"ru-RU kk-KZ\"".into(), "invalid_language"),
        ("date", "»\"2023-09-13\"".into(), "invalid_datetime"),
        ("date", "»\"13/09/2023 17:30\"".into(), "invalid_datetime"),
        ("date", "»\"2023-09-13T17:30\"".into(), "invalid_datetime"),
        ("date", "»\"2023-02-29T17:30:00Z\"".into(), "invalid_calendar_date"),
        ("date", "»\"2023-09-31T17:30:00Z\"".into(), "invalid_calendar_date"),
        ("date", "»\"2023-09-13T25:30:00Z\"".into(), "invalid_calendar_date"),
        ("date_from", "»\"2023-02-30T00:00:00Z\"".into(), "invalid_calendar_date"),
        ("date_to", "»\"soon\"".into(), "invalid_datetime"),
        ("ticket_id", "»42".into(), "unquoted_value"),
        ("ticket_id", "»\"\"".into(), "empty_value"),
        ("bot_id", format!("»\"{}\"", "x".repeat(1025)), "value_too_long"),
        ("bot_name", format!("»\"{}\"", "я".repeat(513)), "value_too_long"),
    ];
    for (key, raw, code) in &rows {
        let path = format!("/{key}");
        case_with(&meta_opts(chat, vec![]), &meta_with(key, raw), &[(code, &path)], &[]);
    }
    // Exactly 1,024 bytes is fine.
    case_with(&meta_opts(chat, vec![]), &meta_with("bot_name", &format!("\"{}\"", "я".repeat(512))), &[], &[]);
    // A key of 1,025 bytes is an error (and undeclared).
    let long = "k".repeat(1025);
    let input = format!("{{»«\"{long}\": \"v\", {}", &METADATA[1..]);
    case_with(&meta_opts(chat, vec![]), &input, &[("key_too_long", &format!("/{long}"))], &[("undeclared_key", &format!("/{long}"))]);
}

#[test]
fn metadata_date_range_and_offsets() {
    let chat = Some(ConnectionKind::Chat);
    let base = &METADATA[..METADATA.len() - 1];
    case_with(&meta_opts(chat, vec![]), &format!("{base}, \"date_from\": \"2023-09-13T18:00:00Z\", \"date_to\": »\"2023-09-13T17:00:00Z\"}}"), &[("range_reversed", "/date_to")], &[]);
    // Offsets are compared as instants: 18:00+03:00 is 15:00Z, before 17:00Z.
    case_with(&meta_opts(chat, vec![]), &format!("{base}, \"date_from\": \"2023-09-13T18:00:00+03:00\", \"date_to\": \"2023-09-13T17:00:00Z\"}}"), &[], &[]);
    case_with(&meta_opts(chat, vec![]), &format!("{base}, \"date_from\": \"2023-09-13T17:00:00Z\", \"date_to\": \"2023-09-13T17:00:00Z\"}}"), &[], &[]);
    case_with(&meta_opts(chat, vec![]), &format!("{base}, \"date_from\": \"2023-09-13T17:00:00+0300\", \"date_to\": «\"2023-09-13T17:00:00\"}}"), &[], &[("missing_offset", "/date_to")]);
    case_with(&meta_opts(chat, vec![]), &meta_with("date", "«\"2023-09-13T17:30:00.000\""), &[], &[("missing_offset", "/date")]);
}

#[test]
fn required_keys_per_connection() {
    let chat_keys = ["operator_name", "operator_id", "client_name", "client_id", "bot_name", "bot_id", "date", "direction_outgoing", "language"];
    for key in chat_keys {
        let v: serde_json::Value = serde_json::from_str(METADATA).unwrap();
        let mut obj = v.as_object().unwrap().clone();
        obj.remove(key);
        let text = format!("»{}", serde_json::to_string(&obj).unwrap());
        case_with(&meta_opts(Some(ConnectionKind::Chat), vec![]), &text, &[("missing_member", &format!("/{key}"))], &[]);
    }
    // Two-channel: no bot keys required; bot keys present are undeclared.
    let two = r#"{"operator_name": "A", "operator_id": "1", "client_name": "B", "client_id": "2", "date": "2023-01-01T00:00:00Z", "direction_outgoing": "false", "language": "ru-RU"}"#;
    case_with(&meta_opts(Some(ConnectionKind::AudioTwoChannel), vec![]), two, &[], &[]);
    case_with(&meta_opts(Some(ConnectionKind::AudioTwoChannel), vec![]), &format!("{}, «\"bot_id\": \"3\"}}", &two[..two.len() - 1]), &[], &[("undeclared_key", "/bot_id")]);
    for key in ["client_name", "client_id", "direction_outgoing"] {
        let t = two.replace(&format!("\"{key}\""), "\"x_removed\"");
        case_with(&meta_opts(Some(ConnectionKind::AudioTwoChannel), vec![]), &format!("»{}", t.replacen("\"x_removed\"", "«\"x_removed\"", 1)), &[("missing_member", &format!("/{key}"))], &[("undeclared_key", "/x_removed")]);
    }
    // One-channel: four keys; client keys and direction are accepted.
    let one = r#"{"operator_name": "A", "operator_id": "1", "date": "2023-01-01T00:00:00Z", "language": "kk-KZ"}"#;
    case_with(&meta_opts(Some(ConnectionKind::AudioOneChannel), vec![]), one, &[], &[]);
    case_with(&meta_opts(Some(ConnectionKind::AudioOneChannel), vec![]), &format!("{}, \"client_name\": \"B\", \"client_id\": \"2\", \"direction_outgoing\": \"false\"}}", &one[..one.len() - 1]), &[], &[]);
    case_with(&meta_opts(Some(ConnectionKind::AudioOneChannel), vec![]), &format!("{}, \"client_id\": »\"\"}}", &one[..one.len() - 1]), &[("empty_value", "/client_id")], &[]);
    case_with(&meta_opts(Some(ConnectionKind::AudioOneChannel), vec![]), "»»»»{}", &[("missing_member", "/operator_name"), ("missing_member", "/operator_id"), ("missing_member", "/date"), ("missing_member", "/language")], &[]);
    // No connection: the four keys every connection requires.
    let r = talk_uploader::validate::validate(b"{}", &meta_opts(None, vec![]));
    assert_eq!(r.errors.iter().map(|i| i.path.as_str()).collect::<Vec<_>>(), ["/operator_name", "/operator_id", "/date", "/language"]);
    valid(META, one);
    valid(META, two);
}

#[test]
fn metadata_root_must_be_an_object() {
    for input in ["»[]", "»\"x\"", "»1", "»null"] {
        case(META, input, &[("wrong_type", "")], &[]);
    }
}

#[test]
fn declared_fields_are_typed_and_required() {
    let decls = vec![
        FieldDecl::new("count", FieldType::Number),
        FieldDecl::new("score", FieldType::FractionalNumber),
        FieldDecl::new("vip", FieldType::Boolean),
        FieldDecl::new("closed_at", FieldType::Date),
        FieldDecl::new("extra", FieldType::Json),
        FieldDecl::new("page", FieldType::Url),
        FieldDecl { name: "note".into(), field_type: FieldType::String, required: false },
    ];
    let good = r#""count": "12", "score": "0.5", "vip": "false", "closed_at": "2023-01-01T00:00:00Z", "extra": "{\"a\": [1]}", "page": "https://x.org/a""#;
    let base = &METADATA[..METADATA.len() - 1];
    let opts = meta_opts(Some(ConnectionKind::Chat), decls.clone());
    case_with(&opts, &format!("{base}, {good}}}"), &[], &[]);
    case_with(&opts, &format!("{base}, {good}, \"note\": \"\"}}"), &[], &[]);
    let bad: &[(&str, &str)] = &[
        ("count", "\"1.5\""), ("count", "\"ten\""), ("score", "\"1,5\""), ("score", "\"\""), ("vip", "\"yes\""), ("vip", "\"TRUE\""),
        ("closed_at", "\"yesterday\""), ("closed_at", "\"2023-02-29T00:00:00Z\""), ("extra", "\"{a: 1}\""), ("extra", "\"\""), ("page", "\"x.org\""), ("page", "\"https://\""),
    ];
    for (key, raw) in bad {
        let g = good.replace(&format!("\"{key}\": "), &format!("\"{key}\": »")).replace(&format!("\"{key}\": »\""), &format!("\"{key}\": »\"")) ;
        let g = replace_value(&g, key, raw);
        case_with(&opts, &format!("{base}, {g}}}"), &[("invalid_field_value", &format!("/{key}"))], &[]);
    }
    // Declared and missing: required.
    case_with(&opts, &format!("»{}", &METADATA.replace("\"language\": \"ru-RU\"}", &format!("\"language\": \"ru-RU\", {}}}", good.replace("\"count\": \"12\", ", "")))), &[("missing_member", "/count")], &[]);
    // Undeclared extra keys are warnings.
    case_with(&meta_opts(Some(ConnectionKind::Chat), vec![]), &format!("{base}, «\"channel\": \"web\"}}"), &[], &[("undeclared_key", "/channel")]);
}

fn replace_value(list: &str, key: &str, raw: &str) -> String {
    let pat = format!("\"{key}\": »");
    let start = list.find(&pat).unwrap() + pat.len();
    let rest = &list[start..];
    let end = rest.find(", \"").unwrap_or(rest.len());
    format!("{}{}{}", &list[..start], raw, &rest[end..])
}

#[test]
fn metadata_map_checks_for_the_devserver() {
    let v: BTreeMap<String, String> = serde_json::from_str(METADATA).unwrap();
    assert!(check_metadata_map(&v, ConnectionKind::Chat, &[]).is_empty());
    let mut m = v.clone();
    m.remove("bot_id");
    m.insert("direction_outgoing".into(), "TRUE".into());
    m.insert("channel".into(), "web".into());
    let (errors, warnings) = check_metadata_map_with_warnings(&m, ConnectionKind::Chat, &[]);
    let e: Vec<_> = errors.iter().map(|i| (i.code.as_str(), i.path.as_str(), i.line)).collect();
    assert_eq!(e, [("invalid_boolean", "/fields/direction_outgoing", None), ("missing_member", "/fields/bot_id", None)]);
    assert_eq!(warnings.iter().map(|i| i.path.as_str()).collect::<Vec<_>>(), ["/fields/channel"]);
    // A HashMap (prost's default map type) works too.
    let h: std::collections::HashMap<String, String> = v.into_iter().collect();
    assert!(check_metadata_map(&h, ConnectionKind::AudioTwoChannel, &[]).is_empty());
    let (_, w) = check_metadata_map_with_warnings(&h, ConnectionKind::AudioTwoChannel, &[]);
    assert_eq!(w.iter().map(|i| i.path.as_str()).collect::<Vec<_>>(), ["/fields/bot_id", "/fields/bot_name"]);
    let decls = [FieldDecl::new("n/x", FieldType::Number)];
    let errs = check_metadata_map(&h, ConnectionKind::Chat, &decls);
    assert_eq!(errs[0].path, "/fields/n~1x");
}

#[test]
fn user_id_checks_for_the_devserver() {
    let v: BTreeMap<String, String> = serde_json::from_str(METADATA).unwrap();
    let issues = check_user_ids(["1111", "9", "3333"], &v);
    assert_eq!(issues.len(), 1);
    assert_eq!((issues[0].path.as_str(), issues[0].code.as_str(), issues[0].line), ("/messages/1/user_id", "unknown_user_id", None));
    let none: BTreeMap<String, String> = BTreeMap::new();
    assert_eq!(check_user_ids(["1"], &none).len(), 1);
}

#[test]
fn prepare_chat_upload_gives_typed_data() {
    let chat = chat_of(&[msg("1111", "\"Hi\"", "\"2023-09-13T17:30:00.250Z\""), msg("\"2222\"", "\"Yo\\n\"", "\"2023-09-13T20:30:01+03:00\"")]);
    let up = prepare_chat_upload(chat.as_bytes(), METADATA.as_bytes(), &[]).unwrap();
    assert_eq!(up.messages.len(), 2);
    assert_eq!(up.messages[0].user_id, "1111");
    assert_eq!((up.messages[0].timestamp.seconds, up.messages[0].timestamp.nanos), (1_694_626_200, 250_000_000));
    assert_eq!(up.messages[1].timestamp.seconds, 1_694_626_201);
    assert_eq!(up.messages[1].text, "Yo\n");
    assert_eq!(up.fields.len(), 9);
    let bad = prepare_chat_upload(chat.replace("2222", "4").as_bytes(), METADATA.as_bytes(), &[]).unwrap_err();
    assert_eq!(bad.chat.error_codes(), ["unknown_user_id"]);
    assert!(bad.metadata.ok);
    let bad = prepare_chat_upload(chat.as_bytes(), b"{}", &[]).unwrap_err();
    assert_eq!(bad.chat.error_codes(), ["invalid_metadata_option"]);
    assert_eq!(bad.metadata.errors.len(), 9);
}
