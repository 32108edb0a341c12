//! The operations of the binding surface, in the argument order every runtime exposes
//! (`now_ms` last, optional values as `Option`), each returning a `Result`. They only
//! reorder and default arguments and hold the state a binding object needs; every decision
//! is the transport module's.

use std::sync::Arc;

use serde_json::Value;

use crate::policy::Policy;
use crate::schema::diff::{self, CompatibilityPolicy, DiffOptions, DiffReport};
use crate::schema::lint::{self, Lint, LintOptions};
use crate::schema::stream::{StreamCheck, StreamSchema, StreamState};
use crate::schema::strict::{self, Strict, StrictOptions};
use crate::schema::tolerant::{self, ModelOutput, ReadDecision, Repaired, TolerantConfig, TolerantReader};
use crate::schema::validate::{self, DraftName, Validation, Validator, ValidatorOptions};
use crate::transport::backoff::{self, BackoffConfig};
use crate::transport::bodies::{self, ErrorFields, EventStream, RequestBody};
use crate::transport::breaker::{
    Acquire, BreakerConfig, BreakerRegistry, CircuitBreaker, Counted, Metrics, Permit, Recorded,
    RegistryStats, State, Transition,
};
use crate::transport::classify::{self, Class, Classification, Outcome, Profile, ProviderError};
use crate::transport::client::{self, AttemptDecision, AttemptResult, RequestOptions};
use crate::transport::deadline::{self, AttemptTimeouts, DeadlineConfig, Propagation};
use crate::transport::error_budget::{Alert, ErrorBudget, ErrorBudgetConfig, ErrorBudgetDecision};
use crate::transport::event::Event;
use crate::transport::headers::{self, RateLimitHeaders, RateLimitReport, RetryAfterReport};
use crate::transport::idempotency::{IdempotencyConfig, IdempotencyKeys};
use crate::transport::ratelimit::{RateLimitConfig, RateLimitSnapshot, RateLimiter, Reservation};
use crate::transport::retry::{self, Guards, RetryConfig, RetryDecision};
use crate::transport::retry_budget::{
    RetryBudget, RetryBudgetConfig, RetryBudgetDecision, RetryBudgetSnapshot,
};
use crate::{Error, ErrorCode, Result, Rng};

/// Response headers as name/value pairs, in the order received.
pub type Headers = Vec<(String, String)>;

// ---- functions ----------------------------------------------------------------------------

/// Classifies one attempt's outcome.
pub fn classify(
    outcome: String,
    headers: Option<Headers>,
    profile: Option<Profile>,
    error_type: Option<String>,
    error_code: Option<String>,
    wall_unix_ms: Option<u64>,
) -> Result<Classification> {
    let outcome = Outcome::parse(&outcome)?;
    let error = ProviderError::new(error_type.as_deref(), error_code.as_deref());
    let headers = headers.unwrap_or_default();
    Ok(classify::classify(profile.unwrap_or_default(), outcome, &headers, error, wall_unix_ms))
}

/// The server's requested delay.
pub fn retry_after(headers: Headers, wall_unix_ms: Option<u64>) -> Result<RetryAfterReport> {
    Ok(RetryAfterReport::read(&headers, wall_unix_ms))
}

/// The rate-limit state the headers report.
pub fn rate_limits(headers: Headers, wall_unix_ms: Option<u64>) -> Result<RateLimitReport> {
    Ok(RateLimitReport::read(&headers, wall_unix_ms))
}

/// A Go duration (`1m30s`) in ms, or `None` when malformed.
pub fn parse_go_duration(s: String) -> Result<Option<f64>> {
    Ok(headers::parse_go_duration(&s))
}

/// An HTTP date in unix ms, or `None` when malformed.
pub fn parse_http_date(s: String) -> Result<Option<i64>> {
    Ok(headers::parse_http_date(&s))
}

/// An RFC 3339 timestamp in unix ms, or `None` when malformed.
pub fn parse_rfc3339(s: String) -> Result<Option<i64>> {
    Ok(headers::parse_rfc3339(&s))
}

