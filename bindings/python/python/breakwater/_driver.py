"""What every integration shares: the client, where its decision events go, and giving up.

An integration (the httpx transports, :func:`breakwater.call`) runs one loop per logical
request: ``before_attempt``, act (send, wait or stop), ``on_outcome``, act again. The
decisions are the core's; this module only moves them to the host's sinks: the ``breakwater``
logger, an ``on_event`` callback, and an OpenTelemetry span per logical request.
"""

from __future__ import annotations

import inspect
import logging
import sys
import time
import warnings
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Tuple, Union

from ._breakwater import Client, Policy, Request

__all__ = ["GaveUp", "Driver", "Run", "event_attributes", "now_ms", "Limits", "drive", "drive_async"]

logger = logging.getLogger("breakwater")
# A library's logger stays quiet until the application configures logging (Python's
# logging HOWTO, "Configuring Logging for a Library"): no last-resort lines on stderr.
logger.addHandler(logging.NullHandler())


def _logged() -> bool:
    """Whether a handler other than a ``NullHandler`` would receive the logger's records."""
    node: Optional[logging.Logger] = logger
    while node is not None:
        for handler in node.handlers:
            if not isinstance(handler, logging.NullHandler):
                return True
        node = node.parent if node.propagate else None
    return False

Event = Dict[str, Any]
PolicyLike = Union[Policy, Mapping[str, Any], str, None]

# How loud each kind of event is in the `breakwater` logger (a breaker opening: WARNING).
_LEVELS = {"retry": logging.INFO, "give_up": logging.WARNING, "breaker": logging.INFO, "cancel": logging.INFO}


def now_ms() -> int:
    """The clock the compiled module reads when ``now_ms`` is omitted."""
    return time.monotonic_ns() // 1_000_000


class GaveUp(Exception):
    """breakwater stopped a request without a result to return.

    ``decision`` is the core's decision (``reason``; ``class`` and ``cause`` after a call),
    ``reason`` its stable reason (``breaker_open``, ``deadline_exhausted``, ``rate_limited_locally``,
    ``retries_exhausted``, ...). The transports raise it mixed with the HTTP library's own
    error (a timeout error for ``deadline_exhausted``), so code that only knows httpx, or the
    openai SDK that wraps it, still reads it right.
    """

    def __init__(self, decision: Mapping[str, Any], message: Optional[str] = None) -> None:
        self.decision = dict(decision)
        self.reason: str = str(decision.get("reason"))
        super().__init__(message or f"breakwater gave up: {self.reason}")


def make_client(policy: PolicyLike, client: Optional[Client]) -> Client:
    """The client to drive: the one given, or one following ``policy`` (a preset name too)."""
    if client is not None:
        if policy is not None:
            raise TypeError("pass either policy or client, not both")
        return client
    if isinstance(policy, str):
        policy = Policy.preset(policy)  # type: ignore[arg-type]
    return Client(policy)


def event_attributes(event: Event) -> Dict[str, Any]:
    """An event as OpenTelemetry span-event attributes (docs/bindings.md, "Decision events").

    ``http.request.resend_count`` on a resend, ``error.type`` on a failed attempt, every other
    field under ``breakwater.``; nested objects are flattened with dots.
    """
    attrs: Dict[str, Any] = {}
    for name, value in event.items():
        if name == "error_type":
            attrs["error.type"] = value
        elif name == "resend_count":
            if value:
                attrs["http.request.resend_count"] = value
        elif isinstance(value, dict):
            for inner, v in value.items():
                if v is not None:
                    attrs[f"breakwater.{name}.{inner}"] = v
        elif value is not None:
            attrs[f"breakwater.{name}"] = value
    return attrs


