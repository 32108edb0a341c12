//! Runner for `component: "classify"`: one op, `classify`, stateless.
//!
//! `args`: `outcome` (`http_429`, `stream_cut`, ...), `profile` (default `openai`),
//! `headers` (`[[name, value], ...]`), `error_type`, `error_code`, `wall_unix_ms`.
//! Output: the serialized `Classification`.
use breakwater::transport::classify::{classify, Outcome, Profile, ProviderError};
use serde::Deserialize;
use serde_json::Value;

use crate::{Runner, Step, Vector};

pub fn runner(v: &Vector) -> Result<Box<dyn Runner>, breakwater::Error> {
    if !(v.config.is_null() || v.config.as_object().is_some_and(serde_json::Map::is_empty)) {
        return Err(breakwater::Error::argument(
            "config",
            "classify takes no config; pass everything in args",
        ));
    }
    Ok(Box::new(Classify))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(default)]
    profile: Profile,
    outcome: String,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default)]
    error_type: Option<String>,
    #[serde(default)]
    error_code: Option<String>,
    #[serde(default)]
    wall_unix_ms: Option<u64>,
}

struct Classify;

impl Runner for Classify {
    fn step(&mut self, step: &Step) -> Result<Value, breakwater::Error> {
        if step.op != "classify" {
            return Err(breakwater::Error::argument("op", format!("unknown op `{}`", step.op)));
        }
        let args: Args = serde_json::from_value(step.args.clone())
            .map_err(|e| breakwater::Error::argument("args", e.to_string()))?;
        let outcome = Outcome::parse(&args.outcome)?;
        let error = ProviderError::new(args.error_type.as_deref(), args.error_code.as_deref());
        let c = classify(args.profile, outcome, &args.headers, error, args.wall_unix_ms);
        Ok(serde_json::to_value(c).expect("a classification serializes"))
    }
}
