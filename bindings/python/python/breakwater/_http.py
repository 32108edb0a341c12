"""httpx-style transports that run every request through a breakwater ``Client``.

Written once for any module with httpx's transport contract (``httpx2``, which openai-python
3.x builds on, and ``httpx``): :func:`transports` builds the classes for one module, and
``breakwater.httpx2`` / ``breakwater.httpx`` are those classes. The transport wraps the real
one (``HTTPTransport()`` by default, with the openai SDK's pool limits) and, around each request:

- asks the client before each attempt, and sleeps (``time.sleep`` / ``asyncio.sleep``) where it
  says wait or retry, or raises :class:`GaveUp` where it says stop;
- sets the attempt's phase timeouts in ``request.extensions["timeout"]`` (each never longer
  than what the caller asked for) and the policy's headers (idempotency key, the same on every
  attempt; ``x-stainless-*`` with the OpenAI profile);
- classifies the answer from its status, headers and error body (``error.type``, ``error.code``);
  reads a non-streamed body inside the loop, so a body cut short is retried like any failure;
- for a server-sent event stream, retries failures up to the first chunk, then watches the
  body as the caller reads it: a stall (first-token, idle or attempt limit) or a cut is
  reported to the client and raised to the reader, and a stream that ends without its final
  event (``data: [DONE]``, ``message_stop``, ``response.completed``...) is a cut, never a
  silent success;
- marks an answer it gives up on with ``x-should-retry: false``, so an SDK whose own retries
  were left on does not retry it again, and warns (``RuntimeWarning``) when it sees the SDK retry.

The breaker key is the request body's ``model`` (else the URL path); ``key=`` overrides it.
"""

from __future__ import annotations

import asyncio
import time
import types
import zlib
from typing import Any, Callable, Dict, List, Optional

from ._breakwater import Client, EventStream, read_error, read_request
from ._driver import Driver, GaveUp, Limits, PolicyLike, Run, drive, drive_async, now_ms

# Whether a task can take back a cancellation (`Task.uncancel`, Python 3.11+), which the
# idle watch of an async stream needs; Python 3.10 bounds each read with `wait_for` instead.
_UNCANCEL = hasattr(asyncio.Task, "uncancel")


class _FinalEvent:
    """Whether a server-sent event stream has sent its final event yet, and its error event.

    The core reads the events (``EventStream``: the same reading in every runtime). The
    transport sees the body as it came over the wire: a gzip or deflate body is inflated here
    for it; one in an encoding this module cannot read (``br``, ``zstd``) cannot be told cut
    from complete, and counts as complete when it ends.
    """

    __slots__ = ("seen", "watch", "inflate")

    def __init__(self, encoding: bytes = b"") -> None:
        self.seen = False
        self.watch = EventStream()
        self.inflate: Any = None
        encoding = encoding.strip().lower()
        if encoding in (b"gzip", b"x-gzip"):
            self.inflate = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == b"deflate":
            self.inflate = zlib.decompressobj()
        elif encoding not in (b"", b"identity"):
            self.seen = True

    def feed(self, chunk: bytes) -> None:
        if not self.seen:
            if self.inflate is not None:
                try:
                    chunk = self.inflate.decompress(chunk)
                except zlib.error:
                    self.inflate, self.seen = None, True  # not what it says it is: httpx will say so
                    return
            self.seen = self.watch.feed(chunk)

    def error(self) -> Optional[Dict[str, Optional[str]]]:
        """``{error_type, error_code}`` of an error event the server sent, if any."""
        return self.watch.error()