class Driver:
    """One client and its event sinks, shared by every request an integration makes.

    ``on_event`` is called with every decision event (a dict with ``kind``; see
    docs/bindings.md). Events also go to the ``breakwater`` logger: give-ups and a breaker
    opening at WARNING, retries, cancels and other transitions at INFO, the rest at DEBUG. ``opentelemetry``
    (``True`` for the global tracer provider, or a ``Tracer``) opens a span per logical request
    with each decision as a span event; it needs the ``opentelemetry-api`` package.
    """

    def __init__(
        self,
        policy: PolicyLike = None,
        *,
        client: Optional[Client] = None,
        on_event: Optional[Callable[[Event], None]] = None,
        opentelemetry: Any = None,
    ) -> None:
        self.client = make_client(policy, client)
        self.on_event = on_event
        self.tracer = _tracer(opentelemetry)
        # The open span of each logical request, by its idempotency key: a thread may drain
        # the events of another thread's request (they share the client's queue).
        self.spans: Dict[str, Any] = {}
        # Whether an outer layer (the SDK) was seen retrying: from then on each request tells
        # the client so (`outer_owns_retries`), and a policy with `ownership = "defer_to_outer"`
        # leaves the retries to that layer.
        self.outer_retries = False

    def begin(self, key: str, est_tokens: int = 0, deadline_ms: Optional[int] = None) -> "Run":
        return Run(self, key, est_tokens, deadline_ms)

    def warn_double_retries(self, what: str) -> None:
        """Says once, loudly, that another layer retries what breakwater already retries; the
        requests that follow tell the client an outer layer retries them."""
        if not self.outer_retries:
            self.outer_retries = True
            warnings.warn(
                f"{what} retries this request and breakwater retries it too, multiplying the calls "
                "under failure: construct the SDK client with max_retries=0 (or leave the retries to it with the "
                'policy\'s retry.ownership = "defer_to_outer")',
                RuntimeWarning,
                stacklevel=_callers_level(),
            )


# Packages between the application and a transport: a warning points past them, at the
# application's own call (where `max_retries` is set), not at httpx's client.
_LIBRARIES = frozenset({"breakwater", "httpx", "httpx2", "httpcore", "openai", "anyio", "asyncio", "contextlib"})


def _callers_level() -> int:
    """The `stacklevel` of the first frame outside breakwater, the HTTP stack and the SDK, as
    seen from the caller of this function (4, httpx's client, when every frame is theirs)."""
    frame = sys._getframe(2)
    level = 2
    while frame is not None:
        if str(frame.f_globals.get("__name__", "")).split(".")[0] not in _LIBRARIES:
            return level
        frame, level = frame.f_back, level + 1
    return 4


def _tracer(opentelemetry: Any) -> Any:
    if opentelemetry is None or opentelemetry is False:
        return None
    try:
        from opentelemetry import trace
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("opentelemetry=... needs the opentelemetry-api package") from e
    if opentelemetry is True:
        from . import __version__

        return trace.get_tracer("breakwater", __version__)
    return opentelemetry


class Run:
    """One logical request: the core's request, its span, and every event drained to the sinks."""

    __slots__ = ("driver", "client", "request", "key")

    def __init__(self, driver: Driver, key: str, est_tokens: int, deadline_ms: Optional[int]) -> None:
        self.driver = driver
        self.client = driver.client
        self.key = key
        self.request: Request = self.client.begin(
            key=key, est_tokens=est_tokens, outer_owns_retries=driver.outer_retries, deadline_ms=deadline_ms
        )
        if driver.tracer is not None:
            from opentelemetry.trace import SpanKind

            span = driver.tracer.start_span(f"breakwater {key}", kind=SpanKind.CLIENT)
            driver.spans[self.request.idempotency_key()] = span

    def before_attempt(self) -> Dict[str, Any]:
        decision = self.client.before_attempt(self.request)
        self._drain()
        return decision

    def on_outcome(
        self,
        outcome: str,
        headers: Any = None,
        error_type: Optional[str] = None,
        error_code: Optional[str] = None,
        latency_ms: int = 0,
        last_attempt: bool = False,
    ) -> Dict[str, Any]:
        decision = self.client.on_outcome(
            self.request,
            outcome,
            headers,
            error_type=error_type,
            error_code=error_code,
            latency_ms=max(0, latency_ms),
            wall_unix_ms=time.time_ns() // 1_000_000,
            last_attempt=last_attempt,
        )
        self._drain()
        return decision

    def cancel(self) -> None:
        """Ends the request without a result (the caller went away); frees its breaker probe."""
        if not self.request.finished():
            self.client.cancel(self.request)
            self._drain()

    def _drain(self) -> None:
        client, on_event, spans = self.client, self.driver.on_event, self.driver.spans
        if on_event is None and not spans and not _logged():
            return  # nobody listens: the events stay in the client's bounded queue
        while (event := client.poll_event()) is not None:
            kind = event["kind"]
            level = _LEVELS.get(kind, logging.DEBUG)
            if kind == "breaker" and event["transition"]["to"] in ("open", "forced_open"):
                level = logging.WARNING
            if logger.isEnabledFor(level):
                logger.log(level, "breakwater %s %s", kind, _summary(event), extra={"breakwater_event": event})
            if on_event is not None:
                try:
                    on_event(event)
                except Exception:  # a listener's bug must not change the request's result
                    logger.exception("breakwater: the on_event listener raised on a %s event", kind)
            span = spans.get(event["request"]) if spans else None
            if span is not None:
                span.add_event(f"breakwater.{kind}", event_attributes(event))
                if kind in ("done", "give_up", "cancel"):
                    _end_span(span, event)
                    spans.pop(event["request"], None)


