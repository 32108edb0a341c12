//! What a run measured: the trace while it runs, the report after.

use serde::Serialize;

use super::scenario::{PhaseKind, Scenario};

/// A logical request in flight. Once it ends it is folded into the aggregates and its slot
/// reused: memory follows the requests in flight and the run's length, not its call count.
struct Live {
    /// Its number in arrival order (the key is `n % keys`).
    n: usize,
    arrived_ms: u64,
    calls_open: u32,
    /// Its calls, as (chain, generation), for cancelling the rest when one fails.
    chains: Vec<(usize, u32)>,
}

/// Everything the engine records during one policy's run, as streaming aggregates.
pub(crate) struct Trace {
    live: Vec<Option<Live>>,
    free: Vec<usize>,
    arrivals: usize,
    succeeded: u64,
    late: u64,
    /// Downstream calls per second of virtual time.
    calls_per_s: Vec<u32>,
    calls: u64,
    /// Per phase: start, end, calls made in it, arrivals in it, those that succeeded (within
    /// the SLO), and successes that completed in it.
    phases: Vec<PhaseCounts>,
    latencies: Histogram,
    /// Arrivals and successes per 100 ms from the end of the last outage (`recovery_ms`).
    after_outage: Vec<(u32, u32)>,
    outage_end: Option<u64>,
    last_arrival_after_outage: Option<u64>,
    /// Per key: arrivals, successes, arrivals in degraded phases, their successes.
    keys: Vec<[u64; 4]>,
    slo_ms: u64,
}

#[derive(Clone, Copy, Default)]
struct PhaseCounts {
    start: u64,
    end: u64,
    degraded: bool,
    calls: u64,
    arrived: u64,
    succeeded: u64,
    completed_ok: u64,
}

impl Trace {
    pub fn new(scenario: &Scenario) -> Self {
        let phases: Vec<PhaseCounts> = scenario
            .phases
            .iter()
            .zip(scenario.phase_starts())
            .map(|(p, start)| PhaseCounts {
                start,
                end: start.saturating_add(p.duration_ms),
                degraded: p.kind() == Some(PhaseKind::Degraded),
                ..PhaseCounts::default()
            })
            .collect();
        let outage_end = scenario
            .phases
            .iter()
            .zip(&phases)
            .filter(|(p, _)| p.kind() == Some(PhaseKind::Outage))
            .map(|(_, c)| c.end)
            .max();
        Self {
            live: Vec::new(),
            free: Vec::new(),
            arrivals: 0,
            succeeded: 0,
            late: 0,
            calls_per_s: Vec::new(),
            calls: 0,
            phases,
            latencies: Histogram::default(),
            after_outage: Vec::new(),
            outage_end,
            last_arrival_after_outage: None,
            keys: vec![[0; 4]; scenario.arrivals.keys.len()],
            slo_ms: scenario.slo_ms,
        }
    }

    /// The phase holding `t`; the last phase continues past the end.
    fn phase_of(&self, t: u64) -> usize {
        self.phases.iter().rposition(|p| p.start <= t).unwrap_or(0)
    }

    /// The phase holding `t`, `None` past the last one's end.
    fn phase_within(&self, t: u64) -> Option<usize> {
        self.phases.iter().position(|p| (p.start..p.end).contains(&t))
    }

    /// Logical request number `n` arrives; returns its slot, valid until it ends.
    pub fn arrive(&mut self, n: usize, at_ms: u64) -> usize {
        self.arrivals += 1;
        if let Some(i) = self.phase_within(at_ms) {
            self.phases[i].arrived += 1;
        }
        if let Some(end) = self.outage_end.filter(|&e| at_ms >= e) {
            let bucket = usize::try_from((at_ms - end) / RECOVERY_STEP_MS).unwrap_or(usize::MAX);
            if self.after_outage.len() <= bucket {
                self.after_outage.resize(bucket + 1, (0, 0));
            }
            self.after_outage[bucket].0 += 1;
            self.last_arrival_after_outage = Some(at_ms);
        }
        let degraded = self.in_degraded(at_ms);
        if let Some(k) = self.key_slot(n) {
            self.keys[k][0] += 1;
            self.keys[k][2] += u64::from(degraded);
        }
        let live = Live { n, arrived_ms: at_ms, calls_open: 0, chains: Vec::new() };
        match self.free.pop() {
            Some(slot) => {
                self.live[slot] = Some(live);
                slot
            }
            None => {
                self.live.push(Some(live));
                self.live.len() - 1
            }
        }
    }

