//! Runner for `component: "calls"`: any operation of the binding surface called by name with
//! its arguments as JSON, the way a binding reads them (`breakwater::surface!` expanded for
//! JSON values here, as the Python, Node and WASM bindings expand it for theirs).
//!
//! `args.call` names the operation: `classify`, `Class.method`, `Class.static_method`, or
//! `Class.new`; `args.with` holds its arguments by (snake_case) name. A value
//! `{"$object": "Class", "with"?: {...}, "name"?: "n"}` is a new object of that class built
//! with those arguments (a `Request` comes from a new `Client`'s `begin`), kept as `n` for the
//! later steps of the vector, which name it `{"$name": "n"}`; `with.this` is the object a
//! method is called on (default: a new one). `args.keep: "k"` keeps a step's output, which
//! later steps pass as `{"$kept": "k", "key"?: "member"}` (a manifest into a router). Objects are `{"$class", "$handle"}` here, so that one of
//! another class is refused as the bindings refuse it. Every refusal is the one a binding gives,
//! the hand-written `CircuitBreaker`'s included (`surface_described!`).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use breakwater::policy::Policy as CorePolicy;
use breakwater::schema::diff::CompatibilityPolicy;
use breakwater::schema::lint::Profile as LintProfile;
use breakwater::schema::validate::DraftName;
use breakwater::surface::HandleClass;
use breakwater::transport::breaker::Permit as CorePermit;
use breakwater::transport::classify::{Class as ClassCode, Profile};
use breakwater::{Error, ErrorCode, StableCode};
use serde::de::DeserializeOwned;
use serde_json::{json, Value as Json};

use crate::{Runner, Step, Vector};

pub fn runner(v: &Vector) -> Result<Box<dyn Runner>, Error> {
    if !(v.config.is_null() || v.config.as_object().is_some_and(serde_json::Map::is_empty)) {
        return Err(Error::argument("config", "calls takes no config"));
    }
    Ok(Box::new(Calls { named: BTreeMap::new() }))
}

struct Calls {
    /// Objects a step built with `"name"`, that later steps name with `{"$name": ...}`, and
    /// outputs kept with `args.keep`, that later steps pass with `{"$kept": ...}`.
    named: BTreeMap<String, Json>,
}

impl Runner for Calls {
    fn step(&mut self, step: &Step) -> Result<Json, Error> {
        if step.op != "call" {
            return Err(Error::argument("op", format!("unknown op `{}`", step.op)));
        }
        let call = step
            .args
            .get("call")
            .and_then(Json::as_str)
            .ok_or_else(|| Error::argument("args.call", "required"))?;
        let mut with = step.args.get("with").cloned().unwrap_or_else(|| json!({}));
        resolve_objects(&mut with, step.at_ms, &mut self.named)?;
        let args = with.as_object().cloned().unwrap_or_default().into_iter().collect::<BTreeMap<_, _>>();
        let out = dispatch(call, &mut Args { given: args, now: step.at_ms })?;
        if let Some(keep) = step.args.get("keep").and_then(Json::as_str) {
            self.named.insert(format!("$kept:{keep}"), out.clone());
        }
        // A constructor's result is the object; the vectors see `{ok: true}`, as in Python and JS.
        Ok(if call.ends_with(".new") { json!({"ok": true}) } else { out })
    }
}

/// The arguments of one call: taken by name, each once; what is left is unknown.
struct Args {
    given: BTreeMap<String, Json>,
    now: u64,
}

impl Args {
    fn take(&mut self, name: &str) -> Option<Json> {
        self.given.remove(name).filter(|v| !v.is_null())
    }

    /// A JSON argument: `null` is a value, only a left-out argument is absent.
    fn take_json(&mut self, name: &str) -> Result<Json, Error> {
        self.given.remove(name).ok_or_else(|| missing(name))
    }

    fn no_unknown(&self) -> Result<(), Error> {
        match self.given.keys().next() {
            Some(k) => {
                Err(Error::new(ErrorCode::UnknownField, k.clone(), format!("no argument named `{k}`")))
            }
            None => Ok(()),
        }
    }
}

