//! `POST /s3/presign` with `{filename, size, contentType}` answers `{url, fields, key}`: a SigV4
//! POST policy for the configured bucket (the package's `s3_post::sign`), so the browser posts
//! the file straight to S3. The key lies under the ticket's `s3_prefix`; the policy pins the key,
//! the content type and the exact size (at most the ticket's `max_bytes`) and expires after
//! [`EXPIRES_SECS`].
//!
//! ```text
//! POST /s3/presign  authorization: Bearer <ticket>
//! {"filename":"call-17.wav","size":123456,"contentType":"audio/wav"}
//! -> {"url":"https://s3.../bucket","fields":{"key":"tenant-7/…/call-17.wav","Content-Type":"audio/wav",…},"key":"tenant-7/…/call-17.wav"}
//! ```

use std::sync::Arc;

use axum::extract::{Request, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};
use talk_uploader::s3_post::sign::{self, Condition, Credentials, OrderedFields};

use crate::log::RequestLog;
use crate::State;

/// Lifetime of a presigned form: long enough to start the upload, short enough not to matter
/// if it leaks.
pub const EXPIRES_SECS: u64 = 300;

#[derive(Serialize)]
struct Answer<'a> {
    url: &'a str,
    fields: OrderedFields<'a>,
    key: &'a str,
}

fn invalid(pointer: &str, message: impl Into<String>) -> Response {
    let message = message.into();
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": "invalid_request", "message": message, "path": pointer, "line": null, "column": null })),
    )
        .into_response()
}

/// Why a file name cannot be part of a key.
pub fn filename_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() || name.len() > 255 {
        Some("must be 1 to 255 bytes")
    } else if name == "." || name == ".." {
        Some("must not be `.` or `..`")
    } else if name.chars().any(|c| c.is_control() || c == '/' || c == '\\') {
        Some("must not contain `/`, `\\` or control characters")
    } else {
        None
    }
}

/// `POST /s3/presign`.
pub async fn presign(AxState(state): AxState<Arc<State>>, req: Request) -> Response {
    let log = req.extensions().get::<RequestLog>().cloned().unwrap_or_default();
    let Some(s3) = state.config.s3.clone() else {
        return crate::json_error(StatusCode::NOT_FOUND, "not_found", "S3 presigning is not configured on this gateway");
    };
    let claims = match crate::vela::authorize(&state, &req, &log) {
        Ok(c) => c,
        Err(res) => return res,
    };
    let Some(prefix) = claims.s3_prefix.clone().filter(|p| !p.is_empty()) else {
        log.set("refused", "s3_prefix");
        return crate::json_error(StatusCode::FORBIDDEN, "permission_denied", "the upload ticket has no s3_prefix, so it may not presign S3 uploads");
    };
    let (_, doc) = match crate::vela::read_json(req, &log).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let filename = match doc.get("filename") {
        Some(Value::String(s)) => s.clone(),
        _ => return invalid("/filename", "`filename` is required and must be a string"),
    };
    if let Some(why) = filename_problem(&filename) {
        return invalid("/filename", format!("`filename` {why}"));
    }
    let Some(size) = doc.get("size").and_then(Value::as_u64).filter(|s| *s > 0) else {
        return invalid("/size", "`size` is required: the file's size in bytes, a positive integer");
    };
    let content_type = match doc.get("contentType") {
        Some(Value::String(s)) if is_media_type(s) => s.clone(),
        Some(_) => return invalid("/contentType", "`contentType` must be a media type such as audio/wav"),
        None => "application/octet-stream".to_owned(),
    };
    let limit = claims.max_bytes.map_or(state.config.max_upload_bytes, |m| m.min(state.config.max_upload_bytes));
    if size > limit {
        log.set("refused", "limit");
        return crate::json_error(
            StatusCode::FORBIDDEN,
            "permission_denied",
            format!("the file is {size} bytes, over the {limit}-byte limit of this gateway and ticket (max_bytes)"),
        );
    }
    let key = format!("{prefix}{}/{filename}", uuid::Uuid::new_v4());
    let creds = Credentials { access_key: &s3.access_key, secret_key: &s3.secret_key, region: &s3.region };
    let post = sign::presign_post(
        &creds,
        &s3.url,
        sign::now_unix(),
        EXPIRES_SECS,
        vec![
            Condition::eq("bucket", s3.bucket.as_str()),
            Condition::eq("key", key.as_str()),
            Condition::eq("Content-Type", content_type.as_str()),
            Condition::ContentLengthRange { min: size, max: size },
        ],
        vec![("key".into(), key.clone()), ("Content-Type".into(), content_type)],
    );
    log.set("s3_key", key.as_str());
    Json(Answer { url: &post.url, fields: OrderedFields(&post.fields), key: &key }).into_response()
}

/// `type/subtype` of token characters, optionally with parameters; no CR/LF.
fn is_media_type(s: &str) -> bool {
    let main = s.split(';').next().unwrap_or("").trim();
    let token = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b));
    s.len() <= 255 && !s.bytes().any(|b| b.is_ascii_control()) && main.split_once('/').is_some_and(|(a, b)| token(a) && token(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_and_media_types() {
        assert_eq!(filename_problem("call 17.wav"), None);
        assert!(filename_problem("../x").is_some());
        assert!(filename_problem("a\nb").is_some());
        assert!(filename_problem("").is_some());
        assert!(is_media_type("audio/wav"));
        assert!(is_media_type("audio/ogg; codecs=opus"));
        assert!(!is_media_type("audio"));
        assert!(!is_media_type("audio/wav\r\nx: y"));
    }
}
