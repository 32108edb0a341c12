//! Runner for `component: "idempotency"`: `config` is an [`IdempotencyConfig`] (null means
//! the default), `seed` (default 0) seeds the random keys. Ops: `new_key` and
//! `header_name` return a string; `derive` (`args.content`, UTF-8 text) returns the key.

use breakwater::transport::idempotency::{IdempotencyConfig, IdempotencyKeys};
use breakwater::Error;
use serde_json::Value;

use crate::{Runner, Step, Vector};

pub fn runner(v: &Vector) -> Result<Box<dyn Runner>, Error> {
    let config: IdempotencyConfig = if v.config.is_null() {
        IdempotencyConfig::default()
    } else {
        breakwater::document::from_value(&v.config)?
    };
    Ok(Box::new(KeysRunner(IdempotencyKeys::new(config, v.seed.unwrap_or(0))?)))
}

struct KeysRunner(IdempotencyKeys);

impl Runner for KeysRunner {
    fn step(&mut self, step: &Step) -> Result<Value, Error> {
        match step.op.as_str() {
            "new_key" => Ok(Value::String(self.0.new_key())),
            "header_name" => Ok(Value::String(self.0.header_name().to_owned())),
            "derive" => {
                let content = step
                    .args
                    .get("content")
                    .and_then(Value::as_str)
                    .ok_or_else(|| Error::argument("content", "expected a string"))?;
                Ok(Value::String(self.0.derive(content.as_bytes())?))
            }
            other => Err(Error::argument("op", format!("unknown op `{other}`"))),
        }
    }
}
