//! The command line. It is a stable interface: `npm run demo`, the test scripts and users' own
//! scripts start the server with these flags.
//!
//! ```text
//! devserver --listen 127.0.0.1:8787 --data-dir .devserver-data --api-key KEY \
//!           --connection demo-chat=chat --connection demo-audio=audio-two-channel
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// The API key that the demo uses when no `--api-key` or `--iam-token` is given.
pub const DEMO_API_KEY: &str = "demo-api-key";

/// What a connection accepts: the package's own type, so the devserver checks a talk's
/// metadata with exactly the rules the browser package validates it with.
pub use talk_uploader::formats::speechsense::ConnectionKind;

/// How an injected fault behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultMode {
    /// Answer HTTP 503 without reading the body to the end.
    Http503,
    /// Cut the connection in the middle of the request body.
    Reset,
    /// Stop reading the request body and never answer.
    Stall,
}

/// Fault injection for reliability tests (`--fault-rate`, `--fault-mode`, `--fault-seed`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Faults {
    /// Probability in [0, 1] that an upload request fails.
    pub rate: f64,
    /// How it fails.
    pub mode: FaultMode,
    /// Seed of the deterministic random sequence.
    pub seed: u64,
}

/// An external S3-compatible store for the presigner, instead of the embedded one.
#[derive(Clone, PartialEq)]
pub struct ExternalS3 {
    /// Base URL, e.g. `http://127.0.0.1:9000`.
    pub endpoint: String,
    /// Access key id.
    pub access_key: String,
    /// Secret access key. Never printed.
    pub secret_key: String,
    /// Bucket name.
    pub bucket: String,
    /// Signing region.
    pub region: String,
}

impl fmt::Debug for ExternalS3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExternalS3")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// Everything the server is started with.
#[derive(Clone)]
pub struct Config {
    /// Address of the gRPC + grpc-web + HTTP API + demo port. Port 0 picks a free port.
    pub listen: SocketAddr,
    /// Where the database and the audio files live.
    pub data_dir: PathBuf,
    /// Accepted `Api-Key` values (also accepted as Vela bearer tokens).
    pub api_keys: Vec<String>,
    /// Accepted `Bearer` IAM tokens.
    pub iam_tokens: Vec<String>,
    /// Connection id → kind.
    pub connections: BTreeMap<String, ConnectionKind>,
    /// Origins allowed through CORS. Empty means any loopback origin.
    pub cors_origins: Vec<String>,
    /// Address of the embedded S3 server. Port 0 picks a free port.
    pub s3_listen: SocketAddr,
    /// Point the presigner at this store instead of the embedded one.
    pub s3_external: Option<ExternalS3>,
    /// Bucket of the embedded S3 server.
    pub s3_bucket: String,
    /// Allowed clock skew of a form's `x-amz-date`, in seconds.
    pub s3_max_skew_secs: u64,
    /// Lifetime of a presigned POST policy, in seconds.
    pub presign_expires_secs: u64,
    /// Largest object a presigned POST allows, in bytes.
    pub presign_max_bytes: u64,
    /// Minutes of audio each Vela org may upload.
    pub vela_minutes_per_org: u64,
    /// The demo page (`www/`).
    pub www_dir: PathBuf,
    /// The built npm package (`pkg/`).
    pub pkg_dir: PathBuf,
    /// `--tls-cert` / `--tls-key`: serve the main port over TLS (PEM files); `None`: cleartext.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// `--fault-grpc`: faults hit plain gRPC uploads too, not only grpc-web ones.
    pub fault_grpc: bool,
    /// Fault injection; `None` when `--fault-rate` is 0 or absent.
    pub faults: Option<Faults>,
    /// Seconds from accept until a connection's first request head is complete (both ports);
    /// 0 turns the limit off.
    pub header_read_timeout_secs: u64,
    /// Seconds a connection with no request in progress stays open (both ports); 0: forever.
    pub idle_timeout_secs: u64,
    /// More `Host` values (`NAME:PORT`) that `/api` and the pages answer (host.rs).
    pub allow_hosts: Vec<String>,
    /// More origins in the pages' CSP `connect-src` (csp.rs), e.g. a talk-gateway.
    pub csp_connect_src: Vec<String>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Keys and tokens are counted, never printed.
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("api_keys", &self.api_keys.len())
            .field("iam_tokens", &self.iam_tokens.len())
            .field("connections", &self.connections)
            .field("s3_listen", &self.s3_listen)
            .field("s3_external", &self.s3_external)
            .field("faults", &self.faults)
            .finish_non_exhaustive()
    }
}

