//! Runner for `component: "deadline"`: `config` is a deadline config; the request starts at 0 ms.
//! Ops: `attempt_timeouts`, `fits` (`args.delay_ms`), `propagation`, `remaining`.

use breakwater::transport::deadline::{Deadline, DeadlineConfig};
use breakwater::Error;
use serde_json::{json, Value};

use crate::{Runner, Step, Vector};

pub fn runner(v: &Vector) -> Result<Box<dyn Runner>, Error> {
    let config: DeadlineConfig = breakwater::document::from_value(&v.config)?;
    config.validate()?;
    Ok(Box::new(DeadlineRunner { deadline: Deadline::new(config, 0) }))
}

struct DeadlineRunner {
    deadline: Deadline,
}

impl Runner for DeadlineRunner {
    fn step(&mut self, step: &Step) -> Result<Value, Error> {
        let now = step.at_ms;
        Ok(match step.op.as_str() {
            "attempt_timeouts" => serde_json::to_value(self.deadline.attempt_timeouts(now)).unwrap(),
            "fits" => {
                let delay = step.args.get("delay_ms").and_then(Value::as_u64).unwrap_or(0);
                json!({ "fits": self.deadline.fits(now, delay) })
            }
            "propagation" => json!({ "propagation": self.deadline.propagation(now) }),
            "remaining" => {
                json!({ "remaining_ms": self.deadline.remaining_ms(now), "expired": self.deadline.expired(now) })
            }
            other => return Err(Error::argument("op", format!("unknown op `{other}`"))),
        })
    }
}
