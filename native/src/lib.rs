//! # talk-native
//!
//! What the two native servers of the workspace, the devserver and talk-gateway, share: their
//! command lines fail the same way ([`CliError`], [`exit_for`]), they stop on the same signals
//! ([`shutdown_signal`]), and they accept HTTP/1.1 (browsers' grpc-web) and h2c (gRPC) on one
//! port with the same connection settings ([`connection_builder`], [`accept`]), and let pages
//! call grpc-web under the same CORS rule ([`grpc_web_cors`]). Each keeps its own routes, logs
//! and policies.

use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Request headers a grpc-web page sends.
pub const GRPC_WEB_REQUEST_HEADERS: [&str; 5] = ["content-type", "x-grpc-web", "x-user-agent", "authorization", "grpc-timeout"];

/// Response headers a grpc-web page must be able to read: an error arrives as a trailers-only
/// response whose status is in these HTTP headers, and unexposed it reaches the client as
/// `Unknown: "malformed response"`.
pub const GRPC_WEB_EXPOSE_HEADERS: [&str; 3] = ["grpc-status", "grpc-message", "grpc-status-details-bin"];

/// The CORS layer for grpc-web from `origins`: `methods`, the grpc-web request headers, the
/// grpc status headers exposed plus `more_exposed`, preflights cached for 10 minutes. It must
/// wrap tonic-web's `GrpcWebLayer`, or preflights get a 400.
pub fn grpc_web_cors(origins: AllowOrigin, methods: &[http::Method], more_exposed: &[&'static str]) -> CorsLayer {
    let exposed: Vec<http::HeaderName> =
        GRPC_WEB_EXPOSE_HEADERS.iter().chain(more_exposed).map(|h| http::HeaderName::from_static(h)).collect();
    CorsLayer::new()
        .allow_origin(origins)
        .allow_methods(methods.to_vec())
        .allow_headers(GRPC_WEB_REQUEST_HEADERS.map(http::HeaderName::from_static))
        .expose_headers(exposed)
        .max_age(Duration::from_secs(600))
}

/// A command-line mistake, with the flag it concerns. Never holds a secret's value.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// What clap refuses (an unknown flag, a missing or malformed value, a required flag that
    /// is absent), and `--help`, which clap reports the same way: [`clap::Error::exit`] prints
    /// either where it belongs and exits 0 for help, 2 for a mistake.
    #[error("{0}")]
    Cli(#[from] clap::Error),
    /// Flags that parse one by one but not together, a value that is not allowed, or a secret
    /// that cannot be read.
    #[error("{flag}: {message}")]
    BadValue {
        /// The flag.
        flag: String,
        /// What is wrong with its value.
        message: String,
    },
}

/// A [`CliError::BadValue`].
pub fn bad(flag: &str, message: impl Into<String>) -> CliError {
    CliError::BadValue { flag: flag.to_owned(), message: message.into() }
}

/// Ends the process for a command-line mistake: clap's own errors (and `--help`) as clap prints
/// them, exit 0 for help and 2 for a mistake; ours on stderr after `prefix: `, exit 2.
pub fn exit_for(prefix: &str, e: CliError) -> ! {
    match e {
        CliError::Cli(e) => e.exit(),
        e => {
            eprintln!("{prefix}: {e}");
            std::process::exit(2);
        }
    }
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM (what systemd, Docker and the test scripts send).
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// The connection builder of both servers: HTTP/1.1 with keep-alive and `header_read_timeout`
/// (`None`: the caller times connections out itself), and HTTP/2 with windows large enough for
/// big client streams over h2c (the 64 KiB default halves their throughput).
pub fn connection_builder(header_read_timeout: Option<Duration>) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).keep_alive(true).header_read_timeout(header_read_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .initial_stream_window_size(4 * 1024 * 1024)
        .initial_connection_window_size(8 * 1024 * 1024);
    builder
}

/// The next connection, with `TCP_NODELAY` set. An accept error (EMFILE and friends) goes to
/// `log` as `{"event":"accept_error","error":...}` and is retried after 50 ms instead of
/// spinning. Cancel-safe, for `select!`.
pub async fn accept(listener: &TcpListener, log: impl Fn(&serde_json::Value)) -> TcpStream {
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => {
                let _ = stream.set_nodelay(true);
                return stream;
            }
            Err(e) => {
                log(&serde_json::json!({ "event": "accept_error", "error": e.to_string() }));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_name_the_flag() {
        assert_eq!(bad("--listen", "expected IP:PORT").to_string(), "--listen: expected IP:PORT");
    }

    #[tokio::test]
    async fn accept_returns_a_nodelay_connection() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = tokio::spawn(async move { TcpStream::connect(addr).await.unwrap() });
        let stream = accept(&listener, |line| panic!("{line}")).await;
        assert!(stream.nodelay().unwrap());
        drop(client.await.unwrap());
    }
}
