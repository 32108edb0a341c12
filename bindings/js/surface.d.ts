// The classes and functions of the binding surface (docs/bindings.md), the same in Node and
// in the WASM module: the package entry builds them from the core's description of the surface
// (bindings/js/surface.mjs). The result and config types are in bindings/node/types.d.ts, the
// types that name these classes in bindings/node/class-types.d.ts; the hand-written breaker's
// declaration comes with each runtime. bindings/*/test check these declarations against the
// results every vector returns.

/** Jittered exponential backoff with its own seeded random source. */
export declare class Backoff {
  /** Frees the object now (it is also freed when collected); using it afterwards is an `invalid_type` error. */
  free(): void
  /** A backoff from a backoff config; `seed` fixes the jitter draws (default: from the OS). */
  constructor(config?: BackoffConfig | null, seed?: number | bigint | null)
  /** The delay in ms (rounded up) before retry `retriesTaken + 1`. */
  nextDelay(retriesTaken: number): number
}

/** One breaker per key (model, endpoint), created on first use, least recently used evicted. */
export declare class BreakerRegistry {
  /** Frees the object now (it is also freed when collected); using it afterwards is an `invalid_type` error. */
  free(): void
  /** A registry whose breakers share one breaker config; at most `maxKeys` (default 1024). */
  constructor(config?: BreakerConfig | null, maxKeys?: number | null)
  /** `tryAcquire` of the breaker for `key`. */
  tryAcquire(key: string, nowMs?: number | null): Acquire
  /** `record` on the breaker for `key`. */
  record(key: string, permit: number, className: ClassName, latencyMs: number, serverDelayMs?: number | null, nowMs?: number | null): Recorded
  /** `release` on the breaker for `key`. */
  release(key: string, permit: number): boolean
  /** The state of the breaker for `key` (`closed` for a key never seen). */
  state(key: string): BreakerState
  /** Counts of keys, evictions and states. */
  stats(): RegistryStats
  /** How many keys hold a breaker. */
  len(): number
}


/**
 * The composed transport policy of one upstream: breakers per key, the retry budget, the
 * rate limiter, idempotency keys and the error budget.
 */
export declare class Client {
  /** Frees the object now (it is also freed when collected); using it afterwards is an `invalid_type` error. */
  free(): void
  /** A client from a `Policy`, a plain policy object, or the defaults. */
  constructor(policy?: Policy | PolicyConfig | null, seed?: number | bigint | null, nowMs?: number | null)
  /** Starts a logical request (its deadline starts now). */
  begin(options?: BeginOptions | null, nowMs?: number | null): Request
  /** What to do before the next attempt: send (with timeouts and headers), wait, or give up. */
  beforeAttempt(request: Request, nowMs?: number | null): AttemptDecision
  /** Records the attempt's outcome and decides what follows (done, retry after a delay, give up). */
  onOutcome(request: Request, result: AttemptOutcome, nowMs?: number | null): RetryDecision
  /** Ends the request without a result (the host cancelled it). */
  cancel(request: Request, nowMs?: number | null): void
  /** The oldest decision event not yet polled (send, wait, retry, done, give_up, cancel, breaker, limiter_sync), or `null`. */
  pollEvent(): ClientEvent | null
  /** Events dropped because more than 256 waited unpolled. */
  droppedEvents(): number
  /** The breaker state for `key`. */
  breakerState(key: string): BreakerState
  /** The policy this client follows, every field (as `Policy.toObject` gives it). */
  policy(): PolicyConfig
}

/** A request's deadline: the total budget and the per-attempt phase limits. */
export declare class Deadline {
  /** Frees the object now (it is also freed when collected); using it afterwards is an `invalid_type` error. */
  free(): void
  /** A deadline for a request starting at `nowMs`. */
  constructor(config?: DeadlineConfig | null, nowMs?: number | null)
  /** The timeouts for an attempt starting now, clipped to what is left. */
  attemptTimeouts(nowMs?: number | null): AttemptTimeouts
  /** Whether waiting `delayMs` still leaves time for an attempt. */
  fits(delayMs: number, nowMs?: number | null): boolean
  /** The deadline to send upstream (`timeout_ms`, Stainless `x-stainless-timeout`), or `null`. */
  propagation(nowMs?: number | null): Propagation | null
  /** Ms left of the total, or `null` without a total. */
  remainingMs(nowMs?: number | null): number | null
  /** Whether the total is spent. */
  expired(nowMs?: number | null): boolean
}

