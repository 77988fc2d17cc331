//! # devserver
//!
//! The local reference server for talk-uploader. On one port it serves SpeechSense's
//! `TalkService` to gRPC (HTTP/2 cleartext) **and** grpc-web (HTTP/1.1) clients, the HTTP API that
//! shows what was stored, and the demo page. See `config.rs` for the command line.
//!
//! ```text
//! cargo run -p devserver -- --listen 127.0.0.1:8787 --api-key demo-api-key --connection c=chat
//! ```

pub mod api;
pub mod auth;
pub mod config;
pub mod csp;
pub mod drain;
pub mod faults;
pub mod host;
pub mod log;
pub mod proto;
pub mod s3;
/// The SigV4 POST presigner lives in the package crate (`s3_post::sign`), shared with talk-gateway.
pub use talk_uploader::s3_post::sign as sigv4;
pub mod store;
pub mod serve;
pub mod talk;
pub mod vela;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::{HeaderValue, Method};
use tower_http::cors::CorsLayer;

use crate::config::Config;
use crate::store::Store;

/// State shared by every handler.
pub struct AppState {
    /// The command line.
    pub config: Config,
    /// The database.
    pub store: Store,
}

/// Addresses the server actually bound (useful with port 0).
#[derive(Debug, Clone, Copy)]
pub struct Bound {
    /// gRPC + grpc-web + HTTP API + demo.
    pub http: SocketAddr,
    /// The embedded S3 server (presigned POST uploads).
    pub s3: SocketAddr,
}

/// The CORS policy: configured (or loopback) origins, the headers grpc-web needs, and the
/// grpc status headers exposed, because an error arrives as a trailers-only response whose
/// status is in HTTP headers that the page must be allowed to read.
pub fn cors(config: &Config) -> CorsLayer {
    talk_native::grpc_web_cors(
        s3::cors::allow_origin(config),
        &[Method::GET, Method::POST, Method::PUT, Method::OPTIONS],
        &["etag", "location", "retry-after"],
    )
}

/// Builds the HTTP service for a state.
pub fn app(state: Arc<AppState>) -> axum::Router {
    let grpc = tonic::service::Routes::new(
        proto::speechsense::talk_service_server::TalkServiceServer::new(
            talk::TalkServiceImpl::new(state.clone()),
        )
        // Audio chunks are 1 MiB; a unary Upload carries up to 128 MB in one message.
        .max_decoding_message_size(130 * 1024 * 1024),
    )
    .into_axum_router()
    .layer(tonic_web::GrpcWebLayer::new());

    let static_files = axum::Router::new()
        .nest_service("/pkg", tower_http::services::ServeDir::new(&state.config.pkg_dir))
        .fallback_service(tower_http::services::ServeDir::new(&state.config.www_dir))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(HeaderValue::from_str(&csp::policy(&state.config)).unwrap_or(HeaderValue::from_static("default-src 'none'"))),
            csp::add,
        ));
    // The bound address (port 0 resolved by `run`) is the one a page's Host names.
    let hosts = Arc::new(host::AllowedHosts::new(state.config.listen, &state.config.allow_hosts));

    // tonic's router already has a fallback (axum refuses to merge two), so the static files
    // replace it. Unknown methods of TalkService still get grpc UNIMPLEMENTED from tonic itself.
    grpc.merge(api::router(state.clone()))
        .merge(vela::router(state.clone()))
        .fallback_service(static_files)
        // Inside CORS, so a cross-origin caller can read why it got a 421.
        .layer(axum::middleware::from_fn_with_state(hosts, host::check))
        // Only grpc-web uploads fail on purpose; CORS wraps the fault so a page can read a 503.
        .layer(faults::layer(
            state.config.faults.clone(),
            if state.config.fault_grpc { faults::Target::GrpcUploads } else { faults::Target::GrpcWebUploads },
        ))
        // CORS must wrap grpc-web, or preflights get a 400.
        .layer(cors(&state.config))
        // Read what a handler left unread before the answer goes out (see drain.rs).
        .layer(drain::DrainLayer)
        .layer(log::LogLayer)
}

/// Binds the ports, then serves until `shutdown` resolves.
pub async fn run(
    config: Config,
    on_bound: impl FnOnce(Bound),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let store = Store::open(&config.data_dir)?;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let s3_listener = tokio::net::TcpListener::bind(config.s3_listen).await?;
    let bound = Bound { http: listener.local_addr()?, s3: s3_listener.local_addr()? };
    let s3_app = s3::router(&config)?;
    // One shutdown signal for both ports.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    // A bad certificate fails the start, before anything is announced as listening.
    let tls = match &config.tls {
        Some((cert, key)) => Some(serve::tls_acceptor(cert, key)?),
        None => None,
    };
    let s3_stop = stopped(stop_rx.clone());
    let s3_task = tokio::spawn(serve::serve(s3_listener, s3_app, config.serve_options(), s3_stop));
    // Port 0 is resolved now: the Vela presigner puts the S3 address into its URLs, the Host
    // check and the CSP name both ports.
    let state = Arc::new(AppState { config: Config { listen: bound.http, s3_listen: bound.s3, ..config }, store });
    on_bound(bound);
    // Our own accept loop: a `reset` fault must be able to cut a connection (serve.rs).
    let opts = state.config.serve_options();
    serve::serve_tls(listener, app(state), opts, tls, stopped(stop_rx)).await?;
    s3_task.await??;
    Ok(())
}
