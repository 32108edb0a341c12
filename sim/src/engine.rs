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
use super::scenario::{Scenario, MAX_DURATION_MS};
use super::upstream::Upstream;
use breakwater::transport::classify::{Outcome, Phase, ProviderError};
use breakwater::transport::client::{AttemptAction, AttemptResult, Client, Request, RequestOptions};
use breakwater::transport::retry::Action;
use breakwater::{Policy, Result, Rng};

enum Event {
    /// The next logical request arrives (arrivals are drawn one at a time, not queued ahead).
    Arrival,
    /// Layer `layer` of `chain` asks for its next attempt.
    Resume { chain: Chain, layer: usize },
    /// The upstream's answer to the innermost attempt of `chain`.
    Answer { chain: Chain, outcome: Outcome, headers: Vec<(&'static str, String)> },
}

/// A chain's slot and the generation it had when the event was scheduled: a slot is reused
/// once its chain ends, and an event of the earlier chain must not reach the new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Chain {
    slot: usize,
    generation: u32,
}

struct Queued {
    at: u64,
    /// Arrivals first among events at the same time (as when every arrival was queued first).
    rank: u8,
    seq: u64,
    event: Event,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.rank, self.seq) == (other.at, other.rank, other.seq)
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
        (self.at, self.rank, self.seq).cmp(&(other.at, other.rank, other.seq))
    }
}

struct Frame {
    req: Request,
    attempt_started_ms: u64,
}

/// One tool call's way through the layers; its slot is reused once it ends.
struct ChainState {
    generation: u32,
    /// The logical request's number (its key) and its slot in the trace.
    n: usize,
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
    /// Chains by slot; `free` holds the slots of chains that ended, for reuse.
    chains: Vec<ChainState>,
    free: Vec<usize>,
    /// Logical requests that arrived so far.
    arrived: usize,
    trace: Trace,
}

impl<'a> Engine<'a> {
    pub fn new(scenario: &'a Scenario, policy_index: usize) -> Result<Self> {
        let spec = &scenario.policies[policy_index];
        // A policy's draws follow the seed and its name (FNV-1a), not its place in the list:
        // reordering `[[policies]]` changes no result.
        let name = spec
            .name
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        let mut rng = Rng::new(scenario.seed ^ name);
        let policies =
            spec.layers.iter().map(super::scenario::LayerSpec::resolve).collect::<Result<Vec<_>>>()?;
        // Nobody reads a simulated client's decision events.
        let quiet = |p: &Policy| {
            let mut client = Client::new(p.clone(), rng.next_u64(), 0)?;
            client.record_events(false);
            Ok(client)
        };
        let clients = policies.iter().map(quiet).collect::<Result<Vec<_>>>()?;
        Ok(Self {
            scenario,
            clients,
            policies,
            // The same upstream randomness for every policy: differences come from the policies.
            upstream: Upstream::new(scenario, scenario.seed.wrapping_add(1)),
            queue: BinaryHeap::new(),
            seq: 0,
            chains: Vec::new(),
            free: Vec::new(),
            arrived: 0,
            trace: Trace::new(scenario),
        })
    }

    fn schedule(&mut self, at: u64, event: Event) {
        // A retry or an answer due more than a day after the scenario's end never comes: its
        // request is left unfinished, a failure (a backoff of 10^19 ms would otherwise stretch
        // every per-second count of the report to the end of time).
        if at > self.scenario.duration_ms().saturating_add(MAX_DURATION_MS) {
            return;
        }
        self.seq += 1;
        let rank = u8::from(!matches!(event, Event::Arrival));
        self.queue.push(Reverse(Queued { at, rank, seq: self.seq, event }));
    }

    pub fn run(mut self) -> Trace {
        // Arrivals use their own stream, identical for every policy, drawn one at a time: the
        // queue holds what is in flight, not the whole run.
        let mut arrivals = Arrivals {
            rng: Rng::new(self.scenario.seed),
            rate_per_ms: self.scenario.arrivals.rate_per_s / 1000.0,
            end: self.scenario.duration_ms(),
            t: 0.0,
        };
        if let Some(at) = arrivals.next() {
            self.schedule(at, Event::Arrival);
        }
        while let Some(Reverse(q)) = self.queue.pop() {
            match q.event {
                Event::Arrival => {
                    self.arrival(q.at);
                    if let Some(at) = arrivals.next() {
                        self.schedule(at, Event::Arrival);
                    }
                }
                Event::Resume { chain, layer } => {
                    if self.live(chain) {
                        self.attempt(q.at, chain.slot, layer);
                    }
                }
                Event::Answer { chain, outcome, headers } => {
                    if self.live(chain) {
                        let last = self.clients.len() - 1;
                        self.deliver(q.at, chain.slot, last, Final { outcome, headers });
                    }
                }
            }
        }
        self.trace
    }

