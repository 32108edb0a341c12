//! Transport policy: every decision that keeps an LLM API client alive under failure.
//!
//! The pieces are independent state machines the host (or [`client::Client`],
//! which composes them) drives with `now_ms` and outcomes:
//!
//! | module | decides |
//! | --- | --- |
//! | [`bodies`] | nothing: it reads what an HTTP integration carries (a request's model and tokens, an error body's fields, an event stream's final and error events) |
//! | [`classify`] | what an attempt's result means: success, retryable, rate limited, overloaded, permanent, fatal |
//! | [`headers`] | server-given delays and rate-limit state, parsed from response headers |
//! | [`backoff`] | how long to wait before the next attempt |
//! | [`deadline`] | how much time each phase of an attempt may take, and whether another attempt fits |
//! | [`retry`] | retry or give up, for one logical request |
//! | [`retry_budget`] | whether the client as a whole may retry now (anti retry storm) |
//! | [`breaker`] | whether an upstream is healthy enough to call |
//! | [`ratelimit`] | whether sending now would exceed RPM/TPM |
//! | [`line`] | which request the limiter serves first when several wait: the freshest |
//! | [`idempotency`] | the key that makes a retried request safe |
//! | [`error_budget`] | how fast the error budget (SLO) burns, and whether that should cut retries |
//! | [`event`] | nothing: it reports every decision the client made, for logs and traces |

pub mod backoff;
pub mod bodies;
pub mod breaker;
pub mod classify;
pub mod client;
pub mod deadline;
pub mod error_budget;
pub mod event;
pub mod headers;
pub mod idempotency;
pub mod line;
pub mod ratelimit;
pub mod retry;
pub mod retry_budget;
