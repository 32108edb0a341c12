//! Circuit breaker: whether an upstream is healthy enough to call.
//!
//! The model is resilience4j's `CircuitBreakerStateMachine`, driven by the host:
//!
//! - [`CircuitBreaker::try_acquire`] before a call returns a [`Permit`] or a
//!   rejection with the reason and, when known, how long until it may permit;
//! - [`CircuitBreaker::record`] after the call feeds the result back; a
//!   [`CircuitBreaker::release`] gives a permit back without a result.
//!
//! Rules of this state machine:
//!
//! 1. Time only moves forward: a `now_ms` earlier than one seen before is
//!    read as that earlier maximum, never as an error.
//! 2. Transitions are lazy: OPEN becomes HALF_OPEN inside the first
//!    `try_acquire` at or after `open_until`, and a half-open timeout is
//!    noticed by the next `try_acquire` or `record`. [`CircuitBreaker::state`]
//!    reports the state as of the last call, like resilience4j without its
//!    scheduler.
//! 3. Every state change is a [`Transition`] with a reason, and increments a
//!    generation; a permit from an older generation (or another breaker) is
//!    `stale` and its result dropped, as gobreaker does.
//! 4. At most `half_open_permitted` probes are outstanding or counted in one
//!    half-open round; an ignored result or a release gives a slot back.
//! 5. `try_acquire` and `record` never allocate.
//!
//! The legal transitions are the table in [`next_state`].
//!
//! Two rules come from elsewhere, both off by default and on in the `conservative` preset:
//! gobreaker's trip on a run of failures (`consecutive_failures`), counted in the order the
//! calls were sent, and a reset of the exponential open wait's growth after a half-open round
//! in which a probe succeeded. On the simulator's `flapping` shape (5 s outages between
//! overloaded stretches) a failure rate over a window still full of successes took seconds to
//! trip, 0.7 calls per tool call during each outage; the run trips in ten calls (0.09).

mod config;
mod registry;
mod window;

#[cfg(test)]
mod tests;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use config::{BreakerConfig, InitialState, OpenWait, WindowConfig, MAX_WINDOW_BUCKETS, MAX_WINDOW_CALLS};
pub use registry::{BreakerRegistry, RegistryStats};

use crate::transport::classify::Class;
use window::{Totals, Window};

stable_codes! {
    /// The state of a breaker; changes only through a [`Transition`].
    pub enum State as "BreakerState" {
        /// Calls flow; results fill the window and may trip it.
        Closed = "closed",
        /// Calls are rejected until `open_until`.
        Open = "open",
        /// A limited number of probes decide between closed and open.
        HalfOpen = "half_open",
        /// Manual: every call is rejected until a reset.
        ForcedOpen = "forced_open",
        /// Manual: every call is permitted and nothing is recorded.
        Disabled = "disabled",
        /// Manual: every call is permitted, results are recorded, the state never changes by itself.
        MetricsOnly = "metrics_only",
    }
}

stable_codes! {
    /// Why [`CircuitBreaker::try_acquire`] permitted or rejected a call.
    pub enum AcquireReason {
        /// Permitted: the breaker is closed.
        Closed = "closed",
        /// Permitted as one of the half-open probes.
        HalfOpenProbe = "half_open_probe",
        /// Rejected: the breaker is open because calls failed.
        Open = "open",
        /// Rejected: the breaker is open because the server asked for a pause (`Retry-After`).
        OpenRetryAfter = "open_retry_after",
        /// Rejected: every half-open probe slot is taken.
        HalfOpenFull = "half_open_full",
        /// Rejected: the breaker was forced open.
        ForcedOpen = "forced_open",
        /// Permitted: the breaker is disabled.
        Disabled = "disabled",
        /// Permitted: the breaker only records metrics.
        MetricsOnly = "metrics_only",
    }
}

