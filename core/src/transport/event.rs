//! Decision events: every decision a [`Client`](super::client::Client) makes, for logs and traces.
//!
//! Each call that decides something queues one event per decision: `send`, `wait`, `retry`,
//! `done` and `give_up` with the reason the call returned, `breaker` for a circuit-breaker
//! transition and `limiter_sync` when a response's rate-limit headers corrected the limiter.
//! The host drains them with `poll_event`; the queue keeps the newest [`MAX_EVENTS`] and counts
//! what it dropped, so a host that never polls costs a bounded amount.
//!
//! Every event names its breaker key and its logical request (the idempotency key, the same on
//! every attempt), so a host sharing one client between concurrent requests can tell them apart.
//! How the fields map onto OpenTelemetry (`http.request.resend_count`, `error.type`) is in
//! docs/bindings.md, "Decision events".

use schemars::JsonSchema;
use std::collections::VecDeque;

use serde::Serialize;

use super::breaker::Transition;
use super::classify::{Class, ClassReason, Outcome};
use super::client::AttemptReason;
use super::headers::Quota;
use super::retry::RetryReason;

/// Events kept unpolled; past this the oldest are dropped (and counted).
pub const MAX_EVENTS: usize = 256;

/// One decision, when it was made, and for which request.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "ClientEvent")]
pub struct Event {
    /// `now_ms` of the call that made the decision.
    pub at_ms: u64,
    /// The breaker key of the request (model, endpoint).
    pub key: String,
    /// The logical request: its idempotency key.
    pub request: String,
    /// What was decided.
    #[serde(flatten)]
    pub what: EventKind,
}

/// What was decided, tagged by `kind`.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// An attempt may go: the host sends it now.
    Send {
        /// The attempt's number, 1 for the first.
        attempt: u32,
        /// Attempts sent before this one (OpenTelemetry `http.request.resend_count`).
        resend_count: u32,
    },
    /// No call now: the request waits (open breaker, full probe slots, local rate limit).
    Wait {
        /// Attempts sent so far.
        attempt: u32,
        /// Why it waits.
        reason: AttemptReason,
        /// When to ask again.
        wait_until_ms: u64,
    },
    /// The attempt failed and another will follow after `delay_ms`.
    Retry {
        /// The attempt that failed.
        attempt: u32,
        /// Its result.
        #[serde(flatten)]
        result: AttemptSummary,
        /// Why a retry.
        reason: RetryReason,
        /// The wait before the next attempt.
        delay_ms: u64,
    },
    /// The request succeeded.
    Done {
        /// The attempt that succeeded.
        attempt: u32,
        /// Its result.
        #[serde(flatten)]
        result: AttemptSummary,
    },
    /// The request stopped without success.
    GiveUp {
        /// Attempts sent.
        attempt: u32,
        /// Why it stopped: an attempt reason (`breaker_open`, `deadline_exhausted`, ...) before a
        /// call, a retry reason (`fatal`, `retries_exhausted`, ...) after one.
        #[schemars(schema_with = "attempt_or_retry_reason")]
        reason: &'static str,
        /// The last attempt's result, when the request stopped after one.
        #[serde(flatten)]
        result: Option<AttemptSummary>,
    },
    /// The host cancelled the request.
    Cancel {
        /// Attempts sent.
        attempt: u32,
    },
    /// The request's breaker changed state.
    Breaker {
        /// What changed, and why.
        transition: Transition,
    },
    /// A response's rate-limit headers corrected the client-side limiter.
    LimiterSync {
        /// The requests quota the server reported.
        #[serde(skip_serializing_if = "Option::is_none")]
        requests: Option<Quota>,
        /// The tokens quota the server reported.
        #[serde(skip_serializing_if = "Option::is_none")]
        tokens: Option<Quota>,
    },
}

/// An attempt's result as events report it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, JsonSchema)]
pub struct AttemptSummary {
    /// What the host observed (`http_429`, `timeout_headers`, `stream_cut`, ...).
    #[serde(serialize_with = "serialize_display")]
    #[schemars(with = "String")]
    pub outcome: Outcome,
    /// Its class.
    pub class: Class,
    /// The classifier's reason for that class.
    pub cause: ClassReason,
    /// OpenTelemetry `error.type` for a failed attempt: the status code for an HTTP answer
    /// (`"429"`), the outcome otherwise (`"timeout_headers"`); absent on success.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "serialize_error_type")]
    #[schemars(with = "Option<String>")]
    pub error_type: Option<Outcome>,
}

