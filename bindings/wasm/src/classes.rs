//! The stateful components, one JS class each, mirroring the core's types (the breakers are
//! in `breaker.rs`).

use breakwater::transport::backoff::{Backoff as CoreBackoff, BackoffConfig};
use breakwater::transport::deadline::{Deadline as CoreDeadline, DeadlineConfig};
use breakwater::transport::error_budget::{ErrorBudget as CoreErrorBudget, ErrorBudgetConfig};
use breakwater::transport::headers::RateLimitHeaders;
use breakwater::transport::idempotency::{IdempotencyConfig, IdempotencyKeys as CoreKeys};
use breakwater::transport::ratelimit::{RateLimitConfig, RateLimiter as CoreLimiter};
use breakwater::transport::retry::{Guards, RetryConfig, RetryState as CoreRetryState};
use breakwater::transport::retry_budget::{RetryBudget as CoreBudget, RetryBudgetConfig};
use breakwater::Rng;
use wasm_bindgen::prelude::*;

use crate::convert::{self, core, now, out, Bag, JsResult};

#[allow(clippy::cast_precision_loss)]
fn opt_ms(x: Option<u64>) -> JsValue {
    x.map_or(JsValue::NULL, |n| JsValue::from_f64(n as f64))
}

/// Delays between attempts: capped exponential backoff with jitter, seeded.
#[wasm_bindgen]
pub struct Backoff {
    inner: CoreBackoff,
    rng: Rng,
}

#[wasm_bindgen]
impl Backoff {
    /// A backoff following `config` (the `retry.backoff` section); `seed` fixes its jitter.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "BackoffConfig | null")] config: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "number | bigint | null")] seed: JsValue,
    ) -> JsResult<Backoff> {
        let config: BackoffConfig = convert::config(&config)?;
        core(config.validate())?;
        Ok(Self { inner: CoreBackoff::new(config), rng: Rng::new(convert::seed(&seed)?) })
    }

    /// The delay in ms before retry `retriesTaken + 1`, rounded up.
    #[wasm_bindgen(js_name = nextDelay)]
    pub fn next_delay(
        &mut self,
        #[wasm_bindgen(js_name = retriesTaken, unchecked_param_type = "number")] retries_taken: JsValue,
    ) -> JsResult<f64> {
        let n = convert::u32_arg(&retries_taken, "retriesTaken")?;
        #[allow(clippy::cast_precision_loss)]
        Ok(self.inner.next_delay_ms(n, &mut self.rng) as f64)
    }
}

/// The time limits of one logical request, started at construction.
#[wasm_bindgen]
pub struct Deadline {
    inner: CoreDeadline,
}