stable_codes! {
    /// Why a [`Transition`] happened.
    pub enum TransitionReason {
        /// Closed → open: the failure rate reached its threshold.
        FailureRateExceeded = "failure_rate_exceeded",
        /// Closed → open: the slow-call rate reached its threshold.
        SlowCallRateExceeded = "slow_call_rate_exceeded",
        /// Closed → open: `consecutive_failures` calls in a row failed.
        ConsecutiveFailuresExceeded = "consecutive_failures_exceeded",
        /// Closed or half-open → open for a server-given delay (`Retry-After`).
        RetryAfter = "retry_after",
        /// Open → half-open: the open wait is over.
        OpenWaitElapsed = "open_wait_elapsed",
        /// Half-open → closed: the probes stayed below both thresholds.
        HalfOpenHealthy = "half_open_healthy",
        /// Half-open → open: the probes' failure rate reached its threshold.
        HalfOpenFailureRateExceeded = "half_open_failure_rate_exceeded",
        /// Half-open → open: the probes' slow-call rate reached its threshold.
        HalfOpenSlowCallRateExceeded = "half_open_slow_call_rate_exceeded",
        /// Half-open → open: no verdict within `max_half_open_ms`.
        HalfOpenTimeout = "half_open_timeout",
        /// Manual → forced open.
        ForcedOpen = "forced_open",
        /// Manual → disabled.
        Disabled = "disabled",
        /// Manual → metrics only.
        MetricsOnly = "metrics_only",
        /// Manual → closed, with the metrics cleared.
        Reset = "reset",
    }
}

stable_codes! {
    /// How [`CircuitBreaker::record`] counted a result.
    pub enum Counted {
        /// A success within `slow_call_ms`.
        Success = "success",
        /// A failure within `slow_call_ms`.
        Failure = "failure",
        /// A success slower than `slow_call_ms`.
        SlowSuccess = "slow_success",
        /// A failure slower than `slow_call_ms`.
        SlowFailure = "slow_failure",
        /// Neither: the class is not a failure class, or the breaker is disabled.
        Ignored = "ignored",
        /// Dropped: the permit is from an earlier generation or another breaker.
        Stale = "stale",
    }
}

/// The table of legal transitions: the state a reason leads to from `from`, `None` when illegal.
#[must_use]
pub const fn next_state(from: State, reason: TransitionReason) -> Option<State> {
    use State as S;
    use TransitionReason as R;
    match (from, reason) {
        // from           reason                                          to
        (
            S::Closed,
            R::FailureRateExceeded | R::SlowCallRateExceeded | R::ConsecutiveFailuresExceeded | R::RetryAfter,
        ) => Some(S::Open),
        (S::Open, R::OpenWaitElapsed) => Some(S::HalfOpen),
        (S::HalfOpen, R::HalfOpenHealthy) => Some(S::Closed),
        (
            S::HalfOpen,
            R::HalfOpenFailureRateExceeded
            | R::HalfOpenSlowCallRateExceeded
            | R::HalfOpenTimeout
            | R::RetryAfter,
        ) => Some(S::Open),
        (S::ForcedOpen, R::ForcedOpen) | (S::Disabled, R::Disabled) | (S::MetricsOnly, R::MetricsOnly) => {
            None
        }
        (_, R::ForcedOpen) => Some(S::ForcedOpen),
        (_, R::Disabled) => Some(S::Disabled),
        (_, R::MetricsOnly) => Some(S::MetricsOnly),
        (_, R::Reset) => Some(S::Closed),
        _ => None,
    }
}

/// The right to make one call, handed out by [`CircuitBreaker::try_acquire`]; give it back to
/// `record` or `release` of the same breaker. Its serde form is its [`Permit::token`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(from = "u64", into = "u64")]
pub struct Permit {
    instance: u64,
    generation: u64,
}

/// Bits of a [`Permit::token`] that hold the generation; the instance takes the rest of 53.
const TOKEN_GENERATION_BITS: u32 = 32;
const TOKEN_BITS: u32 = 53;

impl Permit {
    /// The generation of the breaker when the permit was issued.
    #[must_use]
    pub const fn generation(&self) -> u64 {
        self.generation
    }

    /// The permit as one integer below 2^53, exact in a JavaScript number: the instance in
    /// the high 21 bits, the generation in the low 32 (both modulo their width, so a permit
    /// 2^32 transitions old could pass for a current one; no breaker lives that long).
    #[must_use]
    pub const fn token(&self) -> u64 {
        let generation = self.generation & ((1 << TOKEN_GENERATION_BITS) - 1);
        let instance = self.instance & ((1 << (TOKEN_BITS - TOKEN_GENERATION_BITS)) - 1);
        (instance << TOKEN_GENERATION_BITS) | generation
    }

