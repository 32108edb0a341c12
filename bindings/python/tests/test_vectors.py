"""Plays every shared vector in tests/vectors/ through the public Python API.

One test per vector file. Each component has a runner: a small table from op
name to the public method it calls, producing the same output as the Rust
player (core/tests/vectors/*.rs). Matching follows tests/vectors/README.md:
expected objects are subsets, arrays match element by element, numbers
compare by value, an expected null also matches a missing key, and an op that
raises a BreakwaterError outputs {"error": {"code", "path", "line"?, "column"?}}: it passes
only where `expect` names an error, a step without `expect` must not fail, and an expected
error is not met by a result. The folder must hold what tests/vectors/manifest.json says, and
conftest.py prints how many vectors and steps were played, for the test command to compare
with the other runtimes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest

import breakwater as bw

ROOT = Path(os.environ.get("BREAKWATER_VECTORS", Path(__file__).resolve().parents[3] / "tests" / "vectors"))
MANIFEST = ROOT / "manifest.json"
FILES = sorted(p for p in ROOT.rglob("*.json") if p != MANIFEST)

# Vectors and steps played so far in this session (conftest.py prints them).
PLAYED = {"vectors": 0, "steps": 0}


def error_json(e: Exception) -> dict:
    err = {"code": e.code, "path": e.path}
    for where in ("line", "column"):
        if getattr(e, where, None) is not None:
            err[where] = getattr(e, where)
    return {"error": err}


class RunnerError(Exception):
    """A refusal of the runner itself (a missing argument), reported like a core error."""

    def __init__(self, code: str, path: str) -> None:
        super().__init__(f"{code} at {path}")
        self.code, self.path = code, path


# ---- matching ---------------------------------------------------------------------------


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def contains(actual: Any, expected: Any, at: str) -> Optional[str]:
    """None when `expected` is contained in `actual`, else where and why not."""
    if isinstance(actual, dict) and isinstance(expected, dict):
        for k, ev in expected.items():
            here = f"{at}.{k}"
            if k in actual:
                why = contains(actual[k], ev, here)
                if why:
                    return why
            elif ev is not None:
                return f"{here}: missing, expected {json.dumps(ev)}"
        return None
    if isinstance(actual, list) and isinstance(expected, list):
        if len(actual) != len(expected):
            return f"{at}: {len(actual)} items, expected {len(expected)} ({actual!r} vs {expected!r})"
        for i, (av, ev) in enumerate(zip(actual, expected)):
            why = contains(av, ev, f"{at}[{i}]")
            if why:
                return why
        return None
    if _is_number(actual) and _is_number(expected):
        return None if float(actual) == float(expected) else f"{at}: got {actual!r}, expected {expected!r}"
    if type(actual) is type(expected) and actual == expected:
        return None
    if actual is None and expected is None:
        return None
    return f"{at}: got {json.dumps(actual)}, expected {json.dumps(expected)}"


# ---- runners: op name → public method ----------------------------------------------------

Op = Callable[[Dict[str, Any], int], Any]


def no_config(v: dict, name: str) -> None:
    if v.get("config") not in (None, {}):
        raise RunnerError("invalid_argument", "config")


def classify_runner(v: dict) -> Dict[str, Op]:
    no_config(v, "classify")
    return {
        "classify": lambda a, now: bw.classify(
            a["outcome"],
            a.get("headers", []),
            profile=a.get("profile", "openai"),
            error_type=a.get("error_type"),
            error_code=a.get("error_code"),
            wall_unix_ms=a.get("wall_unix_ms"),
        )
    }


def headers_runner(v: dict) -> Dict[str, Op]:
    no_config(v, "headers")
    return {
        "retry_after": lambda a, now: bw.retry_after(a["headers"], a.get("wall_unix_ms")),
        "rate_limits": lambda a, now: bw.rate_limits(a["headers"], a.get("wall_unix_ms")),
        "parse_go_duration": lambda a, now: {"ms": bw.parse_go_duration(a["value"])},
        "parse_http_date": lambda a, now: {"unix_ms": bw.parse_http_date(a["value"])},
        "parse_rfc3339": lambda a, now: {"unix_ms": bw.parse_rfc3339(a["value"])},
    }


def backoff_runner(v: dict) -> Dict[str, Op]:
    b = bw.Backoff(v.get("config"), seed=v.get("seed", 0))
    return {"next_delay": lambda a, now: {"delay_ms": b.next_delay(a.get("retries_taken", 0))}}


def deadline_runner(v: dict) -> Dict[str, Op]:
    d = bw.Deadline(v.get("config"), now_ms=0)
    return {
        "attempt_timeouts": lambda a, now: d.attempt_timeouts(now),
        "fits": lambda a, now: {"fits": d.fits(a.get("delay_ms", 0), now)},
        "propagation": lambda a, now: {"propagation": d.propagation(now)},
        "remaining": lambda a, now: {"remaining_ms": d.remaining_ms(now), "expired": d.expired(now)},
    }


def retry_budget_runner(v: dict) -> Dict[str, Op]:
    b = bw.RetryBudget(v.get("config"))
    return {
        "request_started": lambda a, now: b.request_started(),
        "request_finished": lambda a, now: b.request_finished(),
        "retry_finished": lambda a, now: b.retry_finished(),
        "record": lambda a, now: b.record(a.get("class", "")),
        "try_acquire_retry": lambda a, now: b.try_acquire_retry(),
        "snapshot": lambda a, now: b.snapshot(),
    }


def retry_runner(v: dict) -> Dict[str, Op]:
    state = bw.RetryState(v.get("config"), seed=v.get("seed", 0))
    guards: Dict[str, Any] = {}

    def guard(name: str) -> Any:
        if name not in guards:
            raise RunnerError("invalid_argument", "op")
        return guards[name]

    def decide(a: dict, now: int) -> Any:
        outer = a.get("outer_owns_retries", False)
        return state.decide(a.get("classification"), outer_owns_retries=outer, now_ms=now, **guards)

    return {
        "decide": decide,
        "retries_taken": lambda a, now: {"retries_taken": state.retries_taken()},
        "deadline": lambda a, now: guards.update(deadline=bw.Deadline(a.get("config"), now_ms=now)),
        "retry_budget": lambda a, now: guards.update(retry_budget=bw.RetryBudget(a.get("config"))),
        "error_budget": lambda a, now: guards.update(error_budget=bw.ErrorBudget(a.get("config"))),
        "retry_budget_record": lambda a, now: guard("retry_budget").record(need_class(a)),
        "error_budget_record_counts": lambda a, now: guard("error_budget").record_counts(a["good"], a["bad"], now),
    }


class Permits:
    """Every permit handed out, in order; `take` uses the oldest unused one or names one."""

    def __init__(self) -> None:
        self.permits: List[List[Any]] = []

    def push(self, acquired: dict) -> dict:
        if acquired["permit"] is not None:
            self.permits.append([acquired["permit"], False])
        return acquired

    def take(self, index: Optional[int]) -> int:
        if index is None:
            slot = next((p for p in self.permits if not p[1]), None)
        else:
            slot = self.permits[index] if index < len(self.permits) else None
        if slot is None:
            raise RunnerError("invalid_argument", "args.permit")
        slot[1] = True
        return slot[0]


BREAKER_ARGS = {"key", "class", "latency_ms", "server_delay_ms", "permit"}


def breaker_args(a: dict) -> dict:
    unknown = set(a) - BREAKER_ARGS
    if unknown:
        raise RunnerError("unknown_field", f"args.{sorted(unknown)[0]}")
    return a


def need_class(a: dict) -> str:
    if "class" not in a:
        raise RunnerError("invalid_argument", "args.class")
    return a["class"]


def breaker_runner(v: dict) -> Dict[str, Op]:
    cb = bw.CircuitBreaker(v.get("config"))
    permits = Permits()

    def record(a: dict, now: int) -> Any:
        permit = permits.take(a.get("permit"))
        return cb.record(permit, need_class(a), a.get("latency_ms", 0), a.get("server_delay_ms"), now)

    def manual(method: Callable[[int], Any]) -> Op:
        return lambda a, now: {"transition": method(now), "state": cb.state()}

    return {
        "try_acquire": lambda a, now: permits.push(cb.try_acquire(now)),
        "record": record,
        "release": lambda a, now: {"released": cb.release(permits.take(a.get("permit"))), "state": cb.state()},
        "transition_to_forced_open": manual(cb.transition_to_forced_open),
        "transition_to_disabled": manual(cb.transition_to_disabled),
        "transition_to_metrics_only": manual(cb.transition_to_metrics_only),
        "reset": manual(cb.reset),
        "state": lambda a, now: {"state": cb.state()},
        "metrics": lambda a, now: cb.metrics(now),
    }


def registry_runner(v: dict) -> Dict[str, Op]:
    config = dict(v.get("config") or {})
    max_keys = config.pop("max_keys", 1024)
    r = bw.BreakerRegistry(config, max_keys=max_keys)
    permits = Permits()

    def key(a: dict) -> str:
        if "key" not in a:
            raise RunnerError("invalid_argument", "args.key")
        return a["key"]

    def record(a: dict, now: int) -> Any:
        permit = permits.take(a.get("permit"))
        return r.record(key(a), permit, need_class(a), a.get("latency_ms", 0), a.get("server_delay_ms"), now)

    def release(a: dict, now: int) -> Any:
        released = r.release(key(a), permits.take(a.get("permit")))
        return {"released": released, "state": r.state(key(a))}

    return {
        "try_acquire": lambda a, now: permits.push(r.try_acquire(key(a), now)),
        "record": record,
        "release": release,
        "state": lambda a, now: {"state": r.state(key(a))},
        "stats": lambda a, now: r.stats(),
    }


def ratelimit_runner(v: dict) -> Dict[str, Op]:
    limiter = bw.RateLimiter(v.get("config"), now_ms=0)
    quotas = ("requests", "tokens", "input_tokens", "output_tokens")
    return {
        "reserve": lambda a, now: limiter.reserve(a["est_tokens"], now),
        "reconcile": lambda a, now: limiter.reconcile(a["estimated"], a["actual"], now),
        "sync": lambda a, now: limiter.sync({q: a[q] for q in quotas if q in a}, now),
        "drain": lambda a, now: limiter.drain(a["until_ms"], now),
        "snapshot": lambda a, now: limiter.snapshot(now),
    }


def idempotency_runner(v: dict) -> Dict[str, Op]:
    keys = bw.IdempotencyKeys(v.get("config"), seed=v.get("seed", 0))
    return {
        "new_key": lambda a, now: keys.new_key(),
        "header_name": lambda a, now: keys.header_name(),
        "derive": lambda a, now: keys.derive(a["content"]),
    }


def error_budget_runner(v: dict) -> Dict[str, Op]:
    b = bw.ErrorBudget(v.get("config"))
    return {
        "record": lambda a, now: b.record(a["good"], now),
        "record_counts": lambda a, now: b.record_counts(a["good"], a["bad"], now),
        "burn_rate": lambda a, now: b.burn_rate(a["window_ms"], now),
        "budget_remaining": lambda a, now: b.budget_remaining(now),
        "alerts": lambda a, now: b.alerts(now),
        "retries_allowed": lambda a, now: b.retries_allowed(now),
    }


def client_runner(v: dict) -> Dict[str, Op]:
    client = bw.Client(v.get("config"), seed=v.get("seed", 0), now_ms=0)
    requests: Dict[str, bw.Request] = {}

    def request(a: dict) -> bw.Request:
        name = a.get("request", "r")
        if name not in requests:
            raise RunnerError("invalid_argument", "request")
        return requests[name]

    def begin(a: dict, now: int) -> Any:
        req = client.begin(
            key=a.get("key"),
            est_tokens=a.get("est_tokens", 0),
            outer_owns_retries=a.get("outer_owns_retries", False),
            content=a.get("content"),
            deadline_ms=a.get("deadline_ms"),
            now_ms=now,
        )
        requests[a.get("request", "r")] = req
        return {"idempotency_key": req.idempotency_key()}

    def on_outcome(a: dict, now: int) -> Any:
        return client.on_outcome(
            request(a),
            a.get("outcome", ""),
            a.get("headers", []),
            error_type=a.get("error_type"),
            error_code=a.get("error_code"),
            latency_ms=a.get("latency_ms", 0),
            wall_unix_ms=a.get("wall_unix_ms"),
            actual_tokens=a.get("actual_tokens"),
            now_ms=now,
        )

    def cancel(a: dict, now: int) -> Any:
        req = request(a)
        client.cancel(req, now)
        return {"finished": req.finished()}

    return {
        "begin": begin,
        "before_attempt": lambda a, now: client.before_attempt(request(a), now),
        "on_outcome": on_outcome,
        "cancel": cancel,
        "poll_event": lambda a, now: {"event": client.poll_event()},
        "dropped_events": lambda a, now: {"dropped": client.dropped_events()},
        "breaker_state": lambda a, now: {"state": client.breaker_state(a.get("key", "default"))},
    }


def policy_runner(v: dict) -> Dict[str, Op]:
    def parsed(make: Callable[[], bw.Policy]) -> Any:
        return {"ok": True, "policy": make().to_dict()}

    return {
        "from_json": lambda a, now: parsed(lambda: bw.Policy.from_json(a.get("text", ""))),
        "from_toml": lambda a, now: parsed(lambda: bw.Policy.from_toml(a.get("text", ""))),
        "preset": lambda a, now: parsed(lambda: bw.Policy.preset(a.get("name", ""))),
    }


def calls_runner(v: dict) -> Dict[str, Op]:
    """Any operation by name (`classify`, `Class.method`, `Class.new`), its arguments by keyword."""
    no_config(v, "calls")
    surface = bw.surface()
    static = {f"{c['name']}.{op['name']}" for c in surface["classes"] for op in c["ops"] if op["kind"] == "static"}

    def make(cls: str, now: int, given: Optional[dict] = None) -> Any:
        if cls == "Request":
            return bw.Client(now_ms=now).begin(now_ms=now)
        return getattr(bw, cls)(**(given or {}))

    named: Dict[str, Any] = {}
    kept: Dict[str, Any] = {}

    def resolve(x: Any, now: int) -> Any:
        if isinstance(x, dict):
            if "$name" in x:
                return named[x["$name"]]
            if "$kept" in x:
                out = kept[x["$kept"]]
                return out.get(x["key"]) if "key" in x else out
            if "$object" in x:
                obj = make(x["$object"], now, resolve(x.get("with", {}), now))
                if "name" in x:
                    named[x["name"]] = obj
                return obj
            return {k: resolve(item, now) for k, item in x.items()}
        if isinstance(x, list):
            return [resolve(item, now) for item in x]
        return x

    def call(a: dict, now: int) -> Any:
        out = dispatch(a, now)
        if "keep" in a:
            kept[a["keep"]] = out
        return out

    def dispatch(a: dict, now: int) -> Any:
        target, given = a["call"], resolve(a.get("with", {}), now)
        if "." not in target:
            return getattr(bw, target)(**given)
        cls, name = target.split(".")
        if name == "new":
            getattr(bw, cls)(**given)
            return {"ok": True}
        owner = getattr(bw, cls) if target in static else given.pop("this", None) or make(cls, now)
        return getattr(owner, name)(**given)

    return {"call": call}


RUNNERS: Dict[str, Callable[[dict], Dict[str, Op]]] = {
    "calls": calls_runner,
    "classify": classify_runner,
    "headers": headers_runner,
    "backoff": backoff_runner,
    "deadline": deadline_runner,
    "retry_budget": retry_budget_runner,
    "retry": retry_runner,
    "breaker": breaker_runner,
    "breaker_registry": registry_runner,
    "ratelimit": ratelimit_runner,
    "idempotency": idempotency_runner,
    "error_budget": error_budget_runner,
    "client": client_runner,
    "policy": policy_runner,
}


# ---- the player --------------------------------------------------------------------------


def check(output: Any, error: Optional[Exception], expect: Any, at: str) -> Optional[str]:
    """Where a step's result misses `expect`: an error passes only where `expect` names one."""
    wants_error = isinstance(expect, dict) and "error" in expect
    if error is not None:
        if not wants_error:
            return f"{at}: unexpected error {json.dumps(error_json(error))}"
        return contains(error_json(error), expect, at)
    if wants_error:
        return f"{at}: expected {json.dumps(expect)}, the op returned {output!r}"
    return None if expect is None else contains(output, expect, at)