    /// Whether the event's chain is still the one in its slot, and still running.
    fn live(&self, chain: Chain) -> bool {
        let c = &self.chains[chain.slot];
        c.generation == chain.generation && !c.over
    }

    fn handle(&self, slot: usize) -> Chain {
        Chain { slot, generation: self.chains[slot].generation }
    }

    fn arrival(&mut self, now: u64) {
        let n = self.arrived;
        self.arrived += 1;
        let logical = self.trace.arrive(n, now);
        for _ in 0..self.scenario.arrivals.fan_out {
            let state = ChainState { generation: 0, n, logical, frames: Vec::new(), over: false };
            let slot = match self.free.pop() {
                Some(slot) => {
                    let generation = self.chains[slot].generation.wrapping_add(1);
                    self.chains[slot] = ChainState { generation, ..state };
                    slot
                }
                None => {
                    self.chains.push(state);
                    self.chains.len() - 1
                }
            };
            self.trace.call_started(logical, slot, self.chains[slot].generation);
            if self.begin(now, slot, 0, None) {
                self.attempt(now, slot, 0);
            }
        }
    }

    /// The chain in `slot` is over: its slot may be reused.
    fn end_chain(&mut self, slot: usize) {
        let chain = &mut self.chains[slot];
        chain.over = true;
        chain.frames = Vec::new();
        self.free.push(slot);
    }

    /// Whether some layer outside `layer` retries (it tells the inner layers so).
    fn outer_retries(&self, layer: usize) -> bool {
        self.policies[..layer].iter().any(|p| p.retry.max_retries > 0)
    }

    /// The key of `chain`'s logical request: the scenario's keys in turn.
    fn key(&self, chain: usize) -> Option<&'a str> {
        let keys = &self.scenario.arrivals.keys;
        (!keys.is_empty()).then(|| keys[self.chains[chain].n % keys.len()].as_str())
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
                let at = decision.wait_until_ms.unwrap_or(now).max(now.saturating_add(1));
                self.schedule(at, Event::Resume { chain: self.handle(chain), layer });
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
                        (now.saturating_add(limit), Outcome::Timeout(Phase::Attempt), Vec::new())
                    }
                    _ => (now.saturating_add(answer.latency_ms), answer.outcome, answer.headers),
                };
                self.schedule(at, Event::Answer { chain: self.handle(chain), outcome, headers });
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
            last_attempt: false,
        };
        let decision = match self.clients[layer].on_outcome(now, &mut frame.req, &attempt) {
            Ok(d) => d,
            Err(_) => return self.finish(now, chain, layer, result),
        };
        match decision.action {
            Action::Retry => {
                let at = now.saturating_add(decision.delay_ms.unwrap_or(0));
                self.schedule(at, Event::Resume { chain: self.handle(chain), layer });
            }
            // The inner layer's answer goes outwards as it came, headers included: a gateway
            // forwards the upstream's rate-limit headers on successes as on failures, and an
            // outer limiter that saw only failures would keep the limit of the worst moment.
            Action::Done | Action::GiveUp => self.finish(now, chain, layer, result),
        }
    }

    /// Layer `layer` of `chain` is finished with `result`: hand it outwards, or end the chain.
    fn finish(&mut self, now: u64, chain: usize, layer: usize, result: Final) {
        self.chains[chain].frames.truncate(layer);
        if layer > 0 {
            return self.deliver(now, chain, layer - 1, result);
        }
        // A finished chain keeps no frames and gives its slot back: the run's memory follows
        // the calls in flight, not the calls made.
        self.end_chain(chain);
        let logical = self.chains[chain].logical;
        let success = result.outcome == Outcome::Http(200);
        let cancel = self.trace.call_finished(logical, now, success);
        self.cancel(now, &cancel);
    }

    /// The logical request failed: its other calls are cancelled at every layer.
    fn cancel(&mut self, now: u64, chains: &[(usize, u32)]) {
        for &(slot, generation) in chains {
            if !self.live(Chain { slot, generation }) {
                continue;
            }
            let mut frames = std::mem::take(&mut self.chains[slot].frames);
            while let Some(mut frame) = frames.pop() {
                // The frame's request was begun by this layer's client: nothing to refuse.
                let _ = self.clients[frames.len()].cancel(now, &mut frame.req);
            }
            self.end_chain(slot);
        }
    }
}

/// The arrival process: exponential gaps (Poisson arrivals) until the end of the run.
struct Arrivals {
    rng: Rng,
    rate_per_ms: f64,
    end: u64,
    t: f64,
}

impl Iterator for Arrivals {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        self.t += -libm::log(1.0 - self.rng.next_f64()) / self.rate_per_ms;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let at = self.t as u64;
        (at < self.end).then_some(at)
    }
}