    /// The permit a [`Self::token`] stands for. Any integer is accepted: a forged or foreign
    /// token is just a stale permit, which `record` and `release` ignore.
    #[must_use]
    pub const fn from_token(token: u64) -> Self {
        Self {
            instance: token >> TOKEN_GENERATION_BITS,
            generation: token & ((1 << TOKEN_GENERATION_BITS) - 1),
        }
    }
}

impl From<u64> for Permit {
    fn from(token: u64) -> Self {
        Self::from_token(token)
    }
}

impl From<Permit> for u64 {
    fn from(permit: Permit) -> Self {
        permit.token()
    }
}

/// One state change and why; returned by whichever call caused it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Transition {
    /// State before.
    pub from: State,
    /// State after.
    pub to: State,
    /// Why.
    pub reason: TransitionReason,
    /// `now_ms` of the call that made it.
    pub at_ms: u64,
    /// For a transition to open: when the breaker may let probes through.
    pub open_until_ms: Option<u64>,
}

/// The answer of [`CircuitBreaker::try_acquire`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Acquire {
    /// Whether the call may go ahead.
    pub permitted: bool,
    /// The permit to pass to `record` or `release`, when permitted.
    pub permit: Option<Permit>,
    /// The state after this call.
    pub state: State,
    /// Why it was permitted or rejected.
    pub reason: AcquireReason,
    /// When rejected: ms until the breaker may permit again; `None` when unknown (half-open full, forced open).
    pub retry_after_ms: Option<u64>,
    /// The lazy transition this call made (open → half-open, half-open timeout).
    pub transition: Option<Transition>,
}

/// The answer of [`CircuitBreaker::record`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Recorded {
    /// How the result was counted.
    pub counted: Counted,
    /// The state after this call.
    pub state: State,
    /// The transition this result caused, if any.
    pub transition: Option<Transition>,
}

/// What the breaker's current window holds (the probes' window in half-open, and in an open
/// state that half-open led to).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "BreakerMetrics")]
pub struct Metrics {
    /// Calls counted.
    pub calls: u64,
    /// Of which failures.
    pub failures: u64,
    /// Of which slower than `slow_call_ms`.
    pub slow_calls: u64,
    /// `failures / calls`; `None` below the minimum number of calls, as resilience4j reports −1.
    pub failure_rate: Option<f64>,
    /// `slow_calls / calls`; `None` below the minimum number of calls.
    pub slow_call_rate: Option<f64>,
}

/// A circuit breaker for one upstream; see the module docs for its rules.
#[derive(Clone, Debug)]
pub struct CircuitBreaker {
    config: BreakerConfig,
    /// Bit `1 << class` set for each failure class.
    failure_mask: u8,
    minimum_calls: u64,
    half_open_minimum_calls: u64,
    state: State,
    generation: u64,
    /// Tells permits of different breakers apart (a registry numbers its breakers).
    instance: u64,
    last_now: u64,
    open_until: u64,
    /// Whether the current open state is the server's pause (`Retry-After`) rather than failures.
    opened_by_server: bool,
    half_open_since: u64,
    /// Half-open rounds that failed, without one successful probe, since the breaker last
    /// closed or a probe last succeeded: the open wait's exponent.
    reopens: u32,
    /// Failures in a row in the closed state (gobreaker `Counts.ConsecutiveFailures`) ...
    consecutive_failures: u32,
    /// ... since the first of them was sent: an older call's success does not end the run.
    run_sent_ms: u64,
    /// When the latest-sent call that succeeded was sent: an older call's failure is no run.
    success_sent_ms: u64,
    window: Window,
    probes: Totals,
    probes_out: u32,
    /// Whether [`Self::metrics`] reads the probes (half-open, and the open state it led to).
    probes_are_current: bool,
    /// A probe ran out of its caller's time before the upstream answered, since the breaker
    /// last closed: probes need callers with time ([`Self::probes_need_time`]).
    probe_ran_short: bool,
}

const fn class_bit(class: Class) -> u8 {
    1 << (class as u8)
}

