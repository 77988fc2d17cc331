//! Tiny date parsers for the upload engine: ISO 8601 (S3 policy expiration) and HTTP-date
//! (`Retry-After`), to Unix milliseconds, without a date-time dependency.
//!
//! ```
//! use talk_uploader::timefmt::{parse_http_date, parse_iso8601};
//!
//! assert_eq!(parse_iso8601("1970-01-02T00:00:00Z"), Some(86_400_000));
//! assert_eq!(parse_iso8601("2024-01-15T10:30:00.250+03:00"), Some(1_705_303_800_250));
//! assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777_000));
//! ```
//!
//! ## Limitations
//!
//! - ISO 8601: only the extended calendar form `YYYY-MM-DDTHH:MM[:SS[.fff…]][Z|±HH:MM|±HHMM]`
//!   (a space may replace `T`). A missing offset is read as UTC, which is what S3 and AWS mean.
//!   Week dates, ordinal dates and the basic form are not accepted.
//! - A leap second (`:60`) is read as `:59`. Fractions past milliseconds are truncated.

use crate::formats::time::{self, days_from_civil, days_in_month};

/// Unix milliseconds of a UTC date and time (year 0000–9999, a leap second read as `:59`),
/// after range checks; `None` if out of range.
pub fn unix_ms(year: i64, month: u32, day: u32, hour: u32, minute: u32, second: u32, millis: u32) -> Option<i64> {
    let year = i32::try_from(year).ok().filter(|y| (0..=9999).contains(y))?;
    // days_in_month is 0 for a month outside 1–12.
    if day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 || millis > 999 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second.min(59));
    secs.checked_mul(1000)?.checked_add(i64::from(millis))
}

/// A cursor over ASCII text for the parsers below.
struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Self {
        Cursor { s: s.as_bytes(), i: 0 }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }
    fn digits(&mut self, n: usize) -> Option<u32> {
        let slice = self.s.get(self.i..self.i.checked_add(n)?)?;
        let mut v: u32 = 0;
        for &b in slice {
            if !b.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(b - b'0');
        }
        self.i += n;
        Some(v)
    }
    fn word(&mut self) -> &'a [u8] {
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            self.i += 1;
        }
        self.s.get(start..self.i).unwrap_or_default()
    }
    fn spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }
    fn done(&self) -> bool {
        self.i >= self.s.len()
    }
}

/// Parses an ISO 8601 / RFC 3339 date-time into Unix milliseconds.
///
/// The grammar and the calendar checks are [`formats::time`](crate::formats::time)'s
/// (`Grammar::Iso8601`); this only first rewrites the spellings S3 and AWS tools also write
/// into that form: a lowercase `t` or `z`, a space for `T`, no seconds, a comma before the
/// fraction, a leap second (read as `:59`), more than nine fraction digits.
pub fn parse_iso8601(text: &str) -> Option<i64> {
    let b = text.trim().as_bytes();
    let mut s = String::with_capacity(b.len() + 3);
    s.push_str(std::str::from_utf8(b.get(..10)?).ok()?);
    matches!(b.get(10)?, b'T' | b't' | b' ').then_some(())?;
    s.push('T');
    s.push_str(std::str::from_utf8(b.get(11..16)?).ok()?);
    let mut rest = b.get(16..)?;
    match rest.split_first() {
        Some((b':', r)) => {
            let sec = r.get(..2)?;
            s.push(':');
            s.push_str(if sec == b"60" { "59" } else { std::str::from_utf8(sec).ok()? });
            rest = r.get(2..)?;
        }
        _ => s.push_str(":00"),
    }
    if let Some((b'.' | b',', r)) = rest.split_first() {
        let digits = r.iter().take_while(|c| c.is_ascii_digit()).count();
        s.push('.');
        s.push_str(std::str::from_utf8(r.get(..digits.min(9))?).ok()?);
        rest = r.get(digits..)?;
    }
    s.push_str(&std::str::from_utf8(rest).ok()?.replace('z', "Z"));
    let t = time::parse(&s, time::Grammar::Iso8601).ok()?;
    t.unix_seconds().checked_mul(1000)?.checked_add(i64::from(t.nanos / 1_000_000))
}

fn month_from_name(name: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
    ];
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(name))
        .map(|i| i as u32 + 1)
}

