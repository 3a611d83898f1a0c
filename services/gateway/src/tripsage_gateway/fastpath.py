"""The forwarding routes as one pure-ASGI layer, innermost of the app's middleware, ahead of FastAPI's router.

Nearly every request the gateway serves is forwarded. Through FastAPI each one also paid for route matching, the
exception and exit-stack layers, the endpoint wrapper and the solving of its parameters: ~18% of the gateway's CPU
per forwarded request in the profile (issue 20). Here a forwarded path is recognised with one regular expression
and handled directly; everything outside it (the request id, the edge limits, tracing) still wraps it, its errors
are answered by the app's own exception handlers (problem+json, 499), and every other path goes on to FastAPI.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from tripsage_gateway.ratelimit import admit, rate_limit_headers
from tripsage_gateway.routes import ROUTES
from tripsage_gateway.service import Forwarder

Handler = Callable[[Request, Exception], Awaitable[Response]]
FORWARDED_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
# /v1/<prefix> (a collection) or /v1/<prefix>/<anything>, for the prefixes of the routing table only.
_FORWARDED_PATH = re.compile("/v1/(" + "|".join(re.escape(prefix) for prefix in ROUTES) + ")(?:/(.*))?", re.S)


class ForwardingFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _FORWARDED_PATH.fullmatch(scope["path"]) if scope["type"] == "http" else None
        if match is None or scope["method"] not in FORWARDED_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            await admit(request)
            forwarder: Forwarder = scope["app"].state.service.forwarder
            response = await forwarder.forward(request, prefix=match.group(1), path=match.group(2) or "")
            response.headers.update(rate_limit_headers(request))
        except Exception as exc:
            handler = _handler_for(scope, exc)
            if handler is None:
                raise  # unexpected: ServerErrorMiddleware logs it and answers 500, as for every route
            response = await handler(request, exc)
        await response(scope, receive, send)


def _handler_for(scope: Scope, exc: Exception) -> Handler | None:
    """The app's handler for this exception's class or nearest base, the catch-all for `Exception` excepted."""
    handlers: dict[type[Exception], Handler] = scope["app"].exception_handlers
    for cls in type(exc).__mro__:
        if cls is Exception:
            return None
        if cls in handlers:
            return handlers[cls]
    return None
