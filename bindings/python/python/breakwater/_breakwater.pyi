"""Type stubs of the compiled module ``breakwater._breakwater`` (re-exported by ``breakwater``).

Conventions (docs/bindings.md): ``now_ms`` is monotonic milliseconds, always the
last parameter and optional (omitted = ``time.monotonic_ns() // 1_000_000``);
``wall_unix_ms`` is never defaulted. Times and counts are non-negative integers
(an integral float is accepted); anything else raises ``InvalidArgumentError``
or ``BreakwaterTypeError`` naming the parameter. Results are plain dicts with
the core's snake_case keys; a key whose value is absent may be missing.
"""

from typing import Any, Dict, List, Literal, Mapping, Optional, Sequence, Tuple, TypedDict, Union, final

from typing_extensions import NotRequired

__version__: str

ClassName = Literal["success", "retryable", "rate_limited", "overloaded", "permanent", "fatal"]
State = Literal["closed", "open", "half_open", "forced_open", "disabled", "metrics_only"]
Counted = Literal["success", "failure", "slow_success", "slow_failure", "ignored", "stale"]
ProfileName = Literal["openai", "azure_openai", "anthropic", "generic_http"]
Header = Union[str, bytes]
Headers = Union[Sequence[Tuple[Header, Header]], Sequence[Sequence[Header]], Mapping[str, str], Any]
"""A list of ``(name, value)`` pairs, a dict, or any mapping (``httpx.Headers``)."""
Time = int
Config = Mapping[str, Any]
Json = Any
"""Any JSON value: dict, list, str, int, float, bool or ``None`` (``null``)."""
DraftName = Literal["draft4", "draft6", "draft7", "draft2019-09", "draft2020-12"]
LintProfile = Literal["openai", "openai_legacy", "azure_openai", "openai_finetuned"]

# ---- results ---------------------------------------------------------------------------------

class RetryAfterResult(TypedDict):
    delay_ms: Optional[float]
    """None when the header held a non-finite number."""
    source: str

Classification = TypedDict(
    "Classification",
    {
        "class": ClassName,
        "reason": str,
        "retry_after": NotRequired[Optional[RetryAfterResult]],
        "should_retry": NotRequired[Optional[bool]],
        "issues": List[str],
    },
)

ClassificationInput = TypedDict(
    "ClassificationInput",
    {
        "class": ClassName,
        "reason": str,
        "retry_after": NotRequired[Optional[RetryAfterResult]],
        "should_retry": NotRequired[Optional[bool]],
        "issues": NotRequired[List[str]],
    },
)
"""What ``RetryState.decide`` takes back: a ``Classification`` with only ``class`` and ``reason`` required."""

class RetryAfterFound(TypedDict):
    retry_after: Optional[RetryAfterResult]
    issues: List[str]

class Quota(TypedDict, total=False):
    limit: int
    remaining: int
    reset_ms: int

class RateLimitHeaders(TypedDict, total=False):
    requests: Quota
    tokens: Quota
    input_tokens: Quota
    output_tokens: Quota

class RateLimitsFound(TypedDict):
    rate_limits: RateLimitHeaders
    issues: List[str]

class RequestBody(TypedDict):
    """What a request body says (``read_request``); only a JSON body is read."""

    json: bool
    model: Optional[str]
    key: Optional[str]
    """The breaker key: the model, else the path (when given) as a route, its resource ids as ``{id}``."""
    est_tokens: int

class ErrorFields(TypedDict):
    """An error's ``error.type`` and ``error.code``, as ``Client.on_outcome`` takes them."""

    error_type: Optional[str]
    error_code: Optional[str]

Transition = TypedDict(
    "Transition",
    {"from": State, "to": State, "reason": str, "at_ms": int, "open_until_ms": Optional[int]},
)

class Acquire(TypedDict):
    permitted: bool
    permit: Optional[int]
    """An integer token below 2^53; 0 is a valid permit, so test ``is not None``."""
    state: State
    reason: str
    retry_after_ms: Optional[int]
    transition: Optional[Transition]

class Recorded(TypedDict):
    counted: Counted
    state: State
    transition: Optional[Transition]

class Metrics(TypedDict):
    calls: int
    failures: int
    slow_calls: int
    failure_rate: Optional[float]
    slow_call_rate: Optional[float]

