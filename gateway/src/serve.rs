//! The accept loop: HTTP/1.1 (what browsers use for grpc-web) and h2c on one port, with a
//! graceful shutdown that stops accepting and lets running uploads finish.
//!
//! ```ignore
//! talk_gateway::serve::serve(listener, router, async { let _ = stop_rx.await; }).await?;
//! ```

use std::future::Future;
use std::time::Duration;

use axum::body::Body;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// How long a shutdown waits for running requests before it drops them: long enough for a
/// 1 GiB upload on a modest link to finish.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(60);

/// Serves `router` on `listener` until `shutdown` resolves, then drains connections for up to
/// [`SHUTDOWN_GRACE`].
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // A client that never finishes its request headers must not hold a task forever.
    let builder = talk_native::connection_builder(Some(Duration::from_secs(30)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            stream = talk_native::accept(&listener, crate::log::emit) => {
                let router = router.clone();
                let svc = hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    router.clone().oneshot(req.map(Body::new))
                });
                let conn = builder.serve_connection(TokioIo::new(stream), svc).into_owned();
                let conn = graceful.watch(conn);
                tasks.spawn(async move {
                    let _ = conn.await;
                });
            }
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    crate::log::emit(&serde_json::json!({ "event": "shutdown", "open_connections": tasks.len() }));
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
    tasks.shutdown().await;
    Ok(())
}
