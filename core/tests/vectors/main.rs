#![allow(missing_docs)] // a test harness, not an API

//! Plays every shared vector in `tests/vectors/` through the public Rust API.
//!
//! Each component has a runner module: a small table from op name to method
//! call that returns the op's output as JSON. This file loads the vectors,
//! checks that each step's output contains what `expect` says, and reports
//! every failing step (not only the first). The format is documented in
//! `tests/vectors/README.md`; the Python, Node and WASM suites play the same
//! files through their own public APIs.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

mod backoff;
mod breaker;
mod budget;
mod classify;
mod client;
mod deadline;
mod headers;
mod idempotency;
mod policy;
mod ratelimit;
mod retry;
mod slo;

/// One vector file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vector {
    pub name: String,
    pub component: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub config: Value,
    #[serde(default)]
    pub seed: Option<u64>,
    pub steps: Vec<Step>,
}

/// One timed input and what its output must contain.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    #[serde(default)]
    pub at_ms: u64,
    pub op: String,
    #[serde(default)]
    pub args: Value,
    /// What the output must contain; absent = the step is not checked.
    #[serde(default)]
    pub expect: Option<Value>,
}

/// A component's runner: builds its object from `config` and `seed`, then plays ops.
pub trait Runner {
    /// Plays one step; an `Err` is a core error, reported as `{"error": {...}}`.
    fn step(&mut self, step: &Step) -> Result<Value, breakwater::Error>;
}

fn runner_for(v: &Vector) -> Result<Box<dyn Runner>, breakwater::Error> {
    match v.component.as_str() {
        "breaker" => breaker::runner(v),
        "breaker_registry" => breaker::registry_runner(v),
        "backoff" => backoff::runner(v),
        "classify" => classify::runner(v),
        "client" => client::runner(v),
        "deadline" => deadline::runner(v),
        "headers" => headers::runner(v),
        "budget" => budget::runner(v),
        "idempotency" => idempotency::runner(v),
        "policy" => policy::runner(v),
        "ratelimit" => ratelimit::runner(v),
        "retry" => retry::runner(v),
        "slo" => slo::runner(v),
        other => Err(breakwater::Error::argument("component", format!("no runner for component `{other}`"))),
    }
}

fn vectors_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> =
        std::fs::read_dir(dir).expect("read vectors dir").map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// `Ok` when every key of `expected` is in `actual` with an equal value (recursively for objects;
/// arrays must match element by element).
pub fn contains(actual: &Value, expected: &Value, at: &str) -> Result<(), String> {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            for (k, ev) in e {
                let here = format!("{at}.{k}");
                match a.get(k) {
                    Some(av) => contains(av, ev, &here)?,
                    None if ev.is_null() => {}
                    None => return Err(format!("{here}: missing, expected {ev}")),
                }
            }
            Ok(())
        }
        (Value::Array(a), Value::Array(e)) => {
            if a.len() != e.len() {
                return Err(format!(
                    "{at}: {} items, expected {} ({actual} vs {expected})",
                    a.len(),
                    e.len()
                ));
            }
            for (i, (av, ev)) in a.iter().zip(e).enumerate() {
                contains(av, ev, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        (Value::Number(a), Value::Number(e)) if a.as_f64() == e.as_f64() => Ok(()),
        _ if actual == expected => Ok(()),
        _ => Err(format!("{at}: got {actual}, expected {expected}")),
    }
}

fn error_json(e: &breakwater::Error) -> Value {
    serde_json::json!({ "error": { "code": e.code.as_str(), "path": e.path } })
}

fn play(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let v: Vector = serde_json::from_str(&text).map_err(|e| format!("not a vector: {e}"))?;
    if v.steps.is_empty() {
        return Err("a vector needs at least one step".into());
    }
    let mut runner = match runner_for(&v) {
        Ok(r) => r,
        Err(e) => {
            // A vector may expect its config to be refused: the first step says so.
            let first = &v.steps[0];
            if first.op == "construct" {
                return contains(&error_json(&e), first.expect.as_ref().unwrap_or(&Value::Null), "construct");
            }
            return Err(format!("construct failed: {e}"));
        }
    };
    for (i, step) in v.steps.iter().enumerate() {
        if step.op == "construct" {
            if let Some(expect) = &step.expect {
                contains(&serde_json::json!({ "ok": true }), expect, &format!("steps[{i}]"))?;
            }
            continue;
        }
        let out = runner.step(step).unwrap_or_else(|e| error_json(&e));
        if let Some(expect) = &step.expect {
            contains(&out, expect, &format!("steps[{i}] ({} at {} ms)", step.op, step.at_ms))?;
        }
    }
    Ok(())
}

#[test]
fn every_vector_passes() {
    let root = vectors_root();
    if !root.exists() {
        eprintln!("skipping: {} is absent", root.display());
        return;
    }
    let mut files = Vec::new();
    collect(&root, &mut files);
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| play(f).err().map(|e| format!("{}: {e}", f.strip_prefix(&root).unwrap().display())))
        .collect();
    eprintln!("played {} vectors, {} failed", files.len(), failures.len());
    assert!(failures.is_empty(), "failing vectors:\n{}", failures.join("\n"));
}
