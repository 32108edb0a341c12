//! How JS values are read for each parameter kind of `breakwater::surface!` (the table in
//! `core/src/surface/mod.rs`). One trait per kind, implemented for the Rust types the
//! operations take; `undefined` and `null` are "left out". Refusals name the parameter in
//! snake_case; the package entry (`bindings/js/surface.mjs`) renames it as JS spells it.

use std::cell::RefCell;
use std::rc::Rc;

use breakwater::schema::diff::CompatibilityPolicy;
use breakwater::schema::lint::Profile as LintProfile;
use breakwater::schema::validate::DraftName;
use breakwater::surface::HandleClass;
use breakwater::transport::breaker::Permit as CorePermit;
use breakwater::transport::classify::{Class, Profile};
use breakwater::{Error, Policy, StableCode};
use napi::Env;
use serde::de::DeserializeOwned;

use crate::js::{missing, Arg, Conv};

fn required(a: Arg, name: &str) -> Conv<Arg> {
    if a.is_absent() {
        Err(missing(name))
    } else {
        Ok(a)
    }
}

/// Declares a kind's trait and its `Option` form: absent is `None`, anything else is read
/// as the required type.
macro_rules! kind {
    ($(#[$doc:meta])* $kind:ident: $($t:ty => |$a:ident, $name:ident| $read:expr;)+) => {
        $(#[$doc])*
        pub trait $kind: Sized {
            fn read(env: &Env, a: Arg, name: &str) -> Conv<Self>;
        }
        $(
            impl $kind for $t {
                fn read(_env: &Env, a: Arg, $name: &str) -> Conv<Self> {
                    let $a = required(a, $name)?;
                    $read
                }
            }
            impl $kind for Option<$t> {
                fn read(env: &Env, a: Arg, name: &str) -> Conv<Self> {
                    if a.is_absent() { Ok(None) } else { <$t as $kind>::read(env, a, name).map(Some) }
                }
            }
        )+
    };
}

kind! {
    /// A string.
    Text: String => |a, name| a.str(name);
}

kind! {
    /// A piece of one text (`bindings/js/surface.mjs` completes a surrogate pair cut between pieces).
    Chunk: String => |a, name| a.str(name);
}

kind! {
    /// A whole number ≥ 0: a safe-integer number or a `BigInt`.
    Count:
        u64 => |a, name| a.u64(name);
        u32 => |a, name| {
            let n = a.u64(name)?;
            u32::try_from(n).map_err(|_| Error::argument(name, format!("{name} must be at most {}", u32::MAX)))
        };
}

kind! {
    /// One of a closed set of codes (`unknown_variant` otherwise).
    Code:
        Class => |a, name| Class::parse(&a.str(name)?, name);
        Profile => |a, name| Profile::parse(&a.str(name)?, name);
        DraftName => |a, name| DraftName::parse(&a.str(name)?, name);
        LintProfile => |a, name| LintProfile::parse(&a.str(name)?, name);
        CompatibilityPolicy => |a, name| CompatibilityPolicy::parse(&a.str(name)?, name);
}

kind! {
    /// A boolean.
    Flag: bool => |a, name| a.opt_bool(name)?.ok_or_else(|| missing(name));
}

kind! {
    /// A permit token from `tryAcquire`.
    Permit: CorePermit => |a, name| Ok(CorePermit::from_token(a.u64(name)?));
}

kind! {
    /// A string (its UTF-8 bytes) or a `Uint8Array`.
    Bytes: Vec<u8> => |a, name| a.bytes(name)?.ok_or_else(|| missing(name));
}

kind! {
    /// `[name, value]` pairs, a plain object, or any iterable of pairs (`Headers`, `Map`).
    Headers: Vec<(String, String)> => |a, name| a.headers(name);
}

/// Any JSON value: a schema, a model output (`null` is JSON `null`; `undefined` is left out).
pub trait Json: Sized {
    fn read(env: &Env, a: Arg, name: &str) -> Conv<Self>;
}

impl Json for serde_json::Value {
    fn read(_env: &Env, a: Arg, name: &str) -> Conv<Self> {
        a.json(name)
    }
}

/// A document (a plain object) read through the core's checked deserializer; paths start at
/// `name`.
pub trait Value: Sized {
    fn read(env: &Env, a: Arg, name: &str) -> Conv<Self>;
}

impl<T: DeserializeOwned> Value for T {
    fn read(_env: &Env, a: Arg, name: &str) -> Conv<Self> {
        a.document(name)
    }
}

/// A config document (a plain object); paths are the document's own. As an `Option`,
/// absent is the defaults.
pub trait Config: Sized {
    fn read(env: &Env, a: Arg, name: &str) -> Conv<Self>;
}

impl<T: DeserializeOwned> Config for Option<T> {
    fn read(_env: &Env, a: Arg, name: &str) -> Conv<Self> {
        if a.is_absent() {
            return Ok(None);
        }
        breakwater::document::from_value(&a.config(name)?).map(Some)
    }
}

impl Config for Policy {
    fn read(env: &Env, a: Arg, name: &str) -> Conv<Self> {
        <Option<Policy> as Config>::read(env, a, name)?.ok_or_else(|| missing(name))
    }
}

/// `now_ms`: the given time, or `Math.floor(performance.now())`.
pub trait Time: Sized {
    fn read(env: &Env, a: Arg, name: &str) -> Conv<Self>;
}

impl Time for u64 {
    fn read(env: &Env, a: Arg, name: &str) -> Conv<Self> {
        match a.opt_u64(name)? {
            Some(t) => Ok(t),
            None => Ok(crate::js::clock_ms(crate::js::clock_anchor(env))),
        }
    }
}

/// A wall-clock time in unix ms, never defaulted.
pub trait Wall: Sized {
    fn read(env: &Env, a: Arg, name: &str) -> Conv<Self>;
}

impl Wall for Option<u64> {
    fn read(_env: &Env, a: Arg, name: &str) -> Conv<Self> {
        a.opt_u64(name)
    }
}

/// A seed, or 8 bytes from the OS.
pub trait Seed: Sized {
    fn read(env: &Env, a: Arg, name: &str) -> Conv<Self>;
}

impl Seed for u64 {
    fn read(_env: &Env, a: Arg, _name: &str) -> Conv<Self> {
        crate::js::seed_or_os(Some(a))
    }
}

/// A `Policy` object (its handle: the entry passes it) or a policy document.
pub trait PolicyDoc: Sized {
    fn read(env: &Env, a: Arg, name: &str) -> Conv<Self>;
}

impl PolicyDoc for Option<Policy> {
    fn read(env: &Env, a: Arg, name: &str) -> Conv<Self> {
        if a.is_number() {
            let policy = <crate::surface::Policy as Obj>::read(env, a, name)?;
            return Ok(Some(policy.borrow().clone()));
        }
        <Option<Policy> as Config>::read(env, a, name)
    }
}

/// An object of a class of the surface, by the handle the entry passes.
pub trait Obj: HandleClass {
    fn read(_env: &Env, a: Arg, name: &str) -> Conv<Rc<RefCell<Self::State>>> {
        Self::get(required(a, name)?.u64(name)?, name)
    }
}

/// An object of a class of the surface, or none.
pub trait OptObj: Obj {
    fn read(env: &Env, a: Arg, name: &str) -> Conv<Option<Rc<RefCell<Self::State>>>> {
        if a.is_absent() {
            Ok(None)
        } else {
            <Self as Obj>::read(env, a, name).map(Some)
        }
    }
}

impl<T: HandleClass> Obj for T {}
impl<T: HandleClass> OptObj for T {}
