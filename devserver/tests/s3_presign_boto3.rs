//! devserver's POST-policy presigner (src/sigv4.rs) gives byte-identical `url` and `fields` to
//! boto3's `generate_presigned_post` for the same inputs and clock. The expected values were made
//! by boto3 itself: `python3 devserver/tests/boto3_presign_fixture.py` regenerates
//! `tests/fixtures/boto3_presigned_post.json`.
//!
//! `cargo test -p devserver --test s3_presign_boto3`

use devserver::sigv4::{presign_post, Condition, Credentials};
use serde_json::Value;

fn unix(iso: &str) -> i64 {
    // "YYYY-MM-DDTHH:MM:SSZ" → Unix seconds, with the package's one date parser; the fields the
    // presigner writes from it are then compared byte for byte with boto3's.
    talk_uploader::timefmt::parse_iso8601(iso).expect("an ISO 8601 date in the fixture") / 1000
}

/// boto3's conditions: the caller's, then `{"bucket"}`, then `{"key"}` (the three `x-amz-*` ones
/// are added by the signer on both sides).
fn conditions(case: &Value) -> Vec<Condition> {
    let mut out: Vec<Condition> = case["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| match c {
            Value::Array(a) if a[0] == "starts-with" => {
                Condition::starts_with(a[1].as_str().unwrap().trim_start_matches('$'), a[2].as_str().unwrap())
            }
            Value::Array(a) if a[0] == "content-length-range" => {
                Condition::ContentLengthRange { min: a[1].as_u64().unwrap(), max: a[2].as_u64().unwrap() }
            }
            Value::Object(o) if o.len() == 1 => {
                let (k, v) = o.iter().next().unwrap();
                Condition::eq(k.clone(), v.as_str().unwrap())
            }
            other => panic!("unsupported condition {other}"),
        })
        .collect();
    out.push(Condition::eq("bucket", case["bucket"].as_str().unwrap()));
    out.push(Condition::eq("key", case["key"].as_str().unwrap()));
    out
}

#[test]
fn presigned_post_equals_boto3() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/boto3_presigned_post.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 2);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let s = |k: &str| case[k].as_str().unwrap().to_owned();
        let creds = Credentials { access_key: &s("access_key"), secret_key: &s("secret_key"), region: &s("region") };
        let mut fields: Vec<(String, String)> = case["fields"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        fields.push(("key".into(), s("key")));
        let url = format!("{}/{}", s("endpoint"), s("bucket"));
        let ours = presign_post(&creds, &url, unix(&s("now")), case["expires_in"].as_u64().unwrap(), conditions(case), fields);

        let expected = &case["expected"];
        assert_eq!(ours.url, expected["url"], "{name}: url");
        let theirs = expected["fields"].as_object().unwrap();
        assert_eq!(ours.fields.len(), theirs.len(), "{name}: field count");
        for (k, v) in &ours.fields {
            assert_eq!(Some(v.as_str()), theirs.get(k).and_then(Value::as_str), "{name}: field {k}");
        }
    }
}

#[test]
fn fixture_time_parsing_matches_the_presigner() {
    assert_eq!(devserver::sigv4::iso8601(unix("2024-05-06T07:08:09Z")), "2024-05-06T07:08:09Z");
    assert_eq!(devserver::sigv4::iso8601(unix("2025-12-31T23:59:59Z")), "2025-12-31T23:59:59Z");
}
