//! Conversions between JavaScript values and the core's types, and the error mapping.
//!
//! Everything here converts or refuses; nothing decides. Host numbers are
//! checked before they reach the core (NaN, negative, fractional and unsafe
//! integers are `invalid_argument` naming the parameter), documents become a
//! `serde_json::Value` the core's `document::from_value` reads with typed, pathed
//! errors, and results are the core's serde form, parsed by `JSON.parse` into
//! plain objects.

use breakwater::transport::classify::Class;
use breakwater::{Error, ErrorCode, StableCode};
use js_sys::{Array, Object, Reflect, Uint8Array};
use serde::Serialize;
use serde_json::{Map, Number, Value};
use wasm_bindgen::{JsCast, JsValue};

/// A binding result: the error is the JS `Error` to throw.
pub type JsResult<T> = Result<T, JsValue>;

/// `Number.MAX_SAFE_INTEGER` (2^53 - 1): the largest integer a JS number holds exactly.
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `performance.now()`: the monotonic clock of browsers, workers and Node.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// The JS `Error` for a core error: `.code`, `.path`, and `.line`/`.column` when the input was a
/// document (as the Node binding).
pub fn js_error(e: &Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    let obj: &JsValue = err.as_ref();
    let _ = Reflect::set(obj, &"code".into(), &JsValue::from_str(e.code.as_str()));
    let _ = Reflect::set(obj, &"path".into(), &JsValue::from_str(&e.path));
    #[allow(clippy::cast_precision_loss)]
    for (name, n) in [("line", e.line), ("column", e.column)] {
        if let Some(n) = n {
            let _ = Reflect::set(obj, &name.into(), &JsValue::from_f64(n as f64));
        }
    }
    err.into()
}

/// Maps a core result to a binding result.
pub fn core<T>(r: breakwater::Result<T>) -> JsResult<T> {
    r.map_err(|e| js_error(&e))
}

/// `invalid_argument` at `path`.
pub fn argument(path: &str, message: impl Into<String>) -> JsValue {
    js_error(&Error::argument(path, message))
}

/// `invalid_type` at `path`.
pub fn wrong_type(path: &str, message: impl Into<String>) -> JsValue {
    js_error(&Error::new(ErrorCode::InvalidType, path, message))
}

/// `missing_field` at `name`: a required argument left out.
pub fn missing(name: &str) -> JsValue {
    js_error(&Error::new(ErrorCode::MissingField, name, format!("{name} is required")))
}

/// `undefined` or `null`: an omitted optional argument.
pub fn absent(v: &JsValue) -> bool {
    v.is_null_or_undefined()
}

/// A whole number of ms or a count from the host: a finite, non-negative, integral JS number
/// no larger than 2^53 - 1, or a `BigInt` in `0..2^64`. Anything else is refused with the
/// parameter's name as path (`invalid_argument`; `invalid_type` for a non-number).
pub fn u64_arg(v: &JsValue, name: &str) -> JsResult<u64> {
    if let Some(x) = v.as_f64() {
        return whole(x, name);
    }
    if v.is_bigint() {
        return u64::try_from(v.clone())
            .map_err(|_| argument(name, format!("{name} must be a whole number from 0 to 2^64 - 1")));
    }
    if absent(v) {
        return Err(missing(name));
    }
    Err(wrong_type(name, format!("{name} must be a number, got {}", type_name(v))))
}

/// The usual case in two cheap calls into JS: a number that is a safe integer `>= 0`.
fn safe_whole(v: &JsValue) -> Option<u64> {
    if !js_sys::Number::is_safe_integer(v) {
        return None;
    }
    let x = v.unchecked_into_f64();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    (x >= 0.0).then_some(x as u64)
}