class RegistryStats(TypedDict):
    keys: int
    evictions: int

class AttemptTimeouts(TypedDict):
    """Each phase's limit in ms for the attempt starting now; None where there is none."""
    connect_ms: Optional[int]
    headers_ms: Optional[int]
    first_token_ms: Optional[int]
    idle_ms: Optional[int]
    attempt_ms: Optional[int]
    remaining_ms: Optional[int]

class Propagation(TypedDict):
    timeout_ms: int
    stainless_timeout_s: int

class RetryBudgetSnapshot(TypedDict):
    kind: str
    tokens: NotRequired[float]
    threshold: NotRequired[float]
    active_requests: int
    active_retries: int
    limit: NotRequired[int]

class RetryBudgetDecision(RetryBudgetSnapshot):
    allowed: bool
    reason: str

class Reservation(TypedDict):
    ready: bool
    reason: str
    wait_until_ms: NotRequired[Optional[int]]
    remaining_requests: NotRequired[Optional[int]]
    remaining_tokens: NotRequired[Optional[int]]

class BucketSnapshot(TypedDict):
    limit: int
    source: str
    remaining: int
    debt: int

class RateLimitSnapshot(TypedDict, total=False):
    requests: BucketSnapshot
    tokens: BucketSnapshot
    blocked_until_ms: int

class Alert(TypedDict):
    severity: Literal["page", "ticket"]
    long_window_ms: int
    short_window_ms: int
    threshold: float
    long_burn_rate: float
    short_burn_rate: float

class ErrorBudgetDecision(TypedDict):
    allowed: bool
    reason: str
    burn_rate: NotRequired[Optional[float]]

class AttemptDecision(TypedDict):
    action: Literal["send", "wait", "give_up"]
    reason: str
    wait_until_ms: NotRequired[int]
    attempt: int
    timeouts: AttemptTimeouts
    headers: List[List[str]]
    """``[name, value]`` pairs to add to the call: ``dict(decision["headers"])``."""

RetryDecision = TypedDict(
    "RetryDecision",
    {
        "action": Literal["retry", "done", "give_up"],
        "reason": str,
        "delay_ms": NotRequired[Optional[int]],
        "retries_taken": int,
        "class": ClassName,
        "cause": str,
    },
)

class Violation(TypedDict):
    code: str
    instance_path: str
    schema_path: str
    keyword: str
    message: str

class Validation(TypedDict):
    valid: bool
    errors: List[Violation]
    truncated: bool

class Finding(TypedDict):
    code: str
    severity: Literal["error", "warning"]
    path: str
    message: str

class LintUsage(TypedDict):
    properties: int
    depth: int
    characters: int
    enum_values: int

class LintLimits(TypedDict):
    properties: int
    depth: int
    characters: int
    enum_values: int
    large_enum_characters: int

class Lint(TypedDict):
    ok: bool
    profile: LintProfile
    findings: List[Finding]
    usage: LintUsage
    limits: LintLimits

class OptionalField(TypedDict):
    path: str
    nullable: bool
    made_nullable: bool

class Strict(TypedDict):
    ok: bool
    schema: Optional[Dict[str, Any]]
    optional_fields: List[OptionalField]
    findings: List[Finding]

class SchemaChange(TypedDict):
    kind: str
    """Confluent's ``Difference.Type`` name (``ENUM_ARRAY_EXTENDED``, ...)."""
    path: str
    backward: bool
    forward: bool

class DiffNote(TypedDict):
    code: str
    path: str
    message: str

class SchemaDiff(TypedDict):
    changes: List[SchemaChange]
    backward: bool
    forward: bool
    full: bool
    notes: List[DiffNote]

class Repair(TypedDict):
    code: str
    offset: int
    line: int
    column: int
    message: str

class Repaired(TypedDict):
    value: Json
    repairs: List[Repair]
    omitted_repairs: int

class ToolCall(TypedDict):
    id: Optional[str]
    name: str
    arguments: str

class ModelOutput(TypedDict):
    api: Literal["chat_completions", "responses", "text"]
    text: Optional[str]
    refusal: Optional[str]
    tool_calls: List[ToolCall]
    finish: Literal["stop", "tool_calls", "length", "content_filter", "incomplete", "failed", "unknown"]
    finish_raw: Optional[str]

