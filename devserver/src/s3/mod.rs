//! The embedded S3 server: `s3s` + `s3s-fs` 0.14.1 on its own port (`--s3-listen`), storing
//! objects under `<data-dir>/s3/<bucket>/<key>`. It is the only available server that really
//! verifies SigV4 POST policies (signature, expiration, `content-length-range`,
//! `starts-with $key`, `eq` conditions, fields missing from the policy), so a client that builds
//! its form wrongly fails here as it would on AWS.
//!
//! Around s3s this adds what s3s lacks (one concern per file):
//! - [`body`]: body frames split to ≤ 60 KiB (s3s's multipart boundary bug) and the unread
//!   body drained on early rejection, so the client sees the XML error instead of a reset;
//! - [`cors`]: `OPTIONS` preflights and `Access-Control-*` headers on every response;
//! - [`keys`]: object keys with `..`, `.`, empty segments or a leading `/` are refused
//!   (`InvalidArgument`) before s3s-fs normalises them into another prefix;
//! - a configurable clock-skew window (`--s3-max-skew-secs`) and an object size cap, because
//!   s3s holds a POSTed file in memory before writing it;
//! - the shared layers: fault injection for POSTs (`faults.rs`) and one log line per request
//!   (`log.rs`), served by `serve.rs` so that a `reset` fault really cuts the connection.
//!
//! Embedded credentials are fixed, like MinIO's defaults: [`ACCESS_KEY`] / [`SECRET_KEY`] in
//! region [`REGION`]. This is a local development server; the secret still never reaches a log.
//!
//! ```text
//! let listener = tokio::net::TcpListener::bind(config.s3_listen).await?;
//! devserver::serve::serve(listener, s3::router(&config)?, config.serve_options(), shutdown).await?;
//! ```

pub mod body;
pub mod cors;
pub mod keys;

use std::convert::Infallible;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderValue, Request, Response, StatusCode};
use s3s::auth::SimpleAuth;
use s3s::config::{S3Config, StaticConfigProvider};
use s3s::service::{S3Service, S3ServiceBuilder};

use crate::config::Config;

/// Access key id of the embedded server.
pub const ACCESS_KEY: &str = "devserver-access-key";
/// Secret key of the embedded server (a local development credential, like MinIO's defaults).
pub const SECRET_KEY: &str = "devserver-secret-key";
/// Signing region of the embedded server.
pub const REGION: &str = "us-east-1";
/// Largest object the embedded server accepts by POST: a Vela batch zip of 3 GB
/// (`talk_uploader::zip::MAX_ZIP_BYTES`). s3s holds the whole POSTed file in memory before
/// writing it, so this also bounds the server's memory per upload.
pub const MAX_OBJECT_BYTES: u64 = talk_uploader::zip::MAX_ZIP_BYTES;
/// Largest call recording a Vela presign allows (the batch route allows [`MAX_OBJECT_BYTES`]).
pub const MAX_CALL_BYTES: u64 = 1 << 30;
/// How long the server keeps reading (and discarding) a body that s3s rejected early.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(120);

/// Where the embedded server keeps its buckets.
pub fn root_dir(config: &Config) -> PathBuf {
    config.data_dir.join("s3")
}

/// The object size limit of the embedded server: `--presign-max-bytes`, but at most
/// [`MAX_OBJECT_BYTES`]. The presigner puts the same number in `content-length-range`, so the
/// policy and the server agree.
pub fn max_object_bytes(config: &Config) -> u64 {
    config.presign_max_bytes.min(MAX_OBJECT_BYTES)
}

/// The file of `key` in the embedded bucket, or `None` for a key that could escape the bucket
/// (`..`, absolute, empty segments) or names s3s-fs's internal files.
pub fn object_path(config: &Config, key: &str) -> Option<PathBuf> {
    if keys::key_problem(key).is_some() {
        return None;
    }
    let rel = Path::new(key);
    // Belt and braces: the same rule, as the platform's path parser sees it.
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    Some(root_dir(config).join(&config.s3_bucket).join(rel))
}

