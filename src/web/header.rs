//! Checking a caller-supplied value before it becomes an HTTP request header.
//!
//! `XMLHttpRequest.setRequestHeader` throws a `SyntaxError` for a value with a line break, a NUL
//! or a character above U+00FF, and that error's message quotes the whole value: for an API key,
//! the key itself. So every credential is checked here first, and the error names the option and
//! what is wrong with it, never the value.
//!
//! ```
//! use talk_uploader::web::header::{check_header_value, HeaderValueError};
//! assert_eq!(check_header_value("  k3y-123 "), Ok("k3y-123"));
//! assert_eq!(check_header_value("a\nb"), Err(HeaderValueError::LineBreak { position: 2 }));
//! assert_eq!(check_header_value(""), Err(HeaderValueError::Empty));
//! ```

/// Why a value cannot be sent as a header value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HeaderValueError {
    /// Empty, or only spaces and tabs.
    #[error("is empty")]
    Empty,
    /// A CR or LF: it would end the header (header injection).
    #[error("contains a line break (character {position}); copy the value again without the newline")]
    LineBreak {
        /// 1-based character position.
        position: usize,
    },
    /// NUL or another control character (U+0000–U+001F except tab, U+007F–U+009F).
    #[error("contains a control character (character {position})")]
    Control {
        /// 1-based character position.
        position: usize,
    },
    /// A character above U+00FF, which HTTP headers cannot carry.
    #[error("contains a character outside Latin-1 (character {position}), which an HTTP header cannot carry")]
    NotLatin1 {
        /// 1-based character position.
        position: usize,
    },
}

/// `value` without surrounding spaces and tabs (browsers strip them too), if every character
/// is a visible Latin-1 character or an inner space or tab.
pub fn check_header_value(value: &str) -> Result<&str, HeaderValueError> {
    let trimmed = value.trim_matches([' ', '\t']);
    if trimmed.is_empty() {
        return Err(HeaderValueError::Empty);
    }
    // Leading spaces and tabs are one byte each: their count is the byte difference (no
    // slicing, which would link the str slicing panic path).
    let lead = value.len() - value.trim_start_matches([' ', '\t']).len();
    for (i, c) in trimmed.chars().enumerate() {
        let position = lead + i + 1;
        match c {
            '\r' | '\n' => return Err(HeaderValueError::LineBreak { position }),
            '\t' | ' '..='~' | '\u{a0}'..='\u{ff}' => {}
            '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => return Err(HeaderValueError::Control { position }),
            _ => return Err(HeaderValueError::NotLatin1 { position }),
        }
    }
    Ok(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_visible_latin1_and_trims() {
        assert_eq!(check_header_value("Api-Key abc.DEF_123~"), Ok("Api-Key abc.DEF_123~"));
        assert_eq!(check_header_value("\t x y \t"), Ok("x y"));
        assert_eq!(check_header_value("caf\u{e9}"), Ok("caf\u{e9}"));
    }

    #[test]
    fn refuses_what_a_browser_would_throw_on() {
        use HeaderValueError::*;
        let cases: &[(&str, HeaderValueError)] = &[
            ("", Empty),
            (" \t ", Empty),
            ("ab\rcd", LineBreak { position: 3 }),
            ("ab\ncd", LineBreak { position: 3 }),
            ("  ab\r\n", LineBreak { position: 5 }),
            ("a\0b", Control { position: 2 }),
            ("a\u{7f}", Control { position: 2 }),
            ("a\u{85}", Control { position: 2 }),
            ("a\u{1b}[31m", Control { position: 2 }),
            ("кл\u{44e}ч", NotLatin1 { position: 1 }),
            ("key\u{1F600}", NotLatin1 { position: 4 }),
            ("a\u{2028}b", NotLatin1 { position: 2 }),
        ];
        for (value, expected) in cases {
            assert_eq!(check_header_value(value), Err(*expected), "{value:?}");
        }
    }

    #[test]
    fn messages_never_quote_the_value() {
        for value in ["SECRET\nTOKEN", "SECRET\u{0}TOKEN", "SECRETкTOKEN"] {
            let message = check_header_value(value).unwrap_err().to_string();
            assert!(!message.contains("SECRET") && !message.contains("TOKEN"), "{message}");
        }
    }
}
