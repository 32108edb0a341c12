//! The single-purpose objects: `Backoff`, `Deadline`, `RetryBudget`, `RetryState`,
//! `RateLimiter`, `IdempotencyKeys`, `ErrorBudget`. Each holds one core object and forwards calls.

use breakwater::transport::backoff::{Backoff, BackoffConfig};
use breakwater::transport::classify::Class;
use breakwater::transport::deadline::{Deadline, DeadlineConfig};
use breakwater::transport::error_budget::{ErrorBudget, ErrorBudgetConfig};
use breakwater::transport::headers::RateLimitHeaders;
use breakwater::transport::idempotency::{IdempotencyConfig, IdempotencyKeys};
use breakwater::transport::ratelimit::{RateLimitConfig, RateLimiter};
use breakwater::transport::retry::{Guards, RetryConfig, RetryState};
use breakwater::transport::retry_budget::{RetryBudget, RetryBudgetConfig};
use breakwater::{document::from_value, Error, Rng, StableCode};
use napi::Env;
use napi_derive::napi;

use crate::js::{json, now, ok, seed_or_os, Arg, Conv, Json};

/// A config argument read as `T` (absent = `T::default()`, the documented defaults); errors
/// keep the document's paths.
pub fn config<T: serde::de::DeserializeOwned + Default>(arg: Option<Arg>) -> Conv<T> {
    match arg.filter(|a| !a.is_absent()) {
        Some(a) => from_value(&a.config("")?),
        None => Ok(T::default()),
    }
}

/// A class code (`success`, `retryable`, ...) given as `className`.
pub fn class_arg(arg: Arg) -> Conv<Class> {
    let code = arg.str("className")?;
    Class::parse(&code, "className")
}

/// Jittered exponential backoff with its own seeded random source.
#[napi(js_name = "Backoff")]
pub struct JsBackoff {
    inner: Backoff,
    rng: Rng,
}

#[napi]
impl JsBackoff {
    /// A backoff from a backoff config; `seed` fixes the jitter draws (default: from the OS).
    #[napi(constructor, ts_args_type = "config?: BackoffConfig | null, seed?: number | bigint | null")]
    pub fn new(env: Env, config: Option<Arg>, seed: Option<Arg>) -> napi::Result<Self> {
        ok(
            &env,
            (|| {
                let c: BackoffConfig = self::config(config)?;
                c.validate()?;
                Ok(Self { inner: Backoff::new(c), rng: Rng::new(seed_or_os(seed)?) })
            })(),
        )
    }

    /// The delay in ms (rounded up) before retry `retriesTaken + 1`.
    #[napi(ts_args_type = "retriesTaken: number")]
    pub fn next_delay(&mut self, env: Env, retries_taken: Arg) -> napi::Result<f64> {
        let n = ok(&env, retries_taken.u64("retriesTaken"))?;
        let n = ok(&env, u32::try_from(n).map_err(|_| Error::argument("retriesTaken", "above 2^32 - 1")))?;
        #[allow(clippy::cast_precision_loss)]
        Ok(self.inner.next_delay_ms(n, &mut self.rng) as f64)
    }
}

/// A request's deadline: the total budget and the per-attempt phase limits.
#[napi(js_name = "Deadline")]
pub struct JsDeadline {
    inner: Deadline,
}

#[napi]
impl JsDeadline {
    /// A deadline for a request starting at `nowMs`.
    #[napi(constructor, ts_args_type = "config?: DeadlineConfig | null, nowMs?: number | null")]
    pub fn new(env: Env, config: Option<Arg>, now_ms: Option<Arg>) -> napi::Result<Self> {
        ok(
            &env,
            (|| {
                let c: DeadlineConfig = self::config(config)?;
                c.validate()?;
                Ok(Self { inner: Deadline::new(c, now(&env, now_ms)?) })
            })(),
        )
    }

    /// The timeouts for an attempt starting now, clipped to what is left.
    #[napi(ts_args_type = "nowMs?: number | null", ts_return_type = "AttemptTimeouts")]
    pub fn attempt_timeouts(&self, env: Env, now_ms: Option<Arg>) -> napi::Result<Json> {
        Ok(json(&self.inner.attempt_timeouts(ok(&env, now(&env, now_ms))?)))
    }

    /// Whether waiting `delayMs` still leaves time for an attempt.
    #[napi(ts_args_type = "delayMs: number, nowMs?: number | null")]
    pub fn fits(&self, env: Env, delay_ms: Arg, now_ms: Option<Arg>) -> napi::Result<bool> {
        let delay = ok(&env, delay_ms.u64("delayMs"))?;
        Ok(self.inner.fits(ok(&env, now(&env, now_ms))?, delay))
    }

