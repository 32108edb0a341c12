"""breakwater: the sans-I/O policy core for LLM API clients, from Python.

The core decides; your code acts. Every class takes ``now_ms`` (monotonic
milliseconds) as its last, optional parameter: omit it to read
``time.monotonic_ns() // 1_000_000``, pass it for deterministic behaviour.
Results are plain dicts with the core's snake_case keys, the same JSON in
every runtime. Objects are safe to share between threads.

Integrations (I/O lives here, never in the core): ``breakwater.httpx2`` and
``breakwater.httpx`` (transports for the openai SDK and any httpx client),
``breakwater.call`` and ``breakwater.Caller`` (any callable).

See ``docs/bindings.md`` for the whole surface.
"""

from ._breakwater import (
    Backoff,
    BatchPlanner,
    BatchReplay,
    BatchRouter,
    BreakerRegistry,
    CircuitBreaker,
    Client,
    Deadline,
    ErrorBudget,
    EventStream,
    IdempotencyKeys,
    Policy,
    RateLimiter,
    RealtimeCredentials,
    RealtimeSession,
    Request,
    RetryBudget,
    RetryState,
    SchemaValidator,
    StreamCheck,
    TolerantReader,
    __version__,
    classify,
    diff_schemas,
    error_codes,
    extract_output,
    lint_schema,
    parse_go_duration,
    parse_http_date,
    parse_rfc3339,
    rate_limits,
    read_error,
    read_request,
    realtime_replay,
    repair_json,
    retry_after,
    surface,
    to_strict,
    validate,
    validate_text,
)
from ._call import Caller, call, classify_exception
from ._driver import GaveUp, event_attributes
from ._errors import (
    BreakwaterError,
    BreakwaterTypeError,
    ConfigError,
    InvalidArgumentError,
    ParseError,
)

__all__ = [
    "Backoff",
    "Caller",
    "GaveUp",
    "call",
    "classify_exception",
    "event_attributes",
    "BatchPlanner",
    "BatchReplay",
    "BatchRouter",
    "BreakerRegistry",
    "BreakwaterError",
    "BreakwaterTypeError",
    "CircuitBreaker",
    "Client",
    "ConfigError",
    "Deadline",
    "ErrorBudget",
    "EventStream",
    "IdempotencyKeys",
    "InvalidArgumentError",
    "ParseError",
    "Policy",
    "RateLimiter",
    "RealtimeCredentials",
    "RealtimeSession",
    "Request",
    "RetryBudget",
    "RetryState",
    "SchemaValidator",
    "StreamCheck",
    "TolerantReader",
    "__version__",
    "classify",
    "diff_schemas",
    "error_codes",
    "extract_output",
    "lint_schema",
    "parse_go_duration",
    "parse_http_date",
    "parse_rfc3339",
    "rate_limits",
    "read_error",
    "read_request",
    "realtime_replay",
    "repair_json",
    "retry_after",
    "surface",
    "to_strict",
    "validate",
    "validate_text",
]


def __getattr__(name: str) -> object:
    """``breakwater.httpx2`` and ``breakwater.httpx`` load on first use: each needs its library."""
    if name in ("httpx", "httpx2"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
