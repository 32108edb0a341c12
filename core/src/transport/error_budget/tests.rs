//! Scenarios for the error budget, driven by virtual time (numbers from the SRE Workbook table).

use proptest::prelude::*;

use super::*;

const MIN: u64 = 60_000;

fn budget() -> ErrorBudget {
    ErrorBudget::new(ErrorBudgetConfig {
        cut_retries_at_burn_rate: Some(10.0),
        ..ErrorBudgetConfig::default()
    })
    .unwrap()
}

/// An hour of traffic at a 2 % error rate: 1000 requests every 5 minutes, 20 of them failed.
fn hour_at_two_percent(b: &mut ErrorBudget) {
    for m in (0..60).step_by(5) {
        b.record_counts(m * MIN, 980, 20);
    }
}

#[test]
fn two_percent_errors_at_three_nines_burn_20_and_page() {
    let mut b = budget();
    hour_at_two_percent(&mut b);
    let now = 60 * MIN - 1;
    assert_eq!(b.burn_rate(now, 60 * MIN), Some(20.0));
    assert_eq!(b.burn_rate(now, 5 * MIN), Some(20.0));
    let alerts = b.alerts(now);
    let fired: Vec<(Severity, u64)> = alerts.iter().map(|a| (a.severity, a.long_window_ms / MIN)).collect();
    assert_eq!(fired, [(Severity::Page, 60), (Severity::Page, 360), (Severity::Ticket, 4320)]);
    assert_eq!((alerts[0].long_burn_rate, alerts[0].short_burn_rate), (20.0, 20.0));
}

#[test]
fn recovery_clears_the_short_window_first() {
    let mut b = budget();
    hour_at_two_percent(&mut b);
    b.record_counts(60 * MIN, 1000, 0);
    b.record_counts(65 * MIN, 1000, 0);
    let now = 65 * MIN;
    assert_eq!(b.burn_rate(now, 5 * MIN), Some(0.0), "the last 5 minutes are clean");
    let long = b.burn_rate(now, 60 * MIN).unwrap();
    assert!(long > 14.4, "the hour still burns {long}");
    let fired: Vec<u64> = b.alerts(now).iter().map(|a| a.long_window_ms / MIN).collect();
    assert_eq!(fired, [360, 4320], "the 1 h page stops although its long window still burns");
}

#[test]
fn retries_are_cut_while_the_fastest_pair_burns_above_the_cut() {
    let mut b = budget();
    assert_eq!(b.retries_allowed(0).reason, ErrorBudgetReason::NoTraffic);
    hour_at_two_percent(&mut b);
    let d = b.retries_allowed(60 * MIN - 1);
    assert_eq!((d.allowed, d.reason, d.burn_rate), (false, ErrorBudgetReason::BudgetBurning, Some(20.0)));
    b.record_counts(60 * MIN, 1000, 0);
    b.record_counts(65 * MIN, 1000, 0);
    let d = b.retries_allowed(65 * MIN);
    assert_eq!((d.allowed, d.reason, d.burn_rate), (true, ErrorBudgetReason::WithinBudget, Some(0.0)));
}

#[test]
fn without_a_cut_retries_are_never_cut() {
    let mut b = ErrorBudget::new(ErrorBudgetConfig::default()).unwrap();
    b.record_counts(0, 0, 1000);
    assert_eq!(b.retries_allowed(0).reason, ErrorBudgetReason::NotConfigured);
}

#[test]
fn no_traffic_has_no_burn_rate_and_a_whole_budget() {
    let b = budget();
    assert_eq!(b.burn_rate(0, HOUR_MS), None);
    assert_eq!(b.budget_remaining(0), 1.0);
}

#[test]
fn half_the_budget_left_after_0_05_percent_errors() {
    let mut b = budget();
    b.record_counts(0, 19_990, 10);
    assert_eq!(b.budget_remaining(0), 0.5);
    b.record_counts(MIN, 0, 30);
    assert!(b.budget_remaining(MIN) < 0.0, "overspent");
}

#[test]
fn counts_leave_the_window_as_time_passes() {
    let mut b = budget();
    b.record(0, false);
    b.record(0, true);
    assert_eq!(b.burn_rate(4 * MIN, 5 * MIN), Some(500.0));
    assert_eq!(b.burn_rate(5 * MIN, 5 * MIN), None, "bucket 0 is out of a window of buckets 1..=5");
    assert_eq!(b.burn_rate(5 * MIN, 6 * MIN), Some(500.0));
}

