//! How Python values are read for each parameter kind of `breakwater::surface!` (the table in
//! `core/src/surface/mod.rs`). One trait per kind, implemented for the Rust types the
//! operations take; `arg` is `None` when the caller left the parameter out, and Python's
//! `None` counts as left out. Every refusal names the parameter.

use breakwater::schema::diff::CompatibilityPolicy;
use breakwater::schema::lint::Profile as LintProfile;
use breakwater::schema::validate::DraftName;
use breakwater::transport::breaker::Permit as CorePermit;
use breakwater::transport::classify::{Class, Profile};
use breakwater::{Error, ErrorCode, Policy, StableCode};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyMapping, PyString, PyTuple};
use serde::de::DeserializeOwned;

use crate::convert::{self, from_py, str_arg, u64_arg};
use crate::errors::{argument, to_pyerr, wrong_type, IntoPy};

/// A parameter as pyo3 hands it over: `None` when left out.
pub(crate) type Arg<'a, 'py> = Option<&'a Bound<'py, PyAny>>;

/// A constructor's or static method's parameter (pyo3's `#[new]` and `#[staticmethod]`, whose
/// `Option` parameters read `None` given as left out): `LeftOut`, the signature's default, or
/// the object given, `None` included, as the vectorcall entries tell them apart (a JSON
/// parameter given `None` reads `null`; a required one left out is `missing_field`).
pub(crate) enum Given<'py> {
    LeftOut,
    Is(Bound<'py, PyAny>),
}

impl<'py> Given<'py> {
    pub(crate) fn arg(&self) -> Arg<'_, 'py> {
        match self {
            Self::LeftOut => None,
            Self::Is(obj) => Some(obj),
        }
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for Given<'py> {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(Self::Is(obj.to_owned()))
    }
}

/// The argument when one was given (Python's `None` is none).
fn given<'a, 'py>(arg: Arg<'a, 'py>) -> Option<&'a Bound<'py, PyAny>> {
    arg.filter(|a| !a.is_none())
}

/// `missing_field` at `name`.
pub(crate) fn missing(py: Python<'_>, name: &str) -> PyErr {
    to_pyerr(py, &Error::new(ErrorCode::MissingField, name, "this argument is required"))
}

pub(crate) fn required<'a, 'py>(
    py: Python<'py>,
    arg: Arg<'a, 'py>,
    name: &str,
) -> PyResult<&'a Bound<'py, PyAny>> {
    given(arg).ok_or_else(|| missing(py, name))
}

