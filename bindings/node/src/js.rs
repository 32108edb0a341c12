//! The boundary: JavaScript values in, JavaScript values out, core errors thrown as JS errors.
//!
//! Every argument that carries a host number, string, config or header list arrives as an
//! [`Arg`] (the raw value) and is converted here with the parameter's name, so a wrong value
//! is refused with a stable code and the parameter name as `path` instead of napi's generic
//! "Failed to convert" error. Results are serde values of the core's own types, written out
//! by [`Json`] with every number as a JS number (never a `BigInt`), so the Node binding, the
//! WASM module and the vectors see the same JSON.
//!
//! This is the only module with `unsafe`: direct N-API calls, each checked for its status.
#![allow(unsafe_code)]

use std::cell::Cell;
use std::ptr;
use std::time::Instant;

use breakwater::{Error, ErrorCode};
use napi::bindgen_prelude::{FromNapiValue, ToNapiValue, TypeName, ValidateNapiValue};
use napi::{sys, Env, Status, ValueType};
use serde_json::{Map, Number, Value};

/// The largest integer a JS number holds exactly (2^53 − 1).
pub const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// Result of a conversion: a core error, turned into a JS exception by [`throw`].
pub type Conv<T> = Result<T, Error>;

/// Throws `e` as a JS `Error` carrying `code`, `path`, `line` and `column`; returns the
/// napi error that tells the generated glue an exception is already pending.
pub fn throw(env: &Env, e: &Error) -> napi::Error {
    let raw = env.raw();
    let message = e.to_string();
    // SAFETY: `raw` is the live env of the current call; every out-pointer is a local.
    unsafe {
        let mut code = ptr::null_mut();
        let mut msg = ptr::null_mut();
        let mut err = ptr::null_mut();
        let code_str = e.code.as_str();
        let ok =
            sys::napi_create_string_utf8(raw, code_str.as_ptr().cast(), code_str.len() as isize, &mut code)
                == sys::Status::napi_ok
                && sys::napi_create_string_utf8(
                    raw,
                    message.as_ptr().cast(),
                    message.len() as isize,
                    &mut msg,
                ) == sys::Status::napi_ok
                && sys::napi_create_error(raw, code, msg, &mut err) == sys::Status::napi_ok;
        if !ok {
            return napi::Error::new(Status::GenericFailure, message);
        }
        let set = |name: &std::ffi::CStr, value: sys::napi_value| {
            sys::napi_set_named_property(raw, err, name.as_ptr(), value);
        };
        if let Ok(v) = String::to_napi_value(raw, e.path.clone()) {
            set(c"path", v);
        }
        if let Some(line) = e.line {
            if let Ok(v) = f64::to_napi_value(raw, line as f64) {
                set(c"line", v);
            }
        }
        if let Some(column) = e.column {
            if let Ok(v) = f64::to_napi_value(raw, column as f64) {
                set(c"column", v);
            }
        }
        if sys::napi_throw(raw, err) != sys::Status::napi_ok {
            return napi::Error::new(Status::GenericFailure, message);
        }
    }
    napi::Error::new(Status::PendingException, message)
}

/// Converts a core result, throwing its error as a JS error.
pub fn ok<T>(env: &Env, r: Conv<T>) -> napi::Result<T> {
    r.map_err(|e| throw(env, &e))
}

/// `e` at `path` (for errors raised before their path was formatted; messages never quote it).
fn repath(mut e: Error, path: String) -> Error {
    e.path = path;
    e
}

/// `missing_field` at `path`: a required argument left out.
pub fn missing(path: &str) -> Error {
    Error::new(ErrorCode::MissingField, path, format!("{path} is required"))
}

/// `invalid_type` at `path`.
fn wrong_type(path: &str, expected: &str) -> Error {
    Error::new(ErrorCode::InvalidType, path, format!("expected {expected}"))
}

/// A raw JS argument, converted later with its parameter name.
#[derive(Clone, Copy)]
pub struct Arg {
    env: sys::napi_env,
    value: sys::napi_value,
}

impl TypeName for Arg {
    fn type_name() -> &'static str {
        "unknown"
    }

    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl ValidateNapiValue for Arg {
    /// Any value is an `Arg`: it is checked when converted, with its parameter name.
    unsafe fn validate(_env: sys::napi_env, _value: sys::napi_value) -> napi::Result<sys::napi_value> {
        Ok(ptr::null_mut())
    }
}