#[test]
fn old_buckets_are_forgotten_after_the_period() {
    let config = ErrorBudgetConfig { period_ms: 10 * MIN, alerts: vec![], ..ErrorBudgetConfig::default() };
    let mut b = ErrorBudget::new(config).unwrap();
    b.record(0, false);
    b.record(10 * MIN, true);
    assert_eq!(b.burn_rate(10 * MIN, 10 * MIN), Some(0.0));
    b.record(0, false);
    assert_eq!(b.burn_rate(10 * MIN, 10 * MIN), Some(0.0), "a record older than the period is dropped");
    b.record(MIN, false);
    assert_eq!(b.burn_rate(10 * MIN, 10 * MIN), Some(500.0), "an earlier time within the period counts");
    b.record(1000 * MIN, true);
    assert_eq!(b.burn_rate(1000 * MIN, 10 * MIN), Some(0.0), "a long gap clears the whole ring");
}

#[test]
fn config_refusals_carry_codes_and_paths() {
    for (text, code, path) in [
        (r#"{"target": 1}"#, ErrorCode::OutOfRange, "target"),
        (r#"{"target": 1.5}"#, ErrorCode::OutOfRange, "target"),
        (r#"{"resolution_ms": 0}"#, ErrorCode::OutOfRange, "resolution_ms"),
        (r#"{"resolution_ms": 1}"#, ErrorCode::OutOfRange, "resolution_ms"),
        (r#"{"period_ms": 1000}"#, ErrorCode::OutOfRange, "period_ms"),
        (
            r#"{"alerts": [{"severity": "page", "long_window_ms": 60000, "short_window_ms": 120000, "burn_rate": 2}]}"#,
            ErrorCode::OutOfRange,
            "alerts[0].short_window_ms",
        ),
        (
            r#"{"alerts": [{"severity": "page", "long_window_ms": 60000, "short_window_ms": 6000, "burn_rate": 0}]}"#,
            ErrorCode::OutOfRange,
            "alerts[0].burn_rate",
        ),
        (
            r#"{"alerts": [{"severity": "pager", "long_window_ms": 60000, "short_window_ms": 6000, "burn_rate": 1}]}"#,
            ErrorCode::UnknownVariant,
            "alerts[0].severity",
        ),
        (
            r#"{"alerts": [], "cut_retries_at_burn_rate": 10}"#,
            ErrorCode::InvalidValue,
            "cut_retries_at_burn_rate",
        ),
        (r#"{"period_ms": -5}"#, ErrorCode::NegativeDuration, "period_ms"),
    ] {
        let e = crate::document::from_json::<ErrorBudgetConfig>(text)
            .and_then(|c| ErrorBudget::new(c).map(|_| ()))
            .unwrap_err();
        assert_eq!((e.code, e.path.as_str()), (code, path), "{text}");
    }
}

#[test]
fn defaults_are_the_sre_workbook_table() {
    let c: ErrorBudgetConfig = crate::document::from_json("{}").unwrap();
    assert_eq!(c, ErrorBudgetConfig::default());
    let table: Vec<(u64, u64, f64)> =
        c.alerts.iter().map(|a| (a.long_window_ms / MIN, a.short_window_ms / MIN, a.burn_rate)).collect();
    assert_eq!(table, [(60, 5, 14.4), (360, 30, 6.0), (4320, 360, 1.0)]);
    assert_eq!(ErrorBudget::new(c).unwrap().slots.len(), 43_200);
}

proptest! {
    #[test]
    fn any_record_order_keeps_burn_rates_finite_and_non_negative(
        records in proptest::collection::vec((0u64..200_000_000, 0u64..1000, 0u64..1000), 0..100),
        query in 0u64..300_000_000, window in 0u64..400_000_000,
    ) {
        let mut b = budget();
        for (t, good, bad) in records {
            b.record_counts(t, good, bad);
        }
        if let Some(r) = b.burn_rate(query, window) {
            prop_assert!(r.is_finite() && r >= 0.0);
        }
        prop_assert!(b.budget_remaining(query) <= 1.0);
        let _ = b.alerts(query);
        let _ = b.retries_allowed(query);
    }

    #[test]
    fn the_ring_agrees_with_a_plain_list_of_records(
        records in proptest::collection::vec((0u64..100, 0u64..5, 0u64..5), 1..60), window in 1u64..40,
    ) {
        // 20 one-minute buckets; times only move forward here, so the ring must hold exactly
        // the records of the last `window` buckets (capped at 20) ending at the newest one.
        let config = ErrorBudgetConfig { period_ms: 20 * MIN, alerts: vec![], ..ErrorBudgetConfig::default() };
        let mut b = ErrorBudget::new(config).unwrap();
        let mut sorted = records;
        sorted.sort_by_key(|r| r.0);
        for &(m, good, bad) in &sorted {
            b.record_counts(m * MIN, good, bad);
        }
        let newest = sorted.last().unwrap().0;
        let k = window.min(20);
        let (good, bad) = sorted.iter().filter(|r| r.0 + k > newest).fold((0, 0), |(g, x), r| (g + r.1, x + r.2));
        prop_assert_eq!(b.sum(newest * MIN, window * MIN), (good, bad));
    }
}
