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

use clap::Parser;

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

impl FaultMode {
    /// The name on the command line and in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultMode::Http503 => "503",
            FaultMode::Reset => "reset",
            FaultMode::Stall => "stall",
        }
    }

    fn from_name(s: &str) -> Option<Self> {
        [FaultMode::Http503, FaultMode::Reset, FaultMode::Stall].into_iter().find(|m| m.as_str() == s)
    }
}

/// Fault injection for reliability tests (`--fault-schedule`, `--fault-mode`): which of the
/// requests a fault layer sees fail, by their index (0, 1, 2, ...), and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Faults {
    /// What happens to request `n`: `None` passes it, `Some(mode)` fails it.
    pub schedule: Vec<Option<FaultMode>>,
    /// Whether the schedule starts again after its last entry (a trailing `...`); otherwise
    /// every later request passes.
    pub repeat: bool,
}

impl Faults {
    /// Parses `--fault-schedule`: comma-separated `ok`, `fail` (fails with `default_mode`, the
    /// `--fault-mode`), `503`, `reset` or `stall`, optionally ending in `...` to repeat.
    pub fn parse(schedule: &str, default_mode: FaultMode) -> Result<Self, String> {
        let mut items: Vec<&str> = schedule.split(',').map(str::trim).collect();
        let repeat = items.last() == Some(&"...");
        if repeat {
            items.pop();
        }
        if items.is_empty() || items == [""] {
            return Err("expected at least one of ok, fail, 503, reset, stall".into());
        }
        let schedule = items
            .iter()
            .enumerate()
            .map(|(i, item)| match *item {
                "ok" => Ok(None),
                "fail" => Ok(Some(default_mode)),
                other => FaultMode::from_name(other).map(Some).ok_or_else(|| {
                    format!("entry {i} is {other:?}: expected ok, fail, 503, reset or stall (and `...` only last)")
                }),
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Faults { schedule, repeat })
    }

    /// How request `n` (0-based, counted per fault layer) fails, or `None` when it passes.
    pub fn at(&self, n: u64) -> Option<FaultMode> {
        let len = self.schedule.len() as u64;
        let i = if n < len {
            n
        } else if self.repeat && len > 0 {
            n % len
        } else {
            return None;
        };
        self.schedule.get(usize::try_from(i).ok()?).copied().flatten()
    }
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
    /// Fault injection; `None` without `--fault-schedule`.
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

/// A command-line mistake, with the flag it concerns (shared with talk-gateway).
pub use talk_native::CliError as ConfigError;

/// What `--help` prints after the flags.
const AFTER_HELP: &str = "\
KIND is chat, audio-one-channel or audio-two-channel.

With no --api-key or --iam-token, the demo key demo-api-key is accepted; with no --connection,
the connections demo-chat=chat, demo-audio-1=audio-one-channel and demo-audio-2=audio-two-channel
exist. With no --cors-origin, any loopback origin is allowed (127.0.0.0/8, [::1], localhost,
*.localhost: the hosts the package itself lets use plain http:).

--tls-cert / --tls-key serve the main port over TLS (h2 and http/1.1 by ALPN) instead of
cleartext h2c + HTTP/1.1: a TLS gRPC upstream for talk-gateway's tests. The S3 port stays
cleartext.

Faults: --fault-schedule says which upload requests fail, by their index, counted separately on
each port (grpc-web uploads on the main port, form POSTs on the S3 port): a comma-separated list
of ok, fail (fails as --fault-mode says), 503, reset or stall, ending in `...` to repeat it, else
every request after the list passes. `fail,ok,...` fails the even-numbered requests; `stall,...`
every one. 503 drains the body and answers 503 with retry-after: 1; reset cuts the connection in
the middle of the body; stall never reads the body nor answers. --fault-grpc makes the faults hit
plain gRPC uploads as well as grpc-web ones (the devserver as a failing upstream of
talk-gateway).

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

/// The flags, as clap reads them; [`Config::from_args`] then checks them together.
#[derive(Parser, Debug)]
#[command(
    name = "devserver",
    about = "devserver: local reference server for talk-uploader",
    after_help = AFTER_HELP,
    disable_version_flag = true,
    // As before clap: a flag given twice takes its last value (scripts append overrides).
    args_override_self = true
)]
struct Cli {
    /// gRPC + grpc-web + HTTP API + demo address; port 0 picks a free port
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787", value_parser = addr)]
    listen: SocketAddr,
    /// Where the database and the audio files live
    #[arg(long, value_name = "DIR", default_value = ".devserver-data")]
    data_dir: PathBuf,
    /// An accepted `Api-Key` (also a Vela bearer token); repeatable
    #[arg(long = "api-key", value_name = "KEY", value_parser = non_empty)]
    api_keys: Vec<String>,
    /// An accepted `Bearer` IAM token; repeatable
    #[arg(long = "iam-token", value_name = "TOKEN", value_parser = non_empty)]
    iam_tokens: Vec<String>,
    /// A connection and what it accepts; repeatable
    #[arg(long = "connection", value_name = "ID=KIND", value_parser = connection)]
    connections: Vec<(String, ConnectionKind)>,
    /// An origin allowed through CORS (`*`: any); repeatable
    #[arg(long = "cors-origin", value_name = "ORIGIN", value_parser = non_empty)]
    cors_origins: Vec<String>,
    /// The embedded S3 server's address; port 0 picks a free port
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8788", value_parser = addr)]
    s3_listen: SocketAddr,
    /// The bucket (of the embedded S3, or of --s3-endpoint)
    #[arg(long, value_name = "NAME", default_value = "talk-uploads", value_parser = non_empty)]
    s3_bucket: String,
    /// Allowed clock skew of a form's x-amz-date, in seconds
    #[arg(long, value_name = "N", default_value = "900", value_parser = number)]
    s3_max_skew_secs: u64,
    /// An external S3-compatible store for the Vela presigner, instead of the embedded one
    #[arg(long, value_name = "URL", value_parser = non_empty)]
    s3_endpoint: Option<String>,
    /// The external store's access key id
    #[arg(long, value_name = "KEY", value_parser = non_empty)]
    s3_access_key: Option<String>,
    /// The external store's secret key
    #[arg(long, value_name = "SECRET", value_parser = non_empty)]
    s3_secret_key: Option<String>,
    /// The external store's signing region [default: us-east-1]
    #[arg(long, value_name = "REGION", value_parser = non_empty)]
    s3_region: Option<String>,
    /// Lifetime of a presigned POST policy, in seconds
    #[arg(long, value_name = "N", default_value = "3600", value_parser = number)]
    presign_expires_secs: u64,
    /// Largest object a presigned POST allows, in bytes
    #[arg(long, value_name = "N", default_value = "5368709120", value_parser = number)]
    presign_max_bytes: u64,
    /// Minutes of audio each Vela org may upload
    #[arg(long = "vela-minutes", value_name = "N", default_value = "600", value_parser = number)]
    vela_minutes_per_org: u64,
    /// The demo page
    #[arg(long, value_name = "DIR", default_value = "www")]
    www_dir: PathBuf,
    /// The built npm package
    #[arg(long, value_name = "DIR", default_value = "pkg")]
    pkg_dir: PathBuf,
    /// Serve the main port over TLS with this certificate chain (PEM); needs --tls-key
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Which upload requests fail, by index, e.g. `fail,ok,...` (see below)
    #[arg(long, value_name = "LIST")]
    fault_schedule: Option<String>,
    /// How a `fail` in --fault-schedule fails: 503, reset or stall
    #[arg(long, value_name = "MODE", default_value = "503", value_parser = fault_mode)]
    fault_mode: FaultMode,
    /// Faults hit plain gRPC uploads too, not only grpc-web ones
    #[arg(long)]
    fault_grpc: bool,
    /// Seconds from accept until a connection's first request head is complete; 0: no limit
    #[arg(long, value_name = "N", default_value = "30", value_parser = number)]
    header_read_timeout_secs: u64,
    /// Seconds a connection with no request in progress stays open; 0: forever
    #[arg(long, value_name = "N", default_value = "75", value_parser = number)]
    idle_timeout_secs: u64,
    /// Another `Host` (NAME:PORT) that /api and the pages answer; repeatable
    #[arg(long = "allow-host", value_name = "NAME:PORT", value_parser = allow_host)]
    allow_hosts: Vec<String>,
    /// Another origin in the pages' CSP connect-src, e.g. a talk-gateway; repeatable
    #[arg(long = "csp-connect-src", value_name = "ORIGIN", value_parser = csp_origin)]
    csp_connect_src: Vec<String>,
}

