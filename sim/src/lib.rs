//! Storm simulator: a deterministic discrete-event run of client stacks against a failing upstream.
//!
//! A [`Scenario`] gives the arrivals, the client layers (app → gateway → SDK),
//! the upstream phase by phase (capacity, random errors, latency, outage) and
//! the policies to compare. [`run`] drives the *real* policies (the same
//! [`Client`](breakwater::transport::client::Client) a host uses) in virtual time and
//! reports amplification, success, goodput, latency and recovery per policy.
//! The same scenario and seed give the same report, bit for bit.

mod engine;
mod report;
mod scenario;
pub mod targets;
mod upstream;

pub use report::{KeyStats, PhaseStats, PolicyReport, Report};
pub use scenario::{
    Arrivals, LayerSpec, Phase, PhaseKind, PolicySpec, Scenario, Work, DEFAULT_MAX_CALLS, DEFAULT_SCENARIO,
    LIBRARY,
};

/// Runs every policy of `scenario` and reports them side by side.
///
/// # Errors
/// A layer policy that does not resolve (the scenario was not validated).
pub fn run(scenario: &Scenario) -> breakwater::Result<Report> {
    let policies = scenario
        .policies
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let trace = engine::Engine::new(scenario, i)?.run();
            Ok(trace.into_report(&spec.name, scenario))
        })
        .collect::<breakwater::Result<Vec<_>>>()?;
    Ok(Report {
        scenario: scenario.name.clone(),
        seed: scenario.seed,
        slo_ms: scenario.slo_ms,
        warnings: scenario.warnings(),
        policies,
    })
}
