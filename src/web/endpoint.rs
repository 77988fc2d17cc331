//! Which URLs may receive credentials: `https:` anywhere, plain `http:` only on loopback.
//!
//! An API key or token sent over plain HTTP can be read by anyone on the path, so the package
//! refuses `http:` endpoints except `127.0.0.1` (and the rest of `127.0.0.0/8`), `[::1]` and
//! `localhost`, which never leave the machine. A URL with a user name or password is refused
//! too: its credentials would travel in a place this package does not control.
//!
//! ```
//! use talk_uploader::web::endpoint::check_endpoint;
//! assert_eq!(check_endpoint("endpoint", "https://api.example.com/").unwrap(), "https://api.example.com");
//! assert!(check_endpoint("endpoint", "http://127.0.0.1:8787").is_ok());
//! assert_eq!(check_endpoint("endpoint", "http://api.example.com").unwrap_err().code(), "insecure_endpoint");
//! ```

use crate::upload_code::UploadCode;

/// Why an endpoint URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    /// Not an absolute `http:` or `https:` URL.
    #[error("{option} must be an absolute https: URL such as \"https://api.example.com\"; got {shown}")]
    Invalid {
        /// The option name.
        option: &'static str,
        /// The value as shown to the user (no credentials in it).
        shown: String,
    },
    /// Plain `http:` to a host that is not loopback.
    #[error("{option} uses http:, which would send credentials unencrypted to {host}; use https:, or a loopback address (127.0.0.1, [::1], localhost) for local testing")]
    Insecure {
        /// The option name.
        option: &'static str,
        /// The host.
        host: String,
    },
    /// A base URL with a query or fragment: the request path would be appended inside it.
    #[error("{option} is a base URL: it must not have a query or fragment (`?…`, `#…`), or the request path would land inside it; got {shown}")]
    QueryOrFragment {
        /// The option name.
        option: &'static str,
        /// The value as shown to the user (scheme, host and path only).
        shown: String,
    },
    /// The URL carries a user name or password.
    #[error("{option} must not contain a user name or password (`user:pass@`); pass credentials through the apiKey, iamToken or token options")]
    UserInfo {
        /// The option name.
        option: &'static str,
    },
}

impl EndpointError {
    /// A stable snake_case code for this error.
    pub fn code(&self) -> UploadCode {
        match self {
            EndpointError::Invalid { .. } => UploadCode::InvalidEndpoint,
            EndpointError::Insecure { .. } => UploadCode::InsecureEndpoint,
            EndpointError::UserInfo { .. } | EndpointError::QueryOrFragment { .. } => UploadCode::InvalidEndpoint,
        }
    }
}

/// Checks a base URL given as option `option`, and returns it without trailing slashes, ready
/// for `format!("{base}/path")`.
pub fn check_endpoint(option: &'static str, url: &str) -> Result<String, EndpointError> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let (secure, rest) = if let Some(rest) = lower.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(EndpointError::Invalid { option, shown: shown(url) });
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(EndpointError::UserInfo { option });
    }
    let host = host_of(authority);
    if host.is_empty() || url.contains(char::is_whitespace) {
        return Err(EndpointError::Invalid { option, shown: shown(url) });
    }
    if !secure && !crate::formats::text::is_loopback_host(host) {
        return Err(EndpointError::Insecure { option, host: host.to_owned() });
    }
    if url.contains(['?', '#']) {
        return Err(EndpointError::QueryOrFragment { option, shown: shown(url) });
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// Whether `url` is `https:` or a loopback `http:` URL (for URLs that carry no credentials of
/// ours, such as a presigned POST target, this is only advice; see the callers).
pub fn is_secure_or_loopback(url: &str) -> bool {
    check_endpoint("url", url.split(['?', '#']).next().unwrap_or(url)).is_ok()
}

/// The host of an authority (`host[:port]` or `[v6][:port]`), lowercase input.
fn host_of(authority: &str) -> &str {
    if authority.starts_with('[') {
        // `get`, not indexing: `]` is ASCII, and str indexing links the slicing panic path.
        return authority.find(']').and_then(|i| authority.get(..=i)).unwrap_or(authority);
    }
    authority.split(':').next().unwrap_or("")
}

/// The URL as it may appear in a message: scheme and authority only (a path or query could
/// carry a signature), and at most 80 characters.
fn shown(url: &str) -> String {
    let cut = url.find(['?', '#']).unwrap_or(url.len());
    let s: String = url.get(..cut).unwrap_or(url).chars().take(80).collect();
    // Quoted as a JSON string, not with `{:?}`: Debug formatting is not linked for messages.
    crate::json::escape::quote(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_https_and_loopback() {
        for ok in [
            "https://api.speechsense.yandexcloud.net",
            "https://example.com:8443/base/",
            "HTTPS://EXAMPLE.COM",
            "http://127.0.0.1:8787",
            "http://127.1.2.3",
            "http://localhost:3000/",
            "http://[::1]:8080",
            "http://app.localhost",
        ] {
            assert!(check_endpoint("endpoint", ok).is_ok(), "{ok}");
        }
        assert_eq!(check_endpoint("endpoint", "http://127.0.0.1:8787///").unwrap(), "http://127.0.0.1:8787");
    }

    #[test]
    fn refuses_plain_http_elsewhere() {
        for bad in [
            "http://example.com",
            "http://127.0.0.1.example.com",
            "http://localhost.example.com",
            "http://[::2]",
            "http://10.0.0.1",
            "http://127.0.0.256",
        ] {
            assert_eq!(check_endpoint("endpoint", bad).unwrap_err().code(), "insecure_endpoint", "{bad}");
        }
    }

    #[test]
    fn refuses_garbage_and_userinfo() {
        for bad in ["", "example.com", "ftp://x", "https://", "https:///path", "https://ex ample.com", "//x.com"] {
            assert_eq!(check_endpoint("endpoint", bad).unwrap_err().code(), "invalid_endpoint", "{bad:?}");
        }
        let e = check_endpoint("apiBase", "https://user:secret@example.com").unwrap_err();
        assert_eq!(e.code(), "invalid_endpoint");
        assert!(!e.to_string().contains("secret"));
    }

    #[test]
    fn refuses_a_query_or_fragment_without_quoting_it() {
        for bad in ["https://gw.example.com/?sig=s3cr3t", "https://gw.example.com/base#frag", "http://127.0.0.1:8787?x=1"] {
            let e = check_endpoint("endpoint", bad).unwrap_err();
            assert_eq!(e.code(), "invalid_endpoint", "{bad}");
            assert!(!e.to_string().contains("s3cr3t"), "{e}");
        }
        assert!(is_secure_or_loopback("https://bucket.s3.amazonaws.com/?x-id=PostObject"));
    }

    #[test]
    fn messages_never_show_query_strings() {
        let e = check_endpoint("url", "ftp://x/?X-Amz-Signature=abc").unwrap_err();
        assert!(!e.to_string().contains("abc"), "{e}");
    }
}
