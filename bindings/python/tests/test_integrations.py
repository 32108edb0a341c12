"""The Python integrations without a network: the plain-httpx transports over httpx.MockTransport,
breakwater.call / Caller, the logger and the OpenTelemetry hook (its in-memory exporter).

The openai SDK through the httpx2 transport, against a real fault-injecting server, is in
examples/python/test_example.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Dict, Iterator, List, Optional

import httpx
import pytest

import breakwater as bw
import breakwater.httpx

FAST = {"retry": {"max_retries": 3, "backoff": {"base_ms": 1, "max_ms": 5}}}
BODY = {"model": "m-1", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 50}


class Upstream:
    """Answers from a script of (status, headers, body or chunks); records what it received."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.received: List[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        # A copy: the transport sends the same request object again, with new headers.
        copy = httpx.Request(request.method, request.url, headers=request.headers.copy(), content=request.content,
                             extensions=dict(request.extensions))
        self.received.append(copy)
        status, headers, body = self.answers.pop(0) if self.answers else (200, {}, {"ok": True})
        if isinstance(body, list):  # a server-sent event stream, chunk by chunk
            return httpx.Response(status, headers={"content-type": "text/event-stream", **headers},
                                  stream=Chunks(body))
        return httpx.Response(status, headers=headers, json=body)


class Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    """Chunks, then an error when the last one is an exception."""

    def __init__(self, chunks: List[Any]) -> None:
        self.chunks = chunks
        self.closed = 0

    def close(self) -> None:
        self.closed += 1

    async def aclose(self) -> None:
        self.closed += 1

    def __iter__(self) -> Iterator[bytes]:
        for c in self.chunks:
            if isinstance(c, BaseException):
                raise c
            yield c

    async def __aiter__(self) -> Any:
        for c in self.chunks:
            if isinstance(c, BaseException):
                raise c
            yield c


def sync_client(upstream: Upstream, policy: Any = FAST, **options: Any) -> httpx.Client:
    transport = bw.httpx.Transport(policy, transport=httpx.MockTransport(upstream), **options)
    return httpx.Client(transport=transport, base_url="http://upstream")


def post(client: httpx.Client) -> httpx.Response:
    return client.post("/v1/chat/completions", json=BODY)


def read_stream(up: Upstream, events: List[Dict[str, Any]], mode: str = "sync") -> bytes:
    """A streamed answer's bytes, read to its end through the sync or the async transport."""

    async def read_async() -> bytes:
        transport = bw.httpx.AsyncTransport(FAST, transport=httpx.MockTransport(up), on_event=events.append)
        async with httpx.AsyncClient(transport=transport, base_url="http://upstream") as c:
            async with c.stream("POST", "/v1/chat/completions", json=BODY) as r:
                return b"".join([chunk async for chunk in r.aiter_raw()])

    if mode == "async":
        return asyncio.run(read_async())
    with sync_client(up, on_event=events.append) as c:
        with c.stream("POST", "/v1/chat/completions", json=BODY) as r:
            return b"".join(r.iter_raw())


def test_resource_ids_share_one_breaker_key_the_path_as_a_route() -> None:
    events: List[Dict[str, Any]] = []
    with sync_client(Upstream(), on_event=events.append) as c:
        for batch in ("batch_6721fe1a8b9c8190", "batch_a1b2c3"):
            c.get(f"/v1/batches/{batch}")
    assert {e["key"] for e in events} == {"/v1/batches/{id}"}


def test_retries_keep_one_idempotency_key_and_key_the_breaker_by_model() -> None:
    up = Upstream((500, {}, {"error": {"type": "server_error"}}), (503, {}, {}))
    events: List[Dict[str, Any]] = []
    with sync_client(up, on_event=events.append) as c:
        r = post(c)
    assert r.status_code == 200 and r.json() == {"ok": True}
    keys = {q.headers["idempotency-key"] for q in up.received}
    assert len(up.received) == 3 and len(keys) == 1
    assert [q.headers["x-stainless-retry-count"] for q in up.received] == ["0", "1", "2"]
    assert {e["key"] for e in events} == {"m-1"}
    assert [e["kind"] for e in events] == ["send", "retry", "send", "retry", "send", "done"]
    assert events[1]["error_type"] == "500" and events[3]["class"] == "overloaded"
    assert {e["request"] for e in events} == keys  # every event names the logical request


def test_a_callers_own_idempotency_key_is_kept_on_every_attempt() -> None:
    up = Upstream((500, {}, {}))
    with sync_client(up) as c:
        c.post("/v1/chat/completions", json=BODY, headers={"Idempotency-Key": "mine"})
    assert [q.headers["idempotency-key"] for q in up.received] == ["mine", "mine"]


def test_a_fatal_answer_is_returned_marked_not_to_retry() -> None:
    body = {"error": {"type": "insufficient_quota", "code": "insufficient_quota"}}
    up = Upstream((429, {}, body))
    with sync_client(up) as c:
        r = post(c)
    assert (r.status_code, r.headers["x-should-retry"], r.json()) == (429, "false", body)
    assert len(up.received) == 1


