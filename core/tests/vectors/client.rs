//! Runner for `component: "client"`: the composed transport policy of one upstream.
//!
//! `config` is a policy document; requests are named by `args.request` (default `r`).
//! Ops: `begin`, `before_attempt`, `on_outcome`, `cancel`, `poll_event`, `dropped_events`, `breaker_state`.

use std::collections::HashMap;

use breakwater::transport::classify::{Outcome, ProviderError};
use breakwater::transport::client::{AttemptResult, Client, Request, RequestOptions};
use breakwater::{Error, Policy};
use serde_json::{json, Value};

use crate::{Runner, Step, Vector};

pub fn runner(v: &Vector) -> Result<Box<dyn Runner>, Error> {
    let policy = Policy::from_value(&v.config)?;
    Ok(Box::new(ClientRunner {
        client: Client::new(policy, v.seed.unwrap_or(0), 0)?,
        requests: HashMap::new(),
    }))
}

struct ClientRunner {
    client: Client,
    requests: HashMap<String, Request>,
}

fn str_arg<'a>(args: &'a Value, name: &str) -> Option<&'a str> {
    args.get(name).and_then(Value::as_str)
}

fn u64_arg(args: &Value, name: &str) -> Option<u64> {
    args.get(name).and_then(Value::as_u64)
}

fn request<'a>(requests: &'a mut HashMap<String, Request>, args: &Value) -> Result<&'a mut Request, Error> {
    let name = str_arg(args, "request").unwrap_or("r");
    requests.get_mut(name).ok_or_else(|| Error::argument("request", format!("no request `{name}`")))
}

impl Runner for ClientRunner {
    fn step(&mut self, step: &Step) -> Result<Value, Error> {
        let (now, args) = (step.at_ms, &step.args);
        match step.op.as_str() {
            "begin" => {
                let options = RequestOptions {
                    key: str_arg(args, "key"),
                    est_tokens: u64_arg(args, "est_tokens").unwrap_or(0),
                    outer_owns_retries: args
                        .get("outer_owns_retries")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    content: str_arg(args, "content").map(str::as_bytes),
                    deadline_ms: u64_arg(args, "deadline_ms"),
                };
                let req = self.client.begin(now, &options)?;
                let out = json!({ "idempotency_key": req.idempotency_key() });
                self.requests.insert(str_arg(args, "request").unwrap_or("r").to_owned(), req);
                Ok(out)
            }
            "before_attempt" => {
                let req = request(&mut self.requests, args)?;
                Ok(serde_json::to_value(self.client.before_attempt(now, req)?).unwrap())
            }
            "on_outcome" => {
                let headers: Vec<(String, String)> =
                    serde_json::from_value(args.get("headers").cloned().unwrap_or_else(|| json!([])))
                        .map_err(|e| Error::argument("headers", e.to_string()))?;
                let outcome = Outcome::parse(str_arg(args, "outcome").unwrap_or(""))?;
                let result = AttemptResult {
                    outcome,
                    headers: &headers,
                    error: ProviderError {
                        error_type: str_arg(args, "error_type"),
                        code: str_arg(args, "error_code"),
                    },
                    latency_ms: u64_arg(args, "latency_ms").unwrap_or(0),
                    wall_unix_ms: u64_arg(args, "wall_unix_ms"),
                    actual_tokens: u64_arg(args, "actual_tokens"),
                    last_attempt: args.get("last_attempt").and_then(Value::as_bool).unwrap_or(false),
                };
                let req = request(&mut self.requests, args)?;
                Ok(serde_json::to_value(self.client.on_outcome(now, req, &result)?).unwrap())
            }
            "cancel" => {
                let req = request(&mut self.requests, args)?;
                self.client.cancel(now, req)?;
                Ok(json!({ "finished": req.finished() }))
            }
            "poll_event" => Ok(json!({ "event": self.client.poll_event() })),
            "dropped_events" => Ok(json!({ "dropped": self.client.dropped_events() })),
            "breaker_state" => {
                Ok(json!({ "state": self.client.breaker_state(str_arg(args, "key").unwrap_or("default")) }))
            }
            other => Err(Error::argument("op", format!("unknown op `{other}`"))),
        }
    }
}
