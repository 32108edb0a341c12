//! Scenarios for the RPM/TPM limiter, driven by virtual time.

use proptest::prelude::*;

use super::*;

fn limiter(rpm: Option<u32>, tpm: Option<u64>) -> RateLimiter {
    RateLimiter::new(RateLimitConfig { rpm, tpm, ..RateLimitConfig::default() }, 0)
}

fn quota(limit: Option<u64>, remaining: u64, reset_ms: u64) -> Quota {
    Quota { limit, remaining: Some(remaining), reset_ms: Some(reset_ms) }
}

#[test]
fn rpm_3_allows_a_burst_of_3_then_one_request_every_20_s() {
    let mut l = limiter(Some(3), None);
    for left in [2, 1, 0] {
        let r = l.reserve(0, 0);
        assert_eq!((r.ready, r.remaining_requests), (true, Some(left)));
    }
    let r = l.reserve(0, 0);
    assert_eq!((r.ready, r.reason, r.wait_until_ms), (false, LimitReason::RpmExhausted, Some(20_000)));
    assert!(!l.reserve(19_999, 0).ready);
    assert!(l.reserve(20_000, 0).ready);
    assert_eq!(l.reserve(20_000, 0).wait_until_ms, Some(40_000));
}

#[test]
fn tpm_1000_refills_200_tokens_in_12_s() {
    let mut l = limiter(None, Some(1000));
    assert_eq!(l.reserve(0, 600).remaining_tokens, Some(400));
    let r = l.reserve(0, 600);
    assert_eq!((r.ready, r.reason, r.wait_until_ms), (false, LimitReason::TpmExhausted, Some(12_000)));
    assert_eq!(r.remaining_tokens, Some(400), "a refused reservation deducts nothing");
    let r = l.reserve(12_000, 600);
    assert_eq!((r.ready, r.remaining_tokens), (true, Some(0)));
}

#[test]
fn refill_has_no_rounding_drift_over_many_small_steps() {
    // 7 tokens/min: one token every 8571.43 ms. Stepping 1 ms at a time must give the
    // same level as one big step.
    let mut a = limiter(None, Some(7));
    let mut b = limiter(None, Some(7));
    assert!(a.reserve(0, 7).ready && b.reserve(0, 7).ready);
    for t in 1..=60_000 {
        a.advance(t);
    }
    b.advance(60_000);
    assert_eq!(a.snapshot(60_000), b.snapshot(60_000));
    assert_eq!(b.snapshot(60_000).tokens.unwrap().remaining, 7);
    let mut c = limiter(None, Some(7));
    assert!(c.reserve(0, 7).ready);
    assert_eq!(c.reserve(0, 1).wait_until_ms, Some(8572), "ceil(60000 / 7)");
}

#[test]
fn an_estimate_above_the_whole_tpm_is_refused_rather_than_waited_for() {
    let mut l = limiter(None, Some(1000));
    let r = l.reserve(0, 1500);
    assert_eq!((r.ready, r.reason, r.wait_until_ms), (false, LimitReason::ExceedsCapacity, None));
}

#[test]
fn reconcile_refunds_an_overestimate_and_debits_an_underestimate() {
    let mut l = limiter(None, Some(1000));
    assert!(l.reserve(0, 800).ready);
    l.reconcile(0, 800, 300);
    assert_eq!(l.snapshot(0).tokens.unwrap().remaining, 700);
    assert!(l.reserve(0, 700).ready);
    l.reconcile(0, 700, 1200);
    let t = l.snapshot(0).tokens.unwrap();
    assert_eq!((t.remaining, t.debt), (0, 500));
    // From -500, 100 tokens need 600 refilled tokens: 36 s at 1000/min.
    assert_eq!(l.reserve(0, 100).wait_until_ms, Some(36_000));
}

#[test]
fn debt_is_capped_at_one_full_limit() {
    let mut l = limiter(None, Some(1000));
    l.reconcile(0, 0, 1_000_000);
    assert_eq!(l.snapshot(0).tokens.unwrap().debt, 1000);
    assert_eq!(l.reserve(0, 0).wait_until_ms, Some(60_000));
}

#[test]
fn server_saying_zero_requests_left_for_1_s_holds_sends_until_then() {
    let mut l = limiter(Some(60), None);
    let h = RateLimitHeaders { requests: Some(quota(Some(60), 0, 1000)), ..Default::default() };
    l.sync(5000, &h);
    let r = l.reserve(5000, 0);
    assert_eq!((r.ready, r.reason, r.wait_until_ms), (false, LimitReason::RpmExhausted, Some(6000)));
    assert!(l.reserve(6000, 0).ready);
}

