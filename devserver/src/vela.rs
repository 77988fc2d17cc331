//! The Vela API emulation (Botlhale, seed 003), on the main HTTP port.
//!
//! - `POST /asr/async/upload/vela` with `{org_id, metadata?: {email, date_of_call}}` →
//!   `{url, fields}`: a SigV4 POST policy for the embedded S3 server (or the `--s3-endpoint`
//!   store), with `content-length-range`, `starts-with $key "<org_id>/"`, an expiration and an
//!   `eq` condition for every other field. Past the org's minute allocation it answers 403
//!   `minute_allocation_exceeded`.
//! - `POST /chat/upload/vela` with the seed's chat JSON → `{status, message, chat_id,
//!   processing_status}`; the chat is stored as a talk with method `VelaChat` (`/api/talks`),
//!   its id is the `chat_id`.
//! - `GET /api/objects/{key}` → `{key, bytes, sha256}` of an object in the embedded bucket
//!   (unauthenticated, like the rest of `/api`), so tests and the demo can check what S3 stored.
//!
//! Both Vela endpoints take `Authorization: Bearer <token>`, any `--api-key` or `--iam-token`.
//! Bodies are checked with the browser package's own validators (`talk_uploader::validate`,
//! kinds `vela-call-metadata` and `vela-chat`); a rejected body gets 400 with the issues
//! (`code, message, path, line, column`).
//!
//! **Minutes** are counted after upload, from the audio itself: an org's usage is the summed
//! duration of the objects under `<org_id>/` in the embedded bucket, read from their headers by
//! `talk_uploader::audio::sniff` (an object whose duration cannot be read counts 0). A presign is
//! refused once usage ≥ `--vela-minutes`. So the call that crosses the allocation is accepted,
//! and the next presign is refused, as a real service that meters finished calls would. With an
//! external store (`--s3-endpoint`) the objects are out of reach and minutes are not counted.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde_json::{json, Value};
use talk_uploader::validate::{validate, Report, ValidateOptions, ValidationKind};

use crate::auth::{self, Schemes};
use crate::config::Config;
use crate::sigv4::{self, Condition, Credentials, Presign};
use crate::store::{self, StoredMessage, StoredUser, Talk};
use crate::AppState;

/// The routes of this module.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/asr/async/upload/vela", post(presign))
        .route("/chat/upload/vela", post(chat))
        .route("/api/objects/{*key}", get(object_info))
        .route("/api/presign/batch", post(presign_batch))
        .with_state(state)
}

/// A JSON error answer: `{error, message, ...extra}`. Never carries a credential.
fn error(status: StatusCode, code: &str, message: impl Into<String>, extra: Value) -> Response {
    let mut body = json!({ "error": code, "message": message.into() });
    if let (Some(b), Value::Object(extra)) = (body.as_object_mut(), extra) {
        b.extend(extra);
    }
    (status, Json(body)).into_response()
}

fn invalid(report: &Report) -> Response {
    let first = report.errors.first().map(|i| i.message.clone()).unwrap_or_default();
    error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        format!("the request body is not valid: {first}"),
        json!({ "errors": report.errors, "warnings": report.warnings }),
    )
}

fn internal(e: impl std::fmt::Display) -> Response {
    crate::log::emit(&json!({ "event": "vela_error", "error": e.to_string() }));
    error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error", Value::Null)
}

fn authorize(config: &Config, headers: &HeaderMap) -> Result<(), Response> {
    let header = headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    auth::check(config, header, Schemes::VelaBearer).map_err(|e| {
        let mut res = error(StatusCode::UNAUTHORIZED, "unauthorized", format!("{e}; Vela takes `Authorization: Bearer <token>`"), Value::Null);
        res.headers_mut().insert(http::header::WWW_AUTHENTICATE, http::HeaderValue::from_static("Bearer"));
        res
    })
}

/// An `org_id` becomes the key prefix `<org_id>/`, so it must be one safe path segment.
pub fn org_id_problem(org_id: &str) -> Option<&'static str> {
    if org_id.is_empty() || org_id.len() > 128 {
        Some("must be 1 to 128 characters")
    } else if org_id == "." || org_id == ".." {
        Some("must not be `.` or `..`")
    } else if !org_id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) {
        Some("may only hold ASCII letters, digits, `-`, `_` and `.`, because it becomes the object key prefix")
    } else {
        None
    }
}