/// The catalogue of stable error codes.
pub fn error_codes() -> Result<Vec<ErrorCode>> {
    Ok(ErrorCode::ALL.to_vec())
}

/// What a request body says: whether it is JSON, its model, the tokens it may spend.
pub fn read_request(
    body: Vec<u8>,
    content_type: Option<String>,
    path: Option<String>,
) -> Result<RequestBody> {
    Ok(bodies::read_request(&body, content_type.as_deref(), path.as_deref()))
}

/// An error body's `error.type` and `error.code`.
pub fn read_error(body: Vec<u8>) -> Result<ErrorFields> {
    Ok(bodies::read_error(&body))
}

// ---- Policy -------------------------------------------------------------------------------

/// Reads and validates a policy from JSON text.
pub fn policy_from_json(text: String) -> Result<Policy> {
    Policy::from_json(&text)
}

/// Reads and validates a policy from TOML text.
pub fn policy_from_toml(text: String) -> Result<Policy> {
    Policy::from_toml(&text)
}

/// Validates a policy document given as a value.
pub fn policy_from_value(policy: Policy) -> Result<Policy> {
    policy.validate()?;
    Ok(policy)
}

/// A built-in preset.
pub fn policy_preset(name: String) -> Result<Policy> {
    Policy::preset(&name)
}

/// The JSON Schema of the policy document.
pub fn policy_schema() -> Result<serde_json::Value> {
    Ok(Policy::json_schema())
}

/// The policy as a value (every field, defaults filled in).
pub fn policy_to_value(policy: &mut Policy) -> Result<Policy> {
    Ok(policy.clone())
}

/// The policy as JSON text.
pub fn policy_to_json(policy: &mut Policy) -> Result<String> {
    serde_json::to_string(policy).map_err(|e| Error::argument("policy", e.to_string()))
}

// ---- Backoff ------------------------------------------------------------------------------

/// Retry delays with jitter, and the random source they draw from.
#[derive(Debug)]
pub struct Backoff {
    backoff: backoff::Backoff,
    rng: Rng,
}

/// A backoff following `config`, drawing from `seed`.
pub fn backoff_new(config: Option<BackoffConfig>, seed: u64) -> Result<Backoff> {
    let config = config.unwrap_or_default();
    config.validate()?;
    Ok(Backoff { backoff: backoff::Backoff::new(config), rng: Rng::new(seed) })
}

/// The delay in whole ms (rounded up) before retry `retries_taken + 1`.
pub fn backoff_next_delay(b: &mut Backoff, retries_taken: u32) -> Result<u64> {
    Ok(b.backoff.next_delay_ms(retries_taken, &mut b.rng))
}

// ---- Deadline -----------------------------------------------------------------------------

/// A request's deadline, started at `now_ms`.
pub fn deadline_new(config: Option<DeadlineConfig>, now_ms: u64) -> Result<deadline::Deadline> {
    let config = config.unwrap_or_default();
    config.validate()?;
    Ok(deadline::Deadline::new(config, now_ms))
}

/// Phase limits of an attempt starting now, clipped to the time left.
pub fn deadline_attempt_timeouts(d: &mut deadline::Deadline, now_ms: u64) -> Result<AttemptTimeouts> {
    Ok(d.attempt_timeouts(now_ms))
}

/// Whether waiting `delay_ms` still leaves a useful attempt.
pub fn deadline_fits(d: &mut deadline::Deadline, delay_ms: u64, now_ms: u64) -> Result<bool> {
    Ok(d.fits(now_ms, delay_ms))
}

/// The deadline to send to the next hop, or `None` without a limit.
pub fn deadline_propagation(d: &mut deadline::Deadline, now_ms: u64) -> Result<Option<Propagation>> {
    Ok(d.propagation(now_ms))
}

/// Milliseconds left, or `None` without a total deadline.
pub fn deadline_remaining_ms(d: &mut deadline::Deadline, now_ms: u64) -> Result<Option<u64>> {
    Ok(d.remaining_ms(now_ms))
}

