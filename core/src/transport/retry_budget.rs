//! Retry budgets: whether the client as a whole may retry now (anti retry storm).
//!
//! A per-request retry limit ("3 retries") multiplies load by up to 4x exactly
//! when the upstream is struggling. A budget shared by every logical request of
//! one client/upstream caps retries as a whole. Two peers, two shapes:
//!
//! - `token_bucket` (gRPC A6 `retryThrottling`): failures drain tokens, successes
//!   refill a fraction of one; retries pass only while more than half are left.
//! - `ratio` (Envoy `retry_budget`): concurrent retries are capped at a share of
//!   the requests in flight, with a floor so a quiet client can still retry.
//!
//! - `adaptive` (breakwater): the token bucket, drained only by *overload signals*, each
//!   weighed by what it proves. A 429 says this client is over its rate: it takes a token,
//!   as in A6. A 503 or 529, or a timeout, is what an overloaded upstream sends, but also
//!   what a healthy one sends at random: it takes only what a success gives back
//!   (`token_ratio`), so it drains the bucket only while such failures outnumber the
//!   successes, that is while the upstream accepts fewer than half of the attempts (Google
//!   SRE client-side throttling with its recommended K = 2: throttle when
//!   `requests > 2 * accepts`). An isolated failure (a random 500, a 502, a reset
//!   connection) neither drains it nor is refused: while the upstream has capacity to spare,
//!   a retry costs a slot nobody needs and saves the request, and once it has none, the
//!   retries meet 429s or mostly 503s that drain the bucket. An upstream that fails most
//!   calls outright is the breaker's business.
//!
//!   Evidence (`breakwater simulate --all`): on `brownout` (30 % random 500s, capacity
//!   three times the load) the A6 bucket drained within seconds and refused every retry,
//!   so 37 % of requests succeeded against 93 % for the plain SDK. On `brownout_503` (40 %
//!   random 503s, the same spare capacity) a bucket that a 503 drained as fully as a 429
//!   stopped retrying too: 61 % of the brownout's requests succeeded against 94 % for the
//!   SDK; weighed as above, all of them do. On `rate_limit_crunch` and the built-in storm,
//!   where the upstream turns away most attempts, every kind throttles alike. The limit of
//!   the rule: near half of the attempts failing with 503 at random, the client cannot tell
//!   a brownout from an upstream at half its capacity without probing, and throttles.
//!
//! The first attempt of a request never asks the budget; only retries do.
//!
//! Host contract: [`RetryBudget::request_started`] / [`RetryBudget::request_finished`]
//! around each logical request, [`RetryBudget::try_acquire_retry`] before each
//! retry and [`RetryBudget::retry_finished`] when a permitted retry ends,
//! [`RetryBudget::record`] with the class of every attempt.

use core::fmt;