#[wasm_bindgen]
impl Deadline {
    /// A deadline following `config` (the `deadline` section), starting at `nowMs`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "DeadlineConfig | null")] config: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<Deadline> {
        let config: DeadlineConfig = convert::config(&config)?;
        core(config.validate())?;
        Ok(Self { inner: CoreDeadline::new(config, now(&now_ms)?) })
    }

    /// Each phase's limit for an attempt starting at `nowMs`, clipped to what remains.
    #[wasm_bindgen(js_name = attemptTimeouts, unchecked_return_type = "AttemptTimeouts")]
    pub fn attempt_timeouts(
        &self,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<JsValue> {
        out(&self.inner.attempt_timeouts(now(&now_ms)?))
    }

    /// Whether waiting `delayMs` still leaves a useful attempt before the deadline.
    pub fn fits(
        &self,
        #[wasm_bindgen(js_name = delayMs, unchecked_param_type = "number")] delay_ms: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<bool> {
        let delay = convert::u64_arg(&delay_ms, "delayMs")?;
        Ok(self.inner.fits(now(&now_ms)?, delay))
    }

    /// What to tell the server about the time left (`X-Stainless-Timeout`), or `null` without a deadline.
    #[wasm_bindgen(unchecked_return_type = "Propagation | null")]
    pub fn propagation(
        &self,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<JsValue> {
        out(&self.inner.propagation(now(&now_ms)?))
    }

    /// Milliseconds left, or `null` without a total deadline.
    #[wasm_bindgen(js_name = remainingMs, unchecked_return_type = "number | null")]
    pub fn remaining_ms(
        &self,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<JsValue> {
        Ok(opt_ms(self.inner.remaining_ms(now(&now_ms)?)))
    }

    /// Whether the deadline has passed.
    pub fn expired(
        &self,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<bool> {
        Ok(self.inner.expired(now(&now_ms)?))
    }
}

/// The client-wide retry budget (gRPC A6 token bucket or Envoy ratio).
#[wasm_bindgen]
pub struct RetryBudget {
    inner: CoreBudget,
}

#[wasm_bindgen]
impl RetryBudget {
    /// A budget following `config` (the `retry_budget` section).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "RetryBudgetConfig | null")] config: JsValue,
    ) -> JsResult<RetryBudget> {
        let config: RetryBudgetConfig = convert::config(&config)?;
        Ok(Self { inner: core(CoreBudget::new(config))? })
    }

    /// A logical request started.
    #[wasm_bindgen(js_name = requestStarted)]
    pub fn request_started(&mut self) {
        self.inner.request_started();
    }

    /// A logical request finished.
    #[wasm_bindgen(js_name = requestFinished)]
    pub fn request_finished(&mut self) {
        self.inner.request_finished();
    }

    /// May a retry be sent now? A permitted retry is counted until `retryFinished`.
    #[wasm_bindgen(js_name = tryAcquireRetry, unchecked_return_type = "RetryBudgetDecision")]
    pub fn try_acquire_retry(&mut self) -> JsResult<JsValue> {
        out(&self.inner.try_acquire_retry())
    }

    /// A permitted retry finished.
    #[wasm_bindgen(js_name = retryFinished)]
    pub fn retry_finished(&mut self) {
        self.inner.retry_finished();
    }

    /// Feeds an attempt's class (`success` refills, failures drain).
    pub fn record(
        &mut self,
        #[wasm_bindgen(js_name = className, unchecked_param_type = "ClassName")] class_name: JsValue,
    ) -> JsResult<()> {
        self.inner.record(convert::class_arg(&class_name, "className")?);
        Ok(())
    }

    /// The budget's state.
    #[wasm_bindgen(unchecked_return_type = "RetryBudgetSnapshot")]
    pub fn snapshot(&self) -> JsResult<JsValue> {
        out(&self.inner.snapshot())
    }
}

/// The retry memory of one logical request: retries taken, backoff memory, jitter source.
///
/// `decide(classification, guards?, nowMs?)` is installed by the package entry (`js/wrap.mjs`):
/// wasm-bindgen takes no optional references to other exported objects, so the entry passes
/// each guard object it finds in `guards` to [`RetryState::decide_with`], and a stand-in for
/// each one absent.
#[wasm_bindgen]
pub struct RetryState {
    config: RetryConfig,
    inner: CoreRetryState,
}

/// The `guards` keys, with the bit the entry sets in `present` for an instance of the class.
const GUARDS: [(&str, u32, &str); 3] = [
    ("deadline", 1, "a Deadline"),
    ("retryBudget", 2, "a RetryBudget"),
    ("errorBudget", 4, "an ErrorBudget"),
];

#[wasm_bindgen]
impl RetryState {
    /// A request's retry state following `config` (the `retry` section); `seed` fixes its jitter.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "RetryConfig | null")] config: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "number | bigint | null")] seed: JsValue,
    ) -> JsResult<RetryState> {
        let config: RetryConfig = convert::config(&config)?;
        core(config.validate())?;
        let inner = CoreRetryState::new(&config, convert::seed(&seed)?);
        Ok(Self { config, inner })
    }

    /// Retries granted so far.
    #[wasm_bindgen(js_name = retriesTaken)]
    pub fn retries_taken(&self) -> u32 {
        self.inner.retries_taken()
    }

    /// `decide` with its guards resolved by the entry: bit 1, 2, 4 of `present` says that
    /// `deadline`, `retryBudget`, `errorBudget` is the object found in `guards`; otherwise it is a stand-in,
    /// never read, and a value found there is of the wrong type.
    #[wasm_bindgen(js_name = __bwDecide, skip_typescript)]
    #[allow(clippy::too_many_arguments)]
    pub fn decide_with(
        &mut self,
        classification: JsValue,
        guards: JsValue,
        now_ms: JsValue,
        deadline: &Deadline,
        retry_budget: &mut RetryBudget,
        error_budget: &ErrorBudget,
        present: u32,
    ) -> JsResult<JsValue> {
        let c = convert::document(&classification, "classification")?;
        let bag = Bag::new(&guards, "guards")?;
        bag.only(&["deadline", "retryBudget", "errorBudget", "outerOwnsRetries"])?;
        for (key, bit, expected) in GUARDS {
            let v = bag.get(key);
            if present & bit == 0 && !convert::absent(&v) {
                return Err(convert::wrong_type(key, format!("{key} must be {expected}")));
            }
        }
        let outer = bag.get("outerOwnsRetries");
        let outer = !convert::absent(&outer) && convert::bool_arg(&outer, "outerOwnsRetries")?;
        let now = now(&now_ms)?;
        let guards = Guards {
            deadline: (present & 1 != 0).then_some(&deadline.inner),
            retry_budget: (present & 2 != 0).then_some(&mut retry_budget.inner),
            error_budget: (present & 4 != 0).then_some(&error_budget.inner),
            outer_owns_retries: outer,
        };
        out(&self.inner.decide(&self.config, &c, now, guards))
    }
}

/// Client-side RPM/TPM limits, synced from the server's rate-limit headers.
#[wasm_bindgen]
pub struct RateLimiter {
    inner: CoreLimiter,
}

#[wasm_bindgen]
impl RateLimiter {
    /// A limiter following `config` (the `rate_limit` section), its buckets full at `nowMs`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "RateLimitConfig | null")] config: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<RateLimiter> {
        let config: RateLimitConfig = convert::config(&config)?;
        core(config.validate())?;
        Ok(Self { inner: CoreLimiter::new(config, now(&now_ms)?) })
    }

    /// Reserves one request and `estTokens` tokens, or says how long to wait.
    #[wasm_bindgen(unchecked_return_type = "Reservation")]
    pub fn reserve(
        &mut self,
        #[wasm_bindgen(js_name = estTokens, unchecked_optional_param_type = "number | null")]
        est_tokens: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<JsValue> {
        let est = convert::opt_u64(&est_tokens, "estTokens")?.unwrap_or(0);
        out(&self.inner.reserve(now(&now_ms)?, est))
    }

    /// Corrects a reservation's token estimate with what the response reported.
    pub fn reconcile(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "number")] estimated: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] actual: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<()> {
        let estimated = convert::u64_arg(&estimated, "estimated")?;
        let actual = convert::u64_arg(&actual, "actual")?;
        self.inner.reconcile(now(&now_ms)?, estimated, actual);
        Ok(())
    }

    /// Applies the rate-limit state a response reported (the `rate_limits` of `rateLimits()`).
    pub fn sync(
        &mut self,
        #[wasm_bindgen(js_name = rateLimits, unchecked_param_type = "RateLimits")] rate_limits: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<()> {
        let headers: RateLimitHeaders = convert::document(&rate_limits, "rateLimits")?;
        self.inner.sync(now(&now_ms)?, &headers);
        Ok(())
    }

    /// Takes no new requests until `untilMs` (a server-side pause).
    pub fn drain(
        &mut self,
        #[wasm_bindgen(js_name = untilMs, unchecked_param_type = "number")] until_ms: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<()> {
        let until = convert::u64_arg(&until_ms, "untilMs")?;
        self.inner.drain(now(&now_ms)?, until);
        Ok(())
    }

    /// The buckets' state.
    #[wasm_bindgen(unchecked_return_type = "RateLimitSnapshot")]
    pub fn snapshot(
        &self,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<JsValue> {
        out(&self.inner.snapshot(now(&now_ms)?))
    }
}