/// Replaces each `{"$object": "Class", "with"?, "name"?}` with the handle of a new object of
/// that class (kept under `name` for later steps), and each `{"$name": n}` with that object.
fn resolve_objects(v: &mut Json, now: u64, named: &mut BTreeMap<String, Json>) -> Result<(), Error> {
    if let Some(name) = v.get("$name").and_then(Json::as_str) {
        *v = named
            .get(name)
            .cloned()
            .ok_or_else(|| Error::argument("$name", format!("no object named `{name}`")))?;
        return Ok(());
    }
    if let Some(kept) = v.get("$kept").and_then(Json::as_str) {
        let out = named
            .get(&format!("$kept:{kept}"))
            .ok_or_else(|| Error::argument("$kept", format!("no output kept as `{kept}`")))?;
        *v = match v.get("key").and_then(Json::as_str) {
            Some(key) => out.get(key).cloned().unwrap_or(Json::Null),
            None => out.clone(),
        };
        return Ok(());
    }
    if let Some(class) = v.get("$object").and_then(Json::as_str) {
        let mut with = v.get("with").cloned().unwrap_or_else(|| json!({}));
        resolve_objects(&mut with, now, named)?;
        let given = with.as_object().cloned().unwrap_or_default().into_iter().collect();
        let object = make(class, Args { given, now })?;
        if let Some(name) = v.get("name").and_then(Json::as_str) {
            named.insert(name.to_owned(), object.clone());
        }
        *v = object;
        return Ok(());
    }
    if let Some(map) = v.as_object_mut() {
        for item in map.values_mut() {
            resolve_objects(item, now, named)?;
        }
    }
    if let Some(items) = v.as_array_mut() {
        for item in items {
            resolve_objects(item, now, named)?;
        }
    }
    Ok(())
}

/// A new object of `class`, built with `args` (a `Request` from a new client's `begin`).
fn make(class: &str, mut args: Args) -> Result<Json, Error> {
    if class == "Request" {
        let client = make("Client", Args { given: BTreeMap::new(), now: args.now })?;
        let mut begin = Args { given: BTreeMap::from([("this".to_owned(), client)]), now: args.now };
        return dispatch("Client.begin", &mut begin);
    }
    dispatch(&format!("{class}.new"), &mut args)
}

/// An object as this runner passes it.
fn object(class: &str, handle: u64) -> Json {
    json!({ "$class": class, "$handle": handle })
}

/// The handle of `v` when it is an object of `class`.
fn handle_of(v: &Json, class: &str, name: &str) -> Result<u64, Error> {
    match (v.get("$class").and_then(Json::as_str), v.get("$handle").and_then(Json::as_u64)) {
        (Some(c), Some(h)) if c == class => Ok(h),
        _ => Err(wrong(name, &format!("a {class}"))),
    }
}

fn missing(name: &str) -> Error {
    Error::new(ErrorCode::MissingField, name, format!("{name} is required"))
}

fn wrong(name: &str, what: &str) -> Error {
    Error::new(ErrorCode::InvalidType, name, format!("expected {what}"))
}

/// Declares a kind's reader and its `Option` form.
macro_rules! kind {
    ($kind:ident: $($t:ty => |$v:ident, $name:ident| $read:expr;)+) => {
        trait $kind: Sized {
            fn read(v: Option<Json>, name: &str) -> Result<Self, Error>;
        }
        $(
            impl $kind for $t {
                fn read(v: Option<Json>, $name: &str) -> Result<Self, Error> {
                    let $v = v.ok_or_else(|| missing($name))?;
                    $read
                }
            }
            impl $kind for Option<$t> {
                fn read(v: Option<Json>, name: &str) -> Result<Self, Error> {
                    v.map(|v| <$t as $kind>::read(Some(v), name)).transpose()
                }
            }
        )+
    };
}

fn count(v: &Json, name: &str) -> Result<u64, Error> {
    match v {
        Json::Number(n) => n.as_u64().ok_or_else(|| {
            Error::argument(name, format!("{name} must be a whole number from 0 to 2^64 - 1, got {n}"))
        }),
        _ => Err(wrong(name, "a number")),
    }
}

fn text(v: &Json, name: &str) -> Result<String, Error> {
    v.as_str().map(str::to_owned).ok_or_else(|| wrong(name, "a string"))
}

