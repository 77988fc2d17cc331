//! Scrubbing secrets out of text that becomes an error message.
//!
//! Messages are written so they never contain a key, a token or a presigned field value, but a
//! server may echo part of a request back (an S3 `<Message>`, a `grpc-message`). Every message
//! that contains server text passes through [`redact`] with the secrets of the call.
//!
//! ```
//! use talk_uploader::web::redact::redact;
//! assert_eq!(redact("bad key k3y-123!", &["k3y-123"]), "bad key [redacted]!");
//! ```

/// Secrets shorter than this are not searched for: a 1-character "secret" would mangle text.
pub const MIN_SECRET_LEN: usize = 4;

/// `text` with every occurrence of each secret (of at least [`MIN_SECRET_LEN`] bytes) replaced
/// by `[redacted]`.
pub fn redact<S: AsRef<str>>(text: &str, secrets: &[S]) -> String {
    let mut out = text.to_owned();
    for secret in secrets {
        let secret = secret.as_ref();
        if secret.len() >= MIN_SECRET_LEN && out.contains(secret) {
            out = out.replace(secret, "[redacted]");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_every_occurrence_and_ignores_short_secrets() {
        let s = redact("tok tok abcd x", &["tok tok", "x", "abcd"]);
        assert_eq!(s, "[redacted] [redacted] x");
        assert_eq!(redact::<&str>("plain", &[]), "plain");
    }
}