/// Idempotency keys: seeded UUIDv4s, or UUIDv5s derived from request content.
#[wasm_bindgen]
pub struct IdempotencyKeys {
    inner: CoreKeys,
}

#[wasm_bindgen]
impl IdempotencyKeys {
    /// Keys following `config` (the `idempotency` section); `seed` fixes the random keys.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "IdempotencyConfig | null")] config: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "number | bigint | null")] seed: JsValue,
    ) -> JsResult<IdempotencyKeys> {
        let config: IdempotencyConfig = convert::config(&config)?;
        Ok(Self { inner: core(CoreKeys::new(config, convert::seed(&seed)?))? })
    }

    /// A fresh random key (UUIDv4).
    #[wasm_bindgen(js_name = newKey)]
    pub fn new_key(&mut self) -> String {
        self.inner.new_key()
    }

    /// The key of `content` (UUIDv5): the same content always gives the same key.
    pub fn derive(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] content: JsValue,
    ) -> JsResult<String> {
        core(self.inner.derive(&convert::bytes_arg(&content, "content")?))
    }

    /// The header the key goes in (`Idempotency-Key` by default).
    #[wasm_bindgen(js_name = headerName)]
    pub fn header_name(&self) -> String {
        self.inner.header_name().to_owned()
    }
}