impl FromNapiValue for Arg {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        Ok(Self { env, value })
    }
}

impl Arg {
    /// The value `value` of a raw N-API callback (null = not given).
    pub fn from_raw(env: sys::napi_env, value: sys::napi_value) -> Self {
        Self { env, value }
    }

    fn kind(&self) -> ValueType {
        let mut t = 0;
        // SAFETY: a value of the current call.
        let status = unsafe { sys::napi_typeof(self.env, self.value, &mut t) };
        if status == sys::Status::napi_ok {
            ValueType::from(t)
        } else {
            ValueType::Unknown
        }
    }

    fn with(&self, value: sys::napi_value) -> Self {
        Self { env: self.env, value }
    }

    /// Whether the argument is a number.
    pub fn is_number(&self) -> bool {
        !self.value.is_null() && self.kind() == ValueType::Number
    }

    /// `undefined` or `null`: the argument was not given.
    pub fn is_absent(&self) -> bool {
        self.value.is_null() || matches!(self.kind(), ValueType::Undefined | ValueType::Null)
    }

    fn number(&self) -> f64 {
        let mut n = f64::NAN;
        // SAFETY: called only on values of type number.
        unsafe { sys::napi_get_value_double(self.env, self.value, &mut n) };
        n
    }

    fn string(&self, path: &str) -> Conv<String> {
        // Most strings here are short (codes, keys, header names and values): one call into a
        // stack buffer. V8 writes whole characters only, so a string ended when at least the
        // longest character (4 bytes) was left unwritten; else its length is asked first.
        const SHORT: usize = 256;
        let mut short = [0u8; SHORT];
        let mut written = 0usize;
        // SAFETY: the buffer has room for `SHORT` bytes; a non-string fails with a status.
        if unsafe {
            sys::napi_get_value_string_utf8(
                self.env,
                self.value,
                short.as_mut_ptr().cast(),
                SHORT,
                &mut written,
            )
        } != sys::Status::napi_ok
        {
            return Err(wrong_type(path, "a string"));
        }
        if written < SHORT - 4 {
            return String::from_utf8(short[..written].to_vec())
                .map_err(|_| wrong_type(path, "a UTF-8 string"));
        }
        // SAFETY: called only on strings; the buffer is sized by the first call.
        unsafe {
            let mut len = 0usize;
            if sys::napi_get_value_string_utf8(self.env, self.value, ptr::null_mut(), 0, &mut len)
                != sys::Status::napi_ok
            {
                return Err(wrong_type(path, "a string"));
            }
            let mut buf = vec![0u8; len + 1];
            sys::napi_get_value_string_utf8(
                self.env,
                self.value,
                buf.as_mut_ptr().cast(),
                len + 1,
                &mut written,
            );
            buf.truncate(written);
            String::from_utf8(buf).map_err(|_| wrong_type(path, "a UTF-8 string"))
        }
    }

    fn named(&self, name: &std::ffi::CStr) -> Self {
        let mut out = ptr::null_mut();
        // SAFETY: called only on objects.
        unsafe { sys::napi_get_named_property(self.env, self.value, name.as_ptr(), &mut out) };
        self.with(out)
    }

    /// A time, count or size: a whole number in `0..=2^53-1` (`invalid_argument` otherwise).
    pub fn opt_u64(&self, path: &str) -> Conv<Option<u64>> {
        // The common case first: one N-API call for a number (no `typeof` round trip).
        if !self.value.is_null() {
            let mut n = f64::NAN;
            // SAFETY: a value of the current call; fails with `number_expected` otherwise.
            if unsafe { sys::napi_get_value_double(self.env, self.value, &mut n) } == sys::Status::napi_ok {
                return whole(n, path).map(Some);
            }
        }
        if self.is_absent() {
            return Ok(None);
        }
        match self.kind() {
            ValueType::Number => whole(self.number(), path).map(Some),
            ValueType::BigInt => self.bigint(path).map(Some),
            _ => Err(wrong_type(path, "a number")),
        }
    }

