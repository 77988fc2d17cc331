//! Shared helpers of the S3 and Vela tests: an in-process devserver on port 0 with a temporary
//! data dir, a minimal HTTP/1.1 client (hyper), hand-built multipart forms with a streamed file
//! part, and deterministic random bytes.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;

use bytes::Bytes;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use sha2::Digest;

pub type BoxBody = http_body_util::combinators::BoxBody<Bytes, std::io::Error>;

/// A running server; dropped, it shuts down and removes its data dir.
pub struct Server {
    pub http: SocketAddr,
    pub s3: SocketAddr,
    pub data_dir: PathBuf,
    pub config: devserver::config::Config,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// Starts a devserver with `args` (plus port 0 and a fresh data dir).
pub async fn start(args: &[&str]) -> Server {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let data_dir = std::env::temp_dir().join(format!("devserver-s3test-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let mut all: Vec<String> = vec![
        "--listen".into(), "127.0.0.1:0".into(), "--s3-listen".into(), "127.0.0.1:0".into(),
        "--data-dir".into(), data_dir.to_string_lossy().into_owned(),
    ];
    all.extend(args.iter().map(|s| s.to_string()));
    let config = devserver::config::Config::from_args(all).expect("test flags parse");
    let (bound_tx, bound_rx) = tokio::sync::oneshot::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let cfg = config.clone();
    tokio::spawn(async move {
        let r = devserver::run(cfg, move |b| { let _ = bound_tx.send(b); }, async move { let _ = stop_rx.await; }).await;
        if let Err(e) = r {
            panic!("devserver::run failed: {e}");
        }
    });
    let bound = bound_rx.await.expect("server bound");
    let mut config = config;
    config.s3_listen = bound.s3;
    Server { http: bound.http, s3: bound.s3, data_dir, config, stop: Some(stop_tx) }
}

impl Server {
    /// Regular files stored in the embedded bucket (s3s-fs temp files included, so a cut
    /// upload that left one behind would show).
    pub fn stored_files(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![self.data_dir.join("s3").join(&self.config.s3_bucket)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() { stack.push(p) } else { out.push(p) }
            }
        }
        out
    }

    /// `GET /api/objects/{key}` → `(bytes, sha256)`, or `None` on 404.
    pub async fn object(&self, key: &str) -> Option<(u64, String)> {
        let res = request(self.http, "GET", &format!("/api/objects/{key}"), &[], empty()).await;
        if res.status == 404 {
            return None;
        }
        assert_eq!(res.status, 200, "{}", res.text());
        let v = res.json();
        Some((v["bytes"].as_u64().unwrap(), v["sha256"].as_str().unwrap().to_owned()))
    }
}

/// A finished response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    /// The `<Code>` of an S3 XML error body.
    pub fn s3_code(&self) -> Option<String> {
        let t = self.text();
        let start = t.find("<Code>")? + 6;
        let end = t[start..].find("</Code>")? + start;
        t.contains("<Error>").then(|| t[start..end].to_owned())
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub fn empty() -> BoxBody {
    http_body_util::Empty::new().map_err(|never| match never {}).boxed()
}

pub fn full(b: impl Into<Bytes>) -> BoxBody {
    http_body_util::Full::new(b.into()).map_err(|never| match never {}).boxed()
}

/// One request on a fresh connection; panics on a transport error.
pub async fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: BoxBody) -> Resp {
    try_request(addr, method, path, headers, body).await.unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

/// One request on a fresh connection; a transport error (reset, closed) is an `Err`.
pub async fn try_request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: BoxBody) -> Result<Resp, String> {
    let stream = tokio::net::TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let mut req = http::Request::builder().method(method).uri(path).header("host", addr.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = sender.send_request(req.body(body).unwrap()).await.map_err(|e| e.to_string())?;
    let (parts, body) = res.into_parts();
    let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok(Resp { status: parts.status.as_u16(), headers: parts.headers, body })
}

pub async fn post_json(addr: SocketAddr, path: &str, token: Option<&str>, body: &serde_json::Value) -> Resp {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut h = vec![("content-type", "application/json")];
    if let Some(a) = auth.as_deref() {
        h.push(("authorization", a));
    }
    request(addr, "POST", path, &h, full(body.to_string())).await
}

/// Deterministic pseudo-random bytes (splitmix64): `len` bytes from `seed`, in pieces.
pub struct RandomBytes {
    state: u64,
    left: u64,
}

impl RandomBytes {
    pub fn new(seed: u64, len: u64) -> Self {
        Self { state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03, left: len }
    }
    /// The next piece of at most `max` bytes, or `None` at the end.
    pub fn next_piece(&mut self, max: usize) -> Option<Bytes> {
        if self.left == 0 {
            return None;
        }
        let n = (self.left.min(max as u64)) as usize;
        let mut v = Vec::with_capacity(n + 8);
        while v.len() < n {
            self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            v.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
        }
        v.truncate(n);
        self.left -= n as u64;
        Some(Bytes::from(v))
    }
}

/// sha256 (hex) of `RandomBytes::new(seed, len)`.
pub fn random_sha256(seed: u64, len: u64) -> String {
    let mut r = RandomBytes::new(seed, len);
    let mut h = sha2::Sha256::new();
    while let Some(p) = r.next_piece(1 << 20) {
        h.update(&p);
    }
    hex::encode(h.finalize())
}

/// The file part of a form.
pub enum File {
    /// `len` random bytes from `seed`, streamed in 1 MiB pieces.
    Random { seed: u64, len: u64 },
    /// Given bytes.
    Bytes(Bytes),
}

impl File {
    fn len(&self) -> u64 {
        match self {
            File::Random { len, .. } => *len,
            File::Bytes(b) => b.len() as u64,
        }
    }
}

pub const BOUNDARY: &str = "----devserver-test-7MA4YWxkTrZu0gW";

/// A multipart/form-data body: the fields in order, then `file` last, streamed. Returns the
/// body and its exact length.
pub fn form_body(fields: &[(String, String)], file: File) -> (BoxBody, u64) {
    let mut head = String::new();
    for (k, v) in fields {
        head.push_str(&format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"));
    }
    head.push_str(&format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    ));
    let tail = format!("\r\n--{BOUNDARY}--\r\n");
    let len = head.len() as u64 + file.len() + tail.len() as u64;
    enum Next {
        Head,
        File,
        Tail,
        Done,
    }
    enum Source {
        Gen(RandomBytes),
        Fixed(Option<Bytes>),
    }
    let source = match file {
        File::Random { seed, len } => Source::Gen(RandomBytes::new(seed, len)),
        File::Bytes(b) => Source::Fixed(Some(b)),
    };
    let state = (Next::Head, Bytes::from(head), source, Bytes::from(tail));
    let stream = futures_util::stream::unfold(state, |(next, head, mut source, tail)| async move {
        let frame = |b: Bytes| Ok::<_, std::io::Error>(Frame::data(b));
        match next {
            Next::Head => Some((frame(head.clone()), (Next::File, head, source, tail))),
            Next::File => {
                let piece = match &mut source {
                    Source::Gen(g) => g.next_piece(1 << 20),
                    Source::Fixed(b) => b.take(),
                };
                match piece {
                    Some(p) => Some((frame(p), (Next::File, head, source, tail))),
                    None => Some((frame(tail.clone()), (Next::Done, head, source, tail))),
                }
            }
            Next::Tail => Some((frame(tail.clone()), (Next::Done, head, source, tail))),
            Next::Done => None,
        }
    });
    (StreamBody::new(stream).boxed(), len)
}

/// POSTs a form to the S3 port: `url` is the presigned URL (`http://addr/bucket`).
pub async fn post_form(s3: SocketAddr, url: &str, fields: &[(String, String)], file: File, origin: Option<&str>) -> Resp {
    try_post_form(s3, url, fields, file, origin).await.unwrap_or_else(|e| panic!("POST {url}: {e}"))
}

/// [`post_form`], with a transport error as an `Err`.
pub async fn try_post_form(s3: SocketAddr, url: &str, fields: &[(String, String)], file: File, origin: Option<&str>) -> Result<Resp, String> {
    let path = url.split_once("://").map_or(url, |(_, rest)| &rest[rest.find('/').unwrap_or(rest.len())..]);
    let (body, len) = form_body(fields, file);
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    let len = len.to_string();
    let mut h = vec![("content-type", ct.as_str()), ("content-length", len.as_str())];
    if let Some(o) = origin {
        h.push(("origin", o));
    }
    try_request(s3, "POST", path, &h, body).await
}

/// The fields of a presign answer (`{url, fields}`), in order.
pub fn fields_of(v: &serde_json::Value) -> Vec<(String, String)> {
    v["fields"].as_object().expect("fields").iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())).collect()
}
