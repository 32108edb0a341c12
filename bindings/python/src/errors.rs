//! Core errors as the Python error classes of `breakwater._errors`.
//!
//! The classes are defined in Python (typed attributes, picklable); Rust only
//! picks the class from the stable code and fills in code, path, line, column.

use breakwater::{Error, ErrorCode};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};

static CONFIG_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static PARSE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static INVALID_ARGUMENT_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static TYPE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// The Python class for a code: `syntax_error` → `ParseError`, `invalid_argument` →
/// `InvalidArgumentError`, `invalid_type` → `BreakwaterTypeError`, any other (a config
/// field's code) → `ConfigError`.
fn class_for(py: Python<'_>, code: ErrorCode) -> PyResult<&Bound<'_, PyType>> {
    let (cell, name) = match code {
        ErrorCode::Syntax => (&PARSE_ERROR, "ParseError"),
        ErrorCode::InvalidArgument => (&INVALID_ARGUMENT_ERROR, "InvalidArgumentError"),
        ErrorCode::InvalidType => (&TYPE_ERROR, "BreakwaterTypeError"),
        _ => (&CONFIG_ERROR, "ConfigError"),
    };
    cell.import(py, "breakwater._errors", name)
}

/// The native Python exception for a core error; never loses the code, path, line or column.
pub(crate) fn to_pyerr(py: Python<'_>, e: &Error) -> PyErr {
    match build(py, e) {
        Ok(err) => err,
        Err(import_failed) => import_failed,
    }
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let cls = class_for(py, e.code)?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("code", e.code.as_str())?;
    kwargs.set_item("path", &e.path)?;
    kwargs.set_item("message", &e.message)?;
    kwargs.set_item("line", e.line)?;
    kwargs.set_item("column", e.column)?;
    let instance = cls.call((e.to_string(),), Some(&kwargs))?;
    Ok(PyErr::from_value(instance))
}

/// `Result<T, Error>` → `PyResult<T>`.
pub(crate) trait IntoPy<T> {
    /// Maps the core error to its Python class.
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, Error> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_pyerr(py, &e))
    }
}

/// `invalid_argument` at `path`.
pub(crate) fn argument(py: Python<'_>, path: &str, message: impl Into<String>) -> PyErr {
    to_pyerr(py, &Error::argument(path, message))
}

/// `invalid_type` at `path`: a Python value of the wrong type.
pub(crate) fn wrong_type(py: Python<'_>, path: &str, expected: &str, got: &Bound<'_, PyAny>) -> PyErr {
    let got = got.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".to_owned());
    to_pyerr(py, &Error::new(ErrorCode::InvalidType, path, format!("expected {expected}, got {got}")))
}
