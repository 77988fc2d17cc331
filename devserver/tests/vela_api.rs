//! The Vela endpoints end to end: presign → form POST to the embedded S3 → object stored; the
//! per-org minute allocation; bearer auth; request validation with placed issues; the chat
//! endpoint storing a `VelaChat` talk.
//!
//! `cargo test -p devserver --test vela_api`

mod support;

use support::*;
use serde_json::json;

const PRESIGN: &str = "/asr/async/upload/vela";
const CHAT: &str = "/chat/upload/vela";

/// A mono 16-bit 8 kHz WAV of `secs` seconds of silence.
fn wav(secs: u32) -> Vec<u8> {
    let data_len = secs * 8000 * 2;
    let mut v = talk_uploader::audio::wav::tests_support::header(1, 1, 8000, 16, data_len);
    v.resize(44 + data_len as usize, 0);
    v
}

fn call(org: &str) -> serde_json::Value {
    json!({ "org_id": org, "metadata": { "email": "agent@example.com", "date_of_call": "2024-01-15" } })
}

fn chat_body() -> serde_json::Value {
    json!({
        "org_id": "org-a",
        "chat_data": {
            "session_id": "chat_12345",
            "agent_id": "agent_001",
            "customer_id": "customer_789",
            "start_time": "2024-01-15T10:30:00Z",
            "end_time": "2024-01-15T10:45:00Z",
            "messages": [
                { "timestamp": "2024-01-15T10:30:00Z", "sender": "customer", "content": "Hello, I need help with my account" },
                { "timestamp": "2024-01-15T10:30:15Z", "sender": "agent", "content": "Hi! I'd be happy to help you with your account." }
            ]
        },
        "metadata": { "channel": "website", "department": "customer_support" }
    })
}

