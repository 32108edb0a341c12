// Result, option and config types of the `breakwater` Node binding and of the WASM module,
// which has the same surface (bindings/wasm/src/types.rs includes this file). Results are the
// core's serde form: snake_case keys; an optional value is `null` or absent. Hand-written from
// core/src; keep in step with it. Types that name the classes are in class-types.d.ts.

// ---- stable codes -------------------------------------------------------------------------

/** The stable error codes (`errorCodes()`). */
export type ErrorCode =
  | 'syntax_error' | 'unknown_field' | 'missing_field' | 'invalid_type' | 'unknown_variant'
  | 'negative_duration' | 'out_of_range' | 'not_finite' | 'invalid_value' | 'invalid_argument'
  | 'invalid_schema' | 'unresolved_ref' | 'limit_exceeded'

/** What a thrown breakwater error carries besides `message`. */
export interface BreakwaterError extends Error {
  code: ErrorCode
  /** Dotted path of the offending field or the parameter name; `''` for the document itself. */
  path: string
  /** 1-based line in the source document, for JSON/TOML documents. */
  line?: number
  /** 1-based column in the source document, when known. */
  column?: number
}

/** Class of an attempt's result. */
export type ClassName = 'success' | 'retryable' | 'rate_limited' | 'overloaded' | 'permanent' | 'fatal'
export type Profile = 'openai' | 'azure_openai' | 'anthropic' | 'generic_http'
/** `http_<status>`, a transport failure, a timeout phase, `stream_cut` or `cancelled`. */
export type Outcome =
  | `http_${number}`
  | 'connect' | 'tls_handshake' | 'tls_certificate' | 'reset'
  | 'timeout_connect' | 'timeout_headers' | 'timeout_first_token' | 'timeout_idle' | 'timeout_attempt'
  | 'stream_cut' | 'cancelled'
export type ClassReason =
  | 'ok' | 'informational' | 'redirect' | 'bad_request' | 'unauthorized' | 'forbidden' | 'not_found'
  | 'request_timeout_408' | 'conflict_409' | 'request_too_large' | 'unprocessable' | 'rate_limited'
  | 'client_error' | 'server_error' | 'not_implemented' | 'bad_gateway' | 'service_unavailable'
  | 'gateway_timeout' | 'overloaded' | 'unknown_status' | 'insufficient_quota' | 'credit_balance_exhausted'
  | 'billing_error' | 'spend_limit_reached' | 'stream_error'
  | 'connect_failed' | 'tls_handshake_failed' | 'tls_certificate_refused' | 'connection_reset'
  | 'timeout_connect' | 'timeout_headers' | 'timeout_first_token' | 'timeout_idle' | 'timeout_attempt'
  | 'stream_cut' | 'cancelled'
export type HeaderIssue =
  | 'retry_after_ms_unparseable' | 'retry_after_unparseable' | 'retry_after_negative'
  | 'retry_after_not_finite' | 'retry_after_overflow' | 'retry_after_date_without_clock'
  | 'should_retry_unparseable' | 'ratelimit_value_unparseable' | 'ratelimit_value_negative'
  | 'ratelimit_reset_unparseable' | 'ratelimit_reset_without_clock' | 'ratelimit_reset_too_far'
export type RetryAfterSource = 'retry_after_ms' | 'retry_after_seconds' | 'retry_after_date' | 'x_ms_retry_after_ms'
export type BreakerState = 'closed' | 'open' | 'half_open' | 'forced_open' | 'disabled' | 'metrics_only'
export type AcquireReason =
  | 'closed' | 'half_open_probe' | 'open' | 'open_retry_after' | 'half_open_full' | 'forced_open'
  | 'disabled' | 'metrics_only'
export type TransitionReason =
  | 'failure_rate_exceeded' | 'slow_call_rate_exceeded' | 'consecutive_failures_exceeded' | 'retry_after' | 'open_wait_elapsed'
  | 'half_open_healthy' | 'half_open_failure_rate_exceeded' | 'half_open_slow_call_rate_exceeded'
  | 'half_open_timeout' | 'forced_open' | 'disabled' | 'metrics_only' | 'reset'
