//! Per-decision cost of the hot paths a client runs on every attempt.
//!
//! `cargo bench -p breakwater`; results are recorded in bench/README.md.

#![allow(missing_docs)] // criterion_group! generates undocumented functions

use std::hint::black_box;

use breakwater::document;
use breakwater::transport::breaker::{BreakerConfig, CircuitBreaker};
use breakwater::transport::classify::{classify, Class, Classification, Outcome, Profile, ProviderError};
use breakwater::transport::client::{AttemptResult, Client, RequestOptions};
use breakwater::transport::headers::{rate_limits, HeaderIssues};
use breakwater::transport::retry::{Guards, RetryConfig, RetryState};
use breakwater::Policy;
use criterion::{criterion_group, criterion_main, Criterion};

const RATE_LIMITED: &[(&str, &str)] = &[
    ("content-type", "application/json"),
    ("x-request-id", "req_8f1c2b"),
    ("retry-after-ms", "1500"),
    ("retry-after", "2"),
    ("x-ratelimit-limit-requests", "10000"),
    ("x-ratelimit-remaining-requests", "0"),
    ("x-ratelimit-reset-requests", "6m0s"),
    ("x-ratelimit-limit-tokens", "2000000"),
    ("x-ratelimit-remaining-tokens", "1999000"),
    ("x-ratelimit-reset-tokens", "4m12.172s"),
];

fn breaker(c: &mut Criterion) {
    let mut b = CircuitBreaker::new(BreakerConfig::default()).unwrap();
    let mut now = 0u64;
    c.bench_function("breaker acquire+record (closed, count window 100)", |bench| {
        bench.iter(|| {
            now += 1;
            let a = b.try_acquire(black_box(now));
            let permit = a.permit.unwrap();
            let class = if now % 10 == 0 { Class::Retryable } else { Class::Success };
            black_box(b.record(now, permit, class, 120, None));
        });
    });
}

fn classify_and_headers(c: &mut Criterion) {
    // The decision path: status, provider error body, retry-after-ms / retry-after / x-should-retry.
    c.bench_function("classify 429 (reads retry-after-ms, retry-after, x-should-retry)", |bench| {
        bench.iter(|| {
            classify(
                Profile::OpenAi,
                black_box(Outcome::Http(429)),
                black_box(RATE_LIMITED),
                ProviderError { error_type: Some("requests"), code: Some("rate_limit_exceeded") },
                Some(1_785_000_000_000),
            )
        });
    });
    // The limiter's input: six numeric values, two of them Go durations.
    c.bench_function("rate_limits (6 x-ratelimit-* values among 10 headers)", |bench| {
        bench.iter(|| {
            let mut issues = HeaderIssues::default();
            black_box(rate_limits(black_box(RATE_LIMITED), None, &mut issues))
        });
    });
    c.bench_function("classify + rate_limits (everything a 429 carries)", |bench| {
        bench.iter(|| {
            let c = classify(
                Profile::OpenAi,
                black_box(Outcome::Http(429)),
                black_box(RATE_LIMITED),
                ProviderError { error_type: Some("requests"), code: Some("rate_limit_exceeded") },
                Some(1_785_000_000_000),
            );
            let mut issues = HeaderIssues::default();
            black_box(rate_limits(RATE_LIMITED, None, &mut issues));
            black_box(c)
        });
    });
}

fn retry_decision(c: &mut Criterion) {
    // What a binding's `RetryState.decide` reads back: `classify`'s result as a JSON document.
    let full = serde_json::to_value(classify(
        Profile::OpenAi,
        Outcome::Http(429),
        RATE_LIMITED,
        ProviderError::default(),
        None,
    ))
    .unwrap();
    c.bench_function("classification read back from its JSON form (429 with retry-after)", |bench| {
        bench.iter(|| black_box(document::from_value::<Classification>(black_box(&full)).unwrap()));
    });

    let config = RetryConfig { max_retries: u32::MAX, ..RetryConfig::default() };
    let failure =
        classify(Profile::OpenAi, Outcome::Http(503), &[] as &[(&str, &str)], ProviderError::default(), None);
    let mut state = RetryState::new(&config, 7);
    c.bench_function("retry decision (503, backoff, no guards)", |bench| {
        bench.iter(|| black_box(state.decide(&config, black_box(&failure), 0, Guards::default())));
    });

    let policy = Policy::preset("conservative").unwrap();
    let mut client = Client::new(policy, 7, 0).unwrap();
    let mut now = 0u64;
    c.bench_function("full client round: begin + before_attempt + on_outcome(200)", |bench| {
        bench.iter(|| {
            now += 10;
            let mut req = client.begin(now, &RequestOptions::default()).unwrap();
            black_box(client.before_attempt(now, &mut req).unwrap());
            let result = AttemptResult {
                outcome: Outcome::Http(200),
                headers: &[] as &[(&str, &str)],
                error: ProviderError::default(),
                latency_ms: 5,
                wall_unix_ms: None,
                actual_tokens: None,
                last_attempt: false,
            };
            black_box(client.on_outcome(now + 5, &mut req, &result).unwrap())
        });
    });
}

criterion_group!(benches, breaker, classify_and_headers, retry_decision);
criterion_main!(benches);