impl CircuitBreaker {
    /// A breaker in `config.initial_state`, generation 0.
    ///
    /// # Errors
    /// The first rule of [`BreakerConfig::validate`] the config breaks.
    pub fn new(config: BreakerConfig) -> crate::Result<Self> {
        config.validate()?;
        let failure_mask = config.failure_classes.iter().fold(0, |m, c| m | class_bit(*c));
        let state = match config.initial_state {
            InitialState::Closed => State::Closed,
            InitialState::Disabled => State::Disabled,
            InitialState::MetricsOnly => State::MetricsOnly,
            InitialState::ForcedOpen => State::ForcedOpen,
        };
        Ok(Self {
            failure_mask,
            minimum_calls: u64::from(config.effective_minimum_calls()),
            half_open_minimum_calls: u64::from(config.half_open_minimum_calls()),
            state,
            generation: 0,
            instance: 0,
            last_now: 0,
            open_until: 0,
            opened_by_server: false,
            half_open_since: 0,
            reopens: 0,
            consecutive_failures: 0,
            run_sent_ms: 0,
            success_sent_ms: 0,
            window: Window::new(&config.window),
            probes: Totals::default(),
            probes_out: 0,
            probes_are_current: false,
            probe_ran_short: false,
            config,
        })
    }

    /// A copy with another instance number, so that its permits are stale for the original.
    pub(crate) fn with_instance(&self, instance: u64) -> Self {
        Self { instance, ..self.clone() }
    }

    /// The settings; never change.
    #[must_use]
    pub fn config(&self) -> &BreakerConfig {
        &self.config
    }

    /// The state as of the last call (transitions are lazy, see the module docs).
    #[must_use]
    pub fn state(&self) -> State {
        self.state
    }

    /// Notes that a probe ran out of its caller's time before the upstream answered (a host
    /// that bounds each call by the caller's deadline): until the breaker closes,
    /// [`Self::probes_need_time`] says so.
    pub fn probe_ran_short(&mut self) {
        self.probe_ran_short = true;
    }

    /// Whether a probe ran out of its caller's time since the breaker last closed: the upstream
    /// answers slower than the time some callers have left.
    #[must_use]
    pub fn probes_need_time(&self) -> bool {
        self.probe_ran_short
    }

    /// How long the breaker has been half-open at `now_ms`; `None` in any other state.
    #[must_use]
    pub fn half_open_for(&self, now_ms: u64) -> Option<u64> {
        (self.state == State::HalfOpen).then(|| now_ms.saturating_sub(self.half_open_since))
    }

    /// Incremented by every transition; permits of earlier generations are stale.
    #[must_use]
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// When an open breaker may let probes through; `None` in any other state.
    #[must_use]
    pub fn open_until_ms(&self) -> Option<u64> {
        (self.state == State::Open).then_some(self.open_until)
    }

    /// The permit [`Self::try_acquire`] grants at any time from now until the next call that
    /// takes a time, when the state permits every call (closed, metrics-only, disabled): there
    /// `try_acquire` changes nothing but the breaker's clock, which only moves forward. `None`
    /// in the other states.
    ///
    /// For bindings, where each call into the core costs more than the decision: a wrapper may
    /// answer `try_acquire` with this permit without calling the core, provided it passes the
    /// largest time it answered at into its next timed call (as `max(that, now)`, or through
    /// [`Self::advance_clock`]). The breaker then makes exactly the decisions it would have
    /// made (property-tested).
    #[must_use]
    pub fn standing_permit(&self) -> Option<Permit> {
        matches!(self.state, State::Closed | State::MetricsOnly | State::Disabled)
            .then_some(Permit { instance: self.instance, generation: self.generation })
    }

    /// Moves the breaker's clock forward to `now_ms` (every timed call does this first): how a
    /// binding that answered `try_acquire` from [`Self::standing_permit`], or skipped a clock
    /// reading in [`Self::record_lazy`], hands that time over before its next call.
    pub fn advance_clock(&mut self, now_ms: u64) {
        self.observe(now_ms);
    }