export type Counted = 'success' | 'failure' | 'slow_success' | 'slow_failure' | 'ignored' | 'stale'
export type RetryBudgetKind = 'token_bucket' | 'adaptive' | 'ratio' | 'none'
export type RetryBudgetReason = 'allowed' | 'no_budget' | 'budget_exhausted' | 'retry_limit_reached'
export type LimitReason = 'ready' | 'rpm_exhausted' | 'tpm_exhausted' | 'drained' | 'exceeds_capacity' | 'wait_exceeds_max'
export type LimitSource = 'config' | 'server'
export type Severity = 'page' | 'ticket'
export type ErrorBudgetReason = 'not_configured' | 'no_traffic' | 'within_budget' | 'budget_burning'
export type AttemptAction = 'send' | 'wait' | 'give_up'
export type AttemptReason =
  | 'ready' | 'breaker_open' | 'breaker_half_open_full' | 'breaker_forced_open' | 'rate_limited_locally'
  | 'exceeds_token_capacity' | 'deadline_exhausted' | 'request_finished'
export type RetryAction = 'retry' | 'done' | 'give_up'
export type RetryReason =
  | 'succeeded' | 'permanent_error' | 'fatal_error' | 'class_not_retried' | 'server_said_no_retry' | 'server_delay_too_long'
  | 'retries_exhausted' | 'retry_owned_by_outer_layer' | 'not_repeatable' | 'deadline_exhausted'
  | 'error_budget_burning' | 'retry_budget_exhausted' | 'server_delay' | 'backoff'
export type PresetName = 'openai_sdk' | 'conservative' | 'batch_first'

// ---- inputs -------------------------------------------------------------------------------

/** Response headers: `[name, value]` pairs, a plain object, or an iterable of pairs (`Headers`, `Map`). */
export type HeadersInit =
  | ReadonlyArray<readonly [string, string]>
  | Readonly<Record<string, string>>
  | Iterable<readonly [string, string]>

export interface ClassifyOptions {
  profile?: Profile | null
  /** The provider error body's `error.type`. */
  errorType?: string | null
  /** The provider error body's `error.code`. */
  errorCode?: string | null
  /** Wall clock (unix ms) for an HTTP-date `Retry-After`; absent = unknown. */
  wallUnixMs?: number | null
}

export interface BeginOptions {
  /** Breaker key (model or endpoint); default `"default"`. */
  key?: string | null
  estTokens?: number | null
  outerOwnsRetries?: boolean | null
  /** Content for a derived (UUIDv5) idempotency key. */
  content?: string | Uint8Array | null
  /** What the caller has left of its own deadline, in ms. */
  deadlineMs?: number | null
}

export interface AttemptOutcome {
  outcome: Outcome
  headers?: HeadersInit | null
  errorType?: string | null
  errorCode?: string | null
  latencyMs?: number | null
  wallUnixMs?: number | null
  actualTokens?: number | null
  /** The host can make no other attempt (a streamed answer already handed to its reader):
   * a failure that would be retried gives up with `not_repeatable`. */
  lastAttempt?: boolean | null
}

// ---- configs (the policy file's sections; every field optional = its default) -------------

export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated' | 'proportional' | 'decorrelated_v2' | 'grpc'
export interface BackoffConfig {
  base_ms?: number
  max_ms?: number
  multiplier?: number
  jitter?: Jitter
  jitter_factor?: number
}
export interface DeadlineConfig {
  total_ms?: number | null
  connect_ms?: number | null
  headers_ms?: number | null
  first_token_ms?: number | null
  idle_ms?: number | null
  attempt_ms?: number | null
  min_attempt_ms?: number
}
export type RetryBudgetConfig =
  | { kind: 'token_bucket'; max_tokens?: number; token_ratio?: number }
  | { kind: 'adaptive'; max_tokens?: number; token_ratio?: number }
  | { kind: 'ratio'; budget_percent?: number; min_retry_concurrency?: number }
  | { kind: 'none' }
export type WindowConfig =
  | { kind: 'count'; size?: number }
  | { kind: 'time'; duration_ms?: number; bucket_ms?: number }
export type OpenWait =
  | { kind: 'fixed'; ms?: number }
  | { kind: 'exponential'; initial_ms?: number; multiplier?: number; max_ms?: number }
