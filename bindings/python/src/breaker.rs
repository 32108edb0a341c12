//! `CircuitBreaker` and `BreakerRegistry`: permits cross the boundary as integer tokens.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use breakwater::transport::breaker::{self, BreakerConfig, Permit};
use breakwater::transport::classify::Class;
use breakwater::StableCode;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyString, PyTuple, PyType};

use crate::convert::{self, clock_ms, now, opt_u64, out, u64_arg};
use crate::errors::{wrong_type, IntoPy};
use crate::fastcall::{self, entry, Entry};
use crate::kinds::{no_unknown, required};
use crate::surface::lock;

/// The class codes as interned Python strings: a literal `"success"` in Python code is the
/// same object, so the common case is a pointer comparison, not a string conversion.
static CLASS_NAMES: PyOnceLock<Vec<(Py<PyString>, Class)>> = PyOnceLock::new();

/// Interned code strings of the values the fast path returns, indexed by their position in
/// `ALL` (no lock, no hashing per call).
static COUNTED_NAMES: PyOnceLock<Vec<Py<PyString>>> = PyOnceLock::new();
static STATE_NAMES: PyOnceLock<Vec<Py<PyString>>> = PyOnceLock::new();

fn interned<'py>(
    py: Python<'py>,
    cache: &'static PyOnceLock<Vec<Py<PyString>>>,
    codes: impl Iterator<Item = &'static str>,
    index: usize,
) -> Bound<'py, PyString> {
    let names = cache.get_or_init(py, || codes.map(|c| PyString::intern(py, c).unbind()).collect());
    names[index].bind(py).clone()
}

