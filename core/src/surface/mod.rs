//! The binding surface, described once: every function and class that Python, Node and the
//! browser expose, with each parameter's name, how a runtime reads it and the operation it
//! calls (in [`ops`]).
//!
//! [`surface!`](crate::surface!) hands the whole description to a macro of the caller's:
//! `breakwater::surface!(python_surface)` expands to `python_surface! { ... }`. Each binding
//! has one such macro that turns the description into its runtime's classes, so adding an
//! operation here adds it to every runtime, and the `.pyi` and `.d.ts` types are written from
//! the same description ([`describe()`]).
//!
//! # The description
//!
//! ```text
//! fn NAME "jsName" (PARAM, ...) -> RETURN = ops::function;
//! class NAME "JsName" (STATE) {
//!     new (PARAM, ...) = ops::constructor;
//!     static NAME "jsName" (PARAM, ...) -> RETURN = ops::function;
//!     fn NAME "jsName" (PARAM, ...) -> RETURN = ops::method;    // ops::method(&mut STATE, ...)
//! }
//! PARAM  = name [bag Type?]? : KIND Type // `[bag]`: in JS, a key of the options object `bag`
//!                                       // (its first key names the object's type)
//! RETURN = Value Type | Obj Class       // a plain value (serde), or a new object of a class
//! ```
//!
//! Parameter kinds, the same in every runtime (each binding reads a kind one way):
//!
//! | kind | Rust type | reads |
//! | --- | --- | --- |
//! | `Text` | `String`, `Option<String>` | a string |
//! | `Chunk` | `String` | the next piece of one text, which the class's `finish` ends: a piece may end inside a character only in JavaScript (between the two halves of a UTF-16 surrogate pair), where the wrapper keeps that half for the next piece |
//! | `Code` | a [`StableCode`](crate::StableCode), or `Option` of one | one of its codes (`unknown_variant` otherwise) |
//! | `Config` | a config document, or `Option` of one | a config document (as an `Option`, absent = the defaults); error paths are the document's own (`window.size`) |
//! | `Value` | a `Deserialize` struct | a document (a dict, a plain object): a classification, rate limits; error paths start with the parameter's name |
//! | `Json` | `serde_json::Value` | any JSON value: a schema, a model output (`null` is JSON `null`; in JS leaving the parameter out is `missing_field`, in Python, where pyo3 cannot tell it from `None`, `null`); nesting past 127 levels ([`MAX_NESTING`], as for text) is `limit_exceeded` |
//! | `Count` | `u64`, `u32`, or `Option` of one | a whole number ≥ 0 (`invalid_argument` for NaN, negative, fractional, too large) |
//! | `Permit` | [`Permit`](crate::transport::breaker::Permit) | a permit token (a `Count`) |
//! | `Time` | `u64` | `now_ms`; absent = the runtime's monotonic clock |
//! | `Wall` | `Option<u64>` | unix ms; absent = unknown (never defaulted) |
//! | `Seed` | `u64` | absent = 8 bytes from the OS random source |
//! | `Flag` | `bool`, `Option<bool>` | a boolean |
//! | `Headers` | [`Headers`], or `Option` of them | name/value pairs (or a mapping) |
//! | `Bytes` | `Vec<u8>`, `Option<Vec<u8>>` | bytes, or a string as UTF-8 |
//! | `Obj`, `OptObj` | a class of this description | an object of that class (`OptObj`: or absent) |
//! | `PolicyDoc` | `Option<Policy>` | a `Policy` object, or a policy document |
//!
//! A required parameter that is absent is `missing_field`; a value of the wrong type is
//! `invalid_type`; an unknown keyword or option key is `unknown_field`; each with the
//! parameter's name (or the key) as the path. Methods lock their object, then the objects
//! among their parameters in the order listed.

mod batch;
mod describe;
mod handles;
mod ops;
mod realtime;
pub mod wire;

/// Containers one JSON value may nest: serde_json's own limit when it parses text (its 128th
/// level is "recursion limit exceeded"), so that a value passed parsed and the same value passed
/// as text are refused alike, and a value that contains itself stops here.
pub const MAX_NESTING: usize = 127;

/// For a binding's reader of JSON values: `limit_exceeded` at `path` for a container with
/// `depth` containers around it, when it would nest past [`MAX_NESTING`].
///
/// # Errors
/// `limit_exceeded`, naming the limit.
pub fn check_nesting(depth: usize, path: &str) -> crate::Result<()> {
    if depth < MAX_NESTING {
        return Ok(());
    }
    let message = format!("nested deeper than {MAX_NESTING} levels (a value that contains itself?)");
    Err(crate::Error::new(crate::ErrorCode::LimitExceeded, path, message))
}

pub use batch::*;
pub use describe::{describe, Class, Op, Param, Returns, Surface};
pub use handles::{borrow, HandleClass, Handles};
pub use ops::*;
pub use realtime::*;

