//! Fault injection (`--fault-schedule`/`--fault-mode`) applies to S3 form POSTs: a failed or cut
//! upload never leaves an object behind, and an injected 503 is readable cross-origin.
//!
//! `cargo test -p devserver --test s3_faults`

mod support;

use support::*;

const ORIGIN: &str = "http://127.0.0.1:5173";

async fn presigned(srv: &Server, key: &str) -> devserver::sigv4::Presign {
    devserver::vela::presign_for(&srv.config, "org-1", key, devserver::sigv4::now_unix())
}

#[tokio::test]
async fn injected_503_is_readable_cross_origin_and_stores_nothing() {
    let srv = start(&["--fault-schedule", "fail,...", "--fault-mode", "503"]).await;
    let post = presigned(&srv, "org-1/f503").await;
    let res = post_form(srv.s3, &post.url, &post.fields, File::Random { seed: 3, len: 2 << 20 }, Some(ORIGIN)).await;
    assert_eq!(res.status, 503, "{}", res.text());
    assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN));
    assert!(srv.stored_files().is_empty(), "{:?}", srv.stored_files());
    // Preflights and GETs are never faulted.
    let res = request(srv.s3, "OPTIONS", "/talk-uploads", &[("origin", ORIGIN), ("access-control-request-method", "POST")], empty()).await;
    assert_eq!(res.status, 204);
}

#[tokio::test]
async fn injected_reset_cuts_the_upload_and_stores_nothing() {
    let srv = start(&["--fault-schedule", "reset,..."]).await;
    let post = presigned(&srv, "org-1/freset").await;
    let res = try_post_form(srv.s3, &post.url, &post.fields, File::Random { seed: 4, len: 8 << 20 }, None).await;
    assert!(res.is_err(), "expected a cut connection, got {:?}", res.map(|r| r.status));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(srv.stored_files().is_empty(), "{:?}", srv.stored_files());
    assert_eq!(srv.object("org-1/freset").await, None);
}

#[tokio::test]
async fn a_fault_schedule_fails_the_posts_it_names_and_the_rest_store_byte_exact() {
    let srv = start(&["--fault-schedule", "ok,fail,fail,ok,fail,ok,ok,ok,fail,ok", "--fault-mode", "503"]).await;
    let schedule = [false, true, true, false, true, false, false, false, true, false];
    let (mut ok, mut failed) = (0, 0);
    for i in 0..10u64 {
        let key = format!("org-1/p{i}");
        let post = presigned(&srv, &key).await;
        let res = post_form(srv.s3, &post.url, &post.fields, File::Random { seed: i, len: 100_000 }, None).await;
        match res.status {
            204 => {
                assert!(!schedule[i as usize], "POST {i} was scheduled to fail");
                ok += 1;
                assert_eq!(srv.object(&key).await, Some((100_000, random_sha256(i, 100_000))));
            }
            503 => {
                assert!(schedule[i as usize], "POST {i} was scheduled to pass");
                failed += 1;
                assert_eq!(srv.object(&key).await, None);
            }
            s => panic!("status {s}: {}", res.text()),
        }
    }
    assert!(ok > 0 && failed > 0, "ok {ok}, failed {failed}");
}