use schemars::JsonSchema;
use serde::de::{Deserializer, Error as _, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::document::de;
use crate::transport::classify::Class;
use crate::{Error, ErrorCode, Result};

/// Thousandths: the fixed-point scale of tokens, ratios and percentages, so every
/// runtime computes the same integers (grpc-core `retry_throttle.cc` keeps milli-tokens too).
const MILLI: u64 = 1000;

/// gRPC A6: `maxTokens` must be in (0, 1000].
const MAX_TOKENS_CEILING: f64 = 1000.0;

/// How the retry budget is computed; the `kind` field selects the variant.
///
/// Default: `{"kind": "token_bucket", "max_tokens": 10, "token_ratio": 0.1}`, the
/// values of gRPC A6's own example. It lets a burst of 4 failures be retried from a
/// full bucket, then tolerates a sustained failure share up to 1 in 11 (~9 %): above
/// that, retries would add load the upstream is already failing to serve. It needs no
/// in-flight bookkeeping, so it works even if the host never calls `request_started`.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RetryBudgetConfig {
    /// gRPC A6 retry throttling: a bucket drained by failures and refilled by successes.
    TokenBucket {
        /// Bucket size and starting level, in (0, 1000], truncated to 3 decimals (default 10).
        #[serde(default = "default_max_tokens")]
        #[schemars(range(min = 0.001, max = 1000))]
        max_tokens: f64,
        /// Tokens a success adds back, > 0, truncated to 3 decimals (default 0.1).
        #[serde(default = "default_token_ratio")]
        #[schemars(range(min = 0.001))]
        token_ratio: f64,
    },
    /// Envoy retry budget: concurrent retries capped at a share of requests in flight.
    Ratio {
        /// Concurrent retries allowed, as a percentage of logical requests in flight, in
        /// [0, 100], truncated to 3 decimals (default 20, Envoy's default).
        #[serde(default = "default_budget_percent")]
        #[schemars(range(min = 0, max = 100))]
        budget_percent: f64,
        /// Concurrent retries always allowed, however few requests are in flight (default 3, Envoy's default).
        #[serde(default = "default_min_retry_concurrency")]
        min_retry_concurrency: u32,
    },
    /// The token bucket, drained only by overload signals (a 429 a token, a 503/529 or a
    /// timeout `token_ratio`): isolated failures, and 503s while the upstream still accepts
    /// most attempts, are retried freely (see the module docs).
    Adaptive {
        /// As for `token_bucket` (default 10).
        #[serde(default = "default_max_tokens")]
        #[schemars(range(min = 0.001, max = 1000))]
        max_tokens: f64,
        /// As for `token_bucket` (default 0.1).
        #[serde(default = "default_token_ratio")]
        #[schemars(range(min = 0.001))]
        token_ratio: f64,
    },
    /// No budget: every retry the per-request policy wants is allowed.
    // A struct variant, not a unit one, so that it serializes as `{"kind": "none"}`.
    None {},
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum BudgetKind {
    TokenBucket,
    Adaptive,
    Ratio,
    None,
}

impl BudgetKind {
    /// The keys a budget of this kind has (all of them while the kind is not read yet).
    const fn keys(kind: Option<Self>) -> &'static [&'static str] {
        match kind {
            None => &["kind", "max_tokens", "token_ratio", "budget_percent", "min_retry_concurrency"],
            Some(Self::TokenBucket | Self::Adaptive) => &["kind", "max_tokens", "token_ratio"],
            Some(Self::Ratio) => &["kind", "budget_percent", "min_retry_concurrency"],
            Some(Self::None) => &["kind"],
        }
    }
}

#[derive(Deserialize)]
#[serde(transparent)]
struct Whole(#[serde(deserialize_with = "de::count")] u32);

/// Read field by field where each is written ([`de::KeySeed`]): a refused value keeps its
/// path and position; the ranges are [`RetryBudgetConfig::validate`]'s.
impl<'de> Deserialize<'de> for RetryBudgetConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RetryBudgetConfig;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    r#"a retry budget: { "kind": "token_bucket", "adaptive", "ratio" or "none", ... }"#,
                )
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RetryBudgetConfig, A::Error> {
                let (mut kind, mut tokens, mut ratio, mut percent, mut least) =
                    (None, None, None, None, None);
                while let Some(key) = map.next_key_seed(de::KeySeed(BudgetKind::keys(kind)))? {
                    match key.as_str() {
                        "kind" => de::once(&mut kind, map.next_value::<BudgetKind>()?, "kind")?,
                        "max_tokens" => de::once(&mut tokens, map.next_value::<f64>()?, "max_tokens")?,
                        "token_ratio" => de::once(&mut ratio, map.next_value::<f64>()?, "token_ratio")?,
                        "budget_percent" => {
                            de::once(&mut percent, map.next_value::<f64>()?, "budget_percent")?
                        }
                        _ => de::once(&mut least, map.next_value::<Whole>()?.0, "min_retry_concurrency")?,
                    }
                }
                let kind = kind.ok_or_else(|| A::Error::missing_field("kind"))?;
                let present = [
                    ("max_tokens", tokens.is_some()),
                    ("token_ratio", ratio.is_some()),
                    ("budget_percent", percent.is_some()),
                    ("min_retry_concurrency", least.is_some()),
                ];
                de::misplaced(&present, BudgetKind::keys(Some(kind)))?;
                let max_tokens = tokens.unwrap_or_else(default_max_tokens);
                let token_ratio = ratio.unwrap_or_else(default_token_ratio);
                Ok(match kind {
                    BudgetKind::TokenBucket => RetryBudgetConfig::TokenBucket { max_tokens, token_ratio },
                    BudgetKind::Adaptive => RetryBudgetConfig::Adaptive { max_tokens, token_ratio },
                    BudgetKind::Ratio => RetryBudgetConfig::Ratio {
                        budget_percent: percent.unwrap_or_else(default_budget_percent),
                        min_retry_concurrency: least.unwrap_or_else(default_min_retry_concurrency),
                    },
                    BudgetKind::None => RetryBudgetConfig::None {},
                })
            }
        }
        d.deserialize_map(V)
    }
}

