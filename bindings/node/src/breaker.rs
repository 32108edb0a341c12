//! `CircuitBreaker`, hand-written for its fast path (`fast.rs`). Permits cross the boundary as integer tokens
//! (`Permit::token`, below 2^53) so that a JS number holds them exactly.

use breakwater::transport::breaker::{Acquire, BreakerConfig, CircuitBreaker, Permit};
use breakwater::transport::classify::Class;
use breakwater::StableCode;
use napi::Env;
use napi_derive::napi;
use serde_json::{json, Value};

use crate::fast;
use crate::js::{json, now, ok, Arg, Conv, Json};

/// `try_acquire`'s answer with the permit as its token.
fn acquire_json(a: &Acquire) -> Json {
    let mut v = serde_json::to_value(a).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        obj.insert("permit".into(), json!(a.permit.map(|p| p.token())));
    }
    Json::Value(v)
}

/// A breaker config (absent = the defaults).
fn config(arg: Option<Arg>) -> Conv<BreakerConfig> {
    match arg.filter(|a| !a.is_absent()) {
        Some(a) => breakwater::document::from_value(&a.config("config")?),
        None => Ok(BreakerConfig::default()),
    }
}

/// A class code (`success`, `retryable`, ...) given as `className`.
pub fn class_arg(arg: Arg) -> Conv<Class> {
    Class::parse(&arg.str("className")?, "className")
}

fn permit_arg(arg: Arg) -> Conv<Permit> {
    arg.u64("permit").map(Permit::from_token)
}

fn server_delay(arg: Option<Arg>) -> Conv<Option<u64>> {
    Ok(arg.map(|a| a.opt_u64("serverDelayMs")).transpose()?.flatten())
}

#[allow(clippy::cast_precision_loss)]
fn token(p: Permit) -> f64 {
    p.token() as f64
}

/// A circuit breaker for one upstream.
///
/// The core breaker lives in the per-thread slab of `fast.rs` (the JS wrapper's hot calls
/// address it by handle); this object owns the slot and frees it when collected.
#[napi(js_name = "CircuitBreaker")]
pub struct JsCircuitBreaker {
    pub(crate) slot: usize,
}

impl Drop for JsCircuitBreaker {
    fn drop(&mut self) {
        fast::remove(self.slot);
    }
}

impl JsCircuitBreaker {
    /// Runs `f` on the core breaker (converting its error); `f` must not call into JS.
    fn with<T>(&self, env: &Env, f: impl FnOnce(&mut CircuitBreaker) -> T) -> napi::Result<T> {
        ok(env, fast::with_breaker(self.slot, f))
    }
}

#[napi]
impl JsCircuitBreaker {
    /// A breaker from a breaker config.
    #[napi(constructor, ts_args_type = "config?: BreakerConfig | null")]
    pub fn new(env: Env, config: Option<Arg>) -> napi::Result<Self> {
        ok(&env, self::config(config).and_then(CircuitBreaker::new).and_then(fast::insert))
            .map(|slot| Self { slot })
    }

    /// Releases the breaker now, as every other class's `free()` does (the JS wrapper then
    /// refuses calls on it); collecting the object later frees nothing twice.
    #[napi]
    pub fn free(&mut self) {
        fast::remove(self.slot);
        self.slot = usize::MAX;
    }

    /// Asks to make one call: the decision, the permit to give back, the state and why.
    #[napi(ts_args_type = "nowMs?: number | null", ts_return_type = "Acquire")]
    pub fn try_acquire(&mut self, env: Env, now_ms: Option<Arg>) -> napi::Result<Json> {
        let now = ok(&env, now(&env, now_ms))?;
        Ok(acquire_json(&self.with(&env, |b| b.try_acquire(now))?))
    }

