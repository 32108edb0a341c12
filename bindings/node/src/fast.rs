//! The breaker's hot calls as raw N-API callbacks that exchange numbers through a shared
//! buffer, for the JS wrapper (`index.js`).
//!
//! napi-rs 3 wraps every `#[napi]` method call in native-borrow tracking, and even a raw
//! callback pays for `napi_get_cb_info` and a JS value per argument and result: most of the
//! cost of a decision was the boundary, not the core. So each `CircuitBreaker` lives in a
//! per-thread slab ([`with_breaker`]), addressed by an integer handle; the wrapper writes the
//! handle and the numeric arguments into one `Float64Array` shared with this module ([`io`]),
//! calls a zero-argument callback, and reads the numeric answer back from the same buffer.
//! Codes cross as indexes into the core's `ALL` tables, which the wrapper reads once from
//! [`codes`] (so the tables cannot drift from the core). Every number is still validated
//! here with the parameter's name ([`whole`]); anything that is not a plain number (absent
//! values aside) takes the `#[napi]` methods in `breaker.rs`, which validate as before.
//!
//! The slab slot is owned by the `#[napi]` `CircuitBreaker` object the wrapper holds: its
//! `Drop` (run by the GC finalizer) frees the slot. JS is single-threaded per thread and no
//! callback here re-enters JS while the slab is borrowed; a busy or unknown slot is an error,
//! never a panic.
#![allow(unsafe_code)]
// napi registers `install` only outside `cfg(test)` (clippy --all-targets builds the lib under
// test too), which leaves the callbacks unused there.
#![cfg_attr(test, allow(dead_code))]

use std::cell::{Cell, RefCell};
use std::ffi::CStr;
use std::ptr;

use breakwater::transport::breaker::{AcquireReason, CircuitBreaker, Counted, Permit, State, Transition};
use breakwater::transport::classify::Class;
use breakwater::{Error, ErrorCode};
use napi::bindgen_prelude::{Object, TypeTag};
use napi::{sys, Env, JsValue};
use serde_json::json;

use crate::breaker::JsCircuitBreaker;
use crate::client_fast as client;
use crate::js::{clock_anchor, clock_ms, now, throw, whole, Conv, MAX_SAFE};

/// Slots of the shared buffer (`Float64Array` of this length): per call `[0..8)`, then the
/// wrapper's standing-permit state, the same for every call that takes a time.
const IO_LEN: usize = 11;
/// In: the largest `nowMs` the wrapper answered `tryAcquirePermit` at from the standing permit
/// since its last call in (-1: none).
const PENDING_NOW: usize = 8;
/// In: 1 when a clock reading is owed to the breaker (a permit answered on the default clock,
/// or a record on it that needed no time). Out: the same after the call.
const PENDING_CLOCK: usize = 9;
/// Out: the breaker's standing permit after the call (-1: none), see
/// [`CircuitBreaker::standing_permit`].
const STANDING: usize = 10;

/// The breakers of this thread, by handle.
#[derive(Default)]
struct Slab {
    items: Vec<Option<CircuitBreaker>>,
    free: Vec<usize>,
}

thread_local! {
    static SLAB: RefCell<Slab> = RefCell::new(Slab::default());
    /// The shared buffer's data and a strong reference keeping it alive (one per thread).
    static IO: SharedBuffer = const { Cell::new((ptr::null_mut(), ptr::null_mut())) };
}

fn busy() -> Error {
    Error::argument("this", "the breaker is in use (re-entrant call)")
}

/// Stores a breaker; its handle.
pub fn insert(breaker: CircuitBreaker) -> Conv<usize> {
    SLAB.try_with(|s| {
        let mut s = s.try_borrow_mut().map_err(|_| busy())?;
        Ok(match s.free.pop() {
            Some(i) => {
                s.items[i] = Some(breaker);
                i
            }
            None => {
                s.items.push(Some(breaker));
                s.items.len() - 1
            }
        })
    })
    .unwrap_or_else(|_| Err(busy()))
}

/// Frees a handle (no-op when unknown, already freed or during thread teardown).
pub fn remove(handle: usize) {
    let _ = SLAB.try_with(|s| {
        if let Ok(mut s) = s.try_borrow_mut() {
            if let Some(slot) = s.items.get_mut(handle) {
                if slot.take().is_some() {
                    s.free.push(handle);
                }
            }
        }
    });
}

/// Runs `f` on the breaker of `handle`. `f` must not call into JS.
pub fn with_breaker<T>(handle: usize, f: impl FnOnce(&mut CircuitBreaker) -> T) -> Conv<T> {
    SLAB.try_with(|s| {
        let mut s = s.try_borrow_mut().map_err(|_| busy())?;
        match s.items.get_mut(handle) {
            Some(Some(b)) => Ok(f(b)),
            _ => Err(Error::argument("this", "unknown or freed CircuitBreaker handle")),
        }
    })
    .unwrap_or_else(|_| Err(busy()))
}

