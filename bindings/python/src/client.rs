//! `Policy`, `Client` and `Request`: the composed transport policy of one upstream.
//!
//! Lock order: a `Client` call locks the client, then the request; `Request` methods lock
//! only the request. No lock is held while Python code runs.

use std::sync::Mutex;

use breakwater::transport::classify::{Outcome, ProviderError};
use breakwater::transport::client::{self, AttemptResult, RequestOptions};
use breakwater::Policy;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyMapping, PyString};

use crate::breaker::lock;
use crate::convert::{self, from_py, now, opt_str, opt_u64, out, str_arg, to_py};
use crate::errors::{wrong_type, IntoPy};

/// A validated policy document (every knob of a client, with documented defaults).
#[pyclass(frozen, name = "Policy", module = "breakwater")]
pub(crate) struct PyPolicy(Policy);

#[pymethods]
impl PyPolicy {
    /// Reads and validates a policy from JSON text (errors carry line and column).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<Self> {
        let text = str_arg(py, text, "text")?;
        Ok(Self(Policy::from_json(&text).py_err(py)?))
    }

    /// Reads and validates a policy from TOML text (errors carry line and column).
    #[staticmethod]
    fn from_toml(py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<Self> {
        let text = str_arg(py, text, "text")?;
        Ok(Self(Policy::from_toml(&text).py_err(py)?))
    }

    /// Reads and validates a policy from a dict (errors carry the field path).
    #[staticmethod]
    fn from_dict(py: Python<'_>, d: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(Self(policy_from_dict(py, d)?))
    }

    /// A built-in preset: `openai_sdk`, `conservative` or `batch_first`.
    #[staticmethod]
    fn preset(py: Python<'_>, name: &Bound<'_, PyAny>) -> PyResult<Self> {
        let name = str_arg(py, name, "name")?;
        Ok(Self(Policy::preset(&name).py_err(py)?))
    }

    /// The JSON Schema (draft 2020-12) of the policy document.
    #[staticmethod]
    fn schema(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        to_py(py, &Policy::json_schema())
    }

    /// The policy as a dict (every field, defaults filled in).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        out(py, &self.0)
    }

    /// The policy as JSON text.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        serde_json::to_string(&self.0).map_err(|e| crate::errors::argument(py, "policy", e.to_string()))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<PyPolicy>().is_ok_and(|o| o.get().0 == self.0)
    }

    fn __repr__(&self) -> String {
        format!("Policy.from_json({:?})", serde_json::to_string(&self.0).unwrap_or_default())
    }
}

fn policy_from_dict(py: Python<'_>, d: &Bound<'_, PyAny>) -> PyResult<Policy> {
    if !(d.is_instance_of::<PyDict>() || d.cast::<PyMapping>().is_ok()) {
        return Err(wrong_type(py, "policy", "a dict", d));
    }
    let v = from_py(d, "").py_err(py)?;
    Policy::from_value(&v).py_err(py)
}

/// One logical request, owned by the host and passed back to its `Client`.
#[pyclass(frozen, name = "Request", module = "breakwater")]
pub(crate) struct PyRequest(Mutex<client::Request>);

#[pymethods]
impl PyRequest {
    /// The idempotency key, the same for every attempt.
    fn idempotency_key(&self) -> String {
        lock(&self.0).idempotency_key().to_owned()
    }

    /// Attempts sent so far.
    fn attempts(&self) -> u32 {
        lock(&self.0).attempts()
    }

    /// Whether a final decision (done or give up) was made.
    fn finished(&self) -> bool {
        lock(&self.0).finished()
    }

    fn __repr__(&self) -> String {
        let r = lock(&self.0);
        format!(
            "Request(idempotency_key={:?}, attempts={}, finished={})",
            r.idempotency_key(),
            r.attempts(),
            if r.finished() { "True" } else { "False" }
        )
    }
}

fn request_arg<'a, 'py>(py: Python<'py>, obj: &'a Bound<'py, PyAny>) -> PyResult<&'a Bound<'py, PyRequest>> {
    obj.cast::<PyRequest>().map_err(|_| wrong_type(py, "request", "a breakwater.Request", obj))
}

/// Every transport policy of one upstream (breakers, budgets, limiter, keys), driven by the host.
#[pyclass(frozen, name = "Client", module = "breakwater")]
pub(crate) struct PyClient(Mutex<client::Client>);

#[pymethods]
impl PyClient {
    #[new]
    #[pyo3(signature = (policy=None, seed=None, now_ms=None))]
    fn new(
        py: Python<'_>,
        policy: Option<&Bound<'_, PyAny>>,
        seed: Option<&Bound<'_, PyAny>>,
        now_ms: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let policy = match policy {
            None => Policy::default(),
            Some(p) if p.is_none() => Policy::default(),
            Some(p) => match p.cast::<PyPolicy>() {
                Ok(p) => p.get().0.clone(),
                Err(_) => policy_from_dict(py, p)?,
            },
        };
        let seed = convert::seed(py, seed)?;
        let now = now(py, now_ms)?;
        Ok(Self(Mutex::new(client::Client::new(policy, seed, now).py_err(py)?)))
    }

