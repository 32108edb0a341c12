"""The real openai SDK, sync and async, with breakwater's transport, against the fault server.

openai-python 3.x runs on httpx2 (`breakwater.httpx2`), older versions on httpx
(`breakwater.httpx`): the same tests play either (the test command runs them with both).
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import openai
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import breakwater as bw  # noqa: E402
from fault_server import Fault, FaultServer  # noqa: E402
from resilient_client import OPENAI_3, POLICY, http, make_async_sdk, make_sdk  # noqa: E402

# What a failure while a stream is read surfaces as: openai-python 3.x wraps it in its
# APIConnectionError; 2.x lets the HTTP library's error through (breakwater's StreamCut is an
# httpx RemoteProtocolError there, its stall a TimeoutException).
STREAM_FAILURE = openai.APIConnectionError if OPENAI_3 else http.TransportError


def gave_up(e: BaseException) -> Optional[bw.GaveUp]:
    """breakwater's give-up: the cause of the SDK's error, or the error itself where the SDK lets it through."""
    return e if isinstance(e, bw.GaveUp) else e.__cause__ if isinstance(e.__cause__, bw.GaveUp) else None

MODEL = "gpt-4o-mini"
MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as s:
        yield s


@pytest.fixture(autouse=True)
def close_sdks() -> Iterator[None]:
    yield
    while Sdk.live:
        Sdk.live.pop().close()


class Sdk:
    """One SDK client, sync or async, behind one call shape; records breakwater's events."""

    live: List["Sdk"] = []  # closed after each test (`close_sdks`)

    def __init__(self, base_url: str, mode: str, policy: Any = POLICY, max_retries: int = 0) -> None:
        self.events: List[Dict[str, Any]] = []
        make = make_sdk if mode == "sync" else make_async_sdk
        self.sdk = make(base_url, policy, on_event=self.events.append).with_options(max_retries=max_retries)
        self.mode = mode
        self.loop = asyncio.new_event_loop()  # one loop: the async client's connections belong to it
        Sdk.live.append(self)

    def close(self) -> None:
        """The client's connections, then the loop, once the streams' generators are finalized."""
        if self.mode == "sync":
            self.sdk.close()
        else:
            self.loop.run_until_complete(self.sdk.close())
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()

    def create(self, stream: bool = False, model: str = MODEL) -> str:
        """The answer's text; a stream is read to its end."""
        if self.mode == "sync":
            r = self.sdk.chat.completions.create(model=model, messages=MESSAGES, stream=stream)  # type: ignore
            if not stream:
                return r.choices[0].message.content
            return "".join(c.choices[0].delta.content or "" for c in r if c.choices)

        async def run() -> str:
            r = await self.sdk.chat.completions.create(model=model, messages=MESSAGES, stream=stream)  # type: ignore
            if not stream:
                return r.choices[0].message.content
            return "".join([c.choices[0].delta.content or "" async for c in r if c.choices])

        return self.loop.run_until_complete(run())

    def kinds(self) -> List[str]:
        """The request's decisions, without the breaker's transitions."""
        return [e["kind"] for e in self.events if e["kind"] != "breaker"]

    def of(self, kind: str) -> List[Dict[str, Any]]:
        return [e for e in self.events if e["kind"] == kind]


modes = pytest.mark.parametrize("mode", ["sync", "async"])


@modes
def test_a_429_with_retry_after_is_retried_once_after_the_delay_with_the_same_key(server: FaultServer, mode: str) -> None:
    server.script[:] = [Fault("rate_limited", retry_after="1")]
    sdk = Sdk(server.base_url, mode)
    assert sdk.create() == "hello there"
    assert server.calls() == 2
    first, second = server.requests
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
    assert (first.headers["x-stainless-retry-count"], second.headers["x-stainless-retry-count"]) == ("0", "1")
    assert second.at - first.at >= 1.0  # Retry-After: 1 honoured
    assert sdk.kinds() == ["send", "retry", "send", "done"]
    (retry,) = sdk.of("retry")
    assert retry["delay_ms"] >= 1000 and retry["error_type"] == "429"