fn counted_str(py: Python<'_>, counted: breaker::Counted) -> Bound<'_, PyString> {
    interned(py, &COUNTED_NAMES, breaker::Counted::ALL.iter().map(|c| c.as_str()), counted.index())
}

fn state_str(py: Python<'_>, state: breaker::State) -> Bound<'_, PyString> {
    interned(py, &STATE_NAMES, breaker::State::ALL.iter().map(|s| s.as_str()), state.index())
}

/// A result class code (`success`, `retryable`, `rate_limited`, `overloaded`, `permanent`, `fatal`).
pub(crate) fn class_arg(py: Python<'_>, obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Class> {
    let names = CLASS_NAMES.get_or_init(py, || {
        Class::ALL.iter().map(|c| (PyString::intern(py, c.as_str()).unbind(), *c)).collect()
    });
    if let Some((_, class)) = names.iter().find(|(name, _)| obj.is(name)) {
        return Ok(*class);
    }
    let Ok(s) = obj.cast::<PyString>() else {
        return Err(wrong_type(py, name, "a str", obj));
    };
    let s = crate::convert::utf8(s)?;
    Class::parse(&s, name).py_err(py)
}

/// A permit token from `try_acquire` (an int < 2^53).
fn permit_arg(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Permit> {
    Ok(Permit::from_token(u64_arg(py, obj, "permit")?))
}

/// `record`'s three required arguments, each `missing_field` when left out.
fn record_args(
    py: Python<'_>,
    permit: Option<&Bound<'_, PyAny>>,
    class_name: Option<&Bound<'_, PyAny>>,
    latency_ms: Option<&Bound<'_, PyAny>>,
) -> PyResult<(Permit, Class, u64)> {
    Ok((
        permit_arg(py, required(py, permit, "permit")?)?,
        class_arg(py, required(py, class_name, "class_name")?, "class_name")?,
        u64_arg(py, required(py, latency_ms, "latency_ms")?, "latency_ms")?,
    ))
}

fn transition_out<'py>(py: Python<'py>, t: Option<breaker::Transition>) -> PyResult<Bound<'py, PyAny>> {
    match t {
        Some(t) => out(py, &t),
        None => Ok(py.None().into_bound(py)),
    }
}

/// A circuit breaker for one upstream (resilience4j's rules); safe to share between threads.
#[pyclass(frozen, name = "CircuitBreaker", module = "breakwater")]
pub(crate) struct PyCircuitBreaker {
    breaker: Mutex<breaker::CircuitBreaker>,
    /// The breaker's standing permit token as of its last unlock (`NO_PERMIT`: none), see
    /// `CircuitBreaker::standing_permit`: `try_acquire_permit()` answers from it without the
    /// lock. Published after every locked call.
    standing: AtomicU64,
    /// Set when a call on the default clock skipped reading it: `try_acquire_permit()`
    /// answered from the standing permit (`CircuitBreaker::standing_permit`), or a record that
    /// needed no time (`CircuitBreaker::record_lazy`). A later call with an explicit time first
    /// hands the breaker a clock reading, no earlier than the one skipped. Calls on the
    /// default clock need none: their own reading comes later.
    clock_owed: AtomicBool,
}

/// `standing` when the state does not permit every call (tokens are below 2^53).
const NO_PERMIT: u64 = u64::MAX;

impl PyCircuitBreaker {
    /// Runs `f` on the locked breaker, then publishes its standing permit (so no call that may
    /// change the state forgets to). `f` must not call into Python.
    #[inline]
    fn with<T>(&self, f: impl FnOnce(&mut breaker::CircuitBreaker) -> T) -> T {
        let mut b = lock(&self.breaker);
        let out = f(&mut b);
        let token = b.standing_permit().map_or(NO_PERMIT, |p| p.token());
        self.standing.store(token, Ordering::Release);
        out
    }

    /// Runs `f` at the time of this call (`now_ms`, or the clock), with any clock reading
    /// owed handed over first. Times are read before locking: off Linux the clock is Python's.
    #[inline]
    fn at<T>(
        &self,
        py: Python<'_>,
        now_ms: Option<&Bound<'_, PyAny>>,
        f: impl FnOnce(&mut breaker::CircuitBreaker, u64) -> T,
    ) -> PyResult<T> {
        let now = now(py, now_ms)?;
        let explicit = now_ms.is_some_and(|o| !o.is_none());
        let owed = explicit
            && self.clock_owed.load(Ordering::Relaxed)
            && self.clock_owed.swap(false, Ordering::Relaxed);
        let owed = if owed { Some(clock_ms(py)?) } else { None };
        Ok(self.with(|b| {
            if let Some(t) = owed {
                b.advance_clock(t);
            }
            f(b, now)
        }))
    }

    /// A manual transition at `now_ms`: the transition, or None.
    fn manual<'py>(
        &self,
        py: Python<'py>,
        now_ms: Option<&Bound<'py, PyAny>>,
        transition: fn(&mut breaker::CircuitBreaker, u64) -> Option<breaker::Transition>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let t = self.at(py, now_ms, transition)?;
        transition_out(py, t)
    }

    /// `record` at `now_ms`, or on the default clock read only if the outcome depends on the
    /// time (on Linux, where the clock is read without Python and so under the lock); `pick`
    /// takes what the caller needs from the result under the lock (copying the whole result
    /// out costs the fast path more than the decision).
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn record_at<T>(
        &self,
        py: Python<'_>,
        now_ms: Option<&Bound<'_, PyAny>>,
        permit: Permit,
        class: Class,
        latency_ms: u64,
        server_delay_ms: Option<u64>,
        pick: impl FnOnce(breaker::Recorded) -> T,
    ) -> PyResult<T> {
        #[cfg(target_os = "linux")]
        if now_ms.is_none_or(|o| o.is_none()) {
            let mut read = false;
            let clock = || {
                read = true;
                convert::monotonic_ms()
            };
            let r = self.with(|b| pick(b.record_lazy(clock, permit, class, latency_ms, server_delay_ms)));
            if !read {
                self.clock_owed.store(true, Ordering::Relaxed);
            }
            return Ok(r);
        }
        self.at(py, now_ms, |b, now| pick(b.record(now, permit, class, latency_ms, server_delay_ms)))
    }
}

#[pymethods]
impl PyCircuitBreaker {
    #[new]
    #[pyo3(signature = (config=None, *extra, **kwargs))]
    fn new(
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        extra: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        no_unknown(py, "__init__", 1, extra, kwargs)?;
        let cfg: BreakerConfig = convert::config(py, config)?;
        let breaker = breaker::CircuitBreaker::new(cfg).py_err(py)?;
        let standing = AtomicU64::new(breaker.standing_permit().map_or(NO_PERMIT, |p| p.token()));
        Ok(Self { breaker: Mutex::new(breaker), standing, clock_owed: AtomicBool::new(false) })
    }

    fn __repr__(&self) -> String {
        format!("CircuitBreaker(state={:?})", lock(&self.breaker).state().as_str())
    }
}

/// The entry of a manual transition (the core's method of the same name) at `now_ms`.
macro_rules! manual {
    ($name:ident, $doc:literal) => {
        entry!("$self" $name(now_ms), $doc, |py, slf| {
            this(&slf)?.manual(py, now_ms, breaker::CircuitBreaker::$name)
        })
    };
}

