//! Serves an axum `Router` with our own accept loop (hyper-util's HTTP/1.1 + h2c auto builder).
//!
//! Why not `axum::serve`: fault injection must be able to *really* cut a TCP connection in the
//! middle of a request body. Every connection gets a [`ConnCut`] handle, put into the extensions
//! of each of its requests; calling [`ConnCut::cut`] makes the connection task drop the
//! connection at once (no response, no graceful close). Because the request body is still
//! arriving, the kernel holds unread bytes for that socket, and closing a socket with unread
//! data makes Linux answer with a TCP RST: the client sees a reset, not a clean close.
//!
//! ```ignore
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! devserver::serve::serve(listener, router, async { let _ = stop_rx.await; }).await?;
//! ```

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower::ServiceExt;

/// How long a shutdown waits for open connections (a stalled fault never finishes) before it
/// drops them.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// A handle that cuts one TCP connection. Found in the request extensions of every request
/// served by [`serve`]; cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct ConnCut {
    inner: Arc<CutInner>,
}

#[derive(Debug, Default)]
struct CutInner {
    fired: AtomicBool,
    notify: Notify,
}

impl ConnCut {
    /// Drops the connection this handle belongs to, as soon as its task runs again: every
    /// request on it is abandoned (their futures are dropped) and the socket is closed.
    pub fn cut(&self) {
        self.inner.fired.store(true, Ordering::SeqCst);
        // notify_one keeps a permit if the task is not waiting right now.
        self.inner.notify.notify_one();
    }

    /// Whether [`cut`](Self::cut) was called.
    pub fn is_cut(&self) -> bool {
        self.inner.fired.load(Ordering::SeqCst)
    }

    async fn cut_requested(&self) {
        self.inner.notify.notified().await;
    }
}

/// Accepts connections on `listener` and serves `router` on each (HTTP/1.1, and HTTP/2 with
/// prior knowledge for plain gRPC), until `shutdown` resolves. Then it stops accepting, lets
/// open connections finish for up to [`SHUTDOWN_GRACE`], and drops the rest.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        // Big client streams over h2c: the 64 KiB default window halves throughput.
        .initial_stream_window_size(4 * 1024 * 1024)
        .initial_connection_window_size(8 * 1024 * 1024);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _peer)) => stream,
                    Err(e) => {
                        // EMFILE and friends: back off instead of spinning.
                        crate::log::emit(&serde_json::json!({ "event": "accept_error", "error": e.to_string() }));
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let cut = ConnCut::default();
                let svc = {
                    let router = router.clone();
                    let cut = cut.clone();
                    hyper::service::service_fn(move |mut req: http::Request<hyper::body::Incoming>| {
                        req.extensions_mut().insert(cut.clone());
                        router.clone().oneshot(req.map(Body::new))
                    })
                };
                let conn = builder.serve_connection(TokioIo::new(stream), svc).into_owned();
                let conn = graceful.watch(conn);
                tasks.spawn(async move {
                    tokio::select! {
                        _ = conn => {}
                        // Dropping `conn` here closes the socket mid-request: that is the cut.
                        _ = cut.cut_requested() => {}
                    }
                });
            }
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
    tasks.shutdown().await;
    Ok(())
}
