//! RFC 3339 and ISO 8601 date-times with real calendar checks, without a date library.
//!
//! Two grammars:
//! - [`Grammar::Rfc3339`] (chat timestamps, Vela times): `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)`,
//!   exactly what protobuf's `Timestamp.FromJsonString` reads. The offset is required.
//! - [`Grammar::Iso8601`] (SpeechSense metadata dates): the same, but the offset may be missing (the
//!   caller decides what that means) and may also be written `±HHMM` or `±HH`.
//!
//! Years run from 0001 to 9999 (the range of `google.protobuf.Timestamp`). Leap years follow the
//! Gregorian rule. A leap second (`:60`) is rejected, as protobuf does.
//!
//! ```
//! use talk_uploader::formats::time::{parse, Grammar};
//! let t = parse("2024-02-29T23:59:59.5+03:00", Grammar::Rfc3339).unwrap();
//! assert_eq!(t.unix_seconds(), 1709240399);
//! assert_eq!(t.nanos, 500_000_000);
//! assert!(parse("2023-02-29T00:00:00Z", Grammar::Rfc3339).is_err());
//! ```


/// Which date-time grammar to accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grammar {
    /// RFC 3339 with a required `Z` or `±HH:MM` offset.
    Rfc3339,
    /// ISO 8601 extended format, offset optional.
    Iso8601,
}

/// A parsed date-time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    /// 1..=9999
    pub year: i32,
    /// 1..=12
    pub month: u32,
    /// 1..=31
    pub day: u32,
    /// 0..=23
    pub hour: u32,
    /// 0..=59
    pub minute: u32,
    /// 0..=59
    pub second: u32,
    /// 0..=999_999_999
    pub nanos: u32,
    /// Offset east of UTC in seconds, `None` when the text had none.
    pub offset: Option<i32>,
}

/// Why a date-time was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeError {
    /// The text does not have the expected shape.
    Shape,
    /// The shape is right but the date or time does not exist; the text says why.
    Calendar(String),
    /// [`Grammar::Rfc3339`] only: the shape is right but there is no offset.
    MissingOffset,
}

/// The `len` decimal digits at `from`, or `None`. (A plain loop: iterator adapters are calls at
/// opt-level "z", and chat validation parses 100,000 timestamps.)
#[inline(always)]
fn num(b: &[u8], from: usize, len: usize) -> Option<u32> {
    let mut v = 0u32;
    for k in from..from + len {
        match b.get(k) {
            Some(&c @ b'0'..=b'9') => v = v * 10 + (c - b'0') as u32,
            _ => return None,
        }
    }
    Some(v)
}

/// `true` when `b[i]` is `c`.
#[inline(always)]
fn is(b: &[u8], i: usize, c: u8) -> bool {
    matches!(b.get(i), Some(&x) if x == c)
}

/// `true` for Gregorian leap years.
pub fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in `month` of `year`.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

const MONTHS: [&str; 12] = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/// Checks a civil date; the error says what is wrong.
fn check_date(year: i32, month: u32, day: u32) -> Result<(), TimeError> {
    if year < 1 {
        return Err(TimeError::Calendar("year 0000 is out of range (0001 to 9999)".into()));
    }
    let Some(name) = month.checked_sub(1).and_then(|m| MONTHS.get(m as usize)) else {
        return Err(TimeError::Calendar(format!("month {month:02} does not exist")));
    };
    let dim = days_in_month(year, month);
    if day == 0 || day > dim {
        // `year` is at least 1 here: shown as a `u32`, so `i32`'s Display is not linked.
        let why = if month == 2 && day == 29 { format!(" ({} is not a leap year)", year as u32) } else { String::new() };
        return Err(TimeError::Calendar(format!("{name} {day} does not exist{why}")));
    }
    Ok(())
}

/// Parses a date `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<(i32, u32, u32), TimeError> {
    date_bytes(s.as_bytes())
}