    fn in_degraded(&self, t: u64) -> bool {
        self.phase_within(t).is_some_and(|i| self.phases[i].degraded)
    }

    fn key_slot(&self, n: usize) -> Option<usize> {
        // Logical request n goes to key n mod the number of keys (engine.rs).
        (!self.keys.is_empty()).then(|| n % self.keys.len())
    }

    /// A call of the request in `slot` starts, as chain `chain` of generation `generation`.
    pub fn call_started(&mut self, slot: usize, chain: usize, generation: u32) {
        if let Some(l) = self.live.get_mut(slot).and_then(Option::as_mut) {
            l.calls_open += 1;
            l.chains.push((chain, generation));
        }
    }

    /// One call of the request in `slot` ended. When that ends the request (a failure, or its
    /// last call), the request is counted and its slot freed; on a failure the calls to cancel
    /// are returned.
    pub fn call_finished(&mut self, slot: usize, at_ms: u64, success: bool) -> Vec<(usize, u32)> {
        let Some(l) = self.live.get_mut(slot).and_then(Option::as_mut) else { return Vec::new() };
        l.calls_open = l.calls_open.saturating_sub(1);
        if success && l.calls_open > 0 {
            return Vec::new();
        }
        let Some(l) = self.live[slot].take() else { return Vec::new() };
        self.free.push(slot);
        self.latencies.add(at_ms - l.arrived_ms);
        let ok = success && at_ms - l.arrived_ms <= self.slo_ms;
        self.late += u64::from(success && !ok);
        if ok {
            self.succeeded += 1;
            if let Some(i) = self.phase_within(l.arrived_ms) {
                self.phases[i].succeeded += 1;
            }
            if let Some(i) = self.phase_within(at_ms) {
                self.phases[i].completed_ok += 1;
            }
            if let Some(end) = self.outage_end.filter(|&e| l.arrived_ms >= e) {
                let bucket = usize::try_from((l.arrived_ms - end) / RECOVERY_STEP_MS).unwrap_or(usize::MAX);
                if let Some(b) = self.after_outage.get_mut(bucket) {
                    b.1 += 1;
                }
            }
            let degraded = self.in_degraded(l.arrived_ms);
            if let Some(k) = self.key_slot(l.n) {
                self.keys[k][1] += 1;
                self.keys[k][3] += u64::from(degraded);
            }
        }
        if success {
            Vec::new()
        } else {
            l.chains
        }
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
        self.phases[phase].calls += 1;
    }