export interface BreakerConfig {
  window?: WindowConfig
  failure_rate_threshold?: number
  slow_call_rate_threshold?: number
  slow_call_ms?: number
  consecutive_failures?: number
  minimum_calls?: number
  half_open_permitted?: number
  max_half_open_ms?: number
  open_wait?: OpenWait
  failure_classes?: ClassName[]
  retry_after_opens?: boolean
  retry_after_min_ms?: number
  retry_after_max_ms?: number
  initial_state?: 'closed' | 'disabled' | 'metrics_only' | 'forced_open'
}
export interface RateLimitConfig {
  rpm?: number | null
  tpm?: number | null
  request_burst_ms?: number | null
  max_wait_ms?: number
  sync_from_headers?: boolean
}
export interface IdempotencyConfig {
  header?: string
  mode?: 'random' | 'derived'
  namespace?: string | null
}
export interface AlertPair {
  severity: Severity
  long_window_ms: number
  short_window_ms: number
  burn_rate: number
}
export interface ErrorBudgetConfig {
  target?: number
  period_ms?: number
  resolution_ms?: number
  alerts?: AlertPair[]
  cut_retries_at_burn_rate?: number | null
}
export interface RetryConfig {
  max_retries?: number
  retry_on?: ClassName[]
  backoff?: BackoffConfig
  server_delay?: { honor?: boolean; max_ms?: number; above_max?: 'refuse' | 'backoff' | 'cap' }
  ownership?: 'own' | 'defer_to_outer'
}
/** A policy document (`Policy.fromObject`, `new Client(policy)`); `toObject()` returns every field. */
export interface PolicyConfig {
  profile?: Profile
  retry?: RetryConfig
  deadline?: DeadlineConfig
  retry_budget?: RetryBudgetConfig
  breaker?: BreakerConfig
  breaker_wait_ms?: number
  breaker_keys?: number
  rate_limit?: RateLimitConfig
  idempotency?: IdempotencyConfig
  /** Which headers each attempt carries; the `x-stainless-*` ones default to the openai and azure_openai profiles only. */
  headers?: { idempotency_key?: boolean; retry_count?: boolean | null; timeout?: boolean | null }
  error_budget?: ErrorBudgetConfig | null
}

// ---- results ------------------------------------------------------------------------------

export interface RetryAfter {
  /** The delay in ms; `null` when not finite. */
  delay_ms: number | null
  source: RetryAfterSource
}
export interface Classification {
  class: ClassName
  reason: ClassReason
  retry_after?: RetryAfter
  should_retry?: boolean
  issues: HeaderIssue[]
}
/** What `RetryState.decide` takes back: a `Classification`, of which only `class` and `reason`
 * are required. */