    /// The deadline to send upstream (`timeout_ms`, Stainless `x-stainless-timeout`), or `null`.
    #[napi(ts_args_type = "nowMs?: number | null", ts_return_type = "Propagation | null")]
    pub fn propagation(&self, env: Env, now_ms: Option<Arg>) -> napi::Result<Json> {
        Ok(json(&self.inner.propagation(ok(&env, now(&env, now_ms))?)))
    }

    /// Ms left of the total, or `null` without a total.
    #[napi(ts_args_type = "nowMs?: number | null")]
    #[allow(clippy::cast_precision_loss)]
    pub fn remaining_ms(&self, env: Env, now_ms: Option<Arg>) -> napi::Result<Option<f64>> {
        Ok(self.inner.remaining_ms(ok(&env, now(&env, now_ms))?).map(|m| m as f64))
    }

    /// Whether the total is spent.
    #[napi(ts_args_type = "nowMs?: number | null")]
    pub fn expired(&self, env: Env, now_ms: Option<Arg>) -> napi::Result<bool> {
        Ok(self.inner.expired(ok(&env, now(&env, now_ms))?))
    }
}

/// The retry budget shared by the requests of one client.
#[napi(js_name = "RetryBudget")]
pub struct JsRetryBudget {
    inner: RetryBudget,
}

#[napi]
impl JsRetryBudget {
    /// A budget from a budget config.
    #[napi(constructor, ts_args_type = "config?: RetryBudgetConfig | null")]
    pub fn new(env: Env, config: Option<Arg>) -> napi::Result<Self> {
        ok(&env, self::config::<RetryBudgetConfig>(config).and_then(RetryBudget::new))
            .map(|inner| Self { inner })
    }

    /// A request began.
    #[napi]
    pub fn request_started(&mut self) {
        self.inner.request_started();
    }

    /// A request ended.
    #[napi]
    pub fn request_finished(&mut self) {
        self.inner.request_finished();
    }

    /// Asks for one retry; a granted retry holds a slot until `retryFinished`.
    #[napi(ts_return_type = "RetryBudgetDecision")]
    pub fn try_acquire_retry(&mut self) -> Json {
        json(&self.inner.try_acquire_retry())
    }

    /// A granted retry ended.
    #[napi]
    pub fn retry_finished(&mut self) {
        self.inner.retry_finished();
    }

    /// Counts one attempt's class (`success` refills, failures drain).
    #[napi(ts_args_type = "className: ClassName")]
    pub fn record(&mut self, env: Env, class_name: Arg) -> napi::Result<()> {
        self.inner.record(ok(&env, class_arg(class_name))?);
        Ok(())
    }

    /// The budget's state.
    #[napi(ts_return_type = "RetryBudgetSnapshot")]
    pub fn snapshot(&self) -> Json {
        json(&self.inner.snapshot())
    }
}

/// The retry memory of one logical request: retries taken, backoff memory, jitter source.
#[napi(js_name = "RetryState")]
pub struct JsRetryState {
    config: RetryConfig,
    inner: RetryState,
}

#[napi]
impl JsRetryState {
    /// A request's retry state from a retry config; `seed` fixes its jitter (default: from the OS).
    #[napi(constructor, ts_args_type = "config?: RetryConfig | null, seed?: number | bigint | null")]
    pub fn new(env: Env, config: Option<Arg>, seed: Option<Arg>) -> napi::Result<Self> {
        ok(
            &env,
            (|| {
                let config: RetryConfig = self::config(config)?;
                config.validate()?;
                let inner = RetryState::new(&config, seed_or_os(seed)?);
                Ok(Self { config, inner })
            })(),
        )
    }