def play(v: dict) -> Tuple[List[str], int]:
    """Plays one vector: every failing step (not only the first), and how many steps it played."""
    steps = v["steps"]
    assert steps, "a vector needs at least one step"
    make = RUNNERS.get(v["component"])
    assert make is not None, f"no runner for component {v['component']!r}"
    try:
        ops = make(v)
    except (bw.BreakwaterError, RunnerError) as e:
        first = steps[0]
        if first["op"] != "construct" or len(steps) > 1:
            return [f"construct failed: {json.dumps(error_json(e))}"], 0
        why = check(None, e, first.get("expect"), "construct")
        return ([why] if why else []), 1
    failures = []
    for i, step in enumerate(steps):
        op, now, expect = step["op"], step.get("at_ms", 0), step.get("expect")
        output: Any = None
        error: Optional[Exception] = None
        try:
            if op == "construct":
                output = {"ok": True}
            elif op not in ops:
                raise RunnerError("invalid_argument", "op")
            else:
                output = ops[op](step.get("args") or {}, now)
        except (bw.BreakwaterError, RunnerError) as e:
            error = e
        why = check(output, error, expect, f"steps[{i}] ({op} at {now} ms)")
        if why:
            failures.append(why)
    return failures, len(steps)


def test_folder_matches_manifest() -> None:
    assert ROOT.is_dir(), f"{ROOT} is missing: no vector would be played"
    manifest = json.loads(MANIFEST.read_text())
    steps = sum(len(json.loads(p.read_text())["steps"]) for p in FILES)
    assert (len(FILES), steps) == (manifest["vectors"], manifest["steps"]), (
        f"the folder holds {len(FILES)} vectors and {steps} steps, manifest.json says "
        f"{manifest['vectors']} and {manifest['steps']}"
    )


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_vector(path: Path) -> None:
    v = json.loads(path.read_text())
    failures, steps = play(v)
    assert not failures, f"{v['name']}:\n" + "\n".join(failures)
    PLAYED["vectors"] += 1
    PLAYED["steps"] += steps
