//! What only Python has: equality and `repr` of the surface's objects, `len()` of a registry,
//! and the refusal of a class called without a constructor.

use breakwater::{Error, ErrorCode};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::errors::to_pyerr;
use crate::surface::{lock, BreakerRegistry, Policy, Request};

#[pymethods]
impl Policy {
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Policy>()
            .is_ok_and(|o| std::ptr::eq(o.get(), self) || *lock(&o.get().inner) == *lock(&self.inner))
    }

    fn __repr__(&self) -> String {
        format!("Policy.from_json({:?})", serde_json::to_string(&*lock(&self.inner)).unwrap_or_default())
    }
}

#[pymethods]
impl Request {
    fn __repr__(&self) -> String {
        let r = lock(&self.inner);
        format!(
            "Request(idempotency_key={:?}, attempts={}, finished={})",
            r.idempotency_key(),
            r.attempts(),
            if r.finished() { "True" } else { "False" }
        )
    }
}

#[pymethods]
impl BreakerRegistry {
    fn __len__(&self) -> usize {
        lock(&self.inner).len()
    }
}

/// A class without a constructor refuses to be called as one, as in JavaScript:
/// `invalid_argument` at the class's name, naming the operations that make its objects.
fn not_constructed(py: Python<'_>, class: &str) -> PyErr {
    let surface = breakwater::surface::describe();
    let makers: Vec<String> =
        surface.makers(class).iter().map(|(c, op)| format!("{}.{}", c.name, op.name)).collect();
    let message = format!("a {class} comes from {}, not from {class}()", makers.join(" or "));
    to_pyerr(py, &Error::new(ErrorCode::InvalidArgument, class, message))
}

/// A `#[new]` for a class without a constructor, refusing every call.
macro_rules! not_constructible {
    ($($class:ident),*) => {$(
        #[pymethods]
        impl $class {
            #[new]
            #[pyo3(signature = (*_args, **_kwargs))]
            fn refused(py: Python<'_>, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
                Err(not_constructed(py, stringify!($class)))
            }
        }
    )*};
}

not_constructible!(Policy, Request);