def _summary(event: Event) -> str:
    keys: Sequence[str] = ("key", "attempt", "reason", "outcome", "delay_ms", "wait_until_ms")
    parts = [f"{k}={event[k]}" for k in keys if k in event]
    if "transition" in event:
        t = event["transition"]
        parts.append(f"{t['from']}->{t['to']} ({t['reason']})")
    return " ".join(parts)


def _end_span(span: Any, event: Event) -> None:
    from opentelemetry.trace import Status, StatusCode

    attempts = event.get("attempt", 0)
    if attempts > 1:
        span.set_attribute("http.request.resend_count", attempts - 1)
    if event["kind"] != "done":
        span.set_attribute("error.type", event.get("error_type") or event.get("reason") or "_OTHER")
        span.set_status(Status(StatusCode.ERROR, f"breakwater {event['kind']}: {event.get('reason', '')}"))
    span.end()


class Limits:
    """An attempt's ``timeouts`` in seconds (None: no limit), as the core gives them: each
    phase clipped to the whole attempt, the first token's the idle gap's when the policy sets
    none of its own."""

    __slots__ = ("connect", "headers", "first_chunk", "idle", "attempt")

    def __init__(self, timeouts: Mapping[str, Optional[int]]) -> None:
        self.attempt, self.connect, self.headers, self.first_chunk, self.idle = (
            None if ms is None else ms / 1000
            for ms in (timeouts[k] for k in ("attempt_ms", "connect_ms", "headers_ms", "first_token_ms", "idle_ms"))
        )


def drive(steps: Any, do: Callable[[str, Any], Any], async_do: Optional[Callable[[str, Any], Any]] = None) -> Any:
    """Runs a plan without I/O (a generator that yields ``(op, arg)``) with ``do(op, arg)``:
    sends each result back, throws each exception in, and returns what the plan returns.

    With ``async_do``, a step whose result is awaitable (a plain function that returns a
    coroutine, as the async openai SDK's methods are) hands the plan to :func:`drive_async`
    from that step on: the awaitable is returned, running the rest of the plan."""
    result: Any = None
    error: Optional[BaseException] = None
    while True:
        try:
            op, arg = steps.throw(error) if error is not None else steps.send(result)
        except StopIteration as done:
            return done.value
        result, error = None, None
        try:
            result = do(op, arg)
        except BaseException as exc:  # the plan decides; an interrupt still ends its request
            error = exc
        else:
            if async_do is not None and inspect.isawaitable(result):
                return drive_async(steps, async_do, pending=result)


async def drive_async(steps: Any, do: Callable[[str, Any], Any], pending: Any = None) -> Any:
    """:func:`drive` with an async ``do``; ``pending``: the awaited result of the step the
    plan is at (a plan :func:`drive` handed over)."""
    result: Any = None
    error: Optional[BaseException] = None
    if pending is not None:
        try:
            result = await pending
        except BaseException as exc:
            error = exc
    while True:
        try:
            op, arg = steps.throw(error) if error is not None else steps.send(result)
        except StopIteration as done:
            return done.value
        result, error = None, None
        try:
            result = await do(op, arg)
        except BaseException as exc:
            error = exc
