//! The retry decision for one logical request: retry after a delay, done, or give up, with a reason.
//!
//! The order of the checks follows openai-python 3.57 (`_should_retry`,
//! `_calculate_retry_timeout`) where the SDK has a rule, so the `openai_sdk`
//! preset reproduces it exactly:
//!
//! 1. success is done; a fatal class gives up; then `x-should-retry` (kept by [`classify`]
//!    beside the class): `false` gives up, `true` retries a permanent class (as a retryable
//!    one); otherwise a permanent class gives up;
//! 2. a server delay above `server_delay.max_ms` refuses the retry;
//! 3. retries exhausted gives up; an outer layer that owns retrying makes this
//!    layer give up (single retry owner);
//! 4. the delay is the server's, if in `(0, max]`, else the backoff's;
//! 5. breakwater's guards the SDK lacks: the total deadline must still fit the
//!    delay plus a minimum useful attempt, the error budget must not be
//!    burning too fast, and the shared retry budget must grant a token (last,
//!    because granting spends it).
//!
//! [`classify`]: super::classify::classify

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::backoff::{ceil_ms, Backoff, BackoffConfig};
use super::classify::{Class, ClassReason, Classification};
use super::deadline::Deadline;
use super::error_budget::ErrorBudget;
use super::retry_budget::RetryBudget;
use crate::Rng;

stable_codes! {
    /// What to do with a server delay above `server_delay.max_ms`.
    pub enum AboveMax {
        /// Do not retry: the server asked for longer than the caller will wait (openai-python 3.x).
        Refuse = "refuse",
        /// Ignore the server and use the backoff (openai-node; openai-python before PR #3555).
        Backoff = "backoff",
        /// Wait `max_ms`.
        Cap = "cap",
    }
}

stable_codes! {
    /// Who retries when clients are stacked (app → gateway → SDK).
    pub enum Ownership {
        /// This layer retries by its own rules.
        Own = "own",
        /// This layer never retries a request whose caller says an outer layer will (LiteLLM saw (1+N)^2 calls otherwise).
        DeferToOuter = "defer_to_outer",
    }
}

/// How server-given delays (`retry-after-ms`, `Retry-After`) are used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ServerDelayConfig {
    /// Use the server's delay instead of the backoff. Default true.
    pub honor: bool,
    /// The longest server delay used as is. Default 120000 ms (openai-python `MAX_RETRY_AFTER_DELAY`).
    #[serde(deserialize_with = "crate::document::de::duration_ms")]
    pub max_ms: u64,
    /// What a longer delay means. Default `refuse` (openai-python 3.x).
    pub above_max: AboveMax,
}

impl Default for ServerDelayConfig {
    fn default() -> Self {
        Self { honor: true, max_ms: 120_000, above_max: AboveMax::Refuse }
    }
}

/// The retry policy of one client layer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RetryConfig {
    /// Retries after the first attempt. Default 2 (openai-python `DEFAULT_MAX_RETRIES`).
    #[serde(deserialize_with = "crate::document::de::count")]
    pub max_retries: u32,
    /// Delay between attempts when the server gives none.
    pub backoff: BackoffConfig,
    /// How server-given delays are used.
    pub server_delay: ServerDelayConfig,
    /// Classes worth retrying. Default retryable, rate_limited, overloaded.
    pub retry_on: Vec<Class>,
    /// Single retry owner for stacked layers. Default `own`.
    pub ownership: Ownership,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_retries: 2,
            backoff: BackoffConfig::default(),
            server_delay: ServerDelayConfig::default(),
            retry_on: vec![Class::Retryable, Class::RateLimited, Class::Overloaded],
            ownership: Ownership::Own,
        }
    }
}

impl RetryConfig {
    /// Checks the rules that span fields.
    ///
    /// # Errors
    /// As [`BackoffConfig::validate`], under `backoff`; `invalid_value` at `retry_on` for
    /// success, permanent or fatal (the decision gives those up before it reads `retry_on`:
    /// listed, they would look retried and never be).
    pub fn validate(&self) -> crate::Result<()> {
        self.backoff.validate().map_err(|e| e.within("backoff"))?;
        let never = |c: &&Class| matches!(c, Class::Success | Class::Permanent | Class::Fatal);
        if let Some(c) = self.retry_on.iter().find(never) {
            return Err(crate::Error::new(
                crate::ErrorCode::InvalidValue,
                "retry_on",
                format!("`{c}` results are never retried"),
            ));
        }
        Ok(())
    }
}

stable_codes! {
    /// What the host does next.
    pub enum Action as "RetryAction" {
        /// Wait `delay_ms`, then make the next attempt.
        Retry = "retry",
        /// The request succeeded.
        Done = "done",
        /// Stop and report the last failure.
        GiveUp = "give_up",
    }
}