/// A command-line mistake, with the flag it concerns.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `--help` was given: print usage and exit 0.
    #[error("help requested")]
    Help,
    /// A flag that needs a value was last.
    #[error("{0} needs a value")]
    MissingValue(String),
    /// A flag nobody knows.
    #[error("unknown flag {0}; run with --help")]
    UnknownFlag(String),
    /// A value that does not parse.
    #[error("{flag}: {message}")]
    BadValue {
        /// The flag.
        flag: String,
        /// What is wrong with its value.
        message: String,
    },
}

/// The text printed by `--help`.
pub const USAGE: &str = "\
devserver: local reference server for talk-uploader

USAGE:
  devserver [--listen ADDR] [--data-dir DIR] [--api-key KEY]... [--iam-token TOKEN]...
            [--connection ID=KIND]... [--cors-origin ORIGIN]...
            [--s3-listen ADDR] [--s3-bucket NAME] [--s3-max-skew-secs N]
            [--s3-endpoint URL --s3-access-key KEY --s3-secret-key SECRET --s3-bucket NAME --s3-region REGION]
            [--presign-expires-secs N] [--presign-max-bytes N] [--vela-minutes N]
            [--www-dir DIR] [--pkg-dir DIR] [--tls-cert PEM --tls-key PEM]
            [--fault-rate F --fault-mode 503|reset|stall --fault-seed N] [--fault-grpc]
            [--header-read-timeout-secs N] [--idle-timeout-secs N]
            [--allow-host NAME:PORT]... [--csp-connect-src ORIGIN]...

KIND is chat, audio-one-channel or audio-two-channel.

Defaults (good for the demo): --listen 127.0.0.1:8787, --s3-listen 127.0.0.1:8788,
--data-dir .devserver-data, --api-key demo-api-key (only when no key or token is given),
connections demo-chat=chat, demo-audio-1=audio-one-channel, demo-audio-2=audio-two-channel
(only when no --connection is given), CORS for any loopback origin, --s3-bucket talk-uploads,
--s3-max-skew-secs 900, --presign-expires-secs 3600, --presign-max-bytes 5368709120,
--vela-minutes 600, --www-dir www, --pkg-dir pkg, --header-read-timeout-secs 30,
--idle-timeout-secs 75.

--tls-cert / --tls-key serve the main port over TLS (h2 and http/1.1 by ALPN) instead of
cleartext h2c + HTTP/1.1: a TLS gRPC upstream for talk-gateway's tests. The S3 port stays
cleartext. --fault-grpc makes the faults hit plain gRPC uploads as well as grpc-web ones (the
devserver as a failing upstream of talk-gateway).

Slow and idle clients are closed on both ports: a connection gets --header-read-timeout-secs
from accept until its first request head is complete (one that never sends a byte is closed
then), and --idle-timeout-secs with no request in progress until its next head is complete
(HTTP/1.1 keep-alive and idle HTTP/2 alike). A request in progress is never timed out, however
long its upload takes; a `stall` fault holds its request on purpose. 0 turns a limit off.

