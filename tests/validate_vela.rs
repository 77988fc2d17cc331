//! Vela chat and call metadata: table-driven cases with code, path, line and column.

#[path = "fixtures/validate/support.rs"]
mod support;

use support::{case, valid};
use talk_uploader::validate::ValidationKind;

const CHAT: ValidationKind = ValidationKind::VelaChat;
const CALL: ValidationKind = ValidationKind::VelaCallMetadata;

/// The seed's sample request.
const SAMPLE: &str = r#"{
    "org_id": "your_org_id",
    "chat_data": {
        "session_id": "chat_12345",
        "agent_id": "agent_001",
        "customer_id": "customer_789",
        "start_time": "2024-01-15T10:30:00Z",
        "end_time": "2024-01-15T10:45:00Z",
        "messages": [
            {
                "timestamp": "2024-01-15T10:30:00Z",
                "sender": "customer",
                "content": "Hello, I need help with my account"
            },
            {
                "timestamp": "2024-01-15T10:30:15Z",
                "sender": "agent",
                "content": "Hi! I'd be happy to help you with your account. What specific issue are you experiencing?"
            }
        ]
    },
    "metadata": {
        "channel": "website",
        "department": "customer_support"
    }
}"#;

/// Replaces the first occurrence of `from` in the sample.
fn sample_with(from: &str, to: &str) -> String {
    assert!(SAMPLE.contains(from), "{from}");
    SAMPLE.replacen(from, to, 1)
}

#[test]
fn the_seed_sample_is_valid() {
    valid(CHAT, SAMPLE);
    valid(CHAT, &sample_with("\"customer_id\": \"customer_789\",", "\"customer_id\": null,"));
    valid(CHAT, &sample_with("\"customer_id\": \"customer_789\",", ""));
    valid(CHAT, &sample_with(",\n    \"metadata\": {\n        \"channel\": \"website\",\n        \"department\": \"customer_support\"\n    }", ""));
    valid(CHAT, &sample_with("\"sender\": \"customer\"", "\"sender\": \"bot\""));
}

#[test]
fn chat_errors() {
    let rows: &[(&str, &str, &str, &str)] = &[
        ("\"org_id\": \"your_org_id\",", "«\"org\": \"x\",", "-", "/org"),
        ("\"org_id\": \"your_org_id\"", "\"org_id\": »\"\"", "empty_value", "/org_id"),
        ("\"org_id\": \"your_org_id\"", "\"org_id\": »42", "wrong_type", "/org_id"),
        ("\"session_id\": \"chat_12345\"", "\"session_id\": »\"\"", "empty_value", "/chat_data/session_id"),
        ("\"session_id\": \"chat_12345\"", "\"session_id\": »12345", "wrong_type", "/chat_data/session_id"),
        ("\"agent_id\": \"agent_001\"", "\"agent_id\": »\" \"", "empty_value", "/chat_data/agent_id"),
        ("\"agent_id\": \"agent_001\"", "\"agent_id\": »null", "wrong_type", "/chat_data/agent_id"),
        ("\"customer_id\": \"customer_789\"", "\"customer_id\": »789", "wrong_type", "/chat_data/customer_id"),
        ("\"start_time\": \"2024-01-15T10:30:00Z\"", "\"start_time\": »\"2024-01-15 10:30\"", "invalid_datetime", "/chat_data/start_time"),
        ("\"start_time\": \"2024-01-15T10:30:00Z\"", "\"start_time\": »\"2024-01-15T10:30:00\"", "missing_offset", "/chat_data/start_time"),
        ("\"end_time\": \"2024-01-15T10:45:00Z\"", "\"end_time\": »\"2024-01-32T10:45:00Z\"", "invalid_calendar_date", "/chat_data/end_time"),
        ("\"end_time\": \"2024-01-15T10:45:00Z\"", "\"end_time\": »1705315500", "wrong_type", "/chat_data/end_time"),
        ("\"end_time\": \"2024-01-15T10:45:00Z\"", "\"end_time\": »\"2024-01-15T10:29:00Z\"", "range_reversed", "/chat_data/end_time"),
        ("\"timestamp\": \"2024-01-15T10:30:15Z\"", "\"timestamp\": »\"10:30:15\"", "invalid_datetime", "/chat_data/messages/1/timestamp"),
        ("\"sender\": \"agent\"", "\"sender\": »\"\"", "empty_value", "/chat_data/messages/1/sender"),
        ("\"sender\": \"agent\"", "\"sender\": »1", "wrong_type", "/chat_data/messages/1/sender"),
        ("\"content\": \"Hello, I need help with my account\"", "\"content\": »null", "wrong_type", "/chat_data/messages/0/content"),
        ("\"metadata\": {", "\"metadata\": »[{", "wrong_type", "/metadata"),
    ];
    for (from, to, code, path) in rows {
        let input = sample_with(from, to);
        let input = if input.contains("»[{") { input.replacen("\n    }\n}", "\n    }]\n}", 1) } else { input };
        if *code == "-" {
            case(CHAT, &input.replacen('{', "»{", 1), &[("missing_member", "/org_id")], &[("unknown_member", path)]);
        } else {
            case(CHAT, &input, &[(code, path)], &[]);
        }
    }
}