    pub fn into_report(self, name: &str, scenario: &Scenario) -> PolicyReport {
        let fan_out = f64::from(scenario.arrivals.fan_out);
        let phases: Vec<PhaseStats> = scenario
            .phases
            .iter()
            .zip(&self.phases)
            .map(|(p, c)| PhaseStats {
                name: p.name.clone(),
                kind: p.kind().map(kind_name),
                start_ms: c.start,
                end_ms: c.end,
                logical_requests: usize::try_from(c.arrived).unwrap_or(usize::MAX),
                downstream_calls: c.calls,
                amplification: ratio(to_f64(c.calls), to_f64(c.arrived) * fan_out),
                success_rate: ratio(to_f64(c.succeeded), to_f64(c.arrived)),
                goodput_per_s: ratio(to_f64(c.completed_ok) * 1000.0, to_f64(p.duration_ms)),
            })
            .collect();
        // The columns of one kind pool its phases: several degraded stretches count as one.
        let of_kind = |kind: PhaseKind| -> Pooled {
            let mut pooled = Pooled::default();
            for (p, c) in scenario.phases.iter().zip(&self.phases).filter(|(p, _)| p.kind() == Some(kind)) {
                pooled.any = true;
                pooled.arrived += c.arrived;
                pooled.succeeded += c.succeeded;
                pooled.calls += c.calls;
                pooled.duration_ms += p.duration_ms;
                pooled.completed_ok += c.completed_ok;
            }
            pooled
        };
        let (degraded, outage, healthy) =
            (of_kind(PhaseKind::Degraded), of_kind(PhaseKind::Outage), of_kind(PhaseKind::Healthy));
        let key_stats = scenario
            .arrivals
            .keys
            .iter()
            .zip(&self.keys)
            .map(|(key, &[arrived, ok, arrived_degraded, ok_degraded])| KeyStats {
                key: key.clone(),
                logical_requests: usize::try_from(arrived).unwrap_or(usize::MAX),
                success_rate: ratio(to_f64(ok), to_f64(arrived)),
                success_rate_degraded: ratio(to_f64(ok_degraded), to_f64(arrived_degraded)),
            })
            .collect();
        let arrivals = self.arrivals as u64;
        let recovery = match (self.outage_end, healthy.success_rate(), self.last_arrival_after_outage) {
            (Some(end), Some(baseline), Some(last)) => recovery_ms(&self.after_outage, last - end, baseline),
            _ => None,
        };
        PolicyReport {
            name: name.to_owned(),
            logical_requests: self.arrivals,
            downstream_calls: self.calls,
            amplification: ratio(to_f64(self.calls), to_f64(arrivals) * fan_out),
            amplification_degraded: degraded.amplification(fan_out),
            success_rate_degraded: degraded.success_rate(),
            goodput_degraded: degraded.goodput(),
            amplification_during_outage: outage.amplification(fan_out),
            success_rate: ratio(to_f64(self.succeeded), to_f64(arrivals)),
            late_successes: usize::try_from(self.late).unwrap_or(usize::MAX),
            latency_p50_ms: self.latencies.percentile(50),
            latency_p99_ms: self.latencies.percentile(99),
            recovery_ms: recovery,
            keys: key_stats,
            peak_in_flight: self.live.len(),
            calls_per_second: self.calls_per_s,
            phases,
        }
    }
}

/// Latencies, exact to the millisecond below 2^17 ms (131 s), to the second above.
#[derive(Default)]
struct Histogram {
    fine: Vec<u32>,
    coarse: Vec<u32>,
    count: u64,
}

const FINE_MS: u64 = 1 << 17;

impl Histogram {
    fn add(&mut self, ms: u64) {
        self.count += 1;
        let (buckets, i) =
            if ms < FINE_MS { (&mut self.fine, ms) } else { (&mut self.coarse, (ms - FINE_MS) / 1000) };
        let i = usize::try_from(i).unwrap_or(usize::MAX - 1);
        if buckets.len() <= i {
            buckets.resize(i + 1, 0);
        }
        buckets[i] += 1;
    }

