//! Response headers: server-given delays (`retry-after-ms`, `Retry-After`) and rate-limit state.
//!
//! Pure functions over `&[(name, value)]`; nothing allocates on the clean path (a repeated
//! `retry-after`, `retry-after-ms` or `x-should-retry` is joined, as the SDKs read it).
//! A garbage value never panics and never becomes a decision: it is ignored and
//! recorded as a [`HeaderIssue`], so the host can log what the server got wrong.

mod dates;
mod numbers;

use schemars::JsonSchema;
use std::borrow::Cow;

use serde::{Deserialize, Serialize};

pub use dates::{parse_http_date, parse_rfc3339};
pub use numbers::parse_go_duration;

use numbers::{py_float, py_strip};

/// The value of the headers named `name` (ASCII case-insensitive, trimmed of HTTP
/// whitespace as h11 trims it) as the SDKs read one (httpx's and fetch's `Headers.get`): a
/// repeated name's values joined with `", "`. For the fields the SDKs parse as one value
/// (`retry-after`, `retry-after-ms`, `x-should-retry`), two values then read as neither, as in
/// the SDK; only a repeated name allocates.
#[must_use]
pub fn header<'a, K: AsRef<str>, V: AsRef<str>>(headers: &'a [(K, V)], name: &str) -> Option<Cow<'a, str>> {
    let mut values = headers
        .iter()
        .filter(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
        .map(|(_, v)| trim_ows(v.as_ref()));
    let first = values.next()?;
    Some(match values.next() {
        None => Cow::Borrowed(first),
        Some(second) => Cow::Owned([first, second].into_iter().chain(values).collect::<Vec<_>>().join(", ")),
    })
}

/// Without the optional whitespace (space, tab) HTTP allows around a field value.
fn trim_ows(value: &str) -> &str {
    value.trim_matches([' ', '\t'])
}

stable_codes! {
    /// A header value that was present but unusable; it was ignored.
    pub enum HeaderIssue {
        /// `retry-after-ms` (or Azure's `x-ms-retry-after-ms`) is not a number; `retry-after` was tried next.
        RetryAfterMsUnparseable = "retry_after_ms_unparseable",
        /// `retry-after` is neither a number of seconds nor an HTTP date.
        RetryAfterUnparseable = "retry_after_unparseable",
        /// The server-given delay is below zero (a past date, or `-5`); it is returned as is.
        RetryAfterNegative = "retry_after_negative",
        /// The server-given delay is `inf`/`nan` as written; it is returned as is.
        RetryAfterNotFinite = "retry_after_not_finite",
        /// The delay overflowed (`1e400`): it reads as 121 s, one past the SDK's cap, so no retry.
        RetryAfterOverflow = "retry_after_overflow",
        /// `retry-after` is an HTTP date but no wall clock was given to subtract.
        RetryAfterDateWithoutClock = "retry_after_date_without_clock",
        /// `x-should-retry` is neither `true` nor `false` (exact, lower case).
        ShouldRetryUnparseable = "should_retry_unparseable",
        /// A rate-limit `limit`/`remaining` value is not a whole number.
        RatelimitValueUnparseable = "ratelimit_value_unparseable",
        /// A rate-limit `limit`/`remaining` value is negative (Azure sends `-1`).
        RatelimitValueNegative = "ratelimit_value_negative",
        /// A rate-limit `reset` value is not a Go duration, seconds, or RFC 3339 time.
        RatelimitResetUnparseable = "ratelimit_reset_unparseable",
        /// An RFC 3339 `reset` needs a wall clock to become a delay and none was given.
        RatelimitResetWithoutClock = "ratelimit_reset_without_clock",
        /// A `reset` more than a day ahead (an epoch time sent as a duration reads as decades):
        /// ignored, so that one bad header cannot hold the limiter shut.
        RatelimitResetTooFar = "ratelimit_reset_too_far",
    }
}

const _: () = assert!(HeaderIssue::ALL.len() <= 32, "HeaderIssues is a u32 bitset");

/// A set of [`HeaderIssue`]s (a `u32` bitset); serializes as a list of codes in catalogue order.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct HeaderIssues(u32);

impl HeaderIssues {
    /// The empty set.
    pub const NONE: Self = Self(0);

    const fn bit(issue: HeaderIssue) -> u32 {
        1 << issue as u32
    }

    /// Adds an issue.
    pub fn insert(&mut self, issue: HeaderIssue) {
        self.0 |= Self::bit(issue);
    }

