//! Objects a runtime holds by number: what a binding uses where the runtime cannot hold a
//! reference to a Rust object (a WASM module's exports take and return numbers).
//!
//! A handle is the slot's index in the low 32 bits and the slot's generation in the next 21,
//! so it is exact in a JavaScript number, and a handle of a removed object never reaches the
//! object that reuses its slot.

use std::cell::{RefCell, RefMut};
use std::rc::Rc;

use crate::{Error, ErrorCode, Result};

/// Objects by handle. Each is shared (`Rc<RefCell<_>>`) so that an operation can borrow
/// several objects at once; borrowing one twice is refused, never a panic.
#[derive(Debug)]
pub struct Handles<T> {
    slots: Vec<(u32, Option<Rc<RefCell<T>>>)>,
    free: Vec<u32>,
}

impl<T> Default for Handles<T> {
    fn default() -> Self {
        Self { slots: Vec::new(), free: Vec::new() }
    }
}

const GENERATION_BITS: u32 = 21;

impl<T> Handles<T> {
    /// Stores `value`; its handle (below 2^53).
    pub fn insert(&mut self, value: T) -> u64 {
        let value = Some(Rc::new(RefCell::new(value)));
        let index = match self.free.pop() {
            Some(i) => {
                let slot = &mut self.slots[i as usize];
                slot.0 = (slot.0 + 1) & ((1 << GENERATION_BITS) - 1);
                slot.1 = value;
                i
            }
            None => {
                let i = u32::try_from(self.slots.len()).expect("fewer than 2^32 live objects");
                self.slots.push((0, value));
                i
            }
        };
        (u64::from(self.slots[index as usize].0) << 32) | u64::from(index)
    }

    /// The object behind `handle`.
    ///
    /// # Errors
    /// `invalid_type` at `path` when the handle is not a live object of this table (freed,
    /// or never one).
    pub fn get(&self, handle: u64, path: &str, class: &str) -> Result<Rc<RefCell<T>>> {
        let index = usize::try_from(handle & u64::from(u32::MAX)).unwrap_or(usize::MAX);
        match self.slots.get(index) {
            Some((generation, Some(value))) if u64::from(*generation) == handle >> 32 => Ok(Rc::clone(value)),
            _ => Err(Error::new(
                ErrorCode::InvalidType,
                path,
                format!("expected a live {class}, got a freed one"),
            )),
        }
    }

    /// Drops the object behind `handle` (nothing when it is already gone).
    pub fn remove(&mut self, handle: u64) {
        let index = handle & u64::from(u32::MAX);
        if let Some(slot) = self.slots.get_mut(usize::try_from(index).unwrap_or(usize::MAX)) {
            if u64::from(slot.0) == handle >> 32 && slot.1.take().is_some() {
                self.free.push(u32::try_from(index).unwrap_or(0));
            }
        }
    }

    /// Live objects.
    #[must_use]
    pub fn len(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    /// Whether no object is live.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A class whose objects a runtime holds by handle, with its table of objects (one per thread).
/// Declared with [`handle_class!`](crate::handle_class!).
pub trait HandleClass: 'static {
    /// The core state of one object.
    type State: 'static;
    /// The class name, for refusals.
    const NAME: &'static str;
    /// Runs `f` on the class's table.
    fn with<R>(f: impl FnOnce(&mut Handles<Self::State>) -> R) -> R;

    /// The object behind `handle`.
    ///
    /// # Errors
    /// `invalid_type` at `path` when it is not a live object of this class.
    fn get(handle: u64, path: &str) -> Result<Rc<RefCell<Self::State>>> {
        Self::with(|h| h.get(handle, path, Self::NAME))
    }

    /// Stores a new object; its handle.
    fn insert(state: Self::State) -> u64 {
        Self::with(|h| h.insert(state))
    }

    /// Drops the object behind `handle`.
    fn remove(handle: u64) {
        Self::with(|h| h.remove(handle));
    }
}

/// Borrows an object for one call.
///
/// # Errors
/// `invalid_argument` at `path` when the call already borrowed it (the same object passed
/// twice).
pub fn borrow<'a, T>(cell: &'a RefCell<T>, path: &str) -> Result<RefMut<'a, T>> {
    cell.try_borrow_mut().map_err(|_| Error::argument(path, "the same object is passed twice"))
}

/// Declares `$name`, the marker of a class whose objects are held by handle with state
/// `$state`, and its table of objects (one per thread).
#[macro_export]
macro_rules! handle_class {
    ($(#[$meta:meta])* $name:ident: $state:ty) => {
        $(#[$meta])*
        pub struct $name;

        impl $crate::surface::HandleClass for $name {
            type State = $state;
            const NAME: &'static str = stringify!($name);
            fn with<R>(f: impl FnOnce(&mut $crate::surface::Handles<$state>) -> R) -> R {
                thread_local! {
                    static OBJECTS: ::std::cell::RefCell<$crate::surface::Handles<$state>> =
                        ::std::cell::RefCell::new($crate::surface::Handles::default());
                }
                OBJECTS.with(|h| f(&mut h.borrow_mut()))
            }
        }
    };
}

/// In a binding's expansion of [`surface!`](crate::surface!): borrows an object parameter
/// (kind `Obj` or `OptObj`, already read as `Rc<RefCell<_>>`) for the rest of the call, as
/// `&mut` state; `$err` maps the refusal to the binding's error. Other kinds are left as read.
#[macro_export]
macro_rules! borrow_param {
    ($p:ident, Obj, $err:expr) => {
        let mut guard = $crate::surface::borrow(&$p, stringify!($p)).map_err($err)?;
        let $p = &mut *guard;
    };
    ($p:ident, OptObj, $err:expr) => {
        let mut guard = match &$p {
            Some(o) => Some($crate::surface::borrow(o, stringify!($p)).map_err($err)?),
            None => None,
        };
        let $p = guard.as_deref_mut();
    };
    ($p:ident, $other:ident, $err:expr) => {};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_freed_handle_never_reaches_the_object_that_reuses_its_slot() {
        let mut h = Handles::default();
        let a = h.insert("a");
        h.remove(a);
        let b = h.insert("b");
        assert_ne!(a, b);
        assert_eq!(h.get(a, "x", "Thing").unwrap_err().code, ErrorCode::InvalidType);
        assert_eq!(*h.get(b, "x", "Thing").unwrap().borrow(), "b");
        h.remove(a); // stale: b stays
        assert_eq!(h.len(), 1);
        assert!(h.get(12345, "x", "Thing").is_err());
        assert!(b < (1 << 53));
    }
}
