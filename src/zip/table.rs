//! A small RFC 4180 reader for the sampled start of a CSV or TSV entry: the header row, and the
//! same number of fields on every record sampled. Paths are `/<record>/<field>`, 0-based, with
//! the header as record 0; offsets point into the sampled text, so the report's line and column
//! are positions in the entry's decoded text.
//!
//! CSV fields may be quoted (`"a,b"`, `""` for a quote, line breaks inside quotes). TSV follows
//! the IANA text/tab-separated-values rule: no quoting, so a quote is an ordinary character.
//! A record that the sample boundary cuts is not checked.

use crate::validate::{Code, Sink};

/// Counts about a sampled table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableStats {
    /// Complete records read, the header included.
    pub records: u64,
    /// Fields in the header.
    pub columns: u64,
}

struct Record {
    /// Byte offset where each field starts.
    starts: Vec<usize>,
    /// The header's field texts, unquoted.
    texts: Vec<String>,
    count: usize,
    start: usize,
    end: usize,
    complete: bool,
}

/// Checks `text`, which is the whole entry when `truncated` is false and its first bytes otherwise.
pub fn check_table(text: &str, delimiter: u8, quoting: bool, truncated: bool, sink: &mut Sink) -> TableStats {
    let b = text.as_bytes();
    let mut stats = TableStats::default();
    let mut at = 0usize;
    let mut header: Option<usize> = None;
    let mut blank_warned = false;
    let mut stray_warned = false;
    let mut index = 0u64;
    while at < b.len() {
        let rec = read_record(b, at, delimiter, quoting, header.is_none(), truncated, sink, index, &mut stray_warned);
        at = rec.end;
        if !rec.complete {
            break;
        }
        let blank = rec.count == 1 && line_is_empty(b, rec.start);
        if blank {
            if !blank_warned {
                sink.warn_at(Code::CsvBlankLine, Some(rec.start), format!("/{index}"), "a blank line: most readers skip it, some read it as a record with one empty field; remove blank lines");
                blank_warned = true;
            }
            continue;
        }
        stats.records += 1;
        match header {
            None => {
                check_header(&rec, index, sink);
                stats.columns = rec.count as u64;
                header = Some(rec.count);
            }
            Some(n) if rec.count != n => {
                let (field, offset, what) = if rec.count > n {
                    (n, rec.starts.get(n).copied().unwrap_or(rec.start), "more")
                } else {
                    (rec.count, line_end(b, rec.start, rec.end), "fewer")
                };
                sink.error_at(
                    Code::CsvColumnCount,
                    Some(offset),
                    format!("/{index}/{field}"),
                    format!("record {index} has {} fields, {what} than the header's {n}: every record needs exactly {n}", rec.count),
                );
            }
            Some(_) => {}
        }
        index += 1;
    }
    if header.is_none() && !truncated {
        sink.error_at(Code::CsvNoHeader, Some(0), String::new(), "the table is empty: the first line must be a header row that names the columns");
    }
    stats
}

#[allow(clippy::too_many_arguments)]
fn read_record(b: &[u8], start: usize, d: u8, quoting: bool, is_header: bool, truncated: bool, sink: &mut Sink, index: u64, stray_warned: &mut bool) -> Record {
    let mut rec = Record { starts: Vec::new(), texts: Vec::new(), count: 0, start, end: start, complete: false };
    let mut i = start;
    loop {
        let field_start = i;
        rec.starts.push(field_start);
        rec.count += 1;
        let mut text = String::new();
        if quoting && b.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match memchr(b'"', b, i) {
                    None => {
                        if !truncated {
                            sink.error_at(Code::CsvUnterminatedQuote, Some(field_start), format!("/{index}/{}", rec.count - 1), "this quoted field is never closed: add the closing `\"` (write a quote inside a field as `\"\"`)");
                        }
                        rec.end = b.len();
                        return rec;
                    }
                    Some(q) => {
                        if is_header {
                            text.push_str(std::str::from_utf8(b.get(i..q).unwrap_or_default()).unwrap_or_default());
                        }
                        if b.get(q + 1) == Some(&b'"') {
                            if is_header {
                                text.push('"');
                            }
                            i = q + 2;
                        } else {
                            i = q + 1;
                            break;
                        }
                    }
                }
            }
            if !matches!(b.get(i), None | Some(b'\n') | Some(b'\r')) && b.get(i) != Some(&d) {
                if !*stray_warned {
                    sink.warn_at(Code::CsvStrayQuote, Some(i), format!("/{index}/{}", rec.count - 1), "text follows the closing quote of this field: quote the whole field and double the inner quotes");
                    *stray_warned = true;
                }
                while !matches!(b.get(i), None | Some(b'\n') | Some(b'\r')) && b.get(i) != Some(&d) {
                    i += 1;
                }
            }
        } else {
            let s = i;
            while !matches!(b.get(i), None | Some(b'\n') | Some(b'\r')) && b.get(i) != Some(&d) {
                if quoting && b.get(i) == Some(&b'"') && !*stray_warned {
                    sink.warn_at(Code::CsvStrayQuote, Some(i), format!("/{index}/{}", rec.count - 1), "a `\"` inside an unquoted field: most readers keep it, strict ones refuse the file; quote the field and write the quote as `\"\"`");
                    *stray_warned = true;
                }
                i += 1;
            }
            if is_header {
                text.push_str(std::str::from_utf8(b.get(s..i).unwrap_or_default()).unwrap_or_default());
            }
        }
        if is_header {
            rec.texts.push(text);
        }
        match b.get(i) {
            Some(&c) if c == d => i += 1,
            Some(b'\n') => {
                rec.end = i + 1;
                rec.complete = true;
                return rec;
            }
            Some(b'\r') if b.get(i + 1) == Some(&b'\n') => {
                rec.end = i + 2;
                rec.complete = true;
                return rec;
            }
            Some(b'\r') if i + 1 < b.len() || !truncated => {
                rec.end = i + 1;
                rec.complete = true;
                return rec;
            }
            // The end of the text: the last record, unless the sample boundary cut it.
            _ => {
                rec.end = b.len();
                rec.complete = !truncated;
                return rec;
            }
        }
    }
}