export type ClassificationInput = Pick<Classification, 'class' | 'reason'> & Partial<Classification>
export interface RetryAfterResult {
  retry_after: RetryAfter | null
  issues: HeaderIssue[]
}
export interface Quota {
  limit?: number
  remaining?: number
  reset_ms?: number
}
export interface RateLimits {
  requests?: Quota
  tokens?: Quota
  input_tokens?: Quota
  output_tokens?: Quota
}
export interface RateLimitsResult {
  rate_limits: RateLimits
  issues: HeaderIssue[]
}
/** What a request body says (`readRequest`); only a JSON body is read. */
export interface RequestBody {
  json: boolean
  /** The body's `"model"`: the usual breaker key. */
  model: string | null
  /** The breaker key: the model, else the path (when given) as a route, its resource ids as `{id}`. */
  key: string | null
  /** Its bytes at four a token (an inline image or file at 765), plus the output allowance it asks for. */
  est_tokens: number
}
/** An error's `error.type` and `error.code` (else `error.details.error_code`). */
export interface ErrorFields {
  error_type: string | null
  error_code: string | null
}
export interface AttemptTimeouts {
  connect_ms: number | null
  headers_ms: number | null
  first_token_ms: number | null
  idle_ms: number | null
  attempt_ms: number | null
  remaining_ms: number | null
}
export interface Propagation {
  timeout_ms: number
  stainless_timeout_s: number
}
export interface RetryBudgetSnapshot {
  kind: RetryBudgetKind
  tokens?: number
  threshold?: number
  active_requests: number
  active_retries: number
  limit?: number
}
export interface RetryBudgetDecision extends RetryBudgetSnapshot {
  allowed: boolean
  reason: RetryBudgetReason
}
export interface Transition {
  from: BreakerState
  to: BreakerState
  reason: TransitionReason
  at_ms: number
  open_until_ms: number | null
}
export interface Acquire {
  permitted: boolean
  /** The permit token to pass to `record` or `release`; `null` when rejected. */
  permit: number | null
  state: BreakerState
  reason: AcquireReason
  retry_after_ms: number | null
  transition: Transition | null
}
export interface Recorded {
  counted: Counted
  state: BreakerState
  transition: Transition | null
}
export interface BreakerMetrics {
  calls: number
  failures: number
  slow_calls: number
  failure_rate: number | null
  slow_call_rate: number | null
}
export interface RegistryStats {
  keys: number
  evictions: number
}
export interface Reservation {
  ready: boolean
  reason: LimitReason
  wait_until_ms?: number
  remaining_requests?: number
  remaining_tokens?: number
}
export interface BucketSnapshot {
  limit: number
  source: LimitSource
  remaining: number
  debt: number
}
export interface RateLimitSnapshot {
  requests?: BucketSnapshot
  tokens?: BucketSnapshot
  blocked_until_ms?: number
}
export interface Alert {
  severity: Severity
  long_window_ms: number
  short_window_ms: number
  threshold: number
  long_burn_rate: number
  short_burn_rate: number
}
export interface ErrorBudgetDecision {
  allowed: boolean
  reason: ErrorBudgetReason
  burn_rate?: number
}
export interface AttemptDecision {
  action: AttemptAction
  reason: AttemptReason
  wait_until_ms?: number
  attempt: number
  timeouts: AttemptTimeouts
  /** Headers to send with the attempt (idempotency key, retry count, timeout). */
  headers: Array<[string, string]>
}
export interface RetryDecision {
  action: RetryAction
  reason: RetryReason
  delay_ms?: number
  retries_taken: number
  class: ClassName
  cause: ClassReason
}
/** What every decision event carries. */
interface EventBase {
  /** `now_ms` of the call that made the decision. */
  at_ms: number
  /** The request's breaker key. */
  key: string
  /** The logical request: its idempotency key. */
  request: string
}
/** An attempt's result as events report it; `error_type` (OpenTelemetry's) only on failure. */
interface EventResult {
  outcome: string
  class: ClassName
  cause: ClassReason
  error_type?: string
}
/** One decision of a `Client`, tagged by `kind` (docs/bindings.md, "Decision events"). */
export type ClientEvent = EventBase & (
  | { kind: 'send'; attempt: number; resend_count: number }
  | { kind: 'wait'; attempt: number; reason: AttemptReason; wait_until_ms: number }
  | ({ kind: 'retry'; attempt: number; reason: RetryReason; delay_ms: number } & EventResult)
  | ({ kind: 'done'; attempt: number } & EventResult)
  | ({ kind: 'give_up'; attempt: number; reason: AttemptReason | RetryReason } & Partial<EventResult>)
  | { kind: 'cancel'; attempt: number }
  | { kind: 'breaker'; transition: Transition }
  | { kind: 'limiter_sync'; requests?: Quota; tokens?: Quota }
)

// ---- the description of the surface (`surface()`) -------------------------------------------

/** One parameter of an operation. */
export interface SurfaceParam {
  /** snake_case (camelCase in JavaScript). */
  name: string
  /** In JavaScript, the options object it is a key of. */
  bag: string | null
  /** How a runtime reads it: `Text`, `Count`, `Time`, `Value`, `Obj`, ... */
  kind: string
  /** The Rust type the core takes. */
  rust: string
  optional: boolean
}

/** A function, constructor, static method or method. */
export interface SurfaceOp {
  kind: 'fn' | 'new' | 'static' | 'method'
  name: string
  js: string
  doc: string
  params: SurfaceParam[]
  returns: { kind: 'Value' | 'Obj'; rust: string } | null
}

/** What `surface()` returns. */
export interface SurfaceDescription {
  functions: SurfaceOp[]
  classes: { name: string; js: string; doc: string; ops: SurfaceOp[] }[]
}

// ---- schemas ------------------------------------------------------------------------------

