//! A serde `Serializer` that builds Python objects directly: the same shape as
//! `serde_json::to_value` followed by a JSON → Python conversion (structs and maps become
//! dicts, sequences lists, `None`/unit `None`, enums by their serde form), without the
//! intermediate `Value` and with struct field names cached as interned Python strings.
//! A result dict of six fields costs about a third of the two-step conversion.

use std::cell::RefCell;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyList, PyString};
use rustc_hash::FxHashMap;
use serde::ser::{self, Serialize};

thread_local! {
    /// Struct field and variant names (the core's stable codes serialize as unit variants) as
    /// interned Python strings, by address and length: they are `&'static str` literals of the
    /// core. Per thread, so no lock; a borrow fails only on re-entry (a finalizer run by an
    /// allocation calling back into breakwater), which then interns afresh.
    static KEYS: RefCell<FxHashMap<(usize, usize), Py<PyString>>> = RefCell::new(FxHashMap::default());
}

/// `name` as an interned Python string, created once per thread.
pub(crate) fn key<'py>(py: Python<'py>, name: &'static str) -> Bound<'py, PyString> {
    let id = (name.as_ptr() as usize, name.len());
    let cached = KEYS.try_with(|keys| keys.try_borrow().ok()?.get(&id).map(|s| s.bind(py).clone()));
    if let Ok(Some(s)) = cached {
        return s;
    }
    // Outside the borrow: interning allocates, which may run Python code.
    let s = PyString::intern(py, name);
    let _ = KEYS.try_with(|keys| {
        if let Ok(mut keys) = keys.try_borrow_mut() {
            keys.insert(id, s.clone().unbind());
        }
    });
    s
}

/// Any serializable core value as a Python object.
pub(crate) fn to_object<'py, T: Serialize + ?Sized>(py: Python<'py>, x: &T) -> PyResult<Bound<'py, PyAny>> {
    x.serialize(Ser { py }).map_err(|e| e.0)
}

/// A Python error carried through serde.
#[derive(Debug)]
pub(crate) struct Error(PyErr);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Self(pyo3::exceptions::PyValueError::new_err(msg.to_string()))
    }
}

impl From<std::convert::Infallible> for Error {
    fn from(e: std::convert::Infallible) -> Self {
        match e {}
    }
}

impl From<PyErr> for Error {
    fn from(e: PyErr) -> Self {
        Self(e)
    }
}

type Out<'py> = Result<Bound<'py, PyAny>, Error>;

#[derive(Clone, Copy)]
struct Ser<'py> {
    py: Python<'py>,
}

/// A list being filled (sequences, tuples), optionally wrapped as `{variant: [...]}`.
struct Seq<'py> {
    py: Python<'py>,
    list: Bound<'py, PyList>,
    variant: Option<&'static str>,
}

/// A dict being filled (structs, maps), optionally wrapped as `{variant: {...}}`.
struct Map<'py> {
    py: Python<'py>,
    dict: Bound<'py, PyDict>,
    pending_key: Option<Bound<'py, PyAny>>,
    variant: Option<&'static str>,
}

fn wrap<'py>(py: Python<'py>, variant: Option<&'static str>, inner: Bound<'py, PyAny>) -> Out<'py> {
    match variant {
        None => Ok(inner),
        Some(v) => {
            let d = PyDict::new(py);
            d.set_item(key(py, v), inner)?;
            Ok(d.into_any())
        }
    }
}

