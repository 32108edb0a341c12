use proptest::prelude::*;

use super::*;

fn issues_of(f: impl FnOnce(&mut HeaderIssues)) -> Vec<&'static str> {
    let mut issues = HeaderIssues::NONE;
    f(&mut issues);
    issues.iter().map(HeaderIssue::as_str).collect()
}

fn ra(headers: &[(&str, &str)], wall: Option<u64>) -> (Option<RetryAfter>, Vec<&'static str>) {
    let mut found = None;
    let issues = issues_of(|i| found = retry_after(headers, wall, i));
    (found, issues)
}

fn delay(headers: &[(&str, &str)]) -> Option<f64> {
    ra(headers, None).0.map(|r| r.delay_ms)
}

#[test]
fn lookup_is_case_insensitive_trimmed_and_joins_a_repeated_name() {
    let headers = [("Retry-After", " 2\t"), ("x-a", "1")];
    assert_eq!(header(&headers, "retry-after").as_deref(), Some("2"));
    assert_eq!(header(&headers, "RETRY-AFTER").as_deref(), Some("2"));
    assert_eq!(header(&headers, "retry-after-ms"), None);
    let owned: Vec<(String, String)> = vec![("X-Should-Retry".into(), "true".into())];
    assert_eq!(header(&owned, "x-should-retry").as_deref(), Some("true"));
    let repeated = [("Retry-After", " 2\t"), ("retry-after", "9")];
    assert_eq!(header(&repeated, "retry-after").as_deref(), Some("2, 9"));
}

#[test]
fn retry_after_ms_wins_and_keeps_fractions() {
    let (found, issues) = ra(&[("retry-after", "7"), ("retry-after-ms", "1500.5")], None);
    assert_eq!(found, Some(RetryAfter { delay_ms: 1500.5, source: RetryAfterSource::RetryAfterMs }));
    assert!(issues.is_empty());
}

#[test]
fn garbage_retry_after_ms_falls_through_to_seconds() {
    let (found, issues) = ra(&[("retry-after-ms", "soon"), ("retry-after", "1.5")], None);
    assert_eq!(found, Some(RetryAfter { delay_ms: 1500.0, source: RetryAfterSource::RetryAfterSeconds }));
    assert_eq!(issues, ["retry_after_ms_unparseable"]);
}

#[test]
fn seconds_read_like_python_float() {
    assert_eq!(delay(&[("retry-after", " 1.5 ")]), Some(1500.0));
    assert_eq!(delay(&[("retry-after", "1e1")]), Some(10_000.0));
    assert_eq!(delay(&[("retry-after", "+2")]), Some(2000.0));
    assert_eq!(delay(&[("retry-after", "0")]), Some(0.0));
    assert_eq!(delay(&[("retry-after", "1_0")]), Some(10_000.0));
}

#[test]
fn negative_and_non_finite_delays_come_back_as_written_with_an_issue() {
    assert_eq!(
        ra(&[("retry-after", "-3")], None),
        (
            Some(RetryAfter { delay_ms: -3000.0, source: RetryAfterSource::RetryAfterSeconds }),
            vec!["retry_after_negative"]
        )
    );
    let (found, issues) = ra(&[("retry-after-ms", "nan")], None);
    assert!(found.is_some_and(|r| r.delay_ms.is_nan()));
    assert_eq!(issues, ["retry_after_not_finite"]);
    let (found, issues) = ra(&[("retry-after", "Infinity")], None);
    assert_eq!(found.map(|r| r.delay_ms), Some(f64::INFINITY));
    assert_eq!(issues, ["retry_after_not_finite"]);
}

#[test]
fn numeric_overflow_reads_as_121_seconds_like_the_sdk() {
    for headers in [[("retry-after", "1e400")], [("retry-after-ms", "1e400")], [("retry-after", "1e306")]] {
        let (found, issues) = ra(&headers, None);
        assert_eq!(found.map(|r| r.delay_ms), Some(121_000.0), "{headers:?}");
        assert_eq!(issues, ["retry_after_overflow"]);
    }
    // A negative overflow is not the "too long" case: it stays -inf, like Python.
    assert_eq!(delay(&[("retry-after", "-1e400")]), Some(f64::NEG_INFINITY));
}

