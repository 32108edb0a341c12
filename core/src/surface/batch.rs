//! The batch operations of the binding surface: a planner, a router and a replay, each fed
//! one line at a time (any line iterator or stream), each finished once.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::batch::{
    Bucket, LedgerEntry, Manifest, Placement, PlanConfig, Planner, PriceTable, Replay, ReplayOutcome,
    RouteConfig, RouteIssue, RouteReport, Routed, Router, Source,
};
use crate::{Error, ErrorCode, Result};

/// A planner until `finish`.
pub struct BatchPlanSession(Option<Planner>);

/// A router until `finish`.
pub struct BatchRouteSession(Option<Router>);

/// A replay until `finish`.
pub struct BatchReplaySession(Option<Replay>);

/// One routed result line: the request's bucket, or the issue with the line.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum RouteStep {
    /// Where the request landed.
    Routed(Routed),
    /// A blank line, skipped: `{"skipped": "blank"}`.
    Skipped {
        /// Why: `blank`.
        #[schemars(schema_with = "blank")]
        skipped: &'static str,
    },
    /// Why the line was not routed (it is also in the report's `issues`).
    Issue {
        /// The issue.
        issue: RouteIssue,
    },
}

/// The end of a route: the report and the requests no line named.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RouteFinish {
    /// Counts per bucket, reasons, usage, cost, issues.
    pub report: RouteReport,
    /// The `missing` bucket, in manifest order.
    pub missing: Vec<Routed>,
    /// The requests no line named that have had their `max_attempts`: quarantined, with
    /// their history.
    pub quarantined: Vec<Routed>,
}

fn live<'a, T>(slot: &'a mut Option<T>, what: &str) -> Result<&'a mut T> {
    slot.as_mut().ok_or_else(|| finished(what))
}

fn finished(what: &str) -> Error {
    Error::argument("", format!("the {what} has finished; make a new one"))
}

/// A JSON list parameter (`null` = empty) read into `T`s, paths under `name`.
fn list<T: serde::de::DeserializeOwned>(value: &Value, name: &str) -> Result<Vec<T>> {
    if value.is_null() {
        return Ok(Vec::new());
    }
    crate::document::from_value(value).map_err(|e| e.within(name))
}

/// A planner with the embedded price table unless `prices` is given.
pub fn batch_planner_new(config: Option<PlanConfig>, prices: Option<PriceTable>) -> Result<BatchPlanSession> {
    Planner::new(config.unwrap_or_default(), prices).map(|p| BatchPlanSession(Some(p)))
}

/// Places the next request line.
pub fn batch_plan_push(
    s: &mut BatchPlanSession,
    line: Vec<u8>,
    prompt_tokens: Option<u64>,
) -> Result<Placement> {
    live(&mut s.0, "planner")?.push(&line, prompt_tokens)
}

/// Counts a line too long to read (longer than `max_line_bytes`) as rejected.
pub fn batch_plan_push_oversized(s: &mut BatchPlanSession, len: u64) -> Result<Placement> {
    live(&mut s.0, "planner")?.push_oversized(len)
}

/// The longest line a batch file can hold.
pub fn batch_plan_max_line_bytes(s: &mut BatchPlanSession) -> Result<u64> {
    Ok(live(&mut s.0, "planner")?.max_line_bytes())
}

/// The manifest.
pub fn batch_plan_finish(s: &mut BatchPlanSession) -> Result<Manifest> {
    Ok(s.0.take().ok_or_else(|| finished("planner"))?.finish())
}

/// A router for a manifest's requests; `ledger` is the round's ledger (`[]` or `null` in round 1).
pub fn batch_router_new(
    manifest: Manifest,
    ledger: Value,
    max_attempts: Option<u32>,
) -> Result<BatchRouteSession> {
    let ledger: Vec<LedgerEntry> = list(&ledger, "ledger")?;
    Router::new(&manifest, ledger, RouteConfig { max_attempts }).map(|r| BatchRouteSession(Some(r)))
}

fn route(s: &mut BatchRouteSession, source: Source, line: &[u8]) -> Result<RouteStep> {
    let router = live(&mut s.0, "router")?;
    Ok(match router.push(source, line) {
        Ok(Some(routed)) => RouteStep::Routed(routed),
        Ok(None) => RouteStep::Skipped { skipped: "blank" },
        Err(issue) => RouteStep::Issue { issue },
    })
}

/// Routes a line of the output file (Anthropic: of the results).
pub fn batch_route_output(s: &mut BatchRouteSession, line: Vec<u8>) -> Result<RouteStep> {
    route(s, Source::Output, &line)
}

/// Routes a line of the error file.
pub fn batch_route_errors(s: &mut BatchRouteSession, line: Vec<u8>) -> Result<RouteStep> {
    route(s, Source::Errors, &line)
}

/// The report and the missing requests.
pub fn batch_route_finish(s: &mut BatchRouteSession) -> Result<RouteFinish> {
    let (unanswered, report) = s.0.take().ok_or_else(|| finished("router"))?.finish();
    let (quarantined, missing) = unanswered.into_iter().partition(|r| r.bucket == Bucket::Quarantined);
    Ok(RouteFinish { report, missing, quarantined })
}

/// A replay of a routed round: `route` is its report, `retry` its retry bucket, `ledger`
/// its ledger (`[]` or `null` in round 1).
pub fn batch_replay_new(
    manifest: Manifest,
    route: RouteReport,
    retry: Value,
    ledger: Value,
) -> Result<BatchReplaySession> {
    if route.round != manifest.round {
        return Err(Error::new(
            ErrorCode::InvalidValue,
            "route.round",
            format!("the route is of round {}, the manifest of round {}", route.round, manifest.round),
        ));
    }
    let retry: Vec<Routed> = list(&retry, "retry")?;
    let ledger: Vec<LedgerEntry> = list(&ledger, "ledger")?;
    Replay::new(&manifest, retry, ledger, route.actual_cost_usd).map(|r| BatchReplaySession(Some(r)))
}

/// Places a line of the previous round's files in the next round, or `null` when it is not retried.
pub fn batch_replay_push(
    s: &mut BatchReplaySession,
    line: Vec<u8>,
    prompt_tokens: Option<u64>,
) -> Result<Option<Placement>> {
    live(&mut s.0, "replay")?.push(&line, prompt_tokens)
}

/// The next round's manifest and ledger.
pub fn batch_replay_finish(s: &mut BatchReplaySession) -> Result<ReplayOutcome> {
    Ok(s.0.take().ok_or_else(|| finished("replay"))?.finish())
}

/// The schema of a skipped line's reason: `blank`, the one there is.
fn blank(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "const": "blank" })
}
