//! The embedded S3 server against presigned POST forms made by devserver's own presigner
//! (proven equal to boto3's in `s3_presign_boto3.rs`): a good form stores the object byte for
//! byte; expired, tampered, too-large, wrong-prefix and extra-field forms are each rejected with
//! an S3 XML `<Error><Code>` and store nothing; CORS on preflights and on errors.
//!
//! `cargo test -p devserver --test s3_post`

mod support;

use base64::Engine as _;
use devserver::sigv4::{self, Condition, Credentials, Presign};
use support::*;

const ORIGIN: &str = "http://127.0.0.1:5173";

fn embedded() -> Credentials<'static> {
    Credentials { access_key: devserver::s3::ACCESS_KEY, secret_key: devserver::s3::SECRET_KEY, region: devserver::s3::REGION }
}

/// A form for `key` under `org-1/`, signed at `now` for `expires` seconds, size range [1, max].
fn form(srv: &Server, key: &str, now: i64, expires: u64, max: u64) -> Presign {
    sigv4::presign_post(
        &embedded(),
        &format!("http://{}/{}", srv.s3, srv.config.s3_bucket),
        now,
        expires,
        vec![
            Condition::eq("bucket", srv.config.s3_bucket.clone()),
            Condition::starts_with("key", "org-1/"),
            Condition::ContentLengthRange { min: 1, max },
        ],
        vec![("key".into(), key.into())],
    )
}

fn set(fields: &mut [(String, String)], name: &str, value: String) {
    fields.iter_mut().find(|(k, _)| k == name).unwrap().1 = value;
}

/// Asserts a rejection: 4xx, an S3 XML error whose code is one of `codes`, and nothing stored.
fn assert_rejected(srv: &Server, res: &Resp, codes: &[&str], what: &str) {
    assert!((400..500).contains(&res.status), "{what}: status {} {}", res.status, res.text());
    let code = res.s3_code().unwrap_or_else(|| panic!("{what}: no <Error><Code> in {}", res.text()));
    assert!(codes.contains(&code.as_str()), "{what}: code {code}, expected one of {codes:?}: {}", res.text());
    assert!(srv.stored_files().is_empty(), "{what}: stored {:?}", srv.stored_files());
}

#[tokio::test]
async fn good_form_stores_the_object_byte_exact() {
    let srv = start(&[]).await;
    let post = form(&srv, "org-1/a.bin", sigv4::now_unix(), 600, 1 << 30);
    let len = 3 * 1024 * 1024 + 17;
    let res = post_form(srv.s3, &post.url, &post.fields, File::Random { seed: 1, len }, Some(ORIGIN)).await;
    assert_eq!(res.status, 204, "{}", res.text());
    // s3s 0.14.1 answers a 204 POST without ETag/Location headers (AWS sends them).
    assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN));
    assert!(res.header("access-control-expose-headers").unwrap().to_ascii_lowercase().contains("etag"));
    assert_eq!(srv.object("org-1/a.bin").await, Some((len, random_sha256(1, len))));
    // The file on disk is the object, nothing else.
    assert_eq!(srv.stored_files().len(), 1);
    // The vela-style presign (what the endpoint returns) works the same way.
    let post = devserver::vela::presign_for(&srv.config, "org-2", "org-2/b.bin", sigv4::now_unix());
    let res = post_form(srv.s3, &post.url, &post.fields, File::Bytes(b"hello"[..].into()), None).await;
    assert_eq!(res.status, 204, "{}", res.text());
    assert_eq!(srv.object("org-2/b.bin").await.map(|o| o.0), Some(5));
}