stable_codes! {
    /// Why the retry decision came out as it did.
    pub enum RetryReason {
        /// The attempt succeeded.
        Succeeded = "succeeded",
        /// The request is wrong; no retry can fix it.
        PermanentError = "permanent_error",
        /// Nothing can succeed now (quota exhausted).
        FatalError = "fatal_error",
        /// The class is not in `retry_on`.
        ClassNotRetried = "class_not_retried",
        /// The server said not to retry (`x-should-retry: false`).
        ServerSaidNoRetry = "server_said_no_retry",
        /// The server asked for a longer wait than `server_delay.max_ms`.
        ServerDelayTooLong = "server_delay_too_long",
        /// `max_retries` retries were already taken.
        RetriesExhausted = "retries_exhausted",
        /// An outer layer retries this request; this layer must not.
        RetryOwnedByOuterLayer = "retry_owned_by_outer_layer",
        /// The host can make no other attempt of this request (a streamed answer already
        /// handed to its reader failed).
        NotRepeatable = "not_repeatable",
        /// The delay plus a minimum useful attempt no longer fits the total deadline.
        DeadlineExhausted = "deadline_exhausted",
        /// The error budget burns faster than the configured cut-off.
        ErrorBudgetBurning = "error_budget_burning",
        /// The client's shared retry budget is spent.
        RetryBudgetExhausted = "retry_budget_exhausted",
        /// Retry after the delay the server gave.
        ServerDelay = "server_delay",
        /// Retry after the backoff delay.
        Backoff = "backoff",
    }
}

/// The decision after one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RetryDecision {
    /// Retry, done, or give up.
    pub action: Action,
    /// Why.
    pub reason: RetryReason,
    /// How long to wait before the next attempt (only with `retry`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// Retries taken so far, this one included when the action is `retry`.
    pub retries_taken: u32,
    /// The class of the attempt's result.
    pub class: Class,
    /// The classifier's reason for that class.
    pub cause: ClassReason,
}

/// What else the decision must respect, beyond the request's own retry count.
#[derive(Debug, Default)]
pub struct Guards<'a> {
    /// The request's total deadline, if any.
    pub deadline: Option<&'a Deadline>,
    /// The client's shared retry budget, if any; a granted retry spends from it.
    pub retry_budget: Option<&'a mut RetryBudget>,
    /// The error budget, if retries are cut when it burns.
    pub error_budget: Option<&'a ErrorBudget>,
    /// The caller says an outer layer will retry this request.
    pub outer_owns_retries: bool,
    /// The host can make no other attempt (a streamed answer already handed to its reader).
    pub last_attempt: bool,
}

/// Retry memory of one logical request: retries taken, backoff memory, jitter source.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RetryState {
    retries_taken: u32,
    backoff: Backoff,
    rng: Rng,
}

impl RetryState {
    /// The state of a new logical request; its jitter is fixed by `seed`.
    #[must_use]
    pub fn new(config: &RetryConfig, seed: u64) -> Self {
        Self { retries_taken: 0, backoff: Backoff::new(config.backoff.clone()), rng: Rng::new(seed) }
    }

    /// Retries granted so far; changes when [`Self::decide`] returns `retry`.
    #[must_use]
    pub fn retries_taken(&self) -> u32 {
        self.retries_taken
    }

    /// Decides what follows an attempt whose result was classified as `c`, at `now_ms`.
    pub fn decide(
        &mut self,
        config: &RetryConfig,
        c: &Classification,
        now_ms: u64,
        guards: Guards<'_>,
    ) -> RetryDecision {
        let verdict = |action, reason, delay_ms, retries_taken| RetryDecision {
            action,
            reason,
            delay_ms,
            retries_taken,
            class: c.class,
            cause: c.reason,
        };
        let give_up = |reason| verdict(Action::GiveUp, reason, None, self.retries_taken);
        // The server's advice decides whether to retry, never against a spent quota; a
        // permanent result it asks to retry is retried as a retryable one.
        let class = match (c.class, c.should_retry) {
            (Class::Permanent, Some(true)) => Class::Retryable,
            (class, _) => class,
        };
        match class {
            Class::Success => return verdict(Action::Done, RetryReason::Succeeded, None, self.retries_taken),
            Class::Fatal => return give_up(RetryReason::FatalError),
            Class::Permanent => return give_up(RetryReason::PermanentError),
            _ if c.should_retry == Some(false) => return give_up(RetryReason::ServerSaidNoRetry),
            _ if !config.retry_on.contains(&class) => return give_up(RetryReason::ClassNotRetried),
            _ if guards.last_attempt => return give_up(RetryReason::NotRepeatable),
            _ => {}
        }
        let server = &config.server_delay;
        let server_delay = c.server_delay_ms().filter(|d| server.honor && d.is_finite());
        let too_long = server_delay.is_some_and(|d| d > ms(server.max_ms));
        if too_long && server.above_max == AboveMax::Refuse {
            return give_up(RetryReason::ServerDelayTooLong);
        }
        if self.retries_taken >= config.max_retries {
            return give_up(RetryReason::RetriesExhausted);
        }
        if guards.outer_owns_retries && config.ownership == Ownership::DeferToOuter {
            return give_up(RetryReason::RetryOwnedByOuterLayer);
        }
        let (delay_ms, reason) = match server_delay {
            Some(d) if d > 0.0 && !too_long => (ceil_ms(d), RetryReason::ServerDelay),
            Some(_) if too_long && server.above_max == AboveMax::Cap => {
                (server.max_ms, RetryReason::ServerDelay)
            }
            _ => (self.backoff.next_delay_ms(self.retries_taken, &mut self.rng), RetryReason::Backoff),
        };
        if guards.deadline.is_some_and(|d| !d.fits(now_ms, delay_ms)) {
            return give_up(RetryReason::DeadlineExhausted);
        }
        if guards.error_budget.is_some_and(|s| !s.retries_allowed(now_ms).allowed) {
            return give_up(RetryReason::ErrorBudgetBurning);
        }
        if let Some(budget) = guards.retry_budget {
            if !budget.try_acquire_retry().allowed {
                return give_up(RetryReason::RetryBudgetExhausted);
            }
        }
        self.retries_taken += 1;
        verdict(Action::Retry, reason, Some(delay_ms), self.retries_taken)
    }
}