    /// What follows an attempt whose result `classify` returned; a granted retry spends from
    /// `guards.retryBudget`.
    #[napi(
        ts_args_type = "classification: ClassificationInput, guards?: RetryGuards | null, nowMs?: number | null",
        ts_return_type = "RetryDecision"
    )]
    pub fn decide(
        &mut self,
        env: Env,
        classification: Arg,
        guards: Option<Arg>,
        now_ms: Option<Arg>,
    ) -> napi::Result<Json> {
        let (config, state) = (&self.config, &mut self.inner);
        ok(
            &env,
            (|| {
                let c = classification.document("classification")?;
                let g = guards.unwrap_or_else(|| Arg::from_raw(env.raw(), std::ptr::null_mut()));
                g.only("guards", &["deadline", "retryBudget", "errorBudget", "outerOwnsRetries"])?;
                // Every property first: a getter is JS that could reach a guard, and none may
                // run while an instance is unwrapped.
                let (deadline, retry_budget, error_budget) = (
                    g.prop(c"deadline", "guards")?,
                    g.prop(c"retryBudget", "guards")?,
                    g.prop(c"errorBudget", "guards")?,
                );
                let outer = g.prop(c"outerOwnsRetries", "guards")?.opt_bool("outerOwnsRetries")?;
                let now = now(&env, now_ms)?;
                let deadline = deadline.instance::<JsDeadline>("deadline", "a Deadline")?;
                let mut retry_budget =
                    retry_budget.instance::<JsRetryBudget>("retryBudget", "a RetryBudget")?;
                let error_budget = error_budget.instance::<JsErrorBudget>("errorBudget", "an ErrorBudget")?;
                let guards = Guards {
                    deadline: deadline.as_ref().map(|d| &d.inner),
                    retry_budget: retry_budget.as_mut().map(|b| &mut b.inner),
                    error_budget: error_budget.as_ref().map(|s| &s.inner),
                    outer_owns_retries: outer.unwrap_or(false),
                };
                Ok(json(&state.decide(config, &c, now, guards)))
            })(),
        )
    }

    /// Retries granted so far.
    #[napi]
    pub fn retries_taken(&self) -> u32 {
        self.inner.retries_taken()
    }
}

/// The client-side rate limiter (requests and tokens per minute, synced from headers).
#[napi(js_name = "RateLimiter")]
pub struct JsRateLimiter {
    inner: RateLimiter,
}

#[napi]
impl JsRateLimiter {
    /// A limiter whose buckets start full at `nowMs`.
    #[napi(constructor, ts_args_type = "config?: RateLimitConfig | null, nowMs?: number | null")]
    pub fn new(env: Env, config: Option<Arg>, now_ms: Option<Arg>) -> napi::Result<Self> {
        ok(
            &env,
            (|| {
                let c: RateLimitConfig = self::config(config)?;
                c.validate()?;
                Ok(Self { inner: RateLimiter::new(c, now(&env, now_ms)?) })
            })(),
        )
    }

    /// Reserves one request of `estTokens` tokens: go now, or wait until a time.
    #[napi(ts_args_type = "estTokens?: number | null, nowMs?: number | null", ts_return_type = "Reservation")]
    pub fn reserve(&mut self, env: Env, est_tokens: Option<Arg>, now_ms: Option<Arg>) -> napi::Result<Json> {
        let est = ok(&env, est_tokens.map(|a| a.opt_u64("estTokens")).transpose())?.flatten();
        let now = ok(&env, now(&env, now_ms))?;
        Ok(json(&self.inner.reserve(now, est.unwrap_or(0))))
    }

    /// Corrects a reservation once the real token count is known.
    #[napi(ts_args_type = "estimated: number, actual: number, nowMs?: number | null")]
    pub fn reconcile(
        &mut self,
        env: Env,
        estimated: Arg,
        actual: Arg,
        now_ms: Option<Arg>,
    ) -> napi::Result<()> {
        let (e, a) = (ok(&env, estimated.u64("estimated"))?, ok(&env, actual.u64("actual"))?);
        self.inner.reconcile(ok(&env, now(&env, now_ms))?, e, a);
        Ok(())
    }

    /// Adopts the limits a response reported (the `rate_limits` of `rateLimits()`).
    #[napi(ts_args_type = "rateLimits: RateLimits, nowMs?: number | null")]
    pub fn sync(&mut self, env: Env, rate_limits: Arg, now_ms: Option<Arg>) -> napi::Result<()> {
        let limits: RateLimitHeaders = ok(&env, rate_limits.document("rateLimits"))?;
        self.inner.sync(ok(&env, now(&env, now_ms))?, &limits);
        Ok(())
    }

    /// Blocks new reservations until `untilMs` (a server said to pause).
    #[napi(ts_args_type = "untilMs: number, nowMs?: number | null")]
    pub fn drain(&mut self, env: Env, until_ms: Arg, now_ms: Option<Arg>) -> napi::Result<()> {
        let until = ok(&env, until_ms.u64("untilMs"))?;
        self.inner.drain(ok(&env, now(&env, now_ms))?, until);
        Ok(())
    }

    /// The limiter's state.
    #[napi(ts_args_type = "nowMs?: number | null", ts_return_type = "RateLimitSnapshot")]
    pub fn snapshot(&self, env: Env, now_ms: Option<Arg>) -> napi::Result<Json> {
        Ok(json(&self.inner.snapshot(ok(&env, now(&env, now_ms))?)))
    }
}

