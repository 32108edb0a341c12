"""An OpenAI-compatible server that answers at once, for the integration benchmarks.

HTTP/1.1 with keep-alive on asyncio streams, stdlib only: `POST /v1/chat/completions`
answers a fixed completion (or, when the body asks for `"stream": true`, a four-chunk event
stream ending with `data: [DONE]`) without parsing more than it must. Prints the port, then
serves until killed.

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

JSON_ANSWER = (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-request-id: req_bench\r\n"
               b"content-length: %d\r\n\r\n" % len(COMPLETION)) + COMPLETION
SSE_ANSWER = (b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: %d\r\n\r\n"
              % len(EVENTS)) + EVENTS


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