class _IdleWatch:
    """The idle gap of an async stream whose connection does not take a limit per read (see
    :class:`Watch`: HTTP/2, a transport without httpcore): a read that waits on the server
    past ``idle`` seconds raises ``asyncio.TimeoutError``, as under ``asyncio.timeout``, by
    the same means (the reading task is cancelled, and the cancellation taken back).

    One timer per stream, not one per read: it is set when a read begins and none is pending,
    and when it fires it cancels the read only if that read has waited the whole gap, else it
    is set again for the read's own end (a read that begins while it is pending is bounded by
    it all the same). So a stream whose chunks come in time sets it about once per gap; an
    ``asyncio.timeout`` around each read cost a timer per chunk, most of what an async stream
    added to a request (bench/README.md).
    """

    __slots__ = ("idle", "loop", "task", "since", "handle", "fired", "cancelling")

    def __init__(self, idle: float) -> None:
        self.idle = idle
        self.loop = asyncio.get_running_loop()
        self.task: Any = None
        self.since: Optional[float] = None  # when the pending read began (None: no read pending)
        self.handle: Any = None
        self.fired = False
        self.cancelling = 0

    async def read(self, chunks: Any) -> bytes:
        task = self.task = asyncio.current_task()  # the reader may change from one read to the next
        # The cancellations pending before this read (the caller's, which no timeout of ours
        # may take for its own), counted as `asyncio.timeout` counts them on entry.
        self.cancelling = task.cancelling()  # type: ignore[union-attr]
        self.since = self.loop.time()
        if self.handle is None:
            self.handle = self.loop.call_at(self.since + self.idle, self._check)
        try:
            chunk: bytes = await anext(chunks)
        except BaseException as exc:
            # Whatever the read raised, the watch's own cancellation is taken back; it raises
            # `TimeoutError` only where it alone ended the read.
            if self._expired() and isinstance(exc, asyncio.CancelledError):
                raise asyncio.TimeoutError from None
            raise
        finally:
            self.since = None
        self._expired()  # a cancellation the read swallowed is taken back all the same
        return chunk

    def _check(self) -> None:
        self.handle = None
        if self.since is None:
            return  # no read pending: the next one sets the timer again
        due = self.since + self.idle
        if due > self.loop.time():
            self.handle = self.loop.call_at(due, self._check)
            return
        self.fired = True
        self.task.cancel()

    def _expired(self) -> bool:
        """Whether the read was cancelled by this watch alone (another cancellation, the
        caller's, stays pending); the watch's own is taken back."""
        if not self.fired:
            return False
        self.fired = False
        return self.task.uncancel() <= self.cancelling  # type: ignore[no-any-return]

    def close(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
            self.handle = None


def transports(httpx: types.ModuleType) -> types.SimpleNamespace:
    """The transport classes and errors for ``httpx`` (the module ``httpx`` or ``httpx2``)."""

    class HttpGaveUp(GaveUp, httpx.TransportError):
        """breakwater stopped the request before a call (open breaker, local rate limit, ...)."""

    class DeadlineExceeded(GaveUp, httpx.TimeoutException):
        """breakwater stopped the request: no useful attempt fits in what is left of its deadline."""

    class StreamCut(GaveUp, httpx.RemoteProtocolError):
        """The streamed answer ended without its final event, or stalled past its limit."""

    # httpx keeps a request's headers as a list of (key, lower-case key, value) byte triples
    # (every version since 0.18, and httpx2). Where the module has that layout, the transport
    # reads and appends to it directly: `Headers.__setitem__` re-encodes and scans the whole
    # list for each header set, the largest part of what the transport added to a request
    # (bench/README.md). Any other layout goes through the public mapping.
    triples = getattr(httpx.Headers({"X-B": "w"}), "_list", None) == [(b"X-B", b"x-b", b"w")]

    def give_up(decision: Dict[str, Any], request: Any) -> GaveUp:
        kind = DeadlineExceeded if decision.get("reason") == "deadline_exhausted" else HttpGaveUp
        err = kind(decision)
        err.request = request
        return err

    def failure(exc: BaseException, stage: str) -> Optional[str]:
        """The outcome of a transport error while waiting for ``stage`` (``headers``,
        ``first_token`` or ``idle``: a streamed body; ``attempt``: a body read inside the loop),
        or None when it is no transport failure."""
        if isinstance(exc, httpx.PoolTimeout):
            return None  # a wait for one of this process's own connections: no upstream failure
        if isinstance(exc, httpx.ConnectTimeout):
            return "timeout_connect"
        if isinstance(exc, httpx.ReadTimeout):
            return f"timeout_{stage}"
        if isinstance(exc, httpx.TimeoutException):
            return "timeout_attempt"
        if isinstance(exc, httpx.ConnectError):
            return "connect"
        if isinstance(exc, (httpx.NetworkError, httpx.RemoteProtocolError)):
            return "reset" if stage == "headers" else "stream_cut"
        return None

    # The connection pool of the openai SDK's own client (openai-python `_constants.py`,
    # DEFAULT_CONNECTION_LIMITS), which the transport replaces: httpx's default of 100 made a
    # burst wait for connections the SDK alone would have opened.
    SDK_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=100)

    class Attempt:
        """One request's loop state, shared by the sync and async transports."""

        __slots__ = ("run", "request", "caller", "started", "limits", "sdk_timeout")

        def __init__(self, driver: Driver, request: Any, key: Optional[Callable[[Any], str]]) -> None:
            body = request.content  # read by the transport: a retry sends it again
            # One pass over the caller's headers (httpx's lookups cost more than this):
            # the SDK's retry count, the body's type, and which headers the caller set itself.
            self.caller: Dict[bytes, bytes] = (
                {lower: v for _, lower, v in request.headers._list}
                if triples
                else {k.lower(): v for k, v in request.headers.raw}
            )
            if self.caller.get(b"x-stainless-retry-count", b"0") != b"0":
                driver.warn_double_retries("the SDK")
            # Only an API call's JSON body names a model and spends tokens: an upload's
            # (multipart, JSONL) may hold any text. The core reads it.
            content_type = self.caller.get(b"content-type")
            facts = read_request(
                body, content_type=content_type.decode("latin-1") if content_type else None, path=request.url.path
            )
            name = key(request) if key is not None else facts["key"]
            self.run: Run = driver.begin(name, facts["est_tokens"])
            self.request = request
            self.sdk_timeout: Dict[str, Optional[float]] = request.extensions.get("timeout") or {}
            self.started = 0
            self.limits: Limits

        def prepare(self, decision: Dict[str, Any]) -> None:
            """The attempt's headers and timeouts onto the request."""
            headers, caller = self.request.headers, self.caller
            for name, value in decision["headers"]:
                lower, raw = name.lower().encode(), value.encode()
                had = caller.get(lower)
                # A caller's own idempotency key stays (it is the same on every attempt anyway);
                # the SDK's x-stainless-* values are ours to set.
                if had is None or (name.startswith("x-stainless-") and had != raw):
                    if had is None and triples:
                        headers._list.append((name.encode(), lower, raw))
                    else:
                        headers[name] = value
                    caller[lower] = raw
            limits = self.limits = Limits(decision["timeouts"])
            sdk = self.sdk_timeout
            self.request.extensions["timeout"] = {
                "connect": _min(limits.connect, sdk.get("connect")),
                "read": _min(limits.headers, sdk.get("read")),
                "write": _min(limits.attempt, sdk.get("write")),
                # A wait for a pooled connection is this process's own: bounded by the attempt.
                "pool": _min(limits.attempt, sdk.get("pool")),
            }
            self.started = now_ms()

        def body_timeout(self, limit: Optional[float]) -> Optional[float]:
            """After the headers: the socket's read limit becomes the body's (a stream's first
            chunk's, the idle gap of a body handed over, what is left of the attempt for a body
            read inside the loop).

            httpcore reads it once, when the body starts, and keeps it for every chunk: a
            stream's later reads are bounded by :meth:`Watch.read_limit` instead."""
            timeout = dict(self.request.extensions["timeout"])
            timeout["read"] = _min(limit, self.sdk_timeout.get("read"))
            self.request.extensions["timeout"] = timeout
            return timeout["read"]

        def report(
            self,
            outcome: str,
            response: Any = None,
            body: bytes = b"",
            last: bool = False,
            fields: Optional[Dict[str, Optional[str]]] = None,
        ) -> Dict[str, Any]:
            """Reports the attempt's outcome; ``last``: no other attempt can follow (a stream
            already handed to its reader), so a failure gives up instead of retrying; ``fields``:
            the error an event of the stream carried (``{error_type, error_code}``)."""
            headers = None
            if response is not None:
                headers = response.headers.raw
                if response.status_code >= 400 and body:
                    fields = read_error(body)
            error_type, error_code = (fields["error_type"], fields["error_code"]) if fields else (None, None)
            return self.run.on_outcome(outcome, headers, error_type, error_code, now_ms() - self.started, last)

        def ends_by(self) -> Optional[int]:
            """When the attempt's whole time is up (ms on :func:`now_ms`), if it is limited."""
            return None if self.limits.attempt is None else self.started + int(self.limits.attempt * 1000)

        def over_limit(self, waited: int, gap: Optional[int] = None) -> Optional[str]:
            """The limit a streamed body broke that the socket cannot see, if any: the whole
            attempt's (``waited``: ms spent waiting on the server since the attempt began) or
            the idle gap's (``gap``: ms the last chunk took since it was asked for). Both are
            the server's time: what the reader spends on a chunk counts in neither."""
            attempt, idle = self.limits.attempt, self.limits.idle
            if attempt is not None and waited > attempt * 1000:
                return "timeout_attempt"
            if gap is not None and idle is not None and gap > idle * 1000:
                return "timeout_idle"
            return None

        def final(self, response: Any, decision: Dict[str, Any]) -> Any:
            """The answer given back when the request ends on it."""
            # Not when the retries were left to the SDK (`defer_to_outer`): it is to retry them.
            if decision["action"] != "done" and decision.get("reason") != "retry_owned_by_outer_layer":
                response.headers["x-should-retry"] = "false"
            return response

        def stream_error(self, outcome: str) -> StreamCut:
            why = "stalled" if outcome.startswith("timeout") else "ended without its final event"
            err = StreamCut({"reason": outcome}, f"breakwater: the streamed answer {why} ({outcome})")
            err.request = self.request
            return err

    # `Response.read` joins `iter_bytes()` into `_content` (every httpx since 0.18, and httpx2):
    # where the module does, the transport reads the chunks itself, to hold the body to the
    # attempt's time; elsewhere the socket's read limit bounds each gap only.
    reads_into_content = hasattr(httpx.Response(200, content=b""), "_content")

    def too_late(request: Any) -> BaseException:
        return httpx.TimeoutException("breakwater: the attempt ran out of time while its body was read", request=request)

    def read_within(response: Any, ends_by: Optional[int], request: Any) -> bytes:
        """The body, read inside the attempt's time (``ends_by``, ms on :func:`now_ms`)."""
        if ends_by is None or not reads_into_content:
            return response.read()  # type: ignore[no-any-return]
        chunks = []
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            if now_ms() > ends_by:
                response.close()
                raise too_late(request)
        response._content = b"".join(chunks)
        return response._content  # type: ignore[no-any-return]

    async def aread_within(response: Any, ends_by: Optional[int], request: Any) -> bytes:
        if ends_by is None or not reads_into_content:
            return await response.aread()  # type: ignore[no-any-return]
        chunks = []
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            if now_ms() > ends_by:
                await response.aclose()
                raise too_late(request)
        response._content = b"".join(chunks)
        return response._content  # type: ignore[no-any-return]

    def content_type(response: Any) -> bytes:
        if triples:  # `Headers.get` decodes the whole list to find one value
            return next((v for _, lower, v in response.headers._list if lower == b"content-type"), b"").lower()
        return response.headers.get("content-type", "").lower().encode("latin-1")

    def handed_over(response: Any, kind: bytes) -> bool:
        """Whether a success's body goes to the caller as it comes instead of being read inside
        the loop (where a cut is retried): any body but an API answer's (JSON, text, or none
        named), such as speech audio or a file's bytes. Read whole, its first byte would wait
        for its last, and the memory would follow its size."""
        if response.status_code >= 300 or not kind:
            return False
        media = kind.split(b";", 1)[0].strip()
        return not (media.startswith(b"text/") or media == b"application/json" or media.endswith(b"+json"))

    class Watch:
        """A streamed body as the caller reads it, its end or failure reported to the client.

        The sync and async streams below only iterate; what each chunk, failure and end means is here.

        After the first chunk, each wait for a chunk is bounded by the idle gap and by what is
        left of the attempt (:meth:`read_limit`). httpcore reads the socket's read limit once per
        body (the first chunk's, which may be longer or shorter than the gap), so over an
        HTTP/1.x connection the stream puts its own limit on each read of the connection's
        stream (its ``network_stream`` extension), until the body ends; the connection serves
        no other request meanwhile. Where the connection's stream is not exposed (HTTP/2, a
        transport without httpcore), the gap is checked as each chunk arrives, and the async
        stream enforces it with :class:`_IdleWatch`.
        """

        def __init__(self, attempt: Attempt, response: Any, first: bytes, chunks: Any) -> None:
            # `_body`: the transport's own stream, which this one replaces on the response.
            self._attempt, self._response, self._body = attempt, response, response.stream
            self._first, self._chunks = first, chunks
            self._final = _FinalEvent(next((v for k, v in response.headers.raw if k.lower() == b"content-encoding"), b""))
            self._final.feed(first)
            self._ended = False
            self._last = now_ms()  # when the chunk being waited for was asked for
            self._waited = self._last - attempt.started  # on the server: all of it until the first chunk
            self._bounding = "timeout_idle"  # the limit the last read was given
            self._bounded: Any = None  # the read function put on the connection's stream
            extensions = response.extensions
            http1 = extensions.get("http_version", b"").startswith(b"HTTP/1")
            self._connection = extensions.get("network_stream") if http1 else None
            if self._connection is not None:
                try:
                    self._connection.read = self._bounded = self._bound(self._connection.read)
                except (AttributeError, TypeError):
                    self._connection = None

        def _bound(self, read: Any) -> Any:
            """``read`` (the connection stream's) with :meth:`read_limit` as its timeout."""
            raise NotImplementedError

        def _unbind(self) -> None:
            connection, self._connection = self._connection, None
            if connection is not None and vars(connection).get("read") is self._bounded:
                del connection.read

        def read_limit(self) -> Optional[float]:
            """The socket's limit (s) for a read of the chunk being waited for: what is left of
            the idle gap and of the attempt, never above the caller's own read timeout."""
            limit: Optional[float] = self._attempt.sdk_timeout.get("read")
            since = now_ms() - self._last
            limits = self._attempt.limits
            self._bounding = "timeout_idle"
            if limits.idle is not None and (limit is None or limits.idle - since / 1000 < limit):
                limit = limits.idle - since / 1000
            if limits.attempt is not None:
                left = limits.attempt - (self._waited + since) / 1000
                if limit is None or left < limit:
                    limit, self._bounding = left, "timeout_attempt"
            return None if limit is None else max(limit, 0.001)

        def _chunk(self, chunk: bytes) -> bytes:
            """A chunk came. Until the final event, a stall the socket could not see is raised
            (:meth:`Attempt.over_limit`); after it, nothing is left to watch."""
            final = self._final
            if not final.seen:
                gap = now_ms() - self._last
                self._waited += gap
                late = self._attempt.over_limit(self._waited, gap)
                if late:
                    self._stalled(late)
                final.feed(chunk)
            return chunk

        def _waiting(self) -> None:
            """The reader asks for the next chunk: the server's time runs from here (the time
            the reader spent on the last chunk is not the server's)."""
            self._last = now_ms()

        def _stalled(self, outcome: str) -> None:
            self._end(outcome)
            raise self._attempt.stream_error(outcome)

        def _failed(self, exc: BaseException) -> StreamCut:
            """A transport failure while the body was read, reported: the :class:`StreamCut`
            both streams raise to the reader (from the transport's error)."""
            outcome = failure(exc, "idle") or "stream_cut"
            if outcome == "timeout_idle":
                outcome = self._bounding
            self._end(outcome)
            return self._attempt.stream_error(outcome)

        def _eof(self) -> None:
            self._end("http_200" if self._final.seen else "stream_cut")
            # After an error event the stream ended as the server meant it: the reader has the
            # error (the SDK raises it, or hands the Responses API's `error` event over).
            if not self._final.seen and not self._final.error():
                raise self._attempt.stream_error("stream_cut")

        def _end(self, outcome: str) -> None:
            self._unbind()
            if not self._ended:
                self._ended = True
                # No retry can follow: the caller already holds the answer. An error event the
                # server sent (or a `response.failed`) makes the end a failed answer
                # (`stream_error`), even when the reader (the SDK raises on it) is the one that
                # stops reading, and even when the stream then ends as complete.
                error = self._final.error()
                self._attempt.report("http_200" if error else outcome, self._response, last=True, fields=error)

        def _closed(self) -> None:
            """The reader closed the body: a success once the final event came (the openai SDK
            stops reading at ``[DONE]``), else the reader went away: the request is cancelled."""
            self._unbind()  # before the connection goes back to the pool
            if self._final.seen:
                self._end("http_200")
            elif self._final.error():
                self._end("stream_cut")
            elif not self._ended:
                self._ended = True
                self._attempt.run.cancel()

    class WatchedStream(Watch, httpx.SyncByteStream):
        def _bound(self, read: Any) -> Any:
            limit = self.read_limit
            return lambda max_bytes, timeout=None: read(max_bytes, limit())

        def __iter__(self) -> Any:
            if self._first:
                yield self._first
            try:
                self._waiting()
                for chunk in self._chunks:
                    yield self._chunk(chunk)
                    self._waiting()
            except StreamCut:
                raise
            except (httpx.TransportError, OSError) as exc:
                if self._final.seen:  # everything came: a late failure changes nothing
                    self._end("http_200")
                    return
                raise self._failed(exc) from exc
            self._eof()

        def close(self) -> None:
            self._closed()
            self._body.close()

    class AsyncWatchedStream(Watch, httpx.AsyncByteStream):
        def _bound(self, read: Any) -> Any:
            limit = self.read_limit

            async def bounded(max_bytes: int, timeout: Optional[float] = None) -> bytes:
                return await read(max_bytes, limit())  # type: ignore[no-any-return]

            return bounded

        async def __aiter__(self) -> Any:
            if self._first:
                yield self._first
            # The idle limit bounds each wait for a chunk, never held across a yield: another
            # task than the one that began the body may read it on.
            idle = None if self._connection is not None else self._attempt.limits.idle
            watch = _IdleWatch(idle) if idle is not None and _UNCANCEL else None
            try:
                while True:
                    self._waiting()
                    try:
                        if watch is not None:
                            chunk = await watch.read(self._chunks)
                        elif idle is None:
                            chunk = await anext(self._chunks)
                        else:  # Python 3.10
                            chunk = await asyncio.wait_for(anext(self._chunks), idle)
                    except StopAsyncIteration:
                        break
                    except asyncio.TimeoutError:
                        if self._final.seen:  # everything came; the server only kept the line open
                            self._end("http_200")
                            return
                        self._stalled("timeout_idle")
                    yield self._chunk(chunk)
            except StreamCut:
                raise
            except (httpx.TransportError, OSError) as exc:
                if self._final.seen:
                    self._end("http_200")
                    return
                raise self._failed(exc) from exc
            finally:
                if watch is not None:
                    watch.close()
            self._eof()

        async def aclose(self) -> None:
            self._closed()
            await self._body.aclose()

    # The loop around one request, written once without I/O: it yields what to do
    # (`SEND` the request, read the `FIRST` chunk of a stream, `READ` a body, `CLOSE` an
    # answer, `SLEEP`) and is sent the result, or thrown the exception; it returns the answer.
    # The sync and async transports below only carry out those steps.
    SEND, FIRST, READ, CLOSE, SLEEP = "send", "first", "read", "close", "sleep"

    def plan(attempt: Attempt, stream: type) -> Any:
        run, request = attempt.run, attempt.request
        try:
            while True:
                decision = run.before_attempt()
                action = decision["action"]
                if action == "wait":
                    yield SLEEP, max(0, decision["wait_until_ms"] - now_ms()) / 1000
                    continue
                if action == "give_up":
                    raise give_up(decision, request)
                attempt.prepare(decision)
                response, stage, error, body = None, "headers", None, b""
                try:
                    response = yield SEND, request
                    kind = content_type(response)
                    if response.status_code < 300 and kind.startswith(b"text/event-stream"):
                        stage = "first_token"
                        attempt.body_timeout(attempt.limits.first_chunk)
                        first, chunks = yield FIRST, response
                        if not first:  # it ended before a byte: nothing was handed over, retried as a cut
                            raise attempt.stream_error("stream_cut")
                        if attempt.over_limit(now_ms() - attempt.started):
                            raise attempt.stream_error("timeout_attempt")
                        # The answer goes back as it came, its body read through the watch
                        # (as httpx's own client swaps in its bound stream): a new Response
                        # would copy and re-encode every header.
                        response.stream = stream(attempt, response, first, chunks)
                        return response
                    stage = "idle"
                    if handed_over(response, kind):
                        attempt.body_timeout(attempt.limits.idle)
                    else:
                        # Read within what is left of the attempt, as in JavaScript: a body that
                        # stalls is cut at the attempt's end (not at the headers' limit, which
                        # the socket would keep), one that trickles when a chunk comes late.
                        stage, ends_by = "attempt", attempt.ends_by()
                        attempt.body_timeout(None if ends_by is None else max(ends_by - now_ms(), 1) / 1000)
                        body = yield READ, (response, ends_by, request)
                    outcome = f"http_{response.status_code}"
                except Exception as exc:
                    outcome = exc.reason if isinstance(exc, StreamCut) else failure(exc, stage)
                    if outcome is None:
                        raise
                    error = exc
                decision = attempt.report(outcome, response if error is None else None, body)
                if response is not None and (error is not None or decision["action"] == "retry"):
                    yield CLOSE, response  # nobody reads it: its connection goes back to the pool
                if decision["action"] == "retry":
                    yield SLEEP, (decision.get("delay_ms") or 0) / 1000
                    continue
                if error is not None:
                    error.breakwater = decision  # type: ignore[attr-defined]
                    raise error
                return attempt.final(response, decision)
        except BaseException:
            run.cancel()
            raise

    class _Options:
        def __init__(
            self,
            policy: PolicyLike = None,
            *,
            client: Optional[Client] = None,
            transport: Any = None,
            key: Optional[Callable[[Any], str]] = None,
            on_event: Optional[Callable[[Dict[str, Any]], None]] = None,
            opentelemetry: Any = None,
        ) -> None:
            self.driver = Driver(policy, client=client, on_event=on_event, opentelemetry=opentelemetry)
            self.client = self.driver.client
            self._key = key
            self._inner = transport

    class Transport(_Options, httpx.BaseTransport):
        """A sync transport that runs each request through a breakwater client.

        ``Transport(policy)``: a ``Policy``, a policy dict, a preset name (``"conservative"``), or
        ``None`` for the defaults; or ``client=`` an existing ``Client`` to share. ``transport``
        is the one that does the I/O (default ``HTTPTransport()`` with the SDK's pool of 1,000 connections); ``key`` maps a request to its
        breaker key; ``on_event`` receives every decision event; ``opentelemetry`` opens a span per
        request. Usage with openai-python 3.x::

            openai.OpenAI(max_retries=0, http_client=httpx2.Client(transport=breakwater.httpx2.Transport(policy)))
        """

        def __init__(self, policy: PolicyLike = None, **options: Any) -> None:
            super().__init__(policy, **options)
            if self._inner is None:
                self._inner = httpx.HTTPTransport(limits=SDK_LIMITS)

        def handle_request(self, request: Any) -> Any:
            request.read()  # a retry sends the body again
            return drive(plan(Attempt(self.driver, request, self._key), WatchedStream), self._do)

        def _do(self, op: str, arg: Any) -> Any:
            if op is SEND:
                return self._inner.handle_request(arg)
            if op is FIRST:
                chunks = iter(arg.stream)
                return next(filter(None, chunks), b""), chunks
            if op is READ:
                return read_within(*arg)
            if op is CLOSE:
                return arg.close()
            return time.sleep(arg)

        def close(self) -> None:
            self._inner.close()

    class AsyncTransport(_Options, httpx.AsyncBaseTransport):
        """The async form of :class:`Transport` (``AsyncOpenAI``, ``httpx.AsyncClient``); waits with ``asyncio.sleep``."""

        def __init__(self, policy: PolicyLike = None, **options: Any) -> None:
            super().__init__(policy, **options)
            if self._inner is None:
                self._inner = httpx.AsyncHTTPTransport(limits=SDK_LIMITS)

        async def handle_async_request(self, request: Any) -> Any:
            await request.aread()  # a retry sends the body again
            return await drive_async(plan(Attempt(self.driver, request, self._key), AsyncWatchedStream), self._do)

        async def _do(self, op: str, arg: Any) -> Any:
            if op is SEND:
                return await self._inner.handle_async_request(arg)
            if op is FIRST:
                chunks = arg.stream.__aiter__()
                async for chunk in chunks:
                    if chunk:
                        return chunk, chunks
                return b"", chunks
            if op is READ:
                return await aread_within(*arg)
            if op is CLOSE:
                return await arg.aclose()
            return await asyncio.sleep(arg)

        async def aclose(self) -> None:
            await self._inner.aclose()

    return types.SimpleNamespace(
        Transport=Transport,
        AsyncTransport=AsyncTransport,
        GaveUp=HttpGaveUp,
        DeadlineExceeded=DeadlineExceeded,
        StreamCut=StreamCut,
    )


def _min(a: Optional[float], b: Optional[float]) -> Optional[float]:
    if a is None:
        return b
    return a if b is None else min(a, b)


__all__: List[str] = ["transports"]
