//! Every function and class of `breakwater::surface!`, as module exports that take and return
//! numbers and plain values: `f_<function>(args...)`, `<Class>_new(args...)` → a handle,
//! `<Class>_<method>(handle, args...)`, `<Class>_free(handle)`. Objects live in a table per
//! class (`breakwater::surface::Handles`); the package entry (`js/surface.mjs`, shared with the Node binding)
//! builds the public classes on these exports from the same description (`__surface`).
//!
//! Each parameter is read by its kind (`kinds.rs`); then the object is borrowed, then the
//! objects among the parameters (in the order described), the operation runs and its result
//! crosses as a plain value, or as the handle of a new object.

use breakwater::surface::HandleClass;
use wasm_bindgen::prelude::*;

use crate::convert::{core, js_error, JsResult};
use crate::kinds;

/// A handle from the entry: a whole number below 2^53 (anything else finds no object).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn handle(h: f64) -> u64 {
    if h.is_finite() && h >= 0.0 && h.fract() == 0.0 {
        h as u64
    } else {
        u64::MAX
    }
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

/// A result: a scalar straight into a `JsValue`, an object or array through the serializer that
/// builds plain objects (`convert::out`).
fn plain<T: serde::Serialize>(x: &T) -> JsResult<JsValue> {
    match x.serialize(Scalar) {
        Ok(v) => Ok(v),
        Err(NotScalar) => crate::convert::out(x),
    }
}

/// Serializes a scalar straight into a `JsValue`; anything else is [`NotScalar`].
struct Scalar;

/// What [`Scalar`] refuses: objects and arrays.
#[derive(Debug)]
struct NotScalar;

impl std::fmt::Display for NotScalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a scalar")
    }
}

impl std::error::Error for NotScalar {}

impl serde::ser::Error for NotScalar {
    fn custom<M: std::fmt::Display>(_: M) -> Self {
        NotScalar
    }
}

macro_rules! number {
    ($($method:ident: $t:ty),*) => {
        $(
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
            fn $method(self, v: $t) -> Result<JsValue, NotScalar> {
                Ok(JsValue::from_f64(v as f64))
            }
        )*
    };
}

impl serde::Serializer for Scalar {
    type Ok = JsValue;
    type Error = NotScalar;
    type SerializeSeq = serde::ser::Impossible<JsValue, NotScalar>;
    type SerializeTuple = serde::ser::Impossible<JsValue, NotScalar>;
    type SerializeTupleStruct = serde::ser::Impossible<JsValue, NotScalar>;
    type SerializeTupleVariant = serde::ser::Impossible<JsValue, NotScalar>;
    type SerializeMap = serde::ser::Impossible<JsValue, NotScalar>;
    type SerializeStruct = serde::ser::Impossible<JsValue, NotScalar>;
    type SerializeStructVariant = serde::ser::Impossible<JsValue, NotScalar>;

