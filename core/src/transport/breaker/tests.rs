//! Scenarios of the breaker, with the numbers in the test.

use proptest::prelude::*;

use super::*;
use crate::document::from_json;
use crate::ErrorCode;

fn breaker(json: &str) -> CircuitBreaker {
    CircuitBreaker::new(from_json(json).unwrap()).unwrap()
}

/// One call at `now`, fed back as `class` with `latency` ms.
fn call(b: &mut CircuitBreaker, now: u64, class: Class, latency: u64) -> Recorded {
    let permit = b.try_acquire(now).permit.expect("permitted");
    b.record(now, permit, class, latency, None)
}

fn fail(b: &mut CircuitBreaker, now: u64) -> Recorded {
    call(b, now, Class::Retryable, 10)
}

fn succeed(b: &mut CircuitBreaker, now: u64) -> Recorded {
    call(b, now, Class::Success, 10)
}

#[test]
fn breaker_opens_when_5_of_the_last_10_calls_failed() {
    let mut b = breaker(r#"{ "window": { "kind": "count", "size": 10 }, "minimum_calls": 10 }"#);
    for t in 0..5 {
        succeed(&mut b, t);
    }
    for t in 5..9 {
        assert_eq!(fail(&mut b, t).state, State::Closed);
    }
    let r = fail(&mut b, 9);
    let t = r.transition.unwrap();
    assert_eq!((t.from, t.to, t.reason), (State::Closed, State::Open, TransitionReason::FailureRateExceeded));
    assert_eq!(t.open_until_ms, Some(9 + 60_000));
    let a = b.try_acquire(1000);
    assert_eq!((a.permitted, a.reason, a.retry_after_ms), (false, AcquireReason::Open, Some(59_009)));
    assert_eq!(b.metrics(1000).failure_rate, Some(0.5));
}

#[test]
fn count_window_slides_old_failures_out() {
    let mut b = breaker(r#"{ "window": { "kind": "count", "size": 10 }, "minimum_calls": 10 }"#);
    for t in 0..4 {
        fail(&mut b, t);
    }
    for t in 4..14 {
        assert_eq!(succeed(&mut b, t).state, State::Closed);
    }
    assert_eq!(b.metrics(14).failures, 0);
}

#[test]
fn time_window_forgets_failures_older_than_60_s() {
    let mut b = breaker(
        r#"{ "window": { "kind": "time", "duration_ms": 60000, "bucket_ms": 1000 }, "minimum_calls": 4 }"#,
    );
    fail(&mut b, 0);
    fail(&mut b, 1000);
    assert_eq!(b.metrics(59_999).failures, 2);
    assert_eq!(b.metrics(60_000).failures, 1);
    // At 61 s both failures are gone: two failures and two successes would trip, one of four does not.
    fail(&mut b, 61_000);
    succeed(&mut b, 61_000);
    succeed(&mut b, 61_000);
    assert_eq!(succeed(&mut b, 61_000).state, State::Closed);
    assert_eq!(b.metrics(61_000).failure_rate, Some(0.25));
}

#[test]
fn minimum_calls_is_not_clamped_for_a_time_window() {
    let mut b = breaker(
        r#"{ "window": { "kind": "time", "duration_ms": 1000, "bucket_ms": 1000 }, "minimum_calls": 3 }"#,
    );
    fail(&mut b, 0);
    fail(&mut b, 0);
    assert_eq!(b.metrics(0).failure_rate, None);
    assert_eq!(fail(&mut b, 0).state, State::Open);
}

#[test]
fn minimum_calls_is_clamped_to_the_size_of_a_count_window() {
    let mut b = breaker(r#"{ "window": { "kind": "count", "size": 2 }, "minimum_calls": 100 }"#);
    fail(&mut b, 0);
    assert_eq!(fail(&mut b, 1).state, State::Open);
}

#[test]
fn slow_calls_trip_at_100_percent() {
    let mut b =
        breaker(r#"{ "window": { "kind": "count", "size": 4 }, "minimum_calls": 4, "slow_call_ms": 5000 }"#);
    for t in 0..3 {
        assert_eq!(call(&mut b, t, Class::Success, 5001).counted, Counted::SlowSuccess);
    }
    // Exactly the threshold is not slow: resilience4j counts calls that *exceed* it.
    assert_eq!(call(&mut b, 3, Class::Success, 5000).state, State::Closed);
    for t in 4..7 {
        call(&mut b, t, Class::Success, 9000);
    }
    let r = call(&mut b, 7, Class::Success, 9000);
    assert_eq!(r.transition.unwrap().reason, TransitionReason::SlowCallRateExceeded);
}

fn open_then_half_open(json: &str) -> CircuitBreaker {
    let mut b = breaker(json);
    fail(&mut b, 0);
    assert_eq!(b.state(), State::Open);
    let a = b.try_acquire(60_000);
    assert_eq!(a.transition.unwrap().reason, TransitionReason::OpenWaitElapsed);
    assert_eq!(a.reason, AcquireReason::HalfOpenProbe);
    b
}

const ONE_CALL: &str =
    r#"{ "window": { "kind": "count", "size": 1 }, "minimum_calls": 1, "half_open_permitted": 3 }"#;

#[test]
fn open_becomes_half_open_lazily_at_open_until() {
    let mut b = breaker(ONE_CALL);
    fail(&mut b, 0);
    assert_eq!(b.try_acquire(59_999).retry_after_ms, Some(1));
    assert_eq!(b.state(), State::Open);
    assert!(b.try_acquire(60_000).permitted);
    assert_eq!(b.state(), State::HalfOpen);
}

#[test]
fn half_open_permits_3_probes_and_rejects_the_4th_until_one_is_released() {
    let mut b = open_then_half_open(ONE_CALL);
    let second = b.try_acquire(60_001).permit.unwrap();
    assert!(b.try_acquire(60_002).permitted);
    let fourth = b.try_acquire(60_003);
    assert_eq!(
        (fourth.permitted, fourth.reason, fourth.retry_after_ms),
        (false, AcquireReason::HalfOpenFull, None)
    );
    assert!(b.release(second));
    assert!(b.try_acquire(60_004).permitted);
}

#[test]
fn half_open_closes_after_10_healthy_probes() {
    let mut b = breaker(r#"{ "window": { "kind": "count", "size": 10 }, "minimum_calls": 10 }"#);
    for t in 0..10 {
        fail(&mut b, t);
    }
    let permits: Vec<_> = (0..10).map(|i| b.try_acquire(60_009 + i).permit.unwrap()).collect();
    assert!(!b.try_acquire(60_020).permitted);
    for (i, p) in permits.into_iter().enumerate() {
        let r = b.record(60_100, p, Class::Success, 10, None);
        if i < 9 {
            assert_eq!(r.state, State::HalfOpen);
        } else {
            let t = r.transition.unwrap();
            assert_eq!((t.to, t.reason), (State::Closed, TransitionReason::HalfOpenHealthy));
        }
    }
    assert_eq!(b.metrics(60_100).calls, 0);
}

#[test]
fn minimum_calls_5_with_permitted_10_decides_after_5() {
    let mut b = breaker(
        r#"{ "window": { "kind": "count", "size": 5 }, "minimum_calls": 5, "half_open_permitted": 10 }"#,
    );
    for t in 0..5 {
        fail(&mut b, t);
    }
    b.try_acquire(60_004);
    let r = b.record(60_004, Permit { instance: 0, generation: b.generation() }, Class::Retryable, 1, None);
    assert_eq!(r.counted, Counted::Failure);
    for t in 0..3 {
        assert_eq!(succeed(&mut b, 60_005 + t).state, State::HalfOpen);
    }
    // 5th probe: 1 failure of 5 is below 50 %.
    assert_eq!(succeed(&mut b, 60_010).transition.unwrap().reason, TransitionReason::HalfOpenHealthy);
}

#[test]
fn a_failing_probe_round_reopens() {
    let mut b = open_then_half_open(ONE_CALL);
    let r = b.record(60_000, Permit { instance: 0, generation: b.generation() }, Class::Overloaded, 10, None);
    let t = r.transition.unwrap();
    assert_eq!((t.from, t.to), (State::HalfOpen, State::Open));
    assert_eq!(t.reason, TransitionReason::HalfOpenFailureRateExceeded);
    assert_eq!(b.metrics(60_000).failure_rate, Some(1.0));
}

#[test]
fn exponential_open_wait_doubles_per_reopen_and_resets_on_close() {
    let mut b = breaker(
        r#"{ "window": { "kind": "count", "size": 1 }, "minimum_calls": 1, "half_open_permitted": 1,
             "open_wait": { "kind": "exponential", "initial_ms": 1000, "multiplier": 2, "max_ms": 5000 } }"#,
    );
    assert_eq!(fail(&mut b, 0).transition.unwrap().open_until_ms, Some(1000));
    assert_eq!(fail(&mut b, 1000).transition.unwrap().open_until_ms, Some(3000));
    assert_eq!(fail(&mut b, 3000).transition.unwrap().open_until_ms, Some(7000));
    assert_eq!(fail(&mut b, 7000).transition.unwrap().open_until_ms, Some(12_000)); // capped at 5 s
    assert_eq!(succeed(&mut b, 12_000).state, State::Closed);
    assert_eq!(fail(&mut b, 12_001).transition.unwrap().open_until_ms, Some(13_001));
}

#[test]
fn a_round_with_a_successful_probe_resets_the_open_wait_growth() {
    let mut b = breaker(
        r#"{ "window": { "kind": "count", "size": 2 }, "minimum_calls": 2, "half_open_permitted": 2,
             "open_wait": { "kind": "exponential", "initial_ms": 1000, "multiplier": 2, "max_ms": 8000 } }"#,
    );
    fail(&mut b, 0);
    assert_eq!(fail(&mut b, 0).transition.unwrap().open_until_ms, Some(1000));
    // Two failed rounds: 2 s, then 4 s.
    fail(&mut b, 1000);
    assert_eq!(fail(&mut b, 1000).transition.unwrap().open_until_ms, Some(3000));
    fail(&mut b, 3000);
    assert_eq!(fail(&mut b, 3000).transition.unwrap().open_until_ms, Some(7000));
    // One probe of two succeeds: still 50 % failures, open again, but for `initial_ms` only.
    succeed(&mut b, 7000);
    let t = fail(&mut b, 7000).transition.unwrap();
    assert_eq!((t.reason, t.open_until_ms), (TransitionReason::HalfOpenFailureRateExceeded, Some(8000)));
}

#[test]
fn retry_after_30_s_opens_for_30_s() {
    let mut b = breaker("{}");
    let p = b.try_acquire(0).permit.unwrap();
    let r = b.record(0, p, Class::RateLimited, 80, Some(30_000));
    let t = r.transition.unwrap();
    assert_eq!((t.to, t.reason, t.open_until_ms), (State::Open, TransitionReason::RetryAfter, Some(30_000)));
    assert_eq!(b.try_acquire(29_999).retry_after_ms, Some(1));
    assert!(b.try_acquire(30_000).permitted);
}

#[test]
fn retry_after_is_capped_and_short_ones_do_not_open() {
    let mut b = breaker("{}");
    let p = b.try_acquire(0).permit.unwrap();
    assert_eq!(b.record(0, p, Class::Overloaded, 80, Some(999)).state, State::Closed);
    let p = b.try_acquire(0).permit.unwrap();
    // A retryable 500 with a Retry-After is not a rate limit: no forced opening.
    assert_eq!(b.record(0, p, Class::Retryable, 80, Some(5000)).state, State::Closed);
    let p = b.try_acquire(0).permit.unwrap();
    let t = b.record(0, p, Class::Overloaded, 80, Some(3_600_000)).transition.unwrap();
    assert_eq!(t.open_until_ms, Some(120_000));
}

#[test]
fn stale_generation_result_is_dropped() {
    let mut b = breaker(ONE_CALL);
    let early = b.try_acquire(0).permit.unwrap();
    fail(&mut b, 1); // opens: a new generation
    let r = b.record(2, early, Class::Retryable, 10, None);
    assert_eq!((r.counted, r.transition), (Counted::Stale, None));
    b.try_acquire(60_001); // half-open
    assert_eq!(b.record(60_001, early, Class::Success, 1, None).counted, Counted::Stale);
    assert_eq!(b.state(), State::HalfOpen);
}

#[test]
fn permanent_results_are_ignored_and_give_a_probe_slot_back() {
    let mut b = open_then_half_open(
        r#"{ "window": { "kind": "count", "size": 1 }, "minimum_calls": 1, "half_open_permitted": 1 }"#,
    );
    assert!(!b.try_acquire(60_000).permitted);
    let r = b.record(60_001, Permit { instance: 0, generation: b.generation() }, Class::Permanent, 1, None);
    assert_eq!((r.counted, r.state), (Counted::Ignored, State::HalfOpen));
    assert!(b.try_acquire(60_002).permitted);
}

#[test]
fn forced_open_rejects_disabled_permits_and_records_nothing_metrics_only_never_transitions() {
    let mut b = breaker(ONE_CALL);
    let t = b.transition_to_forced_open(0).unwrap();
    assert_eq!((t.from, t.to, t.reason), (State::Closed, State::ForcedOpen, TransitionReason::ForcedOpen));
    assert_eq!(b.transition_to_forced_open(1), None);
    let a = b.try_acquire(10_000_000);
    assert_eq!((a.permitted, a.reason, a.retry_after_ms), (false, AcquireReason::ForcedOpen, None));

    b.transition_to_disabled(2);
    let r = fail(&mut b, 3);
    assert_eq!((r.counted, r.state), (Counted::Ignored, State::Disabled));
    assert_eq!(b.metrics(3).calls, 0);

    b.transition_to_metrics_only(4);
    for t in 5..10 {
        let r = fail(&mut b, t);
        assert_eq!((r.counted, r.state, r.transition), (Counted::Failure, State::MetricsOnly, None));
    }
    let p = b.try_acquire(10).permit.unwrap();
    assert_eq!(b.record(10, p, Class::RateLimited, 1, Some(60_000)).state, State::MetricsOnly);
    assert_eq!(b.metrics(10).failure_rate, Some(1.0));

    let t = b.reset(11).unwrap();
    assert_eq!((t.from, t.to, t.reason), (State::MetricsOnly, State::Closed, TransitionReason::Reset));
    assert_eq!(b.metrics(11).calls, 0);
}

#[test]
fn half_open_times_out_into_open() {
    let mut b = open_then_half_open(
        r#"{ "window": { "kind": "count", "size": 1 }, "minimum_calls": 1, "max_half_open_ms": 5000 }"#,
    );
    let p = b.try_acquire(60_001).permit.unwrap();
    let r = b.record(65_000, p, Class::Success, 1, None);
    assert_eq!(r.counted, Counted::Stale);
    let t = r.transition.unwrap();
    assert_eq!(
        (t.to, t.reason, t.open_until_ms),
        (State::Open, TransitionReason::HalfOpenTimeout, Some(125_000))
    );
}

#[test]
fn time_going_backwards_is_read_as_the_last_time_seen() {
    let mut b = breaker(ONE_CALL);
    fail(&mut b, 100_000);
    let a = b.try_acquire(5);
    assert_eq!(a.retry_after_ms, Some(60_000));
}

#[test]
fn invalid_configs_are_refused_with_code_and_path() {
    let cases = [
        (r#"{ "failure_rate_threshold": 1.5 }"#, ErrorCode::OutOfRange, "failure_rate_threshold"),
        (r#"{ "failure_rate_threshold": 0 }"#, ErrorCode::OutOfRange, "failure_rate_threshold"),
        (r#"{ "failure_rate": 0.5 }"#, ErrorCode::UnknownField, "failure_rate"),
        (r#"{ "window": { "kind": "count", "size": 0 } }"#, ErrorCode::OutOfRange, "window.size"),
        (r#"{ "window": { "kind": "count", "sise": 10 } }"#, ErrorCode::UnknownField, "window.sise"),
        (r#"{ "window": { "kind": "time", "size": 10 } }"#, ErrorCode::UnknownField, "window.size"),
        (r#"{ "window": { "kind": "hourly" } }"#, ErrorCode::UnknownVariant, "window.kind"),
        (r#"{ "window": { "size": 10 } }"#, ErrorCode::MissingField, "window.kind"),
        (r#"{ "window": { "kind": "count", "size": 1000000 } }"#, ErrorCode::OutOfRange, "window.size"),
        (
            r#"{ "window": { "kind": "time", "duration_ms": 1000, "bucket_ms": 2000 } }"#,
            ErrorCode::OutOfRange,
            "window.bucket_ms",
        ),
        (
            r#"{ "window": { "kind": "time", "duration_ms": -1 } }"#,
            ErrorCode::NegativeDuration,
            "window.duration_ms",
        ),
        (r#"{ "half_open_permitted": 0 }"#, ErrorCode::OutOfRange, "half_open_permitted"),
        (r#"{ "open_wait": { "kind": "fixed", "ms": 0 } }"#, ErrorCode::OutOfRange, "open_wait.ms"),
        (
            r#"{ "open_wait": { "kind": "exponential", "initial_ms": 9000, "max_ms": 1000 } }"#,
            ErrorCode::OutOfRange,
            "open_wait.initial_ms",
        ),
        (
            r#"{ "open_wait": { "kind": "exponential", "multiplier": 0.5 } }"#,
            ErrorCode::OutOfRange,
            "open_wait.multiplier",
        ),
        (r#"{ "failure_classes": ["retryable", "success"] }"#, ErrorCode::InvalidValue, "failure_classes[1]"),
        (r#"{ "failure_classes": ["teapot"] }"#, ErrorCode::UnknownVariant, "failure_classes[0]"),
        (
            r#"{ "retry_after_min_ms": 5000, "retry_after_max_ms": 10 }"#,
            ErrorCode::OutOfRange,
            "retry_after_min_ms",
        ),
        (r#"{ "initial_state": "half_open" }"#, ErrorCode::UnknownVariant, "initial_state"),
    ];
    for (json, code, path) in cases {
        let e = from_json::<BreakerConfig>(json).and_then(CircuitBreaker::new).unwrap_err();
        assert_eq!((e.code, e.path.as_str()), (code, path), "{json}: {e}");
    }
}

#[test]
fn defaults_are_resilience4j_defaults_and_round_trip() {
    let c: BreakerConfig = from_json("{}").unwrap();
    assert_eq!(c, BreakerConfig::default());
    assert_eq!(c.window, WindowConfig::Count { size: 100 });
    assert_eq!((c.minimum_calls, c.half_open_permitted, c.slow_call_ms), (100, 10, 60_000));
    let text = serde_json::to_string(&c).unwrap();
    assert_eq!(from_json::<BreakerConfig>(&text).unwrap(), c);
    let toml: BreakerConfig =
        crate::document::from_toml("window = { kind = \"time\", duration_ms = 60000 }\n").unwrap();
    assert_eq!(toml.window, WindowConfig::Time { duration_ms: 60_000, bucket_ms: 1000 });
}

#[test]
fn transition_table_refuses_what_resilience4j_refuses() {
    assert_eq!(next_state(State::Closed, TransitionReason::OpenWaitElapsed), None);
    assert_eq!(next_state(State::Open, TransitionReason::FailureRateExceeded), None);
    assert_eq!(next_state(State::ForcedOpen, TransitionReason::RetryAfter), None);
    assert_eq!(next_state(State::ForcedOpen, TransitionReason::Reset), Some(State::Closed));
}

// ---- properties ----

#[derive(Clone, Debug)]
enum Op {
    Acquire,
    Record { which: usize, class: u8, latency: u64, delay: Option<u64> },
    Release { which: usize },
    Advance(u64),
    Jump(u64),
    Manual(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::Acquire),
        4 => (any::<usize>(), 0u8..6, 0u64..200, proptest::option::of(0u64..5000))
            .prop_map(|(which, class, latency, delay)| Op::Record { which, class, latency, delay }),
        1 => any::<usize>().prop_map(|which| Op::Release { which }),
        2 => (0u64..3000).prop_map(Op::Advance),
        1 => any::<u64>().prop_map(Op::Jump),
        1 => (0u8..8).prop_map(Op::Manual),
    ]
}

fn config() -> impl Strategy<Value = BreakerConfig> {
    let window = prop_oneof![
        (1u32..8).prop_map(|size| WindowConfig::Count { size }),
        (1u64..5, 1u64..2000)
            .prop_map(|(n, bucket_ms)| WindowConfig::Time { duration_ms: n * bucket_ms, bucket_ms }),
    ];
    (window, 1u32..6, 1u32..5, 0u64..3000, any::<bool>(), 1u8..=10, 1u8..=10).prop_map(
        |(window, minimum_calls, half_open_permitted, max_half_open_ms, exponential, f, s)| BreakerConfig {
            window,
            minimum_calls,
            half_open_permitted,
            max_half_open_ms,
            failure_rate_threshold: f64::from(f) / 10.0,
            slow_call_rate_threshold: f64::from(s) / 10.0,
            slow_call_ms: 100,
            open_wait: if exponential {
                OpenWait::Exponential { initial_ms: 500, multiplier: 3.0, max_ms: 4000 }
            } else {
                OpenWait::Fixed { ms: 1000 }
            },
            retry_after_min_ms: 0,
            ..BreakerConfig::default()
        },
    )
}

proptest! {
    #[test]
    fn half_open_never_has_more_than_the_permitted_probes_and_rates_stay_in_0_1(
        config in config(),
        ops in proptest::collection::vec(op(), 1..200),
    ) {
        let permitted = u64::from(config.half_open_permitted);
        let mut b = CircuitBreaker::new(config).unwrap();
        let mut now = 0u64;
        let mut permits: Vec<Permit> = Vec::new();
        for op in ops {
            match op {
                Op::Acquire => {
                    let a = b.try_acquire(now);
                    prop_assert_eq!(a.permitted, a.permit.is_some());
                    if let Some(p) = a.permit { permits.push(p); }
                }
                Op::Record { which, class, latency, delay } if !permits.is_empty() => {
                    let p = permits.remove(which % permits.len());
                    b.record(now, p, Class::ALL[usize::from(class) % Class::ALL.len()], latency, delay);
                }
                Op::Release { which } if !permits.is_empty() => {
                    let p = permits.remove(which % permits.len());
                    b.release(p);
                }
                Op::Record { .. } | Op::Release { .. } => {}
                Op::Advance(ms) => now = now.saturating_add(ms),
                Op::Jump(to) => now = to,
                Op::Manual(m) => match m {
                    0 => { b.transition_to_forced_open(now); }
                    1 => { b.transition_to_disabled(now); }
                    2 => { b.transition_to_metrics_only(now); }
                    3 => { b.reset(now); }
                    _ => {}
                },
            }
            if b.state() == State::HalfOpen {
                let live = permits.iter().filter(|p| p.generation == b.generation()).count() as u64;
                prop_assert!(live + b.probes.calls <= permitted, "{live} out + {} counted > {permitted}", b.probes.calls);
                prop_assert_eq!(u64::from(b.probes_out), live);
            }
            let m = b.metrics(now);
            for rate in [m.failure_rate, m.slow_call_rate].into_iter().flatten() {
                prop_assert!((0.0..=1.0).contains(&rate));
            }
            prop_assert!(m.failures <= m.calls && m.slow_calls <= m.calls);
        }
    }

    /// A binding that answers `try_acquire` from `standing_permit` without calling the core and
    /// records with `record_lazy`, carrying the largest time it answered at (or did not read)
    /// into its next timed call, gets exactly the results of a breaker called every time with
    /// every time (times may go backwards: `Jump`).
    #[test]
    fn standing_permits_and_lazy_clocks_change_no_decision(
        config in config(),
        ops in proptest::collection::vec(op(), 1..200),
    ) {
        let mut direct = CircuitBreaker::new(config.clone()).unwrap();
        let mut cached = CircuitBreaker::new(config).unwrap();
        let mut standing = cached.standing_permit();
        let mut pending: Option<u64> = None;
        let at = |now: u64, pending: &mut Option<u64>| pending.take().map_or(now, |p| p.max(now));
        let mut now = 0u64;
        let mut permits: Vec<Permit> = Vec::new();
        for op in ops {
            match op {
                Op::Acquire => {
                    let a = direct.try_acquire(now);
                    let permit = match standing {
                        Some(p) => {
                            pending = Some(pending.map_or(now, |t| t.max(now)));
                            prop_assert_eq!(a.transition, None);
                            prop_assert_eq!(a.retry_after_ms, None);
                            Some(p)
                        }
                        None => {
                            let c = cached.try_acquire(at(now, &mut pending));
                            prop_assert_eq!(&c, &a);
                            c.permit
                        }
                    };
                    prop_assert_eq!(a.permit, permit);
                    if let Some(p) = permit { permits.push(p); }
                }
                Op::Record { which, class, latency, delay } if !permits.is_empty() => {
                    let p = permits.remove(which % permits.len());
                    let class = Class::ALL[usize::from(class) % Class::ALL.len()];
                    let r = direct.record(now, p, class, latency, delay);
                    let (mut read, owed) = (false, pending);
                    let clock = || {
                        read = true;
                        owed.map_or(now, |t| t.max(now))
                    };
                    prop_assert_eq!(cached.record_lazy(clock, p, class, latency, delay), r);
                    pending = if read { None } else { Some(pending.map_or(now, |t| t.max(now))) };
                }
                Op::Release { which } if !permits.is_empty() => {
                    let p = permits.remove(which % permits.len());
                    prop_assert_eq!(cached.release(p), direct.release(p));
                }
                Op::Record { .. } | Op::Release { .. } => {}
                Op::Advance(ms) => now = now.saturating_add(ms),
                Op::Jump(to) => now = to,
                Op::Manual(m) if m < 4 => {
                    // Handed over by `advance_clock` here, by `max` everywhere else.
                    if let Some(t) = pending.take() { cached.advance_clock(t); }
                    let (a, b) = match m {
                        0 => (direct.transition_to_forced_open(now), cached.transition_to_forced_open(now)),
                        1 => (direct.transition_to_disabled(now), cached.transition_to_disabled(now)),
                        2 => (direct.transition_to_metrics_only(now), cached.transition_to_metrics_only(now)),
                        _ => (direct.reset(now), cached.reset(now)),
                    };
                    prop_assert_eq!(a, b);
                }
                Op::Manual(_) => {}
            }
            standing = cached.standing_permit();
            prop_assert_eq!(cached.state(), direct.state());
            prop_assert_eq!(cached.metrics(pending.map_or(now, |p| p.max(now))), direct.metrics(now));
        }
    }

    #[test]
    fn arbitrary_times_and_results_never_panic(
        times in proptest::collection::vec(any::<u64>(), 1..100),
        latencies in proptest::collection::vec(any::<u64>(), 1..100),
        delays in proptest::collection::vec(proptest::option::of(any::<u64>()), 1..100),
    ) {
        for window in [WindowConfig::Count { size: 3 }, WindowConfig::Time { duration_ms: 3000, bucket_ms: 7 }] {
            let mut b = CircuitBreaker::new(BreakerConfig {
                window,
                minimum_calls: 2,
                max_half_open_ms: 10,
                open_wait: OpenWait::Exponential { initial_ms: 1, multiplier: 1e300, max_ms: u64::MAX },
                retry_after_max_ms: u64::MAX,
                ..BreakerConfig::default()
            }).unwrap();
            for (i, &t) in times.iter().enumerate() {
                let a = b.try_acquire(t);
                if let Some(p) = a.permit {
                    let class = Class::ALL[i % Class::ALL.len()];
                    b.record(t, p, class, latencies[i % latencies.len()], delays[i % delays.len()]);
                }
                let _ = b.metrics(t);
            }
        }
    }
}

#[test]
fn a_permit_survives_a_round_trip_through_its_token() {
    let mut b = CircuitBreaker::new(BreakerConfig::default()).unwrap();
    let permit = b.try_acquire(0).permit.unwrap();
    let token = permit.token();
    assert!(token < (1 << 53), "exact as a JavaScript number");
    let r = b.record(1, Permit::from_token(token), Class::Success, 5, None);
    assert_eq!(r.counted, Counted::Success);
    // A made-up token is a stale permit, never a panic.
    let r = b.record(2, Permit::from_token(u64::MAX), Class::Success, 5, None);
    assert_eq!(r.counted, Counted::Stale);
}