/// An SLO error budget: burn rates over windows, multiwindow alerts, and whether to cut retries.
#[wasm_bindgen]
pub struct ErrorBudget {
    inner: CoreErrorBudget,
}

#[wasm_bindgen]
impl ErrorBudget {
    /// A budget following `config` (the `error_budget` section).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "ErrorBudgetConfig | null")] config: JsValue,
    ) -> JsResult<ErrorBudget> {
        let config: ErrorBudgetConfig = convert::config(&config)?;
        Ok(Self { inner: core(CoreErrorBudget::new(config))? })
    }

    /// Records one event, good or bad.
    pub fn record(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "boolean")] good: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<()> {
        let good = convert::bool_arg(&good, "good")?;
        self.inner.record(now(&now_ms)?, good);
        Ok(())
    }

    /// Records many events at once.
    #[wasm_bindgen(js_name = recordCounts)]
    pub fn record_counts(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "number")] good: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] bad: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<()> {
        let good = convert::u64_arg(&good, "good")?;
        let bad = convert::u64_arg(&bad, "bad")?;
        self.inner.record_counts(now(&now_ms)?, good, bad);
        Ok(())
    }

    /// The burn rate over the last `windowMs`, or `null` with no events in it.
    #[wasm_bindgen(js_name = burnRate, unchecked_return_type = "number | null")]
    pub fn burn_rate(
        &self,
        #[wasm_bindgen(js_name = windowMs, unchecked_param_type = "number")] window_ms: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<JsValue> {
        let window = convert::u64_arg(&window_ms, "windowMs")?;
        Ok(self.inner.burn_rate(now(&now_ms)?, window).map_or(JsValue::NULL, JsValue::from_f64))
    }

    /// The share of the period's error budget left (may be negative).
    #[wasm_bindgen(js_name = budgetRemaining)]
    pub fn budget_remaining(
        &self,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<f64> {
        Ok(self.inner.budget_remaining(now(&now_ms)?))
    }

    /// The multiwindow alerts firing now.
    #[wasm_bindgen(unchecked_return_type = "Alert[]")]
    pub fn alerts(
        &self,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<JsValue> {
        out(&self.inner.alerts(now(&now_ms)?))
    }

    /// Whether retries are allowed while the budget burns.
    #[wasm_bindgen(js_name = retriesAllowed, unchecked_return_type = "ErrorBudgetDecision")]
    pub fn retries_allowed(
        &self,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<JsValue> {
        out(&self.inner.retries_allowed(now(&now_ms)?))
    }
}
