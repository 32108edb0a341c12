"""The real `openai` SDK with breakwater making every resilience decision: two lines.

The SDK's own retries are off (`max_retries=0`); breakwater's transport decides, around each
request, whether an attempt may start (breaker, rate limit, deadline), with which timeouts and
headers (one idempotency key for every attempt), whether to retry and how long to wait
(jittered backoff, or the server's Retry-After), and watches streamed answers for cuts.

    python examples/python/fault_server.py &            # or any OpenAI-compatible URL
    python examples/python/resilient_client.py http://127.0.0.1:PORT/v1
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Dict

import openai

import breakwater as bw

# openai-python 3.x builds its client on httpx2; older versions (and other SDKs) on httpx.
OPENAI_3 = int(openai.__version__.split(".")[0]) >= 3
if OPENAI_3:
    import httpx2 as http
    from breakwater.httpx2 import AsyncTransport, Transport
else:
    import httpx as http  # type: ignore[no-redef]
    from breakwater.httpx import AsyncTransport, Transport  # type: ignore[assignment]

POLICY: Dict[str, Any] = {
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


def make_sdk(base_url: str, policy: Any = POLICY, **options: Any) -> openai.OpenAI:
    """The SDK with breakwater as its transport; `options` go to the transport (`on_event`, ...)."""
    transport = Transport(policy, **options)
    return openai.OpenAI(api_key="sk-test", base_url=base_url, max_retries=0,
                         http_client=http.Client(transport=transport))


def make_async_sdk(base_url: str, policy: Any = POLICY, **options: Any) -> openai.AsyncOpenAI:
    """The same for `AsyncOpenAI`."""
    transport = AsyncTransport(policy, **options)
    return openai.AsyncOpenAI(api_key="sk-test", base_url=base_url, max_retries=0,
                              http_client=http.AsyncClient(transport=transport))


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")  # breakwater logs retries and give-ups
    sdk = make_sdk(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/v1")
    messages = [{"role": "user", "content": "hi"}]
    try:
        r = sdk.chat.completions.create(model="gpt-4o-mini", messages=messages)  # type: ignore[arg-type]
        print("answer:", r.choices[0].message.content)
        stream = sdk.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True)  # type: ignore
        print("streamed:", "".join(c.choices[0].delta.content or "" for c in stream if c.choices))
    except openai.APIError as e:
        gave_up = e.__cause__ if isinstance(e.__cause__, bw.GaveUp) else None
        print("failed:", type(e).__name__, gave_up.reason if gave_up else e)


if __name__ == "__main__":
    main()