fn org_id_error(org_id: &str, why: &str) -> Response {
    let message = format!("`org_id` \"{org_id}\" {why}");
    error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        format!("the request body is not valid: {message}"),
        json!({ "errors": [{ "code": "invalid_org_id", "message": message, "path": "/org_id", "line": null, "column": null }], "warnings": [] }),
    )
}

async fn presign(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(res) = authorize(&state.config, &headers) {
        return res;
    }
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    // `metadata` is optional (seed 003); when it is there, or when the body is not even an
    // object, the shared validator judges the whole body and places every issue.
    let needs_shared = match &parsed {
        Some(Value::Object(m)) => ["metadata", "email", "date_of_call"].iter().any(|k| m.contains_key(*k)),
        _ => true,
    };
    if needs_shared {
        let report = validate(&body, &ValidateOptions::new(ValidationKind::VelaCallMetadata));
        if !report.ok {
            return invalid(&report);
        }
    }
    let org_id = match parsed.as_ref().and_then(|v| v.get("org_id")) {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return org_id_error("", "must be a string"),
        None => return org_id_error("", "is required: the organisation that submits the call"),
    };
    if let Some(why) = org_id_problem(&org_id) {
        return org_id_error(&org_id, why);
    }

    let config = &state.config;
    if config.s3_external.is_none() {
        let allocation = config.vela_minutes_per_org;
        let dir = org_dir(config, &org_id);
        let used = match tokio::task::spawn_blocking(move || minutes_used(&dir)).await {
            Ok(m) => m,
            Err(e) => return internal(e),
        };
        if used >= allocation as f64 {
            return error(
                StatusCode::FORBIDDEN,
                "minute_allocation_exceeded",
                format!(
                    "organisation \"{org_id}\" has used {used:.1} of its {allocation} minute allocation: no more calls can be uploaded until the allocation is raised"
                ),
                json!({ "org_id": org_id, "minutes_used": (used * 10.0).round() / 10.0, "minute_allocation": allocation }),
            );
        }
    }
    let key = format!("{org_id}/{}", store::new_talk_id());
    Json(presign_for(config, &org_id, &key, sigv4::now_unix())).into_response()
}

/// The presigned POST for one call of `org_id`, stored as `key`: for the embedded server, or
/// for `--s3-endpoint` when one is configured.
pub fn presign_for(config: &Config, org_id: &str, key: &str, now_unix: i64) -> Presign {
    presign_up_to(config, org_id, key, now_unix, crate::s3::MAX_CALL_BYTES)
}

/// The presigned POST for `key` under `<org_id>/`, allowing at most `cap` bytes (and never more
/// than the server takes).
pub fn presign_up_to(config: &Config, org_id: &str, key: &str, now_unix: i64, cap: u64) -> Presign {
    let (url, creds, bucket, max) = match &config.s3_external {
        Some(ext) => (
            format!("{}/{}", ext.endpoint.trim_end_matches('/'), ext.bucket),
            Credentials { access_key: &ext.access_key, secret_key: &ext.secret_key, region: &ext.region },
            ext.bucket.as_str(),
            config.presign_max_bytes,
        ),
        None => (
            // The page reaches the S3 port on the same loopback address as the API.
            format!("http://{}/{}", s3_public_addr(config), config.s3_bucket),
            Credentials { access_key: crate::s3::ACCESS_KEY, secret_key: crate::s3::SECRET_KEY, region: crate::s3::REGION },
            config.s3_bucket.as_str(),
            crate::s3::max_object_bytes(config),
        ),
    };
    sigv4::presign_post(
        &creds,
        &url,
        now_unix,
        config.presign_expires_secs,
        vec![
            Condition::eq("bucket", bucket),
            Condition::starts_with("key", format!("{org_id}/")),
            Condition::ContentLengthRange { min: 1, max: max.min(cap) },
        ],
        vec![("key".into(), key.into())],
    )
}