class Adjustment(TypedDict):
    code: Literal["enum_fallback", "property_dropped"]
    instance_path: str
    message: str

class ReadDecision(TypedDict):
    action: Literal["accept", "accept_repaired", "reask", "quarantine"]
    reason: str
    value: Optional[Json]
    repairs: List[Repair]
    adjustments: List[Adjustment]
    violations: List[Violation]
    summary: Optional[str]
    refusal: Optional[str]
    reasks: int

class StreamState(TypedDict):
    state: Literal["open", "dead", "syntax_error"]
    violation: NotRequired[Violation]
    parse_error: NotRequired[Dict[str, Any]]
    offset: NotRequired[int]
    """UTF-8 bytes fed when the verdict was known (``text.encode()[:offset]``), not characters."""

class _Event(TypedDict):
    at_ms: int
    key: str
    request: str
    """The logical request: its idempotency key."""

class SendEvent(_Event):
    kind: Literal["send"]
    attempt: int
    resend_count: int

class WaitEvent(_Event):
    kind: Literal["wait"]
    attempt: int
    reason: str
    wait_until_ms: int

RetryEvent = TypedDict(
    "RetryEvent",
    {
        "at_ms": int, "key": str, "request": str, "kind": Literal["retry"], "attempt": int,
        "outcome": str, "class": ClassName, "cause": str, "error_type": str, "reason": str, "delay_ms": int,
    },
)
DoneEvent = TypedDict(
    "DoneEvent",
    {
        "at_ms": int, "key": str, "request": str, "kind": Literal["done"], "attempt": int,
        "outcome": str, "class": ClassName, "cause": str,
    },
)
GiveUpEvent = TypedDict(
    "GiveUpEvent",
    {
        "at_ms": int, "key": str, "request": str, "kind": Literal["give_up"], "attempt": int, "reason": str,
        "outcome": NotRequired[str], "class": NotRequired[ClassName], "cause": NotRequired[str],
        "error_type": NotRequired[str],
    },
)
"""``outcome``, ``class``, ``cause`` and ``error_type`` when the request stopped after a call."""

class CancelEvent(_Event):
    kind: Literal["cancel"]
    attempt: int

class BreakerEvent(_Event):
    kind: Literal["breaker"]
    transition: Transition

class LimiterSyncEvent(_Event):
    kind: Literal["limiter_sync"]
    requests: NotRequired[Quota]
    tokens: NotRequired[Quota]

ClientEvent = Union[SendEvent, WaitEvent, RetryEvent, DoneEvent, GiveUpEvent, CancelEvent, BreakerEvent, LimiterSyncEvent]
"""One decision of a ``Client``, tagged by ``kind`` (docs/bindings.md, "Decision events")."""

# ---- batch ----------------------------------------------------------------------------------

class Rejection(TypedDict):
    line: int
    custom_id: NotRequired[str]
    code: str
    """``invalid_json``, ``truncated_line``, ``duplicate_custom_id``, ``unknown_endpoint``, ..."""
    path: str
    message: str

class PlacementPlanned(TypedDict):
    placement: Literal["planned"]
    file: int
    path: str
    opened: bool
    closed: Optional[int]

class PlacementDeferred(TypedDict):
    placement: Literal["deferred"]
    reason: Literal["cost_cap", "unpriced"]

class PlacementRejected(Rejection):
    placement: Literal["rejected"]

class PlacementBlank(TypedDict):
    placement: Literal["blank"]

Placement = Union[PlacementPlanned, PlacementDeferred, PlacementRejected, PlacementBlank]

class BatchLimits(TypedDict):
    max_requests: int
    max_bytes: int
    max_embedding_inputs: Optional[int]

class ModelPrice(TypedDict):
    input: float
    output: float
    cached_input: NotRequired[float]
    cache_write_input: NotRequired[float]
    cache_write_1h_input: NotRequired[float]
    batch_input: NotRequired[float]
    batch_output: NotRequired[float]

class PriceTable(TypedDict):
    date: str
    source: str
    batch_discount: float
    models: Dict[str, ModelPrice]

class PlanConfig(TypedDict):
    provider: Literal["openai", "anthropic", "azure_openai"]
    on_invalid: Literal["stop", "skip"]
    max_requests_per_file: Optional[int]
    max_bytes_per_file: Optional[int]
    max_embedding_inputs_per_file: Optional[int]
    enqueued_tokens: Dict[str, int]
    default_enqueued_tokens: Optional[int]
    endpoints: Optional[List[str]]
    max_custom_id_len: int
    chars_per_token: float
    default_output_tokens: int
    max_cost_usd: Optional[float]
    max_attempts: int
    file_prefix: str

