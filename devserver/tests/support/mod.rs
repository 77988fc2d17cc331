//! The one harness of the devserver's integration tests: an in-process devserver on port 0
//! with a temporary data dir ([`start`], or [`start_talk`] with the TalkService tests' key and
//! connections), one HTTP/1.1 client (hyper, on a fresh connection per request, so a test sees
//! exactly one exchange and a cut connection as an `io::Error`), a grpc-web caller over it,
//! hand-built multipart forms with a streamed file part, test audio, and deterministic bytes.
//! talk-gateway's tests use the devserver through the same public API (`devserver::run`).

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use devserver::proto::speechsense::{
    audio_metadata::AudioFormat, audio_streaming_request::AudioEvent, container_audio::ContainerAudioType,
    stream_talk_request::Event, talk_service_client::TalkServiceClient, AudioChunk, AudioMetadata,
    AudioStreamingRequest, ContainerAudio, StreamTalkRequest, TalkMetadata,
};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use prost::Message;
use sha2::{Digest, Sha256};
use talk_uploader::grpc_web::frame::encode_data_frame;
use talk_uploader::grpc_web::status::percent_decode_grpc_message;

pub type BoxBody = http_body_util::combinators::BoxBody<Bytes, std::io::Error>;

/// The API key of [`start_talk`]'s servers. Also checked to never appear in a log line.
pub const KEY: &str = "test-key-3f9a1c-SECRET";
pub const AUTH: &str = "Api-Key test-key-3f9a1c-SECRET";

/// A running server; dropped, it shuts down and removes its data dir.
pub struct Server {
    /// gRPC + grpc-web + /api + Vela.
    pub http: SocketAddr,
    /// The embedded S3.
    pub s3: SocketAddr,
    pub data_dir: PathBuf,
    /// The configuration it runs with (bound ports filled in).
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

/// Starts a devserver with `args` (plus port 0 on both ports and a fresh data dir).
pub async fn start(args: &[&str]) -> Server {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let data_dir = std::env::temp_dir().join(format!("devserver-test-{}-{n}-{}", std::process::id(), rand_u64()));
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
    let bound = tokio::time::timeout(Duration::from_secs(10), bound_rx).await.expect("server binds").expect("bound");
    let mut config = config;
    config.listen = bound.http;
    config.s3_listen = bound.s3;
    Server { http: bound.http, s3: bound.s3, data_dir, config, stop: Some(stop_tx) }
}

/// [`start`] with [`KEY`] and the connections `chat`, `one` (one-channel audio) and `two`
/// (two-channel), plus `extra` flags: the TalkService tests' server.
pub async fn start_talk(extra: &[&str]) -> Server {
    let mut args = vec![
        "--api-key", KEY, "--connection", "chat=chat", "--connection", "one=audio-one-channel",
        "--connection", "two=audio-two-channel",
    ];
    args.extend_from_slice(extra);
    start(&args).await
}

impl Server {
    /// A tonic client over h2c.
    pub async fn grpc(&self) -> TalkServiceClient<tonic::transport::Channel> {
        TalkServiceClient::connect(format!("http://{}", self.http)).await.expect("h2c connect")
    }

    /// `GET /api/talks/{id}` as JSON.
    pub async fn talk(&self, id: &str) -> serde_json::Value {
        let res = request(self.http, "GET", &format!("/api/talks/{id}"), &[], empty()).await;
        assert_eq!(res.status, 200, "GET /api/talks/{id}: {}", res.text());
        res.json()
    }

    /// Number of stored talks, from `GET /api/talks`.
    pub async fn talk_count(&self) -> usize {
        request(self.http, "GET", "/api/talks", &[], empty()).await.json().as_array().unwrap().len()
    }

    /// Files under data-dir/audio and data-dir/tmp.
    pub fn files(&self) -> (usize, usize) {
        let count = |d: &str| std::fs::read_dir(self.data_dir.join(d)).map(|r| r.count()).unwrap_or(0);
        (count("audio"), count("tmp"))
    }

