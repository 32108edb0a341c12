//! The free functions: classification, header parsing, the error catalogue.

use breakwater::transport::classify::{self, Outcome, Profile, ProviderError};
use breakwater::transport::headers;
use breakwater::{Error, ErrorCode};
use wasm_bindgen::prelude::*;

use crate::convert::{self, core, js_error, out, out_json, Bag, JsResult};

/// Classifies one attempt's outcome (`http_<status>`, `connect`, `timeout_<phase>`, ...).
#[wasm_bindgen(unchecked_return_type = "Classification")]
pub fn classify(
    #[wasm_bindgen(unchecked_param_type = "Outcome")] outcome: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "HeadersInit | null")] headers: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ClassifyOptions | null")] options: JsValue,
) -> JsResult<JsValue> {
    let outcome = core(Outcome::parse(&convert::string_arg(&outcome, "outcome")?))?;
    let headers = convert::headers(&headers, "headers")?;
    let opts = Bag::new(&options, "options")?;
    opts.only(&["profile", "errorType", "errorCode", "wallUnixMs"])?;
    let profile = match convert::opt_string(&opts.get("profile"), "profile")? {
        None => Profile::default(),
        Some(name) => Profile::from_code(&name).ok_or_else(|| {
            js_error(&Error::new(ErrorCode::UnknownVariant, "profile", format!("unknown profile `{name}`")))
        })?,
    };
    let error_type = convert::opt_string(&opts.get("errorType"), "errorType")?;
    let error_code = convert::opt_string(&opts.get("errorCode"), "errorCode")?;
    let wall = convert::opt_u64(&opts.get("wallUnixMs"), "wallUnixMs")?;
    let error = ProviderError::new(error_type.as_deref(), error_code.as_deref());
    let c = classify::classify(profile, outcome, &headers, error, wall);
    if c.retry_after.is_some_and(|r| !r.delay_ms.is_finite()) {
        out_json(&c) // `delay_ms: null`, as in the core's JSON
    } else {
        out(&c)
    }
}

/// The delay the server asked for (`retry-after-ms`, `Retry-After`), with the header issues.
#[wasm_bindgen(js_name = retryAfter, unchecked_return_type = "RetryAfterResult")]
pub fn retry_after(
    #[wasm_bindgen(unchecked_param_type = "HeadersInit")] headers: JsValue,
    #[wasm_bindgen(js_name = wallUnixMs, unchecked_optional_param_type = "number | null")]
    wall_unix_ms: JsValue,
) -> JsResult<JsValue> {
    let headers = convert::headers(&headers, "headers")?;
    let wall = convert::opt_u64(&wall_unix_ms, "wallUnixMs")?;
    let result = headers::RetryAfterReport::read(&headers, wall);
    if result.retry_after.is_some_and(|r| !r.delay_ms.is_finite()) {
        out_json(&result)
    } else {
        out(&result)
    }
}

/// The rate-limit state the headers report (`x-ratelimit-*`, `anthropic-ratelimit-*`).
#[wasm_bindgen(js_name = rateLimits, unchecked_return_type = "RateLimitsResult")]
pub fn rate_limits(
    #[wasm_bindgen(unchecked_param_type = "HeadersInit")] headers: JsValue,
    #[wasm_bindgen(js_name = wallUnixMs, unchecked_optional_param_type = "number | null")]
    wall_unix_ms: JsValue,
) -> JsResult<JsValue> {
    let headers = convert::headers(&headers, "headers")?;
    let wall = convert::opt_u64(&wall_unix_ms, "wallUnixMs")?;
    out(&headers::RateLimitReport::read(&headers, wall))
}

/// A Go duration (`1h2m3.5s`, `20ms`) in ms, or `null` when it is not one.
#[wasm_bindgen(js_name = parseGoDuration, unchecked_return_type = "number | null")]
pub fn parse_go_duration(#[wasm_bindgen(unchecked_param_type = "string")] s: JsValue) -> JsResult<JsValue> {
    let s = convert::string_arg(&s, "s")?;
    Ok(headers::parse_go_duration(&s).map_or(JsValue::NULL, JsValue::from_f64))
}

#[allow(clippy::cast_precision_loss)]
fn unix_ms(x: Option<i64>) -> JsValue {
    x.map_or(JsValue::NULL, |ms| JsValue::from_f64(ms as f64))
}

/// An HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`) as unix ms, or `null`.
#[wasm_bindgen(js_name = parseHttpDate, unchecked_return_type = "number | null")]
pub fn parse_http_date(#[wasm_bindgen(unchecked_param_type = "string")] s: JsValue) -> JsResult<JsValue> {
    Ok(unix_ms(headers::parse_http_date(&convert::string_arg(&s, "s")?)))
}

/// An RFC 3339 timestamp as unix ms, or `null`.
#[wasm_bindgen(js_name = parseRfc3339, unchecked_return_type = "number | null")]
pub fn parse_rfc3339(#[wasm_bindgen(unchecked_param_type = "string")] s: JsValue) -> JsResult<JsValue> {
    Ok(unix_ms(headers::parse_rfc3339(&convert::string_arg(&s, "s")?)))
}

/// The catalogue of stable error codes, in declaration order.
#[wasm_bindgen(js_name = errorCodes, unchecked_return_type = "ErrorCode[]")]
pub fn error_codes() -> JsResult<JsValue> {
    let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    out(&codes)
}
