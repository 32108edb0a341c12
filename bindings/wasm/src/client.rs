//! The policy document and the composed client with its requests.

use breakwater::transport::classify::{Outcome, ProviderError};
use breakwater::transport::client::{
    AttemptResult, Client as CoreClient, Request as CoreRequest, RequestOptions,
};
use breakwater::Policy as CorePolicy;
use wasm_bindgen::prelude::*;

use crate::convert::{self, core, now, out, Bag, JsResult};

/// A validated transport policy (every section, each with its documented defaults).
#[wasm_bindgen]
pub struct Policy {
    inner: CorePolicy,
}

#[wasm_bindgen]
impl Policy {
    /// Reads and validates a policy from JSON text; errors carry the line and column.
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(#[wasm_bindgen(unchecked_param_type = "string")] text: JsValue) -> JsResult<Policy> {
        let text = convert::string_arg(&text, "text")?;
        Ok(Self { inner: core(CorePolicy::from_json(&text))? })
    }

    /// Reads and validates a policy from TOML text; errors carry the line and column.
    #[wasm_bindgen(js_name = fromToml)]
    pub fn from_toml(#[wasm_bindgen(unchecked_param_type = "string")] text: JsValue) -> JsResult<Policy> {
        let text = convert::string_arg(&text, "text")?;
        Ok(Self { inner: core(CorePolicy::from_toml(&text))? })
    }

    /// Reads and validates a policy from a plain object with the document's snake_case keys.
    #[wasm_bindgen(js_name = fromObject)]
    pub fn from_object(
        #[wasm_bindgen(unchecked_param_type = "PolicyConfig")] document: JsValue,
    ) -> JsResult<Policy> {
        Ok(Self { inner: policy_from(&document)? })
    }

    /// A built-in preset: `openai_sdk`, `conservative` or `batch_first`.
    pub fn preset(#[wasm_bindgen(unchecked_param_type = "PresetName")] name: JsValue) -> JsResult<Policy> {
        let name = convert::string_arg(&name, "name")?;
        Ok(Self { inner: core(CorePolicy::preset(&name))? })
    }

    /// The JSON Schema (draft 2020-12) of the policy document.
    #[wasm_bindgen(unchecked_return_type = "Record<string, unknown>")]
    pub fn schema() -> JsResult<JsValue> {
        out(&CorePolicy::json_schema())
    }

    /// The full document, defaults filled in, as a plain object.
    #[wasm_bindgen(js_name = toObject, unchecked_return_type = "PolicyConfig")]
    pub fn to_object(&self) -> JsResult<JsValue> {
        out(&self.inner)
    }

    /// The full document as JSON text.
    #[wasm_bindgen(js_name = toJson)]
    pub fn to_json(&self) -> JsResult<String> {
        serde_json::to_string(&self.inner).map_err(|e| convert::argument("policy", e.to_string()))
    }
}

/// A policy from a `Policy`, a plain document, or `undefined`/`null` for the defaults.
fn policy_from(v: &JsValue) -> JsResult<CorePolicy> {
    if convert::absent(v) {
        return Ok(CorePolicy::default());
    }
    if let Some(text) = convert::policy_json(v)? {
        return core(CorePolicy::from_json(&text));
    }
    if !v.is_object() || js_sys::Array::is_array(v) {
        return Err(convert::wrong_type("policy", "policy must be a Policy or a plain object"));
    }
    core(CorePolicy::from_value(&convert::to_json(v, "")?))
}

/// One logical request of a [`Client`]: owned by the host, passed back in.
#[wasm_bindgen]
pub struct Request {
    inner: CoreRequest,
}

#[wasm_bindgen]
impl Request {
    /// The idempotency key, the same for every attempt.
    #[wasm_bindgen(js_name = idempotencyKey)]
    pub fn idempotency_key(&self) -> String {
        self.inner.idempotency_key().to_owned()
    }

    /// Attempts sent so far.
    pub fn attempts(&self) -> u32 {
        self.inner.attempts()
    }

    /// Whether a final decision (done or give up) was made.
    pub fn finished(&self) -> bool {
        self.inner.finished()
    }
}

/// Every transport policy of one upstream composed: breakers per key, retry budget, rate
/// limits, error budget, deadlines and idempotency keys. See `core/src/transport/client.rs`.
#[wasm_bindgen]
pub struct Client {
    inner: CoreClient,
}