fn date_bytes(b: &[u8]) -> Result<(i32, u32, u32), TimeError> {
    if b.len() != 10 || !is(b, 4, b'-') || !is(b, 7, b'-') {
        return Err(TimeError::Shape);
    }
    let (Some(y), Some(m), Some(d)) = (num(b, 0, 4), num(b, 5, 2), num(b, 8, 2)) else { return Err(TimeError::Shape) };
    check_date(y as i32, m, d)?;
    Ok((y as i32, m, d))
}

/// Parses a date-time in `grammar`.
pub fn parse(s: &str, grammar: Grammar) -> Result<DateTime, TimeError> {
    parse_bytes(s.as_bytes(), grammar)
}

/// [`parse`] on the UTF-8 bytes of the text (no `&str` needed: validators pass JSON string bytes).
pub fn parse_bytes(b: &[u8], grammar: Grammar) -> Result<DateTime, TimeError> {
    if b.len() < 19 || !is(b, 10, b'T') || !is(b, 13, b':') || !is(b, 16, b':') {
        return Err(TimeError::Shape);
    }
    let (year, month, day) = date_bytes(b.get(..10).ok_or(TimeError::Shape)?)?;
    let (Some(hour), Some(minute), Some(second)) = (num(b, 11, 2), num(b, 14, 2), num(b, 17, 2)) else { return Err(TimeError::Shape) };
    let mut i = 19;
    let mut nanos = 0u32;
    if is(b, i, b'.') {
        i += 1;
        let start = i;
        while matches!(b.get(i), Some(b'0'..=b'9')) {
            i += 1;
        }
        let digits = i - start;
        if digits == 0 || digits > 9 {
            return Err(TimeError::Shape);
        }
        nanos = num(b, start, digits).ok_or(TimeError::Shape)?;
        // Scaled to nanoseconds by a loop, not `u32::pow` (its own function in the wasm module).
        for _ in digits..9 {
            nanos *= 10;
        }
    }
    let offset = match b.get(i) {
        None => None,
        Some(b'Z') => {
            i += 1;
            Some(0)
        }
        Some(&sign @ (b'+' | b'-')) => {
            let oh = num(b, i + 1, 2).ok_or(TimeError::Shape)?;
            let (om, len) = match (b.get(i + 3), grammar) {
                (Some(b':'), _) => (num(b, i + 4, 2).ok_or(TimeError::Shape)?, 6),
                (Some(_), Grammar::Iso8601) => (num(b, i + 3, 2).ok_or(TimeError::Shape)?, 5),
                (None, Grammar::Iso8601) => (0, 3),
                _ => return Err(TimeError::Shape),
            };
            if oh > 23 || om > 59 {
                return Err(TimeError::Calendar(format!("the offset {} does not exist", std::str::from_utf8(b.get(i..i + len).unwrap_or(&[])).unwrap_or_default())));
            }
            i += len;
            let secs = (oh * 3600 + om * 60) as i32;
            Some(if sign == b'-' { -secs } else { secs })
        }
        Some(_) => return Err(TimeError::Shape),
    };
    if i != b.len() {
        return Err(TimeError::Shape);
    }
    if hour > 23 {
        return Err(no_such("hour", hour, "00 to 23"));
    }
    if minute > 59 {
        return Err(no_such("minute", minute, "00 to 59"));
    }
    if second > 59 {
        return Err(no_such("second", second, "00 to 59; leap seconds are not accepted"));
    }
    if offset.is_none() && grammar == Grammar::Rfc3339 {
        return Err(TimeError::MissingOffset);
    }
    Ok(DateTime { year, month, day, hour, minute, second, nanos, offset })
}

/// "{what} {n} does not exist ({range})": one message built for the hour, the minute and the
/// second, out of the parser's hot path.
#[cold]
#[inline(never)]
fn no_such(what: &str, n: u32, range: &str) -> TimeError {
    TimeError::Calendar(format!("{what} {n} does not exist ({range})"))
}

/// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y as i64 - 1 } else { y as i64 };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count from 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl DateTime {
    /// Seconds since the Unix epoch (a missing offset counts as UTC).
    pub fn unix_seconds(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400 + (self.hour * 3600 + self.minute * 60 + self.second) as i64
            - self.offset.unwrap_or(0) as i64
    }

    /// Nanoseconds since the Unix epoch, for ordering.
    pub fn unix_nanos(&self) -> i128 {
        self.unix_seconds() as i128 * 1_000_000_000 + self.nanos as i128
    }
}

/// Smallest and largest seconds of `google.protobuf.Timestamp` (0001-01-01 to 9999-12-31).
pub const MIN_SECONDS: i64 = -62_135_596_800;
/// See [`MIN_SECONDS`].
pub const MAX_SECONDS: i64 = 253_402_300_799;

/// Formats an instant as RFC 3339 with an offset (`Z` when 0), with 0, 3, 6 or 9 fraction digits
/// as protobuf's JSON mapping does. `None` when the instant is outside 0001..=9999.
pub fn format_rfc3339(seconds: i64, nanos: u32, offset_seconds: i32) -> Option<String> {
    // `matches!` on a range pattern: two comparisons, where `RangeInclusive::contains` is a function.
    if !matches!(seconds, MIN_SECONDS..=MAX_SECONDS) || nanos > 999_999_999 || offset_seconds.abs() >= 86_400 {
        return None;
    }
    let local = seconds + offset_seconds as i64;
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    if !matches!(y, 1..=9999) {
        return None;
    }
    let sod = local.rem_euclid(86_400);
    // Digits pushed by hand, not `format!("{:02}")`: the zero-padded formatting is about 800
    // bytes of wasm for a fixed-width text.
    let mut out = String::with_capacity(35);
    digits(&mut out, y as u32, 4);
    out.push('-');
    digits(&mut out, m, 2);
    out.push('-');
    digits(&mut out, d, 2);
    out.push('T');
    digits(&mut out, (sod / 3600) as u32, 2);
    out.push(':');
    digits(&mut out, (sod / 60 % 60) as u32, 2);
    out.push(':');
    digits(&mut out, (sod % 60) as u32, 2);
    if nanos != 0 {
        out.push('.');
        if nanos.is_multiple_of(1_000_000) {
            digits(&mut out, nanos / 1_000_000, 3);
        } else if nanos.is_multiple_of(1000) {
            digits(&mut out, nanos / 1000, 6);
        } else {
            digits(&mut out, nanos, 9);
        }
    }
    if offset_seconds == 0 {
        out.push('Z');
    } else {
        let a = offset_seconds.unsigned_abs();
        out.push(if offset_seconds < 0 { '-' } else { '+' });
        digits(&mut out, a / 3600, 2);
        out.push(':');
        digits(&mut out, a / 60 % 60, 2);
    }
    Some(out)
}

/// Appends the last `width` decimal digits of `n`, zero-padded (`n` has at most `width` digits
/// where this is called).
fn digits(out: &mut String, n: u32, width: u32) {
    let mut p = 1u32;
    for _ in 1..width {
        p *= 10;
    }
    while p > 0 {
        out.push(char::from(b'0' + (n / p % 10) as u8));
        p /= 10;
    }
}