/** An SLO error budget with multi-window burn-rate alerts. */
export declare class ErrorBudget {
  /** Frees the object now (it is also freed when collected); using it afterwards is an `invalid_type` error. */
  free(): void
  /** A budget from an SLO config. */
  constructor(config?: ErrorBudgetConfig | null)
  /** Counts one user-visible result. */
  record(good: boolean, nowMs?: number | null): void
  /** Counts `good` and `bad` results at once. */
  recordCounts(good: number, bad: number, nowMs?: number | null): void
  /** The burn rate over the last `windowMs`, or `null` without traffic. */
  burnRate(windowMs: number, nowMs?: number | null): number | null
  /** The fraction of the error budget left over the SLO period. */
  budgetRemaining(nowMs?: number | null): number
  /** The burn-rate alerts firing now. */
  alerts(nowMs?: number | null): Alert[]
  /** Whether retries are allowed given the budget's burn. */
  retriesAllowed(nowMs?: number | null): ErrorBudgetDecision
}

/** Idempotency keys: random (UUIDv4 from a seeded source) or derived from content (UUIDv5). */
export declare class IdempotencyKeys {
  /** Frees the object now (it is also freed when collected); using it afterwards is an `invalid_type` error. */
  free(): void
  /** Keys from an idempotency config; `seed` fixes the random keys (default: from the OS). */
  constructor(config?: IdempotencyConfig | null, seed?: number | bigint | null)
  /** A fresh random key. */
  newKey(): string
  /** The key for `content` (a string as UTF-8, or bytes): the same content, the same key. */
  derive(content: string | Uint8Array): string
  /** The header the key is sent in (`Idempotency-Key` by default). */
  headerName(): string
}

/** A validated policy: every section of the policy file, with its defaults filled in. */
export declare class Policy {
  /** Frees the object now (it is also freed when collected); using it afterwards is an `invalid_type` error. */
  free(): void
  /** Reads and validates a policy from JSON text. */
  static fromJson(text: string): Policy
  /** Reads and validates a policy from TOML text. */
  static fromToml(text: string): Policy
  /** Reads and validates a policy from a plain object (the same document as the JSON form). */
  static fromObject(object: PolicyConfig): Policy
  /** A built-in preset: `openai_sdk`, `conservative` or `batch_first`. */
  static preset(name: PresetName): Policy
  /** The JSON Schema (draft 2020-12) of the policy document. */
  static schema(): Record<string, unknown>
  /** The policy as a plain object (every field, defaults included). */
  toObject(): PolicyConfig
  /** The policy as JSON text. */
  toJson(): string
}

/** The client-side rate limiter (requests and tokens per minute, synced from headers). */
export declare class RateLimiter {
  /** Frees the object now (it is also freed when collected); using it afterwards is an `invalid_type` error. */
  free(): void
  /** A limiter whose buckets start full at `nowMs`. */
  constructor(config?: RateLimitConfig | null, nowMs?: number | null)
  /** Reserves one request of `estTokens` tokens: go now, or wait until a time. */
  reserve(estTokens?: number | null, nowMs?: number | null): Reservation
  /** Corrects a reservation once the real token count is known. */
  reconcile(estimated: number, actual: number, nowMs?: number | null): void
  /** Adopts the limits a response reported (the `rate_limits` of `rateLimits()`). */
  sync(rateLimits: RateLimits, nowMs?: number | null): void
  /** Blocks new reservations until `untilMs` (a server said to pause). */
  drain(untilMs: number, nowMs?: number | null): void
  /** The limiter's state. */
  snapshot(nowMs?: number | null): RateLimitSnapshot
}

/** A JSON Schema compiled once; validates parsed values or model output text. */
export declare class SchemaValidator {
  /** Frees the object now (it is also freed when collected); using it afterwards is an `invalid_type` error. */
  free(): void
  /** Compiles `schema` (`invalid_schema` at the offending keyword's pointer; `unresolved_ref` for an external `$ref`). */
  constructor(schema: Json, options?: ValidateOptions | null)
  /** Validates a parsed value. */
  validate(instance: Json): Validation
  /** Validates model output given as text (`syntax_error` with line and column when it is not JSON). */
  validateText(text: string): Validation
  /** Whether a parsed value matches, without the violations. */
  isValid(instance: Json): boolean
}