    number!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32);
    number!(serialize_u8: u8, serialize_u16: u16, serialize_u32: u32);
    number!(serialize_f32: f32);

    // An integer a JS number cannot hold exactly goes to the object serializer, which refuses
    // it (`invalid_argument` at `output`), as in Node: never rounded.
    #[allow(clippy::cast_precision_loss)]
    fn serialize_i64(self, v: i64) -> Result<JsValue, NotScalar> {
        let exact = v.unsigned_abs() <= breakwater::MAX_EXACT_INT;
        exact.then(|| JsValue::from_f64(v as f64)).ok_or(NotScalar)
    }
    #[allow(clippy::cast_precision_loss)]
    fn serialize_u64(self, v: u64) -> Result<JsValue, NotScalar> {
        (v <= breakwater::MAX_EXACT_INT).then(|| JsValue::from_f64(v as f64)).ok_or(NotScalar)
    }

    fn serialize_f64(self, v: f64) -> Result<JsValue, NotScalar> {
        // As serde_json writes it: a non-finite number is null.
        Ok(if v.is_finite() { JsValue::from_f64(v) } else { JsValue::NULL })
    }
    fn serialize_bool(self, v: bool) -> Result<JsValue, NotScalar> {
        Ok(JsValue::from_bool(v))
    }
    fn serialize_char(self, v: char) -> Result<JsValue, NotScalar> {
        Ok(JsValue::from_str(v.encode_utf8(&mut [0; 4])))
    }
    fn serialize_str(self, v: &str) -> Result<JsValue, NotScalar> {
        Ok(JsValue::from_str(v))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<JsValue, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_none(self) -> Result<JsValue, NotScalar> {
        Ok(JsValue::NULL)
    }
    fn serialize_some<T: serde::Serialize + ?Sized>(self, v: &T) -> Result<JsValue, NotScalar> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<JsValue, NotScalar> {
        Ok(JsValue::NULL)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<JsValue, NotScalar> {
        Ok(JsValue::NULL)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<JsValue, NotScalar> {
        Ok(crate::convert::code(variant))
    }
    fn serialize_newtype_struct<T: serde::Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<JsValue, NotScalar> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: serde::Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<JsValue, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, NotScalar> {
        Err(NotScalar)
    }
}

macro_rules! result {
    (Value, $rt:ty, $e:expr) => {
        plain(&$e)
    };
    (Obj, $rt:ty, $e:expr) => {{
        let state = $e;
        #[allow(clippy::cast_precision_loss)]
        Ok(JsValue::from_f64(<$rt as HandleClass>::insert(state) as f64))
    }};
}

macro_rules! member {
    ($class:ident; $(#[doc = $d:literal])* new ($($(#[doc = $pd:literal])* $p:ident $([$bag:ident $($bag_type:ident)?])? : $kind:ident $t:ty),*) = $f:path;) => {
        paste::paste! {
            $(#[doc = $d])*
            #[wasm_bindgen(skip_typescript)]
            #[allow(non_snake_case)]
            pub fn [<$class _new>]($($p: JsValue),*) -> JsResult<f64> {
                $(read!($p, $kind, $t);)*
                let state = core($f($($p),*))?;
                #[allow(clippy::cast_precision_loss)]
                Ok($class::insert(state) as f64)
            }
        }
    };
    ($class:ident; $(#[doc = $d:literal])* static $name:ident $js:literal
        ($($(#[doc = $pd:literal])* $p:ident $([$bag:ident $($bag_type:ident)?])? : $kind:ident $t:ty),*) -> $rk:ident $rt:ty = $f:path;) => {
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
        ($($(#[doc = $pd:literal])* $p:ident $([$bag:ident $($bag_type:ident)?])? : $kind:ident $t:ty),*) -> $rk:ident $rt:ty = $f:path;) => {
        paste::paste! {
            $(#[doc = $d])*
            #[wasm_bindgen(skip_typescript)]
            #[allow(non_snake_case, clippy::too_many_arguments)]
            pub fn [<$class _ $name>](this: f64, $($p: JsValue),*) -> JsResult<JsValue> {
                $(read!($p, $kind, $t);)*
                let this = core($class::get(handle(this), "this"))?;
                let out = {
                    let mut this = core(breakwater::surface::borrow(&this, "this"))?;
                    $(breakwater::borrow_param!($p, $kind, |e| js_error(&e));)*
                    core($f(&mut *this, $($p),*))?
                };
                result!($rk, $rt, out)
            }
        }
    };
}

macro_rules! wasm_surface {
    () => {};
    ($(#[doc = $d:literal])* fn $name:ident $js:literal ($($(#[doc = $pd:literal])* $p:ident $([$bag:ident $($bag_type:ident)?])? : $kind:ident $t:ty),*)
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
        breakwater::handle_class!($(#[doc = $d])* $name: $state);

        paste::paste! {
            /// Drops the object behind `handle` (nothing when it is already gone).
            #[wasm_bindgen(skip_typescript)]
            #[allow(non_snake_case)]
            pub fn [<$name _free>](this: f64) {
                $name::remove(handle(this));
            }
        }

        breakwater::surface_members!(member [$name]; $($body)*);
        wasm_surface!($($rest)*);
    };
}

breakwater::surface!(wasm_surface);
