//! The discrete-event engine: virtual time, one event queue, the real client policies.
//!
//! Every logical request fans out into parallel tool calls; each call is a
//! *chain* through the client layers (app → gateway → SDK → upstream). Each
//! layer is a real [`Client`] shared by every chain of that layer, driven
//! through its public contract: `begin`, `before_attempt`, `on_outcome`,
//! `cancel`. A layer's attempt is the whole inner chain; its result is what
//! the inner layer finally returned. When one call of a logical request fails
//! for good, its siblings are cancelled, as a host's task group would.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::report::Trace;
use super::scenario::Scenario;
use super::upstream::Upstream;
use breakwater::transport::classify::{Outcome, Phase, ProviderError};
use breakwater::transport::client::{AttemptAction, AttemptResult, Client, Request, RequestOptions};
use breakwater::transport::retry::Action;
use breakwater::{Policy, Result, Rng};

enum Event {
    /// Logical request `n` arrives.
    Arrival(usize),
    /// Layer `layer` of `chain` asks for its next attempt.
    Resume { chain: usize, layer: usize },
    /// The upstream's answer to the innermost attempt of `chain`.
    Answer { chain: usize, outcome: Outcome, headers: Vec<(&'static str, String)> },
}

struct Queued {
    at: u64,
    seq: u64,
    event: Event,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

struct Frame {
    req: Request,
    attempt_started_ms: u64,
}

struct Chain {
    logical: usize,
    frames: Vec<Frame>,
    over: bool,
}

/// What a layer hands to the layer above when it is finished.
struct Final {
    outcome: Outcome,
    headers: Vec<(&'static str, String)>,
}

const GENERIC_FAILURE: Outcome = Outcome::Http(503);

pub(crate) struct Engine<'a> {
    scenario: &'a Scenario,
    clients: Vec<Client>,
    policies: Vec<Policy>,
    upstream: Upstream<'a>,
    queue: BinaryHeap<Reverse<Queued>>,
    seq: u64,
    chains: Vec<Chain>,
    /// The first chain of each logical request; its `fan_out` chains are consecutive.
    first_chain: Vec<usize>,
    trace: Trace,
}

impl<'a> Engine<'a> {
    pub fn new(scenario: &'a Scenario, policy_index: usize) -> Result<Self> {
        let spec = &scenario.policies[policy_index];
        let mut rng =
            Rng::new(scenario.seed ^ 0x9E37_79B9_7F4A_7C15_u64.wrapping_mul(policy_index as u64 + 1));
        let policies =
            spec.layers.iter().map(super::scenario::LayerSpec::resolve).collect::<Result<Vec<_>>>()?;
        let clients =
            policies.iter().map(|p| Client::new(p.clone(), rng.next_u64(), 0)).collect::<Result<Vec<_>>>()?;
        Ok(Self {
            scenario,
            clients,
            policies,
            // The same upstream randomness for every policy: differences come from the policies.
            upstream: Upstream::new(scenario, scenario.seed.wrapping_add(1)),
            queue: BinaryHeap::new(),
            seq: 0,
            chains: Vec::new(),
            first_chain: Vec::new(),
            trace: Trace::new(scenario),
        })
    }

    fn schedule(&mut self, at: u64, event: Event) {
        self.seq += 1;
        self.queue.push(Reverse(Queued { at, seq: self.seq, event }));
    }

    pub fn run(mut self) -> Trace {
        // Arrivals use their own stream, identical for every policy.
        let mut arrivals = Rng::new(self.scenario.seed);
        let rate_per_ms = self.scenario.arrivals.rate_per_s / 1000.0;
        let end = self.scenario.duration_ms();
        let mut t = 0.0f64;
        loop {
            t += -libm::log(1.0 - arrivals.next_f64()) / rate_per_ms;
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let at = t as u64;
            if at >= end {
                break;
            }
            let n = self.trace.arrive(at);
            self.schedule(at, Event::Arrival(n));
        }
        while let Some(Reverse(q)) = self.queue.pop() {
            match q.event {
                Event::Arrival(n) => self.arrival(q.at, n),
                Event::Resume { chain, layer } => {
                    if !self.chains[chain].over {
                        self.attempt(q.at, chain, layer);
                    }
                }
                Event::Answer { chain, outcome, headers } => {
                    if !self.chains[chain].over {
                        let last = self.clients.len() - 1;
                        self.deliver(q.at, chain, last, Final { outcome, headers });
                    }
                }
            }
        }
        self.trace
    }

    fn arrival(&mut self, now: u64, logical: usize) {
        debug_assert_eq!(logical, self.first_chain.len());
        self.first_chain.push(self.chains.len());
        for _ in 0..self.scenario.arrivals.fan_out {
            let chain = self.chains.len();
            self.chains.push(Chain { logical, frames: Vec::new(), over: false });
            self.trace.call_started(logical);
            if self.begin(now, chain, 0, None) {
                self.attempt(now, chain, 0);
            }
        }
    }

    /// Whether some layer outside `layer` retries (it tells the inner layers so).
    fn outer_retries(&self, layer: usize) -> bool {
        self.policies[..layer].iter().any(|p| p.retry.max_retries > 0)
    }

    /// The key of `chain`'s logical request: the scenario's keys in turn.
    fn key(&self, chain: usize) -> Option<&'a str> {
        let keys = &self.scenario.arrivals.keys;
        (!keys.is_empty()).then(|| keys[self.chains[chain].logical % keys.len()].as_str())
    }

    fn begin(&mut self, now: u64, chain: usize, layer: usize, deadline_ms: Option<u64>) -> bool {
        let options = RequestOptions {
            key: self.key(chain),
            est_tokens: self.scenario.arrivals.est_tokens,
            outer_owns_retries: self.outer_retries(layer),
            content: None,
            deadline_ms,
        };
        match self.clients[layer].begin(now, &options) {
            Ok(req) => {
                self.chains[chain].frames.push(Frame { req, attempt_started_ms: now });
                true
            }
            Err(_) => {
                self.finish(now, chain, layer, Final { outcome: GENERIC_FAILURE, headers: Vec::new() });
                false
            }
        }
    }

    fn attempt(&mut self, now: u64, chain: usize, layer: usize) {
        let frame = &mut self.chains[chain].frames[layer];
        let decision = match self.clients[layer].before_attempt(now, &mut frame.req) {
            Ok(d) => d,
            Err(_) => {
                return self.finish(
                    now,
                    chain,
                    layer,
                    Final { outcome: GENERIC_FAILURE, headers: Vec::new() },
                )
            }
        };
        match decision.action {
            AttemptAction::Wait => {
                let at = decision.wait_until_ms.unwrap_or(now).max(now + 1);
                self.schedule(at, Event::Resume { chain, layer });
            }
            AttemptAction::GiveUp => {
                self.finish(now, chain, layer, Final { outcome: GENERIC_FAILURE, headers: Vec::new() });
            }
            AttemptAction::Send => {
                frame.attempt_started_ms = now;
                let limit = match (decision.timeouts.headers_ms, decision.timeouts.attempt_ms) {
                    (Some(h), Some(a)) => Some(h.min(a)),
                    (h, a) => h.or(a),
                };
                if layer + 1 < self.clients.len() {
                    if self.begin(now, chain, layer + 1, limit) {
                        self.attempt(now, chain, layer + 1);
                    }
                    return;
                }
                self.trace.downstream_call(now);
                let answer = self.upstream.call(now, self.key(chain));
                let (at, outcome, headers) = match limit {
                    Some(limit) if answer.latency_ms > limit => {
                        (now + limit, Outcome::Timeout(Phase::Attempt), Vec::new())
                    }
                    _ => (now + answer.latency_ms, answer.outcome, answer.headers),
                };
                self.schedule(at, Event::Answer { chain, outcome, headers });
            }
        }
    }

    /// Gives layer `layer` the result of its attempt in flight.
    fn deliver(&mut self, now: u64, chain: usize, layer: usize, result: Final) {
        let frame = &mut self.chains[chain].frames[layer];
        let attempt = AttemptResult {
            outcome: result.outcome,
            headers: &result.headers,
            error: ProviderError::default(),
            latency_ms: now.saturating_sub(frame.attempt_started_ms),
            wall_unix_ms: None,
            actual_tokens: None,
        };
        let decision = match self.clients[layer].on_outcome(now, &mut frame.req, &attempt) {
            Ok(d) => d,
            Err(_) => return self.finish(now, chain, layer, result),
        };
        match decision.action {
            Action::Retry => {
                let at = now + decision.delay_ms.unwrap_or(0);
                self.schedule(at, Event::Resume { chain, layer });
            }
            Action::Done => {
                self.finish(now, chain, layer, Final { outcome: Outcome::Http(200), headers: Vec::new() })
            }
            Action::GiveUp => self.finish(now, chain, layer, result),
        }
    }

    /// Layer `layer` of `chain` is finished with `result`: hand it outwards, or end the chain.
    fn finish(&mut self, now: u64, chain: usize, layer: usize, result: Final) {
        self.chains[chain].frames.truncate(layer);
        if layer > 0 {
            return self.deliver(now, chain, layer - 1, result);
        }
        // A finished chain keeps no frames: the run's memory grows by a few bytes per call,
        // not by the requests' retry states.
        self.chains[chain].over = true;
        self.chains[chain].frames = Vec::new();
        let logical = self.chains[chain].logical;
        let success = result.outcome == Outcome::Http(200);
        if self.trace.call_finished(logical, now, success) {
            self.cancel_siblings(now, logical);
        }
    }

    /// The logical request failed: its other calls are cancelled at every layer.
    fn cancel_siblings(&mut self, now: u64, logical: usize) {
        let first = self.first_chain[logical];
        let fan_out = self.scenario.arrivals.fan_out as usize;
        let end = (first + fan_out).min(self.chains.len());
        for chain in &mut self.chains[first..end] {
            if chain.over {
                continue;
            }
            chain.over = true;
            while let Some(mut frame) = chain.frames.pop() {
                let layer = chain.frames.len();
                self.clients[layer].cancel(now, &mut frame.req);
            }
            chain.frames = Vec::new();
        }
    }
}