class BatchFile(TypedDict):
    path: str
    endpoint: str
    model: str
    requests: int
    bytes: int
    embedding_inputs: int
    input_tokens: int
    output_tokens: int
    estimated_cost_usd: Optional[float]
    sync_cost_usd: Optional[float]
    wave: int
    custom_ids: List[str]

class Deferred(TypedDict):
    line: int
    custom_id: str
    reason: Literal["cost_cap", "unpriced"]
    estimated_cost_usd: Optional[float]

class PlanWarning(TypedDict):
    code: Literal["output_uncapped", "unpriced_model", "blank_line", "mixed_models"]
    count: int
    first_line: int
    message: str

class PlanTotals(TypedDict):
    lines: int
    planned: int
    rejected: int
    deferred: int
    blank: int
    files: int
    bytes: int
    input_tokens: int
    output_tokens: int
    estimated_cost_usd: float
    sync_cost_usd: float
    unpriced: int

class Manifest(TypedDict):
    format: str
    round: int
    config: PlanConfig
    limits: BatchLimits
    prices: PriceTable
    spent_before_usd: float
    files: List[BatchFile]
    rejected: List[Rejection]
    deferred: List[Deferred]
    stopped_at_line: Optional[int]
    warnings: List[PlanWarning]
    totals: PlanTotals

class Usage(TypedDict):
    input_tokens: int
    cached_input_tokens: int
    cache_write_input_tokens: int
    cache_write_1h_input_tokens: int
    output_tokens: int

class HistoryEntry(TypedDict):
    round: int
    file: str
    reason: str
    status_code: NotRequired[int]

Bucket = Literal["succeeded", "retry", "permanent", "quarantined", "missing"]

class Routed(TypedDict):
    custom_id: str
    bucket: Bucket
    reason: str
    file: str
    attempts: int
    status_code: NotRequired[int]
    error_code: NotRequired[str]
    usage: NotRequired[Usage]
    history: NotRequired[List[HistoryEntry]]

class RouteIssue(TypedDict):
    source: Literal["output", "errors"]
    line: int
    custom_id: NotRequired[str]
    code: Literal["invalid_result", "unknown_custom_id", "duplicate_result"]
    message: str

class RouteIssueStep(TypedDict):
    issue: RouteIssue

class RouteSkipped(TypedDict):
    skipped: Literal["blank"]

RouteStep = Union[Routed, RouteIssueStep, RouteSkipped]

class RouteReport(TypedDict):
    round: int
    requests: int
    succeeded: int
    retry: int
    permanent: int
    quarantined: int
    missing: int
    reasons: Dict[str, int]
    usage: Usage
    actual_cost_usd: float
    sync_cost_usd: float
    unpriced: int
    issues: List[RouteIssue]

class RouteFinish(TypedDict):
    report: RouteReport
    missing: List[Routed]
    quarantined: List[Routed]

class LedgerEntry(TypedDict):
    custom_id: str
    attempts: int
    history: List[HistoryEntry]

class ReplayOutcome(TypedDict):
    manifest: Manifest
    ledger: List[LedgerEntry]
    not_found: List[str]


# ---- functions -------------------------------------------------------------------------------

# ---- realtime ------------------------------------------------------------------------------

RealtimeStage = Literal["detect", "first_text", "first_audio", "playback", "voice_to_voice"]

class RealtimeAction(TypedDict):
    at_ms: int
    action: Literal["send", "stop_playback", "resume_playback"]
    event: NotRequired[Dict[str, Any]]
    """With ``send``: the client event, as the API takes it."""
    item_id: NotRequired[Optional[str]]
    """With ``stop_playback`` / ``resume_playback``: the assistant item (absent over WebRTC)."""

class RealtimeIssue(TypedDict):
    at_ms: int
    code: str
    message: str

class RealtimeTurn(TypedDict):
    speech_end_ms: int
    detect_ms: Optional[int]
    first_text_ms: Optional[int]
    first_audio_ms: Optional[int]
    playback_ms: Optional[int]
    voice_to_voice_ms: Optional[int]
    violations: List[RealtimeStage]