kind! { Text: String => |v, name| text(&v, name); }
kind! { Chunk: String => |v, name| text(&v, name); }
kind! {
    Count:
        u64 => |v, name| count(&v, name);
        u32 => |v, name| u32::try_from(count(&v, name)?).map_err(|_| Error::argument(name, "above 2^32 - 1"));
}
kind! {
    Code:
        ClassCode => |v, name| ClassCode::parse(&text(&v, name)?, name);
        Profile => |v, name| Profile::parse(&text(&v, name)?, name);
        DraftName => |v, name| DraftName::parse(&text(&v, name)?, name);
        LintProfile => |v, name| LintProfile::parse(&text(&v, name)?, name);
        CompatibilityPolicy => |v, name| CompatibilityPolicy::parse(&text(&v, name)?, name);
}
kind! { Flag: bool => |v, name| v.as_bool().ok_or_else(|| wrong(name, "a boolean")); }
kind! { Permit: CorePermit => |v, name| Ok(CorePermit::from_token(count(&v, name)?)); }
kind! { Bytes: Vec<u8> => |v, name| Ok(text(&v, name)?.into_bytes()); }
kind! {
    Headers: Vec<(String, String)> => |v, name| {
        let pairs: Vec<(String, Json)> = match v {
            Json::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, pair)| match pair {
                    Json::Array(p) if p.len() == 2 => {
                        let n = text(&p[0], &format!("{name}[{i}][0]"))?;
                        Ok((n, p[1].clone()))
                    }
                    _ => Err(wrong(&format!("{name}[{i}]"), "a [name, value] pair")),
                })
                .collect::<Result<_, _>>()?,
            Json::Object(map) => map.into_iter().collect(),
            _ => return Err(wrong(name, "[name, value] pairs or a mapping")),
        };
        pairs.into_iter().enumerate().map(|(i, (n, value))| Ok((n, text(&value, &format!("{name}[{i}][1]"))?))).collect()
    };
}

trait Value: Sized {
    fn read(v: Option<Json>, name: &str) -> Result<Self, Error>;
}
impl<T: DeserializeOwned> Value for T {
    fn read(v: Option<Json>, name: &str) -> Result<Self, Error> {
        let v = v.ok_or_else(|| missing(name))?;
        if !v.is_object() {
            return Err(wrong(name, "an object"));
        }
        breakwater::document::from_value(&v).map_err(|e| e.within(name))
    }
}

trait Config: Sized {
    fn read(v: Option<Json>, name: &str) -> Result<Self, Error>;
}
impl<T: DeserializeOwned> Config for Option<T> {
    fn read(v: Option<Json>, name: &str) -> Result<Self, Error> {
        match v {
            None => Ok(None),
            Some(v) if v.is_object() => breakwater::document::from_value(&v).map(Some),
            Some(_) => Err(wrong(name, "an object")),
        }
    }
}
impl Config for CorePolicy {
    fn read(v: Option<Json>, name: &str) -> Result<Self, Error> {
        <Option<CorePolicy> as Config>::read(v, name)?.ok_or_else(|| missing(name))
    }
}

trait Wall: Sized {
    fn read(v: Option<Json>, name: &str) -> Result<Self, Error>;
}
impl Wall for Option<u64> {
    fn read(v: Option<Json>, name: &str) -> Result<Self, Error> {
        v.map(|v| count(&v, name)).transpose()
    }
}

trait Seed: Sized {
    fn read(v: Option<Json>, name: &str) -> Result<Self, Error>;
}
impl Seed for u64 {
    fn read(v: Option<Json>, name: &str) -> Result<Self, Error> {
        v.map_or(Ok(0), |v| count(&v, name))
    }
}

trait PolicyDoc: Sized {
    fn read(v: Option<Json>, name: &str) -> Result<Self, Error>;
}
impl PolicyDoc for Option<CorePolicy> {
    fn read(v: Option<Json>, name: &str) -> Result<Self, Error> {
        match v {
            Some(v) if v.get("$class").is_some() => {
                let p = <Policy as Obj>::read(Some(v), name)?;
                let policy = p.borrow().clone();
                Ok(Some(policy))
            }
            other => <Option<CorePolicy> as Config>::read(other, name),
        }
    }
}

trait Obj: HandleClass {
    fn read(v: Option<Json>, name: &str) -> Result<Rc<RefCell<Self::State>>, Error> {
        Self::get(handle_of(&v.ok_or_else(|| missing(name))?, Self::NAME, name)?, name)
    }
}
trait OptObj: Obj {
    fn read(v: Option<Json>, name: &str) -> Result<Option<Rc<RefCell<Self::State>>>, Error> {
        v.map(|v| <Self as Obj>::read(Some(v), name)).transpose()
    }
}
impl<T: HandleClass> Obj for T {}
impl<T: HandleClass> OptObj for T {}

macro_rules! read {
    ($args:ident; $p:ident, Json, $t:ty) => {
        let $p: Json = $args.take_json(stringify!($p))?;
    };
    ($args:ident; $p:ident, Time, $t:ty) => {
        let $p: u64 = match $args.take(stringify!($p)) {
            Some(v) => count(&v, stringify!($p))?,
            None => $args.now,
        };
    };
    ($args:ident; $p:ident, $kind:ident, $t:ty) => {
        let $p = <$t as $kind>::read($args.take(stringify!($p)), stringify!($p))?;
    };
}