/// `POST /api/presign/batch` `{org_id, filename, size}`: a presigned POST for a Vela batch zip
/// (Vela documents no batch API; its web UI uploads them), allowing up to 3,000,000,000 bytes.
async fn presign_batch(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(res) = authorize(&state.config, &headers) {
        return res;
    }
    let bad = |message: String, path: &str| {
        error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("the request body is not valid: {message}"),
            json!({ "errors": [{ "code": "invalid_request", "message": message, "path": path, "line": null, "column": null }], "warnings": [] }),
        )
    };
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return bad("expected a JSON object {org_id, filename, size}".into(), "");
    };
    let org_id = match body.get("org_id") {
        Some(Value::String(s)) => s.clone(),
        _ => return org_id_error("", "is required: the organisation the batch belongs to"),
    };
    if let Some(why) = org_id_problem(&org_id) {
        return org_id_error(&org_id, why);
    }
    let filename = match body.get("filename") {
        Some(Value::String(s)) if s.to_ascii_lowercase().ends_with(".zip") && !s.contains(['/', '\\']) && s.len() <= 200 => s.clone(),
        _ => return bad("`filename` must be the zip's file name, ending in .zip, without folders".into(), "/filename"),
    };
    let max = talk_uploader::zip::MAX_ZIP_BYTES;
    let size = match body.get("size").and_then(Value::as_u64) {
        Some(n) if (1..=max).contains(&n) => n,
        _ => return bad(format!("`size` must be the zip's size in bytes, 1 to {max} (Vela takes batches of at most 3 GB)"), "/size"),
    };
    let safe: String = filename.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    let key = format!("{org_id}/batches/{}-{safe}", store::new_talk_id());
    let post = presign_up_to(&state.config, &org_id, &key, sigv4::now_unix(), max);
    crate::log::emit(&json!({ "event": "batch_presign", "org_id": org_id, "size": size, "key": key }));
    Json(post).into_response()
}

/// The S3 address as a page should use it. `run()` rewrites `config.s3_listen` to the bound
/// address (port 0 resolved); an unspecified IP (0.0.0.0) is shown as loopback.
pub fn s3_public_addr(config: &Config) -> std::net::SocketAddr {
    let mut addr = config.s3_listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    addr
}

fn org_dir(config: &Config, org_id: &str) -> PathBuf {
    crate::s3::root_dir(config).join(&config.s3_bucket).join(org_id)
}

/// Minutes of audio stored under `dir` (recursively), from each object's header.
pub fn minutes_used(dir: &FsPath) -> f64 {
    let mut total = 0.0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if name.to_string_lossy().starts_with(".tmp.") {
                continue; // s3s-fs's upload in progress
            }
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(t) if t.is_file() => total += audio_seconds(&path).unwrap_or(0.0) / 60.0,
                _ => {}
            }
        }
    }
    total
}

/// The duration of one stored object, read through the package's [`Sniffer`]
/// (talk_uploader::audio::Sniffer), so an MP3 whose cover art pushes its first frame past
/// 64 KiB counts its real minutes, as it does in the browser.
fn audio_seconds(path: &FsPath) -> Option<f64> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path).ok()?;
    let size = f.metadata().ok()?.len();
    let read = |start: u64, end: u64| -> std::io::Result<Vec<u8>> {
        let mut buf = Vec::new();
        f.seek(SeekFrom::Start(start))?;
        (&mut f).take(end - start).read_to_end(&mut buf)?;
        Ok(buf)
    };
    talk_uploader::audio::sniff_with(size, read).ok()?.ok()?.duration_sec
}

async fn chat(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(res) = authorize(&state.config, &headers) {
        return res;
    }
    let report = validate(&body, &ValidateOptions::new(ValidationKind::VelaChat));
    if !report.ok {
        return invalid(&report);
    }
    let Ok(doc) = serde_json::from_slice::<Value>(&body) else {
        return internal("a body the validator accepted did not parse");
    };
    let talk = chat_talk(&doc);
    let chat_id = talk.id.clone();
    let store = state.store.clone();
    match tokio::task::spawn_blocking(move || store.insert(&talk, None)).await {
        Ok(Ok(())) => Json(json!({
            "status": "success",
            "message": "Chat data uploaded successfully",
            "chat_id": chat_id,
            "processing_status": "queued",
            "warnings": report.warnings,
        }))
        .into_response(),
        Ok(Err(e)) => internal(e),
        Err(e) => internal(e),
    }
}