#[tokio::test]
async fn presign_then_post_stores_the_object() {
    let srv = start(&["--api-key", "k1"]).await;
    let res = post_json(srv.http, PRESIGN, Some("k1"), &call("org-a")).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let v = res.json();
    let url = v["url"].as_str().unwrap();
    assert_eq!(url, format!("http://{}/{}", srv.s3, srv.config.s3_bucket));
    let fields = fields_of(&v);
    let key = v["fields"]["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("org-a/"), "{key}");
    for f in ["policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"] {
        assert!(v["fields"][f].is_string(), "missing {f}");
    }
    // The answer carries a signature but never the secret key.
    assert!(!res.text().contains(devserver::s3::SECRET_KEY));

    let len = 200 * 1024 + 3;
    let up = post_form(srv.s3, url, &fields, File::Random { seed: 5, len }, Some("http://localhost:3000")).await;
    assert_eq!(up.status, 204, "{}", up.text());
    assert_eq!(srv.object(&key).await, Some((len, random_sha256(5, len))));

    // `metadata` is optional.
    let res = post_json(srv.http, PRESIGN, Some("k1"), &json!({ "org_id": "org-a" })).await;
    assert_eq!(res.status, 200, "{}", res.text());
}

#[tokio::test]
async fn minute_allocation_is_enforced_per_org() {
    let srv = start(&["--api-key", "k1", "--vela-minutes", "1"]).await;
    let v = post_json(srv.http, PRESIGN, Some("k1"), &call("org-a")).await.json();
    // A 61 s call: accepted (the org had used nothing), and it crosses the 1-minute allocation.
    let up = post_form(srv.s3, v["url"].as_str().unwrap(), &fields_of(&v), File::Bytes(wav(61).into()), None).await;
    assert_eq!(up.status, 204, "{}", up.text());

    let res = post_json(srv.http, PRESIGN, Some("k1"), &call("org-a")).await;
    assert_eq!(res.status, 403, "{}", res.text());
    let e = res.json();
    assert_eq!(e["error"], "minute_allocation_exceeded");
    assert_eq!(e["minute_allocation"], 1);
    assert!(e["minutes_used"].as_f64().unwrap() >= 1.0);
    let msg = e["message"].as_str().unwrap();
    assert!(msg.contains("org-a") && msg.contains("minute allocation"), "{msg}");

    // Another org has its own allocation.
    assert_eq!(post_json(srv.http, PRESIGN, Some("k1"), &call("org-b")).await.status, 200);
}

/// An MP3 whose cover art (a 300 kB ID3v2 tag) pushes its first frame past the first 64 KiB
/// counts its real minutes, not 0: the devserver reads it through the package's Sniffer.
#[tokio::test]
async fn an_mp3_with_cover_art_counts_its_minutes() {
    let srv = start(&["--api-key", "k1", "--vela-minutes", "1"]).await;
    // 2400 frames of 417 bytes at 128 kbps: 62.5 s.
    let mp3 = talk_uploader::audio::mp3::tests_support::mp3_with_cover(300_000, 2400);
    let v = post_json(srv.http, PRESIGN, Some("k1"), &call("org-c")).await.json();
    let up = post_form(srv.s3, v["url"].as_str().unwrap(), &fields_of(&v), File::Bytes(mp3.into()), None).await;
    assert_eq!(up.status, 204, "{}", up.text());
    let res = post_json(srv.http, PRESIGN, Some("k1"), &call("org-c")).await;
    assert_eq!(res.status, 403, "{}", res.text());
    let used = res.json()["minutes_used"].as_f64().unwrap();
    assert!((1.0..1.1).contains(&used), "{used}");
}

#[tokio::test]
async fn bearer_token_is_required() {
    let srv = start(&["--api-key", "k1", "--iam-token", "t1"]).await;
    for (token, auth) in [(None, None), (Some("wrong"), None), (None, Some("Api-Key k1"))] {
        for path in [PRESIGN, CHAT] {
            let res = match auth {
                Some(a) => {
                    request(srv.http, "POST", path, &[("authorization", a), ("content-type", "application/json")], full(call("o").to_string())).await
                }
                None => post_json(srv.http, path, token, &call("o")).await,
            };
            assert_eq!(res.status, 401, "{path} {token:?} {auth:?}: {}", res.text());
            assert_eq!(res.json()["error"], "unauthorized");
            assert!(!res.text().contains("wrong"), "the credential is echoed: {}", res.text());
        }
    }
    // Keys and IAM tokens are both valid bearer tokens.
    assert_eq!(post_json(srv.http, PRESIGN, Some("k1"), &call("o")).await.status, 200);
    assert_eq!(post_json(srv.http, PRESIGN, Some("t1"), &call("o")).await.status, 200);
}

#[tokio::test]
async fn presign_request_is_validated_with_placed_issues() {
    let srv = start(&["--api-key", "k1"]).await;
    let body = json!({ "org_id": "org-a", "metadata": { "email": "not-an-email", "date_of_call": "2024-02-30" } });
    let res = post_json(srv.http, PRESIGN, Some("k1"), &body).await;
    assert_eq!(res.status, 400, "{}", res.text());
    let v = res.json();
    let codes: Vec<&str> = v["errors"].as_array().unwrap().iter().map(|i| i["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"invalid_email") && codes.contains(&"invalid_calendar_date"), "{codes:?}");
    let email = v["errors"].as_array().unwrap().iter().find(|i| i["code"] == "invalid_email").unwrap();
    assert_eq!(email["path"], "/metadata/email");
    assert!(email["line"].as_u64().is_some() && email["column"].as_u64().is_some(), "{email}");

    let res = post_json(srv.http, PRESIGN, Some("k1"), &json!({ "org_id": "../etc" })).await;
    assert_eq!(res.status, 400);
    assert_eq!(res.json()["errors"][0]["code"], "invalid_org_id");

    let res = request(srv.http, "POST", PRESIGN, &[("authorization", "Bearer k1")], full("{\"org_id\": ")).await;
    assert_eq!(res.status, 400, "{}", res.text());
    assert!(res.json()["errors"][0]["line"].as_u64().is_some());
}

#[tokio::test]
async fn chat_upload_stores_a_vela_chat_talk() {
    let srv = start(&["--api-key", "k1"]).await;
    let res = post_json(srv.http, CHAT, Some("k1"), &chat_body()).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let v = res.json();
    assert_eq!(v["status"], "success");
    assert_eq!(v["message"], "Chat data uploaded successfully");
    assert_eq!(v["processing_status"], "queued");
    let chat_id = v["chat_id"].as_str().unwrap();
    assert!(chat_id.starts_with("vela_chat_"), "{chat_id}");

    let talk = request(srv.http, "GET", &format!("/api/talks/{chat_id}"), &[], empty()).await.json();
    assert_eq!(talk["method"], "VelaChat");
    assert_eq!(talk["connectionId"], "org-a");
    assert_eq!(talk["messages"].as_array().unwrap().len(), 2);
    assert_eq!(talk["messages"][1]["userId"], "agent");
    assert_eq!(talk["fields"]["session_id"], "chat_12345");
    assert_eq!(talk["fields"]["metadata.channel"], "website");
    let list = request(srv.http, "GET", "/api/talks", &[], empty()).await.json();
    assert!(list.as_array().unwrap().iter().any(|t| t["id"] == chat_id));
}

#[tokio::test]
async fn invalid_chat_is_rejected_with_placed_issues_and_not_stored() {
    let srv = start(&["--api-key", "k1"]).await;
    let mut body = chat_body();
    body["chat_data"]["messages"][0]["timestamp"] = json!("yesterday");
    body["chat_data"].as_object_mut().unwrap().remove("agent_id");
    // Pretty-printed, so line and column are meaningful.
    let text = serde_json::to_string_pretty(&body).unwrap();
    let res = request(srv.http, "POST", CHAT, &[("authorization", "Bearer k1"), ("content-type", "application/json")], full(text)).await;
    assert_eq!(res.status, 400, "{}", res.text());
    let errors = res.json()["errors"].as_array().unwrap().clone();
    let ts = errors.iter().find(|i| i["path"] == "/chat_data/messages/0/timestamp").expect("timestamp issue");
    assert!(ts["line"].as_u64().unwrap() > 1 && ts["column"].as_u64().unwrap() > 1, "{ts}");
    assert!(ts["message"].as_str().unwrap().len() > 10);
    assert!(errors.iter().any(|i| i["path"] == "/chat_data/agent_id"), "{errors:?}");
    let list = request(srv.http, "GET", "/api/talks", &[], empty()).await.json();
    assert!(list.as_array().unwrap().is_empty());
}

/// `--s3-endpoint` points the presigner at another S3-compatible store: here a second devserver's
/// embedded S3 (it verifies SigV4 POST policies like AWS), with its credentials and bucket.
#[tokio::test]
async fn external_s3_endpoint_gets_the_presigned_post() {
    let store = start(&[]).await;
    let endpoint = format!("http://{}", store.s3);
    let front = start(&[
        "--api-key", "k1",
        "--s3-endpoint", &endpoint,
        "--s3-access-key", devserver::s3::ACCESS_KEY,
        "--s3-secret-key", devserver::s3::SECRET_KEY,
        "--s3-bucket", &store.config.s3_bucket,
        "--s3-region", "us-east-1",
    ])
    .await;
    let res = post_json(front.http, PRESIGN, Some("k1"), &call("org-x")).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let v = res.json();
    let url = v["url"].as_str().unwrap();
    assert_eq!(url, format!("{endpoint}/{}", store.config.s3_bucket), "the form goes to the external store");
    let key = v["fields"]["key"].as_str().unwrap().to_owned();
    let len = 64 * 1024 + 7;
    let up = post_form(store.s3, url, &fields_of(&v), File::Random { seed: 9, len }, None).await;
    assert_eq!(up.status, 204, "{}", up.text());
    assert_eq!(store.object(&key).await, Some((len, random_sha256(9, len))));
    assert_eq!(front.object(&key).await, None, "nothing lands in the front server's own S3");

    // A wrong secret for the external store: the store itself refuses the signature.
    let bad = start(&[
        "--api-key", "k1",
        "--s3-endpoint", &endpoint,
        "--s3-access-key", devserver::s3::ACCESS_KEY,
        "--s3-secret-key", "not-the-secret",
        "--s3-bucket", &store.config.s3_bucket,
    ])
    .await;
    let v = post_json(bad.http, PRESIGN, Some("k1"), &call("org-x")).await.json();
    let up = post_form(store.s3, v["url"].as_str().unwrap(), &fields_of(&v), File::Random { seed: 10, len: 1000 }, None).await;
    assert!((400..500).contains(&up.status), "{} {}", up.status, up.text());
    assert!(up.s3_code().is_some(), "{}", up.text());
}
