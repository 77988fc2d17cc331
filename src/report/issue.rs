//! What a check returns: [`Issue`], [`Report`] and [`Stats`].
//!
//! They derive `serde::Serialize` natively only (the devserver writes issues into its JSON
//! replies); the wasm builds JS objects from the public fields by hand (`src/bindings/json.rs`),
//! so serde stays out of the module.

use super::Code;

/// One problem found in the input.
///
/// `line` and `column` are 1-based. `column` counts UTF-16 code units, as JavaScript strings and
/// editors index text. Both are `None` when the issue has no place in a source text (for example
/// when the devserver checks an already-decoded protobuf map, or for a problem in an option).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(not(target_arch = "wasm32"), derive(serde::Serialize))]
pub struct Issue {
    /// The stable machine-readable code.
    pub code: Code,
    /// What is wrong and how to fix it, for a person.
    pub message: String,
    /// The RFC 6901 JSON pointer of the offending value (of where a missing member would be).
    pub path: String,
    /// 1-based line of the value (of the parent object for a missing member).
    pub line: Option<u32>,
    /// 1-based column, in UTF-16 code units.
    pub column: Option<u32>,
}

impl Issue {
    /// An issue without a source position.
    pub fn unplaced(code: Code, path: impl Into<String>, message: impl Into<String>) -> Issue {
        Issue { code, message: message.into(), path: path.into(), line: None, column: None }
    }
}

/// Counts about the validated input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(not(target_arch = "wasm32"), derive(serde::Serialize), serde(rename_all = "camelCase"))]
pub struct Stats {
    /// Input size in bytes (after a UTF-8 BOM, if any).
    pub bytes: u64,
    /// How many JSON values the document holds (0 when it could not be parsed).
    pub values: u64,
    /// The main items: chat messages, metadata keys or import rows.
    pub items: u64,
    /// The deepest nesting of arrays and objects.
    pub max_depth: u32,
}

/// The result of `validate()`: every issue found, with positions, and counts about the input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(not(target_arch = "wasm32"), derive(serde::Serialize))]
pub struct Report {
    /// `true` when there are no errors (warnings allowed), counting errors past the cap.
    pub ok: bool,
    /// Everything that must be fixed before an upload.
    pub errors: Vec<Issue>,
    /// Everything worth a look that does not block an upload.
    pub warnings: Vec<Issue>,
    /// Counts about the input.
    pub stats: Stats,
    /// `true` when more issues were found than the cap allows: the last issue (of `errors` when
    /// an error was left out, else of `warnings`) is `too_many_issues` and says how many.
    pub truncated: bool,
}

impl Report {
    /// The codes of the errors, in order (handy in tests).
    pub fn error_codes(&self) -> Vec<&'static str> {
        self.errors.iter().map(|i| i.code.as_str()).collect()
    }

    /// The codes of the warnings, in order (handy in tests).
    pub fn warning_codes(&self) -> Vec<&'static str> {
        self.warnings.iter().map(|i| i.code.as_str()).collect()
    }
}
