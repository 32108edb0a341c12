//! Runners for `component: "breaker"` and `component: "breaker_registry"`.
//!
//! Ops are the public methods: `try_acquire`, `record`, `release`,
//! `transition_to_forced_open`, `transition_to_disabled`,
//! `transition_to_metrics_only`, `reset`, `state`, `metrics` (the registry:
//! `try_acquire`, `record`, `release`, `state`, `stats`, each with a `key`).
//!
//! `record` takes `{ "class", "latency_ms", "server_delay_ms"? , "permit"? }`.
//! The result is given as a `Class` code (`"retryable"`, `"rate_limited"`, ...)
//! rather than a raw outcome: the breaker's contract is about classes, and
//! which class an `http_503` is belongs to the classify vectors and their
//! profiles, so these vectors stay valid whatever a profile decides.
//!
//! The runner keeps every permit `try_acquire` handed out, in order. `record`
//! and `release` use the oldest one not yet used, unless `"permit": i` names
//! the i-th permit handed out (used or not: that is how stale permits are
//! replayed).

use breakwater::transport::breaker::{BreakerConfig, BreakerRegistry, CircuitBreaker, Permit};
use breakwater::transport::classify::Class;
use breakwater::Error;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{Runner, Step, Vector};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    class: Option<Class>,
    #[serde(default)]
    latency_ms: u64,
    #[serde(default)]
    server_delay_ms: Option<u64>,
    #[serde(default)]
    permit: Option<usize>,
}

fn args(step: &Step) -> Result<Args, Error> {
    let v = if step.args.is_null() { json!({}) } else { step.args.clone() };
    breakwater::document::from_value(&v).map_err(|e| e.within("args"))
}

fn class(a: &Args) -> Result<Class, Error> {
    a.class.ok_or_else(|| Error::argument("args.class", "record needs a class"))
}

fn config(v: &Vector) -> Result<BreakerConfig, Error> {
    if v.config.is_null() {
        return Ok(BreakerConfig::default());
    }
    breakwater::document::from_value(&v.config)
}

fn out<T: serde::Serialize>(x: &T) -> Value {
    serde_json::to_value(x).unwrap_or(Value::Null)
}

/// Every permit handed out, and which of them have been used.
#[derive(Default)]
struct Permits(Vec<(Permit, bool)>);

impl Permits {
    fn push(&mut self, p: Option<Permit>) {
        if let Some(p) = p {
            self.0.push((p, false));
        }
    }

    fn take(&mut self, index: Option<usize>) -> Result<Permit, Error> {
        let slot = match index {
            Some(i) => self.0.get_mut(i),
            None => self.0.iter_mut().find(|(_, used)| !used),
        };
        let (permit, used) = slot.ok_or_else(|| Error::argument("args.permit", "no such permit"))?;
        *used = true;
        Ok(*permit)
    }
}

pub fn runner(v: &Vector) -> Result<Box<dyn Runner>, Error> {
    Ok(Box::new(Breaker { breaker: CircuitBreaker::new(config(v)?)?, permits: Permits::default() }))
}

struct Breaker {
    breaker: CircuitBreaker,
    permits: Permits,
}

impl Runner for Breaker {
    fn step(&mut self, step: &Step) -> Result<Value, Error> {
        let a = args(step)?;
        if a.key.is_some() {
            return Err(Error::argument("args.key", "a single breaker has no keys"));
        }
        let b = &mut self.breaker;
        let now = step.at_ms;
        Ok(match step.op.as_str() {
            "try_acquire" => {
                let acquired = b.try_acquire(now);
                self.permits.push(acquired.permit);
                out(&acquired)
            }
            "record" => {
                let permit = self.permits.take(a.permit)?;
                out(&b.record(now, permit, class(&a)?, a.latency_ms, a.server_delay_ms))
            }
            "release" => {
                let released = b.release(self.permits.take(a.permit)?);
                json!({ "released": released, "state": b.state() })
            }
            "transition_to_forced_open" => {
                let t = b.transition_to_forced_open(now);
                json!({ "transition": out(&t), "state": b.state() })
            }
            "transition_to_disabled" => {
                let t = b.transition_to_disabled(now);
                json!({ "transition": out(&t), "state": b.state() })
            }
            "transition_to_metrics_only" => {
                let t = b.transition_to_metrics_only(now);
                json!({ "transition": out(&t), "state": b.state() })
            }
            "reset" => {
                let t = b.reset(now);
                json!({ "transition": out(&t), "state": b.state() })
            }
            "state" => json!({ "state": b.state() }),
            "metrics" => out(&b.metrics(now)),
            other => return Err(Error::argument("op", format!("unknown op `{other}`"))),
        })
    }
}

/// `component: "breaker_registry"`: the config is a breaker config plus `max_keys`.
pub fn registry_runner(v: &Vector) -> Result<Box<dyn Runner>, Error> {
    let mut cfg = v.config.clone();
    let max_keys = match cfg.as_object_mut().and_then(|m| m.remove("max_keys")) {
        Some(n) => n
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| Error::argument("max_keys", "a whole number"))?,
        None => 1024,
    };
    let config: BreakerConfig = breakwater::document::from_value(&cfg)?;
    Ok(Box::new(Registry { registry: BreakerRegistry::new(config, max_keys)?, permits: Permits::default() }))
}

struct Registry {
    registry: BreakerRegistry,
    permits: Permits,
}

impl Runner for Registry {
    fn step(&mut self, step: &Step) -> Result<Value, Error> {
        let a = args(step)?;
        let r = &mut self.registry;
        let key = || a.key.as_deref().ok_or_else(|| Error::argument("args.key", "the op needs a key"));
        Ok(match step.op.as_str() {
            "try_acquire" => {
                let acquired = r.try_acquire(key()?, step.at_ms);
                self.permits.push(acquired.permit);
                out(&acquired)
            }
            "record" => {
                let permit = self.permits.take(a.permit)?;
                out(&r.record(key()?, step.at_ms, permit, class(&a)?, a.latency_ms, a.server_delay_ms))
            }
            "release" => {
                let released = r.release(key()?, self.permits.take(a.permit)?);
                json!({ "released": released, "state": r.state(key()?) })
            }
            "state" => json!({ "state": r.state(key()?) }),
            "stats" => out(&r.stats()),
            other => return Err(Error::argument("op", format!("unknown op `{other}`"))),
        })
    }
}
