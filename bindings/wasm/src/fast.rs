//! The circuit breaker's hot paths without JS objects crossing the boundary, for the JS entry module
//! (`js/wrap.mjs`), which installs them on the generated classes.
//!
//! Each export here is hidden (`__bw*`, not in the `.d.ts`, not re-exported by the entry) and
//! takes only numbers and strings the entry has already checked the types of. Results are
//! numbers: codes are indices into the core's catalogues (`__bwTables`), and rich results are
//! written as `f64`s into [`SCRATCH`], which the entry reads through a `Float64Array` over the
//! module's memory and turns into the same plain objects as the generic exports. Anything the
//! fast path cannot take (a value out of range, an unknown code, a malformed header) makes it
//! return "not handled" without touching any state, and the entry calls the generic export,
//! which throws the binding's usual error. No policy is decided here: the same core calls as
//! the generic exports.
//!
//! The breaker's exports also take the time the entry owes the breaker and give back its
//! standing permit (`CircuitBreaker::standing_permit`), so that the entry answers
//! `tryAcquirePermit` in the states that permit every call without crossing; records on the
//! default clock read it only when the outcome depends on the time (`record_lazy`). The
//! protocol is the Node entry's (bindings/node/index.js), property-tested in the core.

use std::sync::atomic::{AtomicU64, Ordering};

use breakwater::transport::breaker::{
    Acquire, AcquireReason, CircuitBreaker as CoreBreaker, Counted, Permit, Recorded, State, Transition,
    TransitionReason,
};
use breakwater::transport::classify::Class;
use wasm_bindgen::prelude::*;

use crate::breaker::CircuitBreaker;
use crate::convert;

/// Where rich results are written, one `f64` (as its bits) per slot.
static SCRATCH: [AtomicU64; 16] = [const { AtomicU64::new(0) }; 16];

fn put(slot: usize, x: f64) {
    SCRATCH[slot].store(x.to_bits(), Ordering::Relaxed);
}

/// A code as its index in the core's `ALL` table (the wrapper maps it back to the string).
#[allow(clippy::cast_precision_loss)]
fn code(index: usize) -> f64 {
    index as f64
}

#[allow(clippy::cast_precision_loss)]
fn put_opt(slot: usize, x: Option<u64>) {
    put(slot, x.map_or(-1.0, |n| n as f64));
}

/// `Number.MAX_SAFE_INTEGER`.
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// A number the entry checked is a safe integer `>= 0`; `None` (not handled) otherwise.
fn ms(x: f64) -> Option<u64> {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    ((0.0..=MAX_SAFE).contains(&x) && x.fract() == 0.0).then_some(x as u64)
}

/// `-1` = absent, else as [`ms`]; `Err` = not handled.
fn opt_ms(x: f64) -> Result<Option<u64>, ()> {
    if x == -1.0 {
        Ok(None)
    } else {
        ms(x).map(Some).ok_or(())
    }
}

/// The address of [`SCRATCH`] in the module's memory.
#[wasm_bindgen(js_name = __bwScratch, skip_typescript)]
pub fn scratch() -> usize {
    SCRATCH.as_ptr() as usize
}

/// The module's `WebAssembly.Memory`, for the entry's view of [`SCRATCH`].
#[wasm_bindgen(js_name = __bwMemory, skip_typescript)]
pub fn memory() -> JsValue {
    wasm_bindgen::memory()
}

/// The catalogues the codes index, as JSON: `{ "class": [...], "state": [...], ... }`.
#[wasm_bindgen(js_name = __bwTables, skip_typescript)]
pub fn tables() -> String {
    fn names<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> Vec<&'static str> {
        all.iter().map(|c| f(*c)).collect()
    }
    let t = serde_json::json!({
        "class": names(Class::ALL, Class::as_str),
        "state": names(State::ALL, State::as_str),
        "counted": names(Counted::ALL, Counted::as_str),
        "acquire_reason": names(AcquireReason::ALL, AcquireReason::as_str),
        "transition_reason": names(TransitionReason::ALL, TransitionReason::as_str),
    });
    t.to_string()
}

fn class(code: u32) -> Option<Class> {
    Class::ALL.get(code as usize).copied()
}

/// Slots 5..=10: whether there is a transition, then its fields.
#[allow(clippy::cast_precision_loss)]
fn put_transition(t: Option<Transition>) {
    match t {
        None => put(5, 0.0),
        Some(t) => {
            put(5, 1.0);
            put(6, code(t.from.index()));
            put(7, code(t.to.index()));
            put(8, code(t.reason.index()));
            put(9, t.at_ms as f64);
            put_opt(10, t.open_until_ms);
        }
    }
}

/// An [`Acquire`] in slots 0..=10; returns whether it was permitted.
#[allow(clippy::cast_precision_loss)]
fn put_acquire(a: &Acquire) -> bool {
    put(0, f64::from(u8::from(a.permitted)));
    put_opt(1, a.permit.map(|p| p.token()));
    put(2, code(a.state.index()));
    put(3, code(a.reason.index()));
    put_opt(4, a.retry_after_ms);
    put_transition(a.transition);
    a.permitted
}