fn check_header(rec: &Record, index: u64, sink: &mut Sink) {
    let mut seen: Vec<&str> = Vec::with_capacity(rec.texts.len());
    for (k, name) in rec.texts.iter().enumerate() {
        let at = rec.starts.get(k).copied();
        let trimmed = name.trim();
        if trimmed.is_empty() {
            sink.error_at(Code::CsvHeaderName, at, format!("/{index}/{k}"), format!("header column {k} has no name: name every column"));
        } else if seen.iter().any(|s| s.eq_ignore_ascii_case(trimmed)) {
            sink.error_at(Code::CsvHeaderName, at, format!("/{index}/{k}"), format!("header column {k} repeats the name \"{trimmed}\": column names must be unique"));
        }
        seen.push(trimmed);
    }
}

fn memchr(c: u8, b: &[u8], from: usize) -> Option<usize> {
    b.get(from..)?.iter().position(|&x| x == c).map(|p| p + from)
}

fn line_is_empty(b: &[u8], start: usize) -> bool {
    matches!(b.get(start), None | Some(b'\n') | Some(b'\r'))
}

/// Where the record's line break is (the end of its last field).
fn line_end(b: &[u8], start: usize, end: usize) -> usize {
    let mut e = end.min(b.len());
    while e > start && matches!(b.get(e - 1), Some(b'\n') | Some(b'\r')) {
        e -= 1;
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{Issue, Stats};

    fn run(text: &str, d: u8, quoting: bool, truncated: bool) -> (Vec<Issue>, Vec<Issue>, TableStats) {
        let mut sink = Sink::new();
        let stats = check_table(text, d, quoting, truncated, &mut sink);
        let r = sink.finish(text.as_bytes(), Stats::default());
        (r.errors, r.warnings, stats)
    }

    #[test]
    fn a_clean_csv_with_quotes_and_crlf() {
        let (e, w, s) = run("id,text\r\n1,\"a, \"\"b\"\"\nc\"\r\n2,x\r\n", b',', true, false);
        assert!(e.is_empty() && w.is_empty(), "{e:?} {w:?}");
        assert_eq!(s, TableStats { records: 3, columns: 2 });
    }

    #[test]
    fn column_counts_point_at_the_field() {
        let (e, _, _) = run("a,b\n1,2,3\n4\n", b',', true, false);
        assert_eq!(e.len(), 2);
        assert_eq!((e[0].path.as_str(), e[0].line, e[0].column), ("/1/2", Some(2), Some(5)));
        assert_eq!((e[1].path.as_str(), e[1].line, e[1].column), ("/2/1", Some(3), Some(2)));
        assert!(e.iter().all(|i| i.code == Code::CsvColumnCount));
    }

    #[test]
    fn a_record_cut_by_the_sample_is_not_an_error() {
        let (e, _, s) = run("a,b\n1,2\n3", b',', true, true);
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(s.records, 2);
        let (e, _, _) = run("a,b\n1,\"open", b',', true, true);
        assert!(e.is_empty(), "{e:?}");
        let (e, _, _) = run("a,b\n1,\"open", b',', true, false);
        assert_eq!(e[0].code, Code::CsvUnterminatedQuote);
        assert_eq!((e[0].line, e[0].column), (Some(2), Some(3)));
    }

    #[test]
    fn header_names_and_empty_tables() {
        let (e, _, _) = run("a,,A\n1,2,3\n", b',', true, false);
        assert_eq!(e.iter().map(|i| i.path.as_str()).collect::<Vec<_>>(), ["/0/1", "/0/2"]);
        let (e, _, _) = run("", b',', true, false);
        assert_eq!(e[0].code, Code::CsvNoHeader);
    }

    #[test]
    fn tsv_has_no_quoting() {
        let (e, w, _) = run("a\tb\n\"x\ty\"\n", b'\t', false, false);
        assert!(e.is_empty() && w.is_empty(), "{e:?} {w:?}");
    }

    #[test]
    fn blank_lines_and_stray_quotes_warn_once() {
        let (e, w, _) = run("a,b\n\n1,2\n\n3,4\n5,x\"y\n6,\"p\"q\n", b',', true, false);
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(w.iter().map(|i| i.code).collect::<Vec<_>>(), [Code::CsvBlankLine, Code::CsvStrayQuote]);
    }
}