/// Whether the total deadline has passed.
pub fn deadline_expired(d: &mut deadline::Deadline, now_ms: u64) -> Result<bool> {
    Ok(d.expired(now_ms))
}

// ---- RetryBudget --------------------------------------------------------------------------

/// A client's retry budget.
pub fn retry_budget_new(config: Option<RetryBudgetConfig>) -> Result<RetryBudget> {
    RetryBudget::new(config.unwrap_or_default())
}

/// A logical request started.
pub fn retry_budget_request_started(b: &mut RetryBudget) -> Result<()> {
    b.request_started();
    Ok(())
}

/// A logical request ended.
pub fn retry_budget_request_finished(b: &mut RetryBudget) -> Result<()> {
    b.request_finished();
    Ok(())
}

/// Asks for one retry.
pub fn retry_budget_try_acquire_retry(b: &mut RetryBudget) -> Result<RetryBudgetDecision> {
    Ok(b.try_acquire_retry())
}

/// A retry the budget allowed has ended.
pub fn retry_budget_retry_finished(b: &mut RetryBudget) -> Result<()> {
    b.retry_finished();
    Ok(())
}

/// Feeds the class of an attempt's result.
pub fn retry_budget_record(b: &mut RetryBudget, class_name: Class) -> Result<()> {
    b.record(class_name);
    Ok(())
}

/// The budget's state.
pub fn retry_budget_snapshot(b: &mut RetryBudget) -> Result<RetryBudgetSnapshot> {
    Ok(b.snapshot())
}

// ---- RetryState ---------------------------------------------------------------------------

/// The retry memory of one logical request, with the rules it follows.
#[derive(Debug)]
pub struct RetryState {
    config: RetryConfig,
    state: retry::RetryState,
}

/// A request's retry state following `config` (the policy's `retry` section).
pub fn retry_state_new(config: Option<RetryConfig>, seed: u64) -> Result<RetryState> {
    let config = config.unwrap_or_default();
    config.validate()?;
    let state = retry::RetryState::new(&config, seed);
    Ok(RetryState { config, state })
}

/// What follows an attempt whose result `classify` returned; the guards are checked in the
/// order deadline, error budget, retry budget, and a granted retry spends from the latter.
pub fn retry_state_decide(
    r: &mut RetryState,
    classification: Classification,
    deadline: Option<&mut deadline::Deadline>,
    retry_budget: Option<&mut RetryBudget>,
    error_budget: Option<&mut ErrorBudget>,
    outer_owns_retries: Option<bool>,
    now_ms: u64,
) -> Result<RetryDecision> {
    let guards = Guards {
        deadline: deadline.map(|d| &*d),
        retry_budget,
        error_budget: error_budget.map(|e| &*e),
        outer_owns_retries: outer_owns_retries.unwrap_or(false),
        last_attempt: false,
    };
    Ok(r.state.decide(&r.config, &classification, now_ms, guards))
}

/// Retries granted so far.
pub fn retry_state_retries_taken(r: &mut RetryState) -> Result<u32> {
    Ok(r.state.retries_taken())
}

// ---- CircuitBreaker (hand-written in every binding; described by `surface_described!`) ------

/// A circuit breaker for one upstream.
pub fn breaker_new(config: Option<BreakerConfig>) -> Result<CircuitBreaker> {
    CircuitBreaker::new(config.unwrap_or_default())
}

/// Asks to make one call.
pub fn breaker_try_acquire(b: &mut CircuitBreaker, now_ms: u64) -> Result<Acquire> {
    Ok(b.try_acquire(now_ms))
}

/// Records the result of a permitted call.
pub fn breaker_record(
    b: &mut CircuitBreaker,
    permit: Permit,
    class_name: Class,
    latency_ms: u64,
    server_delay_ms: Option<u64>,
    now_ms: u64,
) -> Result<Recorded> {
    Ok(b.record(now_ms, permit, class_name, latency_ms, server_delay_ms))
}

