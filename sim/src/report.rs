//! What a run measured: the trace while it runs, the report after.

use serde::Serialize;

use super::scenario::Scenario;

/// One logical request's life.
struct Logical {
    arrived_ms: u64,
    calls_open: u32,
    failed: bool,
    finished_ms: Option<u64>,
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
        let phases: Vec<PhaseStats> = scenario
            .phases
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let start = self.phase_starts[i];
                let end = start.saturating_add(p.duration_ms);
                let arrived: Vec<&Logical> =
                    self.logical.iter().filter(|l| (start..end).contains(&l.arrived_ms)).collect();
                let succeeded = arrived.iter().filter(|l| !l.failed && l.finished_ms.is_some()).count();
                let completed_ok = self
                    .logical
                    .iter()
                    .filter(|l| !l.failed && l.finished_ms.is_some_and(|f| (start..end).contains(&f)))
                    .count();
                PhaseStats {
                    name: p.name.clone(),
                    start_ms: start,
                    end_ms: end,
                    logical_requests: arrived.len(),
                    downstream_calls: self.calls_per_phase[i],
                    amplification: ratio(
                        to_f64(self.calls_per_phase[i]),
                        to_f64(arrived.len() as u64) * fan_out,
                    ),
                    success_rate: ratio(to_f64(succeeded as u64), to_f64(arrived.len() as u64)),
                    goodput_per_s: ratio(to_f64(completed_ok as u64) * 1000.0, to_f64(p.duration_ms)),
                }
            })
            .collect();
        let by_name = |n: &str| phases.iter().find(|p| p.name == n);
        let mut latencies: Vec<u64> =
            self.logical.iter().filter_map(|l| l.finished_ms.map(|f| f - l.arrived_ms)).collect();
        latencies.sort_unstable();
        let succeeded = self.logical.iter().filter(|l| !l.failed && l.finished_ms.is_some()).count();
        let outage_end = by_name("outage").map(|p| p.end_ms);
        PolicyReport {
            name: name.to_owned(),
            logical_requests: self.logical.len(),
            downstream_calls: self.calls,
            amplification: ratio(to_f64(self.calls), to_f64(self.logical.len() as u64) * fan_out),
            amplification_degraded: by_name("degraded").and_then(|p| p.amplification),
            success_rate_degraded: by_name("degraded").and_then(|p| p.success_rate),
            goodput_degraded: by_name("degraded").and_then(|p| p.goodput_per_s),
            amplification_during_outage: by_name("outage").and_then(|p| p.amplification),
            success_rate: ratio(to_f64(succeeded as u64), to_f64(self.logical.len() as u64)),
            latency_p50_ms: percentile(&latencies, 50),
            latency_p99_ms: percentile(&latencies, 99),
            recovery_ms: outage_end.map(|end| self.recovery_ms(end)),
            calls_per_second: self.calls_per_s,
            phases,
        }
    }

    /// From the end of the outage until the first arrival after which every logical request succeeds.
    fn recovery_ms(&self, outage_end: u64) -> u64 {
        self.logical
            .iter()
            .filter(|l| l.arrived_ms >= outage_end && l.failed)
            .map(|l| l.arrived_ms)
            .max()
            .map_or(0, |last_failure| {
                self.logical
                    .iter()
                    .map(|l| l.arrived_ms)
                    .find(|&a| a > last_failure)
                    .unwrap_or(last_failure + 1)
                    .saturating_sub(outage_end)
            })
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
    /// Amplification during the phase named `degraded`.
    pub amplification_degraded: Option<f64>,
    /// Success rate of the requests that arrived during `degraded`.
    pub success_rate_degraded: Option<f64>,
    /// Logical requests completed successfully per second during `degraded`.
    pub goodput_degraded: Option<f64>,
    /// Amplification during the phase named `outage`.
    pub amplification_during_outage: Option<f64>,
    /// Share of all logical requests that succeeded.
    pub success_rate: Option<f64>,
    /// Median latency of a logical request, success or not.
    pub latency_p50_ms: Option<u64>,
    /// 99th percentile latency of a logical request.
    pub latency_p99_ms: Option<u64>,
    /// From the end of `outage` until every new request succeeds.
    pub recovery_ms: Option<u64>,
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
    /// Per-policy results, in the scenario's order.
    pub policies: Vec<PolicyReport>,
}
