//! The HTTP clients to the upstreams: SpeechSense over HTTP/2 (TLS with ALPN `h2`, or h2c for a
//! loopback `http://` URL), and Vela over HTTP/1.1 or HTTP/2. TLS is rustls with the webpki
//! roots, plus the roots of `--upstream-ca-file` for a private upstream.
//!
//! ```ignore
//! let clients = talk_gateway::upstream::Clients::new(None)?;
//! let res = clients.grpc.request(req).await?;
//! ```

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

/// The error type of bodies sent upstream.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A request body sent upstream.
pub type UpBody = UnsyncBoxBody<Bytes, BoxError>;

/// A client over TLS or plain TCP.
pub type HttpClient = Client<HttpsConnector<HttpConnector>, UpBody>;

/// Why the clients could not be built.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// The CA file cannot be read or holds no certificate.
    #[error("--upstream-ca-file {path}: {message}")]
    CaFile {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// rustls refused the configuration.
    #[error("TLS setup failed: {0}")]
    Tls(String),
}

/// Both clients.
#[derive(Clone)]
pub struct Clients {
    /// HTTP/2 only, for gRPC.
    pub grpc: HttpClient,
    /// HTTP/1.1 or HTTP/2, for the Vela API.
    pub http: HttpClient,
}

/// The root store: webpki roots, plus every certificate in `ca_file`.
pub fn roots(ca_file: Option<&Path>) -> Result<rustls::RootCertStore, UpstreamError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca_file {
        let err = |message: String| UpstreamError::CaFile { path: path.display().to_string(), message };
        let certs = CertificateDer::pem_file_iter(path).map_err(|e| err(e.to_string()))?;
        let mut n = 0;
        for cert in certs {
            let cert = cert.map_err(|e| err(e.to_string()))?;
            roots.add(cert).map_err(|e| err(e.to_string()))?;
            n += 1;
        }
        if n == 0 {
            return Err(err("no PEM certificate in the file".into()));
        }
    }
    Ok(roots)
}

fn tls_config(roots: rustls::RootCertStore) -> Result<rustls::ClientConfig, UpstreamError> {
    // An explicit provider: other crates in a build may enable aws-lc-rs too, and then rustls
    // cannot pick a default on its own.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| UpstreamError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

impl Clients {
    /// Builds both clients with the webpki roots and `ca_file`.
    pub fn new(ca_file: Option<&Path>) -> Result<Self, UpstreamError> {
        let roots = roots(ca_file)?;
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(Some(std::time::Duration::from_secs(10)));
        let h2 = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls_config(roots.clone())?)
            .https_or_http()
            .enable_http2()
            .wrap_connector(tcp.clone());
        let grpc = Client::builder(TokioExecutor::new())
            .http2_only(true)
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            // Big client streams: the 64 KiB default window caps throughput on any real RTT.
            .http2_initial_stream_window_size(4 * 1024 * 1024)
            .http2_initial_connection_window_size(8 * 1024 * 1024)
            .http2_keep_alive_interval(std::time::Duration::from_secs(30))
            .build(h2);
        let h1 = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls_config(roots)?)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(tcp);
        let http = Client::builder(TokioExecutor::new()).pool_timer(TokioTimer::new()).build(h1);
        Ok(Clients { grpc, http })
    }
}

/// The chain of an error's sources, one line: what a log or a status message can say about a
/// failed upstream call (hyper and rustls errors hold no credentials).
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = c.source();
    }
    s
}