impl<'py> ser::Serializer for Ser<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    type SerializeSeq = Seq<'py>;
    type SerializeTuple = Seq<'py>;
    type SerializeTupleStruct = Seq<'py>;
    type SerializeTupleVariant = Seq<'py>;
    type SerializeMap = Map<'py>;
    type SerializeStruct = Map<'py>;
    type SerializeStructVariant = Map<'py>;

    fn serialize_bool(self, v: bool) -> Out<'py> {
        Ok(PyBool::new(self.py, v).to_owned().into_any())
    }
    fn serialize_i8(self, v: i8) -> Out<'py> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Out<'py> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Out<'py> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Out<'py> {
        Ok(v.into_pyobject(self.py)?.into_any())
    }
    fn serialize_u8(self, v: u8) -> Out<'py> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Out<'py> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Out<'py> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Out<'py> {
        Ok(v.into_pyobject(self.py)?.into_any())
    }
    fn serialize_f32(self, v: f32) -> Out<'py> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Out<'py> {
        // serde_json writes a non-finite float as null; so does every other runtime.
        if v.is_finite() {
            Ok(v.into_pyobject(self.py)?.into_any())
        } else {
            Ok(self.py.None().into_bound(self.py))
        }
    }
    fn serialize_char(self, v: char) -> Out<'py> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Out<'py> {
        Ok(PyString::new(self.py, v).into_any())
    }
    fn serialize_bytes(self, v: &[u8]) -> Out<'py> {
        Ok(PyBytes::new(self.py, v).into_any())
    }
    fn serialize_none(self) -> Out<'py> {
        Ok(self.py.None().into_bound(self.py))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Out<'py> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Out<'py> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Out<'py> {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Out<'py> {
        Ok(key(self.py, variant).into_any())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Out<'py> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Out<'py> {
        let inner = v.serialize(self)?;
        wrap(self.py, Some(variant), inner)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Seq<'py>, Error> {
        Ok(Seq { py: self.py, list: PyList::empty(self.py), variant: None })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'py>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq<'py>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Seq<'py>, Error> {
        Ok(Seq { py: self.py, list: PyList::empty(self.py), variant: Some(variant) })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Map<'py>, Error> {
        Ok(Map { py: self.py, dict: PyDict::new(self.py), pending_key: None, variant: None })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Map<'py>, Error> {
        self.serialize_map(None)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Map<'py>, Error> {
        Ok(Map { py: self.py, dict: PyDict::new(self.py), pending_key: None, variant: Some(variant) })
    }
}

impl<'py> Seq<'py> {
    fn push<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.list.append(v.serialize(Ser { py: self.py })?)?;
        Ok(())
    }
    fn finish(self) -> Out<'py> {
        wrap(self.py, self.variant, self.list.into_any())
    }
}

impl<'py> ser::SerializeSeq for Seq<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.push(v)
    }
    fn end(self) -> Out<'py> {
        self.finish()
    }
}

impl<'py> ser::SerializeTuple for Seq<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.push(v)
    }
    fn end(self) -> Out<'py> {
        self.finish()
    }
}

impl<'py> ser::SerializeTupleStruct for Seq<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.push(v)
    }
    fn end(self) -> Out<'py> {
        self.finish()
    }
}

impl<'py> ser::SerializeTupleVariant for Seq<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.push(v)
    }
    fn end(self) -> Out<'py> {
        self.finish()
    }
}

impl<'py> ser::SerializeMap for Map<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), Error> {
        self.pending_key = Some(k.serialize(Ser { py: self.py })?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        let k = self
            .pending_key
            .take()
            .ok_or_else(|| <Error as ser::Error>::custom("a map value without a key"))?;
        self.dict.set_item(k, v.serialize(Ser { py: self.py })?)?;
        Ok(())
    }
    fn end(self) -> Out<'py> {
        wrap(self.py, self.variant, self.dict.into_any())
    }
}

impl<'py> ser::SerializeStruct for Map<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, name: &'static str, v: &T) -> Result<(), Error> {
        self.dict.set_item(key(self.py, name), v.serialize(Ser { py: self.py })?)?;
        Ok(())
    }
    fn end(self) -> Out<'py> {
        wrap(self.py, self.variant, self.dict.into_any())
    }
}

impl<'py> ser::SerializeStructVariant for Map<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, name: &'static str, v: &T) -> Result<(), Error> {
        ser::SerializeStruct::serialize_field(self, name, v)
    }
    fn end(self) -> Out<'py> {
        wrap(self.py, self.variant, self.dict.into_any())
    }
}
