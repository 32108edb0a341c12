//! Python values ↔ JSON values, and the checked arguments every method shares.
//!
//! Configs go dict → `serde_json::Value` → `breakwater::document::from_value` (typed errors
//! with paths); results go core type → serde → `Value` → dict, so every runtime returns
//! the same JSON shape. Times and counts are checked here: NaN, negative, non-integral or
//! past u64 → `invalid_argument` with the parameter's name as path.

use std::borrow::Cow;

use breakwater::surface::check_nesting;
use breakwater::{Error, ErrorCode};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple};
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

use crate::errors::{argument, wrong_type, IntoPy};

/// Any serializable core result as a Python object (the shape of its serde JSON form).
pub(crate) fn out<'py, T: serde::Serialize>(py: Python<'py>, x: &T) -> PyResult<Bound<'py, PyAny>> {
    crate::pyser::to_object(py, x)
}

fn at(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// A Python value (dict or any mapping, list, tuple, str, int, float, bool, None) as JSON;
/// the error names the offending field's path.
pub(crate) fn from_py(obj: &Bound<'_, PyAny>, path: &str) -> Result<Value, Error> {
    from_py_at(obj, path, 0)
}

fn from_py_at(obj: &Bound<'_, PyAny>, path: &str, depth: usize) -> Result<Value, Error> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        // Past 64 bits, as serde_json reads such an integer in text (what `json.loads` of the
        // same text gave): the nearest float, so a value and its text validate alike.
        return match obj.extract::<f64>().ok().and_then(Number::from_f64) {
            Some(n) => Ok(Value::Number(n)),
            None => Err(Error::new(ErrorCode::OutOfRange, path, "an integer beyond the range of a float")),
        };
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let f = f.value();
        return Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| Error::new(ErrorCode::NotFinite, path, format!("{f} is not a finite number")));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(utf8(s).map_err(|e| Error::argument(path, e.to_string()))?.into_owned()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        return object(d.items().iter(), path, depth);
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        check_nesting(depth, path)?;
        let mut items = Vec::new();
        for (i, item) in obj.try_iter().map_err(|e| Error::argument(path, e.to_string()))?.enumerate() {
            let item = item.map_err(|e| Error::argument(path, e.to_string()))?;
            items.push(from_py_at(&item, &format!("{path}[{i}]"), depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    if let Ok(m) = obj.cast::<PyMapping>() {
        let items = m.items().map_err(|e| Error::argument(path, e.to_string()))?;
        return object(items.iter(), path, depth);
    }
    let got = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
    Err(Error::new(ErrorCode::InvalidType, path, format!("a {got} has no JSON form")))
}

fn object<'py>(
    items: impl Iterator<Item = Bound<'py, PyAny>>,
    path: &str,
    depth: usize,
) -> Result<Value, Error> {
    check_nesting(depth, path)?;
    let mut map = Map::new();
    for pair in items {
        let (k, v): (Bound<'py, PyAny>, Bound<'py, PyAny>) =
            pair.extract().map_err(|e: PyErr| Error::argument(path, e.to_string()))?;
        let key = match k.cast::<PyString>() {
            Ok(s) => utf8(s).map_err(|e| Error::argument(path, e.to_string()))?.into_owned(),
            Err(_) => return Err(Error::new(ErrorCode::InvalidType, path, "keys must be strings")),
        };
        let value = from_py_at(&v, &at(path, &key), depth + 1)?;
        map.insert(key, value);
    }
    Ok(Value::Object(map))
}

/// A config section from a dict (None = the documented defaults); errors carry the field path.
pub(crate) fn config<T: DeserializeOwned + Default>(
    py: Python<'_>,
    obj: Option<&Bound<'_, PyAny>>,
) -> PyResult<T> {
    match obj {
        None => Ok(T::default()),
        Some(o) if o.is_none() => Ok(T::default()),
        Some(o) => {
            if !(o.is_instance_of::<PyDict>() || o.cast::<PyMapping>().is_ok()) {
                return Err(wrong_type(py, "config", "a dict", o));
            }
            let v = from_py(o, "").py_err(py)?;
            breakwater::document::from_value(&v).py_err(py)
        }
    }
}

/// `time.monotonic_ns() // 1_000_000`, the default `now_ms`. On Linux Python reads
/// `clock_gettime(CLOCK_MONOTONIC)`; so does this, without the call into Python.
#[cfg(target_os = "linux")]
pub(crate) fn clock_ms(_py: Python<'_>) -> PyResult<u64> {
    Ok(monotonic_ms())
}

/// `time.monotonic_ns() // 1_000_000` on Linux, without Python (so also under a lock).
#[cfg(target_os = "linux")]
pub(crate) fn monotonic_ms() -> u64 {
    use rustix::time::{clock_gettime, ClockId};
    let t = clock_gettime(ClockId::Monotonic);
    let secs = u64::try_from(t.tv_sec).unwrap_or(0);
    let ms = u64::try_from(t.tv_nsec / 1_000_000).unwrap_or(0);
    secs.saturating_mul(1000).saturating_add(ms)
}

/// `time.monotonic_ns() // 1_000_000`, the default `now_ms` (read through Python off Linux,
/// where Python's monotonic clock is not simply `CLOCK_MONOTONIC`).
#[cfg(not(target_os = "linux"))]
pub(crate) fn clock_ms(py: Python<'_>) -> PyResult<u64> {
    static MONOTONIC_NS: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
    let f = MONOTONIC_NS.import(py, "time", "monotonic_ns")?;
    let ns: u64 = f.call0()?.extract()?;
    Ok(ns / 1_000_000)
}

/// A whole number ≥ 0 that fits a u64, from an int (or an integral float); `name` is the path.
pub(crate) fn u64_arg(py: Python<'_>, obj: &Bound<'_, PyAny>, name: &str) -> PyResult<u64> {
    if obj.is_exact_instance_of::<PyInt>() {
        if let Ok(v) = obj.extract::<u64>() {
            return Ok(v);
        }
        return Err(int_refusal(py, obj, name));
    }
    if obj.is_instance_of::<PyBool>() {
        return Err(wrong_type(py, name, "an integer", obj));
    }
    if obj.is_instance_of::<PyInt>() {
        return obj.extract::<u64>().map_err(|_| int_refusal(py, obj, name));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return float_to_u64(py, f.value(), name);
    }
    // Integer-like objects of other libraries (numpy.int64, ...).
    if obj.hasattr("__index__").unwrap_or(false) {
        if let Ok(i) = obj.call_method0("__index__") {
            return u64_arg(py, &i, name);
        }
    }
    Err(wrong_type(py, name, "an integer", obj))
}

fn int_refusal(py: Python<'_>, obj: &Bound<'_, PyAny>, name: &str) -> PyErr {
    let negative = obj.lt(0).unwrap_or(false);
    if negative {
        argument(py, name, "must not be negative")
    } else {
        argument(py, name, "above 2^64 - 1")
    }
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
fn float_to_u64(py: Python<'_>, f: f64, name: &str) -> PyResult<u64> {
    if !f.is_finite() {
        return Err(argument(py, name, format!("{f} is not a finite number")));
    }
    if f < 0.0 {
        return Err(argument(py, name, "must not be negative"));
    }
    if f.fract() != 0.0 {
        return Err(argument(py, name, format!("{f} is not a whole number")));
    }
    if f >= u64::MAX as f64 {
        return Err(argument(py, name, "above 2^64 - 1"));
    }
    Ok(f as u64)
}

/// An optional whole number (None stays None).
pub(crate) fn opt_u64(py: Python<'_>, obj: Option<&Bound<'_, PyAny>>, name: &str) -> PyResult<Option<u64>> {
    match obj {
        Some(o) if !o.is_none() => u64_arg(py, o, name).map(Some),
        _ => Ok(None),
    }
}

/// `now_ms`: the given time, or the monotonic clock when None.
pub(crate) fn now(py: Python<'_>, obj: Option<&Bound<'_, PyAny>>) -> PyResult<u64> {
    match obj {
        Some(o) if !o.is_none() => u64_arg(py, o, "now_ms"),
        _ => clock_ms(py),
    }
}

/// `seed`: the given u64, or 8 bytes from the OS random source when None.
pub(crate) fn seed(py: Python<'_>, obj: Option<&Bound<'_, PyAny>>) -> PyResult<u64> {
    match obj {
        Some(o) if !o.is_none() => u64_arg(py, o, "seed"),
        _ => getrandom::u64().map_err(|e| pyo3::exceptions::PyOSError::new_err(format!("getrandom: {e}"))),
    }
}

/// A str argument (`name` is the path of the error).
pub(crate) fn str_arg(py: Python<'_>, obj: &Bound<'_, PyAny>, name: &str) -> PyResult<String> {
    match obj.cast::<PyString>() {
        Ok(s) => Ok(utf8(s)?.into_owned()),
        Err(_) => Err(wrong_type(py, name, "a str", obj)),
    }
}

/// A str as UTF-8. A lone surrogate (a str may hold one, UTF-8 cannot) becomes U+FFFD and two
/// that form a pair their one character, as a JavaScript string crosses: the same text in
/// every runtime.
pub(crate) fn utf8<'a>(s: &'a Bound<'_, PyString>) -> PyResult<Cow<'a, str>> {
    if let Ok(text) = s.to_cow() {
        return Ok(text);
    }
    let encoded = s.call_method1("encode", ("utf-16-le", "surrogatepass"))?;
    let units =
        encoded.cast::<PyBytes>()?.as_bytes().chunks_exact(2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    Ok(Cow::Owned(char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect()))
}

/// A bool argument (only `True`/`False`).
pub(crate) fn bool_arg(py: Python<'_>, obj: &Bound<'_, PyAny>, name: &str) -> PyResult<bool> {
    match obj.cast::<PyBool>() {
        Ok(b) => Ok(b.is_true()),
        Err(_) => Err(wrong_type(py, name, "a bool", obj)),
    }
}

/// A header name or value: str, or bytes read as Latin-1 (HTTP's byte-per-char form).
fn header_text(obj: &Bound<'_, PyAny>) -> Option<PyResult<String>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Some(utf8(s).map(Cow::into_owned));
    }
    let b = obj.cast::<PyBytes>().ok()?.as_bytes();
    Some(Ok(match std::str::from_utf8(b) {
        Ok(ascii) if b.is_ascii() => ascii.to_owned(),
        _ => b.iter().map(|&c| char::from(c)).collect(),
    }))
}

/// Headers from a list of `(name, value)` pairs, a dict, or any mapping (`httpx.Headers`:
/// its `multi_items()` keeps repeated headers apart). Called on every response, so a pair
/// costs its two strings and nothing else (a path is written only for an error).
pub(crate) fn headers(py: Python<'_>, obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<(String, String)>> {
    let pairs = if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        obj.clone()
    } else if obj.hasattr("multi_items")? {
        obj.call_method0("multi_items")?
    } else if obj.is_instance_of::<PyDict>() || obj.cast::<PyMapping>().is_ok() || obj.hasattr("items")? {
        obj.call_method0("items")?
    } else {
        return Err(wrong_type(py, name, "a list of (name, value) pairs or a mapping", obj));
    };
    let mut out = Vec::with_capacity(pairs.len().unwrap_or(0));
    for (i, pair) in pairs.try_iter()?.enumerate() {
        let pair = pair?;
        let text = |k: usize| -> PyResult<String> {
            let item = match pair.cast::<PyTuple>() {
                Ok(t) => t.get_borrowed_item(k)?.to_owned(),
                Err(_) => pair.get_item(k)?,
            };
            header_text(&item)
                .unwrap_or_else(|| Err(wrong_type(py, &format!("{name}[{i}][{k}]"), "a str or bytes", &item)))
        };
        if pair.is_instance_of::<PyString>() || pair.len().ok() != Some(2) {
            return Err(wrong_type(py, &format!("{name}[{i}]"), "a (name, value) pair", &pair));
        }
        out.push((text(0)?, text(1)?));
    }
    Ok(out)
}
