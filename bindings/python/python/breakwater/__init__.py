"""breakwater: the sans-I/O policy core for LLM API clients, from Python.

The core decides; your code acts. Every class takes ``now_ms`` (monotonic
milliseconds) as its last, optional parameter: omit it to read
``time.monotonic_ns() // 1_000_000``, pass it for deterministic behaviour.
Results are plain dicts with the core's snake_case keys, the same JSON in
every runtime. Objects are safe to share between threads.

See ``docs/bindings.md`` for the whole surface.
"""

from ._breakwater import (
    Backoff,
    BreakerRegistry,
    CircuitBreaker,
    Client,
    Deadline,
    ErrorBudget,
    IdempotencyKeys,
    Policy,
    RateLimiter,
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
    repair_json,
    retry_after,
    surface,
    to_strict,
    validate,
    validate_text,
)
from ._errors import (
    BreakwaterError,
    BreakwaterTypeError,
    ConfigError,
    InvalidArgumentError,
    ParseError,
)

__all__ = [
    "Backoff",
    "BreakerRegistry",
    "BreakwaterError",
    "BreakwaterTypeError",
    "CircuitBreaker",
    "Client",
    "ConfigError",
    "Deadline",
    "ErrorBudget",
    "IdempotencyKeys",
    "InvalidArgumentError",
    "ParseError",
    "Policy",
    "RateLimiter",
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
    "repair_json",
    "retry_after",
    "surface",
    "to_strict",
    "validate",
    "validate_text",
]