class RealtimeStep(TypedDict):
    actions: List[RealtimeAction]
    issues: List[RealtimeIssue]
    turns: List[RealtimeTurn]
    next_timeout_ms: Optional[int]

class StageStats(TypedDict):
    stage: RealtimeStage
    count: int
    p50_ms: Optional[int]
    p95_ms: Optional[int]

class CredentialDecision(TypedDict):
    action: Literal["mint", "wait", "ready"]
    reason: Literal["no_secret", "refresh_due", "fresh", "mint_in_flight", "mint_timed_out", "backoff"]
    at_ms: Optional[int]
    failures: int

class ConnectDecision(TypedDict):
    ok: bool
    reason: Literal["ok", "no_secret", "expiring"]
    remaining_ms: Optional[int]

class RealtimeReplay(TypedDict):
    actions: List[RealtimeAction]
    issues: List[RealtimeIssue]
    turns: List[RealtimeTurn]
    latency: List[StageStats]


def realtime_replay(timeline: str) -> RealtimeReplay:
    """Replays a Realtime session timeline (JSON lines) through the interruption machine."""

def classify(
    outcome: str,
    headers: Optional[Headers] = ...,
    *,
    profile: Optional[ProfileName] = ...,
    error_type: Optional[str] = ...,
    error_code: Optional[str] = ...,
    wall_unix_ms: Optional[int] = ...,
) -> Classification:
    """Classifies an attempt's outcome (``http_<status>``, ``connect``, ``timeout_headers``,
    ``stream_cut``, ...): ``{class, reason, retry_after, should_retry, issues}``."""

def retry_after(headers: Headers, wall_unix_ms: Optional[int] = ...) -> RetryAfterFound: ...
def rate_limits(headers: Headers, wall_unix_ms: Optional[int] = ...) -> RateLimitsFound: ...
def parse_go_duration(s: str) -> Optional[float]: ...
def parse_http_date(s: str) -> Optional[int]: ...
def parse_rfc3339(s: str) -> Optional[int]: ...
def error_codes() -> List[str]: ...
def read_request(body: Union[str, bytes], content_type: Optional[str] = ..., path: Optional[str] = ...) -> RequestBody: ...
def read_error(body: Union[str, bytes]) -> ErrorFields: ...
def validate(
    schema: Json,
    instance: Json,
    *,
    draft: Optional[DraftName] = ...,
    formats: Optional[bool] = ...,
    max_errors: Optional[int] = ...,
) -> Validation:
    """Validates a parsed value against a JSON Schema (compiled once per schema content, cached)."""

def validate_text(
    schema: Json,
    text: str,
    *,
    draft: Optional[DraftName] = ...,
    formats: Optional[bool] = ...,
    max_errors: Optional[int] = ...,
) -> Validation:
    """Validates model output given as text; malformed JSON raises ``ParseError`` with its line and column."""

def lint_schema(schema: Json, *, profile: Optional[LintProfile] = ...) -> Lint:
    """Checks a schema against Structured Outputs strict-mode rules and limits."""

def to_strict(schema: Json, *, profile: Optional[LintProfile] = ..., nullable_optionals: Optional[bool] = ...) -> Strict:
    """The strict form of a schema, as openai-python's ``to_strict_json_schema`` writes it, or the findings that refuse it."""

def diff_schemas(old: Json, new: Json, *, policy: Optional[Literal["strict", "lenient"]] = ...) -> SchemaDiff:
    """Changes from ``old`` to ``new`` and the BACKWARD (new reader, old data), FORWARD and FULL verdicts."""

def repair_json(text: str) -> Repaired:
    """Parses model output, repairing fences, prose, trailing commas, quotes and truncation; each repair reported."""

def extract_output(body: Json) -> ModelOutput:
    """The output of a Chat Completions or Responses body: text, refusal, tool calls, finish reason."""

def surface() -> Dict[str, Any]:
    """The description of this API as data: every function, class and parameter (the same in every runtime)."""

# ---- classes ---------------------------------------------------------------------------------

