//! Every function and class of `breakwater::surface!`, as Python sees them.
//!
//! One expansion per item of the description: a function's vectorcall entry (`fastcall.rs`),
//! or a `#[pyclass]` holding the core state behind a lock, its constructor and static methods
//! in `#[pymethods]` blocks, its methods as vectorcall entries added to the class at import.
//! Each parameter is read by its kind (`kinds.rs`), unknown keywords are refused, then the
//! object is locked, then the objects among the parameters (in the order described), the
//! operation runs, and its result becomes a Python value (`pyser`) or a new object of a class.

use std::sync::{Mutex, MutexGuard};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::errors::IntoPy;
use crate::fastcall::{self, Entry};
use crate::kinds::{self, no_unknown, Given};

/// Locks a binding's core object; a poisoned lock (impossible without a panic) is still usable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A class of the surface: its core state behind a lock.
pub(crate) trait Wrap: Sized {
    type State;
    fn wrap(state: Self::State) -> Self;
}

/// Reads one parameter by its kind.
macro_rules! read {
    ($py:ident, $p:ident, $kind:ident, $t:ty) => {
        let $p = <$t as kinds::$kind>::read($py, $p, stringify!($p))?;
    };
}

/// Locks an object parameter after the object itself; other kinds are already read.
macro_rules! lock_param {
    ($p:ident, Obj) => {
        let mut guard = lock(&$p.get().inner);
        let $p = &mut *guard;
    };
    ($p:ident, OptObj) => {
        let mut guard = $p.as_ref().map(|o| lock(&o.get().inner));
        let $p = guard.as_deref_mut();
    };
    ($p:ident, $other:ident) => {};
}

/// A result as Python sees it: a plain value, or a new object of a class.
macro_rules! result {
    ($py:ident, Value, $rt:ty, $e:expr) => {
        crate::convert::out($py, &$e)
    };
    ($py:ident, Obj, $rt:ty, $e:expr) => {
        Ok(Bound::new($py, <$rt as Wrap>::wrap($e))?.into_any())
    };
}

