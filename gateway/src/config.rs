//! The command line. It is a stable interface: deployments, `scripts/test.sh` and `npm run demo`
//! start the gateway with these flags. Secrets are read from environment variables named on the
//! command line, never from the arguments themselves, which every local user can read with `ps`.
//!
//! ```text
//! SPEECHSENSE_KEY='Api-Key …' TICKET_SECRET='…' talk-gateway --listen 127.0.0.1:8443 \
//!   --upstream https://api.speechsense.yandexcloud.net:443 --allow-origin https://app.example.com \
//!   --credential-env SPEECHSENSE_KEY --ticket-secret-env TICKET_SECRET
//! ```

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// Largest upload body (grpc-web framing included) when neither `--max-upload-bytes` nor the
/// ticket says less: 4 GiB, far above SpeechSense's own limits for one talk.
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// Concurrent requests when `--max-concurrent` is not given.
pub const DEFAULT_MAX_CONCURRENT: usize = 256;

/// What `talk-gateway --help` prints after the flags.
const AFTER_HELP: &str = "\
Terminate TLS in front (load balancer, Caddy, nginx). Secrets are read from the environment
variables the *-env flags name, never from the command line, which every local user can read
with `ps`.

TICKETS (what a page sends as `authorization: Bearer <ticket>`):
  A JWT signed with HS256 by the application's backend after it authenticated its user. Claims:
    aud          \"talk-gateway\" (required)
    exp          Unix seconds (required; at most 24 h ahead; 60 s of clock skew allowed)
    connections  [\"<SpeechSense connection id>\", ...] the uploads may go to (required)
    org_id       the Vela organisation whose calls and chats it may upload (optional)
    s3_prefix    the key prefix of /s3/presign uploads, e.g. \"tenant-7/\" (optional)
    max_bytes    largest upload body, in bytes (optional)
  Missing, expired, tampered or wrong-audience tickets get UNAUTHENTICATED (HTTP 401 on the JSON
  routes) and nothing is sent upstream. A connection or org the ticket does not name gets
  PERMISSION_DENIED (403) before any audio byte goes upstream; so does an upload over max_bytes.
  `talk-gateway mint-ticket --help`: minting one for trying it out and for tests.

ROUTES:
  POST /yandex.cloud.speechsense.v1.TalkService/{Upload,UploadAsStream,UploadText,UploadBadge}
                           grpc-web in, gRPC over HTTP/2 to --upstream; any other path is 404
  POST /vela/asr/async/upload/vela, POST /vela/chat/upload/vela   (with --vela-upstream)
  POST /s3/presign {filename, size, contentType} -> {url, fields, key}   (with --s3-bucket-url)
  GET  /healthz

The first stdout line is JSON naming the bound address, {\"event\":\"listening\",\"http\":\"127.0.0.1:PORT\"},
then one JSON line per request (never a ticket, key or token). SIGTERM or Ctrl-C stops accepting
and lets running uploads finish (up to 60 s).

DEPLOYMENT EXAMPLE (systemd, behind a TLS-terminating load balancer, several replicas):
  # /etc/talk-gateway.env (mode 0600)
  SPEECHSENSE_KEY=Api-Key AQVN...
  TICKET_SECRET=<64 random hex characters, shared with the backend that mints tickets>
  # ExecStart=
  talk-gateway --listen 0.0.0.0:8080 --upstream https://api.speechsense.yandexcloud.net:443 \\
    --allow-origin https://app.example.com --credential-env SPEECHSENSE_KEY \\
    --ticket-secret-env TICKET_SECRET --max-upload-bytes 1073741824
  The gateway keeps no state: run as many replicas as needed behind any load balancer.
";

/// `talk-gateway`'s flags, as clap reads them; [`Config::from_args`] checks them together and
/// reads the secrets.
#[derive(Parser, Debug)]
#[command(
    name = "talk-gateway",
    about = "talk-gateway: the production route from a browser to SpeechSense (gRPC over TLS) and Vela.\nThe page holds a short-lived upload ticket, never an API key.",
    after_help = AFTER_HELP,
    disable_version_flag = true,
    // As before clap: a flag given twice takes its last value (scripts append overrides).
    args_override_self = true
)]
struct Cli {
    /// Address to listen on (HTTP/1.1 and h2c), e.g. 127.0.0.1:8443; port 0 picks a free port
    #[arg(long, value_name = "ADDR", value_parser = listen_addr)]
    listen: SocketAddr,
    /// SpeechSense gRPC: https://api.speechsense.yandexcloud.net:443 in production; http:// (h2c) only for loopback hosts
    #[arg(long, value_name = "URL")]
    upstream: String,
    /// Extra root certificates for a private upstream (added to the webpki roots)
    #[arg(long, value_name = "PEM")]
    upstream_ca_file: Option<PathBuf>,
    /// Repeatable: an exact origin (scheme://host[:port]) whose pages may call the gateway; any other origin is refused (403) and never gets Access-Control-Allow-Origin
    #[arg(long = "allow-origin", value_name = "ORIGIN", required = true, value_parser = origin)]
    allow_origins: Vec<String>,
    /// Environment variable holding the upstream credential, sent upstream as `authorization` exactly as written: `Api-Key <key>` or `Bearer <IAM token>`
    #[arg(long, value_name = "NAME")]
    credential_env: String,
    /// Environment variable holding the HS256 secret of upload tickets (its raw bytes; use at least 32 random bytes)
    #[arg(long, value_name = "NAME")]
    ticket_secret_env: String,
    /// The Vela API base, e.g. https://vela.example.com; enables POST /vela/asr/async/upload/vela and POST /vela/chat/upload/vela
    #[arg(long, value_name = "URL", requires = "vela_token_env")]
    vela_upstream: Option<String>,
    /// Environment variable holding the Vela bearer token
    #[arg(long, value_name = "NAME", requires = "vela_upstream")]
    vela_token_env: Option<String>,
    /// Enables POST /s3/presign for this bucket: path style (https://s3.eu-west-1.amazonaws.com/BUCKET) or virtual-hosted (https://BUCKET.s3.eu-west-1.amazonaws.com)
    #[arg(long, value_name = "URL", requires_all = ["s3_region", "s3_access_key_env", "s3_secret_key_env"])]
    s3_bucket_url: Option<String>,
    /// The bucket's signing region
    #[arg(long, value_name = "R", requires = "s3_bucket_url")]
    s3_region: Option<String>,
    /// Environment variable holding the signing key id
    #[arg(long, value_name = "NAME", requires = "s3_bucket_url")]
    s3_access_key_env: Option<String>,
    /// Environment variable holding the signing secret key
    #[arg(long, value_name = "NAME", requires = "s3_bucket_url")]
    s3_secret_key_env: Option<String>,
    /// Largest upload body through the gateway (default 4 GiB); a ticket's max_bytes can only lower it
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_UPLOAD_BYTES, value_parser = positive::<u64>)]
    max_upload_bytes: u64,
    /// Requests served at once; more get UNAVAILABLE / 503
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CONCURRENT, value_parser = positive::<usize>)]
    max_concurrent: usize,
}