def test_the_attempt_timeouts_reach_the_request_never_above_the_callers() -> None:
    up = Upstream()
    policy = {"deadline": {"total_ms": 8_000, "connect_ms": 500, "headers_ms": 2_000}}
    with sync_client(up, policy) as c:
        c.post("/v1/chat/completions", json=BODY, timeout=httpx.Timeout(30, connect=0.2))
    timeout = dict(up.received[0].extensions["timeout"])
    # The write limit is what is left of the 8 s deadline when the attempt starts: the real
    # clock has moved by a few ms since the call began (CI once saw 7.999).
    write = timeout.pop("write")
    assert 7.5 < write <= 8.0
    # The wait for a pooled connection is this process's own: bounded by the attempt only.
    assert timeout == {"connect": 0.2, "read": 2.0, "pool": write}


def test_an_open_breaker_fails_fast_with_gave_up() -> None:
    policy = {"retry": {"max_retries": 0}, "breaker": {"window": {"kind": "count", "size": 2}, "minimum_calls": 2,
                                                      "open_wait": {"kind": "fixed", "ms": 60_000}}}
    up = Upstream(*[(500, {}, {})] * 10)
    with sync_client(up, policy) as c:
        assert [post(c).status_code for _ in range(2)] == [500, 500]
        calls = len(up.received)
        with pytest.raises(bw.httpx.GaveUp) as e:
            post(c)
    assert isinstance(e.value, httpx.TransportError) and isinstance(e.value, bw.GaveUp)
    assert e.value.reason == "breaker_open" and len(up.received) == calls


def test_a_connect_error_is_retried_then_raised_with_the_decision() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    transport = bw.httpx.Transport(FAST, transport=httpx.MockTransport(refuse))
    with httpx.Client(transport=transport) as c, pytest.raises(httpx.ConnectError) as e:
        c.post("http://upstream/v1/x", json=BODY)
    assert e.value.breakwater["reason"] == "retries_exhausted"  # type: ignore[attr-defined]


SSE_DONE = [b'data: {"choices": []}\n\n', b"data: [DO", b"NE]\n\n"]
SSE_ANTHROPIC = [b"event: message_start\ndata: {}\n\n", b"event: message_stop\ndata: {}\n\n"]
SSE_RESPONSES = [b"event: response.created\ndata: {}\n\n", b"event: response.completed\ndata: {}\n\n"]
# CR-only lines, and final events named only by the data's `type`.
SSE_CR = [b'data: {"a": 1}\r\r', b"data: [DONE]\r\r"]
SSE_DATA_ONLY = [b'data: {"type": "response.created"}\n\n', b'data: {"type": "response.completed", "response": {}}\n\n']
SSE_ANTHROPIC_DATA_ONLY = [b'data: {"type":"message_stop"}\n\n']


@pytest.mark.parametrize(
    "chunks",
    [SSE_DONE, SSE_ANTHROPIC, SSE_RESPONSES, SSE_CR, SSE_DATA_ONLY, SSE_ANTHROPIC_DATA_ONLY],
    ids=["chat", "anthropic", "responses", "cr-lines", "responses-data-only", "anthropic-data-only"],
)
def test_a_stream_with_its_final_event_is_a_success_even_split_across_chunks(chunks: List[bytes]) -> None:
    events: List[Dict[str, Any]] = []
    with sync_client(Upstream((200, {}, chunks)), on_event=events.append) as c:
        with c.stream("POST", "/v1/chat/completions", json=BODY) as r:
            assert b"".join(r.iter_raw()) == b"".join(chunks)
    assert events[-1]["kind"] == "done"


def test_a_stream_without_its_final_event_raises_stream_cut() -> None:
    events: List[Dict[str, Any]] = []
    with sync_client(Upstream((200, {}, [b'data: {"a": 1}\n\n'])), on_event=events.append) as c:
        with c.stream("POST", "/v1/chat/completions", json=BODY) as r, pytest.raises(bw.httpx.StreamCut):
            r.read()
    # No retry can follow once the reader holds the answer: the client gives up, it does not
    # announce a retry nobody makes (nor spend the retry budget on it).
    assert [(e["kind"], e.get("outcome"), e.get("reason")) for e in events][-2:] == [
        ("send", None, None),
        ("give_up", "stream_cut", "not_repeatable"),
    ]


def test_a_failure_before_the_first_chunk_is_retried_under_the_reader() -> None:
    broken = [httpx.RemoteProtocolError("peer closed")]
    up = Upstream((200, {}, broken), (200, {}, SSE_DONE))
    with sync_client(up) as c:
        with c.stream("POST", "/v1/chat/completions", json=BODY) as r:
            assert b"".join(r.iter_raw()).endswith(b"NE]\n\n")
    assert len(up.received) == 2


def test_a_reader_that_goes_away_cancels_the_request() -> None:
    events: List[Dict[str, Any]] = []
    with sync_client(Upstream((200, {}, [b"data: {}\n\n", b"data: {}\n\n"])), on_event=events.append) as c:
        with c.stream("POST", "/v1/chat/completions", json=BODY) as r:
            next(r.iter_raw())
    assert events[-1]["kind"] == "cancel"


@pytest.mark.parametrize("read_all", [True, False], ids=["read", "left"])
def test_closing_a_streamed_answer_closes_the_upstream_body_once(read_all: bool) -> None:
    bodies: List[Chunks] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(Chunks(list(SSE_DONE)))
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=bodies[-1])

    async def read_async() -> None:
        transport = bw.httpx.AsyncTransport(FAST, transport=httpx.MockTransport(answer))
        async with httpx.AsyncClient(transport=transport, base_url="http://upstream") as c:
            async with c.stream("POST", "/v1/chat/completions", json=BODY) as r:
                async for _ in r.aiter_raw():
                    if not read_all:
                        break

    transport = bw.httpx.Transport(FAST, transport=httpx.MockTransport(answer))
    with httpx.Client(transport=transport, base_url="http://upstream") as c:
        with c.stream("POST", "/v1/chat/completions", json=BODY) as r:
            for _ in r.iter_raw():
                if not read_all:
                    break
    asyncio.run(read_async())
    assert [b.closed for b in bodies] == [1, 1]