#[tokio::test]
async fn bad_forms_are_rejected_with_an_s3_error_and_store_nothing() {
    devserver::log::capture_start();
    // A wide skew window, so the expired form fails on its expiration, not on its date.
    let srv = start(&["--s3-max-skew-secs", "86400"]).await;
    let now = sigv4::now_unix();
    // 4 MiB bodies: the server rejects before reading the file, so this also proves the drain
    // (without it the client would see a reset instead of the XML).
    let big = || File::Random { seed: 9, len: 4 << 20 };

    let expired = form(&srv, "org-1/x", now - 7200, 3600, 1 << 30);
    let res = post_form(srv.s3, &expired.url, &expired.fields, big(), Some(ORIGIN)).await;
    assert_rejected(&srv, &res, &["AccessDenied"], "expired");
    assert!(res.text().contains("expired"), "{}", res.text());
    // The error is readable cross-origin.
    assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN));
    assert!(res.header("access-control-expose-headers").unwrap().to_ascii_lowercase().contains("x-amz-request-id"));

    let mut bad_sig = form(&srv, "org-1/x", now, 600, 1 << 30);
    let sig = bad_sig.field("x-amz-signature").unwrap().to_owned();
    let flipped = format!("{}{}", &sig[..63], if sig.ends_with('0') { '1' } else { '0' });
    set(&mut bad_sig.fields, "x-amz-signature", flipped);
    let res = post_form(srv.s3, &bad_sig.url, &bad_sig.fields, big(), None).await;
    assert_rejected(&srv, &res, &["SignatureDoesNotMatch"], "tampered signature");
    // The error never tells the right signature (nor, of course, the secret).
    assert!(!res.text().contains(&sig) && !res.text().contains(devserver::s3::SECRET_KEY), "{}", res.text());

    // A policy widened after signing: the signature no longer matches it.
    let mut bad_policy = form(&srv, "org-1/x", now, 600, 10);
    let b64 = base64::engine::general_purpose::STANDARD;
    let text = String::from_utf8(b64.decode(bad_policy.field("policy").unwrap()).unwrap()).unwrap();
    let widened = text.replace("[\"content-length-range\", 1, 10]", "[\"content-length-range\", 1, 1073741824]");
    assert_ne!(widened, text);
    set(&mut bad_policy.fields, "policy", b64.encode(widened));
    let res = post_form(srv.s3, &bad_policy.url, &bad_policy.fields, big(), None).await;
    assert_rejected(&srv, &res, &["SignatureDoesNotMatch"], "tampered policy");

    let small = form(&srv, "org-1/x", now, 600, 1000);
    let res = post_form(srv.s3, &small.url, &small.fields, File::Random { seed: 2, len: 1001 }, None).await;
    assert_rejected(&srv, &res, &["EntityTooLarge"], "too large");
    let res = post_form(srv.s3, &small.url, &small.fields, big(), None).await;
    assert_rejected(&srv, &res, &["EntityTooLarge"], "much too large");

    let mut wrong_prefix = form(&srv, "org-1/x", now, 600, 1 << 30);
    set(&mut wrong_prefix.fields, "key", "org-2/x".into());
    let res = post_form(srv.s3, &wrong_prefix.url, &wrong_prefix.fields, big(), None).await;
    assert_rejected(&srv, &res, &["AccessDenied", "InvalidPolicyDocument"], "wrong prefix");

    let mut extra = form(&srv, "org-1/x", now, 600, 1 << 30);
    extra.fields.insert(1, ("x-amz-meta-note".into(), "not in the policy".into()));
    let res = post_form(srv.s3, &extra.url, &extra.fields, big(), None).await;
    assert_rejected(&srv, &res, &["AccessDenied", "InvalidPolicyDocument"], "extra field");

    let mut unsigned = form(&srv, "org-1/x", now, 600, 1 << 30);
    unsigned.fields.retain(|(k, _)| k != "x-amz-signature");
    let res = post_form(srv.s3, &unsigned.url, &unsigned.fields, big(), None).await;
    assert_rejected(&srv, &res, &["AccessDenied", "InvalidRequest", "InvalidPolicyDocument"], "unsigned");

    // One log line per request, none with a signature, a policy or the secret.
    let lines = devserver::log::captured();
    assert!(lines.iter().filter(|l| l.contains("\"POST\"")).count() >= 8, "{lines:?}");
    for l in &lines {
        assert!(!l.contains(&sig) && !l.contains(devserver::s3::SECRET_KEY) && !l.contains("eyJ"), "{l}");
    }

    // After all that, a good form on the same server still works.
    let good = form(&srv, "org-1/ok", now, 600, 1 << 30);
    let res = post_form(srv.s3, &good.url, &good.fields, File::Bytes(b"ok"[..].into()), None).await;
    assert_eq!(res.status, 204, "{}", res.text());
}