/// Gives a permit back without a result.
pub fn breaker_release(b: &mut CircuitBreaker, permit: Permit) -> Result<bool> {
    Ok(b.release(permit))
}

/// Forces the breaker open until reset.
pub fn breaker_transition_to_forced_open(b: &mut CircuitBreaker, now_ms: u64) -> Result<Option<Transition>> {
    Ok(b.transition_to_forced_open(now_ms))
}

/// Turns the breaker off: every call is permitted, nothing is counted.
pub fn breaker_transition_to_disabled(b: &mut CircuitBreaker, now_ms: u64) -> Result<Option<Transition>> {
    Ok(b.transition_to_disabled(now_ms))
}

/// Counts without ever refusing.
pub fn breaker_transition_to_metrics_only(b: &mut CircuitBreaker, now_ms: u64) -> Result<Option<Transition>> {
    Ok(b.transition_to_metrics_only(now_ms))
}

/// Back to closed with an empty window.
pub fn breaker_reset(b: &mut CircuitBreaker, now_ms: u64) -> Result<Option<Transition>> {
    Ok(b.reset(now_ms))
}

/// The current state.
pub fn breaker_state(b: &mut CircuitBreaker) -> Result<State> {
    Ok(b.state())
}

/// The window's counts and rates.
pub fn breaker_metrics(b: &mut CircuitBreaker, now_ms: u64) -> Result<Metrics> {
    Ok(b.metrics(now_ms))
}

/// `try_acquire`'s permit alone (`None` when rejected).
pub fn breaker_try_acquire_permit(b: &mut CircuitBreaker, now_ms: u64) -> Result<Option<Permit>> {
    Ok(b.try_acquire(now_ms).permit)
}

/// `record`'s count alone.
pub fn breaker_record_permit(
    b: &mut CircuitBreaker,
    permit: Permit,
    class_name: Class,
    latency_ms: u64,
    now_ms: u64,
) -> Result<Counted> {
    Ok(b.record(now_ms, permit, class_name, latency_ms, None).counted)
}

// ---- BreakerRegistry ----------------------------------------------------------------------

/// One breaker per key (model, endpoint), the least recently used closed one evicted past
/// `max_keys` (default 1024).
pub fn registry_new(config: Option<BreakerConfig>, max_keys: Option<u64>) -> Result<BreakerRegistry> {
    // A cap past what the platform addresses (wasm32's usize) caps nothing more than memory does.
    let max_keys = usize::try_from(max_keys.unwrap_or(1024)).unwrap_or(usize::MAX);
    BreakerRegistry::new(config.unwrap_or_default(), max_keys)
}

/// `try_acquire` of the breaker for `key`.
pub fn registry_try_acquire(r: &mut BreakerRegistry, key: String, now_ms: u64) -> Result<Acquire> {
    Ok(r.try_acquire(&key, now_ms))
}

/// `record` on the breaker for `key`.
pub fn registry_record(
    r: &mut BreakerRegistry,
    key: String,
    permit: Permit,
    class_name: Class,
    latency_ms: u64,
    server_delay_ms: Option<u64>,
    now_ms: u64,
) -> Result<Recorded> {
    Ok(r.record(&key, now_ms, permit, class_name, latency_ms, server_delay_ms))
}

/// `release` on the breaker for `key`.
pub fn registry_release(r: &mut BreakerRegistry, key: String, permit: Permit) -> Result<bool> {
    Ok(r.release(&key, permit))
}

/// The state of the breaker for `key` (`closed` for an unknown key).
pub fn registry_state(r: &mut BreakerRegistry, key: String) -> Result<State> {
    Ok(r.state(&key))
}

/// How many keys are held and how many were evicted.
pub fn registry_stats(r: &mut BreakerRegistry) -> Result<RegistryStats> {
    Ok(r.stats())
}

/// The number of breakers held.
pub fn registry_len(r: &mut BreakerRegistry) -> Result<u64> {
    Ok(r.len() as u64)
}

// ---- RateLimiter --------------------------------------------------------------------------

