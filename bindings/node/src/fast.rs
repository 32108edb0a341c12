//! The breaker fast path (`tryAcquirePermit`, `recordPermit`) and `state()` as raw N-API
//! callbacks on `CircuitBreaker.prototype`.
//!
//! napi-rs 3 wraps every `#[napi]` method call in native-borrow tracking (a scope, a hash
//! map entry, a class-identity check): about 250 ns per call on the reference machine, ten
//! times the cost of the core decision. These three methods are instead plain N-API
//! callbacks: check that `this` is a `CircuitBreaker` (napi-rs's type tag), unwrap
//! it, convert the arguments with the same [`Arg`] rules and call the same core methods as
//! the `#[napi]` methods in `breaker.rs`. They take primitives and return primitives.
#![allow(unsafe_code)]
// napi registers `install_fast_paths` only outside `cfg(test)` (clippy --all-targets builds the
// lib under test too), which leaves the callbacks unused there.
#![cfg_attr(test, allow(dead_code))]

use std::ptr;

use breakwater::transport::breaker::Permit;
use breakwater::transport::classify::Class;
use breakwater::{Error, ErrorCode};
use napi::bindgen_prelude::{Object, TypeTag};
use napi::{sys, Env, JsValue};
use napi_derive::napi;

use crate::breaker::JsCircuitBreaker;
use crate::js::{now, throw, Arg, Conv};

const MAX_ARGS: usize = 4;

/// The call's `this` as a `CircuitBreaker`, and its arguments (missing ones `undefined`).
///
/// # Safety
/// `env` and `info` are the live arguments of an N-API callback.
unsafe fn receiver<'a>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> Conv<(&'a mut JsCircuitBreaker, [Arg; MAX_ARGS])> {
    let mut argc = MAX_ARGS;
    let mut argv = [ptr::null_mut(); MAX_ARGS];
    let mut this = ptr::null_mut();
    let not_a_breaker = || Error::new(ErrorCode::InvalidType, "this", "expected a CircuitBreaker");
    // SAFETY: per this function's contract; every out-pointer is local.
    unsafe {
        if sys::napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), &mut this, ptr::null_mut())
            != sys::Status::napi_ok
        {
            return Err(not_a_breaker());
        }
        // napi-rs tags every instance with its class's type tag (napi8): a foreign object,
        // or another class's instance, fails here before the unwrap.
        let mut is_breaker = false;
        if sys::napi_check_object_type_tag(
            env,
            this,
            &<JsCircuitBreaker as TypeTag>::type_tag(),
            &mut is_breaker,
        ) != sys::Status::napi_ok
            || !is_breaker
        {
            return Err(not_a_breaker());
        }
        let mut wrapped: *mut std::ffi::c_void = ptr::null_mut();
        if sys::napi_unwrap(env, this, &mut wrapped) != sys::Status::napi_ok || wrapped.is_null() {
            return Err(not_a_breaker());
        }
        // napi-rs wraps a `#[napi]` class instance as a pointer to the Rust struct. JS is
        // single-threaded and nothing below re-enters JS while the borrow lives.
        let breaker = &mut *wrapped.cast::<JsCircuitBreaker>();
        let mut args = [Arg::from_raw(env, ptr::null_mut()); MAX_ARGS];
        for (slot, value) in args.iter_mut().zip(argv.iter()).take(argc.min(MAX_ARGS)) {
            *slot = Arg::from_raw(env, *value);
        }
        Ok((breaker, args))
    }
}

/// Runs `body`, turning its error into a thrown JS error (and a null return).
///
/// # Safety
/// `env` and `info` are the live arguments of an N-API callback.
unsafe fn call(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    body: impl FnOnce(&Env, &mut JsCircuitBreaker, [Arg; MAX_ARGS]) -> Conv<sys::napi_value>,
) -> sys::napi_value {
    let e = Env::from_raw(env);
    // SAFETY: forwarded from the caller.
    let result = unsafe { receiver(env, info) }.and_then(|(b, args)| body(&e, b, args));
    match result {
        Ok(v) => v,
        Err(err) => {
            let _pending = throw(&e, &err);
            ptr::null_mut()
        }
    }
}

fn number(env: &Env, n: f64) -> sys::napi_value {
    let mut out = ptr::null_mut();
    // SAFETY: a live env; `out` is local.
    unsafe { sys::napi_create_double(env.raw(), n, &mut out) };
    out
}

fn string(env: &Env, s: &str) -> sys::napi_value {
    let mut out = ptr::null_mut();
    // SAFETY: a live env; `s` outlives the call.
    unsafe { sys::napi_create_string_utf8(env.raw(), s.as_ptr().cast(), s.len() as isize, &mut out) };
    out
}

fn null(env: &Env) -> sys::napi_value {
    let mut out = ptr::null_mut();
    // SAFETY: a live env.
    unsafe { sys::napi_get_null(env.raw(), &mut out) };
    out
}

unsafe extern "C" fn try_acquire_permit(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: called by N-API with its live arguments.
    unsafe {
        call(env, info, |e, b, args| {
            let now = now(e, Some(args[0]))?;
            #[allow(clippy::cast_precision_loss)]
            Ok(match b.inner.try_acquire(now).permit {
                Some(p) => number(e, p.token() as f64),
                None => null(e),
            })
        })
    }
}

unsafe extern "C" fn record_permit(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: called by N-API with its live arguments.
    unsafe {
        call(env, info, |e, b, args| {
            let permit = Permit::from_token(args[0].u64("permit")?);
            let class = args[1].class_code("className")?;
            let latency = args[2].u64("latencyMs")?;
            let now = now(e, Some(args[3]))?;
            Ok(string(e, b.inner.record(now, permit, class, latency, None).counted.as_str()))
        })
    }
}

unsafe extern "C" fn state(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: called by N-API with its live arguments.
    unsafe { call(env, info, |e, b, _| Ok(string(e, b.inner.state().as_str()))) }
}

/// Replaces the three methods on `CircuitBreaker.prototype` at module load.
#[napi(module_exports)]
pub fn install_fast_paths(env: Env, exports: Object) -> napi::Result<()> {
    let raw = env.raw();
    let exports = exports.raw();
    // SAFETY: module initialisation on the loading thread; every out-pointer is local.
    unsafe {
        let mut ctor = ptr::null_mut();
        if sys::napi_get_named_property(raw, exports, c"CircuitBreaker".as_ptr(), &mut ctor)
            != sys::Status::napi_ok
        {
            return Err(napi::Error::from_reason("CircuitBreaker is not exported"));
        }
        let mut proto = ptr::null_mut();
        sys::napi_get_named_property(raw, ctor, c"prototype".as_ptr(), &mut proto);
        type Callback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;
        let methods: [(&std::ffi::CStr, Callback); 3] =
            [(c"tryAcquirePermit", try_acquire_permit), (c"recordPermit", record_permit), (c"state", state)];
        for (name, cb) in methods {
            let mut f = ptr::null_mut();
            let len = name.to_bytes().len() as isize;
            if sys::napi_create_function(raw, name.as_ptr(), len, Some(cb), ptr::null_mut(), &mut f)
                != sys::Status::napi_ok
            {
                return Err(napi::Error::from_reason("could not create a fast-path method"));
            }
            sys::napi_set_named_property(raw, proto, name.as_ptr(), f);
        }
    }
    Ok(())
}

/// `Class` from a short code without allocating (the fast path's `className`).
pub fn class_from_bytes(code: &[u8]) -> Option<Class> {
    std::str::from_utf8(code).ok().and_then(Class::from_code)
}
