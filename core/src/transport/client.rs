//! The client: every transport policy composed for one upstream, driven by the host.
//!
//! One [`Client`] per upstream (API base URL + credentials) holds what all its
//! logical requests share: per-key circuit breakers, the retry budget, the
//! RPM/TPM limiter, the error budget and the idempotency-key source. Each
//! logical request is a [`Request`] the host owns and passes back in.
//!
//! The contract, for every logical request:
//!
//! ```text
//! let mut req = client.begin(now, options);
//! loop {
//!     match client.before_attempt(now, &mut req)?  {     // breaker, limiter, deadline
//!         send  => { result = do the HTTP call with decision.timeouts and decision.headers;
//!                    match client.on_outcome(now, &mut req, result)? {
//!                        retry   => sleep(delay_ms), continue,
//!                        done | give_up => break } }
//!         wait  => sleep until wait_until_ms, continue,   // no downstream call was made
//!         give_up => break,
//!     }
//! }
//! ```
//!
//! Nothing here reads a clock: `now_ms` is the host's monotonic time.
//!
//! A request that finds its key's breaker open gives up at once unless the policy's
//! `breaker_wait_ms` lets it wait, making no call, for the breaker to let probes through
//! (`conservative`: its whole deadline). On the simulator's `flapping` and `one_key_down`
//! shapes, failing fast lost every request that arrived during an outage; waiting turns those
//! that arrive near its end into successes after it, while the upstream sees only probes.
//!
//! A request *short of time* (less left than `Client::telling_ms`: half the policy's total
//! deadline, at most a fresh attempt's limit and `max_half_open_ms`) cannot tell much about
//! the upstream: the timeout of its attempt is no verdict on the upstream, and once a probe
//! of its breaker ran out of its caller's time, it leaves the probes to fresher requests
//! (unless none takes one within a poll) until the breaker closes.
//!
//! Requests the limiter turns away wait in a line (`super::line`): first come, first served
//! among those with time for a call (what the upstream's answers take: `Client::call_needs_ms`),
//! then those short of time. A waiter is told to ask again when the limiter will hold its unit
//! and those of the waiters ahead of it, whoever asks first.

use schemars::JsonSchema;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use super::breaker::{AcquireReason, BreakerRegistry, Permit, State, Transition};
use super::classify::{classify, Class, Classification, Outcome, Profile, ProviderError};
use super::deadline::{AttemptTimeouts, Deadline};
use super::error_budget::ErrorBudget;
use super::event::{AttemptSummary, Event, EventKind, Events};
use super::idempotency::IdempotencyKeys;
use super::line::{Line, Place};
use super::ratelimit::{LimitReason, RateLimiter};
use super::retry::{Action, Guards, RetryDecision, RetryState};
use super::retry_budget::RetryBudget;
use crate::{Error, Policy, Result, Rng};

/// Which headers the client adds to each attempt; every one can be switched off.
///
/// Both official OpenAI SDKs send `x-stainless-retry-count` on every attempt; openai-node
/// sends `x-stainless-timeout` (whole seconds), openai-python `x-stainless-read-timeout` (its
/// read timeout). The client sends `x-stainless-timeout` with what is left of the deadline,
/// the same header in every runtime (one decision for the same inputs), so a host standing in
/// for the SDK sends what the SDK's retry loop would. By default they go only with the
/// `openai` and `azure_openai` profiles: another API has no use for an SDK's internal headers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct HeadersConfig {
    /// Send the idempotency key (under `idempotency.header`). Default true.
    pub idempotency_key: bool,
    /// Send `x-stainless-retry-count` (retries taken so far). Default: with the `openai` and
    /// `azure_openai` profiles only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_count: Option<bool>,
    /// Send `x-stainless-timeout` (the whole seconds left of the deadline). Default: with the
    /// `openai` and `azure_openai` profiles only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<bool>,
}

impl Default for HeadersConfig {
    fn default() -> Self {
        Self { idempotency_key: true, retry_count: None, timeout: None }
    }
}

impl HeadersConfig {
    /// Whether an SDK header goes out: as set, or by the profile.
    fn sdk(setting: Option<bool>, profile: Profile) -> bool {
        setting.unwrap_or(matches!(profile, Profile::OpenAi | Profile::AzureOpenAi))
    }
}