/** Reads model output against a schema: accept, acceptRepaired, reask (bounded), quarantine. */
export declare class TolerantReader {
  /** Frees the object now (it is also freed when collected); using it afterwards is an `invalid_type` error. */
  free(): void
  constructor(schema: Json, config?: TolerantConfig | null, options?: SchemaOptions | null)
  /** Reads one request's output given as text. */
  readText(requestId: string, text: string): ReadDecision
  /** Reads one request's output from a Chat Completions or Responses body. */
  readBody(requestId: string, body: Json): ReadDecision
  /** Forgets a request's reasks. */
  forget(requestId: string): void
  /** Requests whose reasks are being counted. */
  tracked(): number
}

/** A streamed output checked chunk by chunk: dead as soon as no continuation can be valid. */
export declare class StreamCheck {
  /** Frees the object now (it is also freed when collected); using it afterwards is an `invalid_type` error. */
  free(): void
  constructor(schema: Json, options?: SchemaOptions | null)
  /**
   * Feeds the next chunk; the state after it. A chunk that ends with the first half of a
   * surrogate pair (a text sliced by index) keeps that half for the next chunk.
   */
  feed(chunk: string): StreamState
  /** The state so far. */
  state(): StreamState
  /** The value so far, closed at the last complete value (for progressive display). */
  partial(): Json | null
  /** The verdict on the whole text (`validateText`'s), and a fresh stream. */
  finish(): Validation
}

/** Splits request JSONL into provider-legal batch files, one line at a time. */
export declare class BatchPlanner {
  /** Frees the object now (it is also freed when collected); using it afterwards is an `invalid_type` error. */
  free(): void
  constructor(config?: PlanConfig | null, prices?: PriceTable | null)
  /** Places the next line (its newline is optional): planned into a file, deferred, rejected or blank. */
  push(line: string | Uint8Array, options?: { promptTokens?: number | null } | null): Placement
  /** Counts a line too long to read (longer than `maxLineBytes()`) as rejected. */
  pushOversized(len: number): Placement
  /** The longest line a batch file can hold. */
  maxLineBytes(): number
  /** The manifest; the planner takes no more lines. */
  finish(): Manifest
}

/** Routes a round's output and error lines into succeeded / retry / permanent / quarantined / missing. */
export declare class BatchRouter {
  /** Frees the object now (it is also freed when collected); using it afterwards is an `invalid_type` error. */
  free(): void
  constructor(manifest: Manifest, ledger: LedgerEntry[] | null, options?: { maxAttempts?: number | null } | null)
  /** Routes a line of the output file (Anthropic: of the results). */
  pushOutput(line: string | Uint8Array): Routed | { issue: RouteIssue } | { skipped: 'blank' }
  /** Routes a line of the error file. */
  pushErrors(line: string | Uint8Array): Routed | { issue: RouteIssue } | { skipped: 'blank' }
  /** The report and the requests no line named: missing, or quarantined once they have had their `max_attempts`. */
  finish(): { report: RouteReport; missing: Routed[]; quarantined: Routed[] }
}

/** Builds the next round from a route's retry bucket, fed the round's batch files. */
export declare class BatchReplay {
  /** Frees the object now (it is also freed when collected); using it afterwards is an `invalid_type` error. */
  free(): void
  constructor(manifest: Manifest, route: RouteReport, retry: Routed[], ledger: LedgerEntry[] | null)
  /** Places a retried line in the next round, or null when the line is not retried; `promptTokens`: the host's own count. */
  push(line: string | Uint8Array, options?: { promptTokens?: number | null } | null): Placement | null
  /** The next round's manifest and ledger. */
  finish(): ReplayOutcome
}

/** The interruption (barge-in) machine of one Realtime voice session, with its latency budget. */
export declare class RealtimeSession {
  /** Frees the object now (it is also freed when collected); using it afterwards is an `invalid_type` error. */
  free(): void
  constructor(config?: InterruptConfig | null)
  /** One server event (its JSON text, or the parsed object): `{actions, issues, turns, next_timeout_ms}`. */
  handleEvent(event: Json, nowMs?: number | null): RealtimeStep
  /** The host sent a client event: a `response.create` marks the turn's request. */
  sent(event: Json, nowMs?: number | null): RealtimeStep
  /** The host played `ms` of item `itemId` so far. */
  played(itemId: string, ms: number, nowMs?: number | null): RealtimeStep
  /** Fires the timer due by `nowMs` (call it at `pollTimeout()`). */
  handleTimeout(nowMs?: number | null): RealtimeStep
  /** The session (or its recording) ended: the due timers fire and a turn still open is reported. */
  end(nowMs?: number | null): RealtimeStep
  /** When to call `handleTimeout` next, or null. */
  pollTimeout(): number | null
  /** p50 / p95 per stage over the last turns. */
  latencyStats(): StageStats[]
}