/// A shared buffer's data and a strong reference keeping it alive (one per thread).
pub(crate) type SharedBuffer = Cell<(*mut f64, sys::napi_ref)>;

/// The breaker calls' shared buffer.
fn slots() -> Conv<&'static mut [f64; IO_LEN]> {
    slots_of(&IO)
}

/// The slots of the shared buffer in `cell`, or an error before it was created on this thread
/// ([`shared`] with `N` slots).
// The slots are the ArrayBuffer's, not the cell's: the cell only holds their address.
#[allow(clippy::mut_from_ref)]
pub(crate) fn slots_of<const N: usize>(
    cell: &'static std::thread::LocalKey<SharedBuffer>,
) -> Conv<&'static mut [f64; N]> {
    let (data, _) = cell.get();
    if data.is_null() {
        return Err(Error::argument("this", "the shared buffer is not initialised"));
    }
    // SAFETY: `data` is the backing store of an `ArrayBuffer` of `N` f64s (created by `shared`
    // with this cell's length) held alive by a strong reference for the life of the thread;
    // JS is suspended while native code runs.
    Ok(unsafe { &mut *data.cast::<[f64; N]>() })
}

/// A handle read from the buffer.
#[inline]
fn handle(n: f64) -> Conv<usize> {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    if (0.0..=MAX_SAFE).contains(&n) && (n as i64) as f64 == n {
        return Ok(n as i64 as usize);
    }
    Err(Error::new(ErrorCode::InvalidType, "this", "expected a CircuitBreaker"))
}

/// `nowMs` from a presence flag and a value (absent = the default clock).
fn now_at(env: &Env, given: f64, value: f64) -> Conv<u64> {
    if given == 0.0 {
        now(env, None)
    } else {
        whole(value, "nowMs")
    }
}

/// The time the wrapper's answers from the standing permit hand over, if any: the largest
/// explicit `nowMs`, or the clock now when one used the default clock (a reading no earlier
/// than the one that call would have made, so a schedule that could have happened; not read
/// again when the call itself just read the clock). Read before the breaker is borrowed: the
/// first clock read may call into JS.
fn pending(env: &Env, io: &[f64; IO_LEN], clock_read: bool) -> Conv<Option<u64>> {
    let explicit = if io[PENDING_NOW] < 0.0 { None } else { Some(whole(io[PENDING_NOW], "nowMs")?) };
    let clock = if io[PENDING_CLOCK] == 0.0 || clock_read { None } else { Some(now(env, None)?) };
    Ok(explicit.max(clock))
}

/// Runs `f` on the breaker of `handle` after handing it the pending time, and writes its
/// standing permit back for the wrapper (and that no clock reading is owed: `record` may
/// say otherwise).
fn settled<T>(
    handle: usize,
    pending: Option<u64>,
    io: &mut [f64; IO_LEN],
    f: impl FnOnce(&mut CircuitBreaker) -> T,
) -> Conv<T> {
    with_breaker(handle, |b| {
        if let Some(t) = pending {
            b.advance_clock(t);
        }
        let out = f(b);
        io[STANDING] = num(b.standing_permit().map(|p| p.token()));
        io[PENDING_CLOCK] = 0.0;
        out
    })
}

#[allow(clippy::cast_precision_loss)]
fn num(n: Option<u64>) -> f64 {
    // Through i64 (one instruction; the values here are tokens and times below 2^53).
    #[allow(clippy::cast_possible_wrap)]
    n.map_or(-1.0, |n| n as i64 as f64)
}

/// A code as its index in the core's `ALL` table (the wrapper maps it back to the string).
#[allow(clippy::cast_precision_loss)]
fn code(index: usize) -> f64 {
    index as f64
}

pub(crate) fn string(env: sys::napi_env, s: &str) -> sys::napi_value {
    let mut out = ptr::null_mut();
    // SAFETY: a live env; `s` outlives the call. A failure leaves `out` null (= undefined).
    unsafe { sys::napi_create_string_utf8(env, s.as_ptr().cast(), s.len() as isize, &mut out) };
    out
}

/// A transition as JSON text for the wrapper to parse, or undefined.
fn transition(env: sys::napi_env, t: Option<Transition>) -> sys::napi_value {
    match t.and_then(|t| serde_json::to_string(&t).ok()) {
        Some(text) => string(env, &text),
        None => ptr::null_mut(),
    }
}

/// Runs `body`, turning its error into a thrown JS error (and an undefined return).
pub(crate) fn call(env: sys::napi_env, body: impl FnOnce(&Env) -> Conv<sys::napi_value>) -> sys::napi_value {
    let e = Env::from_raw(env);
    match body(&e) {
        Ok(v) => v,
        Err(err) => {
            let _pending = throw(&e, &err);
            ptr::null_mut()
        }
    }
}

