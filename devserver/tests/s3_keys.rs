//! Object keys that would leave their prefix. The presign for org `org-1` carries
//! `["starts-with", "$key", "org-1/"]`, a textual check that `org-1/../org-2/x` passes; before
//! the key guard (src/s3/keys.rs) s3s-fs normalised that key and stored the object as
//! `org-2/x`, under another org. Each such form is really signed here, so the only thing that
//! can refuse it is the key check, and each refusal must be an S3 XML `InvalidArgument` that
//! stores nothing anywhere under the data dir.
//!
//! `cargo test -p devserver --profile server --test s3_keys`

mod support;

use support::*;

/// Every regular file under the data dir's `s3/` tree, buckets and s3s-fs metadata included.
fn all_s3_files(srv: &Server) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![srv.data_dir.join("s3")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() { stack.push(p) } else { out.push(p) }
        }
    }
    out
}

#[tokio::test]
async fn signed_forms_with_traversal_keys_are_refused_and_store_nothing() {
    let srv = start(&[]).await;
    let now = devserver::sigv4::now_unix();
    let cases = [
        ("org-1/../org-2/stolen.bin", "`..` segment"),
        ("org-1/../../elsewhere/stolen.bin", "`..` segment"),
        ("org-1/./x.bin", "`.` segment"),
        ("org-1//x.bin", "empty segment"),
        ("org-1/x/", "empty segment"),
        ("org-1/..", "`..` segment"),
    ];
    for (key, why) in cases {
        // The devserver's own Vela presign: a signed policy whose starts-with `org-1/` the key
        // satisfies textually, and which names this very key.
        let post = devserver::vela::presign_for(&srv.config, "org-1", key, now);
        assert!(key.starts_with("org-1/"));
        let res = post_form(srv.s3, &post.url, &post.fields, File::Bytes(b"not yours"[..].into()), Some("http://127.0.0.1:5173")).await;
        assert_eq!(res.status, 400, "{key}: {}", res.text());
        assert_eq!(res.s3_code().as_deref(), Some("InvalidArgument"), "{key}: {}", res.text());
        let text = res.text();
        assert!(text.contains(why) && text.contains("<Message>"), "{key}: {text}");
        // The page can read the refusal cross-origin.
        assert_eq!(res.header("access-control-allow-origin"), Some("http://127.0.0.1:5173"), "{key}");
        assert!(all_s3_files(&srv).iter().all(|p| !p.ends_with("stolen.bin") && !p.ends_with("x.bin")), "{key}: {:?}", all_s3_files(&srv));
        assert_eq!(srv.object("org-2/stolen.bin").await, None, "{key}");
    }
    assert!(srv.stored_files().is_empty(), "{:?}", srv.stored_files());

    // A key that starts with `/` is a form the presigner would never make (the policy says
    // `org-1/`), so s3s refuses it on the policy; either way it is an S3 error and stores nothing.
    let mut post = devserver::vela::presign_for(&srv.config, "org-1", "org-1/x", now);
    post.fields.iter_mut().find(|(k, _)| k == "key").unwrap().1 = "/org-1/x".into();
    let res = post_form(srv.s3, &post.url, &post.fields, File::Bytes(b"x"[..].into()), None).await;
    assert!((400..500).contains(&res.status), "{}", res.text());
    assert!(res.s3_code().is_some(), "{}", res.text());
    assert!(srv.stored_files().is_empty(), "{:?}", srv.stored_files());

    // The same server still stores a good form, where it belongs.
    let post = devserver::vela::presign_for(&srv.config, "org-1", "org-1/fine.bin", now);
    let res = post_form(srv.s3, &post.url, &post.fields, File::Bytes(b"mine"[..].into()), None).await;
    assert_eq!(res.status, 204, "{}", res.text());
    assert_eq!(srv.object("org-1/fine.bin").await.map(|o| o.0), Some(4));
    assert_eq!(srv.stored_files().len(), 1, "{:?}", srv.stored_files());
}
