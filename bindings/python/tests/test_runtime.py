"""What only a binding can get wrong: the default clock, OS seeds, header forms, threads."""

from __future__ import annotations

import threading
import time

import pytest

import breakwater as bw


def mono_ms() -> int:
    return time.monotonic_ns() // 1_000_000


# ---- the default clock ---------------------------------------------------------------------


def test_omitted_now_ms_reads_the_monotonic_clock() -> None:
    before = mono_ms()
    t = bw.CircuitBreaker().transition_to_forced_open()
    after = mono_ms()
    assert t is not None and before <= t["at_ms"] <= after


def test_on_the_default_clock_a_breaker_reads_it_only_when_the_outcome_depends_on_it() -> None:
    config = {"window": {"kind": "count", "size": 2}, "minimum_calls": 2}
    before = mono_ms()
    # The failure that opens the breaker reads the clock: the transition is stamped with it.
    a = bw.CircuitBreaker(config)
    p = a.try_acquire_permit(0)
    assert a.record_permit(p, "retryable", 1) == "failure"
    opened = a.record(p, "retryable", 1)["transition"]
    assert opened is not None and opened["to"] == "open"
    assert before <= opened["at_ms"] <= mono_ms()
    # A record that needed no time owes its reading to the next call with an explicit time.
    b = bw.CircuitBreaker(config)
    q = b.try_acquire_permit(0)
    assert b.record_permit(q, "retryable", 1) == "failure"
    t = b.record(q, "retryable", 1, now_ms=0)["transition"]
    assert t is not None and t["at_ms"] >= before > 3_000


def test_a_permit_answered_without_reading_the_clock_owes_the_reading() -> None:
    # In the closed state `try_acquire_permit()` needs no time; the breaker's clock still moves
    # to the reading it skipped before the next call with an explicit time.
    b = bw.CircuitBreaker({"window": {"kind": "time", "duration_ms": 3_000, "bucket_ms": 1_000}})
    p = b.try_acquire_permit(0)
    assert b.record_permit(p, "retryable", 1, 0) == "failure"
    assert b.metrics(0)["calls"] == 1
    assert b.try_acquire_permit() == p
    assert mono_ms() > 3_000
    assert b.metrics(0)["calls"] == 0, "the clock stands at the monotonic time: the failure at 0 left the window"


def test_a_deadline_started_on_the_default_clock_counts_down_on_it() -> None:
    d = bw.Deadline({"total_ms": 60_000})
    start = mono_ms()
    left = d.remaining_ms()
    assert left is not None and 59_000 <= left <= 60_000
    assert d.remaining_ms(start + 10_000) in range(49_000, 50_001)
    assert not d.expired()
    assert d.expired(start + 61_000)


def test_an_explicit_time_is_used_as_given() -> None:
    d = bw.Deadline({"total_ms": 1_000}, now_ms=5)
    assert d.remaining_ms(505) == 500
    assert d.expired(1_005)


def test_the_client_runs_on_the_default_clock() -> None:
    client = bw.Client({"deadline": {"total_ms": 30_000}}, seed=1)
    req = client.begin()
    decision = client.before_attempt(req)
    assert decision["action"] == "send"
    assert 29_000 <= decision["timeouts"]["remaining_ms"] <= 30_000


# ---- seeds ---------------------------------------------------------------------------------


def test_without_a_seed_each_object_draws_its_own_from_the_os() -> None:
    config = {"base_ms": 1_000_000, "max_ms": 1_000_000_000, "jitter": "full"}
    a = [bw.Backoff(config).next_delay(i) for i in range(4)]
    b = [bw.Backoff(config).next_delay(i) for i in range(4)]
    assert a != b
    assert bw.IdempotencyKeys().new_key() != bw.IdempotencyKeys().new_key()
    assert bw.Client().begin(now_ms=0).idempotency_key() != bw.Client().begin(now_ms=0).idempotency_key()


def test_the_same_seed_gives_the_same_draws() -> None:
    config = {"base_ms": 1_000, "max_ms": 60_000, "jitter": "full"}
    a = [bw.Backoff(config, seed=42).next_delay(i) for i in range(4)]
    b = [bw.Backoff(config, seed=42).next_delay(i) for i in range(4)]
    assert a == b
    assert bw.IdempotencyKeys(seed=9).new_key() == bw.IdempotencyKeys(seed=9).new_key()
    k1 = bw.Client(seed=3, now_ms=0).begin(now_ms=0).idempotency_key()
    k2 = bw.Client(seed=3, now_ms=0).begin(now_ms=0).idempotency_key()
    assert k1 == k2


def test_a_seed_can_be_any_u64() -> None:
    bw.Backoff(seed=2**64 - 1).next_delay(0)
    with pytest.raises(bw.InvalidArgumentError):
        bw.Backoff(seed=2**64)


# ---- headers: pairs, dicts, mappings -------------------------------------------------------