/// The s3s service over s3s-fs, with auth, size cap and skew window configured.
#[derive(Clone)]
pub struct S3Server {
    service: S3Service,
}

impl S3Server {
    /// Creates the storage directories and the s3s service for `config`.
    pub fn new(config: &Config) -> std::io::Result<Self> {
        let root = root_dir(config);
        std::fs::create_dir_all(root.join(&config.s3_bucket))?;
        let fs = s3s_fs::FileSystem::new(&root).map_err(|e| std::io::Error::other(format!("embedded S3 storage: {e:?}")))?;

        let mut s3_config = S3Config::default();
        s3_config.post_object_max_file_size = max_object_bytes(config);
        s3_config.presigned_url_max_skew_time_secs =
            u32::try_from(config.s3_max_skew_secs).unwrap_or(u32::MAX);

        let mut builder = S3ServiceBuilder::new(fs);
        builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        builder.set_access(keys::KeyGuard);
        builder.set_config(Arc::new(StaticConfigProvider::new(Arc::new(s3_config))));
        Ok(Self { service: builder.build() })
    }

    /// Hands one request to s3s with its body split into small frames, then drains what s3s
    /// left unread before the answer goes out.
    pub async fn handle(&self, req: Request<axum::body::Body>) -> Response<axum::body::Body> {
        let content_length = req
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let (parts, incoming) = req.into_parts();
        let (split, pump) = body::split_body(incoming, content_length);
        let result = self.service.call(Request::from_parts(parts, s3s::Body::http_body(split))).await;
        // s3s has dropped the body by now; read what it left so the client is not reset.
        let outcome = pump.finish(DRAIN_TIMEOUT).await;
        let mut res = match result {
            Ok(res) => res.map(axum::body::Body::new),
            Err(_) => xml_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "We encountered an internal error. Please try again.",
            ),
        };
        if !matches!(outcome, body::PumpOutcome::Complete { .. }) {
            res.headers_mut().insert(http::header::CONNECTION, HeaderValue::from_static("close"));
        }
        res
    }
}

/// An S3 XML error response.
fn xml_error(status: StatusCode, code: &str, message: &str) -> Response<axum::body::Body> {
    let mut res = Response::new(axum::body::Body::from(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )));
    *res.status_mut() = status;
    res.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/xml"));
    res
}

/// The S3 port as an axum router, to be served by [`crate::serve::serve`] (so that a `reset`
/// fault can cut the connection). From the outside in: one log line per request (the query
/// string, where a presigned GET carries its signature, is never logged), CORS, fault
/// injection for POSTs, then s3s.
pub fn router(config: &Config) -> std::io::Result<axum::Router> {
    let server = S3Server::new(config)?;
    let service = tower::service_fn(move |req: Request<axum::body::Body>| {
        let server = server.clone();
        async move { Ok::<_, Infallible>(server.handle(req).await) }
    });
    let config = Arc::new(config.clone());
    Ok(axum::Router::new()
        .fallback_service(service)
        .layer(crate::faults::layer(config.faults.clone(), crate::faults::Target::Posts))
        .layer(cors::layer(&config))
        .layer(axum::middleware::from_fn_with_state(config, cors::preflight_status))
        .layer(crate::log::LogLayer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_paths_stay_inside_the_bucket() {
        let c = Config::from_args(["--data-dir", "/d"].map(String::from)).unwrap();
        assert_eq!(object_path(&c, "org/a.wav"), Some(PathBuf::from("/d/s3/talk-uploads/org/a.wav")));
        for bad in ["", "/etc/passwd", "../x", "org/../../x", "org//x", "./x", "org/.tmp.1.internal.part", "a\\b"] {
            assert_eq!(object_path(&c, bad), None, "{bad}");
        }
    }

    #[test]
    fn size_cap_follows_presign_max_bytes_but_bounds_memory() {
        let c = Config::from_args(Vec::<String>::new()).unwrap();
        assert_eq!(max_object_bytes(&c), MAX_OBJECT_BYTES);
        let c = Config::from_args(["--presign-max-bytes", "1000"].map(String::from)).unwrap();
        assert_eq!(max_object_bytes(&c), 1000);
    }
}