    /// Records the result of a permitted call.
    #[napi(
        ts_args_type = "permit: number, className: ClassName, latencyMs: number, serverDelayMs?: number | null, nowMs?: number | null",
        ts_return_type = "Recorded"
    )]
    pub fn record(
        &mut self,
        env: Env,
        permit: Arg,
        class_name: Arg,
        latency_ms: Arg,
        server_delay_ms: Option<Arg>,
        now_ms: Option<Arg>,
    ) -> napi::Result<Json> {
        let (p, c, l, d) = ok(
            &env,
            (|| {
                Ok((
                    permit_arg(permit)?,
                    class_arg(class_name)?,
                    latency_ms.u64("latencyMs")?,
                    server_delay(server_delay_ms)?,
                ))
            })(),
        )?;
        let now = ok(&env, now(&env, now_ms))?;
        ok(&env, json(&self.with(&env, |b| b.record(now, p, c, l, d))?))
    }

    /// Gives a permit back unused (the call was not made); `true` if it was current.
    #[napi(ts_args_type = "permit: number")]
    pub fn release(&mut self, env: Env, permit: Arg) -> napi::Result<bool> {
        let p = ok(&env, permit_arg(permit))?;
        self.with(&env, |b| b.release(p))
    }

    /// Forces the breaker open until `reset`; the transition, or `null` if already there.
    #[napi(ts_args_type = "nowMs?: number | null", ts_return_type = "Transition | null")]
    pub fn transition_to_forced_open(&mut self, env: Env, now_ms: Option<Arg>) -> napi::Result<Json> {
        let now = ok(&env, now(&env, now_ms))?;
        ok(&env, json(&self.with(&env, |b| b.transition_to_forced_open(now))?))
    }

    /// Disables the breaker (every call permitted, nothing counted).
    #[napi(ts_args_type = "nowMs?: number | null", ts_return_type = "Transition | null")]
    pub fn transition_to_disabled(&mut self, env: Env, now_ms: Option<Arg>) -> napi::Result<Json> {
        let now = ok(&env, now(&env, now_ms))?;
        ok(&env, json(&self.with(&env, |b| b.transition_to_disabled(now))?))
    }

    /// Counts results but never rejects.
    #[napi(ts_args_type = "nowMs?: number | null", ts_return_type = "Transition | null")]
    pub fn transition_to_metrics_only(&mut self, env: Env, now_ms: Option<Arg>) -> napi::Result<Json> {
        let now = ok(&env, now(&env, now_ms))?;
        ok(&env, json(&self.with(&env, |b| b.transition_to_metrics_only(now))?))
    }

    /// Back to closed with the metrics cleared.
    #[napi(ts_args_type = "nowMs?: number | null", ts_return_type = "Transition | null")]
    pub fn reset(&mut self, env: Env, now_ms: Option<Arg>) -> napi::Result<Json> {
        let now = ok(&env, now(&env, now_ms))?;
        ok(&env, json(&self.with(&env, |b| b.reset(now))?))
    }

    /// The current state.
    #[napi(ts_return_type = "BreakerState")]
    pub fn state(&self, env: Env) -> napi::Result<&'static str> {
        self.with(&env, |b| b.state().as_str())
    }

    /// What the current window holds.
    #[napi(ts_args_type = "nowMs?: number | null", ts_return_type = "BreakerMetrics")]
    pub fn metrics(&self, env: Env, now_ms: Option<Arg>) -> napi::Result<Json> {
        let now = ok(&env, now(&env, now_ms))?;
        ok(&env, json(&self.with(&env, |b| b.metrics(now))?))
    }

    /// Fast path of `tryAcquire`: the permit token, or `null` when rejected.
    #[napi(ts_args_type = "nowMs?: number | null")]
    pub fn try_acquire_permit(&mut self, env: Env, now_ms: Option<Arg>) -> napi::Result<Option<f64>> {
        let now = ok(&env, now(&env, now_ms))?;
        Ok(self.with(&env, |b| b.try_acquire(now).permit)?.map(token))
    }

    /// Fast path of `record`: how the result was counted (`success`, `failure`, ...).
    #[napi(
        ts_args_type = "permit: number, className: ClassName, latencyMs: number, nowMs?: number | null",
        ts_return_type = "Counted"
    )]
    pub fn record_permit(
        &mut self,
        env: Env,
        permit: Arg,
        class_name: Arg,
        latency_ms: Arg,
        now_ms: Option<Arg>,
    ) -> napi::Result<&'static str> {
        let (p, c, l) =
            ok(&env, (|| Ok((permit_arg(permit)?, class_arg(class_name)?, latency_ms.u64("latencyMs")?)))())?;
        let now = ok(&env, now(&env, now_ms))?;
        self.with(&env, |b| b.record(now, p, c, l, None).counted.as_str())
    }
}
