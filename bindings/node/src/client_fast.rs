//! The `Client`'s per-request calls (`begin`, `beforeAttempt`, `onOutcome`) as raw N-API callbacks
//! that answer in numbers, for the package entry (`index.js`).
//!
//! In the SDK integrations these calls run between the SDK's own work, with cold caches, where
//! the generic path's JSON text and `JSON.parse` of each decision cost more than the decision
//! (`bench/README.md`, "The SDK integrations"). Here the handles and the numeric arguments
//! come in through a `Float64Array` shared with this module ([`io`]), the strings and headers
//! as arguments, read by the same readers as the generic path; the decision goes back as its
//! row of numbers (`breakwater::surface::wire`), which the entry turns into the same object the
//! generic call returns. The operations are the surface's own (`client_before_attempt`,
//! `client_on_outcome`): nothing is decided here. Absent numbers are NaN; the entry sends
//! every other argument form (a `BigInt`, a NaN given, a `Headers`) to the generic call.
#![allow(unsafe_code)]
#![cfg_attr(test, allow(dead_code))]

use std::cell::Cell;
use std::ptr;

use breakwater::surface::wire::{self, ATTEMPT_LEN, RETRY_LEN};
use breakwater::surface::{self as core_surface, borrow, HandleClass};
use breakwater::Error;
use napi::{sys, Env};

use crate::fast::{call, shared, slots_of, string, SharedBuffer};
use crate::js::{whole, Arg, Conv};
use crate::surface::{Client, Request};

/// Slots of the shared buffer: the largest row, or the call's inputs.
const IO_LEN: usize = 12;

thread_local! {
    /// The shared buffer's data and a strong reference keeping it alive (one per thread).
    static IO: SharedBuffer = const { Cell::new((ptr::null_mut(), ptr::null_mut())) };
}

/// The shared buffer's slots.
fn slots() -> Conv<&'static mut [f64; IO_LEN]> {
    slots_of(&IO)
}

/// A handle or number the entry wrote: NaN is absent.
fn given(n: f64, path: &str) -> Conv<Option<u64>> {
    if n.is_nan() {
        Ok(None)
    } else {
        whole(n, path).map(Some)
    }
}

/// `nowMs`: given, or the default clock.
fn now(env: &Env, n: f64) -> Conv<u64> {
    match given(n, "nowMs")? {
        Some(t) => Ok(t),
        None => Ok(crate::js::clock_ms(crate::js::clock_anchor(env))),
    }
}

/// Runs `f` on the client and the request whose handles are in `io[0]` and `io[1]`, borrowed
/// as the generic call borrows them.
fn with_pair<T>(
    io: &[f64; IO_LEN],
    f: impl FnOnce(
        &mut breakwater::transport::client::Client,
        &mut breakwater::transport::client::Request,
    ) -> Conv<T>,
) -> Conv<T> {
    let client = Client::get(whole(io[0], "this")?, "this")?;
    let request = Request::get(whole(io[1], "request")?, "request")?;
    let mut c = borrow(&client, "this")?;
    let mut r = borrow(&request, "request")?;
    f(&mut c, &mut r)
}

/// The `argc` arguments of this call (missing ones null: absent).
fn args<const N: usize>(env: sys::napi_env, info: sys::napi_callback_info) -> Conv<[Arg; N]> {
    let mut argc = N;
    let mut argv = [ptr::null_mut(); N];
    // SAFETY: `info` is this call's; `argv` has room for `argc` values.
    let status = unsafe {
        sys::napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), ptr::null_mut())
    };
    if status != sys::Status::napi_ok {
        return Err(Error::argument("", "could not read the call's arguments"));
    }
    Ok(argv.map(|v| Arg::from_raw(env, v)))
}

/// `clientIo()`: the shared `ArrayBuffer` (the same one for every caller on this thread).
pub unsafe extern "C" fn io(env: sys::napi_env, _info: sys::napi_callback_info) -> sys::napi_value {
    call(env, |_| shared(env, &IO, IO_LEN))
}