@modes
def test_retry_after_ms_is_honoured(server: FaultServer, mode: str) -> None:
    server.script[:] = [Fault("rate_limited", retry_after_ms="300")]
    sdk = Sdk(server.base_url, mode)
    sdk.create()
    assert server.calls() == 2
    assert server.requests[1].at - server.requests[0].at >= 0.3
    assert [(e["reason"], e["delay_ms"]) for e in sdk.of("retry")] == [("server_delay", 300)]


@modes
def test_insufficient_quota_is_one_call_and_the_sdk_error_with_a_fatal_give_up(server: FaultServer, mode: str) -> None:
    server.script[:] = [Fault("quota")]
    sdk = Sdk(server.base_url, mode, max_retries=2)  # even with the SDK's retries left on
    with pytest.raises(openai.RateLimitError) as e:
        sdk.create()
    assert server.calls() == 1
    assert e.value.code == "insufficient_quota"
    assert e.value.response.headers["x-should-retry"] == "false"
    assert sdk.events[-1]["kind"] == "give_up" and sdk.events[-1]["class"] == "fatal"


@modes
def test_a_stream_cut_after_the_first_chunk_is_an_error_never_a_short_answer(server: FaultServer, mode: str) -> None:
    server.script[:] = [Fault("stream_cut")]
    sdk = Sdk(server.base_url, mode)
    with pytest.raises(STREAM_FAILURE):
        sdk.create(stream=True)
    assert server.calls() == 1  # the reader has part of the answer: not retried under it
    # Reported as a give-up (no retry can follow), counted by the breaker, no retry spent.
    assert not sdk.of("retry")
    assert [(e["outcome"], e["reason"]) for e in sdk.of("give_up")] == [("stream_cut", "not_repeatable")]


@modes
def test_a_stream_that_ends_without_done_is_a_cut(server: FaultServer, mode: str) -> None:
    server.script[:] = [Fault("stream_truncated")]
    sdk = Sdk(server.base_url, mode)
    with pytest.raises(STREAM_FAILURE) as e:
        sdk.create(stream=True)
    assert "final event" in str(gave_up(e.value))
    # Reported as a give-up (no retry can follow), counted by the breaker, no retry spent.
    assert not sdk.of("retry")
    assert [(e["outcome"], e["reason"]) for e in sdk.of("give_up")] == [("stream_cut", "not_repeatable")]


@modes
def test_a_stalled_stream_is_cut_at_the_idle_limit(server: FaultServer, mode: str) -> None:
    server.script[:] = [Fault("stream_stall", delay_s=3.0)]
    policy = {**POLICY, "deadline": {"total_ms": 10_000, "idle_ms": 300, "min_attempt_ms": 100}}
    sdk = Sdk(server.base_url, mode, policy)
    started = time.monotonic()
    with pytest.raises(STREAM_FAILURE):
        sdk.create(stream=True)  # cut by the idle limit on each read of the body
    assert time.monotonic() - started < 2.5
    assert any(ev.get("outcome") == "timeout_idle" for ev in sdk.events)


@modes
def test_a_mid_stream_stall_is_cut_at_the_idle_gap_not_the_first_tokens_longer_limit(server: FaultServer, mode: str) -> None:
    """The first token may take 5 s, a gap after it 300 ms: a 3 s silence after the first chunk
    is cut at the gap, though the socket's read limit was set to the first token's (httpcore
    reads it once per body)."""
    server.script[:] = [Fault("stream_stall", delay_s=3.0)]
    deadline = {"total_ms": 10_000, "first_token_ms": 5_000, "idle_ms": 300, "min_attempt_ms": 100}
    sdk = Sdk(server.base_url, mode, {**POLICY, "retry": {"max_retries": 0}, "deadline": deadline})
    started = time.monotonic()
    with pytest.raises(STREAM_FAILURE):
        sdk.create(stream=True)
    assert time.monotonic() - started < 2.0
    assert [ev.get("outcome") for ev in sdk.of("give_up")] == ["timeout_idle"]