def test_the_async_transport_retries_and_streams() -> None:
    up = Upstream((502, {}, {}), (200, {}, SSE_DONE))
    events: List[Dict[str, Any]] = []
    assert read_stream(up, events, "async").endswith(b"NE]\n\n")
    assert [e["kind"] for e in events] == ["send", "retry", "send", "done"]


def test_the_async_transport_cuts_a_stream_idle_past_its_limit() -> None:
    class Stalls(httpx.AsyncByteStream):
        async def __aiter__(self) -> Any:
            yield b"data: {}\n\n"
            await asyncio.sleep(5)
            yield b"data: [DONE]\n\n"

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=Stalls())

    async def run() -> None:
        policy = {"deadline": {"total_ms": 10_000, "idle_ms": 100}}
        transport = bw.httpx.AsyncTransport(policy, transport=httpx.MockTransport(answer))
        async with httpx.AsyncClient(transport=transport) as c:
            async with c.stream("POST", "http://upstream/v1/x", json=BODY) as r:
                with pytest.raises(bw.httpx.StreamCut, match="timeout_idle"):
                    await r.aread()

    asyncio.run(asyncio.wait_for(run(), 3))


def test_the_async_idle_gap_counts_each_read_and_gives_the_task_back_uncancelled() -> None:
    """Chunks 40 ms apart under a 250 ms idle gap are no stall, though the stream's one timer,
    set at the first read, fires while a later read waits (it is set again for that read's own
    end); the silence after them is; the reading task's cancellation is taken back, and a
    caller's own cancellation stays one."""

    class Paced(httpx.AsyncByteStream):
        async def __aiter__(self) -> Any:
            for _ in range(4):
                yield b"data: {}\n\n"
                await asyncio.sleep(0.04)
            await asyncio.sleep(5)
            yield b"data: [DONE]\n\n"

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=Paced())

    policy = {"retry": {"max_retries": 0}, "deadline": {"total_ms": 10_000, "idle_ms": 250}}

    async def stall() -> None:
        transport = bw.httpx.AsyncTransport(policy, transport=httpx.MockTransport(answer))
        async with httpx.AsyncClient(transport=transport) as c:
            async with c.stream("POST", "http://upstream/v1/x", json=BODY) as r:
                got = []
                with pytest.raises(bw.httpx.StreamCut, match="timeout_idle"):
                    async for chunk in r.aiter_raw():
                        got.append(chunk)
                assert len(got) == 4
                task = asyncio.current_task()
                assert task is not None and task.cancelling() == 0

    asyncio.run(asyncio.wait_for(stall(), 3))  # within 3 s: cut before the 5 s silence ended

    async def cancelled_by_the_caller() -> None:
        transport = bw.httpx.AsyncTransport(policy, transport=httpx.MockTransport(answer))
        async with httpx.AsyncClient(transport=transport) as c:
            async with c.stream("POST", "http://upstream/v1/x", json=BODY) as r:
                reader = asyncio.ensure_future(r.aread())
                await asyncio.sleep(0.03)
                reader.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await reader

    asyncio.run(asyncio.wait_for(cancelled_by_the_caller(), 3))


def test_the_async_idle_watch_keeps_the_callers_cancellation_as_asyncio_timeout_does() -> None:
    """The idle watch (one timer per stream, `_IdleWatch`) against `asyncio.timeout`'s contract:
    a caller's cancellation that lands in the same loop pass as the watch's stays a
    cancellation (not a stall), and a read that answers the watch's cancellation with another
    error leaves the task uncancelled."""
    import time

    from breakwater._http import _IdleWatch

    class Never:
        def __aiter__(self) -> "Never":
            return self

        async def __anext__(self) -> bytes:
            await asyncio.sleep(10)
            return b""

    class Converts(Never):
        async def __anext__(self) -> bytes:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                raise OSError("connection reset") from None
            return b""

    async def same_pass() -> None:
        watch = _IdleWatch(0.05)
        loop = asyncio.get_running_loop()
        reader = asyncio.ensure_future(watch.read(Never()))
        # The loop is blocked past both: the caller's cancel (40 ms) and the watch's timer
        # (50 ms) then run in one pass, before the reader resumes.
        loop.call_later(0.01, time.sleep, 0.1)
        loop.call_later(0.04, reader.cancel)
        with pytest.raises(asyncio.CancelledError):
            await reader

    async def converted() -> None:
        with pytest.raises(OSError):
            await _IdleWatch(0.02).read(Converts())
        task = asyncio.current_task()
        assert task is not None and task.cancelling() == 0

    asyncio.run(asyncio.wait_for(same_pass(), 3))
    asyncio.run(asyncio.wait_for(converted(), 3))