    /// Asserts that nothing was stored: no talk, no audio file, no temp file.
    pub async fn assert_nothing_stored(&self) {
        // A cut handler's drop guard runs when its task is dropped; give it a moment.
        for _ in 0..50 {
            if self.files() == (0, 0) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(self.talk_count().await, 0, "a talk was stored");
        assert_eq!(self.files(), (0, 0), "(audio files, temp files) left behind");
    }

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

pub fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64);
    h.finish()
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

    /// (grpc-status, grpc-message, first data frame) of a grpc-web answer: the status from the
    /// headers (trailers-only) or from the trailer frame.
    pub fn grpc(&self) -> (Option<u32>, String, Option<Vec<u8>>) {
        let parsed = talk_uploader::grpc_web::parse_response(&self.body).expect("a grpc-web body");
        let status = parsed.trailer("grpc-status").or(self.header("grpc-status")).and_then(|s| s.parse().ok());
        let message = parsed.trailer("grpc-message").or(self.header("grpc-message")).unwrap_or("");
        (status, percent_decode_grpc_message(message), parsed.messages.into_iter().next())
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

/// One request on a fresh connection; a transport error (reset, closed) is an `Err` whose kind
/// is the socket's own (`ConnectionReset`, `BrokenPipe`, ...) where there is one.
pub async fn try_request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: BoxBody) -> std::io::Result<Resp> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.map_err(io_error)?;
    let conn = tokio::spawn(conn);
    let mut req = http::Request::builder().method(method).uri(path).header("host", addr.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let sent = sender.send_request(req.body(body).map_err(std::io::Error::other)?).await;
    let res = match sent {
        Ok(res) => res,
        // The connection task holds the socket's own error (a reset while writing the body).
        Err(e) => return Err(match conn.await {
            Ok(Err(conn_err)) => io_error(conn_err),
            _ => io_error(e),
        }),
    };
    let (parts, body) = res.into_parts();
    let body = body.collect().await.map_err(io_error)?.to_bytes();
    Ok(Resp { status: parts.status.as_u16(), headers: parts.headers, body })
}

/// A hyper error as the `io::Error` beneath it, if any.
fn io_error(e: hyper::Error) -> std::io::Error {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return std::io::Error::new(io.kind(), e.to_string());
        }
        source = s.source();
    }
    let kind = if e.is_incomplete_message() { std::io::ErrorKind::ConnectionReset } else { std::io::ErrorKind::Other };
    std::io::Error::new(kind, e.to_string())
}

/// `request` with the body as bytes, a transport error as an `Err`.
pub async fn http1(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> std::io::Result<Resp> {
    try_request(addr, method, path, headers, full(body.to_vec())).await
}

/// A grpc-web POST with the given body and authorization.
pub async fn grpc_web(addr: SocketAddr, method: &str, auth: Option<&str>, body: &[u8]) -> std::io::Result<Resp> {
    let path = format!("/yandex.cloud.speechsense.v1.TalkService/{method}");
    let mut headers = vec![("content-type", "application/grpc-web+proto"), ("x-grpc-web", "1")];
    if let Some(a) = auth {
        headers.push(("authorization", a));
    }
    http1(addr, "POST", &path, &headers, body).await
}

pub async fn post_json(addr: SocketAddr, path: &str, token: Option<&str>, body: &serde_json::Value) -> Resp {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut h = vec![("content-type", "application/json")];
    if let Some(a) = auth.as_deref() {
        h.push(("authorization", a));
    }
    request(addr, "POST", path, &h, full(body.to_string())).await
}

/// `len` deterministic pseudo-random bytes from `seed` ([`RandomBytes`]).
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut r = RandomBytes::new(seed, len as u64);
    let mut out = Vec::with_capacity(len);
    while let Some(p) = r.next_piece(1 << 20) {
        out.extend_from_slice(&p);
    }
    out
}

/// A PCM WAV: the package's 44-byte header (audio::wav::tests_support) + random samples.
pub fn wav(sample_rate: u32, bits: u16, channels: u16, data_len: usize, seed: u64) -> Vec<u8> {
    let mut w = talk_uploader::audio::wav::tests_support::header(1, channels, sample_rate, bits, data_len as u32);
    w.extend_from_slice(&noise(data_len, seed));
    w
}