fn default_max_tokens() -> f64 {
    10.0
}
fn default_token_ratio() -> f64 {
    0.1
}
fn default_budget_percent() -> f64 {
    20.0
}
fn default_min_retry_concurrency() -> u32 {
    3
}

impl Default for RetryBudgetConfig {
    fn default() -> Self {
        Self::TokenBucket { max_tokens: default_max_tokens(), token_ratio: default_token_ratio() }
    }
}

/// `x` in thousandths, truncated as gRPC A6 prescribes. Rounding to millionths first
/// removes binary noise (0.57 is stored as 0.5699999...), so "0.57" means 570.
fn to_milli(x: f64) -> u64 {
    let micro = (x * 1_000_000.0).round();
    // The caller has checked 0 <= x <= 1000, so the cast cannot truncate or wrap.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let micro = micro.clamp(0.0, 1e12) as u64;
    micro / MILLI
}

impl RetryBudgetConfig {
    /// Checks ranges; paths are relative to this struct (`token_ratio`).
    ///
    /// The checks live here rather than in `deserialize_with` because serde_path_to_error
    /// cannot see inside an internally tagged enum: a check there would lose its path.
    ///
    /// # Errors
    /// `not_finite` or `out_of_range` with the field's path.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Self::TokenBucket { max_tokens, token_ratio } | Self::Adaptive { max_tokens, token_ratio } => {
                finite(max_tokens, "max_tokens")?;
                finite(token_ratio, "token_ratio")?;
                if !(max_tokens > 0.0 && max_tokens <= MAX_TOKENS_CEILING) || to_milli(max_tokens) == 0 {
                    return Err(Error::new(
                        ErrorCode::OutOfRange,
                        "max_tokens",
                        format!("{max_tokens} is not in (0, 1000] (at least 0.001)"),
                    ));
                }
                // A ratio that truncates to 0 would never refill: refuse it instead of
                // silently building a budget that, once drained, stays drained.
                if !(token_ratio > 0.0 && token_ratio <= MAX_TOKENS_CEILING) || to_milli(token_ratio) == 0 {
                    return Err(Error::new(
                        ErrorCode::OutOfRange,
                        "token_ratio",
                        format!("{token_ratio} must be at least 0.001 (it is truncated to 3 decimals)"),
                    ));
                }
                Ok(())
            }
            Self::Ratio { budget_percent, .. } => {
                finite(budget_percent, "budget_percent")?;
                if (0.0..=100.0).contains(&budget_percent) {
                    Ok(())
                } else {
                    Err(Error::new(
                        ErrorCode::OutOfRange,
                        "budget_percent",
                        format!("{budget_percent} is not a percentage in [0, 100]"),
                    ))
                }
            }
            Self::None {} => Ok(()),
        }
    }
}

fn finite(x: f64, path: &str) -> Result<()> {
    if x.is_finite() {
        Ok(())
    } else {
        Err(Error::new(ErrorCode::NotFinite, path, format!("{x} is not a finite number")))
    }
}

stable_codes! {
    /// Which kind of budget is in force.
    pub enum RetryBudgetKind {
        /// gRPC A6 token bucket.
        TokenBucket = "token_bucket",
        /// The token bucket drained by overload signals only.
        Adaptive = "adaptive",
        /// Envoy share of requests in flight.
        Ratio = "ratio",
        /// No budget.
        None = "none",
    }
}

