//! TypeScript types of the documents and results, emitted into the generated `.d.ts`.
//!
//! Results are the core's serde form (snake_case keys); the method signatures in
//! the `.d.ts` name these types through `unchecked_return_type` / `unchecked_param_type`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** The stable error codes (`errorCodes()`). */
export type ErrorCode =
  | "syntax_error" | "unknown_field" | "missing_field" | "invalid_type" | "unknown_variant"
  | "negative_duration" | "out_of_range" | "not_finite" | "invalid_value" | "invalid_argument";

/** Every refusal is an `Error` with these fields (`line`/`column` only for documents). */
export interface BreakwaterError extends Error {
  code: ErrorCode;
  /** Dotted field path (`breaker.window.size`) or the parameter name (`nowMs`); "" for the document. */
  path: string;
  /** 1-based line in the document (JSON/TOML text only). */
  line?: number;
  column?: number;
}

/** An attempt's outcome: `http_<status>`, a transport failure, a timeout phase, a cut stream. */
export type Outcome =
  | `http_${number}` | "connect" | "tls_handshake" | "tls_certificate" | "reset" | "stream_cut" | "cancelled"
  | "timeout_connect" | "timeout_headers" | "timeout_first_token" | "timeout_idle" | "timeout_attempt";

/** The built-in policies of `Policy.preset`. */
export type PresetName = "openai_sdk" | "conservative" | "batch_first";

/** The class of an attempt's result. */
export type ClassName = "success" | "retryable" | "rate_limited" | "overloaded" | "permanent" | "fatal";
export type Profile = "openai" | "anthropic" | "azure_openai" | "generic_http";
export type BreakerState = "closed" | "open" | "half_open" | "forced_open" | "disabled" | "metrics_only";
export type Counted = "success" | "failure" | "slow_success" | "slow_failure" | "ignored" | "stale";

/** Response headers: `[name, value]` pairs, a plain object, or an iterable of pairs (`Headers`, `Map`). */
export type HeadersInit = Array<[string, string]> | Record<string, string> | Iterable<[string, string]>;

export interface ClassifyOptions {
  profile?: Profile;
  errorType?: string | null;
  errorCode?: string | null;
  /** Wall clock (unix ms) for an HTTP-date `Retry-After`. */
  wallUnixMs?: number | null;
}

export interface RetryAfter {
  /** null when the header held a non-finite number. */
  delay_ms: number | null;
  source: "retry_after_ms" | "retry_after_seconds" | "retry_after_date" | "x_ms_retry_after_ms";
}

export interface Classification {
  class: ClassName;
  reason: string;
  retry_after?: RetryAfter;
  should_retry?: boolean;
  issues: string[];
}

export interface RetryAfterResult {
  retry_after: RetryAfter | null;
  issues: string[];
}

export interface Quota {
  limit?: number;
  remaining?: number;
  reset_ms?: number;
}

export interface RateLimits {
  requests?: Quota;
  tokens?: Quota;
  input_tokens?: Quota;
  output_tokens?: Quota;
}

export interface RateLimitsResult {
  rate_limits: RateLimits;
  issues: string[];
}

export interface BackoffConfig {
  base_ms?: number;
  multiplier?: number;
  max_ms?: number;
  jitter?: "none" | "full" | "equal" | "proportional" | "decorrelated" | "decorrelated_v2" | "grpc";
  jitter_factor?: number;
}

export interface DeadlineConfig {
  total_ms?: number;
  connect_ms?: number;
  headers_ms?: number;
  first_token_ms?: number;
  idle_ms?: number;
  attempt_ms?: number;
  min_attempt_ms?: number;
}

export type BudgetConfig =
  | { kind: "token_bucket"; max_tokens?: number; token_ratio?: number }
  | { kind: "ratio"; budget_percent?: number; min_retry_concurrency?: number }
  | { kind: "none" };

export interface BreakerConfig {
  window?: { kind: "count"; size?: number } | { kind: "time"; duration_ms?: number; bucket_ms?: number };
  failure_rate_threshold?: number;
  slow_call_rate_threshold?: number;
  slow_call_ms?: number;
  minimum_calls?: number;
  half_open_permitted?: number;
  max_half_open_ms?: number;
  open_wait?: { kind: "fixed"; ms?: number } | { kind: "exponential"; initial_ms?: number; multiplier?: number; max_ms?: number };
  failure_classes?: ClassName[];
  retry_after_opens?: boolean;
  retry_after_min_ms?: number;
  retry_after_max_ms?: number;
  initial_state?: "closed" | "disabled" | "metrics_only" | "forced_open";
}

export interface RateLimitConfig {
  rpm?: number;
  tpm?: number;
  sync_from_headers?: boolean;
  request_burst_ms?: number;
  max_wait_ms?: number;
}

export interface IdempotencyConfig {
  header?: string;
  mode?: "random" | "derived";
  namespace?: string;
}

export interface SloConfig {
  target?: number;
  period_ms?: number;
  resolution_ms?: number;
  alerts?: Array<{ severity: "page" | "ticket"; long_window_ms: number; short_window_ms: number; burn_rate: number }>;
  cut_retries_at_burn_rate?: number;
}