/// In an expander of [`surface!`]: calls `$m!($($pre)*; MEMBER)` for each member of a class
/// body (its constructor, static methods and methods, each with its doc lines), so that an
/// expander writes one `member!` rule per kind of member and no walk of its own.
#[macro_export]
macro_rules! surface_members {
    ($m:ident [$($pre:tt)*];) => {};
    ($m:ident [$($pre:tt)*]; $(#[doc = $d:literal])* new $params:tt = $f:path; $($rest:tt)*) => {
        $m!($($pre)*; $(#[doc = $d])* new $params = $f;);
        $crate::surface_members!($m [$($pre)*]; $($rest)*);
    };
    ($m:ident [$($pre:tt)*]; $(#[doc = $d:literal])* $which:ident $name:ident $js:literal $params:tt
        -> $rk:ident $rt:ty = $f:path; $($rest:tt)*) => {
        $m!($($pre)*; $(#[doc = $d])* $which $name $js $params -> $rk $rt = $f;);
        $crate::surface_members!($m [$($pre)*]; $($rest)*);
    };
}

/// Hands the description of the binding surface to the macro `$m` (see the module docs),
/// followed by `$extra` items (`surface_described!` adds the hand-written classes).
#[macro_export]
macro_rules! surface {
    ($m:ident $(; $($extra:tt)*)?) => {
        $m! {
            /// Classifies one attempt's outcome: `{class, reason, retry_after, should_retry, issues}`.
            fn classify "classify" (
                /// `http_<status>`, a transport failure, a timeout phase, `stream_cut` or `cancelled`.
                outcome: Text String,
                headers: Headers Option<$crate::surface::Headers>,
                /// Whose headers and error bodies these are (default `openai`).
                profile [options ClassifyOptions]: Code Option<$crate::transport::classify::Profile>,
                /// The provider error body's `error.type`.
                error_type [options]: Text Option<String>,
                /// The provider error body's `error.code`.
                error_code [options]: Text Option<String>,
                /// Wall clock (unix ms) for an HTTP-date `Retry-After`; absent = unknown.
                wall_unix_ms [options]: Wall Option<u64>
            ) -> Value $crate::transport::classify::Classification = $crate::surface::classify;
            /// The server's requested delay: `{retry_after: {delay_ms, source} | null, issues}`.
            fn retry_after "retryAfter" (headers: Headers $crate::surface::Headers, wall_unix_ms: Wall Option<u64>)
                -> Value $crate::transport::headers::RetryAfterReport = $crate::surface::retry_after;
            /// The rate-limit state the headers report: `{rate_limits: {requests?, tokens?, ...}, issues}`.
            fn rate_limits "rateLimits" (headers: Headers $crate::surface::Headers, wall_unix_ms: Wall Option<u64>)
                -> Value $crate::transport::headers::RateLimitReport = $crate::surface::rate_limits;
            /// A Go duration (`1m30s`, `250ms`) in ms, or null when malformed.
            fn parse_go_duration "parseGoDuration" (s: Text String) -> Value Option<f64> = $crate::surface::parse_go_duration;
            /// An HTTP date (IMF-fixdate, RFC 850, asctime) in unix ms, or null when malformed.
            fn parse_http_date "parseHttpDate" (s: Text String) -> Value Option<i64> = $crate::surface::parse_http_date;
            /// An RFC 3339 timestamp in unix ms, or null when malformed.
            fn parse_rfc3339 "parseRfc3339" (s: Text String) -> Value Option<i64> = $crate::surface::parse_rfc3339;
            /// The catalogue of stable error codes.
            fn error_codes "errorCodes" () -> Value Vec<$crate::ErrorCode> = $crate::surface::error_codes;
            /// What a request says: `{json, model, key, est_tokens}` (the breaker key: the model, else the path as a route; the tokens to reserve; only a JSON body is read).
            fn read_request "readRequest" (
                body: Bytes Vec<u8>,
                /// The `Content-Type` header: a body is read as JSON when it says so (absent: when it starts with `{`).
                content_type [options ReadRequestOptions]: Text Option<String>,
                /// The URL path: the breaker key when the body names no model.
                path [options]: Text Option<String>
            )
                -> Value $crate::transport::bodies::RequestBody = $crate::surface::read_request;
            /// An error body's `{error_type, error_code}` (`error.type`, `error.code`), as `on_outcome` takes them.
            fn read_error "readError" (body: Bytes Vec<u8>)
                -> Value $crate::transport::bodies::ErrorFields = $crate::surface::read_error;

            /// Validates a parsed value against a JSON Schema (compiled once per schema content, cached).
            fn validate "validate" (
                schema: Json serde_json::Value,
                instance: Json serde_json::Value,
                /// The draft a schema without `$schema` is read as (default: draft 2020-12).
                draft [options ValidateOptions]: Code Option<$crate::schema::validate::DraftName>,
                /// Assert `format` (default: the draft's rule).
                formats [options]: Flag Option<bool>,
                /// Violations kept per validation (default 100).
                max_errors [options]: Count Option<u32>
            ) -> Value $crate::schema::validate::Validation = $crate::surface::schema_validate;
            /// Validates model output given as text; malformed JSON is `syntax_error` with its line and column.
            fn validate_text "validateText" (
                schema: Json serde_json::Value,
                text: Text String,
                /// The draft a schema without `$schema` is read as (default: draft 2020-12).
                draft [options ValidateOptions]: Code Option<$crate::schema::validate::DraftName>,
                /// Assert `format` (default: the draft's rule).
                formats [options]: Flag Option<bool>,
                /// Violations kept per validation (default 100).
                max_errors [options]: Count Option<u32>
            ) -> Value $crate::schema::validate::Validation = $crate::surface::schema_validate_text;
            /// Checks a schema against Structured Outputs strict-mode rules and limits.
            fn lint_schema "lintSchema" (
                schema: Json serde_json::Value,
                /// Whose rules and limits (default `openai`).
                profile [options LintOptions]: Code Option<$crate::schema::lint::Profile>
            ) -> Value $crate::schema::lint::Lint = $crate::surface::schema_lint;
            /// The strict form of a schema, as openai-python's `to_strict_json_schema` writes it, or the findings that refuse it.
            fn to_strict "toStrict" (
                schema: Json serde_json::Value,
                /// Whose rules and limits the strict form must meet (default `openai`).
                profile [options StrictOptions]: Code Option<$crate::schema::lint::Profile>,
                /// Make optional properties that do not accept `null` nullable (default false).
                nullable_optionals [options]: Flag Option<bool>
            ) -> Value $crate::schema::strict::Strict = $crate::surface::schema_to_strict;

            /// Changes from `old` to `new` and the BACKWARD (new reader, old data), FORWARD and FULL verdicts.
            fn diff_schemas "diffSchemas" (
                old: Json serde_json::Value,
                new: Json serde_json::Value,
                /// `strict` or `lenient`, as Confluent reads them (default `strict`).
                policy [options DiffOptions]: Code Option<$crate::schema::diff::CompatibilityPolicy>
            ) -> Value $crate::schema::diff::DiffReport = $crate::surface::schema_diff;
            /// Parses model output, repairing fences, prose, trailing commas, quotes and truncation; each repair reported.
            fn repair_json "repairJson" (text: Text String)
                -> Value $crate::schema::tolerant::Repaired = $crate::surface::schema_repair;
            /// The output of a Chat Completions or Responses body: text, refusal, tool calls, finish reason.
            fn extract_output "extractOutput" (body: Json serde_json::Value)
                -> Value $crate::schema::tolerant::ModelOutput = $crate::surface::schema_extract;
            /// Replays a Realtime session timeline (JSON lines): `{actions, issues, turns, latency}`.
            fn realtime_replay "realtimeReplay" (timeline: Text String)
                -> Value $crate::realtime::ReplayReport = $crate::surface::realtime_replay;

            /// A validated policy document: every knob of a client, with documented defaults.
            class Policy "Policy" ($crate::policy::Policy) {
                /// Reads and validates a policy from JSON text (errors carry line and column).
                static from_json "fromJson" (text: Text String) -> Obj Policy = $crate::surface::policy_from_json;
                /// Reads and validates a policy from TOML text (errors carry line and column).
                static from_toml "fromToml" (text: Text String) -> Obj Policy = $crate::surface::policy_from_toml;
                /// Reads and validates a policy document (errors carry the field path).
                static from_dict "fromObject" (policy: Config $crate::policy::Policy) -> Obj Policy = $crate::surface::policy_from_value;
                /// A built-in preset: `openai_sdk`, `conservative` or `batch_first`.
                static preset "preset" (name: Text String) -> Obj Policy = $crate::surface::policy_preset;
                /// The JSON Schema (draft 2020-12) of the policy document.
                static schema "schema" () -> Value serde_json::Value = $crate::surface::policy_schema;
                /// The policy document, every field with its default filled in.
                fn to_dict "toObject" () -> Value $crate::policy::Policy = $crate::surface::policy_to_value;
                /// The policy as JSON text.
                fn to_json "toJson" () -> Value String = $crate::surface::policy_to_json;
            }

            /// Retry delays with jitter (full, equal, decorrelated, proportional, Polly v2, gRPC).
            class Backoff "Backoff" ($crate::surface::Backoff) {
                /// A backoff from a backoff config; `seed` fixes the jitter draws (default: from the OS).
                new (config: Config Option<$crate::transport::backoff::BackoffConfig>, seed: Seed u64) = $crate::surface::backoff_new;
                /// The delay in whole ms (rounded up) before retry `retries_taken + 1`.
                fn next_delay "nextDelay" (retries_taken: Count u32) -> Value u64 = $crate::surface::backoff_next_delay;
            }

            /// The deadline of one logical request, started at `now_ms`.
            class Deadline "Deadline" ($crate::transport::deadline::Deadline) {
                /// A deadline for a request starting at `now_ms`.
                new (config: Config Option<$crate::transport::deadline::DeadlineConfig>, now_ms: Time u64) = $crate::surface::deadline_new;
                /// Phase limits of an attempt starting now, clipped to the time left.
                fn attempt_timeouts "attemptTimeouts" (now_ms: Time u64)
                    -> Value $crate::transport::deadline::AttemptTimeouts = $crate::surface::deadline_attempt_timeouts;
                /// Whether waiting `delay_ms` still leaves a useful attempt.
                fn fits "fits" (delay_ms: Count u64, now_ms: Time u64) -> Value bool = $crate::surface::deadline_fits;
                /// `{timeout_ms, stainless_timeout_s}` for the next hop, or null without a limit.
                fn propagation "propagation" (now_ms: Time u64)
                    -> Value Option<$crate::transport::deadline::Propagation> = $crate::surface::deadline_propagation;
                /// Milliseconds left, or null without a total deadline.
                fn remaining_ms "remainingMs" (now_ms: Time u64) -> Value Option<u64> = $crate::surface::deadline_remaining_ms;
                /// Whether the total deadline has passed.
                fn expired "expired" (now_ms: Time u64) -> Value bool = $crate::surface::deadline_expired;
            }

            /// The retry budget shared by a client's requests (gRPC token bucket, Envoy ratio, ...).
            class RetryBudget "RetryBudget" ($crate::transport::retry_budget::RetryBudget) {
                /// A budget from a budget config.
                new (config: Config Option<$crate::transport::retry_budget::RetryBudgetConfig>) = $crate::surface::retry_budget_new;
                /// A logical request started.
                fn request_started "requestStarted" () -> Value () = $crate::surface::retry_budget_request_started;
                /// A logical request ended.
                fn request_finished "requestFinished" () -> Value () = $crate::surface::retry_budget_request_finished;
                /// Asks for one retry: `{allowed, reason, ...snapshot}`.
                fn try_acquire_retry "tryAcquireRetry" ()
                    -> Value $crate::transport::retry_budget::RetryBudgetDecision = $crate::surface::retry_budget_try_acquire_retry;
                /// A retry the budget allowed has ended.
                fn retry_finished "retryFinished" () -> Value () = $crate::surface::retry_budget_retry_finished;
                /// Feeds the class of an attempt's result.
                fn record "record" (class_name: Code $crate::transport::classify::Class) -> Value () = $crate::surface::retry_budget_record;
                /// The budget's state.
                fn snapshot "snapshot" ()
                    -> Value $crate::transport::retry_budget::RetryBudgetSnapshot = $crate::surface::retry_budget_snapshot;
            }

            /// The retry memory of one logical request: retries taken, backoff memory, jitter source.
            class RetryState "RetryState" ($crate::surface::RetryState) {
                /// A request's retry state from a retry config; `seed` fixes its jitter (default: from the OS).
                new (config: Config Option<$crate::transport::retry::RetryConfig>, seed: Seed u64) = $crate::surface::retry_state_new;
                /// What follows an attempt whose result `classify` returned: `{action, reason,
                /// delay_ms, retries_taken, class, cause}`. The guards are checked in the order
                /// deadline, error budget, retry budget; a granted retry spends from the latter.
                fn decide "decide" (
                    classification: Value $crate::transport::classify::Classification,
                    /// The request's deadline: the delay plus a minimum useful attempt must fit.
                    deadline [guards RetryGuards]: OptObj Deadline,
                    /// The client's shared retry budget; a granted retry spends from it.
                    retry_budget [guards]: OptObj RetryBudget,
                    /// The error budget, when retries are cut while it burns.
                    error_budget [guards]: OptObj ErrorBudget,
                    /// An outer layer retries this request (one retry owner): failures give up.
                    outer_owns_retries [guards]: Flag Option<bool>,
                    now_ms: Time u64
                ) -> Value $crate::transport::retry::RetryDecision = $crate::surface::retry_state_decide;
                /// Retries granted so far.
                fn retries_taken "retriesTaken" () -> Value u32 = $crate::surface::retry_state_retries_taken;
            }

            /// One breaker per key (model, endpoint).
            class BreakerRegistry "BreakerRegistry" ($crate::transport::breaker::BreakerRegistry) {
                /// A registry whose breakers share one breaker config; at most `max_keys` (default 1024).
                new (config: Config Option<$crate::transport::breaker::BreakerConfig>, max_keys: Count Option<u64>) = $crate::surface::registry_new;
                /// `try_acquire` of the breaker for `key`.
                fn try_acquire "tryAcquire" (key: Text String, now_ms: Time u64)
                    -> Value $crate::transport::breaker::Acquire = $crate::surface::registry_try_acquire;
                /// `record` on the breaker for `key`.
                fn record "record" (
                    key: Text String,
                    permit: Permit $crate::transport::breaker::Permit,
                    class_name: Code $crate::transport::classify::Class,
                    latency_ms: Count u64,
                    server_delay_ms: Count Option<u64>,
                    now_ms: Time u64
                ) -> Value $crate::transport::breaker::Recorded = $crate::surface::registry_record;
                /// `release` on the breaker for `key`.
                fn release "release" (key: Text String, permit: Permit $crate::transport::breaker::Permit)
                    -> Value bool = $crate::surface::registry_release;
                /// The state of the breaker for `key` (`closed` for an unknown key).
                fn state "state" (key: Text String) -> Value $crate::transport::breaker::State = $crate::surface::registry_state;
                /// `{keys, evictions}`.
                fn stats "stats" () -> Value $crate::transport::breaker::RegistryStats = $crate::surface::registry_stats;
                /// The number of breakers held.
                fn len "len" () -> Value u64 = $crate::surface::registry_len;
            }

            /// Client-side RPM/TPM limits, synced from `x-ratelimit-*` headers.
            class RateLimiter "RateLimiter" ($crate::transport::ratelimit::RateLimiter) {
                /// A limiter whose buckets start full at `now_ms`.
                new (config: Config Option<$crate::transport::ratelimit::RateLimitConfig>, now_ms: Time u64) = $crate::surface::limiter_new;
                /// Reserves one request of `est_tokens`: `{ready, reason, wait_until_ms, ...}`.
                fn reserve "reserve" (est_tokens: Count Option<u64>, now_ms: Time u64)
                    -> Value $crate::transport::ratelimit::Reservation = $crate::surface::limiter_reserve;
                /// Corrects a reservation's estimate with the tokens actually used.
                fn reconcile "reconcile" (estimated: Count u64, actual: Count u64, now_ms: Time u64)
                    -> Value () = $crate::surface::limiter_reconcile;
                /// Adopts the limits the server reported (`rate_limits(headers)["rate_limits"]`).
                fn sync "sync" (rate_limits: Value $crate::transport::headers::RateLimitHeaders, now_ms: Time u64)
                    -> Value () = $crate::surface::limiter_sync;
                /// Sends nothing until `until_ms` (a server-requested pause).
                fn drain "drain" (until_ms: Count u64, now_ms: Time u64) -> Value () = $crate::surface::limiter_drain;
                /// The buckets' state.
                fn snapshot "snapshot" (now_ms: Time u64)
                    -> Value $crate::transport::ratelimit::RateLimitSnapshot = $crate::surface::limiter_snapshot;
            }

            /// Idempotency keys: random (UUIDv4) per logical request, or derived from its content (UUIDv5).
            class IdempotencyKeys "IdempotencyKeys" ($crate::transport::idempotency::IdempotencyKeys) {
                /// Keys from an idempotency config; `seed` fixes the random keys (default: from the OS).
                new (config: Config Option<$crate::transport::idempotency::IdempotencyConfig>, seed: Seed u64) = $crate::surface::keys_new;
                /// A fresh key.
                fn new_key "newKey" () -> Value String = $crate::surface::keys_new_key;
                /// The key derived from request content, the same on every replay.
                fn derive "derive" (content: Bytes Vec<u8>) -> Value String = $crate::surface::keys_derive;
                /// The header the key is sent in.
                fn header_name "headerName" () -> Value String = $crate::surface::keys_header_name;
            }

            /// An error budget (SLO) with multi-window burn-rate alerts.
            class ErrorBudget "ErrorBudget" ($crate::transport::error_budget::ErrorBudget) {
                /// A budget from an SLO config.
                new (config: Config Option<$crate::transport::error_budget::ErrorBudgetConfig>) = $crate::surface::error_budget_new;
                /// Counts one user-visible result.
                fn record "record" (good: Flag bool, now_ms: Time u64) -> Value () = $crate::surface::error_budget_record;
                /// Counts `good` and `bad` results at once.
                fn record_counts "recordCounts" (good: Count u64, bad: Count u64, now_ms: Time u64)
                    -> Value () = $crate::surface::error_budget_record_counts;
                /// The burn rate over the last `window_ms`, or null without traffic.
                fn burn_rate "burnRate" (window_ms: Count u64, now_ms: Time u64)
                    -> Value Option<f64> = $crate::surface::error_budget_burn_rate;
                /// The share of the period's budget left (negative once overspent).
                fn budget_remaining "budgetRemaining" (now_ms: Time u64) -> Value f64 = $crate::surface::error_budget_budget_remaining;
                /// The burn-rate alerts firing now.
                fn alerts "alerts" (now_ms: Time u64)
                    -> Value Vec<$crate::transport::error_budget::Alert> = $crate::surface::error_budget_alerts;
                /// Whether retries may go on while the budget burns: `{allowed, reason, burn_rate}`.
                fn retries_allowed "retriesAllowed" (now_ms: Time u64)
                    -> Value $crate::transport::error_budget::ErrorBudgetDecision = $crate::surface::error_budget_retries_allowed;
            }

            /// A JSON Schema compiled once; validates parsed values or model output text.
            class SchemaValidator "SchemaValidator" ($crate::schema::validate::Validator) {
                /// Compiles `schema` (`invalid_schema` at the offending keyword's pointer; `unresolved_ref` for an external `$ref`).
                new (
                    schema: Json serde_json::Value,
                    /// The draft a schema without `$schema` is read as (default: draft 2020-12).
                    draft [options ValidateOptions]: Code Option<$crate::schema::validate::DraftName>,
                    /// Assert `format` (default: the draft's rule).
                    formats [options]: Flag Option<bool>,
                    /// Violations kept per validation (default 100).
                    max_errors [options]: Count Option<u32>
                ) = $crate::surface::validator_new;
                /// Validates a parsed value.
                fn validate "validate" (instance: Json serde_json::Value)
                    -> Value $crate::schema::validate::Validation = $crate::surface::validator_validate;
                /// Validates model output given as text (`syntax_error` with line and column when it is not JSON).
                fn validate_text "validateText" (text: Text String)
                    -> Value $crate::schema::validate::Validation = $crate::surface::validator_validate_text;
                /// Whether a parsed value matches, without the violations.
                fn is_valid "isValid" (instance: Json serde_json::Value) -> Value bool = $crate::surface::validator_is_valid;
            }

            /// Reads model output against a schema: accept, accept_repaired, reask (bounded), quarantine.
            class TolerantReader "TolerantReader" ($crate::schema::tolerant::TolerantReader) {
                /// Compiles `schema` for a reader that follows `config`.
                new (
                    schema: Json serde_json::Value,
                    config: Config Option<$crate::schema::tolerant::TolerantConfig>,
                    /// The draft a schema without `$schema` is read as (default: draft 2020-12).
                    draft [options SchemaOptions]: Code Option<$crate::schema::validate::DraftName>,
                    /// Assert `format` (default: the draft's rule).
                    formats [options]: Flag Option<bool>
                ) = $crate::surface::tolerant_new;
                /// Reads one request's output given as text.
                fn read_text "readText" (request_id: Text String, text: Text String)
                    -> Value $crate::schema::tolerant::ReadDecision = $crate::surface::tolerant_read_text;
                /// Reads one request's output from a Chat Completions or Responses body.
                fn read_body "readBody" (request_id: Text String, body: Json serde_json::Value)
                    -> Value $crate::schema::tolerant::ReadDecision = $crate::surface::tolerant_read_body;
                /// Forgets a request's reasks.
                fn forget "forget" (request_id: Text String) -> Value () = $crate::surface::tolerant_forget;
                /// Requests whose reasks are being counted.
                fn tracked "tracked" () -> Value u64 = $crate::surface::tolerant_tracked;
            }

            /// A streamed output checked chunk by chunk: dead as soon as no continuation can be valid.
            class StreamCheck "StreamCheck" ($crate::surface::StreamSession) {
                /// Compiles `schema` for one streamed output.
                new (
                    schema: Json serde_json::Value,
                    /// The draft a schema without `$schema` is read as (default: draft 2020-12).
                    draft [options SchemaOptions]: Code Option<$crate::schema::validate::DraftName>,
                    /// Assert `format` (default: the draft's rule).
                    formats [options]: Flag Option<bool>
                ) = $crate::surface::stream_new;
                /// Feeds the next chunk; the state after it.
                fn feed "feed" (chunk: Chunk String) -> Value $crate::schema::stream::StreamState = $crate::surface::stream_feed;
                /// The state so far.
                fn state "state" () -> Value $crate::schema::stream::StreamState = $crate::surface::stream_state;
                /// The value so far, closed at the last complete value (for progressive display).
                fn partial "partial" () -> Value Option<serde_json::Value> = $crate::surface::stream_partial;
                /// The verdict on the whole text (`validate_text`'s), and a fresh stream.
                fn finish "finish" () -> Value $crate::schema::validate::Validation = $crate::surface::stream_finish;
            }

            /// Splits request JSONL into provider-legal batch files, one line at a time: each line's
            /// placement, then the manifest.
            class BatchPlanner "BatchPlanner" ($crate::surface::BatchPlanSession) {
                /// A planner of the given limits and grouping, pricing with `prices` (default: the built-in table).
                new (
                    config: Config Option<$crate::batch::PlanConfig>,
                    prices: Config Option<$crate::batch::PriceTable>
                ) = $crate::surface::batch_planner_new;
                /// `{placement: planned | deferred | rejected | blank, ...}`; the line's newline is optional.
                fn push "push" (
                    line: Bytes Vec<u8>,
                    /// The line's prompt tokens as the host counted them (default: estimated from its text).
                    prompt_tokens [options PushOptions]: Count Option<u64>
                )
                    -> Value $crate::batch::Placement = $crate::surface::batch_plan_push;
                /// Counts a line too long to read (longer than `max_line_bytes()`) as rejected.
                fn push_oversized "pushOversized" (len: Count u64)
                    -> Value $crate::batch::Placement = $crate::surface::batch_plan_push_oversized;
                /// The longest line a batch file can hold.
                fn max_line_bytes "maxLineBytes" () -> Value u64 = $crate::surface::batch_plan_max_line_bytes;
                /// The manifest: the files, the deferred and rejected lines, the totals.
                fn finish "finish" () -> Value $crate::batch::Manifest = $crate::surface::batch_plan_finish;
            }

            /// Routes a round's output and error lines into succeeded / retry / permanent /
            /// quarantined / missing.
            class BatchRouter "BatchRouter" ($crate::surface::BatchRouteSession) {
                /// A router of one round: the round's manifest and the ledger of earlier rounds (`[]` or null in round 1).
                new (
                    manifest: Value $crate::batch::Manifest,
                    ledger: Json serde_json::Value,
                    /// Attempts a request may have before it is quarantined (default 3).
                    max_attempts [options RouterOptions]: Count Option<u32>
                ) = $crate::surface::batch_router_new;
                /// Routes one line of the output file.
                fn push_output "pushOutput" (line: Bytes Vec<u8>)
                    -> Value $crate::surface::RouteStep = $crate::surface::batch_route_output;
                /// Routes one line of the error file.
                fn push_errors "pushErrors" (line: Bytes Vec<u8>)
                    -> Value $crate::surface::RouteStep = $crate::surface::batch_route_errors;
                /// The report, and the requests no line named: missing or quarantined.
                fn finish "finish" () -> Value $crate::surface::RouteFinish = $crate::surface::batch_route_finish;
            }

            /// Builds the next round from a route's retry bucket: fed the round's batch files,
            /// it places the retried lines, byte-identical.
            class BatchReplay "BatchReplay" ($crate::surface::BatchReplaySession) {
                /// The next round from the round's manifest, the router's report, its retry bucket and the ledger.
                new (
                    manifest: Value $crate::batch::Manifest,
                    route: Value $crate::batch::RouteReport,
                    retry: Json serde_json::Value,
                    ledger: Json serde_json::Value
                ) = $crate::surface::batch_replay_new;
                /// The placement of a retried line in the next round, or null for a line not retried.
                fn push "push" (
                    line: Bytes Vec<u8>,
                    /// The line's prompt tokens as the host counted them (default: estimated from its text).
                    prompt_tokens [options PushOptions]: Count Option<u64>
                )
                    -> Value Option<$crate::batch::Placement> = $crate::surface::batch_replay_push;
                /// The next round's manifest and ledger, and the retried requests no line held.
                fn finish "finish" () -> Value $crate::batch::ReplayOutcome = $crate::surface::batch_replay_finish;
            }

            /// The interruption (barge-in) machine of one Realtime voice session, with its
            /// latency budget: server events and playback progress in, actions out.
            class RealtimeSession "RealtimeSession" ($crate::realtime::Interruptions) {
                /// A session's machine from an interruption config.
                new (config: Config Option<$crate::realtime::InterruptConfig>) = $crate::surface::realtime_new;
                /// One server event (its JSON text, or the parsed object): `{actions, issues, turns, next_timeout_ms}`.
                fn handle_event "handleEvent" (event: Json serde_json::Value, now_ms: Time u64)
                    -> Value $crate::realtime::Step = $crate::surface::realtime_handle_event;
                /// The host played `ms` of item `item_id` so far.
                fn played "played" (item_id: Text String, ms: Count u64, now_ms: Time u64)
                    -> Value $crate::realtime::Step = $crate::surface::realtime_played;
                /// The host sent a client event: a `response.create` marks the turn's request.
                fn sent "sent" (event: Json serde_json::Value, now_ms: Time u64)
                    -> Value $crate::realtime::Step = $crate::surface::realtime_sent;
                /// Fires the timer due by `now_ms` (call it at `poll_timeout()`).
                fn handle_timeout "handleTimeout" (now_ms: Time u64)
                    -> Value $crate::realtime::Step = $crate::surface::realtime_handle_timeout;
                /// The session (or its recording) ended: the due timers fire and a turn still
                /// open is reported.
                fn end "end" (now_ms: Time u64)
                    -> Value $crate::realtime::Step = $crate::surface::realtime_end;
                /// When to call `handle_timeout` next, or null.
                fn poll_timeout "pollTimeout" () -> Value Option<u64> = $crate::surface::realtime_poll_timeout;
                /// p50 / p95 per stage over the last turns: `[{stage, count, p50_ms, p95_ms}]`.
                fn latency_stats "latencyStats" ()
                    -> Value Vec<$crate::realtime::StageStats> = $crate::surface::realtime_latency_stats;
            }

            /// Rotation of an ephemeral Realtime client secret: when to mint (single flight),
            /// backoff after a failed mint, whether a secret may still connect, when to reconnect.
            class RealtimeCredentials "RealtimeCredentials" ($crate::realtime::Credentials) {
                /// Rotation from a credential config; `seed` fixes the backoff jitter (default: from the OS).
                new (config: Config Option<$crate::realtime::CredentialConfig>, seed: Seed u64) = $crate::surface::realtime_credentials_new;
                /// What to do now: `{action: mint | wait | ready, reason, at_ms, failures}`; only one caller is told `mint`.
                fn decide "decide" (now_ms: Time u64)
                    -> Value $crate::realtime::CredentialDecision = $crate::surface::realtime_credentials_decide;
                /// A mint succeeded: the response's `expires_at` (unix ms) read against the host's wall clock now.
                fn minted "minted" (expires_at_unix_ms: Count u64, wall_unix_ms: Count u64, now_ms: Time u64)
                    -> Value () = $crate::surface::realtime_credentials_minted;
                /// A mint failed: `{action: wait, reason: backoff, at_ms, failures}`.
                fn mint_failed "mintFailed" (now_ms: Time u64)
                    -> Value $crate::realtime::CredentialDecision = $crate::surface::realtime_credentials_mint_failed;
                /// Whether a new connection may use the secret: `{ok, reason, remaining_ms}`.
                fn can_connect "canConnect" (now_ms: Time u64)
                    -> Value $crate::realtime::ConnectDecision = $crate::surface::realtime_credentials_can_connect;
                /// When a session that started at `session_started_ms` should reconnect.
                fn reconnect_at "reconnectAt" (session_started_ms: Count u64)
                    -> Value u64 = $crate::surface::realtime_credentials_reconnect_at;
            }

            /// One logical request, owned by the host and passed back to its `Client`.
            class Request "Request" ($crate::transport::client::Request) {
                /// The idempotency key, the same for every attempt.
                fn idempotency_key "idempotencyKey" () -> Value String = $crate::surface::request_idempotency_key;
                /// Attempts sent so far.
                fn attempts "attempts" () -> Value u32 = $crate::surface::request_attempts;
                /// Whether a final decision (done or give up) was made.
                fn finished "finished" () -> Value bool = $crate::surface::request_finished;
            }

            /// Every transport policy of one upstream (breakers, budgets, limiter, keys), driven by the host.
            class Client "Client" ($crate::transport::client::Client) {
                /// A client from a `Policy`, a policy document, or the defaults.
                new (policy: PolicyDoc Option<$crate::policy::Policy>, seed: Seed u64, now_ms: Time u64) = $crate::surface::client_new;
                /// Starts one logical request.
                fn begin "begin" (
                    /// Breaker key (model or endpoint); default `"default"`.
                    key [options BeginOptions]: Text Option<String>,
                    /// Estimated tokens (prompt + max output) for the TPM limiter (default 0).
                    est_tokens [options]: Count Option<u64>,
                    /// An outer layer retries this request (one retry owner).
                    outer_owns_retries [options]: Flag Option<bool>,
                    /// Content for a derived (UUIDv5) idempotency key; absent: a random key.
                    content [options]: Bytes Option<Vec<u8>>,
                    /// What the caller has left of its own deadline, in ms.
                    deadline_ms [options]: Count Option<u64>,
                    now_ms: Time u64
                ) -> Obj Request = $crate::surface::client_begin;
                /// Before each attempt: `{action: send | wait | give_up, reason, timeouts, headers, wait_until_ms, ...}`.
                fn before_attempt "beforeAttempt" (request: Obj Request, now_ms: Time u64)
                    -> Value $crate::transport::client::AttemptDecision = $crate::surface::client_before_attempt;
                /// After each attempt: `{action: retry | done | give_up, reason, delay_ms, ...}`.
                fn on_outcome "onOutcome" (
                    request: Obj Request,
                    /// `http_<status>`, a transport failure, a timeout phase, `stream_cut` or `cancelled`.
                    outcome [result AttemptOutcome]: Text String,
                    /// The response headers.
                    headers [result]: Headers Option<$crate::surface::Headers>,
                    /// The provider error body's `error.type` (`read_error`).
                    error_type [result]: Text Option<String>,
                    /// The provider error body's `error.code` (`read_error`).
                    error_code [result]: Text Option<String>,
                    /// How long the attempt took (the breaker counts slow calls).
                    latency_ms [result]: Count Option<u64>,
                    /// Wall clock (unix ms) for an HTTP-date `Retry-After`; absent = unknown.
                    wall_unix_ms [result]: Wall Option<u64>,
                    /// The tokens the call used, to correct the reservation.
                    actual_tokens [result]: Count Option<u64>,
                    /// The host can make no other attempt (a streamed answer already handed to its reader): a failure that would be retried gives up with `not_repeatable`.
                    last_attempt [result]: Flag Option<bool>,
                    now_ms: Time u64
                ) -> Value $crate::transport::retry::RetryDecision = $crate::surface::client_on_outcome;
                /// Ends `request` without a result (the host cancelled it).
                fn cancel "cancel" (request: Obj Request, now_ms: Time u64) -> Value () = $crate::surface::client_cancel;
                /// The oldest decision event not yet polled (send, wait, retry, done, give_up, cancel, breaker, limiter_sync), or null.
                fn poll_event "pollEvent" ()
                    -> Value Option<$crate::transport::event::Event> = $crate::surface::client_poll_event;
                /// Events dropped because more than 256 waited unpolled.
                fn dropped_events "droppedEvents" () -> Value u64 = $crate::surface::client_dropped_events;
                /// The breaker state for `key`.
                fn breaker_state "breakerState" (key: Text String)
                    -> Value $crate::transport::breaker::State = $crate::surface::client_breaker_state;
                /// The policy this client follows, every field (as `Policy.to_dict` gives it).
                fn policy "policy" () -> Value $crate::policy::Policy = $crate::surface::client_policy;
            }

            /// A server-sent event stream watched as it is read: whether its final event came (one that ends without it was cut), and its first error event.
            class EventStream "EventStream" ($crate::transport::bodies::EventStream) {
                /// A stream before its first bytes.
                new () = $crate::surface::event_stream_new;
                /// Reads the next bytes of the stream; whether the final event came.
                fn feed "feed" (chunk: Bytes Vec<u8>) -> Value bool = $crate::surface::event_stream_feed;
                /// Whether the final event came.
                fn final_seen "finalSeen" () -> Value bool = $crate::surface::event_stream_final_seen;
                /// The first error event's `{error_type, error_code}`, or null.
                fn error "error" ()
                    -> Value Option<$crate::transport::bodies::ErrorFields> = $crate::surface::event_stream_error;
            }
            $($($extra)*)?
        }
    };
}

/// [`surface!`] with the classes every binding writes by hand (`hand_class`: the circuit
/// breaker, for its measured fast paths), described here all the same: their parameters,
/// results and refusals are the contract the hand-written classes keep, checked by the same
/// type-stub tests and played by the same `calls` vectors as every other class. The bindings
/// expand [`surface!`] alone; the description (`describe`) and the Rust vector runner expand
/// this.
#[macro_export]
macro_rules! surface_described {
    ($m:ident) => {
        $crate::surface! { $m;
            /// A circuit breaker for one upstream (resilience4j's rules).
            hand_class CircuitBreaker "CircuitBreaker" ($crate::transport::breaker::CircuitBreaker) {
                /// A breaker from a breaker config.
                new (config: Config Option<$crate::transport::breaker::BreakerConfig>) = $crate::surface::breaker_new;
                /// Asks to make one call: `{permitted, permit, state, reason, retry_after_ms, transition}`.
                fn try_acquire "tryAcquire" (now_ms: Time u64)
                    -> Value $crate::transport::breaker::Acquire = $crate::surface::breaker_try_acquire;
                /// Feeds back a permitted call's result: `{counted, state, transition}`.
                fn record "record" (
                    permit: Permit $crate::transport::breaker::Permit,
                    class_name: Code $crate::transport::classify::Class,
                    latency_ms: Count u64,
                    server_delay_ms: Count Option<u64>,
                    now_ms: Time u64
                ) -> Value $crate::transport::breaker::Recorded = $crate::surface::breaker_record;
                /// Gives back a permit whose call was not made; whether it was current.
                fn release "release" (permit: Permit $crate::transport::breaker::Permit)
                    -> Value bool = $crate::surface::breaker_release;
                /// Forces the breaker open until `reset`: the transition, or null.
                fn transition_to_forced_open "transitionToForcedOpen" (now_ms: Time u64)
                    -> Value Option<$crate::transport::breaker::Transition> = $crate::surface::breaker_transition_to_forced_open;
                /// Permits every call and counts nothing: the transition, or null.
                fn transition_to_disabled "transitionToDisabled" (now_ms: Time u64)
                    -> Value Option<$crate::transport::breaker::Transition> = $crate::surface::breaker_transition_to_disabled;
                /// Permits every call, counts results, never transitions: the transition, or null.
                fn transition_to_metrics_only "transitionToMetricsOnly" (now_ms: Time u64)
                    -> Value Option<$crate::transport::breaker::Transition> = $crate::surface::breaker_transition_to_metrics_only;
                /// Back to closed with empty metrics: the transition, or null.
                fn reset "reset" (now_ms: Time u64)
                    -> Value Option<$crate::transport::breaker::Transition> = $crate::surface::breaker_reset;
                /// The state as of the last call.
                fn state "state" () -> Value $crate::transport::breaker::State = $crate::surface::breaker_state;
                /// `{calls, failures, slow_calls, failure_rate, slow_call_rate}` of the current window.
                fn metrics "metrics" (now_ms: Time u64)
                    -> Value $crate::transport::breaker::Metrics = $crate::surface::breaker_metrics;
                /// The fast path of `try_acquire`: the permit, or null when rejected.
                fn try_acquire_permit "tryAcquirePermit" (now_ms: Time u64)
                    -> Value Option<$crate::transport::breaker::Permit> = $crate::surface::breaker_try_acquire_permit;
                /// The fast path of `record`: how the result was counted.
                fn record_permit "recordPermit" (
                    permit: Permit $crate::transport::breaker::Permit,
                    class_name: Code $crate::transport::classify::Class,
                    latency_ms: Count u64,
                    now_ms: Time u64
                ) -> Value $crate::transport::breaker::Counted = $crate::surface::breaker_record_permit;
            }
        }
    };
}