/** Rotation of an ephemeral Realtime client secret: when to mint (single flight), backoff, connect, reconnect. */
export declare class RealtimeCredentials {
  /** Frees the object now (it is also freed when collected); using it afterwards is an `invalid_type` error. */
  free(): void
  constructor(config?: CredentialConfig | null, seed?: number | bigint | null)
  /** What to do now; only one caller is told `mint`. */
  decide(nowMs?: number | null): CredentialDecision
  /** A mint succeeded: the response's `expires_at` (unix ms) read against the host's wall clock now. */
  minted(expiresAtUnixMs: number, wallUnixMs: number, nowMs?: number | null): void
  /** A mint failed: wait out the backoff. */
  mintFailed(nowMs?: number | null): CredentialDecision
  /** Whether a new connection may use the secret. */
  canConnect(nowMs?: number | null): ConnectDecision
  /** When a session that started at `sessionStartedMs` should reconnect. */
  reconnectAt(sessionStartedMs: number): number
}

/** A server-sent event stream watched as it is read: whether its final event came (one that ends without it was cut), and its first error event. */
export declare class EventStream {
  /** Frees the object now (it is also freed when collected); using it afterwards is an `invalid_type` error. */
  free(): void
  constructor()
  /** Reads the next bytes of the stream; whether the final event came. */
  feed(chunk: string | Uint8Array): boolean
  /** Whether the final event came. */
  finalSeen(): boolean
  /** The first error event's `{error_type, error_code}`, or `null`. */
  error(): ErrorFields | null
}

/** One logical request: its idempotency key, deadline, attempts and retry state. */
export declare class Request {
  /** Frees the object now (it is also freed when collected); using it afterwards is an `invalid_type` error. */
  free(): void
  /** The idempotency key every attempt of this request sends. */
  idempotencyKey(): string
  /** Attempts started so far. */
  attempts(): number
  /** Whether the request has ended (done, given up or cancelled). */
  finished(): boolean
}

/** The retry budget shared by the requests of one client. */
export declare class RetryBudget {
  /** Frees the object now (it is also freed when collected); using it afterwards is an `invalid_type` error. */
  free(): void
  /** A budget from a budget config. */
  constructor(config?: RetryBudgetConfig | null)
  /** A request began. */
  requestStarted(): void
  /** A request ended. */
  requestFinished(): void
  /** Asks for one retry; a granted retry holds a slot until `retryFinished`. */
  tryAcquireRetry(): RetryBudgetDecision
  /** A granted retry ended. */
  retryFinished(): void
  /** Counts one attempt's class (`success` refills, failures drain). */
  record(className: ClassName): void
  /** The budget's state. */
  snapshot(): RetryBudgetSnapshot
}

/** The retry memory of one logical request: retries taken, backoff memory, jitter source. */
export declare class RetryState {
  /** Frees the object now (it is also freed when collected); using it afterwards is an `invalid_type` error. */
  free(): void
  /** A request's retry state from a retry config; `seed` fixes its jitter (default: from the OS). */
  constructor(config?: RetryConfig | null, seed?: number | bigint | null)
  /**
   * What follows an attempt whose result `classify` returned; a granted retry spends from
   * `guards.retryBudget`.
   */
  decide(classification: ClassificationInput, guards?: RetryGuards | null, nowMs?: number | null): RetryDecision
  /** Retries granted so far. */
  retriesTaken(): number
}

/** Classifies one attempt's outcome (`http_429`, `stream_cut`, `timeout_headers`, ...). */
export declare function classify(outcome: Outcome, headers?: HeadersInit | null, options?: ClassifyOptions | null): Classification

/** Replays a Realtime session timeline (JSON lines) through the interruption machine. */
export declare function realtimeReplay(timeline: string): RealtimeReplay

/** The description of this API as data: every function, class and parameter (the same in every runtime). */
export declare function surface(): SurfaceDescription
/** The catalogue of stable error codes. */
export declare function errorCodes(): ErrorCode[]

/** A Go duration (`1h2m3.5s`, `250ms`) in ms, or `null`. */
export declare function parseGoDuration(s: string): number | null

/** An HTTP date (RFC 9110) as unix ms, or `null`. */
export declare function parseHttpDate(s: string): number | null

/** An RFC 3339 timestamp as unix ms, or `null`. */
export declare function parseRfc3339(s: string): number | null

/** What a request says: `{json, model, key, est_tokens}` (the breaker key: the model, else the path as a route; the tokens to reserve; only a JSON body is read). */
export declare function readRequest(body: string | Uint8Array, options?: { contentType?: string | null; path?: string | null } | null): RequestBody

