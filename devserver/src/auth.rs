//! The `authorization` check shared by gRPC and the Vela HTTP endpoints.
//!
//! SpeechSense accepts `Api-Key <key>` and `Bearer <IAM token>`. The comparison runs in time
//! independent of where the first difference is, and nothing here ever logs a credential.

use subtle::ConstantTimeEq as _;

use crate::config::Config;

/// Why a request is not authenticated. The messages never echo the credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `authorization` header or metadata.
    #[error("missing `authorization`: send `Api-Key <key>` or `Bearer <IAM token>`")]
    Missing,
    /// A scheme other than `Api-Key` or `Bearer`.
    #[error("unsupported `authorization` scheme: use `Api-Key <key>` or `Bearer <IAM token>`")]
    Scheme,
    /// A well-formed credential that is not configured.
    #[error("the API key or IAM token is not valid for this server")]
    Invalid,
}

/// Which schemes an endpoint accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schemes {
    /// SpeechSense: `Api-Key` checks API keys, `Bearer` checks IAM tokens.
    SpeechSense,
    /// Vela: only `Bearer`, and any configured key or token is a valid bearer token.
    VelaBearer,
}

/// Checks an `authorization` value against the configuration.
pub fn check(config: &Config, header: Option<&str>, schemes: Schemes) -> Result<(), AuthError> {
    let header = header.map(str::trim).filter(|h| !h.is_empty()).ok_or(AuthError::Missing)?;
    let (scheme, cred) = header.split_once(' ').ok_or(AuthError::Scheme)?;
    let cred = cred.trim();
    let candidates: Vec<&String> = match (schemes, scheme) {
        (Schemes::SpeechSense, s) if s.eq_ignore_ascii_case("api-key") => config.api_keys.iter().collect(),
        (Schemes::SpeechSense, s) if s.eq_ignore_ascii_case("bearer") => config.iam_tokens.iter().collect(),
        (Schemes::VelaBearer, s) if s.eq_ignore_ascii_case("bearer") => {
            config.api_keys.iter().chain(config.iam_tokens.iter()).collect()
        }
        _ => return Err(AuthError::Scheme),
    };
    // Compare against every candidate, so timing does not reveal which one matched.
    let mut ok = subtle::Choice::from(0);
    for c in candidates {
        ok |= c.as_bytes().ct_eq(cred.as_bytes());
    }
    if bool::from(ok) {
        Ok(())
    } else {
        Err(AuthError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> Config {
        Config::from_args(["--api-key", "k1", "--iam-token", "t1"].map(String::from)).unwrap()
    }

    #[test]
    fn speechsense_schemes() {
        let c = cfg();
        assert_eq!(check(&c, Some("Api-Key k1"), Schemes::SpeechSense), Ok(()));
        assert_eq!(check(&c, Some("Bearer t1"), Schemes::SpeechSense), Ok(()));
        // A key is not a token and vice versa.
        assert_eq!(check(&c, Some("Bearer k1"), Schemes::SpeechSense), Err(AuthError::Invalid));
        assert_eq!(check(&c, Some("Api-Key t1"), Schemes::SpeechSense), Err(AuthError::Invalid));
        assert_eq!(check(&c, Some("Api-Key k2"), Schemes::SpeechSense), Err(AuthError::Invalid));
        assert_eq!(check(&c, None, Schemes::SpeechSense), Err(AuthError::Missing));
        assert_eq!(check(&c, Some("Basic abc"), Schemes::SpeechSense), Err(AuthError::Scheme));
        assert_eq!(check(&c, Some("k1"), Schemes::SpeechSense), Err(AuthError::Scheme));
    }

    #[test]
    fn vela_bearer_accepts_keys_and_tokens() {
        let c = cfg();
        assert_eq!(check(&c, Some("Bearer k1"), Schemes::VelaBearer), Ok(()));
        assert_eq!(check(&c, Some("Bearer t1"), Schemes::VelaBearer), Ok(()));
        assert_eq!(check(&c, Some("Api-Key k1"), Schemes::VelaBearer), Err(AuthError::Scheme));
    }

    #[test]
    fn messages_never_echo_the_credential() {
        let c = cfg();
        let e = check(&c, Some("Api-Key SUPERSECRET"), Schemes::SpeechSense).unwrap_err();
        assert!(!e.to_string().contains("SUPERSECRET"));
    }
}
