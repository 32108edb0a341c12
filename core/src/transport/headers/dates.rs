//! Wall-clock dates in headers: HTTP dates (`Retry-After`) and RFC 3339 timestamps
//! (Anthropic's `anthropic-ratelimit-*-reset`), as unix milliseconds.
//!
//! The civil-date arithmetic is Howard Hinnant's `days_from_civil`, so no date
//! crate is needed and the result is the same on every target.

use super::numbers::{is_py_space, py_int, IntError};

/// Days from 1970-01-01 to a proleptic Gregorian date (`month` in 1..=12, `day` any).
fn days_from_civil(year: i64, month: i64, day: i64) -> Option<i64> {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y.rem_euclid(400);
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    (era * 146_097 + day_of_era - 719_468).checked_add(day.checked_sub(1)?)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses an HTTP date (IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, RFC 850
/// `Sunday, 06-Nov-94 08:49:37 GMT`, asctime `Sun Nov  6 08:49:37 1994`) into unix ms.
///
/// The semantics are exactly those of Python's `email.utils.parsedate_tz` followed
/// by `mktime_tz` (CPython 3.11 `Lib/email/_parseaddr.py`), which openai-python
/// uses for `Retry-After`, including its leniency: fields may come in either
/// order, a 2-digit year maps to 1969..=2068, an unknown zone counts as UTC, and
/// the day is not checked against the month (`31 Feb` is 3 March). Two gaps: a
/// field too large for an `i64` gives `None` (Python computes with big integers),
/// and non-ASCII digits are not digits.
#[must_use]
pub fn parse_http_date(s: &str) -> Option<i64> {
    parsedate_tz_unix_seconds(s)?.checked_mul(1000)
}

const MONTHS: [&str; 24] = [
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
// Python keeps the table in hhmm form (-500 = -5 h) and converts it like a numeric offset.
const ZONES: [(&str, i64); 14] = [
    ("UT", 0),
    ("UTC", 0),
    ("GMT", 0),
    ("Z", 0),
    ("AST", -400),
    ("ADT", -300),
    ("EST", -500),
    ("EDT", -400),
    ("CST", -600),
    ("CDT", -500),
    ("MST", -700),
    ("MDT", -600),
    ("PST", -800),
    ("PDT", -700),
];

/// `s.lower() == key` with Python's full Unicode case mapping.
fn lower_is(s: &str, key: &str) -> bool {
    s.chars().flat_map(char::to_lowercase).eq(key.chars())
}

/// `s.upper() == key` with Python's full Unicode case mapping (`"Eﬆ".upper() == "EST"`).
fn upper_is(s: &str, key: &str) -> bool {
    s.chars().flat_map(char::to_uppercase).eq(key.chars())
}

fn month_number(s: &str) -> Option<i64> {
    let index = MONTHS.iter().position(|m| lower_is(s, m))?;
    i64::try_from(index % 12 + 1).ok()
}

/// The int fields of a date, or why there is no date: `Err(())` both for Python's
/// `None` and for a field only Python's big integers could hold.
fn int(s: &str) -> Result<i64, ()> {
    py_int(s).map_err(|_| ())
}

fn parsedate_tz_unix_seconds(data: &str) -> Option<i64> {
    // `data.split()`; only the first six tokens can matter, but the count does.
    let mut raw = [""; 6];
    let mut count = 0usize;
    for (i, token) in data.split(is_py_space).filter(|t| !t.is_empty()).enumerate() {
        if let Some(slot) = raw.get_mut(i) {
            *slot = token;
        }
        count = i + 1;
    }
    if count == 0 {
        return None;
    }
    let first = raw[0];
    let start = if first.ends_with(',') || DAYS.iter().any(|d| lower_is(first, d)) {
        1
    } else {
        if let Some(i) = first.rfind(',') {
            raw[0] = &first[i + 1..];
        }
        0
    };
    let mut count = count - start;
    let mut f = [""; 5];
    for (slot, token) in f.iter_mut().zip(raw.iter().skip(start)) {
        *slot = token;
    }
    if count == 3 {
        // RFC 850: `06-Nov-94` is three fields.
        let mut parts = f[0].split('-');
        if let (Some(d), Some(m), Some(y), None) = (parts.next(), parts.next(), parts.next(), parts.next()) {
            f = [d, m, y, f[1], f[2]];
            count = 5;
        }
    }
    if count == 4 {
        let s = f[3];
        // A zone glued to the time (`08:49:37+0200`), else a dummy empty zone.
        match s.find('+').or_else(|| s.find('-')) {
            Some(i) if i > 0 => {
                f[3] = &s[..i];
                f[4] = &s[i..];
            }
            _ => f[4] = "",
        }
        count = 5;
    }
    if count < 5 {
        return None;
    }
    let [mut dd, mut mm, mut yy, mut tm, mut tz] = f;
    if dd.is_empty() || mm.is_empty() || yy.is_empty() {
        return None;
    }
    let month = match month_number(mm) {
        Some(m) => m,
        None => {
            (dd, mm) = (mm, dd);
            month_number(mm)?
        }
    };
    dd = dd.strip_suffix(',').unwrap_or(dd);
    if yy.find(':').is_some_and(|i| i > 0) {
        (yy, tm) = (tm, yy);
    }
    if let Some(stripped) = yy.strip_suffix(',') {
        if stripped.is_empty() {
            return None;
        }
        yy = stripped;
    }
    if !yy.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        (yy, tz) = (tz, yy);
    }
    tm = tm.strip_suffix(',').unwrap_or(tm);
    let (hh, mi, ss) = clock_fields(tm)?;
    let (mut year, day) = (int(yy).ok()?, int(dd).ok()?);
    let (hour, minute, second) = (int(hh).ok()?, int(mi).ok()?, int(ss).ok()?);
    if year < 100 {
        year += if year > 68 { 1900 } else { 2000 };
    }
    let offset = zone_offset_seconds(tz)?;
    // calendar.timegm: datetime.date(year, month, 1) refuses years outside 1..=9999.
    if !(1..=9999).contains(&year) {
        return None;
    }
    let days = days_from_civil(year, month, day)?;
    let seconds = days
        .checked_mul(24)?
        .checked_add(hour)?
        .checked_mul(60)?
        .checked_add(minute)?
        .checked_mul(60)?
        .checked_add(second)?;
    seconds.checked_sub(offset)
}

/// `hh:mm`, `hh:mm:ss`, or the same with dots; seconds default to `0`.
fn clock_fields(tm: &str) -> Option<(&str, &str, &str)> {
    let split = |sep: char| {
        let mut parts = tm.split(sep);
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(h), Some(m), None, _) => Some((h, m, "0")),
            (Some(h), Some(m), Some(s), None) => Some((h, m, s)),
            _ => None,
        }
    };
    if tm.contains(':') {
        split(':')
    } else if tm.contains('.') {
        split('.')
    } else {
        None
    }
}