export interface RetryConfig {
  max_retries?: number;
  backoff?: BackoffConfig;
  server_delay?: { honor?: boolean; max_ms?: number; above_max?: "refuse" | "backoff" | "cap" };
  retry_on?: ClassName[];
  ownership?: "own" | "defer_to_outer";
}

/** The policy document (the same keys as the JSON/TOML policy file). */
export interface PolicyConfig {
  profile?: Profile;
  retry?: RetryConfig;
  deadline?: DeadlineConfig;
  budget?: BudgetConfig;
  breaker?: BreakerConfig;
  breaker_keys?: number;
  rate_limit?: RateLimitConfig;
  idempotency?: IdempotencyConfig;
  slo?: SloConfig;
}

export interface AttemptTimeouts {
  connect_ms: number | null;
  headers_ms: number | null;
  first_token_ms: number | null;
  idle_ms: number | null;
  attempt_ms: number | null;
  remaining_ms: number | null;
}

export interface Propagation {
  timeout_ms: number;
  stainless_timeout_s: number;
}

export interface BudgetSnapshot {
  kind: "token_bucket" | "ratio" | "none";
  tokens?: number;
  threshold?: number;
  active_requests: number;
  active_retries: number;
  limit?: number;
}

export interface BudgetDecision extends BudgetSnapshot {
  allowed: boolean;
  reason: "allowed" | "no_budget" | "budget_exhausted" | "retry_limit_reached";
}

export interface Transition {
  from: BreakerState;
  to: BreakerState;
  reason: string;
  at_ms: number;
  open_until_ms: number | null;
}

export interface Acquire {
  permitted: boolean;
  /** The permit token (an integer below 2^53) to pass to `record` or `release`. */
  permit: number | null;
  state: BreakerState;
  reason: string;
  retry_after_ms: number | null;
  transition: Transition | null;
}

export interface Recorded {
  counted: Counted;
  state: BreakerState;
  transition: Transition | null;
}

export interface BreakerMetrics {
  calls: number;
  failures: number;
  slow_calls: number;
  failure_rate: number | null;
  slow_call_rate: number | null;
}

export interface RegistryStats {
  keys: number;
  evictions: number;
}

export interface Reservation {
  ready: boolean;
  reason: "ready" | "rpm_exhausted" | "tpm_exhausted" | "drained" | "exceeds_capacity" | "wait_exceeds_max";
  wait_until_ms?: number;
  remaining_requests?: number;
  remaining_tokens?: number;
}

export interface BucketSnapshot {
  limit: number;
  source: "config" | "server";
  remaining: number;
  debt: number;
}

export interface RateLimitSnapshot {
  requests?: BucketSnapshot;
  tokens?: BucketSnapshot;
  blocked_until_ms?: number;
}

export interface Alert {
  severity: "page" | "ticket";
  long_window_ms: number;
  short_window_ms: number;
  threshold: number;
  long_burn_rate: number;
  short_burn_rate: number;
}

export interface SloDecision {
  allowed: boolean;
  reason: "not_configured" | "no_traffic" | "within_budget" | "budget_burning";
  burn_rate?: number;
}

export interface BeginOptions {
  /** The breaker key (model, endpoint); `default` when omitted. */
  key?: string | null;
  estTokens?: number | null;
  outerOwnsRetries?: boolean | null;
  /** Content to derive a deterministic idempotency key from. */
  content?: string | Uint8Array | null;
  budgetMs?: number | null;
}

export interface AttemptOutcome {
  outcome: Outcome;
  headers?: HeadersInit | null;
  errorType?: string | null;
  errorCode?: string | null;
  latencyMs?: number | null;
  wallUnixMs?: number | null;
  actualTokens?: number | null;
}

export interface AttemptDecision {
  action: "send" | "wait" | "give_up";
  reason: string;
  wait_until_ms?: number;
  attempt: number;
  timeouts: AttemptTimeouts;
  headers: Array<[string, string]>;
}

export interface RetryDecision {
  action: "retry" | "done" | "give_up";
  reason: string;
  delay_ms?: number;
  retries_taken: number;
  class: ClassName;
  cause: string;
}

export interface BreakerEvent {
  key: string;
  transition: Transition;
}

/** What a retry decision must respect besides the request's own retry count; each guard is optional. */
export interface RetryGuards {
  /** The request's deadline: the delay plus a minimum useful attempt must fit. */
  deadline?: Deadline | null;
  /** The client's shared retry budget; a granted retry spends from it. */
  budget?: RetryBudget | null;
  /** The error budget, when retries are cut while it burns. */
  slo?: ErrorBudget | null;
  /** The caller says an outer layer retries this request (single retry owner). */
  outerOwnsRetries?: boolean | null;
}

/** What `RetryState.decide` takes back: a `Classification`, of which only `class` and `reason` are required. */
export type ClassificationInput = Pick<Classification, "class" | "reason"> & Partial<Classification>;

/** `decide`, installed by the package entry (it merges into the class declaration). */
export interface RetryState {
  /** What follows an attempt whose result `classify` returned; a granted retry spends from `guards.budget`. */
  decide(classification: ClassificationInput, guards?: RetryGuards | null, nowMs?: number | null): RetryDecision;
}
"#;