    /// As [`Self::opt_u64`], required (`missing_field` when absent).
    pub fn u64(&self, path: &str) -> Conv<u64> {
        self.opt_u64(path)?.ok_or_else(|| missing(path))
    }

    fn bigint(&self, path: &str) -> Conv<u64> {
        let (mut v, mut lossless) = (0u64, false);
        // SAFETY: called only on bigints.
        unsafe { sys::napi_get_value_bigint_uint64(self.env, self.value, &mut v, &mut lossless) };
        if lossless {
            Ok(v)
        } else {
            Err(Error::argument(path, "must be a whole number in 0..2^64"))
        }
    }

    /// A seed: a safe integer or a `BigInt` up to 2^64 − 1; absent = `None`.
    pub fn seed(&self, path: &str) -> Conv<Option<u64>> {
        self.opt_u64(path)
    }

    /// An optional string.
    pub fn opt_str(&self, path: &str) -> Conv<Option<String>> {
        if self.is_absent() {
            return Ok(None);
        }
        match self.kind() {
            ValueType::String => self.string(path).map(Some),
            _ => Err(wrong_type(path, "a string")),
        }
    }

    /// A required string (`missing_field` when absent).
    pub fn str(&self, path: &str) -> Conv<String> {
        self.opt_str(path)?.ok_or_else(|| missing(path))
    }

    /// An optional boolean.
    pub fn opt_bool(&self, path: &str) -> Conv<Option<bool>> {
        if self.is_absent() {
            return Ok(None);
        }
        match self.kind() {
            ValueType::Boolean => {
                let mut b = false;
                // SAFETY: a boolean of the current call.
                unsafe { sys::napi_get_value_bool(self.env, self.value, &mut b) };
                Ok(Some(b))
            }
            _ => Err(wrong_type(path, "a boolean")),
        }
    }

    /// A string as UTF-8 bytes, or a `Uint8Array`'s bytes.
    pub fn bytes(&self, path: &str) -> Conv<Option<Vec<u8>>> {
        if self.is_absent() {
            return Ok(None);
        }
        if self.kind() == ValueType::String {
            return self.string(path).map(|s| Some(s.into_bytes()));
        }
        let mut is_typed = false;
        // SAFETY: a value of the current call.
        unsafe { sys::napi_is_typedarray(self.env, self.value, &mut is_typed) };
        if is_typed {
            let (mut ty, mut len, mut data, mut buf, mut off) =
                (0, 0usize, ptr::null_mut(), ptr::null_mut(), 0usize);
            // SAFETY: `data` points at `len` bytes of the array for the duration of the call.
            unsafe {
                sys::napi_get_typedarray_info(
                    self.env, self.value, &mut ty, &mut len, &mut data, &mut buf, &mut off,
                );
                if ty == sys::TypedarrayType::uint8_array {
                    if len == 0 || data.is_null() {
                        return Ok(Some(Vec::new()));
                    }
                    return Ok(Some(std::slice::from_raw_parts(data.cast::<u8>(), len).to_vec()));
                }
            }
        }
        Err(wrong_type(path, "a string or a Uint8Array"))
    }

    /// A config document (a plain object; absent = `{}`, the documented defaults). Its own
    /// fields are named without the parameter (`window.size`), as the core names them.
    pub fn config(&self, path: &str) -> Conv<Value> {
        if self.is_absent() {
            return Ok(Value::Object(Map::new()));
        }
        if self.kind() != ValueType::Object || self.is_array() {
            return Err(wrong_type(path, "a config object"));
        }
        self.json_value("", 0)
    }

    /// Any JSON value (`null` is JSON `null`; only `undefined` or a left-out argument is absent).
    pub fn json(&self, path: &str) -> Conv<Value> {
        if self.value.is_null() || self.kind() == ValueType::Undefined {
            return Err(missing(path));
        }
        self.json_value(path, 0)
    }

    /// A required document read as `T` (a plain object: what `classify` returned, say); errors
    /// carry the field's path under `path`.
    pub fn document<T: serde::de::DeserializeOwned>(&self, path: &str) -> Conv<T> {
        if self.is_absent() {
            return Err(missing(path));
        }
        if self.kind() != ValueType::Object || self.is_array() {
            return Err(wrong_type(path, "an object"));
        }
        breakwater::document::from_value(&self.json_value(path, 0)?).map_err(|e| e.within(path))
    }

