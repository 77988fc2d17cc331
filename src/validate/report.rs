//! The report model: [`Issue`], [`Report`], [`Stats`], and the [`Sink`] that validators fill.
//!
//! Validators record byte offsets only; line and column are computed once, at the end, for the
//! issues that exist (see [`crate::json::position`]), so a valid document pays nothing for them.

use super::{Code, Path};
use crate::json::position;

/// One problem found in the input.
///
/// `line` and `column` are 1-based. `column` counts UTF-16 code units, as JavaScript strings and
/// editors index text. Both are `None` when the issue has no place in a source text (for example
/// when the devserver checks an already-decoded protobuf map, or for a problem in an option).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
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
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
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

/// The result of [`validate`](super::validate).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// `true` when there are no errors (warnings allowed).
    pub ok: bool,
    /// Everything that must be fixed before an upload.
    pub errors: Vec<Issue>,
    /// Everything worth a look that does not block an upload.
    pub warnings: Vec<Issue>,
    /// Counts about the input.
    pub stats: Stats,
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

/// An issue whose position is still a byte offset.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    pub code: Code,
    pub message: String,
    pub path: String,
    pub at: Option<usize>,
}

/// Collects issues while a validator walks a document.
#[derive(Debug, Default)]
pub struct Sink {
    pub(crate) errors: Vec<Pending>,
    pub(crate) warnings: Vec<Pending>,
}

impl Sink {
    /// A new, empty sink.
    pub fn new() -> Sink {
        Sink::default()
    }

    /// Records an error at byte offset `at` of the source.
    pub fn error(&mut self, code: Code, at: usize, path: &Path<'_>, message: impl Into<String>) {
        self.errors.push(Pending { code, message: message.into(), path: path.render(), at: Some(at) });
    }

    /// Records a warning at byte offset `at` of the source.
    pub fn warn(&mut self, code: Code, at: usize, path: &Path<'_>, message: impl Into<String>) {
        self.warnings.push(Pending { code, message: message.into(), path: path.render(), at: Some(at) });
    }

    /// Records an error with an already rendered pointer and an optional offset.
    pub fn error_at(&mut self, code: Code, at: Option<usize>, path: String, message: impl Into<String>) {
        self.errors.push(Pending { code, message: message.into(), path, at });
    }

    /// Records a warning with an already rendered pointer and an optional offset.
    pub fn warn_at(&mut self, code: Code, at: Option<usize>, path: String, message: impl Into<String>) {
        self.warnings.push(Pending { code, message: message.into(), path, at });
    }

    /// `true` when an error has been recorded.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Turns offsets into line and column against `src` (the text the offsets point into).
    pub fn finish(self, src: &[u8], stats: Stats) -> Report {
        let mut offsets: Vec<usize> = Vec::new();
        offsets.extend(self.errors.iter().filter_map(|p| p.at));
        offsets.extend(self.warnings.iter().filter_map(|p| p.at));
        let mut table = position::Resolver::new(src, &offsets);
        let mut place = |p: Pending| {
            let lc = p.at.map(|at| table.get(at));
            Issue {
                code: p.code,
                message: p.message,
                path: p.path,
                line: lc.map(|l| l.line),
                column: lc.map(|l| l.column),
            }
        };
        let errors: Vec<Issue> = self.errors.into_iter().map(&mut place).collect();
        let warnings: Vec<Issue> = self.warnings.into_iter().map(&mut place).collect();
        Report { ok: errors.is_empty(), errors, warnings, stats }
    }

    /// The issues without positions (for checks that have no source text).
    pub fn into_unplaced(self) -> (Vec<Issue>, Vec<Issue>) {
        let f = |p: Pending| Issue { code: p.code, message: p.message, path: p.path, line: None, column: None };
        (self.errors.into_iter().map(f).collect(), self.warnings.into_iter().map(f).collect())
    }
}