/// Per-request options given to [`Client::begin`].
#[derive(Clone, Debug, Default)]
pub struct RequestOptions<'a> {
    /// The breaker key (model, endpoint); `default` when `None`.
    pub key: Option<&'a str>,
    /// Estimated tokens (prompt + max output), for the TPM limiter.
    pub est_tokens: u64,
    /// The caller says an outer layer will retry this request (single retry owner).
    pub outer_owns_retries: bool,
    /// Request content to derive a deterministic idempotency key from (batch replay); `None` = random key.
    pub content: Option<&'a [u8]>,
    /// Time the caller has left for this request (its own deadline, propagated); caps `deadline.total_ms`.
    pub deadline_ms: Option<u64>,
}

/// The result of one attempt, as the host observed it.
#[derive(Clone, Copy, Debug)]
pub struct AttemptResult<'a, K, V> {
    /// What happened.
    pub outcome: Outcome,
    /// Response headers (any case).
    pub headers: &'a [(K, V)],
    /// The provider error body's `type` and `code`, if any.
    pub error: ProviderError<'a>,
    /// How long the attempt took.
    pub latency_ms: u64,
    /// Wall clock (unix ms) for HTTP-date and RFC 3339 headers; `None` if unknown.
    pub wall_unix_ms: Option<u64>,
    /// Tokens the response reported using, to correct the TPM estimate.
    pub actual_tokens: Option<u64>,
    /// The host can make no other attempt of this request, whatever the decision (a streamed
    /// answer already handed to its reader): a failure that would be retried gives up with
    /// `not_repeatable` instead, spending no retry and no share of the retry budget.
    pub last_attempt: bool,
}

stable_codes! {
    /// What the host does before an attempt.
    pub enum AttemptAction {
        /// Make the call now, with the given timeouts and headers.
        Send = "send",
        /// Make no call; ask again at `wait_until_ms`.
        Wait = "wait",
        /// Stop: the request cannot be attempted.
        GiveUp = "give_up",
    }
}

stable_codes! {
    /// Why an attempt may or may not start.
    pub enum AttemptReason {
        /// Everything permits it.
        Ready = "ready",
        /// The breaker for this key is open; it may permit again later.
        BreakerOpen = "breaker_open",
        /// The breaker is half-open and all probe slots are taken.
        BreakerHalfOpenFull = "breaker_half_open_full",
        /// The breaker was forced open.
        BreakerForcedOpen = "breaker_forced_open",
        /// The client-side RPM/TPM limit is reached for now.
        RateLimitedLocally = "rate_limited_locally",
        /// The request is larger than the TPM limit can ever admit.
        ExceedsTokenCapacity = "exceeds_token_capacity",
        /// The wait would not leave a useful attempt before the deadline.
        DeadlineExhausted = "deadline_exhausted",
        /// The request already ended.
        RequestFinished = "request_finished",
    }
}

/// What the host does before an attempt, and with what limits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct AttemptDecision {
    /// Send, wait, or give up.
    pub action: AttemptAction,
    /// Why.
    pub reason: AttemptReason,
    /// With `wait`: when to ask again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_until_ms: Option<u64>,
    /// The number of this attempt (1 for the first) with `send`.
    pub attempt: u32,
    /// Phase limits of this attempt, clipped to the deadline (with `send`).
    pub timeouts: AttemptTimeouts,
    /// Headers to add to the call: idempotency key, retry count, timeout (with `send`).
    pub headers: Vec<(String, String)>,
}

/// One logical request: its deadline, retry memory, idempotency key and open attempt.
#[derive(Clone, Debug, Serialize)]
pub struct Request {
    /// The [`Client`] that began it: no other client may decide for it.
    #[serde(skip)]
    client: u64,
    key: String,
    idempotency_key: String,
    deadline: Deadline,
    retry: RetryState,
    est_tokens: u64,
    outer_owns_retries: bool,
    attempts: u32,
    #[serde(skip)]
    permit: Option<Permit>,
    holds_retry_slot: bool,
    finished: bool,
    /// When this request began waiting for its open breaker (since its last attempt).
    breaker_wait_since: Option<u64>,
    /// The attempt in flight had less time than an attempt needs to tell anything about the
    /// upstream (`Client::telling_ms`): its timeout is the caller's, not the upstream's.
    #[serde(skip)]
    cut_short: bool,
    /// The attempt in flight is its breaker's half-open probe.
    #[serde(skip)]
    probing: bool,
    /// Its place in the line of requests waiting on the limiter (`super::line`).
    #[serde(skip)]
    place: Place,
    /// It waits in that line.
    #[serde(skip)]
    in_line: bool,
}