@final
class Policy:
    """A validated policy document; construct it with one of the static methods."""

    @staticmethod
    def from_json(text: str) -> "Policy": ...
    @staticmethod
    def from_toml(text: str) -> "Policy": ...
    @staticmethod
    def from_dict(policy: Config) -> "Policy": ...
    @staticmethod
    def preset(name: Literal["openai_sdk", "conservative", "batch_first"]) -> "Policy": ...
    @staticmethod
    def schema() -> Dict[str, Any]: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def to_json(self) -> str: ...

@final
class Backoff:
    def __new__(cls, config: Optional[Config] = ..., seed: Optional[int] = ...) -> "Backoff": ...
    def next_delay(self, retries_taken: int) -> int:
        """Whole ms, rounded up, before retry ``retries_taken + 1``."""

@final
class Deadline:
    def __new__(cls, config: Optional[Config] = ..., now_ms: Optional[Time] = ...) -> "Deadline": ...
    def attempt_timeouts(self, now_ms: Optional[Time] = ...) -> AttemptTimeouts: ...
    def fits(self, delay_ms: int, now_ms: Optional[Time] = ...) -> bool: ...
    def propagation(self, now_ms: Optional[Time] = ...) -> Optional[Propagation]: ...
    def remaining_ms(self, now_ms: Optional[Time] = ...) -> Optional[int]: ...
    def expired(self, now_ms: Optional[Time] = ...) -> bool: ...

@final
class RetryBudget:
    def __new__(cls, config: Optional[Config] = ...) -> "RetryBudget": ...
    def request_started(self) -> None: ...
    def request_finished(self) -> None: ...
    def try_acquire_retry(self) -> RetryBudgetDecision: ...
    def retry_finished(self) -> None: ...
    def record(self, class_name: ClassName) -> None: ...
    def snapshot(self) -> RetryBudgetSnapshot: ...

@final
class RetryState:
    """The retry memory of one logical request; its jitter is fixed by ``seed``."""

    def __new__(cls, config: Optional[Config] = ..., seed: Optional[int] = ...) -> "RetryState": ...
    def decide(
        self,
        classification: Union[Classification, ClassificationInput],
        deadline: Optional[Deadline] = ...,
        retry_budget: Optional[RetryBudget] = ...,
        error_budget: Optional[ErrorBudget] = ...,
        outer_owns_retries: Optional[bool] = ...,
        now_ms: Optional[Time] = ...,
    ) -> RetryDecision:
        """What follows an attempt whose result ``classify`` returned (``class`` and ``reason``
        are required). The guards are checked in this order: the deadline must fit the delay,
        the error budget must not burn, and the retry budget must grant (a grant spends)."""
    def retries_taken(self) -> int: ...

@final
class CircuitBreaker:
    def __new__(cls, config: Optional[Config] = ...) -> "CircuitBreaker": ...
    def try_acquire(self, now_ms: Optional[Time] = ...) -> Acquire: ...
    def record(
        self,
        permit: int,
        class_name: ClassName,
        latency_ms: int,
        server_delay_ms: Optional[int] = ...,
        now_ms: Optional[Time] = ...,
    ) -> Recorded: ...
    def release(self, permit: int) -> bool: ...
    def try_acquire_permit(self, now_ms: Optional[Time] = ...) -> Optional[int]:
        """The fast path: the permit token (0 is valid: test ``is not None``) or None."""
    def record_permit(self, permit: int, class_name: ClassName, latency_ms: int, now_ms: Optional[Time] = ...) -> Counted: ...
    def transition_to_forced_open(self, now_ms: Optional[Time] = ...) -> Optional[Transition]: ...
    def transition_to_disabled(self, now_ms: Optional[Time] = ...) -> Optional[Transition]: ...
    def transition_to_metrics_only(self, now_ms: Optional[Time] = ...) -> Optional[Transition]: ...
    def reset(self, now_ms: Optional[Time] = ...) -> Optional[Transition]: ...
    def state(self) -> State: ...
    def metrics(self, now_ms: Optional[Time] = ...) -> Metrics: ...

@final
class BreakerRegistry:
    def __new__(cls, config: Optional[Config] = ..., max_keys: Optional[int] = ...) -> "BreakerRegistry": ...
    def try_acquire(self, key: str, now_ms: Optional[Time] = ...) -> Acquire: ...
    def record(
        self,
        key: str,
        permit: int,
        class_name: ClassName,
        latency_ms: int,
        server_delay_ms: Optional[int] = ...,
        now_ms: Optional[Time] = ...,
    ) -> Recorded: ...
    def release(self, key: str, permit: int) -> bool: ...
    def state(self, key: str) -> State: ...
    def stats(self) -> RegistryStats: ...
    def len(self) -> int: ...
    def __len__(self) -> int: ...

