//! Serves an axum `Router` with our own accept loop (hyper-util's HTTP/1.1 + h2c auto builder).
//!
//! Why not `axum::serve`: fault injection must be able to *really* cut a TCP connection in the
//! middle of a request body. Every connection gets a [`ConnCut`] handle, put into the extensions
//! of each of its requests; calling [`ConnCut::cut`] makes the connection task drop the
//! connection at once (no response, no graceful close). Because the request body is still
//! arriving, the kernel holds unread bytes for that socket, and closing a socket with unread
//! data makes Linux answer with a TCP RST: the client sees a reset, not a clean close.
//!
//! Idle and slow clients are closed by a per-connection watchdog ([`ServeOptions`]): from accept
//! until the first request head is complete, a connection has `header_read_timeout`; once no
//! request is in progress (none yet answered to the end), it has `idle_timeout` until the next
//! head is complete. A request in progress is never timed out here: a 1 GiB upload takes as long
//! as it takes, and a `stall` fault holds its request on purpose (its client's timeout must
//! fire). The watchdog is ours, not hyper's `header_read_timeout`, because that one starts only
//! once hyper-util has sniffed the protocol version: a connection that never sends a byte waits
//! in that sniff forever, and HTTP/2 has no header timer at all.
//!
//! ```ignore
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let opts = devserver::serve::ServeOptions::default();
//! devserver::serve::serve(listener, router, opts, async { let _ = stop_rx.await; }).await?;
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulConnection;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::time::Instant;
use tower::ServiceExt;

/// How long a shutdown waits for open connections (a stalled fault never finishes) before it
/// drops them.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// After the watchdog asked an expired connection to close, how long it may take to do so (an
/// HTTP/2 GOAWAY, a request head that was arriving at that instant) before it is dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// How the accept loop treats its connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServeOptions {
    /// From accept until the first request head is complete. `None`: no limit.
    pub header_read_timeout: Option<Duration>,
    /// With no request in progress, until the next request head is complete. `None`: no limit.
    pub idle_timeout: Option<Duration>,
}

impl Default for ServeOptions {
    /// The defaults of `--header-read-timeout-secs` and `--idle-timeout-secs`.
    fn default() -> Self {
        Self { header_read_timeout: Some(Duration::from_secs(30)), idle_timeout: Some(Duration::from_secs(75)) }
    }
}

/// What the watchdog of one connection knows: requests in progress, and since when none is.
#[derive(Debug)]
struct Activity {
    in_flight: AtomicUsize,
    /// Set once a request head was complete on this connection.
    served: AtomicBool,
    /// When the last request in progress finished (accept time before the first).
    idle_since: Mutex<Instant>,
    /// Wakes the watchdog when the last request in progress finishes.
    changed: Notify,
}

impl Activity {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            in_flight: AtomicUsize::new(0),
            served: AtomicBool::new(false),
            idle_since: Mutex::new(Instant::now()),
            changed: Notify::new(),
        })
    }

    fn begin(self: &Arc<Self>) -> InFlight {
        self.served.store(true, Ordering::SeqCst);
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(self.clone())
    }

    /// When this connection expires if no request begins before: `None` while a request is in
    /// progress or when the applicable timeout is off. Once the connection was asked to close,
    /// it has [`CLOSE_GRACE`] from the ask.
    fn expires_at(&self, opts: &ServeOptions, asked_to_close: bool) -> Option<Instant> {
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            return None;
        }
        let limit = if asked_to_close {
            CLOSE_GRACE
        } else if self.served.load(Ordering::SeqCst) {
            opts.idle_timeout?
        } else {
            opts.header_read_timeout?
        };
        Some(*self.idle_since.lock().unwrap_or_else(|e| e.into_inner()) + limit)
    }

    fn restart_clock(&self) {
        *self.idle_since.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
    }
}

/// One request in progress, from its complete head until its response body is sent (or
/// dropped): the watchdog leaves the connection alone while one exists.
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.restart_clock();
            self.0.changed.notify_one();
        }
    }
}

/// A response body that keeps its request [`InFlight`] until hyper has sent it or dropped it.
struct TrackedBody {
    inner: Body,
    _in_flight: InFlight,
}

impl http_body::Body for TrackedBody {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

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
/// open connections finish for up to [`SHUTDOWN_GRACE`], and drops the rest. Idle and slow
/// connections are closed as `opts` says (module docs).
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    opts: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_tls(listener, router, opts, None, shutdown).await
}