/// Client-side RPM/TPM limits, full at `now_ms`.
pub fn limiter_new(config: Option<RateLimitConfig>, now_ms: u64) -> Result<RateLimiter> {
    let config = config.unwrap_or_default();
    config.validate()?;
    Ok(RateLimiter::new(config, now_ms))
}

/// Reserves one request of `est_tokens`.
pub fn limiter_reserve(l: &mut RateLimiter, est_tokens: Option<u64>, now_ms: u64) -> Result<Reservation> {
    Ok(l.reserve(now_ms, est_tokens.unwrap_or(0)))
}

/// Corrects a reservation's estimate with the tokens actually used.
pub fn limiter_reconcile(l: &mut RateLimiter, estimated: u64, actual: u64, now_ms: u64) -> Result<()> {
    l.reconcile(now_ms, estimated, actual);
    Ok(())
}

/// Adopts the limits the server reported (`rate_limits(headers)["rate_limits"]`).
pub fn limiter_sync(l: &mut RateLimiter, rate_limits: RateLimitHeaders, now_ms: u64) -> Result<()> {
    l.sync(now_ms, &rate_limits);
    Ok(())
}

/// Sends nothing until `until_ms` (a server-requested pause).
pub fn limiter_drain(l: &mut RateLimiter, until_ms: u64, now_ms: u64) -> Result<()> {
    l.drain(now_ms, until_ms);
    Ok(())
}

/// The buckets' state.
pub fn limiter_snapshot(l: &mut RateLimiter, now_ms: u64) -> Result<RateLimitSnapshot> {
    Ok(l.snapshot(now_ms))
}

// ---- IdempotencyKeys ----------------------------------------------------------------------

/// The source of idempotency keys.
pub fn keys_new(config: Option<IdempotencyConfig>, seed: u64) -> Result<IdempotencyKeys> {
    IdempotencyKeys::new(config.unwrap_or_default(), seed)
}

/// A fresh key (UUIDv4 from the seeded source).
pub fn keys_new_key(k: &mut IdempotencyKeys) -> Result<String> {
    Ok(k.new_key())
}

/// The key derived from request content (UUIDv5), the same on every replay.
pub fn keys_derive(k: &mut IdempotencyKeys, content: Vec<u8>) -> Result<String> {
    k.derive(&content)
}

/// The header the key is sent in.
pub fn keys_header_name(k: &mut IdempotencyKeys) -> Result<String> {
    Ok(k.header_name().to_owned())
}

// ---- ErrorBudget --------------------------------------------------------------------------

/// An error budget (SLO) with multi-window burn-rate alerts.
pub fn error_budget_new(config: Option<ErrorBudgetConfig>) -> Result<ErrorBudget> {
    ErrorBudget::new(config.unwrap_or_default())
}

/// Counts one user-visible result.
pub fn error_budget_record(e: &mut ErrorBudget, good: bool, now_ms: u64) -> Result<()> {
    e.record(now_ms, good);
    Ok(())
}

/// Counts `good` and `bad` results at once.
pub fn error_budget_record_counts(e: &mut ErrorBudget, good: u64, bad: u64, now_ms: u64) -> Result<()> {
    e.record_counts(now_ms, good, bad);
    Ok(())
}

/// The burn rate over the last `window_ms`, or `None` without traffic.
pub fn error_budget_burn_rate(e: &mut ErrorBudget, window_ms: u64, now_ms: u64) -> Result<Option<f64>> {
    Ok(e.burn_rate(now_ms, window_ms))
}

/// The share of the period's budget left (negative once overspent).
pub fn error_budget_budget_remaining(e: &mut ErrorBudget, now_ms: u64) -> Result<f64> {
    Ok(e.budget_remaining(now_ms))
}

/// The burn-rate alerts firing now.
pub fn error_budget_alerts(e: &mut ErrorBudget, now_ms: u64) -> Result<Vec<Alert>> {
    Ok(e.alerts(now_ms))
}

/// Whether retries may go on while the budget burns.
pub fn error_budget_retries_allowed(e: &mut ErrorBudget, now_ms: u64) -> Result<ErrorBudgetDecision> {
    Ok(e.retries_allowed(now_ms))
}

