//! A positioned JSON parser built for validation.
//!
//! [`read`] drops a BOM and parses into a compact [`Document`]: one flat array of 20-byte nodes
//! with byte spans, borrowing every string and number from the input. UTF-8 is checked while
//! strings are scanned, so a valid document is read in one pass. Line and column
//! are never computed while parsing; [`crate::report::position`] turns the few offsets that issues need into
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
//! - Nesting is limited to [`parser::MAX_DEPTH`] levels, input to [`MAX_INPUT_BYTES`] (256 MiB)
//!   and the document to [`MAX_VALUES`] values (`input_too_large`), so that memory stays bounded.
//! - A `\u` escape of a lone surrogate is a syntax error (`lone_surrogate`), although `JSON.parse`
//!   accepts it: such text cannot become a protobuf string.

mod diagnose;
mod duplicates;
pub mod escape;
pub mod parser;
mod scan;
pub mod tree;
pub mod write;

pub use parser::{DuplicateKey, Parsed, SyntaxError, MAX_DEPTH, MAX_INPUT_BYTES, MAX_VALUES};
pub use tree::{Document, Items, Kind, Members, Value};
pub(crate) use tree::same;

use crate::report::Code;

/// A parsed input plus the source it was parsed from (without the BOM).
#[derive(Debug)]
pub struct Read<'a> {
    /// The bytes after a BOM (valid UTF-8), which all offsets refer to.
    pub bytes: &'a [u8],
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
///
/// Invalid UTF-8 anywhere wins over any syntax error, as if the input had been decoded first: the
/// parser checks UTF-8 only as far as it reads, so on any error the whole input is checked.
pub fn read(input: &[u8]) -> Result<Read<'_>, ReadError<'_>> {
    read_limited(input, crate::report::MAX_MAX_ISSUES)
}

/// [`read`], listing at most `duplicates` duplicate keys (see [`parser::parse_limited`]).
pub fn read_limited(input: &[u8], duplicates: usize) -> Result<Read<'_>, ReadError<'_>> {
    let bytes = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    match parser::parse_limited(bytes, duplicates) {
        Ok(parsed) => Ok(Read { bytes, parsed }),
        // Too large to read is the answer, whatever the bytes are.
        Err(error) if error.code == Code::InputTooLarge => Err(ReadError { bytes, error }),
        Err(error) => match std::str::from_utf8(bytes) {
            Ok(_) => Err(ReadError { bytes, error }),
            Err(e) => Err(ReadError { bytes, error: utf8_error(bytes, e.valid_up_to()) }),
        },
    }
}

#[cold]
fn utf8_error(bytes: &[u8], at: usize) -> SyntaxError {
    let bad = bytes.get(at).copied().unwrap_or(0);
    SyntaxError {
        code: Code::InvalidUtf8,
        message: {
            let mut m = String::from("byte 0x");
            escape::push_hex(&mut m, bad.into(), 2, true);
            m.push_str(" is not valid UTF-8: save the file as UTF-8");
            m
        },
        offset: at,
        path: String::new(),
    }
}