impl Request {
    /// The idempotency key, the same for every attempt of this request.
    #[must_use]
    pub fn idempotency_key(&self) -> &str {
        &self.idempotency_key
    }

    /// Attempts sent so far.
    #[must_use]
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Whether a final decision (done or give up) was made.
    #[must_use]
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// The request's deadline.
    #[must_use]
    pub fn deadline(&self) -> &Deadline {
        &self.deadline
    }
}

/// Every transport policy of one upstream, shared by all its logical requests.
#[derive(Clone, Debug)]
pub struct Client {
    /// This client's own number, given to every request it begins.
    id: u64,
    policy: Policy,
    events: Events,
    breakers: BreakerRegistry,
    retry_budget: RetryBudget,
    limiter: RateLimiter,
    /// The requests waiting on the limiter, freshest first.
    line: Line,
    /// Requests begun so far: the order of those begun in the same millisecond.
    begun: u64,
    /// How long the upstream's answers take (`Client::call_needs_ms`).
    answers: AnswerTime,
    error_budget: Option<ErrorBudget>,
    keys: IdempotencyKeys,
    rng: Rng,
}

impl Client {
    /// A client following `policy`, its randomness fixed by `seed`.
    ///
    /// # Errors
    /// The policy's first invalid field, with its path.
    pub fn new(policy: Policy, seed: u64, now_ms: u64) -> Result<Self> {
        policy.validate()?;
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        let mut rng = Rng::new(seed);
        Ok(Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            events: Events::default(),
            breakers: BreakerRegistry::new(policy.breaker.clone(), policy.breaker_keys as usize)
                .map_err(|e| e.within("breaker"))?,
            retry_budget: RetryBudget::new(policy.retry_budget.clone())
                .map_err(|e| e.within("retry_budget"))?,
            limiter: RateLimiter::new(policy.rate_limit.clone(), now_ms),
            line: Line::default(),
            begun: 0,
            answers: AnswerTime::default(),
            error_budget: policy
                .error_budget
                .clone()
                .map(ErrorBudget::new)
                .transpose()
                .map_err(|e| e.within("error_budget"))?,
            keys: IdempotencyKeys::new(policy.idempotency.clone(), rng.next_u64())
                .map_err(|e| e.within("idempotency"))?,
            rng,
            policy,
        })
    }

    /// The policy this client follows.
    #[must_use]
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Starts a logical request at `now_ms`.
    ///
    /// # Errors
    /// `invalid_argument` when a derived idempotency key cannot be made.
    pub fn begin(&mut self, now_ms: u64, options: &RequestOptions<'_>) -> Result<Request> {
        let idempotency_key = match options.content {
            Some(content) => self.keys.derive(content)?,
            None => self.keys.new_key(),
        };
        self.retry_budget.request_started();
        self.begun += 1;
        let deadline = Deadline::within(self.policy.deadline.clone(), now_ms, options.deadline_ms);
        let ends_ms = deadline.remaining_ms(now_ms).map_or(u64::MAX, |r| now_ms.saturating_add(r));
        Ok(Request {
            client: self.id,
            key: options.key.unwrap_or("default").to_owned(),
            idempotency_key,
            deadline,
            retry: RetryState::new(&self.policy.retry, self.rng.next_u64()),
            est_tokens: options.est_tokens,
            outer_owns_retries: options.outer_owns_retries,
            attempts: 0,
            permit: None,
            holds_retry_slot: false,
            finished: false,
            breaker_wait_since: None,
            cut_short: false,
            probing: false,
            place: Place::new(now_ms, self.begun, ends_ms),
            in_line: false,
        })
    }

    /// Decides whether the next attempt of `req` may be sent at `now_ms`.
    ///
    /// # Errors
    /// `invalid_argument` when an attempt is already in flight for `req`.
    pub fn before_attempt(&mut self, now_ms: u64, req: &mut Request) -> Result<AttemptDecision> {
        self.owns(req)?;
        if req.permit.is_some() {
            return Err(Error::argument(
                "request",
                "an attempt is already in flight; report its outcome first",
            ));
        }
        self.leave_line(req);
        if req.finished {
            return Ok(self.stop(now_ms, req, AttemptReason::RequestFinished));
        }
        if !req.deadline.fits(now_ms, 0) {
            return Ok(self.stop(now_ms, req, AttemptReason::DeadlineExhausted));
        }
        let mut acquired = self.breakers.try_acquire(&req.key, now_ms);
        self.note_transition(now_ms, req, acquired.transition);
        if acquired.reason == AcquireReason::HalfOpenProbe && !self.may_probe(now_ms, req) {
            if let Some(permit) = acquired.permit.take() {
                self.breakers.release(&req.key, permit);
            }
            (acquired.permitted, acquired.reason) = (false, AcquireReason::HalfOpenFull);
        }
        let Some(permit) = acquired.permit else {
            // Wait where the wait is known: the server's own pause (Retry-After); within
            // `breaker_wait_ms`, the open state's end, and a probe slot in half-open (polled at
            // the backoff's base: a probe's end is not known). Otherwise fail fast, as
            // resilience4j's CallNotPermittedException and gobreaker's ErrTooManyRequests do.
            let (reason, wait) = match acquired.reason {
                AcquireReason::OpenRetryAfter => (AttemptReason::BreakerOpen, acquired.retry_after_ms),
                AcquireReason::HalfOpenFull => {
                    let poll = self.policy.retry.backoff.base_ms.max(1);
                    (AttemptReason::BreakerHalfOpenFull, self.open_breaker_wait(now_ms, req, Some(poll)))
                }
                AcquireReason::ForcedOpen => (AttemptReason::BreakerForcedOpen, None),
                _ => {
                    (AttemptReason::BreakerOpen, self.open_breaker_wait(now_ms, req, acquired.retry_after_ms))
                }
            };
            return Ok(self.wait_or_stop(now_ms, req, wait, reason));
        };
        let need_ms = self.call_needs_ms();
        let ahead = self.line.ahead(&req.place, now_ms, need_ms);
        let reservation = self.limiter.reserve_behind(now_ms, ahead, req.est_tokens);
        if !reservation.ready {
            self.breakers.release(&req.key, permit);
            let (reason, wait) = match reservation.reason {
                LimitReason::ExceedsCapacity => (AttemptReason::ExceedsTokenCapacity, None),
                LimitReason::WaitExceedsMax => (AttemptReason::RateLimitedLocally, None),
                _ => (
                    AttemptReason::RateLimitedLocally,
                    reservation.wait_until_ms.map(|t| t.saturating_sub(now_ms)),
                ),
            };
            let decision = self.wait_or_stop(now_ms, req, wait, reason);
            if let Some(due_ms) = decision.wait_until_ms {
                self.line.wait(&req.place, due_ms, req.est_tokens, need_ms);
                req.in_line = true;
            }
            return Ok(decision);
        }
        req.permit = Some(permit);
        req.probing = acquired.reason == AcquireReason::HalfOpenProbe;
        req.attempts += 1;
        req.breaker_wait_since = None;
        let resend_count = req.attempts - 1;
        self.note(now_ms, req, EventKind::Send { attempt: req.attempts, resend_count });
        let timeouts = req.deadline.attempt_timeouts(now_ms);
        req.cut_short =
            timeouts.attempt_ms.zip(self.telling_ms()).is_some_and(|(limit, telling)| limit < telling);
        let send = &self.policy.headers;
        let profile = self.policy.profile;
        let mut headers = Vec::with_capacity(3);
        if send.idempotency_key {
            headers.push((self.keys.header_name().to_owned(), req.idempotency_key.clone()));
        }
        if HeadersConfig::sdk(send.retry_count, profile) {
            headers.push(("x-stainless-retry-count".to_owned(), req.retry.retries_taken().to_string()));
        }
        if let Some(p) =
            req.deadline.propagation(now_ms).filter(|_| HeadersConfig::sdk(send.timeout, profile))
        {
            headers.push(("x-stainless-timeout".to_owned(), p.stainless_timeout_s.to_string()));
        }
        Ok(AttemptDecision {
            action: AttemptAction::Send,
            reason: AttemptReason::Ready,
            wait_until_ms: None,
            attempt: req.attempts,
            timeouts,
            headers,
        })
    }

    /// How long an attempt must be able to run to tell anything about the upstream: half the
    /// policy's own total deadline, at most a fresh attempt's limit and `max_half_open_ms`
    /// (whatever deadline a request was given from outside); `None` without any of them.
    ///
    /// A request with less left is short of time: its attempt's timeout is not held against
    /// the upstream, and once a probe ran short it leaves the probes to fresher requests
    /// (`Client::may_probe`). Waiting requests wake oldest first, the oldest are the nearest
    /// their deadline, and against an upstream answering in 8 s, probes went to requests with
    /// 1 s left and timed out, and the backlog released when the breaker closed timed out in a
    /// row and reopened it, round after round, while the upstream served.
    fn telling_ms(&self) -> Option<u64> {
        let own = &self.policy.deadline;
        let half = own.total_ms.map(|t| t / 2);
        let fresh = [own.attempt_ms, own.total_ms].into_iter().flatten().min();
        let max_half_open = Some(self.policy.breaker.max_half_open_ms).filter(|&m| m > 0);
        [half, fresh, max_half_open].into_iter().flatten().min()
    }

    /// How long a call needs to be worth sending: what the upstream's answers take, as TCP
    /// bounds a round trip (RFC 6298: the smoothed time plus four times its mean deviation),
    /// at least the policy's `min_attempt_ms`. It orders the line of requests waiting on the
    /// limiter (`super::line`): one with less time left goes after those with time.
    fn call_needs_ms(&self) -> u64 {
        self.answers.bound_ms().max(self.policy.deadline.min_attempt_ms)
    }

    /// Whether `req` may take a half-open breaker's probe. The probe decides for every request
    /// waiting on the breaker: once a probe ran out of its caller's time (the upstream answers
    /// slower than that), one short of time (`Client::telling_ms`) leaves it to a fresher
    /// request, unless none has taken it within one poll (the backoff's base).
    fn may_probe(&self, now_ms: u64, req: &Request) -> bool {
        let Some(remaining) = req.deadline.remaining_ms(now_ms) else { return true };
        let Some(breaker) = self.breakers.breaker(&req.key) else { return true };
        if !breaker.probes_need_time() || self.telling_ms().is_none_or(|telling| remaining >= telling) {
            return true;
        }
        let poll = self.policy.retry.backoff.base_ms.max(1);
        breaker.half_open_for(now_ms).is_none_or(|d| d >= poll)
    }

    /// How long `req` waits for its open breaker to let probes through (`open_for` ms from now):
    /// `None`, fail fast, once waiting would take it past `breaker_wait_ms` since it began to wait.
    fn open_breaker_wait(&self, now_ms: u64, req: &mut Request, open_for: Option<u64>) -> Option<u64> {
        let since = *req.breaker_wait_since.get_or_insert(now_ms);
        let wait = open_for?;
        let waited = now_ms.saturating_sub(since);
        (waited.saturating_add(wait) <= self.policy.breaker_wait_ms).then_some(wait)
    }

    /// Waits `wait` ms when the wait is known, no longer than the longest server delay the
    /// policy accepts, and still leaves a useful attempt before the deadline; otherwise gives up
    /// with the wait's cause (`breaker_open`, `rate_limited_locally`, ...): that is what stops
    /// the request, not its deadline, which would have allowed an attempt now.
    fn wait_or_stop(
        &mut self,
        now_ms: u64,
        req: &mut Request,
        wait: Option<u64>,
        reason: AttemptReason,
    ) -> AttemptDecision {
        match wait {
            Some(w) if !req.deadline.fits(now_ms, w) => self.stop(now_ms, req, reason),
            Some(w) if w <= self.policy.retry.server_delay.max_ms => {
                let wait_until_ms = now_ms.saturating_add(w);
                self.note(now_ms, req, EventKind::Wait { attempt: req.attempts, reason, wait_until_ms });
                AttemptDecision {
                    action: AttemptAction::Wait,
                    reason,
                    wait_until_ms: Some(wait_until_ms),
                    attempt: req.attempts,
                    timeouts: AttemptTimeouts::default(),
                    headers: Vec::new(),
                }
            }
            _ => self.stop(now_ms, req, reason),
        }
    }

    fn stop(&mut self, now_ms: u64, req: &mut Request, reason: AttemptReason) -> AttemptDecision {
        if !req.finished {
            let what = EventKind::GiveUp { attempt: req.attempts, reason: reason.as_str(), result: None };
            self.note(now_ms, req, what);
        }
        self.finish(now_ms, req, Some(false));
        AttemptDecision {
            action: AttemptAction::GiveUp,
            reason,
            wait_until_ms: None,
            attempt: req.attempts,
            timeouts: AttemptTimeouts::default(),
            headers: Vec::new(),
        }
    }

    /// Records the result of the attempt in flight and decides what follows.
    ///
    /// # Errors
    /// `invalid_argument` when no attempt of `req` is in flight.
    pub fn on_outcome<K: AsRef<str>, V: AsRef<str>>(
        &mut self,
        now_ms: u64,
        req: &mut Request,
        result: &AttemptResult<'_, K, V>,
    ) -> Result<RetryDecision> {
        self.owns(req)?;
        let Some(permit) = req.permit.take() else {
            return Err(Error::argument("request", "no attempt is in flight: call before_attempt first"));
        };
        let c =
            classify(self.policy.profile, result.outcome, result.headers, result.error, result.wall_unix_ms);
        if c.class == Class::Success {
            self.answers.observe(result.latency_ms);
        }
        Ok(self.record(now_ms, req, permit, &c, result))
    }

    fn record<K: AsRef<str>, V: AsRef<str>>(
        &mut self,
        now_ms: u64,
        req: &mut Request,
        permit: Permit,
        c: &Classification,
        result: &AttemptResult<'_, K, V>,
    ) -> RetryDecision {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let server_delay =
            c.server_delay_ms().filter(|d| d.is_finite() && *d > 0.0).map(super::backoff::ceil_ms);
        if matches!(result.outcome, Outcome::Timeout(_)) && req.cut_short {
            // Cut by the request's own deadline, short of time: no verdict on the upstream (its
            // breaker's permit is released), as for a cancel.
            self.release(req, permit);
        } else {
            let recorded =
                self.breakers.record(&req.key, now_ms, permit, c.class, result.latency_ms, server_delay);
            self.note_transition(now_ms, req, recorded.transition);
            self.retry_budget.record_signal(c.class, c.is_overload_signal());
        }
        let limits =
            super::headers::rate_limits(result.headers, result.wall_unix_ms, &mut Default::default());
        if self.limiter.sync(now_ms, &limits) {
            let what = EventKind::LimiterSync { requests: limits.requests, tokens: limits.tokens };
            self.note(now_ms, req, what);
        }
        if let Some(actual) = result.actual_tokens {
            self.limiter.reconcile(now_ms, req.est_tokens, actual);
        }
        if std::mem::take(&mut req.holds_retry_slot) {
            self.retry_budget.retry_finished();
        }
        let decision = req.retry.decide(
            &self.policy.retry,
            c,
            now_ms,
            Guards {
                deadline: Some(&req.deadline),
                retry_budget: Some(&mut self.retry_budget),
                error_budget: self.error_budget.as_ref(),
                outer_owns_retries: req.outer_owns_retries,
                last_attempt: result.last_attempt,
            },
        );
        let summary = AttemptSummary::new(result.outcome, c.class, c.reason);
        let attempt = req.attempts;
        let what = match decision.action {
            Action::Retry => {
                req.holds_retry_slot = true;
                let delay_ms = decision.delay_ms.unwrap_or(0);
                EventKind::Retry { attempt, result: summary, reason: decision.reason, delay_ms }
            }
            Action::Done => EventKind::Done { attempt, result: summary },
            Action::GiveUp => {
                EventKind::GiveUp { attempt, reason: decision.reason.as_str(), result: Some(summary) }
            }
        };
        self.note(now_ms, req, what);
        if decision.action != Action::Retry {
            self.finish(now_ms, req, Some(decision.class == Class::Success));
        }
        decision
    }

    /// Ends `req` without a result (the host cancelled it): frees its breaker probe and budget share.
    ///
    /// # Errors
    /// `invalid_argument` when another client began `req`.
    pub fn cancel(&mut self, now_ms: u64, req: &mut Request) -> Result<()> {
        self.owns(req)?;
        if let Some(permit) = req.permit.take() {
            self.release(req, permit);
        }
        if !req.finished {
            self.note(now_ms, req, EventKind::Cancel { attempt: req.attempts });
        }
        self.finish(now_ms, req, None);
        Ok(())
    }

    /// Gives back the permit of an attempt that ends without a verdict on the upstream. A probe
    /// short of time that ends so (its time ran out, or its caller gave up) tells the breaker
    /// that its probes need requests with time.
    fn release(&mut self, req: &Request, permit: Permit) {
        self.breakers.release(&req.key, permit);
        if req.probing && req.cut_short {
            if let Some(breaker) = self.breakers.breaker_mut(&req.key) {
                breaker.probe_ran_short();
            }
        }
    }

    /// Refuses a request another client began: its breaker permit, budget share and retry
    /// memory belong to that client.
    fn owns(&self, req: &Request) -> Result<()> {
        if req.client == self.id {
            Ok(())
        } else {
            Err(Error::argument("request", "this request was begun by another Client"))
        }
    }

    /// Ends `req` once: gives back its budget share and, when it ended with a
    /// user-visible result (`good`), counts that result against the error budget.
    fn finish(&mut self, now_ms: u64, req: &mut Request, good: Option<bool>) {
        self.leave_line(req);
        if std::mem::take(&mut req.holds_retry_slot) {
            self.retry_budget.retry_finished();
        }
        if std::mem::replace(&mut req.finished, true) {
            return;
        }
        self.retry_budget.request_finished();
        if let (Some(slo), Some(good)) = (&mut self.error_budget, good) {
            slo.record(now_ms, good);
        }
    }

    fn leave_line(&mut self, req: &mut Request) {
        if std::mem::take(&mut req.in_line) {
            self.line.leave(&req.place);
        }
    }

    fn note(&mut self, now_ms: u64, req: &Request, what: EventKind) {
        self.events.push(now_ms, &req.key, &req.idempotency_key, what);
    }

    fn note_transition(&mut self, now_ms: u64, req: &Request, transition: Option<Transition>) {
        if let Some(transition) = transition {
            self.note(now_ms, req, EventKind::Breaker { transition });
        }
    }

    /// The oldest decision event not yet polled (see [`super::event`]). Each `before_attempt`,
    /// `on_outcome` and `cancel` queues its decisions; drain after each call to log them all.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.poll()
    }

    /// Records decision events (the default) or not: a host that never polls them, such as the
    /// simulator, saves the work (about a fifth of a simulation's time).
    pub fn record_events(&mut self, on: bool) {
        self.events.record(on);
    }

    /// Events dropped because more than [`super::event::MAX_EVENTS`] waited unpolled.
    #[must_use]
    pub fn dropped_events(&self) -> u64 {
        self.events.dropped()
    }

    /// The breaker state for `key`.
    #[must_use]
    pub fn breaker_state(&self, key: &str) -> State {
        self.breakers.state(key)
    }

    /// The shared retry budget.
    #[must_use]
    pub fn retry_budget(&self) -> &RetryBudget {
        &self.retry_budget
    }
}