/** Any JSON value: a schema, a model output. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** The JSON Schema draft to read a schema as, when its `$schema` does not say. */
export type DraftName = 'draft4' | 'draft6' | 'draft7' | 'draft2019-09' | 'draft2020-12'

/** The target whose strict-mode rules and limits apply. */
export type LintProfile = 'openai' | 'openai_legacy' | 'azure_openai' | 'openai_finetuned'

/** How a schema is compiled and how much a validation reports. */
export interface ValidateOptions {
  draft?: DraftName | null
  /** Assert `format` (default: the draft's rule). */
  formats?: boolean | null
  /** Violations kept per validation (default 100). */
  maxErrors?: number | null
}

/** One way a value fails its schema. */
export interface Violation {
  code: string
  /** JSON Pointer to the offending part of the value. */
  instance_path: string
  /** JSON Pointer to the keyword that refused it. */
  schema_path: string
  keyword: string
  message: string
}

/** The outcome of validating one value. */
export interface Validation {
  valid: boolean
  errors: Violation[]
  truncated: boolean
}

/** One strict-mode finding. */
export interface Finding {
  code: string
  severity: 'error' | 'warning'
  /** JSON Pointer of the schema the finding is about. */
  path: string
  message: string
}

/** Sizes a schema uses, or a profile allows. */
export interface LintUsage {
  properties: number
  depth: number
  characters: number
  enum_values: number
}

/** The outcome of `lintSchema`. */
export interface Lint {
  ok: boolean
  profile: LintProfile
  findings: Finding[]
  usage: LintUsage
  limits: LintUsage & { large_enum_characters: number }
}

/** A property that was optional before the strict rewrite. */
export interface OptionalField {
  path: string
  nullable: boolean
  made_nullable: boolean
}

/** The outcome of `toStrict`. */
export interface Strict {
  ok: boolean
  schema: { [key: string]: Json } | null
  optional_fields: OptionalField[]
  findings: Finding[]
}

/** Options of `lintSchema`. */
export interface LintOptions {
  profile?: LintProfile | null
}

/** Options of `toStrict`. */
export interface StrictOptions {
  profile?: LintProfile | null
  /** Make optional properties that do not accept `null` nullable (default false). */
  nullableOptionals?: boolean | null
}

/** One repair made to model output text. */
export interface Repair {
  code: string
  /** Byte offset in the input. */
  offset: number
  line: number
  column: number
  message: string
}

/** The outcome of `repairJson`. */
export interface Repaired {
  value: Json
  repairs: Repair[]
  omitted_repairs: number
}

/** A tool call in an API body. */
export interface ToolCall {
  id: string | null
  name: string
  arguments: string
}

/** The model output of a Chat Completions or Responses body. */
export interface ModelOutput {
  api: 'chat_completions' | 'responses' | 'text'
  text: string | null
  refusal: string | null
  tool_calls: ToolCall[]
  finish: 'stop' | 'tool_calls' | 'length' | 'content_filter' | 'incomplete' | 'failed' | 'unknown'
  finish_raw: string | null
}

/** A change the tolerant reader made to an accepted value. */
export interface Adjustment {
  code: 'enum_fallback' | 'property_dropped'
  instance_path: string
  message: string
}

/** What to do with one output, and why. */
export interface ReadDecision {
  action: 'accept' | 'accept_repaired' | 'reask' | 'quarantine'
  reason: string
  value: Json | null
  repairs: Repair[]
  adjustments: Adjustment[]
  violations: Violation[]
  summary: string | null
  refusal: string | null
  reasks: number
}

/** How a tolerant reader reads (snake_case keys, like every config document). */
export interface TolerantConfig {
  repair?: boolean
  max_reasks?: number
  drop_unknown_properties?: boolean
  enum_fallbacks?: { [pointer: string]: Json }
  summary_violations?: number
  max_tracked_requests?: number
}

/** Options of `TolerantReader` and `StreamCheck`. */
export interface SchemaOptions {
  draft?: DraftName | null
  formats?: boolean | null
}

/** Where a streamed output stands; `offset`: the UTF-8 bytes fed when the verdict was known
 * (an index into `new TextEncoder().encode(text)`, not into the string). */
export type StreamState =
  | { state: 'open' }
  | { state: 'dead'; violation: Violation; offset: number }
  | { state: 'syntax_error'; parse_error: { code: ErrorCode; path: string; message: string; line?: number; column?: number }; offset: number }