@modes
def test_a_gap_within_the_idle_limit_is_no_stall_though_the_first_token_limit_is_shorter(
    server: FaultServer, mode: str
) -> None:
    """A first token due within 400 ms, gaps of up to 3 s after it: a 1 s pause mid-stream is
    read through, not cut at the first token's limit."""
    server.script[:] = [Fault("stream_stall", delay_s=1.0)]
    deadline = {"total_ms": 10_000, "first_token_ms": 400, "idle_ms": 3_000, "min_attempt_ms": 100}
    sdk = Sdk(server.base_url, mode, {**POLICY, "retry": {"max_retries": 0}, "deadline": deadline})
    assert sdk.create(stream=True) == "hello there"
    assert sdk.events[-1]["kind"] == "done"


@modes
def test_slow_headers_time_out_and_the_total_deadline_bounds_the_request(server: FaultServer, mode: str) -> None:
    policy = {**POLICY, "deadline": {"total_ms": 1_500, "headers_ms": 400, "min_attempt_ms": 100}}
    server.script[:] = [Fault("slow_headers", delay_s=3.0)]
    server.repeat_last = True
    sdk = Sdk(server.base_url, mode, policy)
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        sdk.create()
    assert time.monotonic() - started < 1.5 + 0.5  # the total deadline, plus scheduling slack
    assert 1 <= server.calls() <= 4
    assert sdk.events[-1]["kind"] == "give_up"
    assert {ev.get("outcome") for ev in sdk.events} >= {"timeout_headers"}


@modes
def test_repeated_500s_open_the_breaker_and_later_calls_fail_fast(server: FaultServer, mode: str) -> None:
    server.script[:] = [Fault("server_error")]
    server.repeat_last = True
    sdk = Sdk(server.base_url, mode)
    with pytest.raises(openai.InternalServerError):
        sdk.create()  # 4 attempts: 4 failures of 4 calls open it
    assert server.calls() == 4
    assert sdk.of("breaker")[-1]["transition"]["to"] == "open"
    for _ in range(3):
        with pytest.raises(openai.APIConnectionError) as e:
            sdk.create()
        assert isinstance(e.value.__cause__, bw.GaveUp) and e.value.__cause__.reason == "breaker_open"
    assert server.calls() == 4  # failed fast: no call reached the server
    server.script.clear()
    assert sdk.create(model="gpt-other") == "hello there"  # another model has its own breaker


@modes
def test_the_sdk_does_not_retry_on_top_and_a_retrying_sdk_is_named(server: FaultServer, mode: str) -> None:
    server.script[:] = [Fault("server_error")]
    server.repeat_last = True
    sdk = Sdk(server.base_url, mode, max_retries=2)
    with pytest.raises(openai.InternalServerError):
        sdk.create()
    assert server.calls() == 4  # breakwater's 4 attempts; x-should-retry: false stops the SDK's
    with pytest.warns(RuntimeWarning, match="max_retries=0"):
        with pytest.raises(openai.APIConnectionError):
            sdk.create()  # the open breaker's GaveUp is an exception the SDK retries: warned
    assert server.calls() == 4


def test_breakwater_call_runs_any_callable_under_the_policy(server: FaultServer) -> None:
    server.script[:] = [Fault("server_error"), Fault("rate_limited", retry_after_ms="100")]
    plain = openai.OpenAI(api_key="sk-test", base_url=server.base_url, max_retries=0)
    caller = bw.Caller(POLICY, key=MODEL)
    r = caller.call(plain.chat.completions.create, model=MODEL, messages=MESSAGES)
    assert r.choices[0].message.content == "hello there"
    assert server.calls() == 3
    server.script[:] = [Fault("quota")]
    with pytest.raises(openai.RateLimitError) as e:
        caller.call(plain.chat.completions.create, model=MODEL, messages=MESSAGES)
    assert e.value.breakwater["class"] == "fatal"  # type: ignore[attr-defined]
    assert server.calls() == 4

