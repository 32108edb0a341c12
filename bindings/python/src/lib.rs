//! Python bindings of breakwater: the compiled module `breakwater._breakwater`.
//!
//! A thin translation layer (see `docs/bindings.md`): arguments are checked and
//! converted, core results are serialized with serde and returned as dicts, core
//! errors become the error classes of `breakwater._errors` with their code, path,
//! line and column. No policy decision is made here. Every class holds its core
//! object behind a lock, so objects can be shared between threads.

use breakwater::transport::classify::{classify as core_classify, Outcome, Profile, ProviderError};
use breakwater::transport::headers;
use breakwater::ErrorCode;
use pyo3::prelude::*;

mod breaker;
mod client;
mod components;
mod convert;
mod errors;
mod pyser;

use convert::{code_arg, opt_str, opt_u64, out, str_arg};
use errors::IntoPy;

/// Classifies one attempt's outcome: `{class, reason, retry_after, should_retry, issues}`.
#[pyfunction]
#[pyo3(signature = (outcome, headers=None, *, profile=None, error_type=None, error_code=None, wall_unix_ms=None))]
fn classify<'py>(
    py: Python<'py>,
    outcome: &Bound<'py, PyAny>,
    headers: Option<&Bound<'py, PyAny>>,
    profile: Option<&Bound<'py, PyAny>>,
    error_type: Option<&Bound<'py, PyAny>>,
    error_code: Option<&Bound<'py, PyAny>>,
    wall_unix_ms: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let outcome = Outcome::parse(&str_arg(py, outcome, "outcome")?).py_err(py)?;
    let headers = convert::headers(py, headers)?;
    let profile: Profile = match profile {
        Some(p) if !p.is_none() => code_arg(py, p, "profile")?,
        _ => Profile::default(),
    };
    let error_type = opt_str(py, error_type, "error_type")?;
    let error_code = opt_str(py, error_code, "error_code")?;
    let wall = opt_u64(py, wall_unix_ms, "wall_unix_ms")?;
    let error = ProviderError::new(error_type.as_deref(), error_code.as_deref());
    out(py, &core_classify(profile, outcome, &headers, error, wall))
}

/// The server's requested delay: `{retry_after: {delay_ms, source} | None, issues}`.
#[pyfunction]
#[pyo3(signature = (headers, wall_unix_ms=None))]
fn retry_after<'py>(
    py: Python<'py>,
    headers: &Bound<'py, PyAny>,
    wall_unix_ms: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let headers = convert::headers(py, Some(headers))?;
    let wall = opt_u64(py, wall_unix_ms, "wall_unix_ms")?;
    out(py, &headers::RetryAfterReport::read(&headers, wall))
}

/// The rate-limit state the headers report: `{rate_limits: {requests?, tokens?, ...}, issues}`.
#[pyfunction]
#[pyo3(signature = (headers, wall_unix_ms=None))]
fn rate_limits<'py>(
    py: Python<'py>,
    headers: &Bound<'py, PyAny>,
    wall_unix_ms: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let headers = convert::headers(py, Some(headers))?;
    let wall = opt_u64(py, wall_unix_ms, "wall_unix_ms")?;
    out(py, &headers::RateLimitReport::read(&headers, wall))
}

/// A Go duration (`1m30s`, `250ms`) in ms, or None when malformed.
#[pyfunction]
fn parse_go_duration(py: Python<'_>, s: &Bound<'_, PyAny>) -> PyResult<Option<f64>> {
    Ok(headers::parse_go_duration(&str_arg(py, s, "s")?))
}

/// An HTTP date (IMF-fixdate, RFC 850, asctime) in unix ms, or None when malformed.
#[pyfunction]
fn parse_http_date(py: Python<'_>, s: &Bound<'_, PyAny>) -> PyResult<Option<i64>> {
    Ok(headers::parse_http_date(&str_arg(py, s, "s")?))
}

/// An RFC 3339 timestamp in unix ms, or None when malformed.
#[pyfunction]
fn parse_rfc3339(py: Python<'_>, s: &Bound<'_, PyAny>) -> PyResult<Option<i64>> {
    Ok(headers::parse_rfc3339(&str_arg(py, s, "s")?))
}

/// The catalogue of stable error codes.
#[pyfunction]
fn error_codes() -> Vec<&'static str> {
    ErrorCode::ALL.iter().map(|c| c.as_str()).collect()
}

/// The compiled half of the `breakwater` package.
#[pymodule]
fn _breakwater(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(classify, m)?)?;
    m.add_function(wrap_pyfunction!(retry_after, m)?)?;
    m.add_function(wrap_pyfunction!(rate_limits, m)?)?;
    m.add_function(wrap_pyfunction!(parse_go_duration, m)?)?;
    m.add_function(wrap_pyfunction!(parse_http_date, m)?)?;
    m.add_function(wrap_pyfunction!(parse_rfc3339, m)?)?;
    m.add_function(wrap_pyfunction!(error_codes, m)?)?;
    m.add_class::<client::PyPolicy>()?;
    m.add_class::<client::PyClient>()?;
    m.add_class::<client::PyRequest>()?;
    m.add_class::<breaker::PyCircuitBreaker>()?;
    m.add_class::<breaker::PyBreakerRegistry>()?;
    m.add_class::<components::PyBackoff>()?;
    m.add_class::<components::PyDeadline>()?;
    m.add_class::<components::PyRetryBudget>()?;
    m.add_class::<components::PyRetryState>()?;
    m.add_class::<components::PyRateLimiter>()?;
    m.add_class::<components::PyIdempotencyKeys>()?;
    m.add_class::<components::PyErrorBudget>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