/// The breaker's methods, as the surface's (`fastcall.rs`): arguments refused as every
/// method refuses them (`missing_field`, `invalid_argument`, `unknown_field`), the fast paths
/// included, in CPython's vectorcall convention.
#[allow(non_upper_case_globals)]
impl PyCircuitBreaker {
    const try_acquire: Entry = entry!(
        "$self" try_acquire(now_ms),
        "Asks to make one call: `{permitted, permit, state, reason, retry_after_ms, transition}`.",
        |py, slf| {
            let a = this(&slf)?.at(py, now_ms, |b, now| b.try_acquire(now))?;
            out(py, &a)
        }
    );

    const try_acquire_permit: Entry = entry!(
        "$self" try_acquire_permit(now_ms),
        "The fast path of `try_acquire`: the permit token, or None when rejected.",
        |py, slf| {
            let this = this(&slf)?;
            if now_ms.is_none_or(|o| o.is_none()) {
                // In the states that permit every call the answer needs neither clock nor lock.
                let standing = this.standing.load(Ordering::Acquire);
                if standing != NO_PERMIT {
                    this.clock_owed.store(true, Ordering::Relaxed);
                    return Ok(standing.into_pyobject(py)?.into_any());
                }
            }
            let permit = this.at(py, now_ms, |b, now| b.try_acquire(now).permit)?;
            Ok(permit.map(|p| p.token()).into_pyobject(py)?.into_any())
        }
    );

    const record: Entry = entry!(
        "$self" record(permit, class_name, latency_ms, server_delay_ms, now_ms),
        "Feeds back a call's result: `{counted, state, transition}`.",
        |py, slf| {
            let (permit, class, latency) = record_args(py, permit, class_name, latency_ms)?;
            let server_delay = opt_u64(py, server_delay_ms, "server_delay_ms")?;
            let r = this(&slf)?.record_at(py, now_ms, permit, class, latency, server_delay, |r| r)?;
            out(py, &r)
        }
    );

    const record_permit: Entry = entry!(
        "$self" record_permit(permit, class_name, latency_ms, now_ms),
        "The fast path of `record`: only the `counted` code.",
        |py, slf| {
            let (permit, class, latency) = record_args(py, permit, class_name, latency_ms)?;
            let counted = this(&slf)?.record_at(py, now_ms, permit, class, latency, None, |r| r.counted)?;
            Ok(counted_str(py, counted).into_any())
        }
    );

    const release: Entry = entry!(
        "$self" release(permit),
        "Gives back a permit whose call was cancelled; whether a half-open slot was freed.",
        |py, slf| {
            let permit = permit_arg(py, required(py, permit, "permit")?)?;
            let released = this(&slf)?.with(|b| b.release(permit));
            Ok(PyBool::new(py, released).to_owned().into_any())
        }
    );

    const transition_to_forced_open: Entry = manual!(
        transition_to_forced_open,
        "Manual: reject every call until `reset`. The transition, or None."
    );
    const transition_to_disabled: Entry = manual!(
        transition_to_disabled,
        "Manual: permit every call, record nothing. The transition, or None."
    );
    const transition_to_metrics_only: Entry = manual!(
        transition_to_metrics_only,
        "Manual: permit every call, record metrics, never transition. The transition, or None."
    );
    const reset: Entry =
        manual!(reset, "Manual: back to closed with empty metrics. The transition, or None.");

    const state: Entry = entry!("$self" state(), "The state as of the last call.", |py, slf| {
        let state = lock(&this(&slf)?.breaker).state();
        Ok(state_str(py, state).into_any())
    });

    const metrics: Entry = entry!(
        "$self" metrics(now_ms),
        "Counts and rates of the current window: `{calls, failures, slow_calls, failure_rate, slow_call_rate}`.",
        |py, slf| {
            let m = this(&slf)?.at(py, now_ms, |b, now| b.metrics(now))?;
            out(py, &m)
        }
    );

    /// Adds the methods to the class.
    pub(crate) fn register(ty: &Bound<'_, PyType>) -> PyResult<()> {
        for entry in [
            &Self::try_acquire,
            &Self::try_acquire_permit,
            &Self::record,
            &Self::record_permit,
            &Self::release,
            &Self::transition_to_forced_open,
            &Self::transition_to_disabled,
            &Self::transition_to_metrics_only,
            &Self::reset,
            &Self::state,
            &Self::metrics,
        ] {
            fastcall::method(ty, entry)?;
        }
        Ok(())
    }
}

/// The breaker a method was called on.
fn this<'a>(slf: &'a Borrowed<'_, '_, PyAny>) -> PyResult<&'a PyCircuitBreaker> {
    Ok(slf.cast::<PyCircuitBreaker>()?.get())
}
