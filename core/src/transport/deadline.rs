//! Deadline budget: one total deadline per logical request, per-attempt limits by phase.
//!
//! The official SDKs apply their timeout per attempt, so `timeout=30` with two
//! retries can take 91 s (openai-python#3828). Here the total deadline covers
//! every attempt and every wait: each phase limit is clipped to what remains,
//! and a retry is refused when its wait plus a minimum useful attempt no longer
//! fits. The remaining time is also what a client should propagate downstream.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Time limits of a logical request and of each attempt's phases. `None` = no limit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DeadlineConfig {
    /// The whole logical request, all attempts and waits included. Default none.
    #[serde(
        deserialize_with = "crate::document::de::opt_duration_ms",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_ms: Option<u64>,
    /// Establishing the connection. Default none (openai-python: `connect=5.0`, set in the `openai_sdk` preset).
    #[serde(
        deserialize_with = "crate::document::de::opt_duration_ms",
        skip_serializing_if = "Option::is_none"
    )]
    pub connect_ms: Option<u64>,
    /// Until the response headers (time to first byte). Default none.
    #[serde(
        deserialize_with = "crate::document::de::opt_duration_ms",
        skip_serializing_if = "Option::is_none"
    )]
    pub headers_ms: Option<u64>,
    /// Until the first token of a streamed answer. Default none: the first token then waits
    /// no longer than any other gap of the stream (`idle_ms`), else the attempt's limit.
    #[serde(
        deserialize_with = "crate::document::de::opt_duration_ms",
        skip_serializing_if = "Option::is_none"
    )]
    pub first_token_ms: Option<u64>,
    /// The longest gap between two stream chunks. Default none.
    #[serde(
        deserialize_with = "crate::document::de::opt_duration_ms",
        skip_serializing_if = "Option::is_none"
    )]
    pub idle_ms: Option<u64>,
    /// One whole attempt. Default none (openai-python: 600 s, set in the `openai_sdk` preset).
    #[serde(
        deserialize_with = "crate::document::de::opt_duration_ms",
        skip_serializing_if = "Option::is_none"
    )]
    pub attempt_ms: Option<u64>,
    /// The least time an attempt needs to be worth starting; a retry that would leave less is refused. Default 0.
    #[serde(deserialize_with = "crate::document::de::duration_ms")]
    pub min_attempt_ms: u64,
}

impl DeadlineConfig {
    /// Checks the rules that span fields.
    ///
    /// # Errors
    /// `out_of_range` when the total deadline is 0 or the minimum useful attempt exceeds it (a
    /// phase limit above the total is clipped to what remains of it, not refused).
    pub fn validate(&self) -> crate::Result<()> {
        let Some(total) = self.total_ms else { return Ok(()) };
        if total == 0 {
            return Err(crate::Error::new(
                crate::ErrorCode::OutOfRange,
                "total_ms",
                "total_ms is 0: no attempt could start (leave it out for no total deadline)",
            ));
        }
        if self.min_attempt_ms > total {
            return Err(crate::Error::new(
                crate::ErrorCode::OutOfRange,
                "min_attempt_ms",
                format!(
                    "min_attempt_ms ({}) exceeds total_ms ({total}): no attempt could start",
                    self.min_attempt_ms
                ),
            ));
        }
        Ok(())
    }
}

/// The effective limits of one attempt: each phase's own limit (or, when it has none, the
/// attempt's), clipped to the attempt limit and to what remains of the total deadline.
/// `None` only when nothing limits that phase.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct AttemptTimeouts {
    /// Connect limit in ms, if any.
    pub connect_ms: Option<u64>,
    /// Response-headers limit in ms, if any.
    pub headers_ms: Option<u64>,
    /// First-token limit in ms, if any (without one of its own, the idle gap's).
    pub first_token_ms: Option<u64>,
    /// Stream idle-gap limit in ms, if any.
    pub idle_ms: Option<u64>,
    /// Whole-attempt limit in ms, if any (never beyond the total deadline).
    pub attempt_ms: Option<u64>,
    /// What remains of the total deadline, if there is one.
    pub remaining_ms: Option<u64>,
}

/// What to tell the next hop about the time left.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Propagation {
    /// Milliseconds left for the whole request downstream (the attempt limit, else the total).
    pub timeout_ms: u64,
    /// The same in whole seconds, truncated: the `X-Stainless-Timeout` header style of openai-node.
    pub stainless_timeout_s: u64,
}

/// The deadline of one logical request, fixed when it starts; changes never (time is an input).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Deadline {
    config: DeadlineConfig,
    started_ms: u64,
    expires_ms: Option<u64>,
}

impl Deadline {
    /// A deadline for a request starting at `now_ms`.
    #[must_use]
    pub fn new(config: DeadlineConfig, now_ms: u64) -> Self {
        let expires_ms = config.total_ms.map(|t| now_ms.saturating_add(t));
        Self { config, started_ms: now_ms, expires_ms }
    }

    /// A deadline for a request starting at `now_ms` whose caller has only `deadline_ms` left
    /// (a propagated deadline): the total is the smaller of the two.
    #[must_use]
    pub fn within(config: DeadlineConfig, now_ms: u64, deadline_ms: Option<u64>) -> Self {
        let total = match (config.total_ms, deadline_ms) {
            (Some(t), Some(b)) => Some(t.min(b)),
            (t, b) => t.or(b),
        };
        Self::new(DeadlineConfig { total_ms: total, ..config }, now_ms)
    }