/// An MP3: `frames` MPEG-1 Layer III frames, 128 kbit/s, 44.1 kHz, mono (417 bytes each).
pub fn mp3(frames: usize, seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(frames * 417);
    let payload = noise(413, seed);
    for _ in 0..frames {
        out.extend_from_slice(&[0xFF, 0xFB, 0x90, 0xC4]);
        out.extend_from_slice(&payload);
    }
    out
}

/// The first page of an Ogg Opus file (enough for the sniffer to say "Ogg Opus").
pub fn ogg_opus(extra: usize) -> Vec<u8> {
    let mut head = b"OpusHead".to_vec();
    head.push(1);
    head.push(1);
    head.extend_from_slice(&312u16.to_le_bytes());
    head.extend_from_slice(&48_000u32.to_le_bytes());
    head.extend_from_slice(&0i16.to_le_bytes());
    head.push(0);
    let mut page = b"OggS".to_vec();
    page.push(0);
    page.push(2);
    page.extend_from_slice(&0u64.to_le_bytes());
    page.extend_from_slice(&1u32.to_le_bytes());
    page.extend_from_slice(&0u32.to_le_bytes());
    page.extend_from_slice(&0u32.to_le_bytes());
    page.push(1);
    page.push(head.len() as u8);
    page.extend_from_slice(&head);
    page.extend_from_slice(&noise(extra, 5));
    page
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn fields(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Valid metadata for a connection of this test server.
pub fn metadata(connection: &str) -> TalkMetadata {
    let base = [("operator_name", "Olga"), ("operator_id", "op-1"), ("date", "2023-09-13T17:30:00.000Z"), ("language", "ru-RU")];
    let mut f = fields(&base);
    if connection != "one" {
        f.extend(fields(&[("client_name", "Ivan"), ("client_id", "cl-1"), ("direction_outgoing", "true")]));
    }
    if connection == "chat" {
        f.extend(fields(&[("bot_name", "Bot"), ("bot_id", "bot-1")]));
    }
    TalkMetadata { connection_id: connection.into(), fields: f, users: vec![] }
}

pub fn container(t: ContainerAudioType) -> AudioMetadata {
    AudioMetadata { audio_format: Some(AudioFormat::ContainerAudio(ContainerAudio { container_audio_type: t as i32 })) }
}

pub fn msg_metadata(md: TalkMetadata) -> StreamTalkRequest {
    StreamTalkRequest { event: Some(Event::Metadata(md)) }
}
pub fn msg_audio_md(md: AudioMetadata) -> StreamTalkRequest {
    StreamTalkRequest { event: Some(Event::Audio(AudioStreamingRequest { audio_event: Some(AudioEvent::AudioMetadata(md)) })) }
}
pub fn msg_chunk(data: &[u8]) -> StreamTalkRequest {
    StreamTalkRequest { event: Some(Event::Audio(AudioStreamingRequest { audio_event: Some(AudioEvent::Chunk(AudioChunk { data: data.to_vec() })) })) }
}

/// The documented stream: metadata, audio metadata, 1 MiB chunks (or `chunk` bytes).
pub fn stream_messages(connection: &str, t: ContainerAudioType, audio: &[u8], chunk: usize) -> Vec<StreamTalkRequest> {
    let mut v = vec![msg_metadata(metadata(connection)), msg_audio_md(container(t))];
    v.extend(audio.chunks(chunk).map(msg_chunk));
    v
}

/// A tonic request with the test key.
pub fn authed<T>(msg: T) -> tonic::Request<T> {
    let mut r = tonic::Request::new(msg);
    r.metadata_mut().insert("authorization", AUTH.parse().unwrap());
    r
}

/// grpc-web frames (flag 0, big-endian length) of these messages.
pub fn frames<M: Message>(msgs: &[M]) -> Vec<u8> {
    msgs.iter().flat_map(|m| encode_data_frame(&m.encode_to_vec()).expect("message fits a frame")).collect()
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
pub async fn try_post_form(s3: SocketAddr, url: &str, fields: &[(String, String)], file: File, origin: Option<&str>) -> std::io::Result<Resp> {
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
