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
from typing import Callable, List, Optional, Tuple

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


def best_ns_per_op(*loops: Callable[[int], None]) -> List[float]:
    """The fastest of REPEATS runs of each `loop(ITERATIONS)`, in ns per iteration. The loops
    take turns within every repeat, so a noisy stretch of this shared machine hits them alike
    and their ratio holds even when the absolute numbers drift."""
    for loop in loops:
        loop(ITERATIONS // 10)  # warm up
    best = [float("inf")] * len(loops)
    for _ in range(REPEATS):
        for k, loop in enumerate(loops):
            t0 = time.perf_counter_ns()
            loop(ITERATIONS)
            best[k] = min(best[k], (time.perf_counter_ns() - t0) / ITERATIONS)
    return best


def empty_loop(n: int) -> None:
    """The benchmark loop alone: what every row pays per iteration besides the library."""
    for _ in range(n):
        pass


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


Row = Tuple[str, Callable[[int], None], str, Callable[[int], None], Optional[Callable[[int], None]]]


def main() -> None:
    pyb = f"pybreaker {v('pybreaker')}"
    ten = f"tenacity {v('tenacity')}"
    rows: List[Row] = [
        ("breaker acquire + record, fast path (`try_acquire_permit`/`record_permit`)", bw_breaker_fast,
         f"{pyb} `call(noop)` minus the `noop()` call", pybreaker_call, noop_calls),
        ("breaker acquire + `noop()` + record, fast path (the same work as `call(noop)`)", bw_breaker_fast_with_call,
         f"{pyb} `CircuitBreaker.call(noop)`", pybreaker_call, None),
        ("breaker fast path, explicit `now_ms`", bw_breaker_fast_explicit_time,
         f"{pyb} `call(noop)` minus the `noop()` call", pybreaker_call, noop_calls),
        ("breaker acquire + record, result dicts (`try_acquire`/`record`)", bw_breaker_rich,
         f"{pyb} `call(noop)` minus the `noop()` call", pybreaker_call, noop_calls),
        ("retry delay `Backoff.next_delay` (full jitter)", bw_backoff,
         f"{ten} `wait_random_exponential` (full jitter)",
         tenacity_wait(tenacity.wait_random_exponential(multiplier=0.5, max=8)), None),
        ("retry delay `Backoff.next_delay` (full jitter)", bw_backoff,
         f"{ten} `wait_exponential_jitter` (additive jitter)",
         tenacity_wait(tenacity.wait_exponential_jitter(multiplier=0.5, max=8)), None),
        ("FFI floor: `CircuitBreaker.state()`", bw_floor, "a pure-Python method returning a str", python_floor, None),
    ]
    print(f"Python {platform.python_version()} on {platform.machine()}, breakwater {bw.__version__}, "
          f"best of {REPEATS} x {ITERATIONS} iterations, each row's loops taking turns\n")
    print("| operation | breakwater ns/op | peer | peer ns/op | peer / breakwater | the same net of the loop |")
    print("| --- | ---: | --- | ---: | ---: | ---: |")
    for name, ours, peer_name, peer, peer_extra in rows:
        loops = [ours, peer, empty_loop] + ([peer_extra] if peer_extra else [])
        a, b, loop, *extra = best_ns_per_op(*loops)
        if extra:  # what the peer spends besides the call it wraps
            b -= extra[0] - loop
        print(f"| {name} | {a:.0f} | {peer_name} | {b:.0f} | {b / a:.1f}x | {(b - loop) / (a - loop):.1f}x |")
    print(f"\nThe loop (`for _ in range(n)`) costs {loop:.0f} ns per iteration on its own.")


if __name__ == "__main__":
    main()
