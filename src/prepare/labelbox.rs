//! Labelbox import rows for conversations hosted in a bucket: where the object is, and a global
//! key that stays the same when the same file is uploaded again.
//!
//! ```
//! use talk_uploader::prepare::labelbox::{object_url, Row};
//! let url = object_url("https://talks.s3.eu-west-1.amazonaws.com/", "org 1/a+b.json").unwrap();
//! assert_eq!(url, "https://talks.s3.eu-west-1.amazonaws.com/org%201/a%2Bb.json");
//! let row = Row::new(url, "sha256-ab".into(), Some("[]".into()));
//! assert!(row.to_json().ends_with(r#""media_type":"CONVERSATIONAL","metadata_fields":[]}"#));
//! ```

/// The `media_type` of a conversation row.
pub const MEDIA_TYPE: &str = "CONVERSATIONAL";
pub use crate::formats::labelbox::MAX_GLOBAL_KEY_CHARS;

/// One data row of a Labelbox import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub row_data: String,
    pub global_key: String,
    pub media_type: &'static str,
    /// `metadata_fields` as JSON text (an array), passed through as the caller wrote it.
    pub metadata_fields: Option<String>,
}

impl Row {
    /// A conversation row.
    pub fn new(row_data: String, global_key: String, metadata_fields: Option<String>) -> Row {
        Row { row_data, global_key, media_type: MEDIA_TYPE, metadata_fields }
    }

    /// The row as a JSON object.
    pub fn to_json(&self) -> String {
        use crate::json::escape::quote;
        let mut s = format!(
            "{{\"row_data\":{},\"global_key\":{},\"media_type\":{}",
            quote(&self.row_data),
            quote(&self.global_key),
            quote(self.media_type)
        );
        if let Some(m) = &self.metadata_fields {
            s.push_str(",\"metadata_fields\":");
            s.push_str(m);
        }
        s.push('}');
        s
    }
}

/// The default global key: the SHA-256 of the exact bytes uploaded, so the same file gives the
/// same key (and Labelbox refuses a second row for it) whatever form it was given in.
pub fn default_global_key(sha256: &[u8]) -> String {
    let mut s = String::with_capacity(7 + sha256.len() * 2);
    s.push_str("sha256-");
    for b in sha256 {
        s.push(char::from(b"0123456789abcdef"[(b >> 4) as usize]));
        s.push(char::from(b"0123456789abcdef"[(b & 15) as usize]));
    }
    s
}

/// The object's URL in the style of the POST URL (virtual-hosted `https://bucket.host/` or
/// path-style `https://host/bucket`): the URL without query or fragment, then the key with each
/// path segment percent-encoded. `None` when `post_url` is not an http(s) URL.
pub fn object_url(post_url: &str, key: &str) -> Option<String> {
    let base = post_url.split(['?', '#']).next()?;
    let rest = base.strip_prefix("https://").or_else(|| base.strip_prefix("http://"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return None;
    }
    let mut url = base.trim_end_matches('/').to_owned();
    for seg in key.split('/') {
        url.push('/');
        for b in seg.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                url.push(char::from(b));
            } else {
                url.push('%');
                url.push(char::from(b"0123456789ABCDEF"[(b >> 4) as usize]));
                url.push(char::from(b"0123456789ABCDEF"[(b & 15) as usize]));
            }
        }
    }
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_urls_in_both_styles() {
        assert_eq!(object_url("https://b.s3.amazonaws.com", "a/b.json").unwrap(), "https://b.s3.amazonaws.com/a/b.json");
        assert_eq!(object_url("http://127.0.0.1:9000/talks/?x=1", "o/é.json").unwrap(), "http://127.0.0.1:9000/talks/o/%C3%A9.json");
        assert_eq!(object_url("ftp://x", "k"), None);
        assert_eq!(object_url("https:///x", "k"), None);
    }

    #[test]
    fn keys_are_hex_of_the_hash() {
        assert_eq!(default_global_key(&[0xab, 0x01]), "sha256-ab01");
        assert!(default_global_key(&[0u8; 32]).chars().count() <= MAX_GLOBAL_KEY_CHARS);
    }
}