/** One change between two schema versions. */
export interface SchemaChange {
  /** Confluent's `Difference.Type` name (`ENUM_ARRAY_EXTENDED`, ...). */
  kind: string
  /** JSON Pointer as a URI fragment (`#/properties/a`). */
  path: string
  backward: boolean
  forward: boolean
}

/** What a change means for LLM output. */
export interface DiffNote {
  code: string
  path: string
  message: string
}

/** The outcome of `diffSchemas`. */
export interface SchemaDiff {
  changes: SchemaChange[]
  backward: boolean
  forward: boolean
  full: boolean
  notes: DiffNote[]
}

/** Options of `diffSchemas`. */
export interface DiffOptions {
  policy?: 'strict' | 'lenient' | null
}

// ---- batch ------------------------------------------------------------------------------------

/** A batch plan's config (every key optional; the defaults are the provider's limits). */
export interface PlanConfig {
  provider?: 'openai' | 'anthropic' | 'azure_openai'
  on_invalid?: 'stop' | 'skip'
  max_requests_per_file?: number | null
  max_bytes_per_file?: number | null
  max_embedding_inputs_per_file?: number | null
  enqueued_tokens?: { [model: string]: number }
  default_enqueued_tokens?: number | null
  endpoints?: string[] | null
  max_custom_id_len?: number
  chars_per_token?: number
  default_output_tokens?: number
  max_cost_usd?: number | null
  max_attempts?: number
  file_prefix?: string
}

/** One model's prices, USD per 1M tokens. */
export interface ModelPrice {
  input: number
  output: number
  cached_input?: number
  /** Input written to the prompt cache (Anthropic's 5-minute cache); absent = `input`. */
  cache_write_input?: number
  /** Input written to the 1-hour prompt cache; absent = `cache_write_input`. */
  cache_write_1h_input?: number
  batch_input?: number
  batch_output?: number
}

/** A price table (the embedded one, or yours). */
export interface PriceTable {
  date: string
  source: string
  batch_discount: number
  models: { [model: string]: ModelPrice }
}

/** A rejected request line. */
export interface Rejection {
  line: number
  custom_id?: string
  /** `invalid_json`, `truncated_line`, `duplicate_custom_id`, `unknown_endpoint`, ... */
  code: string
  path: string
  message: string
}

/** Where one request line went. */
export type Placement =
  | { placement: 'planned'; file: number; path: string; opened: boolean; closed: number | null }
  | { placement: 'deferred'; reason: 'cost_cap' | 'unpriced' }
  | ({ placement: 'rejected' } & Rejection)
  | { placement: 'blank' }

/** One batch file of a plan. */
export interface BatchFile {
  path: string
  endpoint: string
  model: string
  requests: number
  bytes: number
  embedding_inputs: number
  input_tokens: number
  output_tokens: number
  estimated_cost_usd: number | null
  sync_cost_usd: number | null
  wave: number
  custom_ids: string[]
}

/** A plan: the batch files, and the record of every line not in them. */
export interface Manifest {
  format: string
  round: number
  config: Required<PlanConfig>
  limits: { max_requests: number; max_bytes: number; max_embedding_inputs: number | null }
  prices: PriceTable
  spent_before_usd: number
  files: BatchFile[]
  rejected: Rejection[]
  deferred: { line: number; custom_id: string; reason: 'cost_cap' | 'unpriced'; estimated_cost_usd: number | null }[]
  stopped_at_line: number | null
  warnings: { code: 'output_uncapped' | 'unpriced_model' | 'blank_line' | 'mixed_models'; count: number; first_line: number; message: string }[]
  totals: {
    lines: number
    planned: number
    rejected: number
    deferred: number
    blank: number
    files: number
    bytes: number
    input_tokens: number
    output_tokens: number
    estimated_cost_usd: number
    sync_cost_usd: number
    unpriced: number
  }
}

/** Tokens a result reports. */
export interface Usage {
  input_tokens: number
  cached_input_tokens: number
  /** Of `input_tokens`, written to the prompt cache (the 1-hour cache's included). */
  cache_write_input_tokens: number
  /** Of `cache_write_input_tokens`, written to the 1-hour cache. */
  cache_write_1h_input_tokens: number
  output_tokens: number
}