/// The stored form of a validated Vela chat: `connection_id` is the org, the session fields and
/// the chat `metadata` (prefixed `metadata.`) become fields, senders become users.
fn chat_talk(doc: &Value) -> Talk {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let cd = &doc["chat_data"];
    let mut fields = std::collections::BTreeMap::new();
    for k in ["session_id", "agent_id", "customer_id", "start_time", "end_time"] {
        if let Some(v) = cd.get(k).filter(|v| !v.is_null()) {
            fields.insert(k.to_owned(), text(v));
        }
    }
    if let Some(Value::Object(m)) = doc.get("metadata") {
        for (k, v) in m {
            fields.insert(format!("metadata.{k}"), text(v));
        }
    }
    let messages: Vec<StoredMessage> = cd["messages"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| StoredMessage { user_id: text(&m["sender"]), timestamp: text(&m["timestamp"]), text: text(&m["content"]) })
                .collect()
        })
        .unwrap_or_default();
    let mut users: Vec<StoredUser> = Vec::new();
    for m in &messages {
        if !users.iter().any(|u| u.id == m.user_id) {
            let role = match m.user_id.as_str() {
                "agent" => "USER_ROLE_OPERATOR",
                "customer" => "USER_ROLE_CLIENT",
                "bot" => "USER_ROLE_BOT",
                _ => "USER_ROLE_UNSPECIFIED",
            };
            users.push(StoredUser { id: m.user_id.clone(), role: role.into(), fields: Default::default() });
        }
    }
    Talk {
        id: format!("vela_chat_{}", store::new_talk_id()),
        method: "VelaChat".into(),
        connection_id: text(&doc["org_id"]),
        fields,
        users,
        messages,
        audio: None,
        created_at_ms: store::now_ms(),
    }
}

async fn object_info(State(state): State<Arc<AppState>>, Path(key): Path<String>) -> Response {
    let Some(path) = crate::s3::object_path(&state.config, &key) else {
        return error(StatusCode::BAD_REQUEST, "invalid_key", format!("`{key}` is not a key of the embedded bucket"), Value::Null);
    };
    let result = tokio::task::spawn_blocking(move || -> std::io::Result<(u64, String)> {
        use sha2::Digest;
        use std::io::Read;
        let mut f = std::fs::File::open(&path)?;
        if !f.metadata()?.is_file() {
            return Err(std::io::ErrorKind::NotFound.into());
        }
        let (mut hasher, mut buf, mut n) = (sha2::Sha256::new(), vec![0u8; 1 << 20], 0u64);
        loop {
            let r = f.read(&mut buf)?;
            if r == 0 {
                break;
            }
            hasher.update(&buf[..r]);
            n += r as u64;
        }
        Ok((n, hex::encode(hasher.finalize())))
    })
    .await;
    match result {
        Ok(Ok((bytes, sha256))) => Json(json!({ "key": key, "bytes": bytes, "sha256": sha256 })).into_response(),
        Ok(Err(e)) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::IsADirectory) => {
            error(StatusCode::NOT_FOUND, "no_such_key", format!("no object with key `{key}`"), Value::Null)
        }
        Ok(Err(e)) => internal(e),
        Err(e) => internal(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_ids_that_are_safe_key_prefixes() {
        assert_eq!(org_id_problem("org-1_a.b"), None);
        for bad in ["", ".", "..", "a/b", "a b", "é", &"x".repeat(129)] {
            assert!(org_id_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn presign_policy_has_every_condition() {
        let c = Config::from_args(["--s3-listen", "127.0.0.1:9999"].map(String::from)).unwrap();
        let p = presign_for(&c, "org-1", "org-1/x", 1_714_979_289);
        assert_eq!(p.url, "http://127.0.0.1:9999/talk-uploads");
        use base64::Engine as _;
        let policy = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(p.field("policy").unwrap()).unwrap()).unwrap();
        assert!(policy.contains(r#"["starts-with", "$key", "org-1/"]"#), "{policy}");
        assert!(policy.contains(r#"["content-length-range", 1, 1073741824]"#), "{policy}");
        assert!(policy.contains(r#"{"bucket": "talk-uploads"}"#), "{policy}");
        assert!(policy.contains(r#""expiration": "2024-05-06T08:08:09Z""#), "{policy}");
    }

    #[test]
    fn external_store_gets_path_style_url_and_its_credentials() {
        let c = Config::from_args(
            ["--s3-endpoint", "http://127.0.0.1:9000/", "--s3-access-key", "minio", "--s3-secret-key", "SECRETVALUE", "--s3-bucket", "calls", "--s3-region", "eu-west-1"]
                .map(String::from),
        )
        .unwrap();
        let p = presign_for(&c, "o", "o/k", 0);
        assert_eq!(p.url, "http://127.0.0.1:9000/calls");
        assert_eq!(p.field("x-amz-credential"), Some("minio/19700101/eu-west-1/s3/aws4_request"));
        assert!(!serde_json::to_string(&p).unwrap().contains("SECRETVALUE"));
    }
}
