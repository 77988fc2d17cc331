//! `devserver`: see the crate docs and `--help`.

use devserver::config::{Config, ConfigError};

#[tokio::main]
async fn main() {
    let config = match Config::from_args(std::env::args().skip(1)) {
        Ok(c) => c,
        // --help on stdout (exit 0), a mistake on stderr (exit 2), as clap does it.
        Err(ConfigError::Cli(e)) => e.exit(),
        Err(e) => {
            eprintln!("devserver: {e}");
            std::process::exit(2);
        }
    };
    let api_key = config.api_keys.first().cloned();
    let shutdown = async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("install SIGTERM handler");
            tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
        }
        #[cfg(not(unix))]
        {
            let _ = ctrl_c.await;
        }
    };
    let demo = api_key.as_deref() == Some(devserver::config::DEMO_API_KEY);
    let result = devserver::run(
        config,
        move |bound| {
            // The first stdout line is machine-readable; tests read the ports from it.
            println!("{}", serde_json::json!({ "event": "listening", "http": bound.http.to_string(), "s3": bound.s3.to_string() }));
            // Then for people: the page, the key to paste into it, the ports. Only the demo key
            // is ever printed; a key given with --api-key is a secret.
            let key = if demo { devserver::config::DEMO_API_KEY } else { "(the one you passed with --api-key / --iam-token)" };
            println!("demo page:   http://{}/", bound.http);
            println!("API key:     {key}");
            println!("ports:       {} (gRPC h2c + grpc-web + /api + demo), {} (S3, presigned POST)", bound.http.port(), bound.s3.port());
            println!("embedded S3: http://{}/", bound.s3);
        },
        shutdown,
    )
    .await;
    if let Err(e) = result {
        eprintln!("devserver: {e}");
        std::process::exit(1);
    }
}
