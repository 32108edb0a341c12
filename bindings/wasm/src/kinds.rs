//! How JS values are read for each parameter kind of `breakwater::surface!` (the table in
//! `core/src/surface/mod.rs`). One trait per kind, implemented for the Rust types the
//! operations take; `undefined` and `null` are "left out". Refusals name the parameter in
//! snake_case; the package entry (`js/surface.mjs`) renames it as JS spells it.

use std::cell::RefCell;
use std::rc::Rc;

use breakwater::schema::diff::CompatibilityPolicy;
use breakwater::schema::lint::Profile as LintProfile;
use breakwater::schema::validate::DraftName;
use breakwater::surface::HandleClass;
use breakwater::transport::breaker::Permit as CorePermit;
use breakwater::transport::classify::{Class, Profile};
use breakwater::{Policy, StableCode};
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;

use crate::convert::{self, absent, core, missing, string_arg, u64_arg, JsResult};

/// The argument, or `missing_field` at `name` when left out.
fn required<'a>(v: &'a JsValue, name: &str) -> JsResult<&'a JsValue> {
    if absent(v) {
        Err(missing(name))
    } else {
        Ok(v)
    }
}

/// Declares a kind's trait and its `Option` form: absent is `None`, anything else is read
/// as the required type.
macro_rules! kind {
    ($(#[$doc:meta])* $kind:ident: $($t:ty => |$a:ident, $name:ident| $read:expr;)+) => {
        $(#[$doc])*
        pub trait $kind: Sized {
            fn read(v: &JsValue, name: &str) -> JsResult<Self>;
        }
        $(
            impl $kind for $t {
                fn read(v: &JsValue, $name: &str) -> JsResult<Self> {
                    let $a = required(v, $name)?;
                    $read
                }
            }
            impl $kind for Option<$t> {
                fn read(v: &JsValue, name: &str) -> JsResult<Self> {
                    if absent(v) { Ok(None) } else { <$t as $kind>::read(v, name).map(Some) }
                }
            }
        )+
    };
}

kind! {
    /// A string.
    Text: String => |a, name| string_arg(a, name);
}

kind! {
    /// A piece of one text (`bindings/js/surface.mjs` completes a surrogate pair cut between pieces).
    Chunk: String => |a, name| string_arg(a, name);
}

kind! {
    /// A whole number ≥ 0: a safe-integer number or a `BigInt`.
    Count:
        u64 => |a, name| u64_arg(a, name);
        u32 => |a, name| convert::u32_arg(a, name);
}

kind! {
    /// One of a closed set of codes (`unknown_variant` otherwise).
    Code:
        Class => |a, name| code(a, name);
        Profile => |a, name| code(a, name);
        DraftName => |a, name| code(a, name);
        LintProfile => |a, name| code(a, name);
        CompatibilityPolicy => |a, name| code(a, name);
}

kind! {
    /// A boolean.
    Flag: bool => |a, name| convert::bool_arg(a, name);
}

kind! {
    /// A permit token from `tryAcquire`.
    Permit: CorePermit => |a, name| Ok(CorePermit::from_token(u64_arg(a, name)?));
}

kind! {
    /// A string (its UTF-8 bytes) or a `Uint8Array`.
    Bytes: Vec<u8> => |a, name| convert::bytes_arg(a, name);
}

kind! {
    /// `[name, value]` pairs, a plain object, or any iterable of pairs (`Headers`, `Map`).
    Headers: Vec<(String, String)> => |a, name| convert::headers(a, name);
}

fn code<T: StableCode>(v: &JsValue, name: &str) -> JsResult<T> {
    core(T::parse(&string_arg(v, name)?, name))
}

/// Any JSON value: a schema, a model output (`null` is JSON `null`; `undefined` is left out).
pub trait Json: Sized {
    fn read(v: &JsValue, name: &str) -> JsResult<Self>;
}

impl Json for serde_json::Value {
    fn read(v: &JsValue, name: &str) -> JsResult<Self> {
        if v.is_undefined() {
            return Err(missing(name));
        }
        convert::to_json(v, name)
    }
}

/// A document (a plain object) read through the core's checked deserializer; paths start at
/// `name`.
pub trait Value: Sized {
    fn read(v: &JsValue, name: &str) -> JsResult<Self>;
}

impl<T: DeserializeOwned> Value for T {
    fn read(v: &JsValue, name: &str) -> JsResult<Self> {
        convert::document(required(v, name)?, name)
    }
}

/// A config document (a plain object); paths are the document's own. As an `Option`,
/// absent is the defaults.
pub trait Config: Sized {
    fn read(v: &JsValue, name: &str) -> JsResult<Self>;
}

impl<T: DeserializeOwned> Config for Option<T> {
    fn read(v: &JsValue, name: &str) -> JsResult<Self> {
        if absent(v) {
            return Ok(None);
        }
        if !v.is_object() || js_sys::Array::is_array(v) || v.is_function() {
            return Err(convert::wrong_type(name, format!("{name} must be an object")));
        }
        core(breakwater::document::from_value(&convert::to_json(v, "")?)).map(Some)
    }
}

impl Config for Policy {
    fn read(v: &JsValue, name: &str) -> JsResult<Self> {
        <Option<Policy> as Config>::read(v, name)?.ok_or_else(|| missing(name))
    }
}

/// `now_ms`: the given time, or `Math.floor(performance.now())`.
pub trait Time: Sized {
    fn read(v: &JsValue, name: &str) -> JsResult<Self>;
}

impl Time for u64 {
    fn read(v: &JsValue, name: &str) -> JsResult<Self> {
        Ok(convert::opt_u64(v, name)?.unwrap_or_else(convert::clock_ms))
    }
}

/// A wall-clock time in unix ms, never defaulted.
pub trait Wall: Sized {
    fn read(v: &JsValue, name: &str) -> JsResult<Self>;
}

impl Wall for Option<u64> {
    fn read(v: &JsValue, name: &str) -> JsResult<Self> {
        convert::opt_u64(v, name)
    }
}

/// A seed, or 64 bits from `crypto.getRandomValues`.
pub trait Seed: Sized {
    fn read(v: &JsValue, name: &str) -> JsResult<Self>;
}

impl Seed for u64 {
    fn read(v: &JsValue, _name: &str) -> JsResult<Self> {
        convert::seed(v)
    }
}

/// A `Policy` object (its handle: the entry passes it) or a policy document.
pub trait PolicyDoc: Sized {
    fn read(v: &JsValue, name: &str) -> JsResult<Self>;
}

impl PolicyDoc for Option<Policy> {
    fn read(v: &JsValue, name: &str) -> JsResult<Self> {
        if let Some(handle) = v.as_f64() {
            let policy = <crate::surface::Policy as Obj>::read(&JsValue::from_f64(handle), name)?;
            return Ok(Some(policy.borrow().clone()));
        }
        <Option<Policy> as Config>::read(v, name)
    }
}

/// An object of a class of the surface, by the handle the entry passes.
pub trait Obj: HandleClass {
    fn read(v: &JsValue, name: &str) -> JsResult<Rc<RefCell<Self::State>>> {
        let handle = u64_arg(required(v, name)?, name)?;
        core(Self::get(handle, name))
    }
}

/// An object of a class of the surface, or none.
pub trait OptObj: Obj {
    fn read(v: &JsValue, name: &str) -> JsResult<Option<Rc<RefCell<Self::State>>>> {
        if absent(v) {
            Ok(None)
        } else {
            <Self as Obj>::read(v, name).map(Some)
        }
    }
}

impl<T: HandleClass> Obj for T {}
impl<T: HandleClass> OptObj for T {}