/// `clientCodes()`: JSON text of the code tables the rows' indexes refer to.
pub unsafe extern "C" fn codes(env: sys::napi_env, _info: sys::napi_callback_info) -> sys::napi_value {
    string(env, &wire::tables().to_string())
}

/// `clientBegin(key)`: in `[client, estTokens, outerOwnsRetries (0, 1 or NaN), deadlineMs,
/// nowMs]`; returns the new request's handle.
pub unsafe extern "C" fn begin(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    call(env, |e| {
        let [key] = args::<1>(env, info)?;
        let io = slots()?;
        let key = key.opt_str("key")?;
        let est_tokens = given(io[1], "estTokens")?;
        let outer = if io[2].is_nan() { None } else { Some(io[2] != 0.0) };
        let deadline = given(io[3], "deadlineMs")?;
        let now = now(e, io[4])?;
        let client = Client::get(whole(io[0], "this")?, "this")?;
        let mut c = borrow(&client, "this")?;
        let request = core_surface::client_begin(&mut c, key, est_tokens, outer, None, deadline, now)?;
        #[allow(clippy::cast_precision_loss)]
        let handle = Request::insert(request) as f64;
        let mut out = ptr::null_mut();
        // SAFETY: a live env; the out-pointer is local.
        unsafe { sys::napi_create_double(env, handle, &mut out) };
        Ok(out)
    })
}

/// `clientBefore()`: in `[client, request, nowMs]`; out the decision's row; returns its
/// headers as `name\nvalue\n` text (or, should one hold a line feed, `[[name, value], ...]`).
pub unsafe extern "C" fn before(env: sys::napi_env, _info: sys::napi_callback_info) -> sys::napi_value {
    call(env, |e| {
        let io = slots()?;
        let now = now(e, io[2])?;
        let d = with_pair(io, |c, r| core_surface::client_before_attempt(c, r, now))?;
        let mut row = [0.0; ATTEMPT_LEN];
        if !wire::write_attempt(&d, &mut row) {
            return Err(inexact());
        }
        io[..ATTEMPT_LEN].copy_from_slice(&row);
        // One string is cheaper to hand over than an array per pair (the core's own headers
        // never hold a line feed; the arrays are the fallback).
        match joined(&d.headers) {
            Some(text) => Ok(string(env, &text)),
            None => pairs(env, &d.headers),
        }
    })
}

/// `clientOutcome(outcome, errorType, errorCode, joined)`: in `[client, request, latencyMs,
/// wallUnixMs, actualTokens, nowMs, pairs, lastAttempt]`; out the decision's row. `joined` is
/// the header pairs as `name\nvalue\n` text (one string to read instead of four values per
/// header), `pairs` their number; the pairs are borrowed from the text, not copied. Returns
/// `false` when the text does not split into that many pairs (a name or a value holds a line
/// feed): nothing was done, and the entry makes the generic call, which reads the pairs as
/// given. Every argument is a string or absent: nothing here reads a JS object, so no JS runs
/// while the shared buffer holds this call's values.
pub unsafe extern "C" fn outcome(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    call(env, |e| {
        let [outcome, error_type, error_code, joined] = args::<4>(env, info)?;
        let io = slots()?;
        let outcome = outcome.str("outcome")?;
        let text = if joined.is_absent() { String::new() } else { joined.str("headers")? };
        let count = if joined.is_absent() { 0 } else { whole(io[6], "headers")? };
        let Some(headers) = split_pairs(&text, usize::try_from(count).unwrap_or(usize::MAX)) else {
            return Ok(boolean(env, false));
        };
        let (error_type, error_code) = (error_type.opt_str("errorType")?, error_code.opt_str("errorCode")?);
        let report = core_surface::AttemptReport {
            outcome: &outcome,
            headers: &headers,
            error_type: error_type.as_deref(),
            error_code: error_code.as_deref(),
            latency_ms: given(io[2], "latencyMs")?,
            wall_unix_ms: given(io[3], "wallUnixMs")?,
            actual_tokens: given(io[4], "actualTokens")?,
            last_attempt: if io[7].is_nan() { None } else { Some(io[7] != 0.0) },
        };
        let now = now(e, io[5])?;
        let d = with_pair(io, |c, r| core_surface::client_on_outcome_of(c, r, &report, now))?;
        let mut row = [0.0; RETRY_LEN];
        if !wire::write_retry(&d, &mut row) {
            return Err(inexact());
        }
        io[..RETRY_LEN].copy_from_slice(&row);
        Ok(ptr::null_mut())
    })
}