impl Config {
    /// Parses the arguments after the program name.
    pub fn from_args<I: IntoIterator<Item = String>>(args: I) -> Result<Self, ConfigError> {
        let cli = Cli::try_parse_from(std::iter::once("devserver".to_owned()).chain(args))?;
        let mut api_keys = cli.api_keys;
        if api_keys.is_empty() && cli.iam_tokens.is_empty() {
            api_keys.push(DEMO_API_KEY.to_owned());
        }
        let mut connections: BTreeMap<String, ConnectionKind> = cli.connections.into_iter().collect();
        if connections.is_empty() {
            connections.insert("demo-chat".into(), ConnectionKind::Chat);
            connections.insert("demo-audio-1".into(), ConnectionKind::AudioOneChannel);
            connections.insert("demo-audio-2".into(), ConnectionKind::AudioTwoChannel);
        }
        let faults = match &cli.fault_schedule {
            Some(list) => Some(Faults::parse(list, cli.fault_mode).map_err(|m| bad("--fault-schedule", m))?),
            None => None,
        };
        let s3_external = match (cli.s3_endpoint, cli.s3_access_key, cli.s3_secret_key, cli.s3_region) {
            (None, None, None, None) => None,
            (Some(endpoint), Some(access_key), Some(secret_key), region) => Some(ExternalS3 {
                endpoint,
                access_key,
                secret_key,
                bucket: cli.s3_bucket.clone(),
                region: region.unwrap_or_else(|| "us-east-1".into()),
            }),
            _ => {
                return Err(bad(
                    "--s3-endpoint",
                    "an external store needs --s3-endpoint, --s3-access-key and --s3-secret-key together",
                ))
            }
        };
        Ok(Config {
            listen: cli.listen,
            data_dir: cli.data_dir,
            api_keys,
            iam_tokens: cli.iam_tokens,
            connections,
            cors_origins: cli.cors_origins,
            s3_listen: cli.s3_listen,
            s3_external,
            s3_bucket: cli.s3_bucket,
            s3_max_skew_secs: cli.s3_max_skew_secs,
            presign_expires_secs: cli.presign_expires_secs,
            presign_max_bytes: cli.presign_max_bytes,
            vela_minutes_per_org: cli.vela_minutes_per_org,
            www_dir: cli.www_dir,
            pkg_dir: cli.pkg_dir,
            tls: cli.tls_cert.zip(cli.tls_key),
            fault_grpc: cli.fault_grpc,
            faults,
            header_read_timeout_secs: cli.header_read_timeout_secs,
            idle_timeout_secs: cli.idle_timeout_secs,
            allow_hosts: cli.allow_hosts,
            csp_connect_src: cli.csp_connect_src,
        })
    }