impl AttemptSummary {
    /// The summary of an attempt whose result was `outcome`, classified as `class` for `cause`.
    #[must_use]
    pub fn new(outcome: Outcome, class: Class, cause: ClassReason) -> Self {
        Self { outcome, class, cause, error_type: (class != Class::Success).then_some(outcome) }
    }
}

fn serialize_display<S: serde::Serializer>(outcome: &Outcome, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(outcome)
}

#[allow(clippy::ref_option)] // serde's `serialize_with` passes the field by reference
fn serialize_error_type<S: serde::Serializer>(outcome: &Option<Outcome>, s: S) -> Result<S::Ok, S::Error> {
    match outcome {
        Some(Outcome::Http(status)) => s.collect_str(status),
        Some(other) => s.collect_str(other),
        None => s.serialize_none(),
    }
}

/// The bounded queue of events not yet polled.
#[derive(Clone, Debug, Default)]
pub struct Events {
    queue: VecDeque<Event>,
    dropped: u64,
    off: bool,
}

impl Events {
    /// Stops (or resumes) recording; a host that never polls, such as the simulator, saves the work.
    pub fn record(&mut self, on: bool) {
        self.off = !on;
        if self.off {
            self.queue.clear();
        }
    }

    /// Queues `what` for `key`/`request`, dropping the oldest event when the queue is full.
    pub fn push(&mut self, at_ms: u64, key: &str, request: &str, what: EventKind) {
        if self.off {
            return;
        }
        if self.queue.len() == MAX_EVENTS {
            self.queue.pop_front();
            self.dropped += 1;
        }
        self.queue.push_back(Event { at_ms, key: key.to_owned(), request: request.to_owned(), what });
    }

    /// The oldest event not yet polled.
    pub fn poll(&mut self) -> Option<Event> {
        self.queue.pop_front()
    }

    /// Events dropped because more than [`MAX_EVENTS`] waited unpolled.
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

/// The schema of a give-up's reason: the code of an attempt reason or of a retry reason.
fn attempt_or_retry_reason(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let attempt = generator.subschema_for::<AttemptReason>();
    let retry = generator.subschema_for::<RetryReason>();
    schemars::json_schema!({ "anyOf": [attempt, retry] })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::classify::ProviderError;
    use crate::transport::client::{AttemptResult, Client, RequestOptions};
    use crate::Policy;

    #[test]
    fn a_full_queue_drops_the_oldest_and_counts_them() {
        let mut events = Events::default();
        for at in 0..(MAX_EVENTS as u64 + 44) {
            events.push(at, "k", "r", EventKind::Cancel { attempt: 0 });
        }
        assert_eq!(events.dropped(), 44);
        assert_eq!(events.poll().map(|e| e.at_ms), Some(44));
        assert_eq!(std::iter::from_fn(|| events.poll()).count(), MAX_EVENTS - 1);
    }

    #[test]
    fn every_event_names_its_request_by_idempotency_key() {
        let mut client = Client::new(Policy::preset("conservative").unwrap(), 1, 0).unwrap();
        let mut a = client.begin(0, &RequestOptions { key: Some("m"), ..Default::default() }).unwrap();
        let mut b = client.begin(0, &RequestOptions { key: Some("m"), ..Default::default() }).unwrap();
        let result = |status| AttemptResult::<&str, &str> {
            outcome: Outcome::Http(status),
            headers: &[],
            error: ProviderError::default(),
            latency_ms: 5,
            wall_unix_ms: None,
            actual_tokens: None,
            last_attempt: false,
        };
        for (req, status) in [(&mut a, 500), (&mut b, 200)] {
            client.before_attempt(0, req).unwrap();
            client.on_outcome(5, req, &result(status)).unwrap();
        }
        let events: Vec<Event> = std::iter::from_fn(|| client.poll_event()).collect();
        let of = |req: &crate::transport::client::Request| {
            events
                .iter()
                .filter(|e| e.request == req.idempotency_key())
                .map(|e| e.what.clone())
                .collect::<Vec<_>>()
        };
        assert!(matches!(of(&a)[..], [EventKind::Send { .. }, EventKind::Retry { .. }]));
        assert!(matches!(of(&b)[..], [EventKind::Send { .. }, EventKind::Done { .. }]));
        let json = serde_json::to_value(&events[1]).unwrap();
        assert_eq!((json["kind"].as_str(), json["error_type"].as_str()), (Some("retry"), Some("500")));
        assert_eq!(serde_json::to_value(&events[3]).unwrap().get("error_type"), None);
    }
}
