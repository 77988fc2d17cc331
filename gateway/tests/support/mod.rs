//! Helpers for the gateway's integration tests: a devserver upstream (h2c, or TLS with a
//! certificate made by rcgen), a gateway in front of it, tickets, and grpc-web calls over
//! HTTP/1.1 as a browser makes them. The devserver's own test helpers (servers, audio made in
//! code, raw grpc-web over HTTP/1.1) are reused, not copied.

#![allow(dead_code)]

#[path = "../../../devserver/tests/support/mod.rs"]
pub mod dev;

use std::net::SocketAddr;
use std::time::Duration;

#[allow(unused_imports)]
pub use dev::{frames, http1, metadata, mp3, sha256_hex, stream_messages, wav, Resp as Res, Server, AUTH, KEY};
use talk_gateway::ticket::{self, Claims};

/// The ticket secret of every test gateway.
pub const SECRET: &str = "gateway-test-secret-7c1e93b0aa55d2f4";
/// The only origin test gateways allow.
pub const ORIGIN: &str = "http://127.0.0.1:5555";

/// A running gateway; stops when dropped.
pub struct Gateway {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Gateway {
    /// Begins a graceful shutdown (what SIGTERM does).
    pub fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

fn env(name: &str) -> Option<String> {
    match name {
        "CRED" => Some(AUTH.into()),
        "TS" => Some(SECRET.into()),
        // The devserver accepts any of its API keys as a Vela bearer token.
        "VELA_TOKEN" => Some(KEY.into()),
        "S3_AK" => Some("devserver-access-key".into()),
        "S3_SK" => Some("devserver-secret-key".into()),
        _ => None,
    }
}

/// Starts a gateway in front of `upstream` with `extra` flags.
pub async fn gateway(upstream: &str, extra: &[&str]) -> Gateway {
    let mut args: Vec<String> = [
        "--listen", "127.0.0.1:0", "--upstream", upstream, "--allow-origin", ORIGIN,
        "--credential-env", "CRED", "--ticket-secret-env", "TS",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    let config = talk_gateway::config::Config::from_args(args, &env).expect("gateway config");
    let (tx, rx) = tokio::sync::oneshot::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let r = talk_gateway::run(config, move |a| { let _ = tx.send(a); }, async move { let _ = stop_rx.await; }).await;
        if let Err(e) = r {
            eprintln!("test gateway failed: {e}");
        }
    });
    let addr = tokio::time::timeout(Duration::from_secs(10), rx).await.expect("gateway binds").expect("bound");
    Gateway { addr, stop: Some(stop_tx) }
}

/// A devserver upstream over TLS: a fresh self-signed certificate for 127.0.0.1 and
/// localhost, written next to its data. Returns the server and the CA (= certificate) file.
pub async fn tls_devserver(extra: &[&str]) -> (Server, std::path::PathBuf) {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).expect("rcgen");
    let dir = std::env::temp_dir().join(format!("gateway-tls-{}-{}", std::process::id(), dev::rand_u64()));
    std::fs::create_dir_all(&dir).unwrap();
    let cert_path = dir.join("cert.pem");
    let key_path = dir.join("key.pem");
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.key_pair.serialize_pem()).unwrap();
    let mut args = vec!["--tls-cert", cert_path.to_str().unwrap(), "--tls-key", key_path.to_str().unwrap()];
    args.extend_from_slice(extra);
    (dev::start_talk(&args).await, cert_path)
}

/// The devserver's `/api` over HTTPS (a TLS devserver), trusting `ca`.
pub async fn https_get(server: &Server, ca: &std::path::Path, path: &str) -> serde_json::Value {
    use http_body_util::BodyExt;
    let roots = talk_gateway::upstream::roots(Some(ca)).unwrap();
    let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls).https_only().enable_http1().build();
    let client: hyper_util::client::legacy::Client<_, http_body_util::Empty<bytes::Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector);
    let uri = format!("https://127.0.0.1:{}{path}", server.http.port());
    let res = client.get(uri.parse().unwrap()).await.expect("GET over TLS");
    assert_eq!(res.status(), 200, "GET {path}");
    let body = res.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&body).unwrap()
}

/// Where the tests read what the upstream stored: `/api` over h2c/HTTP or over TLS.
pub enum Api<'a> {
    /// Cleartext devserver.
    Plain(&'a Server),
    /// TLS devserver and its CA file.
    Tls(&'a Server, &'a std::path::Path),
}

impl Api<'_> {
    /// `GET /api/talks/{id}`.
    pub async fn talk(&self, id: &str) -> serde_json::Value {
        match self {
            Api::Plain(s) => s.talk(id).await,
            Api::Tls(s, ca) => https_get(s, ca, &format!("/api/talks/{id}")).await,
        }
    }

    /// Number of stored talks.
    pub async fn talk_count(&self) -> usize {
        match self {
            Api::Plain(s) => s.talk_count().await,
            Api::Tls(s, ca) => https_get(s, ca, "/api/talks").await.as_array().unwrap().len(),
        }
    }
}

/// A ticket for `connections`, valid for 10 minutes.
pub fn ticket_for(connections: &[&str]) -> String {
    ticket_with(connections, |_| {})
}

/// A ticket for `connections`, adjusted by `f`.
pub fn ticket_with(connections: &[&str], f: impl FnOnce(&mut Claims)) -> String {
    let mut c = Claims::new(connections.iter().map(|s| s.to_string()).collect(), ticket::now_unix() + 600);
    f(&mut c);
    ticket::mint(SECRET.as_bytes(), &c).unwrap()
}

/// A grpc-web call through the gateway as a page of [`ORIGIN`] makes it.
pub async fn call(gw: &Gateway, method: &str, ticket: Option<&str>, body: &[u8]) -> Res {
    call_from(gw, method, ticket, body, Some(ORIGIN)).await
}

/// A grpc-web call with any origin (or none).
pub async fn call_from(gw: &Gateway, method: &str, ticket: Option<&str>, body: &[u8], origin: Option<&str>) -> Res {
    let path = format!("/yandex.cloud.speechsense.v1.TalkService/{method}");
    let auth = ticket.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/grpc-web+proto"), ("x-grpc-web", "1")];
    if let Some(a) = auth.as_deref() {
        headers.push(("authorization", a));
    }
    if let Some(o) = origin {
        headers.push(("origin", o));
    }
    http1(gw.addr, "POST", &path, &headers, body).await.expect("an HTTP answer, not a reset")
}

/// Asserts a grpc-web answer's status code and that its message contains `needle`.
pub fn assert_status(res: &Res, code: tonic::Code, needle: &str) {
    assert_eq!(res.status, 200, "HTTP status; body {:?}", String::from_utf8_lossy(&res.body));
    let (status, message, _) = res.grpc();
    assert_eq!(status, Some(code as u32), "grpc-status (message: {message})");
    assert!(message.contains(needle), "grpc-message {message:?} lacks {needle:?}");
    assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN), "CORS on every answer");
}