    /// Asks to make one call at `now_ms`; may move open → half-open or time half-open out.
    pub fn try_acquire(&mut self, now_ms: u64) -> Acquire {
        let now = self.observe(now_ms);
        let transition = self.half_open_timeout(now).or_else(|| {
            (self.state == State::Open && now >= self.open_until)
                .then(|| self.transition(now, TransitionReason::OpenWaitElapsed, None))
                .flatten()
        });
        let (permitted, reason, retry_after_ms) = match self.state {
            State::Closed => (true, AcquireReason::Closed, None),
            State::MetricsOnly => (true, AcquireReason::MetricsOnly, None),
            State::Disabled => (true, AcquireReason::Disabled, None),
            State::ForcedOpen => (false, AcquireReason::ForcedOpen, None),
            State::Open => {
                let reason =
                    if self.opened_by_server { AcquireReason::OpenRetryAfter } else { AcquireReason::Open };
                (false, reason, Some(self.open_until.saturating_sub(now)))
            }
            State::HalfOpen => {
                let used = u64::from(self.probes_out).saturating_add(self.probes.calls);
                if used < u64::from(self.config.half_open_permitted) {
                    self.probes_out = self.probes_out.saturating_add(1);
                    (true, AcquireReason::HalfOpenProbe, None)
                } else {
                    (false, AcquireReason::HalfOpenFull, None)
                }
            }
        };
        let permit = permitted.then_some(Permit { instance: self.instance, generation: self.generation });
        Acquire { permitted, permit, state: self.state, reason, retry_after_ms, transition }
    }

    /// Feeds back the result of the call `permit` allowed: its class, how long it took, and the
    /// server's delay (`Retry-After`) if it gave one.
    pub fn record(
        &mut self,
        now_ms: u64,
        permit: Permit,
        class: Class,
        latency_ms: u64,
        server_delay_ms: Option<u64>,
    ) -> Recorded {
        self.observe(now_ms);
        self.record_lazy(|| now_ms, permit, class, latency_ms, server_delay_ms)
    }

    /// [`Self::record`] with the time read from `clock` only when the outcome depends on it: in
    /// the closed state with a count window, only when the call opens the breaker. A host whose
    /// clock read costs more than the decision (tens of ns on many VMs) saves it on nearly every
    /// call (with `consecutive_failures` set, every counted call reads it: the run is ordered by
    /// send time). `clock` is called at most once; the breaker's clock moves only when it is.
    ///
    /// With a clock that never goes back, the decisions are exactly those of `record` at the
    /// clock's time. A binding that also takes explicit times hands the breaker a reading
    /// ([`Self::advance_clock`]) before its next call with one (property-tested).
    pub fn record_lazy(
        &mut self,
        clock: impl FnOnce() -> u64,
        permit: Permit,
        class: Class,
        latency_ms: u64,
        server_delay_ms: Option<u64>,
    ) -> Recorded {
        let mut now = Now::lazy(clock);
        let timeout = if self.state == State::HalfOpen {
            let t = now.get(&mut self.last_now);
            self.half_open_timeout(t)
        } else {
            None
        };
        let live = timeout.is_none() && self.issued(permit);
        if !live || matches!(self.state, State::Open | State::ForcedOpen) {
            return Recorded { counted: Counted::Stale, state: self.state, transition: timeout };
        }
        if self.state == State::Disabled {
            return Recorded { counted: Counted::Ignored, state: self.state, transition: None };
        }
        let probing = self.state == State::HalfOpen;
        if probing {
            // A counted result keeps its slot until the round ends; an ignored one frees it.
            self.probes_out = self.probes_out.saturating_sub(1);
        }
        let slow = latency_ms > self.config.slow_call_ms;
        let failure = self.failure_mask & class_bit(class) != 0;
        let counted = match (class == Class::Success, failure, slow) {
            (true, _, false) => Counted::Success,
            (true, _, true) => Counted::SlowSuccess,
            (false, true, false) => Counted::Failure,
            (false, true, true) => Counted::SlowFailure,
            (false, false, _) => Counted::Ignored,
        };
        if counted != Counted::Ignored {
            if probing {
                self.probes.add(failure, slow);
            } else {
                self.window.record(|| now.get(&mut self.last_now), failure, slow);
                if self.config.consecutive_failures > 0 {
                    let sent = now.get(&mut self.last_now).saturating_sub(latency_ms);
                    self.count_run(sent, failure);
                }
            }
        }
        let transition = if self.state == State::MetricsOnly {
            None
        } else if let Some(wait) = self.server_wait(class, server_delay_ms) {
            let t = now.get(&mut self.last_now);
            self.transition(t, TransitionReason::RetryAfter, Some(wait))
        } else if counted == Counted::Ignored {
            None
        } else if probing {
            self.judge_probes(&mut now)
        } else {
            self.judge_window(&mut now)
        };
        Recorded { counted, state: self.state, transition }
    }

