//! Labelbox rules for what its editor shows literally, and for global keys.

use talk_uploader::validate::{validate, ValidateOptions, ValidationKind};

fn conversation(content: &str) -> String {
    format!(
        r#"{{"type": "application/vnd.labelbox.conversational", "version": 1, "messages": [
{{"messageId": "m1", "timestampUsec": 1530718491000000, "content": {content}, "user": {{"userId": "u", "name": "U"}}, "canLabel": true}}]}}"#
    )
}

#[test]
fn literal_markup_warns_at_the_content() {
    for (content, seen) in [
        (r#""Tom &amp; Jerry""#, "&amp;"),
        (r#""it&#39;s""#, "&#39;"),
        (r#""a&nbsp;b""#, "&nbsp;"),
        (r#""caf\\u00e9""#, "\\u00e9"),
        (r#""great :smile: thanks""#, ":smile:"),
    ] {
        let doc = conversation(content);
        let r = validate(doc.as_bytes(), &ValidateOptions::new(ValidationKind::LabelboxConversation));
        assert!(r.ok, "{content}: {:?}", r.errors);
        assert_eq!(r.warning_codes(), ["shown_literally"], "{content}");
        let w = &r.warnings[0];
        assert_eq!((w.path.as_str(), w.line), ("/messages/0/content", Some(2)));
        assert!(w.message.contains(seen), "{}", w.message);
    }
    for fine in [r#""at 10:30:45 ok""#, r#""a & b; c""#, r#""café""#, r#""see http://x.org/a:b""#, r#""\u00e9 decoded""#] {
        let doc = conversation(fine);
        let r = validate(doc.as_bytes(), &ValidateOptions::new(ValidationKind::LabelboxConversation));
        assert!(r.warnings.is_empty(), "{fine}: {:?}", r.warnings);
    }
}

#[test]
fn global_keys_are_bounded_and_unique_ignoring_case() {
    let long = "k".repeat(201);
    let rows = format!(
        r#"[{{"row_data": "https://b/x.json", "global_key": "Chat-1"}},
{{"row_data": "https://b/y.json", "global_key": "chat-1"}},
{{"row_data": "https://b/z.json", "global_key": "{long}"}},
{{"row_data": "https://b/w.json", "global_key": "{}"}}]"#,
        "é".repeat(200)
    );
    let r = validate(rows.as_bytes(), &ValidateOptions::new(ValidationKind::LabelboxImport));
    let got: Vec<_> = r.errors.iter().map(|e| (e.code.as_str(), e.path.as_str(), e.line)).collect();
    assert_eq!(got, [("duplicate_global_key", "/1/global_key", Some(2)), ("global_key_too_long", "/2/global_key", Some(3))]);
}

#[test]
fn loopback_http_rows_only_when_allowed() {
    let rows = br#"[{"row_data": "http://127.0.0.1:9000/b/x.json"}, {"row_data": "http://localhost/x"}, {"row_data": "http://example.com/x"}]"#;
    let strict = validate(rows, &ValidateOptions::new(ValidationKind::LabelboxImport));
    assert_eq!(strict.error_codes(), ["invalid_url", "invalid_url", "invalid_url"]);
    let loose = validate(rows, &ValidateOptions { allow_loopback_http: true, ..ValidateOptions::new(ValidationKind::LabelboxImport) });
    let got: Vec<_> = loose.errors.iter().map(|e| (e.code.as_str(), e.path.as_str())).collect();
    assert_eq!(got, [("invalid_url", "/2/row_data")]);
}

#[test]
fn conversion_into_labelbox_decodes_html_entities_with_a_warning() {
    use talk_uploader::convert::{convert_chat, ChatFormat, ConvertOptions};
    let vela = r#"{"org_id": "o", "chat_data": {"session_id": "s", "agent_id": "a", "customer_id": "c", "start_time": "2024-01-15T10:30:00Z", "end_time": "2024-01-15T10:45:00Z", "messages": [
{"timestamp": "2024-01-15T10:30:00Z", "sender": "customer", "content": "Tom &amp; Jerry&#39;s order"},
{"timestamp": "2024-01-15T10:30:15Z", "sender": "agent", "content": "plain text"}]}}"#;
    let r = convert_chat(vela.as_bytes(), &ConvertOptions::new(ChatFormat::Vela, ChatFormat::Labelbox));
    assert!(r.ok, "{:?}", r.errors);
    let warned: Vec<_> = r.warnings.iter().filter(|w| w.code.as_str() == "html_decoded").map(|w| w.path.as_str()).collect();
    assert_eq!(warned, ["/messages/0"]);
    assert!(r.output.contains("Tom & Jerry's order"), "{}", r.output);
    let back = validate(r.output.as_bytes(), &ValidateOptions::new(ValidationKind::LabelboxConversation));
    assert!(back.ok && back.warnings.is_empty(), "{:?}", back.warnings);
}