/// A decision holding a number a JS number cannot hold exactly: refused as the generic call
/// refuses it (`invalid_argument` at `output`).
fn inexact() -> Error {
    Error::argument("output", "a time past 2^53 - 1 can't be represented exactly as a JavaScript number")
}

/// `count` pairs from `name\nvalue\n` text, or `None` when it does not split into exactly
/// that many.
fn split_pairs(text: &str, count: usize) -> Option<Vec<(&str, &str)>> {
    let mut parts = text.split('\n');
    let mut out = Vec::with_capacity(count.min(1024));
    loop {
        let name = parts.next()?;
        let Some(value) = parts.next() else {
            // The text ends with a line feed: the last part is empty, and nothing follows it.
            return (name.is_empty() && out.len() == count).then_some(out);
        };
        out.push((name, value));
    }
}

/// `[[name, value], ...]` as one `name\nvalue\n` text (the entry splits it), or `None` when a
/// name or a value holds a line feed.
fn joined(headers: &[(String, String)]) -> Option<String> {
    let mut text = String::with_capacity(headers.iter().map(|(n, v)| n.len() + v.len() + 2).sum());
    for (name, value) in headers {
        if name.contains('\n') || value.contains('\n') {
            return None;
        }
        for part in [name, value] {
            text.push_str(part);
            text.push('\n');
        }
    }
    Some(text)
}

/// A JS boolean.
fn boolean(env: sys::napi_env, value: bool) -> sys::napi_value {
    let mut out = ptr::null_mut();
    // SAFETY: a live env; the out-pointer is local. A failure leaves it null (= undefined).
    unsafe { sys::napi_get_boolean(env, value, &mut out) };
    out
}

/// `[[name, value], ...]` as a JS array.
fn pairs(env: sys::napi_env, headers: &[(String, String)]) -> Conv<sys::napi_value> {
    let failed = || Error::argument("", "could not create the headers");
    // SAFETY: a live env; every created value is used within this call.
    unsafe {
        let mut out = ptr::null_mut();
        if sys::napi_create_array_with_length(env, headers.len(), &mut out) != sys::Status::napi_ok {
            return Err(failed());
        }
        for (i, (name, value)) in headers.iter().enumerate() {
            let mut pair = ptr::null_mut();
            sys::napi_create_array_with_length(env, 2, &mut pair);
            sys::napi_set_element(env, pair, 0, string(env, name));
            sys::napi_set_element(env, pair, 1, string(env, value));
            sys::napi_set_element(env, out, u32::try_from(i).map_err(|_| failed())?, pair);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::{joined, split_pairs};

    #[test]
    fn decision_headers_join_unless_a_line_feed_would_split_them() {
        let pairs = [("idempotency-key".to_owned(), "k-1".to_owned()), ("x-a".to_owned(), String::new())];
        assert_eq!(joined(&pairs).as_deref(), Some("idempotency-key\nk-1\nx-a\n\n"));
        assert_eq!(joined(&[]).as_deref(), Some(""));
        assert_eq!(joined(&[("x-a".to_owned(), "1\n2".to_owned())]), None);
    }

    #[test]
    fn joined_headers_split_only_into_the_pairs_given() {
        let two = split_pairs("retry-after\n2\nx-a\n\n", 2).unwrap();
        assert_eq!(two, [("retry-after", "2"), ("x-a", "")]);
        assert_eq!(split_pairs("", 0), Some(Vec::new()));
        // A line feed inside a name or a value: not the pairs given, the array is read instead.
        assert_eq!(split_pairs("x-odd\na\nb\nretry-after\n2\n", 2), None);
        assert_eq!(split_pairs("x\n\nv\nretry-after\n2\n", 2), None);
        assert_eq!(split_pairs("a\nb\n", 2), None);
        assert_eq!(split_pairs("a\nb", 1), None);
    }
}
