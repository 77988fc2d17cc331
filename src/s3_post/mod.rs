//! Presigned S3 POST: form assembly and local policy pre-checks, so a doomed upload fails
//! before its first byte.
//!
//! A presign is `{url, fields}` (boto3's `generate_presigned_post`, the Vela API). The browser
//! POSTs `multipart/form-data` with the fields **in the given order** and then `file` **last**
//! (S3 ignores fields after the file). [`precheck`] decodes the `policy` field and checks what
//! S3 will check: expiration, `content-length-range`, the `key` against its `eq` /
//! `starts-with` conditions, every condition's field present and satisfied, and every form
//! field covered by a condition.
//!
//! ```
//! use base64::Engine as _;
//! use talk_uploader::s3_post::{assemble_form, precheck, FormEntry, Presign};
//!
//! let policy = r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[{"bucket":"b"},
//!     ["starts-with","$key","org-1/"],["content-length-range",1,1000000]]}"#;
//! let presign = Presign {
//!     url: "https://s3.example/b".into(),
//!     fields: vec![
//!         ("key".into(), "org-1/call.wav".into()),
//!         ("policy".into(), base64::engine::general_purpose::STANDARD.encode(policy)),
//!         ("x-amz-signature".into(), "0123abcd".into()),
//!     ],
//! };
//! let facts = precheck(&presign, 5_000, 1_700_000_000_000).unwrap();
//! assert_eq!(facts.key, "org-1/call.wav");
//! assert_eq!(facts.content_length_range, Some((1, 1_000_000)));
//! let form = assemble_form(&presign).unwrap();
//! assert_eq!(form.last(), Some(&FormEntry::File));
//! assert!(precheck(&presign, 2_000_000, 1_700_000_000_000).is_err());
//! ```
//!
//! No error message ever contains a field value: the policy, signature, credential or token.
//!
//! ## Limitations
//!
//! - The signature is not verified (the client has no secret key); a tampered form is caught by
//!   S3, not here.
//! - `${filename}` in the key is not substituted before the key conditions are checked.
//! - Conditions this package does not understand (e.g. AWS's undocumented operators) are left
//!   to S3.
//! - The expiration is compared with this device's clock, which may be wrong; see
//!   [`EXPIRY_MARGIN_MS`].

use crate::upload_code::UploadCode;

pub mod policy;
#[cfg(feature = "sign")]
pub mod sign;
pub mod xml_error;

pub use policy::{decode_policy, Condition, Policy, PolicyError};
pub use xml_error::{parse_s3_error, S3Error};

/// Safety margin before the policy expiration: 30 s.
///
/// A POST whose policy expires in less than this is refused locally: the request must reach S3
/// before the expiration, and the device's clock may be somewhat off. With a refreshable
/// presign the engine then asks for a fresh one instead of starting a doomed upload.
pub const EXPIRY_MARGIN_MS: i64 = 30_000;

/// Form fields S3 does not require a policy condition for (lowercase).
const EXEMPT_FIELDS: [&str; 5] = ["policy", "x-amz-signature", "signature", "awsaccesskeyid", "file"];

/// A presigned POST: the URL and the form fields, in order.
#[derive(Clone, PartialEq, Eq)]
pub struct Presign {
    /// The URL to POST to.
    pub url: String,
    /// The form fields, in the order they must be sent.
    pub fields: Vec<(String, String)>,
}

impl std::fmt::Debug for Presign {
    /// Shows field names only: values hold the policy, signature and credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Presign")
            .field("url", &self.url)
            .field("fields", &self.fields.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>())
            .finish()
    }
}

impl Presign {
    /// The value of field `name` (case-insensitive), if present.
    pub fn field(&self, name: &str) -> Option<&str> {
        for (k, v) in &self.fields {
            if k.eq_ignore_ascii_case(name) {
                return Some(v);
            }
        }
        None
    }

    /// Every field value, for [`S3Error::redacted`].
    pub fn secret_values(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|(_, v)| v.as_str())
    }
}

/// One entry of the multipart form, in sending order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormEntry<'a> {
    /// A text field.
    Field {
        /// Field name.
        name: &'a str,
        /// Field value.
        value: &'a str,
    },
    /// The file itself: always last.
    File,
}

