//! `talk-gateway`: see the crate docs and `--help`.

use talk_gateway::config::{secret_from_env, Config, ConfigError, USAGE};
use talk_gateway::ticket::{self, Claims};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// `mint-ticket`: prints a ticket alone on stdout.
fn mint(args: Vec<String>) -> Result<String, ConfigError> {
    let mut secret_env = None;
    let mut claims = Claims::new(Vec::new(), 0);
    let mut ttl: i64 = 600;
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        if flag == "--help" || flag == "-h" {
            return Err(ConfigError::Help);
        }
        let mut value = || it.next().ok_or_else(|| ConfigError::MissingValue(flag.clone()));
        let bad = |m: &str| ConfigError::BadValue { flag: flag.clone(), message: m.into() };
        match flag.as_str() {
            "--secret-env" => secret_env = Some(value()?),
            "--connection" => claims.connections.push(value()?),
            "--ttl" => ttl = value()?.parse().map_err(|_| bad("expected whole seconds (negative: already expired)"))?,
            "--org-id" => claims.org_id = Some(value()?),
            "--s3-prefix" => claims.s3_prefix = Some(value()?),
            "--max-bytes" => claims.max_bytes = Some(value()?.parse().map_err(|_| bad("expected a byte count"))?),
            "--aud" => claims.aud = value()?,
            _ => return Err(ConfigError::UnknownFlag(flag)),
        }
    }
    let name = secret_env.ok_or(ConfigError::Required("--secret-env"))?;
    let secret = secret_from_env("--secret-env", &name, &env)?;
    if claims.connections.is_empty() && claims.org_id.is_none() && claims.s3_prefix.is_none() {
        return Err(ConfigError::Required("--connection (or --org-id / --s3-prefix)"));
    }
    let now = ticket::now_unix();
    claims.iat = Some(now);
    claims.exp = u64::try_from(i64::try_from(now).unwrap_or(i64::MAX).saturating_add(ttl)).unwrap_or(0);
    ticket::mint(secret.as_bytes(), &claims).map_err(|e| ConfigError::BadValue { flag: "--secret-env".into(), message: e.to_string() })
}

async fn shutdown_signal() {
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

#[tokio::main]
async fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("mint-ticket") {
        args.remove(0);
        match mint(args) {
            Ok(t) => println!("{t}"),
            Err(ConfigError::Help) => print!("{USAGE}"),
            Err(e) => {
                eprintln!("talk-gateway mint-ticket: {e}");
                std::process::exit(2);
            }
        }
        return;
    }
    let config = match Config::from_args(args, &env) {
        Ok(c) => c,
        Err(ConfigError::Help) => {
            print!("{USAGE}");
            return;
        }
        Err(e) => {
            eprintln!("talk-gateway: {e}");
            std::process::exit(2);
        }
    };
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
