"""The openai SDK driven by breakwater against the local fault server: call counts and outcomes."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Iterator, List

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import breakwater as bw  # noqa: E402
from fault_server import Fault, FaultServer  # noqa: E402
from resilient_client import POLICY, GaveUp, complete, make_sdk  # noqa: E402

MODEL = "gpt-4o-mini"
MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as s:
        yield s


def run(server: FaultServer, script: List[Fault], policy: dict = POLICY, stream: bool = False):
    server.script[:] = script
    return complete(bw.Client(policy), make_sdk(server.base_url), MODEL, MESSAGES, stream=stream)


def test_a_429_with_retry_after_is_retried_once_after_the_delay_with_the_same_key(server: FaultServer) -> None:
    r = run(server, [Fault("rate_limited", retry_after="1")])
    assert r.text == "hello there"
    assert server.calls() == 2
    first, second = server.requests
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"] == r.idempotency_key
    assert (first.headers["x-stainless-retry-count"], second.headers["x-stainless-retry-count"]) == ("0", "1")
    assert second.at - first.at >= 1.0  # Retry-After: 1 honoured
    assert r.attempts[0].decision["delay_ms"] >= 1000


def test_retry_after_ms_is_honoured(server: FaultServer) -> None:
    r = run(server, [Fault("rate_limited", retry_after_ms="300")])
    assert server.calls() == 2
    assert server.requests[1].at - server.requests[0].at >= 0.3
    assert r.attempts[0].decision["reason"] in ("server_delay", "retry_after")
    assert r.attempts[0].decision["delay_ms"] == 300


def test_insufficient_quota_is_one_call_and_a_fatal_give_up(server: FaultServer) -> None:
    with pytest.raises(GaveUp) as e:
        run(server, [Fault("quota")])
    assert server.calls() == 1
    assert e.value.decision["action"] == "give_up"
    assert e.value.decision["class"] == "fatal"


def test_a_stream_cut_mid_answer_is_retried(server: FaultServer) -> None:
    r = run(server, [Fault("stream_cut")], stream=True)
    assert server.calls() == 2
    assert [a.outcome for a in r.attempts] == ["stream_cut", "http_200"]
    assert r.text == "hello there"
    assert server.requests[0].headers["idempotency-key"] == server.requests[1].headers["idempotency-key"]


def test_slow_headers_time_out_and_the_total_deadline_bounds_the_request(server: FaultServer) -> None:
    policy = {**POLICY, "deadline": {"total_ms": 1_500, "headers_ms": 400, "min_attempt_ms": 100}}
    server.repeat_last = True
    started = time.monotonic()
    with pytest.raises(GaveUp) as e:
        run(server, [Fault("slow_headers", delay_s=3.0)], policy=policy)
    elapsed = time.monotonic() - started
    assert elapsed < 1.5 + 0.5  # the total deadline, plus scheduling slack
    assert 1 <= server.calls() <= 4
    assert e.value.decision["action"] == "give_up"


def test_repeated_500s_open_the_breaker_and_later_calls_fail_fast(server: FaultServer) -> None:
    server.repeat_last = True
    client, sdk = bw.Client(POLICY), make_sdk(server.base_url)
    server.script[:] = [Fault("server_error")]
    with pytest.raises(GaveUp):
        complete(client, sdk, MODEL, MESSAGES)  # 4 attempts: 4 failures of 4 calls open it
    assert server.calls() == 4
    assert client.breaker_state(MODEL) == "open"
    events = []
    while (ev := client.poll_event()) is not None:
        events.append(ev)
    assert events and events[-1]["transition"]["to"] == "open"
    for _ in range(3):
        with pytest.raises(GaveUp) as e:
            complete(client, sdk, MODEL, MESSAGES)
        assert e.value.decision["reason"] == "breaker_open"
    assert server.calls() == 4  # failed fast: no call reached the server
    # Another model has its own breaker, and the server has recovered.
    server.script.clear()
    assert complete(client, sdk, "gpt-other", MESSAGES).text == "hello there"
