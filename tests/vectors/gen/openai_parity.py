"""Generates tests/vectors/transport/openai_sdk_parity_*.json from the real openai-python SDK.

The expected delays are what openai-python's own `_should_retry` and
`_calculate_retry_timeout` return when their `random()` is fed the same draws
breakwater's seeded SplitMix64 makes, and their `time.time()` reads the
vector's wall clock. Rerun after an SDK upgrade and diff:

    python3 -m venv /tmp/oai && /tmp/oai/bin/pip install openai==3.63.0
    /tmp/oai/bin/python tests/vectors/gen/openai_parity.py
"""

import json
import math
import pathlib
import sys

import httpx2
import openai
from openai import _base_client
from openai._models import FinalRequestOptions

from splitmix64 import SplitMix64


def request_rng(seed):
    """The jitter source of the first request of a `Client` built with `seed`."""
    client_rng = SplitMix64(seed)
    client_rng.next_u64()  # the idempotency-key source's seed
    return SplitMix64(client_rng.next_u64())


CLIENT = openai.OpenAI(api_key="sk-test", base_url="http://127.0.0.1:9", max_retries=2)
OPTIONS = FinalRequestOptions.construct(method="post", url="/chat/completions")
WALL_MS = 1_785_000_000_000  # 2026-07-25T17:20:00Z


def sdk_decisions(seed, attempts):
    """Plays a sequence of HTTP answers through the SDK's retry rules."""
    rng = request_rng(seed)
    _base_client.random = rng.next_f64
    _base_client.time.time = lambda: WALL_MS / 1000.0
    max_retries = 2
    retries_taken = 0
    out = []
    for status, headers in attempts:
        response = httpx2.Response(status, headers=headers)
        remaining = max_retries - retries_taken
        if 200 <= status < 300:
            out.append({"action": "done"})
            break
        if remaining > 0 and CLIENT._should_retry(response):
            timeout = CLIENT._calculate_retry_timeout(remaining, OPTIONS, response.headers)
            retries_taken += 1
            out.append({"action": "retry", "delay_ms": math.ceil(timeout * 1000), "retries_taken": retries_taken})
        else:
            out.append({"action": "give_up"})
            break
    return out


CASES = [
    ("backoff on three 500s", 7, [(500, {}), (500, {}), (500, {})]),
    ("backoff on 502 then 503 then 200", 11, [(502, {}), (503, {}), (200, {})]),
    ("retry-after-ms float milliseconds", 3, [(429, {"retry-after-ms": "1500.5"}), (429, {"retry-after-ms": "250"}), (200, {})]),
    ("retry-after float seconds", 5, [(429, {"retry-after": "2.5"}), (503, {"retry-after": "0.75"}), (200, {})]),
    ("retry-after-ms wins over retry-after", 9, [(429, {"retry-after-ms": "900", "retry-after": "30"}), (200, {})]),
    ("unparseable retry-after-ms falls through to retry-after", 13, [(429, {"retry-after-ms": "soon", "retry-after": "4"}), (200, {})]),
    ("retry-after as an HTTP date", 17, [(503, {"retry-after": "Sat, 25 Jul 2026 17:20:07 GMT"}), (200, {})]),
    ("retry-after date in the past falls back to backoff", 19, [(503, {"retry-after": "Sat, 25 Jul 2026 17:19:00 GMT"}), (500, {}), (200, {})]),
    ("retry-after of exactly 120 s is honoured", 23, [(429, {"retry-after": "120"}), (200, {})]),
    ("retry-after above 120 s means do not retry", 29, [(429, {"retry-after": "121"})]),
    ("retry-after-ms above 120 s means do not retry", 31, [(503, {"retry-after-ms": "120001"})]),
    ("zero retry-after falls back to backoff", 37, [(429, {"retry-after": "0"}), (429, {"retry-after-ms": "-5"}), (429, {})]),
    ("x-should-retry true retries a 400", 41, [(400, {"x-should-retry": "true"}), (200, {})]),
    ("x-should-retry false stops a 500", 43, [(500, {"x-should-retry": "false"})]),
    ("408 and 409 are retried", 47, [(408, {}), (409, {}), (409, {})]),
    ("404 is not retried", 53, [(404, {})]),
    ("retry-after beyond 120 s refuses even with x-should-retry true", 59, [(429, {"retry-after": "600", "x-should-retry": "true"})]),
    ("garbage retry-after falls back to backoff", 61, [(503, {"retry-after": "tomorrow-ish"}), (503, {"retry-after": ""}), (200, {})]),
]


def vector(name, seed, attempts):
    steps = [{"at_ms": 0, "op": "begin", "expect": {}}]
    t = 0
    for (status, headers), expected in zip(attempts, sdk_decisions(seed, attempts)):
        steps.append({"at_ms": t, "op": "before_attempt", "expect": {"action": "send"}})
        steps.append({
            "at_ms": t + 100,
            "op": "on_outcome",
            "args": {"outcome": f"http_{status}", "headers": [[k, v] for k, v in headers.items()],
                     "latency_ms": 100, "wall_unix_ms": WALL_MS},
            "expect": expected,
        })
        t += 100 + expected.get("delay_ms", 0)
    return {
        "name": f"openai-python {openai.__version__} parity: {name}",
        "component": "client",
        "description": "Expected decisions come from the real SDK's _should_retry and _calculate_retry_timeout "
                       "fed breakwater's random draws (tests/vectors/gen/openai_parity.py).",
        "config": {"retry_budget": {"kind": "none"}, "breaker": {"initial_state": "disabled"},
                   "rate_limit": {"sync_from_headers": False}},
        "seed": seed,
        "steps": steps,
    }


def main():
    out_dir = pathlib.Path(__file__).resolve().parent.parent / "transport"
    out_dir.mkdir(exist_ok=True)
    for i, (name, seed, attempts) in enumerate(CASES):
        path = out_dir / f"openai_sdk_parity_{i:02d}.json"
        path.write_text(json.dumps(vector(name, seed, attempts), indent=2) + "\n")
    print(f"wrote {len(CASES)} vectors to {out_dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
