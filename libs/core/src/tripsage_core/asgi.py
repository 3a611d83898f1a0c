"""The base of every middleware of the shared app: plain ASGI, because Starlette's BaseHTTPMiddleware costs
throughput, and acting on HTTP requests only (lifespan events pass straight through)."""

from __future__ import annotations

from abc import ABC, abstractmethod

from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware(ABC):
    """Subclasses implement `handle`, called for HTTP requests only; `self.app` is the app inside."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    @abstractmethod
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """What the middleware does with one HTTP request; it calls `self.app` to pass it on."""