    /// Gives back a permit whose call was cancelled before it had a result; frees a half-open
    /// probe slot. Returns whether it did.
    pub fn release(&mut self, permit: Permit) -> bool {
        if self.state == State::HalfOpen && self.issued(permit) && self.probes_out > 0 {
            self.probes_out -= 1;
            true
        } else {
            false
        }
    }

    /// Manual: reject every call until [`Self::reset`]. `None` when already forced open.
    pub fn transition_to_forced_open(&mut self, now_ms: u64) -> Option<Transition> {
        let now = self.observe(now_ms);
        self.transition(now, TransitionReason::ForcedOpen, None)
    }

    /// Manual: permit every call and record nothing. `None` when already disabled.
    pub fn transition_to_disabled(&mut self, now_ms: u64) -> Option<Transition> {
        let now = self.observe(now_ms);
        self.transition(now, TransitionReason::Disabled, None)
    }

    /// Manual: permit every call, record metrics, never transition by itself. `None` when already so.
    pub fn transition_to_metrics_only(&mut self, now_ms: u64) -> Option<Transition> {
        let now = self.observe(now_ms);
        self.transition(now, TransitionReason::MetricsOnly, None)
    }

    /// Manual: back to closed with empty metrics, from any state (closed included: outstanding
    /// permits become stale).
    pub fn reset(&mut self, now_ms: u64) -> Option<Transition> {
        let now = self.observe(now_ms);
        self.transition(now, TransitionReason::Reset, None)
    }

    /// The counts and rates of the current window as of `now_ms`.
    #[must_use]
    pub fn metrics(&self, now_ms: u64) -> Metrics {
        let now = now_ms.max(self.last_now);
        let (t, minimum) = if self.probes_are_current {
            (self.probes, self.half_open_minimum_calls)
        } else {
            (self.window.totals(|| now), self.minimum_calls)
        };
        let decisive = t.calls >= minimum;
        Metrics {
            calls: t.calls,
            failures: t.failures,
            slow_calls: t.slow,
            failure_rate: t.failure_rate().filter(|_| decisive),
            slow_call_rate: t.slow_rate().filter(|_| decisive),
        }
    }

    fn observe(&mut self, now_ms: u64) -> u64 {
        self.last_now = self.last_now.max(now_ms);
        self.last_now
    }

    /// Compared as tokens, so a permit that crossed an FFI boundary as a number still matches.
    fn issued(&self, permit: Permit) -> bool {
        permit.token() == Permit { instance: self.instance, generation: self.generation }.token()
    }

    fn half_open_timeout(&mut self, now: u64) -> Option<Transition> {
        let max = self.config.max_half_open_ms;
        let expired =
            self.state == State::HalfOpen && max > 0 && now >= self.half_open_since.saturating_add(max);
        expired.then(|| self.transition(now, TransitionReason::HalfOpenTimeout, None)).flatten()
    }

    /// The server delay that forces the breaker open, capped; `None` when it does not.
    fn server_wait(&self, class: Class, server_delay_ms: Option<u64>) -> Option<u64> {
        let delay = server_delay_ms?;
        let applies = self.config.retry_after_opens
            && matches!(class, Class::RateLimited | Class::Overloaded)
            && delay >= self.config.retry_after_min_ms;
        applies.then(|| delay.min(self.config.retry_after_max_ms))
    }

    /// Counts a run of failures for `consecutive_failures` in the order the calls were sent
    /// (`sent`), not the order their results came back: a call sent before the upstream went
    /// down may succeed after it did, and says nothing about it now; a call that failed before
    /// a later-sent one succeeded is no part of a run either.
    fn count_run(&mut self, sent: u64, failure: bool) {
        if !failure {
            if sent >= self.run_sent_ms {
                self.consecutive_failures = 0;
            }
            self.success_sent_ms = self.success_sent_ms.max(sent);
        } else if sent >= self.success_sent_ms {
            self.run_sent_ms = if self.consecutive_failures == 0 { sent } else { self.run_sent_ms.min(sent) };
            self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        }
    }

