//! What a run measured: the trace while it runs, the report after.

use serde::Serialize;

use super::scenario::{PhaseKind, Scenario};

/// One logical request's life.
struct Logical {
    arrived_ms: u64,
    calls_open: u32,
    failed: bool,
    finished_ms: Option<u64>,
}

impl Logical {
    fn succeeded(&self) -> bool {
        !self.failed && self.finished_ms.is_some()
    }

    /// Succeeded, and within what its caller waits.
    fn succeeded_within(&self, slo_ms: u64) -> bool {
        !self.failed && self.finished_ms.is_some_and(|f| f - self.arrived_ms <= slo_ms)
    }
}

/// Everything the engine records during one policy's run.
pub(crate) struct Trace {
    logical: Vec<Logical>,
    /// Downstream calls per second of virtual time.
    calls_per_s: Vec<u32>,
    calls: u64,
    phase_starts: Vec<u64>,
    calls_per_phase: Vec<u64>,
}

impl Trace {
    pub fn new(scenario: &Scenario) -> Self {
        Self {
            logical: Vec::new(),
            calls_per_s: Vec::new(),
            calls: 0,
            phase_starts: scenario.phase_starts(),
            calls_per_phase: vec![0; scenario.phases.len()],
        }
    }

    fn phase_of(&self, t: u64) -> usize {
        self.phase_starts.iter().rposition(|&s| s <= t).unwrap_or(0)
    }

    /// A logical request arrives; returns its number.
    pub fn arrive(&mut self, at_ms: u64) -> usize {
        self.logical.push(Logical { arrived_ms: at_ms, calls_open: 0, failed: false, finished_ms: None });
        self.logical.len() - 1
    }

    pub fn call_started(&mut self, logical: usize) {
        self.logical[logical].calls_open += 1;
    }

    /// One call of `logical` ended; true when that made the logical request fail (cancel the rest).
    pub fn call_finished(&mut self, logical: usize, at_ms: u64, success: bool) -> bool {
        let l = &mut self.logical[logical];
        l.calls_open = l.calls_open.saturating_sub(1);
        if l.finished_ms.is_some() {
            return false;
        }
        if !success {
            l.failed = true;
            l.finished_ms = Some(at_ms);
            return true;
        }
        if l.calls_open == 0 {
            l.finished_ms = Some(at_ms);
        }
        false
    }

    pub fn downstream_call(&mut self, at_ms: u64) {
        self.calls += 1;
        let second = usize::try_from(at_ms / 1000).unwrap_or(usize::MAX);
        if second < 100_000 {
            if self.calls_per_s.len() <= second {
                self.calls_per_s.resize(second + 1, 0);
            }
            self.calls_per_s[second] += 1;
        }
        let phase = self.phase_of(at_ms);
        self.calls_per_phase[phase] += 1;
    }

