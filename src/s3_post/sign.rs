//! The AWS Signature Version 4 **POST policy** presigner: the `{url, fields}` that the devserver's
//! Vela emulation and talk-gateway's `/s3/presign` hand to a page. Native only in practice: it
//! sits behind the `sign` cargo feature, so the wasm module (which never holds a secret) does
//! not carry HMAC code.
//!
//! The policy is a JSON document (`expiration` + `conditions`), base64-encoded into the `policy`
//! field and signed with the SigV4 signing key of the day:
//!
//! ```text
//! kDate    = HMAC("AWS4" + secret, "20240506")
//! kRegion  = HMAC(kDate, region);  kService = HMAC(kRegion, "s3")
//! kSigning = HMAC(kService, "aws4_request")
//! x-amz-signature = hex(HMAC(kSigning, base64(policy)))
//! ```
//!
//! Conditions are the same [`Condition`] type that [`decode_policy`](super::decode_policy) reads,
//! and the result is the same [`Presign`] that [`precheck`](super::precheck) checks, so what one
//! side writes the other reads. Every form field except `file`, `policy` and
//! `x-amz-signature` needs a condition, or AWS and s3s reject the form; [`presign_post`] adds the
//! `x-amz-algorithm`, `x-amz-credential` and `x-amz-date` conditions itself. The policy text is
//! rendered exactly as botocore renders it (Python's `json.dumps`), so for the same inputs the
//! fields are byte-identical to boto3's `generate_presigned_post` (the devserver's
//! `devserver/tests/s3_presign_boto3.rs` checks that against a fixture made by boto3).
//!
//! ```
//! use talk_uploader::s3_post::sign::{presign_post, Credentials};
//! use talk_uploader::s3_post::Condition;
//! let creds = Credentials { access_key: "AKID", secret_key: "secret", region: "us-east-1" };
//! let post = presign_post(
//!     &creds,
//!     "http://127.0.0.1:8788/talk-uploads",
//!     1_714_979_289, // now, Unix seconds
//!     3600,
//!     vec![
//!         Condition::eq("bucket", "talk-uploads"),
//!         Condition::starts_with("key", "org-1/"),
//!         Condition::ContentLengthRange { min: 1, max: 1 << 30 },
//!     ],
//!     vec![("key".into(), "org-1/call.wav".into())],
//! );
//! assert_eq!(post.field("x-amz-date"), Some("20240506T070809Z"));
//! let policy = talk_uploader::s3_post::decode_policy(post.field("policy").unwrap()).unwrap();
//! assert_eq!(policy.content_length_range(), Some((1, 1 << 30)));
//! ```

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};
use sha2::Sha256;

pub use super::policy::Condition;
pub use super::Presign;

/// The only algorithm AWS and s3s accept for POST policies.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Who signs. `Debug` is deliberately not derived: the secret must never be printed.
#[derive(Clone, Copy)]
pub struct Credentials<'a> {
    /// Access key id; it appears in `x-amz-credential`.
    pub access_key: &'a str,
    /// Secret access key; it never leaves this module.
    pub secret_key: &'a str,
    /// Signing region, e.g. `us-east-1`.
    pub region: &'a str,
}

impl Condition {
    /// `{"name": "value"}`. The name is kept as written, because botocore signs it as written.
    pub fn eq(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self::Eq { field: name.into(), value: value.into() }
    }

    /// `["starts-with", "$name", "prefix"]`.
    pub fn starts_with(name: impl Into<String>, prefix: impl Into<String>) -> Self {
        Self::StartsWith { field: name.into(), prefix: prefix.into() }
    }

    fn render(&self, out: &mut String) {
        match self {
            Self::Eq { field, value } => {
                out.push('{');
                py_json_str(field, out);
                out.push_str(": ");
                py_json_str(value, out);
                out.push('}');
            }
            Self::StartsWith { field, prefix } => {
                out.push_str("[\"starts-with\", ");
                py_json_str(&format!("${field}"), out);
                out.push_str(", ");
                py_json_str(prefix, out);
                out.push(']');
            }
            Self::ContentLengthRange { min, max } => {
                out.push_str(&format!("[\"content-length-range\", {min}, {max}]"));
            }
            // Read from a policy: written back exactly as it came.
            Self::Unknown(json) => out.push_str(json),
        }
    }
}

