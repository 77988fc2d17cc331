//! `devserver`: see the crate docs and `--help`.

use devserver::config::Config;

#[tokio::main]
async fn main() {
    let config = Config::from_args(std::env::args().skip(1)).unwrap_or_else(|e| talk_native::exit_for("devserver", e));
    let api_key = config.api_keys.first().cloned();
    let shutdown = talk_native::shutdown_signal();
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
