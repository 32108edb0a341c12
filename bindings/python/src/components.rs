//! The single-purpose policies: `Backoff`, `Deadline`, `RetryBudget`, `RetryState`,
//! `RateLimiter`, `IdempotencyKeys`, `ErrorBudget`. Each holds its core object behind a lock.

use std::sync::Mutex;

use breakwater::transport::backoff::{self, BackoffConfig};
use breakwater::transport::deadline::{self, DeadlineConfig};
use breakwater::transport::error_budget::{self, ErrorBudgetConfig};
use breakwater::transport::headers::RateLimitHeaders;
use breakwater::transport::idempotency::{self, IdempotencyConfig};
use breakwater::transport::ratelimit::{self, RateLimitConfig};
use breakwater::transport::retry::{self, Guards, RetryConfig};
use breakwater::transport::retry_budget::{self, RetryBudgetConfig};
use breakwater::Rng;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::breaker::{class_arg, lock};
use crate::convert::{self, bool_arg, now, out, u32_arg, u64_arg};
use crate::errors::{wrong_type, IntoPy};

/// Retry delays with jitter (full, equal, decorrelated, proportional, Polly v2, gRPC).
#[pyclass(frozen, name = "Backoff", module = "breakwater")]
pub(crate) struct PyBackoff(Mutex<(backoff::Backoff, Rng)>);

#[pymethods]
impl PyBackoff {
    #[new]
    #[pyo3(signature = (config=None, seed=None))]
    fn new(
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        seed: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let cfg: BackoffConfig = convert::config(py, config)?;
        cfg.validate().py_err(py)?;
        let seed = convert::seed(py, seed)?;
        Ok(Self(Mutex::new((backoff::Backoff::new(cfg), Rng::new(seed)))))
    }

    /// The delay in whole ms (rounded up) before retry `retries_taken + 1`.
    fn next_delay(&self, py: Python<'_>, retries_taken: &Bound<'_, PyAny>) -> PyResult<u64> {
        let n = u32_arg(py, retries_taken, "retries_taken")?;
        let mut guard = lock(&self.0);
        let (b, rng) = &mut *guard;
        Ok(b.next_delay_ms(n, rng))
    }
}

/// The deadline of one logical request, started at `now_ms`.
#[pyclass(frozen, name = "Deadline", module = "breakwater")]
pub(crate) struct PyDeadline(deadline::Deadline);

#[pymethods]
impl PyDeadline {
    #[new]
    #[pyo3(signature = (config=None, now_ms=None))]
    fn new(
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        now_ms: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let cfg: DeadlineConfig = convert::config(py, config)?;
        cfg.validate().py_err(py)?;
        Ok(Self(deadline::Deadline::new(cfg, now(py, now_ms)?)))
    }

    /// Phase limits of an attempt starting now, clipped to the time left.
    #[pyo3(signature = (now_ms=None))]
    fn attempt_timeouts<'py>(
        &self,
        py: Python<'py>,
        now_ms: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        out(py, &self.0.attempt_timeouts(now(py, now_ms)?))
    }

    /// Whether waiting `delay_ms` still leaves a useful attempt.
    #[pyo3(signature = (delay_ms, now_ms=None))]
    fn fits(
        &self,
        py: Python<'_>,
        delay_ms: &Bound<'_, PyAny>,
        now_ms: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let delay = u64_arg(py, delay_ms, "delay_ms")?;
        Ok(self.0.fits(now(py, now_ms)?, delay))
    }

    /// `{timeout_ms, stainless_timeout_s}` for the next hop, or None without a limit.
    #[pyo3(signature = (now_ms=None))]
    fn propagation<'py>(
        &self,
        py: Python<'py>,
        now_ms: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        out(py, &self.0.propagation(now(py, now_ms)?))
    }

    /// Milliseconds left, or None without a total deadline.
    #[pyo3(signature = (now_ms=None))]
    fn remaining_ms(&self, py: Python<'_>, now_ms: Option<&Bound<'_, PyAny>>) -> PyResult<Option<u64>> {
        Ok(self.0.remaining_ms(now(py, now_ms)?))
    }

    /// Whether the total deadline has passed.
    #[pyo3(signature = (now_ms=None))]
    fn expired(&self, py: Python<'_>, now_ms: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
        Ok(self.0.expired(now(py, now_ms)?))
    }
}

