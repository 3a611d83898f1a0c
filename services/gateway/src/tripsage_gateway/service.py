"""Forwarding: a public request becomes one upstream call with the caller's token and trace context."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from fastapi import Request, Response

from tripsage_core.hop import hop_headers
from tripsage_gateway.errors import UnknownRoute
from tripsage_http import ServiceClient

# Besides the context every hop carries (tripsage_core.hop), what a forwarded request's body and caching need.
_CONTENT_HEADERS = ("content-type", "accept", "accept-language", "idempotency-key", "if-none-match")
_RESPONSE_HEADERS = ("content-type", "retry-after", "cache-control", "etag", "location", "x-cache")


def _declares_body(request: Request) -> bool:
    # HTTP/1.1 frames a request body only by Content-Length or Transfer-Encoding (RFC 9112 §6).
    return any(name in (b"content-length", b"transfer-encoding") for name, _ in request.scope["headers"])


class Forwarder:
    def __init__(self, *, clients: Mapping[str, ServiceClient], routes: Mapping[str, str]) -> None:
        self._clients = clients
        self._routes = routes

    def upstream_for(self, prefix: str, path: str) -> ServiceClient:
        upstream = self._routes.get(prefix)
        client = self._clients.get(upstream) if upstream else None
        if client is None or any(part in {".", ".."} or "\\" in part for part in path.split("/")):
            raise UnknownRoute(f"/v1/{prefix}/{path}")
        return client

    async def forward(self, request: Request, *, prefix: str, path: str) -> Response:
        client = self.upstream_for(prefix, path)
        # Bounded by the edge middleware (413 past the limit). A request that declares no body (most: GETs) skips
        # the receive chain through every middleware: ~6% of the gateway's CPU per forwarded GET (issue 20).
        body = await request.body() if _declares_body(request) else b""
        headers = hop_headers(request.headers, request_id=request.state.request_id, also=_CONTENT_HEADERS)
        upstream = await client.request(
            request.method,
            # `path` arrives percent-decoded: re-encode it, or a `#`, `?` or `%2F` inside an id would cut the
            # upstream URL into a fragment, a query or another route.
            f"/v1/{prefix}/{quote(path, safe='/')}" if path else f"/v1/{prefix}",
            params=request.url.query or None,
            content=body or None,
            headers=headers,
        )
        return Response(
            content=upstream.content,
            status_code=upstream.status_code,
            headers={name: value for name in _RESPONSE_HEADERS if (value := upstream.headers.get(name)) is not None},
        )
