//! The [`Sink`] that checks fill while they walk a document.
//!
//! Checks record byte offsets only; line and column are computed once, at the end, for the
//! issues that exist (see [`super::position`]), so a valid document pays nothing for them.

use super::{position, Code, Issue, Path, Report, Stats};

/// An issue whose position is still a byte offset.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    pub code: Code,
    pub message: String,
    pub path: String,
    pub at: Option<usize>,
}

/// The default cap on the issues of one report (`maxIssues`).
pub const DEFAULT_MAX_ISSUES: usize = 1_000;
/// The largest `maxIssues` a caller may ask for: a report's memory is proportional to its cap.
pub const MAX_MAX_ISSUES: usize = 100_000;

/// Collects issues while a validator walks a document.
///
/// It keeps at most `limit` issues, errors first: an error that arrives when the sink is full
/// takes the place of the latest warning, so a flood of warnings never hides an error. Whatever
/// does not fit is only counted, so the memory of a report is bounded by its cap however many
/// problems the input has (a 20 MB array of zeros is 10 million issues).
#[derive(Debug)]
pub struct Sink {
    pub(crate) errors: Vec<Pending>,
    pub(crate) warnings: Vec<Pending>,
    limit: usize,
    dropped_errors: u64,
    dropped_warnings: u64,
}

impl Default for Sink {
    fn default() -> Sink {
        Sink::with_limit(DEFAULT_MAX_ISSUES)
    }
}

impl Sink {
    /// A new, empty sink with the default cap.
    pub fn new() -> Sink {
        Sink::default()
    }

    /// A new, empty sink that keeps at most `limit` issues (at least 1).
    pub fn with_limit(limit: usize) -> Sink {
        Sink { errors: Vec::new(), warnings: Vec::new(), limit: limit.max(1), dropped_errors: 0, dropped_warnings: 0 }
    }

    fn full(&self) -> bool {
        self.errors.len() + self.warnings.len() >= self.limit
    }

    fn push_error(&mut self, p: Pending) {
        if self.full() {
            if self.warnings.pop().is_some() {
                self.dropped_warnings += 1;
            } else {
                self.dropped_errors += 1;
                return;
            }
        }
        self.errors.push(p);
    }

    fn push_warning(&mut self, p: Pending) {
        if self.full() {
            self.dropped_warnings += 1;
        } else {
            self.warnings.push(p);
        }
    }

    /// `false` when an error would only be counted (the cap is reached and no warning can make
    /// room for it); the error is then counted here, and the caller skips building its message.
    /// A 20 MB array of zeros is 10 million errors: formatting each one only to drop it was most
    /// of the time spent.
    pub fn room_for_error(&mut self) -> bool {
        if self.full() && self.warnings.is_empty() {
            self.dropped_errors += 1;
            return false;
        }
        true
    }

    /// Like [`Sink::room_for_error`], for a warning.
    pub fn room_for_warning(&mut self) -> bool {
        if self.full() {
            self.dropped_warnings += 1;
            return false;
        }
        true
    }

    /// Records an error at byte offset `at` of the source.
    pub fn error(&mut self, code: Code, at: usize, path: &Path<'_>, message: impl Into<String>) {
        if self.full() && self.warnings.is_empty() {
            self.dropped_errors += 1;
            return;
        }
        self.push_error(Pending { code, message: message.into(), path: path.render(), at: Some(at) });
    }

    /// Records a warning at byte offset `at` of the source.
    pub fn warn(&mut self, code: Code, at: usize, path: &Path<'_>, message: impl Into<String>) {
        if self.full() {
            self.dropped_warnings += 1;
            return;
        }
        self.push_warning(Pending { code, message: message.into(), path: path.render(), at: Some(at) });
    }

    /// Records an error with an already rendered pointer and an optional offset.
    pub fn error_at(&mut self, code: Code, at: Option<usize>, path: String, message: impl Into<String>) {
        self.push_error(Pending { code, message: message.into(), path, at });
    }

    /// Records a warning with an already rendered pointer and an optional offset.
    pub fn warn_at(&mut self, code: Code, at: Option<usize>, path: String, message: impl Into<String>) {
        self.push_warning(Pending { code, message: message.into(), path, at });
    }

    /// Counts `n` errors that were found but never built (for example duplicate keys past the
    /// parser's own cap).
    pub fn count_dropped_errors(&mut self, n: u64) {
        self.dropped_errors += n;
    }

    /// `true` when an error has been recorded (or counted past the cap).
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.dropped_errors > 0
    }

    /// The `too_many_issues` issue, when something was left out, and whether it is an error.
    fn overflow(&self) -> Option<(bool, Pending)> {
        let dropped = self.dropped_errors + self.dropped_warnings;
        if dropped == 0 {
            return None;
        }
        let what = match (self.dropped_errors, self.dropped_warnings) {
            (e, 0) => format!("{e} more error(s)"),
            (0, w) => format!("{w} more warning(s)"),
            (e, w) => format!("{e} more error(s) and {w} more warning(s)"),
        };
        let message = format!(
            "{what} not listed: a report holds at most {} issues (the maxIssues option); fix these first, or raise maxIssues",
            self.limit
        );
        Some((self.dropped_errors > 0, Pending { code: Code::TooManyIssues, message, path: String::new(), at: None }))
    }

    /// Turns offsets into line and column against `src` (the text the offsets point into).
    pub fn finish(self, src: &[u8], stats: Stats) -> Report {
        let overflow = self.overflow();
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
        let mut errors: Vec<Issue> = self.errors.into_iter().map(&mut place).collect();
        let mut warnings: Vec<Issue> = self.warnings.into_iter().map(&mut place).collect();
        let truncated = overflow.is_some();
        if let Some((is_error, p)) = overflow {
            let issue = Issue::unplaced(p.code, p.path, p.message);
            if is_error { errors.push(issue) } else { warnings.push(issue) }
        }
        Report { ok: errors.is_empty(), errors, warnings, stats, truncated }
    }

    /// The issues without positions (for checks that have no source text), the overflow issue
    /// last when something was left out.
    pub fn into_unplaced(self) -> (Vec<Issue>, Vec<Issue>) {
        let overflow = self.overflow();
        let f = |p: Pending| Issue { code: p.code, message: p.message, path: p.path, line: None, column: None };
        let mut errors: Vec<Issue> = self.errors.into_iter().map(f).collect();
        let mut warnings: Vec<Issue> = self.warnings.into_iter().map(f).collect();
        if let Some((is_error, p)) = overflow {
            if is_error { errors.push(f(p)) } else { warnings.push(f(p)) }
        }
        (errors, warnings)
    }
}
