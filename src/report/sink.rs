//! The [`Sink`] that checks fill while they walk a document.
//!
//! Checks record byte offsets only; line and column are computed once, at the end, for the
//! issues that exist (see [`super::position`]), so a valid document pays nothing for them.

use super::{position, Code, Issue, Path, Report, Stats};

/// The default cap on the issues of one report (`maxIssues`).
pub const DEFAULT_MAX_ISSUES: usize = 1_000;
/// The largest `maxIssues` a caller may ask for: a report's memory is proportional to its cap.
pub const MAX_MAX_ISSUES: usize = 100_000;

/// Errors and warnings under one cap, errors first: an error that arrives when the cap is
/// reached takes the place of the latest warning, so a flood of warnings never hides an error.
/// Whatever does not fit is only counted, so memory is bounded by the cap however many problems
/// the input has (a 20 MB array of zeros is 10 million issues). [`Sink`] keeps its issues here,
/// and so does the converter's list of what a target format cannot hold.
#[derive(Debug)]
pub struct Capped<T> {
    /// The errors kept, in the order they came.
    pub errors: Vec<T>,
    /// The warnings kept, in the order they came.
    pub warnings: Vec<T>,
    limit: usize,
    dropped_errors: u64,
    dropped_warnings: u64,
}

impl<T> Capped<T> {
    /// An empty list that keeps at most `limit` items (at least 1).
    pub fn with_limit(limit: usize) -> Capped<T> {
        Capped { errors: Vec::new(), warnings: Vec::new(), limit: limit.max(1), dropped_errors: 0, dropped_warnings: 0 }
    }

    /// The cap.
    pub fn limit(&self) -> usize {
        self.limit
    }

    fn full(&self) -> bool {
        self.errors.len() + self.warnings.len() >= self.limit
    }

    /// Keeps `t` as an error, in place of the latest warning when the cap is reached (or only
    /// counts it when there is none).
    pub fn push_error(&mut self, t: T) {
        if self.full() {
            if self.warnings.pop().is_some() {
                self.dropped_warnings += 1;
            } else {
                self.dropped_errors += 1;
                return;
            }
        }
        self.errors.push(t);
    }

    /// Keeps `t` as a warning, or only counts it when the cap is reached.
    pub fn push_warning(&mut self, t: T) {
        if self.full() {
            self.dropped_warnings += 1;
        } else {
            self.warnings.push(t);
        }
    }

    /// `false` when an error would only be counted (the cap is reached and no warning can make
    /// room for it); the error is then counted here, and the caller skips building it.
    pub fn room_for_error(&mut self) -> bool {
        if self.full() && self.warnings.is_empty() {
            self.dropped_errors += 1;
            return false;
        }
        true
    }

    /// Like [`Capped::room_for_error`], for a warning.
    pub fn room_for_warning(&mut self) -> bool {
        if self.full() {
            self.dropped_warnings += 1;
            return false;
        }
        true
    }

    /// Counts `n` errors and `w` warnings that were found but are not kept.
    pub fn count_dropped(&mut self, n: u64, w: u64) {
        self.dropped_errors += n;
        self.dropped_warnings += w;
    }

    /// How many errors and warnings were only counted.
    pub fn dropped(&self) -> (u64, u64) {
        (self.dropped_errors, self.dropped_warnings)
    }

    /// `true` when an error has been kept or counted.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.dropped_errors > 0
    }
}

