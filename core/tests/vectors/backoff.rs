//! Runner for `component: "backoff"`: `config` is a backoff config, `seed` fixes the draws.
//! Op: `next_delay` with `args.retries_taken` → `{ "delay_ms" }`.

use breakwater::transport::backoff::{Backoff, BackoffConfig};
use breakwater::{Error, Rng};
use serde_json::{json, Value};

use crate::{Runner, Step, Vector};

pub fn runner(v: &Vector) -> Result<Box<dyn Runner>, Error> {
    let config: BackoffConfig = breakwater::document::from_value(&v.config)?;
    config.validate()?;
    Ok(Box::new(BackoffRunner { backoff: Backoff::new(config), rng: Rng::new(v.seed.unwrap_or(0)) }))
}

struct BackoffRunner {
    backoff: Backoff,
    rng: Rng,
}

impl Runner for BackoffRunner {
    fn step(&mut self, step: &Step) -> Result<Value, Error> {
        match step.op.as_str() {
            "next_delay" => {
                let n = step.args.get("retries_taken").and_then(Value::as_u64).unwrap_or(0);
                let n = u32::try_from(n).map_err(|_| Error::argument("retries_taken", "above u32::MAX"))?;
                Ok(json!({ "delay_ms": self.backoff.next_delay_ms(n, &mut self.rng) }))
            }
            other => Err(Error::argument("op", format!("unknown op `{other}`"))),
        }
    }
}