/// How long the upstream's answers take, smoothed as TCP smooths its round-trip time
/// (RFC 6298, section 2: gains of 1/8 and 1/4), in whole milliseconds.
#[derive(Clone, Copy, Debug, Default)]
struct AnswerTime {
    /// The smoothed time; `None` before the first answer.
    smoothed_ms: Option<u64>,
    /// Its mean deviation.
    deviation_ms: u64,
}

impl AnswerTime {
    fn observe(&mut self, latency_ms: u64) {
        match self.smoothed_ms {
            None => {
                self.smoothed_ms = Some(latency_ms);
                self.deviation_ms = latency_ms / 2;
            }
            Some(s) => {
                self.deviation_ms = (3 * u128::from(self.deviation_ms) + u128::from(s.abs_diff(latency_ms)))
                    .div_euclid(4)
                    .try_into()
                    .unwrap_or(u64::MAX);
                self.smoothed_ms =
                    Some(((7 * u128::from(s) + u128::from(latency_ms)) / 8).try_into().unwrap_or(u64::MAX));
            }
        }
    }

    /// The smoothed time plus four deviations: what most answers fit in (0 before any).
    fn bound_ms(&self) -> u64 {
        self.smoothed_ms.map_or(0, |s| s.saturating_add(self.deviation_ms.saturating_mul(4)))
    }
}