#[tokio::test]
async fn clock_skew_window_is_configurable() {
    let now = sigv4::now_unix();
    // Signed an hour ago, valid for two: AWS would accept it; the skew window decides here.
    let strict = start(&["--s3-max-skew-secs", "60"]).await;
    let post = form(&strict, "org-1/s", now - 3600, 7200, 1 << 30);
    let res = post_form(strict.s3, &post.url, &post.fields, File::Bytes(b"x"[..].into()), None).await;
    assert_rejected(&strict, &res, &["RequestTimeTooSkewed", "AccessDenied"], "outside the skew window");

    let lenient = start(&["--s3-max-skew-secs", "7200"]).await;
    let post = form(&lenient, "org-1/s", now - 3600, 7200, 1 << 30);
    let res = post_form(lenient.s3, &post.url, &post.fields, File::Bytes(b"x"[..].into()), None).await;
    assert_eq!(res.status, 204, "{}", res.text());
}

#[tokio::test]
async fn cors_preflight_for_allowed_origins_only() {
    let srv = start(&["--cors-origin", ORIGIN]).await;
    let path = format!("/{}", srv.config.s3_bucket);
    let res = request(
        srv.s3,
        "OPTIONS",
        &path,
        &[("origin", ORIGIN), ("access-control-request-method", "POST"), ("access-control-request-headers", "content-type")],
        empty(),
    )
    .await;
    assert!(res.status == 200 || res.status == 204, "{}", res.status);
    assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN));
    assert!(res.header("access-control-allow-methods").unwrap().contains("POST"));
    assert_eq!(res.header("access-control-allow-headers"), Some("content-type"));

    let res = request(
        srv.s3,
        "OPTIONS",
        &path,
        &[("origin", "http://127.0.0.1:9"), ("access-control-request-method", "POST")],
        empty(),
    )
    .await;
    assert_eq!(res.status, 403);
    assert_eq!(res.header("access-control-allow-origin"), None);
    assert_eq!(res.s3_code().as_deref(), Some("CORSResponse"));
}

#[tokio::test]
async fn s3_errors_carry_cors_headers() {
    let srv = start(&[]).await;
    // Any S3 error, e.g. an anonymous GET of a missing object, is readable by the page.
    let res = request(srv.s3, "GET", &format!("/{}/org-1/none", srv.config.s3_bucket), &[("origin", ORIGIN)], empty()).await;
    assert!((400..500).contains(&res.status), "{}", res.status);
    assert!(res.s3_code().is_some(), "{}", res.text());
    assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN));
    assert!(res.header("access-control-expose-headers").unwrap().to_ascii_lowercase().contains("etag"));
}

/// 20 uploads of 64 MiB of random bytes, the input that trips s3s's multipart boundary bug
/// when body frames are not split. Streamed: no copy of a file is held by the test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_random_64_mib_uploads_all_succeed() {
    let srv = start(&[]).await;
    const LEN: u64 = 64 << 20;
    let started = std::time::Instant::now();
    for seed in 0..20u64 {
        let key = format!("org-1/random-{seed}.bin");
        let post = form(&srv, &key, sigv4::now_unix(), 600, 1 << 30);
        let t = std::time::Instant::now();
        let res = post_form(srv.s3, &post.url, &post.fields, File::Random { seed: 1000 + seed, len: LEN }, None).await;
        assert_eq!(res.status, 204, "upload {seed}: {}", res.text());
        let up = t.elapsed();
        let stored = srv.object(&key).await.expect("stored");
        assert_eq!(stored, (LEN, random_sha256(1000 + seed, LEN)), "upload {seed}");
        // Keep the disk use small: the object is checked, remove it.
        std::fs::remove_file(devserver::s3::object_path(&srv.config, &key).unwrap()).unwrap();
        eprintln!("upload {seed}: 64 MiB in {:.2}s", up.as_secs_f64());
    }
    eprintln!("20 x 64 MiB random uploads (incl. hashing both sides): {:.1}s", started.elapsed().as_secs_f64());
}
