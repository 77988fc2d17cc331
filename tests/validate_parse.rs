//! The positioned parser through `validate`: one syntax error, exact position, actionable message.

#[path = "fixtures/validate/support.rs"]
mod support;

use support::case;
use talk_uploader::validate::{validate, ValidateOptions, ValidationKind};

const K: ValidationKind = ValidationKind::SpeechsenseMetadata;

fn syntax(input: &str, code: &str, path: &str) {
    case(K, input, &[(code, path)], &[]);
}

#[test]
fn malformed_documents_get_one_error_at_the_right_place() {
    let rows: &[(&str, &str, &str)] = &[
        ("»", "empty_input", ""),
        ("   \n\t »", "empty_input", ""),
        ("{\"a\": \"b\"»,}", "trailing_comma", "/a"),
        ("[1, 2»,\n]", "trailing_comma", "/2"),
        ("{\"a\": [1 »2]}", "missing_comma", "/a/1"),
        ("{\"a\": \"x\" »\"b\": \"y\"}", "missing_comma", "/a"),
        ("{\"a\" »\"b\"}", "missing_colon", "/a"),
        ("{»a: 1}", "expected_key", ""),
        ("{»'a': 1}", "expected_key", ""),
        ("{\"a\": 1»,}", "trailing_comma", "/a"),
        ("{\"a\": »'x'}", "unexpected_character", "/a"),
        ("{\"a\": 1 »// c\n}", "missing_comma", "/a"),
        ("»// comment\n{}", "unexpected_character", ""),
        ("{\"a\": »tru}", "invalid_literal", "/a"),
        ("{\"a\": »True}", "invalid_literal", "/a"),
        ("{\"a\": »None}", "invalid_literal", "/a"),
        ("{\"a\": »NaN}", "invalid_number", "/a"),
        ("{\"a\": »Infinity}", "invalid_number", "/a"),
        ("{\"a\": »-Infinity}", "invalid_number", "/a"),
        ("{\"a\": »01}", "invalid_number", "/a"),
        ("{\"a\": »1.}", "invalid_number", "/a"),
        ("{\"a\": ».5}", "invalid_number", "/a"),
        ("{\"a\": »+1}", "invalid_number", "/a"),
        ("{\"a\": »1e}", "invalid_number", "/a"),
        ("{\"a\": »-}", "invalid_number", "/a"),
        ("{\"a\": »12abc}", "invalid_number", "/a"),
        ("{\"a\": \"x»\\q\"}", "invalid_escape", "/a"),
        ("{\"a\": \"»\\u12\"}", "invalid_escape", "/a"),
        ("{\"a\": \"»\\ud800\"}", "lone_surrogate", "/a"),
        ("{\"a\": \"»\\udc00\"}", "lone_surrogate", "/a"),
        ("{\"a\": \"»\\ud800\\u0041\"}", "lone_surrogate", "/a"),
        ("{\"a\": \"line»\nbreak\"}", "control_character", "/a"),
        ("{\"a\": \"tab»\there\"}", "control_character", "/a"),
        ("{\"a\": \"open»", "unexpected_end", "/a"),
        ("{\"a\": »", "unexpected_end", "/a"),
        ("{\"a\": [1, 2»", "unexpected_end", "/a/2"),
        ("{\"a\"»", "unexpected_end", "/a"),
        ("[»", "unexpected_end", "/0"),
        ("{}  »{}", "trailing_content", ""),
        ("{}\n»x", "trailing_content", ""),
        ("{\"a\": [1»}", "unexpected_character", "/a/1"),
        ("{\"a\": 1»]", "unexpected_character", "/a"),
        ("{\"a\": »,}", "unexpected_character", "/a"),
        ("[1,»,2]", "unexpected_character", "/1"),
        ("{\"é😀\": \"ok\", \"b\": »x}", "invalid_literal", "/b"),
        ("{\n  \"a\": \"😀😀\",\n  \"b\": 1»,\n}", "trailing_comma", "/b"),
        ("{\r\n\"a\": »bad}", "invalid_literal", "/a"),
        ("{\r\"a\": »bad}", "invalid_literal", "/a"),
        ("{\"a~/b\": {\"c\": »x}}", "invalid_literal", "/a~0~1b/c"),
    ];
    for (input, code, path) in rows {
        syntax(input, code, path);
    }
}

