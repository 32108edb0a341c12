//! The acceptance targets of the `conservative` preset (the `breakwater` policy) on any storm.
//!
//! Against the best of the `naive` and `openai_sdk` stacks on the same scenario and seed:
//!
//! - overall success, and success of the requests that arrived in `degraded` phases, at
//!   least the better of the two minus one point ([`SUCCESS_TOLERANCE`]);
//! - amplification during `outage` phases at most [`MAX_OUTAGE_AMPLIFICATION`];
//! - amplification during *overload* (the `degraded` phases whose capacity is below the
//!   offered load, where every retry takes a slot from a first attempt) at most half the
//!   SDK's ([`OVERLOAD_SHARE_OF_SDK`]);
//! - `recovery_ms` at most [`MAX_RECOVERY_MS`] after the upstream is back.
//!
//! "Back" is when the upstream can serve the offered load again: the end of the last outage,
//! or, when capacity returns in steps below the offered load (`slow_recovery`), the start of
//! the first phase whose capacity covers it. Before then no policy can succeed within 5 points
//! of its healthy rate, so the target would test the scenario rather than the policy;
//! [`notes`] says so in the report instead of loosening the bound silently.

use super::report::{PolicyReport, Report};
use super::scenario::{PhaseKind, Scenario};

/// How far below the best of naive and the SDK breakwater's success may be (one point).
pub const SUCCESS_TOLERANCE: f64 = 0.01;
/// Most downstream calls per baseline call during a full outage.
pub const MAX_OUTAGE_AMPLIFICATION: f64 = 0.2;
/// Share of the SDK's amplification breakwater may reach during overload.
pub const OVERLOAD_SHARE_OF_SDK: f64 = 0.5;
/// Most time from the upstream being back until breakwater's success is.
pub const MAX_RECOVERY_MS: u64 = 5000;

/// One missed target, with the numbers it saw.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Miss {
    /// The target's name: `success_rate`, `success_rate_degraded`, `amplification_during_outage`,
    /// `amplification_overload`, `recovery_ms`; `phases` or `policies` when the report cannot be
    /// judged (a phase of no known kind, no request, a standard policy missing).
    pub target: &'static str,
    /// A sentence with the measured values.
    pub detail: String,
}

/// The targets `report` (a run of `scenario`) misses; empty when all are met.
#[must_use]
pub fn misses(scenario: &Scenario, report: &Report) -> Vec<Miss> {
    let find = |n: &str| report.policies.iter().find(|p| p.name == n);
    let (Some(naive), Some(sdk), Some(bw)) = (find("naive"), find("openai_sdk"), find("breakwater")) else {
        return vec![Miss {
            target: "policies",
            detail: "the targets compare policies named `naive`, `openai_sdk` and `breakwater`".into(),
        }];
    };
    let mut misses = Vec::new();
    // A run that cannot be judged is no pass: a phase the columns leave out (an unknown kind),
    // or no request at all.
    for (i, phase) in scenario.phases.iter().enumerate().filter(|(_, p)| p.kind().is_none()) {
        misses.push(Miss {
            target: "phases",
            detail: format!(
                "phases[{i}] ({}) has no known kind (healthy, degraded, outage, recovery): the targets cannot judge it",
                phase.name
            ),
        });
    }
    if bw.success_rate.is_none() {
        misses.push(Miss {
            target: "policies",
            detail: "no request arrived: there is nothing to judge".into(),
        });
    }
    let mut check = |target: &'static str, ok: bool, detail: String| {
        if !ok {
            misses.push(Miss { target, detail });
        }
    };
    for (target, of) in [
        ("success_rate", (|p| p.success_rate) as fn(&PolicyReport) -> Option<f64>),
        ("success_rate_degraded", |p| p.success_rate_degraded),
    ] {
        let (Some(b), Some(n), Some(s)) = (of(bw), of(naive), of(sdk)) else { continue };
        let best = n.max(s);
        check(
            target,
            b >= best - SUCCESS_TOLERANCE,
            format!(
                "breakwater {} must be >= {} - 1 pt (best of naive {} and openai_sdk {})",
                pct(b),
                pct(best),
                pct(n),
                pct(s)
            ),
        );
    }
    if let Some(amp) = bw.amplification_during_outage {
        check(
            "amplification_during_outage",
            amp <= MAX_OUTAGE_AMPLIFICATION,
            format!("breakwater {amp:.3} must be <= {MAX_OUTAGE_AMPLIFICATION}"),
        );
    }
    if let (Some(b), Some(s)) = (overload_amplification(scenario, bw), overload_amplification(scenario, sdk))
    {
        check(
            "amplification_overload",
            b <= s * OVERLOAD_SHARE_OF_SDK,
            format!("breakwater {b:.3} must be <= half of openai_sdk {s:.3} in the overloaded phases"),
        );
    }
    let baseline = scenario.phases.iter().any(|p| p.kind() == Some(PhaseKind::Healthy));
    if let (Some(back), true) = (upstream_back_after_outage_ms(scenario), baseline) {
        let bound = back + MAX_RECOVERY_MS;
        check(
            "recovery_ms",
            bw.recovery_ms.is_some_and(|r| r <= bound),
            match bw.recovery_ms {
                Some(r) => format!("breakwater {r} ms must be <= {bound} ms"),
                None => format!("breakwater never recovered (bound {bound} ms)"),
            },
        );
    }
    misses
}

