//! The HTTP API that tests and the demo page use to read what was stored.
//!
//! - `GET /api/talks`: every talk, oldest first, without messages.
//! - `GET /api/talks/{id}`: `{id, method, connectionId, fields, users, messages, audio}`.
//! - `GET /api/talks/{id}/audio`: the stored audio bytes.
//! - `GET /api/health`: `{"ok": true}`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::AppState;

/// The `/api` routes.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/health", get(|| async { Json(json!({ "ok": true })) }))
        .route("/api/talks", get(list))
        .route("/api/talks/{id}", get(one))
        .route("/api/talks/{id}/audio", get(audio))
        .with_state(state)
}

fn internal(e: impl std::fmt::Display) -> Response {
    crate::log::emit(&json!({ "event": "api_error", "error": e.to_string() }));
    (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({ "error": "internal error" }))).into_response()
}

fn not_found(id: &str) -> Response {
    (StatusCode::NOT_FOUND, Json(json!({ "error": format!("no talk with id `{id}`") }))).into_response()
}

async fn list(State(state): State<Arc<AppState>>) -> Response {
    let store = state.store.clone();
    match tokio::task::spawn_blocking(move || store.list()).await {
        Ok(Ok(talks)) => Json(talks).into_response(),
        Ok(Err(e)) => internal(e),
        Err(e) => internal(e),
    }
}

async fn one(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    let store = state.store.clone();
    let key = id.clone();
    match tokio::task::spawn_blocking(move || store.get(&key)).await {
        Ok(Ok(Some(talk))) => Json(talk).into_response(),
        Ok(Ok(None)) => not_found(&id),
        Ok(Err(e)) => internal(e),
        Err(e) => internal(e),
    }
}

async fn audio(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    let store = state.store.clone();
    let key = id.clone();
    let path = match tokio::task::spawn_blocking(move || store.audio_path(&key)).await {
        Ok(Ok(Some(p))) => p,
        Ok(Ok(None)) => return not_found(&id),
        Ok(Err(e)) => return internal(e),
        Err(e) => return internal(e),
    };
    match tokio::fs::File::open(&path).await {
        Ok(file) => {
            let stream = tokio_util_stream(file);
            Response::builder()
                .header("content-type", "application/octet-stream")
                .body(axum::body::Body::from_stream(stream))
                .unwrap_or_else(internal)
        }
        Err(e) => internal(e),
    }
}

/// Streams a file in 64 KiB reads without holding it in memory.
fn tokio_util_stream(
    file: tokio::fs::File,
) -> impl futures_core::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send {
    use tokio::io::AsyncReadExt;
    futures_util::stream::unfold(file, |mut f| async move {
        let mut buf = vec![0u8; 64 * 1024];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(bytes::Bytes::from(buf)), f))
            }
            Err(e) => Some((Err(e), f)),
        }
    })
}