fn time_of_day(c: &mut Cursor<'_>) -> Option<(u32, u32, u32)> {
    let h = c.digits(2)?;
    c.eat(b':')?;
    let m = c.digits(2)?;
    c.eat(b':')?;
    let s = c.digits(2)?;
    Some((h, m, s))
}

/// Parses an HTTP-date (RFC 9110: IMF-fixdate, RFC 850 or asctime) into Unix milliseconds.
pub fn parse_http_date(text: &str) -> Option<i64> {
    let mut c = Cursor::new(text.trim());
    let weekday = c.word();
    if weekday.len() < 3 {
        return None;
    }
    if c.eat(b',').is_some() {
        // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
        // RFC 850:     "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit year: 70–99 → 19xx).
        let rfc850 = weekday.len() > 3;
        let sep = if rfc850 { b'-' } else { b' ' };
        c.spaces();
        let day = c.digits(2)?;
        c.eat(sep)?;
        let month = month_from_name(c.word())?;
        c.eat(sep)?;
        let year = if rfc850 {
            let yy = c.digits(2)?;
            if yy >= 70 { 1900 + yy } else { 2000 + yy }
        } else {
            c.digits(4)?
        };
        c.eat(b' ')?;
        let (h, m, s) = time_of_day(&mut c)?;
        c.spaces();
        (c.word() == b"GMT" && c.done()).then_some(())?;
        unix_ms(i64::from(year), month, day, h, m, s, 0)
    } else {
        // asctime: "Sun Nov  6 08:49:37 1994"
        c.spaces();
        let month = month_from_name(c.word())?;
        c.spaces();
        let day = c.digits(2).or_else(|| c.digits(1))?;
        c.eat(b' ')?;
        let (h, m, s) = time_of_day(&mut c)?;
        c.eat(b' ')?;
        let year = c.digits(4)?;
        c.done().then_some(())?;
        unix_ms(i64::from(year), month, day, h, m, s, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn iso8601_forms() {
        assert_eq!(parse_iso8601("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_iso8601("1970-01-01T00:00:00.5Z"), Some(500));
        assert_eq!(parse_iso8601("1970-01-01T00:00:00.123456Z"), Some(123));
        assert_eq!(parse_iso8601("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_iso8601("1970-01-01T00:00:00-0130"), Some(90 * 60_000));
        assert_eq!(parse_iso8601("1970-01-01 00:01"), Some(60_000));
        assert_eq!(parse_iso8601("2000-02-29T00:00:00Z"), Some(951_782_400_000));
        assert_eq!(parse_iso8601("2007-12-01T12:00:00.000Z"), Some(1_196_510_400_000));
        for bad in [
            "", "2024", "2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00Zjunk", "2024-01-01", "２０２４-01-01T00:00Z",
            "2024-01-01T00:00:00+25:00",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad}");
        }
    }

    #[test]
    fn http_date_forms() {
        let t = Some(784_111_777_000);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), t);
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), t);
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), t);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"), None);
        assert_eq!(parse_http_date("120"), None);
        // Each comma form keeps its own separator and year width.
        assert_eq!(parse_http_date("Sun, 06-Nov-1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sunday, 06 Nov 94 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sunday, 06-Nov-1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Thursday, 01-Jan-70 00:00:00 GMT"), Some(0));
        assert_eq!(parse_http_date("Friday, 01-Jan-10 00:00:00 GMT"), Some(1_262_304_000_000));
        assert_eq!(parse_http_date("Sun, 31 Feb 1994 08:49:37 GMT"), None);
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,40}") {
            let _ = parse_iso8601(&s);
            let _ = parse_http_date(&s);
        }

        #[test]
        fn days_round_trip(days in -700_000i64..2_900_000) {
            let (y, m, d) = time::civil_from_days(days);
            prop_assert_eq!(days_from_civil(i32::try_from(y).unwrap(), m, d), days);
        }

        #[test]
        fn iso8601_agrees_with_rfc3339(secs in 0i64..253_402_300_799, millis in 0u32..1000) {
            let text = time::format_rfc3339(secs, millis * 1_000_000, 0).unwrap();
            prop_assert_eq!(parse_iso8601(&text), Some(secs * 1000 + i64::from(millis)));
        }
    }
}
