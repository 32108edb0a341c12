//! The `Client`'s per-attempt decisions as numbers, for a binding's fast path.
//!
//! A request through the `Client` makes three calls; in the SDK integrations they run between
//! the SDK's own work, with cold caches, where building each decision as JSON text and parsing
//! it again costs more than the decision (`bench/README.md`, "The SDK integrations"). A fast
//! path writes a decision into a row of numbers instead: codes as their index in the code
//! tables ([`tables`]), absent values as NaN. The wrapper rebuilds the same object as the
//! generic call returns (the serde form), key for key; [`ATTEMPT_FIELDS`] and
//! [`RETRY_FIELDS`] name the keys a row carries, and a test fails when a decision gains a key
//! that the rows do not carry.

use crate::transport::classify::{Class, ClassReason};
use crate::transport::client::{AttemptAction, AttemptDecision, AttemptReason};
use crate::transport::retry::{Action, RetryDecision, RetryReason};

/// The keys of an [`AttemptDecision`], in serde order; `headers` crosses beside the row.
pub const ATTEMPT_FIELDS: [&str; 6] = ["action", "reason", "wait_until_ms", "attempt", "timeouts", "headers"];

/// The row of an [`AttemptDecision`]: `[action, reason, wait_until_ms, attempt, connect_ms,
/// headers_ms, first_token_ms, idle_ms, attempt_ms, remaining_ms]`.
pub const ATTEMPT_LEN: usize = 10;

/// The keys of a [`RetryDecision`], in serde order.
pub const RETRY_FIELDS: [&str; 6] = ["action", "reason", "delay_ms", "retries_taken", "class", "cause"];

/// The row of a [`RetryDecision`]: `[action, reason, delay_ms, retries_taken, class, cause]`.
pub const RETRY_LEN: usize = 6;

/// `n` as a number, and whether it is exact (a time past 2^53 - 1 comes only from a host
/// that gave one, and a JS number cannot hold it).
#[allow(clippy::cast_precision_loss)]
fn number(n: Option<u64>, exact: &mut bool) -> f64 {
    *exact &= n.is_none_or(|n| n <= crate::MAX_EXACT_INT);
    n.map_or(f64::NAN, |n| n as f64)
}

#[allow(clippy::cast_precision_loss)]
fn index(i: usize) -> f64 {
    i as f64
}

/// Writes `d` into its row; `false` when a number in it is past 2^53 - 1 (the binding then
/// refuses the result, as the generic call does, instead of rounding it).
#[must_use]
pub fn write_attempt(d: &AttemptDecision, row: &mut [f64; ATTEMPT_LEN]) -> bool {
    let t = &d.timeouts;
    let mut exact = true;
    *row = [
        index(d.action.index()),
        index(d.reason.index()),
        number(d.wait_until_ms, &mut exact),
        f64::from(d.attempt),
        number(t.connect_ms, &mut exact),
        number(t.headers_ms, &mut exact),
        number(t.first_token_ms, &mut exact),
        number(t.idle_ms, &mut exact),
        number(t.attempt_ms, &mut exact),
        number(t.remaining_ms, &mut exact),
    ];
    exact
}

/// Writes `d` into its row; `false` as for [`write_attempt`].
#[must_use]
pub fn write_retry(d: &RetryDecision, row: &mut [f64; RETRY_LEN]) -> bool {
    let mut exact = true;
    *row = [
        index(d.action.index()),
        index(d.reason.index()),
        number(d.delay_ms, &mut exact),
        f64::from(d.retries_taken),
        index(d.class.index()),
        index(d.cause.index()),
    ];
    exact
}

/// The code tables the rows' indexes refer to, by the key they fill.
#[must_use]
pub fn tables() -> serde_json::Value {
    fn names<T: crate::StableCode>() -> Vec<&'static str> {
        T::ALL.iter().map(|c| c.as_str()).collect()
    }
    serde_json::json!({
        "attemptAction": names::<AttemptAction>(),
        "attemptReason": names::<AttemptReason>(),
        "retryAction": names::<Action>(),
        "retryReason": names::<RetryReason>(),
        "class": names::<Class>(),
        "cause": names::<ClassReason>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::classify::{Outcome, ProviderError};
    use crate::transport::client::{AttemptResult, Client, RequestOptions};
    use crate::Policy;

    fn keys(v: &serde_json::Value) -> Vec<String> {
        v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
    }

    /// Every key the generic call returns is one a row carries, in the same order: a key
    /// added to a decision fails here until the fast paths carry it.
    #[test]
    fn a_time_past_2_53_is_not_written_as_if_exact() {
        let mut c = Client::new(Policy::default(), 7, 0).unwrap();
        let huge = crate::MAX_EXACT_INT + 2;
        let options = RequestOptions { deadline_ms: Some(huge), ..RequestOptions::default() };
        let mut req = c.begin(0, &options).unwrap();
        let d = c.before_attempt(0, &mut req).unwrap();
        assert!(!write_attempt(&d, &mut [0.0; ATTEMPT_LEN]), "{d:?}");
    }

    #[test]
    fn the_rows_carry_every_key_of_the_decisions() {
        let mut c = Client::new(Policy::default(), 7, 0).unwrap();
        let mut req = c.begin(0, &RequestOptions { key: Some("m"), ..RequestOptions::default() }).unwrap();
        let d = c.before_attempt(0, &mut req).unwrap();
        let attempt = serde_json::to_value(&d).unwrap();
        let expected: Vec<_> =
            ATTEMPT_FIELDS.iter().filter(|k| **k != "wait_until_ms").map(|k| (*k).to_owned()).collect();
        assert_eq!(keys(&attempt), expected);
        let mut row = [0.0; ATTEMPT_LEN];
        assert!(write_attempt(&d, &mut row));
        assert!(row[2].is_nan(), "no wait: NaN");
        assert_eq!(row[3], 1.0);

        let headers: [(&str, &str); 1] = [("retry-after", "2")];
        let result = AttemptResult {
            outcome: Outcome::parse("http_503").unwrap(),
            headers: &headers,
            error: ProviderError::new(None, None),
            latency_ms: 5,
            wall_unix_ms: None,
            actual_tokens: None,
            last_attempt: false,
        };
        let r = c.on_outcome(10, &mut req, &result).unwrap();
        let retry = serde_json::to_value(r).unwrap();
        assert_eq!(keys(&retry), RETRY_FIELDS.iter().map(|k| (*k).to_owned()).collect::<Vec<_>>());
        let mut row = [0.0; RETRY_LEN];
        assert!(write_retry(&r, &mut row));
        let tables = tables();
        for (slot, (table, field)) in [
            (0, ("retryAction", "action")),
            (1, ("retryReason", "reason")),
            (4, ("class", "class")),
            (5, ("cause", "cause")),
        ] {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let name = &tables[table][row[slot] as usize];
            assert_eq!(name, &retry[field], "{field}");
        }
        assert_eq!(row[2], retry["delay_ms"].as_f64().unwrap());
    }
}
