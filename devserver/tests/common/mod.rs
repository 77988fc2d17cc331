//! Helpers for the TalkService integration tests: an in-process server on port 0 with a temp
//! data dir, test audio made in code, a tonic client over h2c and a hand-written grpc-web
//! client over HTTP/1.1 (raw frames, so the tests see exactly what a browser would send).

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use devserver::proto::speechsense::{
    audio_metadata::AudioFormat, audio_streaming_request::AudioEvent, container_audio::ContainerAudioType,
    stream_talk_request::Event, talk_service_client::TalkServiceClient, AudioChunk, AudioMetadata,
    AudioStreamingRequest, ContainerAudio, StreamTalkRequest, TalkMetadata,
};
use prost::Message;
use talk_uploader::grpc_web::frame::encode_data_frame;
use talk_uploader::grpc_web::status::percent_decode_grpc_message;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The API key every test server accepts. Also checked to never appear in a log line.
pub const KEY: &str = "test-key-3f9a1c-SECRET";
pub const AUTH: &str = "Api-Key test-key-3f9a1c-SECRET";

/// A running server; stops when dropped.
pub struct Server {
    pub http: SocketAddr,
    pub data_dir: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// Starts a server with connections `chat`, `one` (one-channel audio), `two` (two-channel),
/// plus `extra` flags.
pub async fn start(extra: &[&str]) -> Server {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let data_dir = std::env::temp_dir().join(format!("devserver-talk-{}-{n}-{}", std::process::id(), rand_u64()));
    let mut args: Vec<String> = [
        "--listen", "127.0.0.1:0", "--s3-listen", "127.0.0.1:0", "--api-key", KEY,
        "--connection", "chat=chat", "--connection", "one=audio-one-channel", "--connection", "two=audio-two-channel",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push("--data-dir".into());
    args.push(data_dir.to_string_lossy().into_owned());
    args.extend(extra.iter().map(|s| s.to_string()));
    let config = devserver::config::Config::from_args(args).expect("test config");
    let (bound_tx, bound_rx) = tokio::sync::oneshot::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let r = devserver::run(config, move |b| { let _ = bound_tx.send(b.http); }, async move { let _ = stop_rx.await; }).await;
        if let Err(e) = r {
            eprintln!("test server failed: {e}");
        }
    });
    let http = tokio::time::timeout(Duration::from_secs(10), bound_rx).await.expect("server binds").expect("bound");
    Server { http, data_dir, stop: Some(stop_tx) }
}

impl Server {
    /// A tonic client over h2c.
    pub async fn grpc(&self) -> TalkServiceClient<tonic::transport::Channel> {
        TalkServiceClient::connect(format!("http://{}", self.http)).await.expect("h2c connect")
    }

    /// `GET /api/talks/{id}` as JSON.
    pub async fn talk(&self, id: &str) -> serde_json::Value {
        let res = http1(self.http, "GET", &format!("/api/talks/{id}"), &[], &[]).await.expect("GET talk");
        assert_eq!(res.status, 200, "GET /api/talks/{id}: {}", String::from_utf8_lossy(&res.body));
        serde_json::from_slice(&res.body).unwrap()
    }

    /// Number of stored talks, from `GET /api/talks`.
    pub async fn talk_count(&self) -> usize {
        let res = http1(self.http, "GET", "/api/talks", &[], &[]).await.expect("GET talks");
        let v: serde_json::Value = serde_json::from_slice(&res.body).unwrap();
        v.as_array().unwrap().len()
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
}

pub fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64);
    h.finish()
}

/// xorshift64* bytes: deterministic noise.
pub fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    seed |= 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        out.extend_from_slice(&seed.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// A PCM WAV: 44-byte header + random samples.
pub fn wav(sample_rate: u32, bits: u16, channels: u16, data_len: usize, seed: u64) -> Vec<u8> {
    let block = channels * bits / 8;
    let mut w = Vec::with_capacity(44 + data_len);
    w.extend_from_slice(b"RIFF");
    w.extend_from_slice(&(36 + data_len as u32).to_le_bytes());
    w.extend_from_slice(b"WAVEfmt ");
    w.extend_from_slice(&16u32.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes());
    w.extend_from_slice(&channels.to_le_bytes());
    w.extend_from_slice(&sample_rate.to_le_bytes());
    w.extend_from_slice(&(sample_rate * u32::from(block)).to_le_bytes());
    w.extend_from_slice(&block.to_le_bytes());
    w.extend_from_slice(&bits.to_le_bytes());
    w.extend_from_slice(b"data");
    w.extend_from_slice(&(data_len as u32).to_le_bytes());
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

/// An HTTP/1.1 response.
#[derive(Debug)]
pub struct Res {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Res {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
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

/// One HTTP/1.1 request on a fresh connection (`connection: close`), read to the end.
pub async fn http1(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> std::io::Result<Res> {
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await?;
    s.write_all(body).await?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await?;
    parse_response(&raw)
}

/// A grpc-web POST with the given body and authorization.
pub async fn grpc_web(addr: SocketAddr, method: &str, auth: Option<&str>, body: &[u8]) -> std::io::Result<Res> {
    let path = format!("/yandex.cloud.speechsense.v1.TalkService/{method}");
    let mut headers = vec![("content-type", "application/grpc-web+proto"), ("x-grpc-web", "1")];
    if let Some(a) = auth {
        headers.push(("authorization", a));
    }
    http1(addr, "POST", &path, &headers, body).await
}

pub fn parse_response(raw: &[u8]) -> std::io::Result<Res> {
    let bad = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_string());
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| bad("no header end"))?;
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).ok_or_else(|| bad("status"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string())))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut b = &body[..];
        loop {
            let nl = b.windows(2).position(|w| w == b"\r\n").ok_or_else(|| bad("chunk size"))?;
            let size = usize::from_str_radix(String::from_utf8_lossy(&b[..nl]).split(';').next().unwrap().trim(), 16)
                .map_err(|_| bad("chunk size"))?;
            b = &b[nl + 2..];
            if size == 0 {
                break;
            }
            out.extend_from_slice(&b[..size]);
            b = &b[size + 2..];
        }
        body = out;
    }
    Ok(Res { status, headers, body })
}
