//! `POST /api/presign/batch`: a presigned POST for a Vela batch zip, allowing up to
//! 3,000,000,000 bytes, under the org's prefix; the form stores the zip in the embedded S3.
//!
//! `cargo test -p devserver --test batch_presign`

mod support;

use base64::Engine as _;
use support::*;
use serde_json::json;

const BATCH: &str = "/api/presign/batch";

#[tokio::test]
async fn presign_then_post_stores_the_batch() {
    let srv = start(&["--api-key", "k1"]).await;
    let res = post_json(srv.http, BATCH, Some("k1"), &json!({ "org_id": "org-b", "filename": "calls 2024.zip", "size": 3_000_000_000u64 })).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let v = res.json();
    let key = v["fields"]["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("org-b/batches/") && key.ends_with("-calls_2024.zip"), "{key}");
    let policy = base64::engine::general_purpose::STANDARD.decode(v["fields"]["policy"].as_str().unwrap()).unwrap();
    let policy: serde_json::Value = serde_json::from_slice(&policy).unwrap();
    let range = policy["conditions"].as_array().unwrap().iter().find(|c| c[0] == "content-length-range").unwrap();
    assert_eq!(range[2], 3_000_000_000u64, "{policy}");

    let fields = fields_of(&v);
    let len = 300 * 1024 + 1;
    let up = post_form(srv.s3, v["url"].as_str().unwrap(), &fields, File::Random { seed: 9, len }, Some("http://localhost:3000")).await;
    assert_eq!(up.status, 204, "{}", up.text());
    assert_eq!(srv.object(&key).await, Some((len, random_sha256(9, len))));
}

#[tokio::test]
async fn bad_requests_are_refused_with_their_field() {
    let srv = start(&["--api-key", "k1"]).await;
    let res = post_json(srv.http, BATCH, None, &json!({ "org_id": "o", "filename": "a.zip", "size": 1 })).await;
    assert_eq!(res.status, 401);
    for (body, path) in [
        (json!({ "org_id": "o", "filename": "a.zip", "size": 3_000_000_001u64 }), "/size"),
        (json!({ "org_id": "o", "filename": "a.zip", "size": 0 }), "/size"),
        (json!({ "org_id": "o", "filename": "a.csv", "size": 10 }), "/filename"),
        (json!({ "org_id": "o", "filename": "../a.zip", "size": 10 }), "/filename"),
        (json!({ "org_id": "../x", "filename": "a.zip", "size": 10 }), "/org_id"),
    ] {
        let res = post_json(srv.http, BATCH, Some("k1"), &body).await;
        assert_eq!(res.status, 400, "{body}: {}", res.text());
        assert_eq!(res.json()["errors"][0]["path"], path, "{body}");
    }
}