    fn json_value(&self, path: &str, depth: usize) -> Conv<Value> {
        Ok(match self.kind() {
            ValueType::Null | ValueType::Undefined => Value::Null,
            ValueType::Boolean => Value::Bool(self.opt_bool(path)?.unwrap_or(false)),
            ValueType::String => Value::String(self.string(path)?),
            ValueType::Number => number_value(self.number(), path)?,
            ValueType::BigInt => Value::Number(Number::from(self.bigint(path)?)),
            ValueType::Object => {
                breakwater::surface::check_nesting(depth, path)?;
                if self.is_array() {
                    let mut out = Vec::new();
                    for (i, item) in self.elements()?.into_iter().enumerate() {
                        out.push(item.json_value(&format!("{path}[{i}]"), depth + 1)?);
                    }
                    Value::Array(out)
                } else {
                    let mut map = Map::new();
                    for (key, item) in self.entries(path)? {
                        if item.kind() == ValueType::Undefined {
                            continue;
                        }
                        let here = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                        let v = item.json_value(&here, depth + 1)?;
                        map.insert(key, v);
                    }
                    Value::Object(map)
                }
            }
            _ => return Err(wrong_type(path, "a JSON value (no functions or symbols)")),
        })
    }

    fn is_array(&self) -> bool {
        let mut yes = false;
        // SAFETY: a value of the current call.
        unsafe { sys::napi_is_array(self.env, self.value, &mut yes) };
        yes
    }

    fn elements(&self) -> Conv<Vec<Self>> {
        let mut len = 0u32;
        // SAFETY: called only on arrays.
        unsafe { sys::napi_get_array_length(self.env, self.value, &mut len) };
        let mut out = Vec::with_capacity(len as usize);
        for i in 0..len {
            let mut v = ptr::null_mut();
            // SAFETY: index within the array.
            unsafe { sys::napi_get_element(self.env, self.value, i, &mut v) };
            out.push(self.with(v));
        }
        Ok(out)
    }

    /// The own enumerable string-keyed properties of an object, in order.
    fn entries(&self, path: &str) -> Conv<Vec<(String, Self)>> {
        let mut names = ptr::null_mut();
        // SAFETY: called only on objects.
        if unsafe { sys::napi_get_property_names(self.env, self.value, &mut names) } != sys::Status::napi_ok {
            return Err(wrong_type(path, "an object"));
        }
        let mut out = Vec::new();
        for key in self.with(names).elements()? {
            let name = key.string(path)?;
            let mut v = ptr::null_mut();
            // SAFETY: `key` is a property name of the object.
            unsafe { sys::napi_get_property(self.env, self.value, key.value, &mut v) };
            out.push((name, self.with(v)));
        }
        Ok(out)
    }

    /// Response headers: `[[name, value], ...]`, a plain object, or any iterable of pairs
    /// (a `Headers` or a `Map`). Absent = none.
    pub fn headers(&self, path: &str) -> Conv<Vec<(String, String)>> {
        if self.is_absent() {
            return Ok(Vec::new());
        }
        if self.kind() != ValueType::Object {
            return Err(wrong_type(path, "a list of [name, value] pairs, an object or a Headers"));
        }
        let list = if self.is_array() {
            *self
        } else if let Some(array) = self.iterable_to_array() {
            array
        } else {
            let mut out = Vec::new();
            for (i, (name, value)) in self.entries(path)?.into_iter().enumerate() {
                let value = value.string("").map_err(|e| repath(e, format!("{path}[{i}][1]")))?;
                out.push((name, value));
            }
            return Ok(out);
        };
        let pairs = list.elements()?;
        let mut out = Vec::with_capacity(pairs.len());
        for (i, pair) in pairs.into_iter().enumerate() {
            // Paths are formatted only for an error: three `format!`s per header cost more than
            // reading the header.
            let at = |suffix: &str| format!("{path}[{i}]{suffix}");
            let [name, value] = pair.pair().ok_or_else(|| wrong_type(&at(""), "a [name, value] pair"))?;
            // A header is text: anything but a string (a number too: HTTP sends text) is refused.
            let name = name.string("").map_err(|e| repath(e, at("[0]")))?;
            let value = value.string("").map_err(|e| repath(e, at("[1]")))?;
            out.push((name, value));
        }
        Ok(out)
    }

