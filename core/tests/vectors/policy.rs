//! Runner for `component: "policy"`: reading policy documents.
//! Ops: `from_json` / `from_toml` (`args.text`), `preset` (`args.name`) → `{ "ok": true, "policy": ... }`
//! or the error with its code, path and line (every runner's errors carry the line).

use breakwater::{Error, Policy};
use serde_json::{json, Value};

use crate::{Runner, Step, Vector};

pub fn runner(_v: &Vector) -> Result<Box<dyn Runner>, Error> {
    Ok(Box::new(PolicyRunner))
}

struct PolicyRunner;

impl Runner for PolicyRunner {
    fn step(&mut self, step: &Step) -> Result<Value, Error> {
        let arg = |name: &str| step.args.get(name).and_then(Value::as_str).unwrap_or_default();
        let parsed = match step.op.as_str() {
            "from_json" => Policy::from_json(arg("text")),
            "from_toml" => Policy::from_toml(arg("text")),
            "preset" => Policy::preset(arg("name")),
            other => return Err(Error::argument("op", format!("unknown op `{other}`"))),
        };
        Ok(json!({ "ok": true, "policy": parsed? }))
    }
}
