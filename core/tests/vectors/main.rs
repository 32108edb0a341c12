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
mod calls;
mod classify;
mod client;
mod deadline;
mod error_budget;
mod headers;
mod idempotency;
mod policy;
mod ratelimit;
mod retry;
mod retry_budget;

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
        "calls" => calls::runner(v),
        "backoff" => backoff::runner(v),
        "classify" => classify::runner(v),
        "client" => client::runner(v),
        "deadline" => deadline::runner(v),
        "headers" => headers::runner(v),
        "retry_budget" => retry_budget::runner(v),
        "idempotency" => idempotency::runner(v),
        "policy" => policy::runner(v),
        "ratelimit" => ratelimit::runner(v),
        "retry" => retry::runner(v),
        "error_budget" => error_budget::runner(v),
        other => Err(breakwater::Error::argument("component", format!("no runner for component `{other}`"))),
    }
}

fn vectors_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

/// The file that states how many vectors and steps the folder holds (not a vector itself).
const MANIFEST: &str = "manifest.json";

fn collect(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> =
        std::fs::read_dir(dir).expect("read vectors dir").map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "json") && path != root.join(MANIFEST) {
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

/// A failed op as the vectors' `{"error": {code, path, line?, column?}}`.
fn error_json(e: &breakwater::Error) -> Value {
    let mut err = serde_json::json!({ "code": e.code.as_str(), "path": e.path });
    if let Some(line) = e.line {
        err["line"] = line.into();
    }
    if let Some(column) = e.column {
        err["column"] = column.into();
    }
    serde_json::json!({ "error": err })
}

/// Whether `expect` says the op must fail (`{"error": {...}}`).
fn expects_error(expect: Option<&Value>) -> bool {
    expect.is_some_and(|e| e.get("error").is_some())
}

/// Checks one step's result against its `expect`. An error passes only where `expect` names
/// one, and an expected error is not met by a result; a step without `expect` must not fail.
fn check(result: Result<Value, breakwater::Error>, expect: Option<&Value>, at: &str) -> Result<(), String> {
    match (result, expect) {
        (Err(e), Some(expect)) if expects_error(Some(expect)) => contains(&error_json(&e), expect, at),
        (Err(e), _) => Err(format!("{at}: unexpected error {}", error_json(&e))),
        (Ok(out), Some(expect)) if expects_error(Some(expect)) => {
            Err(format!("{at}: expected {expect}, the op returned {out}"))
        }
        (Ok(out), Some(expect)) => contains(&out, expect, at),
        (Ok(_), None) => Ok(()),
    }
}

/// Plays one vector file; returns how many steps it played.
fn play(path: &Path) -> Result<usize, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let v: Vector = serde_json::from_str(&text).map_err(|e| format!("not a vector: {e}"))?;
    if v.steps.is_empty() {
        return Err("a vector needs at least one step".into());
    }
    let mut runner = match runner_for(&v) {
        Ok(r) => r,
        Err(e) => {
            // A vector may expect its config to be refused: the first step says so, and is the
            // only step played.
            let first = &v.steps[0];
            if first.op == "construct" && expects_error(first.expect.as_ref()) {
                if v.steps.len() > 1 {
                    return Err("steps after a refused construct can never be played".into());
                }
                check(Err(e), first.expect.as_ref(), "construct")?;
                return Ok(1);
            }
            return Err(format!("construct failed: {}", error_json(&e)));
        }
    };
    for (i, step) in v.steps.iter().enumerate() {
        let at = format!("steps[{i}] ({} at {} ms)", step.op, step.at_ms);
        let result =
            if step.op == "construct" { Ok(serde_json::json!({ "ok": true })) } else { runner.step(step) };
        check(result, step.expect.as_ref(), &at)?;
    }
    Ok(v.steps.len())
}

/// `tests/vectors/manifest.json`: how many vector files and steps every runtime must play.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    vectors: usize,
    steps: usize,
}

fn manifest(root: &Path) -> Manifest {
    let text = std::fs::read_to_string(root.join(MANIFEST))
        .unwrap_or_else(|e| panic!("{}: {e}", root.join(MANIFEST).display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{MANIFEST}: {e}"))
}

/// Steps in every vector file (each file's `steps` array), for the manifest check.
fn steps_in(files: &[PathBuf]) -> usize {
    files
        .iter()
        .filter_map(|f| {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(f).ok()?).ok()?;
            Some(v.get("steps")?.as_array()?.len())
        })
        .sum()
}

#[test]
fn every_vector_passes() {
    let root = vectors_root();
    assert!(root.is_dir(), "the vector folder {} is missing: nothing was played", root.display());
    let expected = manifest(&root);
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    let in_folder = (files.len(), steps_in(&files));
    assert_eq!(
        in_folder,
        (expected.vectors, expected.steps),
        "the folder holds (vectors, steps) = {in_folder:?}, {MANIFEST} says ({}, {}): \
         a vector is missing, or one was added without updating {MANIFEST}",
        expected.vectors,
        expected.steps
    );
    let mut played = (0, 0);
    let mut failures = Vec::new();
    for f in &files {
        match play(f) {
            Ok(steps) => {
                played.0 += 1;
                played.1 += steps;
            }
            Err(e) => failures.push(format!("{}: {e}", f.strip_prefix(&root).unwrap().display())),
        }
    }
    // Written past the test harness's capture, so the test command can compare the runtimes.
    let line = format!("vector counts: rust {} vectors {} steps\n", played.0, played.1);
    std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes()).unwrap();
    assert!(failures.is_empty(), "failing vectors:\n{}", failures.join("\n"));
    assert_eq!(played, in_folder, "not every step was played");
}