    /// Starts a logical request.
    #[pyo3(signature = (key=None, est_tokens=None, outer_owns_retries=None, content=None, deadline_ms=None, now_ms=None))]
    #[allow(clippy::too_many_arguments)]
    fn begin(
        &self,
        py: Python<'_>,
        key: Option<&Bound<'_, PyAny>>,
        est_tokens: Option<&Bound<'_, PyAny>>,
        outer_owns_retries: Option<&Bound<'_, PyAny>>,
        content: Option<&Bound<'_, PyAny>>,
        deadline_ms: Option<&Bound<'_, PyAny>>,
        now_ms: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyRequest> {
        let key = opt_str(py, key, "key")?;
        let est_tokens = opt_u64(py, est_tokens, "est_tokens")?.unwrap_or(0);
        let outer = convert::flag(py, outer_owns_retries, "outer_owns_retries")?;
        let content: Option<Vec<u8>> = match content {
            Some(c) if !c.is_none() => Some(if let Ok(s) = c.cast::<PyString>() {
                s.to_cow()?.as_bytes().to_vec()
            } else if let Ok(b) = c.cast::<PyBytes>() {
                b.as_bytes().to_vec()
            } else {
                return Err(wrong_type(py, "content", "a str or bytes", c));
            }),
            _ => None,
        };
        let deadline_ms = opt_u64(py, deadline_ms, "deadline_ms")?;
        let now = now(py, now_ms)?;
        let options = RequestOptions {
            key: key.as_deref(),
            est_tokens,
            outer_owns_retries: outer,
            content: content.as_deref(),
            deadline_ms,
        };
        let req = lock(&self.0).begin(now, &options).py_err(py)?;
        Ok(PyRequest(Mutex::new(req)))
    }

    /// Decides whether the next attempt may be sent: `{action, reason, wait_until_ms?,
    /// attempt, timeouts, headers}`.
    #[pyo3(signature = (request, now_ms=None))]
    fn before_attempt<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
        now_ms: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = request_arg(py, request)?;
        let now = now(py, now_ms)?;
        let decision = {
            let mut client = lock(&self.0);
            let mut req = lock(&request.get().0);
            client.before_attempt(now, &mut req)
        };
        out(py, &decision.py_err(py)?)
    }

    /// Records the attempt's result and decides: `{action, reason, delay_ms, retries_taken,
    /// class, cause}`.
    #[pyo3(signature = (request, outcome, headers=None, error_type=None, error_code=None, latency_ms=None, wall_unix_ms=None, actual_tokens=None, now_ms=None))]
    #[allow(clippy::too_many_arguments)]
    fn on_outcome<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
        outcome: &Bound<'py, PyAny>,
        headers: Option<&Bound<'py, PyAny>>,
        error_type: Option<&Bound<'py, PyAny>>,
        error_code: Option<&Bound<'py, PyAny>>,
        latency_ms: Option<&Bound<'py, PyAny>>,
        wall_unix_ms: Option<&Bound<'py, PyAny>>,
        actual_tokens: Option<&Bound<'py, PyAny>>,
        now_ms: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = request_arg(py, request)?;
        let outcome = Outcome::parse(&str_arg(py, outcome, "outcome")?).py_err(py)?;
        let headers = convert::headers(py, headers)?;
        let error_type = opt_str(py, error_type, "error_type")?;
        let error_code = opt_str(py, error_code, "error_code")?;
        let latency_ms = opt_u64(py, latency_ms, "latency_ms")?.unwrap_or(0);
        let wall_unix_ms = opt_u64(py, wall_unix_ms, "wall_unix_ms")?;
        let actual_tokens = opt_u64(py, actual_tokens, "actual_tokens")?;
        let now = now(py, now_ms)?;
        let result = AttemptResult {
            outcome,
            headers: &headers,
            error: ProviderError::new(error_type.as_deref(), error_code.as_deref()),
            latency_ms,
            wall_unix_ms,
            actual_tokens,
        };
        let decision = {
            let mut client = lock(&self.0);
            let mut req = lock(&request.get().0);
            client.on_outcome(now, &mut req, &result)
        };
        out(py, &decision.py_err(py)?)
    }

    /// Ends the request without a result (the host cancelled it).
    #[pyo3(signature = (request, now_ms=None))]
    fn cancel(
        &self,
        py: Python<'_>,
        request: &Bound<'_, PyAny>,
        now_ms: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let request = request_arg(py, request)?;
        let now = now(py, now_ms)?;
        let mut client = lock(&self.0);
        let mut req = lock(&request.get().0);
        client.cancel(now, &mut req);
        Ok(())
    }

    /// The oldest breaker transition not yet polled (`{key, transition}`), or None.
    fn poll_event<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let event = lock(&self.0).poll_event();
        out(py, &event)
    }

    /// The breaker state for `key`.
    fn breaker_state(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<&'static str> {
        let key = str_arg(py, key, "key")?;
        Ok(lock(&self.0).breaker_state(&key).as_str())
    }
}
