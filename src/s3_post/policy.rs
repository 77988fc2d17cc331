//! The S3 POST policy: a base64 JSON document with an expiration and a list of conditions.
//!
//! ```
//! use talk_uploader::s3_post::policy::{decode_policy, Condition};
//!
//! let json = r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[
//!     {"bucket":"calls"},["starts-with","$key","org-1/"],["content-length-range",1,1048576]]}"#;
//! use base64::Engine as _;
//! let policy = decode_policy(&base64::engine::general_purpose::STANDARD.encode(json)).unwrap();
//! assert_eq!(policy.conditions[1], Condition::StartsWith { field: "key".into(), prefix: "org-1/".into() });
//! assert_eq!(policy.content_length_range(), Some((1, 1_048_576)));
//! ```
//!
//! Field names in conditions are stored lowercased without their `$`: S3 compares form field
//! names case-insensitively.

use crate::json::{Kind, Value};

/// One condition of a POST policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// The field must equal the value (`{"field": "value"}` or `["eq", "$field", "value"]`).
    Eq {
        /// Lowercased field name.
        field: String,
        /// Required value.
        value: String,
    },
    /// The field must start with the prefix (`["starts-with", "$field", "prefix"]`).
    StartsWith {
        /// Lowercased field name.
        field: String,
        /// Required prefix (empty: any value).
        prefix: String,
    },
    /// The uploaded file's size must lie in `[min, max]` bytes.
    ContentLengthRange {
        /// Smallest allowed size.
        min: u64,
        /// Largest allowed size.
        max: u64,
    },
    /// A condition this package does not understand; not checked locally. It holds the
    /// condition's JSON text, so a signer can render it back unchanged.
    Unknown(String),
}

impl Condition {
    /// The field a condition constrains, for `Eq` and `StartsWith`.
    pub fn field(&self) -> Option<&str> {
        match self {
            Condition::Eq { field, .. } | Condition::StartsWith { field, .. } => Some(field),
            _ => None,
        }
    }

    /// Whether `value` satisfies the condition (true for conditions on no field).
    pub fn accepts(&self, value: &str) -> bool {
        match self {
            Condition::Eq { value: want, .. } => value == want,
            Condition::StartsWith { prefix, .. } => value.starts_with(prefix.as_str()),
            _ => true,
        }
    }
}

/// A decoded POST policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The expiration as written (ISO 8601).
    pub expiration: String,
    /// The expiration in Unix milliseconds.
    pub expiration_unix_ms: i64,
    /// The conditions, in order.
    pub conditions: Vec<Condition>,
}

impl Policy {
    /// The `content-length-range` bounds, if the policy has one (the tightest, if several).
    pub fn content_length_range(&self) -> Option<(u64, u64)> {
        let mut range = None;
        for c in &self.conditions {
            if let Condition::ContentLengthRange { min, max } = *c {
                range = Some(match range {
                    None => (min, max),
                    Some((a, b)) => (min.max(a), max.min(b)),
                });
            }
        }
        range
    }

    /// The conditions on `field` (lowercase name, no `$`).
    pub fn conditions_on<'a>(&'a self, field: &'a str) -> impl Iterator<Item = &'a Condition> + 'a {
        self.conditions
            .iter()
            .filter(move |c| c.field().is_some_and(|f| f.eq_ignore_ascii_case(field)))
    }
}

/// Why the policy could not be read. Says what is wrong, never what the policy contains.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The `policy` field is not base64.
    #[error("the presigned POST's policy field is not valid base64")]
    NotBase64,
    /// The decoded policy is not a JSON object.
    #[error("the presigned POST's policy is not a JSON object")]
    NotJson,
    /// `expiration` is missing or not an ISO 8601 date-time.
    #[error("the presigned POST's policy has no valid ISO 8601 expiration")]
    BadExpiration,
    /// `conditions` is missing or malformed.
    #[error("the presigned POST's policy conditions are malformed ({0})")]
    BadConditions(&'static str),
}

fn field_name(raw: &str) -> String {
    raw.strip_prefix('$').unwrap_or(raw).to_ascii_lowercase()
}