/// Declares a kind's trait and its `Option` form: absent is `None`, anything else is read
/// as the required type.
macro_rules! kind {
    ($(#[$doc:meta])* $kind:ident: $($t:ty => |$py:ident, $a:ident, $name:ident| $read:expr;)+) => {
        $(#[$doc])*
        pub(crate) trait $kind: Sized {
            fn read(py: Python<'_>, arg: Arg<'_, '_>, name: &str) -> PyResult<Self>;
        }
        $(
            impl $kind for $t {
                fn read($py: Python<'_>, arg: Arg<'_, '_>, $name: &str) -> PyResult<Self> {
                    let $a = required($py, arg, $name)?;
                    $read
                }
            }
            impl $kind for Option<$t> {
                fn read(py: Python<'_>, arg: Arg<'_, '_>, name: &str) -> PyResult<Self> {
                    given(arg).map(|a| <$t as $kind>::read(py, Some(a), name)).transpose()
                }
            }
        )+
    };
}

kind! {
    /// A str.
    Text: String => |py, a, name| str_arg(py, a, name);
}

kind! {
    /// A piece of one str (a Python str holds whole characters).
    Chunk: String => |py, a, name| str_arg(py, a, name);
}

kind! {
    /// Headers: `(name, value)` pairs, a dict or any mapping (`httpx.Headers`).
    Headers: Vec<(String, String)> => |py, a, name| convert::headers(py, a, name);
}

kind! {
    /// A whole number ≥ 0 (an int, an integral float or any `__index__`).
    Count:
        u64 => |py, a, name| u64_arg(py, a, name);
        u32 => |py, a, name| {
            let v = u64_arg(py, a, name)?;
            u32::try_from(v).map_err(|_| argument(py, name, "above 2^32 - 1"))
        };
}

kind! {
    /// One of a closed set of codes (`success`, `openai`, ...).
    Code:
        Class => |py, a, name| crate::breaker::class_arg(py, a, name);
        Profile => |py, a, name| code(py, a, name);
        DraftName => |py, a, name| code(py, a, name);
        LintProfile => |py, a, name| code(py, a, name);
        CompatibilityPolicy => |py, a, name| code(py, a, name);
}

kind! {
    /// `True` or `False`.
    Flag: bool => |py, a, name| convert::bool_arg(py, a, name);
}

kind! {
    /// A permit token from `try_acquire`.
    Permit: CorePermit => |py, a, name| Ok(CorePermit::from_token(u64_arg(py, a, name)?));
}

kind! {
    /// bytes, or a str as UTF-8.
    Bytes: Vec<u8> => |py, a, name| {
        if let Ok(b) = a.cast::<PyBytes>() {
            Ok(b.as_bytes().to_vec())
        } else if let Ok(s) = a.cast::<PyString>() {
            Ok(convert::utf8(s)?.as_bytes().to_vec())
        } else {
            Err(wrong_type(py, name, "str or bytes", a))
        }
    };
}

/// A code of `T` (`unknown_variant` when unknown).
fn code<T: StableCode>(py: Python<'_>, a: &Bound<'_, PyAny>, name: &str) -> PyResult<T> {
    T::parse(&str_arg(py, a, name)?, name).py_err(py)
}

/// Any JSON value (dict, list, str, int, float, bool, `None` as `null`): a schema, a model
/// output. Left out, it is `missing_field`, as in JS (where `null` is the value and
/// `undefined` leaves it out); in a constructor or a static method, whose arguments come
/// through pyo3, a left-out one reads `null` (`surface::pyo3_none_as_given`).
pub(crate) trait Json: Sized {
    fn read(py: Python<'_>, arg: Arg<'_, '_>, name: &str) -> PyResult<Self>;
}

impl Json for serde_json::Value {
    fn read(py: Python<'_>, arg: Arg<'_, '_>, name: &str) -> PyResult<Self> {
        from_py(arg.ok_or_else(|| missing(py, name))?, name).py_err(py)
    }
}

/// A document (a dict or mapping) read through the core's checked deserializer; paths start
/// at `name`.
pub(crate) trait Value: Sized {
    fn read(py: Python<'_>, arg: Arg<'_, '_>, name: &str) -> PyResult<Self>;
}

impl<T: DeserializeOwned> Value for T {
    fn read(py: Python<'_>, arg: Arg<'_, '_>, name: &str) -> PyResult<Self> {
        let a = required(py, arg, name)?;
        if !(a.is_instance_of::<PyDict>() || a.cast::<PyMapping>().is_ok()) {
            return Err(wrong_type(py, name, "a dict", a));
        }
        let v = from_py(a, name).py_err(py)?;
        breakwater::document::from_value(&v).map_err(|e| to_pyerr(py, &e.within(name)))
    }
}

/// A config document (a dict or mapping); paths are the document's own. As an `Option`,
/// absent is the defaults.
pub(crate) trait Config: Sized {
    fn read(py: Python<'_>, arg: Arg<'_, '_>, name: &str) -> PyResult<Self>;
}

impl<T: DeserializeOwned> Config for Option<T> {
    fn read(py: Python<'_>, arg: Arg<'_, '_>, name: &str) -> PyResult<Self> {
        let Some(a) = given(arg) else { return Ok(None) };
        if !(a.is_instance_of::<PyDict>() || a.cast::<PyMapping>().is_ok()) {
            return Err(wrong_type(py, name, "a dict", a));
        }
        let v = from_py(a, "").py_err(py)?;
        breakwater::document::from_value(&v).py_err(py).map(Some)
    }
}

impl Config for Policy {
    fn read(py: Python<'_>, arg: Arg<'_, '_>, name: &str) -> PyResult<Self> {
        <Option<Policy> as Config>::read(py, arg, name)?.ok_or_else(|| missing(py, name))
    }
}

/// `now_ms`: the given time, or the monotonic clock.
pub(crate) trait Time: Sized {
    fn read(py: Python<'_>, arg: Arg<'_, '_>, name: &str) -> PyResult<Self>;
}

impl Time for u64 {
    fn read(py: Python<'_>, arg: Arg<'_, '_>, name: &str) -> PyResult<Self> {
        match given(arg) {
            Some(a) => u64_arg(py, a, name),
            None => convert::clock_ms(py),
        }
    }
}

/// A wall-clock time in unix ms, never defaulted.
pub(crate) trait Wall: Sized {
    fn read(py: Python<'_>, arg: Arg<'_, '_>, name: &str) -> PyResult<Self>;
}

impl Wall for Option<u64> {
    fn read(py: Python<'_>, arg: Arg<'_, '_>, name: &str) -> PyResult<Self> {
        convert::opt_u64(py, given(arg), name)
    }
}

/// A seed, or 8 bytes from the OS random source.
pub(crate) trait Seed: Sized {
    fn read(py: Python<'_>, arg: Arg<'_, '_>, name: &str) -> PyResult<Self>;
}

impl Seed for u64 {
    fn read(py: Python<'_>, arg: Arg<'_, '_>, name: &str) -> PyResult<Self> {
        match given(arg) {
            Some(a) => u64_arg(py, a, name),
            None => convert::seed(py, None),
        }
    }
}

/// A `Policy` object, or a policy document (absent = the defaults).
pub(crate) trait PolicyDoc: Sized {
    fn read(py: Python<'_>, arg: Arg<'_, '_>, name: &str) -> PyResult<Self>;
}

impl PolicyDoc for Option<Policy> {
    fn read(py: Python<'_>, arg: Arg<'_, '_>, name: &str) -> PyResult<Self> {
        let Some(a) = given(arg) else { return Ok(None) };
        if let Ok(p) = a.cast::<crate::surface::Policy>() {
            return Ok(Some(crate::surface::lock(&p.get().inner).clone()));
        }
        <Option<Policy> as Config>::read(py, Some(a), name)
    }
}

/// An object of a class of the surface.
pub(crate) trait Obj: pyo3::PyClass + Sized {
    /// What the refusal says is expected (`a Deadline`).
    const EXPECTED: &'static str;

    fn read<'py>(py: Python<'py>, arg: Arg<'_, 'py>, name: &str) -> PyResult<Bound<'py, Self>> {
        let a = required(py, arg, name)?;
        a.cast::<Self>().cloned().map_err(|_| wrong_type(py, name, Self::EXPECTED, a))
    }
}

/// An object of a class of the surface, or none.
pub(crate) trait OptObj: Obj {
    fn read<'py>(py: Python<'py>, arg: Arg<'_, 'py>, name: &str) -> PyResult<Option<Bound<'py, Self>>> {
        given(arg).map(|a| <Self as Obj>::read(py, Some(a), name)).transpose()
    }
}

impl<T: Obj> OptObj for T {}

/// Refuses arguments the operation `name` (of `takes` parameters) does not take: positional
/// ones past its parameters (`invalid_argument` at `name`, as in JavaScript), and keywords
/// (`unknown_field` at the first).
pub(crate) fn no_unknown(
    py: Python<'_>,
    name: &str,
    takes: usize,
    extra: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<()> {
    if !extra.is_empty() {
        let plural = if takes == 1 { "" } else { "s" };
        let message = format!("takes at most {takes} argument{plural}, got {}", takes + extra.len());
        return Err(to_pyerr(py, &Error::new(ErrorCode::InvalidArgument, name, message)));
    }
    let Some(first) = kwargs.and_then(|k| k.keys().iter().next()) else { return Ok(()) };
    let key = first.str().map(|s| s.to_string()).unwrap_or_default();
    Err(to_pyerr(py, &Error::new(ErrorCode::UnknownField, key.clone(), format!("no argument named `{key}`"))))
}