/// One class member: the constructor, a static method or a method.
macro_rules! member {
    ($class:ident; $(#[doc = $d:literal])* new ($($(#[doc = $pd:literal])* $p:ident $([$bag:ident $($bag_type:ident)?])? : $kind:ident $t:ty),*) = $f:path;) => {
        #[pymethods]
        impl $class {
            $(#[doc = $d])*
            #[new]
            #[pyo3(signature = ($($p = Given::LeftOut,)* *extra, **kwargs))]
            fn new<'py>(
                py: Python<'py>,
                $($p: Given<'py>,)*
                extra: &Bound<'py, PyTuple>,
                kwargs: Option<&Bound<'py, PyDict>>,
            ) -> PyResult<Self> {
                no_unknown(py, "__init__", <[&str]>::len(&[$(stringify!($p)),*]), extra, kwargs)?;
                $(let $p = $p.arg(); read!(py, $p, $kind, $t);)*
                Ok(<Self as Wrap>::wrap($f($($p),*).py_err(py)?))
            }
        }
    };
    ($class:ident; $(#[doc = $d:literal])* static $name:ident $js:literal
        ($($(#[doc = $pd:literal])* $p:ident $([$bag:ident $($bag_type:ident)?])? : $kind:ident $t:ty),*) -> $rk:ident $rt:ty = $f:path;) => {
        #[pymethods]
        impl $class {
            $(#[doc = $d])*
            #[staticmethod]
            #[pyo3(signature = ($($p = Given::LeftOut,)* *extra, **kwargs))]
            fn $name<'py>(
                py: Python<'py>,
                $($p: Given<'py>,)*
                extra: &Bound<'py, PyTuple>,
                kwargs: Option<&Bound<'py, PyDict>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                no_unknown(py, stringify!($name), <[&str]>::len(&[$(stringify!($p)),*]), extra, kwargs)?;
                $(let $p = $p.arg(); read!(py, $p, $kind, $t);)*
                result!(py, $rk, $rt, $f($($p),*).py_err(py)?)
            }
        }
    };
    ($class:ident; $(#[doc = $d:literal])* fn $name:ident $js:literal
        ($($(#[doc = $pd:literal])* $p:ident $([$bag:ident $($bag_type:ident)?])? : $kind:ident $t:ty),*) -> $rk:ident $rt:ty = $f:path;) => {
        #[allow(non_upper_case_globals)]
        impl $class {
            /// The method's vectorcall entry (`fastcall.rs`), added to the class at start.
            const $name: Entry = fastcall::entry!("$self" $name ($($p),*), concat!($($d, "\n"),*), |py, slf| {
                $(read!(py, $p, $kind, $t);)*
                let this = slf.cast::<$class>()?;
                // The object, then its parameters' objects, locked only while the operation
                // runs: no Python code runs under a lock (building the result allocates, and
                // an allocation may run a finalizer that calls back into breakwater).
                let out = {
                    let mut this = lock(&this.get().inner);
                    $(lock_param!($p, $kind);)*
                    $f(&mut *this, $($p),*)
                };
                result!(py, $rk, $rt, out.py_err(py)?)
            });
        }
    };
}

/// Adds a class's methods (their vectorcall entries) to its type; constructors and static
/// methods are pyo3's.
macro_rules! register_member {
    ($ty:ident, $class:ident; $(#[doc = $d:literal])* new $params:tt = $f:path;) => {};
    ($ty:ident, $class:ident; $(#[doc = $d:literal])* static $name:ident $js:literal $params:tt
        -> $rk:ident $rt:ty = $f:path;) => {};
    ($ty:ident, $class:ident; $(#[doc = $d:literal])* fn $name:ident $js:literal $params:tt
        -> $rk:ident $rt:ty = $f:path;) => {
        fastcall::method(&$ty, &$class::$name)?;
    };
}

macro_rules! python_items {
    () => {};
    ($(#[doc = $d:literal])* fn $name:ident $js:literal ($($(#[doc = $pd:literal])* $p:ident $([$bag:ident $($bag_type:ident)?])? : $kind:ident $t:ty),*)
        -> $rk:ident $rt:ty = $f:path; $($rest:tt)*) => {
        /// The function's vectorcall entry (`fastcall.rs`), added to the module at start (in a
        /// module of its name: a parameter of another function may share it).
        mod $name {
            use super::*;
            pub(super) const ENTRY: Entry = fastcall::entry!("$module" $name ($($p),*), concat!($($d, "\n"),*), |py, _module| {
                $(read!(py, $p, $kind, $t);)*
                result!(py, $rk, $rt, $f($($p),*).py_err(py)?)
            });
        }
        python_items!($($rest)*);
    };
    ($(#[doc = $d:literal])* class $name:ident $js:literal ($state:ty) { $($body:tt)* } $($rest:tt)*) => {
        $(#[doc = $d])*
        #[pyclass(frozen, module = "breakwater")]
        pub(crate) struct $name {
            pub(crate) inner: Mutex<$state>,
        }

        impl Wrap for $name {
            type State = $state;
            fn wrap(state: $state) -> Self {
                Self { inner: Mutex::new(state) }
            }
        }

        impl kinds::Obj for $name {
            const EXPECTED: &'static str = concat!("a breakwater.", stringify!($name));
        }

        breakwater::surface_members!(member [$name]; $($body)*);
        python_items!($($rest)*);
    };
}

macro_rules! python_register {
    ($m:ident;) => {};
    ($m:ident; $(#[doc = $d:literal])* fn $name:ident $js:literal $params:tt -> $rk:ident $rt:ty = $f:path;
        $($rest:tt)*) => {
        fastcall::function($m, &$name::ENTRY)?;
        python_register!($m; $($rest)*);
    };
    ($m:ident; $(#[doc = $d:literal])* class $name:ident $js:literal $state:tt { $($body:tt)* } $($rest:tt)*) => {
        $m.add_class::<$name>()?;
        let ty = $m.py().get_type::<$name>();
        breakwater::surface_members!(register_member [ty, $name]; $($body)*);
        python_register!($m; $($rest)*);
    };
}

macro_rules! python_surface {
    ($($items:tt)*) => {
        python_items!($($items)*);

        /// Adds every function and class of the surface to the module.
        pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
            python_register!(m; $($items)*);
            Ok(())
        }
    };
}

breakwater::surface!(python_surface);