/** An error body's `{error_type, error_code}` (`error.type`, `error.code`), as `onOutcome` takes them. */
export declare function readError(body: string | Uint8Array): ErrorFields

/** The rate-limit state the headers report (OpenAI, Azure and Anthropic names). */
export declare function rateLimits(headers: HeadersInit, wallUnixMs?: number | null): RateLimitsResult

/** The server's requested delay (`retry-after-ms`, `retry-after`), with unusable values listed. */
export declare function retryAfter(headers: HeadersInit, wallUnixMs?: number | null): RetryAfterResult

/** Validates a parsed value against a JSON Schema (compiled once per schema content, cached). */
export declare function validate(schema: Json, instance: Json, options?: ValidateOptions | null): Validation

/** Validates model output given as text against a JSON Schema. */
export declare function validateText(schema: Json, text: string, options?: ValidateOptions | null): Validation

/** Checks a schema against Structured Outputs strict-mode rules and limits. */
export declare function lintSchema(schema: Json, options?: LintOptions | null): Lint

/** The strict form of a schema, as openai-python writes it, or the findings that refuse it. */
export declare function toStrict(schema: Json, options?: StrictOptions | null): Strict

/** Parses model output, repairing fences, prose, trailing commas, quotes and truncation; each repair reported. */
export declare function repairJson(text: string): Repaired

/** The output of a Chat Completions or Responses body: text, refusal, tool calls, finish reason. */
export declare function extractOutput(body: Json): ModelOutput

/** Changes from `old` to `new` and the BACKWARD (new reader, old data), FORWARD and FULL verdicts. */
export declare function diffSchemas(old: Json, new_: Json, options?: DiffOptions | null): SchemaDiff

// ---- the fetch integration (bindings/js/fetch.mjs) ------------------------------------------

/** Options of `fetch(policy, options)`. */
export interface FetchOptions {
  /** A client to share (breakers, budgets, limiter) instead of one made from `policy`. */
  client?: Client
  /** The fetch that does the I/O (default `globalThis.fetch`). */
  fetch?: (input: string, init: RequestInit) => Promise<Response>
  /** The breaker key of a request (default: the body's `model`, else the URL path). */
  key?: (url: string, init: RequestInit) => string
  /** Called with every decision event. */
  onEvent?: (event: ClientEvent) => void
  /** A `console`-like logger: give-ups and a breaker opening at `warn`, retries at `info`, the rest at `debug`. */
  logger?: { warn?(...a: unknown[]): void; info?(...a: unknown[]): void; debug?(...a: unknown[]): void }
  /** An OpenTelemetry `Tracer` (`@opentelemetry/api`): a span per logical request, each decision a span event. */
  opentelemetry?: { startSpan(name: string, options?: { kind?: number }): unknown }
}

/** The `fetch` breakwater returns: a standard fetch, its client, and its decisions as DOM events. */
export interface BreakwaterFetch {
  (input: string | URL | Request, init?: RequestInit): Promise<Response>
  /** The client every request goes through. */
  readonly client: Client
  /** Dispatches each decision as an event of its `kind` (`retry`, `give_up`, ...), the decision in `detail`. */
  readonly events: EventTarget
}

/**
 * A `fetch` that runs every request through a breakwater client:
 * `new OpenAI({ maxRetries: 0, fetch: fetch(policy) })`. `policy`: a `Policy`, a policy object,
 * a preset name, or null for the defaults.
 */
export declare function fetch(policy?: Policy | PolicyConfig | string | null, options?: FetchOptions): BreakwaterFetch

/** breakwater stopped a request without a result to return (`reason`: `breaker_open`, `deadline_exhausted`, ...). */
export declare class GaveUpError extends Error {
  readonly code: 'gave_up'
  readonly reason: string
  /** The client's decision. */
  readonly decision: AttemptDecision | RetryDecision | { reason: string }
}

/** An attempt broke a phase limit of its decision (`reason`: `timeout_headers`, `timeout_first_token`, ...). */
export declare class AttemptTimeoutError extends GaveUpError {}

/** A streamed answer was cut, ended without its final event, or stalled (`reason`: `stream_cut`, `timeout_idle`, ...); never named `AbortError`. */
export declare class StreamCutError extends GaveUpError {}

/** A decision event as OpenTelemetry span-event attributes (`http.request.resend_count`, `error.type`, `breakwater.*`). */
export declare function eventAttributes(event: ClientEvent): Record<string, string | number | boolean>