#[test]
fn messages_say_what_to_fix() {
    let r = validate(b"[1, 2,]", &ValidateOptions::new(K));
    assert!(r.errors[0].message.contains("trailing comma before `]`"), "{}", r.errors[0].message);
    let r = validate(b"{\"a\": [1,\n2", &ValidateOptions::new(K));
    assert!(r.errors[0].message.contains("line 1, column 7"), "{}", r.errors[0].message);
    let r = validate(b"{a: 1}", &ValidateOptions::new(K));
    assert!(r.errors[0].message.contains("double-quoted"), "{}", r.errors[0].message);
    // A bare word is quoted whole, non-ASCII letters included, up to a space or a delimiter.
    for (input, word) in [("[Trüe ]", "`Trüe`"), ("{\"a\": Zürich_1}", "`Zürich_1`"), ("[nul\u{a0}l]", "`nul`"), ("[tru,1]", "`tru`")] {
        let r = validate(input.as_bytes(), &ValidateOptions::new(K));
        assert!(r.errors[0].message.starts_with(&format!("{word} is not a JSON value")), "{input}: {}", r.errors[0].message);
    }
    // Bytes and code points in hex, as written.
    for (input, message) in [
        (&b"{\"a\": \"x\x01\"}"[..], "unescaped control character U+0001 in a string: escape it as `\\u00XX`"),
        (b"{\"a\": \"x\x1f\"}", "unescaped control character U+001F in a string: escape it as `\\u00XX`"),
        (b"{\"a\": \"\\uD83D!\"}", "`\\ud83d` is half of a surrogate pair with no low half after it: the text would not be valid Unicode"),
        (b"{\"a\": \"\\udE0a\"}", "`\\ude0a` is the low half of a surrogate pair with no high half before it"),
        (b"{\"a\": \"\xfe\"}", "byte 0xFE is not valid UTF-8: save the file as UTF-8"),
    ] {
        let r = validate(input, &ValidateOptions::new(K));
        assert_eq!(r.errors[0].message, message, "{}", String::from_utf8_lossy(input));
    }
    let r = validate(b"{\"a\": 1 \x7f}", &ValidateOptions::new(K));
    assert!(r.errors[0].message.contains("byte 0x7F"), "{}", r.errors[0].message);
}

#[test]
fn bom_is_skipped_and_positions_stay_right() {
    let r = validate("\u{feff}{\"a\": x}".as_bytes(), &ValidateOptions::new(K));
    assert_eq!((r.errors[0].line, r.errors[0].column), (Some(1), Some(7)));
    let r = validate("\u{feff}".as_bytes(), &ValidateOptions::new(K));
    assert_eq!(r.error_codes(), ["empty_input"]);
}

#[test]
fn invalid_utf8_is_reported_at_the_bad_byte() {
    let r = validate(b"{\"a\":\n \"x\xff\"}", &ValidateOptions::new(K));
    assert_eq!(r.error_codes(), ["invalid_utf8"]);
    assert_eq!((r.errors[0].line, r.errors[0].column), (Some(2), Some(4)));
    let r = validate(b"\xEF\xBB\xBF\xC3", &ValidateOptions::new(K));
    assert_eq!((r.errors[0].code.as_str(), r.errors[0].line, r.errors[0].column), ("invalid_utf8", Some(1), Some(1)));
    let r = validate("é\u{80}".as_bytes().iter().copied().chain([0xE2, 0x82]).collect::<Vec<_>>().as_slice(), &ValidateOptions::new(K));
    assert_eq!((r.errors[0].line, r.errors[0].column), (Some(1), Some(3)));
}