/// `talk-gateway mint-ticket`'s flags.
#[derive(Parser, Debug)]
#[command(
    name = "talk-gateway mint-ticket",
    about = "Mints an upload ticket, for trying the gateway out and for tests (a backend mints with its own JWT library).\nPrints the ticket alone on stdout.",
    disable_version_flag = true,
    // As before clap: a flag given twice takes its last value (scripts append overrides).
    args_override_self = true
)]
pub struct MintArgs {
    /// The environment variable holding the same secret as --ticket-secret-env
    #[arg(long, value_name = "NAME")]
    pub secret_env: String,
    /// Repeatable: a SpeechSense connection id the ticket allows
    #[arg(long = "connection", value_name = "ID")]
    pub connections: Vec<String>,
    /// Lifetime in seconds; negative values make expired tickets for tests
    #[arg(long, value_name = "SECS", default_value_t = 600, allow_negative_numbers = true)]
    pub ttl: i64,
    /// The optional `org_id` claim
    #[arg(long, value_name = "ID")]
    pub org_id: Option<String>,
    /// The optional `s3_prefix` claim
    #[arg(long, value_name = "PREFIX")]
    pub s3_prefix: Option<String>,
    /// The optional `max_bytes` claim
    #[arg(long, value_name = "N")]
    pub max_bytes: Option<u64>,
    /// Audience (other values only to test refusals)
    #[arg(long, value_name = "AUD", default_value = crate::ticket::AUDIENCE)]
    pub aud: String,
}