fn as_u64(v: &Value) -> Option<u64> {
    match v.kind() {
        Kind::Number => v.number_raw()?.parse().ok(),
        Kind::String => v.as_str()?.trim().parse().ok(),
        _ => None,
    }
}

/// A condition the package does not check, as compact JSON for [`Condition::Unknown`]: its
/// source text without the whitespace between tokens.
fn compact(v: &Value) -> String {
    let (mut out, mut in_string, mut escaped) = (String::new(), false, false);
    for c in v.raw().chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c.is_ascii_whitespace() {
            continue;
        } else {
            in_string = c == '"';
        }
        out.push(c);
    }
    out
}

/// The last member named `key`: with duplicate keys, the one a JSON object decoder keeps.
fn last<'d, 'a>(v: &Value<'d, 'a>, key: &str) -> Option<Value<'d, 'a>> {
    let mut found = None;
    for (k, v) in v.members() {
        if k.str_eq(key) {
            found = Some(v);
        }
    }
    found
}

fn parse_condition(v: &Value) -> Result<Condition, PolicyError> {
    match v.kind() {
        Kind::Object => {
            // {"field": "value"}: exact match. More than one entry is unusual; take the one.
            let mut it = v.members();
            match (it.next(), it.next()) {
                (Some((k, val)), None) => match (k.as_str(), val.as_str()) {
                    (Some(k), Some(s)) => Ok(Condition::Eq { field: field_name(&k), value: s.into_owned() }),
                    _ => Ok(Condition::Unknown(compact(v))),
                },
                _ => Err(PolicyError::BadConditions("an object condition must have exactly one entry")),
            }
        }
        Kind::Array => {
            let mut items: Vec<Value> = Vec::new();
            for item in v.items() {
                items.push(item);
            }
            let op = items.first().and_then(Value::as_str).map(|s| s.to_ascii_lowercase());
            let text = |i: usize| items.get(i).and_then(Value::as_str);
            match (op.as_deref(), text(1), text(2), items.len()) {
                (Some("eq"), Some(f), Some(val), 3) => Ok(Condition::Eq { field: field_name(&f), value: val.into_owned() }),
                (Some("starts-with"), Some(f), Some(p), 3) => {
                    Ok(Condition::StartsWith { field: field_name(&f), prefix: p.into_owned() })
                }
                (Some("content-length-range"), _, _, 3) => match (items.get(1).and_then(as_u64), items.get(2).and_then(as_u64)) {
                    (Some(min), Some(max)) if min <= max => Ok(Condition::ContentLengthRange { min, max }),
                    _ => Err(PolicyError::BadConditions("content-length-range needs 0 <= min <= max")),
                },
                (Some("eq" | "starts-with" | "content-length-range"), ..) => {
                    Err(PolicyError::BadConditions("a condition has the wrong number or type of operands"))
                }
                _ => Ok(Condition::Unknown(compact(v))),
            }
        }
        _ => Err(PolicyError::BadConditions("a condition is neither an object nor an array")),
    }
}

/// Parses a policy from its JSON text, with the crate's own parser (no serde_json in the module).
pub fn parse_policy_json(json: &[u8]) -> Result<Policy, PolicyError> {
    let read = crate::json::read(json).map_err(|_| PolicyError::NotJson)?;
    let root = read.parsed.doc.root();
    if root.kind() != Kind::Object {
        return Err(PolicyError::NotJson);
    }
    let expiration =
        last(&root, "expiration").and_then(|v| v.as_str()).ok_or(PolicyError::BadExpiration)?.into_owned();
    let expiration_unix_ms = crate::timefmt::parse_iso8601(&expiration).ok_or(PolicyError::BadExpiration)?;
    let conditions = last(&root, "conditions").filter(|c| c.kind() == Kind::Array);
    let mut list = Vec::new();
    // A loop, not `collect::<Result<Vec<_>, _>>()`: that is an iterator adapter of its own.
    for c in conditions.ok_or(PolicyError::BadConditions("no conditions list"))?.items() {
        list.push(parse_condition(&c)?);
    }
    let conditions = list;
    Ok(Policy { expiration, expiration_unix_ms, conditions })
}