/// Seconds east of UTC; `Some(0)` for an unknown or `-0000` zone, `None` only when
/// the zone number is too large for an `i64`.
fn zone_offset_seconds(tz: &str) -> Option<i64> {
    let hhmm = match ZONES.iter().find(|(name, _)| upper_is(tz, name)) {
        Some(&(_, offset)) => offset,
        None => match py_int(tz) {
            Ok(v) => v,
            Err(IntError::Invalid) => 0,
            Err(IntError::Overflow) => return None,
        },
    };
    let magnitude = hhmm.checked_abs()?;
    let seconds = (magnitude / 100).checked_mul(3600)?.checked_add((magnitude % 100) * 60)?;
    Some(if hhmm < 0 { -seconds } else { seconds })
}

/// Parses an RFC 3339 timestamp (`2026-11-28T20:19:38Z`,
/// `2026-11-28T21:19:38.250+01:00`) into unix ms; fractional digits past the
/// millisecond are truncated. `t`, `z` and a space for `T` are accepted
/// (RFC 3339 §5.6 note); a leap second `:60` counts as the next second.
#[must_use]
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let digits = |from: usize, len: usize| -> Option<i64> {
        let field = b.get(from..from + len)?;
        field.iter().try_fold(0i64, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0')))
    };
    let at = |i: usize, allowed: &[u8]| b.get(i).is_some_and(|c| allowed.contains(c));
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt ") && at(13, b":") && at(16, b":")) {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0;
    if at(i, b".") {
        let frac = b.get(i + 1..)?.iter().take_while(|c| c.is_ascii_digit()).count();
        if frac == 0 {
            return None;
        }
        for k in 0..3 {
            millis = millis * 10 + if k < frac { digits(i + 1 + k, 1)? } else { 0 };
        }
        i += 1 + frac;
    }
    let offset_minutes = match b.get(i..)? {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (oh, om) = (digits(i + 1, 2)?, digits(i + 4, 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            if *sign == b'-' {
                -(oh * 60 + om)
            } else {
                oh * 60 + om
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day)?;
    let seconds = ((days * 24 + hour) * 60 + minute - offset_minutes) * 60 + second;
    Some(seconds * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOV_6_1994_08_49_37: i64 = 784_111_777_000;

    #[test]
    fn civil_days_match_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), Some(0));
        assert_eq!(days_from_civil(2000, 3, 1), Some(11_017));
        assert_eq!(days_from_civil(1969, 12, 31), Some(-1));
        assert_eq!(days_from_civil(2026, 11, 28), Some(20_785));
    }

    #[test]
    fn the_three_http_date_forms_agree() {
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(NOV_6_1994_08_49_37));
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), Some(NOV_6_1994_08_49_37));
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Some(NOV_6_1994_08_49_37));
    }

    #[test]
    fn http_date_leniency_is_pythons() {
        // Numeric and named zones, a zone glued to the time, `-0000` as UTC.
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 10:49:37 +0200"), Some(NOV_6_1994_08_49_37));
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 03:49:37 EST"), Some(NOV_6_1994_08_49_37));
        assert_eq!(parse_http_date("06 Nov 1994 10:49:37+0200"), Some(NOV_6_1994_08_49_37));
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 -0000"), Some(NOV_6_1994_08_49_37));
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 Mars"), Some(NOV_6_1994_08_49_37));
        // Missing seconds, dots, no day name, month first, full month names.
        assert_eq!(parse_http_date("6 November 1994 08:49"), Some(NOV_6_1994_08_49_37 - 37_000));
        assert_eq!(parse_http_date("Nov 6 1994 08.49.37 GMT"), Some(NOV_6_1994_08_49_37));
        // The day is not checked: 31 Feb 2026 is 3 March.
        assert_eq!(parse_http_date("31 Feb 2026 00:00:00 GMT"), parse_http_date("3 Mar 2026 00:00:00 GMT"));
        // Python's str.upper() folds U+FB06 (the "st" ligature) to "ST".
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 03:49:37 E\u{fb06}"), Some(NOV_6_1994_08_49_37));
    }

    #[test]
    fn http_date_garbage_is_none() {
        for bad in [
            "",
            "   ",
            "soon",
            "Sun, 06 Nov 1994",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08-49-37 GMT",
            "Sun, 06 Nov 10000 08:49:37 GMT",
            "Sun, xx Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov , 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn rfc3339_as_anthropic_sends_it() {
        assert_eq!(parse_rfc3339("2026-11-28T20:19:38Z"), Some(1_795_897_178_000));
        assert_eq!(parse_rfc3339("2026-11-28T21:19:38.250+01:00"), Some(1_795_897_178_250));
        assert_eq!(parse_rfc3339("2026-11-28t20:19:38.123456789z"), Some(1_795_897_178_123));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59.5Z"), Some(-500));
        assert_eq!(parse_rfc3339("2024-02-29T00:00:00-00:30"), Some(1_709_166_600_000));
    }

    #[test]
    fn rfc3339_garbage_is_none() {
        for bad in [
            "",
            "2026-11-28",
            "2026-11-28T20:19:38",
            "2026-11-28T20:19:38+0100",
            "2026-13-28T20:19:38Z",
            "2026-02-29T20:19:38Z",
            "2026-11-28T24:00:00Z",
            "2026-11-28T20:19:38.Z",
            "2026-11-28T20:19:38Zjunk",
            "+026-11-28T20:19:38Z",
            "2026-11-28T20:19:38+24:00",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }
}
