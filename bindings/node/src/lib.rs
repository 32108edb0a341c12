//! Node.js bindings of breakwater (npm package `breakwater`), built with napi-rs.
//!
//! The surface is docs/bindings.md in camelCase: stateless functions here, one class per
//! core object in the other modules. The binding converts types and maps errors; every
//! decision is the core's. Results are the core's serde form as plain objects (see
//! [`js::Json`]); errors are JS `Error`s with `code`, `path`, `line` and `column`
//! ([`js::throw`]); `nowMs` defaults to `Math.floor(performance.now())` ([`js::now`]).

mod breaker;
mod client;
mod components;
mod fast;
mod js;
mod policy;

use breakwater::transport::classify::{self, Outcome, Profile, ProviderError};
use breakwater::transport::headers;
use breakwater::{Error, ErrorCode};
use napi::Env;
use napi_derive::napi;

use crate::js::{ok, Arg, Conv, Json};

fn classify_impl(outcome: Arg, headers: Arg, o: Arg) -> Conv<Json> {
    let outcome = Outcome::parse(&outcome.str("outcome")?)?;
    let headers = headers.headers("headers")?;
    o.only("options", &["profile", "errorType", "errorCode", "wallUnixMs"])?;
    let mut profile = Profile::default();
    {
        if let Some(name) = o.prop(c"profile", "profile")?.opt_str("profile")? {
            profile = Profile::from_code(&name).ok_or_else(|| {
                Error::new(ErrorCode::UnknownVariant, "profile", format!("unknown profile `{name}`"))
            })?;
        }
    }
    let error_type = o.prop(c"errorType", "errorType")?.opt_str("errorType")?;
    let error_code = o.prop(c"errorCode", "errorCode")?.opt_str("errorCode")?;
    let wall = o.prop(c"wallUnixMs", "wallUnixMs")?.opt_u64("wallUnixMs")?;
    let error = ProviderError::new(error_type.as_deref(), error_code.as_deref());
    Ok(js::json(&classify::classify(profile, outcome, &headers, error, wall)))
}

/// Classifies one attempt's outcome (`http_429`, `stream_cut`, `timeout_headers`, ...).
#[napi(
    ts_args_type = "outcome: Outcome, headers?: HeadersInit | null, options?: ClassifyOptions | null",
    ts_return_type = "Classification"
)]
pub fn classify(env: Env, outcome: Arg, headers: Arg, options: Arg) -> napi::Result<Json> {
    ok(&env, classify_impl(outcome, headers, options))
}

fn wall(wall_unix_ms: Option<Arg>) -> Conv<Option<u64>> {
    Ok(wall_unix_ms.map(|w| w.opt_u64("wallUnixMs")).transpose()?.flatten())
}

/// The server's requested delay (`retry-after-ms`, `retry-after`), with unusable values listed.
#[napi(
    ts_args_type = "headers: HeadersInit, wallUnixMs?: number | null",
    ts_return_type = "RetryAfterResult"
)]
pub fn retry_after(env: Env, headers: Arg, wall_unix_ms: Option<Arg>) -> napi::Result<Json> {
    ok(
        &env,
        (|| {
            let headers = headers.headers("headers")?;
            Ok(js::json(&headers::RetryAfterReport::read(&headers, wall(wall_unix_ms)?)))
        })(),
    )
}

/// The rate-limit state the headers report (OpenAI, Azure and Anthropic names).
#[napi(
    ts_args_type = "headers: HeadersInit, wallUnixMs?: number | null",
    ts_return_type = "RateLimitsResult"
)]
pub fn rate_limits(env: Env, headers: Arg, wall_unix_ms: Option<Arg>) -> napi::Result<Json> {
    ok(
        &env,
        (|| {
            let headers = headers.headers("headers")?;
            Ok(js::json(&headers::RateLimitReport::read(&headers, wall(wall_unix_ms)?)))
        })(),
    )
}

/// A Go duration (`1h2m3.5s`, `250ms`) in ms, or `null`.
#[napi(ts_args_type = "s: string")]
pub fn parse_go_duration(env: Env, s: Arg) -> napi::Result<Option<f64>> {
    ok(&env, s.str("s").map(|s| headers::parse_go_duration(&s)))
}

/// An HTTP date (RFC 9110) as unix ms, or `null`.
#[napi(ts_args_type = "s: string")]
#[allow(clippy::cast_precision_loss)]
pub fn parse_http_date(env: Env, s: Arg) -> napi::Result<Option<f64>> {
    ok(&env, s.str("s").map(|s| headers::parse_http_date(&s).map(|ms| ms as f64)))
}

/// An RFC 3339 timestamp as unix ms, or `null`.
#[napi(ts_args_type = "s: string")]
#[allow(clippy::cast_precision_loss)]
pub fn parse_rfc3339(env: Env, s: Arg) -> napi::Result<Option<f64>> {
    ok(&env, s.str("s").map(|s| headers::parse_rfc3339(&s).map(|ms| ms as f64)))
}

/// The catalogue of stable error codes.
#[napi(ts_return_type = "ErrorCode[]")]
pub fn error_codes() -> Vec<&'static str> {
    ErrorCode::ALL.iter().map(|c| c.as_str()).collect()
}