stable_codes! {
    /// Why a retry was allowed or refused by the budget.
    pub enum RetryBudgetReason {
        /// The budget has room for this retry.
        Allowed = "allowed",
        /// No budget is configured (`kind: none`): the retry is allowed.
        NoBudget = "no_budget",
        /// Token bucket at or below half full: failures outnumber what successes refill.
        BudgetExhausted = "budget_exhausted",
        /// Ratio budget: as many retries are in flight as the budget allows.
        RetryLimitReached = "retry_limit_reached",
    }
}

/// The budget's state, as hosts log and export it; changes with every call that mutates the budget.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub struct RetryBudgetSnapshot {
    /// Which kind of budget this is.
    pub kind: RetryBudgetKind,
    /// Token bucket: the current level (thousandths are exact).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens: Option<f64>,
    /// Token bucket: the level retries must stay above (half of `max_tokens`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Logical requests in flight (`request_started` minus `request_finished`).
    pub active_requests: u64,
    /// Permitted retries in flight (`try_acquire_retry` allowed minus `retry_finished`).
    pub active_retries: u64,
    /// Ratio budget: how many retries may be in flight now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

/// The answer to "may this request retry now?", with the state it was decided on.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub struct RetryBudgetDecision {
    /// Whether the retry may be sent.
    pub allowed: bool,
    /// Why.
    pub reason: RetryBudgetReason,
    /// The budget's state after the decision (a permitted retry is already counted).
    #[serde(flatten)]
    pub snapshot: RetryBudgetSnapshot,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    /// Levels in thousandths of a token.
    TokenBucket {
        max_milli: u64,
        ratio_milli: u64,
        milli: u64,
        /// `adaptive`: only overload signals drain the bucket.
        adaptive: bool,
    },
    /// `percent_milli` is the budget percentage in thousandths of a percent.
    Ratio {
        percent_milli: u64,
        min_retry_concurrency: u32,
    },
    None,
}

impl Kind {
    fn bucket(max_tokens: f64, token_ratio: f64, adaptive: bool) -> Self {
        let max_milli = to_milli(max_tokens);
        Self::TokenBucket { max_milli, ratio_milli: to_milli(token_ratio), milli: max_milli, adaptive }
    }
}

/// A retry budget shared by all logical requests of one client/upstream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryBudget {
    kind: Kind,
    active_requests: u64,
    active_retries: u64,
}

impl RetryBudget {
    /// A budget in its initial state: a token bucket starts full, counters at zero.
    ///
    /// # Errors
    /// As [`RetryBudgetConfig::validate`].
    pub fn new(config: RetryBudgetConfig) -> Result<Self> {
        config.validate()?;
        let kind = match config {
            RetryBudgetConfig::TokenBucket { max_tokens, token_ratio } => {
                Kind::bucket(max_tokens, token_ratio, false)
            }
            RetryBudgetConfig::Adaptive { max_tokens, token_ratio } => {
                Kind::bucket(max_tokens, token_ratio, true)
            }
            RetryBudgetConfig::Ratio { budget_percent, min_retry_concurrency } => {
                Kind::Ratio { percent_milli: to_milli(budget_percent), min_retry_concurrency }
            }
            RetryBudgetConfig::None {} => Kind::None,
        };
        Ok(Self { kind, active_requests: 0, active_retries: 0 })
    }

    /// A logical request began (its first attempt is about to be sent; it needs no permission).
    pub fn request_started(&mut self) {
        self.active_requests = self.active_requests.saturating_add(1);
    }

    /// A logical request ended, whatever its outcome. Extra calls are ignored (never below 0).
    pub fn request_finished(&mut self) {
        self.active_requests = self.active_requests.saturating_sub(1);
    }