// ---- Client and Request -------------------------------------------------------------------

/// Every transport policy of one upstream, composed (`policy`: the defaults when `None`).
pub fn client_new(policy: Option<Policy>, seed: u64, now_ms: u64) -> Result<client::Client> {
    let policy = policy.unwrap_or_default();
    policy.validate()?;
    client::Client::new(policy, seed, now_ms)
}

/// The policy the client follows.
pub fn client_policy(c: &mut client::Client) -> Result<Policy> {
    Ok(c.policy().clone())
}

/// Starts one logical request.
#[allow(clippy::too_many_arguments)]
pub fn client_begin(
    c: &mut client::Client,
    key: Option<String>,
    est_tokens: Option<u64>,
    outer_owns_retries: Option<bool>,
    content: Option<Vec<u8>>,
    deadline_ms: Option<u64>,
    now_ms: u64,
) -> Result<client::Request> {
    let options = RequestOptions {
        key: key.as_deref(),
        est_tokens: est_tokens.unwrap_or(0),
        outer_owns_retries: outer_owns_retries.unwrap_or(false),
        content: content.as_deref(),
        deadline_ms,
    };
    c.begin(now_ms, &options)
}

/// What to do before the next attempt: send (with timeouts and headers), wait, or give up.
pub fn client_before_attempt(
    c: &mut client::Client,
    request: &mut client::Request,
    now_ms: u64,
) -> Result<AttemptDecision> {
    c.before_attempt(now_ms, request)
}

/// What follows an attempt's result: retry after a delay, done, or give up.
#[allow(clippy::too_many_arguments)]
pub fn client_on_outcome(
    c: &mut client::Client,
    request: &mut client::Request,
    outcome: String,
    headers: Option<Headers>,
    error_type: Option<String>,
    error_code: Option<String>,
    latency_ms: Option<u64>,
    wall_unix_ms: Option<u64>,
    actual_tokens: Option<u64>,
    last_attempt: Option<bool>,
    now_ms: u64,
) -> Result<RetryDecision> {
    let result = AttemptReport {
        outcome: &outcome,
        headers: headers.as_deref().unwrap_or_default(),
        error_type: error_type.as_deref(),
        error_code: error_code.as_deref(),
        latency_ms,
        wall_unix_ms,
        actual_tokens,
        last_attempt,
    };
    client_on_outcome_of(c, request, &result, now_ms)
}

/// [`client_on_outcome`]'s arguments as borrowed, for a binding's fast path that reads the
/// header pairs out of one text without copying them.
pub struct AttemptReport<'a, K, V> {
    /// The outcome's stable name (`http_429`, `timeout_headers`, ...).
    pub outcome: &'a str,
    /// The response's header pairs.
    pub headers: &'a [(K, V)],
    /// The error body's `error.type`.
    pub error_type: Option<&'a str>,
    /// The error body's `error.code`.
    pub error_code: Option<&'a str>,
    /// How long the attempt took.
    pub latency_ms: Option<u64>,
    /// The wall clock, for reset times given as dates.
    pub wall_unix_ms: Option<u64>,
    /// The tokens the answer used, to reconcile the limiter's estimate.
    pub actual_tokens: Option<u64>,
    /// No attempt can follow this one.
    pub last_attempt: Option<bool>,
}

/// [`client_on_outcome`] over borrowed arguments.
pub fn client_on_outcome_of<K: AsRef<str>, V: AsRef<str>>(
    c: &mut client::Client,
    request: &mut client::Request,
    report: &AttemptReport<'_, K, V>,
    now_ms: u64,
) -> Result<RetryDecision> {
    let result = AttemptResult {
        outcome: Outcome::parse(report.outcome)?,
        headers: report.headers,
        error: ProviderError::new(report.error_type, report.error_code),
        latency_ms: report.latency_ms.unwrap_or(0),
        wall_unix_ms: report.wall_unix_ms,
        actual_tokens: report.actual_tokens,
        last_attempt: report.last_attempt.unwrap_or(false),
    };
    c.on_outcome(now_ms, request, &result)
}