/api/*, the demo page and its files answer only a Host of the listen address, localhost:PORT
or 127.0.0.1:PORT, else 421 Misdirected Request (a defence against DNS rebinding); add names
with --allow-host (e.g. --allow-host devbox.lan:8787). gRPC / grpc-web, the Vela endpoints and
the S3 port answer any Host: browsers call them cross-origin, with credentials.

The pages are served with Content-Security-Policy: script-src 'self' 'wasm-unsafe-eval' (no
eval, no inline script), connect-src 'self' plus the S3 origin that presigned forms post to;
--csp-connect-src ORIGIN adds an origin the page may call, e.g. a talk-gateway
(--csp-connect-src http://127.0.0.1:8790). /bench/ is served without a CSP.

The embedded S3 (--s3-listen) accepts the fixed development credentials devserver-access-key /
devserver-secret-key in region us-east-1 (like MinIO's defaults), so boto3 or the AWS CLI can read
what was uploaded. --s3-endpoint and friends point the Vela presigner at another store instead.

The first line on stdout is JSON naming the bound addresses, so port 0 works in tests.
";

impl Config {
    /// Parses the arguments after the program name.
    pub fn from_args<I: IntoIterator<Item = String>>(args: I) -> Result<Self, ConfigError> {
        let mut cfg = Config {
            listen: "127.0.0.1:8787".parse().expect("literal address"),
            data_dir: PathBuf::from(".devserver-data"),
            api_keys: Vec::new(),
            iam_tokens: Vec::new(),
            connections: BTreeMap::new(),
            cors_origins: Vec::new(),
            s3_listen: "127.0.0.1:8788".parse().expect("literal address"),
            s3_external: None,
            s3_bucket: "talk-uploads".into(),
            s3_max_skew_secs: 900,
            presign_expires_secs: 3600,
            presign_max_bytes: 5 * 1024 * 1024 * 1024,
            vela_minutes_per_org: 600,
            www_dir: PathBuf::from("www"),
            pkg_dir: PathBuf::from("pkg"),
            tls: None,
            fault_grpc: false,
            faults: None,
            header_read_timeout_secs: 30,
            idle_timeout_secs: 75,
            allow_hosts: Vec::new(),
            csp_connect_src: Vec::new(),
        };
        let (mut tls_cert, mut tls_key) = (None, None);
        let (mut fault_rate, mut fault_mode, mut fault_seed) = (0.0f64, FaultMode::Http503, 1u64);
        let (mut s3_endpoint, mut s3_access, mut s3_secret, mut s3_region) = (None, None, None, None);

        let mut it = args.into_iter();
        while let Some(flag) = it.next() {
            if flag == "--help" || flag == "-h" {
                return Err(ConfigError::Help);
            }
            let mut value = || it.next().ok_or_else(|| ConfigError::MissingValue(flag.clone()));
            match flag.as_str() {
                "--listen" => cfg.listen = parse_addr(&flag, &value()?)?,
                "--s3-listen" => cfg.s3_listen = parse_addr(&flag, &value()?)?,
                "--data-dir" => cfg.data_dir = PathBuf::from(value()?),
                "--www-dir" => cfg.www_dir = PathBuf::from(value()?),
                "--pkg-dir" => cfg.pkg_dir = PathBuf::from(value()?),
                "--fault-grpc" => cfg.fault_grpc = true,
                "--tls-cert" => tls_cert = Some(PathBuf::from(value()?)),
                "--tls-key" => tls_key = Some(PathBuf::from(value()?)),
                "--api-key" => cfg.api_keys.push(non_empty(&flag, value()?)?),
                "--iam-token" => cfg.iam_tokens.push(non_empty(&flag, value()?)?),
                "--cors-origin" => cfg.cors_origins.push(non_empty(&flag, value()?)?),
                "--connection" => {
                    let v = value()?;
                    let (id, kind) = v.split_once('=').ok_or_else(|| bad(&flag, "expected ID=KIND"))?;
                    let kind = ConnectionKind::from_name(kind).ok_or_else(|| {
                        bad(&flag, "KIND must be chat, audio-one-channel or audio-two-channel")
                    })?;
                    if id.is_empty() {
                        return Err(bad(&flag, "the connection id is empty"));
                    }
                    cfg.connections.insert(id.to_owned(), kind);
                }
                "--s3-bucket" => cfg.s3_bucket = non_empty(&flag, value()?)?,
                "--s3-endpoint" => s3_endpoint = Some(non_empty(&flag, value()?)?),
                "--s3-access-key" => s3_access = Some(non_empty(&flag, value()?)?),
                "--s3-secret-key" => s3_secret = Some(non_empty(&flag, value()?)?),
                "--s3-region" => s3_region = Some(non_empty(&flag, value()?)?),
                "--s3-max-skew-secs" => cfg.s3_max_skew_secs = parse_num(&flag, &value()?)?,
                "--presign-expires-secs" => cfg.presign_expires_secs = parse_num(&flag, &value()?)?,
                "--presign-max-bytes" => cfg.presign_max_bytes = parse_num(&flag, &value()?)?,
                "--vela-minutes" => cfg.vela_minutes_per_org = parse_num(&flag, &value()?)?,
                "--fault-rate" => {
                    let v = value()?;
                    fault_rate = v.parse().map_err(|_| bad(&flag, "expected a number in [0, 1]"))?;
                    if !(0.0..=1.0).contains(&fault_rate) {
                        return Err(bad(&flag, "expected a number in [0, 1]"));
                    }
                }
                "--fault-mode" => {
                    fault_mode = match value()?.as_str() {
                        "503" => FaultMode::Http503,
                        "reset" => FaultMode::Reset,
                        "stall" => FaultMode::Stall,
                        _ => return Err(bad(&flag, "expected 503, reset or stall")),
                    }
                }
                "--fault-seed" => fault_seed = parse_num(&flag, &value()?)?,
                "--header-read-timeout-secs" => cfg.header_read_timeout_secs = parse_num(&flag, &value()?)?,
                "--idle-timeout-secs" => cfg.idle_timeout_secs = parse_num(&flag, &value()?)?,
                "--allow-host" => {
                    let v = value()?;
                    let ok = v.rsplit_once(':').is_some_and(|(name, port)| {
                        !name.is_empty() && port.parse::<u16>().is_ok() && !v.contains(|c: char| c.is_whitespace() || c == '/' || c == ',')
                    });
                    if !ok {
                        return Err(bad(&flag, "expected NAME:PORT, e.g. devbox.lan:8787"));
                    }
                    cfg.allow_hosts.push(v);
                }
                "--csp-connect-src" => {
                    let v = value()?;
                    let ok = v.split_once("://").is_some_and(|(scheme, host)| {
                        matches!(scheme, "http" | "https" | "ws" | "wss")
                            && !host.is_empty()
                            && !host.contains(|c: char| c.is_whitespace() || matches!(c, '/' | ';' | ',' | '\'' | '"'))
                    });
                    if !ok {
                        return Err(bad(&flag, "expected an origin, e.g. http://127.0.0.1:8790 (scheme://host:port, no path)"));
                    }
                    cfg.csp_connect_src.push(v);
                }
                _ => return Err(ConfigError::UnknownFlag(flag)),
            }
        }

        if cfg.api_keys.is_empty() && cfg.iam_tokens.is_empty() {
            cfg.api_keys.push(DEMO_API_KEY.to_owned());
        }
        if cfg.connections.is_empty() {
            cfg.connections.insert("demo-chat".into(), ConnectionKind::Chat);
            cfg.connections.insert("demo-audio-1".into(), ConnectionKind::AudioOneChannel);
            cfg.connections.insert("demo-audio-2".into(), ConnectionKind::AudioTwoChannel);
        }
        cfg.tls = match (tls_cert, tls_key) {
            (None, None) => None,
            (Some(c), Some(k)) => Some((c, k)),
            _ => return Err(bad("--tls-cert", "--tls-cert and --tls-key go together")),
        };
        if fault_rate > 0.0 {
            cfg.faults = Some(Faults { rate: fault_rate, mode: fault_mode, seed: fault_seed });
        }
        match (s3_endpoint, s3_access, s3_secret, s3_region) {
            (None, None, None, None) => {}
            (Some(endpoint), Some(access_key), Some(secret_key), region) => {
                cfg.s3_external = Some(ExternalS3 {
                    endpoint,
                    access_key,
                    secret_key,
                    bucket: cfg.s3_bucket.clone(),
                    region: region.unwrap_or_else(|| "us-east-1".into()),
                });
            }
            _ => {
                return Err(bad(
                    "--s3-endpoint",
                    "an external store needs --s3-endpoint, --s3-access-key and --s3-secret-key together",
                ))
            }
        }
        Ok(cfg)
    }

    /// How both ports treat idle and slow connections.
    pub fn serve_options(&self) -> crate::serve::ServeOptions {
        let secs = |n: u64| (n > 0).then(|| std::time::Duration::from_secs(n));
        crate::serve::ServeOptions {
            header_read_timeout: secs(self.header_read_timeout_secs),
            idle_timeout: secs(self.idle_timeout_secs),
        }
    }

    /// Whether `origin` may call the server from a browser.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        if self.cors_origins.is_empty() {
            return is_loopback_origin(origin);
        }
        self.cors_origins.iter().any(|o| o == "*" || o == origin)
    }
}

/// An `http(s)://` origin whose host is loopback by the package's own rule
/// ([`is_loopback_host`](talk_uploader::formats::text::is_loopback_host): `127.0.0.0/8`,
/// `[::1]`, `localhost`, `*.localhost`), so the devserver's CORS lets through every page the
/// package itself lets send credentials over plain `http:`.
pub fn is_loopback_origin(origin: &str) -> bool {
    let is_origin = origin
        .split_once("://")
        .is_some_and(|(scheme, rest)| matches!(scheme, "http" | "https") && !rest.contains(['/', '?', '#', '@']));
    is_origin && talk_uploader::formats::text::url_host(origin).is_some_and(|h| talk_uploader::formats::text::is_loopback_host(&h))
}

fn bad(flag: &str, message: &str) -> ConfigError {
    ConfigError::BadValue { flag: flag.to_owned(), message: message.to_owned() }
}

fn non_empty(flag: &str, v: String) -> Result<String, ConfigError> {
    if v.is_empty() {
        Err(bad(flag, "must not be empty"))
    } else {
        Ok(v)
    }
}

fn parse_addr(flag: &str, v: &str) -> Result<SocketAddr, ConfigError> {
    v.parse().map_err(|_| bad(flag, "expected IP:PORT, e.g. 127.0.0.1:8787"))
}

fn parse_num(flag: &str, v: &str) -> Result<u64, ConfigError> {
    v.parse().map_err(|_| bad(flag, "expected a non-negative integer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, ConfigError> {
        Config::from_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults_are_good_for_the_demo() {
        let c = parse(&[]).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8787");
        assert_eq!(c.api_keys, vec![DEMO_API_KEY]);
        assert_eq!(c.connections.get("demo-chat"), Some(&ConnectionKind::Chat));
        assert!(c.faults.is_none());
        assert_eq!(c.serve_options(), crate::serve::ServeOptions::default());
    }

    #[test]
    fn host_and_csp_flags_take_only_what_fits_their_header() {
        let c = parse(&["--allow-host", "devbox.lan:8787", "--csp-connect-src", "http://127.0.0.1:8790"]).unwrap();
        assert_eq!(c.allow_hosts, vec!["devbox.lan:8787"]);
        assert_eq!(c.csp_connect_src, vec!["http://127.0.0.1:8790"]);
        // CSP's own port wildcard: a gateway on a port picked at start-up.
        assert!(parse(&["--csp-connect-src", "http://127.0.0.1:*"]).is_ok());
        for bad in [&["--allow-host", "devbox.lan"][..], &["--allow-host", "a b:1"], &["--csp-connect-src", "127.0.0.1:8790"],
            &["--csp-connect-src", "http://x; script-src *"], &["--csp-connect-src", "http://x/path"], &["--csp-connect-src", "javascript://x"]] {
            let e = parse(bad).map(|_| ()).unwrap_err().to_string();
            assert!(e.contains(bad[0]), "{bad:?}: {e}");
        }
    }

    #[test]
    fn timeouts_are_flags_and_zero_turns_them_off() {
        let c = parse(&["--header-read-timeout-secs", "2", "--idle-timeout-secs", "0"]).unwrap();
        let o = c.serve_options();
        assert_eq!(o.header_read_timeout, Some(std::time::Duration::from_secs(2)));
        assert_eq!(o.idle_timeout, None);
        let e = parse(&["--idle-timeout-secs", "soon"]).unwrap_err().to_string();
        assert!(e.contains("--idle-timeout-secs"), "{e}");
    }

    #[test]
    fn stable_flags_parse() {
        let c = parse(&[
            "--listen", "127.0.0.1:0", "--data-dir", "/tmp/x", "--api-key", "k1", "--api-key", "k2",
            "--iam-token", "t", "--connection", "c1=chat", "--connection", "c2=audio-two-channel",
        ])
        .unwrap();
        assert_eq!(c.api_keys, vec!["k1", "k2"]);
        assert_eq!(c.iam_tokens, vec!["t"]);
        assert_eq!(c.connections.len(), 2);
        assert_eq!(c.connections["c2"], ConnectionKind::AudioTwoChannel);
    }

    #[test]
    fn mistakes_name_the_flag() {
        let e = parse(&["--connection", "x=video"]).unwrap_err().to_string();
        assert!(e.contains("--connection"), "{e}");
        assert!(parse(&["--api-key"]).unwrap_err().to_string().contains("--api-key"));
        assert!(matches!(parse(&["--nope"]), Err(ConfigError::UnknownFlag(_))));
        assert!(parse(&["--fault-rate", "2"]).is_err());
    }

    #[test]
    fn debug_never_prints_secrets() {
        let c = parse(&["--api-key", "SECRET1", "--s3-endpoint", "http://x", "--s3-access-key", "A",
            "--s3-secret-key", "SECRET2"]).unwrap();
        let d = format!("{c:?}");
        assert!(!d.contains("SECRET1") && !d.contains("SECRET2"), "{d}");
    }

    #[test]
    fn loopback_origins() {
        assert!(is_loopback_origin("http://127.0.0.1:5173"));
        assert!(is_loopback_origin("http://localhost"));
        assert!(is_loopback_origin("http://[::1]:8080"));
        assert!(!is_loopback_origin("http://127.0.0.1.evil.com"));
        assert!(!is_loopback_origin("https://example.com"));
        assert!(!is_loopback_origin("null"));
        // The package's rule (web/endpoint.rs): what it lets use plain http:, CORS lets in.
        assert!(is_loopback_origin("http://127.0.0.2:3000"));
        assert!(is_loopback_origin("http://app.localhost:5173"));
        assert!(!is_loopback_origin("http://localhost.evil.com"));
        assert!(!is_loopback_origin("http://evil.com@127.0.0.1"));
        for origin in ["http://127.0.0.1:5173", "http://127.0.0.2", "http://app.localhost:1", "http://[::1]:8080",
            "http://localhost", "http://10.0.0.1", "http://127.0.0.1.evil.com", "http://localhostx", "http://127.1"] {
            let package = talk_uploader::web::endpoint::check_endpoint("endpoint", origin).is_ok();
            assert_eq!(is_loopback_origin(origin), package, "{origin}");
        }
    }
}
