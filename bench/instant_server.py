"""An OpenAI-compatible server that answers at once, for the integration benchmarks.

HTTP/1.1 with keep-alive on asyncio streams, stdlib only: `POST /v1/chat/completions`
answers a fixed completion (or, when the body asks for `"stream": true`, a four-chunk event
stream ending with `data: [DONE]`, sent at once) with the headers an OpenAI answer carries,
without parsing more than it must. With `?chunks=N` in the URL, a streamed answer is N content
events sent one by one (chunked transfer, a short pause after each, so that the client reads
each on its own, as it reads a model's tokens), then the last two. Prints the port, then serves
until killed.

    python3 bench/instant_server.py          # prints: PORT
"""

from __future__ import annotations

import asyncio
import json

COMPLETION = json.dumps({
    "id": "chatcmpl-bench", "object": "chat.completion", "created": 0, "model": "gpt-4o-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello there"},
                 "finish_reason": "stop", "logprobs": None}],
    "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
}).encode()


def _chunk(content: object, finish: object = None) -> bytes:
    delta = {"content": content} if content is not None else {}
    body = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 0, "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return b"data: " + json.dumps(body).encode() + b"\n\n"


EVENTS = _chunk("hello") + _chunk(" there") + _chunk(None, "stop") + b"data: [DONE]\n\n"

# The headers an OpenAI answer carries (rate limits, processing time, request id, the CDN's),
# so that reading them is part of the work measured on both sides. The limits are a tier-5
# organisation's for gpt-4o-mini (30,000 RPM, 150M TPM), above the rate a benchmark sends:
# breakwater's limiter syncs to them and never has to pace it.
OPENAI_HEADERS = (
    b"date: Sat, 05 Dec 2026 10:00:00 GMT\r\nconnection: keep-alive\r\n"
    b"access-control-expose-headers: X-Request-ID\r\nopenai-organization: org-bench\r\n"
    b"openai-processing-ms: 412\r\nopenai-project: proj_bench\r\nopenai-version: 2020-10-01\r\n"
    b"x-ratelimit-limit-requests: 30000\r\nx-ratelimit-limit-tokens: 150000000\r\n"
    b"x-ratelimit-remaining-requests: 29999\r\nx-ratelimit-remaining-tokens: 149999990\r\n"
    b"x-ratelimit-reset-requests: 6ms\r\nx-ratelimit-reset-tokens: 0s\r\nx-request-id: req_bench\r\n"
    b"strict-transport-security: max-age=31536000; includeSubDomains; preload\r\n"
    b"cf-cache-status: DYNAMIC\r\nx-content-type-options: nosniff\r\nserver: cloudflare\r\n"
    b"cf-ray: 8f00000000000000-SJC\r\nalt-svc: h3=\":443\"; ma=86400\r\n"
)
JSON_ANSWER = (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n" + OPENAI_HEADERS
               + b"content-length: %d\r\n\r\n" % len(COMPLETION)) + COMPLETION
PACED_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n" + OPENAI_HEADERS + b"transfer-encoding: chunked\r\n\r\n"
SSE_ANSWER = (b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n" + OPENAI_HEADERS
              + b"content-length: %d\r\n\r\n" % len(EVENTS)) + EVENTS


def _http_chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


async def paced(writer: asyncio.StreamWriter, n: int) -> None:
    """`n` content events, each written on its own after a pause, then the end of the stream."""
    writer.write(PACED_HEAD)
    for i in range(n):
        writer.write(_http_chunk(_chunk(f" t{i}")))
        await writer.drain()
        await asyncio.sleep(0.0002)
    writer.write(_http_chunk(_chunk(None, "stop") + b"data: [DONE]\n\n") + b"0\r\n\r\n")


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length) if length else b""
            stream = b'"stream":true' in body.replace(b" ", b"")
            target = head.split(b" ", 2)[1]
            if stream and b"chunks=" in target:
                await paced(writer, int(target.split(b"chunks=")[1].split(b"&")[0]))
            else:
                writer.write(SSE_ANSWER if stream else JSON_ANSWER)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main() -> None:
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