    /// Asks whether one more retry may be sent now; if allowed, it counts as in flight
    /// until [`Self::retry_finished`].
    pub fn try_acquire_retry(&mut self) -> RetryBudgetDecision {
        let (allowed, reason) = match self.kind {
            // gRPC A6 / grpc-core: allowed while `tokens > max_tokens / 2` (strictly).
            Kind::TokenBucket { max_milli, milli, .. } => {
                if milli > max_milli / 2 {
                    (true, RetryBudgetReason::Allowed)
                } else {
                    (false, RetryBudgetReason::BudgetExhausted)
                }
            }
            // Envoy: allowed if `active_retries < max(budget_percent/100 * active, min)`.
            // failsafe-go's budget differs: it compares retries to *all* executions
            // (retries included) and only refuses once at least `min` retries are in
            // flight, so its floor is a threshold where Envoy's is a minimum limit.
            Kind::Ratio { .. } => {
                if self.active_retries < self.ratio_limit().unwrap_or(0) {
                    (true, RetryBudgetReason::Allowed)
                } else {
                    (false, RetryBudgetReason::RetryLimitReached)
                }
            }
            Kind::None => (true, RetryBudgetReason::NoBudget),
        };
        if allowed {
            self.active_retries = self.active_retries.saturating_add(1);
        }
        RetryBudgetDecision { allowed, reason, snapshot: self.snapshot() }
    }

    /// A permitted retry ended. Extra calls are ignored (never below 0).
    pub fn retry_finished(&mut self) {
        self.active_retries = self.active_retries.saturating_sub(1);
    }

    /// Records the class of one attempt's outcome (first attempts and retries alike); a
    /// `rate_limited` or `overloaded` class is an overload signal, any other failure is not
    /// (see [`Self::record_signal`]).
    pub fn record(&mut self, class: Class) {
        self.record_signal(class, matches!(class, Class::RateLimited | Class::Overloaded));
    }

    /// Records one attempt's outcome: its class, and whether it is a sign of overload (a 429
    /// or 503, a timeout: [`crate::transport::classify::Classification::is_overload_signal`]).
    ///
    /// Token bucket: a success adds `token_ratio`; a retryable, rate-limited or overloaded
    /// outcome takes 1 token. Permanent and fatal outcomes change nothing: A6 counts
    /// only retryable codes as failures, because a 400 or an exhausted quota says nothing
    /// about whether the upstream can absorb retries, and neither is ever retried, so
    /// draining the bucket for them would starve other requests' legitimate retries.
    /// Adaptive: a failure that is an overload signal (a 429, a 503/529, a timeout) takes
    /// `token_ratio`, what a success adds, so the bucket drains only while such failures
    /// outnumber successes (the upstream turns away more than half the attempts: SRE's
    /// K = 2); a failure that is none (a random 500) takes nothing. Random 429s with capacity
    /// to spare, or one key's 429s among healthy keys, leave the other retries alone.
    /// The ratio and none kinds only count concurrency and ignore outcomes.
    pub fn record_signal(&mut self, class: Class, overload: bool) {
        if let Kind::TokenBucket { max_milli, ratio_milli, ref mut milli, adaptive } = self.kind {
            match class {
                Class::Success => *milli = milli.saturating_add(ratio_milli).min(max_milli),
                Class::RateLimited | Class::Retryable | Class::Overloaded if !adaptive => {
                    *milli = milli.saturating_sub(MILLI)
                }
                Class::RateLimited | Class::Retryable | Class::Overloaded if overload => {
                    *milli = milli.saturating_sub(ratio_milli)
                }
                Class::RateLimited
                | Class::Retryable
                | Class::Overloaded
                | Class::Permanent
                | Class::Fatal => {}
            }
        }
    }

    /// The budget's current state.
    #[must_use]
    pub fn snapshot(&self) -> RetryBudgetSnapshot {
        let (kind, tokens, threshold) = match self.kind {
            Kind::TokenBucket { max_milli, milli, adaptive, .. } => {
                let kind = if adaptive { RetryBudgetKind::Adaptive } else { RetryBudgetKind::TokenBucket };
                (kind, Some(from_milli(milli)), Some(from_milli(max_milli / 2)))
            }
            Kind::Ratio { .. } => (RetryBudgetKind::Ratio, None, None),
            Kind::None => (RetryBudgetKind::None, None, None),
        };
        RetryBudgetSnapshot {
            kind,
            tokens,
            threshold,
            active_requests: self.active_requests,
            active_retries: self.active_retries,
            limit: self.ratio_limit(),
        }
    }