#[test]
fn chat_missing_members_and_structure() {
    for key in ["session_id", "agent_id", "start_time", "end_time", "messages"] {
        let start = SAMPLE.find(&format!("\"{key}\"")).unwrap();
        let input = if key == "messages" {
            let end = SAMPLE.find("\n    },\n    \"metadata\"").unwrap();
            format!("{}{}", SAMPLE[..start].trim_end().trim_end_matches(','), &SAMPLE[end..])
        } else {
            let end = start + SAMPLE[start..].find('\n').unwrap();
            format!("{}{}", &SAMPLE[..start], SAMPLE[end..].trim_start())
        };
        let input = input.replacen("\"chat_data\": {", "\"chat_data\": »{", 1);
        case(CHAT, &input, &[("missing_member", &format!("/chat_data/{key}"))], &[]);
    }
    case(CHAT, "»[]", &[("wrong_type", "")], &[]);
    let r = talk_uploader::validate::validate(b"{}", &talk_uploader::validate::ValidateOptions::new(CHAT));
    assert_eq!(r.errors.iter().map(|i| i.path.as_str()).collect::<Vec<_>>(), ["/org_id", "/chat_data"]);
    case(CHAT, "{\"org_id\": \"o\", \"chat_data\": »[]}", &[("wrong_type", "/chat_data")], &[]);
    let empty = r#"{"org_id": "o", "chat_data": {"session_id": "s", "agent_id": "a", "start_time": "2024-01-15T10:30:00Z", "end_time": "2024-01-15T10:45:00Z", "messages": »[]}}"#;
    case(CHAT, empty, &[("empty_array", "/chat_data/messages")], &[]);
    case(CHAT, &empty.replace("»[]", "»{}"), &[("wrong_type", "/chat_data/messages")], &[]);
    case(CHAT, &empty.replace("»[]", "[»\"hi\"]"), &[("wrong_type", "/chat_data/messages/0")], &[]);
    case(CHAT, &empty.replace("»[]", "[»»»{}]"), &[("missing_member", "/chat_data/messages/0/timestamp"), ("missing_member", "/chat_data/messages/0/sender"), ("missing_member", "/chat_data/messages/0/content")], &[]);
}

