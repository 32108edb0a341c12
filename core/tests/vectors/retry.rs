//! Runner for `component: "retry"`: `config` is a [`RetryConfig`] (the `retry` section) and
//! `seed` the request's jitter seed; ops are [`RetryState`]'s methods and the guards it takes.
//! `decide` (`args.classification`: `classify`'s JSON form, `args.outer_owns_retries`?) returns
//! the decision at `at_ms`, `retries_taken` returns `{retries_taken}`. `deadline`,
//! `retry_budget` and `error_budget` (`args.config`) give the following decisions that guard
//! (the deadline starts at `at_ms`); `retry_budget_record` (`args.class`) and
//! `error_budget_record_counts` (`args.good`, `args.bad`) feed them. Those return null.

use breakwater::transport::classify::{Class, Classification};
use breakwater::transport::deadline::{Deadline, DeadlineConfig};
use breakwater::transport::error_budget::{ErrorBudget, ErrorBudgetConfig};
use breakwater::transport::retry::{Guards, RetryConfig, RetryState};
use breakwater::transport::retry_budget::{RetryBudget, RetryBudgetConfig};
use breakwater::Error;
use serde_json::{json, Value};

use crate::{Runner, Step, Vector};

pub fn runner(v: &Vector) -> Result<Box<dyn Runner>, Error> {
    let config: RetryConfig = if v.config.is_null() {
        RetryConfig::default()
    } else {
        breakwater::document::from_value(&v.config)?
    };
    config.validate()?;
    let state = RetryState::new(&config, v.seed.unwrap_or(0));
    Ok(Box::new(RetryRunner { config, state, deadline: None, retry_budget: None, error_budget: None }))
}

struct RetryRunner {
    config: RetryConfig,
    state: RetryState,
    deadline: Option<Deadline>,
    retry_budget: Option<RetryBudget>,
    error_budget: Option<ErrorBudget>,
}

fn arg<T: serde::de::DeserializeOwned>(args: &Value, name: &str) -> Result<T, Error> {
    breakwater::document::from_value(args.get(name).unwrap_or(&Value::Null)).map_err(|e| e.within(name))
}

impl Runner for RetryRunner {
    fn step(&mut self, step: &Step) -> Result<Value, Error> {
        let (now, args) = (step.at_ms, &step.args);
        match step.op.as_str() {
            "decide" => {
                let c: Classification = arg(args, "classification")?;
                let guards = Guards {
                    deadline: self.deadline.as_ref(),
                    retry_budget: self.retry_budget.as_mut(),
                    error_budget: self.error_budget.as_ref(),
                    outer_owns_retries: args
                        .get("outer_owns_retries")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    last_attempt: false,
                };
                let d = self.state.decide(&self.config, &c, now, guards);
                return serde_json::to_value(d).map_err(|e| Error::argument("output", e.to_string()));
            }
            "retries_taken" => return Ok(json!({ "retries_taken": self.state.retries_taken() })),
            "deadline" => {
                let config: DeadlineConfig = arg(args, "config")?;
                config.validate()?;
                self.deadline = Some(Deadline::new(config, now));
            }
            "retry_budget" => {
                self.retry_budget = Some(RetryBudget::new(arg::<RetryBudgetConfig>(args, "config")?)?)
            }
            "error_budget" => {
                self.error_budget = Some(ErrorBudget::new(arg::<ErrorBudgetConfig>(args, "config")?)?)
            }
            "retry_budget_record" => {
                let class: Class = arg(args, "class")?;
                self.retry_budget
                    .as_mut()
                    .ok_or_else(|| Error::argument("op", "no retry budget yet"))?
                    .record(class);
            }
            "error_budget_record_counts" => {
                let (good, bad) = (arg(args, "good")?, arg(args, "bad")?);
                self.error_budget
                    .as_mut()
                    .ok_or_else(|| Error::argument("op", "no error budget yet"))?
                    .record_counts(now, good, bad);
            }
            other => return Err(Error::argument("op", format!("unknown op `{other}`"))),
        }
        Ok(Value::Null)
    }
}