#[test]
fn server_remaining_lowers_the_local_level_and_never_raises_it() {
    let mut l = limiter(Some(60), Some(10_000));
    let h = RateLimitHeaders {
        requests: Some(Quota { remaining: Some(10), ..Default::default() }),
        tokens: Some(Quota { remaining: Some(20_000), ..Default::default() }),
        ..Default::default()
    };
    l.sync(0, &h);
    let s = l.snapshot(0);
    assert_eq!(s.requests.unwrap().remaining, 10, "other clients used the key");
    assert_eq!(s.tokens.unwrap().remaining, 10_000, "never above the configured cap");
    // A later answer with more left is as old as its request: ours sent since are missing from it.
    let h = RateLimitHeaders {
        requests: Some(Quota { remaining: Some(50), ..Default::default() }),
        ..Default::default()
    };
    l.sync(0, &h);
    assert_eq!(l.snapshot(0).requests.unwrap().remaining, 10);
}

#[test]
fn answers_faster_than_the_refill_do_not_starve_the_limiter() {
    // 60 RPM: one request a second. Answers saying `remaining: 0` every 100 ms must not restart
    // the wait for the next unit each time: it comes at the local pace all the same.
    let mut l = limiter(Some(60), None);
    let zero = RateLimitHeaders { requests: Some(quota(Some(60), 0, 0)), ..Default::default() };
    l.sync(0, &zero);
    for t in (100..1000).step_by(100) {
        l.sync(t, &zero);
        assert!(!l.reserve(t, 0).ready, "at {t}");
    }
    assert!(l.reserve(1000, 0).ready);
}

#[test]
fn a_server_limit_is_adopted_when_none_is_configured() {
    let mut l = limiter(None, None);
    let r = l.reserve(0, 5000);
    assert_eq!((r.ready, r.remaining_requests, r.remaining_tokens), (true, None, None));
    let h = RateLimitHeaders { tokens: Some(quota(Some(10_000), 9000, 6000)), ..Default::default() };
    l.sync(0, &h);
    let t = l.snapshot(0).tokens.unwrap();
    assert_eq!((t.limit, t.source, t.remaining), (10_000, LimitSource::Server, 9000));
    let h = RateLimitHeaders { tokens: Some(quota(Some(20_000), 20_000, 0)), ..Default::default() };
    l.sync(0, &h);
    assert_eq!(l.snapshot(0).tokens.unwrap().limit, 20_000, "a server limit follows the server");
}

#[test]
fn a_configured_limit_is_never_raised_by_the_server() {
    let mut l = limiter(Some(10), None);
    let h = RateLimitHeaders { requests: Some(quota(Some(500), 500, 0)), ..Default::default() };
    l.sync(0, &h);
    let s = l.snapshot(0).requests.unwrap();
    assert_eq!((s.limit, s.source, s.remaining), (10, LimitSource::Config, 10));
}

#[test]
fn a_slow_server_reset_slows_the_refill_until_the_reset() {
    // 10 000 TPM adopted; 500 left, whole again in 10 min: the server refills
    // 9500 per 600 000 ms, slower than 10 000 per 60 000 ms.
    let mut l = limiter(None, None);
    let h = RateLimitHeaders { tokens: Some(quota(Some(10_000), 500, 600_000)), ..Default::default() };
    l.sync(0, &h);
    let r = l.reserve(0, 1000);
    assert_eq!(r.wait_until_ms, Some(31_579), "ceil(500 * 600000 / 9500)");
    // After the reset the local pace applies again.
    assert_eq!(l.snapshot(600_000).tokens.unwrap().remaining, 10_000);
}

#[test]
fn headers_are_ignored_when_sync_is_off() {
    let config = RateLimitConfig { rpm: Some(60), sync_from_headers: false, ..RateLimitConfig::default() };
    let mut l = RateLimiter::new(config, 0);
    l.sync(0, &RateLimitHeaders { requests: Some(quota(Some(60), 0, 60_000)), ..Default::default() });
    assert!(l.reserve(0, 0).ready);
}

#[test]
fn a_429_drains_the_limiter_until_the_server_time() {
    let mut l = limiter(Some(60), None);
    l.drain(1000, 2500);
    let r = l.reserve(1000, 0);
    assert_eq!((r.ready, r.reason, r.wait_until_ms), (false, LimitReason::Drained, Some(2500)));
    assert_eq!(l.snapshot(1000).blocked_until_ms, Some(2500));
    assert!(l.reserve(2500, 0).ready);
    assert_eq!(l.snapshot(2500).blocked_until_ms, None);
}

#[test]
fn a_wait_beyond_max_wait_is_reported_rather_than_handed_out() {
    let config = RateLimitConfig { tpm: Some(1000), max_wait_ms: 5000, ..RateLimitConfig::default() };
    let mut l = RateLimiter::new(config, 0);
    assert!(l.reserve(0, 1000).ready);
    let r = l.reserve(0, 500);
    assert_eq!((r.ready, r.reason, r.wait_until_ms), (false, LimitReason::WaitExceedsMax, Some(30_000)));
}

#[test]
fn time_going_backwards_neither_refills_nor_panics() {
    let mut l = limiter(Some(60), None);
    for _ in 0..60 {
        assert!(l.reserve(10_000, 0).ready);
    }
    let r = l.reserve(5_000, 0);
    assert_eq!((r.ready, r.wait_until_ms), (false, Some(11_000)));
}