/// The retry budget shared by a client's requests (gRPC token bucket, Finagle ratio, ...).
#[pyclass(frozen, name = "RetryBudget", module = "breakwater")]
pub(crate) struct PyRetryBudget(Mutex<retry_budget::RetryBudget>);

#[pymethods]
impl PyRetryBudget {
    #[new]
    #[pyo3(signature = (config=None))]
    fn new(py: Python<'_>, config: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let cfg: RetryBudgetConfig = convert::config(py, config)?;
        Ok(Self(Mutex::new(retry_budget::RetryBudget::new(cfg).py_err(py)?)))
    }

    /// A logical request started.
    fn request_started(&self) {
        lock(&self.0).request_started();
    }

    /// A logical request ended.
    fn request_finished(&self) {
        lock(&self.0).request_finished();
    }

    /// Asks for one retry: `{allowed, reason, snapshot}`.
    fn try_acquire_retry<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let d = lock(&self.0).try_acquire_retry();
        out(py, &d)
    }

    /// A retry the budget allowed has ended.
    fn retry_finished(&self) {
        lock(&self.0).retry_finished();
    }

    /// Feeds the class of an attempt's result.
    fn record(&self, py: Python<'_>, class_name: &Bound<'_, PyAny>) -> PyResult<()> {
        let class = class_arg(py, class_name)?;
        lock(&self.0).record(class);
        Ok(())
    }

    /// The budget's state.
    fn snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let s = lock(&self.0).snapshot();
        out(py, &s)
    }
}

/// The retry memory of one logical request: retries taken, backoff memory, jitter source.
#[pyclass(frozen, name = "RetryState", module = "breakwater")]
pub(crate) struct PyRetryState {
    config: RetryConfig,
    state: Mutex<retry::RetryState>,
}

/// An optional guard argument: None, or an instance of `T` (`invalid_type` at `name` otherwise).
fn guard<'a, 'py, T: pyo3::PyClass>(
    py: Python<'py>,
    obj: Option<&'a Bound<'py, PyAny>>,
    name: &str,
    expected: &str,
) -> PyResult<Option<&'a Bound<'py, T>>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => o.cast::<T>().map(Some).map_err(|_| wrong_type(py, name, expected, o)),
    }
}

#[pymethods]
impl PyRetryState {
    #[new]
    #[pyo3(signature = (config=None, seed=None))]
    fn new(
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        seed: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let config: RetryConfig = convert::config(py, config)?;
        config.validate().py_err(py)?;
        let state = retry::RetryState::new(&config, convert::seed(py, seed)?);
        Ok(Self { config, state: Mutex::new(state) })
    }

    /// What follows an attempt whose result `classify` returned: `{action, reason, delay_ms,
    /// retries_taken, class, cause}`. A granted retry spends from `retry_budget`.
    #[pyo3(signature = (classification, deadline=None, retry_budget=None, error_budget=None, outer_owns_retries=None, now_ms=None))]
    #[allow(clippy::too_many_arguments)]
    fn decide<'py>(
        &self,
        py: Python<'py>,
        classification: &Bound<'py, PyAny>,
        deadline: Option<&Bound<'py, PyAny>>,
        retry_budget: Option<&Bound<'py, PyAny>>,
        error_budget: Option<&Bound<'py, PyAny>>,
        outer_owns_retries: Option<&Bound<'py, PyAny>>,
        now_ms: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = convert::document(py, classification, "classification")?;
        let deadline = guard::<PyDeadline>(py, deadline, "deadline", "a Deadline")?;
        let retry_budget = guard::<PyRetryBudget>(py, retry_budget, "retry_budget", "a RetryBudget")?;
        let error_budget = guard::<PyErrorBudget>(py, error_budget, "error_budget", "an ErrorBudget")?;
        let outer_owns_retries = convert::flag(py, outer_owns_retries, "outer_owns_retries")?;
        let now = now(py, now_ms)?;
        // Lock order: the request, then the error budget, then the retry budget (no guard takes
        // a lock on a request, so no two calls can wait on each other).
        let mut state = lock(&self.state);
        let error_budget = error_budget.map(|s| lock(&s.get().0));
        let mut retry_budget = retry_budget.map(|b| lock(&b.get().0));
        let guards = Guards {
            deadline: deadline.map(|d| &d.get().0),
            retry_budget: retry_budget.as_deref_mut(),
            error_budget: error_budget.as_deref(),
            outer_owns_retries,
        };
        let d = state.decide(&self.config, &c, now, guards);
        drop((state, error_budget, retry_budget));
        out(py, &d)
    }

    /// Retries granted so far.
    fn retries_taken(&self) -> u32 {
        lock(&self.state).retries_taken()
    }
}

