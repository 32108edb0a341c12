"""breakwater transports for ``httpx`` (see ``breakwater._http`` for what they do).

    httpx.Client(transport=breakwater.httpx.Transport(policy))   # openai 2.x: http_client=...
    httpx.AsyncClient(transport=breakwater.httpx.AsyncTransport(policy))
"""

import httpx as _httpx

from ._http import transports as _transports

_classes = _transports(_httpx)
Transport = _classes.Transport
AsyncTransport = _classes.AsyncTransport
GaveUp = _classes.GaveUp
DeadlineExceeded = _classes.DeadlineExceeded
StreamCut = _classes.StreamCut

__all__ = ["Transport", "AsyncTransport", "GaveUp", "DeadlineExceeded", "StreamCut"]