    /// Whether the set holds `issue`.
    #[must_use]
    pub const fn contains(self, issue: HeaderIssue) -> bool {
        self.0 & Self::bit(issue) != 0
    }

    /// Whether no issue was recorded.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// How many distinct issues were recorded.
    #[must_use]
    pub const fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Both sets together.
    #[must_use]
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// The issues, in catalogue order.
    pub fn iter(self) -> impl Iterator<Item = HeaderIssue> {
        HeaderIssue::ALL.iter().copied().filter(move |&i| self.contains(i))
    }
}

impl FromIterator<HeaderIssue> for HeaderIssues {
    fn from_iter<I: IntoIterator<Item = HeaderIssue>>(iter: I) -> Self {
        let mut set = Self::NONE;
        for issue in iter {
            set.insert(issue);
        }
        set
    }
}

impl core::fmt::Debug for HeaderIssues {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl Serialize for HeaderIssues {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl JsonSchema for HeaderIssues {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "HeaderIssues".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <Vec<HeaderIssue>>::json_schema(generator)
    }
}

impl<'de> Deserialize<'de> for HeaderIssues {
    /// The list of codes [`Serialize`] writes, in any order; an unknown code is refused.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<HeaderIssue>::deserialize(d)?.into_iter().collect())
    }
}

stable_codes! {
    /// Which header a server-given delay came from.
    pub enum RetryAfterSource {
        /// `retry-after-ms`: milliseconds, possibly fractional (OpenAI, Azure).
        RetryAfterMs = "retry_after_ms",
        /// `retry-after` as a number of seconds, possibly fractional.
        RetryAfterSeconds = "retry_after_seconds",
        /// `retry-after` as an HTTP date, minus the wall clock.
        RetryAfterDate = "retry_after_date",
        /// Azure's `x-ms-retry-after-ms` (read by the `azure_openai` profile only).
        XMsRetryAfterMs = "x_ms_retry_after_ms",
    }
}

/// A delay the server asked for, as written: it may be negative, zero or not finite
/// (an issue is recorded for the first and last). The retry policy decides what
/// to do with it (openai-python uses it only when `0 < delay <= 120 s`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryAfter {
    /// The delay in milliseconds (serialized as `null` when not finite, and read back as NaN:
    /// no policy uses a delay that is not finite, so the round trip decides the same).
    #[serde(serialize_with = "finite_or_null", deserialize_with = "delay_or_null")]
    #[schemars(schema_with = "number_or_null")]
    pub delay_ms: f64,
    /// The header it came from.
    pub source: RetryAfterSource,
}

/// A finite delay as a number, any other as `null`: the same in every serializer (serde_json
/// writes non-finite floats as `null`, a JS or Python serializer would not).
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `serialize_with` passes a reference
fn finite_or_null<S: serde::Serializer>(delay: &f64, s: S) -> Result<S::Ok, S::Error> {
    if delay.is_finite() {
        s.serialize_f64(*delay)
    } else {
        s.serialize_none()
    }
}

/// The schema of what [`finite_or_null`] writes and [`delay_or_null`] reads (present either way).
fn number_or_null(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": ["number", "null"] })
}

fn delay_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

// openai-python `_constants.py` MAX_RETRY_AFTER_DELAY = 120 s; an overflowing value
// reads as one second past it so that the retry is refused (`_base_client.py`).
const OVERFLOW_SENTINEL_MS: f64 = 121_000.0;

/// The delay the server asked for, exactly as openai-python 3.57.0
/// `_parse_retry_after_header` reads it (`_base_client.py`; a repeated header as httpx
/// joins it, [`header`]): `retry-after-ms` as
/// a float of ms; if absent or not a float, `retry-after` as a float of seconds;
/// else `retry-after` as an HTTP date ([`parse_http_date`]) minus `wall_unix_ms`.
///
/// Numbers follow Python `float()` (`" 1.5 "`, `"1e3"`, `"+2"`, `"1_000"`, `"inf"`,
/// `"nan"`); a value that overflows (`"1e400"`) reads as 121 s like in the SDK.
/// Only ASCII digits count (Python also takes other Unicode decimal digits).
pub fn retry_after<K: AsRef<str>, V: AsRef<str>>(
    headers: &[(K, V)],
    wall_unix_ms: Option<u64>,
    issues: &mut HeaderIssues,
) -> Option<RetryAfter> {
    if let Some(value) = header(headers, "retry-after-ms") {
        match float_delay(&value, 1.0, RetryAfterSource::RetryAfterMs, issues) {
            Some(found) => return Some(found),
            None => issues.insert(HeaderIssue::RetryAfterMsUnparseable),
        }
    }
    let value = header(headers, "retry-after")?;
    if let Some(found) = float_delay(&value, 1000.0, RetryAfterSource::RetryAfterSeconds, issues) {
        return Some(found);
    }
    let Some(date_ms) = parse_http_date(&value) else {
        issues.insert(HeaderIssue::RetryAfterUnparseable);
        return None;
    };
    let Some(now_ms) = wall_unix_ms else {
        issues.insert(HeaderIssue::RetryAfterDateWithoutClock);
        return None;
    };
    #[allow(clippy::cast_precision_loss)]
    let delay_ms = (i128::from(date_ms) - i128::from(now_ms)) as f64;
    Some(checked(RetryAfter { delay_ms, source: RetryAfterSource::RetryAfterDate }, issues))
}

