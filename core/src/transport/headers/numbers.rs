//! Number grammars of the languages the reference clients and servers are written in:
//! Python `float()`/`int()` (openai-python reads `Retry-After` with them) and Go
//! `time.ParseDuration` (OpenAI formats `x-ratelimit-reset-*` with it).
//!
//! They are replicated rather than approximated because the decision they feed
//! (retry now, later, or never) must match what the reference SDK does with the
//! same header bytes. One documented gap: Python also accepts non-ASCII decimal
//! digits (`float("١")`); here only ASCII digits are numbers.

/// Python's `str.isspace`: Unicode `White_Space` plus the ASCII separators U+001C..U+001F.
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()` without arguments.
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Python `float(s)` (CPython `PyFloat_FromString`), for ASCII digits.
///
/// Rust's `f64` grammar is Python's once surrounding whitespace and digit-group
/// underscores are gone (optional sign, `1.`, `.5`, exponents, case-insensitive
/// `inf`/`infinity`/`nan`), and both round correctly, so only those two steps are ours.
pub(crate) fn py_float(s: &str) -> Option<f64> {
    // Not `py_strip`: CPython maps non-ASCII spaces to ' ' and then strips ASCII
    // whitespace only, so U+001C..U+001F stay and make the number invalid.
    let t = s.trim_matches(char::is_whitespace);
    if !t.contains('_') {
        return t.parse().ok();
    }
    // Rare path (allocates): CPython `_Py_string_to_number_with_underscores`
    // allows an underscore only between two digits.
    let mut plain = String::with_capacity(t.len());
    let mut prev = '\0';
    for c in t.chars() {
        if c == '_' {
            if !prev.is_ascii_digit() {
                return None;
            }
        } else {
            if prev == '_' && !c.is_ascii_digit() {
                return None;
            }
            plain.push(c);
        }
        prev = c;
    }
    if prev == '_' {
        return None;
    }
    plain.parse().ok()
}

/// Why a Python `int()` replica refused a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IntError {
    /// Python would refuse it too (`ValueError`).
    Invalid,
    /// Python would accept it, but it does not fit an `i64`.
    Overflow,
}

/// Python `int(s)` in base 10 for a token without whitespace: sign, ASCII digits,
/// single underscores between digits.
pub(crate) fn py_int(s: &str) -> Result<i64, IntError> {
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let bytes = digits.as_bytes();
    if bytes.is_empty() || bytes.first() == Some(&b'_') || bytes.last() == Some(&b'_') {
        return Err(IntError::Invalid);
    }
    let mut value: i64 = 0;
    let mut overflow = false;
    let mut prev = 0u8;
    for &b in bytes {
        match b {
            b'0'..=b'9' => {
                let digit = i64::from(b - b'0');
                // Keep scanning after an overflow: a later bad byte still makes it Invalid.
                match value.checked_mul(10).and_then(|v| v.checked_add(digit)) {
                    Some(v) => value = v,
                    None => overflow = true,
                }
            }
            b'_' if prev != b'_' => {}
            _ => return Err(IntError::Invalid),
        }
        prev = b;
    }
    if overflow {
        return Err(IntError::Overflow);
    }
    Ok(if negative { -value } else { value })
}

const NANOS_PER_MS: u64 = 1_000_000;
const LIMIT: u64 = 1 << 63;

/// Parses a Go `time.Duration` string (`1s`, `6m0s`, `12ms`, `4m12.172s`,
/// `23h18m29.144s`, `1.5h`, `300us`, `-2m`) into milliseconds.
///
/// The grammar and arithmetic are Go's `time.ParseDuration` (golang/go
/// `src/time/format.go`): `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+` or a bare `0`, units
/// `ns`, `us`, `µs` (U+00B5), `μs` (U+03BC), `ms`, `s`, `m`, `h`, integer
/// nanoseconds with a float only for the fraction, so `4m12.172s` is exactly
/// 252172 ms. Go reports an error for more than 2^63 ns; so does this (`None`),
/// and where Go's final sum would wrap around 2^64 this refuses too.
#[must_use]
pub fn parse_go_duration(s: &str) -> Option<f64> {
    let mut rest = s.as_bytes();
    let negative = match rest.first() {
        Some(b'-') => true,
        Some(b'+') => false,
        _ => false,
    };
    if matches!(rest.first(), Some(b'-' | b'+')) {
        rest = &rest[1..];
    }
    if rest == b"0" {
        return Some(0.0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let (whole, fraction, scale, after) = number(rest)?;
        let unit_len = after.iter().position(|&b| b == b'.' || b.is_ascii_digit()).unwrap_or(after.len());
        if unit_len == 0 {
            return None;
        }
        let unit = unit_nanos(&after[..unit_len])?;
        rest = &after[unit_len..];
        if whole > LIMIT / unit {
            return None;
        }
        let mut v = whole * unit;
        if fraction > 0 {
            // Go: "float64 is needed to be nanosecond accurate for fractions of hours";
            // the product is at most 3.6e12, so the cast is exact truncation.
            #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let frac_ns = (fraction as f64 * (unit as f64 / scale)) as u64;
            v = v.checked_add(frac_ns).filter(|&v| v <= LIMIT)?;
        }
        total = total.checked_add(v).filter(|&t| t <= LIMIT)?;
    }
    if !negative && total > LIMIT - 1 {
        return None;
    }
    if total == 0 {
        return Some(0.0);
    }
    // Whole ms and the sub-ms rest separately: each converts exactly, so a whole
    // number of ms stays whole up to 2^53 ms (285 000 years).
    #[allow(clippy::cast_precision_loss)]
    let ms = (total / NANOS_PER_MS) as f64 + (total % NANOS_PER_MS) as f64 / 1e6;
    Some(if negative { -ms } else { ms })
}

/// One `[0-9]*(\.[0-9]*)?` with at least one digit: (whole, fraction digits, 10^their count, rest).
fn number(s: &[u8]) -> Option<(u64, u64, f64, &[u8])> {
    if !s.first().is_some_and(|&b| b == b'.' || b.is_ascii_digit()) {
        return None;
    }
    let int_len = s.iter().take_while(|b| b.is_ascii_digit()).count();
    let mut whole: u64 = 0;
    for &b in &s[..int_len] {
        // Go's leadingInt: refuse anything above 2^63.
        whole = whole.checked_mul(10)?.checked_add(u64::from(b - b'0')).filter(|&w| w <= LIMIT)?;
    }
    let mut rest = &s[int_len..];
    let (mut fraction, mut scale, mut frac_len) = (0u64, 1.0f64, 0usize);
    if rest.first() == Some(&b'.') {
        rest = &rest[1..];
        frac_len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        // Go's leadingFraction: past 2^63 - 1 it stops accumulating precision, without error.
        let mut overflow = false;
        for &b in &rest[..frac_len] {
            if overflow {
                continue;
            }
            match fraction.checked_mul(10).and_then(|f| f.checked_add(u64::from(b - b'0'))) {
                Some(f) if f <= LIMIT && fraction <= (LIMIT - 1) / 10 => {
                    fraction = f;
                    scale *= 10.0;
                }
                _ => overflow = true,
            }
        }
        rest = &rest[frac_len..];
    }
    if int_len == 0 && frac_len == 0 {
        return None;
    }
    Some((whole, fraction, scale, rest))
}

fn unit_nanos(unit: &[u8]) -> Option<u64> {
    Some(match unit {
        b"ns" => 1,
        // U+00B5 MICRO SIGN and U+03BC GREEK SMALL LETTER MU, both accepted by Go.
        b"us" | [0xc2, 0xb5, b's'] | [0xce, 0xbc, b's'] => 1_000,
        b"ms" => 1_000_000,
        b"s" => 1_000_000_000,
        b"m" => 60_000_000_000,
        b"h" => 3_600_000_000_000,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_float_accepts_what_python_accepts() {
        assert_eq!(py_float(" 1.5 "), Some(1.5));
        assert_eq!(py_float("1e3"), Some(1000.0));
        assert_eq!(py_float("+2"), Some(2.0));
        assert_eq!(py_float("1."), Some(1.0));
        assert_eq!(py_float(".5"), Some(0.5));
        assert_eq!(py_float("1_000"), Some(1000.0));
        assert_eq!(py_float("1_0.2_5e1_0"), Some(10.25e10));
        assert_eq!(py_float("\u{85}7\u{3000}"), Some(7.0));
        assert_eq!(py_float("-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(py_float("1e400"), Some(f64::INFINITY));
        assert!(py_float("nan").is_some_and(f64::is_nan));
    }

    #[test]
    fn python_float_refuses_what_python_refuses() {
        for bad in [
            "", " ", "1_", "_1", "1__0", "1_.0", "1._0", "1_e5", "0x10", "1e", ".", "infinit", "1 0", "١",
            "\u{1f}7",
        ] {
            assert_eq!(py_float(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn python_int_takes_signs_zeros_and_single_underscores() {
        assert_eq!(py_int("08"), Ok(8));
        assert_eq!(py_int("-0500"), Ok(-500));
        assert_eq!(py_int("+1_994"), Ok(1994));
        assert_eq!(py_int("1__9"), Err(IntError::Invalid));
        assert_eq!(py_int("+_1"), Err(IntError::Invalid));
        assert_eq!(py_int(""), Err(IntError::Invalid));
        assert_eq!(py_int("99999999999999999999"), Err(IntError::Overflow));
        assert_eq!(py_int("99999999999999999999x"), Err(IntError::Invalid));
    }

    #[test]
    fn go_durations_from_openai_headers() {
        assert_eq!(parse_go_duration("1s"), Some(1000.0));
        assert_eq!(parse_go_duration("6m0s"), Some(360_000.0));
        assert_eq!(parse_go_duration("12ms"), Some(12.0));
        assert_eq!(parse_go_duration("120ms"), Some(120.0));
        assert_eq!(parse_go_duration("4m12.172s"), Some(252_172.0));
        assert_eq!(parse_go_duration("23h18m29.144s"), Some(83_909_144.0));
    }

    #[test]
    fn go_duration_edge_forms() {
        assert_eq!(parse_go_duration("0"), Some(0.0));
        assert_eq!(parse_go_duration("-0"), Some(0.0));
        assert_eq!(parse_go_duration("1.5h"), Some(5_400_000.0));
        assert_eq!(parse_go_duration(".5s"), Some(500.0));
        assert_eq!(parse_go_duration("1.s"), Some(1000.0));
        assert_eq!(parse_go_duration("250us"), Some(0.25));
        assert_eq!(parse_go_duration("250µs"), Some(0.25));
        assert_eq!(parse_go_duration("250μs"), Some(0.25));
        assert_eq!(parse_go_duration("1500000ns"), Some(1.5));
        assert_eq!(parse_go_duration("-2m"), Some(-120_000.0));
        assert_eq!(parse_go_duration("1281024h0m7.400s"), Some(4_611_686_407_400.0));
        assert_eq!(parse_go_duration("+1h1h"), Some(7_200_000.0));
        #[allow(clippy::cast_precision_loss)]
        let max_ms = 9_223_372_036_854.0 + 775_807.0 / 1e6;
        assert_eq!(parse_go_duration("2562047h47m16.854775807s"), Some(max_ms));
    }

    #[test]
    fn go_duration_garbage_is_none() {
        for bad in [
            "", "-", "1", "0s0", "s", ".s", "1x", "1sm", "1 s", " 1s", "1s ", "1.2.3s", "2562048h", "1e3s",
            "--1s",
        ] {
            assert_eq!(parse_go_duration(bad), None, "{bad:?}");
        }
    }
}