/// Decodes base64 the way presigners write it: the standard (`+/`) or URL-safe (`-_`) alphabet,
/// with or without (or with too much) `=` padding, with ASCII whitespace anywhere (some wrap long
/// policies). `None` for anything else, e.g. data after the padding.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut normal: Vec<u8> = Vec::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'-' => normal.push(b'+'),
            b'_' => normal.push(b'/'),
            b if b.is_ascii_whitespace() => {}
            b => normal.push(b),
        }
    }
    while normal.last() == Some(&b'=') {
        normal.pop();
    }
    // The standard alphabet, no padding left, non-zero trailing bits allowed. By hand, not the
    // base64 crate's engine: its decoder is ~3.5 KB of wasm for one policy field a presign
    // (issue 9); `decodes_as_the_base64_crate_does` checks this against it.
    if normal.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(normal.len() / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in normal {
        let sextet = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6 | u32::from(sextet)) & 0xFFF;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// Decodes the base64 `policy` form field and parses it.
pub fn decode_policy(policy_field: &str) -> Result<Policy, PolicyError> {
    let json = decode_base64(policy_field).ok_or(PolicyError::NotBase64)?;
    parse_policy_json(&json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    use proptest::prelude::*;

    #[test]
    fn base64_rfc4648_vectors() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(STANDARD.encode(plain), coded);
            assert_eq!(decode_base64(coded).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn base64_tolerant_and_strict_where_it_matters() {
        assert_eq!(decode_base64("aGVsbG8").unwrap(), b"hello");
        assert_eq!(decode_base64("Zm9v\nYmFy").unwrap(), b"foobar");
        assert_eq!(decode_base64(" Zg= =\r\n").unwrap(), b"f");
        assert_eq!(decode_base64("Zg===").unwrap(), b"f");
        assert_eq!(decode_base64("-_8").unwrap(), decode_base64("+/8=").unwrap());
        assert_eq!(decode_base64("+_8").unwrap(), decode_base64("+/8=").unwrap());
        assert_eq!(decode_base64("Zh").unwrap(), b"f");
        assert_eq!(decode_base64("Zm9v!"), None);
        assert_eq!(decode_base64("Zm9vé"), None);
        assert_eq!(decode_base64("Z"), None);
        assert_eq!(decode_base64("Zg==Zg"), None);
        assert_eq!(decode_base64("Zg=\n=Zg"), None);
    }

    proptest! {
        #[test]
        fn base64_round_trip_in_every_accepted_spelling(bytes in proptest::collection::vec(any::<u8>(), 0..200), wrap in 1usize..80) {
            let coded = STANDARD.encode(&bytes);
            prop_assert_eq!(decode_base64(&coded).unwrap(), bytes.clone());
            let url_safe: String = coded.trim_end_matches('=').replace('+', "-").replace('/', "_");
            prop_assert_eq!(decode_base64(&url_safe).unwrap(), bytes.clone());
            let wrapped: Vec<&str> = coded.as_bytes().chunks(wrap).map(|c| std::str::from_utf8(c).unwrap()).collect();
            prop_assert_eq!(decode_base64(&wrapped.join("\n")).unwrap(), bytes);
        }

        #[test]
        fn base64_never_panics(s in ".{0,100}") {
            let _ = decode_base64(&s);
        }

        #[test]
        fn decodes_as_the_base64_crate_does(s in "[A-Za-z0-9+/=_ \n-]{0,40}") {
            use base64::engine::{general_purpose::GeneralPurpose, DecodePaddingMode, GeneralPurposeConfig};
            // What decode_base64 used before: the crate's engine on the same normalised text.
            const LENIENT: GeneralPurpose = GeneralPurpose::new(
                &base64::alphabet::STANDARD,
                GeneralPurposeConfig::new()
                    .with_decode_padding_mode(DecodePaddingMode::RequireNone)
                    .with_decode_allow_trailing_bits(true),
            );
            let normal: String = s.chars().filter(|c| !c.is_ascii_whitespace()).map(|c| match c { '-' => '+', '_' => '/', c => c }).collect();
            prop_assert_eq!(decode_base64(&s), LENIENT.decode(normal.trim_end_matches('=')).ok());
        }
    }

    #[test]
    fn parses_boto3_style_policy() {
        let json = br#"{"expiration": "2026-07-23T12:00:00Z", "conditions": [
            {"bucket": "vela"}, {"key": "org/a.wav"}, ["starts-with", "$key", "org/"],
            {"x-amz-algorithm": "AWS4-HMAC-SHA256"}, {"X-Amz-Credential": "AKIA/20260723/us-east-1/s3/aws4_request"},
            {"x-amz-date": "20260723T110000Z"}, ["content-length-range", "1", 3221225472],
            ["EQ", "$Content-Type", "audio/wav"], ["in", "$acl", ["a"]], {"x": 1}]}"#;
        let p = parse_policy_json(json).unwrap();
        assert_eq!(p.expiration_unix_ms, crate::timefmt::parse_iso8601("2026-07-23T12:00:00Z").unwrap());
        assert_eq!(p.conditions[0], Condition::Eq { field: "bucket".into(), value: "vela".into() });
        assert_eq!(p.conditions[4].field(), Some("x-amz-credential"));
        assert_eq!(p.content_length_range(), Some((1, 3_221_225_472)));
        assert_eq!(p.conditions[7], Condition::Eq { field: "content-type".into(), value: "audio/wav".into() });
        assert_eq!(p.conditions[8], Condition::Unknown(r#"["in","$acl",["a"]]"#.into()));
        assert_eq!(p.conditions[9], Condition::Unknown(r#"{"x":1}"#.into()));
        assert_eq!(p.conditions_on("KEY").count(), 2);
    }

    #[test]
    fn unknown_conditions_keep_their_json_compact_and_duplicates_keep_the_last() {
        let p = parse_policy_json(
            br#"{"expiration":"2000-01-01T00:00:00Z","expiration":"2030-01-01T00:00:00Z","conditions":[
                ["in" , "$acl", [ "a b", "c\" d" ]], {"k" : [1, 2]}, ["eq", "$key", "a\u0041"]]}"#,
        )
        .unwrap();
        assert_eq!(p.expiration, "2030-01-01T00:00:00Z");
        assert_eq!(p.conditions[0], Condition::Unknown(r#"["in","$acl",["a b","c\" d"]]"#.into()));
        assert_eq!(p.conditions[1], Condition::Unknown(r#"{"k":[1,2]}"#.into()));
        assert_eq!(p.conditions[2], Condition::Eq { field: "key".into(), value: "aA".into() });
        assert_eq!(parse_policy_json(br#"{"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range",1e3,2000]]}"#).map(|_| ()),
            Err(PolicyError::BadConditions("content-length-range needs 0 <= min <= max")));
    }

    #[test]
    fn tightest_range_wins() {
        let p = parse_policy_json(
            br#"{"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range",0,100],["content-length-range",10,1000]]}"#,
        )
        .unwrap();
        assert_eq!(p.content_length_range(), Some((10, 100)));
    }

    #[test]
    fn rejects_malformed_policies() {
        assert_eq!(decode_policy("!!!"), Err(PolicyError::NotBase64));
        assert_eq!(parse_policy_json(b"[1]"), Err(PolicyError::NotJson));
        assert_eq!(parse_policy_json(b"{not json"), Err(PolicyError::NotJson));
        assert_eq!(parse_policy_json(br#"{"conditions":[]}"#), Err(PolicyError::BadExpiration));
        assert_eq!(
            parse_policy_json(br#"{"expiration":"tomorrow","conditions":[]}"#),
            Err(PolicyError::BadExpiration)
        );
        let bad = |c: &str| parse_policy_json(format!(r#"{{"expiration":"2030-01-01T00:00:00Z","conditions":{c}}}"#).as_bytes());
        assert!(matches!(bad("{}"), Err(PolicyError::BadConditions(_))));
        assert!(matches!(bad("[5]"), Err(PolicyError::BadConditions(_))));
        assert!(matches!(bad(r#"[["content-length-range",10,1]]"#), Err(PolicyError::BadConditions(_))));
        assert!(matches!(bad(r#"[["content-length-range",-1,1]]"#), Err(PolicyError::BadConditions(_))));
        assert!(matches!(bad(r#"[["eq","$key"]]"#), Err(PolicyError::BadConditions(_))));
        assert!(matches!(bad(r#"[{"a":"1","b":"2"}]"#), Err(PolicyError::BadConditions(_))));
    }
}