/// Azure's `x-ms-retry-after-ms`, read the same way as `retry-after-ms`.
pub(crate) fn x_ms_retry_after<K: AsRef<str>, V: AsRef<str>>(
    headers: &[(K, V)],
    issues: &mut HeaderIssues,
) -> Option<RetryAfter> {
    let value = header(headers, "x-ms-retry-after-ms")?;
    let found = float_delay(&value, 1.0, RetryAfterSource::XMsRetryAfterMs, issues);
    if found.is_none() {
        issues.insert(HeaderIssue::RetryAfterMsUnparseable);
    }
    found
}

fn float_delay(
    value: &str,
    ms_per_unit: f64,
    source: RetryAfterSource,
    issues: &mut HeaderIssues,
) -> Option<RetryAfter> {
    let number = py_float(value)?;
    let delay_ms = number * ms_per_unit;
    let literal_infinity = || {
        let written = py_strip(value);
        ["inf", "+inf", "infinity", "+infinity"].iter().any(|lit| written.eq_ignore_ascii_case(lit))
    };
    // Python only sees the `1e400` overflow; a huge finite number of seconds
    // overflowing our ms unit is the same "too long" answer.
    if delay_ms == f64::INFINITY && !literal_infinity() {
        issues.insert(HeaderIssue::RetryAfterOverflow);
        return Some(RetryAfter { delay_ms: OVERFLOW_SENTINEL_MS, source });
    }
    Some(checked(RetryAfter { delay_ms, source }, issues))
}

fn checked(found: RetryAfter, issues: &mut HeaderIssues) -> RetryAfter {
    if !found.delay_ms.is_finite() {
        issues.insert(HeaderIssue::RetryAfterNotFinite);
    } else if found.delay_ms < 0.0 {
        issues.insert(HeaderIssue::RetryAfterNegative);
    }
    found
}

/// `x-should-retry` as the Stainless SDKs (openai-python, anthropic-sdk-python)
/// read it: exactly `true` or `false`; anything else is an issue and ignored.
pub(crate) fn should_retry<K: AsRef<str>, V: AsRef<str>>(
    headers: &[(K, V)],
    issues: &mut HeaderIssues,
) -> Option<bool> {
    match &*header(headers, "x-should-retry")? {
        "true" => Some(true),
        "false" => Some(false),
        _ => {
            issues.insert(HeaderIssue::ShouldRetryUnparseable);
            None
        }
    }
}

/// One quota as a server reports it in rate-limit headers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    /// The quota per window (`x-ratelimit-limit-*`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// What is left of it now (`x-ratelimit-remaining-*`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u64>,
    /// Milliseconds from now until the quota is fully restored (`x-ratelimit-reset-*`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reset_ms: Option<u64>,
}

/// The rate-limit state a response reported, per quota kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "RateLimits")]
#[serde(deny_unknown_fields)]
pub struct RateLimitHeaders {
    /// Requests per window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests: Option<Quota>,
    /// Tokens per window (input + output).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Quota>,
    /// Input tokens per window (Anthropic).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<Quota>,
    /// Output tokens per window (Anthropic).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<Quota>,
}