#[wasm_bindgen]
impl Client {
    /// A client following `policy` (a `Policy`, a plain document, or the defaults), seeded.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "Policy | PolicyConfig | null")] policy: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "number | bigint | null")] seed: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<Client> {
        let policy = policy_from(&policy)?;
        let seed = convert::seed(&seed)?;
        Ok(Self { inner: core(CoreClient::new(policy, seed, now(&now_ms)?))? })
    }

    /// Starts a logical request.
    pub fn begin(
        &mut self,
        #[wasm_bindgen(unchecked_optional_param_type = "BeginOptions | null")] options: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<Request> {
        let opts = Bag::new(&options, "options")?;
        opts.only(&["key", "estTokens", "outerOwnsRetries", "content", "deadlineMs"])?;
        let key = convert::opt_string(&opts.get("key"), "key")?;
        let est_tokens = convert::opt_u64(&opts.get("estTokens"), "estTokens")?.unwrap_or(0);
        let outer = opts.get("outerOwnsRetries");
        let outer_owns_retries =
            if convert::absent(&outer) { false } else { convert::bool_arg(&outer, "outerOwnsRetries")? };
        let content = opts.get("content");
        let content =
            if convert::absent(&content) { None } else { Some(convert::bytes_arg(&content, "content")?) };
        let deadline_ms = convert::opt_u64(&opts.get("deadlineMs"), "deadlineMs")?;
        let options = RequestOptions {
            key: key.as_deref(),
            est_tokens,
            outer_owns_retries,
            content: content.as_deref(),
            deadline_ms,
        };
        Ok(Request { inner: core(self.inner.begin(now(&now_ms)?, &options))? })
    }

    /// Whether the next attempt of `request` may be sent now: send, wait or give up.
    #[wasm_bindgen(js_name = beforeAttempt, unchecked_return_type = "AttemptDecision")]
    pub fn before_attempt(
        &mut self,
        request: &mut Request,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<JsValue> {
        out(&core(self.inner.before_attempt(now(&now_ms)?, &mut request.inner))?)
    }

    /// Feeds back the attempt's outcome: retry after a delay, done, or give up.
    #[wasm_bindgen(js_name = onOutcome, unchecked_return_type = "RetryDecision")]
    pub fn on_outcome(
        &mut self,
        request: &mut Request,
        #[wasm_bindgen(unchecked_param_type = "AttemptOutcome")] result: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<JsValue> {
        let r = Bag::new(&result, "result")?;
        r.only(&["outcome", "headers", "errorType", "errorCode", "latencyMs", "wallUnixMs", "actualTokens"])?;
        let outcome = core(Outcome::parse(&convert::string_arg(&r.get("outcome"), "outcome")?))?;
        let headers = convert::headers(&r.get("headers"), "headers")?;
        let error_type = convert::opt_string(&r.get("errorType"), "errorType")?;
        let error_code = convert::opt_string(&r.get("errorCode"), "errorCode")?;
        let result = AttemptResult {
            outcome,
            headers: &headers,
            error: ProviderError::new(error_type.as_deref(), error_code.as_deref()),
            latency_ms: convert::opt_u64(&r.get("latencyMs"), "latencyMs")?.unwrap_or(0),
            wall_unix_ms: convert::opt_u64(&r.get("wallUnixMs"), "wallUnixMs")?,
            actual_tokens: convert::opt_u64(&r.get("actualTokens"), "actualTokens")?,
        };
        out(&core(self.inner.on_outcome(now(&now_ms)?, &mut request.inner, &result))?)
    }

    /// Ends `request` without a result (the host cancelled it).
    pub fn cancel(
        &mut self,
        request: &mut Request,
        #[wasm_bindgen(js_name = nowMs, unchecked_optional_param_type = "number | null")] now_ms: JsValue,
    ) -> JsResult<()> {
        self.inner.cancel(now(&now_ms)?, &mut request.inner);
        Ok(())
    }

    /// The oldest breaker transition not yet polled, with its key, or `null`.
    #[wasm_bindgen(js_name = pollEvent, unchecked_return_type = "BreakerEvent | null")]
    pub fn poll_event(&mut self) -> JsResult<JsValue> {
        out(&self.inner.poll_event())
    }

    /// The breaker state for `key`.
    #[wasm_bindgen(js_name = breakerState, unchecked_return_type = "BreakerState")]
    pub fn breaker_state(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
    ) -> JsResult<JsValue> {
        Ok(convert::code(self.inner.breaker_state(&convert::string_arg(&key, "key")?).as_str()))
    }
}
