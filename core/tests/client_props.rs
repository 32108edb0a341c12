//! Properties of the composed client under arbitrary failures.

use breakwater::transport::classify::{Outcome, Phase, ProviderError};
use breakwater::transport::client::{AttemptAction, AttemptResult, Client, RequestOptions};
use breakwater::transport::retry::Action;
use breakwater::Policy;
use proptest::prelude::*;

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        Just(Outcome::Http(200)),
        Just(Outcome::Http(429)),
        Just(Outcome::Http(500)),
        Just(Outcome::Http(503)),
        Just(Outcome::Http(400)),
        Just(Outcome::Connect),
        Just(Outcome::StreamCut),
        Just(Outcome::Timeout(Phase::Headers)),
    ]
}

proptest! {
    /// Whatever the upstream does, no attempt is planned past the total deadline, every
    /// wait ends before it, and every retry leaves the minimum useful attempt.
    #[test]
    fn no_attempt_is_planned_past_the_deadline(
        total in 1_000u64..120_000,
        min_attempt in 0u64..2_000,
        seed: u64,
        steps in proptest::collection::vec((outcome(), 0u64..40_000, proptest::option::of(0u64..5_000)), 1..40),
    ) {
        let mut policy = Policy::preset("conservative").unwrap();
        policy.deadline.total_ms = Some(total);
        policy.deadline.min_attempt_ms = min_attempt.min(total);
        policy.retry.max_retries = 10;
        let mut client = Client::new(policy, seed, 0).unwrap();
        let start = 5_000;
        let expiry = start + total;
        let mut req = client.begin(start, &RequestOptions::default()).unwrap();
        let mut now = start;
        for (outcome, latency, retry_after) in steps {
            let decision = client.before_attempt(now, &mut req).unwrap();
            match decision.action {
                AttemptAction::GiveUp => break,
                AttemptAction::Wait => {
                    let until = decision.wait_until_ms.unwrap();
                    prop_assert!(until > now && until < expiry);
                    now = until;
                    continue;
                }
                AttemptAction::Send => {}
            }
            let limit = decision.timeouts.attempt_ms.unwrap();
            prop_assert!(now + limit <= expiry, "attempt at {now} for {limit} ms passes {expiry}");
            let ra = retry_after.map(|ms| ms.to_string());
            let headers: Vec<(&str, &str)> = ra.iter().map(|v| ("retry-after-ms", v.as_str())).collect();
            let spent = latency.min(limit);
            now += spent;
            let result = AttemptResult {
                outcome: if latency > limit { Outcome::Timeout(Phase::Attempt) } else { outcome },
                headers: &headers,
                error: ProviderError::default(),
                latency_ms: spent,
                wall_unix_ms: None,
                actual_tokens: None,
                last_attempt: false,
            };
            let d = client.on_outcome(now, &mut req, &result).unwrap();
            match d.action {
                Action::Retry => {
                    let delay = d.delay_ms.unwrap();
                    prop_assert!(now + delay + min_attempt.min(total).max(1) <= expiry);
                    now += delay;
                }
                Action::Done | Action::GiveUp => break,
            }
        }
    }
}

/// `x-should-retry` is the server's advice on retrying one request, not a verdict on the
/// upstream: 503s it asks not to retry still open the breaker, and 401s it asks to retry
/// never do (the caller's fault), though each is retried or not as the server says.
#[test]
fn x_should_retry_steers_the_retry_not_the_breaker() {
    use breakwater::transport::breaker::State;
    use breakwater::transport::retry::RetryReason;
    let run = |status: u16, advice: &str| {
        let mut client = Client::new(Policy::preset("conservative").unwrap(), 1, 0).unwrap();
        let options = RequestOptions { key: Some("m"), ..RequestOptions::default() };
        let mut reasons = Vec::new();
        for i in 0..30u64 {
            let now = i * 100;
            let mut req = client.begin(now, &options).unwrap();
            if client.before_attempt(now, &mut req).unwrap().action != AttemptAction::Send {
                return (reasons, client.breaker_state("m"), i);
            }
            let result = AttemptResult {
                outcome: Outcome::Http(status),
                headers: &[("x-should-retry", advice)],
                error: ProviderError::default(),
                latency_ms: 50,
                wall_unix_ms: None,
                actual_tokens: None,
                last_attempt: false,
            };
            reasons.push(client.on_outcome(now + 50, &mut req, &result).unwrap().reason);
            client.cancel(now + 50, &mut req).unwrap();
        }
        (reasons, client.breaker_state("m"), 30)
    };
    let (reasons, state, sent) = run(503, "false");
    assert!(reasons.iter().all(|r| *r == RetryReason::ServerSaidNoRetry), "{reasons:?}");
    assert!(state == State::Open && sent < 30, "overloads still open the breaker: {state:?} after {sent}");
    let (reasons, state, sent) = run(401, "true");
    assert!(
        reasons.iter().all(|r| matches!(r, RetryReason::Backoff | RetryReason::ServerDelay)),
        "{reasons:?}"
    );
    assert_eq!((state, sent), (State::Closed, 30), "the caller's fault is not the upstream's");
}
