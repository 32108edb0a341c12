"""A small fault-injecting stand-in for the OpenAI API, stdlib only, on 127.0.0.1.

`POST /v1/chat/completions` answers from a script of faults, one per request, then
succeeds once the script is spent. Every request is recorded with its headers and
arrival time, so a test can count calls and check what the client sent.

Faults (`Fault.kind`):
- `rate_limited`: 429 with `Retry-After` (seconds) and/or `retry-after-ms`
- `server_error`: 500
- `quota`: 429 with the `insufficient_quota` error body (never retry)
- `slow_headers`: wait `delay_s` before sending anything
- `stream_cut`: a streamed (SSE) answer that stops mid-stream (the chunked body is never finished)
- `stream_stall`: a streamed answer that sends its first chunk, waits `delay_s`, then finishes
- `stream_truncated`: a streamed answer whose body ends cleanly without its final `data: [DONE]`
- `ok`: a normal answer (JSON, or SSE when the request asks for `stream: true`)

    python examples/python/fault_server.py --script rate_limited,server_error,ok
"""

from __future__ import annotations

import argparse
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional


@dataclass
class Fault:
    kind: str = "ok"
    retry_after: Optional[str] = None
    retry_after_ms: Optional[str] = None
    delay_s: float = 0.0


@dataclass
class Received:
    method: str
    path: str
    headers: Dict[str, str]
    body: dict
    at: float  # time.monotonic()


@dataclass
class FaultServer:
    """Serves the script on a free port; use as a context manager or start()/stop()."""

    script: List[Fault] = field(default_factory=list)
    repeat_last: bool = False  # keep answering with the last fault once the script is spent
    requests: List[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> "FaultServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "FaultServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def calls(self) -> int:
        with self._lock:
            return len(self.requests)

    def _next(self, received: Received) -> Fault:
        with self._lock:
            self.requests.append(received)
            if not self.script:
                return Fault("ok")
            if self.repeat_last and len(self.script) == 1:
                return self.script[0]
            return self.script.pop(0)


def _completion(model: str) -> dict:
    return {
        "id": "chatcmpl-fault",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello there"},
                     "finish_reason": "stop", "logprobs": None}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
    }


def _chunk(model: str, content: Optional[str], finish: Optional[str] = None) -> bytes:
    delta = {"content": content} if content is not None else {}
    body = {"id": "chatcmpl-fault", "object": "chat.completion.chunk", "created": 0, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(body)}\n\n".encode()


def _handler(server: FaultServer) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {}
            received = Received("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body,
                                time.monotonic())
            fault = server._next(received)
            model = body.get("model", "gpt-test")
            try:
                self._answer(fault, model, bool(body.get("stream")))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout): nothing to do

        def _json(self, status: int, payload: dict, headers: Optional[Dict[str, str]] = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.send_header("x-request-id", "req_fault")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, message: str, type_: str, code: Optional[str],
                   headers: Optional[Dict[str, str]] = None) -> None:
            self._json(status, {"error": {"message": message, "type": type_, "param": None, "code": code}}, headers)

        def _answer(self, fault: Fault, model: str, stream: bool) -> None:
            if fault.kind == "rate_limited":
                headers = {}
                if fault.retry_after is not None:
                    headers["retry-after"] = fault.retry_after
                if fault.retry_after_ms is not None:
                    headers["retry-after-ms"] = fault.retry_after_ms
                self._error(429, "Rate limit reached for requests", "requests", "rate_limit_exceeded", headers)
            elif fault.kind == "server_error":
                self._error(500, "The server had an error while processing your request.", "server_error", None)
            elif fault.kind == "quota":
                self._error(429, "You exceeded your current quota.", "insufficient_quota", "insufficient_quota")
            elif fault.kind == "slow_headers":
                time.sleep(fault.delay_s)
                self._json(200, _completion(model))
            elif fault.kind in ("stream_cut", "stream_stall", "stream_truncated"):
                self._stream(model, fault)
            elif stream:
                self._stream(model, Fault("ok"))
            else:
                self._json(200, _completion(model))

        def _stream(self, model: str, fault: Fault) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()

            def chunk(data: bytes) -> None:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            chunk(_chunk(model, "hello"))
            if fault.kind == "stream_cut":
                # Stop mid-stream: no finish_reason, no [DONE], no terminating chunk.
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault.kind == "stream_stall":
                time.sleep(fault.delay_s)
            chunk(_chunk(model, " there"))
            chunk(_chunk(model, None, "stop"))
            if fault.kind != "stream_truncated":
                chunk(b"data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--script", default="rate_limited,server_error,stream_cut,ok",
                        help="comma-separated fault kinds, one per request")
    args = parser.parse_args()
    script = [Fault(k, retry_after="1") if k == "rate_limited" else Fault(k, delay_s=5.0)
              for k in args.script.split(",") if k]
    with FaultServer(script) as server:
        print(f"serving {len(script)} faults at {server.base_url} (Ctrl-C to stop)", flush=True)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
