"""The real `openai` SDK with breakwater making every resilience decision.

The SDK's own retries are off (`max_retries=0`); breakwater decides whether an
attempt may start (breaker, rate limit, deadline), with which timeout and
headers (the idempotency key stays the same on every attempt), whether to
retry, and how long to wait (jittered backoff, or the server's Retry-After).

    python examples/python/fault_server.py &            # or any OpenAI-compatible URL
    python examples/python/resilient_client.py http://127.0.0.1:PORT/v1
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import openai

import breakwater as bw

POLICY = {
    "retry": {
        "max_retries": 3,
        "backoff": {"base_ms": 50, "max_ms": 400, "jitter": "full"},
        "server_delay": {"honor": True, "max_ms": 5_000},
    },
    "deadline": {"total_ms": 10_000, "connect_ms": 1_000, "headers_ms": 2_000, "idle_ms": 2_000,
                 "min_attempt_ms": 100},
    "retry_budget": {"kind": "token_bucket", "max_tokens": 10, "token_ratio": 0.1},
    "breaker": {
        "window": {"kind": "count", "size": 4},
        "minimum_calls": 4,
        "failure_rate_threshold": 0.5,
        "open_wait": {"kind": "fixed", "ms": 30_000},
        "failure_classes": ["retryable", "overloaded", "fatal"],
    },
}


class GaveUp(Exception):
    """breakwater decided to stop; `decision` says why (`reason`, `class`, `cause`)."""

    def __init__(self, decision: Dict[str, Any]) -> None:
        super().__init__(f"gave up: {decision.get('reason')}")
        self.decision = decision


@dataclass
class Attempt:
    outcome: str
    status: Optional[int] = None
    decision: Dict[str, Any] = field(default_factory=dict)


@dataclass
class Result:
    text: str
    attempts: List[Attempt]
    idempotency_key: str


def now_ms() -> int:
    return time.monotonic_ns() // 1_000_000


def sdk_timeout(timeouts: Dict[str, int]) -> openai.Timeout:
    """The attempt's phase limits from breakwater as the SDK's (httpx) timeout."""

    def s(key: str) -> Optional[float]:
        v = timeouts.get(key)
        return None if v is None else v / 1000

    read = s("headers_ms") or s("idle_ms") or s("attempt_ms")
    return openai.Timeout(s("attempt_ms"), connect=s("connect_ms"), read=read)


def _send(sdk: openai.OpenAI, model: str, messages: Sequence[Dict[str, str]], stream: bool,
          decision: Dict[str, Any]) -> Tuple[str, Any, str]:
    """One attempt: (outcome, response headers, text). Raises the SDK's errors."""
    raw = sdk.chat.completions.with_raw_response.create(
        model=model,
        messages=list(messages),  # type: ignore[arg-type]
        stream=stream,
        timeout=sdk_timeout(decision["timeouts"]),
        extra_headers=dict(decision["headers"]),
    )
    if not stream:
        completion = raw.parse()
        return "http_200", raw.headers, completion.choices[0].message.content or ""
    parts, finished = [], False
    try:
        for chunk in raw.parse():
            for choice in chunk.choices:
                parts.append(choice.delta.content or "")
                finished = finished or choice.finish_reason is not None
    except Exception:  # the body broke off (httpx RemoteProtocolError and kin)
        finished = False
    return ("http_200" if finished else "stream_cut"), raw.headers, "".join(parts)


def complete(client: bw.Client, sdk: openai.OpenAI, model: str, messages: Sequence[Dict[str, str]],
             stream: bool = False) -> Result:
    """One logical request: attempts, waits and retries all decided by `client`."""
    req = client.begin(key=model, est_tokens=100)
    attempts: List[Attempt] = []
    while True:
        d = client.before_attempt(req, now_ms())
        if d["action"] == "wait":
            time.sleep(max(0, d["wait_until_ms"] - now_ms()) / 1000)
            continue
        if d["action"] == "give_up":
            raise GaveUp(d)
        started = now_ms()
        status: Optional[int] = None
        headers: Any = None
        error_type = error_code = None
        text = ""
        try:
            outcome, headers, text = _send(sdk, model, messages, stream, d)
        except openai.APITimeoutError:
            outcome = "timeout_headers"
        except openai.APIConnectionError:
            outcome = "connect"
        except openai.APIStatusError as e:
            status, headers = e.status_code, e.response.headers
            outcome, error_type, error_code = f"http_{status}", e.type, e.code
        decision = client.on_outcome(req, outcome, headers, error_type=error_type, error_code=error_code,
                                     latency_ms=now_ms() - started, now_ms=now_ms())
        attempts.append(Attempt(outcome, status, decision))
        if decision["action"] == "done":
            return Result(text, attempts, req.idempotency_key())
        if decision["action"] == "give_up":
            raise GaveUp(decision)
        time.sleep((decision["delay_ms"] or 0) / 1000)


def make_sdk(base_url: str) -> openai.OpenAI:
    """The SDK with its own retries off: breakwater owns them."""
    return openai.OpenAI(api_key="sk-test", base_url=base_url, max_retries=0)


def main() -> None:
    base_url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/v1"
    client, sdk = bw.Client(POLICY), make_sdk(base_url)
    for stream in (False, True):
        try:
            r = complete(client, sdk, "gpt-4o-mini", [{"role": "user", "content": "hi"}], stream=stream)
            print(f"stream={stream}: {r.text!r} after {[a.outcome for a in r.attempts]}")
        except GaveUp as e:
            print(f"stream={stream}: gave up: {e.decision}")
        while (event := client.poll_event()) is not None:
            print("breaker:", event)


if __name__ == "__main__":
    main()
