//! Declared connection fields and their SpeechSense types.
//!
//! A SpeechSense connection can declare extra metadata keys, each with a type: String, Number,
//! Fractional number, Boolean, Date, JSON or URL. On the wire every value is still a string; these
//! checks make sure the string reads as the declared type.

use crate::formats::{text, time};

/// A SpeechSense connection field type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(not(target_arch = "wasm32"), derive(serde::Serialize))]
pub enum FieldType {
    /// Any text.
    String,
    /// An integer such as `42` or `-7`.
    Number,
    /// A decimal such as `3.14` or `1e-3`.
    #[cfg_attr(not(target_arch = "wasm32"), serde(rename = "Fractional number"))]
    FractionalNumber,
    /// `true` or `false`.
    Boolean,
    /// An ISO 8601 date-time such as `2025-04-24T14:34:19+03:00`.
    Date,
    /// A JSON document.
    #[cfg_attr(not(target_arch = "wasm32"), serde(rename = "JSON"))]
    Json,
    /// An absolute URL such as `https://example.com/x`.
    #[cfg_attr(not(target_arch = "wasm32"), serde(rename = "URL"))]
    Url,
}

impl FieldType {
    /// The name SpeechSense uses ("Fractional number").
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "String",
            FieldType::Number => "Number",
            FieldType::FractionalNumber => "Fractional number",
            FieldType::Boolean => "Boolean",
            FieldType::Date => "Date",
            FieldType::Json => "JSON",
            FieldType::Url => "URL",
        }
    }

    /// Parses a type name, ignoring ASCII case, spaces, `-` and `_` (`"Fractional number"`,
    /// `"fractional-number"`, `"FractionalNumber"`, `"json"` all work).
    pub fn from_name(name: &str) -> Option<FieldType> {
        // A loop, not filter/map/collect: one iterator chain less in the wasm module.
        let mut n = String::with_capacity(name.len());
        for c in name.chars() {
            if !matches!(c, ' ' | '-' | '_') {
                n.push(c.to_ascii_lowercase());
            }
        }
        Some(match n.as_str() {
            "string" => FieldType::String,
            "number" | "integer" => FieldType::Number,
            "fractionalnumber" | "float" | "decimal" => FieldType::FractionalNumber,
            "boolean" | "bool" => FieldType::Boolean,
            "date" | "datetime" => FieldType::Date,
            "json" => FieldType::Json,
            "url" => FieldType::Url,
            _ => return None,
        })
    }

    /// Checks a value; the error says what the value should look like.
    pub fn check(self, value: &str) -> Result<(), String> {
        // One message for the types that say what to write, and JSON read once for its reason.
        let (ok, example) = match self {
            FieldType::String => return Ok(()),
            FieldType::Json => {
                return match crate::json::read(value.as_bytes()) {
                    Ok(_) => Ok(()),
                    Err(e) => Err(format!("the value is not valid JSON text: {}", e.error.message)),
                };
            }
            FieldType::Number => (text::is_integer(value), "an integer such as \"42\""),
            FieldType::FractionalNumber => (text::is_decimal(value), "a decimal such as \"3.14\""),
            FieldType::Boolean => (value == "true" || value == "false", "\"true\" or \"false\""),
            FieldType::Date => (time::parse(value, time::Grammar::Iso8601).is_ok(), "an ISO 8601 date-time such as \"2025-04-24T14:34:19+03:00\""),
            FieldType::Url => (text::url_scheme(value).is_some(), "an absolute URL such as \"https://example.com/page\""),
        };
        if ok {
            return Ok(());
        }
        Err(format!("\"{value}\" is not a {}: write {example}", self.as_str()))
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl<'de> serde::Deserialize<'de> for FieldType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        FieldType::from_name(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown field type \"{s}\": use String, Number, Fractional number, Boolean, Date, JSON or URL"
            ))
        })
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn yes() -> bool {
    true
}

/// An extra field declared on a SpeechSense connection.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(not(target_arch = "wasm32"), derive(serde::Serialize, serde::Deserialize))]
pub struct FieldDecl {
    /// The metadata key.
    pub name: String,
    /// The SpeechSense type of its value.
    #[cfg_attr(not(target_arch = "wasm32"), serde(rename = "type"))]
    pub field_type: FieldType,
    /// Whether every dialog must carry it (default `true`: SpeechSense asks for every connection
    /// parameter in each metadata file).
    #[cfg_attr(not(target_arch = "wasm32"), serde(default = "yes"))]
    pub required: bool,
}

impl FieldDecl {
    /// A required field.
    pub fn new(name: impl Into<String>, field_type: FieldType) -> FieldDecl {
        FieldDecl { name: name.into(), field_type, required: true }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types() {
        assert_eq!(FieldType::from_name("Fractional number"), Some(FieldType::FractionalNumber));
        assert_eq!(FieldType::from_name("fractional-number"), Some(FieldType::FractionalNumber));
        assert_eq!(FieldType::from_name("JSON"), Some(FieldType::Json));
        assert_eq!(FieldType::from_name("blob"), None);
        assert!(FieldType::Number.check("12").is_ok());
        assert!(FieldType::Number.check("1.5").is_err());
        assert!(FieldType::FractionalNumber.check("1.5").is_ok());
        assert!(FieldType::Boolean.check("TRUE").is_err());
        assert!(FieldType::Date.check("2025-04-24T14:34:19+03:00").is_ok());
        assert!(FieldType::Date.check("2025-02-30T14:34:19Z").is_err());
        assert!(FieldType::Json.check("{\"a\": [1]}").is_ok());
        assert!(FieldType::Json.check("{a: 1}").is_err());
        assert!(FieldType::Url.check("https://x.org").is_ok());
        assert!(FieldType::Url.check("x.org").is_err());
        assert!(FieldType::String.check("").is_ok());
    }
}