/// Client-side RPM/TPM limits, synced from `x-ratelimit-*` headers.
#[pyclass(frozen, name = "RateLimiter", module = "breakwater")]
pub(crate) struct PyRateLimiter(Mutex<ratelimit::RateLimiter>);

#[pymethods]
impl PyRateLimiter {
    #[new]
    #[pyo3(signature = (config=None, now_ms=None))]
    fn new(
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        now_ms: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let cfg: RateLimitConfig = convert::config(py, config)?;
        cfg.validate().py_err(py)?;
        Ok(Self(Mutex::new(ratelimit::RateLimiter::new(cfg, now(py, now_ms)?))))
    }

    /// Reserves one request of `est_tokens`: `{ready, reason, wait_until_ms, ...}`.
    #[pyo3(signature = (est_tokens=None, now_ms=None))]
    fn reserve<'py>(
        &self,
        py: Python<'py>,
        est_tokens: Option<&Bound<'py, PyAny>>,
        now_ms: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let est = convert::opt_u64(py, est_tokens, "est_tokens")?.unwrap_or(0);
        let now = now(py, now_ms)?;
        let r = lock(&self.0).reserve(now, est);
        out(py, &r)
    }

    /// Corrects a reservation's estimate with the tokens actually used.
    #[pyo3(signature = (estimated, actual, now_ms=None))]
    fn reconcile(
        &self,
        py: Python<'_>,
        estimated: &Bound<'_, PyAny>,
        actual: &Bound<'_, PyAny>,
        now_ms: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let estimated = u64_arg(py, estimated, "estimated")?;
        let actual = u64_arg(py, actual, "actual")?;
        let now = now(py, now_ms)?;
        lock(&self.0).reconcile(now, estimated, actual);
        Ok(())
    }

    /// Adopts the server's view: `{requests?: {limit?, remaining?, reset_ms?}, tokens?: ...}`
    /// (the `rate_limits` of `breakwater.rate_limits(headers)`).
    #[pyo3(signature = (rate_limits, now_ms=None))]
    fn sync(
        &self,
        py: Python<'_>,
        rate_limits: &Bound<'_, PyAny>,
        now_ms: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let limits: RateLimitHeaders = convert::document(py, rate_limits, "rate_limits")?;
        let now = now(py, now_ms)?;
        lock(&self.0).sync(now, &limits);
        Ok(())
    }

    /// Blocks every reservation until `until_ms` (a server-side 429 pause).
    #[pyo3(signature = (until_ms, now_ms=None))]
    fn drain(
        &self,
        py: Python<'_>,
        until_ms: &Bound<'_, PyAny>,
        now_ms: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let until = u64_arg(py, until_ms, "until_ms")?;
        let now = now(py, now_ms)?;
        lock(&self.0).drain(now, until);
        Ok(())
    }

    /// The buckets' state.
    #[pyo3(signature = (now_ms=None))]
    fn snapshot<'py>(
        &self,
        py: Python<'py>,
        now_ms: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let now = now(py, now_ms)?;
        let s = lock(&self.0).snapshot(now);
        out(py, &s)
    }
}

/// Idempotency keys: random UUIDv4 per logical request, or UUIDv5 derived from content.
#[pyclass(frozen, name = "IdempotencyKeys", module = "breakwater")]
pub(crate) struct PyIdempotencyKeys(Mutex<idempotency::IdempotencyKeys>);