    /// When the request started.
    #[must_use]
    pub fn started_ms(&self) -> u64 {
        self.started_ms
    }

    /// When the total deadline passes, if there is one.
    #[must_use]
    pub fn expires_ms(&self) -> Option<u64> {
        self.expires_ms
    }

    /// Milliseconds left at `now_ms` (0 once passed); `None` without a total deadline.
    #[must_use]
    pub fn remaining_ms(&self, now_ms: u64) -> Option<u64> {
        self.expires_ms.map(|e| e.saturating_sub(now_ms))
    }

    /// Whether the total deadline has passed at `now_ms`.
    #[must_use]
    pub fn expired(&self, now_ms: u64) -> bool {
        self.remaining_ms(now_ms) == Some(0)
    }

    /// Every phase limit of an attempt starting at `now_ms`, clipped to what remains.
    #[must_use]
    pub fn attempt_timeouts(&self, now_ms: u64) -> AttemptTimeouts {
        let remaining = self.remaining_ms(now_ms);
        let attempt = clip(self.config.attempt_ms, remaining);
        let phase = |limit: Option<u64>| clip(limit, attempt);
        AttemptTimeouts {
            connect_ms: phase(self.config.connect_ms),
            headers_ms: phase(self.config.headers_ms),
            first_token_ms: phase(self.config.first_token_ms.or(self.config.idle_ms)),
            idle_ms: phase(self.config.idle_ms),
            attempt_ms: attempt,
            remaining_ms: remaining,
        }
    }

    /// Whether an attempt started after waiting `delay_ms` would still have `min_attempt_ms` to run.
    #[must_use]
    pub fn fits(&self, now_ms: u64, delay_ms: u64) -> bool {
        match self.expires_ms {
            None => true,
            Some(expires) => {
                let start = now_ms.saturating_add(delay_ms);
                // At least 1 ms must remain: an attempt with no time is not an attempt.
                start.saturating_add(self.config.min_attempt_ms.max(1)) <= expires
            }
        }
    }

    /// The time budget to send downstream with an attempt starting at `now_ms`; `None` when unlimited.
    #[must_use]
    pub fn propagation(&self, now_ms: u64) -> Option<Propagation> {
        self.attempt_timeouts(now_ms)
            .attempt_ms
            .map(|timeout_ms| Propagation { timeout_ms, stainless_timeout_s: timeout_ms / 1000 })
    }
}

fn clip(limit: Option<u64>, cap: Option<u64>) -> Option<u64> {
    match (limit, cap) {
        (Some(l), Some(c)) => Some(l.min(c)),
        (l, c) => l.or(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn thirty_seconds_total() -> DeadlineConfig {
        DeadlineConfig {
            total_ms: Some(30_000),
            connect_ms: Some(5_000),
            headers_ms: Some(20_000),
            attempt_ms: Some(30_000),
            min_attempt_ms: 1_000,
            ..DeadlineConfig::default()
        }
    }

    #[test]
    fn phases_are_clipped_to_what_remains_of_thirty_seconds() {
        let d = Deadline::new(thirty_seconds_total(), 1_000);
        let t = d.attempt_timeouts(1_000);
        assert_eq!((t.connect_ms, t.headers_ms, t.attempt_ms), (Some(5_000), Some(20_000), Some(30_000)));
        // 27 s later, 3 s remain: every phase is cut to 3 s.
        let t = d.attempt_timeouts(28_000);
        assert_eq!((t.connect_ms, t.headers_ms, t.attempt_ms), (Some(3_000), Some(3_000), Some(3_000)));
        assert_eq!(d.propagation(28_000), Some(Propagation { timeout_ms: 3_000, stainless_timeout_s: 3 }));
    }

    #[test]
    fn a_retry_must_leave_the_minimum_useful_attempt() {
        let d = Deadline::new(thirty_seconds_total(), 0);
        assert!(d.fits(25_000, 4_000));
        assert!(!d.fits(25_000, 4_001));
        assert!(!d.fits(31_000, 0));
        assert!(d.expired(30_000));
    }

    #[test]
    fn no_total_means_no_clipping_and_always_fits() {
        let d = Deadline::new(DeadlineConfig { attempt_ms: Some(600_000), ..DeadlineConfig::default() }, 0);
        assert_eq!(d.attempt_timeouts(u64::MAX).attempt_ms, Some(600_000));
        assert!(d.fits(u64::MAX, u64::MAX));
        assert_eq!(d.remaining_ms(5), None);
    }

    proptest! {
        #[test]
        fn a_fitting_attempt_never_runs_past_the_deadline(
            total in 0u64..10_000_000, start in 0u64..u64::MAX / 2, elapsed in 0u64..20_000_000,
            delay in 0u64..20_000_000, attempt in proptest::option::of(0u64..20_000_000),
        ) {
            let d = Deadline::new(DeadlineConfig { total_ms: Some(total), attempt_ms: attempt, ..DeadlineConfig::default() }, start);
            let now = start + elapsed;
            if d.fits(now, delay) {
                let t = d.attempt_timeouts(now + delay);
                let limit = t.attempt_ms.unwrap();
                prop_assert!(now + delay + limit <= start + total);
                prop_assert!(limit >= 1);
            }
        }
    }
}
