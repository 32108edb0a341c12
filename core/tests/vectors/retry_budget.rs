//! Runner for `component: "budget"`: `config` is a [`RetryBudgetConfig`]; ops are
//! [`RetryBudget`]'s methods. `request_started`, `request_finished`,
//! `retry_finished` and `record` (`args.class`: a `Class` code) return null;
//! `try_acquire_retry` returns the decision, `snapshot` the state.

use breakwater::transport::classify::Class;
use breakwater::transport::retry_budget::{RetryBudget, RetryBudgetConfig};
use breakwater::Error;
use serde_json::Value;

use crate::{Runner, Step, Vector};

pub fn runner(v: &Vector) -> Result<Box<dyn Runner>, Error> {
    let config: RetryBudgetConfig = breakwater::document::from_value(&v.config)?;
    Ok(Box::new(BudgetRunner(RetryBudget::new(config)?)))
}

struct BudgetRunner(RetryBudget);

fn to_json<T: serde::Serialize>(x: &T) -> Result<Value, Error> {
    serde_json::to_value(x).map_err(|e| Error::argument("output", e.to_string()))
}

impl Runner for BudgetRunner {
    fn step(&mut self, step: &Step) -> Result<Value, Error> {
        let b = &mut self.0;
        match step.op.as_str() {
            "request_started" => b.request_started(),
            "request_finished" => b.request_finished(),
            "retry_finished" => b.retry_finished(),
            "record" => {
                let code = step.args.get("class").and_then(Value::as_str).unwrap_or_default();
                let class = Class::from_code(code)
                    .ok_or_else(|| Error::argument("class", format!("unknown class `{code}`")))?;
                b.record(class);
            }
            "try_acquire_retry" => return to_json(&b.try_acquire_retry()),
            "snapshot" => return to_json(&b.snapshot()),
            other => return Err(Error::argument("op", format!("unknown op `{other}`"))),
        }
        Ok(Value::Null)
    }
}