#[test]
fn duplicate_keys_are_errors_at_the_later_key_and_validation_goes_on() {
    let r = validate(b"{\"a\": \"1\", \"a\": \"2\", \"b\": {\"x\": [], \"x\": 1}}", &ValidateOptions::new(K));
    let dups: Vec<_> = r.errors.iter().filter(|i| i.code.as_str() == "duplicate_key").map(|i| (i.path.as_str(), i.column)).collect();
    assert_eq!(dups, [("/a", Some(12)), ("/b/x", Some(37))]);
    // Validation went on: the metadata rules ran too.
    assert!(r.error_codes().contains(&"missing_member"));
    assert!(r.error_codes().contains(&"wrong_type"));
}

#[test]
fn duplicate_keys_in_large_and_escaped_objects() {
    let mut s = String::from("{");
    for i in 0..40 {
        s.push_str(&format!("\"k{i}\": \"v\", "));
    }
    s.push_str("»\"k7\": \"again\", \"\\u006b8\": \"escaped dup\"}");
    let (marker_at, _) = s.char_indices().find(|(_, c)| *c == '»').unwrap();
    let _ = marker_at;
    let r = validate(s.replace('»', "").as_bytes(), &ValidateOptions::new(K));
    let dups: Vec<_> = r.errors.iter().filter(|i| i.code.as_str() == "duplicate_key").map(|i| i.path.as_str()).collect();
    assert_eq!(dups, ["/k7", "/k8"]);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for depth in [513usize, 10_000, 1_000_000] {
        let s = "[".repeat(depth);
        let r = validate(s.as_bytes(), &ValidateOptions::new(K));
        assert_eq!(r.error_codes(), ["too_deep"], "depth {depth}");
        assert_eq!(r.errors[0].column, Some(513));
    }
    let ok = format!("{}{}", "[".repeat(512), "]".repeat(512));
    let r = validate(ok.as_bytes(), &ValidateOptions::new(ValidationKind::LabelboxImport));
    assert!(!r.error_codes().contains(&"too_deep"));
    assert_eq!(r.stats.max_depth, 512);
}

#[test]
fn big_integers_and_precision_are_kept() {
    let r = validate(b"{\"messages\":[{\"user_id\":9007199254740993,\"text\":\"x\",\"timestamp\":\"2023-09-13T17:30:00Z\"}]}", &ValidateOptions {
        metadata: Some("{\"operator_id\": \"9007199254740993\"}".into()),
        ..ValidateOptions::new(ValidationKind::SpeechsenseChat)
    });
    assert!(r.ok, "{:?}", r.errors);
}

#[test]
fn every_kind_reports_syntax_errors_the_same_way() {
    for kind in ValidationKind::ALL {
        case(kind, "{\"a\": [1»,]}", &[("trailing_comma", "/a/1")], &[]);
    }
}


#[test]
fn every_code_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/validation.md")).unwrap();
    for c in talk_uploader::report::Code::ALL {
        assert!(doc.contains(&format!("| `{}` |", c.as_str())), "docs/validation.md lacks {}", c.as_str());
    }
}

/// The TypeScript `IssueCode` union in the package's `.d.ts` lists exactly the codes the engine
/// can report, so a `switch (issue.code)` in TypeScript is checked against the real set.
#[test]
fn typescript_issue_code_union_lists_every_code() {
    let bindings = include_str!("../src/bindings/validate.rs");
    let start = bindings.find("export type IssueCode =").expect("IssueCode union");
    let end = start + bindings[start..].find(';').expect("end of union");
    let listed: Vec<&str> = bindings[start..end].split('"').skip(1).step_by(2).collect();
    let all: Vec<&str> = talk_uploader::report::Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(listed, all);
}