#[pymethods]
impl PyIdempotencyKeys {
    #[new]
    #[pyo3(signature = (config=None, seed=None))]
    fn new(
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        seed: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let cfg: IdempotencyConfig = convert::config(py, config)?;
        let seed = convert::seed(py, seed)?;
        Ok(Self(Mutex::new(idempotency::IdempotencyKeys::new(cfg, seed).py_err(py)?)))
    }

    /// A fresh key.
    fn new_key(&self) -> String {
        lock(&self.0).new_key()
    }

    /// The key derived from `content` (str as UTF-8, or bytes).
    fn derive(&self, py: Python<'_>, content: &Bound<'_, PyAny>) -> PyResult<String> {
        let bytes: Vec<u8> = if let Ok(s) = content.cast::<PyString>() {
            s.to_cow()?.as_bytes().to_vec()
        } else if let Ok(b) = content.cast::<PyBytes>() {
            b.as_bytes().to_vec()
        } else {
            return Err(wrong_type(py, "content", "a str or bytes", content));
        };
        let key = lock(&self.0).derive(&bytes);
        key.py_err(py)
    }

    /// The header that carries the key.
    fn header_name(&self) -> String {
        lock(&self.0).header_name().to_owned()
    }
}

/// An SLO's error budget with multiwindow burn-rate alerts (the SRE Workbook).
#[pyclass(frozen, name = "ErrorBudget", module = "breakwater")]
pub(crate) struct PyErrorBudget(Mutex<error_budget::ErrorBudget>);

#[pymethods]
impl PyErrorBudget {
    #[new]
    #[pyo3(signature = (config=None))]
    fn new(py: Python<'_>, config: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let cfg: ErrorBudgetConfig = convert::config(py, config)?;
        Ok(Self(Mutex::new(error_budget::ErrorBudget::new(cfg).py_err(py)?)))
    }

    /// Counts one user-visible result.
    #[pyo3(signature = (good, now_ms=None))]
    fn record(
        &self,
        py: Python<'_>,
        good: &Bound<'_, PyAny>,
        now_ms: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let good = bool_arg(py, good, "good")?;
        let now = now(py, now_ms)?;
        lock(&self.0).record(now, good);
        Ok(())
    }

    /// Counts `good` and `bad` results at once.
    #[pyo3(signature = (good, bad, now_ms=None))]
    fn record_counts(
        &self,
        py: Python<'_>,
        good: &Bound<'_, PyAny>,
        bad: &Bound<'_, PyAny>,
        now_ms: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let good = u64_arg(py, good, "good")?;
        let bad = u64_arg(py, bad, "bad")?;
        let now = now(py, now_ms)?;
        lock(&self.0).record_counts(now, good, bad);
        Ok(())
    }

    /// The burn rate over the last `window_ms`, or None without data.
    #[pyo3(signature = (window_ms, now_ms=None))]
    fn burn_rate(
        &self,
        py: Python<'_>,
        window_ms: &Bound<'_, PyAny>,
        now_ms: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<f64>> {
        let window = u64_arg(py, window_ms, "window_ms")?;
        let now = now(py, now_ms)?;
        Ok(lock(&self.0).burn_rate(now, window))
    }

    /// The share of the period's error budget left (1 = untouched, below 0 = overspent).
    #[pyo3(signature = (now_ms=None))]
    fn budget_remaining(&self, py: Python<'_>, now_ms: Option<&Bound<'_, PyAny>>) -> PyResult<f64> {
        let now = now(py, now_ms)?;
        Ok(lock(&self.0).budget_remaining(now))
    }

    /// The alert pairs firing now.
    #[pyo3(signature = (now_ms=None))]
    fn alerts<'py>(
        &self,
        py: Python<'py>,
        now_ms: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let now = now(py, now_ms)?;
        let a = lock(&self.0).alerts(now);
        out(py, &a)
    }

    /// Whether retries may go on while the budget burns: `{allowed, reason, burn_rate}`.
    #[pyo3(signature = (now_ms=None))]
    fn retries_allowed<'py>(
        &self,
        py: Python<'py>,
        now_ms: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let now = now(py, now_ms)?;
        let d = lock(&self.0).retries_allowed(now);
        out(py, &d)
    }
}
