//! WebAssembly bindings of breakwater: the same classes and functions as the Node binding
//! (`docs/bindings.md`), for browsers (`--target web`) and any other JS runtime.
//!
//! A thin layer: it converts JS values to the core's types, calls the core and returns the
//! core's own results in their serde form as plain objects. Times default to
//! `Math.floor(performance.now())`, seeds to 64 bits of `crypto.getRandomValues`. Every refusal
//! is a JS `Error` with the core's stable `.code`, `.path`, `.line` and `.column`; nothing
//! panics across the boundary.
//!
//! The package entry (`js/wrap.mjs`, shipped by `build.sh` next to the generated glue) installs
//! the hot paths of [`fast`] on the generated classes: breaker acquire/record and `classify`
//! take numbers and one JSON string and return numbers, with the same results and errors.

mod breaker;
mod classes;
mod client;
mod convert;
mod fast;
mod functions;
mod types;

pub use breaker::{BreakerRegistry, CircuitBreaker};
pub use classes::{Backoff, Deadline, ErrorBudget, IdempotencyKeys, RateLimiter, RetryBudget, RetryState};
pub use client::{Client, Policy, Request};
pub use functions::{
    classify, error_codes, parse_go_duration, parse_http_date, parse_rfc3339, rate_limits, retry_after,
};