/// Collects issues while a validator walks a document, at most `limit` of them, errors first
/// (see [`Capped`]).
#[derive(Debug)]
pub struct Sink {
    /// Until [`Sink::finish`], an issue's `line` holds its byte offset (inputs are under 4 GiB)
    /// and `column` is `None`: one `Capped<Issue>`, the converter's too, not a second element
    /// type with its own copies of the vector and cap code.
    issues: Capped<Issue>,
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
        Sink { issues: Capped::with_limit(limit) }
    }

    /// `false` when an error would only be counted (the cap is reached and no warning can make
    /// room for it); the error is then counted here, and the caller skips building its message.
    /// A 20 MB array of zeros is 10 million errors: formatting each one only to drop it was most
    /// of the time spent.
    pub fn room_for_error(&mut self) -> bool {
        self.issues.room_for_error()
    }

    /// Like [`Sink::room_for_error`], for a warning.
    pub fn room_for_warning(&mut self) -> bool {
        self.issues.room_for_warning()
    }

    /// Records an error at byte offset `at` of the source.
    pub fn error(&mut self, code: Code, at: usize, path: &Path<'_>, message: impl Into<String>) {
        // The pointer is rendered only for an issue that is kept. Only the check and `into` are
        // generic: the rest is one plain function for every message type.
        if self.issues.room_for_error() {
            self.keep(true, code, Some(at), path.render(), message.into());
        }
    }

    /// Records a warning at byte offset `at` of the source.
    pub fn warn(&mut self, code: Code, at: usize, path: &Path<'_>, message: impl Into<String>) {
        if self.issues.room_for_warning() {
            self.keep(false, code, Some(at), path.render(), message.into());
        }
    }

    /// Records an error with an already rendered pointer and an optional offset.
    pub fn error_at(&mut self, code: Code, at: Option<usize>, path: String, message: impl Into<String>) {
        self.keep(true, code, at, path, message.into());
    }

    /// Records a warning with an already rendered pointer and an optional offset.
    pub fn warn_at(&mut self, code: Code, at: Option<usize>, path: String, message: impl Into<String>) {
        self.keep(false, code, at, path, message.into());
    }

    #[inline(never)]
    fn keep(&mut self, error: bool, code: Code, at: Option<usize>, path: String, message: String) {
        let p = Issue { code, message, path, line: at.map(|at| u32::try_from(at).unwrap_or(u32::MAX)), column: None };
        if error { self.issues.push_error(p) } else { self.issues.push_warning(p) }
    }

    /// Counts `n` errors that were found but never built (for example duplicate keys past the
    /// parser's own cap).
    pub fn count_dropped_errors(&mut self, n: u64) {
        self.issues.count_dropped(n, 0);
    }

    /// `true` when an error has been recorded (or counted past the cap).
    pub fn has_errors(&self) -> bool {
        self.issues.has_errors()
    }

    /// The `too_many_issues` issue, when something was left out, and whether it is an error.
    fn overflow(&self) -> Option<(bool, Issue)> {
        let (errors, warnings) = self.issues.dropped();
        if errors + warnings == 0 {
            return None;
        }
        // Two formats, not one per case: "E more error(s)", "W more warning(s)", or both
        // joined by " and ".
        let mut what = String::new();
        if errors > 0 {
            what = format!("{errors} more error(s)");
        }
        if warnings > 0 {
            if errors > 0 {
                what.push_str(" and ");
            }
            what.push_str(&format!("{warnings} more warning(s)"));
        }
        let message = format!(
            "{what} not listed: a report holds at most {} issues (the maxIssues option); fix these first, or raise maxIssues",
            self.issues.limit()
        );
        Some((errors > 0, Issue { code: Code::TooManyIssues, message, path: String::new(), line: None, column: None }))
    }

    /// Turns offsets into line and column against `src` (the text the offsets point into).
    pub fn finish(self, src: &[u8], stats: Stats) -> Report {
        let overflow = self.overflow();
        let Capped { mut errors, mut warnings, .. } = self.issues;
        // Loops, not iterator chains, in this function: each chain is its own copy of the
        // iterator and collect code in the wasm module.
        let mut offsets: Vec<u64> = Vec::with_capacity(errors.len() + warnings.len());
        for list in [&errors, &warnings] {
            for p in list {
                if let Some(at) = p.line {
                    offsets.push(u64::from(at));
                }
            }
        }
        let mut table = position::Resolver::new_sorting(src, offsets);
        for list in [&mut errors, &mut warnings] {
            for p in list.iter_mut() {
                if let Some(at) = p.line {
                    let lc = table.get(at as usize);
                    p.line = Some(lc.line);
                    p.column = Some(lc.column);
                }
            }
        }
        let truncated = overflow.is_some();
        if let Some((is_error, issue)) = overflow {
            if is_error { errors.push(issue) } else { warnings.push(issue) }
        }
        Report { ok: errors.is_empty(), errors, warnings, stats, truncated }
    }

    /// The issues without positions (for checks that have no source text), the overflow issue
    /// last when something was left out.
    pub fn into_unplaced(self) -> (Vec<Issue>, Vec<Issue>) {
        let overflow = self.overflow();
        let Capped { mut errors, mut warnings, .. } = self.issues;
        for p in errors.iter_mut().chain(warnings.iter_mut()) {
            p.line = None;
        }
        if let Some((is_error, p)) = overflow {
            if is_error { errors.push(p) } else { warnings.push(p) }
        }
        (errors, warnings)
    }
}

#[cfg(test)]
mod overflow_tests {
    use super::*;

    /// The `too_many_issues` message in each of its three forms.
    #[test]
    fn overflow_message_forms() {
        let message = |errors: usize, warnings: usize| {
            let mut sink = Sink::with_limit(1);
            sink.error_at(Code::WrongType, None, String::new(), "kept");
            for _ in 0..errors {
                sink.error_at(Code::WrongType, None, String::new(), "e");
            }
            for _ in 0..warnings {
                sink.warn_at(Code::WrongType, None, String::new(), "w");
            }
            let (e, w) = sink.into_unplaced();
            e.into_iter().chain(w).last().unwrap().message
        };
        let tail = " not listed: a report holds at most 1 issues (the maxIssues option); fix these first, or raise maxIssues";
        assert_eq!(message(2, 0), format!("2 more error(s){tail}"));
        assert_eq!(message(0, 3), format!("3 more warning(s){tail}"));
        assert_eq!(message(1, 2), format!("1 more error(s) and 2 more warning(s){tail}"));
    }
}