impl MintArgs {
    /// Parses the arguments after `mint-ticket`.
    pub fn from_args<I: IntoIterator<Item = String>>(args: I) -> Result<Self, ConfigError> {
        let m = MintArgs::try_parse_from(std::iter::once("talk-gateway mint-ticket".to_owned()).chain(args))?;
        if m.connections.is_empty() && m.org_id.is_none() && m.s3_prefix.is_none() {
            return Err(bad("--connection", "a ticket needs at least one --connection (or --org-id / --s3-prefix)"));
        }
        Ok(m)
    }
}

/// Everything the gateway is started with. Secrets are resolved from the environment.
#[derive(Clone)]
pub struct Config {
    /// Listen address.
    pub listen: SocketAddr,
    /// SpeechSense gRPC base URL (`https://host:port` or loopback `http://`).
    pub upstream: http::Uri,
    /// Extra root certificates (PEM file) for the upstream.
    pub upstream_ca_file: Option<PathBuf>,
    /// Exact allowed origins.
    pub allow_origins: Vec<String>,
    /// The upstream `authorization` value. Never printed.
    pub credential: String,
    /// HS256 ticket secret. Never printed.
    pub ticket_secret: Vec<u8>,
    /// Vela API base and its bearer token.
    pub vela: Option<Vela>,
    /// S3 presigning.
    pub s3: Option<S3>,
    /// Largest upload body.
    pub max_upload_bytes: u64,
    /// Requests served at once.
    pub max_concurrent: usize,
}

/// The Vela API the `/vela/...` routes forward to.
#[derive(Clone)]
pub struct Vela {
    /// Base URL, without a trailing slash.
    pub base: String,
    /// Bearer token. Never printed.
    pub token: String,
}

/// The bucket `/s3/presign` signs forms for.
#[derive(Clone)]
pub struct S3 {
    /// Where the form is posted (the bucket URL as given, no trailing slash).
    pub url: String,
    /// The bucket name (from the URL).
    pub bucket: String,
    /// Signing region.
    pub region: String,
    /// Access key id.
    pub access_key: String,
    /// Secret access key. Never printed.
    pub secret_key: String,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("upstream", &self.upstream)
            .field("allow_origins", &self.allow_origins)
            .field("vela", &self.vela.as_ref().map(|v| &v.base))
            .field("s3", &self.s3.as_ref().map(|s| &s.url))
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("max_concurrent", &self.max_concurrent)
            .finish_non_exhaustive()
    }
}

/// A command-line mistake, with the flag it concerns (shared with the devserver). Never holds
/// a secret's value.
pub use talk_native::CliError as ConfigError;
use talk_native::bad;

/// Reads a secret from the environment variable `name` (named by `flag`).
pub fn secret_from_env(
    flag: &str,
    name: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, ConfigError> {
    match env(name) {
        Some(v) if !v.is_empty() => Ok(v),
        Some(_) => Err(bad(flag, format!("environment variable {name} is empty"))),
        None => Err(bad(flag, format!("environment variable {name} is not set"))),
    }
}

/// Parses a base URL for an upstream: `https://host[:port]`, or `http://` for loopback only
/// (h2c and plain HTTP carry the credential in clear text).
pub fn parse_upstream(flag: &str, v: &str) -> Result<http::Uri, ConfigError> {
    let uri: http::Uri = v.parse().map_err(|_| bad(flag, "expected a URL such as https://host:443"))?;
    let host = uri.host().ok_or_else(|| bad(flag, "the URL has no host"))?;
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") => {
            if !is_loopback_host(host) {
                return Err(bad(flag, "http:// (no TLS) is allowed only for loopback hosts (127.0.0.1, ::1, localhost); use https://"));
            }
        }
        _ => return Err(bad(flag, "the URL must start with https:// (or http:// for loopback)")),
    }
    if uri.path_and_query().is_some_and(|p| p.as_str() != "/" && !p.as_str().is_empty()) && flag == "--upstream" {
        return Err(bad(flag, "a gRPC upstream is scheme://host:port, without a path"));
    }
    Ok(uri)
}