def test_headers_as_pairs_dict_or_mapping_agree() -> None:
    pairs = [("Retry-After", "2"), ("x-ratelimit-remaining-requests", "7")]
    expected = bw.classify("http_429", pairs)
    assert expected["retry_after"]["delay_ms"] == 2000
    assert bw.classify("http_429", dict(pairs)) == expected
    assert bw.classify("http_429", tuple(pairs)) == expected
    assert bw.classify("http_429", [list(p) for p in pairs]) == expected
    assert bw.classify("http_429", [(b"retry-after", b"2")]) == expected


def test_httpx_headers_are_read_as_a_mapping() -> None:
    httpx = pytest.importorskip("httpx2") if _has("httpx2") else pytest.importorskip("httpx")
    h = httpx.Headers({"retry-after-ms": "1500", "x-ratelimit-limit-requests": "60"})
    assert bw.retry_after(h)["retry_after"] == {"delay_ms": 1500.0, "source": "retry_after_ms"}
    assert bw.rate_limits(h)["rate_limits"]["requests"]["limit"] == 60


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


# ---- results and round trips ---------------------------------------------------------------


def test_results_are_plain_dicts_with_snake_case_keys() -> None:
    cb = bw.CircuitBreaker()
    a = cb.try_acquire(0)
    assert type(a) is dict
    assert set(a) == {"permitted", "permit", "state", "reason", "retry_after_ms", "transition"}
    assert isinstance(a["permit"], int) and 0 <= a["permit"] < 2**53
    r = cb.record(a["permit"], "success", 12, now_ms=12)
    assert r == {"counted": "success", "state": "closed", "transition": None}


def test_the_fast_path_makes_the_same_calls() -> None:
    config = {"window": {"kind": "count", "size": 4}, "minimum_calls": 4}
    rich, fast = bw.CircuitBreaker(config), bw.CircuitBreaker(config)
    for t in range(6):
        a = rich.try_acquire(t)
        p = fast.try_acquire_permit(t)
        assert (a["permit"] is None) == (p is None)
        if p is not None:
            assert rich.record(a["permit"], "retryable", 1, now_ms=t)["counted"] == fast.record_permit(
                p, "retryable", 1, t
            )
        assert rich.state() == fast.state()
    assert fast.state() == "open"
    assert fast.try_acquire_permit(6) is None


def test_a_permit_from_another_breaker_is_stale() -> None:
    reg = bw.BreakerRegistry(max_keys=4)
    pa = reg.try_acquire("a", 0)["permit"]
    reg.try_acquire("b", 0)
    assert reg.record("b", pa, "retryable", 1, now_ms=1)["counted"] == "stale"
    assert reg.len() == len(reg) == 2


def test_policy_round_trips() -> None:
    p = bw.Policy.preset("openai_sdk")
    assert bw.Policy.from_dict(p.to_dict()) == p
    assert bw.Policy.from_json(p.to_json()) == p
    assert bw.Policy.from_toml('profile = "openai"\n') == bw.Policy.from_dict({})
    schema = bw.Policy.schema()
    assert "retry" in schema["properties"]
    client = bw.Client(p, seed=0, now_ms=0)
    assert client.breaker_state("default") == "disabled"  # the SDK preset leaves breaking to the host


def test_derived_keys_read_str_as_utf8() -> None:
    keys = bw.IdempotencyKeys({"mode": "derived"}, seed=0)
    assert keys.derive("héllo") == keys.derive("héllo".encode())
    assert keys.header_name().lower() == "idempotency-key"


def test_rate_limiter_syncs_from_the_rate_limits_of_headers() -> None:
    limiter = bw.RateLimiter({"sync_from_headers": True}, now_ms=0)
    found = bw.rate_limits([("x-ratelimit-limit-requests", "2"), ("x-ratelimit-remaining-requests", "0"),
                            ("x-ratelimit-reset-requests", "30s")])
    limiter.sync(found["rate_limits"], 0)
    r = limiter.reserve(0, 0)
    assert not r["ready"] and r["wait_until_ms"] is not None
    with pytest.raises(bw.ConfigError) as e:
        limiter.sync({"requests": {"limt": 3}}, 0)
    assert e.value.path == "rate_limits.requests.limt"
    with pytest.raises(bw.BreakwaterError) as e:
        limiter.sync({"requests": {"limit": float("nan")}}, 0)
    assert (e.value.code, e.value.path) == ("not_finite", "rate_limits.requests.limit")
    for bad in ([], 5):
        with pytest.raises(bw.BreakwaterTypeError) as e:
            limiter.sync(bad, 0)
        assert (e.value.code, e.value.path) == ("invalid_type", "rate_limits")
    with pytest.raises(bw.ConfigError) as e:
        limiter.sync(None, 0)
    assert (e.value.code, e.value.path) == ("missing_field", "rate_limits")


def test_go_durations_and_dates() -> None:
    assert bw.parse_go_duration("1m30s") == 90_000
    assert bw.parse_go_duration("soon") is None
    assert bw.parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777000
    assert bw.parse_rfc3339("1994-11-06T08:49:37Z") == 784111777000
    assert bw.parse_rfc3339("yesterday") is None


# ---- threads -------------------------------------------------------------------------------