    /// Ratio kind: `max(floor(percent * active / 100), min)` in exact integers.
    fn ratio_limit(&self) -> Option<u64> {
        match self.kind {
            Kind::Ratio { percent_milli, min_retry_concurrency } => {
                let share = u128::from(percent_milli) * u128::from(self.active_requests) / 100_000;
                let share = u64::try_from(share).unwrap_or(u64::MAX);
                Some(share.max(u64::from(min_retry_concurrency)))
            }
            _ => None,
        }
    }
}

/// Thousandths to a float; exact to the thousandth in every runtime (one correctly rounded division).
fn from_milli(milli: u64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let m = milli as f64;
    m / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bucket(max_tokens: f64, token_ratio: f64) -> RetryBudget {
        RetryBudget::new(RetryBudgetConfig::TokenBucket { max_tokens, token_ratio }).unwrap()
    }

    #[test]
    fn token_bucket_refuses_retries_once_half_the_tokens_are_gone() {
        let mut b = bucket(10.0, 0.1);
        for _ in 0..4 {
            b.record(Class::Retryable);
        }
        assert!(b.try_acquire_retry().allowed, "6 tokens > 5");
        b.record(Class::Overloaded);
        let d = b.try_acquire_retry();
        assert!(!d.allowed, "5 tokens is not above 5");
        assert_eq!(d.reason, RetryBudgetReason::BudgetExhausted);
        b.record(Class::RateLimited);
        assert_eq!(b.snapshot().tokens, Some(4.0));
    }

    #[test]
    fn eleven_successes_lift_four_tokens_back_above_half() {
        let mut b = bucket(10.0, 0.1);
        for _ in 0..6 {
            b.record(Class::Retryable);
        }
        for _ in 0..10 {
            b.record(Class::Success);
        }
        assert_eq!(b.snapshot().tokens, Some(5.0));
        assert!(!b.try_acquire_retry().allowed);
        b.record(Class::Success);
        assert_eq!(b.snapshot().tokens, Some(5.1));
        assert!(b.try_acquire_retry().allowed);
    }

    #[test]
    fn permanent_and_fatal_outcomes_leave_the_bucket_alone() {
        let mut b = bucket(10.0, 0.1);
        b.record(Class::Permanent);
        b.record(Class::Fatal);
        assert_eq!(b.snapshot().tokens, Some(10.0));
    }

    #[test]
    fn token_ratio_is_truncated_to_three_decimals() {
        let mut b = bucket(10.0, 0.1239);
        b.record(Class::Retryable);
        b.record(Class::Success);
        assert_eq!(b.snapshot().tokens, Some(9.123));
        assert_eq!(to_milli(0.57), 570);
    }

    #[test]
    fn out_of_range_token_settings_are_refused_with_their_path() {
        let cases = [(2000.0, 0.1, "max_tokens"), (0.0, 0.1, "max_tokens"), (10.0, 0.0, "token_ratio")];
        for (max_tokens, token_ratio, path) in cases {
            let e = RetryBudget::new(RetryBudgetConfig::TokenBucket { max_tokens, token_ratio }).unwrap_err();
            assert_eq!((e.code, e.path.as_str()), (ErrorCode::OutOfRange, path));
        }
        let e = bucket_err(10.0, 0.0004);
        assert_eq!(e.path, "token_ratio", "0.0004 truncates to 0 and would never refill");
    }

    fn bucket_err(max_tokens: f64, token_ratio: f64) -> Error {
        RetryBudget::new(RetryBudgetConfig::TokenBucket { max_tokens, token_ratio }).unwrap_err()
    }

    #[test]
    fn ratio_budget_allows_20_percent_of_50_in_flight() {
        let mut b =
            RetryBudget::new(RetryBudgetConfig::Ratio { budget_percent: 20.0, min_retry_concurrency: 3 })
                .unwrap();
        for _ in 0..50 {
            b.request_started();
        }
        for _ in 0..10 {
            assert!(b.try_acquire_retry().allowed);
        }
        let d = b.try_acquire_retry();
        assert_eq!(
            (d.allowed, d.reason, d.snapshot.limit),
            (false, RetryBudgetReason::RetryLimitReached, Some(10))
        );
        b.retry_finished();
        assert!(b.try_acquire_retry().allowed);
    }

    #[test]
    fn ratio_budget_keeps_three_retries_when_idle() {
        let mut b =
            RetryBudget::new(RetryBudgetConfig::Ratio { budget_percent: 20.0, min_retry_concurrency: 3 })
                .unwrap();
        let allowed: Vec<bool> = (0..4).map(|_| b.try_acquire_retry().allowed).collect();
        assert_eq!(allowed, [true, true, true, false]);
    }

    #[test]
    fn a_29_percent_budget_is_exact_not_28_point_999() {
        let mut b =
            RetryBudget::new(RetryBudgetConfig::Ratio { budget_percent: 29.0, min_retry_concurrency: 0 })
                .unwrap();
        for _ in 0..100 {
            b.request_started();
        }
        assert_eq!(b.snapshot().limit, Some(29));
    }

    #[test]
    fn extra_finish_calls_never_underflow() {
        let mut b = RetryBudget::new(RetryBudgetConfig::None {}).unwrap();
        b.request_finished();
        b.retry_finished();
        let d = b.try_acquire_retry();
        assert_eq!((d.allowed, d.reason), (true, RetryBudgetReason::NoBudget));
        assert_eq!((d.snapshot.active_requests, d.snapshot.active_retries), (0, 1));
    }

    #[test]
    fn configs_parse_with_kind_and_defaults() {
        let c: RetryBudgetConfig = crate::document::from_json(r#"{"kind": "ratio"}"#).unwrap();
        assert_eq!(c, RetryBudgetConfig::Ratio { budget_percent: 20.0, min_retry_concurrency: 3 });
        let c: RetryBudgetConfig = crate::document::from_json(r#"{"kind": "none"}"#).unwrap();
        assert_eq!(c, RetryBudgetConfig::None {});
        let e = crate::document::from_json::<RetryBudgetConfig>(r#"{"kind": "none", "max_tokens": 5}"#)
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::UnknownField);
        let e =
            crate::document::from_json::<RetryBudgetConfig>(r#"{"kind": "token_bucket", "max_token": 5}"#)
                .unwrap_err();
        assert_eq!(e.code, ErrorCode::UnknownField);
        let e = crate::document::from_json::<RetryBudgetConfig>(r#"{"kind": "bucket"}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::UnknownVariant);
    }

    #[test]
    fn decision_serializes_flat_with_snake_case_codes() {
        let mut b = bucket(10.0, 0.1);
        let json = serde_json::to_value(b.try_acquire_retry()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "allowed": true, "reason": "allowed", "kind": "token_bucket",
                "tokens": 10.0, "threshold": 5.0, "active_requests": 0, "active_retries": 1
            })
        );
    }

    proptest! {
        #[test]
        fn tokens_stay_within_zero_and_max(
            max in 1u32..=1000, ratio in 1u32..=5000, classes in proptest::collection::vec(0usize..6, 0..300)
        ) {
            let mut b = bucket(f64::from(max), f64::from(ratio) / 1000.0);
            for c in classes {
                b.record(Class::ALL[c]);
                let t = b.snapshot().tokens.unwrap();
                prop_assert!((0.0..=f64::from(max)).contains(&t));
            }
        }

        #[test]
        fn ratio_budget_never_lets_more_retries_in_flight_than_its_limit(
            ops in proptest::collection::vec(0u8..5, 0..400), percent in 0u32..=100, min in 0u32..5
        ) {
            let mut b = RetryBudget::new(RetryBudgetConfig::Ratio {
                budget_percent: f64::from(percent), min_retry_concurrency: min,
            }).unwrap();
            for op in ops {
                match op {
                    0 => b.request_started(),
                    1 => b.request_finished(),
                    2 => b.retry_finished(),
                    _ => {
                        let before = b.snapshot();
                        let d = b.try_acquire_retry();
                        prop_assert_eq!(d.allowed, before.active_retries < before.limit.unwrap());
                    }
                }
            }
        }
    }
}
