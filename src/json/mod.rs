//! A positioned JSON parser built for validation.
//!
//! [`read`] checks UTF-8, drops a BOM, and parses into a compact [`Document`]: one flat array of
//! 20-byte nodes with byte spans, borrowing every string and number from the input. Line and column
//! are never computed while parsing; [`position`] turns the few offsets that issues need into
//! positions afterwards. Numbers keep their source text, so `9007199254740993` and `1.10` survive.
//!
//! ```
//! use talk_uploader::json;
//! let input = "\u{feff}{\"messages\": [{\"text\": \"h\\u00e9\"}]}";
//! let read = json::read(input.as_bytes()).unwrap();
//! let text = read.parsed.doc.root().get("messages").unwrap().items().next().unwrap().get("text").unwrap();
//! assert_eq!(text.as_str().unwrap(), "hé");
//! ```
//!
//! ## Limitations
//! - Nesting is limited to [`parser::MAX_DEPTH`] levels and input to 4 GiB.
//! - A `\u` escape of a lone surrogate is a syntax error (`lone_surrogate`), although `JSON.parse`
//!   accepts it: such text cannot become a protobuf string.

pub mod escape;
pub mod parser;
pub mod position;
pub mod tree;

pub use parser::{DuplicateKey, Parsed, SyntaxError, MAX_DEPTH};
pub use tree::{Document, Items, Kind, Members, Value};

use crate::validate::Code;

/// A parsed input plus the source it was parsed from (without the BOM).
#[derive(Debug)]
pub struct Read<'a> {
    /// The UTF-8 text after a BOM, which all offsets refer to.
    pub text: &'a str,
    /// The tree and the duplicate keys.
    pub parsed: Parsed<'a>,
}

/// Why an input could not be read.
#[derive(Debug)]
pub struct ReadError<'a> {
    /// The bytes after a BOM, which `error.offset` refers to.
    pub bytes: &'a [u8],
    /// The error.
    pub error: SyntaxError,
}

/// Strips a UTF-8 BOM, checks UTF-8 and parses.
pub fn read(input: &[u8]) -> Result<Read<'_>, ReadError<'_>> {
    let bytes = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.valid_up_to();
            let bad = bytes.get(at).copied().unwrap_or(0);
            let error = SyntaxError {
                code: Code::InvalidUtf8,
                message: format!("byte 0x{bad:02X} is not valid UTF-8: save the file as UTF-8"),
                offset: at,
                path: String::new(),
            };
            return Err(ReadError { bytes, error });
        }
    };
    match parser::parse(text) {
        Ok(parsed) => Ok(Read { text, parsed }),
        Err(error) => Err(ReadError { bytes, error }),
    }
}
