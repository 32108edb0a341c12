//! Every function and class of `breakwater::surface!`, as module exports that take and return
//! numbers and plain values: `f_<function>(args...)`, `<Class>_new(args...)` → a handle,
//! `<Class>_<method>(handle, args...)`, `<Class>_free(handle)`. Objects live in a table per
//! class ([`Handles`]); the package entry (`js/surface.mjs`, shared with the Node binding)
//! builds the public classes on these exports from the same description (`__surface`).
//!
//! Each parameter is read by its kind (`kinds.rs`); then the object is borrowed, then the
//! objects among the parameters (in the order described), the operation runs and its result
//! becomes a plain value, or a handle of a new object.

use std::cell::{RefCell, RefMut};

use breakwater::surface::Handles;
use wasm_bindgen::prelude::*;

use crate::convert::{core, js_error, out_json, JsResult};
use crate::kinds;

/// A class of the surface: its objects' table.
pub trait Class: 'static {
    /// The core state of one object.
    type State: 'static;
    /// The class name, for refusals.
    const NAME: &'static str;
    /// Runs `f` on the class's table.
    fn with<R>(f: impl FnOnce(&mut Handles<Self::State>) -> R) -> R;
}

/// A handle from the entry: a whole number below 2^53 (anything else finds no object).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn handle(h: f64) -> u64 {
    if h.is_finite() && h >= 0.0 && h.fract() == 0.0 {
        h as u64
    } else {
        u64::MAX
    }
}

/// Borrows an object for one call; an object passed twice to the same call is refused.
fn borrow<'a, T>(cell: &'a RefCell<T>, name: &str) -> JsResult<RefMut<'a, T>> {
    cell.try_borrow_mut()
        .map_err(|_| js_error(&breakwater::Error::argument(name, "the same object is passed twice")))
}

/// The description of the surface, as JSON.
#[wasm_bindgen(js_name = __surface)]
pub fn surface_description() -> String {
    serde_json::to_string(&breakwater::surface::describe()).unwrap_or_default()
}

macro_rules! read {
    ($p:ident, $kind:ident, $t:ty) => {
        let $p = <$t as kinds::$kind>::read(&$p, stringify!($p))?;
    };
}

macro_rules! borrow_param {
    ($p:ident, Obj) => {
        let mut guard = borrow(&$p, stringify!($p))?;
        let $p = &mut *guard;
    };
    ($p:ident, OptObj) => {
        let mut guard = match &$p {
            Some(o) => Some(borrow(o, stringify!($p))?),
            None => None,
        };
        let $p = guard.as_deref_mut();
    };
    ($p:ident, $other:ident) => {};
}

macro_rules! result {
    (Value, $rt:ty, $e:expr) => {
        out_json(&$e)
    };
    (Obj, $rt:ty, $e:expr) => {{
        let state = $e;
        #[allow(clippy::cast_precision_loss)]
        Ok(JsValue::from_f64(<$rt as Class>::with(|h| h.insert(state)) as f64))
    }};
}

macro_rules! member {
    ($class:ident; $(#[doc = $d:literal])* new ($($p:ident $([$bag:ident])? : $kind:ident $t:ty),*) = $f:path;) => {
        paste::paste! {
            $(#[doc = $d])*
            #[wasm_bindgen(skip_typescript)]
            #[allow(non_snake_case)]
            pub fn [<$class _new>]($($p: JsValue),*) -> JsResult<f64> {
                $(read!($p, $kind, $t);)*
                let state = core($f($($p),*))?;
                #[allow(clippy::cast_precision_loss)]
                Ok($class::with(|h| h.insert(state)) as f64)
            }
        }
    };
    ($class:ident; $(#[doc = $d:literal])* static $name:ident $js:literal
        ($($p:ident $([$bag:ident])? : $kind:ident $t:ty),*) -> $rk:ident $rt:ty = $f:path;) => {
        paste::paste! {
            $(#[doc = $d])*
            #[wasm_bindgen(skip_typescript)]
            #[allow(non_snake_case)]
            pub fn [<$class _ $name>]($($p: JsValue),*) -> JsResult<JsValue> {
                $(read!($p, $kind, $t);)*
                result!($rk, $rt, core($f($($p),*))?)
            }
        }
    };
    ($class:ident; $(#[doc = $d:literal])* fn $name:ident $js:literal
        ($($p:ident $([$bag:ident])? : $kind:ident $t:ty),*) -> $rk:ident $rt:ty = $f:path;) => {
        paste::paste! {
            $(#[doc = $d])*
            #[wasm_bindgen(skip_typescript)]
            #[allow(non_snake_case, clippy::too_many_arguments)]
            pub fn [<$class _ $name>](this: f64, $($p: JsValue),*) -> JsResult<JsValue> {
                $(read!($p, $kind, $t);)*
                let this = core($class::with(|h| h.get(handle(this), "this", stringify!($class))))?;
                let mut this = borrow(&this, "this")?;
                $(borrow_param!($p, $kind);)*
                let out = core($f(&mut *this, $($p),*))?;
                result!($rk, $rt, out)
            }
        }
    };
}

macro_rules! members {
    ($class:ident;) => {};
    ($class:ident; $(#[doc = $d:literal])* new $params:tt = $f:path; $($rest:tt)*) => {
        member!($class; $(#[doc = $d])* new $params = $f;);
        members!($class; $($rest)*);
    };
    ($class:ident; $(#[doc = $d:literal])* $which:ident $name:ident $js:literal $params:tt -> $rk:ident $rt:ty = $f:path; $($rest:tt)*) => {
        member!($class; $(#[doc = $d])* $which $name $js $params -> $rk $rt = $f;);
        members!($class; $($rest)*);
    };
}

macro_rules! wasm_surface {
    () => {};
    ($(#[doc = $d:literal])* fn $name:ident $js:literal ($($p:ident $([$bag:ident])? : $kind:ident $t:ty),*)
        -> $rk:ident $rt:ty = $f:path; $($rest:tt)*) => {
        paste::paste! {
            $(#[doc = $d])*
            #[wasm_bindgen(skip_typescript)]
            #[allow(clippy::too_many_arguments)]
            pub fn [<f_ $name>]($($p: JsValue),*) -> JsResult<JsValue> {
                $(read!($p, $kind, $t);)*
                result!($rk, $rt, core($f($($p),*))?)
            }
        }
        wasm_surface!($($rest)*);
    };
    ($(#[doc = $d:literal])* class $name:ident $js:literal ($state:ty) { $($body:tt)* } $($rest:tt)*) => {
        $(#[doc = $d])*
        pub struct $name;

        impl Class for $name {
            type State = $state;
            const NAME: &'static str = stringify!($name);
            fn with<R>(f: impl FnOnce(&mut Handles<$state>) -> R) -> R {
                thread_local! {
                    static OBJECTS: RefCell<Handles<$state>> = RefCell::new(Handles::default());
                }
                OBJECTS.with(|h| f(&mut h.borrow_mut()))
            }
        }

        paste::paste! {
            /// Drops the object behind `handle` (nothing when it is already gone).
            #[wasm_bindgen(skip_typescript)]
            #[allow(non_snake_case)]
            pub fn [<$name _free>](this: f64) {
                $name::with(|h| h.remove(handle(this)));
            }
        }

        members!($name; $($body)*);
        wasm_surface!($($rest)*);
    };
}

breakwater::surface!(wasm_surface);
