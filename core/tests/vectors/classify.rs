//! Runner for `component: "classify"` (in progress).
use serde_json::Value;

use crate::{Runner, Step, Vector};

pub fn runner(_v: &Vector) -> Result<Box<dyn Runner>, breakwater::Error> {
    Ok(Box::new(Classify))
}

struct Classify;

impl Runner for Classify {
    fn step(&mut self, step: &Step) -> Result<Value, breakwater::Error> {
        Err(breakwater::Error::argument("op", format!("unknown op `{}`", step.op)))
    }
}