macro_rules! result {
    (Value, $rt:ty, $e:expr) => {
        serde_json::to_value(&$e).map_err(|e| Error::argument("output", e.to_string()))
    };
    (Obj, $rt:ty, $e:expr) => {{
        let state = $e;
        Ok(object(<$rt as HandleClass>::NAME, <$rt as HandleClass>::insert(state)))
    }};
}

macro_rules! member {
    ($call:ident, $args:ident, $class:ident; $(#[doc = $d:literal])* new ($($(#[doc = $pd:literal])* $p:ident $([$bag:ident $($bag_type:ident)?])? : $kind:ident $t:ty),*) = $f:path;) => {
        if $call == concat!(stringify!($class), ".new") {
            $(read!($args; $p, $kind, $t);)*
            $args.no_unknown()?;
            let state = $f($($p),*)?;
            return Ok(object(stringify!($class), <$class as HandleClass>::insert(state)));
        }
    };
    ($call:ident, $args:ident, $class:ident; $(#[doc = $d:literal])* static $name:ident $js:literal
        ($($(#[doc = $pd:literal])* $p:ident $([$bag:ident $($bag_type:ident)?])? : $kind:ident $t:ty),*) -> $rk:ident $rt:ty = $f:path;) => {
        if $call == concat!(stringify!($class), ".", stringify!($name)) {
            $(read!($args; $p, $kind, $t);)*
            $args.no_unknown()?;
            return result!($rk, $rt, $f($($p),*)?);
        }
    };
    ($call:ident, $args:ident, $class:ident; $(#[doc = $d:literal])* fn $name:ident $js:literal
        ($($(#[doc = $pd:literal])* $p:ident $([$bag:ident $($bag_type:ident)?])? : $kind:ident $t:ty),*) -> $rk:ident $rt:ty = $f:path;) => {
        if $call == concat!(stringify!($class), ".", stringify!($name)) {
            let this = match $args.take("this") {
                Some(o) => o,
                None => make(stringify!($class), Args { given: BTreeMap::new(), now: $args.now })?,
            };
            let this = handle_of(&this, stringify!($class), "this")?;
            $(read!($args; $p, $kind, $t);)*
            $args.no_unknown()?;
            let this = <$class as HandleClass>::get(this, "this")?;
            let out = {
                let mut this = breakwater::surface::borrow(&this, "this")?;
                $(breakwater::borrow_param!($p, $kind, |e| e);)*
                $f(&mut *this, $($p),*)?
            };
            return result!($rk, $rt, out);
        }
    };
}

macro_rules! json_classes {
    () => {};
    ($(#[doc = $d:literal])* fn $name:ident $js:literal $params:tt -> $rk:ident $rt:ty = $f:path; $($rest:tt)*) => {
        json_classes!($($rest)*);
    };
    // `class`, or `hand_class` (described, but written by hand in every binding).
    ($(#[doc = $d:literal])* $which:ident $name:ident $js:literal ($state:ty) { $($body:tt)* } $($rest:tt)*) => {
        breakwater::handle_class!($name: $state);
        json_classes!($($rest)*);
    };
}

macro_rules! json_calls {
    ($call:ident, $args:ident;) => {};
    ($call:ident, $args:ident; $(#[doc = $d:literal])* fn $name:ident $js:literal ($($(#[doc = $pd:literal])* $p:ident $([$bag:ident $($bag_type:ident)?])? : $kind:ident $t:ty),*)
        -> $rk:ident $rt:ty = $f:path; $($rest:tt)*) => {
        if $call == stringify!($name) {
            $(read!($args; $p, $kind, $t);)*
            $args.no_unknown()?;
            return result!($rk, $rt, $f($($p),*)?);
        }
        json_calls!($call, $args; $($rest)*);
    };
    ($call:ident, $args:ident; $(#[doc = $d:literal])* $which:ident $name:ident $js:literal ($state:ty) { $($body:tt)* } $($rest:tt)*) => {
        breakwater::surface_members!(member [$call, $args, $name]; $($body)*);
        json_calls!($call, $args; $($rest)*);
    };
}

macro_rules! json_surface {
    ($($items:tt)*) => {
        mod marker {
            json_classes!($($items)*);
        }
        use marker::*;

        /// Calls the operation `call` with `args`.
        fn dispatch(call: &str, args: &mut Args) -> Result<Json, Error> {
            json_calls!(call, args; $($items)*);
            Err(Error::argument("args.call", format!("no operation `{call}`")))
        }
    };
}

// The hand-written classes too: their refusals are the contract the bindings keep.
breakwater::surface_described!(json_surface);