/// `127.0.0.0/8`, `[::1]`, `localhost` or `*.localhost`: the package's own rule
/// ([`talk_uploader::formats::text::is_loopback_host`]), so the gateway sends a credential over
/// plain `http:` to exactly the hosts the browser package would.
pub fn is_loopback_host(host: &str) -> bool {
    talk_uploader::formats::text::is_loopback_host(&host.to_ascii_lowercase())
}

/// An exact origin: `scheme://host[:port]`, no path, no trailing slash (a clap value parser).
fn origin(v: &str) -> Result<String, String> {
    let ok = v
        .split_once("://")
        .is_some_and(|(scheme, rest)| {
            matches!(scheme, "http" | "https") && !rest.is_empty() && !rest.contains('/') && !rest.contains('*')
        });
    if ok && v.parse::<http::HeaderValue>().is_ok() {
        Ok(v.to_owned())
    } else {
        Err("expected an exact origin such as https://app.example.com (no path, no wildcard)".into())
    }
}

fn listen_addr(v: &str) -> Result<SocketAddr, String> {
    v.parse().map_err(|_| "expected IP:PORT, e.g. 127.0.0.1:8443".into())
}

fn positive<T: std::str::FromStr + PartialOrd + Default>(v: &str) -> Result<T, String> {
    v.parse::<T>().ok().filter(|n| *n > T::default()).ok_or_else(|| "expected a positive integer".into())
}

/// The bucket name of a path-style (`https://host/BUCKET`) or virtual-hosted
/// (`https://BUCKET.s3.REGION.amazonaws.com`) bucket URL.
fn bucket_of(flag: &str, url: &http::Uri) -> Result<String, ConfigError> {
    let path = url.path().trim_matches('/');
    let name = if !path.is_empty() {
        if path.contains('/') {
            return Err(bad(flag, "a path-style bucket URL has exactly one path segment, the bucket"));
        }
        path.to_owned()
    } else {
        let host = url.host().unwrap_or_default();
        match host.split_once(".s3") {
            Some((bucket, _)) if !bucket.is_empty() => bucket.to_owned(),
            _ => return Err(bad(flag, "cannot tell the bucket: use https://HOST/BUCKET or https://BUCKET.s3.REGION.amazonaws.com")),
        }
    };
    if name.len() < 3 || name.len() > 63 || !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.') {
        return Err(bad(flag, "the bucket name must be 3 to 63 lowercase letters, digits, `-` or `.`"));
    }
    Ok(name)
}

