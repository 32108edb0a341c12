//! Runner for `component: "headers"`: the stateless header parsers.
//!
//! Ops and outputs:
//! - `retry_after` {`headers`, `wall_unix_ms`?}
//!   → `{"retry_after": {delay_ms, source} | null, "issues": [...]}`
//! - `rate_limits` {`headers`, `wall_unix_ms`?}
//!   → `{"rate_limits": {requests?, tokens?, input_tokens?, output_tokens?}, "issues": [...]}`
//! - `parse_go_duration` {`value`} → `{"ms": number | null}`
//! - `parse_http_date`, `parse_rfc3339` {`value`} → `{"unix_ms": integer | null}`
use breakwater::transport::headers::{
    parse_go_duration, parse_http_date, parse_rfc3339, RateLimitReport, RetryAfterReport,
};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{Runner, Step, Vector};

pub fn runner(v: &Vector) -> Result<Box<dyn Runner>, breakwater::Error> {
    if !(v.config.is_null() || v.config.as_object().is_some_and(serde_json::Map::is_empty)) {
        return Err(breakwater::Error::argument(
            "config",
            "headers takes no config; pass everything in args",
        ));
    }
    Ok(Box::new(Headers))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderArgs {
    headers: Vec<(String, String)>,
    #[serde(default)]
    wall_unix_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ValueArgs {
    value: String,
}

fn args<T: for<'de> Deserialize<'de>>(step: &Step) -> Result<T, breakwater::Error> {
    serde_json::from_value(step.args.clone()).map_err(|e| breakwater::Error::argument("args", e.to_string()))
}

struct Headers;

impl Runner for Headers {
    fn step(&mut self, step: &Step) -> Result<Value, breakwater::Error> {
        Ok(match step.op.as_str() {
            "retry_after" => {
                let a: HeaderArgs = args(step)?;
                serde_json::to_value(RetryAfterReport::read(&a.headers, a.wall_unix_ms)).unwrap()
            }
            "rate_limits" => {
                let a: HeaderArgs = args(step)?;
                serde_json::to_value(RateLimitReport::read(&a.headers, a.wall_unix_ms)).unwrap()
            }
            "parse_go_duration" => json!({ "ms": parse_go_duration(&args::<ValueArgs>(step)?.value) }),
            "parse_http_date" => json!({ "unix_ms": parse_http_date(&args::<ValueArgs>(step)?.value) }),
            "parse_rfc3339" => json!({ "unix_ms": parse_rfc3339(&args::<ValueArgs>(step)?.value) }),
            other => return Err(breakwater::Error::argument("op", format!("unknown op `{other}`"))),
        })
    }
}
