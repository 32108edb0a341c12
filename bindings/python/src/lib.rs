//! Python bindings of breakwater: the compiled module `breakwater._breakwater`.
//!
//! A thin translation layer (see `docs/bindings.md`): every function and class comes from the
//! core's description of the surface (`breakwater::surface!`, expanded in `surface.rs`), each
//! parameter read by its kind (`kinds.rs`). Core results become dicts (`pyser.rs`), core errors
//! the error classes of `breakwater._errors` with their code, path, line and column
//! (`errors.rs`). The circuit breaker's per-call path is hand-written (`breaker.rs`): it is
//! measured against pybreaker in `bench/README.md`. Every object holds its core state behind
//! a lock, so objects can be shared between threads.

use pyo3::prelude::*;

mod breaker;
mod convert;
mod errors;
mod extras;
#[allow(unsafe_code)] // the vectorcall entries' CPython calls, each `SAFETY`-noted
mod fastcall;
mod kinds;
mod pyser;
mod surface;

/// The description of the surface every runtime exposes (`breakwater::surface::describe`).
#[pyfunction]
#[pyo3(name = "surface")]
fn surface_description(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    convert::out(py, &breakwater::surface::describe())
}

/// The compiled half of the `breakwater` package.
#[pymodule]
fn _breakwater(m: &Bound<'_, PyModule>) -> PyResult<()> {
    surface::register(m)?;
    m.add_function(wrap_pyfunction!(surface_description, m)?)?;
    m.add_class::<breaker::PyCircuitBreaker>()?;
    breaker::PyCircuitBreaker::register(&m.py().get_type::<breaker::PyCircuitBreaker>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