/// A [`Recorded`]: the state in slot 2, the transition in 5..=10; returns the counted code.
fn put_recorded(r: &Recorded) -> u32 {
    put(2, code(r.state.index()));
    put_transition(r.transition);
    r.counted.index() as u32
}

/// Not handled.
const NOPE: u32 = u32::MAX;

/// Slot of the breaker's standing permit after a call (`-1`: none).
const STANDING: usize = 11;
/// Slot of whether a reading of the default clock is owed to the breaker after a call.
const OWED: usize = 12;

/// Hands the breaker the time the entry owes it, before a call: the largest `nowMs` it
/// answered from the standing permit (`-1`: none), and a clock reading when one is owed and
/// this call does not read the clock itself (`owed`, decided by the entry).
fn settle(b: &mut CoreBreaker, pending_now: f64, owed: bool) {
    if let Some(t) = ms(pending_now) {
        b.advance_clock(t);
    }
    if owed {
        b.advance_clock(convert::clock_ms());
    }
}

/// After a call: the breaker's standing permit, and whether a clock reading is still owed.
fn publish(b: &CoreBreaker, owed: bool) {
    put_opt(STANDING, b.standing_permit().map(|p| p.token()));
    put(OWED, f64::from(u8::from(owed)));
}

/// A record at `now`, or on the default clock read only if the outcome depends on it; and
/// whether a reading is owed after it.
fn record_at(
    b: &mut CoreBreaker,
    now: Option<u64>,
    permit: Permit,
    class: Class,
    latency: u64,
    server_delay: Option<u64>,
) -> (Recorded, bool) {
    match now {
        Some(now) => (b.record(now, permit, class, latency, server_delay), false),
        None => {
            let mut read = false;
            let clock = || {
                read = true;
                convert::clock_ms()
            };
            let r = b.record_lazy(clock, permit, class, latency, server_delay);
            (r, !read)
        }
    }
}

/// `tryAcquirePermit` at `now` after the owed time: the token, `-1` when rejected, `-2` when
/// not handled.
#[allow(clippy::cast_precision_loss)]
#[wasm_bindgen(js_name = __bwCbTryAcquirePermit, skip_typescript)]
pub fn cb_try_acquire_permit(cb: &mut CircuitBreaker, now: f64, pending_now: f64, owed: bool) -> f64 {
    let Some(now) = ms(now) else { return -2.0 };
    settle(&mut cb.inner, pending_now, owed);
    let permit = cb.inner.try_acquire(now).permit;
    publish(&cb.inner, false);
    permit.map_or(-1.0, |p| p.token() as f64)
}

/// `recordPermit` (`now` `-1`: the default clock, read lazily) after the owed time: the
/// counted code.
#[allow(clippy::too_many_arguments)]
#[wasm_bindgen(js_name = __bwCbRecordPermit, skip_typescript)]
pub fn cb_record_permit(
    cb: &mut CircuitBreaker,
    permit: f64,
    class_code: u32,
    latency: f64,
    now: f64,
    pending_now: f64,
    owed: bool,
) -> u32 {
    let (Some(permit), Some(class), Some(latency), Ok(now)) =
        (ms(permit), class(class_code), ms(latency), opt_ms(now))
    else {
        return NOPE;
    };
    settle(&mut cb.inner, pending_now, owed);
    let (r, owed) = record_at(&mut cb.inner, now, Permit::from_token(permit), class, latency, None);
    publish(&cb.inner, owed);
    r.counted.index() as u32
}

/// `tryAcquire` into the scratch slots after the owed time; `false` when not handled.
#[wasm_bindgen(js_name = __bwCbTryAcquire, skip_typescript)]
pub fn cb_try_acquire(cb: &mut CircuitBreaker, now: f64, pending_now: f64, owed: bool) -> bool {
    let Some(now) = ms(now) else { return false };
    settle(&mut cb.inner, pending_now, owed);
    put_acquire(&cb.inner.try_acquire(now));
    publish(&cb.inner, false);
    true
}

/// Hands the owed time to the breaker before a call through a generated method.
#[wasm_bindgen(js_name = __bwCbSettle, skip_typescript)]
pub fn cb_settle(cb: &mut CircuitBreaker, pending_now: f64, owed: bool) {
    settle(&mut cb.inner, pending_now, owed);
    publish(&cb.inner, false);
}

/// `record` (`now` `-1`: the default clock, read lazily) into the scratch slots after the owed
/// time; the counted code.
#[wasm_bindgen(js_name = __bwCbRecord, skip_typescript)]
#[allow(clippy::too_many_arguments)]
pub fn cb_record(
    cb: &mut CircuitBreaker,
    permit: f64,
    class_code: u32,
    latency: f64,
    server_delay: f64,
    now: f64,
    pending_now: f64,
    owed: bool,
) -> u32 {
    let (Some(permit), Some(class), Some(latency), Ok(server_delay), Ok(now)) =
        (ms(permit), class(class_code), ms(latency), opt_ms(server_delay), opt_ms(now))
    else {
        return NOPE;
    };
    settle(&mut cb.inner, pending_now, owed);
    let (r, owed) = record_at(&mut cb.inner, now, Permit::from_token(permit), class, latency, server_delay);
    let counted = put_recorded(&r);
    publish(&cb.inner, owed);
    counted
}