    /// The two items of an array of length 2, else `None`.
    fn pair(&self) -> Option<[Self; 2]> {
        let mut len = 0u32;
        // SAFETY: a value of the current call; anything but an array fails with a status.
        if unsafe { sys::napi_get_array_length(self.env, self.value, &mut len) } != sys::Status::napi_ok
            || len != 2
        {
            return None;
        }
        let (mut a, mut b) = (ptr::null_mut(), ptr::null_mut());
        // SAFETY: indexes within the array.
        unsafe {
            sys::napi_get_element(self.env, self.value, 0, &mut a);
            sys::napi_get_element(self.env, self.value, 1, &mut b);
        }
        Some([self.with(a), self.with(b)])
    }

    /// `Array.from(x)` when `x` is an iterable object that is not a plain object.
    fn iterable_to_array(&self) -> Option<Self> {
        // SAFETY: every call reads globals or calls `Array.from` with one argument.
        unsafe {
            let mut global = ptr::null_mut();
            sys::napi_get_global(self.env, &mut global);
            let g = self.with(global);
            let symbol = g.named(c"Symbol");
            let iterator = symbol.named(c"iterator");
            let mut method = ptr::null_mut();
            sys::napi_get_property(self.env, self.value, iterator.value, &mut method);
            if method.is_null() || self.with(method).kind() != ValueType::Function {
                return None;
            }
            let array_ctor = g.named(c"Array");
            let from = array_ctor.named(c"from");
            let mut result = ptr::null_mut();
            let argv = [self.value];
            if sys::napi_call_function(self.env, array_ctor.value, from.value, 1, argv.as_ptr(), &mut result)
                != sys::Status::napi_ok
            {
                let mut pending = ptr::null_mut();
                sys::napi_get_and_clear_last_exception(self.env, &mut pending);
                return None;
            }
            Some(self.with(result))
        }
    }
}

/// A whole number of ms (or a count) in `0..=2^53-1`.
#[inline]
pub fn whole(n: f64, path: &str) -> Conv<u64> {
    // The common case without `fract` (a libm call on baseline x86-64): in range, and the
    // integer conversion round-trips exactly. Through i64, exact below 2^53 and one
    // instruction each way on x86-64 (u64 conversions take several).
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    if (0.0..=MAX_SAFE).contains(&n) && (n as i64) as f64 == n {
        return Ok(n as i64 as u64);
    }
    whole_refused(n, path)
}