/// A message for a person about a rejected date-time.
pub fn explain(value: &str, err: &TimeError, example: &str) -> String {
    match err {
        TimeError::Shape => format!("\"{value}\" is not a date-time like \"{example}\""),
        TimeError::Calendar(why) => format!("\"{value}\" is not a real date-time: {why}"),
        TimeError::MissingOffset => format!("\"{value}\" has no time zone: add `Z` for UTC or an offset like `+03:00`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_and_offsets() {
        assert!(parse("2024-02-29T00:00:00Z", Grammar::Rfc3339).is_ok());
        assert!(parse("2000-02-29T00:00:00Z", Grammar::Rfc3339).is_ok());
        assert!(matches!(parse("1900-02-29T00:00:00Z", Grammar::Rfc3339), Err(TimeError::Calendar(_))));
        assert!(matches!(parse("2023-04-31T00:00:00Z", Grammar::Rfc3339), Err(TimeError::Calendar(_))));
        assert!(matches!(parse("2023-13-01T00:00:00Z", Grammar::Rfc3339), Err(TimeError::Calendar(_))));
        assert!(matches!(parse("2023-01-01T24:00:00Z", Grammar::Rfc3339), Err(TimeError::Calendar(_))));
        assert!(matches!(parse("2023-01-01T23:59:60Z", Grammar::Rfc3339), Err(TimeError::Calendar(_))));
        assert_eq!(parse("2023-01-01T00:00:00", Grammar::Rfc3339), Err(TimeError::MissingOffset));
        assert_eq!(parse("2023-01-01T00:00:00+0300", Grammar::Rfc3339), Err(TimeError::Shape));
        assert_eq!(parse("2023-01-01T00:00:00+0300", Grammar::Iso8601).unwrap().offset, Some(10800));
        assert_eq!(parse("2023-01-01T00:00:00-03", Grammar::Iso8601).unwrap().offset, Some(-10800));
        assert_eq!(parse("2023-01-01T00:00:00", Grammar::Iso8601).unwrap().offset, None);
        assert_eq!(parse("2023-01-01 00:00:00Z", Grammar::Iso8601), Err(TimeError::Shape));
        assert_eq!(parse("2023-01-01T00:00:00.Z", Grammar::Iso8601), Err(TimeError::Shape));
        assert_eq!(parse("2023-01-01T00:00:00.1234567890Z", Grammar::Iso8601), Err(TimeError::Shape));
    }

    #[test]
    fn epoch_round_trip() {
        for secs in [MIN_SECONDS, -1, 0, 1, 951_782_400, 1_709_240_399, MAX_SECONDS] {
            for off in [0, 10_800, -34_200] {
                let Some(s) = format_rfc3339(secs, 120_000, off) else { continue };
                let t = parse(&s, Grammar::Rfc3339).unwrap();
                assert_eq!((t.unix_seconds(), t.nanos, t.offset), (secs, 120_000, Some(off)), "{s}");
            }
        }
        assert_eq!(format_rfc3339(0, 0, 0).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(MAX_SECONDS + 1, 0, 0), None);
    }

    /// The hand-pushed digits give what the `format!` version they replaced gave.
    #[test]
    fn formatting_matches_zero_padded_format() {
        let reference = |seconds: i64, nanos: u32, offset: i32| {
            let local = seconds + offset as i64;
            let (y, m, d) = civil_from_days(local.div_euclid(86_400));
            let sod = local.rem_euclid(86_400);
            let mut out = format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", sod / 3600, sod / 60 % 60, sod % 60);
            if nanos != 0 {
                if nanos % 1_000_000 == 0 {
                    out += &format!(".{:03}", nanos / 1_000_000);
                } else if nanos % 1000 == 0 {
                    out += &format!(".{:06}", nanos / 1000);
                } else {
                    out += &format!(".{nanos:09}");
                }
            }
            if offset == 0 {
                out.push('Z');
            } else {
                let a = offset.abs();
                out += &format!("{}{:02}:{:02}", if offset < 0 { '-' } else { '+' }, a / 3600, a / 60 % 60);
            }
            out
        };
        for secs in [MIN_SECONDS + 86_400, -62_000_000_000, -1, 0, 59, 3_599, 86_399, 951_782_400, 1_709_240_399, MAX_SECONDS - 86_400] {
            for nanos in [0, 1, 7_000, 120_000, 5_000_000, 999_999_999, 100_000_000] {
                for off in [0, 60, 10_800, -34_200, 86_399, -86_399] {
                    assert_eq!(format_rfc3339(secs, nanos, off).as_deref(), Some(reference(secs, nanos, off).as_str()), "{secs} {nanos} {off}");
                }
            }
        }
    }
}
