//! What only Python has: equality and `repr` of the surface's objects, `len()` of a registry.

use pyo3::prelude::*;

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
