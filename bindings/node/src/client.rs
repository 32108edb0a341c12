//! `Client` (the composed policy of one upstream) and `Request` (one logical call's state,
//! owned by the host and passed back in). See `core/src/transport/client.rs` for the contract.

use breakwater::transport::classify::{Outcome, ProviderError};
use breakwater::transport::client::{AttemptResult, Client, Request, RequestOptions};
use napi::bindgen_prelude::Either;
use napi::Env;
use napi_derive::napi;
use serde_json::json;

use crate::js::{json, now, ok, seed_or_os, Arg, Json};
use crate::policy::{policy_arg, JsPolicy};

/// One logical request: its idempotency key, deadline, attempts and retry state.
#[napi(js_name = "Request")]
pub struct JsRequest {
    inner: Request,
}

#[napi]
impl JsRequest {
    /// The idempotency key every attempt of this request sends.
    #[napi]
    pub fn idempotency_key(&self) -> String {
        self.inner.idempotency_key().to_owned()
    }

    /// Attempts started so far.
    #[napi]
    pub fn attempts(&self) -> u32 {
        self.inner.attempts()
    }

    /// Whether the request has ended (done, given up or cancelled).
    #[napi]
    pub fn finished(&self) -> bool {
        self.inner.finished()
    }
}

/// The composed transport policy of one upstream: breakers per key, the retry budget, the
/// rate limiter, idempotency keys and the error budget.
#[napi(js_name = "Client")]
pub struct JsClient {
    inner: Client,
}

#[napi]
impl JsClient {
    /// A client from a `Policy`, a plain policy object, or the defaults.
    #[napi(
        constructor,
        ts_args_type = "policy?: Policy | PolicyConfig | null, seed?: number | bigint | null, nowMs?: number | null"
    )]
    pub fn new(
        env: Env,
        policy: Either<&JsPolicy, Arg>,
        seed: Option<Arg>,
        now_ms: Option<Arg>,
    ) -> napi::Result<Self> {
        ok(&env, (|| Client::new(policy_arg(policy)?, seed_or_os(seed)?, now(&env, now_ms)?))())
            .map(|inner| Self { inner })
    }

    /// Starts a logical request (its deadline starts now).
    #[napi(ts_args_type = "options?: BeginOptions | null, nowMs?: number | null")]
    pub fn begin(&mut self, env: Env, options: Arg, now_ms: Option<Arg>) -> napi::Result<JsRequest> {
        ok(
            &env,
            (|| {
                let o = options;
                o.only("options", &["key", "estTokens", "outerOwnsRetries", "content", "deadlineMs"])?;
                let key = o.prop(c"key", "key")?.opt_str("key")?;
                let est_tokens = o.prop(c"estTokens", "estTokens")?.opt_u64("estTokens")?.unwrap_or(0);
                let outer_owns_retries = o
                    .prop(c"outerOwnsRetries", "outerOwnsRetries")?
                    .opt_bool("outerOwnsRetries")?
                    .unwrap_or(false);
                let content = o.prop(c"content", "content")?.bytes("content")?;
                let deadline_ms = o.prop(c"deadlineMs", "deadlineMs")?.opt_u64("deadlineMs")?;
                let options = RequestOptions {
                    key: key.as_deref(),
                    est_tokens,
                    outer_owns_retries,
                    content: content.as_deref(),
                    deadline_ms,
                };
                self.inner.begin(now(&env, now_ms)?, &options)
            })(),
        )
        .map(|inner| JsRequest { inner })
    }

    /// What to do before the next attempt: send (with timeouts and headers), wait, or give up.
    #[napi(ts_args_type = "request: Request, nowMs?: number | null", ts_return_type = "AttemptDecision")]
    pub fn before_attempt(
        &mut self,
        env: Env,
        request: &mut JsRequest,
        now_ms: Option<Arg>,
    ) -> napi::Result<Json> {
        let now = ok(&env, now(&env, now_ms))?;
        ok(&env, self.inner.before_attempt(now, &mut request.inner)).map(|d| json(&d))
    }

    /// Records the attempt's outcome and decides what follows (done, retry after a delay, give up).
    #[napi(
        ts_args_type = "request: Request, result: AttemptOutcome, nowMs?: number | null",
        ts_return_type = "RetryDecision"
    )]
    pub fn on_outcome(
        &mut self,
        env: Env,
        request: &mut JsRequest,
        result: Arg,
        now_ms: Option<Arg>,
    ) -> napi::Result<Json> {
        ok(
            &env,
            (|| {
                let r = result;
                r.only(
                    "result",
                    &[
                        "outcome",
                        "headers",
                        "errorType",
                        "errorCode",
                        "latencyMs",
                        "wallUnixMs",
                        "actualTokens",
                    ],
                )?;
                let outcome = Outcome::parse(&r.prop(c"outcome", "outcome")?.str("outcome")?)?;
                let headers = r.prop(c"headers", "headers")?.headers("headers")?;
                let error_type = r.prop(c"errorType", "errorType")?.opt_str("errorType")?;
                let error_code = r.prop(c"errorCode", "errorCode")?.opt_str("errorCode")?;
                let result = AttemptResult {
                    outcome,
                    headers: &headers,
                    error: ProviderError::new(error_type.as_deref(), error_code.as_deref()),
                    latency_ms: r.prop(c"latencyMs", "latencyMs")?.opt_u64("latencyMs")?.unwrap_or(0),
                    wall_unix_ms: r.prop(c"wallUnixMs", "wallUnixMs")?.opt_u64("wallUnixMs")?,
                    actual_tokens: r.prop(c"actualTokens", "actualTokens")?.opt_u64("actualTokens")?,
                };
                let now = now(&env, now_ms)?;
                self.inner.on_outcome(now, &mut request.inner, &result).map(|d| json(&d))
            })(),
        )
    }

    /// Ends the request without a result (the host cancelled it).
    #[napi(ts_args_type = "request: Request, nowMs?: number | null")]
    pub fn cancel(&mut self, env: Env, request: &mut JsRequest, now_ms: Option<Arg>) -> napi::Result<()> {
        let now = ok(&env, now(&env, now_ms))?;
        self.inner.cancel(now, &mut request.inner);
        Ok(())
    }

    /// The oldest breaker transition not yet polled (`{key, transition}`), or `null`.
    #[napi(ts_return_type = "BreakerEvent | null")]
    pub fn poll_event(&mut self) -> Json {
        self.inner.poll_event().map_or(Json::Value(json!(null)), |e| json(&e))
    }

    /// The breaker state for `key`.
    #[napi(ts_args_type = "key: string", ts_return_type = "BreakerState")]
    pub fn breaker_state(&self, env: Env, key: Arg) -> napi::Result<&'static str> {
        Ok(self.inner.breaker_state(&ok(&env, key.str("key"))?).as_str())
    }
}