    /// Nearest-rank percentile; a value above 2^17 ms is its second's last millisecond.
    fn percentile(&self, p: u64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        let rank = (p * self.count).div_ceil(100).max(1);
        let mut seen = 0u64;
        let fine = self.fine.iter().enumerate().map(|(i, &c)| (i as u64, c));
        let coarse = self.coarse.iter().enumerate().map(|(i, &c)| (FINE_MS + i as u64 * 1000 + 999, c));
        for (value, c) in fine.chain(coarse) {
            seen += u64::from(c);
            if seen >= rank {
                return Some(value);
            }
        }
        None
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

/// From the end of the outage until the first 5 s window (stepped by 100 ms, by arrival time)
/// whose requests succeed at least as often as `baseline` − 5 points; `None` if none does.
/// `buckets` are (arrivals, successes) per 100 ms from the end of the outage; `last` is the
/// last arrival after it, in ms from its end.
fn recovery_ms(buckets: &[(u32, u32)], last: u64, baseline: f64) -> Option<u64> {
    let width = usize::try_from(RECOVERY_WINDOW_MS / RECOVERY_STEP_MS).unwrap_or(usize::MAX);
    let (mut arrived, mut ok) = (0u64, 0u64);
    for &(a, o) in buckets.iter().take(width) {
        arrived += u64::from(a);
        ok += u64::from(o);
    }
    let mut k = 0usize;
    while k as u64 * RECOVERY_STEP_MS <= last {
        if arrived > 0 && to_f64(ok) / to_f64(arrived) >= baseline - RECOVERY_TOLERANCE {
            return Some(k as u64 * RECOVERY_STEP_MS);
        }
        // Slide: bucket k leaves the window, bucket k + width enters it.
        if let Some(&(a, o)) = buckets.get(k) {
            arrived -= u64::from(a);
            ok -= u64::from(o);
        }
        if let Some(&(a, o)) = buckets.get(k + width) {
            arrived += u64::from(a);
            ok += u64::from(o);
        }
        k += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 10 arrivals a second from `from` to `to` ms, succeeding when `ok(t)`, as the trace
    /// counts them from `end` on: (arrivals, successes) per 100 ms, and the last arrival.
    fn trace(from: u64, to: u64, end: u64, ok: impl Fn(u64) -> bool) -> (Vec<(u32, u32)>, u64) {
        let mut buckets = Vec::new();
        let mut last = None;
        for t in (from..to).step_by(100).filter(|&t| t >= end) {
            let b = usize::try_from((t - end) / RECOVERY_STEP_MS).unwrap();
            if buckets.len() <= b {
                buckets.resize(b + 1, (0, 0));
            }
            buckets[b].0 += 1;
            buckets[b].1 += u32::from(ok(t));
            last = Some(t - end);
        }
        (buckets, last.unwrap_or(0))
    }

    fn recovery(t: (Vec<(u32, u32)>, u64), baseline: f64) -> Option<u64> {
        recovery_ms(&t.0, t.1, baseline)
    }

    #[test]
    fn recovery_is_the_first_window_back_within_five_points_of_healthy() {
        // Everything fails for 3 s after the outage, then everything succeeds: the first
        // window at >= 95 % is the one whose 50 arrivals hold only 2 failures (12.8 s on).
        let t = || trace(0, 20_000, 10_000, |t| !(10_000..13_000).contains(&t));
        assert_eq!(recovery(t(), 1.0), Some(2_800));
        // A policy whose healthy rate is 80 % is recovered once it is back at 75 %: from
        // 10.7 s a window holds 12 failures in 50 arrivals (76 %).
        let t = || trace(0, 20_000, 10_000, |t| !(10_000..12_000).contains(&t) || t % 1_000 < 100);
        assert_eq!(recovery(t(), 0.8), Some(700));
        assert_eq!(recovery(t(), 1.0), Some(1_800));
        // Never back: null, not the length of the run.
        let t = trace(0, 20_000, 10_000, |t| t < 10_000 || t % 200 == 0);
        assert_eq!(recovery(t, 1.0), None);
        // Back at once.
        assert_eq!(recovery(trace(0, 20_000, 10_000, |_| true), 1.0), Some(0));
        // Nothing arrives after the outage: unknown.
        assert_eq!(recovery_ms(&[], 0, 1.0), None);
    }

    #[test]
    fn percentiles_are_exact_to_the_millisecond_below_131_s() {
        let mut h = Histogram::default();
        assert_eq!(h.percentile(50), None);
        for ms in [5, 1, 3, 2, 4] {
            h.add(ms);
        }
        assert_eq!((h.percentile(50), h.percentile(99)), (Some(3), Some(5)));
        h.add(200_000);
        // 200 s lies in the second starting at 131 072 + 68 000 ms; reported as its last ms.
        assert_eq!(h.percentile(99), Some(199_072 + 999));
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
    /// The most logical requests in flight at once (queued, waiting or calling): the run's
    /// memory follows it and the run's length, not the number of requests or calls.
    pub peak_in_flight: usize,
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