/// A JS number as a whole `u64` in `0..=2^53 - 1`, or `invalid_argument` naming it.
fn whole(x: f64, name: &str) -> JsResult<u64> {
    if !x.is_finite() {
        Err(argument(name, format!("{name} must be a finite number, got {x}")))
    } else if x < 0.0 {
        Err(argument(name, format!("{name} cannot be negative, got {x}")))
    } else if x.fract() != 0.0 {
        Err(argument(name, format!("{name} must be a whole number, got {x}")))
    } else if x > MAX_SAFE {
        Err(argument(name, format!("{name} is past 2^53 and not exact in a JS number, got {x}")))
    } else {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(x as u64)
    }
}

/// An optional [`u64_arg`]: `undefined`/`null` is `None`.
pub fn opt_u64(v: &JsValue, name: &str) -> JsResult<Option<u64>> {
    if let Some(n) = safe_whole(v) {
        return Ok(Some(n));
    }
    if absent(v) {
        Ok(None)
    } else {
        u64_arg(v, name).map(Some)
    }
}

/// A `u32` count ([`u64_arg`] that also fits 32 bits).
pub fn u32_arg(v: &JsValue, name: &str) -> JsResult<u32> {
    let n = u64_arg(v, name)?;
    u32::try_from(n).map_err(|_| argument(name, format!("{name} must be at most {}, got {n}", u32::MAX)))
}

/// `nowMs`: the given time, or `Math.floor(performance.now())` when omitted.
pub fn now(v: &JsValue) -> JsResult<u64> {
    Ok(opt_u64(v, "nowMs")?.unwrap_or_else(clock_ms))
}

/// The default clock: `Math.floor(performance.now())`.
pub fn clock_ms() -> u64 {
    let t = performance_now();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    if t.is_finite() && t > 0.0 {
        t.floor() as u64
    } else {
        0
    }
}

/// A seed: a safe-integer number or a `BigInt` in `0..2^64`; omitted = 64 bits from the OS
/// (`crypto.getRandomValues` through getrandom).
pub fn seed(v: &JsValue) -> JsResult<u64> {
    if absent(v) {
        return getrandom::u64().map_err(|e| argument("seed", format!("no OS random source: {e}")));
    }
    u64_arg(v, "seed")
}

/// A required string argument.
pub fn string_arg(v: &JsValue, name: &str) -> JsResult<String> {
    v.as_string().ok_or_else(|| {
        if absent(v) {
            missing(name)
        } else {
            wrong_type(name, format!("{name} must be a string, got {}", type_name(v)))
        }
    })
}

/// A boolean argument.
pub fn bool_arg(v: &JsValue, name: &str) -> JsResult<bool> {
    v.as_bool().ok_or_else(|| wrong_type(name, format!("{name} must be a boolean, got {}", type_name(v))))
}

thread_local! {
    /// Each class with its code as a JS string, to match an argument without copying it.
    static CLASSES: Vec<(JsValue, Class)> =
        Class::ALL.iter().map(|c| (JsValue::from_str(c.as_str()), *c)).collect();
}

/// A class of results by its stable code (`success`, `retryable`, ...).
pub fn class_arg(v: &JsValue, name: &str) -> JsResult<Class> {
    if let Some(class) = CLASSES.with(|all| all.iter().find(|(js, _)| js == v).map(|(_, c)| *c)) {
        return Ok(class);
    }
    core(Class::parse(&string_arg(v, name)?, name))
}

/// Content for idempotency keys: a string (its UTF-8 bytes) or a `Uint8Array`.
pub fn bytes_arg(v: &JsValue, name: &str) -> JsResult<Vec<u8>> {
    if let Some(s) = v.as_string() {
        Ok(s.into_bytes())
    } else if let Some(a) = v.dyn_ref::<Uint8Array>() {
        Ok(a.to_vec())
    } else {
        Err(wrong_type(name, format!("{name} must be a string or a Uint8Array, got {}", type_name(v))))
    }
}

