"""What every service answers the same way at its edge: body size limit and security headers."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tripsage_core.errors import PayloadTooLarge, problem_response

# An API answers JSON only: nothing here should ever be framed, sniffed or rendered as a page.
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-site"),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
)
_DOCS_PATHS = ("/docs", "/redoc", "/static-offline-docs/")


class _TooLarge(Exception):
    pass


class EdgeMiddleware:
    """Refuse bodies over `max_body_bytes` with 413 (declared or streamed), and add the security headers."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for key, value in scope["headers"]:
            if key == b"content-length" and value.isdigit() and int(value) > self.max_body_bytes:
                await self._refuse(scope, receive, send)
                return
        received = 0
        started = False
        is_docs = scope["path"].startswith(_DOCS_PATHS)

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise _TooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                headers.extend(SECURITY_HEADERS)
                if not is_docs:
                    headers.append((b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, counting_receive, send_with_headers)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            PayloadTooLarge(f"The request body is larger than {self.max_body_bytes} bytes."), scope["path"]
        )
        await response(scope, receive, send)
