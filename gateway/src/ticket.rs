//! Upload tickets: short-lived HS256 JWTs that the application's backend mints after it has
//! authenticated its user. A page sends one as `authorization: Bearer <ticket>`; the gateway
//! checks it and replaces it with the real credential, which only the gateway holds.
//!
//! ```
//! use talk_gateway::ticket::{mint, verify, Claims, AUDIENCE};
//! let secret = b"0123456789abcdef0123456789abcdef";
//! let now = 1_800_000_000;
//! let claims = Claims::new(vec!["conn-1".into()], now + 600);
//! let ticket = mint(secret, &claims).unwrap();
//! let checked = verify(secret, &ticket, now).unwrap();
//! assert_eq!(checked.aud, AUDIENCE);
//! assert!(checked.allows_connection("conn-1") && !checked.allows_connection("conn-2"));
//! ```
//!
//! Claims (document them to every backend team; any JWT library can mint these):
//!
//! | claim | type | |
//! | --- | --- | --- |
//! | `aud` | string | `"talk-gateway"`, required |
//! | `exp` | number | Unix seconds, required, at most 24 h ahead |
//! | `connections` | string array | SpeechSense connection ids the ticket may upload to |
//! | `org_id` | string | Vela organisation (optional) |
//! | `s3_prefix` | string | key prefix for `/s3/presign` (optional) |
//! | `max_bytes` | number | largest upload body (optional) |
//!
//! Nothing here ever puts the ticket or the secret into an error message.

use jsonwebtoken::{decode, encode, errors::ErrorKind, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The only audience the gateway accepts.
pub const AUDIENCE: &str = "talk-gateway";

/// Clock skew allowed on `exp` (and on the 24 h horizon), in seconds.
pub const LEEWAY_SECS: u64 = 60;

/// The longest lifetime a ticket may claim: its `exp` at most this far ahead.
pub const MAX_TTL_SECS: u64 = 24 * 60 * 60;

/// The claims of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Audience: [`AUDIENCE`]. JWT allows a string or an array; an array is read as its entry
    /// equal to [`AUDIENCE`] (the signature check has already refused any other).
    #[serde(deserialize_with = "audience")]
    pub aud: String,
    /// Expiry, Unix seconds.
    pub exp: u64,
    /// Issued at, Unix seconds (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// SpeechSense connection ids the ticket may upload to.
    #[serde(default)]
    pub connections: Vec<String>,
    /// Vela organisation whose calls and chats the ticket may upload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// Key prefix for `/s3/presign`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_prefix: Option<String>,
    /// Largest upload body, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<u64>,
}

fn audience<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Aud {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Aud::deserialize(d)? {
        Aud::One(s) => s,
        Aud::Many(v) => v.iter().find(|a| *a == AUDIENCE).or(v.first()).cloned().unwrap_or_default(),
    })
}

impl Claims {
    /// Claims for `connections`, expiring at `exp`; the optional claims unset.
    pub fn new(connections: Vec<String>, exp: u64) -> Self {
        Claims { aud: AUDIENCE.into(), exp, iat: None, connections, org_id: None, s3_prefix: None, max_bytes: None }
    }

    /// Whether uploads to `connection_id` are allowed.
    pub fn allows_connection(&self, connection_id: &str) -> bool {
        self.connections.iter().any(|c| c == connection_id)
    }
}

/// Why a ticket was refused. The messages say what to fix and never echo the ticket.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    /// No `authorization` at all.
    #[error("no upload ticket: send `authorization: Bearer <ticket>`, a ticket minted by your backend")]
    Missing,
    /// `authorization` is not `Bearer <ticket>`.
    #[error("`authorization` must be `Bearer <ticket>`; the gateway takes upload tickets, not API keys")]
    Scheme,
    /// Not a JWT, or not HS256.
    #[error("the upload ticket is not an HS256 JWT")]
    Malformed,
    /// The signature does not match the gateway's secret.
    #[error("the upload ticket's signature is not valid: it was altered, or minted with another secret")]
    BadSignature,
    /// `exp` is in the past (beyond the skew).
    #[error("the upload ticket has expired: ask your backend for a fresh one")]
    Expired,
    /// `aud` is not `talk-gateway`.
    #[error("the upload ticket's audience is not \"talk-gateway\"")]
    WrongAudience,
    /// A required claim is absent.
    #[error("the upload ticket has no `{0}` claim")]
    MissingClaim(&'static str),
    /// `exp` too far ahead.
    #[error("the upload ticket expires more than 24 h from now; tickets must be short-lived")]
    TooLong,
    /// The claims do not have the documented types.
    #[error("the upload ticket's claims are malformed: {0}")]
    BadClaims(String),
}

/// The `Bearer` credential of an `authorization` value.
pub fn bearer(header: Option<&str>) -> Result<&str, TicketError> {
    let h = header.map(str::trim).filter(|h| !h.is_empty()).ok_or(TicketError::Missing)?;
    match h.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") && !rest.trim().is_empty() => Ok(rest.trim()),
        _ => Err(TicketError::Scheme),
    }
}