/** One failed attempt of a replayed request. */
export interface HistoryEntry {
  round: number
  file: string
  reason: string
  status_code?: number
}

/** One routed request. */
export interface Routed {
  custom_id: string
  bucket: 'succeeded' | 'retry' | 'permanent' | 'quarantined' | 'missing'
  reason: string
  file: string
  attempts: number
  status_code?: number
  error_code?: string
  usage?: Usage
  history?: HistoryEntry[]
}

/** A result line that was not routed. */
export interface RouteIssue {
  source: 'output' | 'errors'
  line: number
  custom_id?: string
  code: 'invalid_result' | 'unknown_custom_id' | 'duplicate_result'
  message: string
}

/** A route's summary: counts per bucket at the top level. */
export interface RouteReport {
  round: number
  requests: number
  succeeded: number
  retry: number
  permanent: number
  quarantined: number
  missing: number
  reasons: { [reason: string]: number }
  usage: Usage
  actual_cost_usd: number
  sync_cost_usd: number
  unpriced: number
  issues: RouteIssue[]
}

/** A replayed request's attempts. */
export interface LedgerEntry {
  custom_id: string
  attempts: number
  history: HistoryEntry[]
}

/** The next round of a replay. */
export interface ReplayOutcome {
  manifest: Manifest
  ledger: LedgerEntry[]
  not_found: string[]
}

// ---- realtime ------------------------------------------------------------------------------

export type RealtimeStage = 'detect' | 'first_text' | 'first_audio' | 'playback' | 'voice_to_voice'
/** The interruption machine's settings (`new RealtimeSession(config)`, a timeline's config line). */
export interface InterruptConfig {
  transport?: 'websocket' | 'webrtc'
  interrupt_response?: boolean
  audio_format?: 'pcm16' | 'g711_ulaw' | 'g711_alaw'
  min_interruption_ms?: number
  false_interruption_timeout_ms?: number
  resume_false_interruption?: boolean
  budgets?: {
    detect_ms?: number | null
    first_text_ms?: number | null
    first_audio_ms?: number | null
    playback_ms?: number | null
    voice_to_voice_ms?: number | null
  }
  history?: number
}
export interface RealtimeAction {
  at_ms: number
  action: 'send' | 'stop_playback' | 'resume_playback'
  /** With `send`: the client event, as the API takes it. */
  event?: { type: string; [key: string]: Json }
  /** With `stop_playback` / `resume_playback`: the assistant item (absent over WebRTC). */
  item_id?: string | null
}
export interface RealtimeIssue {
  at_ms: number
  code: string
  message: string
}
export interface RealtimeTurn {
  speech_end_ms: number
  detect_ms: number | null
  first_text_ms: number | null
  first_audio_ms: number | null
  playback_ms: number | null
  voice_to_voice_ms: number | null
  violations: RealtimeStage[]
}
export interface RealtimeStep {
  actions: RealtimeAction[]
  issues: RealtimeIssue[]
  turns: RealtimeTurn[]
  next_timeout_ms: number | null
}
export interface StageStats {
  stage: RealtimeStage
  count: number
  p50_ms: number | null
  p95_ms: number | null
}
export interface RealtimeReplay {
  actions: RealtimeAction[]
  issues: RealtimeIssue[]
  turns: RealtimeTurn[]
  latency: StageStats[]
}
/** Client-secret rotation settings (`new RealtimeCredentials(config)`). */
export interface CredentialConfig {
  refresh_margin_ms?: number
  refresh_jitter_ms?: number
  min_remaining_to_connect_ms?: number
  max_clock_skew_ms?: number
  mint_timeout_ms?: number
  backoff?: BackoffConfig
  session_cap_ms?: number
  reconnect_margin_ms?: number
}
export interface CredentialDecision {
  action: 'mint' | 'wait' | 'ready'
  reason: 'no_secret' | 'refresh_due' | 'fresh' | 'mint_in_flight' | 'mint_timed_out' | 'backoff'
  at_ms: number | null
  failures: number
}
export interface ConnectDecision {
  ok: boolean
  reason: 'ok' | 'no_secret' | 'expiring'
  remaining_ms: number | null
}