// One slot per header name, so that one pass over the headers finds them all;
// each quota as limit, remaining, reset. OpenAI in 0..6
// (platform.openai.com/docs/guides/rate-limits), Anthropic in 6..18
// (docs.anthropic.com/en/api/rate-limits).
const NAMES: [&str; 18] = [
    "x-ratelimit-limit-requests",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-reset-requests",
    "x-ratelimit-limit-tokens",
    "x-ratelimit-remaining-tokens",
    "x-ratelimit-reset-tokens",
    "anthropic-ratelimit-requests-limit",
    "anthropic-ratelimit-requests-remaining",
    "anthropic-ratelimit-requests-reset",
    "anthropic-ratelimit-tokens-limit",
    "anthropic-ratelimit-tokens-remaining",
    "anthropic-ratelimit-tokens-reset",
    "anthropic-ratelimit-input-tokens-limit",
    "anthropic-ratelimit-input-tokens-remaining",
    "anthropic-ratelimit-input-tokens-reset",
    "anthropic-ratelimit-output-tokens-limit",
    "anthropic-ratelimit-output-tokens-remaining",
    "anthropic-ratelimit-output-tokens-reset",
];
const SHORTEST: usize = "x-ratelimit-limit-tokens".len();
const LONGEST: usize = "anthropic-ratelimit-output-tokens-remaining".len();

fn slot_of(name: &str) -> Option<usize> {
    let bytes = name.as_bytes();
    if !(SHORTEST..=LONGEST).contains(&bytes.len()) {
        return None;
    }
    // Names usually arrive lower case (HTTP/2 requires it): a literal match, then the
    // case-insensitive scan only for names that could still be ours.
    let exact = match bytes {
        [b'x', b'-', b'r', ..] => bytes.strip_prefix(b"x-ratelimit-").and_then(|rest| match rest {
            b"limit-requests" => Some(0),
            b"remaining-requests" => Some(1),
            b"reset-requests" => Some(2),
            b"limit-tokens" => Some(3),
            b"remaining-tokens" => Some(4),
            b"reset-tokens" => Some(5),
            _ => None,
        }),
        [b'a', b'n', ..] => NAMES[6..].iter().position(|n| n.as_bytes() == bytes).map(|i| i + 6),
        _ => None,
    };
    exact.or_else(|| {
        let lower_first = bytes.first().map(u8::to_ascii_lowercase);
        let candidates = match lower_first {
            Some(b'x') => 0..6,
            Some(b'a') => 6..NAMES.len(),
            _ => return None,
        };
        candidates.clone().zip(&NAMES[candidates]).find(|(_, n)| n.eq_ignore_ascii_case(name)).map(|(i, _)| i)
    })
}

/// The rate-limit state in a response's headers.
///
/// OpenAI/Azure: `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`, the reset
/// a Go duration from now (`6m0s`) or, as Azure sometimes sends, bare seconds.
/// Anthropic: `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-*`,
/// the reset an RFC 3339 time turned into ms from `wall_unix_ms` (0 if past; without
/// a clock, an issue). Resets round up to whole ms. A quota is `Some` when at least
/// one of its values parsed; for requests and tokens the OpenAI names win when
/// both families are present. Azure's `-1` (openai/openai-dotnet#838) is an issue
/// and `None`, never a quota of zero. The first of repeated names counts (the SDKs do
/// not read these); one pass over the headers.
pub fn rate_limits<K: AsRef<str>, V: AsRef<str>>(
    headers: &[(K, V)],
    wall_unix_ms: Option<u64>,
    issues: &mut HeaderIssues,
) -> RateLimitHeaders {
    let mut slots: [Option<&str>; NAMES.len()] = [None; NAMES.len()];
    let mut found = false;
    for (name, value) in headers {
        if let Some(slot) = slot_of(name.as_ref()).and_then(|i| slots.get_mut(i)) {
            if slot.is_none() {
                *slot = Some(trim_ows(value.as_ref()));
                found = true;
            }
        }
    }
    if !found {
        return RateLimitHeaders::default();
    }
    let mut read = |first: usize, timestamp: bool| match *slots.get(first..first + 3)? {
        [None, None, None] => None,
        [limit, remaining, reset] => quota([limit, remaining, reset], timestamp, wall_unix_ms, issues),
        _ => None,
    };
    RateLimitHeaders {
        requests: read(0, false).or_else(|| read(6, true)),
        tokens: read(3, false).or_else(|| read(9, true)),
        input_tokens: read(12, true),
        output_tokens: read(15, true),
    }
}

