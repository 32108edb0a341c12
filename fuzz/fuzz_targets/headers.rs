//! Arbitrary header names/values, a status and an error body through `classify`
//! and every header parser: nothing may panic, and the outputs keep their invariants.
#![no_main]

use breakwater::transport::classify::{classify, Class, ClassReason, Outcome, Phase, Profile, ProviderError};
use breakwater::transport::headers::{
    header, parse_go_duration, parse_http_date, parse_rfc3339, rate_limits, retry_after, HeaderIssue,
    HeaderIssues,
};
use libfuzzer_sys::fuzz_target;

/// Names the parsers look for, so that arbitrary values actually reach them.
const KNOWN: &[&str] = &[
    "retry-after",
    "retry-after-ms",
    "x-ms-retry-after-ms",
    "x-should-retry",
    "x-ratelimit-limit-requests",
    "x-ratelimit-remaining-tokens",
    "x-ratelimit-reset-requests",
    "x-ratelimit-reset-tokens",
    "anthropic-ratelimit-requests-reset",
    "anthropic-ratelimit-output-tokens-remaining",
];

/// Status, outcome pick, profile pick, headers (a pick into `KNOWN` replaces the
/// name), error type, error code, wall clock.
type Input = (u16, u8, u8, Vec<(u8, String, String)>, Option<String>, Option<String>, Option<u64>);

fuzz_target!(|input: Input| {
    let (status, outcome_pick, profile_pick, raw, error_type, code, wall) = input;
    let headers: Vec<(String, String)> = raw
        .into_iter()
        .map(|(pick, name, value)| match KNOWN.get(usize::from(pick)) {
            Some(known) => ((*known).to_owned(), value),
            None => (name, value),
        })
        .collect();
    let outcome = match outcome_pick % 8 {
        0 => Outcome::Connect,
        1 => Outcome::TlsHandshake,
        2 => Outcome::TlsCertificate,
        3 => Outcome::Reset,
        4 => Outcome::Timeout(Phase::ALL[usize::from(outcome_pick / 8) % Phase::ALL.len()]),
        5 => Outcome::StreamCut,
        6 => Outcome::Cancelled,
        _ => Outcome::Http(status),
    };
    let profile = Profile::ALL[usize::from(profile_pick) % Profile::ALL.len()];
    let error = ProviderError::new(error_type.as_deref(), code.as_deref());

    let c = classify(profile, outcome, &headers, error, wall);
    assert_eq!(c.class == Class::Success, c.reason == ClassReason::Ok);
    if c.class == Class::Success {
        assert!(c.retry_after.is_none() && c.should_retry.is_none() && c.issues.is_empty());
    }
    if let Some(d) = c.server_delay_ms() {
        assert!(d.is_finite() && d > 0.0);
    }
    // `x-should-retry` is read only for a non-2xx status, outside generic_http.
    if c.should_retry.is_some() {
        assert!(matches!(outcome, Outcome::Http(s) if !(200..300).contains(&s)));
        assert_ne!(profile, Profile::GenericHttp);
    }
    let json = serde_json::to_value(c).expect("serializes");
    assert_eq!(json["issues"].as_array().map(Vec::len), Some(c.issues.len()));

    let mut issues = HeaderIssues::NONE;
    if let Some(found) = retry_after(&headers, wall, &mut issues) {
        if found.delay_ms.is_nan() || found.delay_ms.is_infinite() {
            assert!(issues.contains(HeaderIssue::RetryAfterNotFinite));
        } else if found.delay_ms < 0.0 {
            assert!(issues.contains(HeaderIssue::RetryAfterNegative));
        }
    }
    let limits = rate_limits(&headers, wall, &mut issues);
    let quotas = [limits.requests, limits.tokens, limits.input_tokens, limits.output_tokens];
    for quota in quotas.into_iter().flatten() {
        assert!(quota.limit.is_some() || quota.remaining.is_some() || quota.reset_ms.is_some());
    }
    serde_json::to_string(&limits).expect("serializes");

    for (name, value) in &headers {
        assert!(header(&headers, name).is_some());
        if let Some(ms) = parse_go_duration(value) {
            // At most 2^63 ns.
            assert!(ms.is_finite() && ms.abs() < 9.3e12);
        }
        if let Some(ms) = parse_rfc3339(value) {
            // Years 0000..=9999 with offsets up to ±23:59.
            assert!((-62_167_305_600_000..=253_402_387_141_000).contains(&ms), "{value:?} -> {ms}");
        }
        let _ = parse_http_date(value);
    }
});
