"""breakwater transports for ``httpx2`` (see ``breakwater._http`` for what they do).

    openai.OpenAI(max_retries=0, http_client=httpx2.Client(transport=breakwater.httpx2.Transport(policy)))
    openai.AsyncOpenAI(max_retries=0, http_client=httpx2.AsyncClient(transport=breakwater.httpx2.AsyncTransport(policy)))
"""

import httpx2 as _httpx2

from ._http import transports as _transports

_classes = _transports(_httpx2)
Transport = _classes.Transport
AsyncTransport = _classes.AsyncTransport
GaveUp = _classes.GaveUp
DeadlineExceeded = _classes.DeadlineExceeded
StreamCut = _classes.StreamCut

__all__ = ["Transport", "AsyncTransport", "GaveUp", "DeadlineExceeded", "StreamCut"]
