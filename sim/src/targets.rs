//! The acceptance targets of a storm scenario: `breakwater` against `naive`.
//!
//! On the built-in scenario: during the outage breakwater sends at most 1.2
//! calls per logical call while naive sends at least 20; while degraded it
//! completes at least as many requests per second as naive, succeeds at least
//! as often (one percentage point of tolerance) with at most half of naive's
//! amplification; and its success rate is back within 5 points of its healthy
//! rate (`recovery_ms`) within one breaker open interval after the outage ends.

use super::report::{PolicyReport, Report};

/// What a target compares, with the numbers it saw.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Miss {
    /// The target's name.
    pub target: &'static str,
    /// A sentence with the measured values.
    pub detail: String,
}

/// The targets `report` misses; empty when all are met. `open_interval_ms` is the longest
/// open interval of breakwater's breaker (the recovery bound).
#[must_use]
pub fn misses(report: &Report, open_interval_ms: u64) -> Vec<Miss> {
    let find = |n: &str| report.policies.iter().find(|p| p.name == n);
    let (Some(naive), Some(bw)) = (find("naive"), find("breakwater")) else {
        return vec![Miss {
            target: "policies",
            detail: "the scenario needs policies named `naive` and `breakwater`".into(),
        }];
    };
    let v = |x: Option<f64>| x.unwrap_or(f64::NAN);
    let checks: [(&'static str, bool, String); 6] = [
        (
            "amplification_during_outage",
            v(bw.amplification_during_outage) <= 1.2,
            format!("breakwater {} must be <= 1.2", v(bw.amplification_during_outage)),
        ),
        (
            "naive_amplification_during_outage",
            v(naive.amplification_during_outage) >= 20.0,
            format!(
                "naive {} must be >= 20 (the storm the scenario is about)",
                v(naive.amplification_during_outage)
            ),
        ),
        (
            "goodput_degraded",
            v(bw.goodput_degraded) >= v(naive.goodput_degraded),
            format!("breakwater {} must be >= naive {}", v(bw.goodput_degraded), v(naive.goodput_degraded)),
        ),
        (
            "success_rate_degraded",
            v(bw.success_rate_degraded) >= v(naive.success_rate_degraded) - 0.01,
            format!(
                "breakwater {} must be >= naive {} - 1 pp",
                v(bw.success_rate_degraded),
                v(naive.success_rate_degraded)
            ),
        ),
        (
            "amplification_degraded",
            v(bw.amplification_degraded) <= v(naive.amplification_degraded) / 2.0,
            format!(
                "breakwater {} must be <= half of naive {}",
                v(bw.amplification_degraded),
                v(naive.amplification_degraded)
            ),
        ),
        recovery(bw, open_interval_ms),
    ];
    checks.into_iter().filter(|(_, ok, _)| !ok).map(|(target, _, detail)| Miss { target, detail }).collect()
}

fn recovery(bw: &PolicyReport, open_interval_ms: u64) -> (&'static str, bool, String) {
    (
        "recovery_ms",
        bw.recovery_ms.is_some_and(|r| r <= open_interval_ms),
        format!(
            "breakwater {:?} ms must be <= one breaker open interval ({open_interval_ms} ms)",
            bw.recovery_ms
        ),
    )
}