/// A thread's shared `ArrayBuffer` of `len` f64s in `cell`: created and kept alive (a strong
/// reference for the life of the thread) at the first call, the same one after.
pub(crate) fn shared(
    env: sys::napi_env,
    cell: &'static std::thread::LocalKey<SharedBuffer>,
    len: usize,
) -> Conv<sys::napi_value> {
    let failed = || Error::argument("this", "could not create the shared buffer");
    let (data, reference) = cell.get();
    let mut out = ptr::null_mut();
    // SAFETY: a live env; every out-pointer is local; the reference is this thread's.
    unsafe {
        if !data.is_null() {
            sys::napi_get_reference_value(env, reference, &mut out);
            return if out.is_null() { Err(failed()) } else { Ok(out) };
        }
        let mut data = ptr::null_mut();
        let mut reference = ptr::null_mut();
        if sys::napi_create_arraybuffer(env, len * 8, &mut data, &mut out) != sys::Status::napi_ok
            || data.is_null()
            || sys::napi_create_reference(env, out, 1, &mut reference) != sys::Status::napi_ok
        {
            return Err(failed());
        }
        cell.set((data.cast(), reference));
    }
    Ok(out)
}

/// `io()`: the breaker calls' shared `ArrayBuffer` (the same one for every caller on this thread).
unsafe extern "C" fn io(env: sys::napi_env, _info: sys::napi_callback_info) -> sys::napi_value {
    call(env, |_| shared(env, &IO, IO_LEN))
}

/// `codes()`: JSON text of the code tables the buffer's indexes refer to.
unsafe extern "C" fn codes(env: sys::napi_env, _info: sys::napi_callback_info) -> sys::napi_value {
    fn names<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> Vec<&'static str> {
        all.iter().map(|x| f(*x)).collect()
    }
    let tables = json!({
        "state": names(State::ALL, State::as_str),
        "acquireReason": names(AcquireReason::ALL, AcquireReason::as_str),
        "counted": names(Counted::ALL, Counted::as_str),
        "class": names(Class::ALL, Class::as_str),
    });
    string(env, &tables.to_string())
}

/// `handle(breaker)`: the slab handle of a native `CircuitBreaker` object.
unsafe extern "C" fn handle_of(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    call(env, |_| {
        let not_a_breaker = || Error::new(ErrorCode::InvalidType, "this", "expected a CircuitBreaker");
        let mut argc = 1usize;
        let mut arg = ptr::null_mut();
        // SAFETY: the live arguments of this callback; every out-pointer is local. napi-rs tags
        // every instance with its class's type tag (napi8), checked before the unwrap.
        unsafe {
            if sys::napi_get_cb_info(env, info, &mut argc, &mut arg, ptr::null_mut(), ptr::null_mut())
                != sys::Status::napi_ok
                || argc < 1
            {
                return Err(not_a_breaker());
            }
            let mut is_breaker = false;
            if sys::napi_check_object_type_tag(
                env,
                arg,
                &<JsCircuitBreaker as TypeTag>::type_tag(),
                &mut is_breaker,
            ) != sys::Status::napi_ok
                || !is_breaker
            {
                return Err(not_a_breaker());
            }
            let mut wrapped: *mut std::ffi::c_void = ptr::null_mut();
            if sys::napi_unwrap(env, arg, &mut wrapped) != sys::Status::napi_ok || wrapped.is_null() {
                return Err(not_a_breaker());
            }
            let slot = (*wrapped.cast::<JsCircuitBreaker>()).slot;
            let mut out = ptr::null_mut();
            #[allow(clippy::cast_precision_loss)]
            sys::napi_create_double(env, slot as f64, &mut out);
            Ok(out)
        }
    })
}

/// `acquire()`: in `[handle, hasNow, nowMs]`; out `[permit or -1]`.
unsafe extern "C" fn acquire(env: sys::napi_env, _info: sys::napi_callback_info) -> sys::napi_value {
    call(env, |e| {
        let io = slots()?;
        let (h, now, pending) = (handle(io[0])?, now_at(e, io[1], io[2])?, pending(e, io, io[1] == 0.0)?);
        let permit = settled(h, pending, io, |b| b.try_acquire(now).permit)?;
        io[0] = num(permit.map(|p| p.token()));
        Ok(ptr::null_mut())
    })
}

