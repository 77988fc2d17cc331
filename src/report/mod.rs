//! The report model, the bottom of the crate: issue codes, JSON pointers, positions, issues and
//! reports. It depends on nothing else in the crate, so everything above can speak it.
//!
//! ```
//! use talk_uploader::report::{Code, Path, Sink, Stats};
//! let src = b"{\n  \"a\": 1}";
//! let mut sink = Sink::new();
//! sink.error(Code::WrongType, 9, &Path::root().key("a"), "`a` must be a string");
//! let report = sink.finish(src, Stats::default());
//! assert_eq!((report.errors[0].line, report.errors[0].column), (Some(2), Some(8)));
//! ```
//!
//! Every issue carries a stable [`Code`], a message for a person, an RFC 6901 pointer and a 1-based
//! line and column (UTF-16 code units).

pub mod code;
pub mod issue;
pub mod pointer;
pub mod position;
pub mod sink;
pub mod sort;
pub mod suggest;

pub use code::Code;
pub use issue::{Issue, Report, Stats};
pub use pointer::Path;
pub use sink::{Capped, Sink, DEFAULT_MAX_ISSUES, MAX_MAX_ISSUES};