/// One quota from its `[limit, remaining, reset]` values; Anthropic's reset is a timestamp.
fn quota(
    [limit, remaining, reset]: [Option<&str>; 3],
    reset_is_timestamp: bool,
    wall_unix_ms: Option<u64>,
    issues: &mut HeaderIssues,
) -> Option<Quota> {
    let limit = limit.and_then(|v| count(v, issues));
    let remaining = remaining.and_then(|v| count(v, issues));
    let reset_ms = reset.and_then(|v| {
        let reset = if reset_is_timestamp {
            timestamp_reset(v, wall_unix_ms)
        } else {
            duration_reset(v).ok_or(HeaderIssue::RatelimitResetUnparseable)
        };
        let reset =
            reset.and_then(
                |ms| if ms > MAX_RESET_MS { Err(HeaderIssue::RatelimitResetTooFar) } else { Ok(ms) },
            );
        reset.map_err(|issue| issues.insert(issue)).ok()
    });
    let found = Quota { limit, remaining, reset_ms };
    (found != Quota::default()).then_some(found)
}

/// The longest reset believed: a day. The providers' windows are a minute (RPM, TPM) or a day
/// (OpenAI's RPD/TPD, platform.openai.com/docs/guides/rate-limits).
const MAX_RESET_MS: u64 = 86_400_000;

/// A count; past [`crate::MAX_EXACT_INT`] (a gateway's bogus value), that.
fn count(value: &str, issues: &mut HeaderIssues) -> Option<u64> {
    let digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
    if let (true, Ok(n)) = (digits, value.parse::<u64>()) {
        return Some(n.min(crate::MAX_EXACT_INT));
    }
    if digits {
        return Some(crate::MAX_EXACT_INT); // past 2^64 too
    }
    let negative =
        value.strip_prefix('-').is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
    issues.insert(if negative {
        HeaderIssue::RatelimitValueNegative
    } else {
        HeaderIssue::RatelimitValueUnparseable
    });
    None
}

fn duration_reset(value: &str) -> Option<u64> {
    let ms = parse_go_duration(value).or_else(|| bare_seconds(value).map(|s| s * 1000.0))?;
    Some(ceil_ms(ms))
}

/// `60` or `1.5`: the reset as seconds, as Azure has sent it (openai/openai-dotnet#838).
fn bare_seconds(value: &str) -> Option<f64> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if digits(whole) && digits(fraction) {
        value.parse().ok()
    } else {
        None
    }
}

fn timestamp_reset(value: &str, wall_unix_ms: Option<u64>) -> Result<u64, HeaderIssue> {
    let at_ms = parse_rfc3339(value).ok_or(HeaderIssue::RatelimitResetUnparseable)?;
    let now_ms = wall_unix_ms.ok_or(HeaderIssue::RatelimitResetWithoutClock)?;
    let ahead = i128::from(at_ms) - i128::from(now_ms);
    Ok(u64::try_from(ahead.max(0)).unwrap_or(u64::MAX))
}

/// Whole ms, rounded up so a client waiting that long finds the quota restored.
fn ceil_ms(ms: f64) -> u64 {
    // Negative Go durations mean "already reset"; the cast saturates huge values.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let whole = libm::ceil(ms.max(0.0)) as u64;
    whole
}

#[cfg(test)]
mod tests;

/// What a response's headers say about the next retry: the server's delay and any unusable
/// values. The one result shape every binding returns from `retry_after`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "RetryAfterResult")]
pub struct RetryAfterReport {
    /// The delay the server asked for, if a usable one was found.
    pub retry_after: Option<RetryAfter>,
    /// Header values that were ignored, and why.
    pub issues: HeaderIssues,
}

/// What a response's headers say about rate limits, with any unusable values. The one result
/// shape every binding returns from `rate_limits`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "RateLimitsResult")]
pub struct RateLimitReport {
    /// The quotas the headers report.
    pub rate_limits: RateLimitHeaders,
    /// Header values that were ignored, and why.
    pub issues: HeaderIssues,
}

impl RetryAfterReport {
    /// [`retry_after`] with its issues collected.
    pub fn read<K: AsRef<str>, V: AsRef<str>>(headers: &[(K, V)], wall_unix_ms: Option<u64>) -> Self {
        let mut issues = HeaderIssues::NONE;
        let retry_after = retry_after(headers, wall_unix_ms, &mut issues);
        Self { retry_after, issues }
    }
}

impl RateLimitReport {
    /// [`rate_limits`] with its issues collected.
    pub fn read<K: AsRef<str>, V: AsRef<str>>(headers: &[(K, V)], wall_unix_ms: Option<u64>) -> Self {
        let mut issues = HeaderIssues::NONE;
        let rate_limits = rate_limits(headers, wall_unix_ms, &mut issues);
        Self { rate_limits, issues }
    }
}