    pub fn into_report(self, name: &str, scenario: &Scenario) -> PolicyReport {
        let fan_out = f64::from(scenario.arrivals.fan_out);
        let slo = scenario.slo_ms;
        let ok = |l: &Logical| l.succeeded_within(slo);
        let late = |l: &Logical| l.succeeded() && !l.succeeded_within(slo);
        let spans: Vec<(u64, u64)> = scenario
            .phases
            .iter()
            .zip(&self.phase_starts)
            .map(|(p, &start)| (start, start.saturating_add(p.duration_ms)))
            .collect();
        let arrived_in = |(start, end): (u64, u64)| {
            self.logical.iter().filter(move |l| (start..end).contains(&l.arrived_ms))
        };
        let phases: Vec<PhaseStats> = scenario
            .phases
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (start, end) = spans[i];
                let arrived = arrived_in(spans[i]).count();
                let succeeded = arrived_in(spans[i]).filter(|l| ok(l)).count();
                let completed_ok = self
                    .logical
                    .iter()
                    .filter(|l| ok(l) && l.finished_ms.is_some_and(|f| (start..end).contains(&f)))
                    .count();
                PhaseStats {
                    name: p.name.clone(),
                    kind: p.kind().map(kind_name),
                    start_ms: start,
                    end_ms: end,
                    logical_requests: arrived,
                    downstream_calls: self.calls_per_phase[i],
                    amplification: ratio(to_f64(self.calls_per_phase[i]), to_f64(arrived as u64) * fan_out),
                    success_rate: ratio(to_f64(succeeded as u64), to_f64(arrived as u64)),
                    goodput_per_s: ratio(to_f64(completed_ok as u64) * 1000.0, to_f64(p.duration_ms)),
                }
            })
            .collect();
        // The columns of one kind pool its phases: several degraded stretches count as one.
        let of_kind = |kind: PhaseKind| -> Pooled {
            let mut pooled = Pooled::default();
            for (i, p) in scenario.phases.iter().enumerate().filter(|(_, p)| p.kind() == Some(kind)) {
                let arrived = arrived_in(spans[i]).count() as u64;
                pooled.any = true;
                pooled.arrived += arrived;
                pooled.succeeded += arrived_in(spans[i]).filter(|l| ok(l)).count() as u64;
                pooled.calls += self.calls_per_phase[i];
                pooled.duration_ms += p.duration_ms;
                pooled.completed_ok += self
                    .logical
                    .iter()
                    .filter(|l| ok(l) && l.finished_ms.is_some_and(|f| (spans[i].0..spans[i].1).contains(&f)))
                    .count() as u64;
            }
            pooled
        };
        let (degraded, outage, healthy) =
            (of_kind(PhaseKind::Degraded), of_kind(PhaseKind::Outage), of_kind(PhaseKind::Healthy));
        let mut latencies: Vec<u64> =
            self.logical.iter().filter_map(|l| l.finished_ms.map(|f| f - l.arrived_ms)).collect();
        latencies.sort_unstable();
        let succeeded = self.logical.iter().filter(|l| ok(l)).count();
        let outage_end = scenario
            .phases
            .iter()
            .zip(&spans)
            .filter(|(p, _)| p.kind() == Some(PhaseKind::Outage))
            .map(|(_, &(_, end))| end)
            .max();
        let healthy_rate = healthy.success_rate();
        let keys = &scenario.arrivals.keys;
        let degraded_spans: Vec<(u64, u64)> = scenario
            .phases
            .iter()
            .zip(&spans)
            .filter(|(p, _)| p.kind() == Some(PhaseKind::Degraded))
            .map(|(_, &span)| span)
            .collect();
        let key_stats = keys
            .iter()
            .enumerate()
            .map(|(k, key)| {
                // Logical request n goes to key n mod the number of keys (engine.rs).
                let mine = || {
                    self.logical.iter().enumerate().filter(move |(n, _)| n % keys.len() == k).map(|(_, l)| l)
                };
                let in_degraded =
                    || mine().filter(|l| degraded_spans.iter().any(|&(s, e)| (s..e).contains(&l.arrived_ms)));
                KeyStats {
                    key: key.clone(),
                    logical_requests: mine().count(),
                    success_rate: ratio(
                        to_f64(mine().filter(|l| ok(l)).count() as u64),
                        to_f64(mine().count() as u64),
                    ),
                    success_rate_degraded: ratio(
                        to_f64(in_degraded().filter(|l| ok(l)).count() as u64),
                        to_f64(in_degraded().count() as u64),
                    ),
                }
            })
            .collect();
        PolicyReport {
            name: name.to_owned(),
            logical_requests: self.logical.len(),
            downstream_calls: self.calls,
            amplification: ratio(to_f64(self.calls), to_f64(self.logical.len() as u64) * fan_out),
            amplification_degraded: degraded.amplification(fan_out),
            success_rate_degraded: degraded.success_rate(),
            goodput_degraded: degraded.goodput(),
            amplification_during_outage: outage.amplification(fan_out),
            success_rate: ratio(to_f64(succeeded as u64), to_f64(self.logical.len() as u64)),
            late_successes: self.logical.iter().filter(|l| late(l)).count(),
            latency_p50_ms: percentile(&latencies, 50),
            latency_p99_ms: percentile(&latencies, 99),
            recovery_ms: match (outage_end, healthy_rate) {
                (Some(end), Some(baseline)) => recovery_ms(&self.logical_outcomes(slo), end, baseline),
                _ => None,
            },
            keys: key_stats,
            calls_per_second: self.calls_per_s,
            phases,
        }
    }

    /// Each logical request's arrival and whether it succeeded within the SLO, in arrival order.
    fn logical_outcomes(&self, slo: u64) -> Vec<(u64, bool)> {
        self.logical.iter().map(|l| (l.arrived_ms, l.succeeded_within(slo))).collect()
    }
}