/// `acquireRich()`: as `acquire`; out `[permitted, permit or -1, state, reason, retry_after_ms
/// or -1]`, and the transition's JSON text (or undefined).
unsafe extern "C" fn acquire_rich(env: sys::napi_env, _info: sys::napi_callback_info) -> sys::napi_value {
    call(env, |e| {
        let io = slots()?;
        let (h, now, pending) = (handle(io[0])?, now_at(e, io[1], io[2])?, pending(e, io, io[1] == 0.0)?);
        let a = settled(h, pending, io, |b| b.try_acquire(now))?;
        io[0] = f64::from(u8::from(a.permitted));
        io[1] = num(a.permit.map(|p| p.token()));
        io[2] = code(a.state.index());
        io[3] = code(a.reason.index());
        io[4] = num(a.retry_after_ms);
        Ok(transition(env, a.transition))
    })
}

/// `record()`: in `[handle, permit, class index, latencyMs, hasServerDelay, serverDelayMs,
/// hasNow, nowMs]`; out `[counted, state]` and the transition's JSON text (or undefined).
/// On the default clock the clock is read only if the outcome depends on the time
/// (`CircuitBreaker::record_lazy`); a reading skipped is owed.
unsafe extern "C" fn record(env: sys::napi_env, _info: sys::napi_callback_info) -> sys::napi_value {
    call(env, |e| {
        let io = slots()?;
        let h = handle(io[0])?;
        let permit = Permit::from_token(whole(io[1], "permit")?);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let class = Some(io[2] as usize)
            .filter(|&i| i as f64 == io[2])
            .and_then(|i| Class::ALL.get(i).copied())
            .ok_or_else(|| Error::argument("className", "unknown class"))?;
        let latency = whole(io[3], "latencyMs")?;
        let delay = if io[4] == 0.0 { None } else { Some(whole(io[5], "serverDelayMs")?) };
        let explicit = if io[6] == 0.0 { None } else { Some(whole(io[7], "nowMs")?) };
        let (anchor, pending) = (clock_anchor(e), pending(e, io, explicit.is_none())?);
        let mut read = false;
        let r = settled(h, pending, io, |b| match explicit {
            Some(now) => b.record(now, permit, class, latency, delay),
            None => {
                let clock = || {
                    read = true;
                    clock_ms(anchor)
                };
                b.record_lazy(clock, permit, class, latency, delay)
            }
        })?;
        if explicit.is_none() && !read {
            io[PENDING_CLOCK] = 1.0;
        }
        io[0] = code(r.counted.index());
        io[1] = code(r.state.index());
        Ok(transition(env, r.transition))
    })
}

/// `state()`: in `[handle]`; out `[state]`.
unsafe extern "C" fn state(env: sys::napi_env, _info: sys::napi_callback_info) -> sys::napi_value {
    call(env, |_| {
        let io = slots()?;
        let s = with_breaker(handle(io[0])?, |b| b.state())?;
        io[0] = code(s.index());
        Ok(ptr::null_mut())
    })
}

/// `settle()`: in `[handle]` and the pending time; hands it to the breaker before a call the
/// wrapper makes through the `#[napi]` methods.
unsafe extern "C" fn settle(env: sys::napi_env, _info: sys::napi_callback_info) -> sys::napi_value {
    call(env, |e| {
        let io = slots()?;
        let (h, pending) = (handle(io[0])?, pending(e, io, false)?);
        settled(h, pending, io, |_| ())?;
        Ok(ptr::null_mut())
    })
}

/// Adds the callbacks above to the exports as `__breakwaterFast` (the wrapper's, not public).
pub fn install(env: &Env, exports: &Object) -> napi::Result<()> {
    let raw = env.raw();
    type Callback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;
    let methods: [(&CStr, Callback); 13] = [
        (c"io", io),
        (c"codes", codes),
        (c"handle", handle_of),
        (c"acquire", acquire),
        (c"acquireRich", acquire_rich),
        (c"record", record),
        (c"state", state),
        (c"settle", settle),
        (c"clientIo", client::io),
        (c"clientCodes", client::codes),
        (c"clientBegin", client::begin),
        (c"clientBefore", client::before),
        (c"clientOutcome", client::outcome),
    ];
    // SAFETY: module initialisation on the loading thread; every out-pointer is local.
    unsafe {
        let mut fast = ptr::null_mut();
        if sys::napi_create_object(raw, &mut fast) != sys::Status::napi_ok {
            return Err(napi::Error::from_reason("could not create the fast-path object"));
        }
        for (name, cb) in methods {
            let mut f = ptr::null_mut();
            let len = name.to_bytes().len() as isize;
            if sys::napi_create_function(raw, name.as_ptr(), len, Some(cb), ptr::null_mut(), &mut f)
                != sys::Status::napi_ok
            {
                return Err(napi::Error::from_reason("could not create a fast-path function"));
            }
            sys::napi_set_named_property(raw, fast, name.as_ptr(), f);
        }
        sys::napi_set_named_property(raw, exports.raw(), c"__breakwaterFast".as_ptr(), fast);
    }
    Ok(())
}