#[test]
fn http_date_minus_the_wall_clock() {
    let wall = 784_111_777_000 - 30_000; // 30 s before Sun, 06 Nov 1994 08:49:37 GMT
    let (found, issues) = ra(&[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")], Some(wall));
    assert_eq!(found, Some(RetryAfter { delay_ms: 30_000.0, source: RetryAfterSource::RetryAfterDate }));
    assert!(issues.is_empty());
    let (found, issues) = ra(&[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")], Some(wall + 40_000));
    assert_eq!(found.map(|r| r.delay_ms), Some(-10_000.0));
    assert_eq!(issues, ["retry_after_negative"]);
}

#[test]
fn a_date_without_a_clock_or_garbage_gives_nothing_but_an_issue() {
    assert_eq!(
        ra(&[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")], None),
        (None, vec!["retry_after_date_without_clock"])
    );
    assert_eq!(ra(&[("retry-after", "later")], Some(0)), (None, vec!["retry_after_unparseable"]));
    assert_eq!(
        ra(&[("retry-after-ms", "x"), ("retry-after", "y")], Some(0)),
        (None, vec!["retry_after_ms_unparseable", "retry_after_unparseable"])
    );
    assert_eq!(ra(&[("content-type", "text/plain")], Some(0)), (None, vec![]));
}

#[test]
fn azure_ms_header_is_read_like_retry_after_ms() {
    let mut issues = HeaderIssues::NONE;
    let found = x_ms_retry_after(&[("x-ms-retry-after-ms", "250")], &mut issues);
    assert_eq!(found, Some(RetryAfter { delay_ms: 250.0, source: RetryAfterSource::XMsRetryAfterMs }));
    assert!(x_ms_retry_after(&[("x-ms-retry-after-ms", "?")], &mut issues).is_none());
    assert!(issues.contains(HeaderIssue::RetryAfterMsUnparseable));
}

#[test]
fn should_retry_is_exactly_true_or_false() {
    let read = |v: &str| {
        let mut issues = HeaderIssues::NONE;
        (should_retry(&[("x-should-retry", v)], &mut issues), issues.is_empty())
    };
    assert_eq!(read("true"), (Some(true), true));
    assert_eq!(read(" false "), (Some(false), true));
    assert_eq!(read("True"), (None, false));
    assert_eq!(read("1"), (None, false));
}

#[test]
fn a_repeated_retry_header_reads_as_the_sdks_read_it_joined() {
    // httpx and fetch join a repeated name's values with ", ": two values are no number, no
    // date and neither `true` nor `false`, so the SDK ignores them; so does breakwater.
    let mut issues = HeaderIssues::NONE;
    assert_eq!(retry_after(&[("Retry-After", "5"), ("retry-after", "10")], None, &mut issues), None);
    assert!(issues.contains(HeaderIssue::RetryAfterUnparseable));
    let mut issues = HeaderIssues::NONE;
    let ms = retry_after(
        &[("retry-after-ms", "5"), ("retry-after-ms", "5"), ("retry-after", "2")],
        None,
        &mut issues,
    );
    assert_eq!(ms, Some(RetryAfter { delay_ms: 2000.0, source: RetryAfterSource::RetryAfterSeconds }));
    assert!(issues.contains(HeaderIssue::RetryAfterMsUnparseable));
    let mut issues = HeaderIssues::NONE;
    assert_eq!(should_retry(&[("x-should-retry", "false"), ("x-should-retry", "true")], &mut issues), None);
    assert!(issues.contains(HeaderIssue::ShouldRetryUnparseable));
    let mut issues = HeaderIssues::NONE;
    assert_eq!(should_retry(&[("x-should-retry", "true"), ("x-should-retry", "true")], &mut issues), None);
}

#[test]
fn openai_rate_limit_headers() {
    let headers = [
        ("x-ratelimit-limit-requests", "60"),
        ("x-ratelimit-limit-tokens", "150000"),
        ("x-ratelimit-remaining-requests", "59"),
        ("x-ratelimit-remaining-tokens", "149984"),
        ("x-ratelimit-reset-requests", "1s"),
        ("x-ratelimit-reset-tokens", "6m0s"),
    ];
    let mut issues = HeaderIssues::NONE;
    let limits = rate_limits(&headers, None, &mut issues);
    assert_eq!(limits.requests, Some(Quota { limit: Some(60), remaining: Some(59), reset_ms: Some(1000) }));
    assert_eq!(
        limits.tokens,
        Some(Quota { limit: Some(150_000), remaining: Some(149_984), reset_ms: Some(360_000) })
    );
    assert_eq!((limits.input_tokens, limits.output_tokens), (None, None));
    assert!(issues.is_empty());
}

#[test]
fn rate_limit_names_are_case_insensitive_and_the_first_repeat_wins() {
    let headers = [
        ("X-RateLimit-Limit-Requests", "60"),
        ("x-ratelimit-limit-requests", "70"),
        ("Anthropic-RateLimit-Output-Tokens-Remaining", "5"),
    ];
    let mut issues = HeaderIssues::NONE;
    let limits = rate_limits(&headers, None, &mut issues);
    assert_eq!(limits.requests.and_then(|q| q.limit), Some(60));
    assert_eq!(limits.output_tokens.and_then(|q| q.remaining), Some(5));
}

#[test]
fn sub_millisecond_resets_round_up() {
    let mut issues = HeaderIssues::NONE;
    let limits = rate_limits(&[("x-ratelimit-reset-tokens", "1500us")], None, &mut issues);
    assert_eq!(limits.tokens.and_then(|q| q.reset_ms), Some(2));
}

#[test]
fn azure_minus_one_is_an_issue_not_a_quota_and_bare_seconds_are_seconds() {
    let headers = [
        ("x-ratelimit-limit-tokens", "-1"),
        ("x-ratelimit-remaining-tokens", "-1"),
        ("x-ratelimit-reset-tokens", "0"),
        ("x-ratelimit-reset-requests", "60"),
    ];
    let mut issues = HeaderIssues::NONE;
    let limits = rate_limits(&headers, None, &mut issues);
    assert_eq!(limits.tokens, Some(Quota { limit: None, remaining: None, reset_ms: Some(0) }));
    assert_eq!(limits.requests, Some(Quota { limit: None, remaining: None, reset_ms: Some(60_000) }));
    assert_eq!(issues.iter().collect::<Vec<_>>(), [HeaderIssue::RatelimitValueNegative]);
}

#[test]
fn anthropic_resets_are_timestamps_measured_from_the_wall_clock() {
    let headers = [
        ("anthropic-ratelimit-requests-limit", "4000"),
        ("anthropic-ratelimit-requests-remaining", "3999"),
        ("anthropic-ratelimit-requests-reset", "2026-11-28T20:19:38Z"),
        ("anthropic-ratelimit-input-tokens-remaining", "0"),
        ("anthropic-ratelimit-input-tokens-reset", "2026-11-28T20:19:00Z"),
    ];
    let wall = 1_795_897_178_000 - 1_500; // 1.5 s before the requests reset
    let mut issues = HeaderIssues::NONE;
    let limits = rate_limits(&headers, Some(wall), &mut issues);
    assert_eq!(
        limits.requests,
        Some(Quota { limit: Some(4000), remaining: Some(3999), reset_ms: Some(1500) })
    );
    // A reset already in the past is "now", not negative.
    assert_eq!(limits.input_tokens, Some(Quota { limit: None, remaining: Some(0), reset_ms: Some(0) }));
    assert!(issues.is_empty());

    let limits = rate_limits(&headers, None, &mut issues);
    assert_eq!(limits.requests.and_then(|q| q.reset_ms), None);
    assert_eq!(issues.iter().collect::<Vec<_>>(), [HeaderIssue::RatelimitResetWithoutClock]);
}

#[test]
fn rate_limit_garbage_is_ignored_with_issues() {
    let headers = [
        ("x-ratelimit-limit-requests", "lots"),
        ("x-ratelimit-reset-requests", "soon"),
        ("x-ratelimit-remaining-tokens", "12"),
    ];
    let mut issues = HeaderIssues::NONE;
    let limits = rate_limits(&headers, None, &mut issues);
    assert_eq!(limits.requests, None);
    assert_eq!(limits.tokens, Some(Quota { limit: None, remaining: Some(12), reset_ms: None }));
    assert_eq!(
        issues.iter().map(HeaderIssue::as_str).collect::<Vec<_>>(),
        ["ratelimit_value_unparseable", "ratelimit_reset_unparseable"]
    );
}

#[test]
fn issues_serialize_as_a_list_of_codes() {
    let issues: HeaderIssues =
        [HeaderIssue::ShouldRetryUnparseable, HeaderIssue::RetryAfterMsUnparseable].into_iter().collect();
    assert_eq!(
        serde_json::to_value(issues).unwrap(),
        serde_json::json!(["retry_after_ms_unparseable", "should_retry_unparseable"])
    );
    assert_eq!(issues.len(), 2);
    assert_eq!(serde_json::to_value(HeaderIssues::NONE).unwrap(), serde_json::json!([]));
}

proptest! {
    #[test]
    fn parsers_never_panic(s in "\\PC*", wall in proptest::option::of(any::<u64>())) {
        let _ = parse_go_duration(&s);
        let _ = parse_http_date(&s);
        let _ = parse_rfc3339(&s);
        let mut issues = HeaderIssues::NONE;
        for name in [
            "retry-after",
            "retry-after-ms",
            "x-ratelimit-reset-tokens",
            "anthropic-ratelimit-tokens-reset",
            "x-ratelimit-limit-requests",
            "x-should-retry",
        ] {
            let headers = [(name, s.as_str())];
            let _ = retry_after(&headers, wall, &mut issues);
            let _ = rate_limits(&headers, wall, &mut issues);
            let _ = should_retry(&headers, &mut issues);
        }
    }

    #[test]
    fn date_like_strings_never_panic(
        s in "([A-Za-z]{0,9},? ?){0,2}[-+ 0-9]{0,12}[:. 0-9]{0,10} ?[-+A-Za-z0-9]{0,6}",
    ) {
        let _ = parse_http_date(&s);
        let _ = parse_rfc3339(&s);
    }

    #[test]
    fn go_durations_round_trip(h in 0u64..2_000_000, m in 0u64..60, s in 0u64..60, ms in 0u64..1000) {
        let text = format!("{h}h{m}m{s}.{ms:03}s");
        let expected = ((h * 60 + m) * 60 + s) * 1000 + ms;
        #[allow(clippy::cast_precision_loss)]
        let expected = expected as f64;
        prop_assert_eq!(parse_go_duration(&text), Some(expected));
    }

    #[test]
    fn rfc3339_agrees_with_http_date(secs in 0i64..253_402_300_800) {
        // Build both forms from the same instant with our own civil arithmetic inverse.
        let days = secs.div_euclid(86_400);
        let (y, mo, d) = civil_from_days(days);
        let rem = secs.rem_euclid(86_400);
        let (hh, mi, ss) = (rem / 3600, rem / 60 % 60, rem % 60);
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let month = months[usize::try_from(mo - 1).unwrap()];
        let rfc = format!("{y:04}-{mo:02}-{d:02}T{hh:02}:{mi:02}:{ss:02}Z");
        let http = format!("Mon, {d:02} {month} {y:04} {hh:02}:{mi:02}:{ss:02} GMT");
        prop_assert_eq!(parse_rfc3339(&rfc), Some(secs * 1000));
        prop_assert_eq!(parse_http_date(&http), Some(secs * 1000));
    }
}

/// Howard Hinnant's `civil_from_days`, only to generate test inputs.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}