#[allow(clippy::cast_precision_loss)]
fn ms(x: u64) -> f64 {
    x as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::classify::{classify, Outcome, Profile, ProviderError};
    use crate::transport::error_budget::ErrorBudgetConfig;

    fn answer(status: u16, headers: &[(&str, &str)]) -> Classification {
        classify(Profile::OpenAi, Outcome::Http(status), headers, ProviderError::default(), None)
    }

    fn decide(config: &RetryConfig, c: &Classification) -> RetryDecision {
        RetryState::new(config, 1).decide(config, c, 0, Guards::default())
    }

    #[test]
    fn a_server_delay_above_the_maximum_is_refused_capped_or_ignored_as_configured() {
        let long = answer(429, &[("retry-after", "300")]);
        let mut config = RetryConfig::default();
        assert_eq!(decide(&config, &long).reason, RetryReason::ServerDelayTooLong);
        config.server_delay.above_max = AboveMax::Cap;
        let capped = decide(&config, &long);
        assert_eq!((capped.action, capped.delay_ms), (Action::Retry, Some(120_000)));
        config.server_delay.above_max = AboveMax::Backoff;
        let backoff = decide(&config, &long);
        assert_eq!(backoff.reason, RetryReason::Backoff);
        assert!(backoff.delay_ms.unwrap() <= 500);
    }

    #[test]
    fn a_server_delay_is_used_as_is_up_to_two_minutes_unless_told_to_ignore_it() {
        let c = answer(503, &[("retry-after-ms", "2500.2")]);
        let mut config = RetryConfig::default();
        let d = decide(&config, &c);
        assert_eq!((d.reason, d.delay_ms), (RetryReason::ServerDelay, Some(2501)));
        config.server_delay.honor = false;
        assert_eq!(decide(&config, &c).reason, RetryReason::Backoff);
    }

    #[test]
    fn only_the_classes_in_retry_on_are_retried() {
        let config = RetryConfig { retry_on: vec![Class::Retryable], ..RetryConfig::default() };
        assert_eq!(decide(&config, &answer(429, &[])).reason, RetryReason::ClassNotRetried);
        assert_eq!(decide(&config, &answer(500, &[])).action, Action::Retry);
        assert_eq!(decide(&config, &answer(404, &[])).reason, RetryReason::PermanentError);
    }

    #[test]
    fn two_retries_then_give_up_with_retries_exhausted() {
        let config = RetryConfig::default();
        let mut state = RetryState::new(&config, 9);
        let c = answer(500, &[]);
        let reasons: Vec<_> =
            (0..3).map(|_| state.decide(&config, &c, 0, Guards::default()).reason).collect();
        assert_eq!(reasons, [RetryReason::Backoff, RetryReason::Backoff, RetryReason::RetriesExhausted]);
        assert_eq!(state.retries_taken(), 2);
    }

    #[test]
    fn a_burning_error_budget_cuts_retries() {
        let slo_config =
            ErrorBudgetConfig { cut_retries_at_burn_rate: Some(10.0), ..ErrorBudgetConfig::default() };
        let mut slo = ErrorBudget::new(slo_config).unwrap();
        // 5 % errors against a 99.9 % target burns at 50x over both windows of every pair.
        for i in 0..1000u64 {
            slo.record(i * 60, i % 20 != 0);
        }
        let config = RetryConfig::default();
        let guards = Guards { error_budget: Some(&slo), ..Guards::default() };
        let d = RetryState::new(&config, 1).decide(&config, &answer(500, &[]), 60_000, guards);
        assert_eq!(d.reason, RetryReason::ErrorBudgetBurning);
    }
}