/// Sums over the phases of one kind.
#[derive(Default)]
struct Pooled {
    any: bool,
    arrived: u64,
    succeeded: u64,
    calls: u64,
    completed_ok: u64,
    duration_ms: u64,
}

impl Pooled {
    fn amplification(&self, fan_out: f64) -> Option<f64> {
        self.any.then(|| ratio(to_f64(self.calls), to_f64(self.arrived) * fan_out)).flatten()
    }

    fn success_rate(&self) -> Option<f64> {
        self.any.then(|| ratio(to_f64(self.succeeded), to_f64(self.arrived))).flatten()
    }

    fn goodput(&self) -> Option<f64> {
        self.any.then(|| ratio(to_f64(self.completed_ok) * 1000.0, to_f64(self.duration_ms))).flatten()
    }
}

fn kind_name(kind: PhaseKind) -> &'static str {
    match kind {
        PhaseKind::Healthy => "healthy",
        PhaseKind::Degraded => "degraded",
        PhaseKind::Outage => "outage",
        PhaseKind::Recovery => "recovery",
    }
}

/// The sliding window of `recovery_ms`.
pub const RECOVERY_WINDOW_MS: u64 = 5_000;
/// How far below its healthy-phase success rate a policy may be and count as recovered.
pub const RECOVERY_TOLERANCE: f64 = 0.05;
const RECOVERY_STEP_MS: u64 = 100;

/// From `outage_end` until the first 5 s window (stepped by 100 ms, by arrival time) whose
/// requests succeed at least as often as `baseline` − 5 points; `None` if none does.
/// `outcomes` are (arrival ms, succeeded) in arrival order.
fn recovery_ms(outcomes: &[(u64, bool)], outage_end: u64, baseline: f64) -> Option<u64> {
    let first = outcomes.partition_point(|o| o.0 < outage_end);
    let after = &outcomes[first..];
    let last = after.last()?.0;
    let (mut lo, mut hi, mut ok) = (0usize, 0usize, 0usize);
    let mut t = outage_end;
    while t <= last {
        while hi < after.len() && after[hi].0 < t + RECOVERY_WINDOW_MS {
            ok += usize::from(after[hi].1);
            hi += 1;
        }
        while lo < hi && after[lo].0 < t {
            ok -= usize::from(after[lo].1);
            lo += 1;
        }
        if hi > lo && to_f64(ok as u64) / to_f64((hi - lo) as u64) >= baseline - RECOVERY_TOLERANCE {
            return Some(t - outage_end);
        }
        t += RECOVERY_STEP_MS;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 10 arrivals a second from `from` to `to` ms, succeeding when `ok(t)`.
    fn trace(from: u64, to: u64, ok: impl Fn(u64) -> bool) -> Vec<(u64, bool)> {
        (from..to).step_by(100).map(|t| (t, ok(t))).collect()
    }

    #[test]
    fn recovery_is_the_first_window_back_within_five_points_of_healthy() {
        // Everything fails for 3 s after the outage, then everything succeeds: the first
        // window at >= 95 % is the one whose 50 arrivals hold only 2 failures (12.8 s on).
        let t = trace(0, 20_000, |t| !(10_000..13_000).contains(&t));
        assert_eq!(recovery_ms(&t, 10_000, 1.0), Some(2_800));
        // A policy whose healthy rate is 80 % is recovered once it is back at 75 %: from
        // 10.7 s a window holds 12 failures in 50 arrivals (76 %).
        let t = trace(0, 20_000, |t| !(10_000..12_000).contains(&t) || t % 1_000 < 100);
        assert_eq!(recovery_ms(&t, 10_000, 0.8), Some(700));
        assert_eq!(recovery_ms(&t, 10_000, 1.0), Some(1_800));
        // Never back: null, not the length of the run.
        let t = trace(0, 20_000, |t| t < 10_000 || t % 200 == 0);
        assert_eq!(recovery_ms(&t, 10_000, 1.0), None);
        // Back at once.
        let t = trace(0, 20_000, |_| true);
        assert_eq!(recovery_ms(&t, 10_000, 1.0), Some(0));
        // Nothing arrives after the outage: unknown.
        assert_eq!(recovery_ms(&trace(0, 10_000, |_| true), 10_000, 1.0), None);
    }
}

#[allow(clippy::cast_precision_loss)]
fn to_f64(x: u64) -> f64 {
    x as f64
}

fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| round4(num / den))
}

