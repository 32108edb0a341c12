//! The surface's methods and functions as CPython calls them fastest: `METH_FASTCALL |
//! METH_KEYWORDS`, the arguments as a vector and the keywords' names.
//!
//! The surface refuses an unknown keyword with `unknown_field`, so a pyo3 method of it must
//! take `**kwargs`, and pyo3 gives such a method the tuple-and-dict convention: CPython then
//! builds a tuple of the arguments on every call (about 50 ns of a 100 ns call). These entries
//! sort the vector into the parameters themselves and refuse what the surface refuses: more
//! positional arguments than parameters (`invalid_argument` at the operation), an unknown
//! keyword (`unknown_field`), one given twice (`invalid_argument` at it). Everything after
//! that is the same code as before: each parameter read by its kind, the operation, the result.
//! The entries run in pyo3's own trampoline (`pyo3::impl_::trampoline`, what its
//! `#[pymethods]` expand to: the thread's attachment counted, a panic raised as
//! `PanicException`); it is pyo3's internal API, so a pyo3 upgrade that moves it fails the
//! build here, never silently.

use std::ffi::CStr;

use breakwater::{Error, ErrorCode};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple, PyType};

use crate::errors::to_pyerr;

/// A method or function, registered on its class or module at start.
pub(crate) struct Entry {
    pub name: &'static CStr,
    pub doc: &'static CStr,
    pub raw: ffi::PyCFunctionFastWithKeywords,
}

/// The entry of `$name`, taking the parameters `$p`: `$body` runs with `$py`, `$slf` (the
/// object a method is called on, or the module) and each parameter as an
/// `Option<&Bound<PyAny>>` (`None`: not given), and returns a `PyResult<Bound<PyAny>>`.
/// `$on` is `$self` for a method, `$module` for a function: the docstring starts with the
/// signature CPython reads into `__text_signature__` (so `help()` and `inspect.signature`
/// show the parameters, every one defaulting to `None`).
macro_rules! entry {
    ($on:literal $name:ident ($($p:ident),*), $doc:expr, |$py:ident, $slf:ident| $body:block) => {
        $crate::fastcall::Entry {
            name: pyo3::ffi::c_str!(stringify!($name)),
            doc: pyo3::ffi::c_str!(concat!(
                stringify!($name), "(", $on, ", ", $(stringify!($p), "=None, ",)* ")\n--\n\n", $doc
            )),
            raw: {
                use pyo3::impl_::trampoline::{fastcall_cfunction_with_keywords as trampoline, MethodDef};
                /// The entry's body, run by pyo3's own trampoline (what its `#[pymethods]` use).
                struct Meth;
                impl MethodDef<trampoline::Func> for Meth {
                    const METH: trampoline::Func = body;
                }
                #[allow(unsafe_code)]
                unsafe fn body<'py>(
                    $py: pyo3::Python<'py>,
                    slf: *mut pyo3::ffi::PyObject,
                    args: *const *mut pyo3::ffi::PyObject,
                    nargs: pyo3::ffi::Py_ssize_t,
                    kwnames: *mut pyo3::ffi::PyObject,
                ) -> pyo3::PyResult<*mut pyo3::ffi::PyObject> {
                    // SAFETY: the arguments CPython passed to this entry.
                    let [$($p),*] = unsafe {
                        $crate::fastcall::sort($py, stringify!($name), [$(stringify!($p)),*], args, nargs, kwnames)?
                    };
                    $(let $p = $p.as_deref();)*
                    // SAFETY: the object (or module) CPython called the entry on.
                    let $slf = unsafe { pyo3::Borrowed::from_ptr($py, slf) };
                    let out: pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> = (|| $body)();
                    out.map(pyo3::Bound::into_ptr)
                }
                trampoline::<Meth>
            },
        }
    };
}
pub(crate) use entry;

/// The arguments of a call, sorted into the `N` parameters named `names` (positional ones
/// first, then the keywords by name).
///
/// # Safety
/// `args` holds `nargs` positional arguments followed by one per name of `kwnames` (a tuple
/// of str, or null), as CPython passes them to a `METH_FASTCALL | METH_KEYWORDS` function,
/// and they stay alive for `'a` (the call).
pub(crate) unsafe fn sort<'a, 'py, const N: usize>(
    py: Python<'py>,
    op: &str,
    names: [&str; N],
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> PyResult<[Option<Borrowed<'a, 'py, PyAny>>; N]> {
    let mut out: [Option<Borrowed<'a, 'py, PyAny>>; N] = [None; N];
    let positional = usize::try_from(nargs).unwrap_or(0);
    if positional > N {
        let plural = if N == 1 { "" } else { "s" };
        let message = format!("takes at most {N} argument{plural}, got {positional}");
        return Err(to_pyerr(py, &Error::new(ErrorCode::InvalidArgument, op, message)));
    }
    for (i, slot) in out.iter_mut().enumerate().take(positional) {
        // SAFETY: `i < nargs`: a positional argument of the call.
        *slot = Some(unsafe { Borrowed::from_ptr(py, *args.add(i)) });
    }
    // SAFETY: a tuple of str or null (the caller's contract).
    let Some(kwnames) = (unsafe { Borrowed::from_ptr_or_opt(py, kwnames) }) else { return Ok(out) };
    let kwnames = kwnames.cast::<PyTuple>()?;
    for (j, name) in kwnames.iter().enumerate() {
        let name = name.cast::<PyString>()?;
        let name = name.to_str()?;
        let Some(k) = names.iter().position(|n| *n == name) else {
            let message = format!("no argument named `{name}`");
            return Err(to_pyerr(py, &Error::new(ErrorCode::UnknownField, name, message)));
        };
        if out[k].is_some() {
            let message = "given twice, by position and by keyword";
            return Err(to_pyerr(py, &Error::new(ErrorCode::InvalidArgument, name, message)));
        }
        // SAFETY: the keywords' values follow the positional arguments, one per name.
        out[k] = Some(unsafe { Borrowed::from_ptr(py, *args.add(positional + j)) });
    }
    Ok(out)
}

/// A `PyMethodDef` for `entry`, alive for the rest of the process (CPython keeps a pointer).
fn def(entry: &Entry) -> *mut ffi::PyMethodDef {
    Box::into_raw(Box::new(ffi::PyMethodDef {
        ml_name: entry.name.as_ptr(),
        ml_meth: ffi::PyMethodDefPointer { PyCFunctionFastWithKeywords: entry.raw },
        ml_flags: ffi::METH_FASTCALL | ffi::METH_KEYWORDS,
        ml_doc: entry.doc.as_ptr(),
    }))
}

/// Adds `entry` to the class `ty` as a method.
pub(crate) fn method(ty: &Bound<'_, PyType>, entry: &Entry) -> PyResult<()> {
    let py = ty.py();
    // SAFETY: a method descriptor of `ty` over a definition that outlives it.
    let descr =
        unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyDescr_NewMethod(ty.as_type_ptr(), def(entry)))? };
    ty.setattr(entry.name.to_string_lossy().as_ref(), descr)
}

/// Adds `entry` to the module `m` as a function.
pub(crate) fn function(m: &Bound<'_, PyModule>, entry: &Entry) -> PyResult<()> {
    let py = m.py();
    let module_name = m.name()?;
    // SAFETY: a built-in function over a definition that outlives it, bound to the module.
    let f = unsafe {
        Bound::from_owned_ptr_or_err(
            py,
            ffi::PyCFunction_NewEx(def(entry), m.as_ptr(), module_name.as_ptr()),
        )?
    };
    m.add(entry.name.to_string_lossy().as_ref(), f)
}
