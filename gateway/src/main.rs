//! `talk-gateway`: see the crate docs and `--help`.

use talk_gateway::config::{secret_from_env, Config, ConfigError, MintArgs};
use talk_gateway::ticket::{self, Claims};
use talk_native::{exit_for, shutdown_signal};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// `mint-ticket`: prints a ticket alone on stdout.
fn mint(args: MintArgs) -> Result<String, ConfigError> {
    let secret = secret_from_env("--secret-env", &args.secret_env, &env)?;
    let mut claims = Claims::new(args.connections, 0);
    claims.org_id = args.org_id;
    claims.s3_prefix = args.s3_prefix;
    claims.max_bytes = args.max_bytes;
    claims.aud = args.aud;
    let now = ticket::now_unix();
    claims.iat = Some(now);
    claims.exp = u64::try_from(i64::try_from(now).unwrap_or(i64::MAX).saturating_add(args.ttl)).unwrap_or(0);
    ticket::mint(secret.as_bytes(), &claims).map_err(|e| ConfigError::BadValue { flag: "--secret-env".into(), message: e.to_string() })
}

#[tokio::main]
async fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("mint-ticket") {
        args.remove(0);
        match MintArgs::from_args(args).and_then(mint) {
            Ok(t) => println!("{t}"),
            Err(e) => exit_for("talk-gateway mint-ticket", e),
        }
        return;
    }
    let config = Config::from_args(args, &env).unwrap_or_else(|e| exit_for("talk-gateway", e));
    let result = talk_gateway::run(
        config,
        |addr| {
            // The first stdout line is machine-readable; scripts read the port from it.
            println!("{}", serde_json::json!({ "event": "listening", "http": addr.to_string() }));
        },
        shutdown_signal(),
    )
    .await;
    if let Err(e) = result {
        eprintln!("talk-gateway: {e}");
        std::process::exit(1);
    }
}
