"""Any callable under a breakwater client: :func:`call` and the :class:`Caller` decorator.

For code that is not an HTTP request breakwater can see (an SDK method, a gRPC stub, a
function of your own): the callable is one attempt; its exceptions are the outcomes.
:func:`classify_exception` reads the openai SDK's, httpx's and the builtin ones; any other
exception is no transport failure and propagates at once. When the client gives up after a
failed attempt, that attempt's exception propagates (its ``breakwater`` attribute holds the
decision); when it gives up before one (open breaker, deadline), :class:`GaveUp` does.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import time
from typing import Any, Callable, Dict, Optional, Tuple, TypeVar

from ._breakwater import Client
from ._driver import Driver, GaveUp, PolicyLike, Run, drive, drive_async, now_ms

__all__ = ["Caller", "call", "classify_exception"]

T = TypeVar("T")
_SLEEP, _CALL = "sleep", "call"
Outcome = Tuple[str, Any, Optional[str], Optional[str]]
"""(outcome, response headers, error type, error code), as ``Client.on_outcome`` takes them."""


def classify_exception(exc: BaseException) -> Optional[Outcome]:
    """The outcome of an exception, or None when it is no transport failure (a bug, a refusal).

    Reads the openai SDK's errors (``APIStatusError`` with its status, headers, ``type`` and
    ``code``; ``APITimeoutError``; ``APIConnectionError``), httpx's (``HTTPStatusError``,
    timeouts, connect and network errors) and the builtin ``TimeoutError`` and ``ConnectionError``,
    by class name, so neither library needs to be installed.
    """
    names = {cls.__name__ for cls in type(exc).__mro__}
    response = getattr(exc, "response", None)
    status = getattr(exc, "status_code", None) or getattr(response, "status_code", None)
    if ("APIStatusError" in names or "HTTPStatusError" in names) and isinstance(status, int):
        headers = getattr(response, "headers", None)
        items = headers.multi_items() if hasattr(headers, "multi_items") else headers
        error_type, error_code = getattr(exc, "type", None), getattr(exc, "code", None)
        return (
            f"http_{status}",
            items,
            error_type if isinstance(error_type, str) else None,
            error_code if isinstance(error_code, str) else None,
        )
    if names & {"APITimeoutError", "TimeoutException", "TimeoutError"}:
        if "ConnectTimeout" in names:
            return "timeout_connect", None, None, None
        return "timeout_attempt", None, None, None
    if names & {"ConnectError", "ConnectionRefusedError", "APIConnectionError"}:
        return "connect", None, None, None
    if names & {"RemoteProtocolError", "NetworkError", "ConnectionError"}:
        return "reset", None, None, None
    return None


class Caller:
    """Runs callables under one breakwater client; also a decorator for sync and async functions.

    ``Caller(policy)``: a ``Policy``, a policy dict, a preset name or ``None`` for the defaults;
    or ``client=`` a ``Client`` to share. ``key`` is the breaker key (default: the call's
    ``model`` keyword argument when it is a string, as the transports key by the body's model,
    else the callable's module and qualified name); ``classify`` maps an exception to an
    outcome (:func:`classify_exception`); ``timeout`` names a keyword argument of the callable
    that receives each attempt's time limit in seconds (never above a number the caller passed
    there itself); ``on_event`` and ``opentelemetry`` as for the transports. One ``Caller`` is one
    client: callables of different upstreams each want their own, or a ``key``::

        @breakwater.Caller("conservative", timeout="timeout")
        def complete(prompt: str, timeout: float) -> str: ...
    """

    def __init__(
        self,
        policy: PolicyLike = None,
        *,
        client: Optional[Client] = None,
        key: Optional[str] = None,
        classify: Callable[[BaseException], Optional[Outcome]] = classify_exception,
        timeout: Optional[str] = None,
        on_event: Optional[Callable[[Dict[str, Any]], None]] = None,
        opentelemetry: Any = None,
    ) -> None:
        self.driver = Driver(policy, client=client, on_event=on_event, opentelemetry=opentelemetry)
        self.client = self.driver.client
        self._key = key
        self._classify = classify
        self._timeout = timeout

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)``, attempted, waited for and retried as the client decides.

        A coroutine function, or a callable that turns out to return an awaitable (a lambda
        around an ``AsyncOpenAI`` method), gives an awaitable: await it."""
        if is_async(fn):
            return self.acall(fn, *args, **kwargs)  # type: ignore[return-value]

        def do(op: str, arg: Any) -> Any:
            return time.sleep(arg) if op is _SLEEP else fn(*args, **arg)

        return drive(self._plan(fn, kwargs), do, self._async_do(fn, args))  # type: ignore[no-any-return]

    async def acall(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """:meth:`call` for a coroutine function; waits with ``asyncio.sleep``."""
        return await drive_async(self._plan(fn, kwargs), self._async_do(fn, args))

    @staticmethod
    def _async_do(fn: Callable[..., Any], args: Tuple[Any, ...]) -> Callable[[str, Any], Any]:
        async def do(op: str, arg: Any) -> Any:
            return await (asyncio.sleep(arg) if op is _SLEEP else fn(*args, **arg))

        return do

    def _plan(self, fn: Callable[..., Any], kwargs: Dict[str, Any]) -> Any:
        """The loop of one call without I/O: yields (`_SLEEP`, seconds) or (`_CALL`, the keyword
        arguments of the attempt), is sent the result or thrown the exception, returns the result."""
        model = kwargs.get("model")
        run = self.driver.begin(self._key or (model if isinstance(model, str) else _name(fn)))
        try:
            while True:
                decision = run.before_attempt()
                if decision["action"] == "wait":
                    yield _SLEEP, max(0, decision["wait_until_ms"] - now_ms()) / 1000
                    continue
                if decision["action"] == "give_up":
                    raise GaveUp(decision)
                started = now_ms()
                try:
                    result = yield _CALL, self._with_timeout(kwargs, decision)
                except Exception as exc:
                    decision = self._failed(run, exc, started)
                    if decision["action"] != "retry":
                        raise
                    yield _SLEEP, (decision.get("delay_ms") or 0) / 1000
                    continue
                run.on_outcome("http_200", latency_ms=now_ms() - started)
                return result
        except BaseException:
            run.cancel()
            raise

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """As a decorator: every call of ``fn`` goes through :meth:`call` (or :meth:`acall`)."""
        if is_async(fn):

            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                return await self.acall(fn, *args, **kwargs)

            return async_wrapper

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return self.call(fn, *args, **kwargs)

        return wrapper

    def _with_timeout(self, kwargs: Dict[str, Any], decision: Dict[str, Any]) -> Dict[str, Any]:
        if self._timeout is None:
            return kwargs
        limit = decision["timeouts"].get("attempt_ms")
        own = kwargs.get(self._timeout)
        if limit is None:
            return kwargs  # no limit of the policy's: the callable's own default, or the caller's
        seconds = limit / 1000
        if isinstance(own, (int, float)) and not isinstance(own, bool) and own < seconds:
            seconds = own
        return {**kwargs, self._timeout: seconds}

    def _failed(self, run: Run, exc: Exception, started: int) -> Dict[str, Any]:
        outcome = self._classify(exc)
        if outcome is None:
            raise exc  # no transport failure: not retried, and not counted against the upstream
        name, headers, error_type, error_code = outcome
        decision = run.on_outcome(name, headers, error_type, error_code, now_ms() - started)
        exc.breakwater = decision  # type: ignore[attr-defined]
        return decision


def _name(fn: Callable[..., Any]) -> str:
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or "default"
    module = getattr(fn, "__module__", None)
    return f"{module}.{name}" if module else name


def is_async(fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` is a coroutine function, seen through ``functools.wraps`` layers (the
    async openai SDK's methods are plain functions wrapping one)."""
    try:
        return inspect.iscoroutinefunction(inspect.unwrap(fn))
    except ValueError:  # a cycle of __wrapped__
        return inspect.iscoroutinefunction(fn)


_default: Optional[Caller] = None


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` under the default policy, one breaker per ``model`` argument or
    callable (:class:`Caller` says how); a coroutine function, or a callable that returns an
    awaitable, gives an awaitable. For another policy, a client per upstream or options, use
    :class:`Caller`."""
    global _default
    if _default is None:
        _default = Caller()
    return _default.call(fn, *args, **kwargs)