/// Why a target reads differently on this scenario (empty when none does).
#[must_use]
pub fn notes(scenario: &Scenario) -> Vec<String> {
    let mut notes = Vec::new();
    let baseline = scenario.phases.iter().any(|p| p.kind() == Some(PhaseKind::Healthy));
    if outage_end_ms(scenario).is_some() && !baseline {
        notes.push("no `healthy` phase gives the baseline success rate: recovery is not judged".into());
    } else if outage_end_ms(scenario).is_some() {
        match upstream_back_after_outage_ms(scenario) {
            Some(0) => {}
            Some(back) => notes.push(format!(
                "the upstream's capacity stays below the offered load until {:.1} s after the outage: \
                 no policy can recover before, so recovery is bounded by that plus {} s",
                ms_to_s(back),
                MAX_RECOVERY_MS / 1000
            )),
            None => notes.push(
                "the upstream never again has capacity for the offered load: recovery is not judged".into(),
            ),
        }
    }
    notes
}

/// Amplification pooled over the overloaded phases (`degraded`, capacity below the offered load).
fn overload_amplification(scenario: &Scenario, p: &PolicyReport) -> Option<f64> {
    let offered = offered_calls_per_s(scenario);
    let (mut calls, mut baseline) = (0u64, 0u64);
    for (phase, stats) in scenario.phases.iter().zip(&p.phases) {
        if phase.kind() == Some(PhaseKind::Degraded) && f64::from(phase.capacity_per_s) < offered {
            calls += stats.downstream_calls;
            baseline += stats.logical_requests as u64 * u64::from(scenario.arrivals.fan_out);
        }
    }
    #[allow(clippy::cast_precision_loss)]
    (baseline > 0).then(|| calls as f64 / baseline as f64)
}

fn offered_calls_per_s(scenario: &Scenario) -> f64 {
    scenario.arrivals.rate_per_s * f64::from(scenario.arrivals.fan_out)
}

/// When the last `outage` phase ends, if there is one.
fn outage_end_ms(scenario: &Scenario) -> Option<u64> {
    let starts = scenario.phase_starts();
    scenario
        .phases
        .iter()
        .zip(starts)
        .filter(|(p, _)| p.kind() == Some(PhaseKind::Outage))
        .map(|(p, start)| start.saturating_add(p.duration_ms))
        .max()
}

/// How long after the last outage the upstream can serve the offered load again: the start of
/// the first later phase without an outage whose capacity covers it. `None` without an outage
/// or when no such phase comes.
fn upstream_back_after_outage_ms(scenario: &Scenario) -> Option<u64> {
    let end = outage_end_ms(scenario)?;
    let offered = offered_calls_per_s(scenario);
    scenario
        .phases
        .iter()
        .zip(scenario.phase_starts())
        .find(|(p, start)| *start >= end && p.outage.is_none() && f64::from(p.capacity_per_s) >= offered)
        .map(|(_, start)| start - end)
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

#[allow(clippy::cast_precision_loss)]
fn ms_to_s(ms: u64) -> f64 {
    ms as f64 / 1000.0
}
