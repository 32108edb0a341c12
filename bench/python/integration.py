"""What breakwater's httpx2 transport adds to a request made with the openai SDK.

    .venv/bin/python bench/python/integration.py [--quick]

Against bench/instant_server.py (a separate process that answers at once), the same SDK
call with the plain httpx2 client and with breakwater's transport (`conservative` preset),
both with `max_retries=0`: chat completions (a JSON answer, and a four-chunk stream read to
its end), sync and async. The two clients take turns request by request, so a noisy stretch
of the shared machine hits both alike; the figure is the median request of each. A last row per
mode reads a long stream as a model sends it, 100 events one by one (the server pauses after
each): its wall time is the server's pacing, so the figure there is the client's CPU time
(`time.process_time_ns`) per request. Prints a markdown table; asserts nothing.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, List, Tuple

import httpx2
import openai

import breakwater as bw
import breakwater.httpx2

QUICK = "--quick" in sys.argv
ROUNDS = 5 if QUICK else 15
PER_ROUND = 100 if QUICK else 300
MESSAGES = [{"role": "user", "content": "hi"}]
LONG = 100  # events of the long stream
LONG_REQUESTS = 60 if QUICK else 400


def server() -> Tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, str(Path(__file__).parent.parent / "instant_server.py")],
                            stdout=subprocess.PIPE, text=True)
    port = proc.stdout.readline().strip()  # type: ignore[union-attr]
    return proc, f"http://127.0.0.1:{port}/v1"


def sdks(base_url: str) -> Tuple[openai.OpenAI, openai.OpenAI]:
    """The plain SDK and the SDK with breakwater's transport (`conservative`)."""
    common = {"api_key": "sk-bench", "base_url": base_url, "max_retries": 0}
    transport = breakwater.httpx2.Transport(bw.Policy.preset("conservative"))
    return (openai.OpenAI(**common, http_client=httpx2.Client()),
            openai.OpenAI(**common, http_client=httpx2.Client(transport=transport)))


def async_sdks(base_url: str) -> Tuple[openai.AsyncOpenAI, openai.AsyncOpenAI]:
    common = {"api_key": "sk-bench", "base_url": base_url, "max_retries": 0}
    transport = breakwater.httpx2.AsyncTransport(bw.Policy.preset("conservative"))
    return (openai.AsyncOpenAI(**common, http_client=httpx2.AsyncClient()),
            openai.AsyncOpenAI(**common, http_client=httpx2.AsyncClient(transport=transport)))


def sync_call(sdk: openai.OpenAI, stream: bool, events: int = 0) -> Callable[[], None]:
    query = {"chunks": events} if events else None

    def once() -> None:
        r = sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=stream,  # type: ignore
                                        extra_query=query)
        if stream:
            for _ in r:  # type: ignore[union-attr]
                pass
    return once


def measure(plain: Callable[[], None], ours: Callable[[], None], long: bool = False) -> Tuple[float, float]:
    """Median µs per request of each (``long``: CPU µs, over fewer requests). The two take
    turns request by request (which goes first alternates), so a noisy moment of the shared
    machine hits both alike, and the median leaves out the requests a scheduler or collector
    pause stretched."""
    for f in (plain, ours):
        for _ in range(PER_ROUND // 5 if not long else 10):
            f()
    times: List[List[float]] = [[], []]
    clock = time.process_time_ns if long else time.perf_counter_ns
    for i in range(LONG_REQUESTS if long else ROUNDS * PER_ROUND):
        for k in ((0, 1) if i % 2 else (1, 0)):
            f = ours if k else plain
            t0 = clock()
            f()
            times[k].append((clock() - t0) / 1000)
    return statistics.median(times[0]), statistics.median(times[1])


def measure_async(base_url: str, stream: bool, events: int = 0) -> Tuple[float, float]:
    loop = asyncio.new_event_loop()
    plain, ours = async_sdks(base_url)
    query = {"chunks": events} if events else None

    def runner(sdk: openai.AsyncOpenAI) -> Callable[[], None]:
        async def once() -> None:
            r = await sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=stream,  # type: ignore
                                                  extra_query=query)
            if stream:
                async for _ in r:  # type: ignore[union-attr]
                    pass
        return lambda: loop.run_until_complete(once())

    try:
        return measure(runner(plain), runner(ours), long=events > 0)
    finally:
        for sdk in (plain, ours):  # their connections belong to this loop
            loop.run_until_complete(sdk.close())
        loop.close()


def main() -> None:
    proc, base_url = server()
    try:
        sync_plain, sync_ours = sdks(base_url)
        rows: List[Tuple[str, Tuple[float, float]]] = [
            ("sync, JSON answer", measure(sync_call(sync_plain, False), sync_call(sync_ours, False))),
            ("sync, streamed answer", measure(sync_call(sync_plain, True), sync_call(sync_ours, True))),
            ("async, JSON answer", measure_async(base_url, False)),
            ("async, streamed answer", measure_async(base_url, True)),
            (f"sync, {LONG} events read one by one (CPU time)",
             measure(sync_call(sync_plain, True, LONG), sync_call(sync_ours, True, LONG), long=True)),
            (f"async, {LONG} events read one by one (CPU time)", measure_async(base_url, True, LONG)),
        ]
    finally:
        proc.kill()
    print(f"openai {openai.__version__}, httpx2 {httpx2.__version__}, Python {sys.version.split()[0]}; "
          f"{ROUNDS * PER_ROUND} requests each ({LONG_REQUESTS} of the long stream), taking turns; median")
    print()
    print("| request | plain SDK (max_retries=0) | with breakwater.httpx2 | added |")
    print("| --- | ---: | ---: | ---: |")
    for name, (plain, ours) in rows:
        print(f"| {name} | {plain:.0f} µs | {ours:.0f} µs | {100 * (ours - plain) / plain:+.1f} % |")


if __name__ == "__main__":
    main()