impl Config {
    /// Parses the arguments after the program name, reading secrets with `env`.
    pub fn from_args<I: IntoIterator<Item = String>>(
        args: I,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let cli = Cli::try_parse_from(std::iter::once("talk-gateway".to_owned()).chain(args))?;
        let upstream = parse_upstream("--upstream", &cli.upstream)?;
        let credential_env = cli.credential_env;
        let credential = secret_from_env("--credential-env", &credential_env, env)?;
        let scheme_ok = credential
            .split_once(' ')
            .is_some_and(|(s, rest)| (s.eq_ignore_ascii_case("api-key") || s.eq_ignore_ascii_case("bearer")) && !rest.trim().is_empty());
        if !scheme_ok || http::HeaderValue::from_str(&credential).is_err() {
            return Err(bad("--credential-env", format!("{credential_env} must hold `Api-Key <key>` or `Bearer <IAM token>` (one line, visible ASCII)")));
        }
        let ticket_env = cli.ticket_secret_env;
        let ticket_secret = secret_from_env("--ticket-secret-env", &ticket_env, env)?.into_bytes();
        if ticket_secret.len() < 16 {
            return Err(bad("--ticket-secret-env", format!("{ticket_env} is shorter than 16 bytes; use at least 32 random bytes")));
        }

        let vela = match (cli.vela_upstream, cli.vela_token_env) {
            (None, None) => None,
            (Some(base), Some(token_env)) => {
                parse_upstream("--vela-upstream", &base)?;
                let token = secret_from_env("--vela-token-env", &token_env, env)?;
                if http::HeaderValue::from_str(&format!("Bearer {token}")).is_err() {
                    return Err(bad("--vela-token-env", format!("{token_env} is not a valid header value")));
                }
                Some(Vela { base: base.trim_end_matches('/').to_owned(), token })
            }
            _ => return Err(bad("--vela-upstream", "--vela-upstream and --vela-token-env go together")),
        };

        let s3 = match (cli.s3_bucket_url, cli.s3_region, cli.s3_access_key_env, cli.s3_secret_key_env) {
            (None, None, None, None) => None,
            (Some(url), Some(region), Some(ak), Some(sk)) => {
                let uri = parse_upstream("--s3-bucket-url", &url)?;
                let bucket = bucket_of("--s3-bucket-url", &uri)?;
                if region.is_empty() || !region.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                    return Err(bad("--s3-region", "expected a region such as eu-west-1"));
                }
                Some(S3 {
                    url: url.trim_end_matches('/').to_owned(),
                    bucket,
                    region,
                    access_key: secret_from_env("--s3-access-key-env", &ak, env)?,
                    secret_key: secret_from_env("--s3-secret-key-env", &sk, env)?,
                })
            }
            _ => {
                return Err(bad(
                    "--s3-bucket-url",
                    "--s3-bucket-url, --s3-region, --s3-access-key-env and --s3-secret-key-env go together",
                ))
            }
        };

