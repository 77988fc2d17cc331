//! The Content-Security-Policy of the demo page and the files beside it: scripts only from this
//! origin, WebAssembly compilation allowed (`'wasm-unsafe-eval'`, which is not `'unsafe-eval'`:
//! `eval` and `new Function` stay refused), no inline script or handler, no plugins, no `<base>`.
//! `connect-src` names what the page really fetches: this origin (grpc-web, the Vela API,
//! `/api`, the .wasm), the S3 port that presigned forms post to (or the `--s3-endpoint` store),
//! and every `--csp-connect-src` origin (a talk-gateway the page is pointed at).
//!
//! `/bench/` is left without it: the benchmarks inject the alternatives they measure.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, Request, Response};
use axum::middleware::Next;

use crate::config::Config;

/// The policy for `config`. The S3 origin is the one the presigner puts in its URLs.
pub fn policy(config: &Config) -> String {
    let mut connect = vec!["'self'".to_owned()];
    match &config.s3_external {
        Some(ext) => connect.extend(origin_of(&ext.endpoint)),
        None => {
            let s3 = crate::vela::s3_public_addr(config);
            connect.push(format!("http://{s3}"));
            // The page may be opened as localhost while presigned URLs say 127.0.0.1, or the
            // other way round in a user's own setup.
            connect.push(format!("http://localhost:{}", s3.port()));
            connect.push(format!("http://127.0.0.1:{}", s3.port()));
        }
    }
    for extra in &config.csp_connect_src {
        connect.push(extra.clone());
    }
    let mut seen = std::collections::HashSet::new();
    connect.retain(|c| seen.insert(c.clone()));
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src {}; style-src 'self'; img-src 'self' data: blob:; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        connect.join(" ")
    )
}

/// `scheme://host[:port]` of a URL, or `None` when it has no scheme.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(format!("{scheme}://{}", &rest[..end]))
}

/// The middleware of the static files: adds the policy to every answer outside `/bench/`.
pub async fn add(
    axum::extract::State(policy): axum::extract::State<Arc<HeaderValue>>,
    req: Request<Body>,
    next: Next,
) -> Response<Body> {
    let bench = req.uri().path().starts_with("/bench/");
    let mut res = next.run(req).await;
    if !bench {
        res.headers_mut().insert(http::header::CONTENT_SECURITY_POLICY, (*policy).clone());
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Config {
        Config::from_args(args.iter().map(|s| s.to_string())).unwrap()
    }

    #[test]
    fn scripts_from_self_and_wasm_only() {
        let p = policy(&parse(&["--s3-listen", "127.0.0.1:9999"]));
        assert!(p.contains("script-src 'self' 'wasm-unsafe-eval';"), "{p}");
        assert!(!p.contains("'unsafe-eval'") && !p.contains("'unsafe-inline'"), "{p}");
        assert!(p.contains("connect-src 'self' http://127.0.0.1:9999 http://localhost:9999;"), "{p}");
        assert!(p.contains("object-src 'none'") && p.contains("base-uri 'none'") && p.contains("default-src 'self'"), "{p}");
    }

    #[test]
    fn connect_src_follows_the_store_and_the_flags() {
        let p = policy(&parse(&[
            "--s3-endpoint", "https://minio.example:9000/", "--s3-access-key", "a", "--s3-secret-key", "SECRET",
            "--csp-connect-src", "http://127.0.0.1:7000",
        ]));
        assert!(p.contains("connect-src 'self' https://minio.example:9000 http://127.0.0.1:7000;"), "{p}");
        assert!(!p.contains("SECRET"), "{p}");
    }
}