#[test]
fn config_defaults_and_refusals() {
    let c: RateLimitConfig = crate::document::from_json("{}").unwrap();
    assert_eq!(c, RateLimitConfig::default());
    assert_eq!((c.sync_from_headers, c.max_wait_ms), (true, 60_000));
    for (text, code, path) in [
        (r#"{"rpm": 0}"#, crate::ErrorCode::OutOfRange, "rpm"),
        (r#"{"tpm": 0}"#, crate::ErrorCode::OutOfRange, "tpm"),
        (r#"{"tpm": "lots"}"#, crate::ErrorCode::InvalidType, "tpm"),
        (r#"{"max_wait_ms": -1}"#, crate::ErrorCode::NegativeDuration, "max_wait_ms"),
        (r#"{"rpn": 5}"#, crate::ErrorCode::UnknownField, "rpn"),
    ] {
        let e = crate::document::from_json::<RateLimitConfig>(text).unwrap_err();
        assert_eq!((e.code, e.path.as_str()), (code, path), "{text}");
    }
}

proptest! {
    #[test]
    fn refilling_in_many_steps_equals_refilling_in_one(
        tpm in 1u64..1_000_000, spent in 0u64..1_000_000, steps in proptest::collection::vec(0u64..10_000, 1..50),
        remaining in 0u64..1_000_000, reset in 1u64..600_000,
    ) {
        let mut a = limiter(None, Some(tpm));
        a.sync(0, &RateLimitHeaders { tokens: Some(quota(Some(tpm), remaining, reset)), ..Default::default() });
        a.reserve(0, spent.min(tpm));
        let mut b = a.clone();
        let mut now = 0;
        for dt in steps {
            now += dt;
            a.advance(now);
        }
        b.advance(now);
        prop_assert_eq!(a.snapshot(now), b.snapshot(now));
    }

    #[test]
    fn levels_stay_within_minus_limit_and_limit(
        rpm in 1u32..200, tpm in 1u64..100_000,
        ops in proptest::collection::vec((0u8..4, 0u64..5_000, 0u64..200_000, 0u64..200_000), 0..200),
    ) {
        let mut l = limiter(Some(rpm), Some(tpm));
        let mut now = 0u64;
        for (op, dt, a, b) in ops {
            now = if op == 3 && dt % 2 == 0 { now.saturating_sub(dt) } else { now + dt };
            match op {
                0 => {
                    let r = l.reserve(now, a);
                    if let Some(w) = r.wait_until_ms { prop_assert!(w >= now) }
                }
                1 => l.reconcile(now, a, b),
                2 => {
                    l.sync(now, &RateLimitHeaders {
                        requests: Some(quota(Some(a), b, dt)),
                        tokens: Some(quota(None, a, b)),
                        ..Default::default()
                    });
                }
                _ => l.drain(now, now + dt),
            }
            let s = l.snapshot(now);
            for b in [s.requests.unwrap(), s.tokens.unwrap()] {
                prop_assert!(b.remaining <= b.limit && b.debt <= b.limit);
            }
        }
    }

    #[test]
    fn a_reservation_that_waits_is_ready_at_its_wait_time(
        tpm in 1u64..50_000, first in 0u64..50_000, second in 0u64..50_000,
        remaining in 0u64..50_000, reset in 1u64..3_600_000,
    ) {
        let mut l = limiter(Some(30), Some(tpm));
        l.sync(0, &RateLimitHeaders { tokens: Some(quota(Some(tpm), remaining, reset)), ..Default::default() });
        l.reserve(0, first.min(tpm));
        let r = l.reserve(0, second);
        if let Some(at) = r.wait_until_ms {
            prop_assert!(!l.clone().reserve(at - 1, second).ready || at == 0);
            let r2 = l.reserve(at, second);
            prop_assert!(r2.ready || r2.reason == LimitReason::WaitExceedsMax, "{:?} then {:?}", r, r2);
        }
    }
}

#[test]
fn a_one_second_burst_holds_one_second_of_a_3600_rpm_limit() {
    let config =
        RateLimitConfig { rpm: Some(3600), request_burst_ms: Some(1000), ..RateLimitConfig::default() };
    let mut limiter = RateLimiter::new(config, 0);
    // An hour idle saves up 60 requests, not 3600.
    let now = 3_600_000;
    for _ in 0..60 {
        assert!(limiter.reserve(now, 0).ready);
    }
    let r = limiter.reserve(now, 0);
    assert!(!r.ready);
    assert_eq!(r.wait_until_ms, Some(now + 17)); // 60 per second: the next one in 16.7 ms
}

#[test]
fn a_burst_never_holds_less_than_one_request() {
    let config = RateLimitConfig { rpm: Some(1), request_burst_ms: Some(1), ..RateLimitConfig::default() };
    let mut limiter = RateLimiter::new(config, 0);
    assert!(limiter.reserve(0, 0).ready);
    assert_eq!(limiter.reserve(0, 0).wait_until_ms, Some(60_000));
}
