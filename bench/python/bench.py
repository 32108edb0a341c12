"""breakwater (Python binding) against pybreaker and tenacity, one decision at a time.

    .venv/bin/python bench/python/bench.py [--quick]

Prints a markdown table: our time per operation, the peer's, and the speedup
(peer / ours), all measured in this run with time.perf_counter_ns over many
iterations, best of several repeats. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import platform
import sys
import time
from typing import Callable, List, Tuple

import pybreaker
import tenacity

import breakwater as bw

try:
    from importlib.metadata import version
except ImportError:  # pragma: no cover
    version = None  # type: ignore


def v(dist: str) -> str:
    try:
        return version(dist) if version else "?"
    except Exception:
        return "?"

QUICK = "--quick" in sys.argv
REPEATS = 3 if QUICK else 7
ITERATIONS = 20_000 if QUICK else 200_000


def best_ns_per_op(loop, iterations: int = ITERATIONS) -> float:
    """The fastest of REPEATS runs of `loop(iterations)`, in ns per iteration (a `_Net`: the
    loop's best minus its baseline's best)."""
    if isinstance(loop, _Net):
        return best_ns_per_op(loop.loop, iterations) - best_ns_per_op(loop.baseline, iterations)
    loop(iterations // 10)  # warm up
    best = float("inf")
    for _ in range(REPEATS):
        t0 = time.perf_counter_ns()
        loop(iterations)
        best = min(best, (time.perf_counter_ns() - t0) / iterations)
    return best


# ---- circuit breaker: one permitted call and its result ------------------------------------


def bw_breaker_rich(n: int) -> None:
    cb = bw.CircuitBreaker()
    acquire, record = cb.try_acquire, cb.record
    for _ in range(n):
        a = acquire()
        record(a["permit"], "success", 1)


def bw_breaker_fast(n: int) -> None:
    cb = bw.CircuitBreaker()
    acquire, record = cb.try_acquire_permit, cb.record_permit
    for _ in range(n):
        record(acquire(), "success", 1)


def bw_breaker_fast_with_call(n: int) -> None:
    """The same work as pybreaker's `call(noop)`: acquire, call the function, record."""
    cb = bw.CircuitBreaker()
    acquire, record = cb.try_acquire_permit, cb.record_permit
    for _ in range(n):
        permit = acquire()
        noop()
        record(permit, "success", 1)


def bw_breaker_fast_explicit_time(n: int) -> None:
    cb = bw.CircuitBreaker()
    acquire, record = cb.try_acquire_permit, cb.record_permit
    for i in range(n):
        record(acquire(i), "success", 1, i)


def noop() -> None:
    return None


def pybreaker_call(n: int) -> None:
    breaker = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=60)
    call = breaker.call
    for _ in range(n):
        call(noop)


def noop_calls(n: int) -> None:
    for _ in range(n):
        noop()


class _Net:
    """A measurement minus a baseline: what the peer spends on the decision alone."""

    def __init__(self, loop: Callable[[int], None], baseline: Callable[[int], None]) -> None:
        self.loop, self.baseline = loop, baseline


pybreaker_net = _Net(pybreaker_call, noop_calls)


# ---- retry delay: one jittered exponential wait --------------------------------------------


def bw_backoff(n: int) -> None:
    b = bw.Backoff({"base_ms": 500, "max_ms": 8_000, "jitter": "full"}, seed=1)
    delay = b.next_delay
    for i in range(n):
        delay(i & 7)


def tenacity_wait(strategy: tenacity.wait.wait_base) -> Callable[[int], None]:
    def loop(n: int) -> None:
        state = tenacity.RetryCallState(retry_object=tenacity.Retrying(), fn=None, args=(), kwargs={})
        for i in range(n):
            state.attempt_number = (i & 7) + 1
            strategy(state)

    return loop


# ---- the floor: one trivial call -----------------------------------------------------------


def bw_floor(n: int) -> None:
    state = bw.CircuitBreaker().state
    for _ in range(n):
        state()


class _PurePython:
    def state(self) -> str:
        return "closed"


def python_floor(n: int) -> None:
    state = _PurePython().state
    for _ in range(n):
        state()


def main() -> None:
    rows: List[Tuple[str, Callable[[int], None], str, Callable[[int], None]]] = [
        ("breaker acquire + record, rich dicts (`try_acquire`/`record`)", bw_breaker_rich,
         f"pybreaker {v('pybreaker')} `CircuitBreaker.call(noop)`", pybreaker_call),
        ("breaker acquire + `noop()` + record, fast path (the same work as `call(noop)`)", bw_breaker_fast_with_call,
         f"pybreaker {v('pybreaker')} `CircuitBreaker.call(noop)`", pybreaker_call),
        ("breaker acquire + record, fast path (`try_acquire_permit`/`record_permit`)", bw_breaker_fast,
         f"pybreaker {v('pybreaker')} `call(noop)` minus the `noop()` call itself", pybreaker_net),
        ("breaker fast path, explicit `now_ms` (no clock read)", bw_breaker_fast_explicit_time,
         f"pybreaker {v('pybreaker')} `CircuitBreaker.call(noop)`", pybreaker_call),
        ("retry delay `Backoff.next_delay` (full jitter)", bw_backoff,
         f"tenacity {v('tenacity')} `wait_exponential_jitter`", tenacity_wait(tenacity.wait_exponential_jitter(multiplier=0.5, max=8))),
        ("retry delay `Backoff.next_delay` (full jitter)", bw_backoff,
         f"tenacity {v('tenacity')} `wait_random_exponential`", tenacity_wait(tenacity.wait_random_exponential(multiplier=0.5, max=8))),
        ("FFI floor: `CircuitBreaker.state()`", bw_floor, "a pure-Python method returning a str", python_floor),
    ]
    print(f"Python {platform.python_version()} on {platform.machine()}, breakwater {bw.__version__}, "
          f"best of {REPEATS} x {ITERATIONS} iterations\n")
    print("| operation | breakwater ns/op | peer | peer ns/op | peer / breakwater |")
    print("| --- | ---: | --- | ---: | ---: |")
    for name, ours, peer_name, peer in rows:
        a, b = best_ns_per_op(ours), best_ns_per_op(peer)
        print(f"| {name} | {a:.0f} | {peer_name} | {b:.0f} | {b / a:.1f}x |")


if __name__ == "__main__":
    main()