    /// The text `--help` prints.
    pub fn help() -> String {
        <Cli as clap::CommandFactory>::command().render_help().to_string()
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

use talk_native::bad;

// Value parsers: clap puts the flag and the value in front of each message.

fn non_empty(v: &str) -> Result<String, String> {
    if v.is_empty() {
        Err("must not be empty".into())
    } else {
        Ok(v.to_owned())
    }
}

fn addr(v: &str) -> Result<SocketAddr, String> {
    v.parse().map_err(|_| "expected IP:PORT, e.g. 127.0.0.1:8787".into())
}

fn number(v: &str) -> Result<u64, String> {
    v.parse().map_err(|_| "expected a non-negative integer".into())
}

fn fault_mode(v: &str) -> Result<FaultMode, String> {
    FaultMode::from_name(v).ok_or_else(|| "expected 503, reset or stall".into())
}

fn connection(v: &str) -> Result<(String, ConnectionKind), String> {
    let (id, kind) = v.split_once('=').ok_or("expected ID=KIND")?;
    let kind = ConnectionKind::from_name(kind).ok_or("KIND must be chat, audio-one-channel or audio-two-channel")?;
    if id.is_empty() {
        return Err("the connection id is empty".into());
    }
    Ok((id.to_owned(), kind))
}

fn allow_host(v: &str) -> Result<String, String> {
    let ok = v.rsplit_once(':').is_some_and(|(name, port)| {
        !name.is_empty() && port.parse::<u16>().is_ok() && !v.contains(|c: char| c.is_whitespace() || c == '/' || c == ',')
    });
    if ok {
        Ok(v.to_owned())
    } else {
        Err("expected NAME:PORT, e.g. devbox.lan:8787".into())
    }
}

fn csp_origin(v: &str) -> Result<String, String> {
    let ok = v.split_once("://").is_some_and(|(scheme, host)| {
        matches!(scheme, "http" | "https" | "ws" | "wss")
            && !host.is_empty()
            && !host.contains(|c: char| c.is_whitespace() || matches!(c, '/' | ';' | ',' | '\'' | '"'))
    });
    if ok {
        Ok(v.to_owned())
    } else {
        Err("expected an origin, e.g. http://127.0.0.1:8790 (scheme://host:port, no path)".into())
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