    /// resilience4j `checkIfThresholdsExceeded`: no verdict below the minimum number of calls.
    fn exceeded(&self, t: Totals, minimum: u64) -> Option<(bool, bool)> {
        if t.calls == 0 || t.calls < minimum {
            return None;
        }
        let failing = t.failure_rate().is_some_and(|r| r >= self.config.failure_rate_threshold);
        let slow = t.slow_rate().is_some_and(|r| r >= self.config.slow_call_rate_threshold);
        Some((failing, slow))
    }

    fn judge_window(&mut self, now: &mut Now<impl FnOnce() -> u64>) -> Option<Transition> {
        let run = self.config.consecutive_failures;
        if run > 0 && self.consecutive_failures >= run {
            let t = now.get(&mut self.last_now);
            return self.transition(t, TransitionReason::ConsecutiveFailuresExceeded, None);
        }
        let totals = self.window.totals(|| now.get(&mut self.last_now));
        let reason = match self.exceeded(totals, self.minimum_calls)? {
            (true, _) => TransitionReason::FailureRateExceeded,
            (false, true) => TransitionReason::SlowCallRateExceeded,
            (false, false) => return None,
        };
        let t = now.get(&mut self.last_now);
        self.transition(t, reason, None)
    }

    fn judge_probes(&mut self, now: &mut Now<impl FnOnce() -> u64>) -> Option<Transition> {
        let reason = match self.exceeded(self.probes, self.half_open_minimum_calls)? {
            (true, _) => TransitionReason::HalfOpenFailureRateExceeded,
            (false, true) => TransitionReason::HalfOpenSlowCallRateExceeded,
            (false, false) => TransitionReason::HalfOpenHealthy,
        };
        let t = now.get(&mut self.last_now);
        self.transition(t, reason, None)
    }

    /// Applies a transition of the table: new generation, and the bookkeeping of the new state.
    /// `open_for` overrides the open wait (a server delay).
    fn transition(
        &mut self,
        now: u64,
        reason: TransitionReason,
        open_for: Option<u64>,
    ) -> Option<Transition> {
        let from = self.state;
        let to = next_state(from, reason)?;
        self.state = to;
        self.generation = self.generation.wrapping_add(1);
        let mut open_until_ms = None;
        match to {
            State::Open => {
                // A round in which some probe succeeded shows the upstream answering again: the
                // next wait starts over from `initial`, so a flapping upstream is probed at the
                // pace of its good stretches rather than a wait grown during an earlier outage.
                if from == State::HalfOpen {
                    let some_probe_succeeded = self.probes.failures < self.probes.calls;
                    self.reopens = if some_probe_succeeded { 0 } else { self.reopens.saturating_add(1) };
                }
                // The first opening waits `initial`, each failed half-open round one step more.
                let wait = open_for.unwrap_or_else(|| self.config.open_wait.wait_ms(self.reopens));
                self.open_until = now.saturating_add(wait);
                self.opened_by_server = reason == TransitionReason::RetryAfter;
                open_until_ms = Some(self.open_until);
            }
            State::HalfOpen => {
                self.probes = Totals::default();
                self.probes_out = 0;
                self.half_open_since = now;
                self.probes_are_current = true;
            }
            State::Closed | State::ForcedOpen | State::Disabled | State::MetricsOnly => {
                self.window.clear();
                self.consecutive_failures = 0;
                self.reopens = 0;
                self.probes_are_current = false;
                self.probe_ran_short = false;
            }
        }
        Some(Transition { from, to, reason, at_ms: now, open_until_ms })
    }
}

/// The time of a `record_lazy` call: read from the host's clock the first time a decision
/// depends on it, then moved forward to the breaker's clock like any given time.
struct Now<F> {
    clock: Option<F>,
    at: Option<u64>,
}

impl<F: FnOnce() -> u64> Now<F> {
    fn lazy(clock: F) -> Self {
        Self { clock: Some(clock), at: None }
    }

    /// The call's time; `last` is the breaker's clock, advanced by the first reading.
    #[inline]
    fn get(&mut self, last: &mut u64) -> u64 {
        if let Some(t) = self.at {
            return t;
        }
        let read = self.clock.take().map_or(*last, |clock| clock());
        *last = (*last).max(read);
        self.at = Some(*last);
        *last
    }
}