def test_concurrent_async_streams_each_keep_their_own_idle_gap() -> None:
    """Twenty streams read at once by twenty tasks under a 250 ms idle gap: the ten that fall
    silent are cut; the ten whose chunks come every 40 ms end whole."""

    class Stream(httpx.AsyncByteStream):
        def __init__(self, stalls: bool) -> None:
            self.stalls = stalls

        async def __aiter__(self) -> Any:
            for _ in range(5):
                yield b"data: {}\n\n"
                await asyncio.sleep(0.04)
            if self.stalls:
                await asyncio.sleep(5)
            yield b"data: [DONE]\n\n"

    def answer(request: httpx.Request) -> httpx.Response:
        stalls = request.url.params["n"] in {str(i) for i in range(0, 20, 2)}
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=Stream(stalls))

    policy = {"retry": {"max_retries": 0}, "deadline": {"total_ms": 10_000, "idle_ms": 250}}

    async def run() -> List[str]:
        transport = bw.httpx.AsyncTransport(policy, transport=httpx.MockTransport(answer))
        async with httpx.AsyncClient(transport=transport) as c:

            async def read(n: int) -> str:
                try:
                    async with c.stream("POST", f"http://upstream/v1/x?n={n}", json=BODY) as r:
                        await r.aread()
                    return "whole"
                except bw.httpx.StreamCut as e:
                    return e.reason

            return await asyncio.gather(*(read(n) for n in range(20)))

    # Within 4 s: every stall was cut before its 5 s silence ended.
    got = asyncio.run(asyncio.wait_for(run(), 4))
    assert got == ["timeout_idle" if n % 2 == 0 else "whole" for n in range(20)]


# ---- call / Caller ---------------------------------------------------------------------------


class Flaky:
    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.calls = 0

    def __call__(self, x: int, timeout: float = 0) -> int:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return x * 2


def test_call_retries_transient_exceptions_and_passes_the_attempt_timeout() -> None:
    seen: List[float] = []
    fn = Flaky(TimeoutError(), ConnectionResetError())
    caller = bw.Caller({**FAST, "deadline": {"total_ms": 5_000}}, timeout="timeout")
    assert caller.call(lambda x, timeout: seen.append(timeout) or fn(x), 21) == 42
    assert fn.calls == 3 and all(0 < t <= 5 for t in seen)


def test_an_exception_that_is_no_transport_failure_propagates_at_once() -> None:
    fn = Flaky(KeyError("bug"))
    with pytest.raises(KeyError):
        bw.Caller(FAST).call(fn, 1)
    assert fn.calls == 1


def test_the_decorator_wraps_sync_and_async_functions_and_gives_up_with_the_last_error() -> None:
    caller = bw.Caller(FAST)
    calls = []

    @caller
    def always_down() -> None:
        calls.append(1)
        raise ConnectionRefusedError()

    @caller
    async def answer(x: int) -> int:
        return x

    with pytest.raises(ConnectionRefusedError) as e:
        always_down()
    assert len(calls) == 4 and e.value.breakwater["reason"] == "retries_exhausted"  # type: ignore[attr-defined]
    assert asyncio.run(answer(7)) == 7
    assert bw.call(lambda: 5) == 5


def test_classify_exception_reads_status_errors_by_shape() -> None:
    request = httpx.Request("POST", "http://upstream/")
    response = httpx.Response(429, headers={"retry-after": "2"}, request=request)
    err = httpx.HTTPStatusError("429", request=request, response=response)
    outcome, headers, _, _ = bw.classify_exception(err)  # type: ignore[misc]
    assert outcome == "http_429" and ("retry-after", "2") in headers
    assert bw.classify_exception(httpx.ReadTimeout("slow")) == ("timeout_attempt", None, None, None)
    assert bw.classify_exception(ValueError()) is None


# ---- logger and OpenTelemetry ----------------------------------------------------------------


def test_events_reach_the_breakwater_logger(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="breakwater"):
        with sync_client(Upstream((500, {}, {}))) as c:
            post(c)
    kinds = [r.breakwater_event["kind"] for r in caplog.records]  # type: ignore[attr-defined]
    assert kinds == ["send", "retry", "send", "done"]
    assert caplog.records[1].levelno == logging.INFO


def test_the_opentelemetry_hook_records_a_span_per_request_with_each_decision() -> None:
    pytest.importorskip("opentelemetry.sdk", reason="opentelemetry-sdk is in scripts/test-python.sh's pins")
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import StatusCode

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    quota = {"error": {"type": "insufficient_quota", "code": "insufficient_quota"}}
    with sync_client(Upstream((503, {}, {}), (200, {}, {}), (429, {}, quota)), opentelemetry=tracer) as c:
        post(c)
        post(c)
    ok, failed = exporter.get_finished_spans()
    assert ok.name == "breakwater m-1"
    assert [e.name for e in ok.events] == ["breakwater.send", "breakwater.retry", "breakwater.send", "breakwater.done"]
    assert ok.events[1].attributes["error.type"] == "503"
    assert ok.events[2].attributes["http.request.resend_count"] == 1
    assert ok.attributes["http.request.resend_count"] == 1 and ok.status.status_code == StatusCode.UNSET
    assert failed.status.status_code == StatusCode.ERROR and failed.attributes["error.type"] == "429"
    assert failed.events[-1].attributes["breakwater.reason"] == "fatal_error"


def test_threads_sharing_a_transport_get_one_span_each_with_only_their_own_events() -> None:
    pytest.importorskip("opentelemetry.sdk", reason="opentelemetry-sdk is in scripts/test-python.sh's pins")
    from concurrent.futures import ThreadPoolExecutor

    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    up = Upstream(*[(503, {}, {}), (200, {}, {})] * 100)  # every other call fails: retries interleave
    policy = {**FAST, "retry_budget": {"kind": "none"}, "breaker": {"initial_state": "disabled"}}
    with sync_client(up, policy, opentelemetry=provider.get_tracer("t")) as c:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: post(c), range(80)))
    spans = exporter.get_finished_spans()
    assert len(spans) == 80
    for span in spans:
        requests = {e.attributes["breakwater.request"] for e in span.events}
        assert len(requests) == 1, [e.name for e in span.events]
        assert span.events[0].name == "breakwater.send" and span.events[-1].name in ("breakwater.done", "breakwater.give_up")


