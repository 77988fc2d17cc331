//! # talk-gateway
//!
//! The production route from a browser to SpeechSense and Vela, with no secret on the page. A
//! page talks to the gateway exactly as it would to a grpc-web SpeechSense
//! (`endpoint: "https://gateway.example.com"`) and sends a short-lived upload ticket
//! ([`ticket`]) instead of an API key. The gateway:
//!
//! - translates grpc-web to gRPC with tonic-web's `GrpcWebLayer` and streams the four upload
//!   methods of `TalkService` to the real endpoint over HTTP/2 + TLS ([`proxy`], [`upstream`]),
//!   in constant memory, checking the ticket's connection before any audio byte goes upstream;
//! - forwards the two Vela endpoints with the Vela token ([`vela`]) and signs S3 POST policies
//!   for the operator's bucket ([`presign`]), so file bytes go straight from the browser to S3;
//! - allows exactly the configured origins (CORS), answers 404 for every other path, logs one
//!   JSON line per request ([`log`]) and keeps no state: scale out with replicas.
//!
//! ```text
//! TICKET_SECRET=… SPEECHSENSE_KEY='Api-Key …' talk-gateway --listen 127.0.0.1:8443 \
//!   --upstream https://api.speechsense.yandexcloud.net:443 --allow-origin https://app.example.com \
//!   --credential-env SPEECHSENSE_KEY --ticket-secret-env TICKET_SECRET
//! ```
//!
//! ## Limitations
//!
//! - Only binary grpc-web (`application/grpc-web+proto`) is inspected; `grpc-web-text` and
//!   compressed frames are refused with `INVALID_ARGUMENT`.
//! - TLS towards the browser is terminated in front of the gateway (a load balancer, Caddy,
//!   nginx); the gateway itself listens on plain HTTP/1.1 and h2c.
//! - tonic-web documents client streaming as unsupported; it works with the pinned 0.14.9 and is
//!   covered by this crate's tests.

pub mod body;
pub mod config;
pub mod inspect;
pub mod log;
pub mod presign;
pub mod proxy;
pub mod serve;
pub mod ticket;
pub mod upstream;
pub mod vela;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use serde_json::json;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::Config;

/// What every handler shares.
pub struct State {
    /// The command line, secrets resolved.
    pub config: Config,
    /// The upstream clients.
    pub clients: upstream::Clients,
    /// `scheme://authority` of the SpeechSense upstream.
    pub upstream_base: String,
    /// The upstream `authorization` value, marked sensitive (hyper never logs or indexes it).
    pub credential: HeaderValue,
    /// `--max-concurrent` permits.
    pub permits: Arc<tokio::sync::Semaphore>,
}

impl State {
    /// Builds the clients for a configuration.
    pub fn new(config: Config) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let clients = upstream::Clients::new(config.upstream_ca_file.as_deref())?;
        let upstream_base = format!(
            "{}://{}",
            config.upstream.scheme_str().unwrap_or("https"),
            config.upstream.authority().map(|a| a.as_str()).unwrap_or_default()
        );
        let mut credential = HeaderValue::from_str(&config.credential)?;
        credential.set_sensitive(true);
        let permits = Arc::new(tokio::sync::Semaphore::new(config.max_concurrent));
        Ok(State { config, clients, upstream_base, credential, permits })
    }
}

/// A JSON error answer `{error, message}` for the HTTP routes.
pub fn json_error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": code, "message": message.into() }))).into_response()
}

/// CORS: exactly the configured origins; the headers grpc-web and the JSON routes need; the
/// grpc status headers exposed (an error is a trailers-only answer whose status is in headers).
pub fn cors(config: &Config) -> CorsLayer {
    let origins: Vec<HeaderValue> = config.allow_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    talk_native::grpc_web_cors(AllowOrigin::list(origins), &[Method::GET, Method::POST, Method::OPTIONS], &[])
}

/// Refuses a request from a page whose origin is not allowed before anything else sees it.
/// Requests without `Origin` (a backend, curl) pass: they still need a ticket.
async fn origin_guard(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let origin = req.headers().get(http::header::ORIGIN).map(|v| v.to_str().unwrap_or("(not text)").to_owned());
    match origin {
        Some(o) if !state.config.origin_allowed(&o) => {
            if let Some(log) = req.extensions().get::<log::RequestLog>() {
                log.set("refused", "origin");
            }
            let slot = body::Slot::new(tonic::body::Body::new(req.into_body()));
            body::drain(&slot).await;
            json_error(StatusCode::FORBIDDEN, "origin_not_allowed", "this origin is not allowed to use the gateway (--allow-origin)")
        }
        _ => next.run(req).await,
    }
}

async fn healthz() -> Response {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") })).into_response()
}

async fn not_found(req: axum::extract::Request) -> Response {
    if let Some(log) = req.extensions().get::<log::RequestLog>() {
        log.set("refused", "path");
    }
    let slot = body::Slot::new(tonic::body::Body::new(req.into_body()));
    body::drain(&slot).await;
    json_error(StatusCode::NOT_FOUND, "not_found", "the gateway serves only the TalkService upload methods, /vela/..., /s3/presign and /healthz")
}

/// The whole HTTP service.
pub fn app(state: Arc<State>) -> axum::Router {
    let talk = tower::ServiceBuilder::new()
        .layer(tonic_web::GrpcWebLayer::new())
        .service(proxy::TalkProxy::new(state.clone()));
    let mut router = axum::Router::new();
    for m in ["Upload", "UploadAsStream", "UploadText", "UploadBadge"] {
        router = router.route_service(&format!("{}{m}", inspect::SERVICE_PATH), talk.clone());
    }
    router = router.route("/healthz", get(healthz));
    if state.config.vela.is_some() {
        router = router
            .route("/vela/asr/async/upload/vela", post(vela::presign))
            .route("/vela/chat/upload/vela", post(vela::chat));
    }
    if state.config.s3.is_some() {
        router = router.route("/s3/presign", post(presign::presign));
    }
    router
        .fallback(not_found)
        .with_state(state.clone())
        // CORS must wrap grpc-web, or preflights fail.
        .layer(cors(&state.config))
        .layer(axum::middleware::from_fn_with_state(state, origin_guard))
        .layer(log::LogLayer)
}

/// Binds, calls `on_bound` with the address, then serves until `shutdown` resolves and the
/// running requests have finished.
pub async fn run(
    config: Config,
    on_bound: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let state = Arc::new(State::new(config)?);
    on_bound(listener.local_addr()?);
    serve::serve(listener, app(state), shutdown).await?;
    Ok(())
}

/// Converts any body to the one the handlers take.
pub fn into_in_body(b: Body) -> body::InBody {
    tonic::body::Body::new(b)
}
