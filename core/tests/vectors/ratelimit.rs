//! Runner for `component: "ratelimit"`: `config` is a [`RateLimitConfig`] (null means the
//! default); the limiter is built at time 0. Ops are [`RateLimiter`]'s methods, each at
//! `at_ms`: `reserve` (`args.est_tokens`) returns the reservation; `reconcile`
//! (`args.estimated`, `args.actual`), `sync` (`args.requests` / `args.tokens`: `{limit,
//! remaining, reset_ms}`, each optional) and `drain` (`args.until_ms`) return null;
//! `snapshot` returns the state.

use breakwater::transport::headers::{Quota, RateLimitHeaders};
use breakwater::transport::ratelimit::{RateLimitConfig, RateLimiter};
use breakwater::Error;
use serde_json::Value;

use crate::{Runner, Step, Vector};

pub fn runner(v: &Vector) -> Result<Box<dyn Runner>, Error> {
    let config: RateLimitConfig = if v.config.is_null() {
        RateLimitConfig::default()
    } else {
        breakwater::document::from_value(&v.config)?
    };
    Ok(Box::new(LimiterRunner(RateLimiter::new(config, 0))))
}

struct LimiterRunner(RateLimiter);

fn to_json<T: serde::Serialize>(x: &T) -> Result<Value, Error> {
    serde_json::to_value(x).map_err(|e| Error::argument("output", e.to_string()))
}

fn u64_arg(args: &Value, name: &str) -> Result<u64, Error> {
    args.get(name).and_then(Value::as_u64).ok_or_else(|| Error::argument(name, "expected a whole number"))
}

fn quota(args: &Value, name: &str) -> Option<Quota> {
    let q = args.get(name)?;
    let field = |f: &str| q.get(f).and_then(Value::as_u64);
    Some(Quota { limit: field("limit"), remaining: field("remaining"), reset_ms: field("reset_ms") })
}

impl Runner for LimiterRunner {
    fn step(&mut self, step: &Step) -> Result<Value, Error> {
        let (l, now, args) = (&mut self.0, step.at_ms, &step.args);
        match step.op.as_str() {
            "reserve" => return to_json(&l.reserve(now, u64_arg(args, "est_tokens")?)),
            "reconcile" => l.reconcile(now, u64_arg(args, "estimated")?, u64_arg(args, "actual")?),
            "sync" => {
                let headers = RateLimitHeaders {
                    requests: quota(args, "requests"),
                    tokens: quota(args, "tokens"),
                    input_tokens: quota(args, "input_tokens"),
                    output_tokens: quota(args, "output_tokens"),
                };
                l.sync(now, &headers);
            }
            "drain" => l.drain(now, u64_arg(args, "until_ms")?),
            "snapshot" => return to_json(&l.snapshot(now)),
            other => return Err(Error::argument("op", format!("unknown op `{other}`"))),
        }
        Ok(Value::Null)
    }
}