/// Ends `request` without a result (the host cancelled it).
pub fn client_cancel(c: &mut client::Client, request: &mut client::Request, now_ms: u64) -> Result<()> {
    c.cancel(now_ms, request)
}

/// The oldest decision event not yet polled, or `None`.
pub fn client_poll_event(c: &mut client::Client) -> Result<Option<Event>> {
    Ok(c.poll_event())
}

/// Events dropped because more than 256 waited unpolled.
pub fn client_dropped_events(c: &mut client::Client) -> Result<u64> {
    Ok(c.dropped_events())
}

/// The breaker state for `key`.
pub fn client_breaker_state(c: &mut client::Client, key: String) -> Result<State> {
    Ok(c.breaker_state(&key))
}

/// The idempotency key, the same for every attempt.
pub fn request_idempotency_key(r: &mut client::Request) -> Result<String> {
    Ok(r.idempotency_key().to_owned())
}

/// Attempts sent so far.
pub fn request_attempts(r: &mut client::Request) -> Result<u32> {
    Ok(r.attempts())
}

/// Whether a final decision (done or give up) was made.
pub fn request_finished(r: &mut client::Request) -> Result<bool> {
    Ok(r.finished())
}

// ---- schemas ------------------------------------------------------------------------------

fn validator_options(
    draft: Option<DraftName>,
    formats: Option<bool>,
    max_errors: Option<u32>,
) -> Result<ValidatorOptions> {
    if max_errors == Some(0) {
        return Err(Error::argument("max_errors", "max_errors must be at least 1"));
    }
    let defaults = ValidatorOptions::default();
    Ok(ValidatorOptions { draft, formats, max_errors: max_errors.unwrap_or(defaults.max_errors) })
}

/// Validates a parsed value against a schema (compiled once per schema, cached by content).
pub fn schema_validate(
    schema: Value,
    instance: Value,
    draft: Option<DraftName>,
    formats: Option<bool>,
    max_errors: Option<u32>,
) -> Result<Validation> {
    validate::validate(&schema, &instance, &validator_options(draft, formats, max_errors)?)
}

/// Validates model output given as text against a schema (cached by content).
pub fn schema_validate_text(
    schema: Value,
    text: String,
    draft: Option<DraftName>,
    formats: Option<bool>,
    max_errors: Option<u32>,
) -> Result<Validation> {
    validate::validate_text(&schema, &text, &validator_options(draft, formats, max_errors)?)
}

/// Checks a schema against strict mode's rules for a profile.
pub fn schema_lint(schema: Value, profile: Option<lint::Profile>) -> Result<Lint> {
    Ok(lint::lint(&schema, &LintOptions { profile: profile.unwrap_or_default() }))
}

/// The strict form of a schema, as openai-python writes it, or the findings that refuse it.
pub fn schema_to_strict(
    schema: Value,
    profile: Option<lint::Profile>,
    nullable_optionals: Option<bool>,
) -> Result<Strict> {
    let options = StrictOptions {
        profile: profile.unwrap_or_default(),
        nullable_optionals: nullable_optionals.unwrap_or(false),
    };
    strict::to_strict(&schema, &options)
}

/// Compiles a schema.
pub fn validator_new(
    schema: Value,
    draft: Option<DraftName>,
    formats: Option<bool>,
    max_errors: Option<u32>,
) -> Result<Validator> {
    Validator::new(&schema, &validator_options(draft, formats, max_errors)?)
}

/// Validates a parsed value.
pub fn validator_validate(v: &mut Validator, instance: Value) -> Result<Validation> {
    Ok(v.validate(&instance))
}

/// Validates model output given as text.
pub fn validator_validate_text(v: &mut Validator, text: String) -> Result<Validation> {
    v.validate_text(&text)
}

/// Whether a parsed value matches, without the violations.
pub fn validator_is_valid(v: &mut Validator, instance: Value) -> Result<bool> {
    Ok(v.is_valid(&instance))
}

