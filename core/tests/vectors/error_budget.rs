//! Runner for `component: "slo"`: `config` is an [`ErrorBudgetConfig`] (null means the default).
//! Ops are [`ErrorBudget`]'s methods, each at `at_ms`: `record` (`args.good`) and
//! `record_counts` (`args.good`, `args.bad`) return null; `burn_rate` (`args.window_ms`)
//! returns a number or null, `budget_remaining` a number, `alerts` the firing pairs,
//! `retries_allowed` the decision.

use breakwater::transport::error_budget::{ErrorBudget, ErrorBudgetConfig};
use breakwater::Error;
use serde_json::Value;

use crate::{Runner, Step, Vector};

pub fn runner(v: &Vector) -> Result<Box<dyn Runner>, Error> {
    let config: ErrorBudgetConfig = if v.config.is_null() {
        ErrorBudgetConfig::default()
    } else {
        breakwater::document::from_value(&v.config)?
    };
    Ok(Box::new(SloRunner(ErrorBudget::new(config)?)))
}

struct SloRunner(ErrorBudget);

fn to_json<T: serde::Serialize>(x: &T) -> Result<Value, Error> {
    serde_json::to_value(x).map_err(|e| Error::argument("output", e.to_string()))
}

fn u64_arg(args: &Value, name: &str) -> Result<u64, Error> {
    args.get(name).and_then(Value::as_u64).ok_or_else(|| Error::argument(name, "expected a whole number"))
}

impl Runner for SloRunner {
    fn step(&mut self, step: &Step) -> Result<Value, Error> {
        let (b, now, args) = (&mut self.0, step.at_ms, &step.args);
        match step.op.as_str() {
            "record" => {
                let good = args.get("good").and_then(Value::as_bool);
                b.record(now, good.ok_or_else(|| Error::argument("good", "expected a boolean"))?);
            }
            "record_counts" => b.record_counts(now, u64_arg(args, "good")?, u64_arg(args, "bad")?),
            "burn_rate" => return to_json(&b.burn_rate(now, u64_arg(args, "window_ms")?)),
            "budget_remaining" => return to_json(&b.budget_remaining(now)),
            "alerts" => return to_json(&b.alerts(now)),
            "retries_allowed" => return to_json(&b.retries_allowed(now)),
            other => return Err(Error::argument("op", format!("unknown op `{other}`"))),
        }
        Ok(Value::Null)
    }
}