/// Response headers: `[name, value]` pairs, a plain object, or any iterable of pairs (`Headers`,
/// `Map`). Omitted = none. The pairs cross into wasm as one JSON string (`JSON.stringify`), not
/// one call per name and value.
pub fn headers(v: &JsValue, name: &str) -> JsResult<Vec<(String, String)>> {
    if absent(v) {
        return Ok(Vec::new());
    }
    if !v.is_object() || v.is_function() {
        return Err(wrong_type(
            name,
            format!("{name} must be [name, value] pairs or an object, got {}", type_name(v)),
        ));
    }
    let list: Array = if Array::is_array(v) {
        v.clone().unchecked_into()
    } else if Reflect::get(v, &js_sys::Symbol::iterator()).is_ok_and(|f| f.is_function()) {
        Array::from(v)
    } else {
        Object::entries(v.unchecked_ref())
    };
    // Read item by item (not through JSON text): a lone surrogate becomes U+FFFD, as in every
    // other string argument, and a refusal names the pair and its place.
    let mut out = Vec::with_capacity(list.length() as usize);
    for (i, item) in list.iter().enumerate() {
        let bad = |what: &str| {
            wrong_type(&format!("{name}[{i}]"), format!("expected a [name, value] pair, {what}"))
        };
        if !Array::is_array(&item) {
            return Err(bad("got something else"));
        }
        let pair: Array = item.unchecked_into();
        if pair.length() != 2 {
            return Err(bad(&format!("got {} items", pair.length())));
        }
        let key = pair
            .get(0)
            .as_string()
            .ok_or_else(|| wrong_type(&format!("{name}[{i}][0]"), "a header name must be a string"))?;
        let value = pair
            .get(1)
            .as_string()
            .ok_or_else(|| wrong_type(&format!("{name}[{i}][1]"), "a header value must be a string"))?;
        out.push((key, value));
    }
    Ok(out)
}