/// Serializes form fields as a JSON object in their order (serde_json maps would sort them).
pub struct OrderedFields<'a>(pub &'a [(String, String)]);

impl Serialize for OrderedFields<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// `{"url": ..., "fields": {...}}`, the fields in their order (`file` goes last), as the Vela
/// API and talk-gateway's `/s3/presign` answer it: the same [`Presign`] the browser side reads.
impl Serialize for Presign {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Presign", 2)?;
        st.serialize_field("url", &self.url)?;
        st.serialize_field("fields", &OrderedFields(&self.fields))?;
        st.end()
    }
}

/// Signs a POST policy valid for `expires_secs` from `now_unix`.
///
/// `conditions` are the caller's (bucket, key, size range, one per extra field), in order;
/// `fields` the caller's form fields (at least `key`). The three `x-amz-*` conditions and the
/// `x-amz-algorithm`, `x-amz-credential`, `x-amz-date`, `policy` and `x-amz-signature` fields
/// are appended, in botocore's order.
pub fn presign_post(
    creds: &Credentials<'_>,
    url: &str,
    now_unix: i64,
    expires_secs: u64,
    mut conditions: Vec<Condition>,
    mut fields: Vec<(String, String)>,
) -> Presign {
    let amz_date = amz_date(now_unix);
    let day = amz_date.get(..8).unwrap_or_default();
    let credential = format!("{}/{day}/{}/s3/aws4_request", creds.access_key, creds.region);
    conditions.push(Condition::eq("x-amz-algorithm", ALGORITHM));
    conditions.push(Condition::eq("x-amz-credential", credential.clone()));
    conditions.push(Condition::eq("x-amz-date", amz_date.clone()));
    let expiration = iso8601(now_unix.saturating_add(i64::try_from(expires_secs).unwrap_or(i64::MAX / 2)));
    let policy = policy_document(&expiration, &conditions);
    let policy_b64 = base64::engine::general_purpose::STANDARD.encode(policy.as_bytes());
    let signature = sign_policy(creds.secret_key, day, creds.region, &policy_b64);
    fields.push(("x-amz-algorithm".into(), ALGORITHM.into()));
    fields.push(("x-amz-credential".into(), credential));
    fields.push(("x-amz-date".into(), amz_date));
    fields.push(("policy".into(), policy_b64));
    fields.push(("x-amz-signature".into(), signature));
    Presign { url: url.to_owned(), fields }
}

/// The policy JSON, rendered like Python's `json.dumps` (`", "` and `": "` separators,
/// non-ASCII escaped), which is what botocore signs.
pub fn policy_document(expiration: &str, conditions: &[Condition]) -> String {
    let mut out = String::from("{\"expiration\": ");
    py_json_str(expiration, &mut out);
    out.push_str(", \"conditions\": [");
    for (i, c) in conditions.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        c.render(&mut out);
    }
    out.push_str("]}");
    out
}

/// The SigV4 signing key for a day (`YYYYMMDD`), region and service.
pub fn signing_key(secret_key: &str, day: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac(format!("AWS4{secret_key}").as_bytes(), day.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

/// `x-amz-signature` of a base64 policy: lower-case hex HMAC-SHA256 with the day's S3 key.
pub fn sign_policy(secret_key: &str, day: &str, region: &str, policy_b64: &str) -> String {
    to_hex(&hmac(&signing_key(secret_key, day, region, "s3"), policy_b64.as_bytes()))
}

/// HMAC-SHA256 of `data` with `key`.
pub fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC takes a key of any length, so this never fails; the fallback keeps it panic-free.
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(key) else { return [0; 32] };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Lower-case hex, as SigV4 writes signatures.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

/// Python `json.dumps` string escaping (ensure_ascii): `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`,
/// other control characters and everything past ASCII as `\uXXXX` (UTF-16 surrogate pairs).
fn py_json_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
        }
    }
    out.push('"');
}