/// Four decimals: enough for a report, and stable to print in every runtime.
fn round4(x: f64) -> f64 {
    libm::round(x * 10_000.0) / 10_000.0
}

fn percentile(sorted: &[u64], p: usize) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    // Nearest-rank percentile.
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// Measurements of one phase for one policy.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PhaseStats {
    /// The phase's name.
    pub name: String,
    /// Its kind (`healthy`, `degraded`, `outage`, `recovery`), or null when unknown.
    pub kind: Option<&'static str>,
    /// When it starts (ms from the start of the run).
    pub start_ms: u64,
    /// When it ends.
    pub end_ms: u64,
    /// Logical requests that arrived during it.
    pub logical_requests: usize,
    /// Downstream calls made during it.
    pub downstream_calls: u64,
    /// Downstream calls during it / (arrivals during it × fan-out).
    pub amplification: Option<f64>,
    /// Share of the logical requests that arrived during it and succeeded.
    pub success_rate: Option<f64>,
    /// Logical requests completed successfully during it, per second.
    pub goodput_per_s: Option<f64>,
}

/// Success per key.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KeyStats {
    /// The key (model, deployment).
    pub key: String,
    /// Logical requests sent to it.
    pub logical_requests: usize,
    /// Their success rate (within the SLO).
    pub success_rate: Option<f64>,
    /// Their success rate in the `degraded` phases.
    pub success_rate_degraded: Option<f64>,
}

/// Measurements of one policy over the whole run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyReport {
    /// The policy's name.
    pub name: String,
    /// Logical requests that arrived.
    pub logical_requests: usize,
    /// Calls that reached the upstream.
    pub downstream_calls: u64,
    /// Downstream calls / the calls the same requests make when nothing fails.
    pub amplification: Option<f64>,
    /// Amplification during the `degraded` phases (pooled).
    pub amplification_degraded: Option<f64>,
    /// Success rate (within the SLO) of the requests that arrived during `degraded` phases.
    pub success_rate_degraded: Option<f64>,
    /// Logical requests completed successfully (within the SLO) per second of `degraded` phases.
    pub goodput_degraded: Option<f64>,
    /// Amplification during the `outage` phases (pooled).
    pub amplification_during_outage: Option<f64>,
    /// Share of all logical requests that succeeded within the scenario's `slo_ms`.
    pub success_rate: Option<f64>,
    /// Logical requests that succeeded, but after `slo_ms`: counted as failures above.
    pub late_successes: usize,
    /// Median latency of a logical request, success or not.
    pub latency_p50_ms: Option<u64>,
    /// 99th percentile latency of a logical request.
    pub latency_p99_ms: Option<u64>,
    /// From the end of the last `outage` phase until the success rate of arrivals over a
    /// sliding 5 s window is back within 5 points of the policy's own `healthy` rate; null
    /// when it never is (or the scenario has no outage or no healthy phase).
    pub recovery_ms: Option<u64>,
    /// Per key, when the scenario has keys: a healthy key must keep its success while
    /// another is down.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<KeyStats>,
    /// Downstream calls in each second of the run (for charts).
    pub calls_per_second: Vec<u32>,
    /// Per-phase measurements.
    pub phases: Vec<PhaseStats>,
}

/// The result of a scenario: one report per compared policy.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// The scenario's name.
    pub scenario: String,
    /// The seed used.
    pub seed: u64,
    /// What a caller waits for a logical request (later successes count as failures).
    pub slo_ms: u64,
    /// Phases the report could not place in its columns.
    pub warnings: Vec<String>,
    /// Per-policy results, in the scenario's order.
    pub policies: Vec<PolicyReport>,
}