THREADS = 8
ROUNDS = 2_000


def run_threads(target) -> None:
    threads = [threading.Thread(target=target, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "deadlock: a thread did not finish"


def test_eight_threads_share_one_breaker_and_every_permit_is_accounted_for() -> None:
    # A window larger than every call made, so the breaker stays closed and counts them all.
    cb = bw.CircuitBreaker({"window": {"kind": "count", "size": THREADS * ROUNDS + 1},
                            "minimum_calls": THREADS * ROUNDS + 1})
    counts = [[0, 0, 0] for _ in range(THREADS)]  # granted, recorded, released

    def work(i: int) -> None:
        c = counts[i]
        for n in range(ROUNDS):
            p = cb.try_acquire_permit(0) if n % 2 else cb.try_acquire(0)["permit"]
            assert p is not None
            c[0] += 1
            if n % 5 == 0:
                cb.release(p)
                c[2] += 1
            elif n % 2:
                assert cb.record_permit(p, "success", 1, 0) == "success"
                c[1] += 1
            else:
                assert cb.record(p, "permanent", 1, now_ms=0)["counted"] == "ignored"
                c[1] += 1
            if n % 97 == 0:
                cb.metrics(0)
                cb.state()

    run_threads(work)
    granted, recorded, released = (sum(c[k] for c in counts) for k in range(3))
    assert granted == THREADS * ROUNDS == recorded + released
    successes = sum(1 for n in range(ROUNDS) if n % 5 and n % 2) * THREADS
    assert cb.metrics(0)["calls"] == successes
    assert cb.state() == "closed"


def test_eight_threads_share_one_client() -> None:
    client = bw.Client({"retry_budget": {"kind": "none"}, "breaker": {"minimum_calls": 100_000,
                        "window": {"kind": "count", "size": 100_000}}}, seed=5, now_ms=0)
    sends = [0] * THREADS
    outcomes = [0] * THREADS
    keys: list = [set() for _ in range(THREADS)]

    def work(i: int) -> None:
        for n in range(ROUNDS // 4):
            req = client.begin(key=f"model-{n % 3}", now_ms=n)
            keys[i].add(req.idempotency_key())
            while True:
                d = client.before_attempt(req, n)
                assert d["action"] == "send", d
                sends[i] += 1
                status = "http_500" if (n + sends[i]) % 4 == 0 and req.attempts() == 1 else "http_200"
                r = client.on_outcome(req, status, latency_ms=1, now_ms=n)
                outcomes[i] += 1
                if r["action"] != "retry":
                    break
            assert req.finished()
            client.poll_event()

    run_threads(work)
    assert sum(sends) == sum(outcomes)
    assert len(set().union(*keys)) == THREADS * (ROUNDS // 4)


def test_a_retry_decision_takes_what_classify_returned() -> None:
    state = bw.RetryState(seed=3)
    d = state.decide(bw.classify("http_429", [("retry-after", "2")]), now_ms=0)
    assert (d["action"], d["reason"], d["delay_ms"], d["cause"]) == ("retry", "server_delay", 2000, "rate_limited")
    # A non-finite delay comes back as None and falls back to the backoff, as in the core.
    inf = bw.classify("http_503", [("retry-after", "inf")])
    assert inf["retry_after"]["delay_ms"] is None
    d = state.decide(inf, now_ms=2000)
    assert (d["action"], d["reason"], d["retries_taken"]) == ("retry", "backoff", 2)
    assert state.decide(bw.classify("http_500"), now_ms=3000)["reason"] == "retries_exhausted"
    assert state.retries_taken() == 2


def test_the_same_seed_gives_the_same_retry_delays_as_a_client() -> None:
    config = {"backoff": {"jitter": "full"}, "max_retries": 5}
    a, b = bw.RetryState(config, seed=42), bw.RetryState(config, seed=42)
    c = bw.classify("timeout_headers")
    assert [a.decide(c, now_ms=0)["delay_ms"] for _ in range(5)] == [b.decide(c, now_ms=0)["delay_ms"] for _ in range(5)]


def test_eight_threads_share_one_retry_budget_and_it_grants_exactly_its_limit() -> None:
    # Envoy's ratio budget with nothing in flight grants min_retry_concurrency retries, then
    # refuses until they finish: across threads, no grant may be lost or doubled.
    budget = bw.RetryBudget({"kind": "ratio", "budget_percent": 20, "min_retry_concurrency": 37})
    error_budget = bw.ErrorBudget()
    granted = [0] * THREADS
    c = bw.classify("http_502")

    def work(i: int) -> None:
        for n in range(ROUNDS // 4):
            state = bw.RetryState({"backoff": {"jitter": "none"}}, seed=n)
            d = state.decide(c, retry_budget=budget, error_budget=error_budget, now_ms=n)
            if d["action"] == "retry":
                granted[i] += 1
            else:
                assert d["reason"] == "retry_budget_exhausted", d

    run_threads(work)
    assert sum(granted) == 37
    assert budget.snapshot()["active_retries"] == 37