/// Parses model output, repairing what LLMs emit (fences, prose, trailing commas, quotes,
/// truncation), each repair reported.
pub fn schema_repair(text: String) -> Result<Repaired> {
    tolerant::repair(&text)
}

/// The model output of a Chat Completions or Responses body: text, refusal, tool calls, finish.
pub fn schema_extract(body: Value) -> Result<ModelOutput> {
    tolerant::extract(&body)
}

/// A tolerant reader of model output against a schema.
pub fn tolerant_new(
    schema: Value,
    config: Option<TolerantConfig>,
    draft: Option<DraftName>,
    formats: Option<bool>,
) -> Result<TolerantReader> {
    let config = config.unwrap_or_default();
    config.validate()?;
    TolerantReader::new(&schema, &validator_options(draft, formats, None)?, config)
}

/// Reads one request's output given as text.
pub fn tolerant_read_text(r: &mut TolerantReader, request_id: String, text: String) -> Result<ReadDecision> {
    Ok(r.read_text(&request_id, &text))
}

/// Reads one request's output from a Chat Completions or Responses body.
pub fn tolerant_read_body(r: &mut TolerantReader, request_id: String, body: Value) -> Result<ReadDecision> {
    r.read_body(&request_id, &body)
}

/// Forgets a request's reasks.
pub fn tolerant_forget(r: &mut TolerantReader, request_id: String) -> Result<()> {
    r.forget(&request_id);
    Ok(())
}

/// Requests whose reasks are being counted.
pub fn tolerant_tracked(r: &mut TolerantReader) -> Result<u64> {
    Ok(r.tracked() as u64)
}

/// A streamed output checked chunk by chunk; `finish` gives the verdict and starts over.
#[derive(Debug)]
pub struct StreamSession {
    schema: Arc<StreamSchema>,
    check: StreamCheck,
}

/// A stream check against a schema.
pub fn stream_new(schema: Value, draft: Option<DraftName>, formats: Option<bool>) -> Result<StreamSession> {
    let schema = Arc::new(StreamSchema::new(&schema, &validator_options(draft, formats, None)?)?);
    Ok(StreamSession { check: schema.check(), schema })
}

/// Feeds the next chunk; the state after it.
pub fn stream_feed(s: &mut StreamSession, chunk: String) -> Result<StreamState> {
    Ok(s.check.feed(&chunk).clone())
}

/// The state so far.
pub fn stream_state(s: &mut StreamSession) -> Result<StreamState> {
    Ok(s.check.state().clone())
}

/// The value so far, closed at the last complete value (for progressive display).
pub fn stream_partial(s: &mut StreamSession) -> Result<Option<Value>> {
    Ok(s.check.partial())
}

/// The verdict on the whole text (exactly `validate_text`'s), and a fresh stream.
pub fn stream_finish(s: &mut StreamSession) -> Result<Validation> {
    std::mem::replace(&mut s.check, s.schema.check()).finish()
}

/// What changed from one schema version to the next, and whether readers and producers survive it.
pub fn schema_diff(old: Value, new: Value, policy: Option<CompatibilityPolicy>) -> Result<DiffReport> {
    diff::diff(&old, &new, &DiffOptions { policy: policy.unwrap_or_default() })
}

// ---- EventStream --------------------------------------------------------------------------

/// A watch over an event stream not yet read.
pub fn event_stream_new() -> Result<EventStream> {
    Ok(EventStream::new())
}

/// Reads the next bytes; whether the final event came.
pub fn event_stream_feed(e: &mut EventStream, chunk: Vec<u8>) -> Result<bool> {
    Ok(e.feed(&chunk))
}

/// Whether the final event came.
pub fn event_stream_final_seen(e: &mut EventStream) -> Result<bool> {
    Ok(e.final_seen())
}

/// The first error event's fields.
pub fn event_stream_error(e: &mut EventStream) -> Result<Option<ErrorFields>> {
    Ok(e.error().cloned())
}
