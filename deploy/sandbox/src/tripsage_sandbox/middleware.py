"""Outermost ASGI layer: counts provider calls, adds configured latency and injects faults."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from starlette.types import ASGIApp, Receive, Scope, Send

from tripsage_sandbox import errors
from tripsage_sandbox.faults import Fault, FaultKind, FaultRegistry, Provider, RequestStats
from tripsage_sandbox.routing import classify

log = structlog.get_logger(__name__)

FAULT_HEADER = b"x-sandbox-fault"
DELAY_HEADER = b"x-sandbox-fault-delay"
RETRY_AFTER_HEADER = b"x-sandbox-fault-retry-after"


class ProviderMiddleware:
    """Wraps the whole app so that a dropped connection can close uvicorn's transport itself."""

    def __init__(self, app: ASGIApp, faults: FaultRegistry, stats: RequestStats, latency_ms: float) -> None:
        self.app = app
        self.faults = faults
        self.stats = stats
        self.latency_s = latency_ms / 1000.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Apply stats, latency and faults to provider requests; pass everything else through."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        target = None if path.startswith("/__sandbox") else classify(path)
        if target is None:
            await self.app(scope, receive, send)
            return
        provider, endpoint = target
        self.stats.record(provider, endpoint)
        if self.latency_s > 0:
            await asyncio.sleep(self.latency_s)
        fault = _header_fault(scope, provider) or self.faults.take(provider, endpoint, path)
        if fault is None:
            await self.app(scope, receive, send)
            return
        await self._apply(fault, scope, receive, send)

    async def _apply(self, fault: Fault, scope: Scope, receive: Receive, send: Send) -> None:
        kind = fault.kind
        if kind is FaultKind.SLOW:
            await asyncio.sleep(fault.delay_s)
            await self.app(scope, receive, send)
            return
        if kind is FaultKind.DROP:
            await _drop(send)
            return
        if kind is FaultKind.RATE_LIMIT:
            answer = errors.rate_limited(fault.provider, fault.retry_after_s)
        elif kind is FaultKind.MALFORMED:
            answer = errors.malformed(fault.provider)
        else:
            answer = errors.server_error(fault.provider, 503 if kind is FaultKind.ERROR_503 else 500)
        status, headers, body, media_type = answer
        raw_headers = [(b"content-type", media_type.encode()), (b"content-length", str(len(body)).encode())]
        raw_headers += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": body})


def _header_fault(scope: Scope, provider: Provider) -> Fault | None:
    """A one-off fault asked for with X-Sandbox-Fault: <kind>."""
    headers: dict[bytes, bytes] = {}
    for key, value in scope["headers"]:
        if key.startswith(b"x-sandbox-"):
            headers[key] = value
    raw = headers.get(FAULT_HEADER)
    if raw is None:
        return None
    try:
        kind = FaultKind(raw.decode().strip().lower())
        delay = float(headers.get(DELAY_HEADER, b"1"))
        retry_after = int(headers.get(RETRY_AFTER_HEADER, b"1"))
    except ValueError:
        return None
    return Fault(id="header", provider=provider, kind=kind, delay_s=delay, retry_after_s=retry_after)


async def _drop(send: Send) -> None:
    """Close the TCP connection without a byte of response, like a crashed upstream."""
    transport: Any = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is not None:
        transport.abort()
        # Let connection_lost run so uvicorn sees the disconnect instead of sending a 500.
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        return
    # Not under uvicorn: start a response and break it off, the closest a plain ASGI app can get.
    log.warning("drop_fault_without_transport")
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1000")]})
    await send({"type": "http.response.body", "body": b"{", "more_body": True})
    raise ConnectionAbortedError("sandbox drop fault")