@final
class RateLimiter:
    def __new__(cls, config: Optional[Config] = ..., now_ms: Optional[Time] = ...) -> "RateLimiter": ...
    def reserve(self, est_tokens: Optional[int] = ..., now_ms: Optional[Time] = ...) -> Reservation: ...
    def reconcile(self, estimated: int, actual: int, now_ms: Optional[Time] = ...) -> None: ...
    def sync(self, rate_limits: RateLimitHeaders, now_ms: Optional[Time] = ...) -> None: ...
    def drain(self, until_ms: int, now_ms: Optional[Time] = ...) -> None: ...
    def snapshot(self, now_ms: Optional[Time] = ...) -> RateLimitSnapshot: ...

@final
class IdempotencyKeys:
    def __new__(cls, config: Optional[Config] = ..., seed: Optional[int] = ...) -> "IdempotencyKeys": ...
    def new_key(self) -> str: ...
    def derive(self, content: Union[str, bytes]) -> str: ...
    def header_name(self) -> str: ...

@final
class ErrorBudget:
    def __new__(cls, config: Optional[Config] = ...) -> "ErrorBudget": ...
    def record(self, good: bool, now_ms: Optional[Time] = ...) -> None: ...
    def record_counts(self, good: int, bad: int, now_ms: Optional[Time] = ...) -> None: ...
    def burn_rate(self, window_ms: int, now_ms: Optional[Time] = ...) -> Optional[float]: ...
    def budget_remaining(self, now_ms: Optional[Time] = ...) -> float: ...
    def alerts(self, now_ms: Optional[Time] = ...) -> List[Alert]: ...
    def retries_allowed(self, now_ms: Optional[Time] = ...) -> ErrorBudgetDecision: ...

@final
class SchemaValidator:
    """A JSON Schema compiled once; validates parsed values or model output text."""

    def __new__(
        cls,
        schema: Json,
        *,
        draft: Optional[DraftName] = ...,
        formats: Optional[bool] = ...,
        max_errors: Optional[int] = ...,
    ) -> "SchemaValidator": ...
    def validate(self, instance: Json) -> Validation: ...
    def validate_text(self, text: str) -> Validation: ...
    def is_valid(self, instance: Json) -> bool: ...

@final
class TolerantReader:
    """Reads model output against a schema: accept, accept_repaired, reask (bounded), quarantine."""

    def __new__(
        cls,
        schema: Json,
        config: Optional[Config] = ...,
        *,
        draft: Optional[DraftName] = ...,
        formats: Optional[bool] = ...,
    ) -> "TolerantReader": ...
    def read_text(self, request_id: str, text: str) -> ReadDecision: ...
    def read_body(self, request_id: str, body: Json) -> ReadDecision: ...
    def forget(self, request_id: str) -> None: ...
    def tracked(self) -> int: ...

@final
class StreamCheck:
    """A streamed output checked chunk by chunk: dead as soon as no continuation can be valid."""

    def __new__(
        cls,
        schema: Json,
        *,
        draft: Optional[DraftName] = ...,
        formats: Optional[bool] = ...,
    ) -> "StreamCheck": ...
    def feed(self, chunk: str) -> StreamState: ...
    def state(self) -> StreamState: ...
    def partial(self) -> Optional[Json]: ...
    def finish(self) -> Validation:
        """The verdict on the whole text (``validate_text``'s), and a fresh stream."""

@final
class BatchPlanner:
    """Splits request JSONL into provider-legal batch files, one line at a time."""

    def __new__(cls, config: Optional[Config] = ..., prices: Optional[Config] = ...) -> "BatchPlanner": ...
    def push(self, line: Union[str, bytes], *, prompt_tokens: Optional[int] = ...) -> Placement: ...
    def push_oversized(self, len: int) -> Placement: ...
    def max_line_bytes(self) -> int: ...
    def finish(self) -> Manifest: ...