/// Why a presigned POST is refused before sending. Messages name fields, never their values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PresignError {
    /// The URL is empty or not http(s).
    #[error("the presigned POST has no http(s) url")]
    InvalidUrl,
    /// The fields include `file`, which the package appends itself.
    #[error("the presigned POST's fields include \"file\"; the file is appended last by the upload itself, remove that field")]
    FileField,
    /// A field name appears twice.
    #[error("the presigned POST has the field \"{name}\" twice; S3 accepts each field once")]
    DuplicateField {
        /// The field name.
        name: String,
    },
    /// No `key` field.
    #[error("the presigned POST has no \"key\" field, so S3 would not know where to store the file; ask the presign endpoint for a complete form")]
    MissingKey,
    /// The policy could not be read.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The policy has expired, or expires within [`EXPIRY_MARGIN_MS`].
    #[error("the presigned POST has expired (or expires in under 30 s: {expires_in_ms} ms left by this device's clock); request a new one")]
    Expired {
        /// Milliseconds until expiration (negative: already expired).
        expires_in_ms: i64,
    },
    /// The file is larger than `content-length-range` allows.
    #[error("the file has {size} bytes, but this presigned POST accepts at most {max} bytes")]
    FileTooLarge {
        /// The file size.
        size: u64,
        /// The policy's maximum.
        max: u64,
    },
    /// The file is smaller than `content-length-range` allows.
    #[error("the file has {size} bytes, but this presigned POST requires at least {min} bytes")]
    FileTooSmall {
        /// The file size.
        size: u64,
        /// The policy's minimum.
        min: u64,
    },
    /// The `key` field breaks a policy condition on `$key`.
    #[error("the presigned POST's key does not satisfy the policy's {op} condition on $key; S3 would refuse it, request a new presign")]
    KeyRejected {
        /// `"eq"` or `"starts-with"`.
        op: &'static str,
    },
    /// A form field breaks a policy condition.
    #[error("the presigned POST's field \"{field}\" does not satisfy the policy's {op} condition; S3 would refuse it")]
    ConditionFailed {
        /// The field name.
        field: String,
        /// `"eq"` or `"starts-with"`.
        op: &'static str,
    },
    /// The policy has a condition on a field the form lacks.
    #[error("the policy requires a field \"{field}\" that the presigned POST does not have; S3 would refuse it")]
    MissingField {
        /// The field name.
        field: String,
    },
    /// A form field has no condition in the policy, so S3 would refuse the form.
    #[error("the presigned POST's field \"{name}\" is not covered by any policy condition; S3 would refuse it (remove the field or sign it into the policy)")]
    FieldNotInPolicy {
        /// The field name.
        name: String,
    },
}

impl PresignError {
    /// A stable snake_case code for this error.
    pub fn code(&self) -> UploadCode {
        match self {
            PresignError::InvalidUrl => UploadCode::PresignInvalidUrl,
            PresignError::FileField => UploadCode::PresignFileField,
            PresignError::DuplicateField { .. } => UploadCode::PresignDuplicateField,
            PresignError::MissingKey => UploadCode::PresignMissingKey,
            PresignError::Policy(_) => UploadCode::PresignPolicyUnreadable,
            PresignError::Expired { .. } => UploadCode::PresignExpired,
            PresignError::FileTooLarge { .. } => UploadCode::FileTooLargeForPolicy,
            PresignError::FileTooSmall { .. } => UploadCode::FileTooSmallForPolicy,
            PresignError::KeyRejected { .. } => UploadCode::PresignKeyRejected,
            PresignError::ConditionFailed { .. } => UploadCode::PresignConditionFailed,
            PresignError::MissingField { .. } => UploadCode::PresignFieldMissing,
            PresignError::FieldNotInPolicy { .. } => UploadCode::PresignFieldNotInPolicy,
        }
    }
}

/// What the pre-check learned, for progress messages and the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFacts {
    /// The object key the file will be stored under.
    pub key: String,
    /// The policy's expiration in Unix milliseconds (`None` without a policy).
    pub expiration_unix_ms: Option<i64>,
    /// Milliseconds until expiration at `now_unix_ms`.
    pub expires_in_ms: Option<i64>,
    /// The `content-length-range` bounds.
    pub content_length_range: Option<(u64, u64)>,
}

/// The multipart form in sending order: the fields as given, then [`FormEntry::File`].
///
/// Refuses a field named `file` and duplicate field names (case-insensitive).
pub fn assemble_form(presign: &Presign) -> Result<Vec<FormEntry<'_>>, PresignError> {
    let mut form = Vec::with_capacity(presign.fields.len() + 1);
    for (name, value) in &presign.fields {
        if name.eq_ignore_ascii_case("file") {
            return Err(PresignError::FileField);
        }
        // An earlier field of the same name: the fields before this one are the form so far.
        for entry in &form {
            if matches!(entry, FormEntry::Field { name: earlier, .. } if earlier.eq_ignore_ascii_case(name)) {
                return Err(PresignError::DuplicateField { name: name.clone() });
            }
        }
        form.push(FormEntry::Field { name, value });
    }
    form.push(FormEntry::File);
    Ok(form)
}

fn op_name(c: &Condition) -> &'static str {
    match c {
        Condition::StartsWith { .. } => "starts-with",
        _ => "eq",
    }
}