/// Loads a PEM certificate chain and private key into a TLS acceptor offering `h2` and
/// `http/1.1` by ALPN (`--tls-cert` / `--tls-key`: the devserver as a TLS gRPC upstream for
/// talk-gateway's tests).
pub fn tls_acceptor(cert: &std::path::Path, key: &std::path::Path) -> std::io::Result<tokio_rustls::TlsAcceptor> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |what: &str, p: &std::path::Path, e: &dyn std::fmt::Display| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{what} {}: {e}", p.display()))
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|e| bad("--tls-cert", cert, &e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad("--tls-cert", cert, &e))?;
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| bad("--tls-key", key, &e))?;
    // An explicit provider: with more than one compiled in, rustls cannot pick a default.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad("--tls-cert", cert, &e))?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| bad("--tls-cert", cert, &e))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// [`serve`], with TLS on every connection when `tls` is given (the handshake runs in the
/// connection's task, bounded by the header-read timeout).
pub async fn serve_tls(
    listener: TcpListener,
    router: axum::Router,
    opts: ServeOptions,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // hyper's own header timer (30 s by default once a timer is set) would cut idle keep-alive
    // connections at its value rather than at `idle_timeout`; the watchdog covers it all.
    let builder = talk_native::connection_builder(None);
    // Tells every connection task to close gracefully (server shutdown).
    let (closing_tx, closing_rx) = tokio::sync::watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            stream = talk_native::accept(&listener, crate::log::emit) => {
                let cut = ConnCut::default();
                let activity = Activity::new();
                let svc = {
                    let router = router.clone();
                    let cut = cut.clone();
                    let activity = activity.clone();
                    hyper::service::service_fn(move |mut req: http::Request<hyper::body::Incoming>| {
                        req.extensions_mut().insert(cut.clone());
                        // Created now, so a request whose future is dropped (a cut) ends too.
                        let in_flight = activity.begin();
                        let res = router.clone().oneshot(req.map(Body::new));
                        async move {
                            let res = res.await?;
                            Ok::<_, std::convert::Infallible>(
                                res.map(|inner| Body::new(TrackedBody { inner, _in_flight: in_flight })),
                            )
                        }
                    })
                };
                match &tls {
                    None => {
                        let conn = builder.serve_connection(TokioIo::new(stream), svc).into_owned();
                        tasks.spawn(watch_connection(conn, cut, activity, opts, closing_rx.clone()));
                    }
                    Some(acceptor) => {
                        let (acceptor, builder, closing) = (acceptor.clone(), builder.clone(), closing_rx.clone());
                        tasks.spawn(async move {
                            let limit = opts.header_read_timeout.unwrap_or(Duration::from_secs(30));
                            let Ok(Ok(stream)) = tokio::time::timeout(limit, acceptor.accept(stream)).await else { return };
                            let conn = builder.serve_connection(TokioIo::new(stream), svc).into_owned();
                            watch_connection(conn, cut, activity, opts, closing).await;
                        });
                    }
                }
            }
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    let _ = closing_tx.send(true);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, async { while tasks.join_next().await.is_some() {} }).await;
    tasks.shutdown().await;
    Ok(())
}

/// Drives one connection until it ends, is cut, expires (then it is asked to close and, if it
/// has not within [`CLOSE_GRACE`] and still has no request in progress, dropped), or the server
/// shuts down (then it is asked to close; `serve` drops it after [`SHUTDOWN_GRACE`]).
async fn watch_connection<C>(
    conn: C,
    cut: ConnCut,
    activity: Arc<Activity>,
    opts: ServeOptions,
    mut closing: tokio::sync::watch::Receiver<bool>,
) where
    C: GracefulConnection,
{
    tokio::pin!(conn);
    let mut asked_to_close = false;
    let mut server_closing = *closing.borrow();
    if server_closing {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        let deadline = activity.expires_at(&opts, asked_to_close);
        let expired = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = conn.as_mut() => return,
            // Dropping `conn` here closes the socket mid-request: that is the cut.
            _ = cut.cut_requested() => return,
            _ = closing.changed(), if !server_closing => {
                server_closing = true;
                conn.as_mut().graceful_shutdown();
            }
            () = expired => {
                // A request may have begun while we slept: then there is no deadline now.
                if activity.expires_at(&opts, asked_to_close).is_some_and(|d| d <= Instant::now()) {
                    if asked_to_close {
                        return; // Dropped: the socket closes.
                    }
                    asked_to_close = true;
                    activity.restart_clock();
                    let timeout = if activity.served.load(Ordering::SeqCst) { "idle" } else { "header_read" };
                    crate::log::emit(&serde_json::json!({ "event": "connection_timeout", "timeout": timeout }));
                    conn.as_mut().graceful_shutdown();
                }
            }
            // The last request in progress finished: a new deadline applies.
            () = activity.changed.notified() => {}
        }
    }
}