@final
class BatchRouter:
    """Routes a round's output and error lines into succeeded / retry / permanent / quarantined / missing."""

    def __new__(cls, manifest: Manifest, ledger: Json, *, max_attempts: Optional[int] = ...) -> "BatchRouter": ...
    def push_output(self, line: Union[str, bytes]) -> RouteStep: ...
    def push_errors(self, line: Union[str, bytes]) -> RouteStep: ...
    def finish(self) -> RouteFinish: ...

@final
class BatchReplay:
    """Builds the next round from a route's retry bucket, fed the round's batch files."""

    def __new__(cls, manifest: Manifest, route: RouteReport, retry: Json, ledger: Json) -> "BatchReplay": ...
    def push(self, line: Union[str, bytes], prompt_tokens: Optional[int] = ...) -> Optional[Placement]: ...
    def finish(self) -> ReplayOutcome: ...

@final
class RealtimeSession:
    """The interruption (barge-in) machine of one Realtime voice session, with its latency budget."""

    def __new__(cls, config: Optional[Config] = ...) -> "RealtimeSession": ...
    def handle_event(self, event: Json, now_ms: Optional[Time] = ...) -> RealtimeStep: ...
    def sent(self, event: Json, now_ms: Optional[Time] = ...) -> RealtimeStep: ...
    def played(self, item_id: str, ms: int, now_ms: Optional[Time] = ...) -> RealtimeStep: ...
    def handle_timeout(self, now_ms: Optional[Time] = ...) -> RealtimeStep: ...
    def end(self, now_ms: Optional[Time] = ...) -> RealtimeStep: ...
    def poll_timeout(self) -> Optional[int]: ...
    def latency_stats(self) -> List[StageStats]: ...

@final
class RealtimeCredentials:
    """Rotation of an ephemeral Realtime client secret: when to mint (single flight), backoff, connect, reconnect."""

    def __new__(cls, config: Optional[Config] = ..., seed: Optional[int] = ...) -> "RealtimeCredentials": ...
    def decide(self, now_ms: Optional[Time] = ...) -> CredentialDecision: ...
    def minted(self, expires_at_unix_ms: int, wall_unix_ms: int, now_ms: Optional[Time] = ...) -> None: ...
    def mint_failed(self, now_ms: Optional[Time] = ...) -> CredentialDecision: ...
    def can_connect(self, now_ms: Optional[Time] = ...) -> ConnectDecision: ...
    def reconnect_at(self, session_started_ms: int) -> int: ...

@final
class Request:
    """One logical request; created by ``Client.begin`` and passed back to its client."""

    def idempotency_key(self) -> str: ...
    def attempts(self) -> int: ...
    def finished(self) -> bool: ...

@final
class Client:
    def __new__(
        cls,
        policy: Union[Policy, Config, None] = ...,
        seed: Optional[int] = ...,
        now_ms: Optional[Time] = ...,
    ) -> "Client": ...
    def begin(
        self,
        key: Optional[str] = ...,
        est_tokens: Optional[int] = ...,
        outer_owns_retries: Optional[bool] = ...,
        content: Union[str, bytes, None] = ...,
        deadline_ms: Optional[int] = ...,
        now_ms: Optional[Time] = ...,
    ) -> Request: ...
    def before_attempt(self, request: Request, now_ms: Optional[Time] = ...) -> AttemptDecision: ...
    def on_outcome(
        self,
        request: Request,
        outcome: str,
        headers: Optional[Headers] = ...,
        error_type: Optional[str] = ...,
        error_code: Optional[str] = ...,
        latency_ms: Optional[int] = ...,
        wall_unix_ms: Optional[int] = ...,
        actual_tokens: Optional[int] = ...,
        last_attempt: Optional[bool] = ...,
        now_ms: Optional[Time] = ...,
    ) -> RetryDecision: ...
    def cancel(self, request: Request, now_ms: Optional[Time] = ...) -> None: ...
    def poll_event(self) -> Optional[ClientEvent]: ...
    def dropped_events(self) -> int: ...
    def breaker_state(self, key: str) -> State: ...
    def policy(self) -> Dict[str, Any]:
        """The policy this client follows, every field (as ``Policy.to_dict`` gives it)."""

@final
class EventStream:
    """A server-sent event stream watched as it is read: whether its final event came, and its first error event."""

    def __new__(cls) -> "EventStream": ...
    def feed(self, chunk: Union[str, bytes]) -> bool: ...
    def final_seen(self) -> bool: ...
    def error(self) -> Optional[ErrorFields]: ...