/// Checks a presign against a `file_size`-byte file at `now_unix_ms`, as S3 would.
///
/// Order: url, form shape, `key`, policy decoding, expiration, size, conditions, coverage.
/// A presign without a `policy` field (an anonymous POST to a public bucket) passes the
/// policy checks vacuously.
pub fn precheck(presign: &Presign, file_size: u64, now_unix_ms: u64) -> Result<PolicyFacts, PresignError> {
    let url = presign.url.trim();
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(PresignError::InvalidUrl);
    }
    assemble_form(presign)?;
    let key = presign.field("key").ok_or(PresignError::MissingKey)?.to_string();
    let Some(policy_field) = presign.field("policy") else {
        return Ok(PolicyFacts { key, expiration_unix_ms: None, expires_in_ms: None, content_length_range: None });
    };
    let policy = policy::decode_policy(policy_field)?;

    let now = i64::try_from(now_unix_ms).unwrap_or(i64::MAX);
    let expires_in_ms = policy.expiration_unix_ms.saturating_sub(now);
    if expires_in_ms < EXPIRY_MARGIN_MS {
        return Err(PresignError::Expired { expires_in_ms });
    }
    let range = policy.content_length_range();
    if let Some((min, max)) = range {
        if file_size > max {
            return Err(PresignError::FileTooLarge { size: file_size, max });
        }
        if file_size < min {
            return Err(PresignError::FileTooSmall { size: file_size, min });
        }
    }
    for condition in &policy.conditions {
        let Some(field) = condition.field() else { continue };
        if field == "bucket" {
            continue; // the bucket comes from the URL, not from a form field
        }
        let value = presign
            .field(field)
            .ok_or_else(|| PresignError::MissingField { field: field.to_string() })?;
        if !condition.accepts(value) {
            return Err(if field == "key" {
                PresignError::KeyRejected { op: op_name(condition) }
            } else {
                PresignError::ConditionFailed { field: field.to_string(), op: op_name(condition) }
            });
        }
    }
    for (name, _) in &presign.fields {
        let lower = name.to_ascii_lowercase();
        if EXEMPT_FIELDS.contains(&lower.as_str()) || lower.starts_with("x-ignore-") {
            continue;
        }
        // What `policy.conditions_on(&lower).next().is_none()` says, without its iterator.
        let mut covered = false;
        for c in &policy.conditions {
            covered |= c.field().is_some_and(|f| f.eq_ignore_ascii_case(&lower));
        }
        if !covered {
            return Err(PresignError::FieldNotInPolicy { name: name.clone() });
        }
    }
    Ok(PolicyFacts {
        key,
        expiration_unix_ms: Some(policy.expiration_unix_ms),
        expires_in_ms: Some(expires_in_ms),
        content_length_range: range,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(bytes: &[u8]) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    fn now() -> u64 {
        crate::timefmt::parse_iso8601("2026-07-25T00:00:00Z").unwrap() as u64
    }
    const SIG: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    const CRED: &str = "AKIAEXAMPLESECRET/20260725/us-east-1/s3/aws4_request";

    fn policy_json(expiration: &str, extra: &str) -> String {
        format!(
            r#"{{"expiration":"{expiration}","conditions":[{{"bucket":"vela"}},["starts-with","$key","org-7/"],
            {{"x-amz-algorithm":"AWS4-HMAC-SHA256"}},{{"x-amz-credential":"{CRED}"}},{{"x-amz-date":"20260725T000000Z"}},
            ["content-length-range",1,104857600]{extra}]}}"#
        )
    }

    fn presign_with(policy: &str, extra_fields: &[(&str, &str)]) -> Presign {
        let mut fields: Vec<(String, String)> = vec![
            ("key".into(), "org-7/call-1.wav".into()),
            ("x-amz-algorithm".into(), "AWS4-HMAC-SHA256".into()),
            ("x-amz-credential".into(), CRED.into()),
            ("x-amz-date".into(), "20260725T000000Z".into()),
            ("policy".into(), encode(policy.as_bytes())),
            ("x-amz-signature".into(), SIG.into()),
        ];
        fields.extend(extra_fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Presign { url: "http://127.0.0.1:9000/vela".into(), fields }
    }

    fn valid() -> Presign {
        presign_with(&policy_json("2026-07-25T01:00:00Z", ""), &[])
    }

    fn assert_no_secrets(e: &PresignError, p: &Presign) {
        let text = format!("{e} {e:?}");
        for (_, v) in &p.fields {
            if v.len() >= 8 && v != "AWS4-HMAC-SHA256" {
                assert!(!text.contains(v.as_str()), "{text} leaks a field value");
            }
        }
    }

    #[test]
    fn valid_presign_passes() {
        let p = valid();
        let facts = precheck(&p, 1_000_000, now()).unwrap();
        assert_eq!(facts.key, "org-7/call-1.wav");
        assert_eq!(facts.content_length_range, Some((1, 104_857_600)));
        assert_eq!(facts.expires_in_ms, Some(crate::timefmt::parse_iso8601("2026-07-25T01:00:00Z").unwrap() - now() as i64));
        let form = assemble_form(&p).unwrap();
        assert_eq!(form.len(), 7);
        assert_eq!(form[0], FormEntry::Field { name: "key", value: "org-7/call-1.wav" });
        assert_eq!(form[6], FormEntry::File);
    }

    #[test]
    fn every_rejection() {
        let base = valid();
        let mut cases: Vec<(Presign, u64, u64, &str)> = Vec::new();
        let mut p = base.clone();
        p.url = "ftp://x".into();
        cases.push((p, 10, now(), "presign_invalid_url"));
        cases.push((presign_with(&policy_json("2026-07-25T01:00:00Z", ""), &[("file", "x")]), 10, now(), "presign_file_field"));
        cases.push((presign_with(&policy_json("2026-07-25T01:00:00Z", ""), &[("Key", "org-7/b")]), 10, now(), "presign_duplicate_field"));
        let mut p = base.clone();
        p.fields.retain(|(k, _)| k != "key");
        cases.push((p, 10, now(), "presign_missing_key"));
        let mut p = base.clone();
        p.fields[4].1 = "%%%".into();
        cases.push((p, 10, now(), "presign_policy_unreadable"));
        cases.push((presign_with(&policy_json("2026-07-24T23:00:00Z", ""), &[]), 10, now(), "presign_expired"));
        // Within the 30 s margin.
        cases.push((presign_with(&policy_json("2026-07-25T00:00:00Z", ""), &[]), 10, now() - 20_000, "presign_expired"));
        cases.push((base.clone(), 104_857_601, now(), "file_too_large_for_policy"));
        cases.push((base.clone(), 0, now(), "file_too_small_for_policy"));
        let mut p = base.clone();
        p.fields[0].1 = "org-8/call.wav".into();
        cases.push((p, 10, now(), "presign_key_rejected"));
        cases.push((
            presign_with(&policy_json("2026-07-25T01:00:00Z", r#",{"key":"org-7/other.wav"}"#), &[]),
            10,
            now(),
            "presign_key_rejected",
        ));
        cases.push((
            presign_with(&policy_json("2026-07-25T01:00:00Z", r#",["eq","$Content-Type","audio/wav"]"#), &[("Content-Type", "audio/mpeg")]),
            10,
            now(),
            "presign_condition_failed",
        ));
        cases.push((
            presign_with(&policy_json("2026-07-25T01:00:00Z", r#",["eq","$Content-Type","audio/wav"]"#), &[]),
            10,
            now(),
            "presign_field_missing",
        ));
        cases.push((
            presign_with(&policy_json("2026-07-25T01:00:00Z", ""), &[("x-amz-security-token", "TOKEN-SECRET-VALUE")]),
            10,
            now(),
            "presign_field_not_in_policy",
        ));
        for (i, (p, size, now, code)) in cases.iter().enumerate() {
            let e = precheck(p, *size, *now).unwrap_err();
            assert_eq!(e.code(), *code, "case {i}: {e}");
            assert_no_secrets(&e, p);
        }
    }

    #[test]
    fn exempt_and_covered_fields_pass() {
        let p = presign_with(
            &policy_json("2026-07-25T01:00:00Z", r#",["starts-with","$Content-Type",""],{"x-amz-security-token":"TOKEN-SECRET-VALUE"}"#),
            &[("Content-Type", "audio/wav"), ("x-ignore-trace", "1"), ("X-Amz-Security-Token", "TOKEN-SECRET-VALUE")],
        );
        assert!(precheck(&p, 10, now()).is_ok());
        // Without a policy (public bucket) only the shape is checked.
        let p = Presign { url: "https://b.s3.amazonaws.com/".into(), fields: vec![("key".into(), "a".into())] };
        assert_eq!(precheck(&p, 10, now()).unwrap().expires_in_ms, None);
    }

    #[test]
    fn debug_hides_values_and_errors_redact() {
        let p = valid();
        let dbg = format!("{p:?}");
        assert!(!dbg.contains(SIG) && !dbg.contains(CRED) && dbg.contains("x-amz-signature"));
        let e = parse_s3_error(&format!(
            "<Error><Code>SignatureDoesNotMatch</Code><Message>expected {SIG} for {CRED}</Message></Error>"
        ))
        .unwrap()
        .redacted(p.secret_values());
        assert_eq!(e.message, "expected [redacted] for [redacted]");
    }
}