/// `YYYYMMDD'T'HHMMSS'Z'` in UTC, the `x-amz-date` format: [`iso8601`] without its separators.
pub fn amz_date(unix: i64) -> String {
    iso8601(unix).replace(['-', ':'], "")
}

/// `YYYY-MM-DD'T'HH:MM:SS'Z'` in UTC, the policy `expiration` format botocore uses: the
/// package's one RFC 3339 formatter ([`format_rfc3339`](crate::formats::time::format_rfc3339)).
/// An instant outside years 0001–9999 is clamped to that range.
pub fn iso8601(unix: i64) -> String {
    use crate::formats::time::{format_rfc3339, MAX_SECONDS, MIN_SECONDS};
    format_rfc3339(unix.clamp(MIN_SECONDS, MAX_SECONDS), 0, 0).unwrap_or_default()
}

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(amz_date(0), "19700101T000000Z");
        assert_eq!(iso8601(1_714_979_289), "2024-05-06T07:08:09Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(amz_date(4_102_444_799), "20991231T235959Z");
    }

    /// The signing-key example of the AWS SigV4 documentation
    /// ("Examples of how to derive a signing key for Signature Version 4").
    #[test]
    fn aws_documented_signing_key() {
        let k = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
        assert_eq!(to_hex(&k), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
    }

    #[test]
    fn python_style_json_escaping() {
        let mut s = String::new();
        py_json_str("a\"b\\c\né😀\u{1}", &mut s);
        assert_eq!(s, r#""a\"b\\c\n\u00e9\ud83d\ude00\u0001""#);
    }

    #[test]
    fn every_field_but_policy_and_signature_has_a_condition() {
        let creds = Credentials { access_key: "AK", secret_key: "SK", region: "us-east-1" };
        let p = presign_post(
            &creds,
            "http://h/b",
            0,
            60,
            vec![
                Condition::eq("bucket", "b"),
                Condition::starts_with("key", "o/"),
                Condition::ContentLengthRange { min: 1, max: 9 },
            ],
            vec![("key".into(), "o/x".into())],
        );
        let names: Vec<&str> = p.fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["key", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "policy", "x-amz-signature"]);
        let policy = String::from_utf8(
            base64::engine::general_purpose::STANDARD.decode(p.field("policy").unwrap()).unwrap(),
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&policy).unwrap();
        assert_eq!(v["expiration"], "1970-01-01T00:01:00Z");
        for f in ["x-amz-algorithm", "x-amz-credential", "x-amz-date"] {
            assert!(policy.contains(&format!("{{\"{f}\": \"{}\"}}", p.field(f).unwrap())), "{policy}");
        }
        assert!(policy.contains(r#"["starts-with", "$key", "o/"]"#));
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.starts_with(r#"{"url":"http://h/b","fields":{"key":"o/x","x-amz-algorithm""#), "{json}");
        assert!(!json.contains("SK/"));
    }

    /// What the signer writes, the package's own pre-check reads back: one Condition type.
    #[test]
    fn signed_policy_round_trips_through_the_checker() {
        let creds = Credentials { access_key: "AK", secret_key: "SK", region: "eu-west-1" };
        let unknown = Condition::Unknown(r#"["in","$acl",["private"]]"#.into());
        let p = presign_post(
            &creds,
            "https://s3.example/b",
            1_714_979_289,
            300,
            vec![Condition::eq("bucket", "b"), Condition::starts_with("key", "p/"), unknown.clone()],
            vec![("key".into(), "p/a.wav".into())],
        );
        let policy = crate::s3_post::decode_policy(p.field("policy").unwrap()).unwrap();
        assert_eq!(policy.expiration, "2024-05-06T07:13:09Z");
        assert_eq!(policy.conditions[1], Condition::starts_with("key", "p/"));
        assert_eq!(policy.conditions[2], Condition::Unknown(r#"["in","$acl",["private"]]"#.into()));
    }
}
