//! The Vela routes: `POST /vela/asr/async/upload/vela` (the presign request of a call) and
//! `POST /vela/chat/upload/vela` (a chat), forwarded to `--vela-upstream` with
//! `Authorization: Bearer <vela token>` from the environment. The ticket's `org_id` must equal
//! the body's `org_id`; the browser then posts the call's file straight to S3 with the presigned
//! form the Vela API returned, so audio bytes never pass through the gateway.
//!
//! A page sets `apiBase: "https://gateway.example.com/vela"` and `ticket` (or `token: ticket`).

use std::sync::Arc;

use axum::extract::{Request, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use serde_json::Value;

use crate::log::RequestLog;
use crate::ticket::{self, Claims};
use crate::{json_error, State};

/// Largest Vela request body (a chat document).
pub const MAX_JSON_BODY: usize = 32 * 1024 * 1024;

/// Checks the ticket of a JSON route: 401 with `WWW-Authenticate: Bearer` when it fails.
pub fn authorize(state: &State, req: &Request, log: &RequestLog) -> Result<Claims, Response> {
    let auth = req.headers().get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    ticket::bearer(auth)
        .and_then(|t| ticket::verify(&state.config.ticket_secret, t, ticket::now_unix()))
        .map_err(|e| {
            log.set("refused", "ticket");
            let mut res = json_error(StatusCode::UNAUTHORIZED, "unauthenticated", e.to_string());
            res.headers_mut().insert(http::header::WWW_AUTHENTICATE, http::HeaderValue::from_static("Bearer"));
            res
        })
}

/// Reads a JSON body of at most [`MAX_JSON_BODY`] bytes; 413 or 400 otherwise.
pub async fn read_json(req: Request, log: &RequestLog) -> Result<(Bytes, Value), Response> {
    let bytes = match Limited::new(req.into_body(), MAX_JSON_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            log.set("refused", "body_size");
            return Err(json_error(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", format!("the request body is over {MAX_JSON_BODY} bytes")));
        }
    };
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(v @ Value::Object(_)) => Ok((bytes, v)),
        _ => {
            log.set("refused", "bad_json");
            Err(json_error(StatusCode::BAD_REQUEST, "invalid_request", "the request body must be a JSON object"))
        }
    }
}

/// `POST /vela/asr/async/upload/vela`.
pub async fn presign(AxState(state): AxState<Arc<State>>, req: Request) -> Response {
    forward(state, req, "/asr/async/upload/vela").await
}

/// `POST /vela/chat/upload/vela`.
pub async fn chat(AxState(state): AxState<Arc<State>>, req: Request) -> Response {
    forward(state, req, "/chat/upload/vela").await
}

async fn forward(state: Arc<State>, req: Request, suffix: &str) -> Response {
    let log = req.extensions().get::<RequestLog>().cloned().unwrap_or_default();
    let Some(vela) = state.config.vela.clone() else {
        return json_error(StatusCode::NOT_FOUND, "not_found", "Vela is not configured on this gateway");
    };
    let Ok(_permit) = state.permits.clone().try_acquire_owned() else {
        return json_error(StatusCode::SERVICE_UNAVAILABLE, "busy", "the gateway is at its request limit; retry shortly");
    };
    let claims = match authorize(&state, &req, &log) {
        Ok(c) => c,
        Err(res) => return res,
    };
    let (bytes, doc) = match read_json(req, &log).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let body_org = doc.get("org_id").and_then(Value::as_str);
    log.set("org_id", body_org.unwrap_or(""));
    match (body_org, claims.org_id.as_deref()) {
        (None, _) => {
            log.set("refused", "org");
            return json_error(StatusCode::BAD_REQUEST, "invalid_request", "`org_id` is required: the organisation that uploads");
        }
        (Some(b), Some(t)) if b == t => {}
        (Some(b), None) => {
            log.set("refused", "org");
            return json_error(StatusCode::FORBIDDEN, "permission_denied", format!("the upload ticket names no Vela org, so it may not upload for org \"{b}\""));
        }
        (Some(b), Some(_)) => {
            log.set("refused", "org");
            return json_error(StatusCode::FORBIDDEN, "permission_denied", format!("the upload ticket does not allow uploads for org \"{b}\""));
        }
    }
    let up = Request::post(format!("{}{suffix}", vela.base))
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::USER_AGENT, crate::proxy::USER_AGENT)
        .header(http::header::AUTHORIZATION, {
            let mut v = http::HeaderValue::from_str(&format!("Bearer {}", vela.token)).unwrap_or(http::HeaderValue::from_static(""));
            v.set_sensitive(true);
            v
        })
        .body(Full::new(bytes).map_err(|e| match e {}).boxed_unsync());
    let up = match up {
        Ok(r) => r,
        Err(e) => return json_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("cannot build the Vela request: {e}")),
    };
    let res = match state.clients.http.request(up).await {
        Ok(r) => r,
        Err(e) => {
            let why = crate::upstream::error_chain(&e);
            log.set("upstream_error", why.as_str());
            return json_error(StatusCode::BAD_GATEWAY, "upstream_unavailable", format!("the Vela API could not be reached: {why}"));
        }
    };
    let status = res.status();
    log.set("upstream_http_status", status.as_u16());
    let content_type = res.headers().get(http::header::CONTENT_TYPE).cloned();
    let retry_after = res.headers().get(http::header::RETRY_AFTER).cloned();
    let body = match Limited::new(res.into_body(), MAX_JSON_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return json_error(StatusCode::BAD_GATEWAY, "upstream_unavailable", "the Vela API's answer was cut or too large"),
    };
    let mut out = (status, body).into_response();
    if let Some(ct) = content_type {
        out.headers_mut().insert(http::header::CONTENT_TYPE, ct);
    }
    if let Some(ra) = retry_after {
        out.headers_mut().insert(http::header::RETRY_AFTER, ra);
    }
    out
}
