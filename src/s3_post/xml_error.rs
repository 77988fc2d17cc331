//! S3 XML error bodies: `<Error><Code>…</Code><Message>…</Message>…</Error>`.
//!
//! A tolerant scanner, not an XML parser: it finds the first `<Code>` and `<Message>` (with or
//! without an `<Error>` wrapper, namespaces or an XML prolog) and decodes the five predefined
//! entities and numeric character references.
//!
//! ```
//! use talk_uploader::s3_post::xml_error::parse_s3_error;
//!
//! let body = r#"<?xml version="1.0" encoding="UTF-8"?>
//! <Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy expired.</Message>
//! <RequestId>R1</RequestId></Error>"#;
//! let e = parse_s3_error(body).unwrap();
//! assert_eq!(e.code, "AccessDenied");
//! assert_eq!(e.message, "Invalid according to Policy: Policy expired.");
//! assert_eq!(e.request_id.as_deref(), Some("R1"));
//! assert!(e.is_expired());
//! ```

/// The useful part of an S3 error response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Error {
    /// The S3 error code, e.g. `AccessDenied`, `EntityTooLarge`, `InvalidPolicyDocument`.
    pub code: String,
    /// The human message (may be empty). Pass it through [`S3Error::redacted`] before showing it.
    pub message: String,
    /// `RequestId`, for support requests.
    pub request_id: Option<String>,
}

impl S3Error {
    /// Whether the error says the presigned POST expired (S3: 403 `AccessDenied`
    /// "Request has expired" or "Policy expired").
    pub fn is_expired(&self) -> bool {
        let m = self.message.to_ascii_lowercase();
        self.code.eq_ignore_ascii_case("ExpiredToken")
            // A byte search (redact::find), not str::contains: that links the Two-Way searcher.
            || crate::redact::find(&m, "request has expired").is_some()
            || crate::redact::find(&m, "policy expired").is_some()
    }

    /// A copy whose message went through [`crate::redact::redact`] with `secrets`.
    ///
    /// S3 may echo parts of the form back (e.g. a failed condition); the caller passes the
    /// values of the presign's fields so that none reaches an error message.
    pub fn redacted<'a>(&self, secrets: impl IntoIterator<Item = &'a str>) -> S3Error {
        let secrets: Vec<&str> = secrets.into_iter().collect();
        S3Error { message: crate::redact::redact(&self.message, &secrets), ..self.clone() }
    }
}

/// Decodes `&amp; &lt; &gt; &quot; &apos;` and `&#NN;` / `&#xNN;`; anything else stays as is.
pub fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or_default());
        let after = rest.get(amp..).unwrap_or_default();
        let decoded = after.find(';').filter(|&semi| semi <= 12).and_then(|semi| {
            let name = after.get(1..semi)?;
            let ch = match name {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                _ => {
                    let num = name.strip_prefix('#')?;
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => crate::formats::text::radix(hex, 16)?,
                        None => crate::formats::text::radix(num, 10)?,
                    };
                    char::from_u32(code)?
                }
            };
            Some((ch, semi + 1))
        });
        match decoded {
            Some((ch, len)) => {
                out.push(ch);
                rest = after.get(len..).unwrap_or_default();
            }
            None => {
                out.push('&');
                rest = after.get(1..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    out
}

/// The decoded text of the first `<tag>…</tag>` in `xml` (CDATA sections unwrapped).
pub fn element_text(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = crate::redact::find(xml, &open)?.checked_add(open.len())?;
    let inner = xml.get(start..)?;
    let end = crate::redact::find(inner, &close)?;
    let raw = inner.get(..end)?.trim();
    if let Some(cdata) = raw.strip_prefix("<![CDATA[").and_then(|r| r.strip_suffix("]]>")) {
        return Some(cdata.to_string());
    }
    Some(decode_entities(raw))
}

/// Parses an S3 XML error body; `None` when it has no `<Code>`.
pub fn parse_s3_error(body: &str) -> Option<S3Error> {
    let code = element_text(body, "Code")?;
    if code.is_empty() {
        return None;
    }
    Some(S3Error {
        code,
        message: element_text(body, "Message").unwrap_or_default(),
        request_id: element_text(body, "RequestId"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_aws_and_s3s_bodies() {
        let aws = "<Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message><ProposedSize>5</ProposedSize><MaxSizeAllowed>4</MaxSizeAllowed><RequestId>X</RequestId><HostId>Y</HostId></Error>";
        let e = parse_s3_error(aws).unwrap();
        assert_eq!(e.code, "EntityTooLarge");
        assert!(!e.is_expired());
        let s3s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InvalidPolicyDocument</Code><Message>Invalid according to Policy: Policy Condition failed: [&quot;starts-with&quot;, &quot;$key&quot;, &quot;org/&quot;] &amp; more</Message></Error>";
        let e = parse_s3_error(s3s).unwrap();
        assert_eq!(e.code, "InvalidPolicyDocument");
        assert_eq!(
            e.message,
            "Invalid according to Policy: Policy Condition failed: [\"starts-with\", \"$key\", \"org/\"] & more"
        );
        assert_eq!(e.request_id, None);
        let expired = "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>";
        assert!(parse_s3_error(expired).unwrap().is_expired());
    }

    #[test]
    fn entities_and_garbage() {
        assert_eq!(decode_entities("a &lt;b&gt; &apos;c&apos; &#65;&#x42; &unknown; & x"), "a <b> 'c' AB &unknown; & x");
        assert_eq!(decode_entities("&#xD800;"), "&#xD800;");
        assert_eq!(parse_s3_error("<html>502</html>"), None);
        assert_eq!(parse_s3_error("<Error><Code></Code></Error>"), None);
        assert_eq!(parse_s3_error("<Error><Code>X"), None);
        assert_eq!(element_text("<Message><![CDATA[a <b>]]></Message>", "Message").as_deref(), Some("a <b>"));
    }

    #[test]
    fn redaction_removes_secrets_only() {
        let e = S3Error {
            code: "SignatureDoesNotMatch".into(),
            message: "sig abcdef0123456789 did not match for key 1".into(),
            request_id: None,
        };
        let r = e.redacted(["abcdef0123456789", "1"]);
        assert_eq!(r.message, "sig [redacted] did not match for key 1");
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,200}") {
            let _ = parse_s3_error(&s);
            let _ = decode_entities(&s);
            let _ = parse_s3_error(&format!("<Code>{s}</Code><Message>{s}</Message>"));
        }
    }
}
