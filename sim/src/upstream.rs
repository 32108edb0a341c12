//! The simulated upstream: capacity, random errors, latency and outages, phase by phase.
//!
//! Capacity is a token bucket of `capacity_per_s` calls refilled continuously
//! with a burst of one second, the way provider RPM limits behave. A call that
//! finds it empty is answered `over_capacity` at once, with `Retry-After`
//! and `x-ratelimit-*` headers like OpenAI's: offered load matters, so retries
//! during overload make overload worse, as real overload does.

use super::scenario::{Phase, Scenario};
use breakwater::transport::classify::Outcome;
use breakwater::Rng;

/// How long an over-capacity answer takes (a fast rejection at the edge).
const REJECT_LATENCY_MS: u64 = 20;

/// One simulated answer.
#[derive(Clone, Debug)]
pub(crate) struct Answer {
    pub outcome: Outcome,
    pub latency_ms: u64,
    pub headers: Vec<(&'static str, String)>,
}

pub(crate) struct Upstream<'a> {
    phases: &'a [Phase],
    starts: Vec<u64>,
    outcomes: Vec<PhaseOutcomes>,
    rng: Rng,
    /// Bucket level in thousandths of a call, and when it was last refilled.
    level_milli: u64,
    refilled_ms: u64,
}

struct PhaseOutcomes {
    over_capacity: Outcome,
    error: Outcome,
    outage: Option<Outcome>,
    /// Log-normal parameters of the latency: ln(median) and sigma.
    mu: f64,
    sigma: f64,
}

/// The 99th percentile of the standard normal distribution.
const Z99: f64 = 2.326_347_874_040_841;

impl<'a> Upstream<'a> {
    pub fn new(scenario: &'a Scenario, seed: u64) -> Self {
        let outcomes = scenario
            .phases
            .iter()
            .map(|p| {
                // Validated by Scenario::validate; a bad code falls back to a 500 rather than panic.
                let parse = |s: &str| Outcome::parse(s).unwrap_or(Outcome::Http(500));
                let median = f64_ms(p.latency_median_ms.max(1));
                PhaseOutcomes {
                    over_capacity: parse(&p.over_capacity),
                    error: parse(&p.error_outcome),
                    outage: p.outage.as_deref().map(parse),
                    mu: libm::log(median),
                    sigma: libm::log(f64_ms(p.latency_p99_ms.max(1)) / median).max(0.0) / Z99,
                }
            })
            .collect();
        let first_capacity = scenario.phases.first().map_or(1, |p| p.capacity_per_s);
        Self {
            phases: &scenario.phases,
            starts: scenario.phase_starts(),
            outcomes,
            rng: Rng::new(seed),
            level_milli: u64::from(first_capacity) * 1000,
            refilled_ms: 0,
        }
    }

    /// The index of the phase at `t` (the last phase continues past the end).
    pub fn phase_index(&self, t: u64) -> usize {
        self.starts.iter().rposition(|&s| s <= t).unwrap_or(0)
    }

    fn refill(&mut self, now_ms: u64, capacity: u32) {
        let elapsed = now_ms.saturating_sub(self.refilled_ms);
        self.refilled_ms = self.refilled_ms.max(now_ms);
        // capacity/s = capacity milli-calls per ms.
        let burst = u64::from(capacity) * 1000;
        self.level_milli =
            self.level_milli.saturating_add(elapsed.saturating_mul(u64::from(capacity))).min(burst);
    }

    /// Answers a call made at `now_ms`.
    /// A call to `key` (one of the scenario's keys, or `None` when it has none).
    pub fn call(&mut self, now_ms: u64, key: Option<&str>) -> Answer {
        let i = self.phase_index(now_ms);
        let phase = &self.phases[i];
        let o = &self.outcomes[i];
        let down = phase.down_keys.is_empty() || key.is_some_and(|k| phase.down_keys.iter().any(|d| d == k));
        if let Some(outage) = o.outage.filter(|_| down) {
            return Answer { outcome: outage, latency_ms: phase.outage_latency_ms, headers: Vec::new() };
        }
        let (capacity, error_rate) = (phase.capacity_per_s, phase.error_rate);
        let (mu, sigma, error_outcome, over_capacity) = (o.mu, o.sigma, o.error, o.over_capacity);
        self.refill(now_ms, capacity);
        let rate_headers = |level: u64| {
            let missing = u64::from(capacity) * 1000 - level.min(u64::from(capacity) * 1000);
            let reset_ms = missing.div_ceil(u64::from(capacity));
            vec![
                ("x-ratelimit-limit-requests", (u64::from(capacity) * 60).to_string()),
                ("x-ratelimit-remaining-requests", (level / 1000).to_string()),
                ("x-ratelimit-reset-requests", format!("{reset_ms}ms")),
            ]
        };
        if self.level_milli < 1000 {
            let wait_ms = (1000 - self.level_milli).div_ceil(u64::from(capacity));
            let mut headers = rate_headers(self.level_milli);
            headers.push(("retry-after-ms", wait_ms.to_string()));
            return Answer { outcome: over_capacity, latency_ms: REJECT_LATENCY_MS, headers };
        }
        self.level_milli -= 1000;
        let headers = rate_headers(self.level_milli);
        let latency_ms = self.latency(mu, sigma);
        let outcome = if self.rng.next_f64() < error_rate { error_outcome } else { Outcome::Http(200) };
        Answer { outcome, latency_ms, headers }
    }

    /// A log-normal draw (Box–Muller), in whole ms, at least 1.
    fn latency(&mut self, mu: f64, sigma: f64) -> u64 {
        let u1 = 1.0 - self.rng.next_f64(); // (0, 1]: ln is finite
        let u2 = self.rng.next_f64();
        let z = libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * core::f64::consts::PI * u2);
        let ms = libm::exp(mu + sigma * z);
        #[allow(clippy::cast_precision_loss)]
        let max = crate::scenario::MAX_LATENCY_MS as f64;
        breakwater::transport::backoff::ceil_ms(ms.min(max)).max(1)
    }
}

#[allow(clippy::cast_precision_loss)]
fn f64_ms(x: u64) -> f64 {
    x as f64
}