/// Checks a ticket's signature, audience and expiry at `now_unix`, and returns its claims.
pub fn verify(secret: &[u8], ticket: &str, now_unix: u64) -> Result<Claims, TicketError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "aud"]);
    validation.leeway = LEEWAY_SECS;
    // Expiry is checked below against `now_unix`, so tests need no real clock.
    validation.validate_exp = false;
    let data = decode::<Claims>(ticket, &DecodingKey::from_secret(secret), &validation).map_err(|e| match e.kind() {
        ErrorKind::InvalidSignature => TicketError::BadSignature,
        ErrorKind::ExpiredSignature => TicketError::Expired,
        ErrorKind::InvalidAudience => TicketError::WrongAudience,
        ErrorKind::MissingRequiredClaim(c) if c == "exp" => TicketError::MissingClaim("exp"),
        ErrorKind::MissingRequiredClaim(c) if c == "aud" => TicketError::MissingClaim("aud"),
        ErrorKind::Json(j) => {
            // serde names the field (`missing field \`exp\``, `invalid type ...`), never a value of a
            // secret: the claims are the caller's own data.
            let msg = j.to_string();
            if msg.contains("`exp`") && msg.contains("missing") {
                TicketError::MissingClaim("exp")
            } else if msg.contains("`aud`") && msg.contains("missing") {
                TicketError::MissingClaim("aud")
            } else {
                TicketError::BadClaims(msg.split(" at line").next().unwrap_or("").to_owned())
            }
        }
        _ => TicketError::Malformed,
    })?;
    let claims = data.claims;
    if claims.exp.saturating_add(LEEWAY_SECS) < now_unix {
        return Err(TicketError::Expired);
    }
    if claims.exp > now_unix.saturating_add(MAX_TTL_SECS + LEEWAY_SECS) {
        return Err(TicketError::TooLong);
    }
    Ok(claims)
}

/// Signs `claims` with HS256.
pub fn mint(secret: &[u8], claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
    encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(secret))
}

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"test-secret-0123456789abcdef-XYZ";
    const NOW: u64 = 1_800_000_000;

    fn ticket(claims: &Claims) -> String {
        mint(SECRET, claims).unwrap()
    }

    #[test]
    fn a_good_ticket_passes() {
        let mut c = Claims::new(vec!["a".into(), "b".into()], NOW + 600);
        c.org_id = Some("org-1".into());
        c.max_bytes = Some(1024);
        let got = verify(SECRET, &ticket(&c), NOW).unwrap();
        assert_eq!(got, c);
        assert!(got.allows_connection("b"));
    }

    #[test]
    fn expiry_with_sixty_seconds_of_skew() {
        let c = Claims::new(vec!["a".into()], NOW - 30);
        assert!(verify(SECRET, &ticket(&c), NOW).is_ok(), "within the skew");
        let c = Claims::new(vec!["a".into()], NOW - 61);
        assert_eq!(verify(SECRET, &ticket(&c), NOW), Err(TicketError::Expired));
    }

    #[test]
    fn at_most_a_day_ahead() {
        let c = Claims::new(vec!["a".into()], NOW + MAX_TTL_SECS);
        assert!(verify(SECRET, &ticket(&c), NOW).is_ok());
        let c = Claims::new(vec!["a".into()], NOW + MAX_TTL_SECS + 3600);
        assert_eq!(verify(SECRET, &ticket(&c), NOW), Err(TicketError::TooLong));
    }

    #[test]
    fn wrong_audience_tampered_and_foreign_secret() {
        let mut c = Claims::new(vec!["a".into()], NOW + 600);
        c.aud = "someone-else".into();
        assert_eq!(verify(SECRET, &ticket(&c), NOW), Err(TicketError::WrongAudience));

        let good = ticket(&Claims::new(vec!["a".into()], NOW + 600));
        // Swap the payload for one naming another connection, keep the signature.
        let parts: Vec<&str> = good.split('.').collect();
        let other = ticket(&Claims::new(vec!["z".into()], NOW + 600));
        let forged = format!("{}.{}.{}", parts[0], other.split('.').nth(1).unwrap(), parts[2]);
        assert_eq!(verify(SECRET, &forged, NOW), Err(TicketError::BadSignature));
        assert_eq!(verify(b"another-secret-0123456789abcdef", &good, NOW), Err(TicketError::BadSignature));
        assert_eq!(verify(SECRET, "not-a-jwt", NOW), Err(TicketError::Malformed));
    }

    #[test]
    fn exp_is_required() {
        #[derive(Serialize)]
        struct NoExp {
            aud: &'static str,
            connections: Vec<&'static str>,
        }
        let t = encode(&Header::new(Algorithm::HS256), &NoExp { aud: AUDIENCE, connections: vec!["a"] }, &EncodingKey::from_secret(SECRET)).unwrap();
        assert_eq!(verify(SECRET, &t, NOW), Err(TicketError::MissingClaim("exp")));
    }

    #[test]
    fn other_algorithms_are_refused() {
        let c = Claims::new(vec!["a".into()], NOW + 600);
        let t = encode(&Header::new(Algorithm::HS512), &c, &EncodingKey::from_secret(SECRET)).unwrap();
        assert!(verify(SECRET, &t, NOW).is_err());
        // alg "none": header {"alg":"none"}, no signature.
        let none = format!("eyJhbGciOiJub25lIn0.{}.", ticket(&c).split('.').nth(1).unwrap());
        assert!(verify(SECRET, &none, NOW).is_err());
    }

    #[test]
    fn bearer_parsing_and_messages_without_secrets() {
        assert_eq!(bearer(Some("Bearer abc")), Ok("abc"));
        assert_eq!(bearer(Some("bearer  abc ")), Ok("abc"));
        assert_eq!(bearer(None), Err(TicketError::Missing));
        assert_eq!(bearer(Some("Api-Key k")), Err(TicketError::Scheme));
        let t = ticket(&Claims::new(vec!["a".into()], NOW - 3600));
        let e = verify(SECRET, &t, NOW).unwrap_err().to_string();
        assert!(!e.contains(&t[..20]), "{e}");
    }
}