        Ok(Config {
            listen: cli.listen,
            upstream,
            upstream_ca_file: cli.upstream_ca_file,
            allow_origins: cli.allow_origins,
            credential,
            ticket_secret,
            vela,
            s3,
            max_upload_bytes: cli.max_upload_bytes,
            max_concurrent: cli.max_concurrent,
        })
    }

    /// The text `--help` prints.
    pub fn help() -> String {
        <Cli as clap::CommandFactory>::command().render_help().to_string()
    }

    /// Whether a page of `origin` may call the gateway: exact match only.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        self.allow_origins.iter().any(|o| o == origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "CRED" => Some("Api-Key SECRET-KEY-1".into()),
            "TS" => Some("0123456789abcdef0123456789abcdef".into()),
            "VT" => Some("vela-SECRET".into()),
            "AK" => Some("AKID".into()),
            "SK" => Some("S3-SECRET".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    fn parse(extra: &[&str]) -> Result<Config, ConfigError> {
        let mut args = vec![
            "--listen", "127.0.0.1:0", "--upstream", "https://api.speechsense.yandexcloud.net:443",
            "--allow-origin", "https://app.example.com", "--credential-env", "CRED", "--ticket-secret-env", "TS",
        ];
        args.extend_from_slice(extra);
        Config::from_args(args.into_iter().map(String::from), &env)
    }

    #[test]
    fn minimal_production_command_line() {
        let c = parse(&[]).unwrap();
        assert_eq!(c.credential, "Api-Key SECRET-KEY-1");
        assert_eq!(c.max_upload_bytes, DEFAULT_MAX_UPLOAD_BYTES);
        assert!(c.origin_allowed("https://app.example.com"));
        assert!(!c.origin_allowed("https://app.example.com.evil.org"));
        assert!(!c.origin_allowed("http://app.example.com"));
    }

    #[test]
    fn plain_http_upstream_only_on_loopback() {
        assert!(parse(&["--upstream", "http://127.0.0.1:9000"]).is_ok());
        assert!(parse(&["--upstream", "http://[::1]:9000"]).is_ok());
        let e = parse(&["--upstream", "http://speechsense.example:80"]).unwrap_err().to_string();
        assert!(e.contains("loopback"), "{e}");
        assert!(parse(&["--upstream", "ftp://x"]).is_err());
        assert!(parse(&["--upstream", "http://LocalHost:9000"]).is_ok());
        assert!(parse(&["--upstream", "http://127.0.0.1.example:80"]).is_err());
    }

    #[test]
    fn secrets_come_from_the_environment_and_are_never_printed() {
        let c = parse(&[
            "--vela-upstream", "https://vela.example", "--vela-token-env", "VT",
            "--s3-bucket-url", "https://s3.eu-west-1.amazonaws.com/my-bucket", "--s3-region", "eu-west-1",
            "--s3-access-key-env", "AK", "--s3-secret-key-env", "SK",
        ])
        .unwrap();
        assert_eq!(c.s3.as_ref().unwrap().bucket, "my-bucket");
        let d = format!("{c:?}");
        for secret in ["SECRET-KEY-1", "0123456789abcdef", "vela-SECRET", "S3-SECRET"] {
            assert!(!d.contains(secret), "{d}");
        }
        let e = parse(&["--vela-upstream", "https://v", "--vela-token-env", "NOPE"]).unwrap_err().to_string();
        assert!(e.contains("NOPE is not set"), "{e}");
        assert!(parse(&["--credential-env", "EMPTY"]).unwrap_err().to_string().contains("empty"));
    }

    #[test]
    fn virtual_hosted_bucket_urls() {
        let c = parse(&[
            "--s3-bucket-url", "https://calls-eu.s3.eu-west-1.amazonaws.com", "--s3-region", "eu-west-1",
            "--s3-access-key-env", "AK", "--s3-secret-key-env", "SK",
        ])
        .unwrap();
        assert_eq!(c.s3.unwrap().bucket, "calls-eu");
    }

    #[test]
    fn mistakes_name_the_flag() {
        assert!(matches!(parse(&["--nope"]), Err(ConfigError::Cli(e)) if e.kind() == clap::error::ErrorKind::UnknownArgument));
        assert!(parse(&["--allow-origin", "https://*.example.com"]).unwrap_err().to_string().contains("--allow-origin"));
        assert!(parse(&["--allow-origin", "https://a.example/"]).is_err());
        assert!(parse(&["--max-upload-bytes", "0"]).unwrap_err().to_string().contains("--max-upload-bytes"));
        let no_upstream = Config::from_args(["--listen", "127.0.0.1:0"].map(String::from), &env).unwrap_err();
        assert!(no_upstream.to_string().contains("--upstream"));
        let ConfigError::Cli(e) = no_upstream else { panic!() };
        assert_eq!(e.exit_code(), 2);
        let e = parse(&["--vela-upstream", "https://v"]).unwrap_err().to_string();
        assert!(e.contains("--vela-token-env"), "{e}");
        let e = parse(&["--s3-bucket-url", "https://s3.example/b", "--s3-region", "r"]).unwrap_err().to_string();
        assert!(e.contains("--s3-access-key-env"), "{e}");
        let Err(ConfigError::Cli(e)) = parse(&["--help"]) else { panic!() };
        assert_eq!(e.exit_code(), 0);
    }

    /// The command line is a stable interface: every flag is still there, in the help too.
    #[test]
    fn help_lists_every_flag() {
        let help = Config::help();
        for flag in ["--listen", "--upstream", "--upstream-ca-file", "--allow-origin", "--credential-env", "--ticket-secret-env",
            "--vela-upstream", "--vela-token-env", "--s3-bucket-url", "--s3-region", "--s3-access-key-env",
            "--s3-secret-key-env", "--max-upload-bytes", "--max-concurrent", "mint-ticket", "TICKETS", "ROUTES"] {
            assert!(help.contains(flag), "{flag} missing from --help");
        }
        let mint = <MintArgs as clap::CommandFactory>::command().render_help().to_string();
        for flag in ["--secret-env", "--connection", "--ttl", "--org-id", "--s3-prefix", "--max-bytes", "--aud", "600"] {
            assert!(mint.contains(flag), "{flag} missing from mint-ticket --help");
        }
        let m = MintArgs::from_args(["--secret-env", "TS", "--connection", "c", "--ttl", "-60"].map(String::from)).unwrap();
        assert_eq!((m.ttl, m.aud.as_str(), m.connections.len()), (-60, crate::ticket::AUDIENCE, 1));
        assert!(MintArgs::from_args(["--secret-env", "TS"].map(String::from)).unwrap_err().to_string().contains("--connection"));
    }
}
