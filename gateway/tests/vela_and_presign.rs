//! The Vela routes and `/s3/presign` through the gateway, against a devserver (its Vela API and
//! its embedded S3, which verifies every SigV4 POST policy): the Vela token is injected, the
//! ticket's org must match, and a presigned form lands under the ticket's prefix with the exact
//! size allowed.

mod support;

#[path = "../../devserver/tests/support/mod.rs"]
mod s3;

use s3::{post_form, post_json, File};
use serde_json::json;
use support::*;

async fn setup() -> (s3::Server, Gateway) {
    let server = s3::start(&["--api-key", KEY]).await;
    let bucket = format!("http://{}/{}", server.s3, server.config.s3_bucket);
    let gw = gateway(
        &format!("http://{}", server.http),
        &[
            "--vela-upstream", &format!("http://{}", server.http), "--vela-token-env", "VELA_TOKEN",
            "--s3-bucket-url", &bucket, "--s3-region", "us-east-1",
            "--s3-access-key-env", "S3_AK", "--s3-secret-key-env", "S3_SK",
        ],
    )
    .await;
    (server, gw)
}

fn chat(org: &str) -> serde_json::Value {
    json!({
        "org_id": org,
        "chat_data": {
            "session_id": "s-1", "agent_id": "a-1", "customer_id": null,
            "start_time": "2024-05-06T07:08:09Z", "end_time": "2024-05-06T07:10:00Z",
            "messages": [{ "sender": "agent", "content": "hello", "timestamp": "2024-05-06T07:08:09Z" }]
        }
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn vela_calls_carry_the_vela_token_and_the_ticket_org() {
    let (server, gw) = setup().await;
    let t = ticket_with(&[], |c| c.org_id = Some("org-1".into()));

    // Presign of a call: forwarded with the Vela token, so the devserver signs a form for org-1.
    let res = post_json(gw.addr, "/vela/asr/async/upload/vela", Some(&t), &json!({ "org_id": "org-1" })).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let presign = res.json();
    let key = presign["fields"]["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("org-1/"), "{key}");
    // The browser posts the file straight to S3 with it.
    let fields: Vec<(String, String)> =
        presign["fields"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())).collect();
    let up = post_form(server.s3, presign["url"].as_str().unwrap(), &fields, File::Random { seed: 3, len: 50_000 }, None).await;
    assert!(up.status < 300, "{}", up.text());
    assert_eq!(server.object(&key).await, Some((50_000, s3::random_sha256(3, 50_000))));

    // Chat: the same.
    let res = post_json(gw.addr, "/vela/chat/upload/vela", Some(&t), &chat("org-1")).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["status"], "success");

    // Another org, no org in the ticket, no ticket, the Vela token itself: refused here.
    let res = post_json(gw.addr, "/vela/chat/upload/vela", Some(&t), &chat("org-2")).await;
    assert_eq!(res.status, 403);
    assert!(res.text().contains("org \\\"org-2\\\""), "{}", res.text());
    let no_org = ticket_for(&["one"]);
    let res = post_json(gw.addr, "/vela/asr/async/upload/vela", Some(&no_org), &json!({ "org_id": "org-1" })).await;
    assert_eq!(res.status, 403);
    let res = post_json(gw.addr, "/vela/asr/async/upload/vela", None, &json!({ "org_id": "org-1" })).await;
    assert_eq!(res.status, 401);
    assert_eq!(res.header("www-authenticate"), Some("Bearer"));
    let res = post_json(gw.addr, "/vela/asr/async/upload/vela", Some(KEY), &json!({ "org_id": "org-1" })).await;
    assert_eq!(res.status, 401, "the Vela token is not a ticket");
    // Only the first chat was stored, and only one object.
    assert_eq!(server.stored_files().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn presign_signs_a_form_under_the_ticket_prefix() {
    let (server, gw) = setup().await;
    let t = ticket_with(&[], |c| {
        c.s3_prefix = Some("tenant-7/".into());
        c.max_bytes = Some(1_000_000);
    });
    let res = post_json(gw.addr, "/s3/presign", Some(&t), &json!({ "filename": "call-1.wav", "size": 40_000, "contentType": "audio/wav" })).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let v = res.json();
    let key = v["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("tenant-7/") && key.ends_with("/call-1.wav"), "{key}");
    // serde_json sorts keys when it parses, so the order is read from the text.
    let text = res.text();
    let fields_text = &text[text.find("\"fields\":{").unwrap()..];
    assert!(fields_text.starts_with("\"fields\":{\"key\":"), "fields keep their form order: {text}");
    let fields: Vec<(String, String)> =
        v["fields"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())).collect();
    // The package's own pre-check accepts it, and the policy pins the size.
    let presign = talk_uploader::s3_post::Presign { url: v["url"].as_str().unwrap().into(), fields: fields.clone() };
    let facts = talk_uploader::s3_post::precheck(&presign, 40_000, talk_gateway::ticket::now_unix() * 1000).unwrap();
    assert_eq!(facts.content_length_range, Some((40_000, 40_000)));

    // A different size than declared is refused by S3 itself; the declared one is stored.
    let wrong = post_form(server.s3, &presign.url, &fields, File::Random { seed: 1, len: 40_001 }, None).await;
    assert!(wrong.status >= 400, "S3 took a file of another size");
    let ok = post_form(server.s3, &presign.url, &fields, File::Random { seed: 1, len: 40_000 }, None).await;
    assert!(ok.status < 300, "{}", ok.text());
    assert_eq!(server.object(&key).await, Some((40_000, s3::random_sha256(1, 40_000))));

    // Refusals: over max_bytes, no prefix in the ticket, bad file names, no ticket.
    let res = post_json(gw.addr, "/s3/presign", Some(&t), &json!({ "filename": "big.wav", "size": 2_000_000, "contentType": "audio/wav" })).await;
    assert_eq!(res.status, 403);
    assert!(res.text().contains("1000000-byte limit"), "{}", res.text());
    let res = post_json(gw.addr, "/s3/presign", Some(&ticket_for(&["one"])), &json!({ "filename": "a.wav", "size": 1 })).await;
    assert_eq!(res.status, 403);
    let res = post_json(gw.addr, "/s3/presign", Some(&t), &json!({ "filename": "../a.wav", "size": 1 })).await;
    assert_eq!(res.status, 400);
    assert_eq!(res.json()["path"], "/filename");
    let res = post_json(gw.addr, "/s3/presign", Some(&t), &json!({ "filename": "a.wav", "size": 0 })).await;
    assert_eq!(res.json()["path"], "/size");
    let res = post_json(gw.addr, "/s3/presign", None, &json!({ "filename": "a.wav", "size": 1 })).await;
    assert_eq!(res.status, 401);
    assert_eq!(server.stored_files().len(), 1);
}