#[cold]
fn whole_refused(n: f64, path: &str) -> Conv<u64> {
    if n.is_nan() {
        return Err(Error::argument(path, "is NaN"));
    }
    if n < 0.0 {
        return Err(Error::argument(path, "must not be negative"));
    }
    if n.fract() != 0.0 || n.is_infinite() {
        return Err(Error::argument(path, "must be a whole number"));
    }
    if n > MAX_SAFE {
        return Err(Error::argument(path, "must not exceed 2^53 - 1"));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(n as u64)
}

/// A config number: integers stay integers (so `u64` fields accept them), NaN and the
/// infinities are refused as `not_finite` at their field's path.
fn number_value(n: f64, path: &str) -> Conv<Value> {
    if !n.is_finite() {
        return Err(Error::new(
            ErrorCode::NotFinite,
            path,
            "NaN or an infinity where a finite number is required",
        ));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    if n.fract() == 0.0 && n.abs() <= MAX_SAFE {
        return Ok(Value::Number(if n >= 0.0 { Number::from(n as u64) } else { Number::from(n as i64) }));
    }
    Number::from_f64(n).map(Value::Number).ok_or_else(|| wrong_type(path, "a finite number"))
}

/// A result for JavaScript: plain objects, arrays and numbers (never a `BigInt`), from a serde
/// value or from JSON text already serialized from a core type.
pub enum Json {
    /// A value built in the binding.
    Value(Value),
    /// `serde_json::to_string` of a core value (non-finite floats written as `null`).
    Text(String),
}

impl TypeName for Json {
    fn type_name() -> &'static str {
        "unknown"
    }

    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl ToNapiValue for Json {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // Objects and arrays as JSON text through `JSON.parse`, which builds them several
        // times faster than one N-API call per property; scalars directly.
        let value = match val {
            Json::Text(text) => {
                if text.starts_with(['{', '[']) {
                    // SAFETY: forwarded from the caller (a live env).
                    if let Some(v) = unsafe { parse(env, &text) } {
                        return Ok(v);
                    }
                }
                serde_json::from_str(&text).unwrap_or(Value::Null)
            }
            Json::Value(v) => {
                if matches!(v, Value::Array(_) | Value::Object(_)) {
                    if let Ok(text) = serde_json::to_string(&v) {
                        // SAFETY: forwarded from the caller (a live env).
                        if let Some(out) = unsafe { parse(env, &text) } {
                            return Ok(out);
                        }
                    }
                }
                v
            }
        };
        // SAFETY: forwarded from the caller (a live env).
        unsafe { write(env, &value) }
    }
}

thread_local! {
    /// `JSON` and `JSON.parse` of this thread's environment, read once.
    static JSON_PARSE: Cell<Option<(sys::napi_ref, sys::napi_ref)>> = const { Cell::new(None) };
}

/// `JSON.parse(text)`, or `None` if any step fails (the caller then writes the value property
/// by property). serde_json writes no NaN or infinity (it writes `null`), and JSON.parse reads
/// every number as `Number` reads it.
unsafe fn parse(env: sys::napi_env, text: &str) -> Option<sys::napi_value> {
    let ok = sys::Status::napi_ok;
    // SAFETY (whole body): `env` is live; every out-pointer is local; the references are this
    // thread's and strong (created with a count of 1, never released).
    unsafe {
        let (json_ref, parse_ref) = match JSON_PARSE.get() {
            Some(refs) => refs,
            None => {
                let mut global = ptr::null_mut();
                sys::napi_get_global(env, &mut global);
                let json = Arg { env, value: global }.named(c"JSON");
                if json.kind() != ValueType::Object {
                    return None;
                }
                let parse = json.named(c"parse");
                if parse.kind() != ValueType::Function {
                    return None;
                }
                let (mut a, mut b) = (ptr::null_mut(), ptr::null_mut());
                if sys::napi_create_reference(env, json.value, 1, &mut a) != ok
                    || sys::napi_create_reference(env, parse.value, 1, &mut b) != ok
                {
                    return None;
                }
                JSON_PARSE.set(Some((a, b)));
                (a, b)
            }
        };
        let (mut json, mut parse, mut s, mut out) =
            (ptr::null_mut(), ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
        if sys::napi_get_reference_value(env, json_ref, &mut json) != ok
            || sys::napi_get_reference_value(env, parse_ref, &mut parse) != ok
            || json.is_null()
            || parse.is_null()
            || sys::napi_create_string_utf8(env, text.as_ptr().cast(), text.len() as isize, &mut s) != ok
        {
            return None;
        }
        let argv = [s];
        if sys::napi_call_function(env, json, parse, 1, argv.as_ptr(), &mut out) != ok || out.is_null() {
            let mut pending = ptr::null_mut();
            sys::napi_get_and_clear_last_exception(env, &mut pending);
            return None;
        }
        Some(out)
    }
}

/// Serializes a core value for JavaScript: `invalid_argument` at `output` when it holds an
/// integer a JS number cannot hold exactly (past 2^53 - 1), as the WASM module refuses it,
/// never a rounded one.
pub fn json<T: serde::Serialize>(x: &T) -> Conv<Json> {
    let mut text = Vec::with_capacity(128);
    let mut ser = serde_json::Serializer::with_formatter(&mut text, JsNumbers);
    match x.serialize(&mut ser) {
        // serde_json writes UTF-8.
        Ok(()) => Ok(Json::Text(String::from_utf8(text).unwrap_or_default())),
        Err(e) => Err(Error::argument("output", e.to_string())),
    }
}

/// serde_json's compact form, refusing the integers past what a JS number holds exactly.
struct JsNumbers;

impl JsNumbers {
    fn exact(fits: bool, v: impl std::fmt::Display) -> std::io::Result<()> {
        if fits {
            Ok(())
        } else {
            Err(std::io::Error::other(format!("{v} can't be represented exactly as a JavaScript number")))
        }
    }
}

impl serde_json::ser::Formatter for JsNumbers {
    fn write_u64<W: ?Sized + std::io::Write>(&mut self, w: &mut W, v: u64) -> std::io::Result<()> {
        Self::exact(v <= MAX_SAFE_INTEGER, v)?;
        serde_json::ser::CompactFormatter.write_u64(w, v)
    }

    fn write_i64<W: ?Sized + std::io::Write>(&mut self, w: &mut W, v: i64) -> std::io::Result<()> {
        Self::exact(v.unsigned_abs() <= MAX_SAFE_INTEGER, v)?;
        serde_json::ser::CompactFormatter.write_i64(w, v)
    }

    fn write_u128<W: ?Sized + std::io::Write>(&mut self, w: &mut W, v: u128) -> std::io::Result<()> {
        Self::exact(v <= u128::from(MAX_SAFE_INTEGER), v)?;
        serde_json::ser::CompactFormatter.write_u128(w, v)
    }

    fn write_i128<W: ?Sized + std::io::Write>(&mut self, w: &mut W, v: i128) -> std::io::Result<()> {
        Self::exact(v.unsigned_abs() <= u128::from(MAX_SAFE_INTEGER), v)?;
        serde_json::ser::CompactFormatter.write_i128(w, v)
    }
}

/// 2^53 - 1: the largest integer below which every integer is exact in a JS number.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

unsafe fn write(env: sys::napi_env, v: &Value) -> napi::Result<sys::napi_value> {
    // SAFETY (whole body): `env` is live; every created value is used within this call.
    unsafe {
        let mut out = ptr::null_mut();
        match v {
            Value::Null => {
                sys::napi_get_null(env, &mut out);
            }
            Value::Bool(b) => {
                sys::napi_get_boolean(env, *b, &mut out);
            }
            Value::Number(n) => {
                sys::napi_create_double(env, n.as_f64().unwrap_or(f64::NAN), &mut out);
            }
            Value::String(s) => {
                sys::napi_create_string_utf8(env, s.as_ptr().cast(), s.len() as isize, &mut out);
            }
            Value::Array(items) => {
                sys::napi_create_array_with_length(env, items.len(), &mut out);
                for (i, item) in items.iter().enumerate() {
                    let v = write(env, item)?;
                    sys::napi_set_element(env, out, i as u32, v);
                }
            }
            Value::Object(map) => {
                sys::napi_create_object(env, &mut out);
                for (k, item) in map {
                    let mut key = ptr::null_mut();
                    sys::napi_create_string_utf8(env, k.as_ptr().cast(), k.len() as isize, &mut key);
                    let v = write(env, item)?;
                    sys::napi_set_property(env, out, key, v);
                }
            }
        }
        if out.is_null() {
            return Err(napi::Error::new(Status::GenericFailure, "could not create a JS value"));
        }
        Ok(out)
    }
}

thread_local! {
    /// `(performance.now() at anchoring, Instant at anchoring)`, per JS thread (each worker
    /// has its own time origin).
    static ANCHOR: Cell<Option<(f64, Instant)>> = const { Cell::new(None) };
}

/// `nowMs` when given, else `Math.floor(performance.now())`.
///
/// `performance.now()` is read from JS once per thread; later reads add the elapsed
/// [`Instant`] (both are `CLOCK_MONOTONIC` in Node), so defaulted and explicit times from
/// `performance.now()` share one origin without a JS call per decision.
pub fn now(env: &Env, now_ms: Option<Arg>) -> Conv<u64> {
    if let Some(explicit) = now_ms.map(|a| a.opt_u64("nowMs")).transpose()?.flatten() {
        return Ok(explicit);
    }
    Ok(clock_ms(clock_anchor(env)))
}

/// The default clock's anchor on this thread: `(performance.now(), Instant)` read together,
/// from JS the first time only.
pub fn clock_anchor(env: &Env) -> (f64, Instant) {
    ANCHOR.get().unwrap_or_else(|| {
        let anchor = (performance_now(env), Instant::now());
        ANCHOR.set(Some(anchor));
        anchor
    })
}

/// `Math.floor(performance.now())` from the anchor, without calling JS.
pub fn clock_ms((origin, at): (f64, Instant)) -> u64 {
    let elapsed = at.elapsed().as_secs_f64() * 1000.0;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let ms = (origin + elapsed).floor().max(0.0) as u64;
    ms
}

fn performance_now(env: &Env) -> f64 {
    let raw = env.raw();
    // SAFETY: reads `globalThis.performance.now` and calls it with no arguments.
    unsafe {
        let mut global = ptr::null_mut();
        sys::napi_get_global(raw, &mut global);
        let g = Arg { env: raw, value: global };
        let perf = g.named(c"performance");
        if perf.kind() != ValueType::Object {
            return 0.0;
        }
        let f = perf.named(c"now");
        let mut result = ptr::null_mut();
        if sys::napi_call_function(raw, perf.value, f.value, 0, ptr::null(), &mut result)
            != sys::Status::napi_ok
        {
            let mut pending = ptr::null_mut();
            sys::napi_get_and_clear_last_exception(raw, &mut pending);
            return 0.0;
        }
        let r = g.with(result);
        if r.kind() == ValueType::Number {
            r.number()
        } else {
            0.0
        }
    }
}

/// `seed` when given, else 8 bytes from the OS (`getrandom`).
pub fn seed_or_os(seed: Option<Arg>) -> Conv<u64> {
    if let Some(s) = seed.map(|a| a.seed("seed")).transpose()?.flatten() {
        return Ok(s);
    }
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| Error::argument("seed", format!("no OS randomness: {e}")))?;
    Ok(u64::from_le_bytes(bytes))
}

/// An operation as the module exports it: its arguments in, its result out.
pub type Op = fn(&Env, &[Arg]) -> Conv<Json>;

/// The most arguments an operation takes (an object's handle and its parameters).
const MAX_ARGS: usize = 16;

/// The N-API callback of every exported operation: reads the arguments (missing ones are
/// `undefined`), runs the [`Op`] registered as the function's data, and returns its result or
/// throws its error. A panic is caught and thrown as an error; it never unwinds into Node.
unsafe extern "C" fn trampoline(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let mut argc = MAX_ARGS;
    let mut argv = [ptr::null_mut(); MAX_ARGS];
    let mut data = ptr::null_mut();
    // SAFETY: `info` is this call's; `argv` has room for `argc` values.
    let status =
        unsafe { sys::napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), &mut data) };
    let js = Env::from_raw(env);
    if status != sys::Status::napi_ok || data.is_null() {
        let _ = throw(&js, &Error::argument("", "could not read the call's arguments"));
        return ptr::null_mut();
    }
    // SAFETY: `data` is the `Op` that `register` leaked for this function.
    let op = unsafe { *data.cast::<Op>() };
    let args = argv.map(|v| Arg::from_raw(env, v));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| op(&js, &args)))
        .unwrap_or_else(|_| Err(Error::argument("", "breakwater panicked (a bug): the call did nothing")));
    match outcome {
        // SAFETY: a live env of the current call.
        Ok(out) => unsafe { Json::to_napi_value(env, out) }.unwrap_or(ptr::null_mut()),
        Err(e) => {
            let _ = throw(&js, &e);
            ptr::null_mut()
        }
    }
}

/// Exports `op` as the function `exports[name]`.
pub fn register(env: &Env, exports: sys::napi_value, name: &str, op: Op) -> napi::Result<()> {
    let raw = env.raw();
    // One `Op` per exported function, for the life of the module.
    let data: *mut Op = Box::into_raw(Box::new(op));
    // SAFETY: module initialisation on the loading thread; every out-pointer is local.
    unsafe {
        let mut f = ptr::null_mut();
        let status = sys::napi_create_function(
            raw,
            name.as_ptr().cast(),
            name.len() as isize,
            Some(trampoline),
            data.cast(),
            &mut f,
        );
        if status != sys::Status::napi_ok {
            return Err(napi::Error::from_reason(format!("could not export {name}")));
        }
        let mut key = ptr::null_mut();
        sys::napi_create_string_utf8(raw, name.as_ptr().cast(), name.len() as isize, &mut key);
        sys::napi_set_property(raw, exports, key, f);
    }
    Ok(())
}