def test_event_attributes_flatten_for_span_events() -> None:
    event = {"kind": "breaker", "key": "m", "at_ms": 5, "request": "r",
             "transition": {"from": "closed", "to": "open", "reason": "x", "at_ms": 5, "open_until_ms": None}}
    attrs = bw.event_attributes(event)
    assert attrs["breakwater.transition.to"] == "open" and "breakwater.transition.open_until_ms" not in attrs
    assert json.dumps(attrs)  # every value is a plain attribute value


@pytest.mark.parametrize(
    "body, key",
    [
        (b'{"model": "gpt-4o-mini", "messages": []}', "gpt-4o-mini"),
        (b'{"messages": [{"content": "model"}], "model":"m-2"}', "m-2"),  # the word before the field
        (b'{"messages": [{"content": "\\"model\\": \\"x\\""}], "model": "m-3"}', "m-3"),  # escaped inside text
        (b'{"input": "no model field"}', None),
        (b'{"model": 5, "x": "\\"model\\"", "model": "m-4"}', "m-4"),  # candidates that do not match
        (b"", None),
    ],
)
def test_the_breaker_key_is_the_body_model(body: bytes, key: Optional[str]) -> None:
    assert bw.read_request(body)["model"] == key


def test_a_request_without_a_model_is_keyed_by_its_path() -> None:
    events: List[Dict[str, Any]] = []
    with sync_client(Upstream(), on_event=events.append) as c:
        c.post("/v1/embeddings", json={"input": "no model field"})
    assert events[0]["key"] == "/v1/embeddings"


def test_the_token_estimate_adds_the_output_allowance() -> None:
    tokens = lambda body: bw.read_request(body)["est_tokens"]  # noqa: E731
    assert tokens(b"{" + b"x" * 399) == 100
    assert tokens(b'{"max_completion_tokens": 50}' + b" " * 371) == 150
    assert tokens(b'{"max_output_tokens":7}') == 23 // 4 + 7
    # The first field that matches, after words that only start like one.
    body = b'{"max_": 1, "messages": ["\\"max_tokens\\": 9"], "max_tokens": 40}'
    assert tokens(body) == len(body) // 4 + 40


# ---- defects found by probing with the real SDK (2026-12-06) ---------------------------------


def stream_events(chunks: List[Any], headers: Any = None, policy: Any = FAST) -> List[Dict[str, Any]]:
    """Reads a streamed answer of `chunks` through the sync transport; its events."""
    events: List[Dict[str, Any]] = []
    with sync_client(Upstream((200, headers or {}, chunks)), policy, on_event=events.append) as c:
        with c.stream("POST", "/v1/chat/completions", json=BODY) as r:
            r.read()
    return events


def test_a_gzip_encoded_stream_is_inflated_to_find_its_final_event() -> None:
    import gzip

    body = gzip.compress(b'data: {"a": 1}\n\ndata: [DONE]\n\n')
    events = stream_events([body[:10], body[10:]], {"content-encoding": "gzip"})
    assert events[-1]["kind"] == "done"
    cut = gzip.compress(b'data: {"a": 1}\n\n')
    with pytest.raises(bw.httpx.StreamCut):
        stream_events([cut], {"content-encoding": "gzip"})


def test_a_sync_stream_failing_after_its_first_chunk_raises_stream_cut_from_the_error() -> None:
    chunks = [b"data: {}\n\n", httpx.ReadTimeout("stalled")]
    events: List[Dict[str, Any]] = []
    with pytest.raises(bw.httpx.StreamCut, match="timeout_idle") as e:
        events = stream_events(chunks)
    assert isinstance(e.value.__cause__, httpx.ReadTimeout)
    # Once the final event came, a late failure changes nothing.
    assert stream_events([b"data: [DONE]\n\n", httpx.ReadError("reset")])[-1]["kind"] == "done"
    del events


@pytest.mark.parametrize(
    "deadline, first_chunk",
    [
        # Its own limit stays even where the attempt's clips it to the same value.
        ({"total_ms": 10_000, "attempt_ms": 3_000, "first_token_ms": 3_000, "idle_ms": 500}, 3.0),
        # Without one of its own, the first chunk waits no longer than any other gap.
        ({"total_ms": 10_000, "idle_ms": 500}, 0.5),
    ],
)
def test_a_streams_first_chunk_waits_for_the_first_token_limit(deadline: Dict[str, int], first_chunk: float) -> None:
    read_limits: List[float] = []

    class Watched(Chunks):
        def __iter__(self) -> Iterator[bytes]:
            read_limits.append(sent.extensions["timeout"]["read"])  # what the socket waits for the first chunk
            yield from super().__iter__()

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal sent
        sent = request
        chunks = Watched([b"data: {}\n\n", b"data: [DONE]\n\n"])
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=chunks)

    sent: Any = None
    transport = bw.httpx.Transport({"deadline": deadline}, transport=httpx.MockTransport(answer))
    with httpx.Client(transport=transport, base_url="http://upstream") as c:
        with c.stream("POST", "/v1/chat/completions", json=BODY) as r:
            r.read()
    assert read_limits == [first_chunk]


