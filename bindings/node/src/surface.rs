//! Every function and class of `breakwater::surface!`, as module exports that take and return
//! numbers and plain values: `f_<function>(args...)`, `<Class>_new(args...)` → a handle,
//! `<Class>_<method>(handle, args...)`, `<Class>_free(handle)` — the WASM module's exports,
//! so that the package entry builds the public classes with the same shared
//! `bindings/js/surface.mjs`. Objects live in a table per class (`breakwater::surface::Handles`).
//!
//! Each parameter is read by its kind (`kinds.rs`); then the object is borrowed, then the
//! objects among the parameters (in the order described), the operation runs and its result
//! becomes a plain value, or a handle of a new object.

use breakwater::surface::HandleClass;
use napi::{sys, Env};

use crate::js::{json, register, Arg, Conv, Json};
use crate::kinds;

/// The object a method is called on (its handle is the first argument).
fn this<C: HandleClass>(args: &[Arg]) -> Conv<std::rc::Rc<std::cell::RefCell<C::State>>> {
    C::get(args[0].u64("this")?, "this")
}

#[allow(clippy::cast_precision_loss)]
fn handle_json(handle: u64) -> Conv<Json> {
    json(&(handle as f64))
}

macro_rules! read {
    ($env:ident, $args:ident, $i:ident; $p:ident, $kind:ident, $t:ty) => {
        let $p = <$t as kinds::$kind>::read($env, $args[$i], stringify!($p))?;
        #[allow(unused_assignments)]
        {
            $i += 1;
        }
    };
}

macro_rules! result {
    (Value, $rt:ty, $e:expr) => {
        json(&$e)
    };
    (Obj, $rt:ty, $e:expr) => {{
        let state = $e;
        handle_json(<$rt as HandleClass>::insert(state))
    }};
}

/// Registers one member's export on `$exports`.
macro_rules! member {
    ($env:ident, $exports:ident, $class:ident; $(#[doc = $d:literal])* new ($($(#[doc = $pd:literal])* $p:ident $([$bag:ident $($bag_type:ident)?])? : $kind:ident $t:ty),*) = $f:path;) => {
        register($env, $exports, concat!(stringify!($class), "_new"), |env, args| {
            let _ = (env, args);
            #[allow(unused_mut, unused_variables)]
            let mut i = 0;
            $(read!(env, args, i; $p, $kind, $t);)*
            let state = $f($($p),*)?;
            handle_json($class::insert(state))
        })?;
    };
    ($env:ident, $exports:ident, $class:ident; $(#[doc = $d:literal])* static $name:ident $js:literal
        ($($(#[doc = $pd:literal])* $p:ident $([$bag:ident $($bag_type:ident)?])? : $kind:ident $t:ty),*) -> $rk:ident $rt:ty = $f:path;) => {
        register($env, $exports, concat!(stringify!($class), "_", stringify!($name)), |env, args| {
            let _ = (env, args);
            #[allow(unused_mut, unused_variables)]
            let mut i = 0;
            $(read!(env, args, i; $p, $kind, $t);)*
            result!($rk, $rt, $f($($p),*)?)
        })?;
    };
    ($env:ident, $exports:ident, $class:ident; $(#[doc = $d:literal])* fn $name:ident $js:literal
        ($($(#[doc = $pd:literal])* $p:ident $([$bag:ident $($bag_type:ident)?])? : $kind:ident $t:ty),*) -> $rk:ident $rt:ty = $f:path;) => {
        register($env, $exports, concat!(stringify!($class), "_", stringify!($name)), |env, args| {
            let _ = (env, args);
            #[allow(unused_mut, unused_variables)]
            let mut i = 1;
            $(read!(env, args, i; $p, $kind, $t);)*
            let this = this::<$class>(args)?;
            let out = {
                let mut this = breakwater::surface::borrow(&this, "this")?;
                $(breakwater::borrow_param!($p, $kind, |e| e);)*
                $f(&mut *this, $($p),*)?
            };
            result!($rk, $rt, out)
        })?;
    };
}

/// The class markers and their tables.
macro_rules! node_classes {
    () => {};
    ($(#[doc = $d:literal])* fn $name:ident $js:literal $params:tt -> $rk:ident $rt:ty = $f:path; $($rest:tt)*) => {
        node_classes!($($rest)*);
    };
    ($(#[doc = $d:literal])* class $name:ident $js:literal ($state:ty) { $($body:tt)* } $($rest:tt)*) => {
        breakwater::handle_class!($(#[doc = $d])* $name: $state);

        node_classes!($($rest)*);
    };
}

/// The exports of every function and class member.
macro_rules! node_exports {
    ($env:ident, $exports:ident;) => {};
    ($env:ident, $exports:ident; $(#[doc = $d:literal])* fn $name:ident $js:literal ($($(#[doc = $pd:literal])* $p:ident $([$bag:ident $($bag_type:ident)?])? : $kind:ident $t:ty),*)
        -> $rk:ident $rt:ty = $f:path; $($rest:tt)*) => {
        register($env, $exports, concat!("f_", stringify!($name)), |env, args| {
            let _ = (env, args);
            #[allow(unused_mut, unused_variables)]
            let mut i = 0;
            $(read!(env, args, i; $p, $kind, $t);)*
            result!($rk, $rt, $f($($p),*)?)
        })?;
        node_exports!($env, $exports; $($rest)*);
    };
    ($env:ident, $exports:ident; $(#[doc = $d:literal])* class $name:ident $js:literal ($state:ty) { $($body:tt)* } $($rest:tt)*) => {
        register($env, $exports, concat!(stringify!($name), "_free"), |_, args| {
            let handle = args[0].u64("this")?;
            $name::remove(handle);
            json(&())
        })?;
        breakwater::surface_members!(member [$env, $exports, $name]; $($body)*);
        node_exports!($env, $exports; $($rest)*);
    };
}

macro_rules! node_surface {
    ($($items:tt)*) => {
        node_classes!($($items)*);

        /// Exports every function and class member of the surface, and `__surface` (the
        /// description, as JSON).
        pub fn install(env: &Env, exports: sys::napi_value) -> napi::Result<()> {
            register(env, exports, "__surface", |_, _| {
                json(&serde_json::to_string(&breakwater::surface::describe()).unwrap_or_default())
            })?;
            node_exports!(env, exports; $($items)*);
            Ok(())
        }
    };
}

breakwater::surface!(node_surface);
