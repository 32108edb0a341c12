//! The circuit breaker, with the fast path that skips result objects (`fast.rs`).

use breakwater::transport::breaker::{
    Acquire, AcquireReason, BreakerConfig, CircuitBreaker as CoreBreaker, Permit, State, Transition,
};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::convert::{self, core, now, out, JsResult};

/// [`Acquire`] as JS sees it: the same fields, the permit as its integer token (< 2^53, exact
/// in a JS number).
#[derive(Serialize)]
struct AcquireOut {
    permitted: bool,
    permit: Option<u64>,
    state: State,
    reason: AcquireReason,
    retry_after_ms: Option<u64>,
    transition: Option<Transition>,
}

fn acquire_out(a: &Acquire) -> JsResult<JsValue> {
    out(&AcquireOut {
        permitted: a.permitted,
        permit: a.permit.map(|p| p.token()),
        state: a.state,
        reason: a.reason,
        retry_after_ms: a.retry_after_ms,
        transition: a.transition,
    })
}

/// A permit token handed back by the host.
fn permit_arg(v: &JsValue) -> JsResult<Permit> {
    convert::u64_arg(v, "permit").map(Permit::from_token)
}

/// A circuit breaker for one upstream (resilience4j's state machine, driven by the host).
#[wasm_bindgen]
pub struct CircuitBreaker {
    pub(crate) inner: CoreBreaker,
}

#[wasm_bindgen]
impl CircuitBreaker {
    /// A breaker following `config` (the `breaker` section).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "BreakerConfig | null")] config: JsValue,
    ) -> JsResult<CircuitBreaker> {
        let config: BreakerConfig = convert::config(&config)?;
        Ok(Self { inner: core(CoreBreaker::new(config))? })
    }

    /// Asks to make a call: a permit token, or the rejection with its reason.
    #[wasm_bindgen(js_name = tryAcquire, unchecked_return_type = "Acquire")]
    pub fn try_acquire(
        &mut self,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<JsValue> {
        acquire_out(&self.inner.try_acquire(now(&now_ms)?))
    }

    /// Feeds back the result of the call `permit` allowed.
    #[wasm_bindgen(unchecked_return_type = "Recorded")]
    pub fn record(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "number")] permit: JsValue,
        #[wasm_bindgen(js_name = className, unchecked_param_type = "ClassName")] class_name: JsValue,
        #[wasm_bindgen(js_name = latencyMs, unchecked_param_type = "number")] latency_ms: JsValue,
        #[wasm_bindgen(js_name = serverDelayMs, unchecked_optional_param_type = "number | null")]
        server_delay_ms: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<JsValue> {
        let permit = permit_arg(&permit)?;
        let class = convert::class_arg(&class_name, "className")?;
        let latency = convert::u64_arg(&latency_ms, "latencyMs")?;
        let server_delay = convert::opt_u64(&server_delay_ms, "serverDelayMs")?;
        out(&self.inner.record(now(&now_ms)?, permit, class, latency, server_delay))
    }

    /// Gives a permit back without a result; `true` when it was outstanding.
    pub fn release(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "number")] permit: JsValue,
    ) -> JsResult<bool> {
        Ok(self.inner.release(permit_arg(&permit)?))
    }

    /// Fast path of `tryAcquire`: the permit token, or `null` when rejected.
    #[wasm_bindgen(js_name = tryAcquirePermit, unchecked_return_type = "number | null")]
    pub fn try_acquire_permit(
        &mut self,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<JsValue> {
        #[allow(clippy::cast_precision_loss)]
        Ok(self
            .inner
            .try_acquire(now(&now_ms)?)
            .permit
            .map_or(JsValue::NULL, |p| JsValue::from_f64(p.token() as f64)))
    }

    /// Fast path of `record`: how the result was counted (`success`, `failure`, ..., `stale`).
    #[wasm_bindgen(js_name = recordPermit, unchecked_return_type = "Counted")]
    pub fn record_permit(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "number")] permit: JsValue,
        #[wasm_bindgen(js_name = className, unchecked_param_type = "ClassName")] class_name: JsValue,
        #[wasm_bindgen(js_name = latencyMs, unchecked_param_type = "number")] latency_ms: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<JsValue> {
        let permit = permit_arg(&permit)?;
        let class = convert::class_arg(&class_name, "className")?;
        let latency = convert::u64_arg(&latency_ms, "latencyMs")?;
        Ok(convert::code(self.inner.record(now(&now_ms)?, permit, class, latency, None).counted.as_str()))
    }

    /// Manual: reject every call until a reset. The transition, or `null` when already there.
    #[wasm_bindgen(js_name = transitionToForcedOpen, unchecked_return_type = "Transition | null")]
    pub fn transition_to_forced_open(
        &mut self,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<JsValue> {
        out(&self.inner.transition_to_forced_open(now(&now_ms)?))
    }

    /// Manual: permit every call and record nothing. The transition, or `null`.
    #[wasm_bindgen(js_name = transitionToDisabled, unchecked_return_type = "Transition | null")]
    pub fn transition_to_disabled(
        &mut self,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<JsValue> {
        out(&self.inner.transition_to_disabled(now(&now_ms)?))
    }

    /// Manual: permit every call and record results, never changing state. The transition, or `null`.
    #[wasm_bindgen(js_name = transitionToMetricsOnly, unchecked_return_type = "Transition | null")]
    pub fn transition_to_metrics_only(
        &mut self,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<JsValue> {
        out(&self.inner.transition_to_metrics_only(now(&now_ms)?))
    }

    /// Manual: back to closed with the metrics cleared. The transition, or `null`.
    #[wasm_bindgen(unchecked_return_type = "Transition | null")]
    pub fn reset(
        &mut self,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<JsValue> {
        out(&self.inner.reset(now(&now_ms)?))
    }

    /// The state as of the last call.
    #[wasm_bindgen(unchecked_return_type = "BreakerState")]
    pub fn state(&self) -> JsValue {
        convert::code(self.inner.state().as_str())
    }

    /// What the current window holds.
    #[wasm_bindgen(unchecked_return_type = "BreakerMetrics")]
    pub fn metrics(
        &self,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<JsValue> {
        out(&self.inner.metrics(now(&now_ms)?))
    }
}