fn type_name(v: &JsValue) -> String {
    if v.is_null() {
        "null".into()
    } else if Array::is_array(v) {
        "an array".into()
    } else {
        v.js_typeof().as_string().unwrap_or_default()
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// A document (config, rate-limit state) as JSON: plain objects, arrays, strings, booleans,
/// finite numbers, `null`; keys whose value is `undefined` are omitted. NaN and infinities are
/// `not_finite`, functions and symbols `invalid_type`, each at the field's path.
pub fn to_json(v: &JsValue, path: &str) -> JsResult<Value> {
    to_json_at(v, path, 0)
}

fn to_json_at(v: &JsValue, path: &str, depth: usize) -> JsResult<Value> {
    if absent(v) {
        return Ok(Value::Null);
    }
    if let Some(b) = v.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Some(s) = v.as_string() {
        return Ok(Value::String(s));
    }
    if let Some(x) = v.as_f64() {
        if !x.is_finite() {
            return Err(js_error(&Error::new(
                ErrorCode::NotFinite,
                path,
                format!("{x} is not a finite number"),
            )));
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let n = if x.fract() == 0.0 && x.abs() <= MAX_SAFE {
            if x >= 0.0 {
                Number::from(x as u64)
            } else {
                Number::from(x as i64)
            }
        } else {
            Number::from_f64(x).unwrap_or_else(|| Number::from(0u64))
        };
        return Ok(Value::Number(n));
    }
    if v.is_bigint() {
        let b: js_sys::BigInt = v.clone().unchecked_into();
        if let Ok(u) = u64::try_from(b.clone()) {
            return Ok(Value::Number(u.into()));
        }
        if let Ok(i) = i64::try_from(b) {
            return Ok(Value::Number(i.into()));
        }
        return Err(js_error(&Error::new(ErrorCode::OutOfRange, path, "a BigInt outside the 64-bit range")));
    }
    if Array::is_array(v) {
        core(breakwater::surface::check_nesting(depth, path))?;
        let arr: &Array = v.unchecked_ref();
        return arr
            .iter()
            .enumerate()
            .map(|(i, item)| to_json_at(&item, &format!("{path}[{i}]"), depth + 1))
            .collect::<JsResult<Vec<_>>>()
            .map(Value::Array);
    }
    if v.is_object() && !v.is_function() {
        core(breakwater::surface::check_nesting(depth, path))?;
        let mut map = Map::new();
        for entry in Object::entries(v.unchecked_ref()).iter() {
            let entry: Array = entry.unchecked_into();
            let key = entry.get(0).as_string().unwrap_or_default();
            let value = entry.get(1);
            if value.is_undefined() {
                continue;
            }
            let here = join(path, &key);
            map.insert(key, to_json_at(&value, &here, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    Err(wrong_type(path, format!("{} cannot be part of a document", type_name(v))))
}

/// A component config: omitted = the documented defaults; otherwise an object read by the core.
pub fn config<T: serde::de::DeserializeOwned + Default>(v: &JsValue) -> JsResult<T> {
    if absent(v) {
        return Ok(T::default());
    }
    if !v.is_object() || Array::is_array(v) {
        return Err(wrong_type("config", format!("config must be an object, got {}", type_name(v))));
    }
    core(breakwater::document::from_value(&to_json(v, "")?))
}

/// A required document argument (an object: what `classify` returned, say) read as `T`; errors
/// carry the field's path under `name`.
pub fn document<T: serde::de::DeserializeOwned>(v: &JsValue, name: &str) -> JsResult<T> {
    if absent(v) || !v.is_object() || Array::is_array(v) || v.is_function() {
        return Err(wrong_type(name, format!("{name} must be an object, got {}", type_name(v))));
    }
    core(breakwater::document::from_value(&to_json(v, name)?).map_err(|e| e.within(name)))
}

/// The serializer of results: plain objects, `null` for `None`, numbers for integers.
const OUT: serde_wasm_bindgen::Serializer = serde_wasm_bindgen::Serializer::json_compatible();

/// A core result in its serde form, as a plain JS object (field names are cached JS strings).
pub fn out<T: Serialize + ?Sized>(x: &T) -> JsResult<JsValue> {
    INTERNED.with(|done| {
        if !done.replace(true) {
            intern_codes();
        }
    });
    x.serialize(&OUT).map_err(|e| {
        // serde-wasm-bindgen's error reads as the JS `Error` it holds: "Error: ...".
        let message = e.to_string();
        argument("output", message.strip_prefix("Error: ").unwrap_or(&message))
    })
}

thread_local! {
    /// Stable codes already made into JS strings, by the address of the `&'static str`.
    static CODES: std::cell::RefCell<Vec<(usize, JsValue)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A stable code (`closed`, `success`, ...) as a JS string, made once per code.
pub fn code(s: &'static str) -> JsValue {
    let key = s.as_ptr() as usize;
    CODES.with(|codes| {
        if let Some((_, js)) = codes.borrow().iter().find(|(k, _)| *k == key) {
            return js.clone();
        }
        let js = JsValue::from_str(s);
        codes.borrow_mut().push((key, js.clone()));
        js
    })
}

thread_local! {
    /// Whether [`intern_codes`] ran (on the first result serialized).
    static INTERNED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Puts the stable codes of the hot paths in wasm-bindgen's intern cache, so returning them
/// (and serializing them inside results) does not decode UTF-8 each time.
fn intern_codes() {
    use breakwater::transport::breaker::{AcquireReason, Counted, State, TransitionReason};
    let codes = State::ALL
        .iter()
        .map(|c| c.as_str())
        .chain(Counted::ALL.iter().map(|c| c.as_str()))
        .chain(AcquireReason::ALL.iter().map(|c| c.as_str()))
        .chain(TransitionReason::ALL.iter().map(|c| c.as_str()))
        .chain(Class::ALL.iter().map(|c| c.as_str()));
    for c in codes {
        wasm_bindgen::intern(c);
    }
}