class Connection:
    """httpcore's connection stream as its `network_stream` extension exposes it: `read(max_bytes,
    timeout)`, here recording the timeout each read of the body is given."""

    def __init__(self) -> None:
        self.timeouts: List[Optional[float]] = []

    def read(self, max_bytes: int, timeout: Optional[float] = None) -> bytes:
        self.timeouts.append(timeout)
        return b""


class AsyncConnection(Connection):
    async def read(self, max_bytes: int, timeout: Optional[float] = None) -> bytes:  # type: ignore[override]
        self.timeouts.append(timeout)
        return b""


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("http_version", [b"HTTP/1.1", b"HTTP/2"])
def test_after_the_first_chunk_each_read_of_the_connection_waits_the_idle_gap(mode: str, http_version: bytes) -> None:
    """httpcore gives every read of a body the limit it read when the body began (the first
    chunk's, 5 s here): after the first chunk, the stream gives each read of an HTTP/1.x
    connection the idle gap (0.3 s) instead, and leaves the connection's stream as it was once
    the body ends. An HTTP/2 connection is shared by other streams: left alone."""
    connection = AsyncConnection() if mode == "async" else Connection()
    chunks = [b"data: {}\n\n", b"data: {}\n\n", b"data: [DONE]\n\n"]

    class OverTheConnection(Chunks):
        def __iter__(self) -> Iterator[bytes]:
            for c in self.chunks:
                connection.read(65_536, timeout=5.0)  # what httpcore passes
                yield c

        async def __aiter__(self) -> Any:
            for c in self.chunks:
                await connection.read(65_536, timeout=5.0)
                yield c

    def answer(request: httpx.Request) -> httpx.Response:
        extensions = {"network_stream": connection, "http_version": http_version}
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=OverTheConnection(chunks),
                              extensions=extensions)

    policy = {"deadline": {"total_ms": 10_000, "first_token_ms": 5_000, "idle_ms": 300}}

    async def read_async() -> None:
        transport = bw.httpx.AsyncTransport(policy, transport=httpx.MockTransport(answer))
        async with httpx.AsyncClient(transport=transport) as c:
            async with c.stream("POST", "http://upstream/v1/chat/completions", json=BODY) as r:
                await r.aread()

    if mode == "async":
        asyncio.run(read_async())
    else:
        with httpx.Client(transport=bw.httpx.Transport(policy, transport=httpx.MockTransport(answer))) as c:
            with c.stream("POST", "http://upstream/v1/chat/completions", json=BODY) as r:
                r.read()
    first, *later = connection.timeouts
    assert first == 5.0
    if http_version == b"HTTP/2":
        assert later == [5.0, 5.0]
    else:
        assert len(later) == 2 and all(0.25 < t <= 0.3 for t in later), later  # type: ignore[operator]
    assert "read" not in vars(connection)  # as it was


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_reader_slower_than_the_idle_and_attempt_limits_stalls_nothing(mode: str) -> None:
    """The server sent every chunk at once: the reader's own time (0.12 s a chunk, past the
    50 ms idle gap and, in all, past the 300 ms deadline) is no stall of the server's."""
    import time

    chunks = [b"data: {}\n\n", b"data: {}\n\n", b"data: {}\n\n", b"data: [DONE]\n\n"]
    events: List[Dict[str, Any]] = []
    policy = {"retry": {"max_retries": 0}, "deadline": {"total_ms": 300, "idle_ms": 50}}

    async def read_async() -> None:
        transport = bw.httpx.AsyncTransport(policy, transport=httpx.MockTransport(Upstream((200, {}, chunks))),
                                            on_event=events.append)
        async with httpx.AsyncClient(transport=transport, base_url="http://upstream") as c:
            async with c.stream("POST", "/v1/chat/completions", json=BODY) as r:
                async for _ in r.aiter_raw():
                    time.sleep(0.12)

    if mode == "async":
        asyncio.run(read_async())
    else:
        with sync_client(Upstream((200, {}, chunks)), policy, on_event=events.append) as c:
            with c.stream("POST", "/v1/chat/completions", json=BODY) as r:
                for _ in r.iter_raw():
                    time.sleep(0.12)
    assert events[-1]["kind"] == "done"