/// Idempotency keys: random (UUIDv4 from a seeded source) or derived from content (UUIDv5).
#[napi(js_name = "IdempotencyKeys")]
pub struct JsIdempotencyKeys {
    inner: IdempotencyKeys,
}

#[napi]
impl JsIdempotencyKeys {
    /// Keys from an idempotency config; `seed` fixes the random keys (default: from the OS).
    #[napi(constructor, ts_args_type = "config?: IdempotencyConfig | null, seed?: number | bigint | null")]
    pub fn new(env: Env, config: Option<Arg>, seed: Option<Arg>) -> napi::Result<Self> {
        ok(
            &env,
            (|| {
                let c: IdempotencyConfig = self::config(config)?;
                Ok(Self { inner: IdempotencyKeys::new(c, seed_or_os(seed)?)? })
            })(),
        )
    }

    /// A fresh random key.
    #[napi]
    pub fn new_key(&mut self) -> String {
        self.inner.new_key()
    }

    /// The key for `content` (a string as UTF-8, or bytes): the same content, the same key.
    #[napi(ts_args_type = "content: string | Uint8Array")]
    pub fn derive(&self, env: Env, content: Arg) -> napi::Result<String> {
        ok(
            &env,
            (|| {
                let bytes =
                    content.bytes("content")?.ok_or_else(|| Error::argument("content", "required"))?;
                self.inner.derive(&bytes)
            })(),
        )
    }

    /// The header the key is sent in (`Idempotency-Key` by default).
    #[napi]
    pub fn header_name(&self) -> String {
        self.inner.header_name().to_owned()
    }
}

/// An SLO error budget with multi-window burn-rate alerts.
#[napi(js_name = "ErrorBudget")]
pub struct JsErrorBudget {
    inner: ErrorBudget,
}

#[napi]
impl JsErrorBudget {
    /// A budget from an SLO config.
    #[napi(constructor, ts_args_type = "config?: ErrorBudgetConfig | null")]
    pub fn new(env: Env, config: Option<Arg>) -> napi::Result<Self> {
        ok(&env, self::config::<ErrorBudgetConfig>(config).and_then(ErrorBudget::new))
            .map(|inner| Self { inner })
    }

    /// Counts one user-visible result.
    #[napi(ts_args_type = "good: boolean, nowMs?: number | null")]
    pub fn record(&mut self, env: Env, good: Arg, now_ms: Option<Arg>) -> napi::Result<()> {
        let good = ok(
            &env,
            good.opt_bool("good").and_then(|g| g.ok_or_else(|| Error::argument("good", "required"))),
        )?;
        self.inner.record(ok(&env, now(&env, now_ms))?, good);
        Ok(())
    }

    /// Counts `good` and `bad` results at once.
    #[napi(ts_args_type = "good: number, bad: number, nowMs?: number | null")]
    pub fn record_counts(&mut self, env: Env, good: Arg, bad: Arg, now_ms: Option<Arg>) -> napi::Result<()> {
        let (g, b) = (ok(&env, good.u64("good"))?, ok(&env, bad.u64("bad"))?);
        self.inner.record_counts(ok(&env, now(&env, now_ms))?, g, b);
        Ok(())
    }

    /// The burn rate over the last `windowMs`, or `null` without traffic.
    #[napi(ts_args_type = "windowMs: number, nowMs?: number | null")]
    pub fn burn_rate(&self, env: Env, window_ms: Arg, now_ms: Option<Arg>) -> napi::Result<Option<f64>> {
        let w = ok(&env, window_ms.u64("windowMs"))?;
        Ok(self.inner.burn_rate(ok(&env, now(&env, now_ms))?, w))
    }

    /// The fraction of the error budget left over the SLO period.
    #[napi(ts_args_type = "nowMs?: number | null")]
    pub fn budget_remaining(&self, env: Env, now_ms: Option<Arg>) -> napi::Result<f64> {
        Ok(self.inner.budget_remaining(ok(&env, now(&env, now_ms))?))
    }

    /// The burn-rate alerts firing now.
    #[napi(ts_args_type = "nowMs?: number | null", ts_return_type = "Alert[]")]
    pub fn alerts(&self, env: Env, now_ms: Option<Arg>) -> napi::Result<Json> {
        Ok(json(&self.inner.alerts(ok(&env, now(&env, now_ms))?)))
    }

    /// Whether retries are allowed given the budget's burn.
    #[napi(ts_args_type = "nowMs?: number | null", ts_return_type = "ErrorBudgetDecision")]
    pub fn retries_allowed(&self, env: Env, now_ms: Option<Arg>) -> napi::Result<Json> {
        Ok(json(&self.inner.retries_allowed(ok(&env, now(&env, now_ms))?)))
    }
}
