"""The SDK's HTTP transport: keep-alive connections from a urllib3 pool instead of `urllib`'s one per call.

The SDK takes any callable as `http`, calls it with a `urllib.request.Request`, and reads `status`, `info()` (the
headers, looked up case-insensitively) and `read()` from what it returns; a `URLError` it treats as a network
failure. Against the real Amadeus a new connection per call is a TLS handshake per search.
"""

from __future__ import annotations

import urllib.request
from urllib.error import URLError

import urllib3
from urllib3 import HTTPHeaderDict
from urllib3.exceptions import HTTPError, NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout


class Reply:
    """An answer, already read, shaped like the `http.client.HTTPResponse` the SDK expects."""

    def __init__(self, status: int, headers: HTTPHeaderDict, body: bytes) -> None:
        self.status = status
        self._headers = headers
        self._body = body

    def info(self) -> HTTPHeaderDict:
        return self._headers

    def read(self) -> bytes:
        return self._body


class PooledTransport:
    """Callable as the SDK's `http`: one pool per host, `connections` kept open, no retries (ours do that)."""

    def __init__(self, *, timeout_s: float, connections: int) -> None:
        # PoolManager reads no proxy variables, so the SDK reaches exactly the host configured.
        self._pool = urllib3.PoolManager(
            num_pools=4,
            maxsize=connections,
            retries=False,
            timeout=urllib3.Timeout(connect=timeout_s, read=timeout_s),
        )

    def __call__(self, request: urllib.request.Request) -> Reply:
        try:
            response = self._pool.request(
                request.get_method(),
                request.full_url,
                body=request.data,  # type: ignore[arg-type]  # the SDK sends bytes or nothing
                headers=dict(request.header_items()),
                redirect=False,
            )
        except NewConnectionError as exc:  # a subclass of urllib3's timeout error, though nothing timed out
            raise URLError(ConnectionError(str(exc))) from exc
        except Urllib3Timeout as exc:
            raise URLError(TimeoutError(str(exc))) from exc
        except HTTPError as exc:
            raise URLError(ConnectionError(str(exc))) from exc
        return Reply(response.status, response.headers, response.data)

    def close(self) -> None:
        self._pool.clear()