#[test]
fn chat_warnings() {
    let m = |ts: &str, sender: &str| format!("{{\"timestamp\": {ts}, \"sender\": {sender}, \"content\": \"x\"}}");
    let body = |msgs: &[String]| format!(r#"{{"org_id": "o", "chat_data": {{"session_id": "s", "agent_id": "a", "start_time": "2024-01-15T10:30:00Z", "end_time": "2024-01-15T10:45:00Z", "messages": [{}]}}}}"#, msgs.join(", "));
    case(CHAT, &body(&[m("«\"2024-01-15T10:29:59Z\"", "\"agent\"")]), &[], &[("outside_session", "/chat_data/messages/0/timestamp")]);
    case(CHAT, &body(&[m("«\"2024-01-15T10:45:01Z\"", "\"agent\"")]), &[], &[("outside_session", "/chat_data/messages/0/timestamp")]);
    case(CHAT, &body(&[m("\"2024-01-15T10:45:00Z\"", "\"agent\""), m("\"2024-01-15T13:45:00+03:00\"", "\"customer\"")]), &[], &[]);
    case(CHAT, &body(&[m("\"2024-01-15T10:40:00Z\"", "\"agent\""), m("«\"2024-01-15T10:35:00Z\"", "\"customer\"")]), &[], &[("out_of_order", "/chat_data/messages/1/timestamp")]);
    case(CHAT, &body(&[m("\"2024-01-15T10:40:00Z\"", "«\"supervisor\"")]), &[], &[("unknown_sender", "/chat_data/messages/0/sender")]);
    case(CHAT, &body(&[m("\"2024-01-15T10:40:00Z\"", "\"agent\"")]).replacen("\"session_id\"", "«\"sessionId\": \"x\", \"session_id\"", 1), &[], &[("unknown_member", "/chat_data/sessionId")]);
}

#[test]
fn call_metadata() {
    valid(CALL, r#"{"org_id": "o1", "email": "agent@example.com", "date_of_call": "2024-01-15"}"#);
    valid(CALL, r#"{"org_id": "o1", "email": "agent@example.com", "date_of_call": "2024-01-15T10:30:00Z"}"#);
    valid(CALL, r#"{"org_id": "o1", "email": "agent@example.com", "date_of_call": "2024-01-15T10:30:00"}"#);
    valid(CALL, r#"{"org_id": "o1", "metadata": {"email": "a.b+c@mail.example.co.za", "date_of_call": "2024-02-29"}}"#);
    let rows: &[(&str, &str, &str)] = &[
        (r#"{"org_id": "o1", "email": »"agent", "date_of_call": "2024-01-15"}"#, "invalid_email", "/email"),
        (r#"{"org_id": "o1", "email": »"agent@localhost", "date_of_call": "2024-01-15"}"#, "invalid_email", "/email"),
        (r#"{"org_id": "o1", "email": »"a b@example.com", "date_of_call": "2024-01-15"}"#, "invalid_email", "/email"),
        (r#"{"org_id": "o1", "email": »"@example.com", "date_of_call": "2024-01-15"}"#, "invalid_email", "/email"),
        (r#"{"org_id": "o1", "email": »"a@@example.com", "date_of_call": "2024-01-15"}"#, "invalid_email", "/email"),
        (r#"{"org_id": "o1", "email": »"a..b@example.com", "date_of_call": "2024-01-15"}"#, "invalid_email", "/email"),
        (r#"{"org_id": "o1", "email": »"a@example.", "date_of_call": "2024-01-15"}"#, "invalid_email", "/email"),
        (r#"{"org_id": "o1", "email": »"a@-x.com", "date_of_call": "2024-01-15"}"#, "invalid_email", "/email"),
        (r#"{"org_id": "o1", "email": »7, "date_of_call": "2024-01-15"}"#, "wrong_type", "/email"),
        (r#"{"org_id": "o1", "email": »"", "date_of_call": "2024-01-15"}"#, "empty_value", "/email"),
        (r#"{"org_id": "o1", "email": "a@example.com", "date_of_call": »"2023-02-29"}"#, "invalid_calendar_date", "/date_of_call"),
        (r#"{"org_id": "o1", "email": "a@example.com", "date_of_call": »"2023-13-01"}"#, "invalid_calendar_date", "/date_of_call"),
        (r#"{"org_id": "o1", "email": "a@example.com", "date_of_call": »"15/01/2024"}"#, "invalid_datetime", "/date_of_call"),
        (r#"{"org_id": "o1", "email": "a@example.com", "date_of_call": »"2024-01-15T25:00:00Z"}"#, "invalid_calendar_date", "/date_of_call"),
        (r#"{"org_id": "o1", "email": "a@example.com", "date_of_call": »20240115}"#, "wrong_type", "/date_of_call"),
        (r#"{"org_id": »"", "email": "a@example.com", "date_of_call": "2024-01-15"}"#, "empty_value", "/org_id"),
        (r#"»{"email": "a@example.com", "date_of_call": "2024-01-15"}"#, "missing_member", "/org_id"),
        (r#"»{"org_id": "o", "date_of_call": "2024-01-15"}"#, "missing_member", "/email"),
        (r#"»{"org_id": "o", "email": "a@example.com"}"#, "missing_member", "/date_of_call"),
        (r#"{"org_id": "o", "metadata": »{"email": "a@example.com"}}"#, "missing_member", "/metadata/date_of_call"),
        (r#"{"org_id": "o", "metadata": {"email": »"nope", "date_of_call": "2024-01-15"}}"#, "invalid_email", "/metadata/email"),
        (r#"{"org_id": "o", "metadata": »"x"}"#, "wrong_type", "/metadata"),
        ("»[]", "wrong_type", ""),
    ];
    for (input, code, path) in rows {
        case(CALL, input, &[(code, path)], &[]);
    }
    case(CALL, r#"{"org_id": "o", «"mail": "x", "email": "a@example.com", "date_of_call": "2024-01-15"}"#, &[], &[("unknown_member", "/mail")]);
}

/// `uploadVelaChat` validates the caller's exact chat text and sends it byte for byte
/// (issue 8: it re-serialized first, so a duplicate key vanished and positions were ours).
mod upload_body {
    use talk_uploader::prepare::speechsense::prepare_chat_upload as speechsense_upload;
    use talk_uploader::prepare::vela::prepare_chat_upload;

    const CHAT_DATA: &str = "{\n  \"session_id\": \"s1\",\n  \"agent_id\": \"a1\",\n  \"start_time\": \"2024-01-15T10:30:00Z\",\n  \"end_time\": \"2024-01-15T10:45:00Z\",\n  \"messages\": [\n    {\"timestamp\": \"2024-01-15T10:30:00Z\", \"sender\": \"customer\", \"content\": \"Hello\"}\n  ]\n}";

    #[test]
    fn a_duplicate_key_is_refused_at_its_place_in_the_callers_text() {
        let chat = CHAT_DATA.replace("\"sender\": \"customer\",", "\"sender\": \"customer\", \"sender\": \"agent\",");
        let e = prepare_chat_upload(chat.as_bytes(), "org", None).expect_err("a duplicate key must be refused");
        let dup = &e.chat.errors[0];
        assert_eq!(dup.code.as_str(), "duplicate_key");
        assert_eq!(dup.path, "/messages/0/sender");
        // Line 7 of what the caller wrote; the column of the second "sender" in that line.
        let line7 = chat.lines().nth(6).unwrap();
        let col = line7.rfind("\"sender\"").unwrap() as u32 + 1;
        assert_eq!((dup.line, dup.column), (Some(7), Some(col)));
        assert_eq!(e.reports().len(), 1);
    }

    #[test]
    fn the_body_holds_the_callers_text_byte_for_byte() {
        let u = prepare_chat_upload(CHAT_DATA.as_bytes(), "org \"x\"", Some(b"{ \"channel\" : \"web\" }")).expect("valid");
        assert_eq!(u.body, format!("{{\"org_id\":\"org \\\"x\\\"\",\"chat_data\":{CHAT_DATA},\"metadata\":{{ \"channel\" : \"web\" }}}}"));
        let r = talk_uploader::validate::validate(u.body.as_bytes(), &talk_uploader::validate::ValidateOptions::new(talk_uploader::validate::ValidationKind::VelaChat));
        assert!(r.ok, "{:?}", r.errors);
        // A BOM is not sent inside the body.
        let bom = format!("\u{feff}{CHAT_DATA}");
        assert!(!prepare_chat_upload(bom.as_bytes(), "org", None).unwrap().body.contains('\u{feff}'));
    }

    #[test]
    fn trailing_text_cannot_smuggle_members_into_the_body() {
        let chat = format!("{CHAT_DATA}, \"org_id\": \"other\"");
        let e = prepare_chat_upload(chat.as_bytes(), "org", None).expect_err("not one JSON value");
        assert_eq!(e.chat.error_codes(), ["trailing_content"]);
        assert_eq!(e.chat.errors[0].line, Some(9));
        let e = prepare_chat_upload(CHAT_DATA.as_bytes(), "org", Some(b"{\"a\":1} ,\"b\":2")).expect_err("metadata too");
        assert_eq!(e.metadata.as_ref().unwrap().error_codes(), ["trailing_content"]);
        let e = prepare_chat_upload(CHAT_DATA.as_bytes(), "org", Some(b"{\"a\":1,\"a\":2}")).expect_err("metadata duplicate");
        let m = e.metadata.as_ref().unwrap();
        assert_eq!((m.errors[0].code.as_str(), m.errors[0].path.as_str(), m.errors[0].column), ("duplicate_key", "/a", Some(8)));
        let e = prepare_chat_upload(CHAT_DATA.as_bytes(), "org", Some(b"[1]")).expect_err("metadata must be an object");
        assert_eq!(e.metadata.as_ref().unwrap().error_codes(), ["wrong_type"]);
        let e = prepare_chat_upload(CHAT_DATA.as_bytes(), " ", None).expect_err("empty org");
        assert_eq!((e.chat.errors[0].code.as_str(), e.chat.errors[0].path.as_str()), ("empty_value", "/org_id"));
    }

    #[test]
    fn field_errors_point_into_the_chat_text() {
        let chat = CHAT_DATA.replace("\"2024-01-15T10:45:00Z\"", "\"2024-02-30T10:45:00Z\"");
        let e = prepare_chat_upload(chat.as_bytes(), "org", None).expect_err("bad date");
        let i = &e.chat.errors[0];
        assert_eq!((i.code.as_str(), i.path.as_str(), i.line, i.column), ("invalid_calendar_date", "/end_time", Some(5), Some(15)));
    }

    /// `uploadText` already validates the exact text; this keeps it so.
    #[test]
    fn upload_text_validates_the_callers_text() {
        let meta = br#"{"operator_name":"A","operator_id":"1","client_name":"B","client_id":"2","date":"2023-09-13T17:30:00Z","language":"ru-RU"}"#;
        let chat = "{\"messages\": [\n {\"user_id\": \"1\", \"text\": \"a\", \"text\": \"b\", \"timestamp\": \"2023-09-13T17:30:00Z\"}\n]}";
        let e = speechsense_upload(chat.as_bytes(), meta, &[]).expect_err("duplicate text");
        let i = &e.chat.errors[0];
        assert_eq!((i.code.as_str(), i.path.as_str(), i.line, i.column), ("duplicate_key", "/messages/0/text", Some(2), Some(32)));
    }
}