def test_a_body_trickling_past_the_attempt_limit_is_retried() -> None:
    import time

    class Trickle(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            for part in (b'{"a"', b": ", b"1}"):
                time.sleep(0.08)
                yield part

    answers = [httpx.Response(200, stream=Trickle()), httpx.Response(200, json={"ok": True})]
    seen: List[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers.pop(0)

    events: List[Dict[str, Any]] = []
    policy = {**FAST, "deadline": {"total_ms": 5_000, "attempt_ms": 150}}
    transport = bw.httpx.Transport(policy, transport=httpx.MockTransport(answer), on_event=events.append)
    with httpx.Client(transport=transport) as c:
        assert c.post("http://upstream/v1/x", json=BODY).json() == {"ok": True}
    assert [(e["kind"], e.get("outcome")) for e in events][:2] == [("send", None), ("retry", "timeout_attempt")]


def test_an_answers_body_waits_what_is_left_of_the_attempt_and_a_stall_in_it_is_an_attempt_timeout() -> None:
    """The headers may take 100 ms, the attempt 3 s: the socket waits for the body's bytes up to
    the attempt's end (as JavaScript's fetch does), not the headers' limit; a body that stalls
    is `timeout_attempt`, retried."""
    read_limits: List[float] = []
    sent: Any = None

    class Stalls(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            read_limits.append(sent.extensions["timeout"]["read"])  # what httpcore would read
            yield b'{"a"'
            raise httpx.ReadTimeout("stalled")

    answers = [httpx.Response(200, stream=Stalls()), httpx.Response(200, json={"ok": True})]

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal sent
        sent = request
        return answers.pop(0)

    events: List[Dict[str, Any]] = []
    policy = {**FAST, "deadline": {"total_ms": 10_000, "headers_ms": 100, "attempt_ms": 3_000}}
    transport = bw.httpx.Transport(policy, transport=httpx.MockTransport(answer), on_event=events.append)
    with httpx.Client(transport=transport) as c:
        assert c.post("http://upstream/v1/x", json=BODY).json() == {"ok": True}
    assert len(read_limits) == 1 and 2.5 < read_limits[0] <= 3.0, read_limits
    assert [(e["kind"], e.get("outcome")) for e in events][:2] == [("send", None), ("retry", "timeout_attempt")]


def test_a_pool_timeout_ends_the_request_without_counting_against_the_upstream() -> None:
    def full(request: httpx.Request) -> httpx.Response:
        raise httpx.PoolTimeout("no connection free", request=request)

    events: List[Dict[str, Any]] = []
    transport = bw.httpx.Transport(FAST, transport=httpx.MockTransport(full), on_event=events.append)
    with httpx.Client(transport=transport) as c, pytest.raises(httpx.PoolTimeout):
        c.post("http://upstream/v1/x", json=BODY)
    assert [e["kind"] for e in events] == ["send", "cancel"]


def test_an_upload_is_keyed_by_its_path_and_an_inline_image_counts_as_an_image() -> None:
    events: List[Dict[str, Any]] = []
    with sync_client(Upstream(), on_event=events.append) as c:
        c.post("/v1/files", files={"file": ("b.jsonl", b'{"model": "gpt-4o-mini"}\n' * 1000)}, data={"purpose": "batch"})
    assert events[0]["key"] == "/v1/files"
    assert not bw.read_request(b"{", content_type="multipart/form-data; boundary=x")["json"]
    assert bw.read_request(b' {"model": 1}')["json"]
    image = b'{"content": [{"image_url": {"url": "data:image/png;base64,' + b"A" * 3_000_000 + b'"}}]}'
    assert 765 <= bw.read_request(image)["est_tokens"] < 800


def test_a_listener_that_raises_is_logged_and_changes_nothing(caplog: pytest.LogCaptureFixture) -> None:
    def boom(event: Dict[str, Any]) -> None:
        raise RuntimeError("listener bug")

    with sync_client(Upstream((500, {}, {})), on_event=boom) as c:
        assert post(c).status_code == 200
    assert any("on_event listener raised" in r.getMessage() for r in caplog.records)


def test_the_logger_prints_nothing_until_the_application_configures_logging(capfd: pytest.CaptureFixture) -> None:
    import subprocess
    import sys

    code = (
        "import httpx, breakwater.httpx as b\n"
        "t = b.Transport({'retry': {'max_retries': 0}}, transport=httpx.MockTransport("
        "lambda r: httpx.Response(429, json={'error': {'code': 'insufficient_quota'}})), on_event=lambda e: None)\n"
        "httpx.Client(transport=t).post('http://u/v1/x', json={'model': 'm'})\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr == ""


class AsyncSdkLike:
    """A method as the async openai SDK writes them: a plain function wrapping a coroutine function."""

    def __init__(self, failures: int) -> None:
        self.failures, self.calls = failures, 0

        async def create(model: str) -> str:
            self.calls += 1
            if self.calls <= self.failures:
                raise TimeoutError("upstream slow")
            return model

        import functools

        @functools.wraps(create)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return create(*args, **kwargs)

        self.create = wrapper


def test_call_awaits_a_function_that_returns_a_coroutine_and_retries_it() -> None:
    caller = bw.Caller(FAST)
    sdk = AsyncSdkLike(failures=2)
    assert asyncio.run(caller.call(sdk.create, model="m-1")) == "m-1" and sdk.calls == 3
    lam = AsyncSdkLike(failures=1)
    assert asyncio.run(caller.call(lambda: lam.create(model="m-2"))) == "m-2" and lam.calls == 2
    events: List[Dict[str, Any]] = []
    keyed = bw.Caller(FAST, on_event=events.append)
    asyncio.run(keyed.call(AsyncSdkLike(0).create, model="gpt-x"))
    assert events[0]["key"] == "gpt-x"  # keyed by the model, as the transports key by the body's


def test_call_passes_the_smaller_of_the_callers_timeout_and_the_attempts() -> None:
    seen: List[Any] = []

    def fn(timeout: Any = "unset") -> None:
        seen.append(timeout)

    bw.Caller({"deadline": {"total_ms": 60_000}}, timeout="timeout").call(fn, timeout=5)
    bw.Caller({"deadline": {"total_ms": 2_000}}, timeout="timeout").call(fn, timeout=5)
    bw.Caller({"deadline": {"total_ms": None}}, timeout="timeout").call(fn)
    bw.Caller({"deadline": {"total_ms": None}}, timeout="timeout").call(fn, timeout=7)
    assert seen[0] == 5 and 1.5 < seen[1] <= 2.0 and seen[2:] == ["unset", 7]


@pytest.mark.parametrize(
    "error_event",
    [
        b'data: {"error": {"message": "The server had an error while processing your request. Sorry about that!", '
        b'"type": "server_error", "code": null}}\n\n',
        b'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n',
        b'event: error\ndata: {"type": "error", "code": "server_error", "message": "boom"}\n\n',
        # A Responses stream that ends complete, with its answer failed.
        b'event: response.failed\ndata: {"type": "response.failed", "response": {"status": "failed", '
        b'"error": {"code": "server_error", "message": "The model failed to generate a response."}}}\n\n',
    ],
    ids=["openai", "anthropic", "responses", "response-failed"],
)
@pytest.mark.parametrize("read_to_end", [False, True], ids=["reader-stops-at-it", "read-to-the-end"])
def test_an_error_event_in_a_stream_counts_as_the_servers_failure(error_event: bytes, read_to_end: bool) -> None:
    events: List[Dict[str, Any]] = []
    # Split far into the line too: more than the 64 bytes kept of a chunk for a final event.
    parts = [b'data: {"a": 1}\n\n', error_event[:20], error_event[20:90], error_event[90:]]
    with sync_client(Upstream((200, {}, [p for p in parts if p])), on_event=events.append) as c:
        with c.stream("POST", "/v1/chat/completions", json=BODY) as r:
            for n, _ in enumerate(r.iter_raw()):  # no StreamCut: the reader has the server's error
                if not read_to_end and n == len(parts) - 1:
                    break  # the reader (the SDK) stops at the error event and closes the answer
    last = events[-1]
    assert (last["kind"], last["reason"], last["outcome"]) == ("give_up", "not_repeatable", "http_200")
    # A server's failure for the breaker: Anthropic's `overloaded_error` as an overload.
    assert (last["class"], last["cause"]) in {("retryable", "stream_error"), ("overloaded", "overloaded")}


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_stream_that_ends_before_its_first_byte_is_retried_as_a_cut(mode: str) -> None:
    up = Upstream((200, {}, [b""]), (200, {}, SSE_DONE))
    events: List[Dict[str, Any]] = []
    assert read_stream(up, events, mode).endswith(b"[DONE]\n\n")
    assert len(up.received) == 2
    assert [e.get("outcome") for e in events if e["kind"] == "retry"] == ["stream_cut"]


def test_a_binary_answer_is_handed_over_as_it_comes_and_a_json_one_read_inside_the_loop() -> None:
    # Speech audio: the reader gets its first bytes at once; a cut later reaches the reader and
    # is not retried (the caller already holds part of the answer), as in `fetch`.
    up = Upstream((200, {"content-type": "audio/mpeg"}, [b"ID3", httpx.RemoteProtocolError("peer closed")]))
    with sync_client(up) as c:
        with c.stream("POST", "/v1/audio/speech", json=BODY) as r:
            chunks = r.iter_raw()
            assert next(chunks) == b"ID3"
            with pytest.raises(httpx.RemoteProtocolError):
                next(chunks)
    assert len(up.received) == 1
    # An API answer's JSON body cut short is retried.
    cut = Upstream((200, {"content-type": "application/json"}, [b'{"a"', httpx.RemoteProtocolError("peer closed")]))
    with sync_client(cut) as c:
        assert c.post("/v1/chat/completions", json=BODY).json() == {"ok": True}
    assert len(cut.received) == 2


def test_a_stream_past_its_attempt_limit_on_the_last_attempt_closes_the_upstream_body() -> None:
    import time

    class Late(Chunks):
        def __iter__(self) -> Iterator[bytes]:
            time.sleep(0.08)
            yield from super().__iter__()

    bodies: List[Chunks] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(Late(list(SSE_DONE)))
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=bodies[-1])

    policy = {"retry": {"max_retries": 0}, "deadline": {"total_ms": 5_000, "attempt_ms": 40}}
    transport = bw.httpx.Transport(policy, transport=httpx.MockTransport(answer))
    with httpx.Client(transport=transport, base_url="http://upstream") as c, pytest.raises(bw.httpx.StreamCut):
        c.post("/v1/chat/completions", json=BODY)
    assert [b.closed for b in bodies] == [1]


def test_once_the_sdk_is_seen_retrying_a_policy_that_defers_to_it_leaves_the_retries_to_it() -> None:
    policy = {"retry": {**FAST["retry"], "ownership": "defer_to_outer"}}
    up = Upstream(*[(503, {}, {})] * 6)
    events: List[Dict[str, Any]] = []
    with sync_client(up, policy, on_event=events.append) as c:
        # The SDK's first attempt: nobody is known to retry yet, so breakwater retries it.
        r = c.post("/v1/chat/completions", json=BODY, headers={"x-stainless-retry-count": "0"})
        assert (len(up.received), r.headers["x-should-retry"]) == (4, "false")
        # Its retry: from now on the SDK owns the retries, and its answer is not marked against them.
        with pytest.warns(RuntimeWarning, match="defer_to_outer") as warned:
            r = c.post("/v1/chat/completions", json=BODY, headers={"x-stainless-retry-count": "1"})
        assert warned[0].filename == __file__  # the application's call, not httpx's client
        r = c.post("/v1/chat/completions", json=BODY, headers={"x-stainless-retry-count": "0"})
        assert (r.status_code, "x-should-retry" in r.headers) == (503, False)
    assert len(up.received) == 6
    assert [e["reason"] for e in events if e["kind"] == "give_up"][-2:] == ["retry_owned_by_outer_layer"] * 2
